"""The policy pack: each control of the Security Hub baseline passes on every synthesized
stack but for its tier's written exceptions, and fails on a resource that breaks it."""

from __future__ import annotations

import json

import pytest
import yaml

from tap_platform.controls import BY_ID, CONTROLS, Resource, exceptions
from tapsim import policy as offline
from tests.conftest import STANDARD

ROTATION = "aws:secretsmanager/secretRotation:SecretRotation"
RUN_OF_RUNTIME = {"ecs": "", "asg": "-asg"}
TIERS = {"dev": "dev", "staging": "staging", "prod": "prod", "ephemeral": "dev"}


def resources(run) -> list[Resource]:
    return [Resource(r.type, r.name, r.inputs) for r in run.custom]


@pytest.mark.parametrize("name", STANDARD)
def test_every_stack_passes_every_control_but_its_tiers_written_exceptions(synthesized, name):
    run = synthesized[name]
    tier = TIERS[name.removesuffix("-asg")]
    failures, advisories = offline.evaluate(run, tier)
    assert failures == []
    allowed = exceptions(tier, offline.CONFIG_DIR)
    violated = {line.split()[0] for line in advisories}
    assert violated <= allowed.keys()
    if tier == "prod":
        assert violated == {"SecretsManager.1"}, "prod's only exception: the cache token"
        assert any("1 of 1 secrets the stack makes rotate never" in a for a in advisories)


def test_no_tier_keeps_an_exception_it_does_not_need(synthesized) -> None:
    for tier in ("dev", "staging", "prod"):
        needed = set()
        for name in (tier, f"{tier}-asg"):
            _, advisories = offline.evaluate(synthesized[name], tier)
            needed |= {line.split()[0] for line in advisories}
        assert set(exceptions(tier, offline.CONFIG_DIR)) == needed, tier


def test_each_control_is_a_security_hub_control_with_severity_and_remediation() -> None:
    assert len(CONTROLS) >= 30
    for c in CONTROLS:
        assert c.id.split(".")[0] in {"S3", "EC2", "ELB", "ECS", "RDS", "ElastiCache",
                                      "SecretsManager", "KMS", "CodeBuild", "SNS",
                                      "ECR"}  # fmt: skip
        assert c.severity in {"LOW", "MEDIUM", "HIGH", "CRITICAL"}
        assert c.remediation.endswith(".")
        assert bool(c.check_stack) != bool(c.types and c.check)


