"""Runs `tap.py` for one stack under any `pulumi.runtime.Mocks` and records what it declared.

The record is plain data (types, names, camelCase inputs, parents, providers, exports), so
unit tests, the preview printer and the emulator all read the same thing.
"""

from __future__ import annotations

import asyncio
import gc
import json
import logging
import os
import runpy
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pulumi
import pulumi.runtime.resource as sdk_resource
import yaml
from pulumi.runtime import mocks as pulumi_mocks
from pulumi.runtime.config import set_all_config
from pulumi.runtime.proto import source_pb2
from pulumi.runtime.settings import ROOT, get_root_resource

from tap_platform.settings import NAMESPACE, Settings, load_settings

# The platform's checkout when tapsim runs from one; installed in a service's environment,
# the directory the tool runs in, which holds the service's Pulumi.yaml.
_CHECKOUT = Path(__file__).resolve().parent.parent
PROJECT_DIR = _CHECKOUT if (_CHECKOUT / "Pulumi.yaml").is_file() else Path.cwd()
SECRET_SIG = "4dabf18193072939515e22adb298388d"


@dataclass(frozen=True)
class Registration:
    """One resource as the engine would have received it."""

    urn: str
    type: str
    name: str
    custom: bool
    parent: str
    provider: str
    protect: bool
    dependencies: tuple[str, ...]
    inputs: dict[str, Any]
    id: str | None = None
    state: dict[str, Any] = field(default_factory=dict)
    ignore_changes: tuple[str, ...] = ()
    replace_on_changes: tuple[str, ...] = ()
    delete_before_replace: bool = False


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
        """AWS resources: not components, providers or local values such as passwords."""
        return [r for r in self.resources if r.custom and r.type.startswith("aws:")]


@dataclass(frozen=True)
class _Options:
    """The resource options of a registration that matter to a later update."""

    protect: bool
    ignore_changes: tuple[str, ...]
    replace_on_changes: tuple[str, ...]
    delete_before_replace: bool

    @staticmethod
    def of(request: Any) -> _Options:
        return _Options(
            bool(request.protect),
            tuple(request.ignoreChanges),
            tuple(request.replaceOnChanges),
            bool(request.deleteBeforeReplace),
        )


class RecordingMonitor(pulumi_mocks.MockMonitor):
    """The SDK's mock monitor, keeping parents, providers, protect flags and order."""

    def __init__(self, mocks: pulumi_mocks.Mocks) -> None:
        super().__init__(mocks)
        self.registrations: list[Registration] = []

    def RegisterResource(self, request: Any) -> Any:  # noqa: N802 - gRPC method name
        options = _Options.of(request)
        register_options = getattr(self.mocks, "register_options", None)
        if register_options:
            register_options(request.type, request.name, options)
        response = super().RegisterResource(request)
        if request.type == "pulumi:pulumi:Stack":
            return response
        registered = self.resources[response.urn]
        inputs = pulumi.runtime.rpc.deserialize_properties(request.object)
        self.registrations.append(
            Registration(
                urn=response.urn,
                type=request.type,
                name=request.name,
                custom=bool(request.custom),
                parent=request.parent,
                provider=request.provider,
                protect=options.protect,
                dependencies=tuple(request.dependencies),
                inputs=unwrap_secrets(inputs),
                id=registered.id,
                state=registered.state,
                ignore_changes=options.ignore_changes,
                replace_on_changes=options.replace_on_changes,
                delete_before_replace=options.delete_before_replace,
            )
        )
        return response


GC_THRESHOLDS = (100_000, 50, 50)


def relax_garbage_collection() -> None:
    """For processes that synthesize or deploy: a run holds hundreds of thousands of small
    objects (outputs, futures, inputs), and Python's cyclic collector walks all that are
    alive again and again; measured, it was 40 % of the unit suite. Objects are still freed by
    reference counting; only cycles wait longer. Everything alive so far is frozen out of
    the collector's view."""
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)


def unwrap_secrets(value: Any) -> Any:
    """Secret inputs reach mocks wrapped in a signature dict; return the plain value."""
    if isinstance(value, dict):
        if value.get(SECRET_SIG) is not None and "value" in value:
            return unwrap_secrets(value["value"])
        return {k: unwrap_secrets(v) for k, v in value.items()}
    if isinstance(value, list):
        return [unwrap_secrets(v) for v in value]
    return value


