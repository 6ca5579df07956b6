"""The whole settings of one stack (`Settings`): the sections, and the checks across them."""

from __future__ import annotations

import difflib
import unicodedata
from collections.abc import Iterable, Sequence
from typing import Annotated, Literal

from pydantic import Field, PrivateAttr, field_validator, model_validator
from pydantic.alias_generators import to_camel

from tap_platform.naming import PROJECT_MAX_LENGTH, SUFFIX_MAX_LENGTH, SUFFIX_PATTERN
from tap_platform.settings.limits import (
    ACM_ARN_PATTERN,
    CACHE_NODE_TYPES,
    CERTIFICATE_PATTERN,
    ECR_IMAGE_PATTERN,
    HOSTNAME_PATTERN,
    MAX_TAG_KEY,
    MAX_TAG_VALUE,
    MAX_TAGS,
    REGION_PATTERN,
    RESERVED_TAGS,
    ROLE_ARN_PATTERN,
    ROUTE_PATH_PATTERN,
    STACK_REFERENCE_PATTERN,
    TAG_PUNCTUATION,
)
from tap_platform.settings.messages import FieldError, defaults_named, raise_all
from tap_platform.settings.sections import (
    DomainSettings,
    LoadBalancerSettings,
    NetworkSettings,
    PipelineSettings,
    Section,
    ServiceSettings,
    WafSettings,
)
from tap_platform.settings.state import CacheSettings, DatabaseSettings, StorageSettings

Tier = Literal["dev", "staging", "prod"]
# What one stack holds: everything (`all`), what services share (`environment`), or one
# service on a shared environment (`service`).
Role = Literal["all", "environment", "service"]


class InstanceSettings(Section):
    """EC2 instances when `tap:compute` is `asg`; counts and scaling come from
    `tap:service`."""

    instance_type: str = Field(
        pattern=r"^[a-z][a-z0-9-]*\.[a-z0-9]+$",
        description="offered in every chosen AZ; its architecture picks the AMI",
    )
    root_volume_gb: int = Field(ge=8, le=1024, description="encrypted gp3 root volume")
    health_check_grace_seconds: int = Field(
        ge=0, le=3600, description="seconds before a new instance's health counts"
    )


class AlarmSettings(Section):
    """Who hears about trouble, and what counts as trouble in this tier."""

    email: str | None = Field(
        default=None,
        pattern=r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$",
        description="an address subscribed to the alarm topic",
    )
    evaluation_periods: int = Field(ge=1, le=60, description="minutes a condition must hold")
    alb_errors_per_minute: int = Field(ge=1, description="the load balancer's own 5xx")
    target_errors_per_minute: int = Field(ge=1, description="the app's 5xx")
    response_time_seconds: float = Field(gt=0, le=60, description="average target response")
    cpu_percent: int = Field(ge=1, le=100, description="the app's CPU")
    memory_percent: int = Field(ge=1, le=100, description="the app's memory")
    db_cpu_percent: int = Field(ge=1, le=100, description="the database's CPU")
    db_freeable_memory_mb: int = Field(ge=1, description="the database's freeable memory floor")
    db_connections: int = Field(ge=1, description="database connections")
    cache_cpu_percent: int = Field(ge=1, le=100, description="the cache engine's CPU")
    cache_memory_percent: int = Field(ge=1, le=100, description="the cache's memory")
    cache_evictions: int = Field(ge=1, description="evictions per 5 minutes")


class AssumeRole(Section):
    """One role the provider assumes, in order."""

    role_arn: str = Field(pattern=ROLE_ARN_PATTERN, description="the role to assume")
    session_name: str | None = Field(default=None, description="the session's name")
    external_id: str | None = Field(default=None, description="the external id the role asks")


class ProviderSettings(Section):
    """The stack's `aws:*` credentials settings, for the explicit provider, which does not
    read stack config by itself (pulumi-aws Provider: profile, assumeRoles,
    allowedAccountIds, sharedConfigFiles, sharedCredentialsFiles)."""

    profile: str | None = Field(default=None, description="a named profile")
    assume_roles: tuple[AssumeRole, ...] = Field(default=(), description="roles to assume")
    allowed_account_ids: tuple[Annotated[str, Field(pattern=r"^\d{12}$")], ...] = Field(
        default=(), description="accounts the stack may deploy into"
    )
    shared_config_files: tuple[str, ...] = Field(default=(), description="AWS config files")
    shared_credentials_files: tuple[str, ...] = Field(default=(), description="credential files")


