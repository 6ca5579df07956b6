"""Validating a stack's merged settings so that every problem is found in one round.

A check across settings runs only once the settings it reads are valid: a wrong `port` would
otherwise hide a Fargate size that does not fit, and any wrong section would hide the checks
across sections. So each wrong setting is stood in for by its tier default and the settings
are validated again, until nothing new is found; a check that read a stand-in is not
reported, since its answer would be about the default, not about the stack file. The settings
with their stand-ins are kept, so that the region's checks (`tap_platform.catalog`) can still
be asked about the rest in the same round.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from types import NoneType, UnionType
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError

from tap_platform.settings.messages import Problem, problems
from tap_platform.settings.models import Settings

Loc = tuple[str, ...]
# A guard, not a limit: each round stands in at least one key not stood in before, or ends
# the loop; a check across sections can take three rounds (its key, the keys it reads, its
# last stand-in), after the rounds of the wrong values it read.
MAX_ROUNDS = 12
# Stand-ins for what no tier defaults, shaped as the settings are but no real region or
# suffix: used only to let the other checks run, whose answers about them are not reported.
STAND_INS: dict[str, Any] = {"region": "xx-stand-in-1", "environmentSuffix": "stand-in"}
# Where the tier's own default cannot fit (prod's HTTPS with no domain or certificate given,
# or one given wrong), the value that lets the rest validate, so the region is still asked.
LAST_STAND_INS: dict[Loc, Any] = {("requireHttps",): False}


@dataclass(frozen=True)
class StandIns:
    """The keys (as the stack file spells them) that were wrong and stood in for."""

    keys: frozenset[Loc] = frozenset()

    def read(self, *dotted: str) -> bool:
        """Whether a check reading these keys (`database.engine`) would read a stand-in: one
        of them, a section around it or a key within it was wrong."""
        return any(_overlaps(tuple(d.split(".")), loc) for d in dotted for loc in self.keys)


NO_STAND_INS = StandIns()


@dataclass(frozen=True)
class Validated:
    """What validating found: the settings when nothing was wrong; else every problem, and
    the settings with the wrong keys stood in for when that much validates (`partial`)."""

    settings: Settings | None
    problems: list[str]
    partial: Settings | None = None
    stand_ins: StandIns = NO_STAND_INS


def validate(
    merged: Mapping[str, Any],
    defaults: Mapping[str, Any],
    wrong: Iterable[Loc] = (),
    given: Mapping[str, Any] | None = None,
) -> Validated:
    """The settings, or every problem in them; `wrong` holds keys already reported and
    stood in for by the caller, and `given` the values the stack file gave (a key a misspelt
    one was meant as stands in only where the file gave no value of its own)."""
    data = copy.deepcopy(dict(merged))
    stood_in: set[Loc] = set(wrong)
    found: list[str] = []
    tier, standing = str(merged.get("environment")), {**STAND_INS, **defaults}
    # Under a wrong tier every default is a stand-in's: a check of one says nothing of the file.
    no_tier = ("environment",) in stood_in
    for _ in range(MAX_ROUNDS):
        try:
            settings = Settings.model_validate(data)
        except ValidationError as err:
            every = [_as_written(p, given or {}) for p in _problems(err)]
        else:
            if found or stood_in:
                return Validated(None, found, settings, StandIns(frozenset(stood_in)))
            return Validated(settings, found)
        said = [(p, _defaulted(p.loc, defaults, given)) for p in every if not _reads(p, stood_in)]
        lines = [
            p.defaulted(tier) if default else p.text
            for p, default in said
            if not (default and no_tier)
        ]
        found += [line for line in lines if line not in found]
        # A check that read a stand-in is not reported, but its key is stood in for as well,
        # so that the rest still validates (and the region can be asked about it). The key
        # a misspelt one was meant as holds its default: a stand-in too.
        fresh = {p.loc for p in every} - stood_in
        if not fresh:
            # Only checks that read a stand-in fail now (a default memory that does not fit
            # the cpu given): the keys they read stand in too, so the rest validates and the
            # region can still be asked about it.
            fresh = {need for p in every for need in p.needs} - stood_in
        if not fresh:
            # No default fits: the last stand-ins, which need no default, are all that is left.
            fresh = _last_stand_ins(data, every)
            stood_in |= fresh
            if fresh:
                continue
            break
        for loc in sorted(fresh, key=len):
            _stand_in(data, loc, standing)
        stood_in |= fresh | {m for p in every for m in p.meant if not holds(given or {}, m)}
    return Validated(None, found)


def _last_stand_ins(data: dict[str, Any], every: Sequence[Problem]) -> set[Loc]:
    """The keys of `LAST_STAND_INS` a problem is still about, set to their last stand-in."""
    fresh = set()
    for problem in every:
        value = LAST_STAND_INS.get(problem.loc)
        if problem.loc in LAST_STAND_INS and data.get(problem.loc[0]) != value:
            data[problem.loc[0]] = value
            fresh.add(problem.loc)
    return fresh


def _as_written(problem: Problem, given: Mapping[str, Any]) -> Problem:
    """A value the file gives in a short form (a secret as one string, which the model reads
    as its `from`) is said at the key the file names."""
    *outer, last = problem.loc or ("",)
    if last != "from" or not isinstance(_at(given, tuple(outer)), str):
        return problem
    written, read = ":" + ".".join(outer), ":" + ".".join(problem.loc)
    return replace(
        problem,
        loc=tuple(outer),
        text=problem.text.replace(read, written, 1),
        head=problem.head.replace(read, written, 1),
    )


def _at(given: Mapping[str, Any], loc: Loc) -> Any:
    """The value `given` holds at `loc`, or `_ABSENT`."""
    node: Any = given
    for part in loc:
        if not isinstance(node, Mapping) or part not in node:
            return _ABSENT
        node = node[part]
    return node


_ABSENT = object()


def _problems(err: ValidationError) -> list[Problem]:
    found = []
    for error in err.errors():
        loc = [str(p) for p in error["loc"]]
        if error["type"] != "extra_forbidden":
            found += problems(error, known=_fields_at(loc))
            continue
        *section, key = loc
        held = [s for s in _sections() if key in _fields_at([s])] if len(section) == 1 else []
        found += problems(error, _fields_at(section), elsewhere=[(s, key) for s in held])
    return found


def _sections() -> list[str]:
    """The sections of `tap:` settings (the provider's keys live under `aws:`)."""
    return [s for s in _fields_at([]) if s != "provider" and _fields_at([s])]


def _defaulted(loc: Loc, defaults: Mapping[str, Any], given: Mapping[str, Any] | None) -> bool:
    """Whether the value at `loc` is the tier's, the stack file giving none."""
    return given is not None and holds(defaults, loc) and not holds(given, loc)


def holds(given: Mapping[str, Any], loc: Loc) -> bool:
    """Whether `given` holds a value at `loc` (`("service", "cpu")`)."""
    return _at(given, loc) is not _ABSENT


def _reads(problem: Problem, stood_in: set[Loc]) -> bool:
    """Whether the problem is about a stand-in, or its check read one."""
    return any(_overlaps(key, loc) for key in (problem.loc, *problem.needs) for loc in stood_in)


def _overlaps(a: Loc, b: Loc) -> bool:
    shorter = min(len(a), len(b))
    return a[:shorter] == b[:shorter]


def _stand_in(data: dict[str, Any], loc: Loc, defaults: Mapping[str, Any]) -> None:
    """Puts the default of the deepest key of `loc` that has one in place; a key with no
    default (a misspelt setting, a variable's name, a tag) is removed instead."""
    node: Any = data
    known: Any = defaults
    for depth, part in enumerate(loc):
        if not isinstance(node, dict):
            return
        if not (isinstance(known, Mapping) and part in known):
            # A key YAML read as a number (a tag `5:`) is named by its text in `loc`.
            for key in [k for k in node if str(k) == part]:
                node.pop(key)
            return
        deeper = depth < len(loc) - 1
        nested = isinstance(known[part], Mapping) and isinstance(node.get(part), dict)
        if not deeper or not nested:
            node[part] = copy.deepcopy(known[part])
            return
        node, known = node[part], known[part]


def _fields_at(loc: Sequence[str]) -> list[str]:
    """The settings of the section at `loc`, as the stack file spells them."""
    current: Any = Settings
    for part in loc:
        model = _model(current)
        if model is not None:
            field = next(
                (f for name, f in model.model_fields.items() if part in (f.alias, name)), None
            )
            if field is None:
                return []
            current = field.annotation
        elif get_origin(current) is dict:
            current = get_args(current)[1]
        elif get_origin(current) is tuple:
            current = get_args(current)[0]
        else:
            return []
    model = _model(current)
    if model is None:
        return []
    return [f.alias or name for name, f in model.model_fields.items()]


def _model(annotation: Any) -> type[BaseModel] | None:
    """The section an annotation holds, itself or optional."""
    if get_origin(annotation) is Annotated:
        annotation = get_args(annotation)[0]
    if get_origin(annotation) in (Union, UnionType):
        args = [a for a in get_args(annotation) if a is not NoneType]
        annotation = args[0] if len(args) == 1 else None
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    return None
