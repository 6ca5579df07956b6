"""Runs `tap.py` for one stack under any `pulumi.runtime.Mocks` and records what it declared.

The record is plain data (types, names, camelCase inputs, parents, providers, exports), so
unit tests, the preview printer and the emulator all read the same thing.
"""

from __future__ import annotations

import asyncio
import copy
import json
import runpy
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import pulumi
import yaml
from pulumi.runtime import mocks as pulumi_mocks
from pulumi.runtime.config import set_all_config
from pulumi.runtime.settings import ROOT, get_root_resource

from tap_platform.naming import Namer, Service
from tap_platform.settings import (
    NAMESPACE,
    Settings,
    SettingsError,
    load_settings,
    read_stack_file,
)
from tapsim.monitor import (
    EngineLog,
    RecordingMonitor,
    Registration,
    no_stack_traces,
    quiet_run_errors,
)
from tapsim.process import environment_overrides
from tapsim.project import PROJECT_DIR, SHARED_STACKS, STACKS  # noqa: F401  (re-exported)

# The types of what a deployment makes in the account: AWS resources and the program's own
# dynamic resources.
IN_THE_ACCOUNT = ("aws:", "pulumi-python:dynamic:")


@dataclass
class RunResult:
    """Everything one program run declared and exported."""

    project: str
    stack: str
    config: dict[str, str]
    resources: list[Registration]
    outputs: dict[str, Any]
    secret_outputs: frozenset[str]
    warnings: list[str]
    # Every (role, service) the program asked `Namer.name` for: the names a run depends
    # on, which tests check against each service's limits under other projects and suffixes.
    names: frozenset[tuple[str, Service]] = frozenset()

    def of_type(self, typ: str) -> list[Registration]:
        return [r for r in self.resources if r.type == typ]

    def one(self, typ: str, name: str | None = None) -> Registration:
        found = [r for r in self.of_type(typ) if name is None or r.name == name]
        if len(found) != 1:
            raise LookupError(f"expected one {typ} {name or ''}, found {len(found)}")
        return found[0]

    def by_urn(self, urn: str) -> Registration:
        return next(r for r in self.resources if r.urn == urn)

    def ancestors(self, reg: Registration) -> list[Registration]:
        chain, known = [], {r.urn: r for r in self.resources}
        while reg.parent in known:
            reg = known[reg.parent]
            chain.append(reg)
        return chain

    @property
    def custom(self) -> list[Registration]:
        """What a deployment makes in the account: AWS resources and the program's own
        dynamic resources (the app's database user); not components, providers or local
        values such as passwords."""
        return [r for r in self.resources if r.custom and r.type.startswith(IN_THE_ACCOUNT)]


STACK_REFERENCE_TYPE = "pulumi:pulumi:StackReference"


def stack_reference_state(
    stacks: Mapping[str, Mapping[str, Any]], name: str
) -> tuple[str, dict[str, Any]]:
    """What the engine answers for a stack reference: the named stack's outputs, or none
    for a stack that is not there (the program then says which setting names it)."""
    return name, {"name": name, "outputs": dict(stacks.get(name, {})), "secretOutputNames": []}


def references(
    settings: Settings, outputs_of: Callable[[str], Mapping[str, Any]]
) -> dict[str, dict[str, Any]]:
    """The outputs a service's environment reference resolves to offline: those of the
    named stack file, produced by `outputs_of` (a synthesis, or a deployment)."""
    name = settings.environment_stack
    if settings.role != "service" or not name:
        return {}
    stack = referenced_stack(name)
    return {name: dict(outputs_of(stack))} if stack else {}


def referenced_stack(reference: str, project_dir: Path = PROJECT_DIR) -> str | None:
    """The stack file a stack reference names, when it is a stack of this project:
    `dev-env`, `<org>/dev-env` or `<org>/<project>/dev-env`."""
    parts = reference.split("/")
    if len(parts) == 3 and parts[1] != read_project(project_dir)["name"]:
        return None
    stack = parts[-1]
    return stack if (project_dir / f"Pulumi.{stack}.yaml").exists() else None


def read_project(project_dir: Path = PROJECT_DIR) -> dict[str, Any]:
    return copy.deepcopy(_project((project_dir / "Pulumi.yaml").read_text()))


@lru_cache(maxsize=8)
def _project(text: str) -> dict[str, Any]:
    return yaml.safe_load(text)


def stack_config(stack: str, project_dir: Path = PROJECT_DIR) -> dict[str, Any]:
    """The stack file's `config` block with values as written (objects stay objects); a
    missing or malformed file raises `SettingsError`, said in words (`read_stack_file`)."""
    return read_stack_file(project_dir / f"Pulumi.{stack}.yaml")


def _stack_values(
    stack: str, config: Mapping[str, Any] | None, suffix: str | None, project_dir: Path
) -> dict[str, Any]:
    """The stack file's config with overrides, and `suffix` as the environmentSuffix setting."""
    values = {**stack_config(stack, project_dir), **(config or {})}
    values = {k: v for k, v in values.items() if v is not None}
    if suffix:
        values[f"{NAMESPACE}:environmentSuffix"] = suffix
    return values


