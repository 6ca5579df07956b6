"""What is left of a stack after a destroy, found by its suffix alone (`Discovered.remaining`).

The teardown tests and `make local` call it after destroying; empty means nothing was left.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tapsim.discovery import _exists

if TYPE_CHECKING:
    from tapsim.discovery import Discovered


def remaining(stack: Discovered) -> list[str]:
    """Everything of the stack that still exists."""
    return _runtime_and_data(stack) + _delivery_and_alarms(stack)


def _runtime_and_data(stack: Discovered) -> list[str]:
    ec2, elbv2 = stack.client("ec2"), stack.client("elbv2")
    found = [f"vpc {v['VpcId']}" for v in ec2.describe_vpcs(Filters=stack._tag_filter)["Vpcs"]]
    addresses = ec2.describe_addresses(Filters=stack._tag_filter)["Addresses"]
    found += [f"elastic ip {a['AllocationId']}" for a in addresses]
    named = {
        "load balancer": lambda: elbv2.describe_load_balancers(Names=[stack.name("alb")]),
        "target group (ip)": lambda: elbv2.describe_target_groups(Names=[stack.name("ip")]),
        "target group (instance)": lambda: elbv2.describe_target_groups(Names=[stack.name("ec2")]),
        "role": lambda: stack.client("iam").get_role(RoleName=stack.role_name("exec")),
        "service-linked role": lambda: stack.client("iam").get_role(
            RoleName=stack.autoscaling_role_name
        ),
    }
    found += [kind for kind, probe in named.items() if _exists(probe)]
    clusters = stack.client("ecs").describe_clusters(clusters=[stack.name("cluster")])
    found += [
        f"cluster {c['clusterName']}" for c in clusters["clusters"] if c["status"] == "ACTIVE"
    ]
    found += [f"log group {g['logGroupName']}" for g in stack._describe_log_groups()]
    found += [f"db cluster {c['DBClusterIdentifier']}" for c in stack.db_clusters]
    found += [f"db instance {i['DBInstanceIdentifier']}" for i in stack.db_instances]
    found += [f"bucket {name}" for name in stack.buckets.values()]
    listed = stack.client("secretsmanager").list_secrets(
        Filters=[{"Key": "name", "Values": [f"{stack.project}/{stack.suffix}/"]}]
    )["SecretList"]
    found += [f"secret {s['Name']}" for s in listed if "DeletedDate" not in s]
    groups = stack.client("elasticache").describe_replication_groups()["ReplicationGroups"]
    found += [
        f"replication group {g['ReplicationGroupId']}"
        for g in groups
        if g["ReplicationGroupId"] == stack.name("cache") and g["Status"] != "deleting"
    ]
    found += [f"auto scaling group {g['AutoScalingGroupName']}" for g in stack.auto_scaling_groups]
    return found


def _delivery_and_alarms(stack: Discovered) -> list[str]:
    found = [f"alarm {a['AlarmName']}" for a in stack.alarms]
    pipelines = stack.client("codepipeline").list_pipelines()["pipelines"]
    found += [f"pipeline {p['name']}" for p in pipelines if p["name"] == stack.name("pipeline")]
    projects = stack.client("codebuild").list_projects()["projects"]
    acls = stack.client("wafv2").list_web_acls(Scope="REGIONAL")["WebACLs"]
    found += [f"web ACL {a['Name']}" for a in acls if a["Name"] == stack.name("waf")]
    ours = {stack.name("build"), stack.name("record")}
    found += [f"build project {p}" for p in projects if p in ours]
    repositories = stack.client("ecr").describe_repositories()["repositories"]
    found += [
        f"image repository {r['repositoryName']}"
        for r in repositories
        if r["repositoryName"] == stack.name("app")
    ]
    parameters = stack.client("ssm").get_parameters_by_path(
        Path=stack.release_parameter.rsplit("/", 1)[0]
    )["Parameters"]
    found += [f"parameter {p['Name']}" for p in parameters]
    topics = stack.client("sns").list_topics()["Topics"]
    found += [
        f"topic {t['TopicArn']}"
        for t in topics
        if t["TopicArn"].endswith(f":{stack.name('alarms')}")
    ]
    return found
