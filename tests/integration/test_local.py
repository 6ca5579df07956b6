"""`make local`: deploy into the emulator, show the outputs and a smoke check, destroy."""

from __future__ import annotations

import re

import pytest

from tapsim import local
from tests.integration.conftest import TARGET

pytestmark = pytest.mark.skipif(TARGET != "emulator", reason="make local is the emulator's tool")
RUNTIME = "asg"


def test_local_deploys_prints_the_alb_dns_name_and_destroys(capsys, emulator) -> None:
    assert local.main(["--stack", "dev", "--suffix", "localtest", "--endpoint", emulator.url]) == 0
    out = capsys.readouterr().out
    assert re.search(r'albDnsName: "tap-alb-localtest-\d+\.us-east-1\.elb\.amazonaws\.com"', out)
    assert "Emulated in moto: 131; recorded, not emulated: 0" in out
    assert (
        "left in the emulator: aws:elasticache/subnetGroup:SubnetGroup tap-cache-localtest" in out
    )
    assert "ok  service ACTIVE with no public IP" in out
    assert "ok  cache requires TLS and AUTH" in out
    assert "discovery by suffix localtest finds nothing left" in out


def test_local_shows_the_auto_scaling_runtime(capsys, target) -> None:
    """On the session's deployment; its teardown test runs `local.teardown`."""
    local.show(target.deployment)
    out = capsys.readouterr().out
    assert re.search(r'autoScalingGroupName: "tap-app-it[0-9a-f]{6}"', out)
    assert "ok  instances behind the target group, ELB health checks" in out
