"""The scenarios in `examples/`, one YAML file each, which the tests, `make local` and
`make preview` all read: the stack combinations the README and docs/ describe are files a reader can
open and run, not dictionaries inside test fixtures.

A scenario names the stack file(s) it starts from and changes only what it must, spelled as a
stack file's `config` block spells it (a null drops the stack file's key).
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import takewhile
from pathlib import Path
from typing import Any

import yaml

from tapsim.project import PROJECT_DIR

KEYS = ("stack", "suffix", "config", "services")


class ExampleError(ValueError):
    """A scenario that is missing or does not read as one; the message says which and why."""


@dataclass(frozen=True)
class Run:
    """One program run: a stack file, the overrides on it and the suffix it runs under."""

    name: str
    stack: str
    config: dict[str, Any] | None = None
    suffix: str | None = None


@dataclass(frozen=True)
class Example:
    """One scenario file, read and checked; `description` is its header comment."""

    name: str
    description: str
    stacks: tuple[str, ...]
    config: dict[str, Any]
    suffix: str | None = None
    services: tuple[str, ...] = ()

    def runs(self) -> list[Run]:
        """The runs the scenario stands for, named so that tests can ask for them: a stack file
        left as it is keeps its own name; a changed one takes the scenario's, after the stack's
        when the scenario changes several (`prod-asg`). Services run as their files are."""

        def name(stack: str) -> str:
            if not self.config and not self.suffix:
                return stack
            return self.name if len(self.stacks) == 1 else f"{stack}-{self.name}"

        changed = [Run(name(s), s, self.config or None, self.suffix) for s in self.stacks]
        return changed + [Run(service, service) for service in self.services]


def names(project_dir: Path = PROJECT_DIR) -> list[str]:
    return sorted(path.stem for path in (project_dir / "examples").glob("*.yaml"))


def load(name: str, project_dir: Path = PROJECT_DIR) -> Example:
    """The scenario `examples/<name>.yaml` (`name.yaml` is accepted too)."""
    name = name.removesuffix(".yaml")
    known = names(project_dir)
    if name not in known:
        raise ExampleError(f"no example {name!r} in examples/; known: {', '.join(known)}")
    return _read(project_dir / "examples" / f"{name}.yaml", project_dir)


def all_runs(project_dir: Path = PROJECT_DIR) -> dict[str, Run]:
    """Every scenario's runs by name; two scenarios may share a run, not a name."""
    runs: dict[str, Run] = {}
    for example in (load(name, project_dir) for name in names(project_dir)):
        for run in example.runs():
            if runs.setdefault(run.name, run) != run:
                raise ExampleError(f"examples/{example.name}.yaml: a second run named {run.name!r}")
    return runs


def _read(path: Path, project_dir: Path) -> Example:
    where = f"examples/{path.name}"
    text = path.read_text()
    header = takewhile(lambda line: line.startswith("#"), text.lstrip().splitlines())
    comment = [line.lstrip("#").strip() for line in header]
    if not comment:
        raise ExampleError(f"{where}: begin with a comment saying what the scenario shows")
    data = yaml.safe_load(text)
    if not isinstance(data, dict):
        raise ExampleError(f"{where}: expected a mapping with {', '.join(KEYS)}")
    unknown = sorted(set(data) - set(KEYS))
    if unknown:
        raise ExampleError(f"{where}: unknown key {unknown[0]!r}; known: {', '.join(KEYS)}")
    if not isinstance(data.get("suffix") or "", str):
        raise ExampleError(f"{where}: suffix = {data['suffix']!r}: expected a string")
    stacks = _stack_names(data.get("stack"), f"{where}: stack", project_dir)
    if not stacks:
        raise ExampleError(f"{where}: name the stack file it starts from (stack: dev)")
    return Example(
        name=path.stem,
        description="\n".join(comment),
        stacks=stacks,
        config=_config(data.get("config"), where),
        suffix=data.get("suffix"),
        services=_stack_names(data.get("services"), f"{where}: services", project_dir),
    )


def _stack_names(value: Any, where: str, project_dir: Path) -> tuple[str, ...]:
    """A stack name or a list of them, each a stack file of the project."""
    stacks = [value] if isinstance(value, str) else value or []
    if not isinstance(stacks, list) or not all(isinstance(s, str) for s in stacks):
        raise ExampleError(f"{where} = {value!r}: expected a stack name or a list of them")
    for stack in stacks:
        if not (project_dir / f"Pulumi.{stack}.yaml").is_file():
            raise ExampleError(f"{where}: no stack file Pulumi.{stack}.yaml")
    return tuple(stacks)


def _config(value: Any, where: str) -> dict[str, Any]:
    """Overrides keyed as a stack file keys them (`namespace:key`)."""
    if not isinstance(value or {}, dict):
        raise ExampleError(f"{where}: config = {value!r}: expected a mapping")
    for key in value or {}:
        if not isinstance(key, str) or ":" not in key:
            raise ExampleError(f"{where}: config key {key!r}: write it as namespace:key")
    return dict(value or {})


def chosen(
    example: str | None, stack: str | None, suffix: str | None = None
) -> tuple[Run, tuple[str, ...]]:
    """What `make local` and `make preview` run, and the services to run on it: the stack file
    `stack` (dev by default) as it is, or the scenario `example` on its first stack (`stack`
    picks another of its own); a `suffix` given wins over the scenario's."""
    if example is None:
        return Run(stack or "dev", stack or "dev", None, suffix), ()
    found = load(example)
    if stack not in (None, *found.stacks):
        raise ExampleError(f"example {found.name!r} runs {', '.join(found.stacks)}, not {stack!r}")
    run = Run(found.name, stack or found.stacks[0], found.config or None, suffix or found.suffix)
    return run, found.services
