"""`make local`: deploy a stack into the embedded emulator, show it, smoke-check, destroy.

With --keep the emulator stays up on a loopback port instead, for the AWS CLI or boto3. With
--example, the scenario of `examples/` is deployed: its stack with its overrides and suffix,
after its environment or before its services.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import sys
import time
from collections import Counter

import boto3
from botocore.exceptions import ClientError

from tap_platform.settings import SUFFIX_ENV_VAR, SettingsError
from tapsim.catalog import unrecorded
from tapsim.changes import describe
from tapsim.discovery import Discovered
from tapsim.emulator import (
    RECORDED_ONLY,
    UNDELETABLE,
    Created,
    Deployment,
    EmulatorError,
    Endpoint,
    Server,
    deploy,
)
from tapsim.emulator.registry import FORCE_NEW, PENDING
from tapsim.emulator.update import update
from tapsim.examples import ExampleError, chosen
from tapsim.fake_cloud import synthesize
from tapsim.plan import plan
from tapsim.process import relax_garbage_collection
from tapsim.routing import listener_rules, route
from tapsim.runner import (
    IN_THE_ACCOUNT,
    ProgramError,
    RunResult,
    referenced_stack,
    stack_config,
    stack_settings,
)
from tapsim.updating import checked, with_updates

ACTIONS = ("create", "update", "replace", "delete", "keep")


def component_of(run: RunResult, urn: str) -> str:
    """The outermost component below the stack that holds the resource."""
    reg = run.by_urn(urn)
    chain = [reg, *run.ancestors(reg)]
    components = [r for r in chain if not r.custom and r.type != "tap:index:TapStack"]
    return components[-1].type if components else "(stack)"


def summary(deployment: Deployment, what: str = "Deploy") -> list[str]:
    run, cloud = deployment.run, deployment.cloud
    per_component = Counter(component_of(run, r.urn) for r in run.custom)
    emulated = sum(1 for c in cloud.created if c.emulated)
    recorded = [c for c in cloud.created if not c.emulated]
    lines = [f"Resources per component ({len(run.custom)} in all):"]
    lines += [f"  {count:3d}  {name}" for name, count in sorted(per_component.items())]
    lines.append(f"Emulated in moto: {emulated}; recorded, not emulated: {len(recorded)}")
    lines += [f"  recorded: {c.type} {c.name} ({RECORDED_ONLY[c.type]})" for c in recorded]
    lines.append(f"{what} wall time: {deployment.seconds:.1f} s")
    return [*lines, *(f"Not checked offline: {note}" for note in unrecorded(deployment.region))]


def smoke_check(deployment: Deployment) -> list[str]:
    """A few reads a user would do first; raises when the stack is not what it should be."""
    found = Discovered(deployment.suffix, deployment.region)
    outputs = deployment.run.outputs
    checks: dict[str, bool] = {}
    if outputs["role"] != "service":
        checks |= {
            "VPC DNS hostnames on": found.vpc_attribute("enableDnsHostnames"),
            "ALB internet-facing": found.load_balancer["Scheme"] == "internet-facing",
            "ALB DNS name matches the output": found.load_balancer["DNSName"]
            == outputs["albDnsName"],
        }
    if outputs["role"] != "environment":
        checks |= _compute_check(deployment, found)
    if "dbWriterEndpoint" in outputs:
        checks["database encrypted, not public"] = all(
            i["StorageEncrypted"] and not i["PubliclyAccessible"] for i in found.db_instances
        )
    if "redisPrimaryEndpoint" in outputs:
        group = found.replication_group
        checks["cache requires TLS and AUTH"] = (
            group["TransitEncryptionEnabled"] and group["AuthTokenEnabled"]
        )
    failed = [name for name, ok in checks.items() if not ok]
    if failed:
        raise EmulatorError(f"smoke check failed: {', '.join(failed)}")
    return [f"  ok  {name}" for name in checks]


def _compute_check(deployment: Deployment, found: Discovered) -> dict[str, bool]:
    if "autoScalingGroupName" in deployment.run.outputs:
        (group,) = found.auto_scaling_groups
        return {
            "instances behind the target group, ELB health checks": group["HealthCheckType"]
            == "ELB"
            and group["TargetGroupARNs"] == [found.target_group["TargetGroupArn"]]
        }
    network = found.service["networkConfiguration"]["awsvpcConfiguration"]
    return {
        "service ACTIVE with no public IP": found.service["status"] == "ACTIVE"
        and network["assignPublicIp"] == "DISABLED"
    }


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--stack", help="the stack file (dev); with --example, one of its stacks")
    parser.add_argument("--example", help="a scenario of examples/, by name (every-option)")
    parser.add_argument(
        "--suffix", default=None, help="defaults to ENVIRONMENT_SUFFIX or a random one"
    )
    parser.add_argument("--keep", action="store_true", help="serve the emulator until interrupted")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument(
        "--compute", type=str.lower, choices=["ecs", "asg"], help="override tap:compute"
    )
    parser.add_argument("--endpoint", help="use an emulator that is already running at this URL")
    parser.add_argument(
        "--service",
        action="append",
        default=[],
        dest="services",
        metavar="STACK",
        help="with an environment stack: also deploy this service stack onto it; repeatable",
    )
    parser.add_argument(
        "--update",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="after deploying, change a setting (tap:service.cpu=512) and apply it "
        "as a later `pulumi up` would, showing the plan first; repeatable",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    relax_garbage_collection()
    try:
        run, scenario_services = chosen(args.example, args.stack, args.suffix)
        stack, services = run.stack, [*scenario_services, *args.services]
        config = {**(run.config or {}), **({"tap:compute": args.compute} if args.compute else {})}
        suffix = run.suffix or os.environ.get(SUFFIX_ENV_VAR) or f"local{secrets.token_hex(2)}"
        changed = with_updates(stack, config, args.update)
        checked(stack, config, changed if args.update else None, suffix)
    except (ExampleError, SettingsError, ValueError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    server = Endpoint(args.endpoint) if args.endpoint else Server(port=args.port)
    try:
        with server.environment():
            swap = certificate_stand_in(stack, config, suffix)
            config, changed = {**config, **swap}, {**changed, **swap}
            chain = deploy_chain(stack, services, server.url, suffix, config or None)
            deployment = next(d for d in chain if d.stack == stack)
            if args.update:
                chain[chain.index(deployment)] = apply_update(deployment, config, changed)
            if args.keep:
                return serve(server, deployment, balancer_name(chain))
            for each in reversed(chain):
                teardown(each)
    except (SettingsError, ProgramError, EmulatorError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    finally:
        server.stop()
    return 0


def certificate_stand_in(stack: str, config: dict, suffix: str) -> dict[str, str]:
    """A certificate the stack brings (`tap:certificateArn`) lives in the user's account, not
    in the emulator's, where the listener could not find it: an emulated certificate stands
    in for it, and the swap is printed."""
    arn = config.get("tap:certificateArn")
    if not arn:
        return {}
    region = {**stack_config(stack), **config}["aws:region"]
    acm = boto3.client("acm", region_name=region)
    try:
        acm.describe_certificate(CertificateArn=arn)
        return {}
    except ClientError:
        pass
    stand_in = acm.request_certificate(DomainName=f"{suffix}.example.com")["CertificateArn"]
    print(f"tap:certificateArn {arn} is not in the emulator; {stand_in} stands in for it")
    return {"tap:certificateArn": stand_in}


def deploy_chain(
    stack: str, services: list[str], url: str, suffix: str, config: dict | None
) -> list[Deployment]:
    """`stack`, after the environment it joins when it is a service, and before the
    `services` given when it is an environment; each shown as it is deployed."""
    settings = stack_settings(stack, config=config, suffix=suffix)
    chain: list[Deployment] = []
    joined: dict[str, dict] = {}
    if settings.role == "service":
        name = settings.environment_stack or ""
        environment = referenced_stack(name)
        if environment is None:
            raise EmulatorError(f"tap:environmentStack = {name!r}: no stack file of this project")
        chain.append(_deployed(environment, url, environment, None, {}))
        joined = {name: chain[-1].run.outputs}
    chain.append(_deployed(stack, url, suffix, config, joined))
    for service in services if settings.role == "environment" else ():
        reference = stack_settings(service).environment_stack or ""
        chain.append(_deployed(service, url, service, None, {reference: chain[0].run.outputs}))
    if len(chain) > 1:
        print("\n".join(routes(chain)))
    return chain


def routes(chain: list[Deployment]) -> list[str]:
    """Where the shared load balancer sends each service's host, evaluated from the rules the
    emulator holds (`tapsim.routing`), and the Host header that reaches it."""
    env = next(d for d in chain if d.run.outputs["role"] == "environment")
    rules = listener_rules(Discovered(env.suffix, env.region), env.run.outputs["listenerArn"])
    lines = ["\nRoutes on the shared load balancer:"]
    for service in (d for d in chain if d.run.outputs["role"] == "service"):
        host = service.run.outputs["routeHost"]
        path = service.run.outputs["appUrl"].split(host, 1)[1] + "index.html"
        target = route(rules, host, path).get("TargetGroupArn", "")
        owner = (
            "its own target group" if target == service.run.outputs["targetGroupArn"] else target
        )
        lines.append(f"  {host}{path} -> {service.stack}: {owner}")
    dns = env.run.outputs["albDnsName"]
    lines.append(
        f"  (a client sends the host as a header: curl -H 'Host: <host>' http://{dns}/...)"
    )
    return lines


def _deployed(stack: str, url: str, suffix: str, config: dict | None, stacks: dict) -> Deployment:
    print(f"Deploying stack {stack!r} (suffix {suffix}) into {url}")
    deployment = deploy(stack, url, suffix=suffix, config=config, stacks=stacks)
    show(deployment)
    return deployment


def apply_update(deployment: Deployment, before: dict, after: dict) -> Deployment:
    """Prints the plan of the change, as `pulumi up` previews it (`tapsim.changes`: each
    changed input, what is ignored by design and what is refused), then applies it in the
    emulator, which enforces what AWS enforces, and prints the resources that result."""
    held = parameters(deployment.region)
    old, new = (
        synthesize(deployment.stack, config=c or None, suffix=deployment.suffix, parameters=held)
        for c in (before, after)
    )
    print("\n" + "\n".join(describe(plan(old, new, FORCE_NEW, PENDING), old, new)))
    try:
        steps, updated = update(deployment, config=after)
    except EmulatorError as err:
        raise EmulatorError(f"the emulator refused the change planned above: {err}") from err
    counts = Counter(action for action, typ, _ in steps if typ.startswith(IN_THE_ACCOUNT))
    print("\nApplied: " + ", ".join(f"{counts[a]} to {a}" for a in ACTIONS if counts[a]))
    print()
    print("\n".join(summary(updated, "Update")))
    print("\nSmoke check, after the update:")
    print("\n".join(smoke_check(updated)))
    return updated


def parameters(region: str) -> dict[str, str]:
    """Every SSM parameter the emulator holds in `region`: the plan's runs read them back as
    the update's run does (the image parameter keeps the image that runs)."""
    pages = boto3.client("ssm", region_name=region).get_paginator("get_parameters_by_path")
    return {
        p["Name"]: p["Value"]
        for page in pages.paginate(Path="/", Recursive=True)
        for p in page["Parameters"]
    }


