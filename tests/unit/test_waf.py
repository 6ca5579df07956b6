"""WAF: on in staging and prod, a setting elsewhere (Security Hub ELB.16)."""

from __future__ import annotations

import pytest

from tap_platform.waf import MANAGED_RULE_GROUPS

ACL = "aws:wafv2/webAcl:WebAcl"


@pytest.mark.parametrize(("stack", "on"), [("dev", False), ("staging", True), ("prod", True)])
def test_the_web_acl_guards_the_alb_where_the_tier_asks(synthesized, stack, on) -> None:
    run = synthesized[stack]
    assert bool(run.of_type(ACL)) is on
    if not on:
        return
    acl = run.one(ACL)
    association = run.one("aws:wafv2/webAclAssociation:WebAclAssociation").inputs
    assert association == {"resourceArn": run.outputs["albArn"], "webAclArn": acl.state["arn"]}
    assert acl.inputs["scope"] == "REGIONAL"
    assert acl.inputs["defaultAction"] == {"allow": {}}


def test_managed_rule_groups_then_a_rate_limit_per_ip(prod) -> None:
    rules = sorted(prod.one(ACL).inputs["rules"], key=lambda r: r["priority"])
    managed = [r["statement"]["managedRuleGroupStatement"] for r in rules[:-1]]
    assert [(g["vendorName"], g["name"]) for g in managed] == [
        ("AWS", group) for group in MANAGED_RULE_GROUPS
    ]
    assert all(r["overrideAction"] == {"none": {}} for r in rules[:-1])
    rate = rules[-1]
    assert rate["action"] == {"block": {}}
    assert rate["statement"]["rateBasedStatement"] == {"limit": 2000, "aggregateKeyType": "IP"}
    assert all(r["visibilityConfig"]["sampledRequestsEnabled"] for r in rules)


def test_every_request_is_logged_to_an_encrypted_group_named_as_waf_requires(prod) -> None:
    logging = prod.one("aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration").inputs
    (group,) = [
        g
        for g in prod.of_type("aws:cloudwatch/logGroup:LogGroup")
        if g.state["arn"] in logging["logDestinationConfigs"]
    ]
    assert group.inputs["name"].startswith("aws-waf-logs-")
    assert group.inputs["kmsKeyId"] == prod.outputs["kmsKeyArn"]
    assert group.inputs["retentionInDays"] == 365


def test_dev_can_turn_it_on_and_set_the_limit(custom) -> None:
    run = custom
    (rate,) = [r for r in run.one(ACL).inputs["rules"] if "rateBasedStatement" in r["statement"]]
    assert rate["statement"]["rateBasedStatement"]["limit"] == 500
