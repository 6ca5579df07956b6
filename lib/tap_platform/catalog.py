"""What the region offers, asked of the region before any AWS resource is declared.

Shape checks (in `lib.config`) cannot know whether an instance type exists in the chosen AZs,
whether an engine version is still offered, or whether a DB class can run an engine: AWS
answers those minutes into a deploy. The provider's invokes answer them first, and every
problem is reported at once, with what the region offers instead, nearest first. What no
invoke can answer comes from a dated table below, with its source.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pulumi
import pulumi_aws as aws

from tap_platform.settings import NO_STAND_INS, DatabaseSettings, Settings, StandIns, invalid

# Aurora User Guide, "Scaling to zero ACUs with automatic pause and resume for Aurora
# Serverless v2" (read 2026-11-23): the first version of each major that takes a minimum of
# 0 ACU; later majors all do.
ZERO_ACU_FROM = {
    "aurora-postgresql": {"13": "13.15", "14": "14.12", "15": "15.7", "16": "16.3"},
    "aurora-mysql": {"8.0": "8.0.mysql_aurora.3.08.0"},
}
# RDS and Aurora User Guides, "DB engine, Region, and instance class support for Database
# Insights" (read 2026-11-23): classes on which Performance Insights is not offered.
NO_PERFORMANCE_INSIGHTS = {
    "mysql": {"db.t2.micro", "db.t2.small", "db.t3.micro", "db.t3.small", "db.t4g.micro",
              "db.t4g.small"},
    "aurora-mysql": {"db.t4g.micro", "db.t4g.small"},
}  # fmt: skip
NO_PERFORMANCE_INSIGHTS_FAMILIES = {"aurora-mysql": ("db.t2.", "db.t3.")}
# Where the RDS Data API, which makes the app's database user on Aurora, is not offered, and
# the first version of each Aurora PostgreSQL major with it: a dated table with its source.
DATA_API = json.loads((Path(__file__).parent / "data" / "data_api.json").read_text())
NO_DATA_API = frozenset(DATA_API["notAvailable"])
DATA_API_FROM: dict[str, str] = DATA_API["auroraPostgresqlFrom"]


@dataclass(frozen=True)
class Offers:
    """The region's answers the stack builds on."""

    # The CPU architecture of `tap:instances.instanceType` (x86_64 or arm64) on `asg`.
    architecture: str
    # The public hosted zone of `tap:domain.zone`, when a domain is given.
    zone_id: str | None = None


def nearest(value: str, offered: Iterable[str], n: int = 3) -> str:
    found = difflib.get_close_matches(value, sorted(set(offered)), n=n, cutoff=0)
    return ", ".join(found) or "nothing"


def check(
    settings: Settings,
    zones: tuple[str, ...],
    invoke: pulumi.InvokeOptions,
    stand_ins: StandIns = NO_STAND_INS,
) -> Offers:
    """Raises one `SettingsError` listing every setting the region would refuse. With the
    stand-ins of settings already found wrong, a check that would read one is left out: its
    answer would be about the tier's default, not the stack file."""
    problems: list[str] = []
    architecture, version = "", None
    if not stand_ins.read("instances.instanceType", "network.azCount"):
        architecture = _instance_type(settings, zones, invoke, problems, stand_ins)
    if not stand_ins.read("database.engine", "database.engineVersion"):
        version = _engine_version(settings.database, invoke, problems, stand_ins)
    if version:
        _database_class(settings.database, version, invoke, problems, stand_ins)
    zone_id = _zone(settings, invoke, problems)
    problems += data_api(settings, stand_ins)
    if problems:
        raise invalid(settings.named(problems))
    return Offers(architecture=architecture, zone_id=zone_id)


def _zone(settings: Settings, invoke: pulumi.InvokeOptions, problems: list[str]) -> str | None:
    if settings.domain is None:
        return None
    zone = settings.domain.zone
    try:
        return aws.route53.get_zone(name=zone, private_zone=False, opts=invoke).zone_id
    except Exception:  # "no matching Route 53 Hosted Zone found"
        problems.append(
            f"tap:domain.zone = {zone!r}: the account has no public hosted zone of that name; "
            "create it (or delegate it) first, or use tap:certificateArn"
        )
        return None