S3 = "aws:s3/bucket:Bucket"
LB = "aws:lb/loadBalancer:LoadBalancer"
TASK = "aws:ecs/taskDefinition:TaskDefinition"
CACHE = "aws:elasticache/replicationGroup:ReplicationGroup"
PLAIN = "aws:rds/instance:Instance"
ECR = "aws:ecr/repository:Repository"
# One resource (or stack) that breaks each control.
BROKEN = {
    "S3.5": [Resource("aws:s3/bucketPolicy:BucketPolicy", "p", {"policy": json.dumps(
        {"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject"}]})})],
    "S3.8": [Resource("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "b",
                      {"blockPublicAcls": True, "blockPublicPolicy": False,
                       "ignorePublicAcls": True, "restrictPublicBuckets": True})],
    "S3.9": [Resource(S3, "b", {"bucket": "b"})],
    "EC2.2": [Resource("aws:ec2/defaultSecurityGroup:DefaultSecurityGroup", "d",
                       {"ingress": [{"protocol": "-1"}]})],
    "EC2.6": [Resource("aws:ec2/vpc:Vpc", "v", {})],
    "EC2.170": [Resource("aws:ec2/launchTemplate:LaunchTemplate", "t",
                         {"metadataOptions": {"httpTokens": "optional"}})],
    "ELB.1": [Resource("aws:lb/listener:Listener", "l", {"protocol": "HTTP",
                       "defaultActions": [{"type": "forward"}]})],
    "ELB.4": [Resource(LB, "a", {"dropInvalidHeaderFields": False})],
    "ELB.5": [Resource(LB, "a", {"accessLogs": {"enabled": False}})],
    "ELB.6": [Resource(LB, "a", {})],
    "ELB.16": [Resource(LB, "a", {"loadBalancerType": "application"})],
    "ECS.2": [Resource("aws:ecs/service:Service", "s",
                       {"networkConfiguration": {"assignPublicIp": True}})],
    "ECS.4": [Resource(TASK, "t", {"containerDefinitions": json.dumps(
        [{"privileged": True, "readonlyRootFilesystem": True}])})],
    "ECS.5": [Resource(TASK, "t", {"containerDefinitions": json.dumps([{}])})],
    "ECS.12": [Resource("aws:ecs/cluster:Cluster", "c", {"settings": []})],
    "RDS.2": [Resource(PLAIN, "i", {"publiclyAccessible": True})],
    "RDS.3": [Resource(PLAIN, "i", {"storageEncrypted": False})],
    "RDS.27": [Resource("aws:rds/cluster:Cluster", "c", {})],
    "RDS.7": [Resource("aws:rds/cluster:Cluster", "c", {"deletionProtection": False})],
    "RDS.8": [Resource(PLAIN, "i", {})],
    "RDS.11": [Resource(PLAIN, "i", {"backupRetentionPeriod": 1})],
    "RDS.13": [Resource(PLAIN, "i", {"autoMinorVersionUpgrade": False})],
    "ElastiCache.1": [Resource(CACHE, "g", {"snapshotRetentionLimit": 0})],
    "ElastiCache.2": [Resource(CACHE, "g", {})],
    "ElastiCache.3": [Resource(CACHE, "g", {"automaticFailoverEnabled": False})],
    "ElastiCache.4": [Resource(CACHE, "g", {})],
    "ElastiCache.5": [Resource(CACHE, "g", {"transitEncryptionEnabled": False})],
    "ElastiCache.7": [Resource(CACHE, "g", {"subnetGroupName": "default"})],
    "SecretsManager.1": [Resource("aws:secretsmanager/secret:Secret", "s", {})],
    "KMS.4": [Resource("aws:kms/key:Key", "k", {"enableKeyRotation": False})],
    "CodeBuild.4": [Resource("aws:codebuild/project:Project", "p", {})],
    "SNS.1": [Resource("aws:sns/topic:Topic", "t", {})],
    "ECR.1": [Resource(ECR, "r", {"imageScanningConfiguration": {"scanOnPush": False}})],
    "ECR.2": [Resource(ECR, "r", {"imageTagMutability": "MUTABLE"})],
    "ECR.3": [Resource(ECR, "r", {"name": "app"}),
              Resource("aws:ecr/lifecyclePolicy:LifecyclePolicy", "l", {"repository": "other"})],
}  # fmt: skip


def test_every_control_has_a_breaking_example() -> None:
    assert set(BROKEN) == set(BY_ID)


@pytest.mark.parametrize("control_id", sorted(BROKEN))
def test_each_control_fails_on_a_resource_that_breaks_it(control_id, prod) -> None:
    control = BY_ID[control_id]
    assert control.violations(BROKEN[control_id]), control_id
    if control_id not in exceptions("prod", offline.CONFIG_DIR):
        fixed = [r for r in resources(prod) if r.type in control.types or control.check_stack]
        assert control.violations(fixed) == [], "prod passes it"


def test_a_secret_rds_manages_rotates_without_a_function_and_a_stack_secret_only_with_one():
    rotated = BY_ID["SecretsManager.1"].violations
    secret = Resource("aws:secretsmanager/secret:Secret", "s", {})
    managed = Resource(ROTATION, "r", {"rotationRules": {"automaticallyAfterDays": 30}})
    assert rotated([managed]) == []
    assert rotated([secret, managed]) == ["1 of 1 secrets the stack makes rotate never"]
    assert rotated([secret, Resource(ROTATION, "r", {"rotationLambdaArn": "arn:f"})]) == []
    off = Resource(ROTATION, "off", {"rotationEnabled": False})
    assert rotated([off]) == ["off: managed rotation turned off"]


