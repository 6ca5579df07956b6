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


def test_ecs_resources_carry_the_required_tags(target) -> None:
    for item in (target.found.cluster, target.found.service):
        assert required(target).items() <= tags_of(item).items()


def test_log_groups_and_roles_carry_the_required_tags(target) -> None:
    logs = target.found.client("logs")
    for group in target.found.log_groups.values():
        tags = logs.list_tags_for_resource(resourceArn=group["arn"].removesuffix(":*"))["tags"]
        assert required(target).items() <= tags.items()
    for role in ("exec", "task", "flow-logs"):
        assert required(target).items() <= tags_of(target.found.role(role)).items()
