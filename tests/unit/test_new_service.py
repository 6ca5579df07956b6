"""`make release`, `make new-service` and a service's `make upgrade`, end to end.

A copy of this checkout is released as it is; a service is made from that release (by the
installed wheel, as a user without the checkout would) and edited as its team would; the copy
then changes a component, bumps the version and releases again; the service's documented
upgrade step takes it. The service's own suite then runs on the new release, and a synthesis
shows the component's change arrived and the service's edits stayed.

The service installs the platform alone (`--no-deps --target`) through its own Makefile, so
the dependencies come from this environment instead of a second copy of them.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from tap_platform import __version__
from tap_platform.naming import PROJECT_MAX_LENGTH
from tap_platform.ops import new_service, releases
from tap_platform.ops.new_service import NewServiceError, create
from tap_platform.ops.releases import ReleaseError, release, version_of
from tapsim.runner import PROJECT_DIR

NAME = "billing"
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


def run(args: list[str], cwd: Path, site: Path | None = None) -> subprocess.CompletedProcess[str]:
    """A command with no make variables of the calling `make` and, when given, the installed
    platform first on the path."""
    env = {k: v for k, v in os.environ.items() if k not in {"MAKEFLAGS", "MFLAGS", "MAKELEVEL"}}
    if site:
        env["PYTHONPATH"] = str(site)
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, check=False)


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


def fake_checkout(root: Path, changelog: str) -> Path:
    (root / "lib" / "tap_platform").mkdir(parents=True)
    (root / "lib" / "tap_platform" / "__init__.py").write_text('__version__ = "1.0.0"\n')
    (root / "CHANGELOG.md").write_text(changelog)
    return root


@pytest.mark.parametrize(
    ("changelog", "message"),
    [
        ("# Changelog\n\n## 0.9.0\n\nOld.\n\nAction: none.\n", "no entry '## 1.0.0'"),
        ("# Changelog\n\n## 1.0.0\n\nNew things.\n\n## 0.9.0\n\nAction: none.\n", "'Action: "),
    ],
)
def test_a_version_is_released_only_with_its_changelog_entry(
    tmp_path, capsys, changelog, message
) -> None:
    source = fake_checkout(tmp_path / "src", changelog)
    assert releases.main(["--source", str(source), "--releases", str(tmp_path / "d")]) == 1
    assert message in capsys.readouterr().err
    assert not (tmp_path / "d").exists()


def test_this_versions_changelog_entry_says_whether_services_must_act() -> None:
    assert "Action: " in releases.changelog_entry(PROJECT_DIR, __version__)


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A service from this checkout's package, beside a stand-in for its release."""
    tmp = tmp_path_factory.mktemp("service")
    (tmp / "dist").mkdir()
    (tmp / "dist" / f"tap_platform-{__version__}-py3-none-any.whl").touch()
    dest = tmp / NAME
    argv = ["--name", NAME, "--dest", str(dest), "--releases", str(tmp / "dist")]
    assert new_service.main(argv) == 0
    return dest


def own_files(service: Path) -> list[Path]:
    return sorted(p for p in service.rglob("*") if p.is_file())


def test_the_service_holds_only_its_own_files_in_under_1500_lines(service) -> None:
    files = [p.relative_to(service).as_posix() for p in own_files(service)]
    assert sorted(files) == sorted(new_service.FILES)
    assert sum(len(p.read_text().splitlines()) for p in own_files(service)) < 1500
    assert [f for f in files if f.endswith(".py")] == ["__main__.py", "tests/test_stacks.py"]
    platform_code = {p.read_text() for p in (PROJECT_DIR / "lib").rglob("*.py")}
    assert not platform_code & {p.read_text() for p in own_files(service)}
    definitions = re.compile(r"^class |ComponentResource", re.M)
    assert not [p for p in own_files(service) if definitions.search(p.read_text())]


def test_every_template_file_is_written() -> None:
    shipped = {p.name for p in new_service.TEMPLATE_DIR.iterdir()}
    assert shipped == set(new_service.FILES.values())


