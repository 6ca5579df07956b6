"""Physical names: each fitted by one helper (`tap_platform.naming`) to the rules of the
service that holds it, so AWS never refuses one minutes into a deploy."""

from __future__ import annotations

import hashlib

import pytest

from tap_platform.naming import Namer, NamingError, Service
from tests.conftest import suffix_of

# The input holding each fixed physical name the stacks give, and whose rules it keeps.
HELD_BY = {
    "aws:lb/loadBalancer:LoadBalancer": ("name", Service.ALB),
    "aws:ecs/cluster:Cluster": ("name", Service.ECS),
    "aws:ecs/service:Service": ("name", Service.ECS),
    "aws:autoscaling/group:Group": ("name", Service.ECS),
    "aws:rds/cluster:Cluster": ("clusterIdentifier", Service.RDS),
    "aws:rds/instance:Instance": ("identifier", Service.RDS),
    "aws:elasticache/replicationGroup:ReplicationGroup": (
        "replicationGroupId", Service.ELASTICACHE,
    ),
    "aws:ecr/repository:Repository": ("name", Service.ECR),
    "aws:codepipeline/pipeline:Pipeline": ("name", Service.PIPELINE),
    "aws:codebuild/project:Project": ("name", Service.BUILD_PROJECT),
    "aws:codedeploy/application:Application": ("name", Service.CODEDEPLOY),
    "aws:codedeploy/deploymentGroup:DeploymentGroup": ("deploymentGroupName", Service.CODEDEPLOY),
    "aws:wafv2/webAcl:WebAcl": ("name", Service.WEB_ACL),
    "aws:sns/topic:Topic": ("name", Service.TOPIC),
    "aws:cloudwatch/metricAlarm:MetricAlarm": ("name", Service.ALARM),
    "aws:cloudwatch/dashboard:Dashboard": ("dashboardName", Service.DASHBOARD),
    "aws:autoscaling/policy:Policy": ("name", Service.SCALING_POLICY),
    "aws:appautoscaling/policy:Policy": ("name", Service.SCALING_POLICY),
}  # fmt: skip


def test_each_fixed_name_was_fitted_to_the_service_that_holds_it(every_run) -> None:
    """A name fitted to another service's rules passes while it is short, and fails at
    create time once a long project or suffix pushes it past this service's limit."""
    namer = Namer(every_run.project, suffix_of(every_run))
    fitted = {(service, namer.name(role, service)) for role, service in every_run.names}
    checked = 0
    for kind, (key, service) in HELD_BY.items():
        for resource in every_run.of_type(kind):
            if key in resource.inputs:
                assert (service, resource.inputs[key]) in fitted, (kind, resource.inputs[key])
                checked += 1
    assert checked >= 3
    for alias in every_run.of_type("aws:kms/alias:Alias"):
        assert Service.KMS_ALIAS.value.pattern.match(alias.inputs["name"])


def test_a_kms_alias_and_a_dashboard_keep_their_services_own_characters() -> None:
    namer = Namer("tap", "pr1")
    assert namer.alias("data") == "alias/tap-data-pr1"
    with pytest.raises(NamingError, match=r"dashboard name 'tap-over\.view-pr1'"):
        namer.name("over.view", Service.DASHBOARD)
    with pytest.raises(NamingError, match=r"KMS alias 'alias/tap-da\.ta-pr1'"):
        namer.alias("da.ta")
    assert len(Namer("p" * 16, "s" * 20).name("x" * 120, Service.PIPELINE)) == 100


def test_names_beyond_an_aws_limit_keep_their_start_and_end_in_a_digest() -> None:
    namer = Namer("tap", "a-very-long-suffix-x")
    full = "tap-alb-edge-a-very-long-suffix-x"
    name = namer.name("alb-edge", Service.ALB)
    assert len(name) == 32
    assert name == f"{full[:23]}-{hashlib.sha256(full.encode()).hexdigest()[:8]}"
    assert namer.name("alb-edg", Service.ALB) == "tap-alb-edg-a-very-long-suffix-x"
    with pytest.raises(NamingError, match="target group name 'tap-bad role!-a-very"):
        namer.name("bad role!", Service.TARGET_GROUP)
    assert namer.log_group("app") == "/tap/a-very-long-suffix-x/app"


def test_the_longest_allowed_suffix_fits_every_name_the_stack_makes(every_option) -> None:
    """`every-option` runs under the longest suffix with every optional resource on."""
    alb = every_option.one("aws:lb/loadBalancer:LoadBalancer")
    assert alb.inputs["name"] == "tap-alb-s" + "0" * 19
