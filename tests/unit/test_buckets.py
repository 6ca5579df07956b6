"""Buckets: private, versioned, encrypted, TLS-only, expiring, and named to be unique."""

from __future__ import annotations

import asyncio
import json

import pytest

from tap_platform.buckets import S3_LOGGING_SERVICE
from tests.conftest import synth

ROLES = ("artifacts", "alb-logs", "assets")


def setting(run, kind: str, bucket: str):
    (found,) = [r for r in run.of_type(f"aws:s3/{kind}") if r.inputs["bucket"] == bucket]
    return found.inputs


def buckets(run) -> dict[str, str]:
    return {
        role: run.outputs[{"alb-logs": "albLogsBucket"}.get(role, f"{role}Bucket")]
        for role in ROLES
    }


def test_three_buckets_named_by_role_suffix_account_and_region(run) -> None:
    names = [b.inputs["bucket"] for b in run.of_type("aws:s3/bucket:Bucket")]
    suffix, region = run.outputs["environmentSuffix"], run.outputs["region"]
    assert sorted(names) == sorted(f"tap-{r}-{suffix}-111122223333-{region}" for r in ROLES)


@pytest.mark.parametrize("role", ROLES)
def test_public_access_is_blocked_and_objects_are_owner_enforced(run, role) -> None:
    name = buckets(run)[role]
    block = setting(run, "bucketPublicAccessBlock:BucketPublicAccessBlock", name)
    flags = ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")
    assert all(block[f] is True for f in flags)
    ownership = setting(run, "bucketOwnershipControls:BucketOwnershipControls", name)
    assert ownership["rule"]["objectOwnership"] == "BucketOwnerEnforced"


@pytest.mark.parametrize("role", ROLES)
def test_versioning_is_enabled(run, role) -> None:
    versioning = setting(run, "bucketVersioning:BucketVersioning", buckets(run)[role])
    assert versioning["versioningConfiguration"]["status"] == "Enabled"


@pytest.mark.parametrize(("role", "algorithm"), [("artifacts", "aws:kms"), ("assets", "aws:kms"),
                                                  ("alb-logs", "AES256")])  # fmt: skip
def test_encryption_kms_with_bucket_keys_except_where_elb_needs_sse_s3(run, role, algorithm):
    config = setting(
        run,
        "bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
        buckets(run)[role],
    )
    (rule,) = config["rules"]
    default = rule["applyServerSideEncryptionByDefault"]
    assert default["sseAlgorithm"] == algorithm
    if algorithm == "aws:kms":
        assert default["kmsMasterKeyId"] == run.outputs["kmsKeyArn"]
        assert rule["bucketKeyEnabled"] is True


@pytest.mark.parametrize("role", ROLES)
def test_policy_denies_every_request_without_tls(run, role) -> None:
    name = buckets(run)[role]
    statements = json.loads(setting(run, "bucketPolicy:BucketPolicy", name)["policy"])["Statement"]
    (deny,) = [s for s in statements if s["Effect"] == "Deny"]
    assert deny["Principal"] == "*"
    assert deny["Action"] == "s3:*"
    assert deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    assert sorted(deny["Resource"]) == [f"arn:aws:s3:::{name}", f"arn:aws:s3:::{name}/*"]


# The regions' ELB accounts (ELB User Guide, "Enable access logs for your Application Load
# Balancer"), written out here so a wrong entry in the stack's table fails.
ELB_ACCOUNTS = {"us-east-1": "127311923021", "us-west-2": "797873946194"}


def test_only_the_regions_elb_log_account_may_write_alb_logs(run) -> None:
    name = buckets(run)["alb-logs"]
    statements = json.loads(setting(run, "bucketPolicy:BucketPolicy", name)["policy"])["Statement"]
    (allow,) = [s for s in statements if s["Effect"] == "Allow" and "AWS" in s["Principal"]]
    account = ELB_ACCOUNTS[run.outputs["region"]]
    assert allow["Principal"] == {"AWS": f"arn:aws:iam::{account}:root"}
    assert allow["Action"] == "s3:PutObject"
    assert allow["Resource"] == f"arn:aws:s3:::{name}/alb/AWSLogs/111122223333/*"


@pytest.mark.parametrize(("stack", "days", "noncurrent"), [("dev", 30, 7), ("prod", 365, 90)])
def test_lifecycle_per_tier(synthesized, stack, days, noncurrent) -> None:
    run = synthesized[stack]
    for role, name in buckets(run).items():
        config = setting(run, "bucketLifecycleConfiguration:BucketLifecycleConfiguration", name)
        (rule,) = config["rules"]
        assert rule["noncurrentVersionExpiration"]["noncurrentDays"] == noncurrent
        assert rule["abortIncompleteMultipartUpload"]["daysAfterInitiation"] == 7
        assert ("expiration" in rule) is (role == "alb-logs")
        if role == "alb-logs":
            assert rule["expiration"]["days"] == days


@pytest.mark.parametrize(("stack", "force"), [("dev", True), ("ephemeral", True), ("prod", False)])
def test_force_destroy_outside_prod_only(synthesized, stack, force) -> None:
    for bucket in synthesized[stack].of_type("aws:s3/bucket:Bucket"):
        assert bucket.inputs["forceDestroy"] is force


