"""Whether the stacks of one region fit its default VPC quotas, which a first deployment
to a new account meets before anything else.

Default quotas per Region: 5 VPCs, 5 internet gateways (they follow the VPC quota), 5
Elastic IP addresses (Amazon VPC User Guide, "Amazon VPC quotas"; AWS General Reference,
"Amazon Virtual Private Cloud endpoints and quotas"; Amazon EC2 User Guide, "Elastic IP
address quota"). Most accounts keep the default VPC, with its internet gateway, in every
Region, so it is counted too. The count covers the stack files `make preview` can see
(`Pulumi.*.yaml` of the project); ephemeral stacks add to it, one network each.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping

from tapsim.runner import RunResult

# Type -> (what it is, the default quota per Region, how many the default VPC holds).
QUOTAS = {
    "aws:ec2/vpc:Vpc": ("VPCs", 5, 1),
    "aws:ec2/internetGateway:InternetGateway": ("internet gateways", 5, 1),
    "aws:ec2/eip:Eip": ("Elastic IP addresses", 5, 0),
}


def usage(runs: Mapping[str, RunResult], region: str) -> dict[str, Counter[str]]:
    """Per quota type, how many each stack of `region` declares."""
    found: dict[str, Counter[str]] = {typ: Counter() for typ in QUOTAS}
    for name, run in runs.items():
        if run.outputs.get("region") != region:
            continue
        for reg in run.custom:
            if reg.type in QUOTAS:
                found[reg.type][name] += 1
    return found


def warnings(runs: Mapping[str, RunResult], region: str) -> list[str]:
    """One line per quota the stacks of `region` pass together, naming them."""
    lines = []
    for typ, per_stack in usage(runs, region).items():
        what, quota, default_vpc = QUOTAS[typ]
        total = sum(per_stack.values()) + default_vpc
        if total > quota:
            stacks = ", ".join(f"{n} {c}" for n, c in sorted(per_stack.items()))
            kept = " and the default VPC's 1" if default_vpc else ""
            lines.append(
                f"warning: {region} would hold {total} {what} ({stacks}{kept}); the "
                f"default quota is {quota} per Region: ask for more in Service Quotas "
                "before deploying, or deploy to another Region"
            )
    return lines


def summary(runs: Mapping[str, RunResult], region: str) -> list[str]:
    """The counts against each quota, then the warnings."""
    lines = [f"Region quotas in {region}, for the stack files here and the default VPC:"]
    for typ, per_stack in usage(runs, region).items():
        what, quota, default_vpc = QUOTAS[typ]
        lines.append(f"  {sum(per_stack.values()) + default_vpc:3d} of {quota}  {what}")
    return [*lines, *warnings(runs, region)]
