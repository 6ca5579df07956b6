"""How the tiers connect: who may reach whom, who may read which secret, what the key encrypts."""

from __future__ import annotations

import json

from tests.conftest import log_groups

SG = "aws:ec2/securityGroup:SecurityGroup"
INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
EGRESS = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"
CACHE = "aws:elasticache/replicationGroup:ReplicationGroup"


def roles_by_group_id(run) -> dict[str, str]:
    suffix = run.outputs["environmentSuffix"]
    return {g.id: g.inputs["name"].removeprefix("tap-").removesuffix(f"-{suffix}")
            for g in run.of_type(SG)}  # fmt: skip


def edges(run, typ: str, peer_first: bool) -> set[tuple[str, str, int]]:
    roles = roles_by_group_id(run)
    found = set()
    for rule in run.of_type(typ):
        i = rule.inputs
        peer = roles.get(i.get("referencedSecurityGroupId"), i.get("cidrIpv4"))
        own = roles[i["securityGroupId"]]
        found.add((peer, own, i["fromPort"]) if peer_first else (own, peer, i["fromPort"]))
    return found


def test_who_may_connect_to_whom(run) -> None:
    https = {("0.0.0.0/0", "alb", 443)} if run.outputs["appUrl"].startswith("https") else set()
    assert edges(run, INGRESS, peer_first=True) == https | {
        ("0.0.0.0/0", "alb", 80),
        ("alb", "app", 8080),
        ("app", "db", 5432),
        ("app", "cache", 6379),
    }


def test_where_each_group_may_connect_out(run) -> None:
    assert edges(run, EGRESS, peer_first=False) == {
        ("alb", "app", 8080),
        ("app", "0.0.0.0/0", 443),
        ("app", "db", 5432),
        ("app", "cache", 6379),
    }


def _grants(run, role_suffix: str) -> dict[str, set[str]]:
    role = next(
        r
        for r in run.of_type("aws:iam/role:Role")
        if r.inputs["name"].startswith(f"tap-{role_suffix}-")
    )
    found: dict[str, set[str]] = {}
    for policy in run.of_type("aws:iam/rolePolicy:RolePolicy"):
        if policy.inputs["role"] != role.id:
            continue
        for statement in json.loads(policy.inputs["policy"])["Statement"]:
            for action in statement["Action"]:
                found.setdefault(action, set()).update(statement["Resource"])
    return found


def test_no_role_reads_the_master_secret_and_the_app_reads_the_cache_secret_itself(run):
    """The master user is for the stack's own SQL, run from the deploying machine."""
    assert "secretsmanager:GetSecretValue" not in _grants(run, "exec")
    assert _grants(run, "task")["secretsmanager:GetSecretValue"] == {
        run.outputs["redisAuthSecretArn"]
    }
    master = run.outputs["dbSecretArn"]
    every = [r.inputs["policy"] for r in run.of_type("aws:iam/rolePolicy:RolePolicy")]
    assert not [p for p in every if master in p]


def test_one_key_encrypts_everything_at_rest(run) -> None:
    key = run.outputs["kmsKeyArn"]
    encrypted = (
        [g.inputs["kmsKeyId"] for g in log_groups(run)]
        + [s.inputs["kmsKeyId"] for s in run.of_type("aws:secretsmanager/secret:Secret")]
        + [c.inputs["kmsKeyId"] for c in run.of_type("aws:rds/cluster:Cluster")]
        + [c.inputs["masterUserSecretKmsKeyId"] for c in run.of_type("aws:rds/cluster:Cluster")]
        + [g.inputs["kmsKeyId"] for g in run.of_type(CACHE)]
        + [p.inputs["encryptionKey"] for p in run.of_type("aws:codebuild/project:Project")]
        + [t.inputs["kmsMasterKeyId"] for t in run.of_type("aws:sns/topic:Topic")]
        + [
            store["encryptionKey"]["id"]
            for p in run.of_type("aws:codepipeline/pipeline:Pipeline")
            for store in p.inputs["artifactStores"]
        ]
    )
    # Log groups: app, build, flow logs, cache slow log, Container Insights, the one
    # PostgreSQL log the database exports, and WAF's where it is on; then the cache's secret,
    # the cluster and the secret RDS keeps its password in, the cache, the build and record
    # projects, the topic and the artifact store.
    waf = len(run.of_type("aws:wafv2/webAcl:WebAcl"))
    assert len(encrypted) == 6 + waf + 1 + 2 + 1 + 2 + 1 + 1
    assert set(encrypted) == {key}
    assert len(run.of_type("aws:kms/key:Key")) == 1


def test_data_tier_outputs_are_exported_and_secret_values_are_not(run) -> None:
    for key in ("dbWriterEndpoint", "dbReaderEndpoint", "dbPort", "dbSecretArn",
                "redisPrimaryEndpoint", "redisReaderEndpoint", "redisAuthSecretArn",
                "artifactsBucket", "albLogsBucket", "assetsBucket", "kmsKeyArn"):  # fmt: skip
        assert run.outputs[key]
    assert not {k for k in run.outputs if "password" in k.lower() or "token" in k.lower()}
