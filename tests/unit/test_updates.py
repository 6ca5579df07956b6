"""Day 2: what a later `pulumi up` does to each stack, planned by diffing the deployed run
with the program's new run, as the engine does (`tapsim.plan`)."""

from __future__ import annotations

import pytest

from tapsim.alone import data_tier
from tapsim.emulator.registry import FORCE_NEW, PENDING
from tapsim.examples import load
from tapsim.plan import plan
from tests.conftest import synth

ASG = load("asg").config

TASK = "aws:ecs/taskDefinition:TaskDefinition"
SERVICE = "aws:ecs/service:Service"


def change(stack: str, config: dict, *, base: dict | None = None, build=synth):
    """The plan of `config` over the stack file (and `base`), for the whole stack."""
    new = {**(base or {}), **config}
    return plan(build(stack, config=base), build(stack, config=new), FORCE_NEW, PENDING)


def change_data(stack: str, config: dict, *, base: dict | None = None):
    """The same plan for a change that stays in the data tier, on the stack's database and
    cache alone (`tapsim.alone.data_tier`): what the stack maps from its settings, without
    the rest it would synthesize again unchanged."""
    return change(stack, config, base=base, build=data_tier)


@pytest.mark.parametrize("name", ["dev", "prod", "dev-asg", "prod-asg"])
def test_the_same_program_twice_changes_nothing(synthesized, name) -> None:
    run = synthesized[name]
    assert plan(run, run, FORCE_NEW).changes == []


def test_the_scaled_desired_count_is_left_to_autoscaling(dev) -> None:
    """`ignoreChanges` on desiredCount: the scaler owns it after creation."""
    service = dev.one(SERVICE)
    assert "desiredCount" in service.ignore_changes


# Ordinary changes, each on top of the stack file: none may replace or delete what prod
# protects (its data), and each changes only what it should.
SCENARIOS = {
    # A new `tap:service.image` is not among them: once deployed, the image that runs is the
    # one the image parameter holds (`lib/tap_platform/release.py`), and that stays.
    "new variable and size": {
        "tap:service": {
            "environment": {"FEATURE": "on"},
            "cpu": 2048,
            "memory": 4096,
        }
    },
    # Independent of each other, so planned at once: tier defaults (health-check interval,
    # log retention), the database port and a major upgrade, the cache node type, and
    # another name for the app (a new certificate, validated, behind the same listener).
    "settings of every tier": {
        "tap:loadBalancer": {"healthCheckIntervalSeconds": 20},
        "tap:service": {"logRetentionDays": 90},
        "tap:database": {"port": 5433, "engineVersion": "17.4"},
        "tap:cache": {"nodeType": "cache.t4g.medium"},
        "tap:domain": {"name": "www.example.com", "zone": "example.com"},
    },
    "ecs to asg": ASG,
}


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_prod_keeps_its_data_through_ordinary_changes(scenario) -> None:
    planned = change("prod", SCENARIOS[scenario])
    assert planned.refused == []
    assert planned.changes


def test_a_new_variable_and_size_replace_the_task_definition_and_move_the_service() -> None:
    planned = change("prod", SCENARIOS["new variable and size"])
    assert {s.type for s in planned.of("replace")} == {TASK}
    assert SERVICE in {s.type for s in planned.of("update")}
    assert planned.of("delete") == []


def test_switching_back_from_asg_to_ecs_keeps_the_data_tier() -> None:
    planned = plan(synth("prod", config=ASG), synth("prod"), FORCE_NEW)
    assert planned.refused == []
    untouched = {s.type for s in planned.of("keep")}
    assert {"aws:rds/cluster:Cluster", "aws:s3/bucket:Bucket"} <= untouched
    (key,) = [s for s in planned.steps if s.type == "aws:kms/key:Key"]
    assert (key.action, key.changed) == ("update", ("policy",))  # the Auto Scaling role leaves


