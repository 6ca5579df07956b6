"""Every AWS integration the stack relies on is granted, and nothing else is.

Each contract (`tapsim.integrations`) is evaluated against the synthesized policies of every
stack and runtime with an IAM evaluator, never by matching strings; each has its defect
planted (the grants it relies on removed) to show the suite notices; and every policy the
stack writes is linted with parliament.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from tapsim import contracts
from tapsim.contracts import (
    Stack,
    check,
    managed_policy,
    redundant_statements,
    refusal,
    unneeded_grants,
)
from tapsim.integrations import CONTRACTS
from tapsim.policy_eval import Request, evaluate, statements
from tapsim.project import PROJECT_DIR
from tests.conftest import STANDARD, synth

# Every stack and runtime, the optional settings, plain RDS (whose app user a build makes),
# and a region opened after August 2022 (no ELB account: its log bucket names the
# log-delivery service).
NEW_REGION = {"aws:region": "ap-southeast-5"}
RUNS = [*STANDARD, "every-option", "asg-rds", "new-region"]


@pytest.fixture(params=RUNS)
def stack(request, synthesized) -> Stack:
    if request.param == "new-region":
        return Stack(synth("dev", config=NEW_REGION))
    return Stack(synthesized[request.param])


def applicable(stack: Stack):
    return [c for c in CONTRACTS if c.applies(stack)]


def test_every_integration_is_granted(stack) -> None:
    failures = [line for c in applicable(stack) for line in check(c, stack)]
    assert failures == []


def test_each_runtime_relies_on_its_integrations(stack) -> None:
    names = {c.name for c in applicable(stack)}
    assert "CloudWatch alarms -> encrypted SNS topic" in names
    if stack.compute == "asg":
        assert "EC2 Auto Scaling -> CMK-encrypted EBS volumes" in names
        assert "ECS deploy action -> register, tag, pass role, update" not in names
    else:
        assert "ECS deploy action -> register, tag, pass role, update" in names


def test_nothing_is_granted_that_no_integration_needs(stack) -> None:
    assert unneeded_grants(stack, CONTRACTS) == []


def test_every_resource_policy_statement_is_needed(stack) -> None:
    assert redundant_statements(stack, CONTRACTS) == []


def test_a_via_service_grant_beside_the_accounts_own_is_found_redundant(synthesized) -> None:
    """The key policy once had one, and the README claimed it limited the services."""
    stack = Stack(synthesized["dev"])
    policy = json.loads(stack.key_policy)
    policy["Statement"].append(
        {
            "Sid": "ServicesUseTheKeyForThisAccount",
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{stack.account}:root"},
            "Action": ["kms:Decrypt", "kms:GenerateDataKey*"],
            "Resource": "*",
            "Condition": {"StringEquals": {"kms:ViaService": "s3.us-east-1.amazonaws.com"}},
        }
    )
    stack.key_policy = json.dumps(policy)
    assert redundant_statements(stack, CONTRACTS) == ["key policy: ServicesUseTheKeyForThisAccount"]


def without_support(stack: Stack, contract) -> Stack:
    """The stack with every Allow statement removed that grants one of the contract's
    requests: the defect of a missing grant, planted."""
    principal = contract.principal(stack)
    requests = list(contract.requests(stack))
    planted = Stack(stack.run)

    def keep(statement, *, resource_policy: bool) -> bool:
        document = {"Statement": [statement]}
        return statement["Effect"] != "Allow" or not any(
            evaluate(
                document,
                Request(r.action, r.resource, principal, r.context),
                resource_policy=resource_policy,
            ).allowed
            for r in requests
        )

    def strip(document: str, *, resource_policy: bool) -> str:
        kept = [s for s in statements(document) if keep(s, resource_policy=resource_policy)]
        return json.dumps({"Version": "2012-10-17", "Statement": kept})

    planted.key_policy = strip(stack.key_policy, resource_policy=True)
    planted.bucket_policies = {
        b: strip(p, resource_policy=True) for b, p in stack.bucket_policies.items()
    }
    roles = copy.deepcopy(stack.roles)
    for role in roles.values():
        if role.arn == principal:
            role.inline = [strip(p, resource_policy=False) for p in role.inline]
            role.managed = [strip(p, resource_policy=False) for p in role.managed]
    planted.roles = roles
    return planted


@pytest.mark.parametrize("contract", CONTRACTS, ids=lambda c: c.name)
def test_each_contract_fails_when_its_grant_is_removed(contract, synthesized) -> None:
    candidates = [Stack(synthesized[n]) for n in ("every-option", "prod", "prod-asg", "asg-rds")]
    stack = next(s for s in candidates if contract.applies(s))
    assert check(contract, stack) == []
    failures = check(contract, without_support(stack, contract))
    assert failures
    assert all(contract.source in line for line in failures)


def test_the_old_key_policy_left_alarms_and_auto_scaling_without_the_key(synthesized) -> None:
    """The key policy before these contracts named logs and SNS only."""
    stack = Stack(synthesized["prod-asg"])
    kept = [
        s
        for s in statements(stack.key_policy)
        if s["Sid"] in {"AccountAdministersTheKey", "CloudWatchLogsEncryptsThisAccountsGroups"}
    ]
    stack.key_policy = json.dumps({"Statement": kept})
    broken = {c.name for c in CONTRACTS if c.applies(stack) and check(c, stack)}
    assert broken == {
        "CloudWatch alarms -> encrypted SNS topic",
        "EC2 Auto Scaling -> CMK-encrypted EBS volumes",
    }


def test_a_role_whose_trust_names_another_service_fails(synthesized) -> None:
    stack = Stack(synthesized["dev"])
    roles = copy.deepcopy(stack.roles)
    build = roles[f"tap-build-{stack.suffix}-{stack.region}"]
    build.trust = build.trust.replace("codebuild.amazonaws.com", "ec2.amazonaws.com")
    stack.roles = roles
    (contract,) = [c for c in CONTRACTS if c.name == "CodeBuild -> logs, artifacts, key"]
    assert any("trust policy" in line for line in check(contract, stack))


def test_buckets_refuse_requests_without_tls(synthesized) -> None:
    stack = Stack(synthesized["dev"])
    role = stack.role_arn("task")
    request = Request(
        "s3:GetObject",
        f"{stack.bucket('assets')}/a.txt",
        context={"aws:SecureTransport": "false"},
    )
    assert refusal(stack, role, request) == "the resource policy denies it"


def policies(stack: Stack) -> list[tuple[str, str, str]]:
    """(kind, label, document) of every policy the stack writes."""
    found = [("key", "key policy", stack.key_policy)]
    found += [("bucket", name, p) for name, p in stack.bucket_policies.items()]
    for name, role in stack.roles.items():
        found += [("trust", name, role.trust)] + [("identity", name, p) for p in role.inline]
    return found


# Actions that take no resource-level permission, so `*` is their only resource (Service
# Authorization Reference: Amazon ECS, Amazon CloudWatch Logs).
NO_RESOURCE_LEVEL = {
    "ecs:RegisterTaskDefinition",
    "ecs:DescribeTaskDefinition",
    "ecs:ListTasks",
    "logs:DescribeLogGroups",
}


def accepted(kind: str, finding) -> bool:
    """Findings that are the documented form, not a fault: a trust policy has no Resource
    (IAM User Guide, "Role trust policy"); in a key policy `*` means the key itself (KMS
    Developer Guide, "Key policies")."""
    if finding.issue == "MALFORMED" and kind == "trust":
        return "Resource" in str(finding.detail)
    if finding.issue == "RESOURCE_STAR":
        return kind == "key" or set(finding.detail) <= NO_RESOURCE_LEVEL
    return False


def test_every_policy_the_stack_writes_passes_the_linter(stack) -> None:
    import parliament  # a 10 MB catalog: loaded by the worker that lints

    findings = [
        f"{label}: {finding.issue} {finding.detail}"
        for kind, label, document in policies(stack)
        for finding in parliament.analyze_policy_string(document).findings
        if not accepted(kind, finding)
    ]
    assert findings == []


def test_the_linter_catches_an_action_that_does_not_exist() -> None:
    import parliament

    document = json.dumps(
        {"Statement": [{"Effect": "Allow", "Action": "ecs:TagResources", "Resource": "*"}]}
    )
    issues = {f.issue for f in parliament.analyze_policy_string(document).findings}
    assert "UNKNOWN_ACTION" in issues


def test_the_readme_lists_every_contract() -> None:
    readme = (PROJECT_DIR / "docs" / "security.md").read_text()
    rows = {line.split(" | ")[0].lstrip("| ") for line in readme.splitlines() if " -> " in line}
    for contract in CONTRACTS:
        assert any(row.startswith(contract.name) for row in rows), contract.name


def test_the_managed_policies_are_read_once_however_many_a_stack_attaches(monkeypatch) -> None:
    """moto's copy of them is five megabytes of JSON: read once per process, not per policy."""
    contracts._managed_policies.cache_clear()
    reads: list[str] = []
    read_text = Path.read_text

    def counted(self: Path, *args, **kwargs) -> str:
        reads.append(self.name)
        return read_text(self, *args, **kwargs)

    monkeypatch.setattr(Path, "read_text", counted)
    for name in ("service-role/AmazonECSTaskExecutionRolePolicy", "AmazonSSMManagedInstanceCore"):
        assert managed_policy(f"arn:aws:iam::aws:policy/{name}")["Statement"]
    assert reads.count("aws_managed_policies.py") == 1
