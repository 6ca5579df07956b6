"""Amazon ECS: the cluster, the service and the task definition it runs."""

from __future__ import annotations

from functools import cached_property
from typing import Any

from tap_platform.naming import Service
from tapsim.discovery.base import Lookups


class EcsLookups(Lookups):
    @cached_property
    def cluster(self) -> dict[str, Any]:
        (cluster,) = self.client("ecs").describe_clusters(
            clusters=[self.name("cluster", Service.ECS)], include=["SETTINGS", "TAGS"]
        )["clusters"]
        return cluster

    @cached_property
    def service(self) -> dict[str, Any]:
        (service,) = self.client("ecs").describe_services(
            cluster=self.name("cluster", Service.ECS),
            services=[self.name("app", Service.ECS)],
            include=["TAGS"],
        )["services"]
        return service

    @cached_property
    def task_definition(self) -> dict[str, Any]:
        return self.client("ecs").describe_task_definition(
            taskDefinition=self.service["taskDefinition"], include=["TAGS"]
        )["taskDefinition"]

    @property
    def running_image(self) -> str:
        return self.task_definition["containerDefinitions"][0]["image"]
