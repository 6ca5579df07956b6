"""The embedded AWS emulator: the real program deployed into moto through boto3.

A small core (`core`, `server`, `cloud`, `registry`) and one module per AWS service, each
owning that service's handlers and tables. The names below are imported when first used, so
that starting the server (`tapsim.emulator.server`) does not import the Pulumi SDK, boto3
or the handlers.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tapsim.emulator.cloud import Deployment, MotoCloud, deploy
    from tapsim.emulator.core import Created, EmulatorError
    from tapsim.emulator.registry import HANDLERS, RECORDED_ONLY, TAGGABLE, UNDELETABLE
    from tapsim.emulator.server import Endpoint, Server

_MODULE_OF = {
    "Deployment": "cloud", "MotoCloud": "cloud", "deploy": "cloud",
    "Created": "core", "EmulatorError": "core",
    "HANDLERS": "registry", "RECORDED_ONLY": "registry", "TAGGABLE": "registry",
    "UNDELETABLE": "registry",
    "Endpoint": "server", "Server": "server",
}  # fmt: skip

__all__ = [
    "HANDLERS",
    "RECORDED_ONLY",
    "TAGGABLE",
    "UNDELETABLE",
    "Created",
    "Deployment",
    "EmulatorError",
    "Endpoint",
    "MotoCloud",
    "Server",
    "deploy",
]


def __getattr__(name: str) -> Any:
    if name not in _MODULE_OF:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(f"{__name__}.{_MODULE_OF[name]}"), name)