def test_the_pack_runs_in_its_own_environment_from_the_cli() -> None:
    """`pulumi up --policy-pack policy` makes the pack's virtual environment from its own
    requirements (pulumi-policy pins a protobuf the program's SDK does not take)."""
    spec = yaml.safe_load((offline.CONFIG_DIR.parent / "PulumiPolicy.yaml").read_text())
    assert spec["runtime"] == {
        "name": "python", "options": {"toolchain": "pip", "virtualenv": "venv"}
    }  # fmt: skip
    requirements = (offline.CONFIG_DIR.parent / "requirements.txt").read_text()
    assert "pulumi-policy" in requirements
    main = (offline.CONFIG_DIR.parent / "__main__.py").read_text()
    assert "PolicyPack(" in main
    assert "CONTROLS" in main
    for tier in ("dev", "staging", "prod"):
        config = json.loads((offline.CONFIG_DIR / f"{tier}.json").read_text())
        assert {v["enforcementLevel"] for v in config.values()} == {"advisory"}
        assert all(v["reason"] for v in config.values())


def test_make_policy_passes_and_reports_the_exceptions(synthesized, monkeypatch, capsys) -> None:
    def shared(stack: str, config: dict | None = None):
        compute = (config or {}).get("tap:compute", "ecs")
        return synthesized[stack + RUN_OF_RUNTIME[compute]]

    monkeypatch.setattr(offline, "synthesize", shared)
    assert offline.main(["--stack", "prod"]) == 0
    out = capsys.readouterr().out
    assert "prod (ecs): 35 controls, 0 violated, 1 allowed by the tier" in out
    assert "advisory SecretsManager.1" in out


def test_the_readme_table_lists_every_control() -> None:
    readme = (offline.CONFIG_DIR.parent.parent / "docs" / "security.md").read_text()
    for control in CONTROLS:
        assert f"| {control.id} | {control.severity.title()} |" in readme, control.id


@pytest.mark.parametrize("name", ["dev-env", "dev-web", "dev-api"])
def test_the_shared_environment_and_its_services_pass_too(name) -> None:
    """`make policy` checks every stack file; an environment's only bucket takes the load
    balancer's logs, which exempts it from logging its own access."""
    from tests.conftest import synth

    failures, _ = offline.evaluate(synth(name), "dev")
    assert failures == []


def test_make_policy_takes_any_stack_file_and_its_tier(monkeypatch, capsys) -> None:
    from tests.conftest import synth

    monkeypatch.setattr(offline, "synthesize", synth)
    assert offline.main(["--stack", "dev-env", "--stack", "dev-web"]) == 0
    out = capsys.readouterr().out
    assert "dev-env (environment): 35 controls, 0 violated" in out
    assert "dev-web (asg)" in out


def test_make_policy_refuses_a_runtime_it_would_otherwise_override(monkeypatch, capsys) -> None:
    """The pack runs each stack on both runtimes by overriding tap:compute, which would hide
    a wrong value: the stack's own settings are checked first, as `make preview` checks them."""
    from tapsim import attempts, runner

    wrong = {**runner.stack_config("dev"), "tap:compute": "ECS"}
    monkeypatch.setattr(runner, "stack_config", lambda *_, **__: dict(wrong))
    monkeypatch.setattr(attempts, "stack_config", lambda *_, **__: dict(wrong))

    def synthesize(*_, **__):
        raise AssertionError("a stack whose settings are wrong was synthesized")

    monkeypatch.setattr(offline, "synthesize", synthesize)
    assert offline.main(["--stack", "dev"]) == 1
    assert "tap:compute = 'ECS': must be 'ecs' or 'asg'" in capsys.readouterr().err
