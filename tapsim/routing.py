"""Which target group an Application Load Balancer listener sends a request to.

moto stores listener rules but routes nothing, so the routing is evaluated here from the
rules as `describe_rules` returns them, against AWS or the emulator alike: rules in priority
order, the lowest first, the first whose every condition matches wins, else the default
action. A host-header condition matches case-insensitively, a path-pattern condition
case-sensitively; both take `*` (any characters) and `?` (one character), and a condition
matches when any of its values does (ELB User Guide, "Listener rules for your Application
Load Balancer", condition types).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cache
from typing import Any

from tapsim.discovery import Discovered, tags_of


@cache
def _pattern(value: str, *, ignore_case: bool) -> re.Pattern[str]:
    body = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in value)
    return re.compile(f"^{body}$", re.IGNORECASE if ignore_case else 0)


def _matches(condition: dict[str, Any], host: str, path: str) -> bool:
    field = condition["Field"]
    if field == "host-header":
        values = condition.get("HostHeaderConfig", {}).get("Values") or condition["Values"]
        return any(_pattern(v, ignore_case=True).match(host) for v in values)
    if field == "path-pattern":
        values = condition.get("PathPatternConfig", {}).get("Values") or condition["Values"]
        return any(_pattern(v, ignore_case=False).match(path) for v in values)
    raise ValueError(f"the evaluator does not know condition {field!r}")


def _order(rule: dict[str, Any]) -> float:
    return float("inf") if rule["Priority"] == "default" else int(rule["Priority"])


def route(rules: Sequence[dict[str, Any]], host: str, path: str) -> dict[str, Any]:
    """The first action of the rule that takes a request for `host` and `path`."""
    for rule in sorted(rules, key=_order):
        if all(_matches(c, host, path) for c in rule["Conditions"]):
            return rule["Actions"][0]
    raise LookupError("the listener has no default rule")


def own_target_group(found: Discovered) -> dict[str, Any]:
    """A service's target group on a shared environment, by its `EnvironmentSuffix` and
    `Project` tags (Pulumi names it)."""
    elbv2 = found.client("elbv2")
    groups = {
        g["TargetGroupArn"]: g
        for page in elbv2.get_paginator("describe_target_groups").paginate()
        for g in page["TargetGroups"]
    }
    arns = list(groups)
    for start in range(0, len(arns), 20):
        described = elbv2.describe_tags(ResourceArns=arns[start : start + 20])
        for entry in described["TagDescriptions"]:
            tags = tags_of(entry)
            owner = (tags.get("EnvironmentSuffix"), tags.get("Project"))
            if owner == (found.suffix, found.project):
                return groups[entry["ResourceArn"]]
    raise LookupError(f"no target group tagged EnvironmentSuffix={found.suffix}")


def listener_rules(found: Discovered, listener_arn: str) -> list[dict[str, Any]]:
    """The rules of an environment's listener, the default one included."""
    return found.client("elbv2").describe_rules(ListenerArn=listener_arn)["Rules"]
