"""Database: private, encrypted, TLS-only, credentials managed and rotated by RDS; prod
protected."""

from __future__ import annotations

import ast
import dataclasses
import json
import re

import pulumi_aws as aws
import pytest

from tap_platform.database import Database, DatabaseArgs
from tap_platform.policies import attach_grants
from tap_platform.settings.tiers import tier_defaults
from tapsim.alone import CONTEXT, NAMER, build_alone
from tapsim.runner import RunResult
from tests.conftest import log_groups
from tests.unit.test_components import documented

CLUSTER = "aws:rds/cluster:Cluster"
INSTANCE = "aws:rds/clusterInstance:ClusterInstance"
SECRET = "aws:secretsmanager/secret:Secret"
ROTATION = "aws:secretsmanager/secretRotation:SecretRotation"


def test_aurora_cluster_is_encrypted_with_the_stack_key(run) -> None:
    cluster = run.one(CLUSTER).inputs
    assert cluster["storageEncrypted"] is True
    assert cluster["kmsKeyId"] == run.outputs["kmsKeyArn"]
    assert cluster["engine"] == "aurora-postgresql"
    assert cluster["engineVersion"] == "16", "a major version, within which AWS upgrades minors"
    assert cluster["allowMajorVersionUpgrade"] is True, "a major upgrade is a settings change"


def test_database_lives_in_the_isolated_subnets(run) -> None:
    group = run.one("aws:rds/subnetGroup:SubnetGroup")
    assert sorted(group.inputs["subnetIds"]) == sorted(run.outputs["isolatedSubnetIds"])
    assert run.one(CLUSTER).inputs["dbSubnetGroupName"] == group.inputs["name"]


def test_no_instance_is_publicly_accessible(run) -> None:
    for instance in run.of_type(INSTANCE):
        assert instance.inputs["publiclyAccessible"] is False


@pytest.mark.parametrize(
    ("stack", "readers", "acu"),
    [("dev", 0, (0, 2)), ("staging", 1, (0.5, 4)), ("prod", 1, (1, 16))],
)
def test_serverless_v2_writer_and_readers_per_tier(synthesized, stack, readers, acu) -> None:
    run = synthesized[stack]
    instances = run.of_type(INSTANCE)
    assert len(instances) == 1 + readers
    assert {i.inputs["instanceClass"] for i in instances} == {"db.serverless"}
    scaling = run.one(CLUSTER).inputs["serverlessv2ScalingConfiguration"]
    assert (scaling["minCapacity"], scaling["maxCapacity"]) == acu


def test_prod_reader_sits_in_another_az_than_the_writer(prod) -> None:
    zones = [i.inputs["availabilityZone"] for i in prod.of_type(INSTANCE)]
    assert len(set(zones)) == len(zones) == 2


@pytest.mark.parametrize(("stack", "days"), [("dev", 1), ("staging", 7), ("prod", 14)])
def test_backups_per_tier(synthesized, stack, days) -> None:
    cluster = synthesized[stack].one(CLUSTER).inputs
    assert cluster["backupRetentionPeriod"] == days
    assert cluster["copyTagsToSnapshot"] is True
    assert cluster["enabledCloudwatchLogsExports"] == ["postgresql"]
    assert cluster["iamDatabaseAuthenticationEnabled"] is True


def test_prod_is_protected_and_keeps_a_final_snapshot(prod) -> None:
    cluster = prod.one(CLUSTER).inputs
    assert cluster["deletionProtection"] is True
    assert cluster["skipFinalSnapshot"] is False
    assert cluster["finalSnapshotIdentifier"].startswith("tap-db-prod-final-")


@pytest.mark.parametrize("stack", ["dev", "staging", "ephemeral"])
def test_other_tiers_destroy_cleanly(synthesized, stack) -> None:
    cluster = synthesized[stack].one(CLUSTER).inputs
    assert cluster["deletionProtection"] is False
    assert cluster["skipFinalSnapshot"] is True
    assert "finalSnapshotIdentifier" not in cluster


def test_prod_has_performance_insights_and_enhanced_monitoring(prod, dev) -> None:
    for instance in prod.of_type(INSTANCE):
        assert instance.inputs["performanceInsightsEnabled"] is True
        assert instance.inputs["performanceInsightsKmsKeyId"] == prod.outputs["kmsKeyArn"]
        assert instance.inputs["monitoringInterval"] == 60
    attachment = prod.one("aws:iam/rolePolicyAttachment:RolePolicyAttachment").inputs
    assert attachment["policyArn"].endswith("service-role/AmazonRDSEnhancedMonitoringRole")
    for instance in dev.of_type(INSTANCE):
        assert instance.inputs["monitoringInterval"] == 0
        assert instance.inputs["performanceInsightsEnabled"] is False


