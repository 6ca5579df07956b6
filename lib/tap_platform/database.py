"""The relational database: Aurora (serverless v2 or provisioned) or a plain RDS instance.

It lives in the isolated subnets, admits its port from the app group only, encrypts with the
stack's key, and refuses plaintext connections through its parameter group. RDS manages the
master password in a Secrets Manager secret under the stack's key and rotates it on the
stack's schedule, so no password passes through Pulumi and no rotation function has to be
brought (RDS User Guide, "Password management with Amazon RDS and AWS Secrets Manager";
Secrets Manager User Guide, "Managed rotation"). Only prod keeps a final snapshot and refuses
deletion; other tiers destroy cleanly.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from tap_platform.logs import log_group
from tap_platform.naming import Namer, Service
from tap_platform.policies import AwsContext, service_role
from tap_platform.secrets import final_snapshot_name
from tap_platform.security import reachable_from_app
from tap_platform.settings import DatabaseSettings

LOG_EXPORTS = {"postgres": ["postgresql"], "mysql": ["error", "slowquery"]}
MONITORING_POLICY = "policy/service-role/AmazonRDSEnhancedMonitoringRole"


@dataclass(frozen=True)
class DatabaseArgs:
    namer: Namer
    aws: AwsContext
    settings: DatabaseSettings
    vpc_id: pulumi.Input[str]
    subnet_ids: pulumi.Input[Sequence[pulumi.Input[str]]]
    # The AZs the network spans; Aurora's writer and readers take them in turn.
    availability_zones: pulumi.Input[Sequence[str]]
    app_security_group_id: pulumi.Input[str]
    kms_key_arn: pulumi.Input[str]
    protect: bool
    log_retention_days: int


class Database(pulumi.ComponentResource):
    """Writer and readers (or one Multi-AZ instance), with RDS-managed rotated credentials."""

    def __init__(self, name: str, args: DatabaseArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("tap:data:Database", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        db, namer = args.settings, args.namer
        self.identifier = namer.name("db", Service.RDS)
        # A major version upgrade changes the family, which replaces the group: the family in
        # the name lets the new group exist beside the old one until the database moves.
        self.parameter_group_name = namer.name(f"db-{db.family.replace('.', '-')}", Service.RDS)

        self.security_group = reachable_from_app(
            self, name, namer=namer, role="db", vpc_id=args.vpc_id,
            app_security_group_id=args.app_security_group_id, port=db.port, what="the database",
        )  # fmt: skip
        subnet_group = aws.rds.SubnetGroup(
            f"{name}-subnets",
            name=self.identifier,
            description="Isolated subnets of the database",
            subnet_ids=args.subnet_ids,
            opts=child,
        )
        monitoring_role = self._monitoring_role(name, args)
        exports = LOG_EXPORTS["postgres" if db.postgres else "mysql"]
        # RDS writes exported logs to `/aws/rds/{cluster|instance}/<id>/<log>` (RDS User
        # Guide, "Publishing database logs to Amazon CloudWatch Logs"); made here first.
        kind = "cluster" if db.aurora else "instance"
        self.log_groups = [
            log_group(
                self,
                f"{name}-{log}-logs",
                group_name=f"/aws/rds/{kind}/{self.identifier}/{log}",
                retention_days=args.log_retention_days,
                kms_key_arn=args.kms_key_arn,
            )
            for log in exports
        ]
        common = {
            "engine": db.engine,
            "engine_version": db.engine_version,
            "allow_major_version_upgrade": True,
            "port": db.port,
            "db_subnet_group_name": subnet_group.name,
            "vpc_security_group_ids": [self.security_group.id],
            "storage_encrypted": True,
            "kms_key_id": args.kms_key_arn,
            "backup_retention_period": db.backup_retention_days,
            "copy_tags_to_snapshot": True,
            "enabled_cloudwatch_logs_exports": exports,
            "iam_database_authentication_enabled": True,
            "manage_master_user_password": True,
            "master_user_secret_kms_key_id": args.kms_key_arn,
            "deletion_protection": args.protect,
            "skip_final_snapshot": not args.protect,
            "final_snapshot_identifier": final_snapshot_name(
                self, name, self.identifier, keep=args.protect
            ),
            "apply_immediately": not args.protect,
        }
        if db.aurora:
            self._aurora(name, args, common, monitoring_role)
        else:
            self._instance(name, args, common, monitoring_role)

        # Created without rotating at once: the first rotation follows the schedule. Without
        # this resource RDS rotates every 7 days; destroying it cancels rotation.
        aws.secretsmanager.SecretRotation(
            f"{name}-rotation",
            secret_id=self.secret_arn,
            rotation_rules=aws.secretsmanager.SecretRotationRotationRulesArgs(
                automatically_after_days=db.rotation_days
            ),
            rotate_immediately=False,
            opts=child,
        )
        self.register_outputs(
            {
                "endpoint": self.endpoint,
                "readerEndpoint": self.reader_endpoint,
                "secretArn": self.secret_arn,
            }
        )

    def _parameters(self, db: DatabaseSettings) -> list[dict[str, str]]:
        """TLS only: plaintext connections are refused by the engine."""
        if db.postgres:
            return [{"name": "rds.force_ssl", "value": "1", "apply_method": "pending-reboot"}]
        return [{"name": "require_secure_transport", "value": "ON", "apply_method": "immediate"}]

    def _aurora(
        self, name: str, args: DatabaseArgs, common: dict, monitoring: aws.iam.Role | None
    ) -> None:
        db, child = args.settings, pulumi.ResourceOptions(parent=self)
        parameters = aws.rds.ClusterParameterGroup(
            f"{name}-cluster-params",
            name=self.parameter_group_name,
            family=db.family,
            description="TLS-only connections",
            parameters=[
                aws.rds.ClusterParameterGroupParameterArgs(**p) for p in self._parameters(db)
            ],
            opts=child,
        )
        cluster = aws.rds.Cluster(
            f"{name}-cluster",
            cluster_identifier=self.identifier,
            engine_mode="provisioned",
            database_name=db.database_name,
            master_username=db.master_username,
            db_cluster_parameter_group_name=parameters.name,
            serverlessv2_scaling_configuration=(
                aws.rds.ClusterServerlessv2ScalingConfigurationArgs(
                    min_capacity=db.min_capacity, max_capacity=db.max_capacity
                )
                if db.serverless
                else None
            ),
            opts=pulumi.ResourceOptions(
                parent=self, depends_on=self.log_groups, protect=args.protect
            ),
            **common,
        )
        zones = pulumi.Output.from_input(args.availability_zones)
        for i in range(1 + db.reader_count):
            aws.rds.ClusterInstance(
                f"{name}-instance-{i}",
                identifier=args.namer.name(f"db-{i + 1}", Service.RDS),
                cluster_identifier=cluster.id,
                instance_class="db.serverless" if db.serverless else db.instance_class,
                engine=db.engine,
                engine_version=cluster.engine_version,
                availability_zone=zones.apply(functools.partial(_zone_of, i)),
                **self._instance_options(args, monitoring),
                apply_immediately=common["apply_immediately"],
                opts=child,
            )
        self.secret_arn = cluster.master_user_secrets[0].secret_arn
        self.endpoint = cluster.endpoint
        self.reader_endpoint = cluster.reader_endpoint
        self.metric_dimensions = {"DBClusterIdentifier": cluster.id}

    def _instance(
        self, name: str, args: DatabaseArgs, common: dict, monitoring: aws.iam.Role | None
    ) -> None:
        db, child = args.settings, pulumi.ResourceOptions(parent=self)
        parameters = aws.rds.ParameterGroup(
            f"{name}-params",
            name=self.parameter_group_name,
            family=db.family,
            description="TLS-only connections",
            parameters=[aws.rds.ParameterGroupParameterArgs(**p) for p in self._parameters(db)],
            opts=child,
        )
        instance = aws.rds.Instance(
            f"{name}-instance",
            identifier=self.identifier,
            instance_class=db.instance_class,
            allocated_storage=db.allocated_storage_gb,
            storage_type="gp3",
            db_name=db.database_name,
            username=db.master_username,
            parameter_group_name=parameters.name,
            multi_az=db.multi_az,
            **self._instance_options(args, monitoring),
            opts=pulumi.ResourceOptions(
                parent=self, depends_on=self.log_groups, protect=args.protect
            ),
            **common,
        )
        self.secret_arn = instance.master_user_secrets[0].secret_arn
        self.endpoint = instance.address
        self.reader_endpoint = instance.address
        # In pulumi-aws v7 an instance's `id` is its resource id (`db-...`); CloudWatch's
        # dimension wants the identifier.
        self.metric_dimensions = {"DBInstanceIdentifier": instance.identifier}

    @staticmethod
    def _instance_options(args: DatabaseArgs, monitoring: aws.iam.Role | None) -> dict:
        """What every database instance shares: private, patched, watched in prod."""
        db = args.settings
        return {
            "publicly_accessible": False,
            "auto_minor_version_upgrade": True,
            "performance_insights_enabled": db.performance_insights,
            "performance_insights_kms_key_id": args.kms_key_arn
            if db.performance_insights
            else None,
            "monitoring_interval": db.monitoring_interval_seconds,
            "monitoring_role_arn": monitoring.arn if monitoring else None,
        }

    def _monitoring_role(self, name: str, args: DatabaseArgs) -> aws.iam.Role | None:
        if not args.settings.monitoring_interval_seconds:
            return None
        return service_role(
            self,
            f"{name}-monitoring-role",
            role_name=args.namer.role("db-monitoring", args.aws.region),
            service="monitoring.rds.amazonaws.com",
            context=args.aws,
            managed={"policy": MONITORING_POLICY},
        )


def _zone_of(index: int, zones: Sequence[str]) -> str:
    """Instances take the AZs in turn."""
    return zones[index % len(zones)]
