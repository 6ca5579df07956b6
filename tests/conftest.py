"""Session-wide synthesis and the one emulator a test session shares.

Each stack (and each variant a test asks for) is synthesized once per session and shared; the
runs the tests read by name are the scenarios of `examples/` (`tapsim.examples`).
Under pytest-xdist, tests are grouped by the stack or deployment they read, so each worker
synthesizes or deploys mostly what its own tests need, and a run one worker synthesized is
handed to the other through a cache directory instead of being synthesized again. The
coordinating process creates that directory and starts the emulator before the workers, so
one moto serves them all.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import pickle
import shutil
import tempfile
from collections.abc import Iterator, Mapping
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from tapsim.examples import Run, all_runs
from tapsim.process import relax_garbage_collection
from tapsim.project import PROJECT_DIR, STACKS, stack_names

if TYPE_CHECKING:
    from tapsim.monitor import Registration
    from tapsim.runner import RunResult

# Every run the tests read, by name: the runs of the scenarios in examples/ (each tier as
# committed and on the Auto Scaling runtime, the shared environment and its services, an
# ephemeral stack, every option on, Auto Scaling with plain RDS).
NAMED: dict[str, Run] = all_runs()
# The runs tests take as `run` / `any_run`: the all-in-one stack files and their runtimes.
STANDARD = [*STACKS, *(f"{name}-asg" for name in STACKS)]
# Every run, for the rules that hold whatever the stack's role and settings.
EVERY = list(NAMED)


def log_groups(run: RunResult) -> list[Registration]:
    """Every log group a run makes: the provider's, and those an AWS service writes to by a
    name it fixes (`ServiceLogGroup`, a dynamic resource with the same inputs)."""
    from tapsim.emulator.dynamic import TYPE as DYNAMIC

    dynamic = [r for r in run.of_type(DYNAMIC) if "retentionInDays" in r.inputs]
    return [*run.of_type("aws:cloudwatch/logGroup:LogGroup"), *dynamic]


def synth(stack: str, *, config: dict | None = None, suffix: str | None = None) -> RunResult:
    """The program run for `stack` with optional config overrides; the same arguments give
    the same (shared, read-only) result within a process."""
    return _synth(stack, json.dumps(config, sort_keys=True) if config else "", suffix)


# The directory through which the workers of one parallel run share their synthesized runs.
SYNTH_CACHE_ENV_VAR = "TAPSIM_SYNTH_CACHE"


@cache
def _synth(stack: str, config_json: str, suffix: str | None) -> RunResult:
    shared = os.environ.get(SYNTH_CACHE_ENV_VAR)
    if not shared:
        return _run(stack, config_json, suffix)
    key = hashlib.sha1(json.dumps([stack, config_json, suffix]).encode()).hexdigest()
    path = Path(shared) / f"{key}.pickle"
    with path.with_suffix(".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if path.exists():
            return pickle.loads(path.read_bytes())
        result = _run(stack, config_json, suffix)
        path.write_bytes(pickle.dumps(result))
        return result


def _run(stack: str, config_json: str, suffix: str | None) -> RunResult:
    from tap_platform.settings import SettingsError
    from tapsim.fake_cloud import FakeCloud
    from tapsim.runner import references, run_program, stack_config, stack_settings

    config = json.loads(config_json) if config_json else None
    region = {**stack_config(stack), **(config or {})}["aws:region"]
    cloud = FakeCloud(region)
    with contextlib.suppress(SettingsError):
        settings = stack_settings(stack, config=config, suffix=suffix)
        cloud.stacks = references(settings, lambda name: synth(name).outputs)
    return run_program(stack, cloud, config=config, environment_suffix=suffix)


class Synthesized(Mapping[str, "RunResult"]):
    """The named runs, each synthesized when first read."""

    def __getitem__(self, name: str) -> RunResult:
        run = NAMED[name]
        return synth(run.stack, config=run.config, suffix=run.suffix)

    def __iter__(self) -> Iterator[str]:
        return iter(NAMED)

    def __len__(self) -> int:
        return len(NAMED)


@pytest.fixture(scope="session")
def synthesized() -> Synthesized:
    return Synthesized()


@pytest.fixture(params=EVERY)
def every_run(request: pytest.FixtureRequest, synthesized: Synthesized) -> RunResult:
    return synthesized[request.param]


@pytest.fixture(params=STACKS)
def run(request: pytest.FixtureRequest, synthesized: Synthesized) -> RunResult:
    """Each ECS stack; tests that hold for both runtimes take `any_run`."""
    return synthesized[request.param]


@pytest.fixture(params=STANDARD)
def any_run(request: pytest.FixtureRequest, synthesized: Synthesized) -> RunResult:
    return synthesized[request.param]


@pytest.fixture(params=[f"{name}-asg" for name in STACKS])
def asg_run(request: pytest.FixtureRequest, synthesized: Synthesized) -> RunResult:
    return synthesized[request.param]


@pytest.fixture
def dev(synthesized: Synthesized) -> RunResult:
    return synthesized["dev"]


@pytest.fixture
def staging(synthesized: Synthesized) -> RunResult:
    return synthesized["staging"]


@pytest.fixture
def prod(synthesized: Synthesized) -> RunResult:
    return synthesized["prod"]


@pytest.fixture
def every_option(synthesized: Synthesized) -> RunResult:
    """dev with every optional setting on, under the longest suffix (examples/every-option.yaml)."""
    return synthesized["every-option"]


def suffix_of(run: RunResult) -> str:
    return run.outputs["environmentSuffix"]


def group_of(item: pytest.Item) -> str | None:
    """The run or deployment a test reads; tests that share one share a worker. A module
    that names its own group keeps it."""
    if item.get_closest_marker("xdist_group"):
        return None
    callspec = getattr(item, "callspec", None)
    params = callspec.params if callspec else {}
    if "target" in params:
        return f"target:{params['target']}"
    for value in params.values():
        if isinstance(value, str) and value in NAMED:
            return value
    for name in NAMED:
        if name.replace("-", "_") in getattr(item, "fixturenames", ()):
            return name
    if "emulator" in getattr(item, "fixturenames", ()):
        return f"emulator:{item.path.stem}"
    return None


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Before pytest-xdist reads the groups into node ids."""
    for item in items:
        group = group_of(item)
        if group:
            item.add_marker(pytest.mark.xdist_group(group))


