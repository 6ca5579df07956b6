"""STS and the provider's own facts: who the caller is, the partition, the region."""

from __future__ import annotations

from typing import Any

from tapsim.emulator.core import Context, Invoke


def _identity(ctx: Context, _args: dict[str, Any]) -> dict[str, Any]:
    identity = ctx.clients("sts").get_caller_identity()
    return {
        "accountId": identity["Account"],
        "arn": identity["Arn"],
        "userId": identity["UserId"],
        "id": identity["Account"],
    }


def _partition(ctx: Context, _args: dict[str, Any]) -> dict[str, Any]:
    return {"partition": ctx.partition, "dnsSuffix": "amazonaws.com", "id": ctx.partition}


def _region(ctx: Context, _args: dict[str, Any]) -> dict[str, Any]:
    return {"name": ctx.region, "region": ctx.region, "id": ctx.region}


INVOKES: dict[str, Invoke] = {
    "aws:index/getCallerIdentity:getCallerIdentity": _identity,
    "aws:index/getPartition:getPartition": _partition,
    "aws:index/getRegion:getRegion": _region,
}
