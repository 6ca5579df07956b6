"""Every setting the platform reads, loaded once, validated and typed.

Components never touch `pulumi.Config`: the stack maps these frozen objects onto the
components' own arguments. A wrong value stops the program before any resource is registered,
with one message that names the setting, the value and what is allowed.
"""

from tap_platform.settings.models import (
    KNOWN_KEYS,
    NAMESPACE,
    PATTERN_WORDS,
    STACK_VARIABLES,
    SUFFIX_ENV_VAR,
    TIER_DEFAULTS,
    AlarmSettings,
    CacheSettings,
    DatabaseSettings,
    InstanceSettings,
    NatStrategy,
    PipelineSettings,
    Settings,
    SettingsError,
    load_settings,
    settings_from_pulumi,
)

__all__ = [
    "KNOWN_KEYS",
    "NAMESPACE",
    "PATTERN_WORDS",
    "STACK_VARIABLES",
    "SUFFIX_ENV_VAR",
    "TIER_DEFAULTS",
    "AlarmSettings",
    "CacheSettings",
    "DatabaseSettings",
    "InstanceSettings",
    "NatStrategy",
    "PipelineSettings",
    "Settings",
    "SettingsError",
    "load_settings",
    "settings_from_pulumi",
]