def test_parameter_group_forces_tls(run) -> None:
    group = run.one("aws:rds/clusterParameterGroup:ClusterParameterGroup").inputs
    assert group["family"] == "aurora-postgresql16"
    assert {"name": "rds.force_ssl", "value": "1", "applyMethod": "pending-reboot"} in group[
        "parameters"
    ]
    assert run.one(CLUSTER).inputs["dbClusterParameterGroupName"] == group["name"]


@pytest.mark.parametrize("name", ["dev", "prod", "every-option", "prod-asg"])
def test_rds_manages_the_master_password_under_the_stack_key(synthesized, name) -> None:
    """No password passes through Pulumi: RDS makes it, keeps it in its own secret and
    rotates it; the stack never declares one."""
    run = synthesized[name]
    (database,) = run.of_type(CLUSTER) + run.of_type("aws:rds/instance:Instance")
    assert database.inputs["manageMasterUserPassword"] is True
    assert database.inputs["masterUserSecretKmsKeyId"] == run.outputs["kmsKeyArn"]
    assert not {"masterPassword", "password"} & database.inputs.keys()
    (managed,) = database.state["masterUserSecrets"]
    assert run.outputs["dbSecretArn"] == managed["secretArn"]
    assert [s.inputs["name"] for s in run.of_type(SECRET)] == [
        f"tap/{run.outputs['environmentSuffix']}/cache-auth"
    ]


@pytest.mark.parametrize(("name", "days"), [("dev", 30), ("prod", 30), ("every-option", 7)])
def test_the_managed_secret_rotates_on_the_stacks_schedule(synthesized, name, days) -> None:
    """Managed rotation takes a schedule and no function (Secrets Manager User Guide,
    "Managed rotation"); the first rotation waits for it, since creating a rotation rotates
    at once by default (rotate_immediately defaults to true in the provider)."""
    run = synthesized[name]
    (rotation,) = run.of_type(ROTATION)
    assert rotation.inputs["secretId"] == run.outputs["dbSecretArn"]
    assert rotation.inputs["rotationRules"] == {"automaticallyAfterDays": days}
    assert rotation.inputs["rotateImmediately"] is False
    assert "rotationLambdaArn" not in rotation.inputs


@pytest.mark.parametrize(("stack", "window"), [("dev", 0), ("staging", 0), ("prod", 30)])
def test_secret_recovery_window_per_tier(synthesized, stack, window) -> None:
    for secret in synthesized[stack].of_type(SECRET):
        assert secret.inputs["recoveryWindowInDays"] == window


def test_passwords_are_never_exported_in_plain(run) -> None:
    text = json.dumps(run.outputs)
    passwords = run.of_type("random:index/randomPassword:RandomPassword")
    assert passwords, "the cache's AUTH token at least"
    for password in passwords:
        assert password.state["result"] not in text


