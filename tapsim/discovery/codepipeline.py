"""CodePipeline: the delivery pipeline."""

from __future__ import annotations

from functools import cached_property
from typing import Any

from tap_platform.naming import Service
from tapsim.discovery.base import Lookups


class CodePipelineLookups(Lookups):
    @cached_property
    def pipeline(self) -> dict[str, Any]:
        name = self.name("pipeline", Service.PIPELINE)
        return self.client("codepipeline").get_pipeline(name=name)["pipeline"]
