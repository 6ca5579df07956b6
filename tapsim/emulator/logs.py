"""CloudWatch Logs: log groups, with their key and retention."""

from __future__ import annotations

from typing import Any

from tapsim.emulator.core import Context, Deleter, Handler, by


def _log_group(ctx: Context, i: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    logs = ctx.clients("logs")
    extra = {"kmsKeyId": i["kmsKeyId"]} if i.get("kmsKeyId") else {}
    logs.create_log_group(logGroupName=i["name"], **ctx.tags_map("tags"), **extra)
    if i.get("retentionInDays"):
        logs.put_retention_policy(logGroupName=i["name"], retentionInDays=int(i["retentionInDays"]))
    group = logs.describe_log_groups(logGroupNamePrefix=i["name"])["logGroups"][0]
    return i["name"], {"arn": group["arn"].removesuffix(":*")}


HANDLERS: dict[str, tuple[Handler, Deleter]] = {
    "aws:cloudwatch/logGroup:LogGroup": (
        _log_group,
        by("logs.delete_log_group", logGroupName="id"),
    ),
}
