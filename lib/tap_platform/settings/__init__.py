"""Every setting the platform reads, loaded once, validated and typed.

Components never touch `pulumi.Config`: the stack maps these frozen objects onto the
components' own arguments. A wrong value stops the program before any AWS resource is registered,
with one message that names the setting, the value and what is allowed. The package keeps its
jobs apart: what AWS allows (`limits`), the sections and the whole (`sections`, `state`,
`models`), each tier's defaults (`tiers`), reading a stack file (`stackfile`), loading and
validating in one round (`loading`, `validation`), the words of errors (`messages`) and the
table in docs/settings.md (`table`).
"""

from tap_platform.settings.limits import STACK_VARIABLES
from tap_platform.settings.loading import (
    KNOWN_KEYS,
    NAMESPACE,
    SUFFIX_ENV_VAR,
    TIER_DEFAULTS,
    load_settings,
    settings_from_pulumi,
)
from tap_platform.settings.messages import PATTERN_WORDS, SettingsError, invalid
from tap_platform.settings.models import AlarmSettings, InstanceSettings, Settings
from tap_platform.settings.sections import NatStrategy, PipelineSettings
from tap_platform.settings.stackfile import project_name, read_stack_file
from tap_platform.settings.state import CacheSettings, DatabaseSettings
from tap_platform.settings.validation import NO_STAND_INS, StandIns

__all__ = [
    "KNOWN_KEYS",
    "NAMESPACE",
    "NO_STAND_INS",
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
    "StandIns",
    "invalid",
    "load_settings",
    "project_name",
    "read_stack_file",
    "settings_from_pulumi",
]
