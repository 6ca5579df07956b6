"""`make new-service`: a copy of this project under a new name, which synthesizes every tier
as its own project, carries the name wherever the name belongs, and starts its own history."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tap_platform.ops.new_service import NewServiceError, create, leftovers
from tapsim.runner import PROJECT_DIR, read_project
from tests.conftest import STACKS

TEMPLATE = read_project()["name"]
# The longest name AWS's limits allow (seven characters), so that lines grow the most.
NAME = "billing" if TEMPLATE != "billing" else "payment"
# One worker makes the copy and runs everything that reads it.
pytestmark = pytest.mark.xdist_group("new-service")


@pytest.fixture(scope="module")
def copy(tmp_path_factory) -> Path:
    return create(NAME, tmp_path_factory.mktemp("services") / NAME)


# Runs in the copy's own process, on the copy's own code: its synthesis of every tier, and
# the message of a setting it refuses.
SYNTHESIS = """
import json, sys
import yaml
from tapsim.fake_cloud import FakeCloud
from tapsim.runner import ProgramError, run_program
name = sys.argv[1]
report = {}
for stack in ("dev", "staging", "prod"):
    config = yaml.safe_load(open(f"Pulumi.{stack}.yaml"))["config"]
    run = run_program(stack, FakeCloud(config["aws:region"]))
    provider = next(r for r in run.resources if r.type == "pulumi:providers:aws")
    report[stack] = {
        "project": run.project,
        "names": [r.inputs["name"] for r in run.custom if isinstance(r.inputs.get("name"), str)],
        "tags": json.loads(provider.inputs["defaultTags"])["tags"],
        "components": sorted({r.type.split(":")[0] for r in run.resources if not r.custom}),
        "alb": run.outputs["albDnsName"],
    }
try:
    run_program("dev", FakeCloud("us-east-1"), config={f"{name}:network": {"azCount": 9}})
except ProgramError as err:
    report["refusal"] = str(err)
print(json.dumps(report))
"""


@pytest.fixture(scope="module")
def report(copy) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", SYNTHESIS, NAME],
        cwd=copy,
        env={**os.environ, "PYTHONPATH": str(copy)},
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout)


def test_the_copy_is_its_own_project_with_its_own_history(copy) -> None:
    project = yaml.safe_load((copy / "Pulumi.yaml").read_text())
    assert project["name"] == NAME
    assert project["main"] == f"{NAME}.py"
    assert (copy / f"{NAME}.py").is_file()
    assert NAME in project["description"]
    log = subprocess.run(
        ["git", "log", "--oneline"], check=True, cwd=copy, capture_output=True, text=True
    )
    assert log.stdout.count("\n") == 1
    status = subprocess.run(
        ["git", "status", "--porcelain"], check=True, cwd=copy, capture_output=True
    )
    assert status.stdout == b"", "everything is committed"
    tracked = subprocess.run(
        ["git", "ls-files"], check=True, cwd=PROJECT_DIR, capture_output=True, text=True
    )
    assert len(list(copy.rglob("*.py"))) == tracked.stdout.count(".py\n")


def test_the_copy_passes_its_own_lint_and_format_checks(copy) -> None:
    """Names longer than the template's lengthen lines; the copy is formatted again."""
    for command in (["check", "."], ["format", "--check", "."]):
        ruff = [sys.executable, "-m", "ruff", *command]
        done = subprocess.run(ruff, check=False, cwd=copy, capture_output=True, text=True)
        assert done.returncode == 0, done.stdout


def test_no_word_of_the_old_name_is_left(copy) -> None:
    """`tapsim` (the emulator) and `TapStack` (a class) are names of their own."""
    assert leftovers(copy, TEMPLATE) == []
    readme = (copy / "README.md").read_text()
    assert readme.startswith(f"# {NAME}:")
    assert f"{NAME}:environment" in (copy / "Pulumi.dev.yaml").read_text()


@pytest.mark.parametrize("stack", STACKS)
def test_every_tier_synthesizes_as_the_new_project(report, stack) -> None:
    run = report[stack]
    assert run["project"] == NAME
    assert run["tags"]["Project"] == NAME
    assert run["components"] == [NAME], "component types are the project's"
    assert run["alb"].startswith(f"{NAME}-alb-{stack}")
    assert not [n for n in run["names"] if TEMPLATE in n.replace("/", "-").split("-")]
    assert sum(NAME in n for n in run["names"]) > 20


def test_messages_speak_the_new_namespace(report) -> None:
    assert f"{NAME}:network.azCount = 9" in report["refusal"]


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("Orders", "lower-case letters and digits"),
        ("order-api", "lower-case letters and digits"),
        (TEMPLATE, "this project's own name"),
        ("json", "would shadow it"),
        ("aws", "a provider's config namespace"),
        ("lib", "would shadow it"),
        ("averyveryverylongname", "at most 16 characters"),
    ],
)
def test_a_name_aws_or_pulumi_would_refuse_is_refused_before_anything_is_written(
    tmp_path, name, message
) -> None:
    with pytest.raises(NewServiceError, match=message):
        create(name, tmp_path / "new")
    assert list(tmp_path.iterdir()) == []


def test_an_existing_destination_is_never_written(tmp_path) -> None:
    (tmp_path / "kept.txt").write_text("mine")
    with pytest.raises(NewServiceError, match="exists"):
        create(NAME, tmp_path)
    assert [p.name for p in tmp_path.iterdir()] == ["kept.txt"]


def test_make_new_service_prints_the_refusal_and_fails(tmp_path, capsys) -> None:
    from tap_platform.ops.new_service import main

    assert main(["--name", "Bad", "--dest", str(tmp_path / "x")]) == 1
    assert "NAME='Bad'" in capsys.readouterr().err
