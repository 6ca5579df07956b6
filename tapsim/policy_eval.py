"""IAM policy evaluation as AWS documents it, so the stack's own policies can be asked offline
whether they allow what an AWS integration needs.

moto stores policies but never evaluates them, and its access-control code matches only the
`StringEquals` operator and treats a principal or condition mismatch as an explicit deny, so
this module implements the documented rules instead:
- IAM User Guide, "Policy evaluation logic": an explicit Deny wins; otherwise any Allow
  allows; otherwise the request is implicitly denied.
- "IAM JSON policy elements": `Principal` (AWS account, role ARN, service), `Action` and
  `NotAction` (case-insensitive, `*` and `?` wildcards), `Resource` and `NotResource`
  (case-sensitive wildcards).
- "IAM JSON policy elements: Condition operators": String, Arn, Bool, Numeric and Null
  operators, the `IfExists` suffix and the `ForAnyValue:` / `ForAllValues:` set prefixes.
  Conditions are ANDed across operators and keys and ORed across a key's values; a key the
  request lacks fails a positive operator and satisfies a negated one.
"""

from __future__ import annotations

import enum
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

Value = str | Sequence[str]


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


def statements(policy: str | Mapping[str, Any]) -> list[Mapping[str, Any]]:
    document = json.loads(policy) if isinstance(policy, str) else policy
    found = document.get("Statement", [])
    return [found] if isinstance(found, Mapping) else list(found)


def evaluate(policy: str | Mapping[str, Any], request: Request, *, resource_policy: bool) -> Result:
    """The decision one policy gives; for a resource policy, also how the principal matched
    in the statements that allowed."""
    allowed = PrincipalMatch.NONE
    for statement in statements(policy):
        match = (
            principal_match(statement, request.principal)
            if resource_policy
            else PrincipalMatch.DIRECT
        )
        if match is PrincipalMatch.NONE or not applies(statement, request):
            continue
        if statement["Effect"] == "Deny":
            return Result(Decision.DENY, match)
        allowed = max(allowed, match, key=lambda m: m.value)
    if allowed is PrincipalMatch.NONE:
        return Result(Decision.IMPLICIT_DENY, PrincipalMatch.NONE)
    return Result(Decision.ALLOW, allowed)


def as_list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list | tuple) else [value]


def glob_match(pattern: str, value: str, *, case_sensitive: bool) -> bool:
    """IAM wildcards: `*` any run of characters, `?` one character; nothing else is special."""
    return _wildcards(pattern, case_sensitive).fullmatch(value) is not None


@cache
def _wildcards(pattern: str, case_sensitive: bool) -> re.Pattern[str]:
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.compile(regex, (0 if case_sensitive else re.IGNORECASE) | re.DOTALL)


def _account_of(arn: str) -> str:
    parts = arn.split(":")
    return parts[4] if len(parts) > 5 and parts[0] == "arn" else ""


def principal_match(statement: Mapping[str, Any], caller: str) -> PrincipalMatch:
    if "NotPrincipal" in statement:
        raise NotImplementedError("NotPrincipal is not evaluated; the stack never writes it")
    spec = statement.get("Principal")
    if spec == "*":
        return PrincipalMatch.DIRECT
    if not isinstance(spec, Mapping):
        return PrincipalMatch.NONE
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


def applies(statement: Mapping[str, Any], request: Request) -> bool:
    return (
        _element(statement, "Action", request.action, case_sensitive=False)
        and _element(statement, "Resource", request.resource, case_sensitive=True)
        and all(
            _condition(operator, key, as_list(expected), request.context)
            for operator, keys in statement.get("Condition", {}).items()
            for key, expected in keys.items()
        )
    )


def _element(statement: Mapping[str, Any], name: str, value: str, *, case_sensitive: bool) -> bool:
    """`Action` / `NotAction`, `Resource` / `NotResource`; a trust policy has no resource."""
    if name in statement:
        patterns, negated = statement[name], False
    elif f"Not{name}" in statement:
        patterns, negated = statement[f"Not{name}"], True
    else:
        return name == "Resource"
    hit = any(glob_match(p, value, case_sensitive=case_sensitive) for p in as_list(patterns))
    return hit != negated


def _compare(base: str, expected: str, actual: str) -> bool:
    if base in ("StringEquals", "ArnEquals"):
        return expected == actual
    if base == "StringEqualsIgnoreCase":
        return expected.lower() == actual.lower()
    if base in ("StringLike", "ArnLike"):
        return glob_match(expected, actual, case_sensitive=True)
    if base == "Bool":
        return expected.lower() == str(actual).lower()
    if base.startswith("Numeric"):
        a, e = float(actual), float(expected)
        return {
            "NumericEquals": a == e,
            "NumericLessThan": a < e,
            "NumericLessThanEquals": a <= e,
            "NumericGreaterThan": a > e,
            "NumericGreaterThanEquals": a >= e,
        }[base]
    raise NotImplementedError(f"condition operator {base} is not evaluated")


_NEGATED = {
    "StringNotEquals": "StringEquals",
    "StringNotEqualsIgnoreCase": "StringEqualsIgnoreCase",
    "StringNotLike": "StringLike",
    "ArnNotEquals": "ArnEquals",
    "ArnNotLike": "ArnLike",
    "NumericNotEquals": "NumericEquals",
}


def _condition(operator: str, key: str, expected: list[Any], context: Mapping[str, Value]) -> bool:
    quantifier, _, op = operator.rpartition(":")
    if_exists = op.endswith("IfExists")
    op = op.removesuffix("IfExists")
    present = key in context
    if op == "Null":
        return any(str(e).lower() == ("false" if present else "true") for e in expected)
    if not present:
        return if_exists or op in _NEGATED
    actual = [str(v) for v in as_list(context[key])]
    base = _NEGATED.get(op, op)
    expected_text = [str(e) for e in expected]

    def hit(value: str) -> bool:
        return any(_compare(base, e, value) for e in expected_text)

    if quantifier == "ForAllValues":
        matched = all(hit(v) for v in actual)
    else:
        matched = any(hit(v) for v in actual)
    return not matched if op in _NEGATED else matched
