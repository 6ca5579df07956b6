"""Rules that hold across the whole stack: structure, naming, regions, deprecations."""

from __future__ import annotations

import json
import re

import pytest

from tap_platform.buckets import ELB_LOG_ACCOUNTS
from tapsim.deprecations import args_class, deprecated_inputs
from tapsim.examples import load
from tapsim.fake_cloud import TEST_ACCOUNT_ID, FakeCloud
from tapsim.runner import ProgramError, run_program
from tests.conftest import suffix_of, synth

COMPONENTS = {
    "tap:index:TapStack", "tap:network:Network",
    "tap:security:SecurityGroups", "tap:edge:LoadBalancer",
    "tap:security:Kms", "tap:data:Buckets", "tap:data:Database",
    "tap:data:Cache", "tap:delivery:Pipeline", "tap:delivery:Release",
    "tap:delivery:Repository",
    "tap:observability:Observability", "tap:observability:AppLogs",
}  # fmt: skip
REGION = re.compile(r"\b(?:us|eu|ap|sa|ca|me|af|il|mx|cn)-(?:gov-)?[a-z]+-\d\b")
NAMED = ("name", "bucket", "clusterIdentifier", "identifier", "replicationGroupId")


def test_the_stack_is_built_from_the_components(any_run) -> None:
    runtime = "AsgService" if "autoScalingGroupName" in any_run.outputs else "EcsService"
    found = {r.type for r in any_run.resources if not r.custom}
    optional = {
        "tap:edge:Waf": "aws:wafv2/webAcl:WebAcl",
        "tap:edge:Domain": "aws:acm/certificate:Certificate",
    }
    chosen = {component for component, typ in optional.items() if any_run.of_type(typ)}
    assert found == COMPONENTS | {f"tap:compute:{runtime}"} | chosen


def test_every_aws_resource_sits_inside_a_component(every_run) -> None:
    for resource in [
        r for r in every_run.resources if r.custom and not r.type.startswith("pulumi:")
    ]:
        parents = {p.type for p in every_run.ancestors(resource)}
        assert any(p.startswith("tap:") and p != "tap:index:TapStack" for p in parents), (
            resource.urn
        )


def test_no_logical_name_is_registered_twice(every_run) -> None:
    run = every_run
    keys = [(r.type, r.name) for r in run.resources]
    assert len(keys) == len(set(keys))
    urns = [r.urn for r in run.resources]
    assert len(urns) == len(set(urns))


def test_every_physical_name_carries_the_suffix(any_run) -> None:
    run = any_run
    suffix = suffix_of(run)
    # DNS records carry the user's own names, not the stack's.
    named = [r for r in run.custom if r.type != "aws:route53/record:Record"]
    names = [r.inputs[k] for r in named for k in NAMED if k in r.inputs]
    names += [t.inputs["family"] for t in run.of_type("aws:ecs/taskDefinition:TaskDefinition")]
    names += [
        r.inputs["tags"]["Name"] for r in run.custom if "Name" in (r.inputs.get("tags") or {})
    ]
    assert len(names) > 30
    region = run.outputs["region"]
    bucket = re.compile(rf"-{suffix}-111122223333-{region}$")
    for name in names:
        assert (
            name.endswith((f"-{suffix}", f"-{suffix}-{region}"))  # IAM is global: roles add it
            or f"/{suffix}/" in name
            or f"-{suffix}/" in name  # groups AWS services name after a resource
            or bucket.search(name)
        ), name


def test_physical_names_are_unique_per_type(every_run) -> None:
    run = every_run
    seen = [(r.type, r.inputs["name"]) for r in run.custom if "name" in r.inputs]
    assert len(seen) == len(set(seen))


def test_ephemeral_and_dev_stacks_share_no_physical_name(synthesized) -> None:
    def names(run):
        return {r.inputs["name"] for r in run.custom if "name" in r.inputs}

    assert not names(synthesized["dev"]) & names(synthesized["ephemeral"])


def test_no_input_names_another_region_or_account(every_run) -> None:
    run = every_run
    region = run.outputs["region"]
    accounts = {TEST_ACCOUNT_ID, ELB_LOG_ACCOUNTS[region]}
    for resource in run.custom:
        text = json.dumps(resource.inputs)
        assert set(REGION.findall(text)) <= {region}, resource.urn
        assert set(re.findall(r"\b\d{12}\b", text)) <= accounts, resource.urn
        for partition in re.findall(r"arn:([a-z-]+):", text):
            assert partition == "aws", resource.urn


def test_no_deprecated_resource_or_argument_is_used(every_run) -> None:
    run = every_run
    assert [w for w in run.warnings if "deprecated" in w.lower()] == []
    assert deprecated_inputs(run.resources) == []
    assert not [r.type for r in run.resources if re.search(r"V2$", r.type)]


