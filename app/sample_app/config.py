"""What the stack tells the app, read once at start: where things are, never a credential.

Credentials are read when a connection is made (`credentials`), never from a variable set at
start (`DB_USERNAME`, `DB_PASSWORD`, `REDIS_AUTH_TOKEN`, which older stacks set, are ignored
on purpose: they go stale at the first rotation). A part the stack does not hold (no
`DB_HOST`, no `REDIS_HOST`) is `None` and reported absent, never a failure.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

DEFAULT_PORT = 8080
DB_AUTH_MODES = ("secret", "iam")


class ConfigError(ValueError):
    """A variable the app cannot work with: it refuses to start rather than serve half-wired."""


@dataclass(frozen=True)
class DatabaseConfig:
    """The writer endpoint and how to log in to it.

    Attributes:
        auth: `secret` (username and password from the JSON of `secret_arn`) or `iam` (an RDS
            IAM auth token for `user`, signed in `region`).
        ca_bundle: the CA certificates that verify the server's certificate and name; without
            it the connection is encrypted but the server is not verified.
    """

    host: str
    port: int
    name: str
    auth: str
    user: str | None
    secret_arn: str | None
    region: str | None
    ca_bundle: str | None
    reader_host: str | None = None


@dataclass(frozen=True)
class CacheConfig:
    """The cache's primary endpoint; `secret_arn` holds `{"token": ...}`, the AUTH token."""

    host: str
    port: int
    tls: bool
    secret_arn: str | None
    ca_bundle: str | None


@dataclass(frozen=True)
class Config:
    port: int
    region: str | None
    database: DatabaseConfig | None
    cache: CacheConfig | None


def load(env: Mapping[str, str], argv: Sequence[str] = ()) -> Config:
    """The app's settings from its environment; a port given as the last argument wins over
    `PORT`, as the stack's default command passes it."""
    region = env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or None
    port = argv[-1] if argv else env.get("PORT", str(DEFAULT_PORT))
    return Config(
        port=_port("PORT", port, allow_zero=True),
        region=region,
        database=_database(env, region),
        cache=_cache(env),
    )


def _database(env: Mapping[str, str], region: str | None) -> DatabaseConfig | None:
    host = env.get("DB_HOST")
    if not host:
        return None
    auth = env.get("DB_AUTH", "secret")
    if auth not in DB_AUTH_MODES:
        raise ConfigError(f"DB_AUTH must be one of {', '.join(DB_AUTH_MODES)}, not {auth!r}")
    user = env.get("DB_USER") or None
    secret_arn = env.get("DB_SECRET_ARN") or None
    if auth == "iam" and not (user and region):
        raise ConfigError("DB_AUTH=iam needs DB_USER and AWS_REGION: the token is signed for both")
    if auth == "secret" and not secret_arn:
        raise ConfigError("DB_AUTH=secret needs DB_SECRET_ARN")
    return DatabaseConfig(
        host=host,
        port=_port("DB_PORT", env.get("DB_PORT", "5432")),
        name=env.get("DB_NAME") or "postgres",
        auth=auth,
        user=user,
        secret_arn=secret_arn,
        region=region,
        ca_bundle=env.get("DB_CA_BUNDLE") or None,
        reader_host=env.get("DB_READER_HOST") or None,
    )


def _cache(env: Mapping[str, str]) -> CacheConfig | None:
    host = env.get("REDIS_HOST")
    if not host:
        return None
    tls = env.get("REDIS_TLS", "true").lower()
    if tls not in ("true", "false"):
        raise ConfigError(f"REDIS_TLS must be true or false, not {tls!r}")
    return CacheConfig(
        host=host,
        port=_port("REDIS_PORT", env.get("REDIS_PORT", "6379")),
        tls=tls == "true",
        secret_arn=env.get("REDIS_AUTH_SECRET_ARN") or None,
        ca_bundle=env.get("REDIS_CA_BUNDLE") or None,
    )


def _port(name: str, value: str, *, allow_zero: bool = False) -> int:
    lowest = 0 if allow_zero else 1
    if not value.isdigit() or not lowest <= int(value) <= 65535:
        raise ConfigError(f"{name} must be a port number, not {value!r}")
    return int(value)
