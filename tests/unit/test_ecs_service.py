"""ECS Fargate: a private, self-healing service with least-privilege roles and autoscaling."""

from __future__ import annotations

import json

import pytest

from tap_platform.settings import STACK_VARIABLES
from tapsim.emulator.ecs import containers_equivalent
from tests.conftest import log_groups, suffix_of

TASK = "aws:ecs/taskDefinition:TaskDefinition"
SERVICE = "aws:ecs/service:Service"
ROLE = "aws:iam/role:Role"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
POLICY = "aws:appautoscaling/policy:Policy"


def container(run) -> dict:
    (definition,) = json.loads(run.one(TASK).inputs["containerDefinitions"])
    return definition


def role_by_arn(run, arn):
    return next(r for r in run.of_type(ROLE) if r.state["arn"] == arn)


def policies_of(run, role):
    return [
        json.loads(p.inputs["policy"])
        for p in run.of_type(ROLE_POLICY)
        if p.inputs["role"] == role.id
    ]


def test_cluster_has_container_insights(run) -> None:
    cluster = run.one("aws:ecs/cluster:Cluster")
    assert {"name": "containerInsights", "value": "enabled"} in cluster.inputs["settings"]
    assert run.outputs["clusterName"] == cluster.inputs["name"]


@pytest.mark.parametrize(
    ("stack", "cpu", "memory"), [("dev", 256, 512), ("staging", 512, 1024), ("prod", 1024, 2048)]
)
def test_task_is_fargate_awsvpc_sized_per_tier(synthesized, stack, cpu, memory) -> None:
    task = synthesized[stack].one(TASK)
    assert task.inputs["networkMode"] == "awsvpc"
    assert task.inputs["requiresCompatibilities"] == ["FARGATE"]
    assert (task.inputs["cpu"], task.inputs["memory"]) == (str(cpu), str(memory))


def test_container_is_read_only_unprivileged_and_serves_the_port(run) -> None:
    c = container(run)
    assert c["readonlyRootFilesystem"] is True
    assert c["privileged"] is False
    assert c["portMappings"] == [{"containerPort": 8080, "protocol": "tcp"}]
    assert c["command"][-1] == "8080"


def test_container_logs_to_its_group_in_the_stack_region(run) -> None:
    log = container(run)["logConfiguration"]
    assert log["logDriver"] == "awslogs"
    assert log["options"]["awslogs-region"] == run.outputs["region"]
    group = next(g for g in run.of_type("aws:cloudwatch/logGroup:LogGroup")
                 if g.inputs["name"] == log["options"]["awslogs-group"])  # fmt: skip
    assert group.inputs["retentionInDays"] == {"dev": 7, "staging": 30, "prod": 90}[run.stack]


def test_environment_comes_from_settings_sorted(every_option) -> None:
    environment = container(every_option)["environment"]
    mine = [e for e in environment if e["name"] in {"A", "B"}]
    assert mine == [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}]
    names = [e["name"] for e in environment]
    assert names == sorted(names)


def test_app_is_told_where_its_data_is_and_who_it_is_but_given_no_credential(run) -> None:
    """Credentials that rotate are read by the app when it connects: an IAM token for its
    own database user, the cache's AUTH secret; nothing is injected once at start."""
    c = container(run)
    environment = {e["name"]: e["value"] for e in c["environment"]}
    assert environment["DB_HOST"] == run.outputs["dbWriterEndpoint"]
    assert environment["DB_PORT"] == "5432"
    assert environment["DB_NAME"] == "app"
    assert (environment["DB_USER"], environment["DB_AUTH"]) == ("app", "iam")
    assert environment["REDIS_HOST"] == run.outputs["redisPrimaryEndpoint"]
    assert environment["REDIS_AUTH_SECRET_ARN"] == run.outputs["redisAuthSecretArn"]
    assert environment["ASSETS_BUCKET"] == run.outputs["assetsBucket"]
    assert environment["PORT"] == "8080"
    assert run.outputs["dbSecretArn"] not in json.dumps(c)
    assert not {k for k in environment if "PASSWORD" in k or "TOKEN" in k}
    assert c["secrets"] == []


