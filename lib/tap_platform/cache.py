"""Redis (or Valkey) as an ElastiCache replication group.

TLS is required in transit, data is encrypted at rest with the stack's key, and clients
authenticate with an AUTH token the stack generates and keeps in Secrets Manager. Groups with
replicas get automatic failover across AZs.

Pulumi seeds the token; after that it belongs to the rotation procedure (`ops/cache_token.py`),
which changes it with ElastiCache's ROTATE and SET strategies and writes the secret. AWS never
returns a token, so a refresh cannot see that change: Pulumi ignores both values after the
first deploy rather than set the seed back.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import pulumi
import pulumi_aws as aws
import pulumi_random as random

from tap_platform.logs import log_group
from tap_platform.naming import Namer, Service
from tap_platform.policies import Grants
from tap_platform.secrets import (
    AUTH_TOKEN_SPECIALS,
    final_snapshot_name,
    generated_password,
    grant_secret_read,
    seeded_secret,
)
from tap_platform.security import reachable_from_app

PORT = 6379
Engine = Literal["redis", "valkey"]


@dataclass(frozen=True)
class CacheArgs:
    """Where the cache sits and what it runs: engine, node type, replicas, and how long
    snapshots, the slow log and a deleted AUTH secret are kept. The defaults make a small
    development cache (one Redis 7.1 node, no snapshots) that is destroyed cleanly.

    Attributes:
        namer: names the group, its subnet and security groups, slow log and secret.
        vpc_id: the VPC of the cache's security group.
        subnet_ids: the isolated subnets the nodes are placed in.
        app_security_group_id: the only security group admitted to the cache's port (6379).
        kms_key_arn: the key that encrypts the data at rest, the slow log and the AUTH
            secret.
        engine: redis or valkey (default: "redis").
        engine_version: a version ElastiCache offers for the engine (default: "7.1").
        node_type: the node type, offered in the region (default: "cache.t4g.micro").
        replicas: readers beside the primary; more than 0 brings automatic failover and
            Multi-AZ (default: 0).
        snapshot_retention_days: days daily snapshots are kept; 0 takes none (default: 0).
        log_retention_days: days the slow log is kept (default: 7).
        secret_recovery_window_days: days a deleted AUTH secret can still be restored; 0
            deletes it at once, so a re-created stack can take its name again (default: 0).
        protect: keep the group and its secret on destroy, with a final snapshot, and
            refuse its replacement; unprotected, a replacement deletes the old group first,
            since the new one takes its identifier (default: False).
        apply_immediately: apply a new node type or engine version when `pulumi up` runs;
            false leaves it to the maintenance window, and the provider shows it as a change
            until then (default: True).
    """

    namer: Namer
    vpc_id: pulumi.Input[str]
    subnet_ids: pulumi.Input[Sequence[pulumi.Input[str]]]
    app_security_group_id: pulumi.Input[str]
    kms_key_arn: pulumi.Input[str]
    engine: Engine = "redis"
    engine_version: str = "7.1"
    node_type: str = "cache.t4g.micro"
    replicas: int = 0
    snapshot_retention_days: int = 0
    log_retention_days: int = 7
    secret_recovery_window_days: int = 0
    protect: bool = False
    apply_immediately: bool = True


class Cache(pulumi.ComponentResource):
    """Replication group with a primary and `replicas` readers, and its AUTH secret."""

    def __init__(self, name: str, args: CacheArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("tap:data:Cache", name, None, opts)
        self._key_arn = args.kms_key_arn
        namer = args.namer
        identifier = namer.name("cache", Service.ELASTICACHE)
        subnet_group = self._placement(name, args, identifier)
        slow_log = log_group(
            self,
            f"{name}-slow-log",
            group_name=namer.log_group("cache-slow-log"),
            retention_days=args.log_retention_days,
            kms_key_arn=args.kms_key_arn,
        )
        token = generated_password(f"{name}-auth-token", parent=self, specials=AUTH_TOKEN_SPECIALS)
        self.group = self._group(
            name,
            args,
            identifier=identifier,
            subnet_group=subnet_group,
            slow_log=slow_log,
            token=token,
        )
        self.secret = seeded_secret(
            f"{name}-auth",
            parent=self,
            secret_name=namer.secret("cache-auth"),
            description="Cache AUTH token (JSON: token)",
            kms_key_arn=args.kms_key_arn,
            recovery_window_days=args.secret_recovery_window_days,
            protect=args.protect,
            value=pulumi.Output.json_dumps({"token": token.result}),
        )
        self.primary_endpoint = self.group.primary_endpoint_address
        self.reader_endpoint = self.group.reader_endpoint_address
        self.port = PORT
        # Node metrics are published per member (ElastiCache User Guide, "Host-level
        # metrics": dimension CacheClusterId), and members are named `<group id>-001`, ...;
        # after a failover any of them may be the primary, so each one is watched.
        self.member_ids = [f"{identifier}-{n:03d}" for n in range(1, 2 + args.replicas)]
        self.register_outputs(
            {
                "primaryEndpoint": self.primary_endpoint,
                "readerEndpoint": self.reader_endpoint,
                "secretArn": self.secret.arn,
            }
        )

    def grant_read_secret(self, name: str) -> Grants:
        """Reading the AUTH-token secret (JSON: token) and its key: a client reads it each
        time it connects, so a rotation reaches it at its next connection."""
        return grant_secret_read(name, [self.secret.arn], self._key_arn)

    def _placement(
        self, name: str, args: CacheArgs, identifier: str
    ) -> aws.elasticache.SubnetGroup:
        """The isolated subnets, and a security group that admits the app's group only, so
        nothing else in the VPC reaches the port."""
        self.security_group = reachable_from_app(
            self, name, namer=args.namer, role="cache", vpc_id=args.vpc_id,
            app_security_group_id=args.app_security_group_id, port=PORT, what="the cache",
        )  # fmt: skip
        return aws.elasticache.SubnetGroup(
            f"{name}-subnets",
            name=identifier,
            description="Isolated subnets of the cache",
            subnet_ids=args.subnet_ids,
            opts=pulumi.ResourceOptions(parent=self),
        )

    def _group(
        self,
        name: str,
        args: CacheArgs,
        *,
        identifier: str,
        subnet_group: aws.elasticache.SubnetGroup,
        slow_log: aws.cloudwatch.LogGroup,
        token: random.RandomPassword,
    ) -> aws.elasticache.ReplicationGroup:
        """Encrypted in transit (required, not offered) and at rest; failover and Multi-AZ
        come with the first replica, since a lone node has nowhere to fail over to."""
        replicated = args.replicas > 0
        return aws.elasticache.ReplicationGroup(
            f"{name}-group",
            replication_group_id=identifier,
            description=f"App cache of {args.namer.name('stack')}",
            engine=args.engine,
            engine_version=args.engine_version,
            node_type=args.node_type,
            port=PORT,
            num_cache_clusters=1 + args.replicas,
            automatic_failover_enabled=replicated,
            multi_az_enabled=replicated,
            subnet_group_name=subnet_group.name,
            security_group_ids=[self.security_group.id],
            at_rest_encryption_enabled=True,
            kms_key_id=args.kms_key_arn,
            transit_encryption_enabled=True,
            transit_encryption_mode="required",
            auth_token=token.result,
            auth_token_update_strategy="ROTATE",
            snapshot_retention_limit=args.snapshot_retention_days,
            final_snapshot_identifier=final_snapshot_name(
                self, name, identifier, keep=args.protect
            ),
            auto_minor_version_upgrade=True,
            apply_immediately=args.apply_immediately,
            log_delivery_configurations=[
                aws.elasticache.ReplicationGroupLogDeliveryConfigurationArgs(
                    destination=slow_log.name,
                    destination_type="cloudwatch-logs",
                    log_format="json",
                    log_type="slow-log",
                )
            ],
            # Protected, or else deleted before its replacement takes the same identifier.
            opts=pulumi.ResourceOptions(
                parent=self,
                protect=args.protect,
                delete_before_replace=not args.protect,
                ignore_changes=["authToken"],
            ),
        )
