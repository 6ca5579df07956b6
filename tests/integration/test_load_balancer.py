"""The ALB, its attributes, listeners and target group as the account reports them."""

from __future__ import annotations

from tap_platform.naming import Service


def test_alb_is_internet_facing_in_the_public_subnets(target) -> None:
    lb = target.found.load_balancer
    assert lb["Scheme"] == "internet-facing"
    assert lb["Type"] == "application"
    public = {s["SubnetId"] for s in target.found.subnets_of("public")}
    assert {z["SubnetId"] for z in lb["AvailabilityZones"]} == public
    assert lb["SecurityGroups"] == [target.found.security_group("alb")["GroupId"]]


def test_alb_attributes(target) -> None:
    attributes = target.found.load_balancer_attributes
    assert attributes["routing.http.drop_invalid_header_fields.enabled"] == "true"
    protected = str(target.settings.deletion_protection).lower()
    assert attributes["deletion_protection.enabled"] == protected


def test_listeners(target) -> None:
    listeners = {ln["Port"]: ln for ln in target.found.listeners}
    tg_arn = target.found.target_group["TargetGroupArn"]
    if target.settings.https:
        assert listeners[443]["SslPolicy"].startswith("ELBSecurityPolicy-TLS13-")
        assert listeners[80]["DefaultActions"][0]["Type"] == "redirect"
    else:
        assert set(listeners) == {80}
        (action,) = listeners[80]["DefaultActions"]
        assert (action["Type"], action["TargetGroupArn"]) == ("forward", tg_arn)


def test_target_group_health_check_and_draining(target) -> None:
    group, lb = target.found.target_group, target.settings.load_balancer
    assert group["TargetType"] == ("ip" if target.settings.compute == "ecs" else "instance")
    assert group["Port"] == target.settings.service.port
    assert group["HealthCheckPath"] == lb.health_check_path
    assert group["HealthCheckIntervalSeconds"] == lb.health_check_interval_seconds
    assert group["VpcId"] == target.found.vpc["VpcId"]
    delay = target.found.target_group_attributes["deregistration_delay.timeout_seconds"]
    assert int(delay) == lb.deregistration_delay_seconds


def test_the_web_acl_guards_the_alb_and_logs_every_request(target) -> None:
    waf = target.found.client("wafv2")
    alb = target.found.load_balancer["LoadBalancerArn"]
    found = waf.get_web_acl_for_resource(ResourceArn=alb).get("WebACL")
    if not target.settings.waf.enabled:
        assert found is None
        return
    assert found["Name"] == target.found.name("waf", Service.WEB_ACL)
    assert [r["Name"] for r in sorted(found["Rules"], key=lambda r: r["Priority"])][-1] == (
        "RateLimitPerIp"
    )
    logging = waf.get_logging_configuration(ResourceArn=found["ARN"])["LoggingConfiguration"]
    (destination,) = logging["LogDestinationConfigs"]
    assert destination.split(":log-group:")[1].startswith("aws-waf-logs-")


def test_a_domain_is_served_over_https_with_an_issued_certificate(target) -> None:
    domain = target.settings.domain
    if domain is None:
        assert target.settings.environment != "prod"
        return
    acm = target.found.client("acm")
    (summary,) = [
        c
        for c in acm.list_certificates()["CertificateSummaryList"]
        if c["DomainName"] == domain.name
        and c["Status"] == "ISSUED"
        and any(
            t["Value"] == target.found.suffix
            for t in acm.list_tags_for_certificate(CertificateArn=c["CertificateArn"])["Tags"]
        )
    ]
    listeners = {ln["Port"]: ln for ln in target.found.listeners}
    assert listeners[443]["Certificates"][0]["CertificateArn"] == summary["CertificateArn"]
    assert listeners[80]["DefaultActions"][0]["Type"] == "redirect"
    route53 = target.found.client("route53")
    (zone,) = [
        z
        for z in route53.list_hosted_zones_by_name(DNSName=domain.zone)["HostedZones"]
        if z["Name"].rstrip(".") == domain.zone
    ]
    records = route53.list_resource_record_sets(HostedZoneId=zone["Id"])["ResourceRecordSets"]
    (alias,) = [r for r in records if r["Name"].rstrip(".") == domain.name and r["Type"] == "A"]
    dns = target.found.load_balancer["DNSName"]
    assert alias["AliasTarget"]["DNSName"].rstrip(".").lower() == dns.lower()
