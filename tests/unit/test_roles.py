"""Roles: a shared environment, services on it, and what each may leave out."""

from __future__ import annotations

import re

import botocore.session
import pytest

from tap_platform import naming
from tap_platform.controls import exceptions
from tap_platform.exports import expected_environment
from tap_platform.naming import PROJECT_MAX_LENGTH, SUFFIX_MAX_LENGTH, Namer, Service
from tap_platform.route import claim_key, overlaps
from tap_platform.settings import SettingsError
from tap_platform.shared import OUTPUTS, problems
from tapsim import policy as offline
from tapsim.cost import estimate
from tapsim.examples import load
from tapsim.fake_cloud import FakeCloud
from tapsim.routing import route
from tapsim.runner import ProgramError, run_program, stack_settings
from tests.conftest import synth

pytestmark = pytest.mark.xdist_group("roles")

SHARED_ONLY = {
    "aws:ec2/vpc:Vpc", "aws:ec2/natGateway:NatGateway", "aws:ec2/eip:Eip",
    "aws:ec2/internetGateway:InternetGateway", "aws:lb/loadBalancer:LoadBalancer",
    "aws:lb/listener:Listener", "aws:wafv2/webAcl:WebAcl", "aws:sns/topic:Topic",
}  # fmt: skip
APP_ONLY = {
    "aws:ecs/service:Service", "aws:lb/targetGroup:TargetGroup", "aws:rds/cluster:Cluster",
    "aws:elasticache/replicationGroup:ReplicationGroup", "aws:codepipeline/pipeline:Pipeline",
    "aws:lb/listenerRule:ListenerRule",
}  # fmt: skip
RULE = "aws:lb/listenerRule:ListenerRule"
CLAIM = "aws:ssm/parameter:Parameter"


def types(run) -> set[str]:
    return {r.type for r in run.custom}


def test_the_environment_holds_what_services_share_and_no_app() -> None:
    env = synth("dev-env")
    assert {"aws:ec2/vpc:Vpc", "aws:ec2/natGateway:NatGateway", "aws:lb/loadBalancer:LoadBalancer",
            "aws:sns/topic:Topic"} <= types(env)  # fmt: skip
    assert not types(env) & APP_ONLY
    assert set(OUTPUTS) <= set(env.outputs)
    assert env.outputs["role"] == "environment"


def test_the_environment_answers_404_to_what_no_service_claims() -> None:
    (listener,) = synth("dev-env").of_type("aws:lb/listener:Listener")
    (action,) = listener.inputs["defaultActions"]
    assert action["type"] == "fixed-response"
    assert action["fixedResponse"]["statusCode"] == "404"


@pytest.mark.parametrize("name", ["dev-web", "dev-api", "ephemeral"])
def test_a_service_creates_no_network_balancer_or_public_address(synthesized, name) -> None:
    service = synthesized[name]
    assert not types(service) & SHARED_ONLY
    assert service.outputs["environmentStack"] == "dev-env"


# A service stack file that names no role, as the ephemeral example has it.
UNATTACHED = load("ephemeral").config


def test_an_ephemeral_stack_joins_the_dev_environment_by_default() -> None:
    settings = stack_settings("dev-web", config=UNATTACHED, suffix="pr77")
    assert (settings.role, settings.environment_stack) == ("service", "dev-env")
    with pytest.raises(SettingsError, match="tap:network: belongs to the environment"):
        stack_settings("dev", suffix="pr77")


def test_a_service_is_routed_by_its_own_rule_to_its_own_target_group() -> None:
    env, web = synth("dev-env"), synth("dev-web")
    rule = web.one(RULE, "route-rule-ip")
    assert rule.inputs["listenerArn"] == env.outputs["listenerArn"]
    service = web.one("aws:ecs/service:Service")
    assert service.urn in rule.dependencies, "requests come once the tasks run steadily"
    warm_up = web.one(RULE, "route-warm-up-ip")
    assert warm_up.urn in service.dependencies, "the tasks register before that"
    assert "priority" not in rule.inputs, "the provider takes the next free priority"
    (forward,) = rule.inputs["actions"]
    assert forward["targetGroupArn"] == web.outputs["targetGroupArn"]
    assert rule.inputs["conditions"] == [
        {"hostHeader": {"values": ["dev-web.dev-env.tap.internal"]}}
    ]
    claim = next(r for r in web.of_type(CLAIM) if "/routes/" in r.inputs["name"])
    assert claim.inputs["name"] == "/tap/dev-env/routes/dev-web.dev-env.tap.internal/all"
    assert claim.urn in rule.dependencies


