"""What the region answers, checked with the settings: plain MySQL's dated versions in the
emulated region, and the instance type on either runtime, with its architecture on `asg`. The
region is asked in the same round as the settings' own checks, and never about a default that
stands in for a wrong value.
"""

from __future__ import annotations

import dataclasses
import re

import botocore.session
import pytest

from tap_platform import catalog as regional
from tap_platform.settings.messages import REGION_LATER
from tapsim import catalog
from tapsim.examples import load
from tapsim.fake_cloud import FakeCloud, synthesize
from tapsim.runner import ProgramError, run_program, stack_settings

ASG = load("asg").config


def keys(lines: list[str]) -> list[str]:
    """The key each problem's line names, in order."""
    return [line.strip().split(" = ")[0] for line in lines]


def fail(config: dict) -> str:
    with pytest.raises(ProgramError) as caught:
        run_program("dev", FakeCloud("us-east-1"), config=config)
    return str(caught.value)


def test_the_emulated_region_resolves_a_mysql_major_to_its_dated_release() -> None:
    """RDS names a dated release `<minor>-rds.<YYYYMMDD>`: it sorts after its minor."""
    found = catalog.engine_version({"engine": "mysql", "version": "8.0", "defaultOnly": True})
    assert found["version"] == "8.0.46-rds.20260624"
    newest = catalog.engine_version({"engine": "mysql", "version": "8.0", "latest": True})
    assert newest["version"] == "8.0.46-rds.20260624"
    aurora = catalog.engine_version({"engine": "aurora-mysql", "version": "8.0", "latest": True})
    assert aurora["version"].startswith("8.0.mysql_aurora.3.")


def test_plain_mysql_previews() -> None:
    run = synthesize("dev", config={"tap:database": {"engine": "mysql"}})
    instance = run.one("aws:rds/instance:Instance").inputs
    assert (instance["engine"], instance["engineVersion"]) == ("mysql", "8.0")


def test_an_instance_type_that_does_not_exist_is_refused_on_ecs_too() -> None:
    message = fail({"tap:instances": {"instanceType": "t3.mirco"}})
    assert "tap:instances.instanceType = 't3.mirco'" in message


@pytest.mark.parametrize(
    ("instance_type", "architecture", "fits"),
    [("t3.small", "ARM64", "X86_64"), ("t4g.small", "X86_64", "ARM64")],
)
def test_the_apps_architecture_is_the_instance_types_on_asg(
    instance_type, architecture, fits
) -> None:
    message = fail(
        {
            **ASG,
            "tap:instances": {"instanceType": instance_type},
            "tap:service": {"architecture": architecture},
        }
    )
    assert f"tap:service.architecture = {architecture!r}" in message
    assert f"set tap:service.architecture: {fits}" in message


def test_the_zones_of_regions_moto_fills_by_rule_read_the_endpoint_table_once(
    monkeypatch,
) -> None:
    """Every stack file and scenario asks for its region's zones: botocore's endpoint table
    is read once a process, not once a region (a tenth of a second each)."""
    sessions: list[object] = []
    made = botocore.session.get_session
    monkeypatch.setattr(
        botocore.session, "get_session", lambda *a, **k: sessions.append(1) or made(*a, **k)
    )
    catalog.regions.cache_clear()
    catalog.region_zones.cache_clear()
    try:
        zones = [catalog.region_zones(r) for r in ("ap-southeast-5", "ap-east-2", "mars-1")]
    finally:
        catalog.regions.cache_clear()
        catalog.region_zones.cache_clear()
    assert zones[0][0] == ("ap-southeast-5a", "apse5-az1")
    assert [len(z) for z in zones] == [3, 3, 0]
    assert len(sessions) == 1


