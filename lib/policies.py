"""IAM policy documents shared by the components, built as plain JSON text."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pulumi


def assume_role(service: str, *, source_account: str | None = None) -> str:
    """Trust policy for one AWS service; `source_account` guards against confused deputies."""
    statement: dict[str, Any] = {
        "Effect": "Allow",
        "Principal": {"Service": service},
        "Action": "sts:AssumeRole",
    }
    if source_account:
        statement["Condition"] = {"StringEquals": {"aws:SourceAccount": source_account}}
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


def allow(actions: Sequence[str], resources: Sequence[pulumi.Input[str]]) -> pulumi.Output[str]:
    """One-statement identity policy; resources may be unresolved ARNs."""
    return pulumi.Output.json_dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Action": sorted(actions), "Resource": list(resources)}
            ],
        }
    )


@dataclass(frozen=True)
class AwsContext:
    """Where the stack runs, as the provider reports it; ARNs are built from this only."""

    region: str
    account_id: str
    partition: str

    def arn(self, service: str, resource: str, *, regional: bool = True) -> str:
        region = self.region if regional else ""
        return f"arn:{self.partition}:{service}:{region}:{self.account_id}:{resource}"
