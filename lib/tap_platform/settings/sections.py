"""The sections of a stack's settings (`tap:network`, `tap:service`, ...), one model each.

Every field says what it means in its `description`: the README's settings table is generated
from these and the tier table (`table.py`). The models hold no defaults of their own; the tier
brings them (`tiers.py`), so a stack file states only what differs.
"""

from __future__ import annotations

import difflib
import ipaddress
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic.alias_generators import to_camel

from tap_platform.settings.limits import (
    APP_DB_USER,
    APP_SECRET_PATTERN,
    AURORA_MYSQL_MINOR,
    CACHE_VERSIONS,
    CONNECTION_ARN_PATTERN,
    ENGINE_VERSION_PATTERNS,
    ENGINE_VERSION_WORDS,
    FARGATE_SIZES,
    HOSTNAME_PATTERN,
    KMS_KEY_ARN_PATTERN,
    LOG_RETENTION_DAYS,
    MAX_VPC_PREFIX,
    MIN_VPC_PREFIX,
    RESERVED_DB_USERS,
    STACK_VARIABLES,
    TLS13_POLICIES,
)
from tap_platform.settings.messages import FieldError, words

NatStrategy = Literal["none", "single", "perAz"]
DatabaseEngine = Literal["aurora-postgresql", "aurora-mysql", "postgres", "mysql"]


class Section(BaseModel):
    """Settings as the stack file spells them (camelCase), frozen, unknown keys refused."""

    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, frozen=True, extra="forbid"
    )


def _retention(days: int) -> int:
    if days not in LOG_RETENTION_DAYS:
        raise ValueError(f"must be one of {sorted(LOG_RETENTION_DAYS)}")
    return days


def _ipv4_cidr(value: str) -> str:
    try:
        return str(ipaddress.IPv4Network(value, strict=True))
    except ValueError as err:
        raise ValueError(f"is not an IPv4 CIDR block such as 10.0.0.0/16 ({err})") from None


RetentionDays = Annotated[int, AfterValidator(_retention)]
Cidr = Annotated[str, AfterValidator(_ipv4_cidr)]
RETENTION = "days a CloudWatch log group keeps events (one of the values CloudWatch offers)"


class NetworkSettings(Section):
    """VPC layout. Subnet CIDRs are derived from `cidr`, so only the VPC block is chosen."""

    cidr: Cidr = Field(description=f"the VPC's private IPv4 block, /{MIN_VPC_PREFIX} to /22")
    az_count: int = Field(
        ge=2, le=6, description="AZs used; prod takes at least 3, and no more than the region has"
    )
    nat_strategy: NatStrategy = Field(
        description="none, single or perAz; `none` needs `compute: ecs` and a private ECR image "
        "in the region (the tasks then reach AWS through interface endpoints only)"
    )
    flow_log_retention_days: RetentionDays = Field(description=f"VPC flow logs: {RETENTION}")

    @field_validator("cidr")
    @classmethod
    def _vpc_sized(cls, value: str) -> str:
        net = ipaddress.IPv4Network(value)
        if not net.is_private:
            raise ValueError("must be a private (RFC 1918) range")
        if not MIN_VPC_PREFIX <= net.prefixlen <= MAX_VPC_PREFIX:
            raise ValueError(
                f"prefix must be /{MIN_VPC_PREFIX} to /{MAX_VPC_PREFIX}: AWS allows no larger "
                "VPC, and a smaller one leaves subnets below 32 addresses"
            )
        return value


class LoadBalancerSettings(Section):
    """The public edge: who may connect, and how targets are checked and drained."""

    ingress_cidrs: tuple[Cidr, ...] = Field(min_length=1, description="IPv4 CIDRs that may connect")
    health_check_path: str = Field(
        pattern=r"^/[\x21-\x7e]*$", max_length=1024, description="the app's health path"
    )
    health_check_interval_seconds: int = Field(
        ge=5, le=300, description="seconds between health checks"
    )
    deregistration_delay_seconds: int = Field(
        ge=0, le=3600, description="seconds a leaving target drains"
    )
    idle_timeout_seconds: int = Field(
        ge=1, le=4000, description="seconds an idle connection stays open"
    )
    ssl_policy: str = Field(description="an ELB TLS 1.3 security policy, by exact name")

    @field_validator("ssl_policy")
    @classmethod
    def _tls13(cls, policy: str) -> str:
        if policy not in TLS13_POLICIES:
            near = ", ".join(difflib.get_close_matches(policy, TLS13_POLICIES, n=3, cutoff=0))
            raise ValueError(f"is not an ELB TLS 1.3 security policy; nearest: {near}")
        return policy


