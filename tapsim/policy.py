"""`make policy`: the policy pack's controls run offline against every stack file and both
runtimes, each synthesized as `make preview` does, with each tier's exceptions from
`policy/config/<tier>.json`.

A violation of a control that is not the tier's exception fails (exit 1); an exception is
reported with its reason, as the pack reports an advisory policy.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from tap_platform.controls import CONTROLS, Resource, exceptions
from tapsim.attempts import Attempts
from tapsim.fake_cloud import synthesize
from tapsim.project import present
from tapsim.runner import RunResult, on_runtime

# The pack's tier exceptions: in the platform's checkout, or as the package ships them.
_CHECKOUT_CONFIG = Path(__file__).resolve().parent.parent / "policy" / "config"
CONFIG_DIR = (
    _CHECKOUT_CONFIG
    if _CHECKOUT_CONFIG.is_dir()
    else Path(__file__).resolve().parent / "data" / "policy"
)


def evaluate(run: RunResult, tier: str) -> tuple[list[str], list[str]]:
    """(failures, advisories) of one synthesized stack."""
    resources = [Resource(r.type, r.name, r.inputs) for r in run.custom]
    allowed = exceptions(tier, CONFIG_DIR)
    failures, advisories = [], []
    for control in CONTROLS:
        for problem in control.violations(resources):
            line = f"{control.id} ({control.severity}) {problem}"
            if control.id in allowed:
                advisories.append(f"{line} [exception: {allowed[control.id]}]")
            else:
                failures.append(f"{line}: {control.remediation}")
    return failures, advisories


def runtimes(role: str) -> tuple[str | None, ...]:
    """Both runtimes for a stack that holds an app; an environment stack has none."""
    return (None,) if role == "environment" else ("ecs", "asg")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--stack", action="append", help="a stack file of the project (repeatable); every one"
    )
    args = parser.parse_args(argv)
    failed = False
    tried = Attempts(synthesize)
    for stack in args.stack or present():
        # The stack's own settings first: each runtime is then forced, which would hide a
        # wrong tap:compute.
        config, role = tried.config(stack), tried.role(stack)
        if config is None or role is None:
            continue
        tier = config.get("tap:environment") or stack
        for compute in runtimes(role):
            run = tried.run(stack, on_runtime(stack, compute))
            if run is None:
                break
            failures, advisories = evaluate(run, tier)
            print(f"{stack} ({compute or 'environment'}): {len(CONTROLS)} controls, "
                  f"{len(failures)} violated, {len(advisories)} allowed by the tier")  # fmt: skip
            for line in failures:
                print(f"  FAIL {line}")
            for line in advisories:
                print(f"  advisory {line}")
            failed |= bool(failures)
    return 1 if tried.report() or failed else 0


if __name__ == "__main__":
    sys.exit(main())
