"""Destroy removes everything: nothing with the suffix is left, without manual steps."""

from __future__ import annotations

import secrets

import pytest

from tapsim.discovery import Discovered
from tapsim.emulator import deploy
from tests.integration.conftest import TARGET


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_destroy_leaves_nothing_with_the_suffix(stack, request) -> None:
    if TARGET != "emulator":
        pytest.skip("destroy is only exercised against the emulator")
    server = request.getfixturevalue("emulator")
    deployment = deploy(stack, server.url, suffix=f"td{secrets.token_hex(3)}")
    found = Discovered(deployment.suffix, deployment.region)
    assert len(found.remaining()) >= 5
    removed = deployment.destroy()
    assert len(removed) == len(deployment.run.custom)
    assert Discovered(deployment.suffix, deployment.region).remaining() == []
