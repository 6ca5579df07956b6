"""The ECS cluster, task definition, service and log groups as the account reports them."""

from __future__ import annotations

import json

from tap_platform.naming import Service

RUNTIME = "ecs"


def test_cluster_has_container_insights(target) -> None:
    settings = {s["name"]: s["value"] for s in target.found.cluster["settings"]}
    assert settings["containerInsights"] == "enabled"


def test_task_definition_logs_to_the_stack_region(target) -> None:
    task = target.found.task_definition
    assert task["networkMode"] == "awsvpc"
    assert task["requiresCompatibilities"] == ["FARGATE"]
    (container,) = task["containerDefinitions"]
    options = container["logConfiguration"]["options"]
    assert container["logConfiguration"]["logDriver"] == "awslogs"
    assert options["awslogs-region"] == target.found.region
    assert options["awslogs-group"] in target.found.log_groups
    assert container["readonlyRootFilesystem"] is True
    assert container["image"] == target.settings.service.image


def test_task_roles_are_the_stack_roles(target) -> None:
    task = target.found.task_definition
    assert task["executionRoleArn"] == target.found.role("exec")["Arn"]
    assert task["taskRoleArn"] == target.found.role("task")["Arn"]


def test_service_runs_in_private_subnets_without_public_ip(target) -> None:
    service = target.found.service
    network = service["networkConfiguration"]["awsvpcConfiguration"]
    assert network["assignPublicIp"] == "DISABLED"
    assert set(network["subnets"]) == {s["SubnetId"] for s in target.found.subnets_of("private")}
    assert network["securityGroups"] == [target.found.security_group("app")["GroupId"]]
    assert service["launchType"] == "FARGATE"


def test_service_is_registered_with_the_target_group(target) -> None:
    (lb,) = target.found.service["loadBalancers"]
    assert lb["targetGroupArn"] == target.found.target_group["TargetGroupArn"]
    assert lb["containerPort"] == target.settings.service.port


def test_autoscaling_bounds(target) -> None:
    service, found = target.settings.service, target.found
    autoscaling = found.client("application-autoscaling")
    cluster, app = found.name("cluster", Service.ECS), found.name("app", Service.ECS)
    (scalable,) = autoscaling.describe_scalable_targets(
        ServiceNamespace="ecs",
        ResourceIds=[f"service/{cluster}/{app}"],
    )["ScalableTargets"]
    assert (scalable["MinCapacity"], scalable["MaxCapacity"]) == (
        service.min_count,
        service.max_count,
    )


def test_every_log_group_expires(target) -> None:
    groups = target.found.log_groups
    assert len(groups) == 4
    assert all(g.get("retentionInDays") for g in groups.values())
    app = groups[target.found.namer.log_group("app")]
    assert app["retentionInDays"] == target.settings.service.log_retention_days


def test_the_container_gets_no_credential_only_where_to_read_it_when_it_connects(target) -> None:
    """The app signs an IAM token for its own database user and reads the cache's AUTH
    secret itself, each time it connects; nothing that rotates is set once at start."""
    (container,) = target.found.task_definition["containerDefinitions"]
    environment = {e["name"]: e["value"] for e in container["environment"]}
    assert container.get("secrets", []) == []
    assert environment["DB_HOST"] == target.found.db_clusters[0]["Endpoint"]
    assert (environment["DB_USER"], environment["DB_AUTH"]) == ("app", "iam")
    assert environment["REDIS_AUTH_SECRET_ARN"] == target.found.secret("cache-auth")["ARN"]
    assert target.found.secret("database")["ARN"] not in json.dumps(container)
    assert not any("PASSWORD" in k or "TOKEN" in k for k in environment)
