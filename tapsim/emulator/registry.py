"""What the emulator can carry out, gathered from one module per AWS service.

Adding a resource type means adding it to its service module's `HANDLERS` (and, where it
applies, `UNTAGGED`, `UNDELETABLE` or `RECORDED_ONLY`); nothing here changes.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

from tapsim import replacement
from tapsim.emulator import (
    acm,
    appautoscaling,
    autoscaling,
    cloudwatch,
    codebuild,
    codedeploy,
    codepipeline,
    dynamic,
    ec2,
    ecr,
    ecs,
    elasticache,
    elbv2,
    iam,
    kms,
    logs,
    random,
    rds,
    route53,
    s3,
    secretsmanager,
    sns,
    ssm,
    sts,
    wafv2,
)
from tapsim.emulator.core import Deleter, Handler, Invoke, Refresher, Updater

SERVICES: tuple[ModuleType, ...] = (
    random,
    ec2,
    elbv2,
    acm,
    route53,
    ecs,
    appautoscaling,
    autoscaling,
    rds,
    elasticache,
    s3,
    iam,
    kms,
    secretsmanager,
    logs,
    cloudwatch,
    sns,
    ssm,
    codepipeline,
    codebuild,
    codedeploy,
    ecr,
    sts,
    wafv2,
    dynamic,
)


def _merged(table: str) -> dict[str, Any]:
    """One service module's table merged with the others'; a type claimed twice is a bug."""
    merged: dict[str, Any] = {}
    for module in SERVICES:
        entries = getattr(module, table, {})
        clash = merged.keys() & entries.keys()
        if clash:
            raise RuntimeError(f"{module.__name__}.{table} repeats {sorted(clash)}")
        merged.update(entries)
    return merged


# Resource type -> (create, delete).
HANDLERS: dict[str, tuple[Handler, Deleter]] = _merged("HANDLERS")
# Types the stacks use that moto cannot carry out: recorded and reported, never skipped.
RECORDED_ONLY: dict[str, str] = _merged("RECORDED_ONLY")
# Types the emulator creates but cannot remove, because moto lacks the delete call.
UNDELETABLE: dict[str, str] = _merged("UNDELETABLE")
# Taggable types, which receive the provider's default tags even when they set none.
TAGGABLE: frozenset[str] = frozenset(HANDLERS) - set().union(
    *(getattr(m, "UNTAGGED", set()) for m in SERVICES)
)
# Resource type -> its in-place update, where the emulator carries one out.
UPDATERS: dict[str, Updater] = _merged("UPDATERS")
# Resource type -> what `pulumi refresh` reads back, where it differs from what was sent.
REFRESH: dict[str, Refresher] = _merged("REFRESH")
# Resource type -> the inputs whose change forces a new resource: the provider's schema
# (`tapsim.replacement`), and the random provider's every input.
FORCE_NEW: dict[str, frozenset[str]] = {**replacement.FORCE_NEW, **_merged("FORCE_NEW")}
# Resource type -> the inputs AWS defers to the maintenance window when a change does not
# apply immediately.
PENDING: dict[str, frozenset[str]] = _merged("PENDING")
# Invoke token -> answer.
INVOKES: dict[str, Invoke] = _merged("INVOKES")
# Values a provider computes locally (pulumi_random), with no AWS call.
LOCAL = random.LOCAL
