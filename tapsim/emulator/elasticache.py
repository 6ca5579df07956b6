"""ElastiCache: the subnet group (moto cannot delete it) and the replication group."""

from __future__ import annotations

from typing import Any

from tapsim.emulator.core import Context, Deleter, Handler, by, keep


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

# Inputs whose change forces a new resource: `ForceNew` (or `RequiresReplace`) in the
# Terraform AWS provider's schema, which pulumi-aws is built on, per file and commit of
# hashicorp/terraform-provider-aws.
FORCE_NEW: dict[str, frozenset[str]] = {
    # website/docs/r/elasticache_replication_group.html.markdown @ 00a35305dc1b
    "aws:elasticache/replicationGroup:ReplicationGroup": frozenset({"snapshotName"}),
    # internal/service/elasticache/subnet_group.go @ 01c08000ddb1
    "aws:elasticache/subnetGroup:SubnetGroup": frozenset({"name"}),
}
