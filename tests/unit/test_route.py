"""A service's route on a shared environment: its own target group, a listener rule for its
host (and path), and a claim that keeps every other service off the same requests."""

from __future__ import annotations

from typing import Any

import pytest
from pulumi import RunError

import tapsim.alone
from tap_platform.load_balancer import TargetArgs
from tap_platform.route import RouteArgs, ServiceRoute, claim_key, conflicts, overlaps
from tapsim.alone import build_alone
from tapsim.fake_cloud import FakeCloud
from tapsim.runner import RunResult

PARAMETER = "aws:ssm/parameter:Parameter"
RULE = "aws:lb/listenerRule:ListenerRule"
CLAIMS = "/demo/env/routes"
TARGET = TargetArgs(
    port=3000,
    target_type="ip",
    health_check_path="/ready",
    health_check_interval_seconds=15,
    deregistration_delay_seconds=30,
)


def alone_route(path: str | None) -> RunResult:
    args = RouteArgs(
        vpc_id="vpc-environment",
        listener_arn="arn:aws:elasticloadbalancing:us-east-1:111122223333:listener/app/env/1/2",
        target=TARGET,
        host="shop.example.org",
        path=path,
        claims_path=CLAIMS,
        owner="demo/orders",
    )

    def build() -> None:
        ServiceRoute("route", args).open([])

    return build_alone(build)


def rules(run: RunResult) -> dict[str, Any]:
    """The route's rules by role: the warm-up rule and the one that forwards requests."""
    found = {r.name.rsplit("-", 1)[0]: r for r in run.of_type(RULE)}
    assert set(found) == {"route-warm-up", "route-rule"}
    return found


def test_claim_keys_name_the_whole_host_or_the_path() -> None:
    assert claim_key("shop.example.org", None) == "shop.example.org/all"
    assert claim_key("shop.example.org", "/orders/*") == "shop.example.org/path/orders"


@pytest.mark.parametrize(
    ("mine", "theirs", "clash"),
    [
        ("a.example/all", "a.example/path/orders", True),
        ("a.example/path/orders", "a.example/path/orders/eu", True),
        ("a.example/path/orders", "a.example/path/ordersx", False),
        ("a.example/all", "b.example/all", False),
    ],
)
def test_claims_overlap_when_some_request_matches_both(mine, theirs, clash) -> None:
    assert overlaps(mine, theirs) is clash
    assert overlaps(theirs, mine) is clash


def test_a_service_never_conflicts_with_its_own_claim() -> None:
    claims = {f"{CLAIMS}/a.example/all": "demo/web", f"{CLAIMS}/a.example/path/x": "demo/api"}
    assert conflicts("a.example/all", "demo/web", claims, CLAIMS) == [
        ("a.example/path/x", "demo/api")
    ]


def test_service_route_alone_claims_its_host_and_forwards_it_to_its_target_group() -> None:
    run = alone_route(None)
    claim = run.one(PARAMETER)
    assert claim.inputs["name"] == f"{CLAIMS}/shop.example.org/all"
    assert claim.inputs["insecureValue"] == "demo/orders"
    rule, warm_up = rules(run)["route-rule"], rules(run)["route-warm-up"]
    assert rule.inputs["conditions"] == [{"hostHeader": {"values": ["shop.example.org"]}}]
    (action,) = rule.inputs["actions"]
    tg = run.one("aws:lb/targetGroup:TargetGroup")
    assert action == {"type": "forward", "targetGroupArn": tg.state["arn"]}
    assert claim.urn in rule.dependencies
    assert warm_up.inputs["conditions"] == [{"hostHeader": {"values": ["warm-up.invalid"]}}]
    assert warm_up.inputs["actions"] == [action]
    assert "priority" not in rule.inputs, "the newest rule comes last: the provider's rule"
    assert (tg.inputs["port"], tg.inputs["vpcId"]) == (3000, "vpc-environment")


def test_service_route_alone_with_a_path_matches_and_claims_only_that_path() -> None:
    run = alone_route("/orders/*")
    assert run.one(PARAMETER).inputs["name"] == f"{CLAIMS}/shop.example.org/path/orders"
    conditions = rules(run)["route-rule"].inputs["conditions"]
    assert {"pathPattern": {"values": ["/orders/*"]}} in conditions


def test_service_route_alone_refuses_a_route_another_service_holds(monkeypatch) -> None:
    class Claimed(FakeCloud):
        def __init__(self, region: str) -> None:
            super().__init__(region)
            self.parameters[f"{CLAIMS}/shop.example.org/path/orders"] = "demo/cart"

    monkeypatch.setattr(tapsim.alone, "FakeCloud", Claimed)
    with pytest.raises(RunError, match=r"shop.example.org/path/orders by demo/cart"):
        alone_route(None)
