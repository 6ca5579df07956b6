"""Alarms on every tier of the architecture, one encrypted SNS topic, one dashboard.

Each alarm is a row of data (metric, dimensions, threshold), so the alarms and the dashboard
come from the same table and cannot drift apart.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from tap_platform.naming import Namer, Service

GREATER, LESS = "GreaterThanThreshold", "LessThanThreshold"


@dataclass(frozen=True)
class Watch:
    """One metric to chart, and alarm on for each of its dimension sets (one per cache node,
    where the metric is published per node)."""

    row: str
    key: str
    namespace: str
    metric: str
    dimensions: Sequence[Mapping[str, pulumi.Input[str]]]
    statistic: str
    threshold: float
    comparison: str = GREATER
    period: int = 60


@dataclass(frozen=True)
class Thresholds:
    """What counts as trouble, and who hears of it; the defaults are a dev tier's.

    Attributes:
        email: an address subscribed to the alarm topic (default: None, no subscription).
        evaluation_periods: minutes a condition must hold before the alarm fires (default: 5).
        alb_errors_per_minute: the load balancer's own 5xx (default: 20).
        target_errors_per_minute: the app's 5xx (default: 20).
        response_time_seconds: average target response time (default: 3).
        cpu_percent: the app's CPU (default: 80).
        memory_percent: the app's memory, on Fargate (default: 80).
        db_cpu_percent: the database's CPU (default: 80).
        db_freeable_memory_mb: the database's freeable memory floor (default: 256).
        db_connections: database connections (default: 50).
        cache_cpu_percent: the cache engine's CPU (default: 75).
        cache_memory_percent: the cache's memory (default: 80).
        cache_evictions: evictions per 5 minutes (default: 1000).
    """

    email: str | None = None
    evaluation_periods: int = 5
    alb_errors_per_minute: int = 20
    target_errors_per_minute: int = 20
    response_time_seconds: float = 3
    cpu_percent: int = 80
    memory_percent: int = 80
    db_cpu_percent: int = 80
    db_freeable_memory_mb: int = 256
    db_connections: int = 50
    cache_cpu_percent: int = 75
    cache_memory_percent: int = 80
    cache_evictions: int = 1000


@dataclass(frozen=True)
class ObservabilityArgs:
    """What to watch: each dimension set is None (or empty) where the stack holds no such
    part, and its alarms and graphs are left out.

    Attributes:
        namer: builds the topic's, alarms' and dashboard's names.
        region: where the dashboard's graphs read their metrics.
        kms_key_arn: the key that encrypts the topic this component makes.
        load_balancer: the load balancer's dimension; with `watch_load_balancer` off (a
            service on a shared environment) it only qualifies the target group's metrics.
        target_group: the target group's dimension, or None.
        compute: the runtime's dimensions (cluster and service, or the group), or None.
        compute_namespace: AWS/ECS or AWS/EC2.
        database: the database's dimension, or None.
        cache_nodes: the cache's node ids (its metrics are per node).
        thresholds: what counts as trouble (default: `Thresholds()`, a dev tier's).
        watch_load_balancer: alarm on the load balancer's own errors (default: True; a
            service on a shared environment leaves that to the environment).
        topic_arn: the topic the alarms notify (default: None, which makes one here).
    """

    namer: Namer
    region: str
    kms_key_arn: pulumi.Input[str]
    load_balancer: Mapping[str, pulumi.Input[str]]
    target_group: Mapping[str, pulumi.Input[str]] | None
    compute: Mapping[str, pulumi.Input[str]] | None
    compute_namespace: str
    database: Mapping[str, pulumi.Input[str]] | None
    cache_nodes: Sequence[str]
    thresholds: Thresholds = Thresholds()
    watch_load_balancer: bool = True
    topic_arn: pulumi.Input[str] | None = None


def watches(args: ObservabilityArgs) -> list[Watch]:
    """The table for everything the stack holds, in the order of the tiers."""
    parts = {
        "alb-5xx": args.watch_load_balancer,
        "target-5xx": args.target_group is not None,
        "response-time": args.target_group is not None,
        "unhealthy-hosts": args.target_group is not None,
        "cpu": args.compute is not None,
        "memory": args.compute is not None and args.compute_namespace == "AWS/ECS",
        "db-cpu": args.database is not None,
        "db-memory": args.database is not None,
        "db-connections": args.database is not None,
    }
    return [w for w in _all_watches(args) if parts.get(w.key, True)]


def _all_watches(args: ObservabilityArgs) -> list[Watch]:
    a = args.thresholds
    lb, tg = [args.load_balancer], [{**(args.target_group or {}), **args.load_balancer}]
    compute, database = [args.compute or {}], [args.database or {}]
    cache = [{"CacheClusterId": node} for node in args.cache_nodes]
    rows = [
        Watch("edge", "alb-5xx", "AWS/ApplicationELB", "HTTPCode_ELB_5XX_Count", lb, "Sum",
              a.alb_errors_per_minute),
        Watch("edge", "target-5xx", "AWS/ApplicationELB", "HTTPCode_Target_5XX_Count", tg, "Sum",
              a.target_errors_per_minute),
        Watch("edge", "response-time", "AWS/ApplicationELB", "TargetResponseTime", tg, "Average",
              a.response_time_seconds),
        Watch("edge", "unhealthy-hosts", "AWS/ApplicationELB", "UnHealthyHostCount", tg, "Maximum",
              0),
        Watch("compute", "cpu", args.compute_namespace, "CPUUtilization", compute, "Average",
              a.cpu_percent),
        Watch("database", "db-cpu", "AWS/RDS", "CPUUtilization", database, "Average",
              a.db_cpu_percent),
        Watch("database", "db-memory", "AWS/RDS", "FreeableMemory", database, "Minimum",
              a.db_freeable_memory_mb * 1024 * 1024, LESS),
        Watch("database", "db-connections", "AWS/RDS", "DatabaseConnections", database,
              "Maximum", a.db_connections),
        Watch("cache", "cache-cpu", "AWS/ElastiCache", "EngineCPUUtilization", cache,
              "Average", a.cache_cpu_percent),
        Watch("cache", "cache-memory", "AWS/ElastiCache", "DatabaseMemoryUsagePercentage",
              cache, "Average", a.cache_memory_percent),
        Watch("cache", "cache-evictions", "AWS/ElastiCache", "Evictions", cache, "Sum",
              a.cache_evictions, period=300),
    ]  # fmt: skip
    rows.insert(5, Watch("compute", "memory", "AWS/ECS", "MemoryUtilization", compute,
                         "Average", a.memory_percent))  # fmt: skip
    return [row for row in rows if row.dimensions]


class Observability(pulumi.ComponentResource):
    """SNS topic (optionally with an email subscription), alarms, dashboard."""

    def __init__(
        self, name: str, args: ObservabilityArgs, opts: pulumi.ResourceOptions | None = None
    ):
        super().__init__("tap:observability:Observability", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        namer = args.namer
        self.topic: aws.sns.Topic | None = None
        self.topic_arn: pulumi.Input[str]
        if args.topic_arn is None:
            self.topic = aws.sns.Topic(
                f"{name}-alarms",
                name=namer.name("alarms", Service.TOPIC),
                kms_master_key_id=args.kms_key_arn,
                opts=child,
            )
            self.topic_arn = self.topic.arn
        else:
            self.topic_arn = args.topic_arn
        if args.thresholds.email:
            aws.sns.TopicSubscription(
                f"{name}-alarms-email",
                topic=self.topic_arn,
                protocol="email",
                endpoint=args.thresholds.email,
                opts=child,
            )
        rows = watches(args)
        alarms = [
            (watch, dims, watch.key if len(watch.dimensions) == 1 else f"{watch.key}-{n}")
            for watch in rows
            for n, dims in enumerate(watch.dimensions, start=1)
        ]
        for watch, dims, key in alarms:
            aws.cloudwatch.MetricAlarm(
                f"{name}-{key}",
                name=namer.name(key, Service.ALARM),
                alarm_description=f"{watch.metric} on the {watch.row} tier",
                namespace=watch.namespace,
                metric_name=watch.metric,
                dimensions=dict(dims),
                statistic=watch.statistic,
                period=watch.period,
                evaluation_periods=args.thresholds.evaluation_periods,
                threshold=watch.threshold,
                comparison_operator=watch.comparison,
                treat_missing_data="notBreaching",
                alarm_actions=[self.topic_arn],
                ok_actions=[self.topic_arn],
                opts=child,
            )
        self.dashboard = aws.cloudwatch.Dashboard(
            f"{name}-dashboard",
            dashboard_name=namer.name("overview", Service.DASHBOARD),
            dashboard_body=dashboard_body(rows, args.region),
            opts=child,
        )
        self.register_outputs(
            {"topicArn": self.topic_arn, "dashboardName": self.dashboard.dashboard_name}
        )


def dashboard_body(rows: list[Watch], region: str) -> pulumi.Output[str]:
    """One row of graphs per tier of the architecture, in the order the tiers are listed."""
    tiers = list(dict.fromkeys(w.row for w in rows))
    widgets = []
    for y, tier in enumerate(tiers):
        in_row = [w for w in rows if w.row == tier]
        width = 24 // len(in_row)
        for x, watch in enumerate(in_row):
            series = [
                [watch.namespace, watch.metric, *(part for pair in dims.items() for part in pair)]
                for dims in watch.dimensions
            ]
            widgets.append(
                {
                    "type": "metric",
                    "x": x * width,
                    "y": y * 6,
                    "width": width,
                    "height": 6,
                    "properties": {
                        "title": f"{tier}: {watch.metric}",
                        "region": region,
                        "stat": watch.statistic,
                        "period": watch.period,
                        "metrics": series,
                    },
                }
            )
    return pulumi.Output.from_input({"widgets": widgets}).apply(json.dumps)
