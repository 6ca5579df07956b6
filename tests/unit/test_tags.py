"""Tags: one provider carries the required tags to every resource."""

from __future__ import annotations

import json

from tapsim.emulator.dynamic import TYPE as DYNAMIC
from tests.conftest import log_groups, suffix_of

PROVIDER = "pulumi:providers:aws"
REQUIRED = {"Project", "Environment", "EnvironmentSuffix", "ManagedBy"}


def default_tags(run) -> dict[str, str]:
    return json.loads(run.one(PROVIDER).inputs["defaultTags"])["tags"]


def test_one_explicit_provider_with_the_stack_region(run) -> None:
    provider = run.one(PROVIDER)
    assert provider.name == "aws"
    assert provider.inputs["region"] == run.outputs["region"]


def test_provider_default_tags_name_project_tier_suffix_and_tool(run) -> None:
    tags = default_tags(run)
    assert tags.keys() >= REQUIRED
    assert tags["Project"] == "tap"
    assert tags["Environment"] == run.stack
    assert tags["EnvironmentSuffix"] == suffix_of(run)
    assert tags["ManagedBy"] == "pulumi"


def test_extra_tags_from_settings_join_the_required_ones(prod) -> None:
    assert default_tags(prod)["CostCenter"] == "platform"


def test_every_aws_resource_uses_that_provider(every_run) -> None:
    run = every_run
    provider = run.one(PROVIDER)
    for resource in run.custom:
        if resource.type.startswith("aws:"):
            assert resource.provider.startswith(f"{provider.urn}::"), resource.urn


def test_no_resource_overrides_a_required_tag(every_run) -> None:
    # An Auto Scaling group lists the required tags itself (the test below), and so does a
    # log group the stack makes without the provider (`ServiceLogGroup`).
    made_without_provider = {g.urn for g in log_groups(every_run) if g.type == DYNAMIC}
    for resource in every_run.custom:
        tags = resource.inputs.get("tags") or {}
        if resource.urn in made_without_provider:
            assert tags == default_tags(every_run), resource.urn
            continue
        assert isinstance(tags, list) or not REQUIRED & set(tags), resource.urn


def test_auto_scaling_groups_carry_the_required_tags_themselves(asg_run) -> None:
    """Provider default tags do not reach Auto Scaling groups or their instances."""
    group = asg_run.one("aws:autoscaling/group:Group").inputs
    tags = {t["key"]: t["value"] for t in group["tags"] if t["propagateAtLaunch"]}
    assert default_tags(asg_run).items() <= tags.items()
