"""What AWS offers, for the offline clouds to answer the program's catalog invokes as a
region would (see `tap_platform.catalog`).

EC2 instance types and their per-AZ offerings are moto's copies of what DescribeInstanceTypes
and DescribeInstanceTypeOfferings return. Regions are botocore's endpoint table, as moto's
DescribeRegions reports them. RDS engine versions and orderable classes, which moto does not
carry, come from `tapsim/data/rds.json`, a dated table whose sources it names.
"""

from __future__ import annotations

import ast
import gzip
import importlib.util
import json
import re
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

import boto3

from tapsim.process import parse_without_gc

RDS_TABLE = Path(__file__).parent / "data" / "rds.json"


def moto_source(*parts: str) -> Path:
    """A file of the installed moto, to read its data without importing it."""
    spec = importlib.util.find_spec("moto")
    if spec is None or spec.origin is None:
        raise ModuleNotFoundError("moto is not installed: run `make install`")
    return Path(spec.origin).parent.joinpath(*parts)


class NotOfferedError(LookupError):
    """What the provider's data sources report as an error: nothing matches."""


@cache
def _gzipped(*parts: str) -> Any:
    with gzip.open(moto_source("ec2", "resources", *parts)) as handle:
        return json.load(handle)


@cache
def regions() -> tuple[str, ...]:
    session = boto3.session.Session()
    return tuple(
        sorted(
            name
            for partition in session.get_available_partitions()
            for name in session.get_available_regions("ec2", partition_name=partition)
        )
    )


def instance_type_offerings(region: str, args: Mapping[str, Any]) -> dict[str, Any]:
    """`location_type` availability-zone, filtered by `location` and `instance-type`. In a
    region moto records no offerings for (`unrecorded`), every type it knows is taken as
    offered in each zone asked about: the zones are unknown offline, the type's existence
    is not."""
    wanted = {f["name"]: set(f["values"]) for f in args.get("filters") or []}
    by_type = _offerings(region)
    if by_type is None:
        zones = tuple(sorted(wanted.get("location", ())))
        by_type = dict.fromkeys(_gzipped("instance_types.json.gz"), zones)
    types = wanted.get("instance-type")
    rows = [
        (name, zone)
        for name in (sorted(types & by_type.keys()) if types is not None else by_type)
        for zone in by_type[name]
        if zone in wanted.get("location", {zone})
    ]
    return {
        "id": region,
        "instanceTypes": [name for name, _ in rows],
        "locations": [zone for _, zone in rows],
        "locationTypes": ["availability-zone"] * len(rows),
    }


def unrecorded(region: str) -> list[str]:
    """What the offline catalog cannot answer in `region`, said beside an offline plan there:
    moto records instance type offerings for most regions, not the newest."""
    if _offerings(region) is not None:
        return []
    return [
        f"moto records no EC2 instance type offerings in {region}: offline, "
        "tap:instances.instanceType is checked to exist, not to be offered in each AZ; "
        "`pulumi preview` asks the region"
    ]


@cache
def _offerings(region: str) -> dict[str, tuple[str, ...]] | None:
    """Instance type -> the AZs that offer it, in moto's order: every synthesis asks about
    one type, which a scan of the region's several thousand rows answered in milliseconds.
    None where moto records no offerings for the region."""
    try:
        offered = _gzipped("instance_type_offerings", "availability-zone", f"{region}.json.gz")
    except FileNotFoundError:
        return None
    by_type: dict[str, list[str]] = {}
    for o in offered:
        by_type.setdefault(o["InstanceType"], []).append(o["Location"])
    return {name: tuple(zones) for name, zones in by_type.items()}


def instance_type(name: str) -> dict[str, Any]:
    found = _gzipped("instance_types.json.gz").get(name)
    if found is None:
        raise NotOfferedError(f"no EC2 Instance Type found matching {name}")
    return {
        "id": name,
        "instanceType": name,
        "supportedArchitectures": found["ProcessorInfo"]["SupportedArchitectures"],
    }


@cache
def rds_table() -> dict[str, Any]:
    return json.loads(RDS_TABLE.read_text())["engines"]


def _key(version: str) -> tuple[int, ...]:
    """A version's numbers in order, for comparing: `8.0.mysql_aurora.3.08.0` is (8, 0, 3, 8,
    0), and a dated RDS release of a minor version, `8.0.46-rds.20260624`, sorts after 8.0.46
    (RDS User Guide, "RDS version numbers in RDS for MySQL": Extended Support versions are
    named `<minor>-RDS.<YYYYMMDD>`)."""
    return tuple(int(part) for part in re.findall(r"\d+", version))


