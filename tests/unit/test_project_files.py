"""The project files a user's Pulumi CLI and machine read first."""

from __future__ import annotations

import ast
import re
import tomllib

import pytest
import yaml

from tap_platform.settings import KNOWN_KEYS
from tapsim.project import PROJECT_DIR
from tests.conftest import STACKS

PROJECT = yaml.safe_load((PROJECT_DIR / "Pulumi.yaml").read_text())
ALLOWED_PROJECT_KEYS = {
    "name", "runtime", "description", "main", "config", "stackConfigDir", "backend",
    "options", "template", "packages", "plugins", "author", "website", "license",
}  # fmt: skip
ALLOWED_STACK_KEYS = {"secretsprovider", "encryptedkey", "encryptionsalt", "config", "environment"}


def test_project_is_python_with_runtime_options() -> None:
    assert PROJECT["name"] == "tap"
    assert set(PROJECT) <= ALLOWED_PROJECT_KEYS
    runtime = PROJECT["runtime"]
    assert runtime["name"] == "python"
    assert set(runtime) == {"name", "options"}
    assert runtime["options"]["toolchain"] in {"pip", "poetry", "uv"}
    makefile = (PROJECT_DIR / "Makefile").read_text()
    assert re.search(
        rf"^VENV\s*:=\s*{re.escape(runtime['options']['virtualenv'])}$", makefile, re.M
    )


def test_main_is_tap_py_and_the_only_entry_point() -> None:
    assert PROJECT["main"] == "tap.py"
    assert (PROJECT_DIR / "tap.py").is_file()
    assert not (PROJECT_DIR / "__main__.py").exists()


def test_project_config_gives_no_default_or_type_to_other_namespaces() -> None:
    """The CLI refuses a default for another namespace's key here ("Configuration key
    'aws:region' is not namespaced by the project and should not define a default value",
    pulumi/pulumi, sdk/go/common/workspace/project.go, `Project.Validate`)."""
    for key, spec in (PROJECT.get("config") or {}).items():
        namespaced = ":" in key and not key.startswith(f"{PROJECT['name']}:")
        if namespaced and isinstance(spec, dict):
            assert not {"default", "type"} & spec.keys(), key


def test_the_template_prompts_for_region_and_tier_with_defaults() -> None:
    """`pulumi new` reads the `template:` block, where a provider key may have a default
    (Pulumi docs, "Creating Pulumi templates"): unlike `config:` above, it only seeds the
    first stack's file. Keys without a namespace take the project's."""
    template = PROJECT["template"]
    assert template["description"]
    prompts = template["config"]
    assert (
        prompts["aws:region"]["default"]
        == yaml.safe_load((PROJECT_DIR / "Pulumi.dev.yaml").read_text())["config"]["aws:region"]
    )
    assert prompts["environment"]["default"] == "dev"
    assert all(spec["description"] for spec in prompts.values())
    assert set(prompts) - {"aws:region"} <= KNOWN_KEYS
    assert "aws:region" not in (PROJECT.get("config") or {})


@pytest.mark.parametrize("stack", STACKS)
def test_stack_file_holds_only_region_and_known_tap_settings(stack: str) -> None:
    document = yaml.safe_load((PROJECT_DIR / f"Pulumi.{stack}.yaml").read_text())
    assert set(document) <= ALLOWED_STACK_KEYS
    config = document["config"]
    assert config["aws:region"]
    assert config["tap:environment"] == stack
    for key in config:
        namespace, _, name = key.partition(":")
        assert namespace in {"aws", "tap"}, key
        if namespace == "aws":
            assert name == "region", f"{key}: provider settings belong in code, not stack files"
        else:
            assert name in KNOWN_KEYS, key


def test_requirements_install_everything_the_code_imports() -> None:
    wanted = {"pulumi", "pulumi-aws", "pulumi-random", "pydantic", "boto3", "moto", "pytest",
              "pytest-cov", "ruff", "pyyaml", "mypy", "setuptools"}  # fmt: skip
    lines = (PROJECT_DIR / "requirements.txt").read_text().splitlines()
    names = {re.split(r"[<>=\[ ]", line)[0].lower() for line in lines if line and line[0].isalpha()}
    assert wanted <= names
    assert "-e ." in lines
    assert re.search(r"^pulumi-aws>=7[.\d]*,<8$", "\n".join(lines), re.M)


