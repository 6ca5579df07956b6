"""Loading one stack's settings: its `tap:*` values over the tier's defaults, validated.

Every problem is reported together, keys outside `tap:` and the region's among them, so a
stack file is fixed in one round.
"""

from __future__ import annotations

import copy
import difflib
import json
import os
from collections.abc import Iterable, Iterator, Mapping
from typing import Any, get_args

import pulumi
from pulumi.runtime.config import CONFIG, get_config_env

from tap_platform import roles
from tap_platform.settings.limits import (
    AURORA_PROVISIONED_CLASS,
    CACHE_DEFAULTS,
    DEFAULT_COMMAND,
    ENGINE_DEFAULTS,
)
from tap_platform.settings.messages import invalid, said
from tap_platform.settings.models import PROVIDER_KEYS, Role, Settings
from tap_platform.settings.tiers import TIER_NAMES, tier_defaults
from tap_platform.settings.validation import STAND_INS, holds, validate

SUFFIX_ENV_VAR = "ENVIRONMENT_SUFFIX"
# The config namespace of every platform setting, in every project that uses the platform.
NAMESPACE = "tap"
ROLES = frozenset(get_args(Role))
TIER_DEFAULTS: dict[str, dict[str, Any]] = {tier: tier_defaults(tier) for tier in TIER_NAMES}
# Each setting inside a section that only one section holds, as `section.setting`.
INNER_KEYS = {
    key: f"{section}.{key}"
    for section, keys in TIER_DEFAULTS["dev"].items()
    if isinstance(keys, dict)
    for key in keys
    if sum(key in (v if isinstance(v, dict) else ()) for v in TIER_DEFAULTS["dev"].values()) == 1
}
KNOWN_KEYS = frozenset(
    {"environment", "environmentSuffix", "certificateArn", "domain", "environmentStack", "route"}
    | TIER_DEFAULTS["dev"].keys()
)


def load_settings(
    values: Mapping[str, Any],
    *,
    project: str,
    stack: str,
    region: str | None,
    env: Mapping[str, str],
    provider: Mapping[str, Any] | None = None,
    others: Iterable[str] = (),
) -> Settings:
    """Validates the `tap:*` values (namespace stripped) of one stack into `Settings`, or
    raises one `SettingsError` with every problem; `others` are the stack's keys outside
    `tap:` and `aws:`, which the platform would not read.

    The environment suffix is `tap:environmentSuffix`, else the stack name (`pr1234` for an
    ephemeral stack, a service on `dev-env` by default). Every physical name carries it, so
    another suffix replaces every resource: `ENVIRONMENT_SUFFIX`, when set, must agree."""
    problems = foreign(others, project) + _unknown(values)
    wrong: list[tuple[str, ...]] = _meant(values, others)
    values = {k: v for k, v in values.items() if k in KNOWN_KEYS}
    if region is None:
        problems.append(f"aws:region is not set; add it under config: in Pulumi.{stack}.yaml")
        wrong.append(("region",))
    provider, found = _provider(provider or {})
    tier = values.get("environment")
    if not isinstance(tier, str) or tier not in TIER_DEFAULTS:
        found.append(_tier(tier))
        tier = "dev"
        wrong.append(("environment",))
    suffix = values.get("environmentSuffix") or stack
    found += _suffix(suffix, stack, env)
    attach = roles.implied_role(values, str(suffix))
    values = {**values, **attach}
    merged = _deep_merge(copy.deepcopy(TIER_DEFAULTS[tier]), dict(values))
    implied(merged, values)
    merged.update(
        project=project,
        stack=stack,
        region=region or STAND_INS["region"],
        environment=tier,
        environmentSuffix=suffix,
        provider=provider,
    )
    if isinstance(merged["role"], str) and merged["role"] in ROLES:
        found += roles.misplaced(merged["role"], values, implied=bool(attach))
        found += roles.missing(merged["role"], merged.get("environmentStack"))
    checked = validate(merged, _stand_in_defaults(tier, values), wrong, given=values)
    for each in (checked.settings, checked.partial):
        if each is not None:
            each.gave(_dotted(values))
    problems += found + checked.problems + _ignored_by_engine(merged, values)
    if problems or checked.settings is None:
        raise invalid(problems, checked.settings or checked.partial, checked.stand_ins)
    return checked.settings