def pytest_collection_finish(session: pytest.Session) -> None:
    """Fails the run if pytest-xdist stops honouring the groups (as it did with pytest 9.2),
    rather than letting every worker deploy every stack."""
    if session.config.getoption("loadgroup", False):
        lost = [i.nodeid for i in session.items if group_of(i) and "@" not in i.nodeid]
        if lost:
            raise pytest.UsageError(f"pytest-xdist ignored the xdist_group of {lost[0]}")


def _emulated() -> bool:
    return os.environ.get("INTEGRATION_TARGET", "emulator") == "emulator"


def _needs_emulator(config: pytest.Config) -> bool:
    """Whether any selected path lies outside tests/unit and tests/e2e, whose tests never
    use it."""
    offline = [PROJECT_DIR / "tests" / name for name in ("unit", "e2e")]
    paths = [Path(arg.split("::")[0]).resolve() for arg in config.args] or [PROJECT_DIR]
    return any(all(d != path and d not in path.parents for d in offline) for path in paths)


# The variable through which the coordinator hands its emulator to the workers (the emulator
# package, and boto3 with it, is imported only by processes that use it).
URL_ENV_VAR = "TAPSIM_EMULATOR_URL"
_SERVER: list[Any] = []


@pytest.hookimpl(trylast=True)
def pytest_configure(config: pytest.Config) -> None:
    """The coordinating process of a parallel run (the one that runs pytest-xdist's
    distributed session) creates the shared synthesis cache, and starts the emulator and
    warms it while the workers start; the workers find both through environment variables.
    It imports neither the Pulumi SDK, the settings models nor boto3 before it starts them:
    the warm-up's thread does. Every process relaxes its garbage collector: the workers for
    the runs they will hold, and the coordinator for every test's report, which it holds to
    the end (frozen then, its last collections and its exit took about 0.7 s, now under 0.1 s)."""
    relax_garbage_collection()
    if not config.pluginmanager.has_plugin("dsession"):
        return
    os.environ[SYNTH_CACHE_ENV_VAR] = tempfile.mkdtemp(prefix="tap-synth-")
    if _emulated() and _needs_emulator(config) and URL_ENV_VAR not in os.environ:
        from tapsim.emulator.server import Server

        server = Server(wait=False)
        server.warm_up(_regions())
        _SERVER.append(server)
        os.environ[URL_ENV_VAR] = server.url


def _regions() -> Iterator[str]:
    """Each stack file's region once, read when first asked for (in the warm-up's thread)."""
    from tapsim.runner import stack_config

    yield from sorted({stack_config(stack)["aws:region"] for stack in stack_names()})


def pytest_unconfigure(config: pytest.Config) -> None:
    """Clears what the coordinator made. (tapsim's pytest plugin freezes what each process
    holds before pytest's last garbage collection: `tapsim/pytest_plugin.py`.)"""
    if not hasattr(config, "workerinput") and SYNTH_CACHE_ENV_VAR in os.environ:
        shutil.rmtree(os.environ.pop(SYNTH_CACHE_ENV_VAR), ignore_errors=True)
    while _SERVER:
        os.environ.pop(URL_ENV_VAR, None)
        _SERVER.pop().stop()


@pytest.fixture
def aws_here(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """moto inside this process, for a test that plays one provider's calls: credentials of
    its own, and neither the session emulator's endpoint nor a profile of the machine."""
    from moto import mock_aws

    for key in ("AWS_ENDPOINT_URL", "AWS_PROFILE"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with mock_aws():
        yield


@pytest.fixture(scope="session")
def emulator() -> Iterator[Any]:
    """The session's emulator (the coordinator's, or one of this process's own), with boto3
    in this process pointed at it."""
    from tapsim.emulator.server import Endpoint, Server

    url = os.environ.get(URL_ENV_VAR)
    server = Endpoint(url).wait_until_ready() if url else Server()
    try:
        with server.environment():
            yield server
    finally:
        server.stop()
