"""Day 2 in the emulator: later `pulumi up`s of the session's dev stack, each applied as the
engine would (keep, update, replace, create, delete) with moto enforcing names and use.
They run after every other test of the stack and before its teardown, which destroys what
they leave."""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager

import boto3
import botocore.session
import pytest

from tap_platform.ops.cache_token import Targets, rotate
from tapsim.emulator.core import EmulatorError
from tapsim.emulator.elasticache import AuthTokens
from tapsim.emulator.registry import UPDATERS
from tapsim.emulator.update import refresh, update
from tapsim.routing import route
from tests.integration.conftest import TARGET

pytestmark = pytest.mark.skipif(TARGET != "emulator", reason="played in the emulator only")
TARGETS = ("dev",)
IMAGE = "public.ecr.aws/docker/library/python:3.13-alpine"
TASK = "aws:ecs/taskDefinition:TaskDefinition"
CLUSTER = "aws:rds/cluster:Cluster"
PARAMETER = "aws:ssm/parameter:Parameter"
DELIVERED = "111122223333.dkr.ecr.us-east-1.amazonaws.com/app:42"
SERVICE = "aws:ecs/service:Service"
ASG_GROUP = "aws:autoscaling/group:Group"
TARGET_GROUP = "aws:lb/targetGroup:TargetGroup"
RULE = "aws:lb/listenerRule:ListenerRule"
ECS_RULE = RULE  # the rule the update deletes: ECS's


def served(deployment) -> dict[str, str]:
    """Which target type the load balancer sends a request for `/` to, as its rules route it
    now, and whether an Auto Scaling group is attached to that target group."""
    cloud, region = deployment.cloud, deployment.region
    elbv2 = cloud.client("elbv2", region)
    (alb,) = [c for c in cloud.created if c.type == "aws:lb/loadBalancer:LoadBalancer"]
    listeners = elbv2.describe_listeners(LoadBalancerArn=alb.id)["Listeners"]
    (forwarding,) = [x for x in listeners if x["DefaultActions"][0]["Type"] == "forward"]
    rules = elbv2.describe_rules(ListenerArn=forwarding["ListenerArn"])["Rules"]
    arn = route(rules, "app.example.com", "/")["TargetGroupArn"]
    (group,) = elbv2.describe_target_groups(TargetGroupArns=[arn])["TargetGroups"]
    scaling = cloud.client("autoscaling", region).describe_auto_scaling_groups()
    attached = any(arn in g["TargetGroupARNs"] for g in scaling["AutoScalingGroups"])
    found = {"type": group["TargetType"]}
    return {**found, "group": "attached"} if attached else found


def changes(steps) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for action, typ, _name in steps:
        if action != "keep":
            found.setdefault(action, set()).add(typ)
    return found


def test_a_new_first_image_is_planned_as_the_update_applies_it_ignored(target, capsys):
    """`make local UPDATE=tap:service.image=...` on a deployed stack: the plan reads the
    image parameter back as the update does, so it shows the new image ignored by design and
    nothing replaced; and it counts the steps the update then takes."""
    from tapsim.local import apply_update

    new = {"tap:service": {"image": "public.ecr.aws/nginx/nginx:1.27"}}
    target.deployment = apply_update(target.deployment, {}, new)
    out = capsys.readouterr().out
    planned = re.search(r"^Plan: (.*)$", out, re.MULTILINE)
    applied = re.search(r"^Applied: (.*)$", out, re.MULTILINE)
    assert planned, out
    assert applied, out
    assert re.fullmatch(r"\d+ to keep", planned[1]), planned[1]
    assert applied[1] == planned[1]
    assert re.search(r"^  ignored  release-image insecureValue: .* -> .*nginx:1\.27", out, re.M)
    # The stack is checked again as it is after the update, and the time is the update's.
    smoke = out.split("Smoke check, after the update:\n", 1)[1].splitlines()
    assert smoke, out
    assert all(line.startswith("  ok ") for line in smoke if line.strip()), smoke
    assert re.search(r"^Update wall time: ", out, re.M)


