"""`make rotate-cache-token`: a new cache AUTH token with no moment where a client is refused.

The procedure is ElastiCache's own (ElastiCache User Guide, "Authenticating with the Valkey
and Redis OSS AUTH command", "Modifying the AUTH token on an existing cluster"):

1. `ModifyReplicationGroup` with the new token and strategy `ROTATE`: the group now accepts
   the old token and the new one.
2. The stack's cache secret gets the new token, and the app restarts so every client reads
   it: ECS resolves `secrets` only when a task starts, and an instance's run script reads the
   secret when it starts the container, so a new ECS deployment or an instance refresh.
3. `ModifyReplicationGroup` with the same token and strategy `SET`: only the new one is
   accepted. Both calls apply immediately, and each waits for the group to be `available`
   again, as the Terraform provider does around its own token changes.

Pulumi seeded the token and ignores it from then on (`lib/cache.py`), so a later `pulumi up`
neither sees nor undoes a rotation. ElastiCache never returns a token, so a refresh cannot
either.
"""

from __future__ import annotations

import argparse
import json
import secrets
import string
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import yaml
from botocore.config import Config

from lib.naming import Namer, Service
from lib.secrets import AUTH_TOKEN_SPECIALS

PROJECT_DIR = Path(__file__).resolve().parent.parent
# 16-128 printable characters, the specials limited to AUTH_TOKEN_SPECIALS (same guide).
TOKEN_LENGTH = 64
Clients = Callable[[str], Any]


class RotationError(RuntimeError):
    pass


@dataclass(frozen=True)
class Targets:
    """What one stack's rotation touches, named as the stack names them."""

    group_id: str
    secret_id: str
    cluster: str
    service: str
    auto_scaling_group: str

    @classmethod
    def of(cls, project: str, suffix: str) -> Targets:
        namer = Namer(project, suffix)
        return cls(
            group_id=namer.name("cache", Service.ELASTICACHE),
            secret_id=namer.secret("cache-auth"),
            cluster=namer.name("cluster", Service.ECS),
            service=namer.name("app", Service.ECS),
            auto_scaling_group=namer.name("app", Service.ECS),
        )


def new_token() -> str:
    alphabet = string.ascii_letters + string.digits + AUTH_TOKEN_SPECIALS
    while True:
        token = "".join(secrets.choice(alphabet) for _ in range(TOKEN_LENGTH))
        if token[0].isalnum() and {*token} & {*string.digits} and {*token} & {*AUTH_TOKEN_SPECIALS}:
            return token


def rotate(
    clients: Clients,
    targets: Targets,
    *,
    resume: bool = False,
    timeout: float = 3600,
    poll: float = 15,
    say: Callable[[str], None] = print,
) -> str:
    """Runs the three steps; returns the token now in force. `resume` finishes a rotation
    that stopped after ROTATE with the token already stored: a second ROTATE would drop the
    oldest token, which a client that did not restart may still hold."""
    cache, store = clients("elasticache"), clients("secretsmanager")
    _wait_available(cache, targets.group_id, timeout, poll)
    if resume:
        value = store.get_secret_value(SecretId=targets.secret_id)["SecretString"]
        token = json.loads(value)["token"]
    else:
        token = new_token()
        say(f"{targets.group_id}: ROTATE (old and new token accepted)")
        _modify(cache, targets.group_id, token, "ROTATE")
        _wait_available(cache, targets.group_id, timeout, poll)
        store.put_secret_value(
            SecretId=targets.secret_id, SecretString=json.dumps({"token": token})
        )
        say(f"{targets.secret_id}: new token stored")
    _restart_app(clients, targets, timeout, poll, say)
    say(f"{targets.group_id}: SET (only the new token accepted)")
    _modify(cache, targets.group_id, token, "SET")
    _wait_available(cache, targets.group_id, timeout, poll)
    return token


def _modify(cache: Any, group_id: str, token: str, strategy: str) -> None:
    cache.modify_replication_group(
        ReplicationGroupId=group_id,
        AuthToken=token,
        AuthTokenUpdateStrategy=strategy,
        ApplyImmediately=True,
    )