# The stack files every offline tool and the tests go through.
STACKS = ("dev", "staging", "prod")
# The shared dev environment and the services on it.
SHARED_STACKS = ("dev-env", "dev-web", "dev-api")
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
    return yaml.safe_load((project_dir / "Pulumi.yaml").read_text())


def stack_config(stack: str, project_dir: Path = PROJECT_DIR) -> dict[str, Any]:
    """The stack file's `config` block with values as written (objects stay objects)."""
    path = project_dir / f"Pulumi.{stack}.yaml"
    if not path.exists():
        return {}
    return dict((yaml.safe_load(path.read_text()) or {}).get("config") or {})


def _stack_values(
    stack: str, config: Mapping[str, Any] | None, suffix: str | None, project_dir: Path
) -> dict[str, Any]:
    """The stack file's config with overrides, and `suffix` as the environmentSuffix setting."""
    values = {**stack_config(stack, project_dir), **(config or {})}
    values = {k: v for k, v in values.items() if v is not None}
    if suffix:
        values[f"{NAMESPACE}:environmentSuffix"] = suffix
    return values


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


@contextmanager
def environment_overrides(overrides: Mapping[str, str | None]) -> Iterator[None]:
    """Sets (or, for None, removes) environment variables, restoring them afterwards."""
    saved = {k: os.environ.get(k) for k in overrides}
    try:
        for key, value in overrides.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


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

    loop = asyncio.new_event_loop()
    loop.set_exception_handler(_quiet_run_errors)
    asyncio.set_event_loop(loop)
    ROOT.set(None)
    set_all_config(engine_config)
    monitor = RecordingMonitor(mocks)
    engine_log = _EngineLog()
    pulumi_mocks.set_mocks(
        mocks,
        project=project["name"],
        stack=stack,
        preview=preview,
        monitor=monitor,
        logger=engine_log.logger,
    )
    root = get_root_resource()
    exported: dict[str, Any] = {}
    secret: set[str] = set()

    async def collect() -> None:
        for key, value in root.outputs.items():  # type: ignore[union-attr]
            out = pulumi.Output.from_input(value)
            exported[key] = await out.future()
            if await out.is_secret():
                secret.add(key)

    @pulumi.runtime.test
    def program() -> Any:
        runpy.run_path(str(project_dir / project["main"]), run_name="__main__")
        return pulumi.Output.from_input(asyncio.ensure_future(collect()))

    try:
        with environment_overrides({"ENVIRONMENT_SUFFIX": None}), _no_stack_traces():
            program()
    except pulumi.RunError as err:
        raise ProgramError(str(err), list(monitor.registrations)) from None
    finally:
        loop.close()
        asyncio.set_event_loop(None)
    return RunResult(
        project=project["name"],
        stack=stack,
        config=engine_config,
        resources=list(monitor.registrations),
        outputs=exported,
        secret_outputs=frozenset(secret),
        warnings=engine_log.warnings,
    )


def _quiet_run_errors(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
    """A settings error raised while outputs resolve fails every output derived from them;
    the program reports it once, so the copies left unretrieved, and the tasks still
    waiting on them when the run stops, are not printed again."""
    pending = str(context.get("message", "")).startswith("Task was destroyed but it is pending")
    if not pending and not isinstance(context.get("exception"), pulumi.RunError):
        loop.default_exception_handler(context)


class ProgramError(pulumi.RunError):
    """The program ended with a clean error, as `pulumi up` prints it; `registered` is what
    it had declared by then."""

    def __init__(self, message: str, registered: list[Registration]) -> None:
        super().__init__(message)
        self.registered = registered


@contextmanager
def _no_stack_traces() -> Iterator[None]:
    """The SDK walks the Python stack at every registration to tell the engine where the
    resource was declared; mocks never read it, and under a test runner's deep stack that
    walk costs about a quarter of each synthesis."""
    original = sdk_resource._get_stack_trace
    sdk_resource._get_stack_trace = source_pb2.StackTrace
    try:
        yield
    finally:
        sdk_resource._get_stack_trace = original


class _EngineLog(logging.Handler):
    """Keeps what the program logs to the engine at warning level (deprecations among it)."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.warnings: list[str] = []
        self.logger = logging.Logger("tap.engine")
        self.logger.addHandler(self)

    def emit(self, record: logging.LogRecord) -> None:
        self.warnings.append(record.getMessage())