def engine_version(args: Mapping[str, Any]) -> dict[str, Any]:
    """`version` exact or a prefix (up to a dot); with `default_only` the default of that
    major, with `latest` the newest match (the data source's documented behaviour)."""
    engine = rds_table()[args["engine"]]
    wanted = str(args.get("version", ""))
    matches = [v for v in engine["versions"] if v == wanted or v.startswith(f"{wanted}.")]
    if args.get("defaultOnly") and matches:
        default = engine["defaults"].get(wanted) or max(matches, key=_key)
        matches = [default] if default in matches else []
    if not matches:
        raise NotOfferedError("no RDS engine versions match the criteria")
    if len(matches) > 1 and not args.get("latest"):
        matches = [v for v in matches if v == wanted] or matches
        if len(matches) > 1:
            raise NotOfferedError("multiple RDS engine versions match the criteria")
    found = max(matches, key=_key)
    return {"engine": args["engine"], "version": found, "versionActual": found, "id": found}


def orderable_db_instance(args: Mapping[str, Any]) -> dict[str, Any]:
    engine = rds_table()[args["engine"]]
    if args.get("engineVersion") not in engine["versions"]:
        raise NotOfferedError("no RDS Orderable DB Instance found matching criteria")
    wanted = [args["instanceClass"]] if args.get("instanceClass") else []
    for cls in wanted or list(args.get("preferredInstanceClasses") or []) + engine["classes"]:
        if cls in engine["classes"]:
            return {
                "engine": args["engine"],
                "engineVersion": args["engineVersion"],
                "instanceClass": cls,
                "id": cls,
            }
    raise NotOfferedError("no RDS Orderable DB Instance found matching criteria")


# The program's catalog invokes, answered for `region` from the tables above.
ANSWERS = {
    "aws:index/getRegions:getRegions": lambda _region, _args: {
        "id": "aws",
        "names": list(regions()),
    },
    "aws:ec2/getInstanceTypeOfferings:getInstanceTypeOfferings": instance_type_offerings,
    "aws:ec2/getInstanceType:getInstanceType": lambda _region, args: instance_type(
        args["instanceType"]
    ),
    "aws:rds/getEngineVersion:getEngineVersion": lambda _region, args: engine_version(args),
    "aws:rds/getOrderableDbInstance:getOrderableDbInstance": lambda _region, args: (
        orderable_db_instance(args)
    ),
}


@cache
def region_zones(region: str) -> tuple[tuple[str, str], ...]:
    """(name, zone id) of each AZ in `region`, as moto's EC2 reports them, so the fake cloud
    and the emulator offer the same AZs; a region moto does not know has none.

    moto's explicit zone table is read from its source, and the regions it fills in by rule
    (three zones for every other region botocore knows) follow that rule; importing moto
    instead costs every test process most of a second. A test compares both with what the
    emulator answers."""
    table = _moto_zone_table()
    if region in table:
        return table[region]
    if region not in regions():
        return ()
    area = "usg" if region.startswith("us-gov") else region.split("-", maxsplit=1)[0]
    cardinals = ("north", "south", "central", "east", "west")
    shorthand = (
        area + "".join(c[0] for c in cardinals if c in region) + region.rsplit("-", maxsplit=1)[-1]
    )
    return tuple((f"{region}{letter}", f"{shorthand}-az{n}") for n, letter in enumerate("abc", 1))


@cache
def _call(node: ast.expr) -> ast.Call:
    """A zone of moto's table, written as a constructor call with keyword arguments."""
    assert isinstance(node, ast.Call)
    return node


@cache
def _moto_zone_table() -> dict[str, tuple[tuple[str, str], ...]]:
    source = moto_source("ec2", "models", "availability_zones_and_regions.py")
    backend = next(
        node
        for node in ast.walk(parse_without_gc(source.read_text()))
        if isinstance(node, ast.ClassDef) and node.name == "RegionsAndZonesBackend"
    )
    (table,) = (
        node.value
        for node in backend.body
        if isinstance(node, ast.Assign) and ast.unparse(node.targets[0]) == "zones"
    )
    assert isinstance(table, ast.Dict)
    return {
        ast.literal_eval(key): tuple(
            (fields["name"], fields["zone_id"])
            for zone in zones.elts
            for fields in [{k.arg: ast.literal_eval(k.value) for k in _call(zone).keywords}]
        )
        for key, zones in zip(table.keys, table.values, strict=True)
        if key is not None and isinstance(zones, ast.List)
    }