def data_api(settings: Settings, stand_ins: StandIns = NO_STAND_INS) -> list[str]:
    """Aurora makes the app's user through the Data API, which some Regions lack (the table
    above): found minutes into a deploy otherwise."""
    db, region = settings.database, settings.region
    aurora = settings.role != "environment" and db.enabled and db.aurora
    if not aurora or region not in NO_DATA_API or stand_ins.read("role", "database"):
        return []
    return [
        f"tap:database.engine = {db.engine!r}: makes the app's database user through the RDS "
        f'Data API, which {region} does not offer (Aurora User Guide, "Supported Regions and '
        'Aurora DB engines for RDS Data API"); choose postgres or mysql, whose user is made '
        "inside the VPC"
    ]


def check_region(region: str, invoke: pulumi.InvokeOptions) -> None:
    """A region name that looks real but is not one; nothing else can be asked of it."""
    names = aws.get_regions(all_regions=True, opts=invoke).names
    if region not in names:
        raise invalid(
            [f"aws:region = {region!r}: AWS has no such region; nearest: {nearest(region, names)}"]
        )


def _instance_type(
    settings: Settings,
    zones: tuple[str, ...],
    invoke: pulumi.InvokeOptions,
    problems: list[str],
    stand_ins: StandIns,
) -> str:
    """Checked on either runtime, so that a switch to `asg` finds nothing new; on `asg` the
    app runs on the type, so its architecture must be the app's (EC2 API Reference,
    DescribeInstanceTypes: ProcessorInfo.SupportedArchitectures)."""
    wanted = settings.instances.instance_type
    key = f"tap:instances.instanceType = {wanted!r}"
    where = _offered_in(zones, [wanted], invoke)
    if set(where.get(wanted, ())) != set(zones):
        missing = sorted(set(zones) - set(where.get(wanted, ())))
        offered = _offered_in(zones, None, invoke)
        everywhere = {name for name, found in offered.items() if set(found) == set(zones)}
        problems.append(
            f"{key}: not offered in {', '.join(missing)}; offered in all of "
            f"{', '.join(zones)}: {nearest(wanted, everywhere)}"
        )
        return ""
    reported = aws.ec2.get_instance_type(instance_type=wanted, opts=invoke).supported_architectures
    chosen = settings.service.architecture
    read = stand_ins.read("compute", "service.architecture")
    if settings.compute == "asg" and chosen.lower() not in reported and not read:
        fits = "ARM64" if "arm64" in reported else "X86_64"
        problems.append(
            f"tap:service.architecture = {chosen!r}: compute asg runs the app on "
            f"tap:instances.instanceType {wanted}, which EC2 reports as {', '.join(reported)} "
            f"(DescribeInstanceTypes); set tap:service.architecture: {fits}, or choose an "
            f"{chosen.lower()} instance type"
        )
    return reported[0]


def _offered_in(
    zones: tuple[str, ...], types: list[str] | None, invoke: pulumi.InvokeOptions
) -> dict[str, list[str]]:
    """Instance type -> the zones among `zones` that offer it; `types` narrows the question,
    which keeps the answer small."""
    filters = [aws.ec2.GetInstanceTypeOfferingsFilterArgs(name="location", values=list(zones))]
    if types:
        filters.append(
            aws.ec2.GetInstanceTypeOfferingsFilterArgs(name="instance-type", values=types)
        )
    found = aws.ec2.get_instance_type_offerings(
        location_type="availability-zone", filters=filters, opts=invoke
    )
    by_type: dict[str, list[str]] = {}
    for name, zone in zip(found.instance_types, found.locations, strict=True):
        by_type.setdefault(name, []).append(zone)
    return by_type


