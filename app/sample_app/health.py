"""The health contract: `/health` answers 200 when every part the stack holds answers, and 503
naming the part that does not; a part the stack does not hold is `absent`, never a failure.

Each check opens a new connection, so it proves what the app's next connection would meet:
the endpoint, TLS, and the credential as it is now, not as it was at start.
"""

from __future__ import annotations

import logging
import ssl
from collections.abc import Callable, Iterator, Mapping
from contextlib import closing
from functools import partial

import redis
from botocore.exceptions import BotoCoreError, ClientError

from .aws import Aws
from .config import CacheConfig, Config, DatabaseConfig
from .connections import Logins, cache_client, connect_database, database_tls, is_refused_login
from .credentials import SecretSource, SecretToken, iam_logins, secret_logins

Check = Callable[[], None]
HEALTHY = frozenset({"ok", "absent"})

log = logging.getLogger(__name__)


def build_checks(config: Config, aws: Aws) -> dict[str, Check | None]:
    return {
        "database": _database_check(config.database, aws) if config.database else None,
        "cache": _cache_check(config.cache, aws) if config.cache else None,
    }


def database_logins(config: DatabaseConfig, aws: Aws) -> Logins:
    """Where each new database connection gets its login: a new IAM token, or the secret."""
    if config.auth == "iam":
        if not (config.user and config.region):
            raise ValueError("IAM authentication needs a user and a region")
        return partial(
            iam_logins, aws.sign_db_token,
            host=config.host, port=config.port, user=config.user, region=config.region,
        )  # fmt: skip
    if not config.secret_arn:
        raise ValueError("secret authentication needs a secret")
    return partial(secret_logins, SecretSource(config.secret_arn, aws.secrets))


def cache_token(config: CacheConfig, aws: Aws) -> SecretToken | None:
    return SecretToken(SecretSource(config.secret_arn, aws.secrets)) if config.secret_arn else None


def _database_check(config: DatabaseConfig, aws: Aws) -> Check:
    logins = database_logins(config, aws)
    tls = database_tls(config.ca_bundle)

    def check() -> None:
        with closing(connect_database(config, logins, tls)) as connection:
            connection.run("SELECT 1")

    return check


def _cache_check(config: CacheConfig, aws: Aws) -> Check:
    token = cache_token(config, aws)

    def check() -> None:
        with closing(cache_client(config, token, single_connection=True)) as client:
            client.ping()

    return check


def report(checks: Mapping[str, Check | None]) -> tuple[bool, dict[str, str]]:
    statuses = {name: _status(name, check) for name, check in checks.items()}
    return all(status in HEALTHY for status in statuses.values()), statuses


def _status(name: str, check: Check | None) -> str:
    if check is None:
        return "absent"
    try:
        check()
    except Exception as err:
        log.warning("%s check failed: %s: %s", name, type(err).__name__, err)
        return f"failed: {classify(err)}"
    return "ok"


def classify(err: BaseException) -> str:
    """What went wrong, in a word the response may carry: the details go to the log only."""
    for cause in _chain(err):
        if isinstance(cause, redis.AuthenticationError) or is_refused_login(cause):
            return "authentication"
        if isinstance(cause, ssl.SSLError):
            return "tls"
        if isinstance(cause, BotoCoreError | ClientError):
            return "credential source"
    for cause in _chain(err):
        if isinstance(cause, OSError | redis.ConnectionError):
            return "unreachable"
    return "error"


def _chain(err: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    current: BaseException | None = err
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__
