"""EC2 Auto Scaling: the app's group."""

from __future__ import annotations

from functools import cached_property
from typing import Any

from tap_platform.naming import Service
from tapsim.discovery.base import Lookups


class AutoScalingLookups(Lookups):
    @cached_property
    def auto_scaling_groups(self) -> list[dict[str, Any]]:
        return self.client("autoscaling").describe_auto_scaling_groups(
            AutoScalingGroupNames=[self.name("app", Service.ECS)]
        )["AutoScalingGroups"]
