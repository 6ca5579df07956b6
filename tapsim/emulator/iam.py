"""IAM: roles, their inline and managed policies, and instance profiles."""

from __future__ import annotations

from typing import Any

from tapsim.emulator.core import Context, Deleter, Handler, by


def _role(ctx: Context, i: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    role = ctx.clients("iam").create_role(
        RoleName=i["name"], AssumeRolePolicyDocument=i["assumeRolePolicy"], **ctx.tags_arg("Tags")
    )["Role"]
    return i["name"], {"arn": role["Arn"], "uniqueId": role["RoleId"]}


def _role_policy(ctx: Context, i: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    name = i.get("name") or ctx.name
    ctx.clients("iam").put_role_policy(
        RoleName=i["role"], PolicyName=name, PolicyDocument=i["policy"]
    )
    return f"{i['role']}:{name}", {"name": name}


def _role_policy_attachment(ctx: Context, i: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    ctx.clients("iam").attach_role_policy(RoleName=i["role"], PolicyArn=i["policyArn"])
    return f"{i['role']}-{i['policyArn']}", {}


def _service_linked_role(ctx: Context, i: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """The provider's id for a service-linked role is its ARN."""
    iam = ctx.clients("iam")
    role = iam.create_service_linked_role(
        AWSServiceName=i["awsServiceName"],
        Description=i.get("description", ""),
        CustomSuffix=i.get("customSuffix", ""),
    )["Role"]
    if ctx.tags:
        iam.tag_role(RoleName=role["RoleName"], Tags=ctx.tag_list())
    return role["Arn"], {"arn": role["Arn"], "name": role["RoleName"], "path": role["Path"]}


def _instance_profile(ctx: Context, i: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    iam = ctx.clients("iam")
    profile = iam.create_instance_profile(InstanceProfileName=i["name"], **ctx.tags_arg("Tags"))
    iam.add_role_to_instance_profile(InstanceProfileName=i["name"], RoleName=i["role"])
    return i["name"], {"arn": profile["InstanceProfile"]["Arn"]}


def _delete_instance_profile(ctx: Context, name: str, state: dict[str, Any]) -> None:
    iam = ctx.clients("iam")
    iam.remove_role_from_instance_profile(InstanceProfileName=name, RoleName=state["role"])
    iam.delete_instance_profile(InstanceProfileName=name)


HANDLERS: dict[str, tuple[Handler, Deleter]] = {
    "aws:iam/role:Role": (_role, by("iam.delete_role", RoleName="id")),
    "aws:iam/rolePolicy:RolePolicy": (
        _role_policy,
        by("iam.delete_role_policy", RoleName="role", PolicyName="name"),
    ),
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment": (
        _role_policy_attachment,
        by("iam.detach_role_policy", RoleName="role", PolicyArn="policyArn"),
    ),
    "aws:iam/instanceProfile:InstanceProfile": (_instance_profile, _delete_instance_profile),
    "aws:iam/serviceLinkedRole:ServiceLinkedRole": (
        _service_linked_role,
        by("iam.delete_service_linked_role", RoleName="name"),
    ),
}
UNTAGGED = {"aws:iam/rolePolicy:RolePolicy", "aws:iam/rolePolicyAttachment:RolePolicyAttachment"}
