"""Stand-ins for what the app asks AWS: Secrets Manager's GetSecretValue, and the IAM token
signer; each records every call, so a test can count reads per connection."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import ClientError

from app.sample_app.credentials import CURRENT, SecretsClient


@dataclass
class FakeSecrets:
    """Secrets by (id, stage), answered as `get_secret_value` answers, with its error for a
    stage the secret does not have."""

    values: dict[tuple[str, str], str] = field(default_factory=dict)
    reads: list[tuple[str, str]] = field(default_factory=list)

    def put(self, secret_id: str, value: dict[str, str], stage: str = CURRENT) -> None:
        self.values[secret_id, stage] = json.dumps(value)

    def drop(self, secret_id: str, stage: str) -> None:
        del self.values[secret_id, stage]

    def get_secret_value(self, **kwargs: str) -> dict[str, Any]:
        key = (kwargs["SecretId"], kwargs.get("VersionStage", CURRENT))
        self.reads.append(key)
        if key not in self.values:
            error = {"Code": "ResourceNotFoundException", "Message": f"no {key[1]} version"}
            raise ClientError({"Error": error}, "GetSecretValue")
        return {"ARN": key[0], "SecretString": self.values[key], "VersionStages": [key[1]]}

    def reads_of(self, secret_id: str, stage: str = CURRENT) -> int:
        return self.reads.count((secret_id, stage))


def read_once(client: SecretsClient) -> Callable[[], SecretsClient]:
    """The defect the tests exist to catch: a secret read once and kept, as an app that takes
    its password from a variable set at start does."""
    kept: dict[tuple[str, str], Any] = {}

    class Kept:
        def get_secret_value(self, **kwargs: str) -> Any:
            key = (kwargs["SecretId"], kwargs.get("VersionStage", CURRENT))
            if key not in kept:
                kept[key] = client.get_secret_value(**kwargs)
            return kept[key]

    return Kept


@dataclass
class RecordingSigner:
    """Returns `token` for every request to sign, recording what was asked."""

    token: str
    calls: list[dict[str, Any]] = field(default_factory=list)

    def __call__(self, *, DBHostname: str, Port: int, DBUsername: str, Region: str) -> str:  # noqa: N803
        self.calls.append(
            {"DBHostname": DBHostname, "Port": Port, "DBUsername": DBUsername, "Region": Region}
        )
        return self.token
