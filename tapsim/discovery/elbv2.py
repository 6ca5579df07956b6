"""Elastic Load Balancing: the load balancer by the name the stack gave it, its listeners and
target group."""

from __future__ import annotations

from functools import cached_property
from typing import Any

from tap_platform.naming import Service
from tapsim.discovery.base import Lookups


class Elbv2Lookups(Lookups):
    @cached_property
    def load_balancer(self) -> dict[str, Any]:
        elbv2 = self.client("elbv2")
        alb = self.name("alb", Service.ALB)
        return elbv2.describe_load_balancers(Names=[alb])["LoadBalancers"][0]

    @cached_property
    def load_balancer_attributes(self) -> dict[str, str]:
        answer = self.client("elbv2").describe_load_balancer_attributes(
            LoadBalancerArn=self.load_balancer["LoadBalancerArn"]
        )
        return {a["Key"]: a["Value"] for a in answer["Attributes"]}

    @cached_property
    def listeners(self) -> list[dict[str, Any]]:
        return self.client("elbv2").describe_listeners(
            LoadBalancerArn=self.load_balancer["LoadBalancerArn"]
        )["Listeners"]

    @cached_property
    def target_group(self) -> dict[str, Any]:
        """The load balancer's one target group (named after its target type)."""
        elbv2 = self.client("elbv2")
        arn = self.load_balancer["LoadBalancerArn"]
        (group,) = elbv2.describe_target_groups(LoadBalancerArn=arn)["TargetGroups"]
        return group

    @cached_property
    def target_group_attributes(self) -> dict[str, str]:
        answer = self.client("elbv2").describe_target_group_attributes(
            TargetGroupArn=self.target_group["TargetGroupArn"]
        )
        return {a["Key"]: a["Value"] for a in answer["Attributes"]}
