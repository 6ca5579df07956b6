"""SSM Parameter Store: the public parameters the stack reads (the AL2023 AMI ids)."""

from __future__ import annotations

from typing import Any

from tapsim.emulator.core import Context, Invoke


def _parameter(ctx: Context, args: dict[str, Any]) -> dict[str, Any]:
    value = ctx.clients("ssm").get_parameter(Name=args["name"])["Parameter"]
    return {
        "name": value["Name"],
        "value": value["Value"],
        "type": value["Type"],
        "id": value["Name"],
    }


INVOKES: dict[str, Invoke] = {"aws:ssm/getParameter:getParameter": _parameter}
