"""`make preview`, the offline plan, and how `make local` reports bad settings."""

from __future__ import annotations

import re

from tapsim import local, preview


def test_preview_prints_the_component_tree_names_and_counts(prod) -> None:
    out = "\n".join(preview.report(prod))
    assert "+ tap:index:TapStack" in out
    assert re.search(r"\+ aws:lb/loadBalancer:LoadBalancer\s+edge-alb  \[tap-alb-prod\]", out)
    assert re.search(r"^\s+3  aws:ec2/natGateway:NatGateway$", out, re.M)
    assert f"Resources: {len(prod.custom)} to create" in out
    assert len(prod.custom) > 150


def test_preview_reports_bad_settings_as_one_line(capsys) -> None:
    assert preview.main(["--stack", "nosuchstack"]) == 1
    assert "no stack file Pulumi.nosuchstack.yaml" in capsys.readouterr().err


def test_local_reports_bad_settings_before_starting_anything(capsys) -> None:
    assert local.main(["--stack", "dev", "--suffix", "Bad_Suffix"]) == 1
    assert "tap:environmentSuffix = 'Bad_Suffix'" in capsys.readouterr().err
