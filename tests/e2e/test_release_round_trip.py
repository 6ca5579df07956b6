"""`make release`, `make new-service` and a service's `make upgrade`, end to end.

A copy of this checkout is released as it is; a service is made from that release (by the
installed wheel, as a user without the checkout would) and edited as its team would; the copy
then changes a component, bumps the version and releases again; the service's documented
upgrade step takes it. The service's own suite then runs on the new release, and a synthesis
shows the component's change arrived and the service's edits stayed.

The service installs the platform alone (`--no-deps --target`) through its own Makefile, so
the dependencies come from this environment instead of a second copy of them. It builds
wheels, installs them and runs a second test suite in its own process, which is why it is
not in the unit suite (`make unit`); `make test` runs it.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tap_platform import __version__
from tap_platform.ops import releases
from tap_platform.ops.releases import ReleaseError, release, version_of
from tapsim.project import PROJECT_DIR
from tests.unit.test_new_service import NAME, run

# The fix release after this version: its patch number plus one.
_MAJOR_MINOR, _PATCH = __version__.rsplit(".", 1)
NEXT = f"{_MAJOR_MINOR}.{int(_PATCH) + 1}"
# The component change the copy releases: the tool tag the provider puts on every resource.
FIX = ('"ManagedBy": "pulumi",', '"ManagedBy": "pulumi/tap-platform",')
OWN_EXPORT = 'pulumi.export("ledger", "kept by the service")\n'
OWN_TAGS = "  tap:tags:\n    Team: payments\n"
# One worker makes the releases and the service and runs everything that reads them.
pytestmark = pytest.mark.xdist_group("new-service")

# Runs in the service's directory on the platform it installed: its own suite, whose
# synthesis of the dev stack is kept (the suite imports `synthesize` after this wraps it) and
# reported as the last line.
IN_SERVICE = """
import json
import pytest
import tap_platform
import tapsim.fake_cloud
runs = {}
synthesize = tapsim.fake_cloud.synthesize
tapsim.fake_cloud.synthesize = lambda stack, **kw: runs.setdefault(stack, synthesize(stack, **kw))
code = pytest.main(["-q", "-p", "no:cacheprovider", "tests"])
run = runs["dev"]
provider = next(r for r in run.resources if r.type == "pulumi:providers:aws")
print()
print(json.dumps({
    "suite": int(code),
    "version": tap_platform.__version__,
    "platform": tap_platform.__file__,
    "tags": json.loads(provider.inputs["defaultTags"])["tags"],
    "outputs": {k: v for k, v in run.outputs.items() if isinstance(v, str)},
}))
"""


@dataclass(frozen=True)
class Upgraded:
    template: Path
    releases: Path
    service: Path
    site: Path
    report: dict[str, Any]


def make(
    service: Path, target: str, site: Path, *variables: str
) -> subprocess.CompletedProcess[str]:
    """The service's own Makefile target, installing into `site` instead of `.venv`."""
    return run(
        ["make", "-s", target, f"PY={sys.executable}", f"STAMP={site}.installed",
         f"PIP_OPTIONS=--no-deps --target {site} --upgrade", *variables],
        cwd=service,
    )  # fmt: skip


def fix_and_bump(template: Path) -> None:
    """What a platform engineer does for a fix: the change, the version, the CHANGELOG entry."""
    (changed,) = [p for p in (template / "lib").rglob("*.py") if FIX[0] in p.read_text()]
    changed.write_text(changed.read_text().replace(*FIX))
    init = template / "lib" / "tap_platform" / "__init__.py"
    init.write_text(re.sub(r'__version__ = "[^"]+"', f'__version__ = "{NEXT}"', init.read_text()))
    changelog = template / "CHANGELOG.md"
    head, first, rest = changelog.read_text().partition("\n## ")
    entry = f"\n## {NEXT}\n\nThe ManagedBy tag names the platform.\n\nAction: none.\n"
    changelog.write_text(head + entry + first + rest)


