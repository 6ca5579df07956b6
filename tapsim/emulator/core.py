"""What every service module builds on: the handler context, the record of what was created,
and the small deleters most resource types share."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


def partition_of(region: str) -> str:
    """The partition an ARN names for `region`: aws, aws-cn for the China Regions, aws-us-gov
    for GovCloud (IAM User Guide, "Identify AWS resources with Amazon Resource Names"). The
    unit tests' fake cloud uses it too."""
    if region.startswith("cn-"):
        return "aws-cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    return "aws"


def autoname(logical: str) -> str:
    """What Pulumi names a resource the program leaves unnamed: its logical name and seven
    random hex characters, new for each replacement."""
    return f"{logical}-{secrets.token_hex(4)[:7]}"


class EmulatorError(RuntimeError):
    """The emulator met something it cannot carry out."""


@dataclass
class Created:
    """One resource carried out against the emulator, kept for destroy and the summary."""

    type: str
    name: str
    id: str
    region: str
    state: dict[str, Any]
    emulated: bool
    inputs: dict[str, Any]
    protect: bool = False


@dataclass
class Context:
    """What a handler needs: clients for the resource's region and its effective tags."""

    clients: Callable[[str], Any]
    region: str
    tags: dict[str, str]
    name: str
    account: str

    def tag_list(self, key: str = "Key", value: str = "Value") -> list[dict[str, str]]:
        return [{key: k, value: v} for k, v in sorted(self.tags.items())]

    def tags_arg(self, name: str, key: str = "Key", value: str = "Value") -> dict[str, Any]:
        """`{name: [...]}` for the API call, or nothing: AWS rejects an empty tag list."""
        return {name: self.tag_list(key, value)} if self.tags else {}

    def tags_map(self, name: str) -> dict[str, Any]:
        return {name: dict(self.tags)} if self.tags else {}

    def ec2_tags(self, resource_type: str) -> dict[str, Any]:
        if not self.tags:
            return {}
        return {"TagSpecifications": [{"ResourceType": resource_type, "Tags": self.tag_list()}]}

    @property
    def partition(self) -> str:
        return partition_of(self.region)

    def arn(self, service: str, resource: str) -> str:
        return f"arn:{self.partition}:{service}:{self.region}:{self.account}:{resource}"


Handler = Callable[[Context, dict[str, Any]], tuple[str, dict[str, Any]]]
Deleter = Callable[[Context, str, dict[str, Any]], None]
# An in-place update: the resource's id and its new inputs.
Updater = Callable[[Context, str, dict[str, Any]], None]
# (context, id, inputs) -> the inputs as the provider reads them back.
Refresher = Callable[[Context, str, dict[str, Any]], dict[str, Any]]
# An invoke's answer, from the provider's region and the invoke's arguments.
Invoke = Callable[[Context, dict[str, Any]], dict[str, Any]]


def by(call: str, **params: str) -> Deleter:
    """A deleter that passes the resource id (or state keys) to one client method."""

    def delete(ctx: Context, resource_id: str, state: dict[str, Any]) -> None:
        service, method = call.split(".")
        kwargs = {api: (resource_id if key == "id" else state[key]) for api, key in params.items()}
        getattr(ctx.clients(service), method)(**kwargs)

    return delete


def by_list(call: str, param: str) -> Deleter:
    """A deleter for APIs that take a list of ids (`delete_alarms(AlarmNames=[...])`)."""

    def delete(ctx: Context, resource_id: str, _state: dict[str, Any]) -> None:
        service, method = call.split(".")
        getattr(ctx.clients(service), method)(**{param: [resource_id]})

    return delete


def ignore(_ctx: Context, _id: str, _state: dict[str, Any]) -> None:
    """Lives and dies with its parent (the VPC's default group, a bucket's versioning)."""


def keep(_ctx: Context, _id: str, _state: dict[str, Any]) -> None:
    """moto cannot delete it; listed in UNDELETABLE and reported, not hidden."""


def as_bool(value: Any) -> bool:
    """The provider spells some booleans as strings ("true")."""
    return str(value).lower() == "true"
