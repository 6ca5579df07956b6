"""The web ACL in front of the internet-facing ALB (Security Hub ELB.16).

AWS's managed rule groups block the common exploits (core rule set), requests known to be
bad, and addresses Amazon's threat intelligence lists; a rate-based rule blocks a client IP
that sends more than `rate_limit` requests in 5 minutes. Every request is logged to an
encrypted log group, whose name must start with `aws-waf-logs-` (AWS WAF Developer Guide,
"Sending web ACL traffic logs to an Amazon CloudWatch Logs log group").
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from tap_platform.logs import log_group
from tap_platform.naming import Namer, Service, checked

# AWS WAF Developer Guide, "AWS Managed Rules rule groups list".
MANAGED_RULE_GROUPS = (
    "AWSManagedRulesCommonRuleSet",
    "AWSManagedRulesKnownBadInputsRuleSet",
    "AWSManagedRulesAmazonIpReputationList",
)
LOG_GROUP_PREFIX = "aws-waf-logs-"


@dataclass(frozen=True)
class WafArgs:
    """The load balancer the web ACL guards, the per-IP rate it allows, and how its request
    log is kept.

    Attributes:
        namer: names the web ACL, and through it the log group and metrics.
        alb_arn: the load balancer the web ACL is associated with.
        rate_limit: requests one client IP may send in any 5 minutes before it is blocked
            (AWS WAF accepts 10 to 2,000,000,000).
        log_retention_days: days the request log is kept, one of the retention periods
            CloudWatch Logs offers.
        kms_key_arn: the key the request log's group is encrypted with.
    """

    namer: Namer
    alb_arn: pulumi.Input[str]
    rate_limit: int
    log_retention_days: int
    kms_key_arn: pulumi.Input[str]


def _visibility(metric: str) -> dict:
    return {
        "cloudwatch_metrics_enabled": True,
        "metric_name": metric,
        "sampled_requests_enabled": True,
    }


def rules(rate_limit: int) -> list[dict]:
    """The managed groups, counted as their own actions say (`override_action: none`), then
    the rate limit, which blocks."""
    managed = [
        {
            "name": group,
            "priority": priority,
            "override_action": {"none": {}},
            "statement": {"managed_rule_group_statement": {"name": group, "vendor_name": "AWS"}},
            "visibility_config": _visibility(group),
        }
        for priority, group in enumerate(MANAGED_RULE_GROUPS, start=1)
    ]
    rate = {
        "name": "RateLimitPerIp",
        "priority": len(managed) + 1,
        "action": {"block": {}},
        "statement": {"rate_based_statement": {"limit": rate_limit, "aggregate_key_type": "IP"}},
        "visibility_config": _visibility("RateLimitPerIp"),
    }
    return [*managed, rate]


class Waf(pulumi.ComponentResource):
    """Web ACL, its association with the ALB, and its logging."""

    def __init__(self, name: str, args: WafArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("tap:edge:Waf", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        acl_name = args.namer.name("waf", Service.WEB_ACL)
        self.acl = aws.wafv2.WebAcl(
            f"{name}-acl",
            name=acl_name,
            scope="REGIONAL",
            default_action={"allow": {}},
            rules=rules(args.rate_limit),
            visibility_config=_visibility(acl_name),
            opts=child,
        )
        aws.wafv2.WebAclAssociation(
            f"{name}-association",
            resource_arn=args.alb_arn,
            web_acl_arn=self.acl.arn,
            opts=child,
        )
        self.log_group = log_group(
            self,
            f"{name}-logs",
            group_name=checked(f"{LOG_GROUP_PREFIX}{acl_name}", Service.LOG_GROUP),
            retention_days=args.log_retention_days,
            kms_key_arn=args.kms_key_arn,
        )
        aws.wafv2.WebAclLoggingConfiguration(
            f"{name}-logging",
            resource_arn=self.acl.arn,
            log_destination_configs=[self.log_group.arn],
            opts=child,
        )
        self.register_outputs({"webAclArn": self.acl.arn})
