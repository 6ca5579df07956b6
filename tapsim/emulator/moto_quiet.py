"""moto's server process without its per-request overhead, imported before it starts
(`tapsim.emulator.server`).

Profiled during the integration suite, two costs in every request did no work for it:

- werkzeug formats a log line per request, and the server's output goes nowhere;
- moto's dispatcher lists its own package directory (a `listdir` and an `isdir` per entry)
  to match the request's host against its service modules. The directory does not change
  while the server runs, so it is listed once.

Together they were about a seventh of the server's CPU time. What moto answers is unchanged.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from functools import cache

from moto import backends

logging.getLogger("werkzeug").setLevel(logging.WARNING)

_listed = backends.list_of_moto_modules


@cache
def _modules() -> frozenset[str]:
    return frozenset(_listed())


def list_of_moto_modules() -> Iterable[str]:
    """moto's service modules, listed once (a set: its one caller tests membership)."""
    return _modules()


if getattr(backends.list_of_moto_modules, "__module__", None) != __name__:
    backends.list_of_moto_modules = list_of_moto_modules
