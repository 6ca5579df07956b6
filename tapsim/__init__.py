"""Runs the real program offline: under Pulumi mocks for unit tests and `make preview`, and
against an in-process AWS emulator for `make local` and the integration tests."""
