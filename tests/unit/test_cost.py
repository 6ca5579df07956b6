"""The monthly cost estimate: each line from the dated price table and the stated usage,
checked against a total worked out by hand, and never a price borrowed from another region."""

from __future__ import annotations

import pytest

from tapsim.cost import PRICES, USAGE, estimate, main, render, side_by_side
from tapsim.preview import report
from tests.conftest import synth

NEW_REGION = {"aws:region": "ap-southeast-5"}


def test_dev_costs_what_the_price_list_says_line_by_line(dev) -> None:
    """dev on ECS in us-east-1, worked out by hand from the table's prices."""
    by_hand = {
        "NAT gateways": 730 * 0.045,
        "NAT data processed": 5 * 0.045,
        "Public IPv4 addresses": 3 * 730 * 0.005,  # the ALB's two AZs and the NAT's address
        "Application Load Balancer": 730 * 0.0225,
        "ALB capacity units": 50 * 0.008,  # 1 M requests x 50 KB = 50 GB, 1 GB an LCU-hour
        "Fargate vCPU": 1 * 0.25 * 730 * 0.04048,
        "Fargate memory": 1 * 0.5 * 730 * 0.004445,
        "Aurora Serverless v2": 0.0,  # minCapacity 0: paused while idle
        "Aurora storage": 10 * 0.10,
        "Aurora I/O": 1 * 0.20,
        "ElastiCache (redis)": 730 * 0.016,
        "S3 storage": 5 * 0.023,
        "KMS keys": 1.00,
        "Secrets Manager secrets": 2 * 0.40,  # the cache's and the one RDS keeps
        "CloudWatch alarms": 12 * 0.10,
        "CloudWatch dashboard": 3.00,
        "CloudWatch Logs ingestion": 1 * 0.50,
        "CodePipeline V2 actions": 20 * 17 * 0.002,
        "CodeBuild, build": 20 * 5 * 0.005,
        "CodeBuild, record": 20 * 1 * 0.005,
    }
    found = estimate(dev)
    assert {line.what: line.monthly for line in found.lines} == pytest.approx(by_hand)
    assert found.total == 90.64 == round(sum(by_hand.values()), 2)
    assert found.unpriced == []


def test_a_price_missing_for_the_region_is_said_never_borrowed(prod) -> None:
    found = estimate(prod)
    assert found.region == "us-west-2"
    unpriced = {line.what for line in found.unpriced}
    assert {"KMS keys", "WAF web ACL", "Aurora Serverless v2"} <= unpriced
    assert "ElastiCache (redis)" not in unpriced, "recorded for us-west-2"
    text = "\n".join(render(found))
    assert f"at least ${found.total:,.2f}: {len(unpriced)} lines have no us-west-2 price" in text
    assert "no price" in text


def test_a_region_with_no_prices_at_all_is_said_plainly() -> None:
    run = synth("dev", config=NEW_REGION)
    text = render(estimate(run))
    assert text[1] == "  no prices are recorded for ap-southeast-5: nothing can be estimated"
    assert len(text) == 2, "no total is made up"


def test_prod_adds_high_availability_over_dev_at_the_same_prices(dev, prod) -> None:
    """Priced in one region, prod's extra lines are what high availability and protection
    cost: a NAT per AZ, more tasks, Aurora readers, cache replicas, WAF."""
    low, high = estimate(dev), estimate(prod, "us-east-1")
    assert high.unpriced == []
    extra = {line.what for line in high.lines} - {line.what for line in low.lines}
    assert {"WAF web ACL", "WAF rules and rule groups", "WAF requests"} <= extra
    cost = {line.what: line.monthly for line in high.lines}
    assert cost["NAT gateways"] == pytest.approx(3 * 730 * 0.045)
    assert cost["Aurora Serverless v2"] == pytest.approx(2 * 1 * 730 * 0.12)
    assert high.total > 2 * low.total


def test_every_price_names_its_source_and_every_usage_is_stated() -> None:
    for region, table in PRICES["regions"].items():
        for key, (price, source) in table.items():
            assert price > 0, (region, key)
            assert source.split()[0].rstrip(";") in PRICES["sources"], (region, key)
    text = "\n".join(render(estimate(synth("dev"))))
    for name in USAGE:
        assert f"{name}=" in text
    assert "Excludes data transfer" in text


def test_make_preview_ends_with_the_estimate_and_make_cost_sets_tiers_side_by_side(
    dev, staging, prod
) -> None:
    printed = report(dev)
    start = printed.index("Estimated monthly cost of stack 'dev' in us-east-1:")
    assert printed[start:] == render(estimate(dev))
    table = side_by_side([estimate(r) for r in (dev, staging, prod)], "ecs")
    assert table[1].split() == ["dev", "us-east-1", "staging", "us-east-1", "prod", "us-west-2"]
    assert table[-1].split()[:2] == ["Total", "$90.64"]
    assert table[-1].split()[-2] == ">=", "prod's total is a lower bound"


def test_make_cost_says_first_which_totals_lack_prices(synthesized) -> None:
    from tapsim.cost import unpriced_note

    prod = estimate(synthesized["prod"])
    (note, _) = unpriced_note([estimate(synthesized["dev"]), prod])
    assert note.startswith(
        f"Note: no recorded price for some lines of prod on ecs in {prod.region} "
        f"({len(prod.unpriced)} lines)"
    )
    assert "REGION=us-east-1" in note
    assert unpriced_note([estimate(synthesized["dev"])]) == [
        "Every line below has a recorded price."
    ]


def test_make_cost_takes_any_stack_file(synthesized, monkeypatch, capsys) -> None:
    """A stack that holds a whole app is priced on both runtimes, a shared one once."""
    from tapsim import cost
    from tests.conftest import synth

    asked = []
    monkeypatch.setattr(
        cost, "synthesize", lambda s, config=None: asked.append(config) or synth(s, config=config)
    )
    assert cost.main(["--stack", "dev", "--stack", "dev-web"]) == 0
    assert asked[:2] == [None, {"tap:compute": "asg"}], "dev on ECS is the stack file's own run"
    out = capsys.readouterr().out
    assert out.splitlines()[0] == "Every line below has a recorded price."
    assert out.count("dev us-east-1") == 2
    assert "dev-web us-east-1" in out


def test_make_cost_of_a_stack_it_cannot_read_prints_only_why(capsys) -> None:
    assert main(["--stack", "nosuch"]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "no stack file Pulumi.nosuch.yaml" in captured.err
