"""`make preview`, the offline plan, and how `make local` reports bad settings."""

from __future__ import annotations

import re
import types

import boto3
import pytest

from tapsim import cost, local, policy, preview
from tapsim.project import PROJECT_DIR
from tapsim.runner import RunResult


def test_preview_prints_the_component_tree_names_and_counts(prod) -> None:
    out = "\n".join(preview.report(prod))
    assert "+ tap:index:TapStack" in out
    assert re.search(r"\+ aws:lb/loadBalancer:LoadBalancer\s+edge-alb  \[tap-alb-prod\]", out)
    assert re.search(r"^\s+3  aws:ec2/natGateway:NatGateway$", out, re.M)
    assert f"Resources: {len(prod.custom)} to create" in out
    assert len(prod.custom) > 150


def test_preview_reports_bad_settings_as_one_line(capsys) -> None:
    assert preview.main(["--stack", "nosuchstack"]) == 1
    assert "no stack file Pulumi.nosuchstack.yaml" in capsys.readouterr().err


def test_local_reports_bad_settings_before_starting_anything(capsys) -> None:
    assert local.main(["--stack", "dev", "--suffix", "Bad_Suffix"]) == 1
    assert "tap:environmentSuffix = 'Bad_Suffix'" in capsys.readouterr().err


def test_the_tools_read_every_stack_file_a_new_one_among_them(tmp_path) -> None:
    """`make cost`, `make policy` and the quota count of `make preview` go through every
    stack file, not only the committed ones: a file someone adds is priced, checked and
    counted too."""
    from tapsim.project import present

    for name in ("prod", "dev", "mine", "dev-web", "a-test"):
        (tmp_path / f"Pulumi.{name}.yaml").write_text("config: {}\n")
    (tmp_path / "Pulumi.yaml").write_text("name: x\n")
    assert present(tmp_path) == ["dev", "prod", "dev-web", "a-test", "mine"]


@pytest.mark.parametrize("tool", [cost, policy], ids=["cost", "policy"])
def test_a_stack_file_that_fails_is_reported_and_the_rest_still_run(
    tool, monkeypatch, capsys
) -> None:
    """A stack file with a mistake no longer stops `make cost` or `make policy` at the first
    with a traceback: the other stacks are reported, then the failure in words, and the tool
    exits 1."""
    from tests.conftest import synth

    tried = []

    def shared(stack: str, config: dict | None = None) -> RunResult:
        tried.append(stack)
        return synth(stack, config=config)

    monkeypatch.setattr(tool, "synthesize", shared)
    assert tool.main(["--stack", "nosuch", "--stack", "dev-env"]) == 1
    out, err = capsys.readouterr()
    assert "dev-env" in out
    assert tried == ["dev-env"]
    assert err.startswith("error: stack nosuch: no stack file Pulumi.nosuch.yaml"), err
    assert "Traceback" not in err


def test_an_update_text_holds_several_assignments_and_values_with_spaces() -> None:
    found = local.with_updates(
        "dev",
        {},
        ["tap:service.command=[python3, -m, http.server, '8080'] tap:tags={Team: web}",
         "tap:service.desiredCount=2"],
    )  # fmt: skip
    assert found["tap:service"]["command"] == ["python3", "-m", "http.server", "8080"]
    assert found["tap:service"]["desiredCount"] == 2
    assert found["tap:tags"] == {"Team": "web"}


def test_an_update_without_its_namespace_and_a_runtime_in_capitals_are_taken_as_meant(
    capsys,
) -> None:
    with pytest.raises(ValueError, match=r"did you mean tap:service\.cpu=512\?"):
        local.with_updates("dev", {}, ["service.cpu=512"])
    assert local._parser().parse_args(["--stack", "dev", "--compute", "ASG"]).compute == "asg"


