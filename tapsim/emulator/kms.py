"""KMS: the stack's key and its alias."""

from __future__ import annotations

from typing import Any

from tapsim.emulator.core import Context, Deleter, Handler, by


def _key(ctx: Context, i: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    kms = ctx.clients("kms")
    key = kms.create_key(
        Description=i.get("description", ""),
        Policy=i["policy"],
        **ctx.tags_arg("Tags", "TagKey", "TagValue"),
    )["KeyMetadata"]
    if i.get("enableKeyRotation"):
        kms.enable_key_rotation(KeyId=key["KeyId"])
    return key["KeyId"], {"keyId": key["KeyId"], "arn": key["Arn"]}


def _delete_key(ctx: Context, key_id: str, state: dict[str, Any]) -> None:
    ctx.clients("kms").schedule_key_deletion(
        KeyId=key_id, PendingWindowInDays=int(state.get("deletionWindowInDays", 30))
    )


def _alias(ctx: Context, i: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    ctx.clients("kms").create_alias(AliasName=i["name"], TargetKeyId=i["targetKeyId"])
    return i["name"], {}


HANDLERS: dict[str, tuple[Handler, Deleter]] = {
    "aws:kms/key:Key": (_key, _delete_key),
    "aws:kms/alias:Alias": (_alias, by("kms.delete_alias", AliasName="id")),
}
UNTAGGED = {"aws:kms/alias:Alias"}
