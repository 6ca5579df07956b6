"""A later `pulumi up` played against a stack deployed in the emulator.

The program runs again with changed settings; each registration is matched with what the
deployment holds and carried out as the engine would: kept untouched, updated in place (the
listener and the ECS service through their AWS update calls, the others in the emulator's
record only),
replaced when a changed input forces a new resource (the new one created first, the old one
deleted after, or the other way round where the resource asks for delete-before-replace),
created, or deleted when the program no longer declares it. Replacing or deleting a protected
resource is refused, as `pulumi up` refuses it. moto enforces what AWS enforces on the way:
a replacement under a fixed name collides with the resource it replaces.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pulumi.runtime import MockResourceArgs

from tapsim.emulator.cloud import Deployment, MotoCloud
from tapsim.emulator.core import Created, EmulatorError
from tapsim.emulator.registry import FORCE_NEW, HANDLERS, LOCAL, PENDING, REFRESH, UPDATERS
from tapsim.monitor import unwrap_secrets
from tapsim.plan import changed_inputs, deferred, forces_new, refers
from tapsim.runner import run_program


class UpdateRefusedError(EmulatorError):
    """The update would replace or delete a protected resource."""


@dataclass
class UpdatingCloud(MotoCloud):
    """MotoCloud that starts from a deployment's resources instead of an empty account."""

    prior: dict[tuple[str, str], Created] = field(default_factory=dict)
    prior_local: dict[tuple[str, str], tuple[str, dict[str, Any], dict[str, Any]]] = field(
        default_factory=dict
    )
    # The inputs of the deployment's providers, which hold nothing in the account but are
    # steps of the update as of its plan (`tapsim.plan`).
    prior_providers: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    steps: list[tuple[str, str, str]] = field(default_factory=list)
    # Called with each resource the update is about to delete, to look at the cloud then.
    before_delete: Callable[[Created], None] | None = None
    _retired: list[Created] = field(default_factory=list)
    _deleted_first: set[tuple[str, str]] = field(default_factory=set)

    def new_resource(self, args: MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        key = (args.typ, args.name)
        if args.typ.startswith("pulumi:providers:"):
            self._provider_step(key, unwrap_secrets(dict(args.inputs)))
        if not args.custom or args.typ.startswith("pulumi:providers:"):
            return super().new_resource(args)
        inputs = unwrap_secrets(dict(args.inputs))
        options = self.options.get(key)
        ignored = getattr(options, "ignore_changes", ())
        if args.typ in LOCAL:
            return self._local(args, inputs, ignored)
        prior = self.prior.pop(key, None)
        if prior is None:
            self._step("replace" if key in self._deleted_first else "create", key)
            return super().new_resource(args)
        changed = changed_inputs(prior.inputs, inputs, ignored)
        if not changed:
            self._step("keep", key)
            return self._carry(prior, prior.inputs, args)
        force_new = FORCE_NEW.get(args.typ, frozenset())
        roc = getattr(options, "replace_on_changes", ())
        if forces_new(changed, force_new, roc, typ=args.typ, old=prior.inputs, new=inputs):
            if prior.protect:
                raise UpdateRefusedError(
                    f"{args.typ} {args.name} is protected; changing {', '.join(changed)} "
                    "would replace it"
                )
            self._step("replace", key)
            if getattr(options, "delete_before_replace", False):
                self._delete_dependents(prior)
                self._delete(prior)
            else:
                self._retired.append(prior)
            return super().new_resource(args)
        self._step("update", key)
        waiting = deferred(args.typ, changed, inputs, PENDING)
        if waiting:
            # AWS keeps the running values until the window, and the provider reads those
            # back: the next `pulumi up` sees the same change again.
            inputs = {**inputs, **{k: prior.inputs.get(k) for k in waiting}}
        if args.typ in UPDATERS:
            UPDATERS[args.typ](self.context(prior.region, args.name), prior.id, inputs)
        return self._carry(prior, inputs, args)

    def _delete_dependents(self, item: Created) -> None:
        """What Pulumi deletes before a delete-before-replace: the resources that would be
        replaced with it, those whose replace-forcing inputs hold its id or ARN (a cluster's
        instances). Each is made again when the program declares it."""
        ids = {v for v in (item.id, item.state.get("arn")) if isinstance(v, str) and v}
        for key, other in list(self.prior.items()):
            forced = FORCE_NEW.get(other.type, frozenset())
            if any(k in forced and refers(v, ids) for k, v in other.inputs.items()):
                self.prior.pop(key, None)
                self._delete_dependents(other)
                self._delete(other)
                self._deleted_first.add(key)

    def _local(
        self, args: MockResourceArgs, inputs: dict[str, Any], ignored: tuple[str, ...]
    ) -> tuple[str | None, dict[str, Any]]:
        """A locally computed value (a password) is kept unless its inputs change."""
        key = (args.typ, args.name)
        prior = self.prior_local.pop(key, None)
        if prior and not changed_inputs(prior[2], inputs, ignored):
            self.local[key] = prior
            self._step("keep", key)
            return prior[0], {**dict(args.inputs), **prior[1]}
        self._step("replace" if prior else "create", key)
        return super().new_resource(args)

    def _carry(
        self, prior: Created, inputs: dict[str, Any], args: MockResourceArgs
    ) -> tuple[str, dict[str, Any]]:
        """The resource as deployed, with `inputs` recorded as its own."""
        kept = Created(
            prior.type,
            prior.name,
            prior.id,
            prior.region,
            {**prior.state, **inputs},
            prior.emulated,
            inputs,
            prior.protect,
        )
        with self._lock:
            self.created.append(kept)
        computed = {k: v for k, v in prior.state.items() if k not in prior.inputs}
        return prior.id, {**dict(args.inputs), **computed}

    def _provider_step(self, key: tuple[str, str], inputs: dict[str, Any]) -> None:
        before = self.prior_providers.get(key)
        changed = before is not None and changed_inputs(before, inputs, ())
        self._step("create" if before is None else "update" if changed else "keep", key)

    def _step(self, action: str, key: tuple[str, str]) -> None:
        with self._lock:
            self.steps.append((action, *key))

    def _delete(self, item: Created) -> None:
        if self.before_delete:
            self.before_delete(item)
        if item.protect:
            raise UpdateRefusedError(f"{item.type} {item.name} is protected; the update deletes it")
        if item.emulated:
            HANDLERS[item.type][1](self.context(item.region, item.name), item.id, item.state)

    def finish(self) -> None:
        """Deletes what the program no longer declares, newest first, then what was replaced."""
        for item in reversed(list(self.prior.values())):
            self._delete(item)
            self.steps.append(("delete", item.type, item.name))
        for item in reversed(self._retired):
            self._delete(item)
        self.prior.clear()


def update(
    deployment: Deployment,
    *,
    config: dict[str, Any] | None = None,
    before_delete: Callable[[Created], None] | None = None,
) -> tuple[list[tuple[str, str, str]], Deployment]:
    """Runs the deployment's program again with `config` and applies the difference; the
    steps are (action, type, logical name)."""
    old = deployment.cloud
    cloud = UpdatingCloud(
        endpoint=old.endpoint,
        prior={(c.type, c.name): c for c in old.created},
        prior_local=dict(old.local),
        prior_providers={
            (r.type, r.name): r.inputs
            for r in deployment.run.resources
            if r.type.startswith("pulumi:providers:")
        },
        before_delete=before_delete,
    )
    started = time.perf_counter()
    run = run_program(deployment.stack, cloud, environment_suffix=deployment.suffix, config=config)
    cloud.finish()
    old.created.clear()
    return cloud.steps, Deployment(
        stack=deployment.stack,
        suffix=deployment.suffix,
        region=deployment.region,
        run=run,
        cloud=cloud,
        seconds=time.perf_counter() - started,
    )


def refresh(deployment: Deployment) -> dict[str, dict[str, Any]]:
    """`pulumi refresh`: what the provider reads back from the cloud replaces what the state
    holds, so the next up diffs the program against the cloud as it is. Returns the inputs
    that changed, by logical name."""
    changed: dict[str, dict[str, Any]] = {}
    for item in deployment.cloud.created:
        read = REFRESH.get(item.type)
        if read is None:
            continue
        context = deployment.cloud.context(item.region, item.name)
        found = read(context, item.id, item.inputs)
        drift = {k: v for k, v in found.items() if item.inputs.get(k) != v}
        if drift:
            item.inputs.update(drift)
            item.state.update(drift)
            changed[item.name] = drift
    return changed
