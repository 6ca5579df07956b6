"""Load balancer: internet-facing, hardened, HTTPS with a TLS 1.3 policy when it can be."""

from __future__ import annotations

import pytest

from tap_platform.load_balancer import LoadBalancer, LoadBalancerArgs, TargetArgs
from tapsim.alone import NAMER, build_alone
from tapsim.examples import load
from tapsim.runner import RunResult

CERT = load("every-option").config["tap:certificateArn"]

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


def test_health_check_path_is_a_setting(every_option) -> None:
    assert every_option.one(TG).inputs["healthCheck"]["path"] == "/healthz"


def test_without_a_certificate_http_forwards_to_the_target_group(dev) -> None:
    run = dev
    (listener,) = run.of_type(LISTENER)
    assert listener.inputs["port"] == 80
    (action,) = listener.inputs["defaultActions"]
    assert action == {"type": "forward", "targetGroupArn": run.one(TG).state["arn"]}


def test_with_a_certificate_https_forwards_and_http_redirects(every_option) -> None:
    by_port = {int(ln.inputs["port"]): ln.inputs for ln in every_option.of_type(LISTENER)}
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


TARGET = TargetArgs(
    port=8080,
    target_type="instance",
    health_check_path="/health",
    health_check_interval_seconds=20,
    deregistration_delay_seconds=45,
)


def alone_load_balancer(
    target: TargetArgs | None, certificate_arn: str | None, protected: bool = False
) -> RunResult:
    args = LoadBalancerArgs(
        namer=NAMER,
        vpc_id="vpc-alone",
        subnet_ids=["subnet-a", "subnet-b"],
        security_group_id="sg-alb",
        target=target,
        idle_timeout_seconds=120,
        deletion_protection=protected,
        certificate_arn=certificate_arn,
        ssl_policy="ELBSecurityPolicy-TLS13-1-2-2021-06",
        access_logs_bucket="alone-logs",
        access_logs_prefix="alb",
        access_logs_ready=[],
    )
    return build_alone(lambda: LoadBalancer("edge", args))


def test_load_balancer_alone_forwards_http_to_its_target_group() -> None:
    run = alone_load_balancer(TARGET, certificate_arn=None)
    alb = run.one(ALB)
    assert alb.inputs["subnets"] == ["subnet-a", "subnet-b"]
    assert alb.inputs["securityGroups"] == ["sg-alb"]
    assert alb.inputs["idleTimeout"] == 120
    assert alb.inputs["accessLogs"] == {"bucket": "alone-logs", "prefix": "alb", "enabled": True}
    assert alb.protect is False
    tg = run.one(TG).inputs
    assert "name" not in tg, "Pulumi names it, so its replacement never collides"
    assert (tg["targetType"], tg["vpcId"], tg["port"]) == ("instance", "vpc-alone", 8080)
    check = tg["healthCheck"]
    assert (check["path"], check["interval"], check["timeout"]) == ("/health", 20, 5)
    assert tg["deregistrationDelay"] == 45
    (listener,) = run.of_type(LISTENER)
    assert listener.inputs["defaultActions"] == [
        {"type": "forward", "targetGroupArn": run.one(TG).state["arn"]}
    ]


def test_load_balancer_alone_for_a_shared_environment_answers_404_over_https() -> None:
    run = alone_load_balancer(None, certificate_arn=CERT, protected=True)
    assert run.of_type(TG) == []
    alb = run.one(ALB)
    assert alb.inputs["enableDeletionProtection"] is True
    assert alb.protect is False, "it holds no state: AWS's deletion protection keeps it"
    by_port = {int(ln.inputs["port"]): ln.inputs for ln in run.of_type(LISTENER)}
    (not_found,) = by_port[443]["defaultActions"]
    assert not_found["fixedResponse"]["statusCode"] == "404"
    assert by_port[80]["defaultActions"][0]["type"] == "redirect"