def test_ci_runs_make_test_and_nothing_else() -> None:
    script = (PROJECT_DIR / ".ci" / "run").read_text()
    commands = [ln for ln in script.splitlines() if ln.strip() and not ln.startswith(("#", "set "))]
    assert commands[-1] == "exec make test"
    assert all("make" not in c or c == "exec make test" for c in commands)


@pytest.mark.parametrize(
    "target", ["install", "test", "lint", "up", "preview", "destroy", "outputs"]
)
def test_makefile_has_target(target: str) -> None:
    assert re.search(rf"^{target}:", (PROJECT_DIR / "Makefile").read_text(), re.M)


def test_lint_type_checks_the_package_tooling_and_policy_pack() -> None:
    lint = re.search(r"^lint:.*\n((?:\t.*\n)+)", (PROJECT_DIR / "Makefile").read_text(), re.M)
    assert lint
    assert "$(VENV)/bin/mypy" in lint[1]
    checked = tomllib.loads((PROJECT_DIR / "pyproject.toml").read_text())["tool"]["mypy"]["files"]
    assert {"lib/tap_platform", "tapsim", "policy"} <= set(checked)


def test_no_region_account_or_partition_written_in_the_program() -> None:
    region = re.compile(r"\b(?:us|eu|ap|sa|ca|me|af|il|mx)-(?:gov-)?[a-z]+-\d\b")
    package = sorted((PROJECT_DIR / "lib" / "tap_platform").rglob("*.py"))
    assert len(package) > 30
    for path in [PROJECT_DIR / "tap.py", *package]:
        text = path.read_text()
        assert not region.search(text), path
        assert not re.search(r"\b\d{12}\b", text), path
        assert "arn:aws:" not in text, path
        # A host joined to the region takes the partition's domain (`AwsContext.dns_suffix`).
        assert not re.search(r"\}\.amazonaws\.com", text), path


def test_the_library_and_its_procedures_import_no_test_tooling() -> None:
    """An operator's procedure runs where only the platform is installed: `tapsim` is the
    tests' own, and imports mocks and the emulator."""
    package = sorted((PROJECT_DIR / "lib" / "tap_platform").rglob("*.py"))
    for path in [PROJECT_DIR / "tap.py", *package]:
        for node in ast.walk(ast.parse(path.read_text())):
            names = (
                [a.name for a in node.names] if isinstance(node, ast.Import)
                else [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            )  # fmt: skip
            assert not [n for n in names if n.split(".")[0] in ("tapsim", "tests")], path


def test_what_an_app_in_another_language_removes_is_where_the_steps_say() -> None:
    """docs/app.md lists the sample's Python hooks for an app in another language to remove:
    with a Python app (its `app/requirements.txt`) each is in the file the steps name, and
    once the steps are followed none is, so the steps stay true and the suite passes both ways."""
    python_app = (PROJECT_DIR / "app" / "requirements.txt").is_file()
    steps = (PROJECT_DIR / "docs" / "app.md").read_text().split("## Another language", 1)[1]
    lines = (PROJECT_DIR / "requirements.txt").read_text().splitlines()
    assert "`-r app/requirements.txt`" in steps
    assert ("-r app/requirements.txt" in lines) is python_app
    packages = re.search(r"the (\w+) packages\s+its\s+tests\s+use\s+\(([^)]*)\)", steps)
    assert packages
    named = re.findall(r"`([\w-]+)`", packages[2])
    assert packages[1] == "four"
    assert len(named) == 4
    for name in named:
        assert any(line.startswith(f"{name}>=") for line in lines) is python_app, name
    tool = tomllib.loads((PROJECT_DIR / "pyproject.toml").read_text())["tool"]
    for entry, values in [
        ("app", tool["mypy"]["files"]),
        ("app/tests", tool["pytest"]["ini_options"]["testpaths"]),
        ("app/sample_app/*", tool["coverage"]["run"]["include"]),
    ]:
        assert f'`"{entry}"`' in steps
        assert (entry in values) is python_app, entry


def test_no_module_over_400_lines_and_no_function_over_60() -> None:
    roots = ["lib", "tapsim", "tests", "app", "policy"]
    paths = [PROJECT_DIR / "tap.py", *(p for r in roots for p in (PROJECT_DIR / r).rglob("*.py"))]
    assert len(paths) > 150
    for path in paths:
        text = path.read_text()
        assert text.count("\n") <= 400, path
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                assert node.end_lineno - node.lineno < 60, (path, node.name)  # type: ignore[operator]
