"""Pulumi entry point: load and validate the settings, build the stack, export its outputs."""

import pulumi

from lib.config import settings_from_pulumi
from lib.stack import build

stack = build(settings_from_pulumi())
for key, value in stack.outputs.items():
    pulumi.export(key, value)