def _dotted(values: Mapping[str, Any], prefix: str = "") -> Iterator[str]:
    """Every key of `values`, nested ones as `service.cpu`."""
    for key, value in values.items():
        yield f"{prefix}{key}"
        if isinstance(value, Mapping):
            yield from _dotted(value, f"{prefix}{key}.")


def _stand_in_defaults(tier: str, values: Mapping[str, Any]) -> dict[str, Any]:
    """The tier's defaults as they follow the choices given (an engine's version and port,
    the command's port): what stands in for a wrong value, so that it fits the rest."""
    choices = {"database": ("engine", "serverless"), "cache": ("engine",), "service": ("port",)}
    given = {
        section: chosen
        for section, keys in choices.items()
        if isinstance(values.get(section), Mapping)
        and (chosen := {k: values[section][k] for k in keys if k in values[section]})
    }
    defaults = TIER_DEFAULTS[tier]
    if not given:
        return defaults
    # `implied` sets keys of these sections only: copies of them keep the tier's table as it is.
    followed = {**defaults, **{section: dict(defaults[section]) for section in given}}
    implied(followed, given)
    return followed


def foreign(keys: Iterable[str], project: str) -> list[str]:
    """A line for each key the platform would not read: settings live under `tap:`, the
    provider's under `aws:`, and the engine's own under `pulumi:`."""
    lines = []
    for key in sorted(keys):
        namespace, _, name = key.partition(":") if ":" in key else ("", "", key)
        if namespace in (NAMESPACE, "aws", "pulumi"):
            continue
        hint = _write_instead(name)
        if not namespace:
            lines.append(f"{key}: has no namespace; the platform's settings live under tap:{hint}")
        elif namespace == project:
            lines.append(
                f"{key}: the platform reads its settings under tap:, not the project's "
                f"namespace{hint}"
            )
        else:
            lines.append(
                f"{key}: {namespace}: is not a namespace the platform reads; its settings live "
                f"under tap:{hint}, the provider's under aws:"
            )
    return lines


def _write_instead(name: str) -> str:
    near = _nearest_key(name)
    return f" (write tap:{near})" if near else ""


def _nearest_key(name: str) -> str | None:
    """The setting a key outside `tap:` was probably meant as: a section (`compute`), or a
    setting inside one (`cpu` is `service.cpu`), as spelt or nearly."""
    top = name.split(".", maxsplit=1)[0]
    if top in KNOWN_KEYS:
        return top
    near = difflib.get_close_matches(top, [*KNOWN_KEYS, *INNER_KEYS], n=1)
    return INNER_KEYS.get(near[0], near[0]) if near else None


def _meant(values: Mapping[str, Any], others: Iterable[str]) -> list[tuple[str, ...]]:
    """The settings that keys the platform does not read were probably meant as (`tap:instance`,
    `app:environment`): wrong too, since they hold only their defaults."""
    names = [k for k in values if k not in KNOWN_KEYS]
    for key in others:
        namespace, _, name = key.partition(":") if ":" in key else ("", "", key)
        if namespace not in (NAMESPACE, "aws", "pulumi"):
            names.append(name)
    meant = {tuple(near.split(".")) for name in names if (near := _nearest_key(name))}
    return [loc for loc in sorted(meant) if not holds(values, loc)]


def _unknown(values: Mapping[str, Any]) -> list[str]:
    lines = []
    for key in sorted(set(values) - KNOWN_KEYS):
        near = difflib.get_close_matches(key, KNOWN_KEYS, n=1)
        hint = f"did you mean tap:{near[0]}?" if near else f"known: {', '.join(sorted(KNOWN_KEYS))}"
        section, dotted, inner = key.partition(".")
        if dotted and section in KNOWN_KEYS:
            hint = (
                f"a stack file nests settings: write {inner} under tap:{section} "
                f"(`pulumi config set --path tap:{key} VALUE` writes it so)"
            )
        lines.append(f"tap:{key} = {said(values[key])}: is not a setting; {hint}")
    return lines


def _tier(tier: Any) -> str:
    if tier is None:
        return f"tap:environment is not set; give the tier, one of {', '.join(TIER_NAMES)}"
    return f"tap:environment = {tier!r}: must be one of {', '.join(TIER_NAMES)}"


