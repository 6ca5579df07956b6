"""The sample app's tests: against a real PostgreSQL and a real Redis started once per
session (`conftest`), behind TLS, with Secrets Manager replaced by a stand-in."""