def on_runtime(stack: str, compute: str | None) -> dict[str, str] | None:
    """The config override that puts `stack` on `compute`: none where its settings already
    run it there, so that run is the stack file's own (one synthesis, shared)."""
    try:
        current = stack_settings(stack).compute if compute else None
    except SettingsError:
        current = None
    return None if compute in (None, current) else {f"{NAMESPACE}:compute": compute}


def stack_settings(
    stack: str,
    *,
    config: Mapping[str, Any] | None = None,
    suffix: str | None = None,
    region: str | None = None,
    project_dir: Path = PROJECT_DIR,
) -> Settings:
    """The settings the program would load for `stack`, without running it (a settings error
    raises here as it would there)."""
    project = read_project(project_dir)["name"]
    values = _stack_values(stack, config, suffix, project_dir)
    return load_settings(
        {k.split(":", 1)[1]: v for k, v in values.items() if k.startswith(f"{NAMESPACE}:")},
        project=project,
        stack=stack,
        region=region or values.get("aws:region"),
        env={},
        provider={k.split(":", 1)[1]: v for k, v in values.items() if k.startswith("aws:")},
        others=[k for k in values if not k.startswith((f"{NAMESPACE}:", "aws:"))],
    )


def as_engine_config(values: Mapping[str, Any]) -> dict[str, str]:
    """Config as the engine passes it to a program: strings, with objects as JSON."""
    out = {}
    for key, value in values.items():
        if isinstance(value, (dict, list)):
            out[key] = json.dumps(value)
        elif isinstance(value, bool):
            out[key] = "true" if value else "false"
        else:
            out[key] = str(value)
    return out


def run_program(
    stack: str,
    mocks: pulumi_mocks.Mocks,
    *,
    config: Mapping[str, Any] | None = None,
    environment_suffix: str | None = None,
    project_dir: Path = PROJECT_DIR,
    preview: bool = False,
) -> RunResult:
    """Runs the project's `main` for `stack` (its stack file plus `config` overrides), under
    `environment_suffix` when given (as the stack's `environmentSuffix` setting), with any
    ENVIRONMENT_SUFFIX of the calling shell out of the way."""
    project = read_project(project_dir)
    values = _stack_values(stack, config, environment_suffix, project_dir)
    engine_config = as_engine_config(values)

    exported: dict[str, Any] = {}
    secret: set[str] = set()

    async def collect() -> None:
        for key, value in get_root_resource().outputs.items():  # type: ignore[union-attr]
            out = pulumi.Output.from_input(value)
            exported[key] = await out.future()
            if await out.is_secret():
                secret.add(key)

    @pulumi.runtime.test
    def program() -> Any:
        runpy.run_path(str(project_dir / project["main"]), run_name="__main__")
        return pulumi.Output.from_input(asyncio.ensure_future(collect()))

    asked: set[tuple[str, Service]] = set()
    engine = mocked_engine(
        mocks, project=project["name"], stack=stack, config=engine_config, preview=preview
    )
    with engine as (monitor, engine_log), names_asked(asked), \
            environment_overrides({"ENVIRONMENT_SUFFIX": None}):  # fmt: skip
        try:
            program()
        except pulumi.RunError as err:
            raise ProgramError(str(err), list(monitor.registrations)) from None
    return RunResult(
        project=project["name"],
        stack=stack,
        config=engine_config,
        resources=list(monitor.registrations),
        outputs=exported,
        secret_outputs=frozenset(secret),
        warnings=engine_log.warnings,
        names=frozenset(asked),
    )


@contextmanager
def names_asked(asked: set[tuple[str, Service]]) -> Iterator[None]:
    """Records into `asked` each (role, service) `Namer.name` is called with meanwhile."""
    original = Namer.name

    def recording(self: Namer, role: str, service: Service = Service.TAG) -> str:
        asked.add((role, service))
        return original(self, role, service)

    Namer.name = recording  # type: ignore[method-assign]
    try:
        yield
    finally:
        Namer.name = original  # type: ignore[method-assign]


@contextmanager
def mocked_engine(
    mocks: pulumi_mocks.Mocks,
    *,
    project: str,
    stack: str,
    config: dict[str, str],
    preview: bool = False,
) -> Iterator[tuple[RecordingMonitor, EngineLog]]:
    """A fresh event loop, engine config and mock monitor: each run starts from nothing.
    Yields the monitor that records the registrations of the program run meanwhile (under
    `pulumi.runtime.test`) and the engine's log. The SDK's stack walk is off throughout, the
    root stack's registration included (`no_stack_traces`)."""
    with no_stack_traces(), _event_loop():
        ROOT.set(None)
        set_all_config(config)
        monitor = RecordingMonitor(mocks)
        engine_log = EngineLog()
        pulumi_mocks.set_mocks(
            mocks,
            project=project,
            stack=stack,
            preview=preview,
            monitor=monitor,
            logger=engine_log.logger,
        )
        yield monitor, engine_log


@contextmanager
def _event_loop() -> Iterator[None]:
    loop = asyncio.new_event_loop()
    loop.set_exception_handler(quiet_run_errors)
    asyncio.set_event_loop(loop)
    try:
        yield
    finally:
        loop.close()
        asyncio.set_event_loop(None)


class ProgramError(pulumi.RunError):
    """The program ended with a clean error, as `pulumi up` prints it; `registered` is what
    it had declared by then."""

    def __init__(self, message: str, registered: list[Registration]) -> None:
        super().__init__(message)
        self.registered = registered
