"""The stacks a pull request's preview covers, as the JSON list of a job matrix.

Reads the paths the pull request changes on standard input, one a line (`git diff
--name-only`), and prints `stacks=<JSON list>` for `$GITHUB_OUTPUT`:

- a changed stack file `Pulumi.<stack>.yaml` previews that stack;
- a change to what every stack's plan is made of (the program, the package, the offline
  tooling, the pinned requirements, the preview's own path) previews every stack file;
- a stack file the pull request deletes is previewed by no one: only files of the checkout are.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
STACK_FILE = re.compile(r"^Pulumi\.(?P<stack>[A-Za-z0-9_.-]+)\.yaml$")
# Every stack's plan depends on these: a change to one previews them all.
EVERY_STACK = re.compile(
    r"^(lib/|tapsim/|tap\.py$|Pulumi\.yaml$|Makefile$|pyproject\.toml$|setup\.py$"
    r"|(app/)?requirements[^/]*$"
    r"|\.github/workflows/pull-request\.yml$|\.github/scripts/changed_stacks\.py$)"
)


def all_stacks(root: Path) -> list[str]:
    """The stacks whose files the checkout holds."""
    names = (STACK_FILE.match(path.name) for path in root.glob("Pulumi.*.yaml"))
    return sorted(match["stack"] for match in names if match)


def stacks(changed: Iterable[str], root: Path = ROOT) -> list[str]:
    """The stacks to preview for these changed paths, in name order."""
    present = all_stacks(root)
    paths = [path.strip() for path in changed if path.strip()]
    if any(EVERY_STACK.match(path) for path in paths):
        return present
    named = {match["stack"] for match in map(STACK_FILE.match, paths) if match}
    return [stack for stack in present if stack in named]


def main() -> None:
    print(f"stacks={json.dumps(stacks(sys.stdin))}")


if __name__ == "__main__":
    main()
