"""Every setting the stack reads, loaded once, validated and typed.

Components never touch `pulumi.Config`: they receive the frozen objects built here. A wrong
value stops the program before any resource is registered, with one message that names the
setting, the value and what is allowed. Each tier (dev, staging, prod) brings defaults, so a
stack file only states what differs.
"""

from __future__ import annotations

import copy
import difflib
import ipaddress
import itertools
import json
import os
import re
import unicodedata
from collections.abc import Iterable, Mapping
from typing import Annotated, Any, Literal

import pulumi
from pulumi.runtime.config import CONFIG, get_config_env
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic.alias_generators import to_camel

from tap_platform import roles
from tap_platform.naming import PROJECT_MAX_LENGTH, SUFFIX_MAX_LENGTH, SUFFIX_PATTERN

Tier = Literal["dev", "staging", "prod"]
# What one stack holds: everything (`all`), what services share (`environment`), or one
# service on a shared environment (`service`).
Role = Literal["all", "environment", "service"]
NatStrategy = Literal["none", "single", "perAz"]

LOG_RETENTION_DAYS = frozenset(
    {1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557}
    | {2922, 3288, 3653}
)
# Fargate task sizes for Linux: cpu units -> allowed memory (MiB). ECS Developer Guide, "Task
# CPU and memory" (Fargate): 0.25 vCPU takes 512 MiB, 1 GB or 2 GB only.
FARGATE_SIZES: dict[int, tuple[int, ...]] = {
    256: (512, 1024, 2048),
    512: tuple(range(1024, 4097, 1024)),
    1024: tuple(range(2048, 8193, 1024)),
    2048: tuple(range(4096, 16385, 1024)),
    4096: tuple(range(8192, 30721, 1024)),
    8192: tuple(range(16384, 61441, 4096)),
    16384: tuple(range(32768, 122881, 8192)),
}
RESERVED_TAGS = frozenset({"Project", "Environment", "EnvironmentSuffix", "ManagedBy"})
# Tags: 50 per resource, keys not starting with `aws:` in any case, letters, digits, spaces
# and `_ . : / = + - @` (ECS API Reference, Tag). Elastic Load Balancing's guide allows keys of
# 127 and values of 255 characters only, and IAM treats keys that differ only by case as one
# (IAM User Guide, "Tagging IAM resources"): the stack holds every tag to all three.
MAX_TAGS, MAX_TAG_KEY, MAX_TAG_VALUE = 50, 127, 255
TAG_PUNCTUATION = frozenset("_.:/=+-@")
# The variables the stack sets in the app's environment (plain and from secrets).
STACK_VARIABLES = frozenset(
    {
        "DB_HOST", "DB_READER_HOST", "DB_PORT", "DB_NAME", "DB_SECRET_ARN", "REDIS_HOST",
        "REDIS_PORT", "REDIS_TLS", "REDIS_AUTH_SECRET_ARN", "ASSETS_BUCKET", "DB_USERNAME",
        "DB_PASSWORD", "REDIS_AUTH_TOKEN",
    }
)  # fmt: skip
# ELB User Guide, "Security policies for your Application Load Balancer" (read 2026-11-23):
# the TLS 1.3 policies, which keep TLS 1.0 and 1.1 out unless their names say so.
TLS13_POLICIES = frozenset(
    f"ELBSecurityPolicy-TLS13-{v}"
    for v in (
        "1-2-2021-06",
        "1-2-Res-2021-06",
        "1-2-Ext1-2021-06",
        "1-2-Ext2-2021-06",
        "1-3-2021-06",
        "1-2-FIPS-2023-04",
        "1-2-Res-FIPS-2023-04",
        "1-2-Ext0-FIPS-2023-04",
        "1-2-Ext1-FIPS-2023-04",
        "1-2-Ext2-FIPS-2023-04",
        "1-3-FIPS-2023-04",
        "1-2-RFC9151-FIPS-2023-07",
        "1-2-Ext0-RFC9151-FIPS-2023-07",
        "1-3-RFC9151-FIPS-2023-07",
        "1-2-PQ-2025-09",
        "1-2-Res-PQ-2025-09",
        "1-2-Ext1-PQ-2025-09",
        "1-2-Ext2-PQ-2025-09",
        "1-3-PQ-2025-09",
        "1-2-FIPS-PQ-2025-09",
        "1-2-Res-FIPS-PQ-2025-09",
        "1-2-Ext0-FIPS-PQ-2025-09",
        "1-2-Ext1-FIPS-PQ-2025-09",
        "1-2-Ext2-FIPS-PQ-2025-09",
        "1-3-FIPS-PQ-2025-09",
    )
)
REGION_PATTERN = re.compile(r"^[a-z]{2}(?:-[a-z]+)+-\d+$")
ACM_ARN_PATTERN = re.compile(
    r"^arn:aws(?:-[a-z]+)*:acm:(?P<region>[a-z0-9-]+):\d{12}:certificate/[0-9a-f-]{36}$"
)
ROLE_ARN_PATTERN = r"^arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]+$"
CONNECTION_ARN_PATTERN = (
    r"^arn:aws(?:-[a-z]+)*:(?:codestar-connections|codeconnections):[a-z0-9-]+:"
    r"\d{12}:connection/[0-9a-f-]{36}$"
)
# An ALB listener also takes an IAM server certificate (ELB User Guide, "SSL certificates").
CERTIFICATE_PATTERN = (
    r"^arn:aws(?:-[a-z]+)*:(?:acm:[a-z0-9-]+:\d{12}:certificate/[0-9a-f-]{36}"
    r"|iam::\d{12}:server-certificate/[\w+=,.@/-]+)$"
)
MIN_VPC_PREFIX, MAX_VPC_PREFIX = 16, 22


