"""S3: buckets and the separate sub-resources pulumi-aws v7 configures them with."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tapsim.emulator.core import Context, Deleter, Handler, by, ignore


def _bucket(ctx: Context, i: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    s3 = ctx.clients("s3")
    location = (
        {}
        if ctx.region == "us-east-1"
        else {"CreateBucketConfiguration": {"LocationConstraint": ctx.region}}
    )
    s3.create_bucket(Bucket=i["bucket"], **location)
    if ctx.tags:
        s3.put_bucket_tagging(Bucket=i["bucket"], Tagging={"TagSet": ctx.tag_list()})
    return i["bucket"], {"arn": f"arn:{ctx.partition}:s3:::{i['bucket']}", "bucket": i["bucket"]}


def _delete_bucket(ctx: Context, name: str, _state: dict[str, Any]) -> None:
    """Empties every version first: `force_destroy` does so on AWS, and for a prod bucket,
    which keeps its objects there, the emulator's clean-up does, as it lifts deletion
    protection. The log bucket always holds S3's access logs by then."""
    s3 = ctx.clients("s3")
    for page in s3.get_paginator("list_object_versions").paginate(Bucket=name):
        for item in page.get("Versions", []) + page.get("DeleteMarkers", []):
            s3.delete_object(Bucket=name, Key=item["Key"], VersionId=item["VersionId"])
    s3.delete_bucket(Bucket=name)


def _setting(call: str, build: Callable[[dict[str, Any]], dict[str, Any]]) -> Handler:
    def create(ctx: Context, i: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        getattr(ctx.clients("s3"), call)(Bucket=i["bucket"], **build(i))
        return i["bucket"], {}

    return create


def _lifecycle_rule(rule: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {
        "ID": rule["id"],
        "Status": rule["status"],
        "Filter": {"Prefix": (rule.get("filter") or {}).get("prefix", "")},
    }
    if rule.get("expiration"):
        out["Expiration"] = {"Days": int(rule["expiration"]["days"])}
    if rule.get("noncurrentVersionExpiration"):
        days = int(rule["noncurrentVersionExpiration"]["noncurrentDays"])
        out["NoncurrentVersionExpiration"] = {"NoncurrentDays": days}
    if rule.get("abortIncompleteMultipartUpload"):
        days = int(rule["abortIncompleteMultipartUpload"]["daysAfterInitiation"])
        out["AbortIncompleteMultipartUpload"] = {"DaysAfterInitiation": days}
    return out


def _encryption_rule(rule: dict[str, Any]) -> dict[str, Any]:
    default = rule["applyServerSideEncryptionByDefault"]
    by_default = {"SSEAlgorithm": default["sseAlgorithm"]}
    if default.get("kmsMasterKeyId"):
        by_default["KMSMasterKeyID"] = default["kmsMasterKeyId"]
    return {
        "ApplyServerSideEncryptionByDefault": by_default,
        "BucketKeyEnabled": bool(rule.get("bucketKeyEnabled")),
    }


def _public_access_block(i: dict[str, Any]) -> dict[str, Any]:
    flags = ("blockPublicAcls", "ignorePublicAcls", "blockPublicPolicy", "restrictPublicBuckets")
    return {
        "PublicAccessBlockConfiguration": {
            flag[0].upper() + flag[1:]: bool(i.get(flag)) for flag in flags
        }
    }


ENCRYPTION = (
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
)
SETTINGS: dict[str, tuple[Handler, Deleter]] = {
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": (
        _setting("put_public_access_block", _public_access_block),
        by("s3.delete_public_access_block", Bucket="id"),
    ),
    "aws:s3/bucketOwnershipControls:BucketOwnershipControls": (
        _setting(
            "put_bucket_ownership_controls",
            lambda i: {
                "OwnershipControls": {"Rules": [{"ObjectOwnership": i["rule"]["objectOwnership"]}]}
            },
        ),
        by("s3.delete_bucket_ownership_controls", Bucket="id"),
    ),
    "aws:s3/bucketVersioning:BucketVersioning": (
        _setting(
            "put_bucket_versioning",
            lambda i: {
                "VersioningConfiguration": {"Status": i["versioningConfiguration"]["status"]}
            },
        ),
        ignore,
    ),
    ENCRYPTION: (
        _setting(
            "put_bucket_encryption",
            lambda i: {
                "ServerSideEncryptionConfiguration": {
                    "Rules": [_encryption_rule(r) for r in i["rules"]]
                }
            },
        ),
        by("s3.delete_bucket_encryption", Bucket="id"),
    ),
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": (
        _setting(
            "put_bucket_lifecycle_configuration",
            lambda i: {
                "LifecycleConfiguration": {"Rules": [_lifecycle_rule(r) for r in i["rules"]]}
            },
        ),
        by("s3.delete_bucket_lifecycle", Bucket="id"),
    ),
    "aws:s3/bucketPolicy:BucketPolicy": (
        _setting("put_bucket_policy", lambda i: {"Policy": i["policy"]}),
        by("s3.delete_bucket_policy", Bucket="id"),
    ),
    "aws:s3/bucketLogging:BucketLogging": (
        _setting(
            "put_bucket_logging",
            lambda i: {
                "BucketLoggingStatus": {
                    "LoggingEnabled": {
                        "TargetBucket": i["targetBucket"],
                        "TargetPrefix": i["targetPrefix"],
                    }
                }
            },
        ),
        lambda ctx, bucket, _state: ctx.clients("s3").put_bucket_logging(
            Bucket=bucket, BucketLoggingStatus={}
        ),
    ),
}
HANDLERS: dict[str, tuple[Handler, Deleter]] = {
    "aws:s3/bucket:Bucket": (_bucket, _delete_bucket),
    **SETTINGS,
}
# Bucket sub-resources take no tags of their own.
UNTAGGED = set(SETTINGS)
