"""CloudWatch: metric alarms and the dashboard."""

from __future__ import annotations

from typing import Any

from tapsim.emulator.core import Context, Deleter, Handler, by_list


def _alarm(ctx: Context, i: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    ctx.clients("cloudwatch").put_metric_alarm(
        AlarmName=i["name"],
        AlarmDescription=i.get("alarmDescription", ""),
        Namespace=i["namespace"],
        MetricName=i["metricName"],
        Dimensions=[{"Name": k, "Value": v} for k, v in i.get("dimensions", {}).items()],
        Statistic=i["statistic"],
        Period=int(i["period"]),
        EvaluationPeriods=int(i["evaluationPeriods"]),
        Threshold=float(i["threshold"]),
        ComparisonOperator=i["comparisonOperator"],
        TreatMissingData=i.get("treatMissingData", "missing"),
        AlarmActions=i.get("alarmActions", []),
        OKActions=i.get("okActions", []),
        **ctx.tags_arg("Tags"),
    )
    return i["name"], {}


def _dashboard(ctx: Context, i: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    ctx.clients("cloudwatch").put_dashboard(
        DashboardName=i["dashboardName"], DashboardBody=i["dashboardBody"]
    )
    return i["dashboardName"], {}


HANDLERS: dict[str, tuple[Handler, Deleter]] = {
    "aws:cloudwatch/metricAlarm:MetricAlarm": (
        _alarm,
        by_list("cloudwatch.delete_alarms", "AlarmNames"),
    ),
    "aws:cloudwatch/dashboard:Dashboard": (
        _dashboard,
        by_list("cloudwatch.delete_dashboards", "DashboardNames"),
    ),
}
UNTAGGED = {"aws:cloudwatch/dashboard:Dashboard"}