def test_automatic_minor_upgrades_leave_nothing_to_change(target) -> None:
    """AWS moves the cluster to a newer minor version in a maintenance window. The stack
    gives a major version, so a refresh reads back no change; a pinned older minor version
    would be a downgrade, which AWS refuses."""
    deployment = target.deployment
    cluster = next(c for c in deployment.cloud.created if c.type == CLUSTER)
    major = cluster.inputs["engineVersion"]
    assert "." not in major
    rds = deployment.cloud.client("rds", deployment.region)
    rds.modify_db_cluster(
        DBClusterIdentifier=cluster.id, EngineVersion=f"{major}.6", ApplyImmediately=True
    )
    assert refresh(deployment) == {}

    context = deployment.cloud.context(deployment.region, cluster.name)
    with pytest.raises(EmulatorError, match=f"Cannot upgrade aurora-postgresql from {major}.6"):
        UPDATERS[CLUSTER](context, cluster.id, {**cluster.inputs, "engineVersion": f"{major}.4"})


def test_the_cache_token_rotates_with_no_client_refused_and_a_later_up_keeps_it(target):
    """`make rotate-cache-token` against the emulator: ROTATE, the secret, a new ECS
    deployment while both tokens are accepted, then SET; the next `pulumi up` changes
    nothing and the new token stays."""
    deployment = target.deployment
    targets = Targets.of("tap", deployment.suffix)
    store = deployment.cloud.client("secretsmanager", deployment.region)
    seed = json.loads(store.get_secret_value(SecretId=targets.secret_id)["SecretString"])["token"]
    tokens, calls = AuthTokens(), []
    tokens.seed(targets.group_id, seed)

    def clients(service: str):
        """The operator's own clients, as `make rotate-cache-token` makes them: from the
        environment, which the session's emulator fixture points at the emulator."""
        client = boto3.client(service, region_name=deployment.region)
        if service == "elasticache":
            tokens.attach(client)

        def record(model, params, **_):
            if not model.name.startswith(("Describe", "List", "Get")):
                accepted = set(tokens.accepted[targets.group_id])
                detail = params.get("AuthTokenUpdateStrategy") or params.get("VersionStage")
                calls.append((model.name, detail, accepted))

        client.meta.events.register("provide-client-params", record)
        return client

    ecs = deployment.cloud.client("ecs", deployment.region)
    before = ecs.describe_services(cluster=targets.cluster, services=[targets.service])
    token = rotate(clients, targets, poll=0, timeout=5, say=lambda _: None)

    assert token != seed
    assert [(name, detail) for name, detail, _ in calls] == [
        ("PutSecretValue", None),  # as AWSPENDING, before anything changes
        ("ModifyReplicationGroup", "ROTATE"),
        ("UpdateSecretVersionStage", "AWSCURRENT"),
        ("UpdateService", None),
        ("UpdateSecretVersionStage", "AWSPENDING"),  # the label goes
        ("ModifyReplicationGroup", "SET"),
    ]
    restarted_with = calls[3][2]
    assert restarted_with == {seed, token}, "the app restarts while both tokens are accepted"
    assert tokens.accepted[targets.group_id] == [token]
    (after,) = ecs.describe_services(cluster=targets.cluster, services=[targets.service])[
        "services"
    ]
    assert after["deployments"][0]["id"] != before["services"][0]["deployments"][0]["id"]

    steps, deployment = update(deployment)
    assert changes(steps) == {}, "Pulumi leaves the rotated token alone"
    # By label: moto's unlabelled read keeps the version current before a stage move.
    value = store.get_secret_value(SecretId=targets.secret_id, VersionStage="AWSCURRENT")
    assert json.loads(value["SecretString"]) == {"token": token}
    versions = store.list_secret_version_ids(SecretId=targets.secret_id)["Versions"]
    assert not [v for v in versions if "AWSPENDING" in v["VersionStages"]]
    target.deployment = deployment


@contextmanager
def clients_made() -> Iterator[list[str]]:
    """The services of the boto3 clients made meanwhile."""
    made: list[str] = []
    create = botocore.session.Session.create_client

    def counted(self, service_name, *args, **kwargs):
        made.append(service_name)
        return create(self, service_name, *args, **kwargs)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(botocore.session.Session, "create_client", counted)
        yield made


