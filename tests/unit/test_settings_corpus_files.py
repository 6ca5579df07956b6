"""The corpus's stack files (`data/settings/`): a YAML mistake, a missing file, settings
outside `config:` and a key given twice each say exactly that, in words; and a file with five
mistakes has all five named in one message (`test_settings_corpus.py` holds the wrong values)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from tap_platform.settings import SettingsError, read_stack_file
from tap_platform.settings.messages import REGION_LATER
from tapsim import preview
from tapsim.fake_cloud import FakeCloud
from tapsim.project import PROJECT_DIR
from tapsim.runner import ProgramError, run_program, stack_settings
from tests.unit.test_settings_corpus import JARGON

DATA = Path(__file__).parent / "data" / "settings"
# (example file, where the message points, what it says there)
SYNTAX = [
    ("tab", "line 5, column 1", "a tab, which YAML does not allow"),
    ("missing-colon", "line 3, column 3", "a key without its ':'"),
    ("unclosed-quote", "line 3, column 15", "a quote that is never closed"),
    ("bad-indent", "line 6, column 4", "the indentation does not line up"),
    ("deeper-indent", "line 5, column 5", "a line indented deeper than the keys above it"),
]


def stack_file(tmp_path: Path, example: str) -> Path:
    """A project holding the example as its stack file `Pulumi.<example>.yaml`."""
    for name in ("Pulumi.yaml", "tap.py"):
        shutil.copy(PROJECT_DIR / name, tmp_path / name)
    return shutil.copy(DATA / f"{example}.yaml", tmp_path / f"Pulumi.{example}.yaml")


def file_error(tmp_path: Path, example: str) -> str:
    stack_file(tmp_path, example)
    with pytest.raises(SettingsError) as caught:
        stack_settings(example, project_dir=tmp_path)
    message = str(caught.value)
    assert not JARGON.search(message), message
    return message


@pytest.mark.parametrize(("example", "where", "says"), SYNTAX, ids=[s[0] for s in SYNTAX])
def test_a_yaml_mistake_names_the_file_line_and_column(tmp_path, example, where, says) -> None:
    message = file_error(tmp_path, example)
    assert message.startswith(f"Pulumi.{example}.yaml, {where}: {says}"), message
    assert len(message.splitlines()) <= 2, message


def test_a_missing_stack_file_says_so(capsys) -> None:
    with pytest.raises(SettingsError, match=r"^no stack file Pulumi\.nosuch\.yaml in "):
        stack_settings("nosuch")
    assert preview.main(["--stack", "nosuch"]) == 1
    err = capsys.readouterr().err
    assert "no stack file Pulumi.nosuch.yaml" in err
    assert "aws:region" not in err
    # What works offline comes first: a file, copied; the CLI's own step is for AWS.
    assert "make Pulumi.nosuch.yaml (a copy of another stack's file, edited" in err
    # No settings were read, so there is nothing the region waits to be asked about.
    assert REGION_LATER not in err


def test_a_misspelt_stack_names_the_one_meant_and_config_of_another_kind_says_which() -> None:
    with pytest.raises(SettingsError, match=r"Pulumi\.stagin\.yaml in .*: did you mean staging\?"):
        stack_settings("stagin")
    from tap_platform.settings.stackfile import _config

    with pytest.raises(SettingsError, match=r"config: holds a list; it takes one"):
        _config("Pulumi.x.yaml", {"config": ["tap:environment: dev"]})


def test_settings_outside_config_are_refused(tmp_path) -> None:
    message = file_error(tmp_path, "no-config-wrapper")
    assert message.startswith(
        "Pulumi.no-config-wrapper.yaml: aws:region, tap:environment sit at the top of the file, "
        "with no config: above them"
    ), message


def test_a_key_given_twice_is_refused_each_time(tmp_path) -> None:
    message = file_error(tmp_path, "duplicate-keys")
    assert "config.tap:network.cidr on line 7 (also on line 6)" in message
    assert "config.tap:environment on line 8 (also on line 4)" in message


def test_five_mistakes_in_one_file_are_all_named_in_one_message(tmp_path) -> None:
    """The key outside `tap:`, the port, the Fargate size a wrong port used to hide, the node
    type the region checks used to report only later, and CodeBuild's short name."""
    stack_file(tmp_path, "five-mistakes")
    with pytest.raises(ProgramError) as caught:
        run_program("five-mistakes", FakeCloud("us-east-1"), project_dir=tmp_path)
    message = str(caught.value)
    for key in (
        "app:owner",
        "tap:service.port = 80",
        "tap:service.cpu = 300",
        "tap:cache.nodeType = 'cache.t4g.mirco'",
        "tap:pipeline.computeType = 'SMALL'",
    ):
        assert key in message, message
    assert message.startswith("invalid settings:")
    assert len(message.splitlines()) == 6, message
    assert not JARGON.search(message), message


