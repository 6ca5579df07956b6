"""`make rotate-cache-token`: a new cache AUTH token with no moment where a client is refused.

The procedure is ElastiCache's own (ElastiCache User Guide, "Authenticating with the Valkey
and Redis OSS AUTH command", "Modifying the AUTH token on an existing cluster"):

1. The new token is stored as the secret's `AWSPENDING` version, then
   `ModifyReplicationGroup` with it and strategy `ROTATE`: the group accepts the old token
   and the new one.
2. The new version becomes `AWSCURRENT`, and the app restarts so every client reads it: ECS
   resolves `secrets` only when a task starts, and an instance's run script reads the secret
   when it starts the container, so a new ECS deployment or an instance refresh.
3. `ModifyReplicationGroup` with the same token and strategy `SET`: only the new one is
   accepted. Both calls apply immediately, and each is waited for until the group is
   `available` with no token change pending and a new `AuthTokenLastModifiedDate`, as the
   Terraform provider waits around its own token changes.

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
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from tap_platform.naming import Namer, Service
from tap_platform.secrets import AUTH_TOKEN_SPECIALS
from tap_platform.settings import SettingsError, project_name, read_stack_file

# 16-128 printable characters, the specials limited to AUTH_TOKEN_SPECIALS (same guide).
TOKEN_LENGTH = 64
PENDING = "AWSPENDING"
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
    """Runs the steps; returns the token now in force.

    The new token is stored as the secret's `AWSPENDING` version before ROTATE, so a run that
    stops anywhere can be finished (`resume`) with the same token, and a fresh run refuses to
    start over it: a second ROTATE would drop the oldest token, which a client that has not
    restarted may still hold. The label goes before SET, so a stop after that leaves both
    tokens valid and every client on the new one, which the next rotation may safely drop.
    """
    cache, store = clients("elasticache"), clients("secretsmanager")
    group = _settled(cache, targets.group_id, None, timeout, poll)
    pending = _labelled(store, targets.secret_id, PENDING)
    if pending and not resume:
        raise RotationError(
            f"{targets.secret_id} holds the AWSPENDING token of a rotation that stopped "
            "half-way: finish it with RESUME=1"
        )
    if resume and not pending:
        raise RotationError(f"nothing to resume: {targets.secret_id} has no AWSPENDING token")
    if pending:
        version = pending["VersionId"]
        token = _token(store, targets.secret_id, version)
        rotated = group["AuthTokenLastModifiedDate"] > pending["CreatedDate"]
    else:
        token = new_token()
        version = store.put_secret_value(
            SecretId=targets.secret_id,
            SecretString=json.dumps({"token": token}),
            VersionStages=[PENDING],
        )["VersionId"]
        rotated = False
    if not rotated:
        say(f"{targets.group_id}: ROTATE (old and new token accepted)")
        group = _modify(cache, group, token, "ROTATE", timeout=timeout, poll=poll)
    current = _labelled(store, targets.secret_id, "AWSCURRENT")
    if current and current["VersionId"] != version:
        store.update_secret_version_stage(
            SecretId=targets.secret_id,
            VersionStage="AWSCURRENT",
            MoveToVersionId=version,
            RemoveFromVersionId=current["VersionId"],
        )
    say(f"{targets.secret_id}: the new token is current")
    _restart_app(clients, targets, timeout, poll, say)
    store.update_secret_version_stage(
        SecretId=targets.secret_id, VersionStage=PENDING, RemoveFromVersionId=version
    )
    say(f"{targets.group_id}: SET (only the new token accepted)")
    _modify(cache, group, token, "SET", timeout=timeout, poll=poll)
    return token


def _labelled(store: Any, secret_id: str, label: str) -> dict[str, Any] | None:
    """The version with `label`; labelled versions are never deprecated, so the default
    listing holds them."""
    listed = store.list_secret_version_ids(SecretId=secret_id)
    versions = listed["Versions"]
    while listed.get("NextToken"):
        listed = store.list_secret_version_ids(SecretId=secret_id, NextToken=listed["NextToken"])
        versions += listed["Versions"]
    found = [v for v in versions if label in v.get("VersionStages", [])]
    return found[0] if found else None


def _token(store: Any, secret_id: str, version_id: str) -> str:
    value = store.get_secret_value(SecretId=secret_id, VersionId=version_id)
    return json.loads(value["SecretString"])["token"]


def _modify(
    cache: Any, group: dict[str, Any], token: str, strategy: str, *, timeout: float, poll: float
) -> dict[str, Any]:
    """One token change, waited for until the group reports it made: `available`, no token
    change pending, and a new `AuthTokenLastModifiedDate` (an `available` read just after
    the call may predate it)."""
    cache.modify_replication_group(
        ReplicationGroupId=group["ReplicationGroupId"],
        AuthToken=token,
        AuthTokenUpdateStrategy=strategy,
        ApplyImmediately=True,
    )
    before = group["AuthTokenLastModifiedDate"]
    return _settled(cache, group["ReplicationGroupId"], before, timeout, poll)


def _until(done: Callable[[], bool], what: str, timeout: float, poll: float) -> None:
    deadline = time.monotonic() + timeout
    while not done():
        if time.monotonic() > deadline:
            raise RotationError(f"gave up waiting for {what} after {timeout:.0f} s")
        time.sleep(poll)


def _settled(
    cache: Any, group_id: str, changed_from: Any, timeout: float, poll: float
) -> dict[str, Any]:
    """The group once it is `available` with no token change pending and, given
    `changed_from`, a token modified since."""
    seen: dict[str, Any] = {}

    def settled() -> bool:
        (group,) = cache.describe_replication_groups(ReplicationGroupId=group_id)[
            "ReplicationGroups"
        ]
        seen.update(group)
        pending = (group.get("PendingModifiedValues") or {}).get("AuthTokenStatus")
        changed = changed_from is None or group["AuthTokenLastModifiedDate"] != changed_from
        return group["Status"] == "available" and not pending and changed

    _until(settled, f"{group_id} to be available with its token change made", timeout, poll)
    return seen


def _restart_app(
    clients: Clients, targets: Targets, timeout: float, poll: float, say: Callable[[str], None]
) -> None:
    """Whichever runtime the stack runs: its ECS service, else its Auto Scaling group (an
    `asg` stack has no cluster)."""
    ecs = clients("ecs")
    try:
        services = ecs.describe_services(cluster=targets.cluster, services=[targets.service])
    except ecs.exceptions.ClusterNotFoundException:
        services = {}
    if any(s.get("status") == "ACTIVE" for s in services.get("services", [])):
        _new_deployment(ecs, targets, timeout, poll, say)
    else:
        _instance_refresh(clients("autoscaling"), targets, timeout, poll, say)


def _new_deployment(
    ecs: Any, targets: Targets, timeout: float, poll: float, say: Callable[[str], None]
) -> None:
    """Done when the new deployment is the only one left and has reached steady state: with
    the circuit breaker on, its rollout state is COMPLETED (ECS API Reference, Deployment)."""
    deployments = ecs.update_service(
        cluster=targets.cluster, service=targets.service, forceNewDeployment=True
    )["service"]["deployments"]
    new = next((d for d in deployments if d.get("status") == "PRIMARY"), deployments[0])["id"]
    say(f"{targets.service}: new deployment {new}")

    def settled() -> bool:
        (service,) = ecs.describe_services(cluster=targets.cluster, services=[targets.service])[
            "services"
        ]
        ours = [d for d in service["deployments"] if d["id"] == new]
        if not ours:
            raise RotationError(f"{targets.service}: deployment {new} was replaced")
        state = ours[0].get("rolloutState")
        if state == "FAILED":
            raise RotationError(f"{targets.service}: deployment {new} failed")
        steady = (
            state == "COMPLETED" if state else ours[0]["runningCount"] == ours[0]["desiredCount"]
        )
        return steady and len(service["deployments"]) == 1

    _until(settled, f"{targets.service} to run only the new deployment", timeout, poll)


def _instance_refresh(
    scaling: Any, targets: Targets, timeout: float, poll: float, say: Callable[[str], None]
) -> None:
    group = targets.auto_scaling_group
    refresh = scaling.start_instance_refresh(AutoScalingGroupName=group)["InstanceRefreshId"]
    say(f"{group}: instance refresh {refresh}")

    def refreshed() -> bool:
        (found,) = scaling.describe_instance_refreshes(
            AutoScalingGroupName=group, InstanceRefreshIds=[refresh]
        )["InstanceRefreshes"]
        if found["Status"] in {"Failed", "Cancelled", "RollbackSuccessful", "RollbackFailed"}:
            raise RotationError(f"{group}: instance refresh {found['Status']}")
        return found["Status"] == "Successful"

    _until(refreshed, f"{group} to refresh", timeout, poll)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--stack", required=True, help="the stack file the region comes from")
    parser.add_argument("--suffix", required=True, help="the deployed stack's environment suffix")
    parser.add_argument(
        "--resume", action="store_true", help="finish a rotation that stopped after ROTATE"
    )
    args = parser.parse_args(argv)
    here = Path.cwd()
    try:
        project = project_name(here)
        region = read_stack_file(here / f"Pulumi.{args.stack}.yaml").get("aws:region")
    except SettingsError as err:
        print(err, file=sys.stderr)
        return 2
    if not region:
        print(f"Pulumi.{args.stack}.yaml sets no aws:region, where the stack runs", file=sys.stderr)
        return 2
    config = Config(retries={"max_attempts": 10, "mode": "adaptive"})
    session = boto3.Session(region_name=region)
    targets = Targets.of(project, args.suffix)
    try:
        rotate(lambda service: session.client(service, config=config), targets, resume=args.resume)
    except (RotationError, BotoCoreError, ClientError) as err:
        print(
            f"rotation stopped: {err}\nThe cache still accepts the token the app holds. Once "
            "the cause is fixed, finish with RESUME=1 (the new token is kept as AWSPENDING).",
            file=sys.stderr,
        )
        return 1
    print("done: the cache accepts only the new token, which the app holds")
    return 0


if __name__ == "__main__":
    sys.exit(main())
