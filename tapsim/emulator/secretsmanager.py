"""Secrets Manager: secrets and their versions."""

from __future__ import annotations

import contextlib
from typing import Any

from tapsim.emulator.core import Context, Deleter, Handler, ignore


def _secret(ctx: Context, i: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    secret = ctx.clients("secretsmanager").create_secret(
        Name=i["name"],
        Description=i.get("description", ""),
        **({"KmsKeyId": i["kmsKeyId"]} if i.get("kmsKeyId") else {}),
        **ctx.tags_arg("Tags"),
    )
    return secret["ARN"], {"arn": secret["ARN"]}


def _delete_secret(ctx: Context, arn: str, state: dict[str, Any]) -> None:
    """A zero recovery window deletes at once, as `recovery_window_in_days=0` does."""
    window = int(state.get("recoveryWindowInDays", 30))
    timing = (
        {"ForceDeleteWithoutRecovery": True} if window == 0 else {"RecoveryWindowInDays": window}
    )
    ctx.clients("secretsmanager").delete_secret(SecretId=arn, **timing)


def _version(ctx: Context, i: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    version = ctx.clients("secretsmanager").put_secret_value(
        SecretId=i["secretId"], SecretString=i["secretString"]
    )
    return f"{i['secretId']}|{version['VersionId']}", {"versionId": version["VersionId"]}


def _rotation(ctx: Context, i: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """Managed rotation: a schedule and no function (Secrets Manager User Guide, "Managed
    rotation"). moto reads only `AutomaticallyAfterDays`, and rotating at once would leave
    the secret without a current value there, which the stack never asks for."""
    rules = i["rotationRules"]
    ctx.clients("secretsmanager").rotate_secret(
        SecretId=i["secretId"],
        RotationRules={"AutomaticallyAfterDays": int(rules["automaticallyAfterDays"])},
        RotateImmediately=bool(i.get("rotateImmediately", True)),
    )
    return i["secretId"], {}


def _cancel_rotation(ctx: Context, secret_id: str, _state: dict[str, Any]) -> None:
    """The provider cancels rotation on delete. moto refuses to cancel a rotation without a
    function (InvalidRequestException), which AWS allows for a managed secret; the secret
    goes with its database either way."""
    client = ctx.clients("secretsmanager")
    gone = client.exceptions.ResourceNotFoundException
    with contextlib.suppress(gone, client.exceptions.InvalidRequestException):
        client.cancel_rotate_secret(SecretId=secret_id)


HANDLERS: dict[str, tuple[Handler, Deleter]] = {
    "aws:secretsmanager/secret:Secret": (_secret, _delete_secret),
    "aws:secretsmanager/secretVersion:SecretVersion": (_version, ignore),
    "aws:secretsmanager/secretRotation:SecretRotation": (_rotation, _cancel_rotation),
}
UNTAGGED = {
    "aws:secretsmanager/secretVersion:SecretVersion",
    "aws:secretsmanager/secretRotation:SecretRotation",
}