class DomainSettings(Section):
    """A name the app answers on, in a public Route 53 hosted zone of the account: the stack
    requests an ACM certificate for it, validates it through DNS and points an alias at the
    ALB."""

    name: str = Field(
        pattern=HOSTNAME_PATTERN, max_length=253, description="the app's DNS name; turns on HTTPS"
    )
    zone: str = Field(
        pattern=HOSTNAME_PATTERN,
        max_length=253,
        description="a public hosted zone of the account that holds `name`",
    )

    @model_validator(mode="after")
    def _in_zone(self) -> DomainSettings:
        if self.name != self.zone and not self.name.endswith(f".{self.zone}"):
            raise FieldError("name", f"is not in the zone {self.zone}")
        return self


class WafSettings(Section):
    """The web ACL in front of the ALB (Security Hub ELB.16): AWS's managed rule groups and
    a rate limit per client IP over 5 minutes (AWS WAF API Reference, RateBasedStatement:
    Limit 10 to 2,000,000,000)."""

    enabled: bool = Field(description="a WAF web ACL on the ALB with AWS's managed rule groups")
    rate_limit: int = Field(
        ge=10, le=2_000_000_000, description="requests per client IP in 5 minutes before a block"
    )
    log_retention_days: RetentionDays = Field(description=f"WAF logs: {RETENTION}")


VariableName = Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")]


class AppSecretSettings(Section):
    """One variable the runtime sets from an existing secret or parameter at start."""

    from_: str = Field(
        alias="from", pattern=APP_SECRET_PATTERN, description="the secret or parameter"
    )
    key: str | None = Field(
        default=None,
        pattern=KMS_KEY_ARN_PATTERN,
        description="the customer KMS key that encrypts it, when not an AWS managed key",
    )

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, value: object) -> object:
        return {"from": value} if isinstance(value, str) else value


class ServiceSettings(Section):
    """The container the stack runs and how far it scales."""

    image: str = Field(
        min_length=1,
        max_length=1024,
        description="the first image only: once the pipeline delivers, it owns the image",
    )
    command: tuple[str, ...] | None = Field(
        description="the container's command, or null for the image's own; follows `port`"
    )
    port: int = Field(ge=1024, le=65535, description="the port the app listens on")
    cpu: int = Field(description=f"Fargate CPU units: {words(FARGATE_SIZES)}")
    memory: int = Field(description="MiB, a size Fargate pairs with `cpu`")
    architecture: Literal["X86_64", "ARM64"] = Field(description="X86_64 or ARM64")
    desired_count: int = Field(ge=1, le=100, description="tasks or instances at start")
    min_count: int = Field(ge=1, le=100, description="the fewest scaling leaves")
    max_count: int = Field(ge=1, le=100, description="the most scaling adds")
    cpu_target_percent: int = Field(ge=10, le=90, description="the CPU scaling aims at")
    requests_per_target: int = Field(
        ge=1, le=100_000, description="scaling target: requests per target per minute"
    )
    log_retention_days: RetentionDays = Field(description=f"the app's logs: {RETENTION}")
    environment: dict[VariableName, str] = Field(
        description="plain (non-secret) variables; the names the stack sets itself are refused"
    )
    secrets: dict[VariableName, AppSecretSettings] = Field(
        description="variables set at start from existing secrets or SSM parameters: `NAME: "
        "<ARN, secretsmanager:<name> or ssm:<name>>`, or `{from: ..., key: <KMS key ARN>}` "
        "when a customer key encrypts it; granted exactly those and their keys"
    )

    @model_validator(mode="after")
    def _consistent(self) -> ServiceSettings:
        if self.cpu not in FARGATE_SIZES:
            raise FieldError("cpu", f"is not a Fargate size; use one of {words(FARGATE_SIZES)}")
        allowed = FARGATE_SIZES[self.cpu]
        if self.memory not in allowed:
            raise FieldError(
                "memory", f"does not fit cpu {self.cpu}: Fargate allows {words(allowed)} MiB"
            )
        if not self.min_count <= self.desired_count <= self.max_count:
            raise FieldError(
                "desiredCount",
                f"must lie between minCount {self.min_count} and maxCount {self.max_count}",
            )
        for part in ("environment", "secrets"):
            taken = sorted(STACK_VARIABLES & getattr(self, part).keys())
            if taken:
                raise FieldError(
                    (part, taken[0]), "is a variable the stack sets itself; use another name"
                )
        both = sorted(self.environment.keys() & self.secrets.keys())
        if both:
            raise FieldError(("secrets", both[0]), "is also a plain variable in environment")
        return self


