"""ElastiCache: the replication group."""

from __future__ import annotations

from functools import cached_property
from typing import Any

from tap_platform.naming import Service
from tapsim.discovery.base import Lookups


class ElastiCacheLookups(Lookups):
    @cached_property
    def replication_group(self) -> dict[str, Any]:
        return self.client("elasticache").describe_replication_groups(
            ReplicationGroupId=self.name("cache", Service.ELASTICACHE)
        )["ReplicationGroups"][0]
