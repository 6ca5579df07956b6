"""The scenarios in `examples/`: each reads, says what it shows, is run by the tests, and runs
through `make preview EXAMPLE=...` and `make local EXAMPLE=...`; a bad one is refused."""

from __future__ import annotations

import re
import shlex
import subprocess

import pytest

from tap_platform.naming import SUFFIX_MAX_LENGTH
from tapsim import local, preview
from tapsim.examples import ExampleError, Run, all_runs, chosen, load, names
from tapsim.project import PROJECT_DIR
from tests.conftest import EVERY, NAMED, synth

EXAMPLES = names()
# The README and the documentation under docs/, where the sections the examples name live.
README = "\n".join(
    p.read_text() for p in [PROJECT_DIR / "README.md", *sorted(PROJECT_DIR.glob("docs/*.md"))]
)


def test_the_scenarios_the_readme_describes_are_there() -> None:
    expected = {"all-in-one", "environment-and-services", "asg", "asg-rds", "every-option"}
    assert expected | {"ephemeral"} <= set(EXAMPLES)


@pytest.mark.parametrize("name", EXAMPLES)
def test_each_example_says_what_it_shows_and_which_sections_rely_on_it(name) -> None:
    """`# See: README.md "Settings"; docs/emulator.md "Test"`: each file has each section."""
    example = load(name)
    (line,) = [ln for ln in example.description.splitlines() if ln.startswith("See:")]
    named = re.findall(r'([\w/.-]+\.md) "([^"]+)"', line)
    assert named, line
    for path, section in named:
        text = (PROJECT_DIR / path).read_text()
        assert re.search(rf"^#+ {re.escape(section)}$", text, re.M), (path, section)
    assert f"examples/{name}.yaml" in README or f"EXAMPLE={name}" in README


@pytest.mark.parametrize("name", EXAMPLES)
def test_the_tests_run_every_run_of_each_example(name) -> None:
    """Each run is a named run of the session, and a parameter of `every_run`, so the rules
    that hold for every stack hold for it too."""
    for run in load(name).runs():
        assert NAMED[run.name] == run
        assert run.name in EVERY


def test_every_option_runs_under_the_longest_suffix_the_names_allow() -> None:
    assert len(load("every-option").suffix or "") == SUFFIX_MAX_LENGTH


@pytest.fixture
def shared_synthesis(monkeypatch) -> None:
    """`make preview` synthesizes through the session's cache, as the fixtures do."""
    monkeypatch.setattr(preview, "synthesize", synth)


@pytest.mark.usefixtures("shared_synthesis")
@pytest.mark.parametrize("name", EXAMPLES)
def test_make_preview_shows_each_example_and_the_services_on_it(name, capsys) -> None:
    example = load(name)
    assert preview.main(["--example", name]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"Example {name!r} (examples/{name}.yaml)")
    shown = re.findall(r"^Preview of stack '([^']+)' \(suffix ([^,]+),", out, re.M)
    first = example.suffix or example.stacks[0]
    assert shown == [(example.stacks[0], first), *((s, s) for s in example.services)]


def make_dry_run(*args: str) -> list[str]:
    """The tool's arguments as the Makefile passes them, without running anything."""
    done = subprocess.run(
        ["make", "-n", "-o", ".venv/.installed", *args],
        cwd=PROJECT_DIR,
        check=True,
        capture_output=True,
        text=True,
    )
    (command,) = [line for line in done.stdout.splitlines() if "-m tapsim." in line]
    return shlex.split(command.rstrip("\\"))[3:]


@pytest.mark.usefixtures("shared_synthesis")
def test_make_preview_example_reaches_the_tool_with_the_stack_it_picks(capsys) -> None:
    assert make_dry_run("preview", "EXAMPLE=asg-rds") == ["--example", "asg-rds"]
    assert make_dry_run("preview", "STACK=prod") == ["--stack", "prod"]
    argv = make_dry_run("preview", "EXAMPLE=asg", "STACK=prod")
    assert argv == ["--example", "asg", "--stack", "prod"]
    assert preview.main(argv) == 0
    assert "Preview of stack 'prod' (suffix prod, region us-west-2)" in capsys.readouterr().out


