"""Load balancer: internet-facing, hardened, HTTPS with a TLS 1.3 policy when it can be."""

from __future__ import annotations

import pytest

from tests.conftest import CERT

ALB = "aws:lb/loadBalancer:LoadBalancer"
TG = "aws:lb/targetGroup:TargetGroup"
LISTENER = "aws:lb/listener:Listener"


def test_alb_is_internet_facing_in_the_public_subnets(run) -> None:
    alb = run.one(ALB)
    assert alb.inputs["internal"] is False
    assert alb.inputs["loadBalancerType"] == "application"
    assert alb.inputs["subnets"] == run.outputs["publicSubnetIds"]
    assert alb.inputs["name"] == f"tap-alb-{run.outputs['environmentSuffix']}"


def test_alb_drops_invalid_headers_and_mitigates_desync(run) -> None:
    alb = run.one(ALB)
    assert alb.inputs["dropInvalidHeaderFields"] is True
    assert alb.inputs["desyncMitigationMode"] in {"defensive", "strictest"}


@pytest.mark.parametrize(
    ("stack", "protected"), [("dev", False), ("staging", False), ("prod", True)]
)
def test_deletion_protection_in_prod_only(synthesized, stack, protected) -> None:
    assert synthesized[stack].one(ALB).inputs["enableDeletionProtection"] is protected


@pytest.mark.parametrize(
    ("stack", "interval", "delay"), [("dev", 10, 5), ("staging", 15, 30), ("prod", 30, 60)]
)
def test_target_group_health_check_and_draining_per_tier(
    synthesized, stack, interval, delay
) -> None:
    tg = synthesized[stack].one(TG)
    check = tg.inputs["healthCheck"]
    assert check["path"] == "/"
    assert check["interval"] == interval
    assert check["timeout"] < check["interval"]
    assert tg.inputs["deregistrationDelay"] == delay
    assert tg.inputs["targetType"] == "ip"
    assert tg.inputs["port"] == 8080


def test_health_check_path_is_a_setting(custom) -> None:
    assert custom.one(TG).inputs["healthCheck"]["path"] == "/healthz"


def test_without_a_certificate_http_forwards_to_the_target_group(dev) -> None:
    run = dev
    (listener,) = run.of_type(LISTENER)
    assert listener.inputs["port"] == 80
    (action,) = listener.inputs["defaultActions"]
    assert action == {"type": "forward", "targetGroupArn": run.one(TG).state["arn"]}


def test_with_a_certificate_https_forwards_and_http_redirects(custom) -> None:
    by_port = {int(ln.inputs["port"]): ln.inputs for ln in custom.of_type(LISTENER)}
    https = by_port[443]
    assert https["protocol"] == "HTTPS"
    assert https["certificateArn"] == CERT
    assert https["sslPolicy"].startswith("ELBSecurityPolicy-TLS13-")
    assert https["defaultActions"][0]["type"] == "forward"
    (redirect,) = by_port[80]["defaultActions"]
    assert redirect["type"] == "redirect"
    assert redirect["redirect"] == {"port": "443", "protocol": "HTTPS", "statusCode": "HTTP_301"}


def test_outputs_name_the_alb_and_target_group(run) -> None:
    assert run.outputs["albArn"] == run.one(ALB).state["arn"]
    assert run.outputs["albDnsName"] == run.one(ALB).state["dnsName"]
    assert run.outputs["targetGroupArn"] == run.one(TG).state["arn"]
