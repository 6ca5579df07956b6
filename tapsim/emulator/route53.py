"""Route 53: records in the account's public hosted zone, which the user brings."""

from __future__ import annotations

from typing import Any

from tapsim.emulator.core import Context, Deleter, Handler, Invoke


def ensure_zone(client: Any, name: str) -> str:
    """The hosted zone a user would own already, made in the emulator before a deploy."""
    found = client.list_hosted_zones_by_name(DNSName=name)["HostedZones"]
    for zone in found:
        if zone["Name"].rstrip(".") == name:
            return zone["Id"].rsplit("/", 1)[-1]
    created = client.create_hosted_zone(Name=name, CallerReference=f"emulator-{name}")
    return created["HostedZone"]["Id"].rsplit("/", 1)[-1]


def _record_set(i: dict[str, Any]) -> dict[str, Any]:
    record: dict[str, Any] = {"Name": i["name"], "Type": i["type"]}
    if i.get("aliases"):
        (alias,) = i["aliases"]
        record["AliasTarget"] = {
            "HostedZoneId": alias["zoneId"],
            "DNSName": alias["name"],
            "EvaluateTargetHealth": bool(alias.get("evaluateTargetHealth")),
        }
    else:
        record["TTL"] = int(i["ttl"])
        record["ResourceRecords"] = [{"Value": v} for v in i["records"]]
    return record


def _change(ctx: Context, action: str, i: dict[str, Any]) -> None:
    ctx.clients("route53").change_resource_record_sets(
        HostedZoneId=i["zoneId"],
        ChangeBatch={"Changes": [{"Action": action, "ResourceRecordSet": _record_set(i)}]},
    )


def _record(ctx: Context, i: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """CREATE fails where the name already has a record of the type, unless the resource
    allows overwriting it (the provider's `allow_overwrite`, false by default)."""
    _change(ctx, "UPSERT" if i.get("allowOverwrite") else "CREATE", i)
    return f"{i['zoneId']}_{i['name']}_{i['type']}", {"fqdn": i["name"].rstrip(".")}


def _zone(ctx: Context, args: dict[str, Any]) -> dict[str, Any]:
    name = args["name"].rstrip(".")
    for zone in ctx.clients("route53").list_hosted_zones_by_name(DNSName=name)["HostedZones"]:
        if zone["Name"].rstrip(".") == name and not zone["Config"].get("PrivateZone"):
            zone_id = zone["Id"].rsplit("/", 1)[-1]
            return {"id": zone_id, "zoneId": zone_id, "name": name}
    raise LookupError("no matching Route 53 Hosted Zone found")


HANDLERS: dict[str, tuple[Handler, Deleter]] = {
    "aws:route53/record:Record": (_record, lambda ctx, _id, state: _change(ctx, "DELETE", state)),
}
UNTAGGED = {"aws:route53/record:Record"}
INVOKES: dict[str, Invoke] = {"aws:route53/getZone:getZone": _zone}
