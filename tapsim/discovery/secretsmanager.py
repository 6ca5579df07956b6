"""Secrets Manager: the stack's secrets, and the one RDS manages for the database."""

from __future__ import annotations

from typing import Any

from tapsim.discovery.rds import RdsLookups


class SecretsManagerLookups(RdsLookups):
    def secret(self, role: str) -> dict[str, Any]:
        """A secret the stack made; the database's is RDS's own, found through the database."""
        if role == "database":
            (database,) = self.db_clusters or [
                i for i in self.db_instances if not i.get("DBClusterIdentifier")
            ]
            secret_id = database["MasterUserSecret"]["SecretArn"]
        else:
            secret_id = self.namer.secret(role)
        return self.client("secretsmanager").describe_secret(SecretId=secret_id)
