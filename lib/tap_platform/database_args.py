"""What the database component takes: engine, size, backups, monitoring, rotation and the
app's own user, with the defaults of a small development database."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import pulumi

from tap_platform.naming import Namer
from tap_platform.policies import AwsContext
from tap_platform.settings.limits import ENGINE_VERSION_PATTERNS

Engine = Literal["aurora-postgresql", "aurora-mysql", "postgres", "mysql"]
MonitoringInterval = Literal[0, 1, 5, 10, 15, 30, 60]


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
        app_username: the app's own database user, which logs in with IAM tokens; on
            Aurora the stack makes it through the Data API (default: "app").
        protect: refuse deletion and replacement, and keep a final snapshot on destroy;
            unprotected, a replacement deletes the old database first, since the new one
            takes its identifier (default: False).
        apply_immediately: apply a new instance class or engine version when `pulumi up`
            runs, as CloudFormation does; false leaves it to the maintenance window, and the
            provider shows it as a change until then (default: True).
        setup_subnet_ids: on plain RDS, which has no Data API, private subnets with egress
            where a short build makes the app's user; without them no user is made, and an
            operator runs `db_user.statements` once (default: None).
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
    apply_immediately: bool = True
    app_username: str = "app"
    setup_subnet_ids: pulumi.Input[Sequence[pulumi.Input[str]]] | None = None

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
