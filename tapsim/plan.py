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

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from tapsim.replacement import conditional
from tapsim.runner import Registration, RunResult

# Types whose every input forces a new resource (the random provider's resources).
EVERY_INPUT = frozenset({"*"})
# The inputs that hold a resource's physical name, for the types that take one.
NAME_INPUTS = ("name", "bucket", "clusterIdentifier", "identifier", "replicationGroupId")
# Where a name only has to be unique within something else, a replacement into another one
# does not collide: a security group's name within its VPC (EC2 API Reference,
# CreateSecurityGroup), a service's within its cluster (ECS API Reference, CreateService), a
# record's within its zone.
NAME_SCOPES = {
    "aws:ec2/securityGroup:SecurityGroup": "vpcId",
    "aws:ecs/service:Service": "cluster",
    "aws:route53/record:Record": "zoneId",
    "aws:rds/clusterInstance:ClusterInstance": "clusterIdentifier",
}


def name_inputs(typ: str) -> tuple[str, ...]:
    """The inputs that name `typ` itself: an S3 bucket's sub-resources take `bucket` to say
    which bucket they configure, not as a name of their own."""
    if typ.startswith("aws:s3/") and typ != "aws:s3/bucket:Bucket":
        return ()
    return NAME_INPUTS


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
    # Updates AWS defers to the maintenance window (the resource does not apply changes
    # immediately): the provider reads the running value back, so every later `pulumi up`
    # shows the same change until the window passes.
    pending: frozenset[str] = frozenset()

    def of(self, action: str) -> list[Step]:
        return [s for s in self.steps if s.action == action]

    @property
    def changes(self) -> list[Step]:
        return [s for s in self.steps if s.action != "keep"]

    @property
    def refused(self) -> list[Step]:
        """Replacements and deletions of protected resources and replacements that would
        collide with their own name, on which `pulumi up` stops, and updates left pending,
        which it would show again on every run."""
        return [s for s in self.steps if self.why(s)]

    def why(self, step: Step) -> str:
        """Why `step` is refused, in words, or "" when it is not."""
        if step.action in ("replace", "delete") and step.urn in self.protected:
            return f"{step.action}s a protected resource (its data): pulumi up stops"
        if step.action == "replace" and step.urn in self.collisions:
            return (
                "replaces it under the same name while the old one exists, which AWS "
                "refuses: give it no fixed name, or delete it before replacing it"
            )
        if step.urn in self.pending:
            return (
                f"changes {', '.join(step.changed)}, which AWS applies only in the maintenance "
                "window, so every pulumi up shows it again until then: set the section's "
                "applyImmediately to true to apply it now"
            )
        return ""

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
    changed: Iterable[str],
    force_new: frozenset[str],
    replace_on_changes: Iterable[str] = (),
    *,
    typ: str = "",
    old: Mapping[str, Any] | None = None,
    new: Mapping[str, Any] | None = None,
) -> bool:
    """Whether the change replaces: a changed input in the type's table or the resource's
    `replaceOnChanges`, or, given both sets of inputs, a nested attribute or a
    `CustomizeDiff` condition of the provider (`tapsim.replacement`)."""
    changed = set(changed)
    if force_new == EVERY_INPUT:
        return bool(changed)
    if changed & (force_new | set(replace_on_changes)):
        return True
    return old is not None and new is not None and bool(conditional(typ, old, new, changed))


def _changed(old: Registration, new: Registration) -> tuple[str, ...]:
    return changed_inputs(old.inputs, new.inputs, new.ignore_changes)


def _forces_new(
    reg: Registration, old: Mapping[str, Any], changed: tuple[str, ...], force_new: frozenset[str]
) -> bool:
    return forces_new(
        changed, force_new, reg.replace_on_changes, typ=reg.type, old=old, new=reg.inputs
    )


def _identities(reg: Registration) -> set[str]:
    """The values a replacement changes and dependents refer to: its id and ARN."""
    return {v for v in (reg.id, reg.state.get("arn")) if isinstance(v, str) and len(v) > 8}


