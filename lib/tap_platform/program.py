"""The body of a Pulumi program built on the platform: settings in, stack out, outputs exported.

A settings problem, or a physical name AWS would refuse, ends the program with
`pulumi.RunError`, which the Pulumi CLI prints as one clean message (every problem listed)
instead of a Python traceback.
"""

from __future__ import annotations

import pulumi

from tap_platform.naming import NamingError
from tap_platform.settings import SettingsError, settings_from_pulumi
from tap_platform.stack import TapStack, build, with_the_regions_problems


def run() -> TapStack:
    """Builds the stack the running Pulumi stack's settings describe and exports its outputs;
    a service's program adds its own resources to what this returns."""
    try:
        settings = settings_from_pulumi()
    except SettingsError as err:
        raise pulumi.RunError(str(with_the_regions_problems(err))) from None
    try:
        stack = build(settings)
    except (SettingsError, NamingError) as err:
        raise pulumi.RunError(str(err)) from None
    for key, value in stack.outputs.items():
        pulumi.export(key, value)
    return stack
