"""Amazon ECR: the repository the pipeline pushes to."""

from __future__ import annotations

from functools import cached_property
from typing import Any

from tap_platform.naming import Service
from tapsim.discovery.base import Lookups


class EcrLookups(Lookups):
    @cached_property
    def image_repository(self) -> dict[str, Any]:
        """The repository the pipeline pushes to, by its name, with its tags and policy."""
        ecr = self.client("ecr")
        name = self.name("app", Service.ECR)
        (found,) = ecr.describe_repositories(repositoryNames=[name])["repositories"]
        tags = ecr.list_tags_for_resource(resourceArn=found["repositoryArn"])["tags"]
        policy = ecr.get_lifecycle_policy(repositoryName=found["repositoryName"])
        return {**found, "tags": tags, "lifecyclePolicyText": policy["lifecyclePolicyText"]}
