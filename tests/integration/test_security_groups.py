"""Security group rules as the account reports them: the app is reachable from the ALB only."""

from __future__ import annotations


def test_alb_group_admits_the_listener_ports_from_the_configured_cidrs(target) -> None:
    alb = target.found.security_group("alb")
    ports = (80, 443) if target.settings.https else (80,)
    seen = {
        (p["FromPort"], r["CidrIp"]) for p in alb["IpPermissions"] for r in p.get("IpRanges", [])
    }
    assert seen == {
        (port, cidr) for port in ports for cidr in target.settings.load_balancer.ingress_cidrs
    }


def test_app_group_admits_the_app_port_from_the_alb_group_only(target) -> None:
    alb, app = target.found.security_group("alb"), target.found.security_group("app")
    (permission,) = app["IpPermissions"]
    assert permission["FromPort"] == permission["ToPort"] == target.settings.service.port
    assert permission.get("IpRanges", []) == []
    assert [p["GroupId"] for p in permission["UserIdGroupPairs"]] == [alb["GroupId"]]


def test_every_rule_is_described(target) -> None:
    for role in ("alb", "app"):
        group = target.found.security_group(role)
        for permission in group["IpPermissions"] + group["IpPermissionsEgress"]:
            for source in permission.get("IpRanges", []) + permission.get("UserIdGroupPairs", []):
                assert source.get("Description"), (role, permission)