class SettingsError(ValueError):
    """A setting that cannot produce a working stack."""


class FieldError(ValueError):
    """A check across fields whose fault lies with one of them: `field` is its dotted key
    below the model, in the stack file's spelling."""

    def __init__(self, field: str | tuple[str, ...], message: str) -> None:
        super().__init__(message)
        self.path = field if isinstance(field, tuple) else tuple(field.split("."))


def _words(values: Iterable[int] | Iterable[str]) -> str:
    """Allowed values as a person writes them: all of a few, or a range of numbers and its
    step."""
    found = sorted(values)
    steps = {b - a for a, b in itertools.pairwise(found)} if isinstance(found[0], int) else set()
    if len(found) > 4 and len(steps) == 1:
        return f"{found[0]} to {found[-1]} in steps of {steps.pop()}"
    return ", ".join(map(str, found[:-1])) + f" or {found[-1]}"


def _tag_text(text: str) -> bool:
    return all(
        c.isalnum() or c in TAG_PUNCTUATION or unicodedata.category(c).startswith("Z") for c in text
    )


class _Settings(BaseModel):
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


class NetworkSettings(_Settings):
    """VPC layout. Subnet CIDRs are derived from `cidr`, so only the VPC block is chosen."""

    cidr: Cidr
    az_count: int = Field(ge=2, le=6)
    nat_strategy: NatStrategy
    flow_log_retention_days: RetentionDays

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


class LoadBalancerSettings(_Settings):
    """The public edge: who may connect, and how targets are checked and drained."""

    ingress_cidrs: tuple[Cidr, ...] = Field(min_length=1)
    health_check_path: str = Field(pattern=r"^/[\x21-\x7e]*$", max_length=1024)
    health_check_interval_seconds: int = Field(ge=5, le=300)
    deregistration_delay_seconds: int = Field(ge=0, le=3600)
    idle_timeout_seconds: int = Field(ge=1, le=4000)
    ssl_policy: str

    @field_validator("ssl_policy")
    @classmethod
    def _tls13(cls, policy: str) -> str:
        if policy not in TLS13_POLICIES:
            near = ", ".join(difflib.get_close_matches(policy, TLS13_POLICIES, n=3, cutoff=0))
            raise ValueError(f"is not an ELB TLS 1.3 security policy; nearest: {near}")
        return policy


HOSTNAME_PATTERN = r"^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$"


class DomainSettings(_Settings):
    """A name the app answers on, in a public Route 53 hosted zone of the account: the stack
    requests an ACM certificate for it, validates it through DNS and points an alias at the
    ALB."""

    name: str = Field(pattern=HOSTNAME_PATTERN, max_length=253)
    zone: str = Field(pattern=HOSTNAME_PATTERN, max_length=253)

    @model_validator(mode="after")
    def _in_zone(self) -> DomainSettings:
        if self.name != self.zone and not self.name.endswith(f".{self.zone}"):
            raise FieldError("name", f"is not in the zone {self.zone}")
        return self


class WafSettings(_Settings):
    """The web ACL in front of the ALB (Security Hub ELB.16): AWS's managed rule groups and
    a rate limit per client IP over 5 minutes (AWS WAF API Reference, RateBasedStatement:
    Limit 10 to 2,000,000,000)."""

    enabled: bool
    rate_limit: int = Field(ge=10, le=2_000_000_000)
    log_retention_days: RetentionDays


