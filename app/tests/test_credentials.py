"""Where each connection's credential comes from: Secrets Manager's API as boto3 sends it,
the IAM token boto3 signs, and the order logins are tried in. No server is needed."""

from __future__ import annotations

import json
import ssl
from typing import Any, cast
from urllib.parse import parse_qs, urlsplit

import boto3
import pg8000.native
import pytest
import redis
from botocore.exceptions import ClientError, NoRegionError
from botocore.stub import Stubber

from app.sample_app.aws import Aws, aws_clients
from app.sample_app.config import CacheConfig, DatabaseConfig
from app.sample_app.connections import connect_database, database_tls, is_refused_login
from app.sample_app.credentials import (
    PENDING,
    Login,
    SecretSource,
    SecretToken,
    iam_logins,
    secret_logins,
)
from app.sample_app.health import cache_token, classify, database_logins

from .fakes import FakeSecrets, RecordingSigner

ARN = "arn:aws:secretsmanager:eu-west-1:111122223333:secret:app-db-AbCdEf"


@pytest.fixture
def offline_aws(monkeypatch: pytest.MonkeyPatch) -> None:
    """Static keys, so boto3 signs without looking for a role (nothing is sent)."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
    monkeypatch.delenv("AWS_SESSION_TOKEN", raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", "/dev/null")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")


@pytest.mark.usefixtures("offline_aws")
def test_the_secret_is_asked_for_as_secrets_manager_expects() -> None:
    client = boto3.client("secretsmanager", region_name="eu-west-1")
    value = {"username": "app", "password": "first"}
    with Stubber(client) as stub:
        stub.add_response(
            "get_secret_value",
            {"ARN": ARN, "Name": "app-db", "SecretString": json.dumps(value)},
            {"SecretId": ARN, "VersionStage": "AWSCURRENT"},
        )
        stub.add_client_error(
            "get_secret_value", "ResourceNotFoundException",
            expected_params={"SecretId": ARN, "VersionStage": "AWSPENDING"},
        )  # fmt: skip
        stub.add_client_error(
            "get_secret_value", "AccessDeniedException",
            expected_params={"SecretId": ARN, "VersionStage": "AWSPENDING"},
        )  # fmt: skip
        source = SecretSource(ARN, lambda: client)
        assert source.current() == value
        assert source.pending() is None
        with pytest.raises(ClientError, match="AccessDenied"):
            source.pending()
        stub.assert_no_pending_responses()


def test_the_pending_login_is_read_only_when_the_current_one_is_refused() -> None:
    secrets = FakeSecrets()
    secrets.put(ARN, {"username": "app", "password": "old"})
    logins = secret_logins(SecretSource(ARN, lambda: secrets))
    assert next(logins) == Login("app", "old")
    assert secrets.reads == [(ARN, "AWSCURRENT")]
    secrets.put(ARN, {"username": "app", "password": "new"}, PENDING)
    assert list(logins) == [Login("app", "new")]
    assert secrets.reads == [(ARN, "AWSCURRENT"), (ARN, "AWSPENDING")]


def test_no_pending_login_outside_a_rotation_or_when_it_is_the_current_one() -> None:
    secrets = FakeSecrets()
    secrets.put(ARN, {"username": "app", "password": "same"})
    assert list(secret_logins(SecretSource(ARN, lambda: secrets))) == [Login("app", "same")]
    secrets.put(ARN, {"username": "app", "password": "same"}, PENDING)
    assert list(secret_logins(SecretSource(ARN, lambda: secrets))) == [Login("app", "same")]


def test_a_login_never_shows_its_password() -> None:
    assert "s3cret" not in repr(Login("app", "s3cret"))


def test_the_cache_token_is_read_each_time_redis_asks() -> None:
    secrets = FakeSecrets()
    secrets.put(ARN, {"token": "first"})
    token = SecretToken(SecretSource(ARN, lambda: secrets))
    assert token.get_credentials() == ("first",)
    secrets.put(ARN, {"token": "second"})
    assert token.get_credentials() == ("second",)
    assert secrets.reads_of(ARN) == 2


@pytest.mark.usefixtures("offline_aws")
def test_the_iam_token_is_signed_by_boto3_for_the_endpoint_user_and_region() -> None:
    aws = aws_clients("eu-west-1")
    logins = iam_logins(aws.sign_db_token, host="db.example.com", port=5432, user="app",
                        region="eu-west-1")  # fmt: skip
    (login,) = list(logins)
    url = urlsplit(f"https://{login.password}")
    query = parse_qs(url.query)
    assert (login.user, url.hostname, url.port) == ("app", "db.example.com", 5432)
    assert (query["Action"], query["DBUser"]) == (["connect"], ["app"])
    assert query["X-Amz-Credential"][0].split("/")[2:4] == ["eu-west-1", "rds-db"]
    assert query["X-Amz-Expires"] == ["900"]


@pytest.mark.usefixtures("offline_aws")
def test_each_aws_client_is_made_once_per_process() -> None:
    aws = aws_clients("eu-west-1")
    client = cast(Any, aws.secrets())
    assert client.meta.region_name == "eu-west-1"
    assert client is aws.secrets()
    with pytest.raises(NoRegionError):
        aws_clients(None).secrets()


def test_database_logins_follow_the_auth_mode() -> None:
    signer = RecordingSigner("token")
    aws = Aws(secrets=FakeSecrets, sign_db_token=signer)
    iam = DatabaseConfig("db", 5432, "app", "iam", "app", None, "eu-west-1", None)
    assert list(database_logins(iam, aws)()) == [Login("app", "token")]
    assert signer.calls == [
        {"DBHostname": "db", "Port": 5432, "DBUsername": "app", "Region": "eu-west-1"}
    ]
    with pytest.raises(ValueError, match="a user and a region"):
        database_logins(DatabaseConfig("db", 5432, "app", "iam", None, None, None, None), aws)
    with pytest.raises(ValueError, match="needs a secret"):
        database_logins(DatabaseConfig("db", 5432, "app", "secret", None, None, None, None), aws)


def test_a_cache_without_a_secret_sends_no_token() -> None:
    aws = Aws(secrets=FakeSecrets, sign_db_token=RecordingSigner("unused"))
    assert cache_token(CacheConfig("cache", 6379, True, None, None), aws) is None


def test_with_no_login_to_try_nothing_connects() -> None:
    config = DatabaseConfig("db", 5432, "app", "secret", None, ARN, None, None)
    with pytest.raises(LookupError, match="no database login"):
        connect_database(config, list, database_tls(None))


def test_without_a_ca_bundle_the_database_is_encrypted_but_not_verified() -> None:
    context = database_tls(None)
    assert (context.verify_mode, context.check_hostname) == (ssl.CERT_NONE, False)
    assert context.minimum_version == ssl.TLSVersion.TLSv1_2


@pytest.mark.parametrize(
    ("error", "word"),
    [
        (pg8000.native.DatabaseError({"C": "28P01", "M": "password authentication failed"}),
         "authentication"),
        (redis.AuthenticationError("invalid username-password pair"), "authentication"),
        (ssl.SSLCertVerificationError("certificate verify failed"), "tls"),
        (ClientError({"Error": {"Code": "AccessDeniedException"}}, "GetSecretValue"),
         "credential source"),
        (ConnectionRefusedError(), "unreachable"),
        (redis.ConnectionError("Connection closed by server."), "unreachable"),
        (pg8000.native.DatabaseError({"C": "42601", "M": "syntax error"}), "error"),
        (pg8000.native.DatabaseError("not a server message"), "error"),
    ],
)  # fmt: skip
def test_a_failure_is_named_in_one_word(error: Exception, word: str) -> None:
    assert classify(error) == word


def test_a_cause_is_found_down_the_chain() -> None:
    wrapped = pg8000.native.InterfaceError("SSL error")
    wrapped.__cause__ = ssl.SSLError("handshake")
    assert classify(wrapped) == "tls"
    looped = ValueError("a")
    looped.__context__ = ValueError("b")
    looped.__context__.__context__ = looped
    assert classify(looped) == "error"
    assert not is_refused_login(ValueError())
