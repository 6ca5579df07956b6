"""KMS: one rotating key per stack whose policy admits the account and its services only."""

from __future__ import annotations

import json

import pytest

KEY = "aws:kms/key:Key"


def policy(run) -> list[dict]:
    return json.loads(run.one(KEY).inputs["policy"])["Statement"]


def test_key_rotates(run) -> None:
    assert run.one(KEY).inputs["enableKeyRotation"] is True


@pytest.mark.parametrize(("stack", "days"), [("dev", 7), ("staging", 7), ("prod", 30)])
def test_deletion_window_per_tier(synthesized, stack, days) -> None:
    assert synthesized[stack].one(KEY).inputs["deletionWindowInDays"] == days


def test_alias_names_the_key_with_the_suffix(run) -> None:
    alias = run.one("aws:kms/alias:Alias").inputs
    assert alias["name"] == f"alias/tap-data-{run.outputs['environmentSuffix']}"
    assert alias["targetKeyId"] == run.one(KEY).state["keyId"]


def test_no_statement_has_a_wildcard_principal(run) -> None:
    for statement in policy(run):
        principal = statement["Principal"]
        assert principal != "*"
        assert "*" not in json.dumps(principal)


def test_alarms_may_use_the_key_for_this_accounts_alarms_only(run) -> None:
    cloudwatch = {"Service": "cloudwatch.amazonaws.com"}
    (alarms,) = [s for s in policy(run) if s["Principal"] == cloudwatch]
    region = run.outputs["region"]
    assert alarms["Condition"] == {
        "StringEquals": {"aws:SourceAccount": "111122223333"},
        "ArnLike": {"aws:SourceArn": f"arn:aws:cloudwatch:{region}:111122223333:alarm:*"},
    }


def test_every_statement_names_a_principal_and_none_is_a_wildcard(any_run) -> None:
    for statement in policy(any_run):
        assert statement["Principal"] not in ("*", {"AWS": "*"}), statement["Sid"]


def test_logs_may_use_the_key_for_this_accounts_log_groups_only(run) -> None:
    (logs,) = [s for s in policy(run) if s["Principal"].get("Service", "").startswith("logs.")]
    arn = logs["Condition"]["StringLike"]["kms:EncryptionContext:aws:logs:arn"]
    assert arn == f"arn:aws:logs:{run.outputs['region']}:111122223333:log-group:*"


def test_only_the_account_root_administers_the_key(run) -> None:
    admin = [s for s in policy(run) if s["Action"] == "kms:*"]
    assert [s["Principal"] for s in admin] == [{"AWS": "arn:aws:iam::111122223333:root"}]
