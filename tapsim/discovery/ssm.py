"""Systems Manager: the parameter that holds the image the pipeline last released."""

from __future__ import annotations

from tapsim.discovery.base import Lookups


class SsmLookups(Lookups):
    @property
    def release_parameter(self) -> str:
        return f"{self.namer.parameter('app')}/image"

    def released_image(self) -> str:
        """The image the pipeline last deployed, or the stack's seed before it has."""
        found = self.client("ssm").get_parameter(Name=self.release_parameter)
        return found["Parameter"]["Value"]
