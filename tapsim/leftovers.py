"""What is left of a stack after a destroy, found by its suffix alone (`Discovered.remaining`).

The teardown tests and `make local` call it after destroying; empty means nothing was left.
Each kind is found by the name the stack gave it (rebuilt by the same helper) or, where Pulumi
named it, by its tags; every listing is read to its last page.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tap_platform.naming import Service
from tapsim.discovery import SUFFIX_TAG, _exists, tags_of, unless_gone

if TYPE_CHECKING:
    from tapsim.discovery import Discovered

# DescribeTags takes at most 20 load balancing resources (ELB API Reference).
TAGS_PER_CALL = 20


def remaining(stack: Discovered) -> list[str]:
    """Everything of the stack that still exists."""
    return _network_and_runtime(stack) + _data(stack) + _delivery_and_alarms(stack)


def _network_and_runtime(stack: Discovered) -> list[str]:
    ec2, elbv2 = stack.client("ec2"), stack.client("elbv2")
    vpcs = stack.every("ec2", "describe_vpcs", "Vpcs", Filters=stack._tag_filter)
    found = [f"vpc {v['VpcId']}" for v in vpcs]
    addresses = ec2.describe_addresses(Filters=stack._tag_filter)["Addresses"]
    found += [f"elastic ip {a['AllocationId']}" for a in addresses]
    alb = stack.name("alb", Service.ALB)
    named = {
        "load balancer": lambda: elbv2.describe_load_balancers(Names=[alb]),
        "role": lambda: stack.client("iam").get_role(RoleName=stack.role_name("exec")),
        "service-linked role": lambda: stack.client("iam").get_role(
            RoleName=stack.autoscaling_role_name
        ),
    }
    found += [kind for kind, probe in named.items() if _exists(probe)]
    found += [f"target group {arn}" for arn in _target_groups(stack)]
    cluster = stack.name("cluster", Service.ECS)
    clusters = stack.client("ecs").describe_clusters(clusters=[cluster])["clusters"]
    found += [f"cluster {c['clusterName']}" for c in clusters if c["status"] == "ACTIVE"]
    found += [f"auto scaling group {g['AutoScalingGroupName']}" for g in stack.auto_scaling_groups]
    found += [f"log group {g['logGroupName']}" for g in stack._describe_log_groups()]
    return found


def _target_groups(stack: Discovered) -> list[str]:
    """Target groups are named by Pulumi, so they are the stack's by their tags."""
    elbv2 = stack.client("elbv2")
    arns = [
        g["TargetGroupArn"] for g in stack.every("elbv2", "describe_target_groups", "TargetGroups")
    ]
    ours = []
    for start in range(0, len(arns), TAGS_PER_CALL):
        described = elbv2.describe_tags(ResourceArns=arns[start : start + TAGS_PER_CALL])
        for entry in described["TagDescriptions"]:
            tags = tags_of(entry)
            if tags.get(SUFFIX_TAG) == stack.suffix and tags.get("Project") == stack.project:
                ours.append(entry["ResourceArn"])
    return ours


def _data(stack: Discovered) -> list[str]:
    found = [f"db cluster {c['DBClusterIdentifier']}" for c in stack.db_clusters]
    found += [f"db instance {i['DBInstanceIdentifier']}" for i in stack.db_instances]
    found += [f"bucket {name}" for name in stack.buckets.values()]
    prefix = [{"Key": "name", "Values": [stack.namer.secret("")]}]
    listed = stack.every("secretsmanager", "list_secrets", "SecretList", Filters=prefix)
    found += [f"secret {s['Name']}" for s in listed if "DeletedDate" not in s]
    group = stack.name("cache", Service.ELASTICACHE)
    cache = stack.client("elasticache")
    groups = unless_gone(
        lambda: cache.describe_replication_groups(ReplicationGroupId=group)["ReplicationGroups"]
    )
    found += [f"replication group {group}" for g in groups if g["Status"] != "deleting"]
    return found


def _delivery_and_alarms(stack: Discovered) -> list[str]:
    found = [f"alarm {a['AlarmName']}" for a in stack.alarms]
    pipeline = stack.name("pipeline", Service.PIPELINE)
    codepipeline = stack.client("codepipeline")
    found += (
        [f"pipeline {pipeline}"]
        if _exists(lambda: codepipeline.get_pipeline(name=pipeline))
        else []
    )
    projects = [stack.name(role, Service.BUILD_PROJECT) for role in ("build", "record")]
    built = stack.client("codebuild").batch_get_projects(names=projects)["projects"]
    found += [f"build project {p['name']}" for p in built]
    acl = stack.name("waf", Service.WEB_ACL)
    found += [f"web ACL {a['Name']}" for a in _web_acls(stack) if a["Name"] == acl]
    repository = stack.name("app", Service.ECR)
    ecr = stack.client("ecr")
    if _exists(lambda: ecr.describe_repositories(repositoryNames=[repository])):
        found.append(f"image repository {repository}")
    path = stack.namer.parameter("app")
    parameters = stack.every("ssm", "get_parameters_by_path", "Parameters", Path=path)
    found += [f"parameter {p['Name']}" for p in parameters]
    topic = stack.name("alarms", Service.TOPIC)
    topics = stack.every("sns", "list_topics", "Topics")
    found += [f"topic {t['TopicArn']}" for t in topics if t["TopicArn"].endswith(f":{topic}")]
    return found


def _web_acls(stack: Discovered) -> list[dict]:
    """Every regional web ACL, page by page: WAFV2 has no paginator, only `NextMarker`."""
    wafv2, found, marker = stack.client("wafv2"), [], None
    while True:
        page = wafv2.list_web_acls(Scope="REGIONAL", **({"NextMarker": marker} if marker else {}))
        found += page["WebACLs"]
        marker = page.get("NextMarker")
        if not marker or not page["WebACLs"]:
            return found
