"""The Makefile's own interface: `make help`, recipes that print only what they run, the
coverage gate with its table on failure or request, the hashed lock that `make install`
installs, and STACK for `make policy` and `make cost`.

Make runs here only as `make help`, dry runs (`-n`), its rule database (`-p -q`) and recipes
whose commands are stand-ins, so nothing is installed or tested twice.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import tomllib
from functools import cache
from pathlib import Path

import pytest

from tapsim.project import PROJECT_DIR

MAKEFILE = PROJECT_DIR / "Makefile"
# The environment's stamp: named with -o, a dry run never plans to build the environment.
STAMP = ".venv/.installed"


def make(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """make in the checkout, with none of the calling make's flags (this suite also runs under
    `make test`) and none of the variables the Makefile reads, unless given in `env`."""
    text = MAKEFILE.read_text()
    read = set(re.findall(r"\$\((?:origin )?([A-Z][A-Z_]*)\)", text))
    read |= set(re.findall(r"^ifn?def\s+(\w+)", text, re.M))
    clean = {k: v for k, v in os.environ.items() if k not in read and not k.startswith("MAKE")}
    clean.pop("MFLAGS", None)
    clean.pop("GNUMAKEFLAGS", None)
    return subprocess.run(
        ["make", "--no-print-directory", *args],
        cwd=PROJECT_DIR,
        env={**clean, **(env or {})},
        capture_output=True,
        text=True,
        check=False,
    )


@cache
def database() -> str:
    """Make's rule database as it reads the Makefile (`-p`), running nothing (`-q`)."""
    return make("-p", "-q", "help").stdout


def rule(target: str) -> list[str]:
    """The prerequisites of `target` in the database."""
    (line,) = re.findall(rf"^{re.escape(target)}:(?!=)(.*)$", database(), re.M)
    return line.split()


def dry_run(*args: str) -> list[str]:
    """The commands a target would run, as make prints them with -n (the environment's
    build left out unless the arguments ask for it)."""
    done = make("-n", *(() if "install" in args else ("-o", STAMP)), *args)
    assert done.returncode == 0, done.stderr
    return done.stdout.replace("\\\n", " ").splitlines()


def tool_args(target: str, *variables: str, env: dict[str, str] | None = None) -> list[str]:
    """The arguments `make target` passes its `python -m tapsim.<tool>` command."""
    done = make("-n", "-o", STAMP, target, *variables, env=env)
    assert done.returncode == 0, done.stderr
    (command,) = [line for line in done.stdout.splitlines() if "-m tapsim." in line]
    return shlex.split(command)[3:]


# `make help`


def test_help_lists_every_phony_target_with_a_line_of_its_own() -> None:
    phony = rule(".PHONY")
    assert {"help", "install", "lock", "test", "unit", "lint", "policy", "cost"} <= set(phony)
    done = make("help")
    assert done.returncode == 0, done.stderr
    listed = dict(re.findall(r"^  ([a-z][a-z-]*) +(\S.*)$", done.stdout, re.M))
    assert sorted(listed) == sorted(phony)
    assert all(len(description) > 10 for description in listed.values())


def test_help_comes_from_the_targets_own_lines() -> None:
    """Each entry is the `## ` text on its target's line, so a target cannot lose its entry."""
    written = dict(re.findall(r"^([a-z][a-z-]*):[^#\n]*## (.*)$", MAKEFILE.read_text(), re.M))
    shown = dict(re.findall(r"^  ([a-z][a-z-]*) +(\S.*)$", make("help").stdout, re.M))
    assert written
    assert shown == written


def test_help_needs_no_environment() -> None:
    assert rule("help") == []


# Quiet output


def test_recipes_are_not_echoed_unless_asked() -> None:
    shown = make("help").stdout
    assert "awk" not in shown
    assert "awk" in make("help", "V=1").stdout


