"""Elastic Load Balancing v2: the load balancer, its target groups, listeners and rules."""

from __future__ import annotations

from typing import Any

from tapsim.emulator.core import Context, Deleter, EmulatorError, Handler, Updater, autoname, by


def _load_balancer(ctx: Context, i: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    elbv2 = ctx.clients("elbv2")
    lb = elbv2.create_load_balancer(
        Name=i["name"],
        Subnets=i["subnets"],
        SecurityGroups=i.get("securityGroups", []),
        Scheme="internal" if i.get("internal") else "internet-facing",
        Type=i.get("loadBalancerType", "application"),
        **ctx.tags_arg("Tags"),
    )["LoadBalancers"][0]
    attributes = {
        "deletion_protection.enabled": i.get("enableDeletionProtection", False),
        "routing.http.drop_invalid_header_fields.enabled": i.get("dropInvalidHeaderFields", False),
        "routing.http.desync_mitigation_mode": i.get("desyncMitigationMode", "defensive"),
        "idle_timeout.timeout_seconds": int(i.get("idleTimeout", 60)),
    }
    access_logs = i.get("accessLogs") or {}
    if access_logs.get("enabled"):
        attributes.update(
            {
                "access_logs.s3.enabled": True,
                "access_logs.s3.bucket": access_logs["bucket"],
                "access_logs.s3.prefix": access_logs.get("prefix", ""),
            }
        )
    elbv2.modify_load_balancer_attributes(
        LoadBalancerArn=lb["LoadBalancerArn"],
        Attributes=[
            {"Key": k, "Value": str(v).lower() if isinstance(v, bool) else str(v)}
            for k, v in attributes.items()
        ],
    )
    arn = lb["LoadBalancerArn"]
    return arn, {
        "arn": arn,
        "arnSuffix": arn.split(":loadbalancer/", 1)[1],
        "dnsName": lb["DNSName"],
        "zoneId": lb["CanonicalHostedZoneId"],
    }


def _delete_load_balancer(ctx: Context, arn: str, _state: dict[str, Any]) -> None:
    """Emulator clean-up lifts deletion protection first; `pulumi destroy` would stop here."""
    elbv2 = ctx.clients("elbv2")
    elbv2.modify_load_balancer_attributes(
        LoadBalancerArn=arn, Attributes=[{"Key": "deletion_protection.enabled", "Value": "false"}]
    )
    elbv2.delete_load_balancer(LoadBalancerArn=arn)


def _target_group(ctx: Context, i: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    elbv2 = ctx.clients("elbv2")
    check = i.get("healthCheck") or {}
    group = elbv2.create_target_group(
        Name=i.get("name") or autoname(ctx.name),
        Protocol=i["protocol"],
        Port=int(i["port"]),
        VpcId=i["vpcId"],
        TargetType=i.get("targetType", "instance"),
        HealthCheckEnabled=bool(check.get("enabled", True)),
        HealthCheckPath=check.get("path", "/"),
        HealthCheckProtocol=check.get("protocol", "HTTP"),
        HealthCheckIntervalSeconds=int(check.get("interval", 30)),
        HealthCheckTimeoutSeconds=int(check.get("timeout", 5)),
        HealthyThresholdCount=int(check.get("healthyThreshold", 3)),
        UnhealthyThresholdCount=int(check.get("unhealthyThreshold", 3)),
        Matcher={"HttpCode": check.get("matcher", "200")},
        **ctx.tags_arg("Tags"),
    )["TargetGroups"][0]
    arn = group["TargetGroupArn"]
    delay = str(int(i.get("deregistrationDelay", 300)))
    elbv2.modify_target_group_attributes(
        TargetGroupArn=arn,
        Attributes=[{"Key": "deregistration_delay.timeout_seconds", "Value": delay}],
    )
    return arn, {"arn": arn, "arnSuffix": arn.split(":", 5)[5], "name": group["TargetGroupName"]}


def _listener_action(action: dict[str, Any]) -> dict[str, Any]:
    if action["type"] == "forward":
        return {"Type": "forward", "TargetGroupArn": action["targetGroupArn"]}
    if action["type"] == "fixed-response":
        fixed = action["fixedResponse"]
        return {
            "Type": "fixed-response",
            "FixedResponseConfig": {
                "ContentType": fixed["contentType"],
                "MessageBody": fixed.get("messageBody", ""),
                "StatusCode": fixed["statusCode"],
            },
        }
    redirect = action["redirect"]
    return {
        "Type": "redirect",
        "RedirectConfig": {
            "Port": redirect["port"],
            "Protocol": redirect["protocol"],
            "StatusCode": redirect["statusCode"],
        },
    }


def _listener_settings(i: dict[str, Any]) -> dict[str, Any]:
    settings: dict[str, Any] = {
        "Protocol": i["protocol"],
        "Port": int(i["port"]),
        "DefaultActions": [_listener_action(a) for a in i["defaultActions"]],
    }
    if i.get("certificateArn"):
        settings["Certificates"] = [{"CertificateArn": i["certificateArn"]}]
        settings["SslPolicy"] = i["sslPolicy"]
    return settings


def _listener(ctx: Context, i: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    listener = ctx.clients("elbv2").create_listener(
        LoadBalancerArn=i["loadBalancerArn"], **_listener_settings(i), **ctx.tags_arg("Tags")
    )["Listeners"][0]
    return listener["ListenerArn"], {"arn": listener["ListenerArn"]}


def _update_listener(ctx: Context, arn: str, i: dict[str, Any]) -> None:
    ctx.clients("elbv2").modify_listener(ListenerArn=arn, **_listener_settings(i))


_CONDITIONS = {"hostHeader": ("host-header", "HostHeaderConfig"),
               "pathPattern": ("path-pattern", "PathPatternConfig")}  # fmt: skip


def _rule_conditions(conditions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    found = []
    for condition in conditions:
        for key, (field, config) in _CONDITIONS.items():
            if condition.get(key):
                found.append({"Field": field, config: {"Values": condition[key]["values"]}})
    return found


def _listener_rule(ctx: Context, i: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """A rule without a priority takes the listener's highest plus one, as the provider
    does (terraform-provider-aws, internal/service/elbv2/listener_rule.go,
    `retryListenerRuleCreate`, at 032c4f076a6c), retried while another takes it."""
    elbv2 = ctx.clients("elbv2")
    for _ in range(5):
        priority = i.get("priority") or _highest_priority(elbv2, i["listenerArn"]) + 1
        try:
            rule = elbv2.create_rule(
                ListenerArn=i["listenerArn"],
                Priority=int(priority),
                Conditions=_rule_conditions(i["conditions"]),
                Actions=[_listener_action(a) for a in i["actions"]],
                **ctx.tags_arg("Tags"),
            )["Rules"][0]
        except elbv2.exceptions.PriorityInUseException:
            if i.get("priority"):
                raise
            continue
        return rule["RuleArn"], {"arn": rule["RuleArn"], "priority": int(rule["Priority"])}
    raise EmulatorError(f"no free priority on {i['listenerArn']} after 5 tries")


def _highest_priority(elbv2: Any, listener_arn: str) -> int:
    rules = elbv2.describe_rules(ListenerArn=listener_arn)["Rules"]
    return max((int(r["Priority"]) for r in rules if r["Priority"] != "default"), default=0)


HANDLERS: dict[str, tuple[Handler, Deleter]] = {
    "aws:lb/listenerRule:ListenerRule": (
        _listener_rule,
        by("elbv2.delete_rule", RuleArn="id"),
    ),
    "aws:lb/loadBalancer:LoadBalancer": (_load_balancer, _delete_load_balancer),
    "aws:lb/targetGroup:TargetGroup": (
        _target_group,
        by("elbv2.delete_target_group", TargetGroupArn="id"),
    ),
    "aws:lb/listener:Listener": (_listener, by("elbv2.delete_listener", ListenerArn="id")),
}
# In-place updates the emulator carries out (others change only its record of the resource).
UPDATERS: dict[str, Updater] = {"aws:lb/listener:Listener": _update_listener}
