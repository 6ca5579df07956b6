"""CodePipeline: the pipeline, its artifact store and stages."""

from __future__ import annotations

from typing import Any

from tapsim.emulator.core import Context, Deleter, Handler, by


def _action(a: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": a["name"],
        "actionTypeId": {
            "category": a["category"],
            "owner": a["owner"],
            "provider": a["provider"],
            "version": a["version"],
        },
        "configuration": a.get("configuration", {}),
        "inputArtifacts": [{"name": n} for n in a.get("inputArtifacts", [])],
        "outputArtifacts": [{"name": n} for n in a.get("outputArtifacts", [])],
    }


def _pipeline(ctx: Context, i: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    (store,) = i["artifactStores"]
    key = store.get("encryptionKey")
    pipeline = {
        "name": i["name"],
        "roleArn": i["roleArn"],
        "pipelineType": i.get("pipelineType", "V1"),
        "executionMode": i.get("executionMode", "SUPERSEDED"),
        "artifactStore": {
            "type": store["type"],
            "location": store["location"],
            **({"encryptionKey": {"id": key["id"], "type": key["type"]}} if key else {}),
        },
        "stages": [
            {"name": stage["name"], "actions": [_action(a) for a in stage["actions"]]}
            for stage in i["stages"]
        ],
    }
    ctx.clients("codepipeline").create_pipeline(
        pipeline=pipeline, **ctx.tags_arg("tags", "key", "value")
    )
    return i["name"], {"arn": ctx.arn("codepipeline", i["name"])}


HANDLERS: dict[str, tuple[Handler, Deleter]] = {
    "aws:codepipeline/pipeline:Pipeline": (
        _pipeline,
        by("codepipeline.delete_pipeline", name="id"),
    ),
}
