"""`make preview` counts a Region's VPCs, internet gateways and Elastic IPs against the
default quotas, over the stack files it can see, and warns before a deployment would fail."""

from __future__ import annotations

from tapsim import preview, vpc_quotas
from tests.conftest import synth


def test_the_committed_stacks_fit_their_regions(synthesized) -> None:
    runs = {name: synthesized[name] for name in ("dev", "staging", "prod", "dev-env")}
    for region in ("us-east-1", "us-west-2"):
        assert vpc_quotas.warnings(runs, region) == []
    usage = vpc_quotas.usage(runs, "us-east-1")
    assert usage["aws:ec2/vpc:Vpc"] == {"dev": 1, "staging": 1, "dev-env": 1}


def test_two_prods_in_one_region_pass_the_elastic_ip_quota(synthesized) -> None:
    """Prod has a NAT gateway, with its address, in each of its 3 AZs: a second copy in the
    same Region needs 6 addresses where the default quota is 5."""
    prod = synthesized["prod"]
    (line,) = vpc_quotas.warnings({"prod": prod, "prod-copy": prod}, "us-west-2")
    assert "6 Elastic IP addresses (prod 3, prod-copy 3)" in line
    assert "default quota is 5" in line


def test_the_default_vpc_counts_against_the_vpc_quota(synthesized) -> None:
    dev = synthesized["dev"]
    runs = {f"copy-{n}": dev for n in range(4)}
    assert vpc_quotas.warnings(runs, "us-east-1") == []
    runs["copy-4"] = dev
    warned = vpc_quotas.warnings(runs, "us-east-1")
    assert [w.split(" (")[0] for w in warned] == [
        "warning: us-east-1 would hold 6 VPCs",
        "warning: us-east-1 would hold 6 internet gateways",
    ]


def test_make_preview_prints_the_counts(capsys, monkeypatch) -> None:
    monkeypatch.setattr(preview, "synthesize", synth)  # the session's shared runs
    assert preview.main(["--stack", "dev"]) == 0
    out = capsys.readouterr().out
    assert "Region quotas in us-east-1" in out
    assert "4 of 5  VPCs" in out
