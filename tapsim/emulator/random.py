"""pulumi_random: values the provider computes locally, with no AWS call."""

from __future__ import annotations

import secrets
import string
from collections.abc import Callable
from typing import Any


def _password(i: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """What pulumi_random computes: `length` characters from the allowed classes."""
    alphabet = string.ascii_letters + string.digits
    required = [
        secrets.choice(string.ascii_lowercase),
        secrets.choice(string.ascii_uppercase),
        secrets.choice(string.digits),
    ]
    if i.get("special", True):
        specials = i.get("overrideSpecial") or "!@#$%&*()-_=+[]{}<>:?"
        alphabet += specials
        required.append(secrets.choice(specials))
    length = int(i.get("length", 16))
    rest = [secrets.choice(alphabet) for _ in range(length - len(required))]
    return "none", {"result": "".join(required + rest)}


def _id(i: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """`byte_length` random bytes, as hex and decimal."""
    value = secrets.token_bytes(int(i.get("byteLength", 8)))
    return value.hex(), {"hex": value.hex(), "dec": str(int.from_bytes(value, "big"))}


# The random provider makes a new value whenever any input changes (its `keepers` exist to
# force that): terraform-provider-random, "Resource Keepers" in its documentation.
FORCE_NEW = {
    "random:index/randomPassword:RandomPassword": frozenset({"*"}),
    "random:index/randomId:RandomId": frozenset({"*"}),
}
LOCAL: dict[str, Callable[[dict[str, Any]], tuple[str, dict[str, Any]]]] = {
    "random:index/randomPassword:RandomPassword": _password,
    "random:index/randomId:RandomId": _id,
}
