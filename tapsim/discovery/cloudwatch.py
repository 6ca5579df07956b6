"""CloudWatch: the stack's alarms."""

from __future__ import annotations

from functools import cached_property
from typing import Any

from tapsim.discovery.base import SUFFIX_TAG, Lookups, tags_of


class CloudWatchLookups(Lookups):
    @cached_property
    def alarms(self) -> list[dict[str, Any]]:
        """The stack's alarms: by name first, then by tag, since another stack's suffix may
        end in this one's (`pr1`, `a-pr1`)."""
        prefix = f"{self.project}-"
        listed = self.every("cloudwatch", "describe_alarms", "MetricAlarms", AlarmNamePrefix=prefix)
        named = [a for a in listed if a["AlarmName"].endswith(f"-{self.suffix}")]
        return [a for a in named if self._alarm_tags(a["AlarmArn"]).get(SUFFIX_TAG) == self.suffix]

    def _alarm_tags(self, arn: str) -> dict[str, str]:
        return tags_of(self.client("cloudwatch").list_tags_for_resource(ResourceARN=arn))
