"""How the program's own dynamic resources reach AWS: as the stack's provider does.

A dynamic provider runs inside the Pulumi engine on the deploying machine, where boto3 alone
would take that machine's default credentials. A stack that deploys through a profile or an
assumed role (`aws:profile`, `aws:assumeRoles`) would then make these resources with other
credentials, in another account perhaps. So each carries the provider's credentials settings,
its region and the stack's account (`reach`); its session is made from them as the provider
makes its own, the profile and then each role in turn, and a session of another account is
refused before any call (`session`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tap_platform.policies import AwsContext

SESSION_NAME = "tap-platform"


def reach(context: AwsContext) -> dict[str, Any]:
    """The props a dynamic resource carries to reach AWS as the stack's provider does."""
    return {
        "region": context.region,
        "accountId": context.account_id,
        "credentials": dict(context.credentials),
    }


def client(props: Mapping[str, Any], service: str) -> Any:
    return session(props).client(service, region_name=props["region"])


def session(props: Mapping[str, Any]) -> Any:
    """A boto3 session of the stack's account, or `RuntimeError` naming both accounts."""
    import boto3

    settings: Mapping[str, Any] = props.get("credentials") or {}
    current = _base(settings)
    for role in settings.get("assumeRoles") or ():
        name = role.get("sessionName") or SESSION_NAME
        asked = {"RoleArn": role["roleArn"], "RoleSessionName": name}
        if role.get("externalId"):
            asked["ExternalId"] = role["externalId"]
        granted = current.client("sts", region_name=props["region"]).assume_role(**asked)[
            "Credentials"
        ]
        current = boto3.Session(
            aws_access_key_id=granted["AccessKeyId"],
            aws_secret_access_key=granted["SecretAccessKey"],
            aws_session_token=granted["SessionToken"],
        )
    account = current.client("sts", region_name=props["region"]).get_caller_identity()["Account"]
    if account != props["accountId"]:
        raise RuntimeError(
            f"these credentials reach account {account}, and the stack deploys into "
            f"{props['accountId']}: run pulumi up with the credentials its provider uses "
            "(aws:profile, aws:assumeRoles)"
        )
    return current


def _base(settings: Mapping[str, Any]) -> Any:
    """The session the provider's settings start from: boto3's default one where they name
    no profile or file, as the provider then takes the machine's own chain."""
    import boto3
    import botocore.session

    if not any(settings.get(k) for k in ("profile", "sharedConfigFiles", "sharedCredentialsFiles")):
        if boto3.DEFAULT_SESSION is None:
            boto3.setup_default_session()
        return boto3.DEFAULT_SESSION
    core = botocore.session.Session()
    # botocore reads one file of each kind: the first named, as the AWS CLI's variables do.
    for variable, key in (("config_file", "sharedConfigFiles"),
                          ("credentials_file", "sharedCredentialsFiles")):  # fmt: skip
        if settings.get(key):
            core.set_config_variable(variable, settings[key][0])
    return boto3.Session(botocore_session=core, profile_name=settings.get("profile"))


def changed(
    olds: Mapping[str, Any], news: Mapping[str, Any], *, credentials: bool = False
) -> list[str]:
    """The props that differ, less the provider's own and, unless `credentials`, those that
    only say how to reach AWS: another profile changes none of these resources."""
    skipped = {"__provider"} if credentials else {"__provider", "credentials"}
    return [k for k in news if k not in skipped and olds.get(k) != news[k]]
