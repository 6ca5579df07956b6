"""The mock engine a program runs against: the monitor that records every registration, and
what keeps a run quiet and fast (no stack traces, no repeated errors, the engine's log kept)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi.runtime.resource as sdk_resource
from pulumi.runtime import mocks as pulumi_mocks
from pulumi.runtime.proto import source_pb2

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
    # The inputs that hold a Pulumi secret, anywhere in their value.
    secrets: tuple[str, ...] = ()


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
                secrets=tuple(k for k, v in inputs.items() if _holds_secret(v)),
            )
        )
        return response


def _holds_secret(value: Any) -> bool:
    if isinstance(value, dict):
        return value.get(SECRET_SIG) is not None or any(map(_holds_secret, value.values()))
    return isinstance(value, list) and any(map(_holds_secret, value))


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
def quiet_run_errors(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
    """A settings error raised while outputs resolve fails every output derived from them;
    the program reports it once, so the copies left unretrieved, and the tasks still
    waiting on them when the run stops, are not printed again."""
    pending = str(context.get("message", "")).startswith("Task was destroyed but it is pending")
    if not pending and not isinstance(context.get("exception"), pulumi.RunError):
        loop.default_exception_handler(context)


@contextmanager
def no_stack_traces() -> Iterator[None]:
    """The SDK walks the Python stack at every registration to tell the engine where the
    resource was declared; mocks never read it, and under a test runner's deep stack that
    walk costs about a quarter of each synthesis."""
    original = sdk_resource._get_stack_trace
    sdk_resource._get_stack_trace = source_pb2.StackTrace
    try:
        yield
    finally:
        sdk_resource._get_stack_trace = original


class EngineLog(logging.Handler):
    """Keeps what the program logs to the engine at warning level (deprecations among it)."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.warnings: list[str] = []
        self.logger = logging.Logger("tap.engine", logging.WARNING)
        self.logger.addHandler(self)

    def emit(self, record: logging.LogRecord) -> None:
        self.warnings.append(record.getMessage())
