"""`make new-service` and `make release`: what a new service holds, and what a release
needs. The whole round trip (release, new service, fix, upgrade, the service's own suite) is
`tests/e2e/test_release_round_trip.py`."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tap_platform import __version__
from tap_platform.naming import PROJECT_MAX_LENGTH
from tap_platform.ops import new_service, releases
from tap_platform.ops.new_service import NewServiceError, create
from tapsim.project import PROJECT_DIR

NAME = "billing"


def run(args: list[str], cwd: Path, site: Path | None = None) -> subprocess.CompletedProcess[str]:
    """A command with no make variables of the calling `make` and, when given, the installed
    platform first on the path."""
    env = {k: v for k, v in os.environ.items() if k not in {"MAKEFLAGS", "MFLAGS", "MAKELEVEL"}}
    if site:
        env["PYTHONPATH"] = str(site)
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, check=False)


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
    targets = ("install", "lint", "test", "unit", "local", "preview", "cost", "policy", "upgrade")
    listed = run(["make", "-s", "help"], cwd=service).stdout
    for target in targets:
        assert re.search(rf"^{target}:", makefile, re.M), target
        assert re.search(rf"^  {target} +\S", listed, re.M), target
    assert '--update "$$UPDATE"' in makefile
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


def test_the_next_steps_say_when_the_releases_are_only_on_this_machine(tmp_path) -> None:
    """A directory of releases is written into the service's requirements.txt as a path
    that CI and the rest of the team cannot read; an index URL can be."""
    local = new_service.next_steps(NAME, tmp_path / NAME, str(tmp_path / "dist"))
    assert local[1].endswith(f"git commit -m 'Start {NAME}'")
    assert f"finds the platform in {tmp_path / 'dist'}, a directory on this machine" in local[-3]
    assert "package index" in local[-1]
    shared = new_service.next_steps(NAME, tmp_path / NAME, "https://packages.example.com/simple")
    assert not [line for line in shared if "this machine" in line]


def test_the_services_makefile_is_quiet_as_the_platforms() -> None:
    """Recipes not echoed unless V=1, and pip without its notices."""
    makefile = (new_service.TEMPLATE_DIR / "Makefile.tmpl").read_text()
    assert re.search(r"^ifndef V\n\.SILENT:\nendif$", makefile, re.M)
    assert "pip install -qq" in makefile


def test_an_interpreter_older_than_the_platform_is_refused_by_name(service, tmp_path) -> None:
    """`python3` is 3.9 or 3.10 on some machines: pip would say only that no version of the
    platform fits."""
    old = tmp_path / "python3"
    old.write_text('#!/bin/sh\ncase "$1" in --version) echo "Python 3.10.13";; *) exit 1;; esac\n')
    old.chmod(0o755)
    done = run(["make", "-s", "install", f"PYTHON={old}"], cwd=service)
    assert done.returncode != 0
    assert f"{old} is not Python 3.11 or later (Python 3.10.13)" in done.stdout
    assert "make PYTHON=python3.12" in done.stdout
    assert not (service / ".venv").exists()
