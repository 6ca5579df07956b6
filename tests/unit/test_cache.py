"""Cache: TLS required, AUTH from a generated secret that a procedure rotates, encrypted at
rest, failover per tier."""

from __future__ import annotations

import json
import string

import pytest

from lib.secrets import AUTH_TOKEN_SPECIALS
from ops.cache_token import RotationError, Targets, new_token, rotate
from tapsim.emulator.core import EmulatorError
from tapsim.emulator.elasticache import AUTH_TOKEN, AuthTokens

GROUP = "aws:elasticache/replicationGroup:ReplicationGroup"
SECRET = "aws:secretsmanager/secret:Secret"
VERSION = "aws:secretsmanager/secretVersion:SecretVersion"


def test_transit_and_rest_encryption(run) -> None:
    group = run.one(GROUP).inputs
    assert group["transitEncryptionEnabled"] is True
    assert group["transitEncryptionMode"] == "required"
    assert group["atRestEncryptionEnabled"] is True
    assert group["kmsKeyId"] == run.outputs["kmsKeyArn"]


def test_auth_token_is_generated_with_valid_characters_and_rotates_explicitly(run) -> None:
    group = run.one(GROUP).inputs
    token = next(
        r for r in run.resources if r.type == "random:index/randomPassword:RandomPassword"
        and r.name.endswith("auth-token")
    )  # fmt: skip
    assert group["authToken"] == token.state["result"]
    assert group["authTokenUpdateStrategy"] == "ROTATE"
    assert 16 <= token.inputs["length"] <= 128
    assert set(token.inputs["overrideSpecial"]) <= set(AUTH_TOKEN_SPECIALS)


def test_auth_secret_is_encrypted_with_the_stack_key(run) -> None:
    secret = next(
        s for s in run.of_type("aws:secretsmanager/secret:Secret")
        if s.inputs["name"].endswith("/cache-auth")
    )  # fmt: skip
    assert secret.inputs["kmsKeyId"] == run.outputs["kmsKeyArn"]
    (version,) = [
        v for v in run.of_type("aws:secretsmanager/secretVersion:SecretVersion")
        if v.inputs["secretId"] == secret.id
    ]  # fmt: skip
    assert set(json.loads(version.inputs["secretString"])) == {"token"}


@pytest.mark.parametrize(
    ("stack", "nodes", "failover", "snapshots"),
    [("dev", 1, False, 0), ("staging", 2, True, 1), ("prod", 3, True, 7)],
)
def test_replicas_failover_and_snapshots_per_tier(synthesized, stack, nodes, failover, snapshots):
    group = synthesized[stack].one(GROUP).inputs
    assert group["numCacheClusters"] == nodes
    assert group["automaticFailoverEnabled"] is failover
    assert group["multiAzEnabled"] is failover
    assert group["snapshotRetentionLimit"] == snapshots


def test_cache_lives_in_the_isolated_subnets(run) -> None:
    subnets = run.one("aws:elasticache/subnetGroup:SubnetGroup").inputs
    assert sorted(subnets["subnetIds"]) == sorted(run.outputs["isolatedSubnetIds"])
    assert run.one(GROUP).inputs["subnetGroupName"] == subnets["name"]


def test_slow_log_goes_to_an_encrypted_expiring_log_group(run) -> None:
    (delivery,) = run.one(GROUP).inputs["logDeliveryConfigurations"]
    assert (delivery["logType"], delivery["destinationType"]) == ("slow-log", "cloudwatch-logs")
    group = next(
        g for g in run.of_type("aws:cloudwatch/logGroup:LogGroup")
        if g.inputs["name"] == delivery["destination"]
    )  # fmt: skip
    assert group.inputs["kmsKeyId"] == run.outputs["kmsKeyArn"]
    assert group.inputs["retentionInDays"] > 0


def test_group_id_fits_elasticache_limits(run) -> None:
    group_id = run.one(GROUP).inputs["replicationGroupId"]
    assert len(group_id) <= 40
    assert group_id == f"tap-cache-{run.outputs['environmentSuffix']}"


# --- the AUTH token after the first deploy: the rotation procedure (ops/cache_token.py) ---


def test_pulumi_seeds_the_token_and_leaves_later_values_to_the_rotation(any_run) -> None:
    """AWS never returns a token, so nothing could show Pulumi a rotation; writing the seed
    back would undo one."""
    assert any_run.one(GROUP).ignore_changes == ("authToken",)
    secret = next(s for s in any_run.of_type(SECRET) if s.inputs["name"].endswith("/cache-auth"))
    (version,) = [v for v in any_run.of_type(VERSION) if v.inputs["secretId"] == secret.id]
    assert version.ignore_changes == ("secretString",)


@pytest.mark.parametrize("name", ["dev", "prod-asg", "custom"])
def test_the_procedure_finds_what_the_stack_named(synthesized, name) -> None:
    run = synthesized[name]
    targets = Targets.of(run.project, run.outputs["environmentSuffix"])
    assert targets.group_id == run.one(GROUP).inputs["replicationGroupId"]
    assert targets.secret_id in [s.inputs["name"] for s in run.of_type(SECRET)]
    if run.of_type("aws:ecs/service:Service"):
        assert targets.service == run.one("aws:ecs/service:Service").inputs["name"]
        assert targets.cluster == run.one("aws:ecs/cluster:Cluster").inputs["name"]
    else:
        group = run.one("aws:autoscaling/group:Group").inputs["name"]
        assert targets.auto_scaling_group == group


