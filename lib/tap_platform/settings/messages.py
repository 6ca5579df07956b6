"""The words of every settings error: one line per problem, `key = value: what is allowed`,
with the key spelled as the stack file spells it and no validator's jargon."""

from __future__ import annotations

import difflib
import itertools
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from tap_platform.naming import SUFFIX_PATTERN
from tap_platform.settings.limits import (
    APP_SECRET_PATTERN,
    CERTIFICATE_PATTERN,
    CODEBUILD_IMAGE_PATTERN,
    CONNECTION_ARN_PATTERN,
    HOSTNAME_PATTERN,
    KMS_KEY_ARN_PATTERN,
    REGION_PATTERN,
    ROLE_ARN_PATTERN,
    ROUTE_PATH_PATTERN,
    STACK_REFERENCE_PATTERN,
)

if TYPE_CHECKING:
    from tap_platform.settings.models import Settings
    from tap_platform.settings.validation import StandIns

HEADING = "invalid settings:"
# The last line of an error the region could not be asked about.
REGION_LATER = "(the region is asked about the other settings once these are fixed)"


class SettingsError(ValueError):
    """A setting that cannot produce a working stack. An error of `invalid` keeps its
    problems, one per line, and may carry what it found valid (`partial`, with `stand_ins`
    for the wrong keys), so that the region can be asked about the rest before it is raised."""

    def __init__(
        self,
        message: str,
        *,
        problems: Sequence[str] = (),
        partial: Settings | None = None,
        stand_ins: StandIns | None = None,
    ) -> None:
        super().__init__(message)
        self.problems = tuple(problems) or (message,)
        self.partial = partial
        self.stand_ins = stand_ins

    def unasked(self) -> SettingsError:
        """The same problems, saying that the region was not asked about the rest: its
        answers come once these are fixed, in the next round."""
        return SettingsError(
            f"{self}\n  {REGION_LATER}",
            problems=self.problems,
            partial=self.partial,
            stand_ins=self.stand_ins,
        )


class FieldError(ValueError):
    """A check across fields whose fault lies with one of them: `field` is its dotted key
    below the model, in the stack file's spelling; `needs` names the other keys (below the
    same model) the check read, so that it is not reported when one of those was itself wrong
    and stood in for by its default."""

    def __init__(
        self, field: str | tuple[str, ...], message: str, *, needs: tuple[str, ...] = ()
    ) -> None:
        super().__init__(message)
        self.path = field if isinstance(field, tuple) else tuple(field.split("."))
        self.needs = tuple(tuple(need.split(".")) for need in needs)


class CheckError(ValueError):
    """Every problem one check across fields found, raised together."""

    def __init__(self, errors: Sequence[FieldError]) -> None:
        super().__init__("; ".join(map(str, errors)))
        self.errors = tuple(errors)


def raise_all(errors: Sequence[FieldError]) -> None:
    if errors:
        raise CheckError(errors)


def invalid(
    problems: Sequence[str], partial: Settings | None = None, stand_ins: StandIns | None = None
) -> SettingsError:
    """One error that lists every problem found, each on its own line."""
    return SettingsError(
        "\n  ".join([HEADING, *problems]),
        problems=problems,
        partial=partial,
        stand_ins=stand_ins,
    )


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
    CODEBUILD_IMAGE_PATTERN: "a CodeBuild-managed image written in full, "
    "aws/codebuild/<name>:<tag>, such as aws/codebuild/amazonlinux-x86_64-standard:5.0 "
    "(CodeBuild API Reference, ProjectEnvironment: image)",
    KMS_KEY_ARN_PATTERN: "a KMS key ARN (arn:<partition>:kms:<region>:<account>:key/<id>)",
}
# What names a value the stack file did not give.
_DEFAULT_NOTE = "tier's default"
# The key a problem's line starts with, indented in a message or not: `tap:service.port = 80:
# ...`, `app:owner: ...`, `service: ...`, `tap:tags, the key 5: ...`.
_LINE_KEY = re.compile(r"^\s*(?P<key>[A-Za-z][\w-]*(?::[\w.-]+)?)(?= = |: |, the key )")
# Where a value may come from besides its own key.
_ALSO_FROM = {"environmentSuffix": " (the suffix is this setting, else the stack name)"}


