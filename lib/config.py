"""Every setting the stack reads, loaded once, validated and typed.

Components never touch `pulumi.Config`: they receive the frozen objects built here. A wrong
value stops the program before any resource is registered, with one message that names the
setting, the value and what is allowed. Each tier (dev, staging, prod) brings defaults, so a
stack file only states what differs.
"""

from __future__ import annotations

import copy
import ipaddress
import json
import os
import re
from collections.abc import Mapping
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

from lib.naming import PROJECT_MAX_LENGTH, SUFFIX_MAX_LENGTH, SUFFIX_PATTERN

Tier = Literal["dev", "staging", "prod"]
NatStrategy = Literal["none", "single", "perAz"]

LOG_RETENTION_DAYS = frozenset(
    {1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557}
    | {2922, 3288, 3653}
)
# Fargate task sizes: cpu units -> allowed memory (MiB).
FARGATE_SIZES: dict[int, range] = {
    256: range(512, 2049, 512),
    512: range(1024, 4097, 1024),
    1024: range(2048, 8193, 1024),
    2048: range(4096, 16385, 1024),
    4096: range(8192, 30721, 1024),
    8192: range(16384, 61441, 4096),
    16384: range(32768, 122881, 8192),
}
RESERVED_TAGS = frozenset({"Project", "Environment", "EnvironmentSuffix", "ManagedBy"})
REGION_PATTERN = re.compile(r"^[a-z]{2}(?:-[a-z]+)+-\d+$")
ACM_ARN_PATTERN = re.compile(
    r"^arn:aws(?:-[a-z]+)*:acm:(?P<region>[a-z0-9-]+):\d{12}:certificate/[0-9a-f-]{36}$"
)
MIN_VPC_PREFIX, MAX_VPC_PREFIX = 16, 22


