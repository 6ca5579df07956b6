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
from tap_platform.policies import AwsContext

ALB_LOG_PREFIX = "alb"
S3_LOG_PREFIX = "s3"
S3_LOGGING_SERVICE = "logging.s3.amazonaws.com"
# The buckets a stack may hold besides its log bucket, each encrypted with the stack's key
# and with its requests logged into the log bucket.
LOGGED = ("artifacts", "assets")


@dataclass(frozen=True)
class BucketsArgs:
    namer: Namer
    aws: AwsContext
    kms_key_arn: pulumi.Input[str]
    noncurrent_version_days: int
    log_expiration_days: int
    force_destroy: bool
    # Which of LOGGED this stack holds (default both).
    logged: tuple[str, ...] = LOGGED
    # The log bucket's role in its name (`alb-logs` where it takes the ALB's access logs).
    log_role: str = "alb-logs"
    # Whether the ALB's access logs are delivered here (the stack holds the ALB).
    elb_logs: bool = True


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
        args, child = self._config, pulumi.ResourceOptions(parent=self)
        prefix = f"{name}-{role}"
        bucket = aws.s3.Bucket(
            prefix,
            bucket=self._bucket_name(role),
            force_destroy=args.force_destroy,
            opts=pulumi.ResourceOptions(parent=self, protect=not args.force_destroy),
        )
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
            opts=child,
        )
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
