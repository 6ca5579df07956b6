"""The offline fake cloud (unit tests, `make preview`) and the emulator agree on what a region
offers, so no setting is accepted by one and refused by the other."""

from __future__ import annotations

import boto3
import pytest

from tapsim.fake_cloud import FakeCloud
from tapsim.runner import stack_config
from tests.conftest import STACKS, synth
from tests.integration.conftest import TARGET

pytestmark = pytest.mark.skipif(TARGET != "emulator", reason="compares the two offline clouds")
# The stack files' regions (from moto's table) and one whose zones moto derives by rule.
REGIONS = sorted({stack_config(s)["aws:region"] for s in STACKS} | {"ap-southeast-5"})


@pytest.mark.parametrize("region", REGIONS)
def test_fake_cloud_offers_the_zones_the_emulator_offers(region, emulator) -> None:
    zones = boto3.client("ec2", region_name=region).describe_availability_zones()
    emulated = [(z["ZoneName"], z["ZoneId"]) for z in zones["AvailabilityZones"]]
    assert list(FakeCloud(region).zones) == emulated
    assert len(emulated) >= 3


def test_where_moto_records_no_offerings_both_offline_clouds_answer_alike(emulator) -> None:
    """moto holds no instance offerings for the newest Regions: the emulator answers from the
    offline catalog there, so a type that exists is offered in each zone asked about."""
    from tapsim import catalog
    from tapsim.emulator.cloud import MotoCloud
    from tapsim.emulator.registry import INVOKES

    region, token = "ap-southeast-7", "aws:ec2/getInstanceTypeOfferings:getInstanceTypeOfferings"
    args = {"filters": [{"name": "location", "values": [f"{region}a", f"{region}b"]},
                        {"name": "instance-type", "values": ["t3.micro", "t3.mirco"]}]}  # fmt: skip
    answer = INVOKES[token](MotoCloud(emulator.url).context(region, "offerings"), args)
    assert catalog.unrecorded(region)
    assert answer == catalog.instance_type_offerings(region, args)
    assert answer["instanceTypes"] == ["t3.micro", "t3.micro"]


def test_a_service_moto_does_not_serve_in_the_region_is_said_as_that(emulator) -> None:
    """moto answers CodePipeline in ap-southeast-7, where botocore lists no endpoint for it,
    with an internal error: the emulator says which service and Region, not a traceback."""
    from tapsim.emulator.cloud import MotoCloud, _made
    from tapsim.emulator.core import EmulatorError
    from tapsim.monitor import unwrap_secrets

    typ = "aws:codepipeline/pipeline:Pipeline"
    pipeline = unwrap_secrets(dict(synth("dev").one(typ).inputs))
    context = MotoCloud(emulator.url).context("ap-southeast-7", "pipeline")
    with pytest.raises(EmulatorError, match=r"it serves codepipeline only where botocore lists"):
        _made(typ, context, pipeline)