def test_an_update_that_is_not_yaml_is_said_in_words(capsys) -> None:
    assert local.main(["--stack", "dev", "--update", "tap:service.port=[1"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: --update 'tap:service.port=[1': the value is not YAML"), err
    assert "Traceback" not in err


def test_an_ephemeral_stack_file_is_priced_as_the_service_it_is(tmp_path) -> None:
    """`make cost` sets a stack that holds a whole app apart from the services; a new
    `Pulumi.pr7.yaml` names no role, and the program loads it as a service on dev-env."""
    from tapsim.attempts import Attempts

    (tmp_path / "Pulumi.yaml").write_text((PROJECT_DIR / "Pulumi.yaml").read_text())
    (tmp_path / "Pulumi.pr7.yaml").write_text(
        "config:\n  aws:region: us-east-1\n  tap:environment: dev\n"
    )
    tried = Attempts(lambda *a, **k: None, project_dir=tmp_path)
    assert tried.role("pr7") == "service"
    assert tried.role("nosuch") is None
    assert list(tried.failed) == ["nosuch"]


def test_a_stack_file_that_fails_leaves_the_quota_count_of_the_others(monkeypatch) -> None:
    """`make preview`'s quota count reads every stack file: one someone is half-way through
    writing is left out of the count instead of ending the preview."""
    from tests.conftest import synth

    monkeypatch.setattr(preview, "present", lambda: ["nosuch", "staging"])
    monkeypatch.setattr(preview, "synthesize", synth)
    lines = preview.quotas(synth("dev"))
    assert "    3 of 5  VPCs" in lines, "the default VPC's, dev's and staging's"


def test_keep_prints_client_settings_that_boto3_takes_as_they_are(
    monkeypatch, capsys, synthesized
) -> None:
    """The export line, pasted into a shell, is all a client needs: boto3 reads its region
    from AWS_DEFAULT_REGION; and the load balancer named is the one the deployment is
    reached through, a service's environment's."""
    monkeypatch.setattr(local.time, "sleep", lambda _: (_ for _ in ()).throw(KeyboardInterrupt))
    env, web = (types.SimpleNamespace(run=synthesized[n]) for n in ("dev-env", "dev-web"))
    alb = local.balancer_name([env, web])
    assert alb == synthesized["dev-env"].one("aws:lb/loadBalancer:LoadBalancer").inputs["name"]
    deployment = types.SimpleNamespace(region="eu-west-1")
    assert local.serve(types.SimpleNamespace(url="http://127.0.0.1:5999"), deployment, alb) == 0
    lines = capsys.readouterr().out.splitlines()
    (export,) = [line.split("export ", 1)[1] for line in lines if "export " in line]
    for name in ("AWS_DEFAULT_REGION", "AWS_REGION", "AWS_ENDPOINT_URL"):
        monkeypatch.delenv(name, raising=False)
    for pair in export.split():
        monkeypatch.setenv(*pair.split("=", 1))
    assert boto3.client("ecs").meta.region_name == "eu-west-1"
    assert any(line.endswith(f"--names {alb}") for line in lines)
    # The Python named is the project's, which has boto3 (`make install` built it).
    (python,) = [line.split()[0] for line in lines if "import boto3" in line]
    assert python == ".venv/bin/python"
    assert (PROJECT_DIR / python).is_file()


def test_the_tools_name_a_key_outside_tap_beside_the_other_problems() -> None:
    """The tools read a stack file as the program does: a key the platform would not read is
    a problem like any other, not only when it is the only one."""
    from tap_platform.settings import SettingsError
    from tapsim.runner import stack_settings

    with pytest.raises(SettingsError) as caught:
        stack_settings("dev", config={"tapp:compute": "asg", "tap:service": {"port": 80}})
    assert "tapp:compute: tapp: is not a namespace" in str(caught.value)
    assert "tap:service.port = 80" in str(caught.value)


@pytest.mark.parametrize(
    ("region", "said"),
    [
        ("us-east-9", "aws:region = 'us-east-9': AWS has no such region"),
        (None, "aws:region is not set"),
        # As the file gives it (a list), not as the CLI would pass it to the program (text).
        (["us-east-1"], "aws:region = ['us-east-1']: must be text"),
    ],
)
def test_make_preview_says_a_wrong_region_with_the_other_problems(region, said) -> None:
    """`make preview`, `make policy` and `make cost` synthesize through one door, which
    checks the whole stack file first, asking the region about what is valid."""
    from tap_platform.settings import SettingsError
    from tapsim.examples import Run

    wrong = Run("dev", "dev", config={"aws:region": region, "tap:service": {"port": 80}})
    with pytest.raises(SettingsError) as caught:
        preview._synthesized(wrong)
    assert said in str(caught.value)
    assert "tap:service.port = 80: must be at least 1024" in str(caught.value)


def test_an_update_is_checked_beside_the_stack_files_own_problems() -> None:
    from tap_platform.settings import SettingsError

    file = {"tap:service": {"port": 80}}
    update = {"tap:service": {"port": 8081}, "tap:alarms": {"email": "bad"}}
    with pytest.raises(SettingsError) as caught:
        local.checked("dev", file, update, "local1234")
    lines = str(caught.value).splitlines()
    assert lines[1].startswith("  tap:service.port = 80: must be at least 1024")
    assert lines[2:] == [
        "with UPDATE applied, also:",
        "  tap:alarms.email = 'bad': must be an e-mail address such as ops@example.com",
    ]
    with pytest.raises(SettingsError) as caught:
        local.checked("dev", {}, {"tap:alarms": {"email": "bad"}}, "local1234")
    assert str(caught.value).splitlines()[0] == "invalid settings with UPDATE applied:"


def test_a_problem_of_the_file_is_not_said_again_for_the_update(monkeypatch) -> None:
    """The file's own lines carry their line in it; the update's cannot, but are the same."""
    from tap_platform.settings import SettingsError
    from tapsim import updating

    def settings_of(stack, *, config, suffix):
        where = "" if config else " (Pulumi.dev.yaml, line 7)"
        lines = [f"  tap:service.port = 80{where}: must be at least 1024"]
        lines += ["  tap:alarms.email = 'bad': is no address"] if config else []
        raise SettingsError("\n".join(["invalid settings:", *lines]))

    # The file's settings are read; the update's, by a synthesis, which reads them first.
    monkeypatch.setattr(updating, "settings_of", settings_of)
    monkeypatch.setattr(updating, "synthesize", settings_of)
    with pytest.raises(SettingsError) as caught:
        local.checked("dev", {}, {"tap:alarms": {"email": "bad"}}, "local1234")
    assert str(caught.value).splitlines()[1:] == [
        "  tap:service.port = 80 (Pulumi.dev.yaml, line 7): must be at least 1024",
        "with UPDATE applied, also:",
        "  tap:alarms.email = 'bad': is no address",
    ]


def test_a_refusal_of_one_line_in_an_update_is_said_too(monkeypatch) -> None:
    from tap_platform.settings import SettingsError
    from tapsim import updating
    from tapsim.runner import ProgramError

    def refused(*args, **kwargs):
        raise ProgramError("route /api on dev-env is held by dev-web", [])

    monkeypatch.setattr(updating, "synthesize", refused)
    with pytest.raises(SettingsError) as caught:
        local.checked("dev", {}, {"tap:tags": {"Team": "web"}}, "local1234")
    assert str(caught.value).splitlines()[1:] == ["  route /api on dev-env is held by dev-web"]


def test_what_the_region_refuses_in_an_update_is_said_before_anything_deploys() -> None:
    from tap_platform.settings import SettingsError

    typo = {"tap:instances": {"instanceType": "t3.mirco"}}
    with pytest.raises(SettingsError) as caught:
        local.checked("dev", {}, typo, "local1234")
    lines = str(caught.value).splitlines()
    assert lines[0] == "invalid settings with UPDATE applied:"
    assert lines[1].startswith("  tap:instances.instanceType = 't3.mirco': not offered in")
