"""SSM Parameter Store: the release parameter, and the path query the program makes."""

from __future__ import annotations

from typing import Any

from tapsim.emulator.core import Context, Deleter, Handler, Invoke, by


def _parameter(ctx: Context, i: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    ssm = ctx.clients("ssm")
    ssm.put_parameter(
        Name=i["name"],
        Type=i["type"],
        Value=i.get("insecureValue") or i["value"],
        Description=i.get("description", ""),
        **ctx.tags_arg("Tags"),
    )
    found = ssm.get_parameter(Name=i["name"])["Parameter"]
    return i["name"], {"arn": found["ARN"]}


def _by_path(ctx: Context, args: dict[str, Any]) -> dict[str, Any]:
    found = ctx.clients("ssm").get_parameters_by_path(
        Path=args["path"], Recursive=bool(args.get("recursive")), WithDecryption=True
    )["Parameters"]
    return {
        "path": args["path"],
        "id": args["path"],
        "names": [p["Name"] for p in found],
        "values": [p["Value"] for p in found],
        "types": [p["Type"] for p in found],
        "arns": [p["ARN"] for p in found],
    }


HANDLERS: dict[str, tuple[Handler, Deleter]] = {
    "aws:ssm/parameter:Parameter": (_parameter, by("ssm.delete_parameter", Name="id")),
}
INVOKES: dict[str, Invoke] = {"aws:ssm/getParametersByPath:getParametersByPath": _by_path}