def test_the_apps_own_secrets_are_set_at_start_from_exactly_what_it_names(every_option) -> None:
    c = container(every_option)
    assert c["secrets"] == [
        {"name": "API_KEY", "valueFrom": "orders/api-key"},
        {"name": "SIGNING_KEY",
         "valueFrom": "arn:aws:secretsmanager:us-east-1:111122223333:secret:orders/signing-AbCdEf"},
    ]  # fmt: skip
    grants = grants_of(every_option, every_option.one(TASK).inputs["executionRoleArn"])
    assert sorted(grants["secretsmanager:GetSecretValue"]) == [
        "arn:aws:secretsmanager:us-east-1:111122223333:secret:orders/api-key-??????",
        "arn:aws:secretsmanager:us-east-1:111122223333:secret:orders/signing-AbCdEf",
        "arn:aws:secretsmanager:us-east-1:111122223333:secret:orders/signing-AbCdEf-??????",
    ]
    assert grants["kms:Decrypt"] == [
        "arn:aws:kms:us-east-1:111122223333:key/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b"
    ]


def test_roles_trust_ecs_tasks_from_this_account_only(run) -> None:
    task = run.one(TASK)
    execution = role_by_arn(run, task.inputs["executionRoleArn"])
    task_role = role_by_arn(run, task.inputs["taskRoleArn"])
    assert execution.id != task_role.id
    for role in (execution, task_role):
        (statement,) = json.loads(role.inputs["assumeRolePolicy"])["Statement"]
        assert statement["Principal"] == {"Service": "ecs-tasks.amazonaws.com"}
        assert statement["Condition"]["StringEquals"]["aws:SourceAccount"].isdigit()


def grants_of(run, role_arn) -> dict[str, list]:
    statements = [s for p in policies_of(run, role_by_arn(run, role_arn)) for s in p["Statement"]]
    assert all(s["Effect"] == "Allow" for s in statements)
    return {a: s["Resource"] for s in statements for a in s["Action"]}


def test_execution_role_may_log_and_pull_and_reads_no_secret_of_the_stack(run) -> None:
    grants = grants_of(run, run.one(TASK).inputs["executionRoleArn"])
    region = run.outputs["region"]
    assert set(grants) == {
        "logs:CreateLogStream", "logs:PutLogEvents", "ecr:GetAuthorizationToken",
        "ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage",
    }  # fmt: skip
    group = f"/tap/{suffix_of(run)}/app"
    assert grants["logs:PutLogEvents"] == [
        f"arn:aws:logs:{region}:111122223333:log-group:{group}:log-stream:*"
    ]
    # The stack's own repository only (tests/unit/test_ecr.py), never `repository/*`.
    assert grants["ecr:BatchGetImage"] == [run.one("aws:ecr/repository:Repository").state["arn"]]


def test_task_role_may_use_its_assets_its_database_user_and_the_cache_secret_only(run) -> None:
    """What the app reads when it connects, so a rotation never strands it; never the
    master secret."""
    grants = grants_of(run, run.one(TASK).inputs["taskRoleArn"])
    assert grants["secretsmanager:GetSecretValue"] == [run.outputs["redisAuthSecretArn"]]
    (user,) = grants["rds-db:connect"]
    region = run.outputs["region"]
    assert user == (
        f"arn:aws:rds-db:{region}:111122223333:dbuser:{run.outputs['dbResourceId']}/app"
    )
    bucket = f"arn:aws:s3:::{run.outputs['assetsBucket']}"
    for action in ("s3:GetObject", "s3:PutObject", "s3:DeleteObject"):
        assert grants[action] == [f"{bucket}/*"]
    assert grants["s3:ListBucket"] == [bucket]
    assert grants["kms:GenerateDataKey"] == [run.outputs["kmsKeyArn"]]
    assert len(grants) == 8


def test_service_runs_privately_behind_the_target_group(run) -> None:
    svc = run.one(SERVICE).inputs
    assert svc["launchType"] == "FARGATE"
    assert svc["networkConfiguration"]["assignPublicIp"] is False
    assert sorted(svc["networkConfiguration"]["subnets"]) == sorted(run.outputs["privateSubnetIds"])
    (lb,) = svc["loadBalancers"]
    assert lb == {
        "targetGroupArn": run.outputs["targetGroupArn"],
        "containerName": "app",
        "containerPort": 8080,
    }
    assert svc["enableExecuteCommand"] is False


def test_service_rolls_back_failed_deployments(run) -> None:
    assert run.one(SERVICE).inputs["deploymentCircuitBreaker"] == {"enable": True, "rollback": True}


def test_service_waits_for_the_listener_so_the_target_group_is_attached(run) -> None:
    service = run.one(SERVICE)
    listeners = {ln.urn for ln in run.of_type("aws:lb/listener:Listener")}
    assert listeners <= set(service.dependencies)


