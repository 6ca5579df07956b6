"""Pulumi entry point: load and validate the settings, build the stack, export its outputs.

A settings problem, or a physical name AWS would refuse, ends the program with
`pulumi.RunError`, which the Pulumi CLI prints as one clean message (every problem listed)
instead of a Python traceback.
"""

import pulumi

from tap_platform.config import SettingsError, settings_from_pulumi
from tap_platform.naming import NamingError
from tap_platform.stack import build

try:
    stack = build(settings_from_pulumi())
except (SettingsError, NamingError) as err:
    raise pulumi.RunError(str(err)) from None
for key, value in stack.outputs.items():
    pulumi.export(key, value)
