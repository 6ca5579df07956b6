"""The replacement tables come from the provider's Go source (`tapsim.schema_tables`), and
every type a stack declares has one."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from tapsim import schema_tables
from tapsim.emulator.registry import FORCE_NEW
from tapsim.schema_tables import constants, inputs, load, pulumi_name, read

# Schemas written in the provider's two styles (not copied from it): SDKv2 maps with
# `ForceNew`, and Plugin Framework attributes with `RequiresReplace` plan modifiers.
SDK = """
package thing

const attrShape = "shape"

func resourceThing() *schema.Resource {
    return &schema.Resource{
        CustomizeDiff: verify.SetTagsDiff,
        SchemaFunc: func() map[string]*schema.Schema {
            return map[string]*schema.Schema{
                names.AttrARN: {Type: schema.TypeString, Computed: true},
                names.AttrName: {
                    Type:     schema.TypeString,
                    Required: true,
                    ForceNew: true, // "ForceNew: false" in a comment changes nothing
                },
                attrShape: {Type: schema.TypeString, Optional: true, ForceNew: true},
                "size": {Type: schema.TypeInt, Optional: true, Description: "not {ForceNew: true}"},
                "default_action": {
                    Type:     schema.TypeList,
                    Required: true,
                    Elem: &schema.Resource{
                        Schema: map[string]*schema.Schema{
                            names.AttrType: {
                                Type: schema.TypeString, Required: true, ForceNew: true,
                            },
                            "order": {Type: schema.TypeInt, Optional: true},
                        },
                    },
                },
            }
        },
    }
}
"""

FRAMEWORK = """
func (r *ruleResource) Schema(ctx context.Context, req SchemaRequest, resp *SchemaResponse) {
    resp.Schema = schema.Schema{
        Attributes: map[string]schema.Attribute{
            names.AttrID: framework.IDAttribute(),
            "security_group_id": schema.StringAttribute{
                Required: true,
                PlanModifiers: []planmodifier.String{
                    stringplanmodifier.RequiresReplace(),
                },
            },
            "description": schema.StringAttribute{Optional: true},
        },
        Blocks: map[string]schema.Block{
            "timeouts": schema.SingleNestedBlock{
                Attributes: map[string]schema.Attribute{
                    "create": schema.StringAttribute{
                        Optional: true,
                        PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
                    },
                },
            },
        },
    }
}
"""

NAMES = constants('\tAttrARN = "arn"\n\tAttrName = "name"\n\tAttrType = "type"\n\tAttrID = "id"\n')


def test_sdk_schemas_are_read_top_level_and_nested() -> None:
    found = read(SDK, NAMES)
    assert found.force_new == ("name", "shape")
    assert found.nested == ("default_action.type",)


def test_framework_schemas_are_read_from_their_plan_modifiers() -> None:
    found = read(FRAMEWORK, NAMES)
    assert found.force_new == ("security_group_id",)
    assert found.nested == ("timeouts.create",)


def test_names_follow_pulumi_aws_including_pluralized_lists_and_renames() -> None:
    assert pulumi_name("aws:lb/listener:Listener", "default_action.type") == ("defaultActions.type")
    assert pulumi_name("aws:rds/cluster:Cluster", "database_name") == "databaseName"
    assert pulumi_name("aws:cloudwatch/metricAlarm:MetricAlarm", "alarm_name") == "name"


def test_every_type_a_stack_declares_has_a_table_read_from_a_named_commit(synthesized) -> None:
    tables = load()["resources"]
    declared = {r.type for name in synthesized for r in synthesized[name].resources if r.custom}
    aws = {t for t in declared if t.startswith("aws:")}
    assert aws <= set(tables), sorted(aws - set(tables))
    for typ, entry in tables.items():
        assert entry["file"].startswith("internal/service/"), typ
        # A copy read without its commit says so, in words.
        assert re.fullmatch(r"[0-9a-f]{40}", entry["commit"] or "") or entry["read"], typ
    assert {t for t in declared if t.startswith("random:")} <= set(FORCE_NEW)


def test_every_table_entry_is_an_input_pulumi_aws_takes() -> None:
    """A name the SDK does not take would never match a change: the table would be silently
    short."""
    for typ, entry in load()["resources"].items():
        names = inputs(typ)
        for name in entry["forceNew"] + [n.split(".")[0] for n in entry["nested"]]:
            snake = re.sub(r"([A-Z])", r"_\1", name).lower()
            assert snake in names, (typ, name)


def test_the_registry_plans_with_the_generated_tables() -> None:
    for typ, entry in load()["resources"].items():
        assert FORCE_NEW[typ] == frozenset(entry["forceNew"]) | {"region"}, typ


def test_a_checkout_regenerates_the_same_tables(tmp_path: Path) -> None:
    """The command run against a provider checkout: files at their paths, the constants
    file, a git commit."""
    tables = load()
    typ = "aws:lb/listener:Listener"
    entry = tables["resources"][typ]
    (tmp_path / entry["file"]).parent.mkdir(parents=True)
    (tmp_path / entry["file"]).write_text(SDK)
    (tmp_path / "names").mkdir()
    (tmp_path / schema_tables.CONSTANTS).write_text('AttrName = "name"\nAttrType = "type"\n')
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    for command in (["add", "-A"], ["commit", "-qm", "schema", "--no-gpg-sign"]):
        subprocess.run(
            ["git", "-C", str(tmp_path), "-c", "user.name=t", "-c", "user.email=t@t", *command],
            check=True,
        )
    read_elsewhere = {**entry, "release": "v6.58.0", "read": "a copy without its commit"}
    only = {**tables, "resources": {typ: read_elsewhere}}
    fresh = schema_tables.regenerate(tmp_path, only)
    assert fresh["resources"][typ]["forceNew"] == ["name", "shape"]
    assert fresh["resources"][typ]["nested"] == ["defaultActions.type"]
    assert fresh["resources"][typ]["file"] == entry["file"]
    assert "release" not in fresh["resources"][typ]
    assert "read" not in fresh["resources"][typ]


@pytest.mark.parametrize(
    ("typ", "inputs_"),
    [
        ("aws:rds/cluster:Cluster", {"databaseName", "masterUsername"}),
        ("aws:rds/instance:Instance", {"dbName", "username"}),
    ],
)
def test_a_database_replaces_on_its_name_and_master_user(typ, inputs_) -> None:
    """The website's pages omit these; the Go schema marks them `ForceNew`."""
    assert inputs_ <= set(load()["resources"][typ]["forceNew"])