def test_alb_writes_access_logs_to_its_bucket_after_the_policy_exists(run) -> None:
    alb = run.one("aws:lb/loadBalancer:LoadBalancer")
    assert alb.inputs["accessLogs"] == {
        "bucket": run.outputs["albLogsBucket"], "prefix": "alb", "enabled": True
    }  # fmt: skip
    policy = next(
        p for p in run.of_type("aws:s3/bucketPolicy:BucketPolicy")
        if p.inputs["bucket"] == run.outputs["albLogsBucket"]
    )  # fmt: skip
    assert policy.urn in alb.dependencies


def test_a_region_without_an_elb_account_names_the_log_delivery_service() -> None:
    """Regions opened since August 2022 have no ELB account (ELB User Guide, "Enable access
    logs for your Application Load Balancer"); the provider's lookup fails there."""
    run = synth("dev", config={"aws:region": "ap-southeast-5"})
    name = buckets(run)["alb-logs"]
    statements = json.loads(setting(run, "bucketPolicy:BucketPolicy", name)["policy"])["Statement"]
    (allow,) = [s for s in statements if s["Sid"] == "ElbLogDelivery"]
    assert allow["Principal"] == {"Service": "logdelivery.elasticloadbalancing.amazonaws.com"}


def test_requests_to_the_artifacts_and_assets_buckets_are_logged(run) -> None:
    """Security Hub S3.9: server access logs go to the log bucket (SSE-S3, expiring), each
    bucket under its own prefix, which only S3's logging service may write, for that bucket."""
    logs = buckets(run)["alb-logs"]
    statements = json.loads(setting(run, "bucketPolicy:BucketPolicy", logs)["policy"])["Statement"]
    grants = {
        s["Resource"]: s for s in statements if s["Principal"] == {"Service": S3_LOGGING_SERVICE}
    }
    for role in ("artifacts", "assets"):
        (logging,) = [
            r.inputs
            for r in run.of_type("aws:s3/bucketLogging:BucketLogging")
            if r.inputs["bucket"] == buckets(run)[role]
        ]
        assert logging["targetBucket"] == logs
        assert logging["targetPrefix"] == f"s3/{role}/"
        grant = grants[f"arn:aws:s3:::{logs}/s3/{role}/*"]
        assert grant["Condition"]["ArnLike"] == {
            "aws:SourceArn": f"arn:aws:s3:::{buckets(run)[role]}"
        }
        assert grant["Condition"]["StringEquals"] == {"aws:SourceAccount": "111122223333"}
    assert len(run.of_type("aws:s3/bucketLogging:BucketLogging")) == 2


KEY = "arn:aws:kms:us-east-1:111122223333:key/alone"


def alone(**overrides):
    from tap_platform.buckets import Buckets, BucketsArgs
    from tapsim.alone import CONTEXT, NAMER, build_alone

    args = BucketsArgs(
        namer=NAMER, aws=CONTEXT, kms_key_arn=KEY, noncurrent_version_days=7,
        log_expiration_days=30, force_destroy=True, **overrides,
    )  # fmt: skip
    made: list = []
    run = build_alone(lambda: made.append(Buckets("storage", args)) or made[-1])
    return run, made[0]


def test_built_alone_the_defaults_hold_both_logged_buckets_and_the_alb_log_bucket() -> None:
    run, _ = alone()
    names = sorted(b.inputs["bucket"] for b in run.of_type("aws:s3/bucket:Bucket"))
    assert names == [f"demo-{r}-alone-111122223333-us-east-1" for r in sorted(ROLES)]
    elb = [p for p in run.of_type("aws:s3/bucketPolicy:BucketPolicy") if "ElbLogDelivery" in
           p.inputs["policy"]]  # fmt: skip
    assert len(elb) == 1


def test_built_alone_without_the_alb_the_log_bucket_takes_no_elb_logs() -> None:
    run, _ = alone(logged=("assets",), log_role="logs", elb_logs=False)
    names = sorted(b.inputs["bucket"] for b in run.of_type("aws:s3/bucket:Bucket"))
    assert names == [
        "demo-assets-alone-111122223333-us-east-1",
        "demo-logs-alone-111122223333-us-east-1",
    ]
    assert not any("ElbLogDelivery" in p.inputs["policy"]
                   for p in run.of_type("aws:s3/bucketPolicy:BucketPolicy"))  # fmt: skip


@pytest.fixture
def event_loop_set():
    """Outputs (an object ARN) need a current event loop outside a program too."""
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    yield
    loop.close()
    asyncio.set_event_loop(None)


@pytest.mark.usefixtures("event_loop_set")
def test_a_grant_brings_the_key_statement_its_bucket_needs() -> None:
    from tap_platform.buckets import BucketRef

    bucket = BucketRef(name="b", arn="arn:aws:s3:::b", key_arn=KEY)
    read = bucket.grant_read("docs")
    assert read["docs"][0] == ("s3:GetObject",)
    assert read["docs-key"] == (("kms:Decrypt",), [KEY])
    write = bucket.grant_read_write("docs", versions=True, delete=True)
    assert write["docs"][0] == ("s3:GetObject", "s3:GetObjectVersion", "s3:PutObject",
                                "s3:DeleteObject")  # fmt: skip
    assert write["docs-key"] == (("kms:Decrypt", "kms:GenerateDataKey"), [KEY])
    assert "docs-key" not in BucketRef(name="l", arn="arn:aws:s3:::l").grant_read("docs")


def test_the_log_bucket_is_granted_without_a_key() -> None:
    _, buckets = alone()
    assert buckets.ref("alb-logs").key_arn is None
    assert buckets.ref("assets").key_arn == KEY
