"""The app's own database user: made by the stack through the Data API on Aurora, granted
`rds-db:connect` as that user only, so the app never holds the master secret."""

from __future__ import annotations

import json

import pytest
from botocore.stub import Stubber

from tap_platform import dynamic_aws
from tap_platform.db_user import DatabaseUserProvider, statements
from tests.unit.test_database import database_alone

PROPS = {
    "clusterArn": "arn:aws:rds:us-east-1:111122223333:cluster:demo-db-alone",
    "secretArn": "arn:aws:secretsmanager:us-east-1:111122223333:secret:rds!cluster-AbC123",
    "region": "us-east-1",
    "engine": "aurora-postgresql",
    "database": "app",
    "username": "app",
}


def test_postgresql_makes_the_user_once_and_lets_it_log_in_with_iam_only() -> None:
    sql = statements("aurora-postgresql", "app", "app")
    assert "IF NOT EXISTS" in sql[0]
    assert 'CREATE ROLE "app" LOGIN' in sql[0]
    assert "PASSWORD" not in " ".join(sql)
    assert 'GRANT rds_iam TO "app"' in sql


def test_mysql_makes_the_user_with_the_rds_plugin_over_tls() -> None:
    create, grant = statements("aurora-mysql", "app", "app")
    assert "IF NOT EXISTS 'app'@'%' IDENTIFIED WITH AWSAuthenticationPlugin AS 'RDS'" in create
    assert create.endswith("REQUIRE SSL")
    assert "ON `app`.* TO 'app'@'%'" in grant


def test_the_provider_runs_each_statement_through_the_data_api_with_the_master_secret(
    monkeypatch,
) -> None:
    import boto3

    client = boto3.client("rds-data", region_name="us-east-1")
    stub = Stubber(client)
    for sql in statements("aurora-postgresql", "app", "app"):
        expected = {k: PROPS[v] for k, v in
                    {"resourceArn": "clusterArn", "secretArn": "secretArn",
                     "database": "database"}.items()}  # fmt: skip
        stub.add_response("execute_statement", {}, {**expected, "sql": sql})
    monkeypatch.setattr(dynamic_aws, "client", lambda *_a, **_k: client)
    with stub:
        result = DatabaseUserProvider().create(dict(PROPS))
    stub.assert_no_pending_responses()
    assert result.id == f"{PROPS['clusterArn']}/app"


@pytest.mark.parametrize(
    ("changed", "replaced"),
    [({"database": "other"}, []), ({"username": "reports"}, ["username"])],
)
def test_a_new_name_makes_another_user_and_a_new_grant_changes_this_one(changed, replaced):
    result = DatabaseUserProvider().diff("id", dict(PROPS), {**PROPS, **changed})
    assert result.changes is True
    assert result.replaces == replaced


def test_aurora_gets_the_data_api_and_the_user_after_its_writer() -> None:
    run = database_alone()
    cluster = run.one("aws:rds/cluster:Cluster")
    assert cluster.inputs["enableHttpEndpoint"] is True
    user = run.one("pulumi-python:dynamic:Resource", "db-app-user")
    assert user.inputs["username"] == "app"
    writer = next(r for r in run.of_type("aws:rds/clusterInstance:ClusterInstance"))
    assert writer.urn in user.dependencies


def test_the_app_may_connect_as_its_own_user_of_this_database_only() -> None:
    run = database_alone()
    (policy,) = [p for p in run.of_type("aws:iam/rolePolicy:RolePolicy") if p.name == "app-connect"]
    (statement,) = json.loads(policy.inputs["policy"])["Statement"]
    resource_id = run.one("aws:rds/cluster:Cluster").state["clusterResourceId"]
    assert statement["Action"] == ["rds-db:connect"]
    assert statement["Resource"] == [
        f"arn:aws:rds-db:us-east-1:111122223333:dbuser:{resource_id}/app"
    ]