def test_database_admits_its_port_from_the_app_group_only(run) -> None:
    db_sg = next(
        g for g in run.of_type("aws:ec2/securityGroup:SecurityGroup")
        if g.inputs["name"].startswith("tap-db-")
    )  # fmt: skip
    rules = [
        r for r in run.of_type("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
        if r.inputs["securityGroupId"] == db_sg.id
    ]  # fmt: skip
    app = next(
        g for g in run.of_type("aws:ec2/securityGroup:SecurityGroup")
        if g.inputs["name"].startswith("tap-app-")
    )  # fmt: skip
    assert [(r.inputs["fromPort"], r.inputs["referencedSecurityGroupId"]) for r in rules] == [
        (5432, app.id)
    ]


def test_plain_postgres_is_a_multi_az_instance_in_prod(synthesized) -> None:
    run = synthesized["asg-rds"]
    assert run.of_type(CLUSTER) == []
    instance = run.one("aws:rds/instance:Instance").inputs
    assert instance["multiAz"] is True
    assert instance["storageEncrypted"] is True
    assert instance["publiclyAccessible"] is False
    assert instance["deletionProtection"] is True
    assert instance["engineVersion"] == "16"
    group = run.one("aws:rds/parameterGroup:ParameterGroup").inputs
    assert group["family"] == "postgres16"
    assert run.outputs["dbWriterEndpoint"] == run.outputs["dbReaderEndpoint"]


def test_aurora_mysql_requires_secure_transport_on_its_own_port(every_option) -> None:
    run = every_option
    cluster = run.one(CLUSTER).inputs
    assert cluster["port"] == 3306
    assert cluster["engineVersion"] == "8.0"
    group = run.one("aws:rds/clusterParameterGroup:ClusterParameterGroup").inputs
    assert group["family"] == "aurora-mysql8.0"
    assert group["parameters"][0]["name"] == "require_secure_transport"


@pytest.mark.parametrize("name", ["prod", "every-option"])
def test_exported_logs_go_to_groups_the_stack_owns(synthesized, name) -> None:
    """RDS writes exports to `/aws/rds/cluster/<id>/<log>`; made by the stack first, they are
    encrypted, expire and go with the stack instead of being left behind."""
    run = synthesized[name]
    cluster = run.one(CLUSTER)
    groups = {g.inputs["name"]: g for g in log_groups(run)}
    for log in cluster.inputs["enabledCloudwatchLogsExports"]:
        group = groups[f"/aws/rds/cluster/{cluster.inputs['clusterIdentifier']}/{log}"]
        assert group.inputs["kmsKeyId"] == run.outputs["kmsKeyArn"]
        assert group.inputs["retentionInDays"] > 0
        assert group.urn in cluster.dependencies


def test_final_snapshots_are_named_once_per_deployment(prod) -> None:
    """A fixed name makes the second destroy of a re-deployed prod fail: the first final
    snapshot still exists. The random part lives in state, so later ups keep it."""
    for typ in (CLUSTER, "aws:elasticache/replicationGroup:ReplicationGroup"):
        resource = prod.one(typ)
        (unique,) = [
            r for r in prod.of_type("random:index/randomId:RandomId") if r.parent == resource.parent
        ]
        identifier = (
            resource.inputs.get("clusterIdentifier") or resource.inputs["replicationGroupId"]
        )
        assert resource.inputs["finalSnapshotIdentifier"] == (
            f"{identifier}-final-{unique.state['hex']}"
        )
        assert "keepers" not in unique.inputs


def test_parameter_groups_are_named_by_family_so_a_major_upgrade_can_replace_them(
    any_run,
) -> None:
    """A new major version changes the family, and the family cannot change in place: the
    new group is made beside the old one, which a fixed name would forbid."""
    groups = any_run.of_type(
        "aws:rds/clusterParameterGroup:ClusterParameterGroup"
    ) + any_run.of_type("aws:rds/parameterGroup:ParameterGroup")
    for group in groups:
        family = group.inputs["family"].replace(".", "-")
        assert group.inputs["name"] == f"tap-db-{family}-{any_run.outputs['environmentSuffix']}"


# --- the component alone: its own arguments, no stack, no settings ---

KEY = "arn:aws:kms:us-east-1:111122223333:key/alone"
SUBNETS = ["subnet-isolated-a", "subnet-isolated-b"]


def database_alone(**choices) -> RunResult:
    """The database in an empty program from strings for what other components would give,
    and a role granted to read its secret, as the app's would be."""

    def build() -> Database:
        database = Database(
            "db",
            DatabaseArgs(
                namer=NAMER, aws=CONTEXT, vpc_id="vpc-alone", subnet_ids=SUBNETS,
                availability_zones=["us-east-1a", "us-east-1b"],
                app_security_group_id="sg-app", kms_key_arn=KEY, **choices,
            ),
        )  # fmt: skip
        reader = aws.iam.Role("reader", assume_role_policy="{}")
        attach_grants(reader, "reader", reader, database.grant_read_secret("db-secret"))
        app = aws.iam.Role("app", assume_role_policy="{}")
        attach_grants(app, "app", app, database.grant_connect("connect"))
        return database

    return build_alone(build)


def test_the_database_alone_applies_the_defaults_a_dev_tier_gives() -> None:
    run, dev = database_alone(), tier_defaults("dev")
    db = dev["database"]
    assert {r.type for r in run.resources if r.parent.endswith("::db")} == {
        "aws:ec2/securityGroup:SecurityGroup",
        "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
        "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule",
        "aws:rds/subnetGroup:SubnetGroup",
        "aws:rds/clusterParameterGroup:ClusterParameterGroup",
        CLUSTER,
        INSTANCE,
        ROTATION,
        "pulumi-python:dynamic:Resource",
    }, "no monitoring role and no final snapshot name by default"
    cluster = run.one(CLUSTER)
    assert not cluster.protect
    assert {k: cluster.inputs[k] for k in ("engine", "engineVersion", "port")} == {
        "engine": db["engine"], "engineVersion": db["engineVersion"], "port": db["port"],
    }  # fmt: skip
    assert cluster.inputs["masterUsername"] == db["masterUsername"]
    assert cluster.inputs["databaseName"] == db["databaseName"]
    assert cluster.inputs["serverlessv2ScalingConfiguration"] == {
        "minCapacity": db["minCapacity"], "maxCapacity": db["maxCapacity"],
    }  # fmt: skip
    assert cluster.inputs["backupRetentionPeriod"] == db["backupRetentionDays"]
    assert cluster.inputs["deletionProtection"] is dev["deletionProtection"]
    assert cluster.inputs["kmsKeyId"] == KEY
    (instance,) = run.of_type(INSTANCE)
    assert instance.inputs["monitoringInterval"] == db["monitoringIntervalSeconds"]
    assert instance.inputs["performanceInsightsEnabled"] is db["performanceInsights"]
    rotation = run.one(ROTATION).inputs["rotationRules"]
    assert rotation == {"automaticallyAfterDays": db["rotationDays"]}
    (logs,) = [g.inputs for g in log_groups(run)]
    assert logs["retentionInDays"] == dev["service"]["logRetentionDays"]
    assert run.one("aws:rds/subnetGroup:SubnetGroup").inputs["subnetIds"] == SUBNETS
    rule = run.one("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule").inputs
    assert (rule["fromPort"], rule["referencedSecurityGroupId"]) == (db["port"], "sg-app")


def test_grant_read_secret_reads_the_master_secret_and_nothing_else() -> None:
    run = database_alone()
    (managed,) = run.one(CLUSTER).state["masterUserSecrets"]
    policy = json.loads(
        run.one("aws:iam/rolePolicy:RolePolicy", "reader-db-secret").inputs["policy"]
    )
    assert policy["Statement"] == [
        {
            "Effect": "Allow",
            "Action": ["secretsmanager:GetSecretValue"],
            "Resource": [managed["secretArn"]],
        }
    ]


def test_a_protected_plain_mysql_instance_alone() -> None:
    run = database_alone(
        engine="mysql", engine_version="8.0", port=3306, serverless=False, multi_az=True,
        monitoring_interval_seconds=60, protect=True,
    )  # fmt: skip
    assert run.of_type(CLUSTER) == []
    instance = run.one("aws:rds/instance:Instance")
    assert instance.protect
    assert instance.inputs["multiAz"] is True
    assert instance.inputs["finalSnapshotIdentifier"].startswith("demo-db-alone-final-")
    assert run.one("aws:rds/parameterGroup:ParameterGroup").inputs["family"] == "mysql8.0"
    assert sorted(g.inputs["name"] for g in log_groups(run)) == [
        "/aws/rds/instance/demo-db-alone/error",
        "/aws/rds/instance/demo-db-alone/slowquery",
    ]
    role = run.one("aws:iam/role:Role", "db-monitoring-role")
    assert instance.inputs["monitoringRoleArn"] == role.state["arn"]


@pytest.mark.parametrize(
    ("engine", "version", "family", "aurora", "postgres"),
    [
        ("aurora-postgresql", "16.4", "aurora-postgresql16", True, True),
        ("aurora-mysql", "8.0.mysql_aurora.3.08.0", "aurora-mysql8.0", True, False),
        ("postgres", "15", "postgres15", False, True),
        ("mysql", "8.4.3", "mysql8.4", False, False),
    ],
)
def test_what_the_arguments_say_of_the_engine(engine, version, family, aurora, postgres) -> None:
    args = DatabaseArgs(
        namer=NAMER, aws=CONTEXT, vpc_id="v", subnet_ids=[], availability_zones=[],
        app_security_group_id="sg", kms_key_arn=KEY, engine=engine, engine_version=version,
    )  # fmt: skip
    assert (args.family, args.aurora, args.postgres) == (family, aurora, postgres)


def test_the_arguments_refuse_a_version_of_another_engine() -> None:
    with pytest.raises(ValueError, match="not a version of aurora-mysql"):
        DatabaseArgs(
            namer=NAMER, aws=CONTEXT, vpc_id="v", subnet_ids=[], availability_zones=[],
            app_security_group_id="sg", kms_key_arn=KEY, engine="aurora-mysql",
        )  # fmt: skip


def test_the_documented_defaults_are_the_defaults() -> None:
    said = {
        k: re.findall(r"\(default: (.+?)\)\.?$", v) for k, v in documented(DatabaseArgs).items()
    }
    for field in dataclasses.fields(DatabaseArgs):
        if field.default is not dataclasses.MISSING:
            assert ast.literal_eval(said[field.name][0]) == field.default, field.name
