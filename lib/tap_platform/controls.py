"""The security baseline, one check per AWS Security Hub control.

Each control states what it enforces in the words of the control's title (AWS Security Hub
User Guide, "Security Hub controls reference", https://docs.aws.amazon.com/securityhub/latest/
userguide/securityhub-controls-reference.html), its severity there, and how to fix a
violation. A check sees what `pulumi preview` sees: each resource's type and inputs
(`props`, camelCase as the engine passes them), or, for a stack-wide control, all of them.
The checks import nothing of Pulumi, so the policy pack (`__main__.py`), the unit tests and
`make policy` run the same functions.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

Props = Mapping[str, Any]


@dataclass(frozen=True)
class Resource:
    type: str
    name: str
    props: Props


@dataclass(frozen=True)
class Control:
    id: str
    title: str
    severity: str
    remediation: str
    # Resource controls: the types they look at, and what is wrong with one (None if nothing).
    types: tuple[str, ...] = ()
    check: Callable[[Props], str | None] | None = None
    # Stack controls: every violation across the resources.
    check_stack: Callable[[list[Resource]], list[str]] | None = None

    @property
    def policy_name(self) -> str:
        """Pulumi policy names take letters, digits and hyphens."""
        return self.id.lower().replace(".", "-")

    def violations(self, resources: Iterable[Resource]) -> list[str]:
        resources = list(resources)
        if self.check_stack:
            return self.check_stack(resources)
        found = []
        for r in resources:
            if r.type in self.types and self.check:
                problem = self.check(r.props)
                if problem:
                    found.append(f"{r.name}: {problem}")
        return found


def _statements(policy: Any) -> list[dict]:
    document = json.loads(policy) if isinstance(policy, str) else policy or {}
    statements = document.get("Statement", [])
    return statements if isinstance(statements, list) else [statements]


def _requires_tls(props: Props) -> str | None:
    for s in _statements(props.get("policy")):
        bool_ = s.get("Condition", {}).get("Bool", {})
        if s.get("Effect") == "Deny" and bool_.get("aws:SecureTransport") in ("false", False):
            return None
    return "no statement denies requests without TLS"


def _all_true(*keys: str) -> Callable[[Props], str | None]:
    def check(props: Props) -> str | None:
        off = [k for k in keys if props.get(k) is not True]
        return f"{', '.join(off)} not enabled" if off else None

    return check


def _false(key: str) -> Callable[[Props], str | None]:
    return lambda props: f"{key} is on" if props.get(key) else None


def _at_least(key: str, minimum: int) -> Callable[[Props], str | None]:
    """Numbers reach a policy as the engine's JSON numbers, floats: said as written (7, not
    7.0)."""

    def check(props: Props) -> str | None:
        value = props.get(key) or 0
        return f"{key} is {value:g}, below {minimum}" if value < minimum else None

    return check


def _containers(props: Props) -> list[dict]:
    value = props.get("containerDefinitions") or "[]"
    return json.loads(value) if isinstance(value, str) else list(value)


def _redirects_to_https(props: Props) -> str | None:
    if props.get("protocol") != "HTTP":
        return None
    actions = props.get("defaultActions") or []
    if (
        all(
            a.get("type") == "redirect" and (a.get("redirect") or {}).get("protocol") == "HTTPS"
            for a in actions
        )
        and actions
    ):
        return None
    return "an HTTP listener serves instead of redirecting to HTTPS"


def _values(resources: list[Resource], typ: str, prop: str) -> set[Any]:
    """What one property holds across the resources of one type."""
    return {r.props.get(prop) for r in resources if r.type == typ}


def _logged_buckets(resources: list[Resource]) -> list[str]:
    """Every bucket logs its access, except a log bucket: the target of the others' access
    logs, or of a load balancer's (a shared environment's only bucket)."""
    buckets = {r.props.get("bucket"): r.name for r in resources if r.type == S3_BUCKET}
    logged = _values(resources, "aws:s3/bucketLogging:BucketLogging", "bucket")
    targets = _values(resources, "aws:s3/bucketLogging:BucketLogging", "targetBucket")
    targets |= {
        (r.props.get("accessLogs") or {}).get("bucket")
        for r in resources
        if r.type == "aws:lb/loadBalancer:LoadBalancer"
    }
    return [
        f"{name}: no server access logging"
        for bucket, name in buckets.items()
        if bucket not in logged and bucket not in targets
    ]


def _expiring_images(resources: list[Resource]) -> list[str]:
    """Each repository has a lifecycle policy that names it."""
    expiring = _values(resources, "aws:ecr/lifecyclePolicy:LifecyclePolicy", "repository")
    return [
        f"{r.name}: no lifecycle policy"
        for r in resources
        if r.type == ECR_REPOSITORY and r.props.get("name") not in expiring
    ]


def _flow_logs(resources: list[Resource]) -> list[str]:
    vpcs = [r for r in resources if r.type == "aws:ec2/vpc:Vpc"]
    flows = [r for r in resources if r.type == "aws:ec2/flowLog:FlowLog"]
    if vpcs and not any(f.props.get("trafficType") == "ALL" for f in flows):
        return [f"{v.name}: no flow log of all traffic" for v in vpcs]
    return []


def _web_acl(resources: list[Resource]) -> list[str]:
    albs = [
        r
        for r in resources
        if r.type == "aws:lb/loadBalancer:LoadBalancer"
        and r.props.get("loadBalancerType", "application") == "application"
        and not r.props.get("internal")
    ]
    guarded = [r for r in resources if r.type == "aws:wafv2/webAclAssociation:WebAclAssociation"]
    return [f"{a.name}: no WAF web ACL" for a in albs if len(guarded) < len(albs)]


def _rotated(resources: list[Resource]) -> list[str]:
    """A secret the stack makes rotates only through a function; one RDS manages rotates
    without one, every 7 days unless a schedule says otherwise or turns it off (RDS User
    Guide, "Password management with Amazon RDS and AWS Secrets Manager"; the provider's
    `rotation_lambda_arn` "must be supplied if the secret is not managed by AWS")."""
    secrets = [r for r in resources if r.type == "aws:secretsmanager/secret:Secret"]
    rotations = [
        r for r in resources if r.type == "aws:secretsmanager/secretRotation:SecretRotation"
    ]
    problems = []
    missing = len(secrets) - len([r for r in rotations if r.props.get("rotationLambdaArn")])
    if missing > 0:
        problems.append(f"{missing} of {len(secrets)} secrets the stack makes rotate never")
    problems += [
        f"{r.name}: managed rotation turned off"
        for r in rotations
        if r.props.get("rotationEnabled") is False
    ]
    return problems


S3_BUCKET = "aws:s3/bucket:Bucket"
RDS_CLUSTER = "aws:rds/cluster:Cluster"
RDS_INSTANCE = "aws:rds/instance:Instance"
CACHE = "aws:elasticache/replicationGroup:ReplicationGroup"
ECR_REPOSITORY = "aws:ecr/repository:Repository"

CONTROLS: tuple[Control, ...] = (
    Control("S3.5", "S3 general purpose buckets should require requests to use SSL", "MEDIUM",
            "Add a bucket policy statement that denies s3:* when aws:SecureTransport is false.",
            ("aws:s3/bucketPolicy:BucketPolicy",), _requires_tls),
    Control("S3.8", "S3 general purpose buckets should block public access", "HIGH",
            "Turn on all four settings of the bucket's public access block.",
            ("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",),
            _all_true("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls",
                      "restrictPublicBuckets")),
    Control("S3.9", "S3 general purpose buckets should have server access logging enabled",
            "MEDIUM", "Add an aws.s3.BucketLogging to a log bucket (the log bucket is exempt).",
            check_stack=_logged_buckets),
    Control("EC2.2", "VPC default security groups should not allow inbound or outbound traffic",
            "HIGH", "Manage the default security group with no rules.",
            ("aws:ec2/defaultSecurityGroup:DefaultSecurityGroup",),
            lambda p: "has rules" if p.get("ingress") or p.get("egress") else None),
    Control("EC2.6", "VPC flow logging should be enabled in all VPCs", "MEDIUM",
            "Add a flow log of ALL traffic for the VPC.", check_stack=_flow_logs),
    Control("EC2.170", "EC2 launch templates should use Instance Metadata Service Version 2",
            "LOW", "Set metadata_options.http_tokens to required.",
            ("aws:ec2/launchTemplate:LaunchTemplate",),
            lambda p: None if (p.get("metadataOptions") or {}).get("httpTokens") == "required"
            else "IMDSv1 allowed"),
    Control("ELB.1", "Application Load Balancer should be configured to redirect all HTTP "
            "requests to HTTPS", "MEDIUM",
            "Give the stack tap:domain or tap:certificateArn; port 80 then only redirects.",
            ("aws:lb/listener:Listener",), _redirects_to_https),
    Control("ELB.4", "Application Load Balancer should be configured to drop invalid http "
            "headers", "MEDIUM", "Set drop_invalid_header_fields.",
            ("aws:lb/loadBalancer:LoadBalancer",), _all_true("dropInvalidHeaderFields")),
    Control("ELB.5", "Application and Classic Load Balancers logging should be enabled",
            "MEDIUM", "Enable access_logs to the log bucket.",
            ("aws:lb/loadBalancer:LoadBalancer",),
            lambda p: None if (p.get("accessLogs") or {}).get("enabled") else "no access logs"),
    Control("ELB.6", "Application, Gateway, and Network Load Balancers should have deletion "
            "protection enabled", "MEDIUM", "Set tap:deletionProtection.",
            ("aws:lb/loadBalancer:LoadBalancer",), _all_true("enableDeletionProtection")),
    Control("ELB.16", "Application Load Balancers should be associated with an AWS WAF web ACL",
            "MEDIUM", "Set tap:waf.enabled.", check_stack=_web_acl),
    Control("ECS.2", "ECS services should not have public IP addresses assigned to them "
            "automatically", "HIGH", "Keep assign_public_ip false; tasks run in private subnets.",
            ("aws:ecs/service:Service",),
            lambda p: "assigns public IPs" if (p.get("networkConfiguration") or {})
            .get("assignPublicIp") else None),
    Control("ECS.4", "ECS containers should run as non-privileged", "HIGH",
            "Set privileged false on every container.", ("aws:ecs/taskDefinition:TaskDefinition",),
            lambda p: "a privileged container" if any(c.get("privileged") for c in _containers(p))
            else None),
    Control("ECS.5", "ECS containers should be limited to read-only access to root filesystems",
            "HIGH", "Set readonlyRootFilesystem on every container.",
            ("aws:ecs/taskDefinition:TaskDefinition",),
            lambda p: None if all(c.get("readonlyRootFilesystem") for c in _containers(p))
            else "a writable root filesystem"),
    Control("ECS.12", "ECS clusters should use Container Insights", "MEDIUM",
            "Set the containerInsights cluster setting.", ("aws:ecs/cluster:Cluster",),
            lambda p: None if any(s.get("name") == "containerInsights" and s.get("value") in
                                  ("enabled", "enhanced") for s in p.get("settings") or [])
            else "no Container Insights"),
    Control("RDS.3", "RDS DB instances should have encryption at-rest enabled", "MEDIUM",
            "Set storage_encrypted.", (RDS_INSTANCE,), _all_true("storageEncrypted")),
    Control("RDS.27", "RDS DB clusters should be encrypted at rest", "MEDIUM",
            "Set storage_encrypted.", (RDS_CLUSTER,), _all_true("storageEncrypted")),
    Control("RDS.2", "RDS DB instances should prohibit public access", "CRITICAL",
            "Keep publicly_accessible false.",
            (RDS_INSTANCE, "aws:rds/clusterInstance:ClusterInstance"),
            _false("publiclyAccessible")),
    Control("RDS.7", "RDS clusters should have deletion protection enabled", "LOW",
            "Set tap:deletionProtection.", (RDS_CLUSTER,), _all_true("deletionProtection")),
    Control("RDS.8", "RDS DB instances should have deletion protection enabled", "LOW",
            "Set tap:deletionProtection.", (RDS_INSTANCE,), _all_true("deletionProtection")),
    Control("RDS.11", "RDS instances should have automatic backups enabled (7 days)", "MEDIUM",
            "Set tap:database.backupRetentionDays to 7 or more.", (RDS_CLUSTER, RDS_INSTANCE),
            _at_least("backupRetentionPeriod", 7)),
    Control("RDS.13", "RDS automatic minor version upgrades should be enabled", "HIGH",
            "Keep auto_minor_version_upgrade on.",
            (RDS_INSTANCE, "aws:rds/clusterInstance:ClusterInstance"),
            _all_true("autoMinorVersionUpgrade")),
    Control("ElastiCache.1", "ElastiCache (Redis OSS) clusters should have automatic backups "
            "enabled", "HIGH", "Set tap:cache.snapshotRetentionDays to 1 or more.", (CACHE,),
            _at_least("snapshotRetentionLimit", 1)),
    Control("ElastiCache.2", "ElastiCache clusters should have automatic minor version upgrades "
            "enabled", "HIGH", "Keep auto_minor_version_upgrade on.", (CACHE,),
            _all_true("autoMinorVersionUpgrade")),
    Control("ElastiCache.3", "ElastiCache replication groups should have automatic failover "
            "enabled", "MEDIUM", "Set tap:cache.replicas to 1 or more.", (CACHE,),
            _all_true("automaticFailoverEnabled")),
    Control("ElastiCache.4", "ElastiCache replication groups should be encrypted at rest",
            "MEDIUM", "Set at_rest_encryption_enabled.", (CACHE,),
            _all_true("atRestEncryptionEnabled")),
    Control("ElastiCache.5", "ElastiCache replication groups should be encrypted in transit",
            "MEDIUM", "Set transit_encryption_enabled.", (CACHE,),
            _all_true("transitEncryptionEnabled")),
    Control("ElastiCache.7", "ElastiCache clusters should not use the default subnet group",
            "HIGH", "Give the group its own subnet group.", (CACHE,),
            lambda p: None if p.get("subnetGroupName") not in (None, "", "default")
            else "the default subnet group"),
    Control("SecretsManager.1", "Secrets Manager secrets should have automatic rotation enabled",
            "MEDIUM", "Add a rotation schedule to the secret.", check_stack=_rotated),
    Control("KMS.4", "AWS KMS key rotation should be enabled", "MEDIUM",
            "Set enable_key_rotation.", ("aws:kms/key:Key",), _all_true("enableKeyRotation")),
    Control("CodeBuild.4", "CodeBuild project environments should have a logging AWS "
            "Configuration", "MEDIUM", "Enable CloudWatch Logs in logs_config.",
            ("aws:codebuild/project:Project",),
            lambda p: None if ((p.get("logsConfig") or {}).get("cloudwatchLogs") or {})
            .get("status") == "ENABLED" else "no build logs"),
    Control("ECR.1", "ECR private repositories should have image scanning configured", "HIGH",
            "Set image_scanning_configuration.scan_on_push.", (ECR_REPOSITORY,),
            lambda p: None if (p.get("imageScanningConfiguration") or {}).get("scanOnPush")
            else "no scan on push"),
    Control("ECR.2", "ECR private repositories should have tag immutability configured",
            "MEDIUM", "Set image_tag_mutability to IMMUTABLE.", (ECR_REPOSITORY,),
            lambda p: None if p.get("imageTagMutability") == "IMMUTABLE" else "mutable tags"),
    Control("ECR.3", "ECR repositories should have at least one lifecycle policy configured",
            "MEDIUM", "Give the repository an aws.ecr.LifecyclePolicy.",
            check_stack=_expiring_images),
    Control("SNS.1", "SNS topics should be encrypted at-rest using AWS KMS", "MEDIUM",
            "Set kms_master_key_id.", ("aws:sns/topic:Topic",),
            lambda p: None if p.get("kmsMasterKeyId") else "not encrypted"),
)  # fmt: skip
BY_ID = {c.id: c for c in CONTROLS}


def exceptions(tier: str, config_dir: Any) -> dict[str, str]:
    """The tier's exceptions: control id -> why (policy/config/<tier>.json, the pack config
    `pulumi up --policy-pack-config` takes)."""
    document = json.loads((config_dir / f"{tier}.json").read_text())
    return {
        c.id: document[c.policy_name]["reason"]
        for c in CONTROLS
        if document.get(c.policy_name, {}).get("enforcementLevel") == "advisory"
    }
