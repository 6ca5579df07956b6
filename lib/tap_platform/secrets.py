"""Secrets the stack generates itself, so nothing has to exist before the first deploy.

Values come from `pulumi_random`, stay Pulumi secrets end to end, and are stored in
Secrets Manager encrypted with the stack's key.
"""

from __future__ import annotations

from collections.abc import Sequence

import pulumi
import pulumi_aws as aws
import pulumi_random as random

from tap_platform.policies import Grants, key_grant

# ElastiCache AUTH tokens: only these specials are accepted.
AUTH_TOKEN_SPECIALS = "!&#$^<>-"


def generated_password(
    name: str, *, parent: pulumi.Resource, specials: str, length: int = 32
) -> random.RandomPassword:
    return random.RandomPassword(
        name,
        length=length,
        special=True,
        override_special=specials,
        min_lower=1,
        min_upper=1,
        min_numeric=1,
        opts=pulumi.ResourceOptions(parent=parent),
    )


def final_snapshot_name(
    parent: pulumi.Resource, name: str, identifier: str, *, keep: bool
) -> pulumi.Output[str] | None:
    """A final snapshot name unique to this deployment of the stack: a fixed one makes the
    second destroy of a re-deployed stack fail, since the first snapshot still exists. The
    random part is made once and kept in state, so later ups change nothing."""
    if not keep:
        return None
    unique = random.RandomId(
        f"{name}-final-snapshot-id", byte_length=4, opts=pulumi.ResourceOptions(parent=parent)
    )
    return pulumi.Output.concat(identifier, "-final-", unique.hex)


def seeded_secret(
    name: str,
    *,
    parent: pulumi.Resource,
    secret_name: str,
    description: str,
    kms_key_arn: pulumi.Input[str],
    recovery_window_days: int,
    value: pulumi.Input[str],
    protect: bool,
) -> aws.secretsmanager.Secret:
    """A secret and its first value; later values belong to whatever rotates it, so Pulumi
    never writes the seed back. `recovery_window_days=0` deletes at once; `protect` keeps
    `pulumi destroy` from deleting the secret (not its versions)."""
    secret = aws.secretsmanager.Secret(
        name,
        name=secret_name,
        description=description,
        kms_key_id=kms_key_arn,
        recovery_window_in_days=recovery_window_days,
        opts=pulumi.ResourceOptions(parent=parent, protect=protect),
    )
    aws.secretsmanager.SecretVersion(
        f"{name}-value",
        secret_id=secret.id,
        secret_string=pulumi.Output.secret(value),
        opts=pulumi.ResourceOptions(parent=parent, ignore_changes=["secretString"]),
    )
    return secret


def grant_secret_read(
    name: str, arns: Sequence[pulumi.Input[str]], key_arn: pulumi.Input[str] | None = None
) -> Grants:
    """Reading exactly the given secrets' values, and the key that encrypts them when given,
    or nothing when there are none (a service without a database or cache): the one place
    this action list is written."""
    if not arns:
        return {}
    return {
        name: (["secretsmanager:GetSecretValue"], list(arns)),
        **key_grant(f"{name}-key", key_arn, write=False),
    }