def test_the_regions_problems_come_in_the_same_round_as_the_rest(tmp_path) -> None:
    """The instance type and the engine version, which only the region can answer, used to be
    asked only once every other setting was right: a second round."""
    stack_file(tmp_path, "shape-and-region")
    with pytest.raises(ProgramError) as caught:
        run_program("shape-and-region", FakeCloud("us-east-1"), project_dir=tmp_path)
    lines = str(caught.value).splitlines()
    assert lines[0] == "invalid settings:"
    named = ("tap:alarms.emial", "tap:service.port = 80", "tap:instances.instanceType = 't9.huge'",
             "tap:database.engineVersion = '16.99'")  # fmt: skip
    assert [n for n in named for line in lines if line.strip().startswith(n)] == list(named)
    assert len(lines) == 1 + len(named), lines
    # Nothing is declared but the provider the region is asked through, as for a valid stack.
    assert [r.type for r in caught.value.registered] == ["pulumi:providers:aws"]


def test_a_stack_file_read_again_is_read_as_it_is_now_and_as_a_copy(tmp_path) -> None:
    """The tools read each file many times, so a parse is kept per file contents: an edited
    file is read afresh, and what one caller changes the next does not see."""
    path = tmp_path / "Pulumi.dev.yaml"
    path.write_text("config:\n  aws:region: us-east-1\n  tap:network:\n    azCount: 2\n")
    first = read_stack_file(path)
    first["tap:network"]["azCount"] = 9
    assert read_stack_file(path)["tap:network"] == {"azCount": 2}
    path.write_text("config:\n  aws:region: us-east-1\n  tap:network:\n    azCount: 3\n")
    assert read_stack_file(path)["tap:network"] == {"azCount": 3}


def test_the_offline_tools_name_the_line_of_each_key_the_file_gives(tmp_path) -> None:
    """`make preview`, `make local`, `make policy` and `make cost` read the file itself, so a
    problem about a key it gives names that key's line; a tier's default has none."""
    from tapsim.fake_cloud import settings_of

    stack_file(tmp_path, "five-mistakes")
    with pytest.raises(SettingsError) as caught:
        settings_of("five-mistakes", project_dir=tmp_path)
    lines = str(caught.value).splitlines()
    where = "(Pulumi.five-mistakes.yaml, line {})"
    for said, line in (
        ("app:owner", 5),
        ("tap:service.port = 80", 7),
        ("tap:service.cpu = 300", 8),
        ("tap:cache.nodeType = 'cache.t4g.mirco'", 10),
        ("tap:pipeline.computeType = 'SMALL'", 12),
    ):
        assert any(x.strip().startswith(f"{said} {where.format(line)}: ") for x in lines), said


def test_a_line_is_named_after_a_value_that_holds_a_colon_of_its_own(tmp_path) -> None:
    """A misspelt section's value is a mapping, whose own ': ' is not where the value ends."""
    from tapsim.fake_cloud import settings_of

    for name in ("Pulumi.yaml", "tap.py"):
        shutil.copy(PROJECT_DIR / name, tmp_path / name)
    (tmp_path / "Pulumi.typo.yaml").write_text(
        "config:\n  aws:region: us-east-1\n  tap:environment: dev\n  tap:servce:\n    cpu: 512\n"
    )
    with pytest.raises(SettingsError) as caught:
        settings_of("typo", project_dir=tmp_path)
    said = "tap:servce = {'cpu': 512} (Pulumi.typo.yaml, line 4): is not a setting"
    assert said in str(caught.value)


def test_the_offline_tools_list_problems_in_the_files_order_a_bare_key_too(tmp_path) -> None:
    """Read top to bottom beside the file: each line names its key's line, a key written
    without a namespace included, and under a wrong tier the last line says the region waits."""
    from tapsim.fake_cloud import settings_of

    for name in ("Pulumi.yaml", "tap.py"):
        shutil.copy(PROJECT_DIR / name, tmp_path / name)
    (tmp_path / "Pulumi.mine.yaml").write_text(
        "config:\n  aws:region: us-east-1\n  tap:environment: dv\n  tap:cache:\n"
        "    nodeType: cache.t4g.mirco\n  service: x\n  tap:service:\n    port: 80\n"
        "  tap:tags:\n    5: x\n"
    )
    with pytest.raises(SettingsError) as caught:
        settings_of("mine", project_dir=tmp_path)
    lines = str(caught.value).splitlines()[1:]
    found = [int(n) for line in lines for n in re.findall(r"Pulumi\.mine\.yaml, line (\d+)", line)]
    assert found == [3, 5, 6, 8, 9], lines
    assert lines[-1] == f"  {REGION_LATER}"


@pytest.mark.parametrize(
    "value", [{"cpu": 512}, "C:\\", "it's", ["a: b"]], ids=["mapping", "backslash", "quote", "list"]
)
def test_a_values_end_is_found_whatever_it_holds(value) -> None:
    from tap_platform.settings.messages import said, value_end

    rest = f" = {said(value)}: is wrong"
    assert rest[value_end(rest) :] == ": is wrong"