def test_a_service_reaches_only_its_own_data_and_joins_the_shared_groups() -> None:
    env, web = synth("dev-env"), synth("dev-web")
    app = web.one("aws:ec2/securityGroup:SecurityGroup", "security-app")
    ingress = web.of_type("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
    egress = web.of_type("aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule")
    alb_group = env.outputs["albSecurityGroupId"]
    assert [r.inputs["referencedSecurityGroupId"] for r in ingress
            if r.inputs["securityGroupId"] == app.id] == [alb_group]  # fmt: skip
    for data in ("db", "cache"):
        group = next(r for r in web.of_type("aws:ec2/securityGroup:SecurityGroup")
                     if r.name == f"{'database' if data == 'db' else 'cache'}-sg")  # fmt: skip
        peers = [r.inputs.get("referencedSecurityGroupId") for r in ingress
                 if r.inputs["securityGroupId"] == group.id]  # fmt: skip
        assert peers == [app.id]
    assert [r.inputs["referencedSecurityGroupId"] for r in egress
            if r.inputs["securityGroupId"] == alb_group] == [app.id]  # fmt: skip


def test_a_services_alarms_notify_the_environments_topic() -> None:
    env, web = synth("dev-env"), synth("dev-web")
    for alarm in web.of_type("aws:cloudwatch/metricAlarm:MetricAlarm"):
        assert alarm.inputs["alarmActions"] == [env.outputs["alarmTopicArn"]]
        assert alarm.inputs["metricName"] != "HTTPCode_ELB_5XX_Count"


# Every part on, every part off, and each part off alone: every pair of parts is seen in
# each of its four states (a covering set of the eight combinations, which synthesizes half
# as many stacks).
OPTIONAL_PARTS = [
    (True, True, True), (False, True, True), (True, False, True), (True, True, False),
    (False, False, False),
]  # fmt: skip


@pytest.mark.parametrize(("database", "cache", "pipeline"), OPTIONAL_PARTS)
def test_each_optional_part_and_each_pair_of_them_synthesizes_and_passes_the_pack(
    database, cache, pipeline
) -> None:
    parts = {"tap:database": database, "tap:cache": cache, "tap:pipeline": pipeline}
    config = {key: {"enabled": False} for key, on in parts.items() if not on}
    run = synth("dev-web", config=config or None)
    assert ("aws:rds/cluster:Cluster" in types(run)) is database
    assert ("aws:elasticache/replicationGroup:ReplicationGroup" in types(run)) is cache
    assert ("aws:codepipeline/pipeline:Pipeline" in types(run)) is pipeline
    assert ("dbWriterEndpoint" in run.outputs) is database
    assert ("redisPrimaryEndpoint" in run.outputs) is cache
    assert ("pipelineName" in run.outputs) is pipeline
    (task,) = run.of_type("aws:ecs/taskDefinition:TaskDefinition")
    text = task.inputs["containerDefinitions"]
    assert ("DB_USER" in text) is database
    assert ("REDIS_AUTH_SECRET_ARN" in text) is cache
    alarms = {a.inputs["namespace"] for a in run.of_type("aws:cloudwatch/metricAlarm:MetricAlarm")}
    assert ("AWS/RDS" in alarms) is database
    assert ("AWS/ElastiCache" in alarms) is cache
    failures, advisories = offline.evaluate(run, "dev")
    assert failures == []
    assert {line.split()[0] for line in advisories} <= exceptions("dev", offline.CONFIG_DIR).keys()


def test_a_service_with_its_database_and_cache_costs_at_most_30_a_month_and_18_without() -> None:
    assert estimate(synth("dev-web"), "us-east-1").total <= 30
    without = synth("dev-web", config={"tap:cache": {"enabled": False}})
    assert estimate(without, "us-east-1").total <= 18
    assert estimate(synth("dev-env"), "us-east-1").total > 60, "the shared floor is paid once"


def service_cloud(outputs: dict) -> FakeCloud:
    cloud = FakeCloud("us-east-1")
    cloud.stacks = {"dev-env": outputs}
    return cloud


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda o: {}, "the stack has no outputs; deploy the environment first"),
        (lambda o: {**o, "role": "all"}, "the stack's role is all"),
        (
            lambda o: {k: v for k, v in o.items() if k != "listenerArn"},
            "the environment exports no listenerArn",
        ),
        (lambda o: {**o, "region": "eu-west-1"}, "its region is eu-west-1"),
        (lambda o: {**o, "environment": "prod"}, "its environment is prod"),
        (
            lambda o: {**o, "internetEgress": False},
            "its app subnets have no internet route, and .*image = .* cannot be pulled",
        ),
    ],
)
def test_a_wrong_environment_is_a_settings_error_naming_the_key(change, message) -> None:
    outputs = change(dict(synth("dev-env").outputs))
    found = problems(outputs, expected_environment(stack_settings("dev-web")))
    assert any(re.match(rf"tap:environmentStack = 'dev-env': {message}", p) for p in found)


