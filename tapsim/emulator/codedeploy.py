"""CodeDeploy: the application and its deployment group (moto cannot delete either)."""

from __future__ import annotations

from typing import Any

from tapsim.emulator.core import Context, Deleter, Handler, keep


def _application(ctx: Context, i: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    ctx.clients("codedeploy").create_application(
        applicationName=i["name"],
        computePlatform=i.get("computePlatform", "Server"),
        **ctx.tags_arg("tags"),
    )
    return i["name"], {}


def _deployment_group(ctx: Context, i: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    style = i["deploymentStyle"]
    rollback = i.get("autoRollbackConfiguration") or {}
    groups = i["loadBalancerInfo"]["targetGroupInfos"]
    ctx.clients("codedeploy").create_deployment_group(
        applicationName=i["appName"],
        deploymentGroupName=i["deploymentGroupName"],
        serviceRoleArn=i["serviceRoleArn"],
        autoScalingGroups=i.get("autoscalingGroups", []),
        deploymentConfigName=i.get("deploymentConfigName", "CodeDeployDefault.OneAtATime"),
        deploymentStyle={
            "deploymentType": style["deploymentType"],
            "deploymentOption": style["deploymentOption"],
        },
        loadBalancerInfo={"targetGroupInfoList": [{"name": g["name"]} for g in groups]},
        autoRollbackConfiguration={
            "enabled": bool(rollback.get("enabled")),
            "events": rollback.get("events", []),
        },
        **ctx.tags_arg("tags"),
    )
    return f"{i['appName']}:{i['deploymentGroupName']}", {}


HANDLERS: dict[str, tuple[Handler, Deleter]] = {
    "aws:codedeploy/application:Application": (_application, keep),
    "aws:codedeploy/deploymentGroup:DeploymentGroup": (_deployment_group, keep),
}
UNDELETABLE = {
    "aws:codedeploy/application:Application": "moto does not implement delete_application",
    "aws:codedeploy/deploymentGroup:DeploymentGroup": (
        "moto does not implement delete_deployment_group"
    ),
}
