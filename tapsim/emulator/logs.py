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

# Inputs whose change forces a new resource: `ForceNew` (or `RequiresReplace`) in the
# Terraform AWS provider's schema, which pulumi-aws is built on, per file and commit of
# hashicorp/terraform-provider-aws.
FORCE_NEW: dict[str, frozenset[str]] = {
    # internal/service/logs/group.go @ 0073593e7d69
    # website/docs/r/cloudwatch_log_group.html.markdown @ 05389d465b6e
    "aws:cloudwatch/logGroup:LogGroup": frozenset({"logGroupClass", "name", "namePrefix"}),
}
