"""The `Condition` element and policy variables, as the IAM User Guide documents them:
- "IAM JSON policy elements: Condition": context key names are not case-sensitive;
  conditions are ANDed across operators and keys and ORed across a key's values.
- "IAM JSON policy elements: Condition operators": String, Arn, Bool, Numeric, Date,
  IpAddress and Null operators and the `IfExists` suffix (on any operator but `Null`). A key
  the request lacks fails a positive operator and satisfies a negated one. `ArnEquals` and
  `ArnLike` compare the six colon-separated parts of an ARN one by one, each part taking `*`
  and `?` wildcards. Dates are epoch seconds or W3C ISO 8601 (`2020-01`, `2020-01-01`,
  `2020-01-01T00:00Z`, ...), without wildcards; Numeric and Date values take no policy
  variables.
- "Condition operators with multiple context keys or values": `ForAllValues:` is true when
  every request value matches (and when the key is missing or its values are a null data
  set such as an empty string), `ForAnyValue:` when at least one does (so never for a
  missing key or a null data set); a negated operator applies to each value ("matches none
  of the policy values").
- "IAM policy elements: Variables and tags": `${key}` (with `${key, 'default'}` and the
  literals `${*}`, `${?}`, `${$}`) in `Resource` and in String and Arn condition values is
  replaced from the request context; a variable without a value matches nothing. A policy
  without `"Version": "2012-10-17"` has no variables: `${...}` is literal text there.
Anything AWS would not accept or this module does not evaluate (binary operators, unknown
operators or set prefixes, `NullIfExists`, a Numeric or Date policy value that is not a
number or a date) raises `UnsupportedPolicy`.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from functools import cache
from typing import Any

Value = str | Sequence[str]

# Private-use characters standing for a literal `*` / `?` produced by `${*}` / `${?}`.
_STAR, _QUESTION = "\ue000", "\ue001"
_VARIABLE = re.compile(r"\$\{([^}]*)\}")
_DEFAULT = re.compile(r"^\s*([^,]+?)\s*,\s*'([^']*)'\s*$")


class UnsupportedPolicy(NotImplementedError):  # noqa: N818 - the name the issue asks for
    """The policy uses something this evaluator does not evaluate; refusing beats guessing."""


def as_list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list | tuple) else [value]


def glob_match(pattern: str, value: str, *, case_sensitive: bool) -> bool:
    """IAM wildcards: `*` any run of characters, `?` one character; nothing else is special."""
    return _wildcards(pattern, case_sensitive).fullmatch(value) is not None


@cache
def _wildcards(pattern: str, case_sensitive: bool) -> re.Pattern[str]:
    literal = {_STAR: re.escape("*"), _QUESTION: re.escape("?")}
    regex = "".join(
        ".*" if c == "*" else "." if c == "?" else literal.get(c, re.escape(c)) for c in pattern
    )
    return re.compile(regex, (0 if case_sensitive else re.IGNORECASE) | re.DOTALL)


def lookup(context: Mapping[str, Value], key: str) -> Value | None:
    """A context value by key name, ignoring case as AWS does."""
    wanted = key.lower()
    return next((v for k, v in context.items() if k.lower() == wanted), None)


def substitute(text: str, context: Mapping[str, Value]) -> str | None:
    """`text` with its policy variables replaced, or None when one has no (single) value."""
    missing = False

    def replace(match: re.Match[str]) -> str:
        nonlocal missing
        inner = match[1]
        if inner in ("*", "?", "$"):
            return {"*": _STAR, "?": _QUESTION, "$": "$"}[inner]
        default = _DEFAULT.match(inner)
        key = default[1] if default else inner.strip()
        found = lookup(context, key)
        if isinstance(found, str):
            return found
        if found is None and default:
            return default[2]
        missing = True
        return ""

    result = _VARIABLE.sub(replace, text)
    return None if missing else result


def arn_match(pattern: str, arn: str) -> bool:
    """`ArnEquals` / `ArnLike`: part by colon-separated part, a wildcard never crossing one."""
    expected, actual = pattern.split(":", 5), arn.split(":", 5)
    if len(expected) != 6 or len(actual) != 6:
        return False
    return all(glob_match(e, a, case_sensitive=True) for e, a in zip(expected, actual, strict=True))


def _date(text: str) -> datetime:
    """Epoch seconds, or one of the W3C profile's ISO 8601 forms; its year-and-month form
    (`2020-01`) stands for the first instant of the month. (A bare year is read as epoch
    seconds: both are plain numbers, and AWS documents epoch time as one.)"""
    if re.fullmatch(r"-?\d+(\.\d+)?", text):
        return datetime.fromtimestamp(float(text), UTC)
    if re.fullmatch(r"\d{4}-\d{2}", text):
        text += "-01"
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _ip(expected: str, actual: str) -> bool:
    try:
        return ipaddress.ip_address(actual) in ipaddress.ip_network(expected, strict=False)
    except ValueError:
        return False


_ORDER: dict[str, Callable[[Any, Any], bool]] = {
    "Equals": lambda a, e: a == e,
    "LessThan": lambda a, e: a < e,
    "LessThanEquals": lambda a, e: a <= e,
    "GreaterThan": lambda a, e: a > e,
    "GreaterThanEquals": lambda a, e: a >= e,
}


_EXACT: dict[str, Callable[[str, str], bool]] = {
    "StringEquals": lambda e, a: e == a,
    "StringEqualsIgnoreCase": lambda e, a: e.lower() == a.lower(),
    "StringLike": lambda e, a: glob_match(e, a, case_sensitive=True),
    "ArnEquals": arn_match,
    "ArnLike": arn_match,
    "Bool": lambda e, a: e.lower() == a.lower(),
    "IpAddress": _ip,
}


_PARSE: dict[str, Callable[[str], Any]] = {"Numeric": float, "Date": _date}


def _literal(base: str, expected: str) -> Any:
    """A Numeric or Date operator's policy value as a number or a date. AWS takes neither
    policy variables nor (for dates) wildcards there, so anything else is a policy AWS would
    not evaluate as written: refused rather than guessed at."""
    kind = "Numeric" if base.startswith("Numeric") else "Date"
    try:
        return _PARSE[kind](expected)
    except (ValueError, OverflowError) as error:
        raise UnsupportedPolicy(f"{base} needs a {kind.lower()} value, not {expected!r}") from error


def _compare(base: str, expected: str, actual: str) -> bool:
    """One policy value against one request value. A request value that is not a number
    (or a date) equals, precedes and follows nothing."""
    if base in _EXACT:
        return _EXACT[base](expected, actual)
    kind = "Numeric" if base.startswith("Numeric") else "Date"
    wanted = _literal(base, expected)
    try:
        found = _PARSE[kind](actual)
    except (ValueError, OverflowError):
        return False
    return _ORDER[base.removeprefix(kind)](found, wanted)


_NEGATED = {
    "StringNotEquals": "StringEquals",
    "StringNotEqualsIgnoreCase": "StringEqualsIgnoreCase",
    "StringNotLike": "StringLike",
    "ArnNotEquals": "ArnEquals",
    "ArnNotLike": "ArnLike",
    "NumericNotEquals": "NumericEquals",
    "DateNotEquals": "DateEquals",
    "NotIpAddress": "IpAddress",
}
_VARIABLES_IN = ("String", "Arn")
_KNOWN = {*_EXACT, *(f"{kind}{relation}" for kind in ("Numeric", "Date") for relation in _ORDER)}


def condition(
    operator: str,
    key: str,
    expected: list[Any],
    context: Mapping[str, Value],
    *,
    variables: bool = True,
) -> bool:
    """One operator on one key: does the request satisfy it? `variables` is False for a
    policy whose language version has no policy variables."""
    quantifier, _, op = operator.rpartition(":")
    if quantifier not in ("", "ForAllValues", "ForAnyValue"):
        raise UnsupportedPolicy(f"condition set operator {quantifier} is not evaluated")
    if op == "NullIfExists":
        raise UnsupportedPolicy("IfExists cannot be added to the Null operator")
    if_exists = op.endswith("IfExists")
    op = op.removesuffix("IfExists")
    found = lookup(context, key)
    if op == "Null":
        return any(str(e).lower() == ("true" if found is None else "false") for e in expected)
    negated, base = op in _NEGATED, _NEGATED.get(op, op)
    if base not in _KNOWN:
        raise UnsupportedPolicy(f"condition operator {op} is not evaluated")
    patterns = [str(e) for e in expected]
    if base.startswith(_VARIABLES_IN) and variables:
        patterns = [p for p in (substitute(e, context) for e in patterns) if p is not None]
    if base.startswith(tuple(_PARSE)):
        for pattern in patterns:  # a value AWS would not compare is refused, key or no key
            _literal(base, pattern)
    actual = [] if found is None else [str(v) for v in as_list(found)]
    if quantifier and all(v == "" for v in actual):
        # No values, or only empty strings: the null data set of the set operators.
        return quantifier == "ForAllValues" or (found is None and if_exists)
    if found is None:
        return if_exists or negated

    def satisfied(value: str) -> bool:
        """One request value against the policy's values: a match for a positive
        operator, no match at all for a negated one."""
        return any(_compare(base, e, value) for e in patterns) != negated

    if quantifier == "ForAllValues":
        return all(satisfied(v) for v in actual)
    if quantifier == "ForAnyValue":
        return any(satisfied(v) for v in actual)
    return all(satisfied(v) for v in actual) if negated else any(satisfied(v) for v in actual)