def _engine_version(
    db: DatabaseSettings, invoke: pulumi.InvokeOptions, problems: list[str], stand_ins: StandIns
) -> str | None:
    key = f"tap:database.engineVersion = {db.engine_version!r}"
    exact = db.engine_version.count(".") >= (2 if db.engine.endswith("mysql") else 1)
    try:
        found = aws.rds.get_engine_version(
            engine=db.engine, version=db.engine_version, default_only=not exact, opts=invoke
        )
    except Exception:  # the provider reports "no match" as an invoke error
        newest = _newest(db, invoke)
        problems.append(
            f"{key}: {db.engine} offers no such version here"
            + (f"; the newest of that major is {newest}" if newest else "")
        )
        return None
    version = found.version_actual or found.version
    first = DATA_API_FROM.get(version.split(".")[0]) if db.engine == "aurora-postgresql" else None
    if db.enabled and first and _older(version, first):
        problems.append(
            f"{key}: resolves to {version}, which has no Data API to make the app's database "
            f"user (that needs {first} or later); pin a later version"
        )
    pausing = not stand_ins.read("database.serverless", "database.minCapacity")
    if db.serverless and db.min_capacity == 0 and pausing:
        major = db.family.removeprefix(db.engine)
        first = ZERO_ACU_FROM.get(db.engine, {}).get(major)
        if first and _older(version, first):
            problems.append(
                f"{key}: resolves to {version}, which cannot pause at minCapacity 0 "
                f"(that needs {first} or later); pin a later version or set minCapacity 0.5"
            )
    return version


def _newest(db: DatabaseSettings, invoke: pulumi.InvokeOptions) -> str | None:
    major = db.family.removeprefix(db.engine)
    try:
        found = aws.rds.get_engine_version(
            engine=db.engine, version=major, latest=True, opts=invoke
        )
    except Exception:  # none of that major either
        return None
    return found.version_actual or found.version


def _older(version: str, first: str) -> bool:
    def key(v: str) -> tuple[int, ...]:
        return tuple(int(p) for p in v.replace("mysql_aurora.", "").split("."))

    return key(version) < key(first)


def _database_class(
    db: DatabaseSettings,
    version: str,
    invoke: pulumi.InvokeOptions,
    problems: list[str],
    stand_ins: StandIns,
) -> None:
    cls = db.instance_class
    key = f"tap:database.instanceClass = {cls!r}"
    insights = db.performance_insights and not stand_ins.read("database.performanceInsights")
    if insights and (
        cls in NO_PERFORMANCE_INSIGHTS.get(db.engine, ())
        or cls.startswith(NO_PERFORMANCE_INSIGHTS_FAMILIES.get(db.engine, ("-",)))
    ):
        problems.append(f"{key}: {db.engine} offers no Performance Insights on it")
    if db.serverless or stand_ins.read("database.serverless"):
        return
    try:
        aws.rds.get_orderable_db_instance(
            engine=db.engine, engine_version=version, instance_class=cls, opts=invoke
        )
    except Exception:  # "no RDS Orderable DB Instance found"
        problems.append(
            f"{key}: {db.engine} {version} cannot run on it here{_instead(db, version, invoke)}"
        )


def _instead(db: DatabaseSettings, version: str, invoke: pulumi.InvokeOptions) -> str:
    """A class the region offers for the version, among those near the one asked for; the
    lookup fails in turn when the region offers none of them."""
    try:
        offered = aws.rds.get_orderable_db_instance(
            engine=db.engine,
            engine_version=version,
            preferred_instance_classes=_similar(
                db.instance_class, burstable=not db.provisioned_aurora
            ),
            opts=invoke,
        ).instance_class
    except Exception:  # none of the similar classes either
        return "; list the offered classes with `aws rds describe-orderable-db-instance-options`"
    return f"; for example {offered}"


def _similar(cls: str, *, burstable: bool) -> list[str]:
    """Classes to suggest instead, from the same family upwards; no T class where the Data
    API that makes the app's user must run on it (provisioned Aurora), which would be
    refused next round."""
    family = cls.rsplit(".", 1)[0]
    sizes = ("medium", "large", "xlarge", "2xlarge")
    similar = (
        [f"{family}.{size}" for size in sizes]
        + [f"db.t4g.{s}" for s in sizes[:2]]
        + [f"db.r6g.{s}" for s in sizes[1:]]
    )
    return similar if burstable else [c for c in similar if not c.startswith("db.t")]
