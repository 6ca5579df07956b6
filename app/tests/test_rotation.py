"""A rotation under a running app: the password changed in the database and in its secret
(or the cache's AUTH token, or an IAM token that expired) between two requests, and the next
request still connects, because each connection reads its credential when it is made.

The app is built once per test, as a container starts once, and is never rebuilt. Each
rotation test has a twin in which the credential is read once and kept, the defect the
rotation tests exist to catch: it must fail where the app does not.
"""

from __future__ import annotations

import secrets

import pytest

from app.sample_app.credentials import PENDING, Login

from .conftest import CACHE_SECRET, DB_SECRET, REGION, Served
from .fakes import FakeSecrets, RecordingSigner, read_once
from .harness import start_app
from .servers import Postgres, Redis

pytestmark = pytest.mark.xdist_group("app")

HEALTHY = (200, {"database": "ok", "cache": "ok"})


def rotate_database(postgres: Served[Postgres], aws_secrets: FakeSecrets, user: str) -> str:
    """What the rotation does: a new password, set in the database, then made current."""
    password = secrets.token_hex(16)
    postgres.server.set_password(user, password)
    aws_secrets.put(DB_SECRET, {"username": user, "password": password})
    return password


def rotate_cache(cache: Served[Redis], aws_secrets: FakeSecrets) -> str:
    token = secrets.token_hex(16)
    cache.server.set_token(token)
    aws_secrets.put(CACHE_SECRET, {"token": token})
    return token


def test_each_new_connection_reads_its_credential_once(
    stack_env: dict[str, str], aws_secrets: FakeSecrets
) -> None:
    app = start_app(stack_env, lambda: aws_secrets)
    assert (aws_secrets.reads_of(DB_SECRET), aws_secrets.reads_of(CACHE_SECRET)) == (0, 0)
    for requests in (1, 2, 3):
        assert app.health() == HEALTHY
        assert aws_secrets.reads_of(DB_SECRET) == requests
        assert aws_secrets.reads_of(CACHE_SECRET) == requests
    assert aws_secrets.reads_of(DB_SECRET, PENDING) == 0


def test_a_database_password_rotation_is_invisible_to_the_app(
    postgres: Served[Postgres], stack_env: dict[str, str], aws_secrets: FakeSecrets,
    db_login: Login,
) -> None:  # fmt: skip
    app = start_app(stack_env, lambda: aws_secrets)
    assert app.health() == HEALTHY
    for _ in range(2):
        rotate_database(postgres, aws_secrets, db_login.user)
        assert app.health() == HEALTHY


def test_mid_rotation_the_pending_password_gets_in(
    postgres: Served[Postgres], stack_env: dict[str, str], aws_secrets: FakeSecrets,
    db_login: Login,
) -> None:  # fmt: skip
    """Between the rotation's setSecret and finishSecret steps the database holds the new
    password while the secret still calls the old one current."""
    app = start_app(stack_env, lambda: aws_secrets)
    assert app.health() == HEALTHY
    pending = secrets.token_hex(16)
    postgres.server.set_password(db_login.user, pending)
    aws_secrets.put(DB_SECRET, {"username": db_login.user, "password": pending}, PENDING)
    assert app.health() == HEALTHY
    assert aws_secrets.reads_of(DB_SECRET, PENDING) == 1


def test_a_database_password_read_once_fails_after_rotation(
    postgres: Served[Postgres], stack_env: dict[str, str], aws_secrets: FakeSecrets,
    db_login: Login,
) -> None:  # fmt: skip
    app = start_app(stack_env, read_once(aws_secrets))
    assert app.health() == HEALTHY
    rotate_database(postgres, aws_secrets, db_login.user)
    assert app.health() == (503, {"database": "failed: authentication", "cache": "ok"})


def test_a_cache_token_rotation_is_invisible_to_the_app(
    cache: Served[Redis], stack_env: dict[str, str], aws_secrets: FakeSecrets
) -> None:
    app = start_app(stack_env, lambda: aws_secrets)
    assert app.health() == HEALTHY
    for _ in range(2):
        rotate_cache(cache, aws_secrets)
        assert app.health() == HEALTHY


def test_a_cache_token_read_once_fails_after_rotation(
    cache: Served[Redis], stack_env: dict[str, str], aws_secrets: FakeSecrets
) -> None:
    app = start_app(stack_env, read_once(aws_secrets))
    assert app.health() == HEALTHY
    rotate_cache(cache, aws_secrets)
    assert app.health() == (503, {"database": "ok", "cache": "failed: authentication"})


def test_iam_mode_signs_a_new_token_for_each_connection(
    postgres: Served[Postgres], stack_env: dict[str, str], aws_secrets: FakeSecrets,
    db_login: Login,
) -> None:  # fmt: skip
    """PostgreSQL cannot check an RDS IAM token, so the stand-in signer returns what the role
    accepts now; a new password stands for the next token once the last one expired."""
    env = {k: v for k, v in stack_env.items() if k != "DB_SECRET_ARN"}
    signer = RecordingSigner(db_login.password)
    app = start_app(env | {"DB_AUTH": "iam", "DB_USER": db_login.user}, lambda: aws_secrets, signer)
    assert app.health() == HEALTHY
    signer.token = secrets.token_hex(16)
    postgres.server.set_password(db_login.user, signer.token)
    assert app.health() == HEALTHY
    asked = {"DBHostname": "127.0.0.1", "Port": postgres.front.port, "DBUsername": db_login.user,
             "Region": REGION}  # fmt: skip
    assert signer.calls == [asked, asked]
    assert aws_secrets.reads_of(DB_SECRET) == 0