class ServiceSettings(_Settings):
    """The container the stack runs and how far it scales."""

    image: str = Field(min_length=1, max_length=1024)
    command: tuple[str, ...] | None
    port: int = Field(ge=1024, le=65535)
    cpu: int
    memory: int
    architecture: Literal["X86_64", "ARM64"]
    desired_count: int = Field(ge=1, le=100)
    min_count: int = Field(ge=1, le=100)
    max_count: int = Field(ge=1, le=100)
    cpu_target_percent: int = Field(ge=10, le=90)
    requests_per_target: int = Field(ge=1, le=100_000)
    log_retention_days: RetentionDays
    environment: dict[Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")], str]

    @model_validator(mode="after")
    def _consistent(self) -> ServiceSettings:
        if self.cpu not in FARGATE_SIZES:
            raise FieldError("cpu", f"is not a Fargate size; use one of {_words(FARGATE_SIZES)}")
        allowed = FARGATE_SIZES[self.cpu]
        if self.memory not in allowed:
            raise FieldError(
                "memory", f"does not fit cpu {self.cpu}: Fargate allows {_words(allowed)} MiB"
            )
        if not self.min_count <= self.desired_count <= self.max_count:
            raise FieldError(
                "desiredCount",
                f"must lie between minCount {self.min_count} and maxCount {self.max_count}",
            )
        taken = sorted(STACK_VARIABLES & self.environment.keys())
        if taken:
            raise FieldError(
                ("environment", taken[0]), "is a variable the stack sets itself; use another name"
            )
        return self


DatabaseEngine = Literal["aurora-postgresql", "aurora-mysql", "postgres", "mysql"]
# Version shapes per engine: a major version, which the service resolves to its default minor
# and lets automatic minor upgrades move within, or an exact version, which pins. The provider
# reads a major version back unchanged while the running version starts with it, so AWS's
# minor upgrades show no diff (terraform-provider-aws, internal/service/rds/engine_version.go,
# `compareActualEngineVersion`).
ENGINE_VERSION_PATTERNS = {
    "aurora-postgresql": re.compile(r"^(1[3-9])(?:\.\d+)?$"),
    "postgres": re.compile(r"^(1[3-9])(?:\.\d+)?$"),
    "aurora-mysql": re.compile(r"^(8\.0)(?:\.mysql_aurora\.3\.\d{2}\.\d+)?$"),
    "mysql": re.compile(r"^(8\.0|8\.4)(?:\.\d+)?$"),
}
ENGINE_VERSION_WORDS = {
    "aurora-postgresql": "a major version from 13 (such as 16) or an exact one (such as 16.4)",
    "postgres": "a major version from 13 (such as 16) or an exact one (such as 16.4)",
    "aurora-mysql": "8.0, or an exact version such as 8.0.mysql_aurora.3.08.0",
    "mysql": "8.0 or 8.4, or an exact version such as 8.0.40",
}
# Master user names each engine refuses; the console's defaults (`postgres`, `admin`) are
# fine on their own engines. RDS API Reference, CreateDBCluster and CreateDBInstance
# (MasterUsername: 1-16 letters, digits or underscores, a letter first, not a reserved word),
# with the reserved words as tested against RDS in aws-cloudformation/cfn-lint (rule E3691).
RESERVED_DB_USERS = {
    "aurora-postgresql": frozenset({"rdsadmin", "admin"}),
    "postgres": frozenset({"rdsadmin", "admin"}),
    "aurora-mysql": frozenset({"rdsadmin"}),
    "mysql": frozenset({"rdsadmin"}),
}


class DatabaseSettings(_Settings):
    """Aurora (serverless v2 or provisioned) or a plain RDS instance."""

    enabled: bool
    engine: DatabaseEngine
    engine_version: str
    port: int = Field(ge=1150, le=65535)
    master_username: str = Field(pattern=r"^[a-zA-Z][a-zA-Z0-9_]{0,15}$")
    database_name: str = Field(pattern=r"^[a-zA-Z][a-zA-Z0-9_]{0,62}$")
    serverless: bool
    min_capacity: float = Field(ge=0, le=256)
    max_capacity: float = Field(ge=1, le=256)
    instance_class: str = Field(pattern=r"^db\.[a-z0-9]+\.[a-z0-9]+$")
    reader_count: int = Field(ge=0, le=15)
    allocated_storage_gb: int = Field(ge=20, le=65536)
    multi_az: bool
    backup_retention_days: int = Field(ge=1, le=35)
    performance_insights: bool
    monitoring_interval_seconds: Literal[0, 1, 5, 10, 15, 30, 60]
    rotation_days: int = Field(ge=1, le=365)

    @property
    def aurora(self) -> bool:
        return self.engine.startswith("aurora-")

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
        if self.min_capacity > self.max_capacity:
            raise FieldError("minCapacity", f"exceeds maxCapacity {self.max_capacity}")
        if (self.min_capacity * 2) % 1 or (self.max_capacity * 2) % 1:
            raise FieldError("minCapacity", "goes in steps of 0.5 ACU, as maxCapacity does")
        if self.serverless and not self.aurora:
            raise FieldError("serverless", f"applies to Aurora only, not {self.engine}")
        return self


# The versions a replication group can be created with: ElastiCache User Guide, "Supported
# engines and versions", and describe_cache_engine_versions as recorded by
# aws-cloudformation/cfn-lint @ 217397c819d2 (2026-07-06); and the one a new stack starts on.
CACHE_VERSIONS = {
    "redis": ("4.0.10", "5.0.6", "6.0", "6.2", "7.0", "7.1"),
    "valkey": ("7.2", "8.0", "8.1", "8.2", "9.0", "9.1"),
}
CACHE_DEFAULTS = {"redis": "7.1", "valkey": "8.0"}


class CacheSettings(_Settings):
    """The Redis or Valkey replication group."""

    enabled: bool
    engine: Literal["redis", "valkey"]
    engine_version: str
    node_type: str = Field(pattern=r"^cache\.[a-z0-9]+\.[a-z0-9]+$")
    replicas: int = Field(ge=0, le=5)
    snapshot_retention_days: int = Field(ge=0, le=35)
    log_retention_days: RetentionDays

    @model_validator(mode="after")
    def _version(self) -> CacheSettings:
        offered = CACHE_VERSIONS[self.engine]
        if self.engine_version not in offered:
            raise FieldError(
                "engineVersion", f"is not a {self.engine} version; use {_words(offered)}"
            )
        return self


class StorageSettings(_Settings):
    """Buckets, keys and secrets: how long deleted things linger."""

    noncurrent_version_days: int = Field(ge=1, le=3650)
    log_expiration_days: int = Field(ge=1, le=3650)
    kms_deletion_window_days: int = Field(ge=7, le=30)
    secret_recovery_window_days: int

    @field_validator("secret_recovery_window_days")
    @classmethod
    def _window(cls, days: int) -> int:
        if days != 0 and not 7 <= days <= 30:
            raise ValueError("must be 0 (delete at once) or 7-30")
        return days


class InstanceSettings(_Settings):
    """EC2 instances when `tap:compute` is `asg`; counts and scaling come from
    `tap:service`."""

    instance_type: str = Field(pattern=r"^[a-z][a-z0-9-]*\.[a-z0-9]+$")
    root_volume_gb: int = Field(ge=8, le=1024)
    health_check_grace_seconds: int = Field(ge=0, le=3600)


class PipelineSettings(_Settings):
    """Delivery: source (S3 object, or a repository through a CodeStar connection), build,
    optional approval, deploy."""

    enabled: bool
    connection_arn: str | None = Field(
        default=None,
        pattern=CONNECTION_ARN_PATTERN,
    )
    repository: str | None = Field(default=None, pattern=r"^[\w.-]+/[\w.-]+$")
    branch: str = Field(min_length=1, max_length=255)
    require_approval: bool
    build_image: str = Field(min_length=1)
    compute_type: Literal["BUILD_GENERAL1_SMALL", "BUILD_GENERAL1_MEDIUM", "BUILD_GENERAL1_LARGE"]
    privileged: bool
    log_retention_days: RetentionDays

    @model_validator(mode="after")
    def _source(self) -> PipelineSettings:
        if bool(self.connection_arn) != bool(self.repository):
            field = "repository" if self.repository else "connectionArn"
            raise FieldError(field, "connectionArn and repository (owner/name) go together")
        return self


class AlarmSettings(_Settings):
    """Who hears about trouble, and what counts as trouble in this tier."""

    email: str | None = Field(default=None, pattern=r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$")
    evaluation_periods: int = Field(ge=1, le=60)
    alb_errors_per_minute: int = Field(ge=1)
    target_errors_per_minute: int = Field(ge=1)
    response_time_seconds: float = Field(gt=0, le=60)
    cpu_percent: int = Field(ge=1, le=100)
    memory_percent: int = Field(ge=1, le=100)
    db_cpu_percent: int = Field(ge=1, le=100)
    db_freeable_memory_mb: int = Field(ge=1)
    db_connections: int = Field(ge=1)
    cache_cpu_percent: int = Field(ge=1, le=100)
    cache_memory_percent: int = Field(ge=1, le=100)
    cache_evictions: int = Field(ge=1)


class AssumeRole(_Settings):
    role_arn: str = Field(pattern=ROLE_ARN_PATTERN)
    session_name: str | None = None
    external_id: str | None = None


class ProviderSettings(_Settings):
    """The stack's `aws:*` credentials settings, for the explicit provider, which does not
    read stack config by itself (pulumi-aws Provider: profile, assumeRoles,
    allowedAccountIds, sharedConfigFiles, sharedCredentialsFiles)."""

    profile: str | None = None
    assume_roles: tuple[AssumeRole, ...] = ()
    allowed_account_ids: tuple[Annotated[str, Field(pattern=r"^\d{12}$")], ...] = ()
    shared_config_files: tuple[str, ...] = ()
    shared_credentials_files: tuple[str, ...] = ()


PROVIDER_KEYS = frozenset({"region", *(to_camel(name) for name in ProviderSettings.model_fields)})
# The AWS-managed public registry has no VPC endpoint; only a private ECR image in the
# stack's region can be pulled without internet egress.
ECR_IMAGE_PATTERN = re.compile(r"^\d{12}\.dkr\.ecr\.(?P<region>[a-z0-9-]+)\.amazonaws\.com/")


# A path pattern of an ALB rule: case-sensitive, `*` matches any characters (ELB User Guide,
# "Listener rules", path conditions); here a plain path, or one ending in `/*`.
ROUTE_PATH_PATTERN = r"^/(?:[A-Za-z0-9._~-]+/)*(?:[A-Za-z0-9._~-]+|\*)?$"
# A stack reference: `<org>/<project>/<stack>`, or a stack of this project (Pulumi docs,
# "Stack references"; stack names take letters, digits, `-`, `_` and `.`).
STACK_REFERENCE_PATTERN = r"^(?:[\w.-]+/[\w.-]+/)?[\w.-]+$"


class RouteSettings(_Settings):
    """Which requests the environment's load balancer sends to a service: those for `host`
    (default: `<suffix>.<the environment's domain>`), and under `path` when given. The
    service's listener rule matches both (ELB User Guide, "Listener rules")."""

    host: str | None = Field(default=None, pattern=HOSTNAME_PATTERN, max_length=128)
    path: str | None = Field(default=None, pattern=ROUTE_PATH_PATTERN, max_length=128)


class Settings(_Settings):
    """The whole, validated configuration of one stack."""

    project: str = Field(pattern=r"^[a-z][a-z0-9]*$", max_length=PROJECT_MAX_LENGTH)
    stack: str
    region: str = Field(pattern=REGION_PATTERN.pattern)
    environment: Tier
    role: Role
    environment_stack: str | None = Field(default=None, pattern=STACK_REFERENCE_PATTERN)
    route: RouteSettings = RouteSettings()
    environment_suffix: str = Field(
        pattern=SUFFIX_PATTERN.pattern, min_length=2, max_length=SUFFIX_MAX_LENGTH
    )
    compute: Literal["ecs", "asg"]
    deletion_protection: bool
    certificate_arn: str | None = Field(default=None, pattern=CERTIFICATE_PATTERN)
    domain: DomainSettings | None = None
    require_https: bool
    tags: dict[str, str]
    network: NetworkSettings
    load_balancer: LoadBalancerSettings
    waf: WafSettings
    service: ServiceSettings
    database: DatabaseSettings
    cache: CacheSettings
    storage: StorageSettings
    instances: InstanceSettings
    pipeline: PipelineSettings
    alarms: AlarmSettings
    provider: ProviderSettings = ProviderSettings()

    @field_validator("environment_suffix")
    @classmethod
    def _suffix(cls, suffix: str) -> str:
        if "--" in suffix:
            raise ValueError("must not contain '--'")
        return suffix

    @field_validator("tags")
    @classmethod
    def _tags(cls, tags: dict[str, str]) -> dict[str, str]:
        reserved = {k.lower() for k in RESERVED_TAGS}
        if len(tags) > MAX_TAGS - len(RESERVED_TAGS):
            raise ValueError(
                f"has {len(tags)} tags; AWS allows {MAX_TAGS} per resource and the stack adds "
                f"{len(RESERVED_TAGS)}"
            )
        for key, value in tags.items():
            if key.lower() in reserved:
                raise FieldError(
                    (key,), f"is set by the stack itself ({', '.join(sorted(RESERVED_TAGS))})"
                )
            if key.lower().startswith("aws:"):
                raise FieldError((key,), "starts with aws:, which AWS reserves in any case")
            if not 1 <= len(key) <= MAX_TAG_KEY or len(value) > MAX_TAG_VALUE:
                raise FieldError(
                    (key,), f"keys take 1 to {MAX_TAG_KEY} characters, values up to {MAX_TAG_VALUE}"
                )
            if not (_tag_text(key) and _tag_text(value)) or key != key.strip():
                raise FieldError(
                    (key,), "takes letters, digits, inner spaces and _ . : / = + - @ only"
                )
        return tags

    @model_validator(mode="after")
    def _cross_checks(self) -> Settings:
        if self.environment == "prod" and self.network.az_count < 3:
            raise FieldError("network.azCount", "prod needs at least 3 AZs")
        if self.network.nat_strategy == "none" and self.role == "all":
            self._check_no_egress()
        if self.require_https and not self.https and self.role != "service":
            raise FieldError(
                "requireHttps",
                "this tier serves HTTPS only (Security Hub ELB.1): add tap:domain (name and "
                "zone, such as {name: app.example.com, zone: example.com}, a public hosted "
                "zone in the account) or tap:certificateArn (a certificate in the region)",
            )
        if self.certificate_arn and self.domain:
            raise FieldError("domain", "give tap:domain or tap:certificateArn, not both")
        if self.certificate_arn:
            match = ACM_ARN_PATTERN.match(self.certificate_arn)
            if match and match["region"] != self.region:
                raise FieldError(
                    "certificateArn",
                    f"an ACM certificate for an ALB must be in the stack's region {self.region}",
                )
        return self

    def _check_no_egress(self) -> None:
        needs = self.needs_egress
        if needs:
            why, remedy = needs
            raise FieldError("network.natStrategy", f"{why}; {remedy}, or 'single' or 'perAz'")

    @property
    def needs_egress(self) -> tuple[str, str] | None:
        """Why the app cannot start without internet egress, and what would let it, or None.
        Without NAT the private subnets reach AWS only through the VPC endpoints the network
        creates (ECR, CloudWatch Logs, Secrets Manager, S3)."""
        if self.compute == "asg":
            return (
                "the Auto Scaling runtime installs Docker and the CodeDeploy agent from the "
                "internet at boot",
                "use tap:compute = 'ecs'",
            )
        match = ECR_IMAGE_PATTERN.match(self.service.image)
        if not match or match["region"] != self.region:
            return (
                f"tap:service.image = {self.service.image!r} cannot be pulled without internet "
                "egress",
                f"use a private ECR image in {self.region} "
                f"(<account>.dkr.ecr.{self.region}.amazonaws.com/<repo>:<tag>)",
            )
        return None

    @property
    def https(self) -> bool:
        return self.certificate_arn is not None or self.domain is not None

    @property
    def required_tags(self) -> dict[str, str]:
        """The tags every resource carries, through the provider's default tags."""
        return {
            **self.tags,
            "Project": self.project,
            "Environment": self.environment,
            "EnvironmentSuffix": self.environment_suffix,
            "ManagedBy": "pulumi",
        }


# The default image's command serves HTTP on the port given last.
DEFAULT_COMMAND = ("python3", "-m", "http.server")
_DEFAULT_SERVICE = {
    "image": "public.ecr.aws/docker/library/python:3.12-alpine",
    "command": [*DEFAULT_COMMAND, "8080"],
    "port": 8080,
    "architecture": "X86_64",
    "cpuTargetPercent": 60,
    "requestsPerTarget": 500,
    "environment": {},
}
_DEFAULT_LOAD_BALANCER = {
    "ingressCidrs": ["0.0.0.0/0"],
    "healthCheckPath": "/",
    "idleTimeoutSeconds": 60,
    "sslPolicy": "ELBSecurityPolicy-TLS13-1-2-2021-06",
}
# Per engine: the major version a new stack starts on, and the port.
ENGINE_DEFAULTS: dict[str, tuple[str, int]] = {
    "aurora-postgresql": ("16", 5432),
    "postgres": ("16", 5432),
    "aurora-mysql": ("8.0", 3306),
    "mysql": ("8.0", 3306),
}
_DEFAULT_DATABASE = {
    "engine": "aurora-postgresql",
    "engineVersion": ENGINE_DEFAULTS["aurora-postgresql"][0],
    "port": ENGINE_DEFAULTS["aurora-postgresql"][1],
    "masterUsername": "tapadmin",
    "databaseName": "app",
    "serverless": True,
    "instanceClass": "db.t4g.medium",
    "allocatedStorageGb": 20,
    "rotationDays": 30,
    "enabled": True,
}
_DEFAULT_CACHE = {"enabled": True, "engine": "redis", "engineVersion": CACHE_DEFAULTS["redis"]}
_DEFAULT_PIPELINE = {
    "enabled": True,
    "branch": "main",
    "buildImage": "aws/codebuild/amazonlinux-x86_64-standard:5.0",
    "computeType": "BUILD_GENERAL1_SMALL",
    "privileged": False,
}
_DEFAULT_ALARMS = {
    "cpuPercent": 80,
    "memoryPercent": 80,
    "dbCpuPercent": 80,
    "dbFreeableMemoryMb": 256,
    "cacheCpuPercent": 75,
    "cacheMemoryPercent": 80,
}
TIER_DEFAULTS: dict[str, dict[str, Any]] = {
    "dev": {
        "instances": {
            "instanceType": "t3.micro",
            "rootVolumeGb": 20,
            "healthCheckGraceSeconds": 120,
        },
        "pipeline": {**_DEFAULT_PIPELINE, "requireApproval": False, "logRetentionDays": 7},
        "alarms": {
            **_DEFAULT_ALARMS,
            "evaluationPeriods": 5,
            "albErrorsPerMinute": 20,
            "targetErrorsPerMinute": 20,
            "responseTimeSeconds": 3,
            "dbConnections": 50,
            "cacheEvictions": 1000,
        },
        "database": {
            **_DEFAULT_DATABASE,
            "minCapacity": 0,
            "maxCapacity": 2,
            "readerCount": 0,
            "multiAz": False,
            "backupRetentionDays": 1,
            "performanceInsights": False,
            "monitoringIntervalSeconds": 0,
        },
        "cache": {
            **_DEFAULT_CACHE,
            "nodeType": "cache.t4g.micro",
            "replicas": 0,
            "snapshotRetentionDays": 0,
            "logRetentionDays": 7,
        },
        "storage": {
            "noncurrentVersionDays": 7,
            "logExpirationDays": 30,
            "kmsDeletionWindowDays": 7,
            "secretRecoveryWindowDays": 0,
        },
        "compute": "ecs",
        "role": "all",
        "deletionProtection": False,
        "requireHttps": False,
        "tags": {},
        "network": {
            "cidr": "10.0.0.0/16",
            "azCount": 2,
            "natStrategy": "single",
            "flowLogRetentionDays": 7,
        },
        "waf": {"enabled": False, "rateLimit": 2000, "logRetentionDays": 30},
        "loadBalancer": {
            **_DEFAULT_LOAD_BALANCER,
            "healthCheckIntervalSeconds": 10,
            "deregistrationDelaySeconds": 5,
        },
        "service": {
            **_DEFAULT_SERVICE,
            "cpu": 256,
            "memory": 512,
            "desiredCount": 1,
            "minCount": 1,
            "maxCount": 2,
            "logRetentionDays": 7,
        },
    },
    "staging": {
        "instances": {
            "instanceType": "t3.small",
            "rootVolumeGb": 20,
            "healthCheckGraceSeconds": 120,
        },
        "pipeline": {**_DEFAULT_PIPELINE, "requireApproval": False, "logRetentionDays": 30},
        "alarms": {
            **_DEFAULT_ALARMS,
            "evaluationPeriods": 3,
            "albErrorsPerMinute": 10,
            "targetErrorsPerMinute": 10,
            "responseTimeSeconds": 2,
            "dbConnections": 100,
            "cacheEvictions": 500,
        },
        "database": {
            **_DEFAULT_DATABASE,
            "minCapacity": 0.5,
            "maxCapacity": 4,
            "readerCount": 1,
            "multiAz": False,
            "backupRetentionDays": 7,
            "performanceInsights": False,
            "monitoringIntervalSeconds": 0,
        },
        "cache": {
            **_DEFAULT_CACHE,
            "nodeType": "cache.t4g.small",
            "replicas": 1,
            "snapshotRetentionDays": 1,
            "logRetentionDays": 30,
        },
        "storage": {
            "noncurrentVersionDays": 30,
            "logExpirationDays": 90,
            "kmsDeletionWindowDays": 7,
            "secretRecoveryWindowDays": 0,
        },
        "compute": "ecs",
        "role": "all",
        "deletionProtection": False,
        "requireHttps": False,
        "tags": {},
        "network": {
            "cidr": "10.0.0.0/16",
            "azCount": 2,
            "natStrategy": "single",
            "flowLogRetentionDays": 30,
        },
        "waf": {"enabled": True, "rateLimit": 2000, "logRetentionDays": 90},
        "loadBalancer": {
            **_DEFAULT_LOAD_BALANCER,
            "healthCheckIntervalSeconds": 15,
            "deregistrationDelaySeconds": 30,
        },
        "service": {
            **_DEFAULT_SERVICE,
            "cpu": 512,
            "memory": 1024,
            "desiredCount": 2,
            "minCount": 2,
            "maxCount": 4,
            "logRetentionDays": 30,
        },
    },
    "prod": {
        "instances": {
            "instanceType": "t3.medium",
            "rootVolumeGb": 30,
            "healthCheckGraceSeconds": 180,
        },
        "pipeline": {**_DEFAULT_PIPELINE, "requireApproval": True, "logRetentionDays": 90},
        "alarms": {
            **_DEFAULT_ALARMS,
            "evaluationPeriods": 2,
            "albErrorsPerMinute": 5,
            "targetErrorsPerMinute": 5,
            "responseTimeSeconds": 1,
            "dbConnections": 400,
            "cacheEvictions": 100,
        },
        "database": {
            **_DEFAULT_DATABASE,
            "minCapacity": 1,
            "maxCapacity": 16,
            "readerCount": 1,
            "multiAz": True,
            "backupRetentionDays": 14,
            "performanceInsights": True,
            "monitoringIntervalSeconds": 60,
        },
        "cache": {
            **_DEFAULT_CACHE,
            "nodeType": "cache.t4g.small",
            "replicas": 2,
            "snapshotRetentionDays": 7,
            "logRetentionDays": 90,
        },
        "storage": {
            "noncurrentVersionDays": 90,
            "logExpirationDays": 365,
            "kmsDeletionWindowDays": 30,
            "secretRecoveryWindowDays": 30,
        },
        "compute": "ecs",
        "role": "all",
        "deletionProtection": True,
        "requireHttps": True,
        "tags": {},
        "network": {
            "cidr": "10.0.0.0/16",
            "azCount": 3,
            "natStrategy": "perAz",
            "flowLogRetentionDays": 365,
        },
        "waf": {"enabled": True, "rateLimit": 2000, "logRetentionDays": 365},
        "loadBalancer": {
            **_DEFAULT_LOAD_BALANCER,
            "healthCheckIntervalSeconds": 30,
            "deregistrationDelaySeconds": 60,
        },
        "service": {
            **_DEFAULT_SERVICE,
            "cpu": 1024,
            "memory": 2048,
            "desiredCount": 3,
            "minCount": 3,
            "maxCount": 10,
            "logRetentionDays": 90,
        },
    },
}
KNOWN_KEYS = frozenset(
    {"environment", "environmentSuffix", "certificateArn", "domain", "environmentStack", "route"}
    | TIER_DEFAULTS["dev"].keys()
)
SUFFIX_ENV_VAR = "ENVIRONMENT_SUFFIX"
# The config namespace of every platform setting, in every project that uses the platform.
NAMESPACE = "tap"


def load_settings(
    values: Mapping[str, Any],
    *,
    project: str,
    stack: str,
    region: str | None,
    env: Mapping[str, str],
    provider: Mapping[str, Any] | None = None,
) -> Settings:
    """Validates the `tap:*` values (namespace stripped) of one stack into `Settings`.

    The environment suffix is `tap:environmentSuffix`, else the stack name (`pr1234` for an
    ephemeral stack, a service on `dev-env` by default). Every physical name carries it, so
    another suffix replaces every resource: `ENVIRONMENT_SUFFIX`, when set, must agree."""
    unknown = sorted(set(values) - KNOWN_KEYS)
    if unknown:
        known = ", ".join(sorted(KNOWN_KEYS))
        raise SettingsError(
            "invalid settings:\n  "
            + "\n  ".join(
                f"tap:{k} = {values[k]!r}: unknown setting; known: {known}" for k in unknown
            )
        )
    if region is None:
        raise SettingsError("aws:region is not set; add it to Pulumi.<stack>.yaml")
    provider = dict(provider or {})
    ignored = sorted(set(provider) - PROVIDER_KEYS)
    if ignored:
        taken = ", ".join(f"aws:{k}" for k in sorted(PROVIDER_KEYS))
        raise SettingsError(
            "invalid settings:\n  "
            + "\n  ".join(
                f"aws:{k} = {provider[k]!r}: the stack's explicit provider takes only {taken}"
                for k in ignored
            )
        )
    provider.pop("region", None)
    tier = values.get("environment")
    if tier not in TIER_DEFAULTS:
        raise SettingsError(
            f"tap:environment = {tier!r}: must be one of {', '.join(TIER_DEFAULTS)}"
        )
    suffix = _suffix(values.get("environmentSuffix") or stack, stack, env)
    attach = roles.implied_role(values, suffix)
    values = {**values, **attach}
    merged = _deep_merge(copy.deepcopy(TIER_DEFAULTS[tier]), dict(values))
    _implied(merged, values)
    merged.update(
        project=project, stack=stack, region=region, environmentSuffix=suffix, provider=provider
    )
    problems = roles.misplaced(merged["role"], values, implied=bool(attach))
    if problems := problems + roles.missing(merged["role"], merged.get("environmentStack")):
        raise SettingsError("invalid settings:\n  " + "\n  ".join(problems))
    try:
        settings = Settings.model_validate(merged)
    except ValidationError as err:
        raise SettingsError(_describe(err)) from None
    _check_chosen(settings, values)
    return settings


def _check_chosen(settings: Settings, values: Mapping[str, Any]) -> None:
    """Settings the user gave that the chosen engine would silently ignore."""
    chosen = values.get("database")
    if not isinstance(chosen, Mapping):
        return
    db = settings.database
    if "readerCount" in chosen and not db.aurora:
        raise SettingsError(
            f"invalid settings:\n  tap:database.readerCount = {chosen['readerCount']!r}: "
            f"applies to Aurora only; {db.engine} has no readers (multiAz adds a standby)"
        )
    if "multiAz" in chosen and db.aurora:
        raise SettingsError(
            f"invalid settings:\n  tap:database.multiAz = {chosen['multiAz']!r}: applies to "
            f"plain RDS only; Aurora spreads readers over the AZs (readerCount)"
        )


def _suffix(suffix: str, stack: str, env: Mapping[str, str]) -> str:
    stray = env.get(SUFFIX_ENV_VAR)
    if stray and stray != suffix:
        raise SettingsError(
            f"{SUFFIX_ENV_VAR}={stray!r} would rename, and so replace, every resource of stack "
            f"{stack!r}, whose suffix is {suffix!r}: unset it, or for a new copy create a stack "
            f"named {stray!r} (or set tap:environmentSuffix in its stack file)"
        )
    return suffix


def settings_from_pulumi() -> Settings:
    """Reads the running stack's config (namespace `tap`, whatever the project is called, as
    `aws:` belongs to the provider) and the process environment."""
    project = pulumi.get_project()
    prefix = f"{NAMESPACE}:"
    raw = {**get_config_env(), **CONFIG.get()}
    values = {k[len(prefix) :]: _parse(v) for k, v in raw.items() if k.startswith(prefix)}
    stray = sorted(k for k in raw if project != NAMESPACE and k.startswith(f"{project}:"))
    if stray:
        raise SettingsError(
            "invalid settings:\n  "
            + "\n  ".join(
                f"{k}: the platform reads its settings under {NAMESPACE}:, not the project's "
                f"namespace; write {NAMESPACE}:{k.split(':', 1)[1]}"
                for k in stray
            )
        )
    provider = {k[len("aws:") :]: _parse(v) for k, v in raw.items() if k.startswith("aws:")}
    return load_settings(
        values,
        project=project,
        stack=pulumi.get_stack(),
        region=pulumi.Config("aws").get("region"),
        env=os.environ,
        provider=provider,
    )


def _parse(value: Any) -> Any:
    """Pulumi hands structured config to programs as JSON text."""
    if isinstance(value, str) and value[:1] in "{[":
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            return value
    return value


def _implied(merged: dict[str, Any], values: Mapping[str, Any]) -> None:
    """Defaults that follow another choice: a database engine's version, port and mode, a
    cache engine's version, and the default command's port."""
    cache = values.get("cache")
    if isinstance(cache, Mapping) and "engine" in cache and "engineVersion" not in cache:
        merged["cache"]["engineVersion"] = CACHE_DEFAULTS.get(cache.get("engine"), "")
    service = values.get("service")
    if isinstance(service, Mapping) and "command" not in service and "port" in service:
        merged["service"]["command"] = [*DEFAULT_COMMAND, str(service["port"])]
    chosen = values.get("database")
    if not isinstance(chosen, Mapping) or chosen.get("engine") not in ENGINE_DEFAULTS:
        return
    engine = chosen["engine"]
    version, port = ENGINE_DEFAULTS[engine]
    implied = {"engineVersion": version, "port": port, "serverless": engine.startswith("aurora-")}
    for key, value in implied.items():
        if key not in chosen:
            merged["database"][key] = value


def _deep_merge(base: dict[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    for key, value in override.items():
        if isinstance(value, Mapping) and isinstance(base.get(key), dict):
            base[key] = _deep_merge(base[key], value)
        else:
            base[key] = value
    return base


# Where a value may come from besides its own key.
_ALSO_FROM = {"environmentSuffix": " (the suffix is this setting, else the stack name)"}


# Every pattern a setting must match, in words.
PATTERN_WORDS = {
    r"^/[\x21-\x7e]*$": "a path starting with /, of printable characters without spaces",
    r"^[a-zA-Z][a-zA-Z0-9_]{0,15}$": "a letter, then up to 15 letters, digits or underscores",
    r"^[a-zA-Z][a-zA-Z0-9_]{0,62}$": "a letter, then up to 62 letters, digits or underscores",
    r"^db\.[a-z0-9]+\.[a-z0-9]+$": "a DB instance class such as db.t4g.medium",
    r"^cache\.[a-z0-9]+\.[a-z0-9]+$": "a cache node type such as cache.t4g.small",
    r"^[a-z][a-z0-9-]*\.[a-z0-9]+$": "an EC2 instance type such as t3.small",
    r"^[A-Za-z_][A-Za-z0-9_]*$": "letters, digits and underscores, not a digit first",
    r"^[\w.-]+/[\w.-]+$": "a repository as owner/name",
    r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$": "an e-mail address such as ops@example.com",
    r"^\d{12}$": "a 12-digit AWS account id",
    r"^[a-z][a-z0-9]*$": "lower-case letters and digits, a letter first",
    HOSTNAME_PATTERN: "a lower-case DNS name such as app.example.com",
    REGION_PATTERN.pattern: "a region name: area, place and number joined by hyphens",
    SUFFIX_PATTERN.pattern: "lower-case letters, digits and inner hyphens, a letter first",
    CERTIFICATE_PATTERN: "an ACM certificate ARN, or an IAM server-certificate ARN",
    ROLE_ARN_PATTERN: "an IAM role ARN, such as the one of a role named deploy",
    CONNECTION_ARN_PATTERN: "a CodeConnections (or CodeStar connections) connection ARN",
    ROUTE_PATH_PATTERN: "a path such as /api or /api/*: segments of letters, digits and . _ ~ -",
    STACK_REFERENCE_PATTERN: "a stack as <org>/<project>/<stack>, or a stack of this project",
}


def _describe(err: ValidationError) -> str:
    return "invalid settings:\n  " + "\n  ".join(_line(p) for p in err.errors())


def _line(problem: Mapping[str, Any]) -> str:
    """`key = value: what is allowed`, with the key as the stack file spells it."""
    loc = [str(p) for p in problem["loc"]]
    shown = problem.get("input")
    message = problem["msg"].removeprefix("Value error, ")
    error = (problem.get("ctx") or {}).get("error")
    if isinstance(error, FieldError):
        loc += error.path
        for part in error.path:
            shown = shown.get(part) if isinstance(shown, Mapping) else None
    elif problem["type"] == "string_pattern_mismatch":
        message = f"must be {PATTERN_WORDS[problem['ctx']['pattern']]}"
    elif problem["type"] == "string_type" and isinstance(shown, int | float):
        message = f"is a number here; quote it in the stack file ('{shown}')"
    path = ".".join(loc)
    if path == "region":
        name = "aws:region"
    elif loc[0] == "provider":
        name = "aws:" + ".".join(loc[1:])
    else:
        name = f"tap:{path}"
        message += _ALSO_FROM.get(path, "")
    if isinstance(shown, Mapping):
        return f"{name}: {message}"
    return f"{name} = {shown!r}: {message}"
