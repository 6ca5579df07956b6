"""Redis (or Valkey) as an ElastiCache replication group.

TLS is required in transit, data is encrypted at rest with the stack's key, and clients
authenticate with an AUTH token the stack generates and keeps in Secrets Manager. Tiers with
replicas get automatic failover across AZs.

Pulumi seeds the token; after that it belongs to the rotation procedure (`ops/cache_token.py`),
which changes it with ElastiCache's ROTATE and SET strategies and writes the secret. AWS never
returns a token, so a refresh cannot see that change: Pulumi ignores both values after the
first deploy rather than set the seed back.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from tap_platform.logs import log_group
from tap_platform.naming import Namer, Service
from tap_platform.secrets import (
    AUTH_TOKEN_SPECIALS,
    final_snapshot_name,
    generated_password,
    seeded_secret,
)
from tap_platform.security import reachable_from_app
from tap_platform.settings import CacheSettings

PORT = 6379


@dataclass(frozen=True)
class CacheArgs:
    namer: Namer
    settings: CacheSettings
    vpc_id: pulumi.Input[str]
    subnet_ids: pulumi.Input[Sequence[pulumi.Input[str]]]
    app_security_group_id: pulumi.Input[str]
    kms_key_arn: pulumi.Input[str]
    protect: bool
    secret_recovery_window_days: int


class Cache(pulumi.ComponentResource):
    """Replication group with a primary and `replicas` readers, and its AUTH secret."""

    def __init__(self, name: str, args: CacheArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("tap:data:Cache", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        cache, namer = args.settings, args.namer
        identifier = namer.name("cache", Service.ELASTICACHE)

        self.security_group = reachable_from_app(
            self, name, namer=namer, role="cache", vpc_id=args.vpc_id,
            app_security_group_id=args.app_security_group_id, port=PORT, what="the cache",
        )  # fmt: skip
        subnet_group = aws.elasticache.SubnetGroup(
            f"{name}-subnets",
            name=identifier,
            description="Isolated subnets of the cache",
            subnet_ids=args.subnet_ids,
            opts=child,
        )
        slow_log = log_group(
            self,
            f"{name}-slow-log",
            group_name=namer.log_group("cache-slow-log"),
            retention_days=cache.log_retention_days,
            kms_key_arn=args.kms_key_arn,
        )
        token = generated_password(f"{name}-auth-token", parent=self, specials=AUTH_TOKEN_SPECIALS)
        replicated = cache.replicas > 0
        self.group = aws.elasticache.ReplicationGroup(
            f"{name}-group",
            replication_group_id=identifier,
            description=f"App cache of {namer.name('stack')}",
            engine=cache.engine,
            engine_version=cache.engine_version,
            node_type=cache.node_type,
            port=PORT,
            num_cache_clusters=1 + cache.replicas,
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
            snapshot_retention_limit=cache.snapshot_retention_days,
            final_snapshot_identifier=final_snapshot_name(
                self, name, identifier, keep=args.protect
            ),
            auto_minor_version_upgrade=True,
            apply_immediately=not args.protect,
            log_delivery_configurations=[
                aws.elasticache.ReplicationGroupLogDeliveryConfigurationArgs(
                    destination=slow_log.name,
                    destination_type="cloudwatch-logs",
                    log_format="json",
                    log_type="slow-log",
                )
            ],
            opts=pulumi.ResourceOptions(
                parent=self, protect=args.protect, ignore_changes=["authToken"]
            ),
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
        self.member_ids = [f"{identifier}-{n:03d}" for n in range(1, 2 + args.settings.replicas)]
        self.register_outputs(
            {
                "primaryEndpoint": self.primary_endpoint,
                "readerEndpoint": self.reader_endpoint,
                "secretArn": self.secret.arn,
            }
        )
