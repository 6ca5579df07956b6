"""The stack's S3 buckets: pipeline artifacts, app assets, and the log bucket.

Each bucket is private (all four public-access flags, owner-enforced objects), versioned,
encrypted, TLS-only, and expires what it no longer needs. The log bucket (`alb-logs`) takes
the ALB's access logs and the S3 server access logs of the other two (Security Hub S3.9); it
uses SSE-S3 because neither ELB log delivery nor S3 server access logging can write with a
customer key (S3 User Guide, "Enabling Amazon S3 server access logging"), and it expires
what it holds after `log_expiration_days`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pulumi
import pulumi_aws as aws

from tap_platform.naming import Namer
from tap_platform.policies import AwsContext, Grants, key_grant

ALB_LOG_PREFIX = "alb"
S3_LOG_PREFIX = "s3"
S3_LOGGING_SERVICE = "logging.s3.amazonaws.com"
# The buckets a stack may hold besides its log bucket, each encrypted with the stack's key
# and with its requests logged into the log bucket.
LOGGED = ("artifacts", "assets")


@dataclass(frozen=True)
class BucketsArgs:
    """What the buckets need: names, the key the logged buckets are encrypted with, and how
    long old object versions and logs are kept.

    Attributes:
        namer: builds the buckets' names, which carry the account and region (S3 names are
            global).
        aws: the region, account and partition the bucket policies name.
        kms_key_arn: the customer key of the logged buckets (SSE-KMS with bucket keys).
        noncurrent_version_days: days an overwritten or deleted object version is kept.
        log_expiration_days: days the log bucket keeps what it receives.
        force_destroy: empty the buckets on destroy, and leave them unprotected (non-prod);
            false keeps them and protects them.
        logged: which of `LOGGED` the stack holds (default: both).
        log_role: the log bucket's role in its name (default: `alb-logs`, as it takes the
            ALB's access logs).
        elb_logs: whether the ALB's access logs are delivered to the log bucket (default:
            True, the stack holds the ALB).
    """

    namer: Namer
    aws: AwsContext
    kms_key_arn: pulumi.Input[str]
    noncurrent_version_days: int
    log_expiration_days: int
    force_destroy: bool
    logged: tuple[str, ...] = LOGGED
    log_role: str = "alb-logs"
    elb_logs: bool = True


# What each use of a bucket asks of S3 (S3 User Guide, "Amazon S3 actions"): grants give
# exactly these, nothing a caller did not ask for.
OBJECT_READ = ("s3:GetObject",)
OBJECT_VERSION_READ = ("s3:GetObjectVersion",)
OBJECT_WRITE = ("s3:PutObject",)
OBJECT_DELETE = ("s3:DeleteObject",)


@dataclass(frozen=True)
class BucketRef:
    """One bucket as a grantee sees it: its name, ARN and the key its objects are encrypted
    with. Each grant brings the key statement along, as the CDK's `bucket.grant_read` does.

    Attributes:
        name: the bucket's name.
        arn: the bucket's ARN.
        key_arn: the customer key of its objects (default: None, for SSE-S3).
    """

    name: pulumi.Input[str]
    arn: pulumi.Input[str]
    key_arn: pulumi.Input[str] | None = None

    def objects(self) -> pulumi.Output[str]:
        return pulumi.Output.concat(self.arn, "/*")

    def grant_read(self, name: str, *, versions: bool = False) -> Grants:
        """Read objects (and their older versions when asked), and decrypt them."""
        actions = OBJECT_READ + (OBJECT_VERSION_READ if versions else ())
        return {
            name: (actions, [self.objects()]),
            **key_grant(f"{name}-key", self.key_arn, write=False),
        }

    def grant_read_write(
        self, name: str, *, versions: bool = False, delete: bool = False
    ) -> Grants:
        """Read and write objects (older versions and deletes when asked), with the key to
        do both."""
        actions = (
            OBJECT_READ
            + (OBJECT_VERSION_READ if versions else ())
            + OBJECT_WRITE
            + (OBJECT_DELETE if delete else ())
        )
        return {
            name: (actions, [self.objects()]),
            **key_grant(f"{name}-key", self.key_arn, write=True),
        }

    def grant_list(self, name: str) -> Grants:
        """List the bucket's keys."""
        return {name: (("s3:ListBucket",), [self.arn])}

    def grant_versioning_read(self, name: str) -> Grants:
        """What CodePipeline checks of its artifact store."""
        return {name: (("s3:GetBucketVersioning",), [self.arn])}

    def grant_acl_location_read(self, name: str) -> Grants:
        """What CodeBuild checks of a bucket it writes to (CodeBuild User Guide, "Allow
        CodeBuild to interact with other AWS services")."""
        return {name: (("s3:GetBucketAcl", "s3:GetBucketLocation"), [self.arn])}


