"""Pulumi entry point: the platform's stack for the running Pulumi stack's settings
(`tap_platform.program.run`), which validates them and exports the outputs."""

from tap_platform.program import run

run()
