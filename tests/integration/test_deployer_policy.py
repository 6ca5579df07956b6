"""The deployer's IAM policy (deploy/deployer-policy.json) against every AWS API call the
emulator made for the session's deployments (`tapsim.emulator.calls`), and against the list of
what only real AWS needs (docs/deployer-policy.md).

When: the calls are complete only once each deployment has had its updates and its destroy,
and pytest-xdist spreads the deployments over two workers, each with its own record. So:
- this module is also a plugin (`pytest_plugins`), whose hook moves its tests after every
  other test, the teardown tests included; under `--dist loadgroup` a test keeps its place
  within its group;
- `test_the_policy_allows_every_call_a_deployment_made` runs once per deployment, in that
  deployment's group, so on the worker that deployed it and after its teardown; it checks and
  writes that worker's record into the session's temporary directory (pytest-xdist's shared
  base, as its documentation suggests for work shared between workers);
- `test_the_policy_grants_only_what_the_deployments_called`, alone in its group, is the last
  scope xdist hands out; it waits, idle, until each per-deployment check has written its
  record (none waits for it, so this cannot deadlock), then checks their union.
"""

from __future__ import annotations

import fnmatch
import json
import os
import re
import time
from collections.abc import Iterable
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from tapsim.emulator import calls
from tapsim.policy_eval import Request, evaluate, statements
from tapsim.project import PROJECT_DIR
from tests.integration.conftest import EMULATED, TARGET

pytestmark = pytest.mark.skipif(TARGET != "emulator", reason="the emulator records the calls")
# This module's hook orders its own tests last (see the docstring).
pytest_plugins = [__name__]

POLICY_FILE = PROJECT_DIR / "deploy" / "deployer-policy.json"
POLICY = json.loads(POLICY_FILE.read_text())
DOC = PROJECT_DIR / "docs" / "deployer-policy.md"
# IAM's limit for a customer managed policy, counted without whitespace.
MANAGED_POLICY_CHARACTERS = 6144
READ_SID = "ReadWhatTheStacksManage"
# Reads of what a stack holds rather than how it is configured: object contents, secret and
# parameter values, log events and queries, image layers, pipeline job credentials, sampled
# requests. The read statement may name a parameter read; no wildcard may reach any of them.
DATA_READS = (
    "s3:getobject*",
    "s3:getdataaccess",
    "secretsmanager:getsecretvalue",
    "ssm:getparameter*",
    "logs:getlogevents",
    "logs:getlogrecord",
    "logs:getqueryresults",
    "logs:filterlogevents",
    "logs:startquery",
    "logs:startlivetail",
    "ecr:batchgetimage",
    "ecr:getdownloadurlforlayer",
    "ecr:getauthorizationtoken",
    "codepipeline:getjobdetails",
    "codepipeline:getthirdpartyjobdetails",
    "wafv2:getsampledrequests",
    "wafv2:getdecryptedapikey",
)
# One check per deployment, in the group its tests share (tests/conftest.py `group_of` names
# a target's group `target:<name>`; test_shared_environment.py names its own).
DEPLOYMENTS = [
    *(pytest.param(n, marks=pytest.mark.xdist_group(f"target:{n}"), id=n) for n in EMULATED),
    pytest.param(
        "shared-environment",
        marks=pytest.mark.xdist_group("shared-environment"),
        id="shared-environment",
    ),
]
PER_DEPLOYMENT = "test_the_policy_allows_every_call_a_deployment_made"
WAIT_SECONDS = 600


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """After the integration conftest has put updates and teardowns last: this module's
    tests after them, in the order written."""
    here = Path(__file__)
    items.sort(key=lambda item: item.path == here)


@cache
def catalog() -> dict[str, dict[str, str]]:
    """Every IAM action parliament's catalog knows, by service prefix: lower-case
    `service:action` -> its access level."""
    from parliament import iam_definition

    by_prefix: dict[str, dict[str, str]] = {}
    for service in iam_definition:
        actions = by_prefix.setdefault(service["prefix"], {})
        for p in service["privileges"]:
            actions[f"{service['prefix']}:{p['privilege']}".lower()] = p["access_level"]
    return by_prefix