class RouteSettings(Section):
    """Which requests the environment's load balancer sends to a service: those for `host`
    (default: `<suffix>.<the environment's domain>`), and under `path` when given. The
    service's listener rule matches both (ELB User Guide, "Listener rules")."""

    host: str | None = Field(
        default=None,
        pattern=HOSTNAME_PATTERN,
        max_length=128,
        description="a service's host name; unset is `<suffix>.<the environment's domain>`",
    )
    path: str | None = Field(
        default=None,
        pattern=ROUTE_PATH_PATTERN,
        max_length=128,
        description="a service's path (`/api/*`) on the environment's load balancer",
    )


PROVIDER_KEYS = frozenset({"region", *(to_camel(name) for name in ProviderSettings.model_fields)})


def _tag(key: str, value: str) -> str | None:
    """What is wrong with one extra tag, if anything."""
    if key.lower() in {k.lower() for k in RESERVED_TAGS}:
        return f"is set by the stack itself ({', '.join(sorted(RESERVED_TAGS))})"
    if key.lower().startswith("aws:"):
        return "starts with aws:, which AWS reserves in any case"
    if not 1 <= len(key) <= MAX_TAG_KEY or len(value) > MAX_TAG_VALUE:
        return f"keys take 1 to {MAX_TAG_KEY} characters, values up to {MAX_TAG_VALUE}"
    if not (_tag_text(key) and _tag_text(value)) or key != key.strip():
        return "takes letters, digits, inner spaces and _ . : / = + - @ only"
    return None


def _not_offered(node_type: str, region: str) -> FieldError | None:
    """The cache node type, when the region's table (`limits.CACHE_NODE_TYPES`) does not hold
    it; a region the table does not know is left to AWS."""
    offered = CACHE_NODE_TYPES.get(region)
    if offered is None or node_type in offered:
        return None
    near = ", ".join(difflib.get_close_matches(node_type, sorted(offered), n=3, cutoff=0))
    return FieldError(
        "cache.nodeType", f"not offered in {region}; nearest: {near}", needs=("region",)
    )


def _tag_text(text: str) -> bool:
    return all(
        c.isalnum() or c in TAG_PUNCTUATION or unicodedata.category(c).startswith("Z") for c in text
    )


