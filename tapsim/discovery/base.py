"""What every lookup shares: the stack's identity, one boto3 client per service, the names
the stack gave (from the helper that gave them) and listings read to their last page."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache, cached_property
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from tap_platform.naming import Namer, Service
from tapsim.runner import read_project

SUFFIX_TAG = "EnvironmentSuffix"
RETRIES = Config(retries={"mode": "standard", "max_attempts": 10})


@cache
def shared_client(service: str, region: str, endpoint: str | None, key_id: str | None) -> Any:
    """One client per service and region for every lookup in this process: making a boto3
    client costs about ten milliseconds of CPU, and a test session looks up many stacks. The
    endpoint and the access key that boto3 reads from the environment are part of the key, so
    a client made for one account or emulator never answers for another."""
    del endpoint, key_id
    return boto3.client(service, region_name=region, config=RETRIES)


@dataclass
class Lookups:
    """One stack in one region, of this directory's project unless named; each service's
    lookups (`tapsim.discovery.<service>`) build on this."""

    suffix: str
    region: str
    project: str = field(default_factory=lambda: str(read_project()["name"]))
    _clients: dict[str, Any] = field(default_factory=dict, repr=False)

    def client(self, service: str) -> Any:
        if service not in self._clients:
            self._clients[service] = shared_client(
                service,
                self.region,
                os.environ.get("AWS_ENDPOINT_URL"),
                os.environ.get("AWS_ACCESS_KEY_ID"),
            )
        return self._clients[service]

    @cached_property
    def namer(self) -> Namer:
        return Namer(self.project, self.suffix)

    def name(self, role: str, service: Service) -> str:
        return self.namer.name(role, service)

    def every(self, service: str, call: str, key: str, **kwargs: Any) -> list[dict[str, Any]]:
        """Every item of a listing, page by page."""
        pages = self.client(service).get_paginator(call).paginate(**kwargs)
        return [item for page in pages for item in page[key]]

    @property
    def _tag_filter(self) -> list[dict[str, Any]]:
        return [
            {"Name": f"tag:{SUFFIX_TAG}", "Values": [self.suffix]},
            {"Name": "tag:Project", "Values": [self.project]},
        ]


def _exists(probe: Callable[[], Any]) -> bool:
    """A describe/get call that raises a not-found error when the resource is gone; any other
    error (throttling, a missing permission) is raised, never taken for gone."""
    return unless_gone(lambda: [probe()]) != []


def unless_gone(describe: Callable[[], list[dict[str, Any]]]) -> list[dict[str, Any]]:
    """What a describe call by name lists, or nothing when it says the resource is gone; any
    other error is raised, never taken for gone."""
    try:
        return describe()
    except ClientError as err:
        if is_not_found(err):
            return []
        raise


def is_not_found(err: ClientError) -> bool:
    """AWS says "not found" by error codes of each service's own wording."""
    code = err.response.get("Error", {}).get("Code", "")
    return "NotFound" in code or code.startswith("NoSuch")


def tags_of(item: dict[str, Any]) -> dict[str, str]:
    """EC2 and ELB style (`Key`/`Value`) or ECS style (`key`/`value`) tags as a dict."""
    return {
        t.get("Key", t.get("key")): t.get("Value", t.get("value"))
        for t in item.get("Tags", item.get("tags", []))
    }
