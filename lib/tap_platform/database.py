"""The relational database: Aurora (serverless v2 or provisioned) or a plain RDS instance.

It lives in the isolated subnets, admits its port from the app group only, encrypts with the
stack's key, and refuses plaintext connections through its parameter group. RDS manages the
master password in a Secrets Manager secret under the stack's key and rotates it on the
stack's schedule, so no password passes through Pulumi and no rotation function has to be
brought (RDS User Guide, "Password management with Amazon RDS and AWS Secrets Manager";
Secrets Manager User Guide, "Managed rotation"). Only a protected database keeps a final
snapshot and refuses deletion; others destroy cleanly.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

import pulumi
import pulumi_aws as aws

from tap_platform.database_args import DatabaseArgs
from tap_platform.db_user import DatabaseUser
from tap_platform.db_user_build import UserBuild, UserBuildArgs
from tap_platform.naming import Service
from tap_platform.policies import Grants, service_role
from tap_platform.secrets import final_snapshot_name, grant_secret_read
from tap_platform.security import reachable_from_app
from tap_platform.service_logs import ServiceLogGroup

LOG_EXPORTS = {"postgres": ["postgresql"], "mysql": ["error", "slowquery"]}
MONITORING_POLICY = "policy/service-role/AmazonRDSEnhancedMonitoringRole"


class Database(pulumi.ComponentResource):
    """Writer and readers (or one Multi-AZ instance), with RDS-managed rotated credentials."""

    def __init__(self, name: str, args: DatabaseArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("tap:data:Database", name, None, opts)
        self._key_arn = args.kms_key_arn
        self._aws = args.aws
        self.app_username = args.app_username
        self.identifier = args.namer.name("db", Service.RDS)
        # A major version upgrade changes the family, which replaces the group: the family in
        # the name lets the new group exist beside the old one until the database moves.
        self.parameter_group_name = args.namer.name(
            f"db-{args.family.replace('.', '-')}", Service.RDS
        )
        subnet_group = self._placement(name, args)
        monitoring_role = self._monitoring_role(name, args)
        self.log_groups = self._log_groups(name, args)
        common = self._common(name, args, subnet_group)
        if args.aurora:
            self._aurora(name, args, common, monitoring_role)
        else:
            self._instance(name, args, common, monitoring_role)
        self._rotation(name, args)
        self.register_outputs(
            {
                "endpoint": self.endpoint,
                "readerEndpoint": self.reader_endpoint,
                "secretArn": self.secret_arn,
            }
        )

    def grant_connect(self, name: str) -> Grants:
        """Logging in as the app's own user with an IAM token: `rds-db:connect` on that user
        of this database only (RDS User Guide, "Creating and using an IAM policy for IAM
        database access": `dbuser:<resource id>/<user>`, the cluster's resource id for
        Aurora)."""
        arn = pulumi.Output.concat(
            "arn:", self._aws.partition, ":rds-db:", self._aws.region, ":",
            self._aws.account_id, ":dbuser:", self.resource_id, "/", self.app_username,
        )  # fmt: skip
        return {name: (["rds-db:connect"], [arn])}

    def grant_read_secret(self, name: str) -> Grants:
        """Reading the master user's secret (JSON: username, password) and its key: RDS rotates the
        password, so whoever connects reads it when it connects rather than being given it."""
        return grant_secret_read(name, [self.secret_arn], self._key_arn)

    def _placement(self, name: str, args: DatabaseArgs) -> aws.rds.SubnetGroup:
        """The isolated subnets, and a security group that admits the app's group only, so
        nothing else in the VPC reaches the port."""
        self.security_group = reachable_from_app(
            self, name, namer=args.namer, role="db", vpc_id=args.vpc_id,
            app_security_group_id=args.app_security_group_id, port=args.port,
            what="the database",
        )  # fmt: skip
        return aws.rds.SubnetGroup(
            f"{name}-subnets",
            name=self.identifier,
            description="Isolated subnets of the database",
            subnet_ids=args.subnet_ids,
            opts=pulumi.ResourceOptions(parent=self),
        )

    def _log_groups(self, name: str, args: DatabaseArgs) -> list[ServiceLogGroup]:
        """RDS writes exported logs to `/aws/rds/{cluster|instance}/<id>/<log>` (RDS User
        Guide, "Publishing database logs to Amazon CloudWatch Logs"); made here first, they
        are encrypted and expire, and one a late write makes again after a destroy is taken
        by the next stack (`ServiceLogGroup`)."""
        kind = "cluster" if args.aurora else "instance"
        return [
            ServiceLogGroup(
                f"{name}-{log}-logs",
                group_name=f"/aws/rds/{kind}/{self.identifier}/{log}",
                retention_days=args.log_retention_days,
                kms_key_arn=args.kms_key_arn,
                aws=args.aws,
                opts=pulumi.ResourceOptions(parent=self),
            )
            for log in _exports(args)
        ]

    def _common(
        self, name: str, args: DatabaseArgs, subnet_group: aws.rds.SubnetGroup
    ) -> dict[str, Any]:
        """What a cluster and a plain instance share: placement, encryption, backups, logs,
        the RDS-managed password and what protection keeps."""
        return {
            "engine": args.engine,
            "engine_version": args.engine_version,
            "allow_major_version_upgrade": True,
            "port": args.port,
            "db_subnet_group_name": subnet_group.name,
            "vpc_security_group_ids": [self.security_group.id],
            "storage_encrypted": True,
            "kms_key_id": args.kms_key_arn,
            "backup_retention_period": args.backup_retention_days,
            "copy_tags_to_snapshot": True,
            "enabled_cloudwatch_logs_exports": _exports(args),
            "iam_database_authentication_enabled": True,
            "manage_master_user_password": True,
            "master_user_secret_kms_key_id": args.kms_key_arn,
            "deletion_protection": args.protect,
            "skip_final_snapshot": not args.protect,
            "final_snapshot_identifier": final_snapshot_name(
                self, name, self.identifier, keep=args.protect
            ),
            "apply_immediately": args.apply_immediately,
        }

    def _stateful(self, args: DatabaseArgs) -> pulumi.ResourceOptions:
        """Protected, or else deleted before its replacement is made: the replacement takes
        the same identifier, which RDS refuses while the old one exists. Made after its log
        groups, so it is deleted before them."""
        return pulumi.ResourceOptions(
            parent=self,
            depends_on=self.log_groups,
            protect=args.protect,
            delete_before_replace=not args.protect,
        )

    def _rotation(self, name: str, args: DatabaseArgs) -> None:
        """Without this resource RDS rotates every 7 days; destroying it cancels rotation.
        The first rotation follows the schedule instead of coming at once."""
        aws.secretsmanager.SecretRotation(
            f"{name}-rotation",
            secret_id=self.secret_arn,
            rotation_rules=aws.secretsmanager.SecretRotationRotationRulesArgs(
                automatically_after_days=args.rotation_days
            ),
            rotate_immediately=False,
            opts=pulumi.ResourceOptions(parent=self),
        )

    @staticmethod
    def _parameters(args: DatabaseArgs) -> list[dict[str, str]]:
        """TLS only: plaintext connections are refused by the engine."""
        if args.postgres:
            return [{"name": "rds.force_ssl", "value": "1", "apply_method": "pending-reboot"}]
        return [{"name": "require_secure_transport", "value": "ON", "apply_method": "immediate"}]

    def _aurora(
        self, name: str, args: DatabaseArgs, common: dict[str, Any], monitoring: aws.iam.Role | None
    ) -> None:
        """A cluster whose writer and readers take the AZs in turn, so a reader is in
        another AZ than the writer and can take over when that AZ fails."""
        child = pulumi.ResourceOptions(parent=self)
        parameters = aws.rds.ClusterParameterGroup(
            f"{name}-cluster-params",
            name=self.parameter_group_name,
            family=args.family,
            description="TLS-only connections",
            parameters=[
                aws.rds.ClusterParameterGroupParameterArgs(**p) for p in self._parameters(args)
            ],
            opts=child,
        )
        cluster = aws.rds.Cluster(
            f"{name}-cluster",
            cluster_identifier=self.identifier,
            engine_mode="provisioned",
            enable_http_endpoint=True,
            database_name=args.database_name,
            master_username=args.master_username,
            db_cluster_parameter_group_name=parameters.name,
            serverlessv2_scaling_configuration=(
                aws.rds.ClusterServerlessv2ScalingConfigurationArgs(
                    min_capacity=args.min_capacity, max_capacity=args.max_capacity
                )
                if args.serverless
                else None
            ),
            opts=self._stateful(args),
            **common,
        )
        zones = pulumi.Output.from_input(args.availability_zones)
        instances = [
            aws.rds.ClusterInstance(
                f"{name}-instance-{i}",
                identifier=args.namer.name(f"db-{i + 1}", Service.RDS),
                cluster_identifier=cluster.id,
                instance_class="db.serverless" if args.serverless else args.instance_class,
                engine=args.engine,
                engine_version=cluster.engine_version,
                availability_zone=zones.apply(functools.partial(_zone_of, i)),
                **self._instance_options(args, monitoring),
                apply_immediately=common["apply_immediately"],
                # Stateless (the cluster holds the data), and its replacement takes the same
                # identifier: deleted first, in every tier; a reader takes over meanwhile.
                opts=pulumi.ResourceOptions(parent=self, delete_before_replace=True),
            )
            for i in range(1 + args.reader_count)
        ]
        self.secret_arn = cluster.master_user_secrets[0].secret_arn
        self.endpoint = cluster.endpoint
        self.reader_endpoint = cluster.reader_endpoint
        self.resource_id = cluster.cluster_resource_id
        self.metric_dimensions = {"DBClusterIdentifier": cluster.id}
        self.app_user: DatabaseUser | UserBuild | None = self._app_user(
            name, args, cluster, instances[0]
        )

    def _user_build(self, name: str, args: DatabaseArgs, instance: aws.rds.Instance) -> UserBuild:
        """No Data API on plain RDS: the user is made from inside the VPC, once."""
        assert args.setup_subnet_ids is not None
        return UserBuild(
            f"{name}-user-build",
            UserBuildArgs(
                namer=args.namer, aws=args.aws, vpc_id=args.vpc_id,
                subnet_ids=args.setup_subnet_ids,
                database_security_group_id=self.security_group.id, host=instance.address,
                port=args.port, engine=args.engine, database=args.database_name,
                username=args.app_username, secret_arn=self.secret_arn,
                kms_key_arn=args.kms_key_arn, log_retention_days=args.log_retention_days,
            ),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[instance]),
        )  # fmt: skip

    def _app_user(
        self,
        name: str,
        args: DatabaseArgs,
        cluster: aws.rds.Cluster,
        writer: aws.rds.ClusterInstance,
    ) -> DatabaseUser:
        """The app's own user, made through the Data API once the writer answers."""
        return DatabaseUser(
            f"{name}-app-user",
            cluster_arn=cluster.arn,
            secret_arn=self.secret_arn,
            aws=args.aws,
            engine=args.engine,
            database=args.database_name,
            username=args.app_username,
            opts=pulumi.ResourceOptions(parent=self, depends_on=[writer]),
        )

    def _instance(
        self, name: str, args: DatabaseArgs, common: dict[str, Any], monitoring: aws.iam.Role | None
    ) -> None:
        """One instance, with a standby in another AZ when `multi_az` is set; readers
        and writer share its one address."""
        child = pulumi.ResourceOptions(parent=self)
        parameters = aws.rds.ParameterGroup(
            f"{name}-params",
            name=self.parameter_group_name,
            family=args.family,
            description="TLS-only connections",
            parameters=[aws.rds.ParameterGroupParameterArgs(**p) for p in self._parameters(args)],
            opts=child,
        )
        instance = aws.rds.Instance(
            f"{name}-instance",
            identifier=self.identifier,
            instance_class=args.instance_class,
            allocated_storage=args.allocated_storage_gb,
            storage_type="gp3",
            db_name=args.database_name,
            username=args.master_username,
            parameter_group_name=parameters.name,
            multi_az=args.multi_az,
            **self._instance_options(args, monitoring),
            opts=self._stateful(args),
            **common,
        )
        self.secret_arn = instance.master_user_secrets[0].secret_arn
        self.endpoint = instance.address
        self.resource_id = instance.resource_id
        self.app_user = self._user_build(name, args, instance) if args.setup_subnet_ids else None
        self.reader_endpoint = instance.address
        # In pulumi-aws v7 an instance's `id` is its resource id (`db-...`); CloudWatch's
        # dimension wants the identifier.
        self.metric_dimensions = {"DBInstanceIdentifier": instance.identifier}

    @staticmethod
    def _instance_options(args: DatabaseArgs, monitoring: aws.iam.Role | None) -> dict[str, Any]:
        """What every database instance shares: private, patched, and watched as asked."""
        return {
            "publicly_accessible": False,
            "auto_minor_version_upgrade": True,
            "performance_insights_enabled": args.performance_insights,
            "performance_insights_kms_key_id": args.kms_key_arn
            if args.performance_insights
            else None,
            "monitoring_interval": args.monitoring_interval_seconds,
            "monitoring_role_arn": monitoring.arn if monitoring else None,
        }

    def _monitoring_role(self, name: str, args: DatabaseArgs) -> aws.iam.Role | None:
        """Enhanced Monitoring publishes through a role RDS assumes; none when it is off."""
        if not args.monitoring_interval_seconds:
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


def _exports(args: DatabaseArgs) -> list[str]:
    """The engine's logs worth keeping: PostgreSQL has one, MySQL its errors and slow
    queries."""
    return LOG_EXPORTS["postgres" if args.postgres else "mysql"]
