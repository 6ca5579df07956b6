"""`make local`: what it shows of a deployment (outputs, summary, smoke check); its teardown
is the one the teardown tests run on the same deployments."""

from __future__ import annotations

import re

import boto3
import pytest

from tapsim import local
from tapsim.examples import load
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


def test_a_certificate_the_emulator_does_not_hold_gets_a_stand_in(emulator, capsys) -> None:
    """`make local EXAMPLE=every-option`: its certificate is in the user's account."""
    config = load("every-option").config
    (swap,) = local.certificate_stand_in("dev", config, "stand").items()
    acm = boto3.client("acm", region_name="us-east-1")
    assert acm.describe_certificate(CertificateArn=swap[1])["Certificate"]["DomainName"]
    assert f"{config['tap:certificateArn']} is not in the emulator" in capsys.readouterr().out
    assert local.certificate_stand_in("dev", dict([swap]), "stand") == {}
    assert local.certificate_stand_in("dev", {}, "stand") == {}
    acm.delete_certificate(CertificateArn=swap[1])
