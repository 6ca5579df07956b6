"""The embedded AWS emulator: the real program deployed into moto through boto3.

A small core (`core`, `server`, `cloud`, `registry`) and one module per AWS service, each
owning that service's handlers and tables.
"""

from tapsim.emulator.cloud import Deployment, MotoCloud, deploy
from tapsim.emulator.core import Created, EmulatorError
from tapsim.emulator.registry import HANDLERS, RECORDED_ONLY, TAGGABLE, UNDELETABLE
from tapsim.emulator.server import Endpoint, Server

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
