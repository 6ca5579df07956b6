"""The app's AWS clients, each made once per process on first use: a client holds no
credential of the app's, and botocore renews the task role's keys by itself."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import boto3
from botocore.config import Config

from .credentials import SecretsClient, TokenSigner

# A health check must answer within the load balancer's timeout, even when AWS is slow.
CLIENT_CONFIG = Config(
    connect_timeout=2, read_timeout=2, retries={"mode": "standard", "max_attempts": 2}
)

T = TypeVar("T")


@dataclass(frozen=True)
class Aws:
    """Where credentials come from: a Secrets Manager client, and the IAM token signer."""

    secrets: Callable[[], SecretsClient]
    sign_db_token: TokenSigner


def aws_clients(region: str | None) -> Aws:
    def client(service: str) -> Callable[[], Any]:
        return _once(lambda: boto3.client(service, region_name=region, config=CLIENT_CONFIG))

    secrets, rds = client("secretsmanager"), client("rds")

    def sign_db_token(*, DBHostname: str, Port: int, DBUsername: str, Region: str) -> str:  # noqa: N803
        token: str = rds().generate_db_auth_token(
            DBHostname=DBHostname, Port=Port, DBUsername=DBUsername, Region=Region
        )
        return token

    return Aws(secrets=secrets, sign_db_token=sign_db_token)


def _once(make: Callable[[], T]) -> Callable[[], T]:
    """`make()` called once, under a lock: boto3's default session is not safe to make
    clients from in several threads at once."""
    lock = threading.Lock()
    made: list[Any] = []

    def get() -> T:
        with lock:
            if not made:
                made.append(make())
            result: T = made[0]
            return result

    return get