def test_new_tokens_keep_elasticaches_rules() -> None:
    for _ in range(50):
        token = new_token()
        assert AUTH_TOKEN.fullmatch(token)
        assert not set(token) - set(string.ascii_letters + string.digits + AUTH_TOKEN_SPECIALS)


class Recorded:
    """boto3 clients reduced to what the procedure calls, answering as AWS does, with the
    tokens the group accepts kept by the emulator's model."""

    def __init__(self, *, ecs: bool, refresh: str = "Successful") -> None:
        self.calls: list[tuple[str, dict]] = []
        self.tokens = AuthTokens()
        self.tokens.seed("g", "Seed-token-0123456789")
        self.secret = {"token": "Seed-token-0123456789"}
        self.ecs, self.refresh = ecs, refresh

    def __call__(self, _service: str) -> Recorded:
        return self

    def __getattr__(self, operation: str):
        def call(**params):
            self.calls.append((operation, params))
            return getattr(self, f"_{operation}", lambda **_: {})(**params)

        return call

    def _describe_replication_groups(self, **_):
        return {"ReplicationGroups": [{"Status": "available"}]}

    def _modify_replication_group(self, **params):
        self.tokens._modify(params)

    def _put_secret_value(self, **params):
        self.secret = json.loads(params["SecretString"])

    def _get_secret_value(self, **_):
        return {"SecretString": json.dumps(self.secret)}

    def _describe_services(self, **_):
        running = [{"id": "d2", "rolloutState": "COMPLETED"}]
        return {"services": [{"status": "ACTIVE", "deployments": running}] if self.ecs else []}

    def _update_service(self, **_):
        return {"service": {"deployments": [{"id": "d2"}]}}

    def _start_instance_refresh(self, **_):
        return {"InstanceRefreshId": "r1"}

    def _describe_instance_refreshes(self, **_):
        return {"InstanceRefreshes": [{"Status": self.refresh}]}

    def names(self) -> list[str]:
        return [name for name, _ in self.calls if not name.startswith(("describe", "get"))]


TARGETS = Targets("g", "tap/x/cache-auth", "c", "s", "a")


def test_on_ec2_the_instances_are_refreshed_between_rotate_and_set() -> None:
    aws = Recorded(ecs=False)
    token = rotate(aws, TARGETS, poll=0, say=lambda _: None)
    assert aws.names() == [
        "modify_replication_group", "put_secret_value", "start_instance_refresh",
        "modify_replication_group",
    ]  # fmt: skip
    assert aws.tokens.accepted["g"] == [token]
    assert aws.secret == {"token": token}


def test_a_failed_restart_stops_before_set_and_resume_finishes_with_the_stored_token() -> None:
    aws = Recorded(ecs=False, refresh="Failed")
    with pytest.raises(RotationError, match="instance refresh Failed"):
        rotate(aws, TARGETS, poll=0, say=lambda _: None)
    stored = aws.secret["token"]
    assert aws.tokens.accepted["g"] == ["Seed-token-0123456789", stored], "both still accepted"

    aws.refresh = "Successful"
    assert rotate(aws, TARGETS, resume=True, poll=0, say=lambda _: None) == stored
    assert aws.tokens.accepted["g"] == [stored]
    assert aws.names()[-2:] == ["start_instance_refresh", "modify_replication_group"]


def test_a_restart_that_never_settles_gives_up(monkeypatch) -> None:
    aws = Recorded(ecs=True)
    monkeypatch.setattr(aws, "_describe_services", lambda **_: {"services": [
        {"status": "ACTIVE", "deployments": [{"id": "d2", "rolloutState": "IN_PROGRESS"}]}
    ]})  # fmt: skip
    with pytest.raises(RotationError, match="gave up waiting for s to run only the new"):
        rotate(aws, TARGETS, poll=0, timeout=0.01, say=lambda _: None)


def test_the_token_model_refuses_what_elasticache_refuses() -> None:
    """The emulator's model, which the emulated rotation relies on, per the ElastiCache
    User Guide: SET only after a ROTATE and with its token, changes applied immediately,
    tokens within the rules, at most two accepted."""
    tokens = AuthTokens()
    tokens.seed("g", "A" * 16)
    change = {"ReplicationGroupId": "g", "ApplyImmediately": True}
    for params, message in (
        ({"AuthToken": "B" * 16, "AuthTokenUpdateStrategy": "SET"}, "SET takes"),
        ({"AuthToken": "B" * 16, "AuthTokenUpdateStrategy": "DELETE"}, "no rotation"),
        ({"AuthToken": "short", "AuthTokenUpdateStrategy": "ROTATE"}, "token rules"),
        ({"AuthToken": "B" * 15 + "@", "AuthTokenUpdateStrategy": "ROTATE"}, "token rules"),
        ({"AuthToken": "B" * 16, "ApplyImmediately": False}, "ApplyImmediately"),
    ):
        with pytest.raises(EmulatorError, match=message):
            tokens._modify({**change, **params})
    for token in ("B" * 16, "C" * 16):
        tokens._modify({**change, "AuthToken": token, "AuthTokenUpdateStrategy": "ROTATE"})
    assert tokens.accepted["g"] == ["B" * 16, "C" * 16], "the oldest goes at a third token"
    with pytest.raises(EmulatorError, match="SET takes"):
        tokens._modify({**change, "AuthToken": "B" * 16, "AuthTokenUpdateStrategy": "SET"})
