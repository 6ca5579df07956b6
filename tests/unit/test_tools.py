"""The offline commands a user runs first: `make preview` and `make local`."""

from __future__ import annotations

import re

from tapsim import local, preview


def test_preview_prints_the_component_tree_names_and_counts(capsys) -> None:
    assert preview.main(["--stack", "prod"]) == 0
    out = capsys.readouterr().out
    assert "+ tap:index:TapStack" in out
    assert re.search(r"\+ aws:lb/loadBalancer:LoadBalancer\s+edge-alb  \[tap-alb-prod\]", out)
    assert re.search(r"^\s+3  aws:ec2/natGateway:NatGateway$", out, re.M)
    assert "Resources: 137 to create" in out


def test_preview_reports_bad_settings_as_one_line(capsys) -> None:
    assert preview.main(["--stack", "nosuchstack"]) == 1
    assert "aws:region is not set in Pulumi.nosuchstack.yaml" in capsys.readouterr().err


def test_local_deploys_prints_the_alb_dns_name_and_destroys(capsys, emulator) -> None:
    assert local.main(["--stack", "dev", "--suffix", "localtest", "--endpoint", emulator.url]) == 0
    out = capsys.readouterr().out
    assert re.search(r'albDnsName: "tap-alb-localtest-\d+\.us-east-1\.elb\.amazonaws\.com"', out)
    assert "Emulated in moto: 122; recorded, not emulated: 0" in out
    assert (
        "left in the emulator: aws:elasticache/subnetGroup:SubnetGroup tap-cache-localtest" in out
    )
    assert "ok  service ACTIVE with no public IP" in out
    assert "ok  cache requires TLS and AUTH" in out
    assert "discovery by suffix localtest finds nothing left" in out


def test_local_starts_its_own_emulator_and_reports_bad_settings(capsys) -> None:
    assert local.main(["--stack", "dev", "--suffix", "Bad_Suffix"]) == 1
    assert "tap:environmentSuffix (or ENVIRONMENT_SUFFIX) = 'Bad_Suffix'" in capsys.readouterr().err


def test_local_deploys_the_auto_scaling_runtime_of_prod(capsys, emulator) -> None:
    argv = [
        "--stack",
        "prod",
        "--compute",
        "asg",
        "--suffix",
        "localasg",
        "--endpoint",
        emulator.url,
    ]
    assert local.main(argv) == 0
    out = capsys.readouterr().out
    assert 'autoScalingGroupName: "tap-app-localasg"' in out
    assert "ok  instances behind the target group, ELB health checks" in out
    assert "left in the emulator: aws:codedeploy/application:Application" in out
    assert "discovery by suffix localasg finds nothing left" in out
