"""The data tier as the account reports it: key, secrets, database, cache, buckets."""

from __future__ import annotations

import json

from tap_platform.naming import Service


def test_key_rotates(target) -> None:
    assert target.found.key["KeyState"] == "Enabled"
    assert target.found.key_rotation_enabled() is True


def test_secrets_are_encrypted_with_the_stack_key(target) -> None:
    key = target.found.key
    for role in ("database", "cache-auth"):
        described = target.found.secret(role)
        assert described.get("KmsKeyId") in {key["Arn"], key["KeyId"]}, role


def test_rds_owns_the_database_secret_and_rotates_it_on_the_stacks_schedule(target) -> None:
    described = target.found.secret("database")
    tags = {t["Key"]: t["Value"] for t in described.get("Tags", [])}
    assert tags["aws:secretsmanager:owningService"] == "rds"
    assert described["RotationEnabled"] is True
    days = target.settings.database.rotation_days
    assert described["RotationRules"]["AutomaticallyAfterDays"] == days


def test_database_is_encrypted_private_and_in_the_isolated_subnets(target) -> None:
    found, db = target.found, target.settings.database
    isolated = {s["SubnetId"] for s in found.subnets_of("isolated")}
    group = found.db_subnet_group
    assert {s["SubnetIdentifier"] for s in group["Subnets"]} == isolated
    if db.aurora:
        (database,) = found.db_clusters
        assert len(found.db_instances) == 1 + db.reader_count
    else:
        assert found.db_clusters == []
        (database,) = found.db_instances
        assert database["MultiAZ"] is db.multi_az
        family = found.name(f"db-{db.family.replace('.', '-')}", Service.RDS)
        assert database["DBParameterGroups"][0]["DBParameterGroupName"] == family
    assert database["StorageEncrypted"] is True
    assert database["KmsKeyId"] == found.key["Arn"]
    assert database["DeletionProtection"] is target.settings.deletion_protection
    assert database["IAMDatabaseAuthenticationEnabled"] is True
    assert database["BackupRetentionPeriod"] == db.backup_retention_days
    assert (database.get("Port") or database["Endpoint"]["Port"]) == db.port
    assert not any(i["PubliclyAccessible"] for i in found.db_instances)


def test_database_admits_its_port_from_the_app_group_only(target) -> None:
    """And, on plain RDS, from the build that makes the app's user."""
    admitted = [target.found.security_group("app")["GroupId"]]
    if not target.settings.database.aurora:
        admitted.append(target.found.security_group("db-setup")["GroupId"])
    (permission,) = target.found.security_group("db")["IpPermissions"]
    assert permission["FromPort"] == target.settings.database.port
    assert sorted(p["GroupId"] for p in permission["UserIdGroupPairs"]) == sorted(admitted)
    assert permission.get("IpRanges", []) == []


def test_cache_requires_tls_and_auth_and_fails_over_where_the_tier_says(target) -> None:
    group = target.found.replication_group
    assert group["TransitEncryptionEnabled"] is True
    assert group["AtRestEncryptionEnabled"] is True
    assert group["AuthTokenEnabled"] is True
    replicated = target.settings.cache.replicas > 0
    assert group["AutomaticFailover"] == ("enabled" if replicated else "disabled")
    assert group["MultiAZ"] == ("enabled" if replicated else "disabled")
    assert group["SnapshotRetentionLimit"] == target.settings.cache.snapshot_retention_days


def test_requests_to_the_artifacts_and_assets_buckets_are_logged(target) -> None:
    s3, buckets = target.found.client("s3"), target.found.buckets
    for role in ("artifacts", "assets"):
        logging = s3.get_bucket_logging(Bucket=buckets[role])["LoggingEnabled"]
        assert logging == {"TargetBucket": buckets["alb-logs"], "TargetPrefix": f"s3/{role}/"}
    assert "LoggingEnabled" not in s3.get_bucket_logging(Bucket=buckets["alb-logs"])


def test_each_bucket_is_private_versioned_encrypted_and_tls_only(target) -> None:
    s3, found = target.found.client("s3"), target.found
    assert set(found.buckets) == {"artifacts", "alb-logs", "assets"}
    for role, name in found.buckets.items():
        block = s3.get_public_access_block(Bucket=name)["PublicAccessBlockConfiguration"]
        assert len(block) == 4, role
        assert all(block.values()), role
        assert s3.get_bucket_versioning(Bucket=name)["Status"] == "Enabled", role
        ownership = s3.get_bucket_ownership_controls(Bucket=name)["OwnershipControls"]
        assert ownership["Rules"] == [{"ObjectOwnership": "BucketOwnerEnforced"}], role
        (rule,) = s3.get_bucket_encryption(Bucket=name)["ServerSideEncryptionConfiguration"][
            "Rules"
        ]
        algorithm = rule["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"]
        assert algorithm == ("AES256" if role == "alb-logs" else "aws:kms"), role
        statements = json.loads(s3.get_bucket_policy(Bucket=name)["Policy"])["Statement"]
        assert any(
            s["Effect"] == "Deny" and s["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
            for s in statements
        ), role


def test_alb_writes_access_logs_to_its_bucket(target) -> None:
    attributes = target.found.load_balancer_attributes
    assert attributes["access_logs.s3.enabled"] == "true"
    assert attributes["access_logs.s3.bucket"] == target.found.buckets["alb-logs"]


def test_log_groups_are_encrypted_with_the_stack_key(target) -> None:
    for name, group in target.found.log_groups.items():
        assert group.get("kmsKeyId") == target.found.key["Arn"], name


def test_the_apps_database_user_is_made_where_the_engine_allows(target) -> None:
    """Aurora: the Data API, from `pulumi up` (moto keeps neither the statements nor, for a
    provisioned cluster, the endpoint flag: the unit tests read both from the program).
    Plain RDS: a build in the private subnets, which `pulumi up` ran once."""
    found, db = target.found, target.settings.database
    project = found.name("db-setup", Service.BUILD_PROJECT)
    codebuild = found.client("codebuild")
    if db.aurora:
        assert project not in codebuild.list_projects()["projects"]
        return
    (described,) = codebuild.batch_get_projects(names=[project])["projects"]
    private = {s["SubnetId"] for s in found.subnets_of("private")}
    assert set(described["vpcConfig"]["subnets"]) == private
    assert len(codebuild.list_builds_for_project(projectName=project)["ids"]) == 1
