"""Procedures an operator runs against a deployed stack."""
