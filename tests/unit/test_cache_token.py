"""The cache AUTH token's rotation (`make rotate-cache-token`, `ops/cache_token.py`): each
step ElastiCache documents, in order, with no moment where a client is refused."""

from __future__ import annotations

import json
import string
from datetime import UTC, datetime

import pytest

from tap_platform.ops.cache_token import RotationError, Targets, new_token, rotate
from tap_platform.secrets import AUTH_TOKEN_SPECIALS
from tapsim.emulator.core import EmulatorError
from tapsim.emulator.elasticache import AUTH_TOKEN, AuthTokens
from tapsim.runner import read_project

GROUP = "aws:elasticache/replicationGroup:ReplicationGroup"
SECRET = "aws:secretsmanager/secret:Secret"


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


def test_make_rotate_cache_token_outside_a_project_says_where_to_run(
    monkeypatch, capsys, tmp_path
) -> None:
    """The procedure reads the project's own files, with nothing of the test tooling."""
    from tap_platform.ops import cache_token

    monkeypatch.chdir(tmp_path)
    assert cache_token.main(["--stack", "dev", "--suffix", "pr9"]) == 2
    assert "no Pulumi.yaml in" in capsys.readouterr().err
    (tmp_path / "Pulumi.yaml").write_text("name: orders\nruntime: python\n")
    (tmp_path / "Pulumi.dev.yaml").write_text("config:\n  tap:tier: dev\n")
    assert cache_token.main(["--stack", "dev", "--suffix", "pr9"]) == 2
    assert "Pulumi.dev.yaml sets no aws:region" in capsys.readouterr().err
    (tmp_path / "Pulumi.yaml").write_text("runtime: python\n")
    assert cache_token.main(["--stack", "dev", "--suffix", "pr9"]) == 2
    assert "names no project" in capsys.readouterr().err