class SettingsError(ValueError):
    """A setting that cannot produce a working stack."""


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
    ssl_policy: str = Field(pattern=r"^ELBSecurityPolicy-TLS13-")


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
            raise ValueError(
                f"cpu {self.cpu} is not a Fargate size; use one of {list(FARGATE_SIZES)}"
            )
        allowed = FARGATE_SIZES[self.cpu]
        if self.memory not in allowed:
            raise ValueError(
                f"memory {self.memory} does not fit cpu {self.cpu}; Fargate allows "
                f"{allowed.start}-{allowed.stop - 1} MiB in steps of {allowed.step}"
            )
        if not self.min_count <= self.desired_count <= self.max_count:
            raise ValueError(
                f"desiredCount {self.desired_count} must lie between minCount "
                f"{self.min_count} and maxCount {self.max_count}"
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
RESERVED_DB_USERS = frozenset({"admin", "postgres", "rdsadmin", "root", "mysql", "master"})


class DatabaseSettings(_Settings):
    """Aurora (serverless v2 or provisioned) or a plain RDS instance."""

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
    rotation_days: int | None = Field(default=None, ge=1, le=365)
    rotation_lambda_arn: str | None = Field(
        default=None, pattern=r"^arn:aws(?:-[a-z]+)*:lambda:[a-z0-9-]+:\d{12}:function:[\w-]+$"
    )

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
            raise ValueError(
                f"engineVersion {self.engine_version!r} is not a {self.engine} version: give "
                f"{ENGINE_VERSION_WORDS[self.engine]}"
            )
        if self.master_username.lower() in RESERVED_DB_USERS:
            raise ValueError(f"masterUsername {self.master_username!r} is reserved by the engine")
        if self.min_capacity > self.max_capacity:
            raise ValueError(
                f"minCapacity {self.min_capacity} exceeds maxCapacity {self.max_capacity}"
            )
        if (self.min_capacity * 2) % 1 or (self.max_capacity * 2) % 1:
            raise ValueError("minCapacity and maxCapacity go in steps of 0.5 ACU")
        if self.serverless and not self.aurora:
            raise ValueError(f"serverless applies to Aurora only, not {self.engine}")
        if self.rotation_days and not self.rotation_lambda_arn:
            raise ValueError("rotationDays needs rotationLambdaArn (the function that rotates)")
        return self


class CacheSettings(_Settings):
    """The Redis or Valkey replication group."""

    engine: Literal["redis", "valkey"]
    engine_version: str = Field(pattern=r"^\d+\.\d+$")
    node_type: str = Field(pattern=r"^cache\.[a-z0-9]+\.[a-z0-9]+$")
    replicas: int = Field(ge=0, le=5)
    snapshot_retention_days: int = Field(ge=0, le=35)
    log_retention_days: RetentionDays


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
    """EC2 instances when `tap:compute` is `asg`; counts and scaling come from `tap:service`."""

    instance_type: str = Field(pattern=r"^[a-z][a-z0-9-]*\.[a-z0-9]+$")
    root_volume_gb: int = Field(ge=8, le=1024)
    health_check_grace_seconds: int = Field(ge=0, le=3600)

    @property
    def architecture(self) -> Literal["x86_64", "arm64"]:
        """Graviton families carry a `g` after the generation digit (t4g, m7gd, c7gn)."""
        family = self.instance_type.split(".")[0]
        match = re.match(r"^[a-z]+\d+([a-z-]*)$", family)
        return "arm64" if match and "g" in match[1] else "x86_64"


class PipelineSettings(_Settings):
    """Delivery: source (S3 object, or a repository through a CodeStar connection), build,
    optional approval, deploy."""

    connection_arn: str | None = Field(
        default=None,
        pattern=r"^arn:aws(?:-[a-z]+)*:(?:codestar-connections|codeconnections):[a-z0-9-]+:"
        r"\d{12}:connection/[0-9a-f-]{36}$",
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
            raise ValueError("connectionArn and repository go together (owner/name)")
        return self


class AlarmSettings(_Settings):
    """Who hears about trouble, and what counts as trouble in this tier."""

    email: str | None = Field(default=None, pattern=r"^[^@\s]+@[^@\s]+\.[a-z]{2,}$")
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
    role_arn: str = Field(pattern=r"^arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]+$")
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


class Settings(_Settings):
    """The whole, validated configuration of one stack."""

    project: str = Field(pattern=r"^[a-z][a-z0-9]*$", max_length=PROJECT_MAX_LENGTH)
    stack: str
    region: str = Field(pattern=REGION_PATTERN.pattern)
    environment: Tier
    environment_suffix: str = Field(
        pattern=SUFFIX_PATTERN.pattern, min_length=2, max_length=SUFFIX_MAX_LENGTH
    )
    compute: Literal["ecs", "asg"]
    deletion_protection: bool
    certificate_arn: str | None = Field(default=None, pattern=ACM_ARN_PATTERN.pattern)
    tags: dict[str, str]
    network: NetworkSettings
    load_balancer: LoadBalancerSettings
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
        clash = RESERVED_TAGS & tags.keys()
        if clash:
            raise ValueError(f"{sorted(clash)} are set by the stack itself")
        for key, value in tags.items():
            if key.lower().startswith("aws:") or not 1 <= len(key) <= 128 or len(value) > 256:
                raise ValueError(f"tag {key!r}: keys 1-128 characters, not aws:*, values <= 256")
        return tags

    @model_validator(mode="after")
    def _cross_checks(self) -> Settings:
        if self.environment == "prod" and self.network.az_count < 3:
            raise SettingsError(
                f"tap:network.azCount = {self.network.az_count}: prod needs at least 3 AZs"
            )
        if self.network.nat_strategy == "none":
            self._check_no_egress()
        if self.certificate_arn:
            match = ACM_ARN_PATTERN.match(self.certificate_arn)
            if match and match["region"] != self.region:
                raise SettingsError(
                    f"tap:certificateArn = {self.certificate_arn!r}: an ALB certificate must be "
                    f"in the stack's region {self.region}"
                )
        return self

    def _check_no_egress(self) -> None:
        """Without NAT the private subnets reach AWS only through the VPC endpoints the
        network creates (ECR, CloudWatch Logs, Secrets Manager, S3)."""
        if self.compute == "asg":
            raise SettingsError(
                "tap:network.natStrategy = 'none': the Auto Scaling runtime installs Docker and "
                "the CodeDeploy agent from the internet at boot; use 'single' or 'perAz', or "
                "tap:compute = 'ecs'"
            )
        match = ECR_IMAGE_PATTERN.match(self.service.image)
        if not match or match["region"] != self.region:
            raise SettingsError(
                f"tap:network.natStrategy = 'none': tap:service.image = {self.service.image!r} "
                f"cannot be pulled without internet egress; use a private ECR image in "
                f"{self.region} (<account>.dkr.ecr.{self.region}.amazonaws.com/<repo>:<tag>) "
                "or natStrategy 'single'"
            )

    @property
    def https(self) -> bool:
        return self.certificate_arn is not None

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


_DEFAULT_SERVICE = {
    "image": "public.ecr.aws/docker/library/python:3.12-alpine",
    "command": ["python3", "-m", "http.server", "8080"],
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
}
_DEFAULT_CACHE = {"engine": "redis", "engineVersion": "7.1"}
_DEFAULT_PIPELINE = {
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
        "deletionProtection": False,
        "tags": {},
        "network": {
            "cidr": "10.0.0.0/16",
            "azCount": 2,
            "natStrategy": "single",
            "flowLogRetentionDays": 7,
        },
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
        "deletionProtection": False,
        "tags": {},
        "network": {
            "cidr": "10.0.0.0/16",
            "azCount": 2,
            "natStrategy": "single",
            "flowLogRetentionDays": 30,
        },
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
        "deletionProtection": True,
        "tags": {},
        "network": {
            "cidr": "10.0.0.0/16",
            "azCount": 3,
            "natStrategy": "perAz",
            "flowLogRetentionDays": 365,
        },
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
    {"environment", "environmentSuffix", "certificateArn"} | TIER_DEFAULTS["dev"].keys()
)
SUFFIX_ENV_VAR = "ENVIRONMENT_SUFFIX"


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

    The environment suffix is `tap:environmentSuffix`, else the stack name (so CI deploys an
    ephemeral copy as a new stack named `pr1234`). Every physical name carries it, so another
    suffix renames, that is replaces, every resource: `ENVIRONMENT_SUFFIX`, when set, must
    agree with it, and a stray value left in the shell stops here instead.
    """
    unknown = sorted(set(values) - KNOWN_KEYS)
    if unknown:
        raise SettingsError(
            f"unknown setting(s) {', '.join(f'tap:{k}' for k in unknown)}; "
            f"known: {', '.join(f'tap:{k}' for k in sorted(KNOWN_KEYS))}"
        )
    if region is None:
        raise SettingsError("aws:region is not set; add it to Pulumi.<stack>.yaml")
    provider = dict(provider or {})
    ignored = sorted(set(provider) - PROVIDER_KEYS)
    if ignored:
        raise SettingsError(
            f"{', '.join(f'aws:{k}' for k in ignored)}: the stack's explicit provider takes only "
            f"{', '.join(f'aws:{k}' for k in sorted(PROVIDER_KEYS))}"
        )
    provider.pop("region", None)
    tier = values.get("environment")
    if tier not in TIER_DEFAULTS:
        raise SettingsError(
            f"tap:environment = {tier!r}: must be one of {', '.join(TIER_DEFAULTS)}"
        )
    merged = _deep_merge(copy.deepcopy(TIER_DEFAULTS[tier]), dict(values))
    _engine_defaults(merged, values.get("database"))
    merged.update(
        project=project,
        stack=stack,
        region=region,
        environmentSuffix=_suffix(values.get("environmentSuffix") or stack, stack, env),
        provider=provider,
    )
    try:
        return Settings.model_validate(merged)
    except ValidationError as err:
        raise SettingsError(_describe(err)) from None


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
    """Reads the running stack's config (namespace `tap`) and the process environment."""
    project = pulumi.get_project()
    prefix = f"{project}:"
    raw = {**get_config_env(), **CONFIG.get()}
    values = {k[len(prefix) :]: _parse(v) for k, v in raw.items() if k.startswith(prefix)}
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


def _engine_defaults(merged: dict[str, Any], chosen: Any) -> None:
    """Another engine brings its own version, port and serverless default unless set."""
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


_SPECIAL_NAMES = {"environmentSuffix": "tap:environmentSuffix (or ENVIRONMENT_SUFFIX)"}


def _describe(err: ValidationError) -> str:
    lines = []
    for problem in err.errors():
        path = ".".join(str(p) for p in problem["loc"])
        name = _SPECIAL_NAMES.get(path, f"tap:{path}")
        if path == "region":
            name = "aws:region"
        elif path.startswith("provider."):
            name = "aws:" + ".".join(str(p) for p in problem["loc"][1:])
        message = problem["msg"].removeprefix("Value error, ")
        shown = problem.get("input")
        if isinstance(shown, Mapping):
            lines.append(f"{name}: {message}")
        else:
            lines.append(f"{name} = {shown!r}: {message}")
    return "invalid settings:\n  " + "\n  ".join(lines)
