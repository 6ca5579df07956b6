"""Loading one stack's settings: its `tap:*` values over the tier's defaults, validated.

Every problem found in one pass is reported together, so a stack file is fixed in one round.
"""

from __future__ import annotations

import copy
import json
import os
from collections.abc import Mapping
from typing import Any

import pulumi
from pulumi.runtime.config import CONFIG, get_config_env
from pydantic import ValidationError

from tap_platform import roles
from tap_platform.settings.limits import CACHE_DEFAULTS, DEFAULT_COMMAND, ENGINE_DEFAULTS
from tap_platform.settings.messages import SettingsError, describe, invalid
from tap_platform.settings.models import PROVIDER_KEYS, Settings
from tap_platform.settings.tiers import TIER_NAMES, tier_defaults

SUFFIX_ENV_VAR = "ENVIRONMENT_SUFFIX"
# The config namespace of every platform setting, in every project that uses the platform.
NAMESPACE = "tap"
TIER_DEFAULTS: dict[str, dict[str, Any]] = {tier: tier_defaults(tier) for tier in TIER_NAMES}
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
) -> Settings:
    """Validates the `tap:*` values (namespace stripped) of one stack into `Settings`.

    The environment suffix is `tap:environmentSuffix`, else the stack name (`pr1234` for an
    ephemeral stack, a service on `dev-env` by default). Every physical name carries it, so
    another suffix replaces every resource: `ENVIRONMENT_SUFFIX`, when set, must agree."""
    unknown = sorted(set(values) - KNOWN_KEYS)
    if unknown:
        known = ", ".join(sorted(KNOWN_KEYS))
        raise invalid(
            [f"tap:{k} = {values[k]!r}: unknown setting; known: {known}" for k in unknown]
        )
    if region is None:
        raise SettingsError("aws:region is not set; add it to Pulumi.<stack>.yaml")
    provider = _provider(provider or {})
    tier = values.get("environment")
    if tier not in TIER_DEFAULTS:
        raise SettingsError(f"tap:environment = {tier!r}: must be one of {', '.join(TIER_NAMES)}")
    suffix = _suffix(values.get("environmentSuffix") or stack, stack, env)
    attach = roles.implied_role(values, suffix)
    values = {**values, **attach}
    merged = _deep_merge(copy.deepcopy(TIER_DEFAULTS[tier]), dict(values))
    implied(merged, values)
    merged.update(
        project=project, stack=stack, region=region, environmentSuffix=suffix, provider=provider
    )
    problems = roles.misplaced(merged["role"], values, implied=bool(attach))
    if problems := problems + roles.missing(merged["role"], merged.get("environmentStack")):
        raise invalid(problems)
    try:
        settings = Settings.model_validate(merged)
    except ValidationError as err:
        raise describe(err) from None
    if problems := _ignored_by_engine(settings, values):
        raise invalid(problems)
    return settings


def _provider(provider: Mapping[str, Any]) -> dict[str, Any]:
    """The `aws:*` keys the explicit provider takes (the region is read on its own)."""
    ignored = sorted(set(provider) - PROVIDER_KEYS)
    if ignored:
        taken = ", ".join(f"aws:{k}" for k in sorted(PROVIDER_KEYS))
        raise invalid(
            [
                f"aws:{k} = {provider[k]!r}: the stack's explicit provider takes only {taken}"
                for k in ignored
            ]
        )
    return {k: v for k, v in provider.items() if k != "region"}


def _ignored_by_engine(settings: Settings, values: Mapping[str, Any]) -> list[str]:
    """Settings the user gave that the chosen engine would silently ignore."""
    chosen = values.get("database")
    if not isinstance(chosen, Mapping):
        return []
    db = settings.database
    if "readerCount" in chosen and not db.aurora:
        return [
            f"tap:database.readerCount = {chosen['readerCount']!r}: applies to Aurora only; "
            f"{db.engine} has no readers (multiAz adds a standby)"
        ]
    if "multiAz" in chosen and db.aurora:
        return [
            f"tap:database.multiAz = {chosen['multiAz']!r}: applies to plain RDS only; Aurora "
            "spreads readers over the AZs (readerCount)"
        ]
    return []


def _suffix(suffix: str, stack: str, env: Mapping[str, str]) -> str:
    stray = env.get(SUFFIX_ENV_VAR)
    if stray and stray != suffix:
        raise SettingsError(
            f"{SUFFIX_ENV_VAR}={stray!r} would rename, and so replace, every resource of stack "
            f"{stack!r}, whose suffix is {suffix!r}: unset it, or for a new copy create a stack "
            f"named {stray!r} (or set tap:environmentSuffix in its stack file)"
        )
    return suffix


def settings_from_pulumi() -> Settings:
    """Reads the running stack's config (namespace `tap`, whatever the project is called, as
    `aws:` belongs to the provider) and the process environment."""
    project = pulumi.get_project()
    prefix = f"{NAMESPACE}:"
    raw = {**get_config_env(), **CONFIG.get()}
    values = {k[len(prefix) :]: _parse(v) for k, v in raw.items() if k.startswith(prefix)}
    stray = sorted(k for k in raw if project != NAMESPACE and k.startswith(f"{project}:"))
    if stray:
        raise invalid(
            [
                f"{k}: the platform reads its settings under {NAMESPACE}:, not the project's "
                f"namespace; write {NAMESPACE}:{k.split(':', 1)[1]}"
                for k in stray
            ]
        )
    provider = {k[len("aws:") :]: _parse(v) for k, v in raw.items() if k.startswith("aws:")}
    return load_settings(
        values,
        project=project,
        stack=pulumi.get_stack(),
        region=pulumi.Config("aws").get("region"),
        env=os.environ,
        provider=provider,
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
    if not isinstance(chosen, Mapping) or chosen.get("engine") not in ENGINE_DEFAULTS:
        return
    engine = chosen["engine"]
    version, port = ENGINE_DEFAULTS[engine]
    follows = {"engineVersion": version, "port": port, "serverless": engine.startswith("aurora-")}
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
