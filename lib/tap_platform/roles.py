"""Which settings each role of a stack takes, and the role an ephemeral stack gets.

One program serves three roles (`tap:role`): `all`, the whole service with its own network and
load balancer; `environment`, what the services of an environment share; and `service`, one
service on a shared environment, which it reads through a stack reference. A setting that
the stack's role would ignore is refused, so that no value is silently without effect.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

# Stacks named like a pull request join the dev environment unless they say otherwise.
EPHEMERAL_PATTERN = re.compile(r"^pr\d+$")
EPHEMERAL_ENVIRONMENT = "dev-env"

# Top-level settings, and keys of `tap:loadBalancer`, that belong to one side only.
ENVIRONMENT_KEYS = frozenset({"network", "waf", "domain", "certificateArn"})
ENVIRONMENT_EDGE_KEYS = frozenset({"ingressCidrs", "idleTimeoutSeconds", "sslPolicy"})
SERVICE_KEYS = frozenset(
    {"service", "database", "cache", "pipeline", "instances", "compute", "route"}
)
SERVICE_EDGE_KEYS = frozenset(
    {"healthCheckPath", "healthCheckIntervalSeconds", "deregistrationDelaySeconds"}
)
ATTACH_KEYS = frozenset({"environmentStack", "route"})


def implied_role(values: Mapping[str, Any], suffix: str) -> dict[str, Any]:
    """An ephemeral stack (`pr1234`) that names no role is a service on the dev
    environment: it creates no VPC, NAT gateway, load balancer or public address."""
    if "role" in values or not EPHEMERAL_PATTERN.match(suffix):
        return {}
    return {"role": "service", "environmentStack": values.get("environmentStack")
            or EPHEMERAL_ENVIRONMENT}  # fmt: skip


def misplaced(role: str, values: Mapping[str, Any], *, implied: bool = False) -> list[str]:
    """A line for each given setting that `role` does not take."""
    edge = values.get("loadBalancer")
    edge_keys = set(edge) if isinstance(edge, Mapping) else set()
    how = "an ephemeral stack is a service by default" if implied else f"tap:role is {role}"
    if role == "service":
        wrong = sorted(ENVIRONMENT_KEYS & values.keys())
        wrong += sorted(f"loadBalancer.{k}" for k in ENVIRONMENT_EDGE_KEYS & edge_keys)
        why = (
            f"belongs to the environment, and {how}; set it in the environment's stack "
            "(or set tap:role: all for a stack of its own)"
        )
    elif role == "environment":
        wrong = sorted((SERVICE_KEYS | ATTACH_KEYS) & values.keys())
        wrong += sorted(f"loadBalancer.{k}" for k in SERVICE_EDGE_KEYS & edge_keys)
        why = f"belongs to a service, and {how}; set it in a service's stack"
    else:
        wrong = sorted(ATTACH_KEYS & values.keys())
        why = "applies to tap:role: service only; this stack has its own load balancer"
    return [f"tap:{key}: {why}" for key in wrong]


def missing(role: str, environment_stack: str | None) -> list[str]:
    if role == "service" and not environment_stack:
        return [
            "tap:environmentStack: a service names the environment stack it joins, as "
            "<org>/<project>/<stack> (such as organization/tap/dev-env) or a stack of this "
            "project (dev-env)"
        ]
    return []