def level(action: str) -> str | None:
    return catalog().get(action.split(":", 1)[0].lower(), {}).get(action.lower())


@cache
def expand(pattern: str) -> frozenset[str]:
    """The catalog's actions an `Action` entry matches (IAM matches case-insensitively)."""
    matches = re.compile(fnmatch.translate(pattern.lower())).match
    return frozenset(a for a in catalog().get(pattern.split(":", 1)[0].lower(), {}) if matches(a))


def is_data_read(action: str) -> bool:
    return any(fnmatch.fnmatchcase(action.lower(), p) for p in DATA_READS)


def harmless_read(action: str) -> bool:
    return level(action) in ("List", "Read") and not is_data_read(action)


def actions_of(statement: dict[str, Any]) -> list[str]:
    found = statement["Action"]
    return [found] if isinstance(found, str) else list(found)


def allows(action: str) -> bool:
    return evaluate(POLICY, Request(action=action, resource="*"), resource_policy=False).allowed


def extras() -> dict[str, str]:
    """The documented extras: action -> what it is needed for."""
    text = DOC.read_text().split("## Extras", 1)[1].split("\n## ", 1)[0]
    found = {}
    for row in (line for line in text.splitlines() if line.startswith("| `")):
        cells = [c.strip() for c in row.strip("|").split("|")]
        for action in re.findall(r"`([a-z0-9-]+:[A-Za-z*]+)`", cells[0]):
            found[action] = cells[1]
    return found


def services(actions: Iterable[str]) -> set[str]:
    return {a.split(":", 1)[0].lower() for a in actions}


# The static checks: the document itself.


def test_the_policy_is_one_managed_policy_of_allows_that_iam_knows() -> None:
    assert POLICY["Version"] == "2012-10-17"
    sids = [s["Sid"] for s in statements(POLICY)]
    assert len(set(sids)) == len(sids)
    assert all(s["Effect"] == "Allow" for s in statements(POLICY))
    compact = json.dumps(POLICY, separators=(",", ":"))
    assert len(compact) <= MANAGED_POLICY_CHARACTERS, len(compact)
    unknown = [a for s in statements(POLICY) for a in actions_of(s) if not expand(a)]
    assert not unknown, f"not IAM actions: {unknown}"


def test_the_read_statement_reads_configuration_not_data() -> None:
    (read,) = [s for s in statements(POLICY) if s["Sid"] == READ_SID]
    for pattern in actions_of(read):
        matched = expand(pattern)
        if "*" in pattern:
            assert all(harmless_read(a) for a in matched), pattern
        else:
            assert all(level(a) in ("List", "Read") for a in matched), pattern


def test_every_extra_has_its_reason_and_is_granted() -> None:
    found = extras()
    assert {"iam:PassRole", "ec2:RunInstances", "secretsmanager:GetSecretValue"} <= set(found)
    assert all(reason for reason in found.values())
    assert [a for a in found if not expand(a)] == []
    granted = {a for s in statements(POLICY) for p in actions_of(s) for a in expand(p)}
    assert [a for a in found if a.lower() not in granted] == []


def test_the_recorder_names_each_call_as_iam_does() -> None:
    assert calls.iam_action("elbv2", "CreateLoadBalancer") == (
        "elasticloadbalancing:CreateLoadBalancer"
    )
    assert calls.iam_action("s3", "PutBucketEncryption") == "s3:PutEncryptionConfiguration"
    assert calls.actions_for("s3", "DeleteObject", {"VersionId": "1"}) == ["s3:DeleteObjectVersion"]
    assert calls.actions_for("iam", "CreateRole", {"Tags": [{"Key": "a"}]}) == [
        "iam:CreateRole",
        "iam:TagRole",
    ]
    assert calls.actions_for("ec2", "CreateVpc", {}) == ["ec2:CreateVpc"]
    mapped = [f"{prefix}:{action}" for (prefix, _), action in calls.ACTION_NAMES.items()]
    tagging = [f"{prefix}:{action}" for prefix, action in calls.TAG_ACTIONS.items()]
    assert [a for a in [*mapped, *tagging] if not expand(a)] == []


# The checks against the record.