# A stack file whose one mistake makes a setting stand in for a value the Region would judge:
# each case's only line is the mistake, and asking the Region about the default instead
# would add a line (each case fails with its check's guard removed).
STOOD_IN = {
    "misspelt instance type, on asg with ARM64": (
        "dev", "us-east-1",
        {**ASG, "tap:service": {"architecture": "ARM64"},
         "tap:instances": {"instanceTyp": "t4g.small"}},
        "tap:instances.instanceTyp",
    ),
    "instance type in the service's section": (
        "dev", "us-east-1",
        {**ASG, "tap:service": {"architecture": "ARM64", "instanceType": "t4g.small"}},
        "tap:service.instanceType",
    ),
    "instance section misspelt": (
        "dev", "us-east-1",
        {**ASG, "tap:service": {"architecture": "ARM64"},
         "tap:instance": {"instanceType": "t4g.small"}},
        "tap:instance",
    ),
    "architecture, on an arm64 type": (
        "dev", "us-east-1",
        {**ASG, "tap:instances": {"instanceType": "t4g.small"},
         "tap:service": {"architecture": "ARM"}},
        "tap:service.architecture",
    ),
    "engine, with a version": (
        "dev", "us-east-1",
        {"tap:database": {"engine": "postgress", "engineVersion": "16.99"}},
        "tap:database.engine",
    ),
    "minimum capacity, with a version that cannot pause": (
        "dev", "us-east-1",
        {"tap:database": {"minCapacity": "x", "engineVersion": "13.9"}},
        "tap:database.minCapacity",
    ),
    "Performance Insights, on a class without them": (
        "prod", "us-west-2",
        {"tap:database": {"engine": "mysql", "instanceClass": "db.t4g.micro",
                          "performanceInsights": 5}},
        "tap:database.performanceInsights",
    ),
    "serverless, with a class the engine does not run on": (
        "dev", "us-east-1",
        {"tap:database": {"engine": "postgres", "serverless": 5,
                          "instanceClass": "db.t4g.nano"}},
        "tap:database.serverless",
    ),
    "AZ count, in a Region with fewer AZs than the tier's": (
        "prod", "us-west-1",
        {"aws:region": "us-west-1", "tap:network": {"azCount": "x"}},
        "tap:network.azCount",
    ),
    "tier, whose defaults all stand in": (
        "dev", "us-east-1",
        {"tap:environment": "stagin", "tap:database": {"engineVersion": "13.9"}},
        "tap:environment",
    ),
}  # fmt: skip


@pytest.mark.parametrize("case", STOOD_IN)
def test_the_region_is_not_asked_about_a_default_that_stands_in_for_a_wrong_value(case) -> None:
    """A wrong setting is stood in for by its default, so that the others are still checked;
    the Region's check that would read it is left out, or it would answer about the default
    (an x86 default type for an ARM64 app, say) instead of the stack file."""
    stack, region, config, named = STOOD_IN[case]
    with pytest.raises(ProgramError) as caught:
        run_program(stack, FakeCloud(region), config=config)
    lines = str(caught.value).splitlines()[1:]
    # Under a wrong tier the rest is not asked about, and the message says so.
    later = [REGION_LATER] if named == "tap:environment" else []
    assert keys(lines) == [named, *ALSO_SAID.get(case, []), *later], lines


# Lines of checks that read no stand-in: 13.9 also predates Aurora PostgreSQL's Data API.
ALSO_SAID = {"minimum capacity, with a version that cannot pause": ["tap:database.engineVersion"]}


def test_a_region_that_does_not_exist_is_named_with_the_other_problems() -> None:
    lines = fail({"aws:region": "us-east-7", "tap:service": {"port": 80}}).splitlines()[1:]
    assert keys(lines) == ["tap:service.port", "aws:region"]


def test_the_region_is_asked_even_when_a_check_read_a_stand_in() -> None:
    """The version check reads the engine, which is wrong here and stood in for: the version
    is then stood in for too, unreported, so that the rest validates and the region is asked
    about the instance type."""
    lines = fail(
        {
            "tap:database": {"engine": "mysqll", "engineVersion": "8.0.36"},
            "tap:instances": {"instanceType": "t9.huge"},
        }
    ).splitlines()[1:]
    assert keys(lines) == [
        "tap:database.engine",
        "tap:instances.instanceType",
    ]


class NoAnswer(FakeCloud):
    """A region that cannot be asked: every invoke fails, as without credentials (the
    engine answers the failure, and the SDK raises it where the program invoked)."""

    def call(self, args):
        return {}, [("", "no valid credential sources found")]


def test_the_stack_files_problems_still_come_alone_when_the_region_cannot_be_asked() -> None:
    with pytest.raises(ProgramError) as caught:
        run_program("dev", NoAnswer("us-east-1"), config={"tap:service": {"port": 80}})
    lines = str(caught.value).splitlines()
    assert lines[0] == "invalid settings:"
    assert keys(lines[1:-1]) == ["tap:service.port"]
    assert lines[-1] == f"  {REGION_LATER}"


