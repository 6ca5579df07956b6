"""ElastiCache: the subnet group (moto cannot delete it), the replication group, and the AUTH
tokens a group accepts, which moto does not keep."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from tapsim.emulator.core import Context, Deleter, EmulatorError, Handler, by, keep

# ElastiCache User Guide, "Authenticating with the Valkey and Redis OSS AUTH command": tokens
# are 16-128 printable characters, and the only non-alphanumerics allowed are ! & # $ ^ < > -.
AUTH_TOKEN = re.compile(r"[A-Za-z0-9!&#$^<>\-]{16,128}")


class AuthTokens:
    """The tokens each replication group accepts, changed as the same guide's "Modifying the
    AUTH token on an existing cluster" says: ROTATE adds a token and keeps the previous one
    (at most the two newest), SET keeps only the token of that ROTATE, both applied
    immediately; DELETE only moves a group to RBAC. Attached to a client, it refuses the
    modifications AWS would refuse before moto (which ignores tokens) sees them."""

    def __init__(self) -> None:
        self.accepted: dict[str, list[str]] = {}
        self.modified: dict[str, datetime] = {}

    def seed(self, group_id: str, token: str) -> None:
        self.accepted[group_id] = [token]

    def attach(self, client: Any) -> None:
        """Refuses modifications as AWS would, and reports each group's last token change
        (`AuthTokenLastModifiedDate`), which moto leaves at creation."""
        events = client.meta.events
        events.register("provide-client-params.elasticache.ModifyReplicationGroup", self._modify)
        events.register("after-call.elasticache.DescribeReplicationGroups", self._described)

    def _described(self, parsed: dict[str, Any], **_: Any) -> None:
        for group in parsed.get("ReplicationGroups", []):
            if group["ReplicationGroupId"] in self.modified:
                group["AuthTokenLastModifiedDate"] = self.modified[group["ReplicationGroupId"]]

    def _modify(self, params: dict[str, Any], **_: Any) -> None:
        token = params.get("AuthToken")
        if token is None:
            return
        group, strategy = params["ReplicationGroupId"], params.get("AuthTokenUpdateStrategy")
        if group not in self.accepted:
            raise EmulatorError(f"{group}: no token seeded for this group")
        if not params.get("ApplyImmediately"):
            raise EmulatorError("a token change is made with ApplyImmediately")
        if not AUTH_TOKEN.fullmatch(token):
            raise EmulatorError("InvalidParameterValue: the AUTH token breaks the token rules")
        tokens = self.accepted[group]
        if strategy in (None, "ROTATE"):
            self.accepted[group] = [*tokens, token][-2:]
        elif strategy == "SET":
            if len(tokens) != 2 or tokens[-1] != token:
                raise EmulatorError("InvalidParameterCombination: SET takes the token of a ROTATE")
            self.accepted[group] = [token]
        else:
            raise EmulatorError(f"InvalidParameterValue: {strategy} is no rotation")
        self.modified[group] = datetime.now(UTC)


def _subnet_group(ctx: Context, i: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    ctx.clients("elasticache").create_cache_subnet_group(
        CacheSubnetGroupName=i["name"],
        CacheSubnetGroupDescription=i.get("description", "Managed by Pulumi"),
        SubnetIds=i["subnetIds"],
        **ctx.tags_arg("Tags"),
    )
    return i["name"], {}


def _optional(i: dict[str, Any], **keys: str) -> dict[str, Any]:
    """API arguments for the inputs that are set: `{ApiName: inputName}`."""
    return {api: i[key] for api, key in keys.items() if i.get(key)}


def _replication_group(ctx: Context, i: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    logs = [
        {
            "LogType": c["logType"],
            "DestinationType": c["destinationType"],
            "DestinationDetails": {"CloudWatchLogsDetails": {"LogGroup": c["destination"]}},
            "LogFormat": c["logFormat"],
        }
        for c in i.get("logDeliveryConfigurations", [])
    ]
    group = ctx.clients("elasticache").create_replication_group(
        ReplicationGroupId=i["replicationGroupId"],
        ReplicationGroupDescription=i["description"],
        Engine=i.get("engine", "redis"),
        EngineVersion=i["engineVersion"],
        CacheNodeType=i["nodeType"],
        Port=int(i.get("port", 6379)),
        NumCacheClusters=int(i.get("numCacheClusters", 1)),
        AutomaticFailoverEnabled=bool(i.get("automaticFailoverEnabled")),
        MultiAZEnabled=bool(i.get("multiAzEnabled")),
        CacheSubnetGroupName=i["subnetGroupName"],
        SecurityGroupIds=i.get("securityGroupIds", []),
        AtRestEncryptionEnabled=bool(i.get("atRestEncryptionEnabled")),
        TransitEncryptionEnabled=bool(i.get("transitEncryptionEnabled")),
        **_optional(
            i,
            KmsKeyId="kmsKeyId",
            TransitEncryptionMode="transitEncryptionMode",
            AuthToken="authToken",
        ),
        SnapshotRetentionLimit=int(i.get("snapshotRetentionLimit", 0)),
        AutoMinorVersionUpgrade=bool(i.get("autoMinorVersionUpgrade", True)),
        LogDeliveryConfigurations=logs,
        **ctx.tags_arg("Tags"),
    )["ReplicationGroup"]
    (node_group,) = group["NodeGroups"]
    primary = node_group["PrimaryEndpoint"]["Address"]
    reader = node_group.get("ReaderEndpoint", {}).get("Address", primary)
    return i["replicationGroupId"], {
        "arn": group.get("ARN", ""),
        "primaryEndpointAddress": primary,
        "readerEndpointAddress": reader,
    }


HANDLERS: dict[str, tuple[Handler, Deleter]] = {
    "aws:elasticache/subnetGroup:SubnetGroup": (_subnet_group, keep),
    "aws:elasticache/replicationGroup:ReplicationGroup": (
        _replication_group,
        by("elasticache.delete_replication_group", ReplicationGroupId="id"),
    ),
}
UNDELETABLE = {
    "aws:elasticache/subnetGroup:SubnetGroup": "moto does not implement delete_cache_subnet_group",
}
# Inputs AWS changes only in the maintenance window unless the request applies immediately:
# "changes to the nodes in the replication group are applied on the next maintenance reboot"
# (ElastiCache API Reference, ModifyReplicationGroup, ApplyImmediately).
PENDING: dict[str, frozenset[str]] = {
    "aws:elasticache/replicationGroup:ReplicationGroup": frozenset({"nodeType", "engineVersion"}),
}
