"""The words of every settings error: one line per problem, `key = value: what is allowed`,
with the key spelled as the stack file spells it and no validator's jargon."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from pydantic import ValidationError

from tap_platform.naming import SUFFIX_PATTERN
from tap_platform.settings.limits import (
    APP_SECRET_PATTERN,
    CERTIFICATE_PATTERN,
    CONNECTION_ARN_PATTERN,
    HOSTNAME_PATTERN,
    KMS_KEY_ARN_PATTERN,
    REGION_PATTERN,
    ROLE_ARN_PATTERN,
    ROUTE_PATH_PATTERN,
    STACK_REFERENCE_PATTERN,
)

HEADING = "invalid settings:"


class SettingsError(ValueError):
    """A setting that cannot produce a working stack."""


class FieldError(ValueError):
    """A check across fields whose fault lies with one of them: `field` is its dotted key
    below the model, in the stack file's spelling."""

    def __init__(self, field: str | tuple[str, ...], message: str) -> None:
        super().__init__(message)
        self.path = field if isinstance(field, tuple) else tuple(field.split("."))


def invalid(problems: Sequence[str]) -> SettingsError:
    """One error that lists every problem found, each on its own line."""
    return SettingsError("\n  ".join([HEADING, *problems]))


def words(values: Iterable[int] | Iterable[str]) -> str:
    """Allowed values as a person writes them: all of a few, or a range of numbers and its
    step."""
    found: list[Any] = sorted(values)
    steps = {b - a for a, b in itertools.pairwise(found)} if isinstance(found[0], int) else set()
    if len(found) > 4 and len(steps) == 1:
        return f"{found[0]} to {found[-1]} in steps of {steps.pop()}"
    return ", ".join(map(str, found[:-1])) + f" or {found[-1]}"


# Every pattern a setting must match, in words.
PATTERN_WORDS = {
    r"^/[\x21-\x7e]*$": "a path starting with /, of printable characters without spaces",
    r"^[a-zA-Z][a-zA-Z0-9_]{0,15}$": "a letter, then up to 15 letters, digits or underscores",
    r"^[a-zA-Z][a-zA-Z0-9_]{0,62}$": "a letter, then up to 62 letters, digits or underscores",
    r"^db\.[a-z0-9]+\.[a-z0-9]+$": "a DB instance class such as db.t4g.medium",
    r"^cache\.[a-z0-9]+\.[a-z0-9]+$": "a cache node type such as cache.t4g.small",
    r"^[a-z][a-z0-9-]*\.[a-z0-9]+$": "an EC2 instance type such as t3.small",
    r"^[A-Za-z_][A-Za-z0-9_]*$": "letters, digits and underscores, not a digit first",
    r"^[\w.-]+/[\w.-]+$": "a repository as owner/name",
    r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$": "an e-mail address such as ops@example.com",
    r"^\d{12}$": "a 12-digit AWS account id",
    r"^[a-z][a-z0-9]*$": "lower-case letters and digits, a letter first",
    HOSTNAME_PATTERN: "a lower-case DNS name such as app.example.com",
    REGION_PATTERN.pattern: "a region name: area, place and number joined by hyphens",
    SUFFIX_PATTERN.pattern: "lower-case letters, digits and inner hyphens, a letter first",
    CERTIFICATE_PATTERN: "an ACM certificate ARN, or an IAM server-certificate ARN",
    ROLE_ARN_PATTERN: "an IAM role ARN, such as the one of a role named deploy",
    CONNECTION_ARN_PATTERN: "a CodeConnections (or CodeStar connections) connection ARN",
    ROUTE_PATH_PATTERN: "a path such as /api or /api/*: segments of letters, digits and . _ ~ -",
    STACK_REFERENCE_PATTERN: "a stack as <org>/<project>/<stack>, or a stack of this project",
    APP_SECRET_PATTERN: "a Secrets Manager secret or SSM parameter: its ARN, or "
    "secretsmanager:<name> or ssm:<name> in the stack's region",
    KMS_KEY_ARN_PATTERN: "a KMS key ARN (arn:<partition>:kms:<region>:<account>:key/<id>)",
}
# Where a value may come from besides its own key.
_ALSO_FROM = {"environmentSuffix": " (the suffix is this setting, else the stack name)"}


def describe(err: ValidationError) -> SettingsError:
    return invalid([line(p) for p in err.errors()])


def line(problem: Mapping[str, Any]) -> str:
    """`key = value: what is allowed`, with the key as the stack file spells it."""
    loc = [str(p) for p in problem["loc"]]
    shown = problem.get("input")
    message = problem["msg"].removeprefix("Value error, ")
    error = (problem.get("ctx") or {}).get("error")
    if isinstance(error, FieldError):
        loc += error.path
        for part in error.path:
            shown = shown.get(part) if isinstance(shown, Mapping) else None
    elif problem["type"] == "string_pattern_mismatch":
        message = f"must be {PATTERN_WORDS[problem['ctx']['pattern']]}"
    elif problem["type"] == "string_type" and isinstance(shown, int | float):
        message = f"is a number here; quote it in the stack file ('{shown}')"
    path = ".".join(loc)
    if path == "region":
        name = "aws:region"
    elif loc[0] == "provider":
        name = "aws:" + ".".join(loc[1:])
    else:
        name = f"tap:{path}"
        message += _ALSO_FROM.get(path, "")
    if isinstance(shown, Mapping):
        return f"{name}: {message}"
    return f"{name} = {shown!r}: {message}"