def plan(
    deployed: RunResult,
    wanted: RunResult,
    force_new: Mapping[str, frozenset[str]],
    window: Mapping[str, frozenset[str]] | None = None,
) -> Plan:
    """The steps from `deployed` to `wanted`; `force_new` and `window` are the provider's
    replace-forcing inputs and AWS's maintenance-window inputs per type."""
    # What the account holds, as `make local` counts it: not providers or generated values,
    # whose changes show in the resources that read them.
    olds = {r.urn: r for r in deployed.custom}
    news = wanted.custom
    steps: dict[str, Step] = {}
    replaced: dict[str, set[str]] = {}
    for reg in news:
        old = olds.get(reg.urn)
        if old is None:
            steps[reg.urn] = Step("create", reg.urn, reg.type)
            continue
        changed = _changed(old, reg)
        if not changed:
            action = "keep"
        elif _forces_new(reg, old.inputs, changed, force_new.get(reg.type, frozenset())):
            action = "replace"
            replaced[reg.urn] = _identities(old)
        else:
            action = "update"
        steps[reg.urn] = Step(action, reg.urn, reg.type, changed)
    _propagate(news, olds, steps, replaced, force_new)
    deleted = [Step("delete", urn, old.type) for urn, old in olds.items() if urn not in steps]
    news_by_urn = {r.urn: r for r in news}
    window = window or {}
    return Plan(
        [*steps.values(), *deleted],
        frozenset(urn for urn, old in olds.items() if old.protect),
        frozenset(
            s.urn
            for s in steps.values()
            if s.action == "replace" and _collides(olds[s.urn], news_by_urn[s.urn], s.changed)
        ),
        frozenset(
            s.urn
            for s in steps.values()
            if s.action == "update"
            and deferred(s.type, s.changed, news_by_urn[s.urn].inputs, window)
        ),
    )


def deferred(
    typ: str,
    changed: Iterable[str],
    inputs: Mapping[str, Any],
    window: Mapping[str, frozenset[str]],
) -> tuple[str, ...]:
    """The changed inputs AWS leaves pending until the maintenance window (`window`, per
    type): those it defers when the resource does not apply changes immediately."""
    if inputs.get("applyImmediately") is not False:
        return ()
    return tuple(k for k in changed if k in window.get(typ, frozenset()))


def _collides(old: Registration, new: Registration, changed: tuple[str, ...]) -> bool:
    """The replacement keeps a fixed physical name, in the same scope, and is made before the
    old one goes."""
    if new.delete_before_replace or NAME_SCOPES.get(new.type) in changed:
        return False
    return any(
        key in old.inputs and old.inputs.get(key) == new.inputs.get(key)
        for key in name_inputs(new.type)
    )


def _leaves(value: Any) -> Iterable[str]:
    if isinstance(value, Mapping):
        for item in value.values():
            yield from _leaves(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _leaves(item)
    elif isinstance(value, str):
        yield value


def refers(value: Any, replaced: set[str]) -> bool:
    """Whether an input holds a replaced resource's id (the whole value) or ARN (also inside
    a policy document): a name that merely contains an identifier is not a reference."""
    arns = {i for i in replaced if i.startswith("arn:")}
    return any(leaf in replaced or any(arn in leaf for arn in arns) for leaf in _leaves(value))


def _propagate(
    news: list[Registration],
    olds: Mapping[str, Registration],
    steps: dict[str, Step],
    replaced: dict[str, set[str]],
    force_new: Mapping[str, frozenset[str]],
) -> None:
    """A resource that depends on a replaced one and holds its id or ARN gets a new value for
    that input: an update, or a replacement of its own when that input forces one (and so
    on, in order)."""
    for reg in news:
        step = steps[reg.urn]
        if step.action not in ("keep", "update"):
            continue
        ids = set().union(*(replaced[u] for u in reg.dependencies if u in replaced))
        referring = tuple(sorted(k for k, v in reg.inputs.items() if ids and refers(v, ids)))
        if not referring:
            continue
        changed = tuple(sorted({*step.changed, *referring}))
        old = olds[reg.urn].inputs
        if _forces_new(reg, old, changed, force_new.get(reg.type, frozenset())):
            steps[reg.urn] = Step("replace", reg.urn, reg.type, changed)
            replaced[reg.urn] = _identities(reg)
        else:
            steps[reg.urn] = Step("update", reg.urn, reg.type, changed)
