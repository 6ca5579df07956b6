"""Stacks synthesized by a tool that reads every stack file (`make policy`, `make cost`): a
file that fails is named at the end, and the tool goes on with the rest."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from tap_platform.settings import SettingsError
from tapsim.fake_cloud import settings_of
from tapsim.project import PROJECT_DIR
from tapsim.runner import ProgramError, RunResult, stack_config

T = TypeVar("T")


class Attempts:
    """Stacks synthesized by a tool that reads every stack file: a file that fails (a YAML
    mistake, a setting refused) is kept with its message, and the tool goes on with the rest
    and reports it at the end, instead of stopping at the first with a traceback. The tool
    passes its way to synthesize (`synthesize`, or a test's shared runs)."""

    def __init__(
        self, synthesizing: Callable[..., RunResult], project_dir: Path = PROJECT_DIR
    ) -> None:
        self.synthesizing = synthesizing
        self.project_dir = project_dir
        self.failed: dict[str, str] = {}

    def config(self, stack: str) -> dict[str, Any] | None:
        return self._try(stack, lambda: stack_config(stack, self.project_dir))

    def role(self, stack: str) -> str | None:
        """The stack's role as the program loads it: an ephemeral stack (`pr7`) that names
        none is a service."""
        return self._try(stack, lambda: settings_of(stack, project_dir=self.project_dir).role)

    def run(self, stack: str, config: dict[str, Any] | None = None) -> RunResult | None:
        return self._try(stack, lambda: self.synthesizing(stack, config=config))

    def _try(self, stack: str, work: Callable[[], T]) -> T | None:
        if stack in self.failed:
            return None
        try:
            return work()
        except (SettingsError, ProgramError) as err:
            self.failed[stack] = str(err)
            return None

    def report(self) -> int:
        """Prints each failed stack's message to stderr; the tool's exit status."""
        for stack, message in self.failed.items():
            print(f"error: stack {stack}: {message}", file=sys.stderr)
        return 1 if self.failed else 0