def test_a_major_upgrade_makes_the_new_parameter_group_beside_the_old_one() -> None:
    """The family forces a new group; its name changes with it, so the new group is made
    before the old one goes without a collision."""
    planned = change("prod", SCENARIOS["settings of every tier"])
    (group,) = [s for s in planned.steps if s.type.endswith("ParameterGroup")]
    assert group.action == "replace"
    assert {"family", "name"} <= set(group.changed)
    (cluster,) = [s for s in planned.steps if s.type == "aws:rds/cluster:Cluster"]
    assert cluster.action == "update"


def test_a_new_app_port_replaces_the_target_group_beside_the_old_one() -> None:
    """ELB target groups replace on a new port (terraform-provider-aws, elbv2 target group
    schema: `port` ForceNew). Pulumi makes the new group first and ELB refuses a second group
    of the same name, so the group has no fixed name: the new one is made, the listener moves
    to it, the old one goes. (The same change as the "target port" case below.)"""
    planned = change("prod", {"tap:service": {"port": 9090}})
    (group,) = [s for s in planned.of("replace") if s.type == "aws:lb/targetGroup:TargetGroup"]
    assert "port" in group.changed
    assert planned.refused == []


def test_a_replacement_that_takes_a_new_name_goes_first_or_moves_scope_does_not_collide() -> None:
    from tapsim.plan import _collides
    from tapsim.runner import Registration

    def reg(name: str, *, first: bool = False, typ: str = "t") -> Registration:
        return Registration(urn="u", type=typ, name="n", custom=True, parent="", provider="",
                            protect=False, dependencies=(), inputs={"name": name},
                            delete_before_replace=first)  # fmt: skip

    assert _collides(reg("db-16"), reg("db-16"), ("x",))
    assert not _collides(reg("db-16"), reg("db-17"), ("name",))
    assert not _collides(reg("db-16"), reg("db-16", first=True), ("x",))
    group = "aws:ec2/securityGroup:SecurityGroup"
    assert not _collides(reg("app", typ=group), reg("app", typ=group), ("vpcId",))
    assert _collides(reg("app", typ=group), reg("app", typ=group), ("description",))
    versioning = "aws:s3/bucketVersioning:BucketVersioning"
    assert not _collides(reg("b", typ=versioning), reg("b", typ=versioning), ("x",))


@pytest.mark.parametrize(
    "database",
    [{"databaseName": "orders"}, {"masterUsername": "owner"}],
    ids=["database name", "master user"],
)
def test_what_replaces_the_cluster_is_refused_in_prod(database) -> None:
    """The cluster replaces on a new database name or master user (terraform-provider-aws,
    internal/service/rds/cluster.go, `ForceNew`), which would lose its data: prod protects it,
    so the plan stops, where a dev stack would be replaced."""
    planned = change_data("prod", {"tap:database": database})
    (cluster,) = [s for s in planned.of("replace") if s.type == "aws:rds/cluster:Cluster"]
    assert cluster in planned.refused
    dev = change_data("dev", {"tap:database": database})
    assert [s for s in dev.of("replace") if s.type == "aws:rds/cluster:Cluster"]


GROUP = "aws:elasticache/replicationGroup:ReplicationGroup"
WINDOW = {"applyImmediately": False}


def test_prod_applies_a_new_node_type_at_once_so_no_change_waits_for_the_window() -> None:
    """With ApplyImmediately off, AWS changes the nodes "on the next maintenance reboot"
    (ElastiCache API Reference, ModifyReplicationGroup) and the provider reads the running
    type back, so every `pulumi up` would show the change again. The stack applies it when
    `pulumi up` runs, as CloudFormation does."""
    planned = change_data("prod", {"tap:cache": {"nodeType": "cache.t4g.medium"}})
    (group,) = [s for s in planned.steps if s.type == GROUP]
    assert (group.action, group.changed) == ("update", ("nodeType",))
    assert planned.refused == []


