"""Application Auto Scaling: the ECS service's scalable target and policies."""

from __future__ import annotations

from typing import Any

from tapsim.emulator.autoscaling import predefined_metric
from tapsim.emulator.core import Context, Deleter, Handler, by

_TARGET_KEYS = {
    "ServiceNamespace": "serviceNamespace",
    "ResourceId": "resourceId",
    "ScalableDimension": "scalableDimension",
}


def _scalable_target(ctx: Context, i: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    result = ctx.clients("application-autoscaling").register_scalable_target(
        **{api: i[key] for api, key in _TARGET_KEYS.items()},
        MinCapacity=int(i["minCapacity"]),
        MaxCapacity=int(i["maxCapacity"]),
        **ctx.tags_map("Tags"),
    )
    return i["resourceId"], {"arn": result.get("ScalableTargetARN", "")}


def _scaling_policy(ctx: Context, i: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    config = i["targetTrackingScalingPolicyConfiguration"]
    policy = ctx.clients("application-autoscaling").put_scaling_policy(
        PolicyName=i["name"],
        **{api: i[key] for api, key in _TARGET_KEYS.items()},
        PolicyType=i["policyType"],
        TargetTrackingScalingPolicyConfiguration={
            "TargetValue": float(config["targetValue"]),
            "PredefinedMetricSpecification": predefined_metric(config),
            "ScaleInCooldown": int(config.get("scaleInCooldown", 300)),
            "ScaleOutCooldown": int(config.get("scaleOutCooldown", 300)),
        },
    )
    return i["name"], {"arn": policy["PolicyARN"]}


HANDLERS: dict[str, tuple[Handler, Deleter]] = {
    "aws:appautoscaling/target:Target": (
        _scalable_target,
        by("application-autoscaling.deregister_scalable_target", **_TARGET_KEYS),
    ),
    "aws:appautoscaling/policy:Policy": (
        _scaling_policy,
        by("application-autoscaling.delete_scaling_policy", PolicyName="name", **_TARGET_KEYS),
    ),
}
UNTAGGED = {"aws:appautoscaling/policy:Policy"}