def test_plain_rds_has_no_data_api_so_the_stack_makes_no_user() -> None:
    run = database_alone(engine="postgres", engine_version="16", serverless=False)
    assert [
        r for r in run.of_type("pulumi-python:dynamic:Resource") if "username" in r.inputs
    ] == []
    (policy,) = [p for p in run.of_type("aws:iam/rolePolicy:RolePolicy") if p.name == "app-connect"]
    resource_id = run.one("aws:rds/instance:Instance").state["resourceId"]
    assert f"dbuser:{resource_id}/app" in policy.inputs["policy"]


def test_a_paused_cluster_is_waited_for_while_it_resumes(monkeypatch) -> None:
    import boto3

    from tap_platform.db_user import _execute

    client = boto3.client("rds-data", region_name="us-east-1")
    stub = Stubber(client)
    first, *rest = statements("aurora-postgresql", "app", "app")
    stub.add_client_error("execute_statement", "DatabaseResumingException")
    for _ in [first, *rest]:
        stub.add_response("execute_statement", {})
    monkeypatch.setattr(dynamic_aws, "client", lambda *_a, **_k: client)
    waits: list[float] = []
    with stub:
        _execute(dict(PROPS), sleep=waits.append)
    stub.assert_no_pending_responses()
    assert waits == [10]


def test_on_plain_rds_a_build_in_the_private_subnets_makes_the_user_once() -> None:
    from tap_platform.db_user_build import UserBuild, UserBuildArgs
    from tapsim.alone import CONTEXT, KEY_ARN, NAMER, build_alone

    args = UserBuildArgs(
        namer=NAMER, aws=CONTEXT, vpc_id="vpc-alone", subnet_ids=["subnet-a", "subnet-b"],
        database_security_group_id="sg-db", host="demo-db.example.internal", port=5432,
        engine="postgres", database="app", username="app",
        secret_arn=PROPS["secretArn"], kms_key_arn=KEY_ARN,
    )  # fmt: skip
    run = build_alone(lambda: UserBuild("user-build", args))
    project = run.one("aws:codebuild/project:Project").inputs
    assert project["vpcConfig"]["subnets"] == ["subnet-a", "subnet-b"]
    variables = {v["name"]: v["value"] for v in project["environment"]["environmentVariables"]}
    assert json.loads(variables["STATEMENTS"]) == statements("postgres", "app", "app")
    assert variables["SECRET_ARN"] == PROPS["secretArn"]
    (trigger,) = run.of_type("pulumi-python:dynamic:Resource")
    assert trigger.inputs["project"] == project["name"]
    ingress = run.one("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule").inputs
    assert (ingress["securityGroupId"], ingress["fromPort"]) == ("sg-db", 5432)


def test_the_build_is_waited_for_and_a_failed_one_fails_the_up(monkeypatch) -> None:
    from tap_platform import db_user_build

    class Builds:
        def __init__(self, status: str) -> None:
            self.status, self.polls = status, 0

        def start_build(self, projectName: str) -> dict:  # noqa: N803 - boto3's name
            return {"build": {"id": f"{projectName}:1"}}

        def batch_get_builds(self, ids: list[str]) -> dict:
            self.polls += 1
            done = self.polls > 1
            return {"builds": [{"id": ids[0], "buildComplete": done, "buildStatus": self.status}]}

    for status, fails in (("SUCCEEDED", False), ("FAILED", True)):
        builds = Builds(status)
        monkeypatch.setattr(dynamic_aws, "client", lambda *_a, builds=builds, **_k: builds)
        props = {"project": "demo-db-setup", "region": "us-east-1"}
        if fails:
            with pytest.raises(RuntimeError, match="FAILED"):
                db_user_build._run(props, sleep=lambda _s: None)
        else:
            assert db_user_build._run(props, sleep=lambda _s: None) == "demo-db-setup:1"
        assert builds.polls == 2
