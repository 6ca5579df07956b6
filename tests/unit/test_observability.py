"""Alarms on every tier, all notifying one encrypted topic; one dashboard with a row per tier."""

from __future__ import annotations

import json

import pytest

ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"


def alarms(run) -> dict[str, dict]:
    return {a.inputs["metricName"]: a.inputs for a in run.of_type(ALARM)}


def test_topic_is_encrypted_with_the_stack_key(any_run) -> None:
    topic = any_run.one("aws:sns/topic:Topic")
    assert topic.inputs["kmsMasterKeyId"] == any_run.outputs["kmsKeyArn"]
    assert any_run.outputs["alarmTopicArn"] == topic.state["arn"]


def test_every_alarm_notifies_the_topic(any_run) -> None:
    topic = any_run.outputs["alarmTopicArn"]
    for alarm in any_run.of_type(ALARM):
        assert alarm.inputs["alarmActions"] == [topic], alarm.name
        assert alarm.inputs["okActions"] == [topic], alarm.name


def test_ecs_stacks_alarm_on_every_tier(run) -> None:
    assert set(alarms(run)) == {
        "HTTPCode_ELB_5XX_Count", "HTTPCode_Target_5XX_Count", "TargetResponseTime",
        "UnHealthyHostCount", "CPUUtilization", "MemoryUtilization", "FreeableMemory",
        "DatabaseConnections", "EngineCPUUtilization", "DatabaseMemoryUsagePercentage", "Evictions",
    }  # fmt: skip
    namespaces = {a.inputs["namespace"] for a in run.of_type(ALARM)}
    assert namespaces == {"AWS/ApplicationELB", "AWS/ECS", "AWS/RDS", "AWS/ElastiCache"}


def test_asg_stacks_alarm_on_group_cpu(asg_run) -> None:
    cpu = [a.inputs for a in asg_run.of_type(ALARM)
           if a.inputs["namespace"] == "AWS/EC2"]  # fmt: skip
    assert [a["dimensions"] for a in cpu] == [
        {"AutoScalingGroupName": asg_run.outputs["autoScalingGroupName"]}
    ]
    assert "MemoryUtilization" not in alarms(asg_run)


@pytest.mark.parametrize(("stack", "errors", "latency"), [("dev", 20, 3), ("prod", 5, 1)])
def test_thresholds_follow_the_tier(synthesized, stack, errors, latency) -> None:
    found = alarms(synthesized[stack])
    assert found["HTTPCode_ELB_5XX_Count"]["threshold"] == errors
    assert found["TargetResponseTime"]["threshold"] == latency
    assert found["FreeableMemory"]["comparisonOperator"] == "LessThanThreshold"
    assert found["FreeableMemory"]["threshold"] == 256 * 1024 * 1024


def test_alarms_watch_this_stacks_resources(run) -> None:
    found = alarms(run)
    alb = run.one("aws:lb/loadBalancer:LoadBalancer").state["arnSuffix"]
    assert found["HTTPCode_ELB_5XX_Count"]["dimensions"] == {"LoadBalancer": alb}
    suffix = run.outputs["environmentSuffix"]
    assert found["CPUUtilization"]["dimensions"] == {
        "ClusterName": f"tap-cluster-{suffix}", "ServiceName": f"tap-app-{suffix}"
    }  # fmt: skip
    assert found["DatabaseConnections"]["dimensions"] == {"DBClusterIdentifier": f"tap-db-{suffix}"}
    cache = sorted(
        a.inputs["dimensions"]["CacheClusterId"]
        for a in run.of_type(ALARM)
        if a.inputs["metricName"] == "Evictions"
    )
    assert cache[0] == f"tap-cache-{suffix}-001"


def test_cache_alarms_watch_every_node_since_any_may_become_primary(any_run) -> None:
    """Metrics are per node; after a failover the primary is another node."""
    group = any_run.one("aws:elasticache/replicationGroup:ReplicationGroup").inputs
    count = int(group["numCacheClusters"])
    nodes = [f"{group['replicationGroupId']}-{n:03d}" for n in range(1, count + 1)]
    for metric in ("EngineCPUUtilization", "DatabaseMemoryUsagePercentage", "Evictions"):
        watched = [a.inputs["dimensions"]["CacheClusterId"] for a in any_run.of_type(ALARM)
                   if a.inputs["metricName"] == metric]  # fmt: skip
        assert sorted(watched) == nodes, metric


def test_email_subscription_only_when_configured(dev, every_option) -> None:
    assert dev.of_type("aws:sns/topicSubscription:TopicSubscription") == []
    subscription = every_option.one("aws:sns/topicSubscription:TopicSubscription").inputs
    assert (subscription["protocol"], subscription["endpoint"]) == ("email", "oncall@example.com")


def test_dashboard_has_one_row_per_tier_of_the_architecture(any_run) -> None:
    body = json.loads(any_run.one("aws:cloudwatch/dashboard:Dashboard").inputs["dashboardBody"])
    rows: dict[int, set[str]] = {}
    for widget in body["widgets"]:
        rows.setdefault(widget["y"], set()).add(widget["properties"]["title"].split(":")[0])
        assert widget["properties"]["region"] == any_run.outputs["region"]
    assert [rows[y] for y in sorted(rows)] == [{"edge"}, {"compute"}, {"database"}, {"cache"}]
    charted = [
        (namespace, metric, *sorted(zip(dims[::2], dims[1::2], strict=True)))
        for w in body["widgets"]
        for namespace, metric, *dims in w["properties"]["metrics"]
    ]
    alarmed = [
        (a.inputs["namespace"], a.inputs["metricName"], *sorted(a.inputs["dimensions"].items()))
        for a in any_run.of_type(ALARM)
    ]
    assert sorted(charted) == sorted(alarmed)


def test_plain_rds_alarms_watch_the_instance_by_its_identifier(synthesized) -> None:
    """In pulumi-aws v7 an instance's id is its resource id (`db-...`); CloudWatch's
    `DBInstanceIdentifier` is the identifier."""
    run = synthesized["asg-rds"]
    instance = run.one("aws:rds/instance:Instance")
    assert instance.id.startswith("db-")
    watched = {
        a.inputs["dimensions"]["DBInstanceIdentifier"]
        for a in run.of_type(ALARM)
        if a.inputs["namespace"] == "AWS/RDS"
    }
    assert watched == {instance.inputs["identifier"]}


def test_built_alone_it_alarms_on_what_it_is_given_with_default_thresholds() -> None:
    from tap_platform.observability import Observability, ObservabilityArgs
    from tapsim.alone import KEY_ARN, NAMER, build_alone

    args = ObservabilityArgs(
        namer=NAMER, region="us-east-1", kms_key_arn=KEY_ARN,
        load_balancer={"LoadBalancer": "app/demo/1"},
        target_group={"TargetGroup": "targetgroup/demo/1"}, compute=None, compute_namespace="",
        database=None, cache_nodes=[],
    )  # fmt: skip
    run = build_alone(lambda: Observability("observability", args))
    assert run.one("aws:sns/topic:Topic").inputs["kmsMasterKeyId"] == KEY_ARN
    found = alarms(run)
    assert set(found) == {"HTTPCode_ELB_5XX_Count", "HTTPCode_Target_5XX_Count",
                          "TargetResponseTime", "UnHealthyHostCount"}  # fmt: skip
    assert found["HTTPCode_ELB_5XX_Count"]["threshold"] == 20
    assert found["TargetResponseTime"]["evaluationPeriods"] == 5