def test_make_local_example_reaches_the_tool() -> None:
    argv = make_dry_run("local", "EXAMPLE=environment-and-services", "KEEP=1")
    assert argv == ["--example", "environment-and-services", "--keep"]


def test_an_example_runs_its_stack_its_services_and_its_suffix_unless_told_otherwise() -> None:
    run, services = chosen("environment-and-services", None)
    assert (run.stack, run.config, services) == ("dev-env", None, ("dev-web", "dev-api"))
    run, _ = chosen("ephemeral", None, "pr9")
    assert (run.stack, run.suffix) == ("dev-web", "pr9")
    assert chosen("asg", "staging")[0].stack == "staging"
    with pytest.raises(ExampleError, match="example 'asg' runs dev, staging, prod, not 'dev-web'"):
        chosen("asg", "dev-web")


def test_an_unknown_example_is_refused_with_the_known_ones(capsys) -> None:
    known = ", ".join(EXAMPLES)
    assert preview.main(["--example", "every-options"]) == 1
    assert f"no example 'every-options' in examples/; known: {known}" in capsys.readouterr().err
    assert local.main(["--example", "nosuch"]) == 1
    assert "no example 'nosuch'" in capsys.readouterr().err
    assert local.main(["--example", "asg", "--stack", "dev-env"]) == 1
    assert "example 'asg' runs dev, staging, prod, not 'dev-env'" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("# x\nstacks: dev\n", "unknown key 'stacks'; known: stack, suffix, config, services"),
        ("stack: dev\n", "begin with a comment saying what the scenario shows"),
        ("# x\nconfig: {tap:compute: asg}\n", "name the stack file it starts from"),
        ("# x\nstack: qa\n", "stack: no stack file Pulumi.qa.yaml"),
        ("# x\nstack: dev\nservices: [dev-wbe]\n", "services: no stack file Pulumi.dev-wbe"),
        ("# x\nstack: dev\nconfig: {compute: asg}\n", "config key 'compute': write it as"),
        ("# x\nstack: dev\nconfig: [a]\n", "config = ['a']: expected a mapping"),
        ("# x\nstack: [dev, 3]\n", "stack = ['dev', 3]: expected a stack name or a list"),
        ("# x\nstack: dev\nsuffix: 12\n", "suffix = 12: expected a string"),
        ("# x\n- stack: dev\n", "expected a mapping with stack, suffix, config, services"),
    ],
)
def test_a_scenario_that_does_not_read_as_one_is_refused(tmp_path, text, message) -> None:
    (tmp_path / "Pulumi.dev.yaml").write_text("config: {}\n")
    (tmp_path / "examples").mkdir()
    (tmp_path / "examples" / "bad.yaml").write_text(text)
    with pytest.raises(ExampleError, match=re.escape(message)):
        load("bad", tmp_path)


def test_two_scenarios_may_share_a_run_but_not_give_its_name_to_another(tmp_path) -> None:
    (tmp_path / "Pulumi.dev.yaml").write_text("config: {}\n")
    (tmp_path / "examples").mkdir()
    (tmp_path / "examples" / "a.yaml").write_text("# a\nstack: dev\n")
    (tmp_path / "examples" / "b.yaml").write_text("# b\nstack: dev\n")
    assert all_runs(tmp_path) == {"dev": Run("dev", "dev")}
    (tmp_path / "examples" / "dev.yaml").write_text("# c\nstack: dev\nsuffix: other\n")
    with pytest.raises(ExampleError, match=r"examples/dev\.yaml: a second run named 'dev'"):
        all_runs(tmp_path)
