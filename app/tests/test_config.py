"""What the app takes from its environment, and what it refuses to start with."""

from __future__ import annotations

import pytest

from app.sample_app.config import ConfigError, load

ARN = "arn:aws:secretsmanager:eu-west-1:111122223333:secret:app-db-AbCdEf"


def test_nothing_set_serves_on_8080_with_no_parts() -> None:
    config = load({})
    assert (config.port, config.region, config.database, config.cache) == (8080, None, None, None)


def test_the_port_given_last_wins_over_the_variable() -> None:
    assert load({"PORT": "9000"}).port == 9000
    assert load({"PORT": "9000"}, ["8081"]).port == 8081


def test_the_stacks_variables_are_read() -> None:
    config = load({
        "AWS_DEFAULT_REGION": "eu-west-1", "DB_HOST": "writer", "DB_READER_HOST": "reader",
        "DB_PORT": "5433", "DB_NAME": "orders", "DB_SECRET_ARN": ARN,
        "REDIS_HOST": "cache", "REDIS_PORT": "6380", "REDIS_TLS": "true",
        "REDIS_AUTH_SECRET_ARN": ARN,
    })  # fmt: skip
    assert config.region == "eu-west-1"
    assert config.database is not None
    assert (config.database.host, config.database.reader_host) == ("writer", "reader")
    assert (config.database.port, config.database.name) == (5433, "orders")
    assert (config.database.auth, config.database.secret_arn) == ("secret", ARN)
    assert config.database.ca_bundle is None
    assert config.cache is not None
    assert (config.cache.host, config.cache.port, config.cache.tls) == ("cache", 6380, True)
    assert config.cache.secret_arn == ARN


def test_iam_mode_takes_the_user_and_the_region() -> None:
    env = {"AWS_REGION": "eu-west-1", "DB_HOST": "writer", "DB_AUTH": "iam", "DB_USER": "app"}
    database = load(env).database
    assert database is not None
    assert (database.auth, database.user, database.region, database.port) == (
        "iam", "app", "eu-west-1", 5432,
    )  # fmt: skip


def test_the_cache_is_tls_unless_the_stack_says_otherwise() -> None:
    cache = load({"REDIS_HOST": "cache"}).cache
    assert cache is not None
    assert (cache.tls, cache.port, cache.secret_arn) == (True, 6379, None)
    plain = load({"REDIS_HOST": "cache", "REDIS_TLS": "false"}).cache
    assert plain is not None
    assert not plain.tls


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"PORT": "http"}, "PORT must be a port number"),
        ({"PORT": "70000"}, "PORT must be a port number"),
        ({"DB_HOST": "h", "DB_SECRET_ARN": ARN, "DB_PORT": "0"}, "DB_PORT must be"),
        ({"DB_HOST": "h", "DB_AUTH": "password"}, "DB_AUTH must be one of secret, iam"),
        ({"DB_HOST": "h"}, "DB_AUTH=secret needs DB_SECRET_ARN"),
        ({"DB_HOST": "h", "DB_AUTH": "iam", "DB_USER": "app"}, "needs DB_USER and AWS_REGION"),
        ({"DB_HOST": "h", "DB_AUTH": "iam", "AWS_REGION": "eu-west-1"}, "needs DB_USER"),
        ({"REDIS_HOST": "h", "REDIS_TLS": "yes"}, "REDIS_TLS must be true or false"),
    ],
)
def test_what_the_app_cannot_work_with_stops_it_at_start(env: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load(env)
