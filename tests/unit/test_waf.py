"""WAF: on in staging and prod, a setting elsewhere (Security Hub ELB.16)."""

from __future__ import annotations

import pytest

from tap_platform.waf import LOG_GROUP_PREFIX, MANAGED_RULE_GROUPS, Waf, WafArgs
from tapsim.alone import NAMER, build_alone

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


def test_dev_can_turn_it_on_and_set_the_limit(every_option) -> None:
    run = every_option
    (rate,) = [r for r in run.one(ACL).inputs["rules"] if "rateBasedStatement" in r["statement"]]
    assert rate["statement"]["rateBasedStatement"]["limit"] == 500


def test_waf_alone_guards_the_alb_it_is_given_at_its_rate_and_logs_every_request() -> None:
    key = "arn:aws:kms:us-east-1:111122223333:key/alone"
    alb = "arn:aws:elasticloadbalancing:us-east-1:111122223333:loadbalancer/app/alone/1"
    args = WafArgs(namer=NAMER, alb_arn=alb, rate_limit=300, log_retention_days=30, kms_key_arn=key)
    run = build_alone(lambda: Waf("waf", args))
    acl = run.one(ACL)
    assert acl.inputs["name"] == "demo-waf-alone"
    assert len(acl.inputs["rules"]) == len(MANAGED_RULE_GROUPS) + 1
    (rate,) = [r for r in acl.inputs["rules"] if "rateBasedStatement" in r["statement"]]
    assert rate["statement"]["rateBasedStatement"]["limit"] == 300
    association = run.one("aws:wafv2/webAclAssociation:WebAclAssociation").inputs
    assert association == {"resourceArn": alb, "webAclArn": acl.state["arn"]}
    group = run.one("aws:cloudwatch/logGroup:LogGroup")
    assert group.inputs == {
        "name": f"{LOG_GROUP_PREFIX}demo-waf-alone",
        "retentionInDays": 30,
        "kmsKeyId": key,
    }
    logging = run.one("aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration").inputs
    assert logging["logDestinationConfigs"] == [group.state["arn"]]
