"""Cache: TLS required, AUTH from a generated secret that a procedure rotates, encrypted at
rest, failover per tier."""

from __future__ import annotations

import ast
import dataclasses
import json
import re
import string
from datetime import UTC, datetime

import pulumi_aws as aws
import pytest

from tap_platform.cache import Cache, CacheArgs
from tap_platform.ops.cache_token import RotationError, Targets, new_token, rotate
from tap_platform.policies import attach_grants
from tap_platform.secrets import AUTH_TOKEN_SPECIALS
from tap_platform.settings.tiers import tier_defaults
from tapsim.alone import CONTEXT, NAMER, build_alone
from tapsim.emulator.core import EmulatorError
from tapsim.emulator.elasticache import AUTH_TOKEN, AuthTokens
from tapsim.runner import RunResult, read_project
from tests.unit.test_components import documented

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


# --- the component alone: its own arguments, no stack, no settings ---

KEY = f"arn:aws:kms:{CONTEXT.region}:{CONTEXT.account_id}:key/alone"
SUBNETS = ["subnet-isolated-a", "subnet-isolated-b"]


def cache_alone(**choices) -> tuple[RunResult, Cache]:
    """The cache in an empty program, and a role granted to read its secret as the app's."""
    built: list[Cache] = []

    def build() -> Cache:
        cache = Cache(
            "cache",
            CacheArgs(namer=NAMER, vpc_id="vpc-alone", subnet_ids=SUBNETS,
                      app_security_group_id="sg-app", kms_key_arn=KEY, **choices),
        )  # fmt: skip
        reader = aws.iam.Role("reader", assume_role_policy="{}")
        attach_grants(reader, "reader", reader, cache.grant_read_secret("cache-secret"))
        built.append(cache)
        return cache

    return build_alone(build), built[0]


def test_the_cache_alone_applies_the_defaults_a_dev_tier_gives_and_grants_its_secret():
    (run, _), dev = cache_alone(), tier_defaults("dev")
    assert {r.type.rsplit(":", 1)[1] for r in run.resources if r.parent.endswith("::cache")} == {
        "SecurityGroup", "SecurityGroupIngressRule", "SecurityGroupEgressRule", "SubnetGroup",
        "LogGroup", "RandomPassword", "ReplicationGroup", "Secret", "SecretVersion",
    }, "no final snapshot name by default"  # fmt: skip
    group, secret = run.one(GROUP), run.one(SECRET)
    assert not [r.name for r in run.resources if r.protect]
    expected = {
        "engine": dev["cache"]["engine"], "engineVersion": dev["cache"]["engineVersion"],
        "nodeType": dev["cache"]["nodeType"], "numCacheClusters": 1 + dev["cache"]["replicas"],
        "snapshotRetentionLimit": dev["cache"]["snapshotRetentionDays"],
        "automaticFailoverEnabled": False, "applyImmediately": True,
    }  # fmt: skip
    assert {k: group.inputs[k] for k in expected} == expected
    logs = run.one("aws:cloudwatch/logGroup:LogGroup").inputs["retentionInDays"]
    assert logs == dev["cache"]["logRetentionDays"]
    assert secret.inputs["recoveryWindowInDays"] == dev["storage"]["secretRecoveryWindowDays"]
    assert run.one("aws:elasticache/subnetGroup:SubnetGroup").inputs["subnetIds"] == SUBNETS
    reader = run.one("aws:iam/rolePolicy:RolePolicy", "reader-cache-secret").inputs
    assert json.loads(reader["policy"])["Statement"] == [
        {"Effect": "Allow", "Action": ["secretsmanager:GetSecretValue"],
         "Resource": [secret.state["arn"]]}
    ]  # fmt: skip


def test_a_protected_replicated_valkey_cache_alone() -> None:
    run, cache = cache_alone(engine="valkey", engine_version="8.0", replicas=2, protect=True)
    group = run.one(GROUP).inputs
    assert {r.name for r in run.resources if r.protect} == {"cache-group", "cache-auth"}
    assert (group["engine"], group["numCacheClusters"]) == ("valkey", 3)
    assert group["applyImmediately"] is True
    assert group["automaticFailoverEnabled"] is group["multiAzEnabled"] is True
    assert group["finalSnapshotIdentifier"].startswith("demo-cache-alone-final-")
    assert cache.member_ids == [f"demo-cache-alone-00{n}" for n in (1, 2, 3)]