def test_later_ups_change_what_they_should_and_keep_the_rest(target) -> None:
    deployment = target.deployment
    service = {"image": IMAGE}

    assert refresh(deployment) == {}, "what AWS reads back must equal what was declared"
    with clients_made() as made:
        steps, deployment = update(deployment)
    assert changes(steps) == {}, "the same program twice must change nothing"
    # Making a boto3 client costs about ten milliseconds of CPU: a later `pulumi up` calls
    # AWS through the clients the deployments before it made.
    assert made == []

    # The pipeline delivers: its last stage records the image it deployed.
    parameter = next(c for c in deployment.cloud.created if c.type == PARAMETER)
    ssm = deployment.cloud.client("ssm", deployment.region)
    ssm.put_parameter(Name=parameter.id, Value=DELIVERED, Overwrite=True)

    service = {**service, "environment": {"FEATURE": "on"}, "cpu": 512, "memory": 1024}
    steps, deployment = update(deployment, config={"tap:service": service})
    # The build builds its own image, so a new first image leaves the pipeline as it is.
    assert changes(steps) == {"replace": {TASK}, "update": {"aws:ecs/service:Service"}}
    task = next(c for c in deployment.cloud.created if c.type == TASK)
    assert json.loads(task.inputs["containerDefinitions"])[0]["image"] == DELIVERED
    assert ssm.get_parameter(Name=parameter.id)["Parameter"]["Value"] == DELIVERED

    served_when: dict[str, dict[str, str]] = {}

    def before_delete(item) -> None:
        if item.type in (SERVICE, ECS_RULE):
            served_when[item.type] = served(deployment)

    asg = {"tap:service": service, "tap:compute": "asg"}
    steps, deployment = update(deployment, config=asg, before_delete=before_delete)
    switched = changes(steps)
    assert {TARGET_GROUP, ASG_GROUP, RULE} <= switched["create"]
    assert {TARGET_GROUP, SERVICE, RULE} <= switched["delete"]
    # The new rule comes once the group is made (when its instances pass the checks), and
    # the old runtime keeps every request until its rule goes, before the old runtime.
    order = [(action, name) for action, _typ, name in steps]
    assert order.index(("create", "app-group")) < order.index(("create", "edge-app-instance"))
    assert served_when[ECS_RULE]["type"] == "ip", "ECS serves until its rule goes"
    assert served_when[SERVICE] == {"type": "instance", "group": "attached"}
    kept = {typ for action, typ, name in steps if action == "keep" and name == "app-logs-group"}
    assert kept == {"aws:cloudwatch/logGroup:LogGroup"}
    assert Counter(a for a, _, _ in steps)["keep"] > 80
    target.deployment = deployment  # the switch back is planned in the unit suite


def test_a_change_left_to_the_maintenance_window_shows_again_until_it_is_applied(target):
    """With `applyImmediately` false, AWS keeps the running node type until the window
    and the provider reads it back: the next `pulumi up` updates it again. With true (the
    default), the next `pulumi up` has nothing left to do."""
    deployment = target.deployment
    group = "aws:elasticache/replicationGroup:ReplicationGroup"
    waiting = {"tap:cache": {"nodeType": "cache.t4g.small", "applyImmediately": False}}
    for _ in range(2):
        steps, deployment = update(deployment, config=waiting)
        assert group in changes(steps).get("update", set())
    now = {"tap:cache": {"nodeType": "cache.t4g.small"}}
    steps, deployment = update(deployment, config=now)
    assert group in changes(steps)["update"]
    steps, deployment = update(deployment, config=now)
    assert group not in changes(steps).get("update", set())
    target.deployment = deployment


def test_a_new_database_engine_in_dev_is_planned_then_made_beside_nothing(target, capsys):
    """`make local UPDATE=tap:database.engine=aurora-mysql`: the plan first (each changed
    input), then the emulator deletes the cluster's instances and the cluster before making
    them again under the same identifiers, as Pulumi does for a delete-before-replace; AWS
    removes the old cluster's automated backups with it."""
    from tapsim.local import apply_update

    deployment = target.deployment
    mysql = {"tap:database": {"engine": "aurora-mysql"}}
    deployment = apply_update(deployment, {}, mysql)
    out = capsys.readouterr().out
    assert "      engine: aurora-postgresql -> aurora-mysql" in out
    assert re.search(r"^Applied: .*replace", out, re.MULTILINE)
    rds = deployment.cloud.client("rds", deployment.region)
    (cluster,) = [c for c in deployment.cloud.created if c.type == CLUSTER]
    (found,) = rds.describe_db_clusters(DBClusterIdentifier=cluster.id)["DBClusters"]
    assert found["Engine"] == "aurora-mysql"
    target.deployment = deployment
