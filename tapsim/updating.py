"""`make local UPDATE=...`: the assignments typed, as config over the stack file, and the
settings checked before anything deploys: the file's own and with the update applied."""

from __future__ import annotations

import copy
import re

import yaml

from tap_platform.settings import KNOWN_KEYS, SettingsError
from tap_platform.settings.messages import HEADING
from tap_platform.settings.stackfile import unlocated
from tapsim.fake_cloud import settings_of, synthesize
from tapsim.runner import ProgramError, stack_config

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
    """The stack's settings, and with `UPDATE` applied, each checked in full before anything
    deploys (the update's by a run of the program too, so that the region's answers about it
    come now, not after the first deploy): one error names every problem of both, each
    once, and says which came with the update."""
    own = _problems(stack, config, suffix, run=False)
    new = [] if changed is None else _problems(stack, changed, suffix, run=True)
    # The file's own lines name their lines in it; the update's, over config, cannot.
    said = {unlocated(line) for line in own}
    new = [line for line in new if line not in said]
    if not own and new:
        raise SettingsError("\n".join([f"{HEADING.rstrip(':')} with UPDATE applied:", *new]))
    if own:
        also = ["with UPDATE applied, also:", *new] if new else []
        raise SettingsError("\n".join([HEADING, *own, *also]))


def _problems(stack: str, values: dict, suffix: str, *, run: bool) -> list[str]:
    """The lines of what is wrong with the stack under `values`, read by the settings' check
    and, with `run`, by a run of the program (a refusal of one line, such as a route another
    service holds, is a line too)."""
    try:
        # A synthesis reads the settings first, as `settings_of` does.
        (synthesize if run else settings_of)(stack, config=values, suffix=suffix)
    except (SettingsError, ProgramError) as err:
        first, *rest = str(err).splitlines()
        return rest if first == HEADING else [f"  {first}", *rest]
    return []
