"""EC2 Auto Scaling: the group and its target-tracking policies."""

from __future__ import annotations

from typing import Any

from tapsim.emulator.core import Context, Deleter, Handler, by


def predefined_metric(config: dict[str, Any]) -> dict[str, str]:
    """The predefined-metric block both Auto Scaling APIs share."""
    metric = config["predefinedMetricSpecification"]
    spec = {"PredefinedMetricType": metric["predefinedMetricType"]}
    if metric.get("resourceLabel"):
        spec["ResourceLabel"] = metric["resourceLabel"]
    return spec


def _group(ctx: Context, i: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """Tags come from the group's own list: the provider's default tags skip this type."""
    template = i["launchTemplate"]
    ctx.clients("autoscaling").create_auto_scaling_group(
        AutoScalingGroupName=i["name"],
        LaunchTemplate={"LaunchTemplateId": template["id"], "Version": str(template["version"])},
        MinSize=int(i["minSize"]),
        MaxSize=int(i["maxSize"]),
        DesiredCapacity=int(i["desiredCapacity"]),
        VPCZoneIdentifier=",".join(i["vpcZoneIdentifiers"]),
        TargetGroupARNs=i.get("targetGroupArns", []),
        HealthCheckType=i.get("healthCheckType", "EC2"),
        HealthCheckGracePeriod=int(i.get("healthCheckGracePeriod", 300)),
        **(
            {"ServiceLinkedRoleARN": i["serviceLinkedRoleArn"]}
            if i.get("serviceLinkedRoleArn")
            else {}
        ),
        Tags=[
            {
                "Key": t["key"],
                "Value": t["value"],
                "PropagateAtLaunch": bool(t["propagateAtLaunch"]),
                "ResourceId": i["name"],
                "ResourceType": "auto-scaling-group",
            }
            for t in i.get("tags", [])
        ],
    )
    return i["name"], {"arn": ""}


def _group_policy(ctx: Context, i: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    config = i["targetTrackingConfiguration"]
    policy = ctx.clients("autoscaling").put_scaling_policy(
        AutoScalingGroupName=i["autoscalingGroupName"],
        PolicyName=i["name"],
        PolicyType=i["policyType"],
        TargetTrackingConfiguration={
            "PredefinedMetricSpecification": predefined_metric(config),
            "TargetValue": float(config["targetValue"]),
        },
    )
    return i["name"], {"arn": policy.get("PolicyARN", "")}


def _delete_group(ctx: Context, name: str, _state: dict[str, Any]) -> None:
    ctx.clients("autoscaling").delete_auto_scaling_group(
        AutoScalingGroupName=name, ForceDelete=True
    )


HANDLERS: dict[str, tuple[Handler, Deleter]] = {
    "aws:autoscaling/group:Group": (_group, _delete_group),
    "aws:autoscaling/policy:Policy": (
        _group_policy,
        by(
            "autoscaling.delete_policy",
            AutoScalingGroupName="autoscalingGroupName",
            PolicyName="id",
        ),
    ),
}
# The provider's default tags skip Auto Scaling groups; they carry their own list.
UNTAGGED = {"aws:autoscaling/group:Group", "aws:autoscaling/policy:Policy"}