# The Elastic Load Balancing account that writes access logs, for the regions that have one
# (the AWS table, with its source, in data/elb_log_accounts.json); regions opened since
# August 2022 have none and name the log-delivery service instead.
ELB_LOG_ACCOUNTS: dict[str, str] = json.loads(
    (Path(__file__).parent / "data" / "elb_log_accounts.json").read_text()
)["accounts"]
ELB_LOG_DELIVERY_SERVICE = "logdelivery.elasticloadbalancing.amazonaws.com"


def elb_log_principal(context: AwsContext) -> dict[str, str]:
    account = ELB_LOG_ACCOUNTS.get(context.region)
    if account:
        return {"AWS": f"arn:{context.partition}:iam::{account}:root"}
    return {"Service": ELB_LOG_DELIVERY_SERVICE}


def deny_insecure_transport(bucket_arn: str) -> dict:
    return {
        "Sid": "DenyInsecureTransport",
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:*",
        "Resource": [bucket_arn, f"{bucket_arn}/*"],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }


class Buckets(pulumi.ComponentResource):
    """Hardened buckets and the log bucket; `names` and `buckets` are keyed by role."""

    def __init__(self, name: str, args: BucketsArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("tap:data:Buckets", name, None, opts)
        self._config = args
        self.buckets: dict[str, aws.s3.Bucket] = {}
        self.policies: dict[str, aws.s3.BucketPolicy] = {}
        for role in args.logged:
            self._bucket(name, role, kms=True, extra_statements=[], expire_current=False)
        log_role = args.log_role
        logs_arn = self._bucket_arn(log_role)
        account_logs = f"{logs_arn}/{ALB_LOG_PREFIX}/AWSLogs/{args.aws.account_id}/*"
        # One grant per logged bucket, to its own prefix only.
        access_logs = [
            {
                "Sid": f"S3ServerAccessLogs{role.title()}",
                "Effect": "Allow",
                "Principal": {"Service": S3_LOGGING_SERVICE},
                "Action": "s3:PutObject",
                "Resource": f"{logs_arn}/{S3_LOG_PREFIX}/{role}/*",
                "Condition": {
                    "ArnLike": {"aws:SourceArn": self._bucket_arn(role)},
                    "StringEquals": {"aws:SourceAccount": args.aws.account_id},
                },
            }
            for role in args.logged
        ]
        elb = {
            "Sid": "ElbLogDelivery",
            "Effect": "Allow",
            "Principal": elb_log_principal(args.aws),
            "Action": "s3:PutObject",
            "Resource": account_logs,
        }
        self._bucket(
            name,
            log_role,
            kms=False,
            expire_current=True,
            extra_statements=[elb] * args.elb_logs + access_logs,
        )
        for role in args.logged:
            aws.s3.BucketLogging(
                f"{name}-{role}-access-logs",
                bucket=self.buckets[role].id,
                target_bucket=self.buckets[log_role].id,
                target_prefix=f"{S3_LOG_PREFIX}/{role}/",
                opts=pulumi.ResourceOptions(parent=self, depends_on=[self.policies[log_role]]),
            )
        self.names = {role: b.bucket for role, b in self.buckets.items()}
        self.register_outputs({f"{role}Bucket": n for role, n in self.names.items()})

    def ref(self, role: str) -> BucketRef:
        """The bucket of `role` for grants; the log bucket has no customer key."""
        kms = role != self._config.log_role
        return BucketRef(
            name=self.names[role],
            arn=self.buckets[role].arn,
            key_arn=self._config.kms_key_arn if kms else None,
        )

    def grant_read(self, role: str, name: str, *, versions: bool = False) -> Grants:
        return self.ref(role).grant_read(name, versions=versions)

    def grant_read_write(
        self, role: str, name: str, *, versions: bool = False, delete: bool = False
    ) -> Grants:
        return self.ref(role).grant_read_write(name, versions=versions, delete=delete)

    def _bucket_arn(self, role: str) -> str:
        a = self._config
        return f"arn:{a.aws.partition}:s3:::{self._bucket_name(role)}"

    def _bucket_name(self, role: str) -> str:
        a = self._config
        return a.namer.bucket(role, a.aws.account_id, a.aws.region)

    def _bucket(
        self,
        name: str,
        role: str,
        *,
        kms: bool,
        expire_current: bool,
        extra_statements: list[dict],
    ) -> None:
        args = self._config
        prefix = f"{name}-{role}"
        bucket = aws.s3.Bucket(
            prefix,
            bucket=self._bucket_name(role),
            force_destroy=args.force_destroy,
            opts=pulumi.ResourceOptions(parent=self, protect=not args.force_destroy),
        )
        public_access = self._private(prefix, bucket, kms=kms)
        self._lifecycle(prefix, bucket, expire_current=expire_current)
        arn = self._bucket_arn(role)
        self.policies[role] = aws.s3.BucketPolicy(
            f"{prefix}-policy",
            bucket=bucket.id,
            policy=json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [*extra_statements, deny_insecure_transport(arn)],
                }
            ),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[public_access]),
        )
        self.buckets[role] = bucket

    def _private(
        self, prefix: str, bucket: aws.s3.Bucket, *, kms: bool
    ) -> aws.s3.BucketPublicAccessBlock:
        """All four public-access flags, owner-enforced objects, versioning and default
        encryption (the customer key with bucket keys, or SSE-S3 where logs are delivered)."""
        args, child = self._config, pulumi.ResourceOptions(parent=self)
        public_access = aws.s3.BucketPublicAccessBlock(
            f"{prefix}-public-access",
            bucket=bucket.id,
            block_public_acls=True,
            block_public_policy=True,
            ignore_public_acls=True,
            restrict_public_buckets=True,
            opts=child,
        )
        aws.s3.BucketOwnershipControls(
            f"{prefix}-ownership",
            bucket=bucket.id,
            rule=aws.s3.BucketOwnershipControlsRuleArgs(object_ownership="BucketOwnerEnforced"),
            opts=child,
        )
        aws.s3.BucketVersioning(
            f"{prefix}-versioning",
            bucket=bucket.id,
            versioning_configuration=aws.s3.BucketVersioningVersioningConfigurationArgs(
                status="Enabled"
            ),
            opts=child,
        )
        by_default = (
            aws.s3.BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultArgs
        )
        default = by_default(
            sse_algorithm="aws:kms" if kms else "AES256",
            kms_master_key_id=args.kms_key_arn if kms else None,
        )
        aws.s3.BucketServerSideEncryptionConfiguration(
            f"{prefix}-encryption",
            bucket=bucket.id,
            rules=[
                aws.s3.BucketServerSideEncryptionConfigurationRuleArgs(
                    apply_server_side_encryption_by_default=default, bucket_key_enabled=kms
                )
            ],
            opts=child,
        )
        return public_access

    def _lifecycle(self, prefix: str, bucket: aws.s3.Bucket, *, expire_current: bool) -> None:
        """Old versions and unfinished uploads expire; the log bucket's objects too."""
        args = self._config
        aws.s3.BucketLifecycleConfiguration(
            f"{prefix}-lifecycle",
            bucket=bucket.id,
            rules=[
                aws.s3.BucketLifecycleConfigurationRuleArgs(
                    id="tidy",
                    status="Enabled",
                    filter=aws.s3.BucketLifecycleConfigurationRuleFilterArgs(prefix=""),
                    noncurrent_version_expiration=aws.s3.BucketLifecycleConfigurationRuleNoncurrentVersionExpirationArgs(
                        noncurrent_days=args.noncurrent_version_days
                    ),
                    abort_incomplete_multipart_upload=aws.s3.BucketLifecycleConfigurationRuleAbortIncompleteMultipartUploadArgs(
                        days_after_initiation=7
                    ),
                    expiration=(
                        aws.s3.BucketLifecycleConfigurationRuleExpirationArgs(
                            days=args.log_expiration_days
                        )
                        if expire_current
                        else None
                    ),
                )
            ],
            opts=pulumi.ResourceOptions(parent=self),
        )
