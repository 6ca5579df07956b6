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
from dataclasses import dataclass
from typing import Any, Literal

import pulumi
import pulumi_aws as aws

from tap_platform.logs import log_group
from tap_platform.naming import Namer, Service
from tap_platform.policies import AwsContext, Grants, service_role
from tap_platform.secrets import final_snapshot_name, grant_secret_read
from tap_platform.security import reachable_from_app
from tap_platform.settings.limits import ENGINE_VERSION_PATTERNS

Engine = Literal["aurora-postgresql", "aurora-mysql", "postgres", "mysql"]
MonitoringInterval = Literal[0, 1, 5, 10, 15, 30, 60]
LOG_EXPORTS = {"postgres": ["postgresql"], "mysql": ["error", "slowquery"]}
MONITORING_POLICY = "policy/service-role/AmazonRDSEnhancedMonitoringRole"


@dataclass(frozen=True)
class DatabaseArgs:
    """Where the database sits and what it runs: engine, size, backups, monitoring and how
    often its password rotates. The defaults make a small development database (Aurora
    PostgreSQL 16 on Serverless v2 from 0 to 2 ACU, no reader, a day of backups) that is
    destroyed cleanly.

    Attributes:
        namer: names the database, its groups, instances and monitoring role.
        aws: the account, region and partition the monitoring role is scoped to.
        vpc_id: the VPC of the database's security group.
        subnet_ids: the isolated subnets the database is placed in.
        availability_zones: the AZs the subnets span; Aurora's writer and readers take them
            in turn, so a reader sits in another AZ than the writer.
        app_security_group_id: the only security group admitted to the database's port.
        kms_key_arn: the key that encrypts storage, the master secret, the exported logs and
            Performance Insights.
        engine: aurora-postgresql or aurora-mysql make a cluster, postgres or mysql one
            instance (default: "aurora-postgresql").
        engine_version: a major version, kept current by AWS's minor upgrades, or an exact
            one, which pins; it must be a version of the engine, and its major version
            names the parameter group's family (default: "16").
        port: where the engine listens and the app is admitted: 5432 suits PostgreSQL,
            3306 MySQL (default: 5432).
        master_username: the master user, not a name the engine reserves; RDS makes and
            keeps its password (default: "tapadmin").
        database_name: the database created at start (default: "app").
        serverless: Aurora Serverless v2 between min_capacity and max_capacity; False runs
            instance_class; a plain instance ignores it (default: True).
        min_capacity: fewest ACU, in steps of 0.5; 0 lets an idle database pause
            (default: 0).
        max_capacity: most ACU, in steps of 0.5 (default: 2).
        instance_class: the class of provisioned Aurora instances and of a plain instance
            (default: "db.t4g.medium").
        reader_count: Aurora readers beside the writer, spread over the AZs (default: 0).
        allocated_storage_gb: gp3 storage of a plain instance (default: 20).
        multi_az: a standby of a plain instance in another AZ (default: False).
        backup_retention_days: days of automated backups, 1 to 35 (default: 1).
        performance_insights: Performance Insights, encrypted with the key (default: False).
        monitoring_interval_seconds: seconds between Enhanced Monitoring samples, which
            brings a role RDS assumes; 0 is off (default: 0).
        rotation_days: how often Secrets Manager rotates the master password (default: 30).
        log_retention_days: days the exported engine logs are kept (default: 7).
        protect: refuse deletion, keep a final snapshot on destroy and apply changes in the
            maintenance window rather than at once (default: False).
    """

    namer: Namer
    aws: AwsContext
    vpc_id: pulumi.Input[str]
    subnet_ids: pulumi.Input[Sequence[pulumi.Input[str]]]
    availability_zones: pulumi.Input[Sequence[str]]
    app_security_group_id: pulumi.Input[str]
    kms_key_arn: pulumi.Input[str]
    engine: Engine = "aurora-postgresql"
    engine_version: str = "16"
    port: int = 5432
    master_username: str = "tapadmin"
    database_name: str = "app"
    serverless: bool = True
    min_capacity: float = 0
    max_capacity: float = 2
    instance_class: str = "db.t4g.medium"
    reader_count: int = 0
    allocated_storage_gb: int = 20
    multi_az: bool = False
    backup_retention_days: int = 1
    performance_insights: bool = False
    monitoring_interval_seconds: MonitoringInterval = 0
    rotation_days: int = 30
    log_retention_days: int = 7
    protect: bool = False

    def __post_init__(self) -> None:
        """The family is read off the version, and RDS refuses a version of another engine
        only after the rest of the deployment has been made."""
        if not ENGINE_VERSION_PATTERNS[self.engine].match(self.engine_version):
            raise ValueError(f"{self.engine_version!r} is not a version of {self.engine}")

    @property
    def aurora(self) -> bool:
        """A cluster with a writer and readers, rather than one instance."""
        return self.engine.startswith("aurora-")

    @property
    def postgres(self) -> bool:
        """PostgreSQL rather than MySQL: which logs exist and which parameter forces TLS."""
        return self.engine.endswith(("postgres", "postgresql"))

    @property
    def family(self) -> str:
        """Parameter group family, e.g. aurora-postgresql16 or mysql8.0."""
        major = ENGINE_VERSION_PATTERNS[self.engine].match(self.engine_version)
        assert major is not None
        return f"{self.engine}{major[1]}"


class Database(pulumi.ComponentResource):
    """Writer and readers (or one Multi-AZ instance), with RDS-managed rotated credentials."""

    def __init__(self, name: str, args: DatabaseArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("tap:data:Database", name, None, opts)
        self._key_arn = args.kms_key_arn
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

    def _log_groups(self, name: str, args: DatabaseArgs) -> list[aws.cloudwatch.LogGroup]:
        """RDS writes exported logs to `/aws/rds/{cluster|instance}/<id>/<log>` (RDS User
        Guide, "Publishing database logs to Amazon CloudWatch Logs"); made here first, they
        are encrypted, expire and go with the stack instead of being left behind."""
        kind = "cluster" if args.aurora else "instance"
        return [
            log_group(
                self,
                f"{name}-{log}-logs",
                group_name=f"/aws/rds/{kind}/{self.identifier}/{log}",
                retention_days=args.log_retention_days,
                kms_key_arn=args.kms_key_arn,
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
            "apply_immediately": not args.protect,
        }

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
            opts=pulumi.ResourceOptions(
                parent=self, depends_on=self.log_groups, protect=args.protect
            ),
            **common,
        )
        zones = pulumi.Output.from_input(args.availability_zones)
        for i in range(1 + args.reader_count):
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
                opts=child,
            )
        self.secret_arn = cluster.master_user_secrets[0].secret_arn
        self.endpoint = cluster.endpoint
        self.reader_endpoint = cluster.reader_endpoint
        self.metric_dimensions = {"DBClusterIdentifier": cluster.id}

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
