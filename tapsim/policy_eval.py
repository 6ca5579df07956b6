"""IAM policy evaluation as AWS documents it, so the stack's own policies can be asked offline
whether they allow what an AWS integration needs.

moto stores policies but never evaluates them, and its access-control code matches only the
`StringEquals` operator and treats a principal or condition mismatch as an explicit deny, so
this module implements the documented rules instead:
- IAM User Guide, "Policy evaluation logic": an explicit Deny wins; otherwise any Allow
  allows; otherwise the request is implicitly denied. Within one account an Allow from the
  identity-based or the resource-based policies is enough (`same_account`); across accounts
  both the caller's account and the resource's must allow (`cross_account`).
- "IAM JSON policy elements": `Principal` (AWS account, role ARN, service, `*`; never a
  partial wildcard), `Action` and `NotAction` (case-insensitive, `*` and `?` wildcards),
  `Resource` and `NotResource` (case-sensitive wildcards), `Version` (policy variables exist
  only in the 2012-10-17 language).
- The `Condition` element and policy variables: `tapsim.policy_conditions`.
What is not evaluated (`NotPrincipal`, binary operators) or would not be accepted by AWS
(a principal matched by part of a name) raises `UnsupportedPolicy`.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from tapsim.policy_conditions import (
    UnsupportedPolicy,
    Value,
    as_list,
    condition,
    glob_match,
    substitute,
)

__all__ = [
    "Decision",
    "PrincipalMatch",
    "Request",
    "Result",
    "UnsupportedPolicy",
    "Value",
    "applies",
    "as_list",
    "cross_account",
    "evaluate",
    "glob_match",
    "principal_match",
    "same_account",
    "statements",
]


class Decision(enum.Enum):
    ALLOW = "allow"
    DENY = "deny"
    IMPLICIT_DENY = "implicit deny"


class PrincipalMatch(enum.Enum):
    """How a resource policy's `Principal` matched: by name, or by naming the caller's
    account (which delegates the decision to the caller's IAM policies)."""

    NONE = 0
    ACCOUNT = 1
    DIRECT = 2


@dataclass(frozen=True)
class Request:
    """One API request as AWS authorizes it."""

    action: str
    resource: str
    principal: str = ""
    context: Mapping[str, Value] = field(default_factory=dict)


@dataclass(frozen=True)
class Result:
    decision: Decision
    principal: PrincipalMatch = PrincipalMatch.DIRECT

    @property
    def allowed(self) -> bool:
        return self.decision is Decision.ALLOW


# The policy language version that introduced policy variables ("IAM JSON policy elements:
# Version"); without it, or with the older 2008-10-17, `${aws:username}` is literal text.
VARIABLES_VERSION = "2012-10-17"


def _document(policy: str | Mapping[str, Any]) -> Mapping[str, Any]:
    return json.loads(policy) if isinstance(policy, str) else policy


def statements(policy: str | Mapping[str, Any]) -> list[Mapping[str, Any]]:
    found = _document(policy).get("Statement", [])
    return [found] if isinstance(found, Mapping) else list(found)


def evaluate(policy: str | Mapping[str, Any], request: Request, *, resource_policy: bool) -> Result:
    """The decision one policy gives; for a resource policy, also how the principal matched
    in the statements that allowed."""
    variables = _document(policy).get("Version") == VARIABLES_VERSION
    allowed = PrincipalMatch.NONE
    for statement in statements(policy):
        match = (
            principal_match(statement, request.principal)
            if resource_policy
            else PrincipalMatch.DIRECT
        )
        if match is PrincipalMatch.NONE or not applies(statement, request, variables=variables):
            continue
        if statement["Effect"] == "Deny":
            return Result(Decision.DENY, match)
        allowed = max(allowed, match, key=lambda m: m.value)
    if allowed is PrincipalMatch.NONE:
        return Result(Decision.IMPLICIT_DENY, PrincipalMatch.NONE)
    return Result(Decision.ALLOW, allowed)


def _account_of(arn: str) -> str:
    parts = arn.split(":")
    return parts[4] if len(parts) > 5 and parts[0] == "arn" else ""


def principal_match(statement: Mapping[str, Any], caller: str) -> PrincipalMatch:
    """Whether a resource policy statement's `Principal` names the caller: `"*"` and
    `{"AWS": "*"}` name everyone, an account ID or `arn:aws:iam::ID:root` names every
    principal of that account (delegating to its IAM policies), anything else names exactly
    one principal. AWS allows no wildcard for part of a principal, so one is refused."""
    if "NotPrincipal" in statement:
        raise UnsupportedPolicy("NotPrincipal is not evaluated; the stack never writes it")
    spec = statement.get("Principal")
    if spec == "*":
        return PrincipalMatch.DIRECT
    if not isinstance(spec, Mapping):
        return PrincipalMatch.NONE
    for entry in (e for values in spec.values() for e in as_list(values)):
        if entry != "*" and ("*" in entry or "?" in entry):
            raise UnsupportedPolicy(f"a wildcard cannot match part of a principal: {entry}")
    if caller in as_list(spec.get("Service", [])):
        return PrincipalMatch.DIRECT
    for entry in as_list(spec.get("AWS", [])):
        if entry in ("*", caller):
            return PrincipalMatch.DIRECT
        account = entry if entry.isdigit() else ""
        if entry.endswith(":root"):
            account = _account_of(entry)
        if account and _account_of(caller) == account:
            return PrincipalMatch.ACCOUNT
    return PrincipalMatch.NONE


def applies(statement: Mapping[str, Any], request: Request, *, variables: bool = True) -> bool:
    """Whether the statement's action, resource and conditions all match the request;
    `variables` is False for a policy in a language version without policy variables."""
    context = request.context if variables else None
    return (
        _element(statement, "Action", request.action, case_sensitive=False)
        and _element(statement, "Resource", request.resource, case_sensitive=True, context=context)
        and all(
            condition(operator, key, as_list(expected), request.context, variables=variables)
            for operator, keys in statement.get("Condition", {}).items()
            for key, expected in keys.items()
        )
    )


def _element(
    statement: Mapping[str, Any],
    name: str,
    value: str,
    *,
    case_sensitive: bool,
    context: Mapping[str, Value] | None = None,
) -> bool:
    """`Action` / `NotAction`, `Resource` / `NotResource` (whose policy variables `context`
    resolves; an unresolved one matches nothing); a trust policy has no resource."""
    if name in statement:
        patterns, negated = statement[name], False
    elif f"Not{name}" in statement:
        patterns, negated = statement[f"Not{name}"], True
    else:
        return name == "Resource"
    if context is not None:
        patterns = [p for p in (substitute(p, context) for p in as_list(patterns)) if p is not None]
    hit = any(glob_match(p, value, case_sensitive=case_sensitive) for p in as_list(patterns))
    return hit != negated


def same_account(identity: list[Result], resource: Result | None) -> Decision:
    """One account's decision ("Policy evaluation for requests within a single account"):
    a Deny in any policy refuses; otherwise an Allow from the identity-based policies *or*
    from a resource policy naming the principal itself allows. A resource policy naming only
    the account hands the decision to the identity-based policies. (KMS key policies and role
    trust policies are stricter; their callers check those.)"""
    results = [*identity, *([resource] if resource else [])]
    if any(r.decision is Decision.DENY for r in results):
        return Decision.DENY
    by_resource = bool(
        resource and resource.allowed and resource.principal is PrincipalMatch.DIRECT
    )
    if by_resource or any(r.allowed for r in identity):
        return Decision.ALLOW
    return Decision.IMPLICIT_DENY


def cross_account(identity: list[Result], resource: Result | None) -> Decision:
    """A request from one account to a resource in another ("Cross-account policy evaluation
    logic"): AWS evaluates it in the caller's (trusted) account and in the resource's
    (trusting) account and allows it only if both allow. The caller's account allows when
    an identity-based policy does; the resource's account when its resource policy grants
    the request to the principal or to the principal's whole account. A resource policy
    alone is never enough, unlike within one account, and a Deny in either refuses."""
    results = [*identity, *([resource] if resource else [])]
    if any(r.decision is Decision.DENY for r in results):
        return Decision.DENY
    if resource and resource.allowed and any(r.allowed for r in identity):
        return Decision.ALLOW
    return Decision.IMPLICIT_DENY
