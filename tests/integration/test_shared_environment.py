"""A shared environment with two services in one emulator: each host reaches its own target
group, the services cannot reach each other's data, and destroying one leaves the other
serving. Routing is evaluated from the rules the account reports (`tapsim.routing`): moto
stores rules but routes nothing."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from tapsim.discovery import Discovered
from tapsim.emulator import Deployment, deploy
from tapsim.routing import listener_rules, own_target_group, route

pytestmark = pytest.mark.xdist_group("shared-environment")


@dataclass
class Shared:
    env: Deployment
    services: dict[str, Deployment]

    def found(self, name: str) -> Discovered:
        deployment = self.services.get(name, self.env)
        return Discovered(deployment.suffix, deployment.region)

    @property
    def listener(self) -> str:
        """The listener services add their rules to: the one answering 404 by default."""
        (found,) = [
            listener["ListenerArn"]
            for listener in self.found("env").listeners
            if listener["DefaultActions"][0]["Type"] == "fixed-response"
        ]
        return found

    def routed_to(self, host: str, path: str) -> str:
        action = route(listener_rules(self.found("env"), self.listener), host, path)
        return action.get("TargetGroupArn") or action["FixedResponseConfig"]["StatusCode"]


@pytest.fixture(scope="module")
def shared(emulator) -> Iterator[Shared]:
    token = secrets.token_hex(2)
    env = deploy("dev-env", emulator.url, suffix=f"env{token}")
    reference = {"dev-env": env.run.outputs}
    services = {
        name: deploy(f"dev-{name}", emulator.url, suffix=f"{name}{token}", stacks=reference)
        for name in ("web", "api")
    }
    yield Shared(env, services)
    for deployment in [*services.values(), env]:
        deployment.destroy()


def host(shared: Shared, name: str) -> str:
    return shared.services[name].run.outputs["routeHost"]


def group_arn(shared: Shared, name: str) -> str:
    return own_target_group(shared.found(name))["TargetGroupArn"]


def test_each_host_reaches_its_own_target_group(shared) -> None:
    web, api = host(shared, "web"), host(shared, "api")
    assert shared.routed_to(web, "/") == group_arn(shared, "web")
    assert shared.routed_to(web.upper(), "/anything") == group_arn(shared, "web")
    assert shared.routed_to(api, "/api/orders") == group_arn(shared, "api")
    assert shared.routed_to(api, "/") == "404", "the api service claims /api/* only"
    assert shared.routed_to("unknown.example.com", "/") == "404"


def test_the_services_rules_have_distinct_priorities_the_provider_chose(shared) -> None:
    rules = listener_rules(shared.found("env"), shared.listener)
    priorities = [r["Priority"] for r in rules if r["Priority"] != "default"]
    # Each service's warm-up rule and the rule that forwards its requests.
    assert sorted(priorities) == ["1", "2", "3", "4"]


def test_a_service_reaches_only_its_own_database_and_cache(shared) -> None:
    for name, other in (("web", "api"), ("api", "web")):
        found = shared.found(name)
        app = found.security_group("app")["GroupId"]
        roles = ("db", "cache") if name == "web" else ("db",)
        for role in roles:
            (permission,) = found.security_group(role)["IpPermissions"]
            assert [p["GroupId"] for p in permission["UserIdGroupPairs"]] == [app]
            other_app = shared.found(other).security_group("app")["GroupId"]
            assert other_app not in {p["GroupId"] for p in permission["UserIdGroupPairs"]}


def test_the_shared_load_balancer_reaches_each_app_on_its_port_only(shared) -> None:
    alb = shared.found("env").security_group("alb")
    peers = {p["GroupId"] for rule in alb["IpPermissionsEgress"] for p in rule["UserIdGroupPairs"]}
    assert peers == {shared.found(n).security_group("app")["GroupId"] for n in ("web", "api")}


def test_no_service_holds_a_network_or_load_balancer_of_its_own(shared) -> None:
    for name in ("web", "api"):
        found = shared.found(name)
        assert found.vpcs == []
        assert found.client("ec2").describe_addresses(Filters=found._tag_filter)["Addresses"] == []


def test_destroying_one_service_leaves_the_environment_and_the_other_serving(shared) -> None:
    web = shared.services.pop("web")
    web.destroy()
    assert Discovered(web.suffix, web.region).remaining() == []
    api = host(shared, "api")
    assert shared.routed_to(api, "/api/x") == group_arn(shared, "api")
    assert shared.routed_to(web.run.outputs["routeHost"], "/") == "404"
    assert shared.found("api").service["status"] == "ACTIVE"
    assert shared.found("env").vpc["VpcId"] == shared.env.run.outputs["vpcId"]
