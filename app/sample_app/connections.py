"""New connections to the database and the cache: TLS always, a fresh credential each.

TLS: the database connection is always encrypted (the stack's parameter group refuses any
other). With `DB_CA_BUNDLE` (the image sets it to RDS's global CA bundle) the server's
certificate and name are verified, as libpq's `sslmode=verify-full`; without it the channel
is encrypted but unverified, as `sslmode=require`. The cache, with `REDIS_TLS=true`, is
verified against `REDIS_CA_BUNDLE` or else the system's trust store, which holds the public
CA ElastiCache's certificates chain to.
"""

from __future__ import annotations

import ssl
from collections.abc import Callable, Iterable

import pg8000.native
import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from .config import CacheConfig, DatabaseConfig
from .credentials import Login

# Each connection attempt and each reply: the health check must answer within the load
# balancer's timeout even when a part hangs.
TIMEOUT_SECONDS = 2.0
# SQLSTATE of a refused login: invalid_password, invalid_authorization_specification.
REFUSED_LOGIN = frozenset({"28P01", "28000"})

Logins = Callable[[], Iterable[Login]]


def database_tls(ca_bundle: str | None) -> ssl.SSLContext:
    """`verify-full` with a CA bundle, `require` without one."""
    context = ssl.create_default_context(cafile=ca_bundle)
    if ca_bundle is None:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    return context


def connect_database(
    config: DatabaseConfig,
    logins: Logins,
    tls: ssl.SSLContext,
    *,
    host: str | None = None,
    timeout: float = TIMEOUT_SECONDS,
) -> pg8000.native.Connection:
    """A new connection to the writer (or `host`, such as the reader endpoint), trying each
    login `logins()` yields (read now, not earlier) until one is accepted."""
    refused: pg8000.native.DatabaseError | None = None
    for login in logins():
        try:
            return pg8000.native.Connection(
                login.user,
                host=host or config.host,
                port=config.port,
                database=config.name,
                password=login.password,
                ssl_context=tls,
                timeout=timeout,
            )
        except pg8000.native.DatabaseError as err:
            if not is_refused_login(err):
                raise
            refused = err
    if refused is None:
        raise LookupError("no database login to try")
    raise refused


def is_refused_login(err: BaseException) -> bool:
    fields = err.args[0] if err.args else None
    return isinstance(fields, dict) and fields.get("C") in REFUSED_LOGIN


def cache_client(
    config: CacheConfig,
    token: redis.CredentialProvider | None,
    *,
    timeout: float = TIMEOUT_SECONDS,
    single_connection: bool = False,
) -> redis.Redis:
    """A client whose every new connection asks `token` for the AUTH token (none without a
    secret), over TLS when the stack says so; it does not retry (redis-py's default retries
    three times with backoff), so a failing check answers within its timeout."""
    return redis.Redis(
        host=config.host,
        port=config.port,
        credential_provider=token,
        socket_connect_timeout=timeout,
        socket_timeout=timeout,
        single_connection_client=single_connection,
        retry=Retry(NoBackoff(), 0),
        ssl=config.tls,
        ssl_cert_reqs="required",
        ssl_check_hostname=True,
        ssl_ca_certs=config.ca_bundle,
    )