class DatabaseSettings(Section):
    """Aurora (serverless v2 or provisioned) or a plain RDS instance."""

    enabled: bool = Field(description="false leaves the database out")
    engine: DatabaseEngine = Field(description="aurora-postgresql, aurora-mysql, postgres, mysql")
    engine_version: str = Field(
        description="a major version, kept current by AWS's minor upgrades, or an exact one, "
        "which pins; resolved from the region; follows `engine`"
    )
    port: int = Field(ge=1150, le=65535, description="follows `engine` (5432, or 3306 for MySQL)")
    master_username: str = Field(
        pattern=r"^[a-zA-Z][a-zA-Z0-9_]{0,15}$",
        description="not a name the engine reserves; its password is RDS-managed",
    )
    database_name: str = Field(
        pattern=r"^[a-zA-Z][a-zA-Z0-9_]{0,62}$", description="the database created at start"
    )
    serverless: bool = Field(description="Aurora Serverless v2; false uses `instanceClass`")
    min_capacity: float = Field(ge=0, le=256, description="ACU, steps of 0.5; 0 lets it pause")
    max_capacity: float = Field(ge=1, le=256, description="ACU, steps of 0.5")
    instance_class: str = Field(
        pattern=r"^db\.[a-z0-9]+\.[a-z0-9]+$",
        description="provisioned Aurora and plain RDS; orderable in the region",
    )
    reader_count: int = Field(ge=0, le=15, description="Aurora readers over the AZs")
    allocated_storage_gb: int = Field(ge=20, le=65536, description="plain RDS storage, GB")
    multi_az: bool = Field(description="plain RDS standby in another AZ")
    backup_retention_days: int = Field(ge=1, le=35, description="days of automated backups")
    performance_insights: bool = Field(description="Performance Insights, KMS-encrypted")
    monitoring_interval_seconds: Literal[0, 1, 5, 10, 15, 30, 60] = Field(
        description="Enhanced Monitoring interval; 0 is off"
    )
    rotation_days: int = Field(ge=1, le=365, description="how often RDS rotates the password")
    apply_immediately: bool = Field(
        description="a new instance class or engine version applies at the next `pulumi up`; "
        "false waits for the maintenance window, and each `pulumi up` shows it until then"
    )

    @property
    def aurora(self) -> bool:
        return self.engine.startswith("aurora-")

    def _data_api(self) -> None:
        """Aurora makes the app's user through the Data API, which runs on neither T classes
        nor Aurora MySQL before 3.07 (Aurora User Guide, "Using the RDS Data API":
        limitations, and Region and version availability)."""
        if self.aurora and not self.serverless and self.instance_class.startswith("db.t"):
            raise FieldError(
                "instanceClass",
                "is a T class, on which the Data API that makes the app's database user does "
                "not run; use serverless, or an R or M class",
            )
        exact = AURORA_MYSQL_MINOR.match(self.engine_version)
        if self.engine == "aurora-mysql" and exact and int(exact[1]) < 7:
            raise FieldError(
                "engineVersion",
                "predates Aurora MySQL 3.07, the first with the Data API that makes the app's "
                "database user",
            )

    @property
    def family(self) -> str:
        """Parameter group family, e.g. aurora-postgresql16 or mysql8.0."""
        major = ENGINE_VERSION_PATTERNS[self.engine].match(self.engine_version)
        assert major is not None
        return f"{self.engine}{major[1]}"

    @property
    def postgres(self) -> bool:
        return self.engine.endswith("postgres") or self.engine.endswith("postgresql")

    @model_validator(mode="after")
    def _consistent(self) -> DatabaseSettings:
        if not ENGINE_VERSION_PATTERNS[self.engine].match(self.engine_version):
            raise FieldError(
                "engineVersion",
                f"is not a {self.engine} version: give {ENGINE_VERSION_WORDS[self.engine]}",
            )
        if self.master_username.lower() in RESERVED_DB_USERS[self.engine]:
            raise FieldError("masterUsername", f"is reserved by {self.engine}")
        if self.master_username.lower() == APP_DB_USER:
            raise FieldError("masterUsername", f"is the app's own user, {APP_DB_USER}")
        self._data_api()
        if self.min_capacity > self.max_capacity:
            raise FieldError("minCapacity", f"exceeds maxCapacity {self.max_capacity}")
        if (self.min_capacity * 2) % 1 or (self.max_capacity * 2) % 1:
            raise FieldError("minCapacity", "goes in steps of 0.5 ACU, as maxCapacity does")
        if self.serverless and not self.aurora:
            raise FieldError("serverless", f"applies to Aurora only, not {self.engine}")
        return self


