"""CodeBuild: the build project."""

from __future__ import annotations

from typing import Any

from tapsim.emulator.core import Context, Deleter, Handler, by


def _artifacts(kind: str) -> dict[str, str]:
    """moto wants a location for every kind but NO_ARTIFACTS, which may have none."""
    return {"type": kind} if kind == "NO_ARTIFACTS" else {"type": kind, "location": kind}


def _vpc(config: dict[str, Any] | None) -> dict[str, Any]:
    if not config:
        return {}
    return {
        "vpcConfig": {
            "vpcId": config["vpcId"],
            "subnets": list(config["subnets"]),
            "securityGroupIds": list(config["securityGroupIds"]),
        }
    }


def _project(ctx: Context, i: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    environment = i["environment"]
    logs = i["logsConfig"]["cloudwatchLogs"]
    project = ctx.clients("codebuild").create_project(
        name=i["name"],
        # moto insists on locations even for CODEPIPELINE sources and artifacts; AWS does not.
        source={
            "type": i["source"]["type"],
            "buildspec": i["source"].get("buildspec", ""),
            "location": i["source"].get("location") or i["source"]["type"],
        },
        artifacts=_artifacts(i["artifacts"]["type"]),
        environment={
            "type": environment["type"],
            "image": environment["image"],
            "computeType": environment["computeType"],
            "privilegedMode": bool(environment.get("privilegedMode")),
            "imagePullCredentialsType": environment.get("imagePullCredentialsType", "CODEBUILD"),
            "environmentVariables": [
                {"name": v["name"], "value": v["value"], "type": v.get("type", "PLAINTEXT")}
                for v in environment.get("environmentVariables", [])
            ],
        },
        serviceRole=i["serviceRole"],
        encryptionKey=i["encryptionKey"],
        timeoutInMinutes=int(i.get("buildTimeout", 60)),
        logsConfig={"cloudWatchLogs": {"status": logs["status"], "groupName": logs["groupName"]}},
        **_vpc(i.get("vpcConfig")),
        **ctx.tags_arg("tags", "key", "value"),
    )["project"]
    return project["arn"], {"arn": project["arn"], "name": i["name"]}


HANDLERS: dict[str, tuple[Handler, Deleter]] = {
    "aws:codebuild/project:Project": (_project, by("codebuild.delete_project", name="name")),
}
