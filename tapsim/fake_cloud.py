"""Offline answers for the unit tests and `make preview`: plausible ids, ARNs and endpoints
built from the stack's own region and a test account, never from fixed values."""

from __future__ import annotations

import hashlib
from typing import Any

from pulumi.runtime import MockCallArgs, MockResourceArgs, Mocks

TEST_ACCOUNT_ID = "111122223333"


def partition_of(region: str) -> str:
    if region.startswith("cn-"):
        return "aws-cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    return "aws"


class FakeCloud(Mocks):
    """Answers every invoke the program makes and derives outputs AWS would compute."""

    def __init__(self, region: str, *, account_id: str = TEST_ACCOUNT_ID, zone_count: int = 4):
        self.region = region
        self.account_id = account_id
        self.partition = partition_of(region)
        self.zones = [f"{region}{letter}" for letter in "abcdef"[:zone_count]]

    def call(self, args: MockCallArgs) -> dict[str, Any]:
        answers = {
            "aws:index/getAvailabilityZones:getAvailabilityZones": lambda: {
                "names": self.zones,
                "zoneIds": [f"{self.region}-az{i + 1}" for i in range(len(self.zones))],
                "id": self.region,
            },
            "aws:index/getCallerIdentity:getCallerIdentity": lambda: {
                "accountId": self.account_id,
                "arn": f"arn:{self.partition}:iam::{self.account_id}:user/test",
                "userId": "AIDATEST",
                "id": self.account_id,
            },
            "aws:index/getPartition:getPartition": lambda: {
                "partition": self.partition,
                "dnsSuffix": "amazonaws.com",
                "id": self.partition,
            },
            "aws:index/getRegion:getRegion": lambda: {
                "name": self.region,
                "region": self.region,
                "id": self.region,
                "endpoint": f"ec2.{self.region}.amazonaws.com",
            },
        }
        if args.token not in answers:
            raise NotImplementedError(f"FakeCloud has no answer for invoke {args.token}")
        return answers[args.token]()

    def new_resource(self, args: MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        if not args.custom:
            return None, {}
        state = dict(args.inputs)
        name = state.get("name") or args.name
        digest = hashlib.sha1(f"{args.typ}/{args.name}".encode()).hexdigest()[:16]
        service = args.typ.split(":")[1].split("/")[0]
        resource_id = f"{args.name}-{digest[:8]}"
        state.setdefault("arn", self._arn(service, f"{args.typ.rsplit(':', 1)[-1].lower()}/{name}"))
        if args.typ == "aws:lb/loadBalancer:LoadBalancer":
            suffix = f"app/{name}/{digest}"
            state.update(
                arnSuffix=suffix,
                arn=self._arn("elasticloadbalancing", f"loadbalancer/{suffix}"),
                dnsName=f"{name}-{digest[:10]}.{self.region}.elb.amazonaws.com",
            )
            resource_id = state["arn"]
        elif args.typ == "aws:lb/targetGroup:TargetGroup":
            suffix = f"targetgroup/{name}/{digest}"
            state.update(arnSuffix=suffix, arn=self._arn("elasticloadbalancing", suffix))
            resource_id = state["arn"]
        elif args.typ == "aws:cloudwatch/logGroup:LogGroup":
            state["arn"] = self._arn("logs", f"log-group:{name}")
            resource_id = name
        elif args.typ == "aws:iam/role:Role":
            state["arn"] = f"arn:{self.partition}:iam::{self.account_id}:role/{name}"
            resource_id = name
        elif args.typ.startswith("aws:ecs/"):
            resource_id = state["arn"]
        return resource_id, state

    def _arn(self, service: str, resource: str) -> str:
        return f"arn:{self.partition}:{service}:{self.region}:{self.account_id}:{resource}"