def _shared_directory(factory: pytest.TempPathFactory) -> Path:
    """The session's directory, one for all workers under xdist."""
    base = factory.getbasetemp()
    shared = (base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base) / "deployer-calls"
    shared.mkdir(exist_ok=True)
    return shared


def _save(directory: Path, recorded: dict[str, frozenset[str]]) -> None:
    path = directory / f"calls-{os.getpid()}.json"
    partial = path.with_suffix(".partial")
    partial.write_text(json.dumps({a: sorted(c) for a, c in recorded.items()}))
    partial.replace(path)


def _denied(recorded: Iterable[str]) -> list[str]:
    return sorted(a for a in recorded if not allows(a))


@pytest.mark.parametrize("deployment", DEPLOYMENTS)
def test_the_policy_allows_every_call_a_deployment_made(
    deployment: str, request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """After the deployment's teardown (a run that selected no teardown destroys it here)."""
    directory = _shared_directory(tmp_path_factory)
    try:
        if deployment in EMULATED:
            target = request.getfixturevalue("deployments")[deployment]
            if target.deployment is not None and target.deployment.cloud.created:
                target.deployment.destroy()
        recorded = calls.RECORDER.actions()
        _save(directory, recorded)
        denied = {a: sorted(recorded[a]) for a in _denied(recorded)}
        assert not denied, f"{POLICY_FILE.name} refuses calls the deployments made: {denied}"
    finally:
        (directory / f"done-{deployment}").touch()


def _wait_for(directory: Path, names: set[str]) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while missing := sorted(n for n in names if not (directory / f"done-{n}").exists()):
        if time.monotonic() > deadline:
            pytest.fail(f"the per-deployment checks never finished: {missing}")
        time.sleep(0.2)


def _union(directory: Path) -> dict[str, set[str]]:
    union: dict[str, set[str]] = {}
    records = [json.loads(p.read_text()) for p in directory.glob("calls-*.json")]
    for record in [*records, calls.RECORDER.actions()]:
        for action, made_by in record.items():
            union.setdefault(action, set()).update(made_by)
    return union


def _selected(session: pytest.Session) -> tuple[set[str], set[str]]:
    """The per-deployment checks this session runs, and the integration modules it runs."""
    checks = {
        item.callspec.id
        for item in session.items
        if isinstance(item, pytest.Function) and item.originalname == PER_DEPLOYMENT
    }
    return checks, {item.path.name for item in session.items}


def test_the_policy_grants_only_what_the_deployments_called(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> None:
    directory = _shared_directory(tmp_path_factory)
    checks, modules = _selected(request.session)
    _wait_for(directory, checks)
    recorded = _union(directory)
    if not recorded:
        pytest.skip("no deployment was made in this session")
    assert [a for a in recorded if not expand(a)] == [], "the recorder names an unknown action"
    assert _denied(recorded) == []
    documented = extras()
    granted = [p for s in statements(POLICY) for p in actions_of(s)]
    unused = services(granted) - services(recorded) - services(documented)
    assert not unused, f"the policy grants services no deployment called: {sorted(unused)}"
    whole = {"test_updates.py", "test_shared_environment.py", "test_teardown.py"} <= modules
    if whole and checks == {p.id for p in DEPLOYMENTS}:
        _assert_nothing_else_is_granted(recorded, documented, granted)


def _assert_nothing_else_is_granted(
    recorded: dict[str, set[str]], documented: dict[str, str], granted: list[str]
) -> None:
    """With the whole suite's calls: every action a pattern matches is needed or a harmless
    read, and every extra is one the emulator cannot show."""
    needed = {a.lower() for a in [*recorded, *documented]}
    (read,) = [s for s in statements(POLICY) if s["Sid"] == READ_SID]
    named_reads = {a.lower() for a in actions_of(read) if "*" not in a}
    extra = sorted(
        (pattern, action)
        for pattern in granted
        for action in expand(pattern)
        if action not in needed and not harmless_read(action) and action not in named_reads
    )
    assert not extra, f"granted but neither recorded, documented nor a read: {extra}"
    both = sorted({a.lower() for a in recorded} & {a.lower() for a in documented})
    assert not both, f"recorded now, so no longer extras: {both}"
