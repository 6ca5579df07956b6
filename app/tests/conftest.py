"""The session's PostgreSQL and Redis, each behind its TLS front, and what each test gets of
them: a database role and a cache token of its own, the stack's variables pointing at the
fronts, and the secrets the app reads, in a stand-in for Secrets Manager.

The servers start once per session and are shared; a rotation in one test reaches no other.
The tests that use them are in the `app` xdist group, so a single worker starts them. What
they are made with is imported when first used: a test session's coordinating process
imports this file too, before it starts the workers.
"""

from __future__ import annotations

import secrets
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Generic, TypeVar

import pytest

if TYPE_CHECKING:
    from app.sample_app.credentials import Login

    from .certs import Authority
    from .fakes import FakeSecrets
    from .servers import Postgres, Redis, Server, TlsFront

DB_SECRET = "arn:aws:secretsmanager:eu-west-1:111122223333:secret:app-db-AbCdEf"
CACHE_SECRET = "arn:aws:secretsmanager:eu-west-1:111122223333:secret:app-cache-AbCdEf"
REGION = "eu-west-1"

S = TypeVar("S", bound="Server")


@dataclass(frozen=True)
class Served(Generic[S]):
    server: S
    front: TlsFront


@pytest.fixture(scope="session")
def workdir() -> Iterator[Path]:
    path = Path(tempfile.mkdtemp(prefix="sample-app-"))
    path.chmod(0o711)  # the database server's user passes through to its own directory
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="session")
def authority(workdir: Path) -> Authority:
    from .certs import make_authority

    return make_authority(workdir / "ca", "tap sample app test CA")


@pytest.fixture(scope="session")
def other_authority(workdir: Path) -> Authority:
    """A CA that signed nothing the servers present."""
    from .certs import make_authority

    return make_authority(workdir / "other-ca", "another CA")


def _served(server: S, authority: Authority, *, postgres: bool) -> Iterator[Served[S]]:
    """A real server behind a TLS front with the session's CA, stopped after the session."""
    from .servers import TlsFront

    front = TlsFront(server.port, authority.server_context(), postgres=postgres)
    yield Served(server, front)
    front.stop()
    server.stop()


@pytest.fixture(scope="session")
def postgres(workdir: Path, authority: Authority) -> Iterator[Served[Postgres]]:
    from .servers import start_postgres

    server = start_postgres(workdir / "postgres", secrets.token_hex(16))
    yield from _served(server, authority, postgres=True)


@pytest.fixture(scope="session")
def cache(workdir: Path, authority: Authority) -> Iterator[Served[Redis]]:
    from .servers import start_redis

    server = start_redis(workdir / "redis", secrets.token_hex(16))
    yield from _served(server, authority, postgres=False)


@pytest.fixture
def db_login(postgres: Served[Postgres]) -> Login:
    """A login role of this test's own, as the app's database user."""
    from app.sample_app.credentials import Login

    login = Login(f"app_{secrets.token_hex(4)}", secrets.token_hex(16))
    postgres.server.run(f"CREATE ROLE {login.user} LOGIN PASSWORD '{login.password}'")
    return login


@pytest.fixture
def cache_token(cache: Served[Redis]) -> str:
    token = secrets.token_hex(16)
    cache.server.set_token(token)
    return token


@pytest.fixture
def aws_secrets(db_login: Login, cache_token: str) -> FakeSecrets:
    from .fakes import FakeSecrets

    fake = FakeSecrets()
    fake.put(DB_SECRET, {"username": db_login.user, "password": db_login.password})
    fake.put(CACHE_SECRET, {"token": cache_token})
    return fake


@pytest.fixture
def stack_env(
    postgres: Served[Postgres], cache: Served[Redis], authority: Authority
) -> dict[str, str]:
    """What the stack sets in the app's environment, pointing at the session's servers."""
    from .certs import HOST

    return {
        "DB_HOST": HOST,
        "DB_READER_HOST": HOST,
        "DB_PORT": str(postgres.front.port),
        "DB_NAME": "postgres",
        "DB_AUTH": "secret",
        "DB_SECRET_ARN": DB_SECRET,
        "DB_CA_BUNDLE": str(authority.ca_file),
        "REDIS_HOST": HOST,
        "REDIS_PORT": str(cache.front.port),
        "REDIS_TLS": "true",
        "REDIS_AUTH_SECRET_ARN": CACHE_SECRET,
        "REDIS_CA_BUNDLE": str(authority.ca_file),
        "AWS_REGION": REGION,
    }
