"""Physical names for every AWS resource, in one place.

AWS rejects names late (at create time, minutes into a deploy) and with terse errors, so
every name is built here and fitted to the limits of the service that will hold it. A name
longer than its service allows keeps its start and ends in a digest of the whole name, so it
stays unique and stable; the full identity (project, suffix) lives in the provider's default
tags, which discovery reads.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from enum import Enum

SUFFIX_PATTERN = re.compile(r"^[a-z][a-z0-9-]*[a-z0-9]$")
SUFFIX_MAX_LENGTH = 20
PROJECT_MAX_LENGTH = 16
# A shortened name ends in `-` and this many hex digits of the full name's SHA-256.
DIGEST_LENGTH = 8


class NamingError(ValueError):
    """A physical name that AWS would reject."""


@dataclass(frozen=True)
class _Rule:
    # What AWS calls the name; it also keeps two services with equal limits apart.
    what: str
    max_length: int
    pattern: re.Pattern[str]


_ALNUM_HYPHEN = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?$")


class Service(Enum):
    """AWS naming rules, per kind of resource."""

    ALB = _Rule("load balancer name", 32, _ALNUM_HYPHEN)
    TARGET_GROUP = _Rule("target group name", 32, _ALNUM_HYPHEN)
    ECS = _Rule("ECS or Auto Scaling name", 255, re.compile(r"^[A-Za-z0-9_-]+$"))
    IAM_ROLE = _Rule("IAM role name", 64, re.compile(r"^[\w+=,.@-]+$"))
    SECURITY_GROUP = _Rule(
        "security group name", 255, re.compile(r"^[\w .:/()#,@\[\]+=&;{}!$*-]+$")
    )
    LOG_GROUP = _Rule("log group name", 512, re.compile(r"^[\w./#-]+$"))
    TAG = _Rule("tag value", 256, re.compile(r"^.+$"))
    S3_BUCKET = _Rule("bucket name", 63, re.compile(r"^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$"))
    # The part after `AWSServiceRoleForAutoScaling_` (29 characters) of a 64-character name.
    SERVICE_LINKED_ROLE_SUFFIX = _Rule(
        "service-linked role suffix", 35, re.compile(r"^[\w+=,.@-]+$")
    )
    RDS = _Rule("RDS identifier", 63, re.compile(r"^[a-z](?:[a-z0-9]|-(?=[a-z0-9]))*$"))
    ELASTICACHE = _Rule(
        "replication group id", 40, re.compile(r"^[a-z](?:[a-z0-9]|-(?=[a-z0-9]))*$")
    )
    SECRET = _Rule("secret name", 512, re.compile(r"^[\w/+=.@-]+$"))
    # SSM API Reference, PutParameter: Name (a path of letters, digits and `_.-`, 1011 at most).
    SSM_PARAMETER = _Rule("parameter name", 1011, re.compile(r"^/[\w.-]+(?:/[\w.-]+)*$"))
    # ECR API Reference, CreateRepository: repositoryName (2 to 256 characters, lowercase
    # components of letters and digits joined by `.`, `_` or `-`, separated by `/`).
    ECR = _Rule(
        "repository name",
        256,
        re.compile(r"^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*$"),
    )
    # The rest, from each service's API model (botocore's service-2.json: min, max, pattern).
    # CodePipeline CreatePipeline: pipeline.name (PipelineName).
    PIPELINE = _Rule("pipeline name", 100, re.compile(r"^[A-Za-z0-9.@_-]+$"))
    # CodeBuild CreateProject: name (ProjectName, 2 to 150).
    BUILD_PROJECT = _Rule(
        "build project name", 150, re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{1,149}$")
    )
    # CodeDeploy CreateApplication / CreateDeploymentGroup: ApplicationName, DeploymentGroupName.
    CODEDEPLOY = _Rule(
        "CodeDeploy application or deployment group name", 100, re.compile(r"^[\w+=,.@-]+$")
    )
    # WAFV2 CreateWebACL: Name (EntityName).
    WEB_ACL = _Rule("web ACL name", 128, re.compile(r"^[\w-]+$"))
    # KMS CreateAlias: AliasName, `alias/` and then letters, digits, `/`, `_` and `-` (KMS
    # Developer Guide, "Create aliases").
    KMS_ALIAS = _Rule("KMS alias", 256, re.compile(r"^alias/(?!aws/)[A-Za-z0-9/_-]+$"))
    # SNS CreateTopic: Name, ASCII letters, digits, `_` and `-`, 1 to 256.
    TOPIC = _Rule("topic name", 256, re.compile(r"^[A-Za-z0-9_-]+$"))
    # CloudWatch PutMetricAlarm: AlarmName (1 to 255).
    ALARM = _Rule("alarm name", 255, re.compile(r"^\S(?:.*\S)?$"))
    # CloudWatch PutDashboard: DashboardName, letters, digits, `-` and `_`, at most 255.
    DASHBOARD = _Rule("dashboard name", 255, re.compile(r"^[A-Za-z0-9_-]+$"))
    # EC2 Auto Scaling and Application Auto Scaling PutScalingPolicy: PolicyName (1 to 255).
    SCALING_POLICY = _Rule("scaling policy name", 255, re.compile(r"^\S(?:.*\S)?$"))


@dataclass(frozen=True)
class Namer:
    """Builds `{project}-{role}-{suffix}` names; the suffix keeps parallel stacks apart."""

    project: str
    suffix: str

    def name(self, role: str, service: Service = Service.TAG) -> str:
        return checked(f"{self.project}-{role}-{self.suffix}", service)

    def role(self, role: str, region: str) -> str:
        """IAM is global: the region keeps the same suffix in two regions of one account apart."""
        return checked(f"{self.project}-{role}-{self.suffix}-{region}", Service.IAM_ROLE)

    def service_linked_role_suffix(self, region: str) -> str:
        return checked(
            f"{self.project}-{self.suffix}-{region_code(region)}",
            Service.SERVICE_LINKED_ROLE_SUFFIX,
        )

    def alias(self, role: str) -> str:
        """A KMS alias: `alias/` and the usual name."""
        return checked(f"alias/{self.project}-{role}-{self.suffix}", Service.KMS_ALIAS)

    def log_group(self, role: str) -> str:
        return checked(f"/{self.project}/{self.suffix}/{role}", Service.LOG_GROUP)

    def parameter(self, role: str) -> str:
        return checked(f"/{self.project}/{self.suffix}/{role}", Service.SSM_PARAMETER)

    def secret(self, role: str) -> str:
        return checked(f"{self.project}/{self.suffix}/{role}", Service.SECRET)

    def bucket(self, role: str, account_id: str, region: str) -> str:
        """Globally unique: the account and region join the usual name."""
        return checked(
            f"{self.project}-{role}-{self.suffix}-{account_id}-{region}", Service.S3_BUCKET
        )


_CARDINALS = ("north", "south", "east", "west", "central")


def region_code(region: str) -> str:
    """A compact region name: the area, the initials of the direction, the number (so
    Asia Pacific (Malaysia) becomes `apse5`)."""
    area, *middle, number = region.split("-")
    letters = ""
    for word in middle:
        found = sorted((word.find(c), c[0]) for c in _CARDINALS if c in word)
        letters += "".join(letter for _, letter in found) or word[0]
    return f"{area}{letters}{number}"


def checked(name: str, service: Service) -> str:
    """`name` fitted to `service`'s limit (`shortened`), or `NamingError` for a character it
    refuses; for names of a shape of their own, such as a WAF log group's."""
    rule = service.value
    if len(name) > rule.max_length:
        name = shortened(name, rule.max_length)
    if not rule.pattern.match(name):
        raise NamingError(f"{rule.what} {name!r} has characters AWS does not accept there")
    return name


def shortened(name: str, limit: int) -> str:
    """`name` cut to `limit` characters: its start, then a digest of all of it. The start
    ends on a letter or digit, as every service's pattern wants before the hyphen."""
    digest = hashlib.sha256(name.encode()).hexdigest()[:DIGEST_LENGTH]
    head = name[: limit - DIGEST_LENGTH - 1].rstrip("-_./")
    return f"{head}-{digest}"