def test_the_program_is_the_platforms_stack_plus_the_services_own(service) -> None:
    program = (service / "__main__.py").read_text()
    assert "from tap_platform.program import run" in program
    assert "platform = run()" in program
    project = yaml.safe_load((service / "Pulumi.yaml").read_text())
    assert project["name"] == NAME
    assert project["main"] == "__main__.py"
    assert project["runtime"] == {
        "name": "python", "options": {"toolchain": "pip", "virtualenv": ".venv"}
    }  # fmt: skip
    assert "config" not in project, "no project-level defaults, none on a provider key"


@pytest.mark.parametrize("tier", ["dev", "staging", "prod"])
def test_each_stack_file_names_its_region_and_tier_under_tap(service, tier) -> None:
    config = yaml.safe_load((service / f"Pulumi.{tier}.yaml").read_text())["config"]
    assert config["aws:region"]
    assert config["tap:environment"] == tier
    assert {key.split(":")[0] for key in config} == {"aws", "tap"}


def test_requirements_pin_this_version_and_find_its_releases(service) -> None:
    lines = [ln for ln in (service / "requirements.txt").read_text().splitlines()
             if ln and not ln.startswith("#")]  # fmt: skip
    assert lines == [
        f"--find-links {service.parent / 'dist'}",
        f"tap-platform[sim,test]=={__version__}",
    ]


def test_ci_runs_make_test_and_the_makefile_has_the_documented_targets(service) -> None:
    ci = service / ".ci" / "run"
    assert os.access(ci, os.X_OK)
    assert ci.read_text().rstrip().endswith("exec make test")
    makefile = (service / "Makefile").read_text()
    for target in ("install", "lint", "test", "unit", "local", "preview", "upgrade"):
        assert re.search(rf"^{target}:", makefile, re.M), target
    readme = (service / "README.md").read_text()
    assert "make upgrade VERSION=" in readme
    assert "tap:environmentStack" in readme


def test_the_services_files_pass_ruff(service) -> None:
    for command in (["check"], ["check", "--select", "E,F,W,I,B,UP,SIM,RUF,PT,N,PL"],
                    ["format", "--check"]):  # fmt: skip
        done = run([sys.executable, "-m", "ruff", *command, "--no-cache", "."], cwd=service)
        assert done.returncode == 0, done.stdout


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("Orders", "lower-case letters and digits"),
        ("order-api", "lower-case letters and digits"),
        ("1orders", "lower-case letters and digits"),
        ("a" * (PROJECT_MAX_LENGTH + 1), f"at most {PROJECT_MAX_LENGTH} characters"),
        ("aws", "a config namespace already"),
        ("tap", "a config namespace already"),
    ],
)
def test_a_bad_name_is_refused_before_anything_is_written(tmp_path, name, message) -> None:
    with pytest.raises(NewServiceError, match=message):
        create(name, tmp_path / "new", releases="https://packages.example.com/simple/")
    assert list(tmp_path.iterdir()) == []


def test_a_directory_with_anything_but_an_empty_clone_is_refused(tmp_path) -> None:
    (tmp_path / "kept.txt").write_text("mine")
    with pytest.raises(NewServiceError, match="is not empty"):
        create(NAME, tmp_path, releases="https://packages.example.com/simple/")
    assert [p.name for p in tmp_path.iterdir()] == ["kept.txt"]
    clone = tmp_path / "clone"
    (clone / ".git").mkdir(parents=True)
    create(NAME, clone, releases="https://packages.example.com/simple/")
    assert (clone / "__main__.py").is_file()


def test_a_version_not_in_the_releases_is_refused(tmp_path, capsys) -> None:
    argv = ["--name", NAME, "--dest", str(tmp_path / "x"), "--releases", str(tmp_path)]
    assert new_service.main(argv) == 1
    assert (
        f"no tap-platform {__version__} in {tmp_path}: run `make release`"
        in capsys.readouterr().err
    )
    assert not (tmp_path / "x").exists()
