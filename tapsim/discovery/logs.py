"""CloudWatch Logs: the stack's log groups, under its own path."""

from __future__ import annotations

from functools import cached_property
from typing import Any

from tapsim.discovery.base import Lookups


class LogsLookups(Lookups):
    @cached_property
    def log_groups(self) -> dict[str, dict[str, Any]]:
        return {g["logGroupName"]: g for g in self._describe_log_groups()}

    def _describe_log_groups(self) -> list[dict[str, Any]]:
        prefix = self.namer.log_group("")
        return self.every("logs", "describe_log_groups", "logGroups", logGroupNamePrefix=prefix)
