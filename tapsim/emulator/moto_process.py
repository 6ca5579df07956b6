"""moto's server process: moto's own application, served by waitress with connections kept
alive, without work that every request repeated for nothing.

`tapsim.emulator.server` starts it as `python -c` after relaxing the collector, with the
arguments of moto's server (`-H host -p port`).

Measured beside moto's own server (werkzeug's development server, which closes every
connection and starts a thread per request, by design), one STS call took 2.2 ms instead of
3.6 ms and a deployment's client spent a third less CPU time on each call. And, profiled during
the integration suite, moto's dispatcher listed its own package directory (a `listdir` and an
`isdir` per entry) in every request, to match the request's host against its service modules,
each service's first request scanned botocore's data directories again, and each request listed
the methods of its service's response class: none of these changes while the server runs, so
each is done once.

The application is moto's, given the raw request target under the name werkzeug gives it
(`RAW_URI`, which moto matches S3 keys against). Two differences remain, both in S3 object
metadata, which the stacks do not write: waitress drops request headers spelt with an
underscore (moto's own server puts those back), and it capitalises response header names, so
`head_object` returns `Other-Key` where AWS and moto's server return `other-key`.
"""

from __future__ import annotations

import argparse
import logging
import os
import resource
from collections.abc import Callable
from functools import cache
from typing import Any

import botocore.session as botocore_session
import waitress
from moto import backends
from moto.core import responses as moto_responses
from moto.core import utils as moto_utils
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

from tapsim.process import PARENT_ENV_VAR, exit_with_parent

# Enough for both test workers' concurrent deployments and their checks at once.
THREADS = 8
# Each boto3 client keeps its own connections open, and a test session makes hundreds of
# clients: a session peaked at about 280 open at once, beyond waitress's default limit (100).
CONNECTIONS = 1000
# Idle connections close after this many seconds; a client that reuses one reconnects.
IDLE = 30
# File descriptors the process needs beside its connections (modules, the listening socket).
SPARE_FILES = 64

# Its notes on queue depth are noise here; its errors still go to stderr.
logging.getLogger("waitress").setLevel(logging.ERROR)

_listed = backends.list_of_moto_modules


@cache
def list_of_moto_modules() -> frozenset[str]:
    """moto's service modules, listed once (a set: its one caller tests membership)."""
    return frozenset(_listed())


if getattr(backends.list_of_moto_modules, "__module__", None) != __name__:
    backends.list_of_moto_modules = list_of_moto_modules
    # One model loader for moto's router and one for every botocore session moto makes: each
    # new one scanned botocore's ~400 service directories, or read the endpoint table and the
    # service's model, again (about 2 s and 0.6 s of the server's time in a test session).
    moto_utils.create_loader = cache(moto_utils.create_loader)
    botocore_session.create_loader = cache(botocore_session.create_loader)
    # Every request listed its response class's methods (`inspect.getmembers`) to find the
    # action's handler: about 6% of the server's time in a test session, for classes that
    # never change.
    moto_responses.method_names_from_class = cache(moto_responses.method_names_from_class)


def application() -> Callable[..., Any]:
    """moto's WSGI application, seeing each request's raw target as under werkzeug."""
    moto = DomainDispatcherApplication(create_backend_app)

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        environ.setdefault("RAW_URI", environ.get("REQUEST_URI", ""))
        return moto(environ, start_response)

    return app


def allow_connections(wanted: int = CONNECTIONS) -> int:
    """How many connections this process can hold open: each is a file descriptor, so the soft
    limit (1024 on most Linux machines, 256 on macOS) is raised to fit, up to the hard one."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    needed = wanted + SPARE_FILES
    if soft != resource.RLIM_INFINITY and soft < needed:
        soft = needed if hard == resource.RLIM_INFINITY else min(needed, hard)
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
    return wanted if soft == resource.RLIM_INFINITY else min(wanted, soft - SPARE_FILES)


def server(host: str, port: int) -> Any:
    """The server, bound and not yet serving (`.run()` serves until the process ends)."""
    return waitress.create_server(
        application(),
        host=host,
        port=port,
        threads=THREADS,
        connection_limit=allow_connections(),
        asyncore_use_poll=True,
        channel_timeout=IDLE,
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="moto, served with keep-alive")
    parser.add_argument("-H", "--host", default="127.0.0.1")
    parser.add_argument("-p", "--port", type=int, default=5000)
    args = parser.parse_args(argv)
    if PARENT_ENV_VAR in os.environ:
        exit_with_parent(int(os.environ[PARENT_ENV_VAR]))
    # moto builds some URLs it returns (S3 presigned ones, SQS queue URLs) from it.
    os.environ.setdefault("MOTO_PORT", str(args.port))
    server(args.host, args.port).run()
