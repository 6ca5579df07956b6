"""`make local`: what it shows of a deployment (outputs, summary, smoke check); its teardown
is the one the teardown tests run on the same deployments."""

from __future__ import annotations

import re

import pytest

from tapsim import local
from tests.integration.conftest import TARGET

pytestmark = pytest.mark.skipif(TARGET != "emulator", reason="make local is the emulator's tool")


def test_local_shows_outputs_summary_and_smoke_check(capsys, target) -> None:
    local.show(target.deployment)
    out = capsys.readouterr().out
    suffix, region = target.found.suffix, target.found.region
    assert re.search(rf'albDnsName: "tap-alb-{suffix}-\d+\.{region}\.elb\.amazonaws\.com"', out)
    count = len(target.deployment.run.custom)
    assert f"Emulated in moto: {count}; recorded, not emulated: 0" in out
    assert "ok  cache requires TLS and AUTH" in out
    if target.settings.compute == "ecs":
        assert "ok  service ACTIVE with no public IP" in out
    else:
        assert re.search(rf'autoScalingGroupName: "tap-app-{suffix}"', out)
        assert "ok  instances behind the target group, ELB health checks" in out
