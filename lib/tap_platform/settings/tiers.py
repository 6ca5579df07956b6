"""The tier table: each setting's default in dev, staging and prod, side by side.

One row per setting, keyed as the stack file spells it below `tap:`. A stack file states only
what differs; settings absent here have no tier default (they are the stack's own choice, or
follow another setting: see `loading.implied`).
"""

from __future__ import annotations

from typing import Any

from tap_platform.settings.limits import CACHE_DEFAULTS, DEFAULT_COMMAND, ENGINE_DEFAULTS

TIER_NAMES = ("dev", "staging", "prod")
_ENGINE = "aurora-postgresql"
_SSL = "ELBSecurityPolicy-TLS13-1-2-2021-06"
_IMAGE = "public.ecr.aws/docker/library/python:3.12-alpine"
_SMALL_NODE = "cache.t4g.small"
_BUILD_IMAGE = "aws/codebuild/amazonlinux-x86_64-standard:5.0"


def _same(value: Any) -> tuple[Any, Any, Any]:
    return (value, value, value)


# fmt: off
TIERS: dict[str, tuple[Any, Any, Any]] = {
    #                                         dev               staging           prod
    "role":                                  _same("all"),
    "compute":                               _same("ecs"),
    "deletionProtection":                    (False,            False,            True),
    "requireHttps":                          (False,            False,            True),
    "tags":                                  _same({}),
    "network.cidr":                          _same("10.0.0.0/16"),
    "network.azCount":                       (2,                2,                3),
    "network.natStrategy":                   ("single",         "single",         "perAz"),
    "network.flowLogRetentionDays":          (7,                30,               365),
    "waf.enabled":                           (False,            True,             True),
    "waf.rateLimit":                         _same(2000),
    "waf.logRetentionDays":                  (30,               90,               365),
    "loadBalancer.ingressCidrs":             _same(["0.0.0.0/0"]),
    "loadBalancer.healthCheckPath":          _same("/"),
    "loadBalancer.healthCheckIntervalSeconds": (10,             15,               30),
    "loadBalancer.deregistrationDelaySeconds": (5,              30,               60),
    "loadBalancer.idleTimeoutSeconds":       _same(60),
    "loadBalancer.sslPolicy":                _same(_SSL),
    "service.image":                         _same(_IMAGE),
    "service.command":                       _same([*DEFAULT_COMMAND, "8080"]),
    "service.port":                          _same(8080),
    "service.cpu":                           (256,              512,              1024),
    "service.memory":                        (512,              1024,             2048),
    "service.architecture":                  _same("X86_64"),
    "service.desiredCount":                  (1,                2,                3),
    "service.minCount":                      (1,                2,                3),
    "service.maxCount":                      (2,                4,                10),
    "service.cpuTargetPercent":              _same(60),
    "service.requestsPerTarget":             _same(500),
    "service.logRetentionDays":              (7,                30,               90),
    "service.environment":                   _same({}),
    "service.secrets":                       _same({}),
    "database.enabled":                      _same(True),
    "database.engine":                       _same(_ENGINE),
    "database.engineVersion":                _same(ENGINE_DEFAULTS[_ENGINE][0]),
    "database.port":                         _same(ENGINE_DEFAULTS[_ENGINE][1]),
    "database.masterUsername":               _same("tapadmin"),
    "database.databaseName":                 _same("app"),
    "database.serverless":                   _same(True),
    "database.minCapacity":                  (0,                0.5,              1),
    "database.maxCapacity":                  (2,                4,                16),
    "database.instanceClass":                _same("db.t4g.medium"),
    "database.readerCount":                  (0,                1,                1),
    "database.allocatedStorageGb":           _same(20),
    "database.multiAz":                      (False,            False,            True),
    "database.backupRetentionDays":          (1,                7,                14),
    "database.performanceInsights":          (False,            False,            True),
    "database.monitoringIntervalSeconds":    (0,                0,                60),
    "database.rotationDays":                 _same(30),
    "database.applyImmediately":             _same(True),
    "cache.enabled":                         _same(True),
    "cache.engine":                          _same("redis"),
    "cache.engineVersion":                   _same(CACHE_DEFAULTS["redis"]),
    "cache.nodeType":                        ("cache.t4g.micro", _SMALL_NODE,      _SMALL_NODE),
    "cache.replicas":                        (0,                1,                2),
    "cache.snapshotRetentionDays":           (0,                1,                7),
    "cache.logRetentionDays":                (7,                30,               90),
    "cache.applyImmediately":                _same(True),
    "storage.noncurrentVersionDays":         (7,                30,               90),
    "storage.logExpirationDays":             (30,               90,               365),
    "storage.kmsDeletionWindowDays":         (7,                7,                30),
    "storage.secretRecoveryWindowDays":      (0,                0,                30),
    "instances.instanceType":                ("t3.micro",       "t3.small",       "t3.medium"),
    "instances.rootVolumeGb":                (20,               20,               30),
    "instances.healthCheckGraceSeconds":     (120,              120,              180),
    "pipeline.enabled":                      _same(True),
    "pipeline.branch":                       _same("main"),
    "pipeline.requireApproval":              (False,            False,            True),
    "pipeline.buildImage":                   _same(_BUILD_IMAGE),
    "pipeline.computeType":                  _same("BUILD_GENERAL1_SMALL"),
    "pipeline.privileged":                   _same(False),
    "pipeline.logRetentionDays":             (7,                30,               90),
    "alarms.evaluationPeriods":              (5,                3,                2),
    "alarms.albErrorsPerMinute":             (20,               10,               5),
    "alarms.targetErrorsPerMinute":          (20,               10,               5),
    "alarms.responseTimeSeconds":            (3,                2,                1),
    "alarms.cpuPercent":                     _same(80),
    "alarms.memoryPercent":                  _same(80),
    "alarms.dbCpuPercent":                   _same(80),
    "alarms.dbFreeableMemoryMb":             _same(256),
    "alarms.dbConnections":                  (50,               100,              400),
    "alarms.cacheCpuPercent":                _same(75),
    "alarms.cacheMemoryPercent":             _same(80),
    "alarms.cacheEvictions":                 (1000,             500,              100),
}
# fmt: on


def tier_defaults(tier: str) -> dict[str, Any]:
    """The nested defaults of one tier, as a stack file would write them all out."""
    column = TIER_NAMES.index(tier)
    nested: dict[str, Any] = {}
    for key, values in TIERS.items():
        *parents, leaf = key.split(".")
        node = nested
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = values[column]
    return nested