def test_a_failing_command_still_shows_its_error(tmp_path: Path) -> None:
    failing = tmp_path / "tool"
    failing.write_text("#!/bin/sh\necho 'the tool failed' >&2\nexit 3\n")
    failing.chmod(0o755)
    done = make("-o", STAMP, "policy", f"PY={failing}")
    assert done.returncode != 0
    assert "the tool failed" in done.stderr
    assert "Error 3" in done.stderr
    assert "tapsim.policy" not in done.stdout + done.stderr


def test_pytest_keeps_the_coverage_gate_and_prints_no_table() -> None:
    addopts = shlex.split(
        tomllib.loads((PROJECT_DIR / "pyproject.toml").read_text())["tool"]["pytest"][
            "ini_options"
        ]["addopts"]
    )
    assert "--cov" in addopts
    assert "--cov-fail-under=95" in addopts
    assert [a for a in addopts if a.startswith("--cov-report")] == ["--cov-report="]
    (command,) = [line for line in dry_run("test") if "-m pytest" in line]
    assert "--no-cov" not in command
    assert "--cov-report" not in command


@pytest.fixture
def stand_ins(tmp_path: Path) -> Path:
    """A VENV whose python records its arguments and exits with $RC, and whose coverage prints
    a table."""
    (tmp_path / "bin").mkdir()
    python = tmp_path / "bin" / "python"
    python.write_text('#!/bin/sh\necho "pytest ran with: $*"\nexit "${RC:-0}"\n')
    coverage = tmp_path / "bin" / "coverage"
    coverage.write_text('#!/bin/sh\necho "coverage table: $*"\n')
    for script in (python, coverage):
        script.chmod(0o755)
    return tmp_path


@pytest.mark.parametrize(
    ("status", "variables", "table"),
    [
        ("0", (), False),  # passed: the gate's one line only
        ("1", (), True),  # a test or the gate failed: the table follows
        ("4", (), False),  # pytest refused its arguments: no run, no table
        ("1", ("COVERAGE=1",), False),  # pytest printed the table itself
    ],
)
def test_make_test_shows_the_coverage_table_on_failure_or_on_request(
    stand_ins: Path, status: str, variables: tuple[str, ...], table: bool
) -> None:
    done = make(
        "-o", f"{stand_ins}/.installed", "-o", "lint", "test", f"VENV={stand_ins}", *variables,
        env={"RC": status},
    )  # fmt: skip
    assert done.returncode == (0 if status == "0" else 2), done.stderr
    assert ("coverage table: report --skip-covered" in done.stdout) is table
    asked = "--cov-report=term-missing:skip-covered" in done.stdout
    assert asked is bool(variables)
    if status != "0":
        assert f"Error {status}" in done.stderr


def test_make_coverage_reports_the_last_run() -> None:
    assert any(c.endswith("bin/coverage report --skip-covered") for c in dry_run("coverage"))


# Installing from the lock (what the lock holds: tests/unit/test_lock.py)


def test_install_rebuilds_when_the_lock_changes() -> None:
    assert "requirements.lock" in rule(STAMP)
    assert rule("install") == [STAMP]


def test_install_takes_the_hashed_lock_then_the_project_alone_and_says_so_once() -> None:
    commands = dry_run("-B", "-W", "requirements.lock", "install")
    installs = [c for c in commands if "pip install" in c]
    assert len(installs) == 2
    locked, project = installs
    assert "--require-hashes -r requirements.lock" in locked
    assert "--no-deps" in project
    assert project.endswith("-e .")
    assert "requirements.txt" not in " ".join(installs)
    assert all("-qq" in c for c in installs)
    said = [c for c in commands if re.search(r"\becho\b", c)]
    assert len(said) == 1
    assert "requirements.lock" in said[0]


