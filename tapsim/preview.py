"""`make preview`: the plan for a stack, offline, with no emulator and no AWS account.

Prints the tree of components and resources with their types and physical names, the count
per type, and the estimated monthly cost (`tapsim/cost.py`), from a run of `tap.py` under
mocks. With `--example`, the plan of a scenario of `examples/`: its stack with its overrides,
then each service it puts on an environment.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections import Counter

from tap_platform.settings import SettingsError
from tapsim import vpc_quotas
from tapsim.catalog import unrecorded
from tapsim.cost import estimate, render
from tapsim.examples import ExampleError, Run, chosen
from tapsim.fake_cloud import synthesize
from tapsim.project import present
from tapsim.runner import (
    ProgramError,
    Registration,
    RunResult,
    stack_config,
)


def physical_name(reg: Registration) -> str:
    for key in ("name", "family"):
        if isinstance(reg.inputs.get(key), str):
            return reg.inputs[key]
    tags = reg.inputs.get("tags") or {}
    return tags.get("Name", "")


def tree(run: RunResult) -> list[str]:
    children: dict[str, list[Registration]] = {}
    for reg in run.resources:
        children.setdefault(reg.parent, []).append(reg)
    roots = [r for r in run.resources if r.parent not in {x.urn for x in run.resources}]
    lines: list[str] = []

    def walk(reg: Registration, depth: int) -> None:
        name = physical_name(reg)
        lines.append(
            f"{'    ' * depth}+ {reg.type:<60} {reg.name}" + (f"  [{name}]" if name else "")
        )
        for child in sorted(children.get(reg.urn, []), key=lambda r: (r.custom, r.type, r.name)):
            walk(child, depth + 1)

    for root in roots:
        walk(root, 0)
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--stack", help="the stack file (dev); with --example, one of its stacks")
    parser.add_argument("--example", help="a scenario of examples/, by name (asg-rds)")
    parser.add_argument("--suffix", default=None)
    args = parser.parse_args(argv)
    try:
        run, services = chosen(args.example, args.stack, args.suffix)
        results = [_synthesized(run), *(_synthesized(Run(s, s)) for s in services)]
    except (ExampleError, SettingsError, ProgramError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    if args.example:
        print(f"Example {run.name!r} (examples/{run.name}.yaml)\n")
    print("\n\n".join("\n".join(report(result)) for result in results))
    print("\n" + "\n".join(quotas(results[0])))
    return 0


def quotas(run: RunResult) -> list[str]:
    """The previewed stack's Region against its VPC quotas, with every stack file of the
    project that deploys there (the previewed run in place of its own file)."""
    region, others = run.outputs["region"], {}
    for name in present():
        with contextlib.suppress(SettingsError, ProgramError):
            if name != run.stack and stack_config(name).get("aws:region") == region:
                others[name] = synthesize(name)
    return vpc_quotas.summary({**others, run.stack: run}, region)


def _synthesized(run: Run) -> RunResult:
    return synthesize(run.stack, config=run.config, suffix=run.suffix)


def report(run: RunResult) -> list[str]:
    """The plan as `make preview` prints it."""
    suffix, region = run.outputs["environmentSuffix"], run.outputs["region"]
    lines = [f"Preview of stack {run.stack!r} (suffix {suffix}, region {region}), offline:", ""]
    lines += tree(run)
    lines.append(f"\nResources: {len(run.custom)} to create")
    lines += [
        f"  {count:3d}  {typ}" for typ, count in sorted(Counter(r.type for r in run.custom).items())
    ]
    lines += [f"Not checked offline: {note}" for note in unrecorded(region)]
    return [*lines, "", *render(estimate(run))]


if __name__ == "__main__":
    sys.exit(main())
