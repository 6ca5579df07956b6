"""Security groups: the ALB is the only door to the app."""

from __future__ import annotations

import re

from tap_platform.security import SecurityGroups, SecurityGroupsArgs
from tapsim.alone import NAMER, build_alone

INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
EGRESS = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"
SG = "aws:ec2/securityGroup:SecurityGroup"


def group(run, role):
    return next(g for g in run.of_type(SG) if g.inputs["name"].startswith(f"tap-{role}-"))


def rules(run, typ, sg):
    return [r for r in run.of_type(typ) if r.inputs["securityGroupId"] == sg.id]


def test_alb_accepts_http_only_from_the_configured_cidrs_without_a_certificate(dev) -> None:
    alb = group(dev, "alb")
    ingress = rules(dev, INGRESS, alb)
    assert {(r.inputs["fromPort"], r.inputs["toPort"], r.inputs["cidrIpv4"]) for r in ingress} == {
        (80, 80, "0.0.0.0/0")
    }


def test_alb_accepts_443_as_well_when_https_is_configured(every_option) -> None:
    run = every_option
    ingress = rules(run, INGRESS, group(run, "alb"))
    assert {(r.inputs["fromPort"], r.inputs["cidrIpv4"]) for r in ingress} == {
        (80, "10.0.0.0/8"), (80, "192.168.0.0/16"), (443, "10.0.0.0/8"), (443, "192.168.0.0/16"),
    }  # fmt: skip


def test_app_port_is_reachable_from_the_alb_group_only(run) -> None:
    alb, app = group(run, "alb"), group(run, "app")
    (ingress,) = rules(run, INGRESS, app)
    assert ingress.inputs["referencedSecurityGroupId"] == alb.id
    assert ingress.inputs["fromPort"] == ingress.inputs["toPort"] == 8080
    assert "cidrIpv4" not in ingress.inputs
    (alb_out,) = rules(run, EGRESS, alb)
    assert alb_out.inputs["referencedSecurityGroupId"] == app.id


def test_every_rule_is_a_described_tcp_rule(run) -> None:
    for rule in run.of_type(INGRESS) + run.of_type(EGRESS):
        assert rule.inputs["description"]
        assert rule.inputs["ipProtocol"] == "tcp"


def test_groups_carry_no_inline_rules(run) -> None:
    for sg in run.of_type(SG):
        assert not sg.inputs.get("ingress")
        assert not sg.inputs.get("egress")
        assert sg.inputs["vpcId"] == run.outputs["vpcId"]


def test_data_tier_group_descriptions_hold_no_port(run) -> None:
    """A description cannot change in place; with the port in it, a port change would
    replace the group under its fixed name."""
    for group in run.of_type("aws:ec2/securityGroup:SecurityGroup"):
        assert not re.search(r"\d{4}", group.inputs["description"]), group.inputs["name"]


def test_security_groups_alone_make_the_alb_group_by_default() -> None:
    """`alb_security_group_id` defaults to None: the load balancer's group is made here."""
    args = SecurityGroupsArgs(
        namer=NAMER,
        vpc_id="vpc-alone",
        ingress_cidrs=("203.0.113.0/24",),
        https=False,
        app_port=9000,
    )
    run = build_alone(lambda: SecurityGroups("security", args))
    alb = next(g for g in run.of_type(SG) if g.inputs["name"] == "demo-alb-alone")
    app = next(g for g in run.of_type(SG) if g.inputs["name"] == "demo-app-alone")
    assert {(r.inputs["fromPort"], r.inputs["cidrIpv4"]) for r in rules(run, INGRESS, alb)} == {
        (80, "203.0.113.0/24")
    }
    (app_in,) = rules(run, INGRESS, app)
    assert (app_in.inputs["fromPort"], app_in.inputs["referencedSecurityGroupId"]) == (9000, alb.id)


def test_security_groups_alone_on_a_shared_environment_open_its_alb_to_the_app() -> None:
    args = SecurityGroupsArgs(
        namer=NAMER,
        vpc_id="vpc-alone",
        ingress_cidrs=(),
        https=True,
        app_port=9000,
        alb_security_group_id="sg-environment-alb",
    )
    run = build_alone(lambda: SecurityGroups("security", args))
    (app,) = run.of_type(SG)
    assert app.inputs["name"] == "demo-app-alone"
    (alb_out,) = [
        r for r in run.of_type(EGRESS) if r.inputs["securityGroupId"] == "sg-environment-alb"
    ]
    assert alb_out.inputs["fromPort"] == 9000
    assert alb_out.inputs["referencedSecurityGroupId"] == app.id
