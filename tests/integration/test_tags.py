"""Required tags, as each service reports them."""

from __future__ import annotations

from tapsim.discovery import tags_of


def required(target) -> dict[str, str]:
    return target.settings.required_tags


def test_network_resources_carry_the_required_tags(target) -> None:
    found = target.found
    items = [found.vpc, *found.subnets, *found.nat_gateways, *found.internet_gateways]
    items += [found.security_group("alb"), found.security_group("app")]
    for item in items:
        assert required(target).items() <= tags_of(item).items()


def test_load_balancer_and_target_group_carry_the_required_tags(target) -> None:
    elbv2 = target.found.client("elbv2")
    arns = [
        target.found.load_balancer["LoadBalancerArn"],
        target.found.target_group["TargetGroupArn"],
    ]
    for description in elbv2.describe_tags(ResourceArns=arns)["TagDescriptions"]:
        assert required(target).items() <= tags_of(description).items()


def test_compute_resources_carry_the_required_tags(target) -> None:
    if target.settings.compute == "ecs":
        items = [target.found.cluster, target.found.service]
    else:
        items = target.found.auto_scaling_groups
    assert items
    for item in items:
        assert required(target).items() <= tags_of(item).items()


def test_log_groups_and_roles_carry_the_required_tags(target) -> None:
    logs = target.found.client("logs")
    for group in target.found.log_groups.values():
        tags = logs.list_tags_for_resource(resourceArn=group["arn"].removesuffix(":*"))["tags"]
        assert required(target).items() <= tags.items()
    runtime_roles = ("exec", "task") if target.settings.compute == "ecs" else ("instance",)
    for role in (*runtime_roles, "flow-logs", "build", "pipeline"):
        assert required(target).items() <= tags_of(target.found.role(role)).items()
