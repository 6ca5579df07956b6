"""What `make local UPDATE=...` prints before it applies a change (`tapsim.changes`): each
changed input old -> new down to the field, secrets masked, what is ignored by design and
why, and what is refused."""

from __future__ import annotations

import pytest

from tapsim.alone import data_tier
from tapsim.changes import describe, input_lines, leaf_diffs, shown, shown_pair
from tapsim.emulator.registry import FORCE_NEW, PENDING
from tapsim.plan import plan
from tapsim.runner import Registration
from tests.conftest import synth
from tests.unit.test_updates import SCENARIOS

ARN = "arn:aws:elasticloadbalancing:us-east-1:111122223333:targetgroup/edge-tg-{}/{}"


def planned(stack: str, config: dict, build=synth) -> list[str]:
    """The plan text of `config` over the stack file, on the whole stack or (`build`) on a
    part of it, such as the data tier alone."""
    before, after = build(stack, config=None), build(stack, config=config)
    return describe(plan(before, after, FORCE_NEW, PENDING), before, after)


def test_a_new_variable_is_named_inside_the_container_definitions() -> None:
    """With a new size beside it: the change test_updates.py plans on prod."""
    lines = planned("prod", SCENARIOS["new variable and size"])
    assert lines[0].startswith("Plan: 1 to update, 1 to replace")
    assert '      containerDefinitions.app.environment.FEATURE: null -> {"value": "on"}' in lines
    assert "      taskDefinition: takes the replaced resource's new id" in lines


def test_a_change_ignored_by_design_says_so_and_why() -> None:
    lines = planned("dev", {"tap:service": {"desiredCount": 2}})
    assert "update" not in lines[0]
    assert "replace" not in lines[0]
    (ignored,) = [line for line in lines if line.startswith("  ignored")]
    assert "desiredCount: 1 -> 2 (the autoscaler owns the task count" in ignored


def test_a_refused_change_says_why() -> None:
    lines = planned("prod", {"tap:database": {"databaseName": "orders"}}, build=data_tier)
    assert "      refused: replaces a protected resource (its data): pulumi up stops" in lines


def registration(inputs: dict, secrets: tuple[str, ...] = ()) -> Registration:
    return Registration(urn="u", type="t", name="n", custom=True, parent="", provider="",
                        protect=False, dependencies=(), inputs=inputs,
                        secrets=secrets)  # fmt: skip


def test_secrets_are_masked_and_long_values_cut() -> None:
    def reg(value: str) -> Registration:
        return registration({"secretString": value}, ("secretString",))

    assert input_lines(reg("old"), reg("new"), ("secretString",)) == [
        "      secretString: [secret] -> [secret]"
    ]
    assert shown("x" * 100).endswith("...")
    assert len(shown("x" * 100)) == 60
    assert shown(2.0) == "2"


def test_lists_of_named_entries_are_compared_by_name() -> None:
    old = [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}]
    new = [{"name": "B", "value": "3"}, {"name": "A", "value": "1"}]
    assert list(leaf_diffs(old, new, "env")) == [("env.B.value", "2", "3")]


def test_the_plan_counts_what_the_stack_holds_each_once_in_order_of_action() -> None:
    """The counts add up to the resources `make local` lists, and the steps come creates
    first, then updates, replacements and deletions."""
    before, after = synth("prod"), synth("prod", config=SCENARIOS["new variable and size"])
    planned = plan(before, after, FORCE_NEW, PENDING)
    counts = planned.summary()
    assert sum(counts.values()) - counts["delete"] == len(after.custom)
    lines = describe(planned, before, after)
    actions = [line.split()[0] for line in lines[1:] if line.startswith("  ") and line[2] != " "]
    assert actions == sorted(actions, key=("create", "update", "replace", "delete").index)


@pytest.mark.parametrize(
    ("old", "new"),
    [
        (ARN.format("ip-7cd77f1", "0a1b2c3d"), ARN.format("instance-1234567", "0a1b2c3d")),
        (ARN.format("ip-7cd77f1", "0a1b2c01"), ARN.format("ip-7cd77f1", "0a1b2c02")),
        ("y" * 100, "y" * 100 + "a"),
    ],
    ids=["middle", "end", "longer"],
)
def test_two_long_values_are_cut_where_they_differ(old, new) -> None:
    was, now = shown_pair(old, new)
    assert was != now
    assert max(len(was), len(now)) <= 60


def test_a_list_that_grows_says_what_it_adds_and_drops() -> None:
    """Ids alike but for their last characters, cut to one line each, would read as if one
    were dropped; the items added and dropped are named instead."""
    base = "arn:aws:ec2:us-east-1:111122223333:route-table/tap-vpc-local1234-private-rt-"
    old, new = [base + "0", base + "1"], [base + "0", base + "1", base + "2"]

    def reg(value: list[str]) -> Registration:
        return registration({"routeTableIds": value})

    (line,) = input_lines(reg(old), reg(new), ("routeTableIds",))
    assert line == f"      routeTableIds: 2 -> 3 items: + {shown(base + '2')}"
    (line,) = input_lines(reg(new), reg(old[:1]), ("routeTableIds",))
    assert line == f"      routeTableIds: 3 -> 1 items: - {shown(base + '1')}, {shown(base + '2')}"


def test_a_change_of_the_providers_settings_is_named_with_what_it_reaches() -> None:
    lines = planned("dev", {"tap:tags": {"Team": "web"}})
    (provider,) = [line for line in lines if line.startswith("  provider ")]
    assert "pulumi:providers:aws" in provider
    assert any("defaultTags" in line and "Team" in line for line in lines), lines