def test_the_program_stops_on_a_wrong_environment_before_anything_is_made() -> None:
    """The checks above run where the service reads the environment's outputs, and the
    program fails with what they find."""
    outputs = {**synth("dev-env").outputs, "region": "eu-west-1"}
    with pytest.raises(ProgramError, match=r"tap:environmentStack = 'dev-env': its region"):
        run_program("dev-web", service_cloud(outputs))


def test_a_route_another_service_holds_is_refused_naming_both() -> None:
    cloud = service_cloud(dict(synth("dev-env").outputs))
    cloud.parameters["/tap/dev-env/routes/dev-web.dev-env.tap.internal/path/api"] = "orders/dev"
    with pytest.raises(ProgramError, match=r"tap:route: host dev-web.* overlaps .*orders/dev"):
        run_program("dev-web", cloud)


def test_routes_overlap_on_the_whole_host_or_a_shared_path_prefix() -> None:
    whole, api = claim_key("a.example", None), claim_key("a.example", "/api/*")
    assert whole == claim_key("a.example", "/*")
    assert overlaps(whole, api)
    assert overlaps(api, claim_key("a.example", "/api/v2/*"))
    assert not overlaps(api, claim_key("a.example", "/apis/*"))
    assert not overlaps(whole, claim_key("b.example", None))


def test_the_routing_evaluator_follows_priority_and_both_conditions() -> None:
    rules = [
        {"Priority": "default", "Conditions": [], "Actions": [{"Type": "fixed-response"}]},
        {"Priority": "2", "Conditions": [{"Field": "host-header", "Values": ["*.example.com"]}],
         "Actions": [{"TargetGroupArn": "wild"}]},
        {"Priority": "1", "Conditions": [
            {"Field": "host-header", "HostHeaderConfig": {"Values": ["API.example.com"]}},
            {"Field": "path-pattern", "PathPatternConfig": {"Values": ["/v?/*"]}}],
         "Actions": [{"TargetGroupArn": "api"}]},
    ]  # fmt: skip
    assert route(rules, "api.example.com", "/v1/x") == {"TargetGroupArn": "api"}
    assert route(rules, "api.example.com", "/V1/x") == {"TargetGroupArn": "wild"}
    assert route(rules, "other.org", "/") == {"Type": "fixed-response"}


def test_a_16_character_project_fits_under_a_20_character_suffix_in_every_region(
    synthesized,
) -> None:
    """Every name a stack asks for (in any named run: each role, runtime and option), under
    the longest project and suffix, in every commercial region: names past a limit are
    shortened, never refused."""
    asked: set[tuple[str, Service]] = set().union(*(run.names for run in synthesized.values()))
    regions = botocore.session.get_session().get_available_regions("ec2", "aws")
    namer = Namer("p" * PROJECT_MAX_LENGTH, "s" * SUFFIX_MAX_LENGTH)
    assert len(asked) > 70
    for region in regions:
        for role, service in asked:
            assert len(namer.name(role, service)) <= service.value.max_length
        for role in ("exec", "task", "instance", "flow-logs", "pipeline", "build", "deploy"):
            assert len(namer.role(role, region)) <= naming.Service.IAM_ROLE.value.max_length
        assert len(namer.bucket("artifacts", "1" * 12, region)) <= 63
        assert len(namer.service_linked_role_suffix(region)) <= 35
