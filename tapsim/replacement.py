"""Whether a change replaces a resource, as the provider decides it.

Three sources, all in `tapsim/data/force_new.json` (written by `tapsim.schema_tables` from
terraform-provider-aws's Go source): the inputs marked `ForceNew` (or `RequiresReplace`),
nested attributes marked so inside a block, and the `CustomizeDiff` functions that replace
on a condition. A condition is modelled where the stacks can meet it (an engine version
that goes down, an engine changed other than Redis to Valkey, ...); the others are kept in
words, with no rule.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from typing import Any

from tapsim.schema_tables import TABLES

_DATA: dict[str, Any] = json.loads(TABLES.read_text())
RESOURCES: dict[str, dict[str, Any]] = _DATA["resources"]
# Inputs that replace every type: its own `region` (the provider adds the rule to each).
EVERY_TYPE = frozenset(_DATA["everyType"]["forceNew"])
FORCE_NEW: dict[str, frozenset[str]] = {
    typ: frozenset(entry["forceNew"]) | EVERY_TYPE for typ, entry in RESOURCES.items()
}


def at_path(value: Any, path: list[str]) -> Any:
    """The values under a dotted path, through lists (`a.b` of `{"a": [{"b": 1}]}` is [1])."""
    if not path:
        return value
    if isinstance(value, list):
        return [at_path(item, path) for item in value]
    if isinstance(value, Mapping):
        return at_path(value.get(path[0]), path[1:])
    return None


def _version(text: Any) -> tuple[int, ...]:
    return tuple(int(p) for p in re.findall(r"\d+", str(text or "")))


def _decreased(before: Any, after: Any) -> bool:
    wanted = _version(after)
    return wanted < _version(before)[: len(wanted)]


# Each modelled condition, given the rule and the input's value before and after the change
# (both present and different), and the new inputs.
_CHANGE_RULES: dict[str, Any] = {
    "change": lambda rule, before, after, new: True,
    "decrease": lambda rule, before, after, new: _decreased(before, after),
    "changeExcept": lambda rule, before, after, new: [before, after] not in rule["except"],
    "changeOnly": lambda rule, before, after, new: [before, after] in rule["only"],
    "changeUnlessSet": lambda rule, before, after, new: new.get(rule["unless"]) is None,
    "changeUnlessPrefix": lambda rule, before, after, new: (
        not str(new.get(rule["unless"][0], "")).startswith(rule["unless"][1])
    ),
}


def _rule_holds(rule: Mapping[str, Any], old: Mapping[str, Any], new: Mapping[str, Any]) -> bool:
    if rule["kind"] == "whichIsSet":
        return [old.get(k) is None for k in rule["inputs"]] != [
            new.get(k) is None for k in rule["inputs"]
        ]
    before, after = old.get(rule["input"]), new.get(rule["input"])
    if before == after or before is None:
        return False
    return bool(_CHANGE_RULES[rule["kind"]](rule, before, after, new))


def conditional(
    typ: str, old: Mapping[str, Any], new: Mapping[str, Any], changed: Iterable[str]
) -> tuple[str, ...]:
    """Why a change replaces `typ` beyond its top-level table: the nested attributes that
    changed, and the `CustomizeDiff` rules that hold, by the inputs they name."""
    entry = RESOURCES.get(typ)
    if entry is None:
        return ()
    changed = set(changed)
    reasons = [
        path
        for path in entry["nested"]
        if path.split(".")[0] in changed
        and at_path(old, path.split(".")) != at_path(new, path.split("."))
    ]
    for case in entry["customizeDiff"]:
        rule = case.get("rule")
        if rule and changed & set(case["inputs"]) and _rule_holds(rule, old, new):
            reasons.append("/".join(case["inputs"]))
    return tuple(reasons)
