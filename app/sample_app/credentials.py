"""Credentials, read for each new connection and never kept.

A password in Secrets Manager changes under the app when it rotates, and an IAM auth token
lives 15 minutes: a value read at start, or kept between connections, is the one thing that
turns a rotation into an outage. So every connection asks its source again. That costs one
`GetSecretValue` (or one local signature) per new connection, which a team that pools
connections pays once per connection, not per query.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

import redis
from botocore.exceptions import ClientError

CURRENT = "AWSCURRENT"
PENDING = "AWSPENDING"


class SecretsClient(Protocol):
    """What the app uses of a Secrets Manager client (boto3's, or a test's stand-in)."""

    def get_secret_value(self, **kwargs: str) -> Mapping[str, Any]: ...


class TokenSigner(Protocol):
    """boto3's `rds.generate_db_auth_token`: signs locally, no request leaves the app."""

    def __call__(self, *, DBHostname: str, Port: int, DBUsername: str, Region: str) -> str: ...  # noqa: N803


@dataclass(frozen=True)
class Login:
    user: str
    password: str = field(repr=False)


class SecretSource:
    """One secret's JSON, read from Secrets Manager every time it is asked for."""

    def __init__(self, secret_id: str, client: Callable[[], SecretsClient]) -> None:
        self.secret_id = secret_id
        self._client = client

    def current(self) -> dict[str, Any]:
        return self._read(CURRENT)

    def pending(self) -> dict[str, Any] | None:
        """The value a rotation is moving to; `None` outside a rotation."""
        try:
            return self._read(PENDING)
        except ClientError as err:
            if err.response["Error"]["Code"] == "ResourceNotFoundException":
                return None
            raise

    def _read(self, stage: str) -> dict[str, Any]:
        answer = self._client().get_secret_value(SecretId=self.secret_id, VersionStage=stage)
        value: dict[str, Any] = json.loads(answer["SecretString"])
        return value


def secret_logins(source: SecretSource) -> Iterator[Login]:
    """The secret's current username and password, then, only if those were refused, its
    pending ones: during a rotation the database may already hold the pending password while
    the secret still calls the old one current."""
    current = _login(source.current())
    yield current
    pending = source.pending()
    if pending is not None and _login(pending) != current:
        yield _login(pending)


def iam_logins(
    sign: TokenSigner, *, host: str, port: int, user: str, region: str
) -> Iterator[Login]:
    """A new IAM auth token for `user`, signed for this endpoint and region."""
    yield Login(user, sign(DBHostname=host, Port=port, DBUsername=user, Region=region))


def _login(value: Mapping[str, Any]) -> Login:
    return Login(str(value["username"]), str(value["password"]))


class SecretToken(redis.CredentialProvider):
    """The cache's AUTH token, read from its secret by redis-py as each connection opens
    (`on_connect`), so a client kept for the process's life still follows a rotation."""

    def __init__(self, source: SecretSource) -> None:
        self.source = source

    def get_credentials(self) -> tuple[str]:
        return (str(self.source.current()["token"]),)
