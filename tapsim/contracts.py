"""Every AWS service integration the stack relies on, as a contract evaluated against the
stack's own synthesized policies.

A contract names who acts (a service principal, a service-linked role or one of the stack's
roles), the requests it makes (action, resource, the context AWS supplies), and the AWS page
that requires them. `check` evaluates each request the way AWS authorizes it
(`tapsim.policy_eval`) against every policy the stack writes: the key policy, the bucket
policies, each role's trust policy, its inline policies and the AWS-managed policies it
attaches (their documents as moto ships them).

Authorization, same account (IAM User Guide, "Policy evaluation logic"; KMS Developer Guide,
"Key policies"): an explicit Deny anywhere refuses. A service principal or a service-linked
role is allowed only by the resource's own policy. A stack role needs its IAM policies to
allow and its trust policy to admit the service; on a KMS key, the key policy must also allow
it, by name or by naming the account (which hands the decision to IAM).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cache, cached_property
from typing import Any

from tapsim.catalog import moto_source
from tapsim.policy_eval import (
    Decision,
    PrincipalMatch,
    Request,
    applies,
    as_list,
    evaluate,
    glob_match,
    principal_match,
    same_account,
    statements,
)
from tapsim.runner import Registration, RunResult


def managed_policy(arn: str) -> dict[str, Any]:
    """An AWS-managed policy's document, from the copy moto ships (read, not imported)."""
    return _managed_policies()[arn.rsplit("/", 1)[-1]]["Document"]


@cache
def _managed_policies() -> dict[str, Any]:
    """Every AWS-managed policy by name: five megabytes of JSON, read once per process."""
    text = moto_source("iam", "aws_managed_policies.py").read_text()
    return json.loads(text[text.index('"""') + 3 : text.rindex('"""')])


@dataclass
class Role:
    arn: str
    service: str
    trust: str
    inline: list[str] = field(default_factory=list)
    managed: list[str] = field(default_factory=list)

    @property
    def policies(self) -> list[str]:
        return self.inline + self.managed


class Stack:
    """The policies and ARNs of one synthesized run, as AWS would hold them."""

    def __init__(self, run: RunResult) -> None:
        self.run = run
        key = run.outputs["kmsKeyArn"]
        _, self.partition, _, self.region, self.account, _ = key.split(":", 5)
        self.suffix = run.outputs["environmentSuffix"]
        self.key_arn = key
        self.key_policy = run.one("aws:kms/key:Key").inputs["policy"]

    @property
    def compute(self) -> str:
        return "ecs" if "clusterName" in self.run.outputs else "asg"

    def arn(self, service: str, resource: str) -> str:
        return f"arn:{self.partition}:{service}:{self.region}:{self.account}:{resource}"

    def role_arn(self, key: str) -> str:
        return self.roles[f"{self.run.project}-{key}-{self.suffix}-{self.region}"].arn

    @cached_property
    def roles(self) -> dict[str, Role]:
        """Every role by name: stack roles with their policies, service-linked roles bare."""
        found = {
            r.inputs["name"]: Role(
                r.state["arn"],
                statements(r.inputs["assumeRolePolicy"])[0]["Principal"]["Service"],
                r.inputs["assumeRolePolicy"],
            )
            for r in self.run.of_type("aws:iam/role:Role")
        }
        for policy in self.run.of_type("aws:iam/rolePolicy:RolePolicy"):
            found[policy.inputs["role"]].inline.append(policy.inputs["policy"])
        for attached in self.run.of_type("aws:iam/rolePolicyAttachment:RolePolicyAttachment"):
            document = json.dumps(managed_policy(attached.inputs["policyArn"]))
            found[attached.inputs["role"]].managed.append(document)
        return found

    @cached_property
    def bucket_policies(self) -> dict[str, str]:
        return {
            p.inputs["bucket"]: p.inputs["policy"]
            for p in self.run.of_type("aws:s3/bucketPolicy:BucketPolicy")
        }

    def bucket(self, role: str) -> str:
        return f"arn:{self.partition}:s3:::{self.run.outputs[role + 'Bucket']}"

    def log_groups(self) -> list[Registration]:
        return self.run.of_type("aws:cloudwatch/logGroup:LogGroup")

    def log_group(self, name: str) -> str:
        (group,) = [g for g in self.log_groups() if g.inputs["name"] == name]
        return group.state["arn"]

    def app_log_group(self) -> str:
        return self.log_group(f"/{self.run.project}/{self.suffix}/app")

    def resource_policy(self, resource: str) -> str | None:
        if resource == self.key_arn:
            return self.key_policy
        match = re.match(rf"arn:{self.partition}:s3:::([^/]+)", resource)
        return self.bucket_policies.get(match[1]) if match else None


@dataclass(frozen=True)
class Contract:
    """One AWS integration: `principal` and `requests` are read off the synthesized stack."""

    name: str
    principal: Callable[[Stack], str]
    requests: Callable[[Stack], Iterable[Request]]
    source: str
    applies: Callable[[Stack], bool] = lambda _stack: True


