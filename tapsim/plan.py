"""What a later `pulumi up` does to a deployed stack: the program's new run diffed with the
run that is deployed, by URN, as the Pulumi engine diffs them.

Each resource is kept, updated in place, replaced (when a changed input forces a new
resource, per the provider's schema tables in the emulator's service modules, or the
resource's `replaceOnChanges`), created or deleted; `ignoreChanges` is honoured; a protected
resource that would be replaced or deleted is refused, which stops `pulumi up`. A replaced
resource gets new ids, so what refers to them changes too, as the engine's unknown values
make it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from tapsim.runner import Registration, RunResult

# Types whose every input forces a new resource (the random provider's resources).
EVERY_INPUT = frozenset({"*"})
# The inputs that hold a resource's physical name, for the types that take one.
NAME_INPUTS = ("name", "bucket", "clusterIdentifier", "identifier", "replicationGroupId")


@dataclass(frozen=True)
class Step:
    action: str
    urn: str
    type: str
    changed: tuple[str, ...] = ()


@dataclass
class Plan:
    steps: list[Step] = field(default_factory=list)
    protected: frozenset[str] = frozenset()
    # Replacements whose new resource takes the old one's physical name while the old still
    # exists: Pulumi creates the new one first unless deleteBeforeReplace, and AWS refuses
    # a second resource of that name.
    collisions: frozenset[str] = frozenset()

    def of(self, action: str) -> list[Step]:
        return [s for s in self.steps if s.action == action]

    @property
    def changes(self) -> list[Step]:
        return [s for s in self.steps if s.action != "keep"]

    @property
    def refused(self) -> list[Step]:
        """Replacements and deletions of protected resources, and replacements that would
        collide with their own name: `pulumi up` stops on them."""
        return [
            s
            for s in self.steps
            if (s.action in ("replace", "delete") and s.urn in self.protected)
            or (s.action == "replace" and s.urn in self.collisions)
        ]

    def summary(self) -> dict[str, int]:
        counts = {a: 0 for a in ("create", "update", "replace", "delete", "keep")}
        for step in self.steps:
            counts[step.action] += 1
        return counts


def changed_inputs(
    old: Mapping[str, Any], new: Mapping[str, Any], ignore_changes: Iterable[str]
) -> tuple[str, ...]:
    """The top-level inputs that differ, less those `ignoreChanges` names."""
    ignored = {path.split(".")[0].split("[")[0] for path in ignore_changes}
    keys = (old.keys() | new.keys()) - ignored
    return tuple(sorted(k for k in keys if old.get(k) != new.get(k)))


def forces_new(
    changed: Iterable[str], force_new: frozenset[str], replace_on_changes: Iterable[str] = ()
) -> bool:
    changed = set(changed)
    if force_new == EVERY_INPUT:
        return bool(changed)
    return bool(changed & (force_new | set(replace_on_changes)))


def _changed(old: Registration, new: Registration) -> tuple[str, ...]:
    return changed_inputs(old.inputs, new.inputs, new.ignore_changes)


def _forces_new(reg: Registration, changed: tuple[str, ...], force_new: frozenset[str]) -> bool:
    return forces_new(changed, force_new, reg.replace_on_changes)


def _identities(reg: Registration) -> set[str]:
    """The values a replacement changes and dependents refer to: its id and ARN."""
    return {v for v in (reg.id, reg.state.get("arn")) if isinstance(v, str) and len(v) > 8}


def plan(deployed: RunResult, wanted: RunResult, force_new: Mapping[str, frozenset[str]]) -> Plan:
    olds = {r.urn: r for r in deployed.resources if r.custom}
    news = [r for r in wanted.resources if r.custom]
    steps: dict[str, Step] = {}
    replaced: set[str] = set()
    for reg in news:
        old = olds.get(reg.urn)
        if old is None:
            steps[reg.urn] = Step("create", reg.urn, reg.type)
            continue
        changed = _changed(old, reg)
        if not changed:
            action = "keep"
        elif _forces_new(reg, changed, force_new.get(reg.type, frozenset())):
            action = "replace"
            replaced |= _identities(old)
        else:
            action = "update"
        steps[reg.urn] = Step(action, reg.urn, reg.type, changed)
    _propagate(news, steps, replaced, force_new)
    deleted = [Step("delete", urn, old.type) for urn, old in olds.items() if urn not in steps]
    news_by_urn = {r.urn: r for r in news}
    return Plan(
        [*steps.values(), *deleted],
        frozenset(urn for urn, old in olds.items() if old.protect),
        frozenset(
            s.urn
            for s in steps.values()
            if s.action == "replace" and _collides(olds[s.urn], news_by_urn[s.urn])
        ),
    )


def _collides(old: Registration, new: Registration) -> bool:
    """The replacement keeps a fixed physical name and is made before the old one goes."""
    if new.delete_before_replace:
        return False
    return any(
        key in old.inputs and old.inputs.get(key) == new.inputs.get(key) for key in NAME_INPUTS
    )


def _propagate(
    news: list[Registration],
    steps: dict[str, Step],
    replaced: set[str],
    force_new: Mapping[str, frozenset[str]],
) -> None:
    """A resource that refers to a replaced one gets a new value for that input: an update,
    or a replacement of its own when that input forces one (and so on, in order)."""
    for reg in news:
        step = steps[reg.urn]
        if step.action not in ("keep", "update") or not replaced:
            continue
        refers = tuple(
            sorted(k for k, v in reg.inputs.items() if any(i in json.dumps(v) for i in replaced))
        )
        if not refers:
            continue
        changed = tuple(sorted({*step.changed, *refers}))
        if _forces_new(reg, changed, force_new.get(reg.type, frozenset())):
            steps[reg.urn] = Step("replace", reg.urn, reg.type, changed)
            replaced |= _identities(reg)
        else:
            steps[reg.urn] = Step("update", reg.urn, reg.type, changed)
