"""The sections that hold state (`tap:database`, `tap:cache`, `tap:storage`), one model each.

As in `sections.py`, every field says what it means, and the tier brings the defaults. A check
across fields reports every problem it finds at once, naming the other keys it read.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import Field, field_validator, model_validator

from tap_platform.settings.limits import (
    APP_DB_USER,
    AURORA_MYSQL_MINOR,
    AURORA_PROVISIONED_CLASS,
    CACHE_VERSIONS,
    ENGINE_VERSION_PATTERNS,
    ENGINE_VERSION_WORDS,
    GRAVITON_CACHE_FROM,
    RESERVED_DB_USERS,
)
from tap_platform.settings.messages import FieldError, raise_all, words
from tap_platform.settings.sections import RETENTION, RetentionDays, Section

DatabaseEngine = Literal["aurora-postgresql", "aurora-mysql", "postgres", "mysql"]
# A Graviton node type: `g` among the letters after its generation (cache.t4g, cache.r6gd).
GRAVITON_NODE = re.compile(r"^cache\.[a-z]+\d+[a-z]*g[a-z]*\.")


class DatabaseSettings(Section):
    """Aurora (serverless v2 or provisioned) or a plain RDS instance."""

    enabled: bool = Field(description="false leaves the database out")
    engine: DatabaseEngine = Field(description="aurora-postgresql, aurora-mysql, postgres, mysql")
    engine_version: str = Field(
        description="a major version, kept current by AWS's minor upgrades, or an exact one, "
        "which pins; resolved from the region; follows `engine`"
    )
    port: int = Field(ge=1150, le=65535, description="follows `engine` (5432, or 3306 for MySQL)")
    master_username: str = Field(
        pattern=r"^[a-zA-Z][a-zA-Z0-9_]{0,15}$",
        description="not a name the engine reserves; its password is RDS-managed",
    )
    database_name: str = Field(
        pattern=r"^[a-zA-Z][a-zA-Z0-9_]{0,62}$", description="the database created at start"
    )
    serverless: bool = Field(description="Aurora Serverless v2; false uses `instanceClass`")
    min_capacity: float = Field(ge=0, le=256, description="ACU, steps of 0.5; 0 lets it pause")
    max_capacity: float = Field(ge=1, le=256, description="ACU, steps of 0.5")
    instance_class: str = Field(
        pattern=r"^db\.[a-z0-9]+\.[a-z0-9]+$",
        description="plain RDS and provisioned Aurora (whose default is "
        f"{AURORA_PROVISIONED_CLASS}: the Data API runs on no T class); orderable in the region",
    )
    reader_count: int = Field(ge=0, le=15, description="Aurora readers over the AZs")
    allocated_storage_gb: int = Field(ge=20, le=65536, description="plain RDS storage, GB")
    multi_az: bool = Field(description="plain RDS standby in another AZ")
    backup_retention_days: int = Field(ge=1, le=35, description="days of automated backups")
    performance_insights: bool = Field(description="Performance Insights, KMS-encrypted")
    monitoring_interval_seconds: Literal[0, 1, 5, 10, 15, 30, 60] = Field(
        description="Enhanced Monitoring interval; 0 is off"
    )
    rotation_days: int = Field(ge=1, le=365, description="how often RDS rotates the password")
    apply_immediately: bool = Field(
        description="a new instance class or engine version applies at the next `pulumi up`; "
        "false waits for the maintenance window, and each `pulumi up` shows it until then"
    )

    @property
    def aurora(self) -> bool:
        return self.engine.startswith("aurora-")

    @property
    def provisioned_aurora(self) -> bool:
        """Aurora on instance classes, where the Data API that makes the app's user needs
        one that is not a T class."""
        return self.aurora and not self.serverless

    def _data_api(self) -> list[FieldError]:
        """Aurora makes the app's user through the Data API, which runs on neither T classes
        nor Aurora MySQL before 3.07 (Aurora User Guide, "Using the RDS Data API":
        limitations, and Region and version availability)."""
        errors = []
        if self.provisioned_aurora and self.instance_class.startswith("db.t"):
            errors.append(
                FieldError(
                    "instanceClass",
                    "is a T class, on which the Data API that makes the app's database user "
                    "does not run; use serverless, or an R class such as "
                    f"{AURORA_PROVISIONED_CLASS}",
                    needs=("engine", "serverless"),
                )
            )
        exact = AURORA_MYSQL_MINOR.match(self.engine_version)
        if self.engine == "aurora-mysql" and exact and int(exact[1]) < 7:
            errors.append(
                FieldError(
                    "engineVersion",
                    "predates Aurora MySQL 3.07, the first with the Data API that makes the "
                    "app's database user",
                    needs=("engine",),
                )
            )
        return errors

    @property
    def family(self) -> str:
        """Parameter group family, e.g. aurora-postgresql16 or mysql8.0."""
        major = ENGINE_VERSION_PATTERNS[self.engine].match(self.engine_version)
        assert major is not None
        return f"{self.engine}{major[1]}"

    @property
    def postgres(self) -> bool:
        return self.engine.endswith("postgres") or self.engine.endswith("postgresql")

    @model_validator(mode="after")
    def _consistent(self) -> DatabaseSettings:
        errors = self._data_api()
        if not ENGINE_VERSION_PATTERNS[self.engine].match(self.engine_version):
            errors.append(
                FieldError(
                    "engineVersion",
                    f"is not a {self.engine} version: give {ENGINE_VERSION_WORDS[self.engine]}",
                    needs=("engine",),
                )
            )
        name = self.master_username.lower()
        if name in RESERVED_DB_USERS[self.engine]:
            errors.append(
                FieldError("masterUsername", f"is reserved by {self.engine}", needs=("engine",))
            )
        if name == APP_DB_USER:
            errors.append(FieldError("masterUsername", f"is the app's own user, {APP_DB_USER}"))
        errors += self._capacity()
        raise_all(errors)
        return self

    def _capacity(self) -> list[FieldError]:
        errors = []
        if self.min_capacity > self.max_capacity:
            errors.append(
                FieldError(
                    "minCapacity",
                    f"exceeds maxCapacity {self.max_capacity}",
                    needs=("maxCapacity",),
                )
            )
        for key, value in (("minCapacity", self.min_capacity), ("maxCapacity", self.max_capacity)):
            if (value * 2) % 1:
                errors.append(FieldError(key, "goes in steps of 0.5 ACU"))
        if self.serverless and not self.aurora:
            errors.append(
                FieldError(
                    "serverless", f"applies to Aurora only, not {self.engine}", needs=("engine",)
                )
            )
        return errors


class CacheSettings(Section):
    """The Redis or Valkey replication group."""

    enabled: bool = Field(description="false leaves the cache out")
    engine: Literal["redis", "valkey"] = Field(description="redis or valkey")
    engine_version: str = Field(description="an offered version of the engine; follows `engine`")
    node_type: str = Field(
        pattern=r"^cache\.[a-z0-9]+\.[a-z0-9]+$",
        description="offered in the region; a Graviton type (cache.t4g) needs Redis 5.0.6 or later",
    )
    replicas: int = Field(ge=0, le=5, description="more than 0 adds failover and Multi-AZ")
    snapshot_retention_days: int = Field(ge=0, le=35, description="days of daily snapshots")
    log_retention_days: RetentionDays = Field(description=f"slow and engine logs: {RETENTION}")
    apply_immediately: bool = Field(
        description="a new node type or engine version applies at the next `pulumi up`; "
        "false waits for the maintenance window, and each `pulumi up` shows it until then"
    )

    @model_validator(mode="after")
    def _version(self) -> CacheSettings:
        offered = CACHE_VERSIONS[self.engine]
        if self.engine_version not in offered:
            raise FieldError(
                "engineVersion",
                f"is not a {self.engine} version; use {words(offered)}",
                needs=("engine",),
            )
        first = GRAVITON_CACHE_FROM.get(self.engine)
        if first and GRAVITON_NODE.match(self.node_type) and _older(self.engine_version, first):
            raise FieldError(
                "engineVersion",
                f"is too old for nodeType {self.node_type}: ElastiCache runs Redis OSS on "
                f"Graviton node types from {first} only (ElastiCache API Reference, CacheNode); "
                f"use {first} or later, or a cache.t3 or cache.m5 node type",
                needs=("engine", "nodeType"),
            )
        return self


def _older(version: str, first: str) -> bool:
    def key(v: str) -> tuple[int, ...]:
        return tuple(int(part) for part in re.findall(r"\d+", v))

    return key(version) < key(first)


class StorageSettings(Section):
    """Buckets, keys and secrets: how long deleted things linger."""

    noncurrent_version_days: int = Field(
        ge=1, le=3650, description="days an overwritten object version is kept"
    )
    log_expiration_days: int = Field(ge=1, le=3650, description="days access logs are kept")
    kms_deletion_window_days: int = Field(
        ge=7, le=30, description="days a deleted key waits before it is gone"
    )
    secret_recovery_window_days: int = Field(description="0 (delete at once) or 7-30")

    @field_validator("secret_recovery_window_days")
    @classmethod
    def _window(cls, days: int) -> int:
        if days != 0 and not 7 <= days <= 30:
            raise ValueError("must be 0 (delete at once) or 7-30")
        return days
