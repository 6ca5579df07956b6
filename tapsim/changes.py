"""What a later `pulumi up` changes, in words, for `make local UPDATE=...`.

The plan (`tapsim.plan`) of the change, from the program's run with the deployed settings
and with the new ones: per resource its action and each changed input, old -> new, down to
the field inside a JSON document or a list (Pulumi secrets shown as `[secret]`); what a
resource's `ignoreChanges` leaves alone, and why; and what the plan refuses, with its reason.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from tapsim.plan import Plan, changed_inputs
from tapsim.runner import Registration, RunResult

# Why an input is left alone after creation (the resource's `ignoreChanges`).
IGNORED_WHY = {
    "desiredCount": "the autoscaler owns the task count once the service runs",
    "desiredCapacity": "the autoscaler owns the instance count once the group runs",
    "authToken": "`make rotate-cache-token` changes it without losing a client",
    "insecureValue": "the pipeline records the image it delivered here",
}
SHOWN = 60
MOST = 8


def shown(value: Any, start: int = 0) -> str:
    """A value on one line, cut to SHOWN characters from `start`; a whole number without its
    `.0` (Pulumi carries every number as a float)."""
    text = _text(value)
    if len(text) <= SHOWN:
        return text
    if start <= 0:
        return text[: SHOWN - 3] + "..."
    room = SHOWN - 3
    if start + room >= len(text):
        return "..." + text[-room:]
    return "..." + text[start : start + room - 3] + "..."


def shown_pair(old: Any, new: Any) -> tuple[str, str]:
    """Two long values cut around where they first differ, so the cut never hides the
    change (two ARNs alike in their first 60 characters)."""
    a, b = _text(old), _text(new)
    same = next(
        (i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b))
    )
    start = max(0, same - SHOWN // 3) if max(len(a), len(b)) > SHOWN else 0
    return shown(old, start), shown(new, start)


def _text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return value if isinstance(value, str) else json.dumps(value, sort_keys=True)


def _document(value: Any) -> Any:
    """A JSON document held as a string (a policy, container definitions) as its value, and
    a list of named entries (`[{"name": ..., "value": ...}]`) as a map by name."""
    if isinstance(value, str) and value[:1] in "[{":
        try:
            value = json.loads(value)
        except ValueError:
            return value
    if (
        isinstance(value, list)
        and value
        and all(isinstance(v, dict) and isinstance(v.get("name"), str) for v in value)
    ):
        return {v["name"]: {k: x for k, x in v.items() if k != "name"} for v in value}
    return value


def leaf_diffs(old: Any, new: Any, path: str) -> Iterator[tuple[str, Any, Any]]:
    """Each differing leaf under `path`, through dicts, lists and JSON documents."""
    old, new = _document(old), _document(new)
    if isinstance(old, dict) and isinstance(new, dict):
        for key in sorted(old.keys() | new.keys()):
            yield from leaf_diffs(old.get(key), new.get(key), f"{path}.{key}")
    elif isinstance(old, list) and isinstance(new, list) and len(old) == len(new):
        for i, (a, b) in enumerate(zip(old, new, strict=True)):
            yield from leaf_diffs(a, b, f"{path}[{i}]")
    elif old != new:
        yield path, old, new


def _change(old: Any, new: Any) -> str:
    """`old -> new`; for two lists of values, what the new one adds and drops, since a cut of
    either would not show it (a third subnet's route table among ids alike but for it)."""
    if not (isinstance(old, list) and isinstance(new, list)) or any(
        isinstance(v, dict | list) for v in (*old, *new)
    ):
        return " -> ".join(shown_pair(old, new))
    added = [shown(v) for v in new if v not in old]
    dropped = [shown(v) for v in old if v not in new]
    moves = [f"+ {', '.join(added)}"] if added else []
    moves += [f"- {', '.join(dropped)}"] if dropped else []
    return f"{len(old)} -> {len(new)} items" + (": " + "; ".join(moves) if moves else "")


def input_lines(before: Registration, after: Registration, keys: tuple[str, ...]) -> list[str]:
    """`key: old -> new` for each changed input, secrets masked."""
    lines = []
    for key in keys:
        if key in before.secrets or key in after.secrets:
            lines.append(f"      {key}: [secret] -> [secret]")
            continue
        diffs = list(leaf_diffs(before.inputs.get(key), after.inputs.get(key), key))
        if not diffs:
            lines.append(f"      {key}: takes the replaced resource's new id")
        lines += [f"      {p}: {_change(a, b)}" for p, a, b in diffs[:MOST]]
        if len(diffs) > MOST:
            lines.append(f"      ... and {len(diffs) - MOST} more in {key}")
    return lines


def ignored(before: RunResult, after: RunResult) -> list[str]:
    """The changes `ignoreChanges` leaves alone: the setting changed, and by design
    `pulumi up` does not apply it."""
    olds = {r.urn: r for r in before.custom}
    lines = []
    for reg in after.custom:
        old = olds.get(reg.urn)
        if old is None:
            continue
        for key in reg.ignore_changes:
            if old.inputs.get(key) != reg.inputs.get(key):
                why = IGNORED_WHY.get(key, "the resource ignores it after creation")
                was, now = shown_pair(old.inputs.get(key), reg.inputs.get(key))
                lines.append(f"  ignored  {reg.name} {key}: {was} -> {now} ({why})")
    return lines


def describe(planned: Plan, before: RunResult, after: RunResult) -> list[str]:
    """The plan as `make local UPDATE=...` prints it."""
    olds = {r.urn: r for r in before.custom}
    news = {r.urn: r for r in after.custom}
    counts = planned.summary()
    lines = ["Plan: " + ", ".join(f"{n} to {a}" for a, n in counts.items() if n)]
    order = ("create", "update", "replace", "delete")
    for step in sorted(planned.changes, key=lambda s: (order.index(s.action), s.type, s.urn)):
        name = step.urn.rsplit("::", 1)[-1]
        lines.append(f"  {step.action:<7}  {step.type}  {name}")
        if step.action in ("update", "replace"):
            lines += input_lines(olds[step.urn], news[step.urn], step.changed)
        why = planned.why(step)
        if why:
            lines.append(f"      refused: {why}")
    return [*lines, *providers(before, after), *ignored(before, after)]


def providers(before: RunResult, after: RunResult) -> list[str]:
    """A provider whose settings change: no resource of the account, but what it holds
    reaches every resource it makes (default tags: each one's `tagsAll`)."""
    olds = {r.urn: r for r in before.resources if r.type.startswith("pulumi:providers:")}
    lines = []
    for reg in after.resources:
        old = olds.get(reg.urn)
        keys = changed_inputs(old.inputs, reg.inputs, ()) if old else ()
        if old and keys:
            lines.append(
                f"  provider {reg.type} {reg.name}: changes what it gives every resource it "
                "makes (default tags reach each one's tagsAll)"
            )
            lines += input_lines(old, reg, keys)
    return lines