@dataclass(frozen=True)
class Problem:
    """One problem: where (the key below the settings, in the stack file's spelling), the
    other keys its check read, the line that says it, and for a key no section holds, the
    keys it was probably meant as."""

    loc: tuple[str, ...]
    needs: tuple[tuple[str, ...], ...]
    text: str
    meant: tuple[tuple[str, ...], ...] = ()
    # `key = value`, where the line names a value.
    head: str = ""

    def defaulted(self, tier: str) -> str:
        """The line of a value the stack file did not give: the tier's own default."""
        if not self.head:
            return self.text
        return f"{self.head} (the {tier} {_DEFAULT_NOTE}){self.text[len(self.head) :]}"


def problems(
    error: Mapping[str, Any],
    known: Sequence[str] = (),
    elsewhere: Sequence[tuple[str, ...]] = (),
) -> list[Problem]:
    """The lines of one validator error, `key = value: what is allowed`; `known` holds the
    settings beside the key (for a misspelt one) or inside it (for a section given as a
    value), and `elsewhere` the keys of other sections with the name of a key its section
    does not hold."""
    loc = tuple(str(p) for p in error["loc"])
    if error["type"] == "extra_forbidden":
        return [_unheld(loc, error.get("input"), known, elsewhere)]
    found = (error.get("ctx") or {}).get("error")
    if isinstance(found, CheckError | FieldError):
        each = found.errors if isinstance(found, CheckError) else (found,)
        return [_field_problem(loc, error.get("input"), e) for e in each]
    text = _plain(error, known) + _ALSO_FROM.get(".".join(loc), "")
    shown = error.get("input")
    return [Problem(loc, (), _line(loc, shown, text), head=_head(loc, shown))]


def _unheld(
    loc: tuple[str, ...], given: Any, known: Sequence[str], elsewhere: Sequence[tuple[str, ...]]
) -> Problem:
    """A key its section does not hold. The key it was probably meant as (the same name in
    another section, else a near spelling in this one) holds only its default, so it is
    wrong too (`meant`); one or two other sections are named in the line."""
    *section, key = loc
    near = difflib.get_close_matches(key, known, n=1)
    meant = tuple(elsewhere) or tuple((*section, n) for n in near)
    if 0 < len(elsewhere) <= 2:
        named = " or ".join("tap:" + ".".join(m) for m in elsewhere)
        text = f"is not a setting here; did you mean {named}?"
    else:
        text = "is not a setting" + (f"; did you mean {near[0]}?" if near else _known(known))
    return Problem(loc, (), _line(loc, given, text), meant)


def _field_problem(loc: tuple[str, ...], given: Any, error: FieldError) -> Problem:
    shown = given
    for part in error.path:
        shown = shown.get(part) if isinstance(shown, Mapping) else None
    needs = tuple(loc + need for need in error.needs)
    where = loc + error.path
    return Problem(where, needs, _line(where, shown, str(error)), head=_head(where, shown))


def _line(loc: tuple[str, ...], shown: Any, message: str) -> str:
    return f"{_head(loc, shown)}: {message}"


def _head(loc: tuple[str, ...], shown: Any) -> str:
    """`tap:service.port = 80`; a section given as a whole, by its name alone; a mapping's
    key that is wrong itself, as `tap:tags, the key 5`."""
    if "[key]" in loc:
        return f"{_head(loc[: loc.index('[key]') - 1], {})}, the key {said(shown)}"
    if loc == ("region",):
        name = "aws:region"
    elif loc[:1] == ("provider",):
        name = "aws:" + ".".join(loc[1:])
    else:
        name = "tap:" + ".".join(loc)
    return name if isinstance(shown, Mapping) else f"{name} = {said(shown)}"


def value_end(rest: str) -> int:
    """Where the value of ` = <value>: what is wrong` ends: at the first ': ' outside its
    quotes and brackets (a mapping's repr holds ': ' of its own)."""
    depth, quote, escaped = 0, "", False
    for i, char in enumerate(rest):
        if quote:
            quote = "" if char == quote and not escaped else quote
            escaped = char == "\\" and not escaped
        elif char in "'\"":
            quote = char
        elif char in "([{":
            depth += 1
        elif char in ")]}":
            depth -= 1
        elif depth == 0 and rest.startswith(": ", i):
            return i
    return 0


def key_of(line: str) -> str | None:
    """The key a problem's line names (`tap:service.port`), if it names one."""
    found = _LINE_KEY.match(line)
    return found["key"] if found else None


def noted(line: str, note: str) -> str:
    """The line with `(note)` after the value its key is given (after the key where the line
    shows no value)."""
    found = _LINE_KEY.match(line)
    if not found:
        return line
    end = found.end("key")
    rest = line[end:]
    at = end + (value_end(rest) if rest.startswith(" = ") else 0)
    return f"{line[:at]} ({note}){line[at:]}"


