"""`make local UPDATE=...`: the assignments typed, as config over the stack file, and the
settings checked before anything deploys: the file's own and with the update applied."""

from __future__ import annotations

import copy
import re

import yaml

from tap_platform.settings import KNOWN_KEYS, SettingsError
from tap_platform.settings.messages import HEADING
from tapsim.fake_cloud import settings_of
from tapsim.runner import stack_config

# Where the next assignment of an UPDATE text starts: spaces, then `namespace:key=`.
_NEXT_ASSIGNMENT = re.compile(r"\s+(?=[A-Za-z][\w-]*:[\w.-]+=)")


def assignments(texts: list[str]) -> list[str]:
    """Each `namespace:key=value` of the texts: one may hold several, and a value may hold
    spaces itself (`tap:service.command=[python3, -m, app] tap:service.port=9090`)."""
    return [a for text in texts for a in _NEXT_ASSIGNMENT.split(text.strip()) if a]


def with_updates(stack: str, config: dict, texts: list[str]) -> dict:
    """`tap:service.image=x` as config: the stack file's value for `tap:service`, with
    `image` set (values are YAML, as in a stack file)."""
    changed = copy.deepcopy(config)
    for assignment in assignments(texts):
        path, sep, text = assignment.partition("=")
        if not sep or ":" not in path:
            meant = f"; did you mean tap:{assignment}?" if path.split(".")[0] in KNOWN_KEYS else ""
            raise ValueError(
                f"--update {assignment!r}: expected namespace:key[.key...]=value{meant}"
            )
        top, *rest = path.split(".")
        try:
            value = yaml.safe_load(text)
        except yaml.YAMLError as err:
            problem = getattr(err, "problem", None) or "not YAML"
            raise ValueError(
                f"--update {assignment!r}: the value is not YAML ({problem}); write it as in "
                "a stack file: text in quotes, a list as [a, b], an object as {key: value}"
            ) from None
        if not rest:
            changed[top] = value
            continue
        node = changed.setdefault(top, copy.deepcopy(stack_config(stack).get(top, {})))
        for key in rest[:-1]:
            node = node.setdefault(key, {})
        node[rest[-1]] = value
    return changed


def checked(stack: str, config: dict, changed: dict | None, suffix: str) -> None:
    """The stack's settings, and with `UPDATE` applied, each checked in full: one error
    names every problem of both, each once, and says which came with the update."""
    problems: list[str] = []
    for label, values in (("", config), ("with UPDATE applied", changed)):
        if values is None:
            continue
        try:
            settings_of(stack, config=values, suffix=suffix)
        except SettingsError as err:
            lines = [line for line in str(err).splitlines()[1:] if line not in problems]
            problems += [f"{label}:"] if label and lines else []
            problems += lines
    if problems:
        raise SettingsError("\n".join([HEADING, *problems]))
