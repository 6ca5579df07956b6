"""The boto3 clients the test tooling makes: the lookups of the integration tests
(`tapsim.discovery`) and the emulator's deployments (`tapsim.emulator.cloud`) each share one
per service, Region, endpoint and account in a process, since making one costs about ten
milliseconds of CPU."""

from __future__ import annotations

import pytest

from tapsim.discovery import Discovered
from tapsim.emulator.cloud import MotoCloud


@pytest.fixture
def endpoint(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    return monkeypatch


def test_lookups_share_one_client_per_service_and_region(endpoint) -> None:
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


def test_deployments_to_one_emulator_share_its_clients() -> None:
    first = MotoCloud(endpoint="http://127.0.0.1:9").client("ec2", "us-east-1")
    assert MotoCloud(endpoint="http://127.0.0.1:9").client("ec2", "us-east-1") is first
    assert MotoCloud(endpoint="http://127.0.0.1:9").client("ec2", "eu-west-1") is not first
    other = MotoCloud(endpoint="http://127.0.0.1:10").client("ec2", "us-east-1")
    assert other is not first
    assert other.meta.endpoint_url == "http://127.0.0.1:10"