def test_what_makes_that_check_fail_is_seen(tmp_path) -> None:
    """A deprecated resource: the provider SDK's notice, as `pulumi up` prints it, is kept on
    the run. A deprecated argument given as a keyword or in a plain dict, of which the SDK
    says nothing: read from the Args classes (`tapsim.deprecations`)."""
    (tmp_path / "Pulumi.yaml").write_text("name: demo\nruntime: python\nmain: main.py\n")
    (tmp_path / "Pulumi.demo.yaml").write_text("config:\n  aws:region: us-east-1\n")
    (tmp_path / "main.py").write_text(
        "import pulumi_aws as aws\n"
        "aws.s3.BucketV2('logs')\n"
        "aws.s3.Bucket('site', acl='private')\n"
        "aws.s3.BucketLifecycleConfiguration('expiry', bucket='site', rules=[\n"
        "    {'id': 'old', 'status': 'Enabled', 'prefix': 'logs/'}])\n"
        "aws.s3.BucketVersioning('versions', bucket='site', expected_bucket_owner='1',\n"
        "    versioning_configuration={'status': 'Enabled'})\n"
    )
    run = run_program("demo", FakeCloud("us-east-1"), project_dir=tmp_path)
    assert [w for w in run.warnings if "deprecated" in w] == [
        "BucketV2 is deprecated: s3.BucketV2 has been deprecated in favor of s3.Bucket"
    ]
    assert deprecated_inputs(run.resources) == [
        "aws:s3/bucket:Bucket site: acl",
        "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration expiry: rules[0].prefix",
        "aws:s3/bucketVersioning:BucketVersioning versions: expectedBucketOwner",
    ]
    # A resource whose Args name an input type took is read from its `...InitArgs`; a
    # package named by a Python keyword ends in `_`.
    assert args_class("aws:s3/bucketVersioning:BucketVersioning").__name__.endswith("InitArgs")
    assert args_class("aws:lambda/function:Function").__module__.startswith("pulumi_aws.lambda_")


def test_no_resource_is_protected_outside_prod(synthesized) -> None:
    for stack in ("dev", "staging", "ephemeral"):
        assert not any(r.protect for r in synthesized[stack].resources)


# What holds state or is costly to lose; everything else must stay replaceable, since a
# protected resource can be neither replaced nor deleted (Pulumi, "protect" resource option),
# and a new image or cpu/memory replaces the task definition.
STATEFUL = {
    "aws:kms/key:Key",
    "aws:rds/cluster:Cluster",
    "aws:rds/instance:Instance",
    "aws:elasticache/replicationGroup:ReplicationGroup",
    "aws:s3/bucket:Bucket",
    "aws:secretsmanager/secret:Secret",
    "aws:ecr/repository:Repository",
}


@pytest.mark.parametrize("name", ["prod", "prod-asg"])
def test_prod_protects_what_holds_state_and_nothing_else(synthesized, name) -> None:
    run = synthesized[name]
    protected = [r for r in run.resources if r.protect]
    assert {r.type for r in protected} == STATEFUL - {"aws:rds/instance:Instance"}
    assert protected == [r for r in run.custom if r.type in STATEFUL]


def test_prod_differs_from_dev_as_the_settings_table_says(dev, prod) -> None:
    def summary(run):
        return {
            "azs": len(
                {s.inputs["availabilityZone"] for s in run.of_type("aws:ec2/subnet:Subnet")}
            ),
            "nats": len(run.of_type("aws:ec2/natGateway:NatGateway")),
            "protection": run.one("aws:lb/loadBalancer:LoadBalancer").inputs[
                "enableDeletionProtection"
            ],
            "tasks": run.one("aws:ecs/service:Service").inputs["desiredCount"],
        }

    assert summary(dev) == {"azs": 2, "nats": 1, "protection": False, "tasks": 1}
    assert summary(prod) == {"azs": 3, "nats": 3, "protection": True, "tasks": 3}


def test_the_stacks_aws_credentials_settings_reach_the_explicit_provider(every_option) -> None:
    """An explicit provider reads no `aws:*` stack config itself; a profile or a role to
    assume that the stack file sets must not be silently dropped."""
    provider = every_option.one("pulumi:providers:aws").inputs
    assert provider["profile"] == "platform"
    assert json.loads(provider["assumeRoles"]) == load("every-option").config["aws:assumeRoles"]
    assert json.loads(provider["allowedAccountIds"]) == ["111122223333"]
    # What the program makes itself (dynamic resources) reaches AWS the same way.
    dynamic = every_option.of_type("pulumi-python:dynamic:Resource")
    assert dynamic
    for resource in dynamic:
        assert resource.inputs["credentials"]["profile"] == "platform"
        roles = [r["roleArn"] for r in resource.inputs["credentials"]["assumeRoles"]]
        assert roles == [r["roleArn"] for r in json.loads(provider["assumeRoles"])]
        assert resource.inputs["accountId"] == "111122223333"


def test_an_aws_setting_the_provider_would_ignore_is_refused() -> None:
    with pytest.raises(ProgramError, match=r"aws:skipMetadataApiCheck = 'true': the stack's"):
        synth("dev", config={"aws:skipMetadataApiCheck": "true"})


def test_role_names_carry_the_region_since_iam_is_global(any_run) -> None:
    """The same suffix in two regions of one account must not collide."""
    region = any_run.outputs["region"]
    for role in any_run.of_type("aws:iam/role:Role"):
        assert role.inputs["name"].endswith(f"-{suffix_of(any_run)}-{region}"), role.name
