"""RDS: the Aurora cluster or the plain instance, and the subnet group."""

from __future__ import annotations

from functools import cached_property
from typing import Any

from tap_platform.naming import Service
from tapsim.discovery.base import Lookups, unless_gone


class RdsLookups(Lookups):
    @cached_property
    def db_clusters(self) -> list[dict[str, Any]]:
        return self._rds("describe_db_clusters", "DBClusterIdentifier", "DBClusters")

    @cached_property
    def db_instances(self) -> list[dict[str, Any]]:
        """The cluster's instances, or the one instance of plain RDS."""
        database = self.name("db", Service.RDS)
        members = [{"Name": "db-cluster-id", "Values": [database]}]
        found = self.every("rds", "describe_db_instances", "DBInstances", Filters=members)
        return found or self._rds("describe_db_instances", "DBInstanceIdentifier", "DBInstances")

    @cached_property
    def db_subnet_group(self) -> dict[str, Any]:
        return self.client("rds").describe_db_subnet_groups(
            DBSubnetGroupName=self.name("db", Service.RDS)
        )["DBSubnetGroups"][0]

    def _rds(self, call: str, key: str, field: str) -> list[dict[str, Any]]:
        named = {key: self.name("db", Service.RDS)}
        return unless_gone(lambda: getattr(self.client("rds"), call)(**named)[field])