def chosen_python(bin_dir: Path, runs: set[str], pyenv_has: set[str]) -> str:
    """The interpreter make builds `.venv` with, where of the commands `python3.X` only
    those in `runs` start, and pyenv (found first on PATH) knows the versions `pyenv_has`."""
    bin_dir.mkdir()
    for version in ("3.13", "3.12", "3.11"):
        command = bin_dir / f"python{version}"
        command.write_text(f"#!/bin/sh\nexit {0 if version in runs else 1}\n")
        command.chmod(0o755)
        installed = bin_dir.parent / "pyenv" / version / "bin" / f"python{version}"
        installed.parent.mkdir(parents=True)
        installed.write_text("#!/bin/sh\nexit 0\n")
        installed.chmod(0o755)
    pyenv = bin_dir / "pyenv"
    pyenv.write_text(
        f'#!/bin/sh\ncase " {" ".join(pyenv_has)} " in (*" $2 "*) '
        f'echo "{bin_dir.parent}/pyenv/$2";; (*) exit 1;; esac\n'
    )
    pyenv.chmod(0o755)
    path = f"{bin_dir}:{os.environ['PATH']}"
    done = make("--eval", "print-python: ; @echo $(PYTHON)", "print-python", env={"PATH": path})
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


@pytest.mark.parametrize(
    ("runs", "pyenv_has", "chosen"),
    [
        ({"3.13", "3.12", "3.11"}, set(), "python3.13"),
        ({"3.12", "3.11"}, set(), "python3.12"),
        ({"3.11"}, {"3.12"}, "{pyenv}/3.12/bin/python3.12"),
        (set(), set(), "python3"),
    ],
    ids=["newest-on-path", "next-on-path", "pyenv-before-an-older-one-on-path", "none"],
)
def test_the_environment_is_built_with_the_newest_python_that_runs(
    tmp_path: Path, runs: set[str], pyenv_has: set[str], chosen: str
) -> None:
    """On 3.12 and later coverage measures through sys.monitoring, a third faster: a pyenv
    shim that names a version it cannot run is passed over."""
    found = chosen_python(tmp_path / "bin", runs, pyenv_has)
    assert found == chosen.format(pyenv=tmp_path / "pyenv")


def test_the_environment_and_the_lock_are_made_with_that_python() -> None:
    chosen = {"PYTHON": "/opt/python3.12"}
    for target in ("install", "lock"):
        commands = make("-n", "-B", target, env=chosen).stdout.split()
        assert "/opt/python3.12 -m venv" in " ".join(commands), target


def test_make_lock_resolves_requirements_txt_with_hashes() -> None:
    (compile_,) = [c for c in dry_run("lock") if "pip-compile" in c]
    assert "--generate-hashes" in compile_
    assert "requirements.txt" in compile_
    assert "requirements.lock" in compile_
    assert "--upgrade" not in compile_
    (upgrade,) = [c for c in dry_run("lock", "UPGRADE=1") if "pip-compile" in c]
    assert "--upgrade" in upgrade


# STACK for `make policy` and `make cost`


@pytest.mark.parametrize("target", ["policy", "cost"])
def test_policy_and_cost_take_one_stack_file_when_stack_is_given(target: str) -> None:
    assert tool_args(target) == []
    assert tool_args(target, "STACK=dev-api") == ["--stack", "dev-api"]
    assert tool_args(target, "STACK=prod") == ["--stack", "prod"]
    # As for `make preview`: only a STACK on the command line picks one.
    assert tool_args(target, env={"STACK": "prod"}) == []


def test_cost_keeps_its_region() -> None:
    assert tool_args("cost", "REGION=us-east-1", "STACK=prod") == [
        "--region", "us-east-1", "--stack", "prod",
    ]  # fmt: skip


def test_update_reaches_make_local_as_typed(tmp_path: Path) -> None:
    """UPDATE goes to the tool whole, through the environment: quotes stay (the settings'
    hint `key='16.9'` can be followed) and a value with spaces is not split into arguments."""
    (tmp_path / "bin").mkdir()
    python = tmp_path / "bin" / "python"
    python.write_text("#!/bin/sh\nprintf '%s\\n' \"$@\"\n")
    python.chmod(0o755)
    typed = "tap:database.engineVersion='16.9' tap:service.command=[python3, -m, app]"
    done = make("-o", f"{tmp_path}/.installed", "local", f"VENV={tmp_path}", f"UPDATE={typed}")
    assert done.returncode == 0, done.stderr
    args = done.stdout.splitlines()
    assert args[args.index("--update") + 1] == typed
