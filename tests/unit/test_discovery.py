"""Discovery (`tapsim.discovery`, `tapsim.leftovers`), the integration tests' and `make local`'s
way to a deployed stack, asks AWS what a real account would answer: the names the stack gave
(long ones end in a digest), every page of a listing, and tags where Pulumi named a resource.
Each case stubs the client with the exact calls AWS must receive."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from botocore.stub import Stubber

from tap_platform.naming import Namer, Service
from tapsim.discovery import Discovered, _exists
from tapsim.leftovers import _target_groups

REGION = "eu-west-1"
# The longest project and a long suffix: the load balancer's name is past its 32 characters.
PROJECT, SUFFIX = "orders-platform1", "pr12345-feature-abcd"


def stubbed(found: Discovered, service: str) -> Stubber:
    client = boto3.client(service, region_name=REGION, aws_access_key_id="k",
                          aws_secret_access_key="s")  # fmt: skip
    found._clients[service] = client
    return Stubber(client)


def test_a_long_name_is_asked_for_as_the_stack_shortened_it() -> None:
    found = Discovered(SUFFIX, REGION, project=PROJECT)
    name = Namer(PROJECT, SUFFIX).name("alb", Service.ALB)
    assert len(name) == 32
    assert name.startswith("orders-platform1-alb-pr")
    with stubbed(found, "elbv2") as elbv2:
        elbv2.add_response(
            "describe_load_balancers", {"LoadBalancers": [{"LoadBalancerName": name}]},
            {"Names": [name]},
        )  # fmt: skip
        assert found.load_balancer["LoadBalancerName"] == name


def test_a_listing_is_read_to_its_last_page() -> None:
    found = Discovered(SUFFIX, REGION, project=PROJECT)
    ours = (
        f"arn:aws:sns:{REGION}:111122223333:{Namer(PROJECT, SUFFIX).name('alarms', Service.TOPIC)}"
    )
    with stubbed(found, "sns") as sns:
        first = [{"TopicArn": f"arn:aws:sns:{REGION}:111122223333:other-{n}"} for n in range(100)]
        sns.add_response("list_topics", {"Topics": first, "NextToken": "100"}, {})
        sns.add_response("list_topics", {"Topics": [{"TopicArn": ours}]}, {"NextToken": "100"})
        assert found.topic_arn == ours


def test_a_target_group_left_behind_is_found_by_its_tags() -> None:
    """Pulumi names target groups, so a name cannot find them."""
    found = Discovered(SUFFIX, REGION, project=PROJECT)
    arns = [
        f"arn:aws:elasticloadbalancing:{REGION}:111122223333:targetgroup/tg-{n}/0" for n in "abc"
    ]
    tags = {
        arns[0]: {"EnvironmentSuffix": SUFFIX, "Project": PROJECT},
        arns[1]: {"EnvironmentSuffix": f"x-{SUFFIX}", "Project": PROJECT},
        arns[2]: {"EnvironmentSuffix": SUFFIX, "Project": "another"},
    }
    with stubbed(found, "elbv2") as elbv2:
        elbv2.add_response(
            "describe_target_groups", {"TargetGroups": [{"TargetGroupArn": a} for a in arns]}, {}
        )
        described = [
            {"ResourceArn": arn, "Tags": [{"Key": k, "Value": v} for k, v in t.items()]}
            for arn, t in tags.items()
        ]
        elbv2.add_response("describe_tags", {"TagDescriptions": described}, {"ResourceArns": arns})
        assert _target_groups(found) == [arns[0]]


def test_only_not_found_means_gone() -> None:
    """A missing permission or throttling must not pass a teardown check as "nothing left"."""

    def failing(code: str) -> Any:
        def probe() -> None:
            raise ClientError({"Error": {"Code": code, "Message": code}}, "Describe")

        return probe

    assert not _exists(failing("LoadBalancerNotFound"))
    assert not _exists(failing("NoSuchEntity"))
    for code in ("AccessDenied", "Throttling"):
        with pytest.raises(ClientError):
            _exists(failing(code))


def test_web_acls_are_read_to_their_last_marker() -> None:
    from tapsim.leftovers import _web_acls

    found = Discovered(SUFFIX, REGION, project=PROJECT)
    acl = {
        "Name": "x",
        "Id": "1",
        "ARN": "arn:aws:wafv2:eu-west-1:111122223333:regional/webacl/x/1",
    }
    with stubbed(found, "wafv2") as wafv2:
        wafv2.add_response(
            "list_web_acls", {"WebACLs": [acl], "NextMarker": "m"}, {"Scope": "REGIONAL"}
        )
        second = {**acl, "Name": "y"}
        wafv2.add_response(
            "list_web_acls", {"WebACLs": [second]}, {"Scope": "REGIONAL", "NextMarker": "m"}
        )
        assert [a["Name"] for a in _web_acls(found)] == ["x", "y"]
