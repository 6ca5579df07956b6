"""The SQL the stack runs through the Data API to make the app's database user, run against
a real PostgreSQL: it makes the user once, can run again on every `pulumi up`, and leaves a
user with no password that may use its database (RDS's `rds_iam` role stands in here)."""

from __future__ import annotations

import contextlib
import secrets

import pytest

from tap_platform.db_user import statements

from .conftest import Served
from .servers import Postgres

pytestmark = pytest.mark.xdist_group("app")


def test_the_stacks_sql_makes_the_app_user_and_runs_again_unchanged(
    postgres: Served[Postgres],
) -> None:
    server = postgres.server
    server.run(
        "DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'rds_iam') "
        "THEN CREATE ROLE rds_iam; END IF; END $$"
    )
    user, database = f"app_{secrets.token_hex(4)}", f"db_{secrets.token_hex(4)}"
    server.run(f'CREATE DATABASE "{database}"')
    for _ in range(2):
        for sql in statements("aurora-postgresql", user, database):
            server.run(sql)
    with contextlib.closing(server.admin()) as admin:
        (row,) = admin.run(
            "SELECT rolcanlogin, rolpassword IS NULL FROM pg_authid WHERE rolname = :u", u=user
        )
        members = admin.run(
            "SELECT r.rolname FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.roleid "
            "JOIN pg_roles u ON u.oid = m.member WHERE u.rolname = :u",
            u=user,
        )
        (allowed,) = admin.run(
            "SELECT has_database_privilege(:u, :d, 'CONNECT')", u=user, d=database
        )
    assert row == [True, True], "a login with no password: it signs in with IAM tokens only"
    assert members == [["rds_iam"]]
    assert allowed == [True]