class CacheSettings(Section):
    """The Redis or Valkey replication group."""

    enabled: bool = Field(description="false leaves the cache out")
    engine: Literal["redis", "valkey"] = Field(description="redis or valkey")
    engine_version: str = Field(description="an offered version of the engine; follows `engine`")
    node_type: str = Field(
        pattern=r"^cache\.[a-z0-9]+\.[a-z0-9]+$", description="offered in the region"
    )
    replicas: int = Field(ge=0, le=5, description="more than 0 adds failover and Multi-AZ")
    snapshot_retention_days: int = Field(ge=0, le=35, description="days of daily snapshots")
    log_retention_days: RetentionDays = Field(description=f"slow and engine logs: {RETENTION}")
    apply_immediately: bool = Field(
        description="a new node type or engine version applies at the next `pulumi up`; "
        "false waits for the maintenance window, and each `pulumi up` shows it until then"
    )

    @model_validator(mode="after")
    def _version(self) -> CacheSettings:
        offered = CACHE_VERSIONS[self.engine]
        if self.engine_version not in offered:
            raise FieldError(
                "engineVersion", f"is not a {self.engine} version; use {words(offered)}"
            )
        return self


class StorageSettings(Section):
    """Buckets, keys and secrets: how long deleted things linger."""

    noncurrent_version_days: int = Field(
        ge=1, le=3650, description="days an overwritten object version is kept"
    )
    log_expiration_days: int = Field(ge=1, le=3650, description="days access logs are kept")
    kms_deletion_window_days: int = Field(
        ge=7, le=30, description="days a deleted key waits before it is gone"
    )
    secret_recovery_window_days: int = Field(description="0 (delete at once) or 7-30")

    @field_validator("secret_recovery_window_days")
    @classmethod
    def _window(cls, days: int) -> int:
        if days != 0 and not 7 <= days <= 30:
            raise ValueError("must be 0 (delete at once) or 7-30")
        return days


class PipelineSettings(Section):
    """Delivery: source (S3 object, or a repository through a CodeStar connection), build,
    optional approval, deploy."""

    enabled: bool = Field(description="false leaves the pipeline out")
    connection_arn: str | None = Field(
        default=None,
        pattern=CONNECTION_ARN_PATTERN,
        description="a CodeConnections connection; with `repository`, replaces the S3 source",
    )
    repository: str | None = Field(
        default=None, pattern=r"^[\w.-]+/[\w.-]+$", description="owner/name, with the connection"
    )
    branch: str = Field(min_length=1, max_length=255, description="the branch built")
    require_approval: bool = Field(description="a manual approval before deploy")
    build_image: str = Field(min_length=1, description="the CodeBuild image")
    compute_type: Literal[
        "BUILD_GENERAL1_SMALL", "BUILD_GENERAL1_MEDIUM", "BUILD_GENERAL1_LARGE"
    ] = Field(description="the CodeBuild size")
    privileged: bool = Field(description="only when the build builds images")
    log_retention_days: RetentionDays = Field(description=f"build logs: {RETENTION}")

    @model_validator(mode="after")
    def _source(self) -> PipelineSettings:
        if bool(self.connection_arn) != bool(self.repository):
            field = "repository" if self.repository else "connectionArn"
            raise FieldError(field, "connectionArn and repository (owner/name) go together")
        return self
