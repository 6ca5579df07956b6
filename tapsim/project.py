"""Where the project is and which stack files it holds: what a process that only coordinates
(a test session's first process, which starts the workers) needs, without the Pulumi SDK and
the settings models that `tapsim.runner` imports."""

from __future__ import annotations

from pathlib import Path

# The platform's checkout when tapsim runs from one; installed in a service's environment,
# the directory the tool runs in, which holds the service's Pulumi.yaml.
_CHECKOUT = Path(__file__).resolve().parent.parent
PROJECT_DIR = _CHECKOUT if (_CHECKOUT / "Pulumi.yaml").is_file() else Path.cwd()

STACKS = ("dev", "staging", "prod")
# The shared dev environment and the services on it.
SHARED_STACKS = ("dev-env", "dev-web", "dev-api")


def stack_names(project_dir: Path = PROJECT_DIR) -> list[str]:
    """Every stack file's stack, sorted."""
    return sorted(p.name.split(".")[1] for p in project_dir.glob("Pulumi.*.yaml"))


def present(project_dir: Path = PROJECT_DIR) -> list[str]:
    """Every stack file of the project that runs the tool (a service's, or the platform's):
    the committed stacks first in their own order, then any other, a file someone just added
    among them, by name."""
    found = stack_names(project_dir)
    known = [s for s in (*STACKS, *SHARED_STACKS) if s in found]
    return known + [s for s in found if s not in known]
