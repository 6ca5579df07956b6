"""KMS: the stack's key, by its alias."""

from __future__ import annotations

from functools import cached_property
from typing import Any

from tapsim.discovery.base import Lookups


class KmsLookups(Lookups):
    @cached_property
    def key(self) -> dict[str, Any]:
        return self.client("kms").describe_key(KeyId=self.namer.alias("data"))["KeyMetadata"]

    def key_rotation_enabled(self) -> bool:
        answer = self.client("kms").get_key_rotation_status(KeyId=self.key["KeyId"])
        return bool(answer["KeyRotationEnabled"])