def test_the_documented_defaults_are_the_defaults() -> None:
    said = {k: re.findall(r"\(default: (.+?)\)\.?$", v) for k, v in documented(CacheArgs).items()}
    for field in dataclasses.fields(CacheArgs):
        if field.default is not dataclasses.MISSING:
            assert ast.literal_eval(said[field.name][0]) == field.default, field.name


# --- the AUTH token after the first deploy: the rotation procedure (ops/cache_token.py) ---


def test_pulumi_seeds_the_token_and_leaves_later_values_to_the_rotation(any_run) -> None:
    """AWS never returns a token, so nothing could show Pulumi a rotation; writing the seed
    back would undo one."""
    assert any_run.one(GROUP).ignore_changes == ("authToken",)
    secret = next(s for s in any_run.of_type(SECRET) if s.inputs["name"].endswith("/cache-auth"))
    (version,) = [v for v in any_run.of_type(VERSION) if v.inputs["secretId"] == secret.id]
    assert version.ignore_changes == ("secretString",)


@pytest.mark.parametrize("name", ["dev", "prod-asg", "every-option"])
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


class ClusterNotFoundError(Exception):
    """What boto3 raises as `ecs.exceptions.ClusterNotFoundException`."""


class Recorded:
    """The AWS calls the procedure makes, answered as AWS answers them: a secret's labelled
    versions, a group whose tokens the emulator's model keeps, an ECS rolling deployment
    (old and new side by side first) or no cluster at all on EC2, an instance refresh."""

    def __init__(self, *, ecs: bool, refresh: str = "Successful") -> None:
        self.calls: list[str] = []
        self.tokens = AuthTokens()
        self.tokens.seed("g", SEED)
        self.versions = {"v0": {"token": SEED, "stages": ["AWSCURRENT"], "created": _now()}}
        self.ecs, self.refresh, self.polls = ecs, refresh, 0
        self.exceptions = self
        self.ClusterNotFoundException = ClusterNotFoundError
        self.created_at = _now()

    def __call__(self, _service: str) -> Recorded:
        return self

    def __getattr__(self, operation: str):
        def call(**params):
            self.calls.append(operation)
            return getattr(self, f"_{operation}")(**params)

        return call

    def accepted(self) -> list[str]:
        return self.tokens.accepted["g"]

    def current(self) -> str:
        return next(v["token"] for v in self.versions.values() if "AWSCURRENT" in v["stages"])

    def changes(self) -> list[str]:
        return [c for c in self.calls if not c.startswith(("describe", "list", "get"))]

    def _describe_replication_groups(self, **_):
        modified = self.tokens.modified.get("g", self.created_at)
        group = {"ReplicationGroupId": "g", "Status": "available"}
        return {"ReplicationGroups": [{**group, "AuthTokenLastModifiedDate": modified}]}

    def _modify_replication_group(self, **params):
        self.tokens._modify(params)

    def _list_secret_version_ids(self, **_):
        return {"Versions": [
            {"VersionId": k, "VersionStages": list(v["stages"]), "CreatedDate": v["created"]}
            for k, v in self.versions.items() if v["stages"]
        ]}  # fmt: skip

    def _put_secret_value(self, **params):
        key = f"v{len(self.versions)}"
        token = json.loads(params["SecretString"])["token"]
        self.versions[key] = {"token": token, "stages": params["VersionStages"], "created": _now()}
        return {"VersionId": key}

    def _update_secret_version_stage(self, VersionStage, **moves):  # noqa: N803
        if "RemoveFromVersionId" in moves:
            self.versions[moves["RemoveFromVersionId"]]["stages"].remove(VersionStage)
        if "MoveToVersionId" in moves:
            self.versions[moves["MoveToVersionId"]]["stages"].append(VersionStage)

    def _get_secret_value(self, VersionId, **_):  # noqa: N803
        return {"SecretString": json.dumps({"token": self.versions[VersionId]["token"]})}

    def _describe_services(self, **_):
        if not self.ecs:
            raise ClusterNotFoundError
        self.polls += 1
        state = "IN_PROGRESS" if self.polls < 3 else "COMPLETED"
        deployments = [{"id": "d2", "status": "PRIMARY", "rolloutState": state}]
        if self.polls < 4:  # the old one drains after the new one is steady
            deployments.append({"id": "d1", "status": "ACTIVE", "rolloutState": "COMPLETED"})
        return {"services": [{"status": "ACTIVE", "deployments": deployments}]}

    def _update_service(self, **_):
        return {"service": {"deployments": [{"id": "d2", "status": "PRIMARY"}, {"id": "d1"}]}}

    def _start_instance_refresh(self, **_):
        return {"InstanceRefreshId": "r1"}

    def _describe_instance_refreshes(self, **_):
        return {"InstanceRefreshes": [{"Status": self.refresh}]}