def edit_service(service: Path) -> None:
    """What the service's team does: its own output, its own tag, a test of its own."""
    with (service / "__main__.py").open("a") as program:
        program.write(OWN_EXPORT)
    with (service / "Pulumi.dev.yaml").open("a") as stack:
        stack.write(OWN_TAGS)
    with (service / "tests" / "test_stacks.py").open("a") as tests:
        tests.write(
            '\n\ndef test_the_ledger(run: RunResult) -> None:\n    assert run.outputs["ledger"]\n'
        )


@pytest.fixture(scope="module")
def upgraded(tmp_path_factory: pytest.TempPathFactory) -> Upgraded:
    tmp = tmp_path_factory.mktemp("upgrade")
    template, dist, service, site = tmp / "platform", tmp / "dist", tmp / NAME, tmp / "site"
    shutil.copytree(PROJECT_DIR, template, ignore=shutil.ignore_patterns(*releases.NOT_SOURCES))
    first = version_of(template)
    assert releases.main(["--source", str(template), "--releases", str(dist)]) == 0

    # A wheel of pure Python installs by unpacking it, and an installed one is all a user has.
    installed = tmp / "generator"
    with zipfile.ZipFile(dist / f"tap_platform-{first}-py3-none-any.whl") as wheel:
        wheel.extractall(installed)
    made = run(
        [sys.executable, "-m", "tap_platform.ops.new_service", "--name", NAME, "--dest",
         str(service), "--releases", str(dist)],
        cwd=tmp, site=installed,
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    done = make(service, "install", site)
    assert done.returncode == 0, done.stderr
    assert (site / f"tap_platform-{first}.dist-info").is_dir()
    edit_service(service)

    fix_and_bump(template)
    assert releases.main(["--source", str(template), "--releases", str(dist)]) == 0
    done = make(service, "upgrade", site, f"VERSION={NEXT}")
    assert done.returncode == 0, done.stderr

    done = run([sys.executable, "-c", IN_SERVICE], cwd=service, site=site)
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    return Upgraded(template, dist, service, site, {**report, "suite_output": done.stdout})


def test_the_service_runs_the_release_it_upgraded_to(upgraded) -> None:
    assert upgraded.report["version"] == NEXT
    assert Path(upgraded.report["platform"]).is_relative_to(upgraded.site)
    pins = [ln for ln in (upgraded.service / "requirements.txt").read_text().splitlines()
            if ln.startswith("tap-platform")]  # fmt: skip
    assert pins == [f"tap-platform[sim,test]=={NEXT}"]


def test_the_template_fix_reached_the_service(upgraded) -> None:
    assert upgraded.report["tags"]["ManagedBy"] == FIX[1].split('"')[3]


def test_the_services_own_edits_stayed(upgraded) -> None:
    assert upgraded.report["outputs"]["ledger"] == "kept by the service"
    assert upgraded.report["tags"]["Team"] == "payments"
    assert (upgraded.service / "__main__.py").read_text().endswith(OWN_EXPORT)
    assert (upgraded.service / "Pulumi.dev.yaml").read_text().endswith(OWN_TAGS)


def test_the_services_own_suite_passes_on_the_new_release(upgraded) -> None:
    assert upgraded.report["suite"] == 0, upgraded.report["suite_output"]
    assert "12 passed" in upgraded.report["suite_output"]


def test_an_upgrade_to_a_version_never_released_leaves_the_pin(upgraded) -> None:
    before = (upgraded.service / "requirements.txt").read_text()
    done = make(upgraded.service, "upgrade", upgraded.site, "VERSION=9.9.9")
    assert done.returncode != 0
    assert (upgraded.service / "requirements.txt").read_text() == before
    assert not (upgraded.service / "requirements.txt.new").exists()


def test_a_released_version_is_rebuilt_only_with_the_same_contents(upgraded) -> None:
    wheel, added = release(upgraded.template, upgraded.releases)
    assert (wheel.name, added) == (f"tap_platform-{NEXT}-py3-none-any.whl", False)
    released = wheel.read_bytes()
    program = upgraded.template / "lib" / "tap_platform" / "program.py"
    program.write_text(program.read_text() + "\n# a change after the release\n")
    with pytest.raises(ReleaseError, match=f"{NEXT} is already released .* set a new"):
        release(upgraded.template, upgraded.releases)
    assert wheel.read_bytes() == released
