"""The program's own dynamic resources reach AWS as the stack's provider does
(`tap_platform.dynamic_aws`): the profile and roles of the stack file, and only the stack's
account; played against moto in this process, whose STS answers for the role's account."""

from __future__ import annotations

import types

import pytest

from tap_platform.dynamic_aws import changed, reach, session
from tap_platform.policies import AwsContext
from tap_platform.service_logs import ServiceLogGroupProvider
from tapsim.alone import CONTEXT

MOTO_ACCOUNT, OTHER = "123456789012", "111122223333"
ROLE = f"arn:aws:iam::{OTHER}:role/deployer"


def props(account: str, **credentials) -> dict:
    return {"region": "us-east-1", "accountId": account, "credentials": credentials}


def test_the_roles_of_the_stack_file_are_assumed_in_turn(aws_here) -> None:
    found = session(props(OTHER, assumeRoles=[{"roleArn": ROLE, "externalId": "partner-7"}]))
    identity = found.client("sts").get_caller_identity()
    assert identity["Account"] == OTHER
    assert identity["Arn"].endswith("assumed-role/deployer/tap-platform")


def test_credentials_of_another_account_are_refused_before_any_call(aws_here) -> None:
    assert session(props(MOTO_ACCOUNT)).client("sts")
    with pytest.raises(RuntimeError, match=f"reach account {MOTO_ACCOUNT}, .* into {OTHER}"):
        session(props(OTHER))


def test_a_resource_carries_the_providers_settings_and_another_profile_changes_nothing() -> None:
    context = AwsContext(**{**CONTEXT.__dict__, "credentials": {"profile": "platform"}})
    carried = reach(context)
    assert carried["credentials"] == {"profile": "platform"}
    assert carried["accountId"] == CONTEXT.account_id
    old = {"name": "/aws/x", **carried}
    assert changed(old, {**old, "credentials": {"profile": "other"}}) == []
    assert ServiceLogGroupProvider().diff("x", old, {**old, "region": "eu-west-1"}).changes
    # A log group is deleted with the credentials its state holds: they follow the stack's.
    moved = ServiceLogGroupProvider().diff("x", old, {**old, "credentials": {"profile": "o"}})
    assert (moved.changes, moved.replaces) == (True, [])


def test_in_the_emulator_the_stack_files_credentials_name_no_account(monkeypatch) -> None:
    """The emulator is the account, for the provider and for the program's own resources
    alike: a profile or role of the stack file (`every-option`'s) names a real one."""
    from tapsim.emulator import dynamic

    seen = []

    class Provider:
        def create(self, props):
            seen.append(props)
            return types.SimpleNamespace(id="x", outs={})

    monkeypatch.setattr(dynamic, "_provider", lambda _inputs: Provider())
    inputs = {"__provider": "p", "name": "/aws/x", **props(OTHER, profile="platform")}
    dynamic.HANDLERS[dynamic.TYPE][0](None, inputs)
    assert seen == [{"name": "/aws/x", **props(OTHER)}]