@pytest.mark.parametrize(
    ("section", "change_", "typ"),
    [
        ("tap:cache", {"nodeType": "cache.t4g.medium"}, GROUP),
        ("tap:database", {"engineVersion": "17"}, "aws:rds/cluster:Cluster"),
    ],
    ids=["cache node type", "database engine version"],
)
def test_a_change_left_to_the_maintenance_window_is_refused_saying_how_to_apply_it(
    section, change_, typ
) -> None:
    planned = change_data("prod", {section: {**WINDOW, **change_}}, base={section: WINDOW})
    (step,) = [s for s in planned.steps if s.type == typ]
    assert step.action == "update"
    assert step in planned.refused
    assert "applyImmediately" in planned.why(step)


CLUSTER = "aws:rds/cluster:Cluster"
TARGET_GROUP = "aws:lb/targetGroup:TargetGroup"
VALKEY = {"engine": "valkey", "engineVersion": "8.0"}
PROD_NETWORK = {"cidr": "10.30.0.0/16"}

# Changes on prod, each with what the provider plans for the resource that matters
# (tapsim/data/force_new.json, from terraform-provider-aws's Go source) and whether
# `pulumi up` stops. A change that reaches past the data tier (the app's port), or that
# another test plans on the whole stack too (the database name), is planned on the whole
# stack; the rest on its data tier. (The database port reaches the app as well: the whole
# stack plans it in the "settings of every tier" scenario above, refusing nothing.)
WHOLE, DATA = change, change_data
PROD_CHANGES = {
    # cluster.go: database_name and master_username are ForceNew; prod protects its data.
    "database name": (WHOLE, {"tap:database": {"databaseName": "orders"}}, None, CLUSTER,
                      "replace", True),
    "master user": (DATA, {"tap:database": {"masterUsername": "owner"}}, None, CLUSTER,
                    "replace", True),
    # port is not ForceNew: ModifyDBCluster changes it in place.
    "database port": (DATA, {"tap:database": {"port": 5433}}, None, CLUSTER, "update", False),
    # replication_group.go CustomizeDiff: an engine change replaces, except Redis to Valkey.
    "cache engine to valkey": (DATA, {"tap:cache": VALKEY}, None, GROUP, "update", False),
    "cache engine back to redis": (
        DATA, {"tap:cache": {"engine": "redis", "engineVersion": "7.1"}},
        {"tap:cache": VALKEY}, GROUP, "replace", True,
    ),
    # ... and an engine version that goes down replaces.
    "cache version down": (DATA, {"tap:cache": {"engineVersion": "6.2"}}, None, GROUP,
                           "replace", True),
    # target_group.go: port is ForceNew; the group has no fixed name, so no collision.
    "target port": (WHOLE, {"tap:service": {"port": 9090}}, None, TARGET_GROUP, "replace",
                    False),
}  # fmt: skip


@pytest.mark.parametrize("case", PROD_CHANGES)
def test_prod_changes_plan_as_the_provider_plans_them(case) -> None:
    planner, config, base, typ, action, stops = PROD_CHANGES[case]
    planned = planner("prod", config, base=base)
    (step,) = [s for s in planned.steps if s.type == typ]
    assert step.action == action
    assert (step in planned.refused) is stops
    unprotected = [s for s in planned.steps if s.urn not in planned.protected]
    assert [s for s in unprotected if s.urn in planned.collisions] == []


@pytest.mark.parametrize(
    "config",
    [{"tap:database": {"databaseName": "orders"}}, SCENARIOS["settings of every tier"]],
    ids=["database name", "settings of every tier"],
)
def test_a_data_tier_change_plans_alone_as_in_the_whole_stack(config) -> None:
    """What the data tier alone plans for a change is what the whole stack plans for its
    database and cache, refusals included: the shortcut the cases above take leaves nothing
    out. (Both changes are planned on the whole stack by other tests too.)"""
    whole, alone = change("prod", config), change_data("prod", config)

    def data_steps(planned) -> set[tuple[str, str, str, tuple[str, ...], bool]]:
        return {
            (s.type, s.urn.rsplit("::", 1)[1], s.action, s.changed, s in planned.refused)
            for s in planned.steps
            if s.type.startswith(("aws:rds/", "aws:elasticache/"))
        }

    assert data_steps(alone) == data_steps(whole)
    assert [s for s in alone.changes if s.type.startswith(("aws:rds/", "aws:elasticache/"))]
    assert {s.type for s in alone.refused} == {s.type for s in whole.refused}