def test_a_stand_in_follows_the_engine_chosen_so_the_region_is_still_asked() -> None:
    """The version stands in as MySQL's default, not the tier's PostgreSQL one, which MySQL
    would refuse in turn: the rest validates, and the Region is asked about the type."""
    lines = fail(
        {
            "tap:database": {"engine": "mysql", "engineVersion": 8.0},
            "tap:instances": {"instanceType": "t9.huge"},
        }
    ).splitlines()[1:]
    assert keys(lines) == [
        "tap:database.engineVersion",
        "tap:instances.instanceType",
    ]


def test_a_key_the_file_gives_itself_is_asked_about_beside_a_misplaced_copy() -> None:
    """`tap:service.instanceType` was meant as `tap:instances.instanceType`, which stands in
    only where the file gives none: here it does, so the Region is asked about it."""
    lines = fail(
        {
            "tap:service": {"instanceType": "t3.small"},
            "tap:instances": {"instanceType": "t9.huge"},
            "app:instances": "x",
        }
    ).splitlines()[1:]
    starts = ["app:instances:", "tap:service.instanceType =", "tap:instances.instanceType ="]
    assert len(lines) == len(starts), lines
    assert all(line.strip().startswith(s) for line, s in zip(lines, starts, strict=True)), lines


def test_a_fault_while_asking_the_region_is_not_taken_for_the_regions_silence(
    monkeypatch,
) -> None:
    """Only an invoke's failure leaves the stack file's problems alone; anything else raised
    while asking is a fault, and surfaces."""
    from tap_platform import stack

    def faulty(*args, **kwargs):
        raise AttributeError("a fault in the checks")

    monkeypatch.setattr(stack, "ask_region", faulty)
    with pytest.raises(AttributeError, match="a fault in the checks"):
        run_program("dev", FakeCloud("us-east-1"), config={"tap:service": {"port": 80}})


def test_under_a_wrong_tier_the_regions_name_is_still_asked_about() -> None:
    lines = fail({"aws:region": "us-east-9", "tap:environment": "development"}).splitlines()[1:]
    assert keys(lines) == ["tap:environment", "aws:region", REGION_LATER]


@pytest.mark.parametrize(
    "https",
    [{}, {"tap:certificateArn": "not-an-arn"}],
    ids=["no domain or certificate", "a certificate that is no ARN"],
)
def test_prod_without_https_is_still_asked_about_the_region(https) -> None:
    """No default fits prod's HTTPS rule when the file gives no domain or a wrong certificate:
    requireHttps itself stands in (false), so the region is asked about the rest."""
    config = {"tap:domain": None, **https, "tap:instances": {"instanceType": "t3.mirco"}}
    with pytest.raises(ProgramError) as caught:
        run_program("prod", FakeCloud("us-west-2"), config=config)
    lines = str(caught.value).splitlines()[1:]
    first = "tap:certificateArn" if https else "tap:requireHttps"
    assert keys(lines) == [first, "tap:instances.instanceType"]


def test_the_last_stand_in_still_leaves_a_round_to_ask_the_region_in() -> None:
    """Two wrong values before it took the rounds the HTTPS rule's last stand-in needs."""
    config = {"aws:region": "us-west-1", "tap:domain": None,
              "tap:service": {"minCount": 5, "maxCount": "x"}}  # fmt: skip
    with pytest.raises(ProgramError) as caught:
        run_program("prod", FakeCloud("us-west-1"), config=config)
    lines = str(caught.value).splitlines()[1:]
    assert keys(lines) == ["tap:service.maxCount", "tap:requireHttps", "tap:network.azCount"]


def test_a_default_that_does_not_fit_a_value_given_stands_in_too() -> None:
    """The memory given does not fit the cpu given, and neither does the memory that would
    stand in for it: the cpu stands in as well, so the region is still asked about the rest."""
    lines = fail(
        {
            "tap:service": {"cpu": 512, "memory": 1536},
            "tap:cache": {"nodeType": "cache.t4g.huge"},
            "tap:instances": {"instanceType": "t3.mirco"},
        }
    ).splitlines()[1:]
    assert keys(lines) == [
        "tap:service.memory",
        "tap:cache.nodeType",
        "tap:instances.instanceType",
    ]