def show(deployment: Deployment) -> None:
    """Outputs, the summary per component and the smoke check of a fresh deployment."""
    print("\nOutputs:")
    for key, value in deployment.run.outputs.items():
        print(f"    {key}: {json.dumps(value)}")
    print()
    print("\n".join(summary(deployment)))
    print("\nSmoke check:")
    print("\n".join(smoke_check(deployment)))


def teardown(deployment: Deployment) -> list[Created]:
    """Destroys the deployment and proves by discovery that nothing with its suffix is left;
    what moto cannot delete is named, not hidden."""
    started = time.perf_counter()
    removed = deployment.destroy()
    left = Discovered(deployment.suffix, deployment.region).remaining()
    if left:
        raise EmulatorError(f"destroy left resources behind: {left}")
    seconds = time.perf_counter() - started
    for item in removed:
        if item.type in UNDELETABLE:
            print(f"  left in the emulator: {item.type} {item.id} ({UNDELETABLE[item.type]})")
    print(f"\nDestroyed {len(removed)} resources in {seconds:.1f} s; ", end="")
    print(f"discovery by suffix {deployment.suffix} finds nothing left.")
    return removed


def balancer_name(chain: list[Deployment]) -> str:
    """The load balancer a deployment is reached through: its own, or its environment's."""
    for each in chain:
        for balancer in each.run.of_type("aws:lb/loadBalancer:LoadBalancer"):
            return str(balancer.inputs["name"])
    return ""


def serve(server: Endpoint, deployment: Deployment, alb: str) -> int:
    region = deployment.region
    print(
        f"\nThe emulator stays up at {server.url} (Ctrl-C to stop). Point a client at it:\n"
        f"  export AWS_ENDPOINT_URL={server.url} AWS_ACCESS_KEY_ID=testing "
        # boto3 and AWS CLI v1 read AWS_DEFAULT_REGION only; AWS CLI v2 reads either.
        f"AWS_SECRET_ACCESS_KEY=testing AWS_DEFAULT_REGION={region} AWS_REGION={region}\n"
        f"  aws elbv2 describe-load-balancers --names {alb}\n"
        # The project's environment has boto3, which the machine's own Python may lack.
        f"  .venv/bin/python -c \"import boto3; print(boto3.client('ecs').list_clusters())\""
    )
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        print("\nStopping the emulator.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
