"""What AWS allows, as the settings check it: each fact with the document it comes from.

These are tables, not choices: the tier table (`tiers.py`) holds the choices.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

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
        "PORT", "AWS_REGION", "AWS_DEFAULT_REGION", "DB_HOST", "DB_READER_HOST", "DB_PORT",
        "DB_NAME", "DB_USER", "DB_AUTH",
        "REDIS_HOST", "REDIS_PORT", "REDIS_TLS", "REDIS_AUTH_SECRET_ARN", "ASSETS_BUCKET",
    }
)  # fmt: skip
# What `tap:service.secrets` may name: a Secrets Manager secret or an SSM parameter, by ARN
# (any region or account) or by name in the stack's own (`secretsmanager:<name>`,
# `ssm:<name>`), as ECS's `valueFrom` takes them (ECS Developer Guide, "Pass sensitive data to
# an Amazon ECS container"). Names: Secrets Manager API Reference, CreateSecret (Name: letters,
# digits and /_+=.@-); Systems Manager API Reference, PutParameter (Name: letters, digits and
# /_.-).
APP_SECRET_PATTERN = (
    r"^(?:arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@-]{1,512}"
    r"|arn:aws[a-z-]*:ssm:[a-z0-9-]+:\d{12}:parameter/[A-Za-z0-9/_.-]{1,2048}"
    r"|secretsmanager:[A-Za-z0-9/_+=.@-]{1,512}|ssm:[A-Za-z0-9/_.-]{1,2048})$"
)
KMS_KEY_ARN_PATTERN = r"^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key/[0-9a-f-]{36}$"
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

HOSTNAME_PATTERN = r"^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$"

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
    "aurora-postgresql": "a major version from 13 (such as 16) or an exact one (such as 16.9)",
    "postgres": "a major version from 13 (such as 16) or an exact one (such as 16.9)",
    "aurora-mysql": "8.0, or an exact version such as 8.0.mysql_aurora.3.08.0",
    "mysql": "8.0 or 8.4, or an exact version such as 8.0.44",
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

# The versions a replication group can be created with: ElastiCache User Guide, "Supported
# engines and versions", and describe_cache_engine_versions as recorded by
# aws-cloudformation/cfn-lint @ 217397c819d2 (2026-07-06); and the one a new stack starts on.
CACHE_VERSIONS = {
    "redis": ("4.0.10", "5.0.6", "6.0", "6.2", "7.0", "7.1"),
    "valkey": ("7.2", "8.0", "8.1", "8.2", "9.0", "9.1"),
}
CACHE_DEFAULTS = {"redis": "7.1", "valkey": "8.0"}
# ElastiCache API Reference, CacheNode: Graviton node types (T4g, M6g, ...) are "available only
# for Redis OSS engine version 5.0.6 onward"; Valkey runs on them from its first version.
GRAVITON_CACHE_FROM = {"redis": "5.0.6"}
# The node types each region offers, as `tap_platform.catalog` reads them (the file names its
# source and date): checked with the other settings, so that it is reported with them.
CACHE_NODE_TYPES: dict[str, list[str]] = json.loads(
    (Path(__file__).parent.parent / "data" / "cache_node_types.json").read_text()
)["regions"]

# A container image as ECS passes it to Docker (ECS API Reference, ContainerDefinition, image):
# `[registry/]repository[:tag]` or `...@sha256:<64 hex digits>`, at most 255 characters before
# any digest; each part as Docker's reference grammar spells it (lower-case path components
# separated by `.`, `_`, `__` or dashes; a tag of up to 128 word characters, `.` and `-`).
_IMAGE_COMPONENT = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
_IMAGE_HOST_PART = r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
_IMAGE_REGISTRY = rf"{_IMAGE_HOST_PART}(?:\.{_IMAGE_HOST_PART})*(?::\d+)?"
IMAGE_PATTERN = re.compile(
    rf"^(?P<name>(?:{_IMAGE_REGISTRY}/)?{_IMAGE_COMPONENT}(?:/{_IMAGE_COMPONENT})*"
    r"(?::[\w][\w.-]{0,127})?)(?:@sha256:[A-Fa-f0-9]{64})?$"
)
MAX_IMAGE_NAME = 255
# The images CodeBuild manages, as its API names them (CodeBuild API Reference,
# ProjectEnvironment, image: `<registry>/<repository>:<tag>`, such as
# aws/codebuild/standard:4.0). The pipeline's projects pull with CODEBUILD credentials
# (`pipeline.py`), which the same page's imagePullCredentialsType requires for curated images;
# a private or cross-account image would need SERVICE_ROLE, so only curated ones are taken.
CODEBUILD_IMAGE_PATTERN = r"^aws/codebuild/[a-z0-9][a-z0-9._-]*:[A-Za-z0-9][A-Za-z0-9._-]*$"

# The AWS-managed public registry has no VPC endpoint; only a private ECR image in the
# stack's region can be pulled without internet egress.
ECR_IMAGE_PATTERN = re.compile(r"^\d{12}\.dkr\.ecr\.(?P<region>[a-z0-9-]+)\.amazonaws\.com/")

# A path pattern of an ALB rule: case-sensitive, `*` matches any characters (ELB User Guide,
# "Listener rules", path conditions); here a plain path, or one ending in `/*`.
ROUTE_PATH_PATTERN = r"^/(?:[A-Za-z0-9._~-]+/)*(?:[A-Za-z0-9._~-]+|\*)?$"
# A stack reference: `<org>/<project>/<stack>`, or a stack of this project (Pulumi docs,
# "Stack references"; stack names take letters, digits, `-`, `_` and `.`).
STACK_REFERENCE_PATTERN = r"^(?:[\w.-]+/[\w.-]+/)?[\w.-]+$"
# Per database engine: the major version a new stack starts on, and the port.
ENGINE_DEFAULTS: dict[str, tuple[str, int]] = {
    "aurora-postgresql": ("16", 5432),
    "postgres": ("16", 5432),
    "aurora-mysql": ("8.0", 3306),
    "mysql": ("8.0", 3306),
}
# Provisioned Aurora's default class: the Data API that makes the app's user runs on no T
# class (Aurora User Guide, "Limitations for the Amazon RDS Data API"), so the tier's
# burstable default, which plain RDS keeps, does not fit it.
AURORA_PROVISIONED_CLASS = "db.r6g.large"
# The default image's command serves HTTP on the port given last.
DEFAULT_COMMAND = ("python3", "-m", "http.server")
# The app's own database user, which the stack makes and the master user may not be.
APP_DB_USER = "app"
# An exact Aurora MySQL version's 3.x minor: 8.0.mysql_aurora.3.07.1 is 07.
AURORA_MYSQL_MINOR = re.compile(r"^8\.0\.mysql_aurora\.3\.(\d{2})\.\d+$")
