"""The monthly list price of a synthesized stack, before anything is deployed.

One line per billable part, priced from the dated table `tapsim/data/prices.json` for the
stack's region, at the usage stated in `USAGE`. A price the table lacks for the region makes
its line unpriced and the total a lower bound; it is never taken from another region. Prices
are on-demand list prices; free tiers (per account, not per stack), savings plans, taxes and
data transfer are left out, as `EXCLUDED` says.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tapsim.attempts import Attempts
from tapsim.fake_cloud import synthesize
from tapsim.project import present
from tapsim.runner import RunResult, on_runtime

PRICES = json.loads((Path(__file__).parent / "data" / "prices.json").read_text())
HOURS = 730
# The traffic and volumes every stack is priced at, the same for each tier so that the tiers
# differ by what they run, not by how busy they are.
USAGE = {
    "requests": 1_000_000,  # a month, through the ALB and WAF
    "responseKb": 50,  # average bytes a request moves through the ALB
    "natGb": 5,  # a month through each NAT gateway (image pulls, AWS APIs)
    "logsGb": 1,  # app and build logs ingested a month
    "storageGb": 10,  # Aurora storage used
    "ioMillions": 1,  # Aurora I/O requests a month
    "s3Gb": 5,  # stored across the three buckets
    "releases": 20,  # pipeline runs a month
    "buildMinutes": 5,  # per release, on the build project
    "recordMinutes": 1,  # per release, on the record project
    "actionMinutes": 17,  # per release across source, build, deploy and record actions
}
EXCLUDED = (
    "data transfer out and between AZs",
    "free tiers (they are per account, not per stack)",
    "VPC flow logs delivery (vended logs: no price recorded)",
    "Container Insights and enhanced-monitoring metrics and logs",
    "API requests to KMS, Secrets Manager, S3 and SSM",
    "backup and snapshot storage beyond the free amount",
    "the Route 53 hosted zone (made outside the stack); ACM certificates are free",
    "ECR image storage (aws.amazon.com/ecr/pricing: $0.10 per GB-month; the 30 images the "
    "repository keeps cost cents)",
)
# ELB pricing: an LCU is 25 new connections a second, 3,000 active connections a minute,
# 1 GB an hour processed, or 1,000 rule evaluations a second, whichever is highest.
LCU_GB_PER_HOUR = 1.0
LCU_NEW_CONNECTIONS_PER_SECOND = 25


@dataclass(frozen=True)
class Line:
    what: str
    quantity: str
    monthly: float | None  # None: the region has no recorded price

    @property
    def priced(self) -> bool:
        return self.monthly is not None


@dataclass(frozen=True)
class Estimate:
    stack: str
    region: str
    lines: tuple[Line, ...]
    # The app's runtime (`ecs`, `asg`), or "" for a stack that runs none.
    runtime: str = ""

    @property
    def total(self) -> float:
        return round(sum(line.monthly or 0 for line in self.lines), 2)

    @property
    def unpriced(self) -> list[Line]:
        return [line for line in self.lines if not line.priced]


class _Pricer:
    def __init__(self, region: str) -> None:
        self.table = PRICES["regions"].get(region, {})
        self.lines: list[Line] = []

    def add(
        self, what: str, quantity: str, key: str, amount: float, *, shown: bool = False
    ) -> None:
        """A line for `amount` units of `key`; nothing when there are none, unless `shown`."""
        if amount <= 0 and not shown:
            return
        price = self.table.get(key)
        monthly = None if price is None else price[0] * amount
        self.lines.append(Line(what, quantity, monthly))


def estimate(run: RunResult, region: str | None = None) -> Estimate:
    """`region` prices the same stack as if it ran there (a what-if); the default is its own."""
    region = region or run.outputs["region"]
    p = _Pricer(region)
    _network(run, p)
    _edge(run, p)
    _compute(run, p)
    _data(run, p)
    _operations(run, p)
    runtime = (
        "asg"
        if run.of_type("aws:autoscaling/group:Group")
        else ("ecs" if run.of_type("aws:ecs/service:Service") else "")
    )
    return Estimate(run.stack, region, tuple(p.lines), runtime)


def _inputs(run: RunResult, typ: str) -> list[dict[str, Any]]:
    return [r.inputs for r in run.of_type(typ)]


def _network(run: RunResult, p: _Pricer) -> None:
    nats = len(run.of_type("aws:ec2/natGateway:NatGateway"))
    p.add("NAT gateways", f"{nats} x {HOURS} h", "natGatewayHour", nats * HOURS)
    p.add(
        "NAT data processed", f"{nats * USAGE['natGb']} GB", "natGatewayGb", nats * USAGE["natGb"]
    )
    # An internet-facing ALB holds a public IPv4 address in each of its AZs; so does each NAT.
    albs = _inputs(run, "aws:lb/loadBalancer:LoadBalancer")
    addresses = sum(len(alb["subnets"]) for alb in albs) + len(run.of_type("aws:ec2/eip:Eip"))
    p.add("Public IPv4 addresses", f"{addresses} x {HOURS} h", "publicIpv4Hour", addresses * HOURS)
    endpoint_azs = sum(
        len(e.get("subnetIds") or [])
        for e in _inputs(run, "aws:ec2/vpcEndpoint:VpcEndpoint")
        if e.get("vpcEndpointType") == "Interface"
    )
    p.add(
        "VPC interface endpoints",
        f"{endpoint_azs} endpoint-AZs x {HOURS} h",
        "interfaceEndpointAzHour",
        endpoint_azs * HOURS,
    )


def _edge(run: RunResult, p: _Pricer) -> None:
    """The load balancer, its capacity units at the stated traffic and its WAF, priced
    where they are: a service on a shared environment pays none of them."""
    if not run.of_type("aws:lb/loadBalancer:LoadBalancer"):
        return
    p.add("Application Load Balancer", f"{HOURS} h", "albHour", HOURS)
    gb_per_hour = USAGE["requests"] * USAGE["responseKb"] / 1e6 / HOURS
    connections = USAGE["requests"] / (HOURS * 3600) / LCU_NEW_CONNECTIONS_PER_SECOND
    lcu = max(gb_per_hour / LCU_GB_PER_HOUR, connections)
    p.add("ALB capacity units", f"{lcu:.3f} LCU x {HOURS} h", "albLcuHour", lcu * HOURS)
    for acl in _inputs(run, "aws:wafv2/webAcl:WebAcl"):
        rules = len(acl.get("rules") or [])
        p.add("WAF web ACL", "1", "wafAclMonth", 1)
        p.add("WAF rules and rule groups", str(rules), "wafRuleMonth", rules)
        millions = USAGE["requests"] / 1e6
        p.add("WAF requests", f"{millions:g} M", "wafMillionRequests", millions)


def _compute(run: RunResult, p: _Pricer) -> None:
    for service in _inputs(run, "aws:ecs/service:Service"):
        (task,) = _inputs(run, "aws:ecs/taskDefinition:TaskDefinition")
        arch = (task.get("runtimePlatform") or {}).get("cpuArchitecture", "X86_64").lower()
        count, vcpu, gb = (
            int(service["desiredCount"]),
            int(task["cpu"]) / 1024,
            int(task["memory"]) / 1024,
        )
        shape = f"{count} x {vcpu:g} vCPU / {gb:g} GB x {HOURS} h"
        p.add("Fargate vCPU", shape, f"fargateVcpuHour:{arch}", count * vcpu * HOURS)
        p.add("Fargate memory", shape, f"fargateGbHour:{arch}", count * gb * HOURS)
    for group in _inputs(run, "aws:autoscaling/group:Group"):
        (template,) = _inputs(run, "aws:ec2/launchTemplate:LaunchTemplate")
        count, kind = int(group["desiredCapacity"]), template["instanceType"]
        p.add("EC2 instances", f"{count} x {kind} x {HOURS} h", f"ec2Hour:{kind}", count * HOURS)
        volume = sum(int(d["ebs"]["volumeSize"]) for d in template["blockDeviceMappings"])
        p.add("EBS gp3 root volumes", f"{count} x {volume} GB", "ebsGp3GbMonth", count * volume)


def _data(run: RunResult, p: _Pricer) -> None:
    for cluster in _inputs(run, "aws:rds/cluster:Cluster"):
        members = _inputs(run, "aws:rds/clusterInstance:ClusterInstance")
        scaling = cluster.get("serverlessv2ScalingConfiguration")
        if scaling:
            # Each serverless instance, writer and readers, bills its own ACUs.
            low = float(scaling["minCapacity"])
            quantity = f"{len(members)} x {low:g} ACU (the minimum) x {HOURS} h"
            if not low:
                quantity = f"{len(members)} x 0 ACU: paused while idle"
            p.add("Aurora Serverless v2", quantity, "auroraAcuHour", low * len(members) * HOURS,
                  shown=True)  # fmt: skip
        for member in members:
            kind = member["instanceClass"]
            if kind != "db.serverless":
                p.add("Aurora instance", f"{kind} x {HOURS} h", f"auroraHour:{kind}", HOURS)
        p.add(
            "Aurora storage", f"{USAGE['storageGb']} GB", "auroraStorageGbMonth", USAGE["storageGb"]
        )
        p.add(
            "Aurora I/O",
            f"{USAGE['ioMillions']} M requests",
            "auroraIoMillion",
            USAGE["ioMillions"],
        )
    for db in _inputs(run, "aws:rds/instance:Instance"):
        multi = "MultiAz" if db.get("multiAz") else ""
        kind, gb = db["instanceClass"], int(db["allocatedStorage"])
        label = "RDS instance, Multi-AZ" if multi else "RDS instance"
        p.add(label, f"{kind} x {HOURS} h", f"rds{multi}Hour:{kind}", HOURS)
        p.add("RDS gp3 storage", f"{gb} GB", f"rds{multi}Gp3GbMonth", gb)
    for group in _inputs(run, "aws:elasticache/replicationGroup:ReplicationGroup"):
        nodes, kind = int(group["numCacheClusters"]), group["nodeType"]
        key = f"cacheHour:{group['engine']}:{kind}"
        p.add(
            f"ElastiCache ({group['engine']})", f"{nodes} x {kind} x {HOURS} h", key, nodes * HOURS
        )
    p.add("S3 storage", f"{USAGE['s3Gb']} GB", "s3GbMonth", USAGE["s3Gb"])


def _operations(run: RunResult, p: _Pricer) -> None:
    keys = len(run.of_type("aws:kms/key:Key"))
    p.add("KMS keys", str(keys), "kmsKeyMonth", keys)
    managed = sum(
        1
        for typ in ("aws:rds/cluster:Cluster", "aws:rds/instance:Instance")
        for db in _inputs(run, typ)
        if db.get("manageMasterUserPassword")
    )
    secrets = len(run.of_type("aws:secretsmanager/secret:Secret")) + managed
    p.add("Secrets Manager secrets", f"{secrets} (RDS's own included)", "secretMonth", secrets)
    alarms = len(run.of_type("aws:cloudwatch/metricAlarm:MetricAlarm"))
    p.add("CloudWatch alarms", f"{alarms} standard", "alarmMonth", alarms)
    dashboards = len(run.of_type("aws:cloudwatch/dashboard:Dashboard"))
    p.add("CloudWatch dashboard", str(dashboards), "dashboardMonth", dashboards)
    p.add("CloudWatch Logs ingestion", f"{USAGE['logsGb']} GB", "logsIngestGb", USAGE["logsGb"])
    if run.of_type("aws:codepipeline/pipeline:Pipeline"):
        minutes = USAGE["releases"] * USAGE["actionMinutes"]
        p.add(
            "CodePipeline V2 actions", f"{minutes} action-minutes", "pipelineActionMinute", minutes
        )
    for project in _inputs(run, "aws:codebuild/project:Project"):
        record = "record" in project["name"].split("-")
        minutes = USAGE["releases"] * USAGE["recordMinutes" if record else "buildMinutes"]
        kind = project["environment"]["computeType"]
        label = "CodeBuild, record" if record else "CodeBuild, build"
        p.add(label, f"{minutes} min {kind}", f"buildMinute:{kind}", minutes)


def money(value: float | None) -> str:
    return "no price" if value is None else f"${value:,.2f}"


def render(estimate: Estimate) -> list[str]:
    """The estimate as `make preview` ends: lines, total, assumptions."""
    out = [f"Estimated monthly cost of stack {estimate.stack!r} in {estimate.region}:"]
    if not PRICES["regions"].get(estimate.region):
        out.append(f"  no prices are recorded for {estimate.region}: nothing can be estimated")
        return out
    width = max(len(line.what) for line in estimate.lines)
    for line in estimate.lines:
        out.append(f"  {line.what:<{width}}  {line.quantity:<42} {money(line.monthly):>10}")
    total = f"${estimate.total:,.2f}"
    if estimate.unpriced:
        total = f"at least {total}: {len(estimate.unpriced)} lines have no {estimate.region} price"
    out.append(f"  {'Total':<{width}}  {'':<42} {total}")
    out += assumptions()
    return out


def assumptions() -> list[str]:
    usage = ", ".join(f"{k}={v:,}" for k, v in USAGE.items())
    return [
        f"  Assumes {HOURS} hours a month, on-demand list prices, and {usage}.",
        f"  Excludes {'; '.join(EXCLUDED)}.",
        "  Prices: tapsim/data/prices.json (sources and dates inside).",
    ]


def side_by_side(estimates: list[Estimate], title: str) -> list[str]:
    """Several estimates as columns, one row per line item, for `make cost`."""
    fullest = sorted(estimates, key=lambda e: -len(e.lines))
    whats = list(dict.fromkeys(line.what for e in fullest for line in e.lines))
    width = max(len(w) for w in whats)
    head = "".join(f"{e.stack + ' ' + e.region:>24}" for e in estimates)
    out = [title, f"  {'':<{width}}{head}"]
    for what in whats:
        cells = "".join(f"{_cell(e, what):>24}" for e in estimates)
        out.append(f"  {what:<{width}}{cells}")
    totals = "".join(f"{('>= ' if e.unpriced else '') + money(e.total):>24}" for e in estimates)
    out.append(f"  {'Total':<{width}}{totals}")
    return out


def _cell(estimate: Estimate, what: str) -> str:
    """One item's monthly sum in one estimate: "-" when absent, "no price" when unpriced."""
    found = [line for line in estimate.lines if line.what == what]
    if not found:
        return "-"
    if not all(line.priced for line in found):
        return "no price"
    return money(sum(line.monthly or 0 for line in found))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="`make cost`: " + __doc__.split("\n")[0])
    parser.add_argument("--region", help="price every stack as if it ran there (a what-if)")
    parser.add_argument("--stack", action="append", help="a stack file (repeatable); every one")
    args = parser.parse_args(argv)
    tried = Attempts(synthesize)
    roles = {s: role for s in args.stack or present() if (role := tried.role(s)) is not None}
    whole = [s for s, role in roles.items() if role == "all"]

    def priced(stacks: list[str], compute: str | None = None) -> list[Estimate]:
        runs = [tried.run(s, on_runtime(s, compute) if compute else None) for s in stacks]
        return [estimate(run, args.region) for run in runs if run is not None]

    sections = [(f"Monthly list price, runtime {c}:", priced(whole, c)) for c in ("ecs", "asg")]
    title = "Monthly list price of the shared dev environment and of each service on it:"
    sections.append((title, priced([s for s in roles if s not in whole])))
    estimates = [e for _, found in sections for e in found]
    if estimates:
        print("\n".join(unpriced_note(estimates)))
        for title, found in sections:
            if found:
                print("\n".join(side_by_side(found, title)) + "\n")
        print("\n".join(assumptions()))
    return tried.report()


def unpriced_note(estimates: list[Estimate]) -> list[str]:
    """First, what has no recorded price: a total with unpriced lines is a lower bound, so
    two runtimes of a region missing one of their prices do not compare."""
    gaps = {(e.stack, e.runtime, e.region): len(e.unpriced) for e in estimates if e.unpriced}
    if not gaps:
        return ["Every line below has a recorded price."]
    named = ", ".join(
        f"{stack}{f' on {runtime}' if runtime else ''} in {region} ({n} lines)"
        for (stack, runtime, region), n in gaps.items()
    )
    return [
        f"Note: no recorded price for some lines of {named}: those totals are lower bounds and "
        "do not compare across runtimes; REGION=us-east-1 prices every stack where every "
        "line has a price.",
        "",
    ]


if __name__ == "__main__":
    sys.exit(main())
