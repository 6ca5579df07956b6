"""Destroy removes everything: nothing with the suffix is left, without manual steps."""

from __future__ import annotations

import pytest

from tapsim import local
from tapsim.emulator import UNDELETABLE


def test_destroy_leaves_nothing_with_the_suffix(target, capsys) -> None:
    """Runs after every other integration test (see conftest) on the session's stacks, with
    the same teardown `make local` uses; it raises if discovery finds anything left."""
    if target.deployment is None:
        pytest.skip("destroy is only exercised against the emulator, never a real account")
    assert len(target.found.remaining()) >= 10
    removed = local.teardown(target.deployment)
    assert len(removed) == len(target.deployment.run.custom)
    out = capsys.readouterr().out
    kept = sorted({r.type for r in removed} & set(UNDELETABLE))
    assert kept == sorted(
        {line.split()[4] for line in out.splitlines() if "left in the emulator" in line}
    )
    subnet_group = f"aws:elasticache/subnetGroup:SubnetGroup tap-cache-{target.found.suffix}"
    assert f"left in the emulator: {subnet_group}" in out
    if target.settings.compute == "asg":
        assert "left in the emulator: aws:codedeploy/application:Application" in out
    assert f"discovery by suffix {target.found.suffix} finds nothing left" in out
