"""ECS: the cluster, task definitions and the service."""

from __future__ import annotations

import json
from typing import Any

from tapsim.emulator.core import Context, Deleter, Handler, Refresher, Updater, by

_HEALTH_CHECK_DEFAULTS = {"interval": 30, "retries": 3, "timeout": 5}


def _reduced(definitions: str, awsvpc: bool) -> list[dict[str, Any]]:
    """Container definitions as the provider compares them: containers, variables and
    secrets by name; AWS's defaults filled in (essential, health-check timings, `tcp`, the
    host port of `awsvpc`); empty lists, nulls and a zero `cpu` dropped (terraform-provider-
    aws, internal/service/ecs/container_definitions.go, `containerDefinitionsAreEquivalent`)."""
    reduced = []
    for container in sorted(json.loads(definitions), key=lambda c: c.get("name", "")):
        c = {k: v for k, v in container.items() if v not in (None, [], {}) and (k, v) != ("cpu", 0)}
        c.setdefault("essential", True)
        for key in ("environment", "secrets"):
            if key in c:
                c[key] = sorted(c[key], key=lambda item: item.get("name", ""))
        if "healthCheck" in c:
            c["healthCheck"] = {**_HEALTH_CHECK_DEFAULTS, **c["healthCheck"]}
        mappings = []
        for mapping in c.get("portMappings", []):
            m = {
                k: v
                for k, v in mapping.items()
                if (k, v) not in (("protocol", "tcp"), ("hostPort", 0))
            }
            if awsvpc:
                m.setdefault("hostPort", m.get("containerPort"))
            mappings.append(m)
        if mappings:
            c["portMappings"] = mappings
        reduced.append(c)
    return reduced


def containers_equivalent(declared: str, read: str, awsvpc: bool) -> bool:
    return _reduced(declared, awsvpc) == _reduced(read, awsvpc)


def _read_containers(ctx: Context, arn: str, inputs: dict[str, Any]) -> dict[str, Any]:
    """What a refresh reads back: the declared JSON while AWS's is equivalent to it, as the
    provider suppresses that diff, else AWS's."""
    found = ctx.clients("ecs").describe_task_definition(taskDefinition=arn)["taskDefinition"]
    read = json.dumps(found["containerDefinitions"])
    awsvpc = inputs.get("networkMode") == "awsvpc"
    same = containers_equivalent(inputs["containerDefinitions"], read, awsvpc)
    return {"containerDefinitions": inputs["containerDefinitions"] if same else read}


def _cluster(ctx: Context, i: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    cluster = ctx.clients("ecs").create_cluster(
        clusterName=i["name"],
        settings=i.get("settings", []),
        **ctx.tags_arg("tags", "key", "value"),
    )["cluster"]
    return cluster["clusterArn"], {"arn": cluster["clusterArn"]}


def _task_definition(ctx: Context, i: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    platform = i.get("runtimePlatform") or {}
    task = ctx.clients("ecs").register_task_definition(
        family=i["family"],
        containerDefinitions=json.loads(i["containerDefinitions"]),
        cpu=i["cpu"],
        memory=i["memory"],
        networkMode=i["networkMode"],
        requiresCompatibilities=i["requiresCompatibilities"],
        executionRoleArn=i["executionRoleArn"],
        taskRoleArn=i["taskRoleArn"],
        runtimePlatform={
            "operatingSystemFamily": platform.get("operatingSystemFamily", "LINUX"),
            "cpuArchitecture": platform.get("cpuArchitecture", "X86_64"),
        },
        **ctx.tags_arg("tags", "key", "value"),
    )["taskDefinition"]
    arn = task["taskDefinitionArn"]
    return arn, {
        "arn": arn,
        "revision": task["revision"],
        "arnWithoutRevision": arn.rsplit(":", 1)[0],
    }


def _service(ctx: Context, i: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    network = i["networkConfiguration"]
    breaker = i.get("deploymentCircuitBreaker") or {"enable": False, "rollback": False}
    service = ctx.clients("ecs").create_service(
        cluster=i["cluster"],
        serviceName=i["name"],
        taskDefinition=i["taskDefinition"],
        desiredCount=int(i.get("desiredCount", 1)),
        launchType=i["launchType"],
        platformVersion=i.get("platformVersion", "LATEST"),
        networkConfiguration={
            "awsvpcConfiguration": {
                "subnets": network["subnets"],
                "securityGroups": network.get("securityGroups", []),
                "assignPublicIp": "ENABLED" if network.get("assignPublicIp") else "DISABLED",
            }
        },
        loadBalancers=[
            {
                "targetGroupArn": lb["targetGroupArn"],
                "containerName": lb["containerName"],
                "containerPort": int(lb["containerPort"]),
            }
            for lb in i.get("loadBalancers", [])
        ],
        deploymentConfiguration={
            "deploymentCircuitBreaker": breaker,
            "minimumHealthyPercent": int(i.get("deploymentMinimumHealthyPercent", 100)),
            "maximumPercent": int(i.get("deploymentMaximumPercent", 200)),
        },
        healthCheckGracePeriodSeconds=int(i.get("healthCheckGracePeriodSeconds", 0)),
        enableECSManagedTags=bool(i.get("enableEcsManagedTags", False)),
        propagateTags=i.get("propagateTags", "NONE"),
        enableExecuteCommand=bool(i.get("enableExecuteCommand", False)),
        **ctx.tags_arg("tags", "key", "value"),
    )["service"]
    return service["serviceArn"], {"arn": service["serviceArn"]}


def _update_service(ctx: Context, arn: str, i: dict[str, Any]) -> None:
    """What a later up changes of a running service: its task definition."""
    ctx.clients("ecs").update_service(
        cluster=i["cluster"], service=arn, taskDefinition=i["taskDefinition"]
    )


def _delete_service(ctx: Context, arn: str, state: dict[str, Any]) -> None:
    ecs = ctx.clients("ecs")
    ecs.update_service(cluster=state["cluster"], service=arn, desiredCount=0)
    ecs.delete_service(cluster=state["cluster"], service=arn, force=True)


HANDLERS: dict[str, tuple[Handler, Deleter]] = {
    "aws:ecs/cluster:Cluster": (_cluster, by("ecs.delete_cluster", cluster="id")),
    "aws:ecs/taskDefinition:TaskDefinition": (
        _task_definition,
        by("ecs.deregister_task_definition", taskDefinition="id"),
    ),
    "aws:ecs/service:Service": (_service, _delete_service),
}
# In-place updates the emulator carries out (others change only its record of the resource).
UPDATERS: dict[str, Updater] = {"aws:ecs/service:Service": _update_service}
REFRESH: dict[str, Refresher] = {"aws:ecs/taskDefinition:TaskDefinition": _read_containers}
