"""Destroy removes everything: nothing with the suffix is left, without manual steps."""

from __future__ import annotations

import secrets

import pytest

from tapsim.discovery import Discovered
from tapsim.emulator import deploy
from tests.integration.conftest import TARGET


def test_destroy_leaves_nothing_with_the_suffix(target) -> None:
    """Runs after every other integration test (see conftest) on the session's stacks."""
    if target.deployment is None:
        pytest.skip("destroy is only exercised against the emulator, never a real account")
    assert len(target.found.remaining()) >= 10
    removed = target.deployment.destroy()
    assert len(removed) == len(target.deployment.run.custom)
    assert Discovered(target.found.suffix, target.found.region).remaining() == []


def test_plain_rds_variant_deploys_private_and_encrypted_then_destroys(request) -> None:
    if TARGET != "emulator":
        pytest.skip("variants are only deployed into the emulator")
    server = request.getfixturevalue("emulator")
    deployment = deploy(
        "prod",
        server.url,
        suffix=f"pg{secrets.token_hex(3)}",
        config={"tap:database": {"engine": "postgres"}},
    )
    found = Discovered(deployment.suffix, deployment.region)
    (instance,) = found.db_instances
    assert found.db_clusters == []
    assert instance["StorageEncrypted"] is True
    assert instance["PubliclyAccessible"] is False
    assert instance["MultiAZ"] is True
    assert instance["DeletionProtection"] is True
    assert instance["DBParameterGroups"][0]["DBParameterGroupName"] == found.name("db")
    deployment.destroy()
    assert Discovered(deployment.suffix, deployment.region).remaining() == []