def refusal(stack: Stack, principal: str, request: Request) -> str | None:
    """Why AWS would refuse `principal` the request, or None when it would allow it."""
    policy = stack.resource_policy(request.resource)
    on_resource = (
        evaluate(policy, _as(principal, request), resource_policy=True) if policy else None
    )
    granted_by_resource = bool(on_resource and on_resource.allowed)
    role = next((r for r in stack.roles.values() if r.arn == principal), None)
    identity = [evaluate(p, request, resource_policy=False) for p in role.policies] if role else []
    checks = [
        (
            bool(on_resource and on_resource.decision is Decision.DENY),
            "the resource policy denies it",
        ),
        (any(r.decision is Decision.DENY for r in identity), "the role's IAM policies deny it"),
    ]
    if role is None:
        named = (
            on_resource is not None
            and on_resource.allowed
            and on_resource.principal is PrincipalMatch.DIRECT
        )
        checks.append((not named, "the resource policy does not grant it to this principal"))
    else:
        # Within one account, a resource policy that names the role is enough on its own;
        # a key policy is stricter, and is checked below.
        naming = on_resource if request.resource != stack.key_arn else None
        checks += [
            (
                same_account(identity, naming) is not Decision.ALLOW,
                "the role's IAM policies do not grant it",
            ),
            (
                request.resource == stack.key_arn and not granted_by_resource,
                "the key policy neither names the role nor lets IAM decide",
            ),
        ]
    return next((why for failed, why in checks if failed), None)


def _as(principal: str, request: Request) -> Request:
    return Request(request.action, request.resource, principal, request.context)


def trusted(stack: Stack, role_arn: str) -> bool:
    """The role's trust policy admits its service for this account."""
    role = next(r for r in stack.roles.values() if r.arn == role_arn)
    assume = Request("sts:AssumeRole", "", role.service, {"aws:SourceAccount": stack.account})
    return evaluate(role.trust, assume, resource_policy=True).allowed


def check(contract: Contract, stack: Stack) -> list[str]:
    """What the stack fails to grant, one line per refused request, naming the AWS page."""
    principal = contract.principal(stack)
    failures = []
    if principal in {r.arn for r in stack.roles.values()} and not trusted(stack, principal):
        failures.append(f"{principal}: the trust policy does not admit its service")
    for request in contract.requests(stack):
        why = refusal(stack, principal, request)
        if why:
            failures.append(f"{principal} {request.action} on {request.resource}: {why}")
    return [f"{contract.name}: {f} (required by {contract.source})" for f in failures]


def unneeded_grants(stack: Stack, contracts: Iterable[Contract]) -> list[str]:
    """Least privilege, measured: every action and resource each stack role's inline
    policies allow, and every Allow statement of the key and bucket policies, must be used by
    a request of some contract."""
    needs = [
        (contract.principal(stack), request)
        for contract in contracts
        if contract.applies(stack)
        for request in contract.requests(stack)
    ]
    unused = []
    for name, role in stack.roles.items():
        for document in role.inline:
            for statement in statements(document):
                for action in as_list(statement["Action"]):
                    for resource in as_list(statement["Resource"]):
                        if not any(
                            who == role.arn
                            and glob_match(action, r.action, case_sensitive=False)
                            and glob_match(resource, r.resource, case_sensitive=True)
                            for who, r in needs
                        ):
                            unused.append(f"{name} may {action} on {resource}")
    for label, document in [("key policy", stack.key_policy), *stack.bucket_policies.items()]:
        for statement in statements(document):
            if statement["Effect"] == "Allow" and not any(
                principal_match(statement, who) is not PrincipalMatch.NONE and applies(statement, r)
                for who, r in needs
            ):
                unused.append(f"{label}: statement {statement.get('Sid', statement)}")
    return unused


def redundant_statements(stack: Stack, contracts: Iterable[Contract]) -> list[str]:
    """Allow statements of the key and bucket policies whose removal no contract notices:
    a statement another one already covers (as a `kms:ViaService` grant to the account next
    to the account's `kms:*` is) grants nothing and only misleads its reader."""
    applicable = [c for c in contracts if c.applies(stack)]
    redundant = []
    for label in ["key policy", *stack.bucket_policies]:
        document = stack.key_policy if label == "key policy" else stack.bucket_policies[label]
        for index, statement in enumerate(statements(document)):
            if statement["Effect"] != "Allow":
                continue
            rest = json.dumps(
                {"Statement": [s for i, s in enumerate(statements(document)) if i != index]}
            )
            trimmed = Stack(stack.run)
            trimmed.key_policy = rest if label == "key policy" else stack.key_policy
            trimmed.bucket_policies = {**stack.bucket_policies}
            if label != "key policy":
                trimmed.bucket_policies[label] = rest
            if not any(check(c, trimmed) for c in applicable):
                redundant.append(f"{label}: {statement.get('Sid', statement)}")
    return redundant
