"""The components as a library: each takes typed arguments of its own, documented with their
defaults, never the stack's settings, and each is built alone somewhere in the suite."""

from __future__ import annotations

import dataclasses
import importlib
import inspect
import pkgutil
import re

import pulumi
import pytest

import tap_platform
from tapsim.project import PROJECT_DIR


def _modules() -> list:
    found = []
    for info in pkgutil.walk_packages(tap_platform.__path__, "tap_platform."):
        if ".ops" in info.name or info.name.endswith("__main__"):
            continue
        found.append(importlib.import_module(info.name))
    return found


MODULES = _modules()
ARGS = sorted(
    {
        obj
        for module in MODULES
        for name, obj in vars(module).items()
        if name.endswith("Args")
        and dataclasses.is_dataclass(obj)
        and obj.__module__ == module.__name__
    },
    key=lambda cls: cls.__qualname__,
)
COMPONENTS = sorted(
    {
        obj
        for module in MODULES
        for obj in vars(module).values()
        if inspect.isclass(obj)
        and issubclass(obj, pulumi.ComponentResource)
        and obj.__module__ == module.__name__
    },
    key=lambda cls: cls.__qualname__,
)


def documented(cls: type) -> dict[str, str]:
    """`name: text` entries of the docstring's Attributes section, text joined over lines."""
    doc = inspect.getdoc(cls) or ""
    section = doc.split("Attributes:", 1)[1] if "Attributes:" in doc else ""
    entries: dict[str, str] = {}
    current = None
    for line in section.splitlines():
        match = re.match(r"^    (\w+): (.*)$", line)
        if match:
            current = match[1]
            entries[current] = match[2]
        elif current and line.startswith("        "):
            entries[current] += " " + line.strip()
    return entries


def test_there_are_components_and_arguments() -> None:
    assert len(COMPONENTS) >= 15
    assert len(ARGS) >= 15


@pytest.mark.parametrize("args", ARGS, ids=lambda c: c.__name__)
def test_every_argument_is_documented_with_its_default(args: type) -> None:
    entries = documented(args)
    inherited = {
        f.name for base in args.__mro__[1:] if dataclasses.is_dataclass(base)
        for f in dataclasses.fields(base)
    }  # fmt: skip
    own = [f for f in dataclasses.fields(args) if f.name not in inherited]
    for field in own:
        assert field.name in entries, f"{args.__name__}.{field.name} is not documented"
        has_default = (
            field.default is not dataclasses.MISSING
            or field.default_factory is not dataclasses.MISSING
        )
        if has_default:
            assert "default" in entries[field.name].lower(), (
                f"{args.__name__}.{field.name}: say its default"
            )
    assert set(entries) <= {f.name for f in own}, "documents a field it lacks"


@pytest.mark.parametrize("args", ARGS, ids=lambda c: c.__name__)
def test_no_component_takes_the_stacks_settings(args: type) -> None:
    for field in dataclasses.fields(args):
        shown = field.type if isinstance(field.type, str) else repr(field.type)
        assert "Settings" not in shown, f"{args.__name__}.{field.name} takes settings: {shown}"


# The stack is not a library component: it maps the settings onto the others, and every
# stack file's synthesis builds it.
LIBRARY = [c for c in COMPONENTS if c.__name__ != "TapStack"]


@pytest.mark.parametrize("component", LIBRARY, ids=lambda c: c.__name__)
def test_every_component_is_built_alone_by_a_test(component: type) -> None:
    tests = [p.read_text() for p in (PROJECT_DIR / "tests" / "unit").glob("test_*.py")]
    assert any(
        "build_alone(" in text and re.search(rf"\b{component.__name__}\(", text) for text in tests
    ), f"no unit test builds {component.__name__} in an empty program (tapsim.alone.build_alone)"


def test_the_design_pages_example_of_a_component_alone_builds() -> None:
    """docs/design.md shows a component built alone in any program: it must run as shown."""
    from tapsim.alone import build_alone

    page = (PROJECT_DIR / "docs" / "design.md").read_text()
    (example,) = re.findall(r"```python\n(.*?)```", page, re.S)

    def program() -> pulumi.ComponentResource:
        import pulumi_aws as aws

        shown: dict = {"reports_role": aws.iam.Role("reports", assume_role_policy="{}")}
        exec(example, shown)
        return shown["kms"]

    run = build_alone(program)
    assert run.of_type("aws:kms/key:Key")
    assert [p.name for p in run.of_type("aws:iam/rolePolicy:RolePolicy")]