def _now() -> datetime:
    return datetime.now(UTC)


SEED = "Seed-token-0123456789"
TEMPLATE = read_project()["name"]
TARGETS = Targets("g", "tap/x/cache-auth", "c", "s", "a")
STEPS = [
    "put_secret_value", "modify_replication_group", "update_secret_version_stage",
    "update_service", "update_secret_version_stage", "modify_replication_group",
]  # fmt: skip


def quietly(aws: Recorded, **options) -> str:
    return rotate(aws, TARGETS, poll=0, timeout=1, say=lambda _: None, **options)


def test_on_ecs_the_rolling_deployment_is_waited_out_before_set() -> None:
    """ECS lists the old deployment beside the new one until it drains."""
    aws = Recorded(ecs=True)
    token = quietly(aws)
    assert aws.changes() == STEPS
    assert aws.polls == 4
    assert aws.accepted() == [token]
    assert aws.current() == token


def test_on_ec2_there_is_no_cluster_and_the_instances_are_refreshed() -> None:
    aws = Recorded(ecs=False)
    token = quietly(aws)
    assert aws.changes() == [
        "start_instance_refresh" if c == "update_service" else c for c in STEPS
    ]
    assert aws.accepted() == [token]


def test_a_stopped_rotation_keeps_both_tokens_and_only_resume_finishes_it() -> None:
    aws = Recorded(ecs=False, refresh="Failed")
    with pytest.raises(RotationError, match="instance refresh Failed"):
        quietly(aws)
    stored = aws.current()
    assert aws.accepted() == [SEED, stored], "the old token still works for old clients"
    with pytest.raises(RotationError, match="finish it with RESUME=1"):
        quietly(aws)
    assert aws.accepted() == [SEED, stored], "no second ROTATE dropped the old token"

    aws.refresh, aws.calls = "Successful", []
    assert quietly(aws, resume=True) == stored
    assert "put_secret_value" not in aws.calls
    assert aws.changes().count("modify_replication_group") == 1, "SET only: ROTATE was made"
    assert aws.accepted() == [stored]
    with pytest.raises(RotationError, match="nothing to resume"):
        quietly(aws, resume=True)


def test_a_stop_before_rotate_resumes_with_the_stored_token(monkeypatch) -> None:
    aws = Recorded(ecs=True)
    monkeypatch.setattr(aws, "_modify_replication_group", lambda **_: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        quietly(aws)
    monkeypatch.undo()
    assert aws.current() == SEED
    aws.calls = []
    token = quietly(aws, resume=True)
    assert aws.changes().count("modify_replication_group") == 2, "ROTATE, then SET"
    assert aws.accepted() == [token]
    assert aws.current() == token


def test_a_restart_that_never_settles_gives_up(monkeypatch) -> None:
    aws = Recorded(ecs=True)
    monkeypatch.setattr(aws, "polls", -(10**9))
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


def test_make_rotate_cache_token_says_how_to_finish_when_a_step_fails(monkeypatch, capsys):
    from tap_platform.ops import cache_token

    def fail(_clients, targets, *, resume):
        assert (targets.group_id, resume) == (f"{TEMPLATE}-cache-pr9", True)
        raise RotationError("gave up waiting for the group")

    monkeypatch.setattr(cache_token, "rotate", fail)
    assert cache_token.main(["--stack", "dev", "--suffix", "pr9", "--resume"]) == 1
    assert "finish with RESUME=1" in capsys.readouterr().err
    monkeypatch.setattr(cache_token, "rotate", lambda *_, **__: "t")
    assert cache_token.main(["--stack", "dev", "--suffix", "pr9"]) == 0
    assert capsys.readouterr().out.startswith("done: the cache accepts only the new token")
