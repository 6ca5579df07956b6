"""`/health` against a real PostgreSQL and a real Redis, over TLS: ok when both answer, and
503 naming the part that does not, whatever the reason."""

from __future__ import annotations

import pg8000.native
import pytest

from app.sample_app.credentials import Login

from .certs import HOST, Authority
from .conftest import CACHE_SECRET, DB_SECRET, Served
from .fakes import FakeSecrets
from .harness import start_app
from .servers import Postgres, Redis, free_port

pytestmark = pytest.mark.xdist_group("app")


def test_both_parts_answer_over_tls_with_the_stacks_settings(
    stack_env: dict[str, str], aws_secrets: FakeSecrets
) -> None:
    app = start_app(stack_env, lambda: aws_secrets)
    assert app.health() == (200, {"database": "ok", "cache": "ok"})
    assert app.get("/health").headers["Content-Type"] == "application/json"


def test_the_fronts_speak_only_tls_so_an_answer_proves_tls(
    postgres: Served[Postgres], cache: Served[Redis], aws_secrets: FakeSecrets,
    stack_env: dict[str, str], db_login: Login,
) -> None:  # fmt: skip
    with pytest.raises(pg8000.native.InterfaceError):
        pg8000.native.Connection(
            db_login.user, host=HOST, port=postgres.front.port, password=db_login.password,
            database="postgres", ssl_context=False, timeout=2,
        )  # fmt: skip
    app = start_app(stack_env | {"REDIS_TLS": "false"}, lambda: aws_secrets)
    assert app.health() == (503, {"database": "ok", "cache": "failed: unreachable"})


def test_plaintext_cache_when_the_stack_turns_tls_off(
    cache: Served[Redis], stack_env: dict[str, str], aws_secrets: FakeSecrets
) -> None:
    env = stack_env | {"REDIS_TLS": "false", "REDIS_PORT": str(cache.server.port)}
    assert start_app(env, lambda: aws_secrets).health() == (200, {"database": "ok", "cache": "ok"})


@pytest.mark.parametrize(
    ("down", "expected"),
    [
        ("DB_PORT", {"database": "failed: unreachable", "cache": "ok"}),
        ("REDIS_PORT", {"database": "ok", "cache": "failed: unreachable"}),
    ],
)
def test_a_part_that_is_down_fails_health_by_name(
    stack_env: dict[str, str], aws_secrets: FakeSecrets, down: str, expected: dict[str, str]
) -> None:
    app = start_app(stack_env | {down: str(free_port())}, lambda: aws_secrets)
    assert app.health() == (503, expected)


def test_a_wrong_credential_fails_health_by_name(
    stack_env: dict[str, str], aws_secrets: FakeSecrets, db_login: Login
) -> None:
    app = start_app(stack_env, lambda: aws_secrets)
    aws_secrets.put(DB_SECRET, {"username": db_login.user, "password": "wrong"})
    assert app.health() == (503, {"database": "failed: authentication", "cache": "ok"})
    aws_secrets.put(DB_SECRET, {"username": db_login.user, "password": db_login.password})
    aws_secrets.put(CACHE_SECRET, {"token": "wrong"})
    assert app.health() == (503, {"database": "ok", "cache": "failed: authentication"})


def test_a_secret_that_cannot_be_read_fails_health_by_name(
    stack_env: dict[str, str], aws_secrets: FakeSecrets
) -> None:
    aws_secrets.values.clear()
    app = start_app(stack_env, lambda: aws_secrets)
    failed = "failed: credential source"
    assert app.health() == (503, {"database": failed, "cache": failed})


def test_a_certificate_from_another_ca_is_refused(
    stack_env: dict[str, str], aws_secrets: FakeSecrets, other_authority: Authority
) -> None:
    other = str(other_authority.ca_file)
    app = start_app(stack_env | {"DB_CA_BUNDLE": other, "REDIS_CA_BUNDLE": other},
                    lambda: aws_secrets)  # fmt: skip
    assert app.health() == (503, {"database": "failed: tls", "cache": "failed: tls"})


def test_the_certificate_name_is_checked(
    stack_env: dict[str, str], aws_secrets: FakeSecrets
) -> None:
    env = stack_env | {"DB_HOST": "localhost", "REDIS_HOST": "localhost"}
    assert start_app(env, lambda: aws_secrets).health() == (
        503, {"database": "failed: tls", "cache": "failed: tls"},
    )  # fmt: skip


def test_without_a_ca_bundle_the_database_is_still_encrypted(
    stack_env: dict[str, str], aws_secrets: FakeSecrets
) -> None:
    env = {k: v for k, v in stack_env.items() if k != "DB_CA_BUNDLE"}
    assert start_app(env, lambda: aws_secrets).health() == (200, {"database": "ok", "cache": "ok"})


def test_any_other_refusal_fails_health_as_an_error(
    stack_env: dict[str, str], aws_secrets: FakeSecrets
) -> None:
    app = start_app(stack_env | {"DB_NAME": "no_such_database"}, lambda: aws_secrets)
    assert app.health() == (503, {"database": "failed: error", "cache": "ok"})