def _provider(provider: Mapping[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """The `aws:*` keys the explicit provider takes (the region is read on its own), and a
    line for each key it would ignore."""
    taken = ", ".join(f"aws:{k}" for k in sorted(PROVIDER_KEYS))
    lines = []
    for key in sorted(set(provider) - PROVIDER_KEYS):
        near = difflib.get_close_matches(key, PROVIDER_KEYS, n=1)
        hint = f"did you mean aws:{near[0]}? " if near else ""
        lines.append(
            f"aws:{key} = {said(provider[key])}: {hint}the stack's explicit provider takes only "
            f"{taken}"
        )
    return {k: v for k, v in provider.items() if k in PROVIDER_KEYS - {"region"}}, lines


def _ignored_by_engine(merged: Mapping[str, Any], values: Mapping[str, Any]) -> list[str]:
    """Settings the user gave that the chosen engine would silently ignore."""
    chosen, database = values.get("database"), merged.get("database")
    if not isinstance(chosen, Mapping) or not isinstance(database, Mapping):
        return []
    engine = str(database.get("engine"))
    if engine not in ENGINE_DEFAULTS:
        return []
    if "readerCount" in chosen and not engine.startswith("aurora-"):
        return [
            f"tap:database.readerCount = {said(chosen['readerCount'])}: applies to Aurora only; "
            f"{engine} has no readers (multiAz adds a standby)"
        ]
    if "multiAz" in chosen and engine.startswith("aurora-"):
        return [
            f"tap:database.multiAz = {said(chosen['multiAz'])}: applies to plain RDS only; Aurora "
            "spreads readers over the AZs (readerCount)"
        ]
    return []


def _suffix(suffix: Any, stack: str, env: Mapping[str, str]) -> list[str]:
    stray = env.get(SUFFIX_ENV_VAR)
    if stray and stray != suffix:
        return [
            f"{SUFFIX_ENV_VAR}={stray!r} would rename, and so replace, every resource of stack "
            f"{stack!r}, whose suffix is {suffix!r}: unset it, or for a new copy create a stack "
            f"named {stray!r} (or set tap:environmentSuffix in its stack file)"
        ]
    return []


def settings_from_pulumi() -> Settings:
    """Reads the running stack's config (namespace `tap`, whatever the project is called, as
    `aws:` belongs to the provider) and the process environment."""
    project = pulumi.get_project()
    prefix = f"{NAMESPACE}:"
    raw = {**get_config_env(), **CONFIG.get()}
    values = {k[len(prefix) :]: _parse(v) for k, v in raw.items() if k.startswith(prefix)}
    provider = {k[len("aws:") :]: _parse(v) for k, v in raw.items() if k.startswith("aws:")}
    return load_settings(
        values,
        project=project,
        stack=pulumi.get_stack(),
        region=pulumi.Config("aws").get("region"),
        env=os.environ,
        provider=provider,
        others=[k for k in raw if not k.startswith((prefix, "aws:"))],
    )


def _parse(value: Any) -> Any:
    """Pulumi hands structured config to programs as JSON text."""
    if isinstance(value, str) and value[:1] in "{[":
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            return value
    return value


def implied(merged: dict[str, Any], values: Mapping[str, Any]) -> None:
    """Defaults that follow another choice: a database engine's version, port and mode, a
    cache engine's version, and the default command's port."""
    cache = values.get("cache")
    if isinstance(cache, Mapping) and "engine" in cache and "engineVersion" not in cache:
        merged["cache"]["engineVersion"] = CACHE_DEFAULTS.get(str(cache.get("engine")), "")
    service = values.get("service")
    if isinstance(service, Mapping) and "command" not in service and "port" in service:
        merged["service"]["command"] = [*DEFAULT_COMMAND, str(service["port"])]
    chosen = values.get("database")
    if not isinstance(chosen, Mapping):
        return
    engine = str(chosen.get("engine", merged["database"].get("engine")))
    follows: dict[str, Any] = {}
    if "engine" in chosen and engine in ENGINE_DEFAULTS:
        version, port = ENGINE_DEFAULTS[engine]
        aurora = engine.startswith("aurora-")
        follows = {"engineVersion": version, "port": port, "serverless": aurora}
    if engine.startswith("aurora-") and chosen.get("serverless") is False:
        follows["instanceClass"] = AURORA_PROVISIONED_CLASS
    for key, value in follows.items():
        if key not in chosen:
            merged["database"][key] = value


def _deep_merge(base: dict[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    for key, value in override.items():
        if isinstance(value, Mapping) and isinstance(base.get(key), dict):
            base[key] = _deep_merge(base[key], value)
        else:
            base[key] = value
    return base