def defaults_named(lines: Sequence[str], given: frozenset[str] | None, tier: str) -> list[str]:
    """Lines about `tap:` keys, each value the stack did not give (a key not in `given`)
    named as the tier's default, as the shape check names them; unchanged where what was
    given is not known (`None`)."""
    if given is None:
        return list(lines)
    return [noted(line, f"the {tier} {_DEFAULT_NOTE}") if _defaulted(line, given) else line
            for line in lines]  # fmt: skip


def _defaulted(line: str, given: frozenset[str]) -> bool:
    """Whether the line shows the value of a `tap:` key the stack did not give, not yet
    named as a default."""
    key = key_of(line) or ""
    shows_value = line.lstrip().startswith(f"{key} = ")
    fresh = _DEFAULT_NOTE not in line
    return key.startswith("tap:") and key[4:] not in given and shows_value and fresh


def said(value: Any) -> str:
    """A value as a message shows it: as Python writes it, but a boolean and nothing as YAML
    writes them (`true`, which the file may have spelt `on` or `yes`, and `null`)."""
    if value is None:
        return "null"
    return str(value).lower() if isinstance(value, bool) else repr(value)


def _plain(error: Mapping[str, Any], known: Sequence[str]) -> str:
    """A validator's error in words: what the key must be, never the validator's jargon."""
    kind, ctx = error["type"], dict(error.get("ctx") or {})
    given = error.get("input")
    if isinstance(given, Mapping) and set(given) == {"secure"}:
        return (
            "is a Pulumi secret (secure:), which only the pulumi CLI decrypts: the offline "
            "tools need a plain value here"
        )
    if kind in _SAID:
        return _SAID[kind](error, known)
    if kind in _BOUNDS:
        return _BOUNDS[kind].format(**ctx)
    if kind in ("string_too_short", "too_short") and ctx.get("min_length") == 1:
        return "must not be empty"
    if kind in _LENGTHS:
        return _LENGTHS[kind].format(**ctx)
    return _KINDS.get(kind, "is not a value this setting takes")


def _text(error: Mapping[str, Any], _known: Sequence[str]) -> str:
    given = error.get("input")
    if isinstance(given, int | float) and not isinstance(given, bool):
        return (
            f"is a number here; quote it in the stack file ('{given}'), or in UPDATE= as "
            f"key='{given}'"
        )
    if isinstance(given, bool):
        return (
            "is true or false here: YAML reads on, off, yes, no, true and false unquoted as "
            "booleans; quote the word in the stack file ('on'), or in UPDATE= as key='on'"
        )
    return "must be text"


_SAID = {
    "string_type": _text,
    "model_type": lambda _e, known: f"must be a mapping of its settings ({', '.join(known)})",
    "model_attributes_type": lambda _e, known: (
        f"must be a mapping of its settings ({', '.join(known)})"
    ),
    "string_pattern_mismatch": lambda e, _k: f"must be {PATTERN_WORDS[e['ctx']['pattern']]}",
    "value_error": lambda e, _k: str(e["msg"]).removeprefix("Value error, "),
    "literal_error": lambda e, _k: f"must be {e['ctx']['expected']}",
    "bool_for_number": lambda e, _k: (
        f"is true or false here, and must be {e['ctx']['kind']}: YAML reads on, off, yes, no, "
        "true and false unquoted as booleans"
    ),
}


def _known(known: Sequence[str]) -> str:
    return f"; the settings here are {', '.join(known)}" if known else ""


_BOUNDS = {
    "greater_than_equal": "must be at least {ge}",
    "less_than_equal": "must be at most {le}",
    "greater_than": "must be more than {gt}",
    "less_than": "must be less than {lt}",
    "multiple_of": "must be a multiple of {multiple_of}",
}
_LENGTHS = {
    "string_too_short": "must be at least {min_length} characters long",
    "string_too_long": "must be at most {max_length} characters long",
    "too_short": "must hold at least {min_length} entries",
    "too_long": "must hold at most {max_length} entries",
}
# Each kind of wrong value, by the validator's name for it.
_KINDS = {
    "missing": "is required",
    "int_type": "must be a whole number",
    "int_parsing": "must be a whole number",
    "int_from_float": "must be a whole number",
    "float_type": "must be a number",
    "float_parsing": "must be a number",
    "finite_number": "must be a finite number",
    "bool_type": "must be true or false",
    "bool_parsing": "must be true or false",
    "string_type": "must be text",
    "tuple_type": "must be a list, such as [a, b]",
    "list_type": "must be a list, such as [a, b]",
    "dict_type": "must be a mapping of names to values, such as {NAME: value}",
    "none_required": "must be left out",
}