class Settings(Section):
    """The whole, validated configuration of one stack."""

    project: str = Field(
        pattern=r"^[a-z][a-z0-9]*$",
        max_length=PROJECT_MAX_LENGTH,
        description="the Pulumi project's name: the start of every physical name",
    )
    stack: str = Field(description="the Pulumi stack's name")
    region: str = Field(pattern=REGION_PATTERN.pattern, description="`aws:region`")
    environment: Tier = Field(description="the tier whose defaults the stack takes")
    role: Role = Field(
        description="`all` (the whole stack), `environment` (what services share) or `service` "
        "(one service on an environment); a stack named `pr<N>` that sets none is a service "
        "on `dev-env`"
    )
    environment_stack: str | None = Field(
        default=None,
        pattern=STACK_REFERENCE_PATTERN,
        description="a service's environment: `<org>/<project>/<stack>`, or a stack of this "
        "project (`dev-env`)",
    )
    route: RouteSettings = Field(default=RouteSettings(), description="a service's route")
    environment_suffix: str = Field(
        pattern=SUFFIX_PATTERN.pattern,
        min_length=2,
        max_length=SUFFIX_MAX_LENGTH,
        description="ends every physical name; unset is the stack name, and "
        "`ENVIRONMENT_SUFFIX`, when set, must agree (another suffix replaces every resource)",
    )
    compute: Literal["ecs", "asg"] = Field(
        description="ecs (Fargate) or asg (EC2 Auto Scaling); nothing else changes"
    )
    deletion_protection: bool = Field(
        description="deletion protection, and `protect` on what holds state"
    )
    certificate_arn: str | None = Field(
        default=None,
        pattern=CERTIFICATE_PATTERN,
        description="an ACM certificate in the region, or an IAM server certificate; HTTPS",
    )
    domain: DomainSettings | None = Field(default=None, description="see `domain.name`")
    require_https: bool = Field(
        description="HTTPS only (Security Hub ELB.1): `domain` or `certificateArn` required"
    )
    tags: dict[str, str] = Field(
        description=f"extra tags, at most {MAX_TAGS - len(RESERVED_TAGS)}; "
        f"{', '.join(sorted(RESERVED_TAGS))} and an `aws:` prefix are reserved"
    )
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
    # The keys the stack gave itself (dotted, as its file spells them), when loading knew them.
    _given: frozenset[str] | None = PrivateAttr(default=None)

    def gave(self, keys: Iterable[str]) -> None:
        """Loading records the keys the stack gave, which the model itself cannot tell from
        its tier's defaults."""
        self._given = frozenset(keys)

    def named(self, problems: Sequence[str]) -> list[str]:
        """Problem lines with each value the stack did not give named as its tier's default."""
        return defaults_named(problems, self._given, self.environment)

    @field_validator("environment_suffix")
    @classmethod
    def _suffix(cls, suffix: str) -> str:
        if "--" in suffix:
            raise ValueError("must not contain '--'")
        return suffix

    @field_validator("tags")
    @classmethod
    def _tags(cls, tags: dict[str, str]) -> dict[str, str]:
        if len(tags) > MAX_TAGS - len(RESERVED_TAGS):
            raise ValueError(
                f"has {len(tags)} tags; AWS allows {MAX_TAGS} per resource and the stack adds "
                f"{len(RESERVED_TAGS)}"
            )
        errors = [
            FieldError((key,), why) for key, value in tags.items() if (why := _tag(key, value))
        ]
        raise_all(errors)
        return tags

    @model_validator(mode="after")
    def _cross_checks(self) -> Settings:
        errors = []
        if self.environment == "prod" and self.network.az_count < 3:
            errors.append(
                FieldError("network.azCount", "prod needs at least 3 AZs", needs=("environment",))
            )
        if self.network.nat_strategy == "none" and self.role == "all":
            errors += self._no_egress()
        if self.require_https and not self.https and self.role != "service":
            errors.append(
                FieldError(
                    "requireHttps",
                    "this tier serves HTTPS only (Security Hub ELB.1): add tap:domain (name and "
                    "zone, such as {name: app.example.com, zone: example.com}, a public hosted "
                    "zone in the account) or tap:certificateArn (a certificate in the region)",
                    needs=("domain", "certificateArn", "role"),
                )
            )
        errors += self._certificate()
        if offered := _not_offered(self.cache.node_type, self.region):
            errors.append(offered)
        raise_all(errors)
        return self

    def _certificate(self) -> list[FieldError]:
        if self.certificate_arn and self.domain:
            return [
                FieldError(
                    "domain",
                    "give tap:domain or tap:certificateArn, not both",
                    needs=("certificateArn",),
                )
            ]
        match = ACM_ARN_PATTERN.match(self.certificate_arn or "")
        if match and match["region"] != self.region:
            return [
                FieldError(
                    "certificateArn",
                    f"an ACM certificate for an ALB must be in the stack's region {self.region}",
                    needs=("region",),
                )
            ]
        return []

    def _no_egress(self) -> list[FieldError]:
        nat = "network.natStrategy"
        if needs := self.needs_egress:
            why, remedy = needs
            return [
                FieldError(
                    nat,
                    f"{why}; {remedy}, or 'single' or 'perAz'",
                    needs=("compute", "service.image", "region", "role"),
                )
            ]
        errors = []
        if self.database.enabled and not self.database.aurora:
            errors.append(
                FieldError(
                    "database.engine",
                    "is plain RDS, whose app user a build in the private subnets makes with "
                    "drivers from the internet; use an Aurora engine, or tap:network.natStrategy "
                    "'single' or 'perAz'",
                    needs=(nat, "database.enabled", "role"),
                )
            )
        errors += [
            FieldError(
                ("service", "secrets", name),
                "is an SSM parameter, which the tasks cannot reach without internet egress "
                "(the network makes no SSM endpoint); use a Secrets Manager secret, or "
                "tap:network.natStrategy 'single' or 'perAz'",
                needs=(nat, "role"),
            )
            for name, secret in self.service.secrets.items()
            if secret.from_.startswith("ssm:") or ":ssm:" in secret.from_
        ]
        return errors

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
                "(<account>.dkr.ecr.<region>.amazonaws.com/<repo>:<tag>)",
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