def test_another_az_on_prod_adds_subnets_and_replaces_nothing() -> None:
    """Subnets are added beside the others, and the database, cache and load balancer take
    them in place; the cluster does not list AZs (a ForceNew input) but takes a subnet
    group."""
    planned = change("prod", {"tap:network": {**PROD_NETWORK, "azCount": 4}})
    assert planned.of("replace") == []
    assert planned.refused == []
    assert {s.type for s in planned.of("create")} >= {"aws:ec2/subnet:Subnet"}
    assert {"aws:rds/subnetGroup:SubnetGroup", "aws:lb/loadBalancer:LoadBalancer"} <= {
        s.type for s in planned.of("update")
    }


def test_a_new_database_name_in_dev_deletes_the_old_cluster_first() -> None:
    """Unprotected, the cluster and its instances are deleted before their replacements,
    which take the same identifiers: no collision, and nothing refused."""
    planned = change_data("dev", {"tap:database": {"databaseName": "orders"}})
    replaced = {s.type for s in planned.of("replace")}
    assert {CLUSTER, "aws:rds/clusterInstance:ClusterInstance"} <= replaced
    assert planned.refused == []


def test_a_replacement_changes_only_what_holds_its_id_or_arn() -> None:
    """The cluster's identifier is also the name of the database's security group and
    subnet group; neither refers to the cluster, so neither changes with it."""
    planned = change_data("prod", {"tap:database": {"masterUsername": "owner"}})
    changed = {s.type for s in planned.changes}
    assert "aws:ec2/securityGroup:SecurityGroup" not in changed
    assert "aws:rds/subnetGroup:SubnetGroup" not in changed
    assert "aws:rds/clusterInstance:ClusterInstance" in changed


RULE = "aws:lb/listenerRule:ListenerRule"


def test_switching_the_runtime_sends_requests_to_it_only_once_it_is_ready(synthesized) -> None:
    """Each runtime has its own target group and rule. The new rule waits for the new
    runtime (steady ECS tasks, or `minElbCapacity` healthy instances) and, made later, comes
    after the old rule, which Pulumi deletes before the old runtime: the old runtime serves
    until the new one does. Proven step by step in the emulator (integration suite)."""
    ecs, asg = synthesized["prod"], synthesized["prod-asg"]
    service, group = ecs.one(SERVICE), asg.one("aws:autoscaling/group:Group")
    assert service.inputs["waitForSteadyState"] is True
    assert group.inputs["minElbCapacity"] == group.inputs["minSize"]
    for run, compute, key in ((ecs, service, "ip"), (asg, group, "instance")):
        rule = run.one(RULE, f"edge-app-{key}")
        assert compute.urn in rule.dependencies
        assert rule.urn not in compute.dependencies
        assert rule.inputs["conditions"] == [{"pathPattern": {"values": ["/*"]}}]
    planned = plan(ecs, asg, FORCE_NEW, PENDING)
    groups = [s.action for s in planned.steps if s.type == "aws:lb/targetGroup:TargetGroup"]
    assert sorted(groups) == ["create", "delete"]
    assert planned.refused == []


def test_a_reference_is_the_whole_id_or_an_arn_anywhere() -> None:
    from tapsim.plan import refers

    ids = {"tap-db-dev", "arn:aws:rds:us-east-1:111122223333:cluster:tap-db-dev"}
    assert refers({"clusterIdentifier": "tap-db-dev"}, ids)
    assert refers('{"Resource": "arn:aws:rds:us-east-1:111122223333:cluster:tap-db-dev"}', ids)
    assert not refers({"name": "/aws/rds/cluster/tap-db-dev/postgresql"}, ids)
