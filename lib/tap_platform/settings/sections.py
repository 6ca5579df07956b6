"""The sections of a stack's settings (`tap:network`, `tap:service`, ...), one model each.

Every field says what it means in its `description`: the settings table in docs/settings.md
is generated from these and the tier table (`table.py`). The models hold no defaults of
their own; the tier brings them (`tiers.py`), so a stack file states only what differs.
"""

from __future__ import annotations

import difflib
import ipaddress
from types import UnionType
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic.alias_generators import to_camel
from pydantic_core import PydanticCustomError

from tap_platform.settings.limits import (
    APP_SECRET_PATTERN,
    CODEBUILD_IMAGE_PATTERN,
    CONNECTION_ARN_PATTERN,
    FARGATE_SIZES,
    HOSTNAME_PATTERN,
    IMAGE_PATTERN,
    KMS_KEY_ARN_PATTERN,
    LOG_RETENTION_DAYS,
    MAX_IMAGE_NAME,
    MAX_VPC_PREFIX,
    MIN_VPC_PREFIX,
    STACK_VARIABLES,
    TLS13_POLICIES,
)
from tap_platform.settings.messages import FieldError, raise_all, words

NatStrategy = Literal["none", "single", "perAz"]
# CodeBuild API Reference, ProjectEnvironment, computeType: the sizes of a Linux container
# build the pipeline offers, by CodeBuild's names.
ComputeType = Literal["BUILD_GENERAL1_SMALL", "BUILD_GENERAL1_MEDIUM", "BUILD_GENERAL1_LARGE"]


class Section(BaseModel):
    """Settings as the stack file spells them (camelCase), frozen, unknown keys refused."""

    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, frozen=True, extra="forbid"
    )

    @field_validator("*", mode="before")
    @classmethod
    def _no_boolean_numbers(cls, value: Any, info: ValidationInfo) -> Any:
        """The validator would take `true` as 1 in a number: `desiredCount: yes` would run
        one task instead of saying that YAML read the word as a boolean."""
        if isinstance(value, bool) and info.field_name:
            kind = _number_kind(cls.model_fields[info.field_name].annotation)
            if kind:
                raise PydanticCustomError("bool_for_number", "must be {kind}", {"kind": kind})
        return value


def _number_kind(annotation: Any) -> str | None:
    """'a whole number' or 'a number' for a field that holds one (or nothing), else None."""
    union = get_origin(annotation) in (Union, UnionType)
    kinds = {a for a in (get_args(annotation) if union else (annotation,)) if a is not type(None)}
    if kinds == {int}:
        return "a whole number"
    return "a number" if kinds and kinds <= {int, float} else None


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
            raise FieldError("name", f"is not in the zone {self.zone}", needs=("zone",))
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
        description="the first image only: once the pipeline delivers, it owns the image; "
        "`[registry/]repository[:tag]` or `...@sha256:<digest>`, as ECS takes it",
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

    @field_validator("image")
    @classmethod
    def _image(cls, image: str) -> str:
        found = IMAGE_PATTERN.match(image)
        if not found or len(found["name"]) > MAX_IMAGE_NAME:
            raise ValueError(
                "is not an image reference ECS can pull: [registry/]repository[:tag] or "
                "[registry/]repository@sha256:<64 hex digits>, with lower-case repository "
                f"names, no spaces, and at most {MAX_IMAGE_NAME} characters before any digest "
                "(ECS API Reference, ContainerDefinition: image)"
            )
        return image

    @model_validator(mode="after")
    def _consistent(self) -> ServiceSettings:
        errors = []
        if self.cpu not in FARGATE_SIZES:
            errors.append(
                FieldError("cpu", f"is not a Fargate size; use one of {words(FARGATE_SIZES)}")
            )
        elif self.memory not in FARGATE_SIZES[self.cpu]:
            allowed = words(FARGATE_SIZES[self.cpu])
            errors.append(
                FieldError(
                    "memory",
                    f"does not fit cpu {self.cpu}: Fargate allows {allowed} MiB",
                    needs=("cpu",),
                )
            )
        if self.min_count > self.max_count:
            errors.append(
                FieldError("minCount", f"exceeds maxCount {self.max_count}", needs=("maxCount",))
            )
        elif not self.min_count <= self.desired_count <= self.max_count:
            errors.append(
                FieldError(
                    "desiredCount",
                    f"must lie between minCount {self.min_count} and maxCount {self.max_count}",
                    needs=("minCount", "maxCount"),
                )
            )
        errors += [
            FieldError((part, name), "is a variable the stack sets itself; use another name")
            for part in ("environment", "secrets")
            for name in sorted(STACK_VARIABLES & getattr(self, part).keys())
        ]
        errors += [
            FieldError(("secrets", name), "is also a plain variable in environment")
            for name in sorted(self.environment.keys() & self.secrets.keys())
        ]
        raise_all(errors)
        return self


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
    build_image: str = Field(
        pattern=CODEBUILD_IMAGE_PATTERN,
        description="a CodeBuild-managed image, written in full: `aws/codebuild/<name>:<tag>`",
    )
    compute_type: ComputeType = Field(
        description="the CodeBuild size, by CodeBuild's name: BUILD_GENERAL1_SMALL, "
        "BUILD_GENERAL1_MEDIUM or BUILD_GENERAL1_LARGE"
    )
    privileged: bool = Field(description="only when the build builds images")
    log_retention_days: RetentionDays = Field(description=f"build logs: {RETENTION}")

    @field_validator("compute_type", mode="before")
    @classmethod
    def _full_name(cls, value: object) -> object:
        full = f"BUILD_GENERAL1_{value}".upper() if isinstance(value, str) else ""
        if full in get_args(ComputeType):
            raise ValueError(f"write {full}, the name CodeBuild gives that size")
        return value

    @model_validator(mode="after")
    def _source(self) -> PipelineSettings:
        if bool(self.connection_arn) != bool(self.repository):
            field = "repository" if self.repository else "connectionArn"
            other = "connectionArn" if self.repository else "repository"
            raise FieldError(
                field, "connectionArn and repository (owner/name) go together", needs=(other,)
            )
        return self
