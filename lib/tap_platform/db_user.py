"""The app's own database user: made by `pulumi up` through the RDS Data API, idempotently.

The app never logs in as the master user. It connects as this user with an IAM token
(`rds-db:connect`, RDS User Guide, "IAM database authentication"), so it holds no password,
and the master secret is readable by no runtime role. Making the user needs SQL; the Data API
(RDS User Guide, "Using the RDS Data API") runs it over HTTPS from the machine that runs
`pulumi up`, with the master secret, so nothing long-lived runs in the account and no network
path into the VPC is needed. It exists for Aurora only: on plain RDS the stack cannot make
the user, and docs/app.md says how an operator does it once.

What runs where: this provider runs inside the Pulumi engine on the deploying machine, with
the stack's provider's credentials (`tap_platform.dynamic_aws`), which need
`rds-data:ExecuteStatement` on the cluster and `secretsmanager:GetSecretValue` on the master
secret, with its key.
"""

from __future__ import annotations

import time
from typing import Any

import pulumi
from pulumi.dynamic import CreateResult, DiffResult, ResourceProvider, UpdateResult

from tap_platform.dynamic_aws import reach
from tap_platform.policies import AwsContext


def statements(engine: str, username: str, database: str) -> list[str]:
    """SQL that makes the user if it is missing and grants it the database, each statement
    safe to run again. Names are checked by the settings (letters, digits, underscores)."""
    if "postgres" in engine:
        return [
            "DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = "
            f"'{username}') THEN CREATE ROLE \"{username}\" LOGIN; END IF; END $$",
            f'GRANT rds_iam TO "{username}"',
            f'GRANT CONNECT, TEMPORARY ON DATABASE "{database}" TO "{username}"',
            f'GRANT USAGE, CREATE ON SCHEMA public TO "{username}"',
        ]
    return [
        f"CREATE USER IF NOT EXISTS '{username}'@'%' IDENTIFIED WITH AWSAuthenticationPlugin "
        "AS 'RDS' REQUIRE SSL",
        "GRANT SELECT, INSERT, UPDATE, DELETE, CREATE, ALTER, INDEX, DROP, REFERENCES ON "
        f"`{database}`.* TO '{username}'@'%'",
    ]


# What, changed, makes another user rather than changing this one.
REPLACED_BY = ("clusterArn", "username", "engine")


class DatabaseUserProvider(ResourceProvider):
    """Runs `statements` through the Data API on create and on update; delete leaves the
    user, which goes with the database (a user still owning objects cannot be dropped)."""

    def create(self, props: dict[str, Any]) -> CreateResult:
        _execute(props)
        return CreateResult(id_=f"{props['clusterArn']}/{props['username']}", outs=props)

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        from tap_platform.dynamic_aws import changed as changes_of

        changed = changes_of(olds, news)
        return DiffResult(
            changes=bool(changed),
            replaces=[k for k in changed if k in REPLACED_BY],
            delete_before_replace=False,
        )

    def update(self, _id: str, _olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        _execute(news)
        return UpdateResult(outs=news)


# A serverless cluster paused at 0 ACU answers DatabaseResumingException while it resumes
# (RDS Data API Reference, ExecuteStatement errors); it resumes within about a minute.
RESUME_ATTEMPTS, RESUME_WAIT_SECONDS = 12, 10


def _execute(props: dict[str, Any], sleep: Any = time.sleep) -> None:
    from tap_platform.dynamic_aws import client as aws_client

    client = aws_client(props, "rds-data")
    for sql in statements(props["engine"], props["username"], props["database"]):
        for attempt in range(RESUME_ATTEMPTS):
            try:
                client.execute_statement(
                    resourceArn=props["clusterArn"],
                    secretArn=props["secretArn"],
                    database=props["database"],
                    sql=sql,
                )
                break
            except client.exceptions.DatabaseResumingException:
                if attempt == RESUME_ATTEMPTS - 1:
                    raise
                sleep(RESUME_WAIT_SECONDS)


class DatabaseUser(pulumi.dynamic.Resource):
    """The app's database user on an Aurora cluster, made once the writer answers."""

    def __init__(
        self,
        name: str,
        *,
        cluster_arn: pulumi.Input[str],
        secret_arn: pulumi.Input[str],
        aws: AwsContext,
        engine: str,
        database: str,
        username: str,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        props = {
            "clusterArn": cluster_arn,
            "secretArn": secret_arn,
            **reach(aws),
            "engine": engine,
            "database": database,
            "username": username,
        }
        super().__init__(DatabaseUserProvider(), name, props, opts)
