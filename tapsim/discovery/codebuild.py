"""CodeBuild: the build project."""

from __future__ import annotations

from functools import cached_property
from typing import Any

from tap_platform.naming import Service
from tapsim.discovery.base import Lookups


class CodeBuildLookups(Lookups):
    @cached_property
    def build_project(self) -> dict[str, Any]:
        (project,) = self.client("codebuild").batch_get_projects(
            names=[self.name("build", Service.BUILD_PROJECT)]
        )["projects"]
        return project
