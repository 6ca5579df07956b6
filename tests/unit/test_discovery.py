"""How the integration tests find a deployed stack (`tapsim.discovery`): by its suffix, with
boto3 clients that every lookup in a process shares."""

from __future__ import annotations

import pytest

from tapsim.discovery import Discovered


@pytest.fixture
def endpoint(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    return monkeypatch


def test_lookups_share_one_client_per_service_and_region(endpoint) -> None:
    """Making a boto3 client costs about ten milliseconds of CPU, and a session looks up
    many stacks."""
    first = Discovered("aaa", "us-east-1").client("ec2")
    assert Discovered("bbb", "us-east-1").client("ec2") is first
    assert Discovered("aaa", "eu-west-1").client("ec2") is not first
    assert Discovered("aaa", "us-east-1").client("rds") is not first


def test_another_endpoint_or_account_gets_its_own_client(endpoint) -> None:
    first = Discovered("aaa", "us-east-1").client("ec2")
    endpoint.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:10")
    moved = Discovered("aaa", "us-east-1").client("ec2")
    assert moved is not first
    assert moved.meta.endpoint_url == "http://127.0.0.1:10"
    endpoint.setenv("AWS_ACCESS_KEY_ID", "other")
    assert Discovered("aaa", "us-east-1").client("ec2") is not moved
