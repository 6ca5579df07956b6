"""Log groups: each expires and is encrypted; the app's group outlives a change of runtime."""

from __future__ import annotations

from tap_platform.logs import AppLogs, AppLogsArgs
from tapsim.alone import build_alone

GROUP = "aws:cloudwatch/logGroup:LogGroup"
KEY_ARN = "arn:aws:kms:us-east-1:111122223333:key/alone"


def test_app_logs_alone_make_one_encrypted_group_that_expires() -> None:
    args = AppLogsArgs(group_name="/demo/alone/app", retention_days=90, kms_key_arn=KEY_ARN)
    run = build_alone(lambda: AppLogs("app-logs", args))
    (component,) = [r for r in run.resources if r.type == "tap:observability:AppLogs"]
    group = run.one(GROUP)
    assert group.parent == component.urn
    assert group.inputs == {
        "name": "/demo/alone/app",
        "retentionInDays": 90,
        "kmsKeyId": KEY_ARN,
    }


def test_the_app_group_sits_outside_either_runtime(any_run) -> None:
    """Switching `tap:compute` replaces the runtime's component, not the app's log group."""
    (logs,) = any_run.of_type("tap:observability:AppLogs")
    (group,) = [g for g in any_run.of_type(GROUP) if g.parent == logs.urn]
    assert group.inputs["name"] == f"/tap/{any_run.outputs['environmentSuffix']}/app"
    assert group.urn.split("::")[-1] == "app-logs-group"
