"""ECR: the image repository and its lifecycle policy."""

from __future__ import annotations

from typing import Any

from tapsim.emulator.core import Context, Deleter, Handler, as_bool, by


def _repository(ctx: Context, i: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    encryption = (i.get("encryptionConfigurations") or [None])[0]
    extra: dict[str, Any] = {}
    if encryption:
        extra["encryptionConfiguration"] = {
            "encryptionType": encryption.get("encryptionType", "AES256"),
            **({"kmsKey": encryption["kmsKey"]} if encryption.get("kmsKey") else {}),
        }
    scanning = i.get("imageScanningConfiguration") or {}
    repository = ctx.clients("ecr").create_repository(
        repositoryName=i["name"],
        imageTagMutability=i.get("imageTagMutability", "MUTABLE"),
        imageScanningConfiguration={"scanOnPush": as_bool(scanning.get("scanOnPush"))},
        **ctx.tags_arg("tags"),
        **extra,
    )["repository"]
    return i["name"], {
        "arn": repository["repositoryArn"],
        "repositoryUrl": repository["repositoryUri"],
        "registryId": repository["registryId"],
    }


def _delete_repository(ctx: Context, name: str, _state: dict[str, Any]) -> None:
    """With its images, as `force_delete` does on AWS, and as the emulator's clean-up does
    for a prod repository, whose protection it lifts."""
    ctx.clients("ecr").delete_repository(repositoryName=name, force=True)


def _lifecycle_policy(ctx: Context, i: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    answer = ctx.clients("ecr").put_lifecycle_policy(
        repositoryName=i["repository"], lifecyclePolicyText=i["policy"]
    )
    return answer["repositoryName"], {"registryId": answer["registryId"]}


HANDLERS: dict[str, tuple[Handler, Deleter]] = {
    "aws:ecr/repository:Repository": (_repository, _delete_repository),
    "aws:ecr/lifecyclePolicy:LifecyclePolicy": (
        _lifecycle_policy,
        by("ecr.delete_lifecycle_policy", repositoryName="id"),
    ),
}
UNTAGGED = {"aws:ecr/lifecyclePolicy:LifecyclePolicy"}