@pytest.mark.parametrize(
    ("stack", "low", "high", "desired"),
    [("dev", 1, 2, 1), ("staging", 2, 4, 2), ("prod", 3, 10, 3)],
)
def test_autoscaling_bounds_per_tier(synthesized, stack, low, high, desired) -> None:
    run = synthesized[stack]
    target = run.one("aws:appautoscaling/target:Target").inputs
    assert (target["minCapacity"], target["maxCapacity"]) == (low, high)
    assert target["resourceId"] == f"service/tap-cluster-{stack}/tap-app-{stack}"
    assert run.one(SERVICE).inputs["desiredCount"] == desired


def test_autoscaling_tracks_cpu_and_requests_per_target(run) -> None:
    specs = {
        p.inputs["targetTrackingScalingPolicyConfiguration"]["predefinedMetricSpecification"]["predefinedMetricType"]:
        p.inputs["targetTrackingScalingPolicyConfiguration"]
        for p in run.of_type(POLICY)
    }  # fmt: skip
    assert specs["ECSServiceAverageCPUUtilization"]["targetValue"] == 60
    requests = specs["ALBRequestCountPerTarget"]
    alb = run.one("aws:lb/loadBalancer:LoadBalancer").state["arnSuffix"]
    tg = run.one("aws:lb/targetGroup:TargetGroup").state["arnSuffix"]
    assert requests["predefinedMetricSpecification"]["resourceLabel"] == f"{alb}/{tg}"


def test_container_insights_writes_to_a_group_the_stack_owns(run) -> None:
    cluster = run.one("aws:ecs/cluster:Cluster")
    name = f"/aws/ecs/containerinsights/{cluster.inputs['name']}/performance"
    (group,) = [g for g in log_groups(run) if g.inputs["name"] == name]
    assert group.inputs["kmsKeyId"] == run.outputs["kmsKeyArn"]
    assert group.urn in cluster.dependencies


def aws_read_back(definitions: str) -> str:
    """The container definitions as DescribeTaskDefinition returns them: AWS fills in its
    defaults and empty lists (ECS API Reference, ContainerDefinition)."""
    read = []
    for container in json.loads(definitions):
        c = {"cpu": 0, "mountPoints": [], "volumesFrom": [], "systemControls": [], **container}
        c["portMappings"] = [{**m, "hostPort": m["containerPort"]} for m in c["portMappings"]]
        c["environment"] = list(reversed(c.get("environment", [])))
        read.append(c)
    return json.dumps(read)


def test_the_task_definition_reads_back_without_a_diff(run) -> None:
    """A container definition that AWS reads back differently from what was declared shows
    a change on every preview; the provider forgives only its documented normalisations,
    and AWS keeps every variable's value as a string (ECS API Reference, KeyValuePair)."""
    declared = run.one(TASK).inputs["containerDefinitions"]
    assert containers_equivalent(declared, aws_read_back(declared), awsvpc=True)
    for variable in json.loads(declared)[0]["environment"]:
        assert isinstance(variable["value"], str), variable
    changed = declared.replace('"readonlyRootFilesystem": true', '"readonlyRootFilesystem": false')
    assert not containers_equivalent(declared, aws_read_back(changed), awsvpc=True)


def test_the_variables_the_stack_sets_are_the_ones_a_user_may_not_set(dev) -> None:
    (container,) = json.loads(dev.one(TASK).inputs["containerDefinitions"])
    names = {v["name"] for v in container["environment"]} | {
        s["name"] for s in container["secrets"]
    }
    assert names == STACK_VARIABLES


def test_built_alone_the_service_runs_what_it_is_given() -> None:
    from tap_platform.ecs_service import EcsService, EcsServiceArgs
    from tap_platform.logs import AppLogs, AppLogsArgs
    from tapsim.alone import KEY_ARN, app_fields, build_alone

    def program() -> EcsService:
        logs = AppLogs("logs", AppLogsArgs("/demo/app", retention_days=7, kms_key_arn=KEY_ARN))
        fields = app_fields(logs.group)
        args = EcsServiceArgs(**fields, cpu=256, memory=512, architecture="ARM64")
        return EcsService("app", args)

    run = build_alone(program)
    task = run.one(TASK).inputs
    assert (task["cpu"], task["memory"]) == ("256", "512")
    assert task["runtimePlatform"]["cpuArchitecture"] == "ARM64"
    (container,) = json.loads(task["containerDefinitions"])
    assert container["environment"] == [{"name": "MODE", "value": "alone"}]
    task_grants = grants_of(run, task["taskRoleArn"])
    assert "secretsmanager:GetSecretValue" not in task_grants
    assert task_grants["s3:ListBucket"] == ["arn:aws:s3:::demo-assets-alone"]
