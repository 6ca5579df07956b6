"""HTTPS where it matters (Security Hub ELB.1): prod requires it, and a domain brings its own
certificate, validated through DNS, and an alias to the ALB."""

from __future__ import annotations

import pytest

from tap_platform.domain import Domain, DomainArgs
from tapsim.alone import build_alone

LISTENER = "aws:lb/listener:Listener"
RECORD = "aws:route53/record:Record"


def test_prod_serves_its_domain_over_https_with_a_certificate_validated_by_dns(prod) -> None:
    certificate = prod.one("aws:acm/certificate:Certificate")
    assert certificate.inputs["domainName"] == "app.example.com"
    assert certificate.inputs["validationMethod"] == "DNS"
    (option,) = certificate.state["domainValidationOptions"]
    records = {r.inputs["type"]: r for r in prod.of_type(RECORD)}
    check = records["CNAME"].inputs
    assert (check["name"], check["records"]) == (
        option["resourceRecordName"],
        [option["resourceRecordValue"]],
    )
    assert not check.get("allowOverwrite"), "another stack's validation record is never taken"
    validation = prod.one("aws:acm/certificateValidation:CertificateValidation").inputs
    assert validation["certificateArn"] == certificate.state["arn"]
    assert validation["validationRecordFqdns"] == [records["CNAME"].state["fqdn"]]
    https = next(ln.inputs for ln in prod.of_type(LISTENER) if ln.inputs["port"] == 443)
    assert https["certificateArn"] == certificate.state["arn"]
    assert prod.outputs["appUrl"] == "https://app.example.com"


def test_the_name_points_at_the_alb_and_http_only_redirects(prod) -> None:
    alias = next(r.inputs for r in prod.of_type(RECORD) if r.inputs["type"] == "A")
    assert alias["name"] == "app.example.com"
    alb = prod.one("aws:lb/loadBalancer:LoadBalancer").state
    assert alias["aliases"] == [
        {"name": alb["dnsName"], "zoneId": alb["zoneId"], "evaluateTargetHealth": True}
    ]
    assert alias["zoneId"] == next(r.inputs for r in prod.of_type(RECORD))["zoneId"]
    http = next(ln.inputs for ln in prod.of_type(LISTENER) if ln.inputs["port"] == 80)
    (action,) = http["defaultActions"]
    assert action["type"] == "redirect"
    assert action["redirect"]["protocol"] == "HTTPS"


def test_a_stack_without_https_has_no_certificate_and_no_records(dev) -> None:
    assert dev.of_type("aws:acm/certificate:Certificate") == []
    assert dev.of_type(RECORD) == []
    assert dev.outputs["appUrl"].startswith("http://")


@pytest.mark.parametrize("wildcard", [None, True])
def test_domain_alone_validates_its_certificate_in_the_zone(wildcard) -> None:
    """`wildcard` defaults to False: the certificate is for the name alone."""
    args = (
        DomainArgs(name="shop.example.org", zone_id="Z0ALONE")
        if wildcard is None
        else DomainArgs(name="shop.example.org", zone_id="Z0ALONE", wildcard=wildcard)
    )
    run = build_alone(lambda: Domain("domain", args))
    certificate = run.one("aws:acm/certificate:Certificate")
    assert certificate.inputs["domainName"] == "shop.example.org"
    names = certificate.inputs.get("subjectAlternativeNames")
    assert names == (["*.shop.example.org"] if wildcard else None)
    (record,) = run.of_type(RECORD)
    assert record.inputs["zoneId"] == "Z0ALONE"
    assert record.inputs["type"] == "CNAME"
    validation = run.one("aws:acm/certificateValidation:CertificateValidation").inputs
    assert validation["validationRecordFqdns"] == [record.state["fqdn"]]