def test_where_moto_records_no_offerings_a_type_is_checked_to_exist_and_the_plan_says_so(dev):
    """moto's offerings stop short of the newest regions: there the offline clouds take every
    type they know as offered, still refuse one that does not exist, and the plan says what
    went unchecked."""
    from tapsim.preview import report

    assert catalog.unrecorded("us-east-1") == []
    assert not any("Not checked offline" in line for line in report(dev))
    there = dataclasses.replace(dev, outputs={**dev.outputs, "region": "ap-southeast-7"})
    assert any("moto records no EC2 instance type offerings in ap-southeast-7" in line
               for line in report(there))  # fmt: skip
    types = ["t3.micro", "t3.mirco"]
    asked = {"filters": [{"name": "location", "values": ["ap-southeast-7a"]},
                         {"name": "instance-type", "values": types}]}  # fmt: skip
    offered = catalog.instance_type_offerings("ap-southeast-7", asked)
    assert offered["instanceTypes"] == ["t3.micro"]
    typo = {"aws:region": "ap-southeast-7", "tap:instances": {"instanceType": "t3.mirco"}}
    with pytest.raises(ProgramError) as caught:
        run_program("dev", FakeCloud("ap-southeast-7"), config=typo)
    assert keys(str(caught.value).splitlines()[1:]) == ["tap:instances.instanceType"]


@pytest.mark.parametrize("region", ["ap-south-2", "mx-central-1"])
def test_a_region_without_the_data_api_is_refused_for_aurora(region) -> None:
    """Aurora makes the app's user through the Data API, which 12 Regions lack: found
    minutes into a deploy otherwise, so the program refuses it first."""
    with pytest.raises(ProgramError) as caught:
        run_program("dev", FakeCloud(region), config={"aws:region": region})
    assert keys(str(caught.value).splitlines()[1:]) == ["tap:database.engine"]


@pytest.mark.parametrize(
    ("region", "database"),
    [("ap-south-2", {"engine": "postgres"}), ("ap-south-2", {"enabled": False}),
     ("eu-north-1", {})],
)  # fmt: skip
def test_plain_rds_no_database_or_a_region_with_the_data_api_is_taken(region, database):
    settings = stack_settings("dev", config={"aws:region": region, "tap:database": database})
    assert regional.data_api(settings) == []


def test_an_aurora_postgresql_version_before_its_data_api_is_refused() -> None:
    lines = fail({"tap:database": {"engineVersion": "14.6", "minCapacity": 0.5}})
    assert lines.splitlines()[1:] == [
        "  tap:database.engineVersion = '14.6': resolves to 14.6, which has no Data API to make "
        "the app's database user (that needs 14.8 or later); pin a later version"
    ]


def test_each_engines_example_version_is_one_the_region_offers() -> None:
    """A message's example is followed as written, so it must not be refused next round."""
    from tap_platform.settings.limits import ENGINE_VERSION_WORDS

    for engine, words in ENGINE_VERSION_WORDS.items():
        for example in re.findall(r"such as (\d[\w.]*\.\d+)", words):
            assert catalog.engine_version({"engine": engine, "version": example}), example


@pytest.mark.parametrize(
    ("engine", "note"), [({}, " (the dev tier's default)"), ({"engine": "aurora-postgresql"}, "")]
)
def test_a_regions_refusal_names_a_value_the_stack_did_not_give_as_its_tiers(engine, note):
    config = {"aws:region": "ap-south-2", "tap:database": engine}
    with pytest.raises(ProgramError) as caught:
        run_program("dev", FakeCloud("ap-south-2"), config=config)
    assert f"tap:database.engine = 'aurora-postgresql'{note}: makes" in str(caught.value)


def test_the_offline_tools_name_the_line_of_a_key_the_region_refuses(monkeypatch) -> None:
    """`make preview` of a stack file whose only problems are the region's."""
    from tapsim import fake_cloud

    def refused(*args, **kwargs):
        raise ProgramError("invalid settings:\n  tap:network.cidr = '10.10.0.0/16': taken", [])

    monkeypatch.setattr(fake_cloud, "run_program", refused)
    with pytest.raises(ProgramError) as caught:
        fake_cloud.synthesize("dev")
    assert "tap:network.cidr = '10.10.0.0/16' (Pulumi.dev.yaml, line 5): taken" in str(caught.value)


def test_provisioned_aurora_is_offered_no_burstable_class_instead() -> None:
    """A T class would be refused next round: the Data API does not run on one."""
    lines = fail({"tap:database": {"serverless": False, "instanceClass": "db.x9.huge"}})
    assert lines.endswith("cannot run on it here; for example db.r6g.large"), lines
