"""AWS WAF: the web ACL, its association with the ALB, and its logging."""

from __future__ import annotations

from typing import Any

from tapsim.emulator.core import Context, Deleter, Handler, by


def api_shape(value: Any) -> Any:
    """The provider's camelCase inputs in the WAF API's spelling (PascalCase, `CloudWatch`)."""
    if isinstance(value, dict):
        return {
            (k[0].upper() + k[1:]).replace("Cloudwatch", "CloudWatch"): api_shape(v)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [api_shape(v) for v in value]
    if isinstance(value, float) and value.is_integer():
        return int(value)  # the engine passes every number as a float
    return value


def _web_acl(ctx: Context, i: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    summary = ctx.clients("wafv2").create_web_acl(
        Name=i["name"],
        Scope=i["scope"],
        DefaultAction=api_shape(i["defaultAction"]),
        Rules=api_shape(i.get("rules", [])),
        VisibilityConfig=api_shape(i["visibilityConfig"]),
        **ctx.tags_arg("Tags"),
    )["Summary"]
    return summary["Id"], {"arn": summary["ARN"], "lockToken": summary["LockToken"]}


def _delete_web_acl(ctx: Context, acl_id: str, state: dict[str, Any]) -> None:
    waf = ctx.clients("wafv2")
    found = waf.get_web_acl(Name=state["name"], Scope=state["scope"], Id=acl_id)
    waf.delete_web_acl(
        Name=state["name"], Scope=state["scope"], Id=acl_id, LockToken=found["LockToken"]
    )


def _association(ctx: Context, i: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    ctx.clients("wafv2").associate_web_acl(WebACLArn=i["webAclArn"], ResourceArn=i["resourceArn"])
    return f"{i['webAclArn']},{i['resourceArn']}", {}


def _logging(ctx: Context, i: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    ctx.clients("wafv2").put_logging_configuration(
        LoggingConfiguration={
            "ResourceArn": i["resourceArn"],
            "LogDestinationConfigs": i["logDestinationConfigs"],
        }
    )
    return i["resourceArn"], {}


HANDLERS: dict[str, tuple[Handler, Deleter]] = {
    "aws:wafv2/webAcl:WebAcl": (_web_acl, _delete_web_acl),
    "aws:wafv2/webAclAssociation:WebAclAssociation": (
        _association,
        by("wafv2.disassociate_web_acl", ResourceArn="resourceArn"),
    ),
    "aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration": (
        _logging,
        by("wafv2.delete_logging_configuration", ResourceArn="id"),
    ),
}
UNTAGGED = {
    "aws:wafv2/webAclAssociation:WebAclAssociation",
    "aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration",
}