def _until(done: Callable[[], bool], what: str, timeout: float, poll: float) -> None:
    deadline = time.monotonic() + timeout
    while not done():
        if time.monotonic() > deadline:
            raise RotationError(f"gave up waiting for {what} after {timeout:.0f} s")
        time.sleep(poll)


def _wait_available(cache: Any, group_id: str, timeout: float, poll: float) -> None:
    def available() -> bool:
        groups = cache.describe_replication_groups(ReplicationGroupId=group_id)
        return groups["ReplicationGroups"][0]["Status"] == "available"

    _until(available, f"{group_id} to be available", timeout, poll)


def _restart_app(
    clients: Clients, targets: Targets, timeout: float, poll: float, say: Callable[[str], None]
) -> None:
    """Whichever runtime the stack runs: an ECS service, else its Auto Scaling group."""
    ecs = clients("ecs")
    services = ecs.describe_services(cluster=targets.cluster, services=[targets.service])
    running = [s for s in services.get("services", []) if s.get("status") == "ACTIVE"]
    if running:
        deployment = ecs.update_service(
            cluster=targets.cluster, service=targets.service, forceNewDeployment=True
        )["service"]["deployments"][0]["id"]
        say(f"{targets.service}: new deployment {deployment}")

        def settled() -> bool:
            (service,) = ecs.describe_services(cluster=targets.cluster, services=[targets.service])[
                "services"
            ]
            (only,) = service["deployments"] or [None]
            if only is None or only["id"] != deployment:
                return False
            # With the circuit breaker, a deployment that reached steady state is COMPLETED
            # (ECS API Reference, Deployment.rolloutState).
            state = only.get("rolloutState")
            if state == "FAILED":
                raise RotationError(f"{targets.service}: deployment {deployment} failed")
            return state == "COMPLETED" if state else only["runningCount"] == only["desiredCount"]

        _until(settled, f"{targets.service} to run only the new deployment", timeout, poll)
        return
    scaling = clients("autoscaling")
    refresh = scaling.start_instance_refresh(AutoScalingGroupName=targets.auto_scaling_group)
    say(f"{targets.auto_scaling_group}: instance refresh {refresh['InstanceRefreshId']}")

    def refreshed() -> bool:
        (found,) = scaling.describe_instance_refreshes(
            AutoScalingGroupName=targets.auto_scaling_group,
            InstanceRefreshIds=[refresh["InstanceRefreshId"]],
        )["InstanceRefreshes"]
        if found["Status"] in {"Failed", "Cancelled", "RollbackSuccessful", "RollbackFailed"}:
            raise RotationError(f"{targets.auto_scaling_group}: instance refresh {found['Status']}")
        return found["Status"] == "Successful"

    _until(refreshed, f"{targets.auto_scaling_group} to refresh", timeout, poll)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--stack", required=True, help="the stack file the region comes from")
    parser.add_argument("--suffix", required=True, help="the deployed stack's environment suffix")
    parser.add_argument(
        "--resume", action="store_true", help="finish a rotation that stopped after ROTATE"
    )
    args = parser.parse_args(argv)
    project = yaml.safe_load((PROJECT_DIR / "Pulumi.yaml").read_text())["name"]
    stack_file = yaml.safe_load((PROJECT_DIR / f"Pulumi.{args.stack}.yaml").read_text())
    region = stack_file["config"]["aws:region"]
    config = Config(retries={"max_attempts": 10, "mode": "adaptive"})
    session = boto3.Session(region_name=region)
    targets = Targets.of(project, args.suffix)
    try:
        rotate(lambda service: session.client(service, config=config), targets, resume=args.resume)
    except RotationError as err:
        print(
            f"rotation stopped: {err}. If ROTATE was done, {targets.group_id} accepts the old "
            "and the new token; once the app runs again, finish with RESUME=1.",
            file=sys.stderr,
        )
        return 1
    print("done: the cache accepts only the new token, which the app holds")
    return 0


if __name__ == "__main__":
    sys.exit(main())
