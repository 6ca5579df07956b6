"""The offline fake cloud (unit tests, `make preview`) and the emulator agree on what a region
offers, so no setting is accepted by one and refused by the other."""

from __future__ import annotations

import boto3
import pytest

from tapsim.fake_cloud import FakeCloud
from tapsim.runner import stack_config
from tests.conftest import STACKS
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
