"""The app's database user on plain RDS: one short CodeBuild run inside the VPC.

Plain RDS has no Data API, and the database sits in isolated subnets, so the SQL that makes
the user (`db_user.statements`) has to run from inside the VPC. A CodeBuild project in the
private subnets does it with the master secret, started by `pulumi up` and waited for; it
runs again only when the SQL or the database changes. Nothing stays running: between runs
the project is a definition. What runs where: the build, in the private subnets (it needs
their egress, NAT or endpoints, for CodeBuild, Secrets Manager and the drivers it installs);
the wait, in the Pulumi engine on the deploying machine, with the stack's provider's
credentials (`tap_platform.dynamic_aws`; `codebuild:StartBuild` and `BatchGetBuilds` on the
project).
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws
import yaml
from pulumi.dynamic import CreateResult, DiffResult, ResourceProvider, UpdateResult

from tap_platform.db_user import statements
from tap_platform.dynamic_aws import reach
from tap_platform.logs import log_group
from tap_platform.naming import Namer, Service
from tap_platform.policies import AwsContext, Grants, log_stream_writes, service_role
from tap_platform.secrets import grant_secret_read
from tap_platform.security import named_group, tcp_rule

# What CodeBuild needs to place a build in a VPC (CodeBuild User Guide, "Allow AWS CodeBuild
# access to AWS services required to create a VPC network interface").
VPC_DESCRIBE = (
    "ec2:DescribeDhcpOptions", "ec2:DescribeNetworkInterfaces", "ec2:DescribeSecurityGroups",
    "ec2:DescribeSubnets", "ec2:DescribeVpcs",
)  # fmt: skip
DRIVERS = "pg8000==1.31.2 pymysql==1.1.1"
CA_BUNDLE = "https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem"
RUN = """import json, os, ssl, boto3
secret = json.loads(boto3.client("secretsmanager").get_secret_value(
    SecretId=os.environ["SECRET_ARN"])["SecretString"])
tls = ssl.create_default_context(cafile="/tmp/rds-ca.pem")
host, port, name = os.environ["DB_HOST"], int(os.environ["DB_PORT"]), os.environ["DB_NAME"]
if "postgres" in os.environ["ENGINE"]:
    import pg8000.native
    db = pg8000.native.Connection(secret["username"], host=host, port=port, database=name,
                                  password=secret["password"], ssl_context=tls)
    run = db.run
else:
    import pymysql
    db = pymysql.connect(host=host, port=port, user=secret["username"], database=name,
                         password=secret["password"], ssl=tls, autocommit=True)
    run = db.cursor().execute
for sql in json.loads(os.environ["STATEMENTS"]):
    run(sql)
"""


def buildspec() -> str:
    """Install the drivers and RDS's CA, then run the SQL over verified TLS."""
    return yaml.safe_dump(
        {
            "version": 0.2,
            "phases": {
                "install": {"commands": [f"pip install --quiet {DRIVERS}",
                                         f"curl -fsS -o /tmp/rds-ca.pem {CA_BUNDLE}"]},
                "build": {"commands": [f"python3 - <<'PY'\n{RUN}PY"]},
            },
        },
        sort_keys=False,
        width=1000,
    )  # fmt: skip


@dataclass(frozen=True)
class UserBuildArgs:
    """Where the database is and who the app is in it.

    Attributes:
        namer: names the project, its group, role and logs.
        aws: the region, account and partition the grants name.
        vpc_id: the database's VPC.
        subnet_ids: private subnets with egress to AWS APIs, where the build runs.
        database_security_group_id: the database's group, which admits the build.
        host: the database's address.
        port: its port.
        engine: postgres or mysql.
        database: the database the user may use.
        username: the app's user.
        secret_arn: the master user's secret, which only this build reads.
        kms_key_arn: the key of the secret, the logs and the build's output.
        log_retention_days: days the build's logs are kept (default: 7).
    """

    namer: Namer
    aws: AwsContext
    vpc_id: pulumi.Input[str]
    subnet_ids: pulumi.Input[Sequence[pulumi.Input[str]]]
    database_security_group_id: pulumi.Input[str]
    host: pulumi.Input[str]
    port: int
    engine: str
    database: str
    username: str
    secret_arn: pulumi.Input[str]
    kms_key_arn: pulumi.Input[str]
    log_retention_days: int = 7


class UserBuild(pulumi.ComponentResource):
    """The project that makes the app's user from inside the VPC, and its one run."""

    def __init__(self, name: str, args: UserBuildArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("tap:data:DatabaseUserBuild", name, None, opts)
        group = self._group(name, args)
        logs = log_group(
            self, f"{name}-logs", group_name=args.namer.log_group("db-setup"),
            retention_days=args.log_retention_days, kms_key_arn=args.kms_key_arn,
        )  # fmt: skip
        role = service_role(
            self, f"{name}-role", role_name=args.namer.role("db-setup", args.aws.region),
            service="codebuild.amazonaws.com", context=args.aws,
            grants={"logs": log_stream_writes(logs.arn), **self.vpc_grants(args),
                    **grant_secret_read("master-secret", [args.secret_arn], args.kms_key_arn)},
        )  # fmt: skip
        sql = statements(args.engine, args.username, args.database)
        self.project = aws.codebuild.Project(
            f"{name}-project",
            name=args.namer.name("db-setup", Service.BUILD_PROJECT),
            service_role=role.arn,
            encryption_key=args.kms_key_arn,
            build_timeout=10,
            source=aws.codebuild.ProjectSourceArgs(type="NO_SOURCE", buildspec=buildspec()),
            artifacts=aws.codebuild.ProjectArtifactsArgs(type="NO_ARTIFACTS"),
            environment=aws.codebuild.ProjectEnvironmentArgs(
                compute_type="BUILD_GENERAL1_SMALL",
                image="aws/codebuild/amazonlinux-x86_64-standard:5.0",
                type="LINUX_CONTAINER",
                image_pull_credentials_type="CODEBUILD",
                environment_variables=[
                    aws.codebuild.ProjectEnvironmentEnvironmentVariableArgs(name=k, value=v)
                    for k, v in {
                        "SECRET_ARN": args.secret_arn,
                        "DB_HOST": args.host,
                        "DB_PORT": str(args.port),
                        "DB_NAME": args.database,
                        "ENGINE": args.engine,
                        "STATEMENTS": json.dumps(sql),
                    }.items()
                ],
            ),
            vpc_config=aws.codebuild.ProjectVpcConfigArgs(
                vpc_id=args.vpc_id, subnets=args.subnet_ids, security_group_ids=[group.id]
            ),
            logs_config=aws.codebuild.ProjectLogsConfigArgs(
                cloudwatch_logs=aws.codebuild.ProjectLogsConfigCloudwatchLogsArgs(
                    group_name=logs.name, status="ENABLED"
                )
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )
        digest = hashlib.sha256(json.dumps([sql, args.engine]).encode()).hexdigest()[:16]
        self.run = BuildRun(
            f"{name}-run", project=self.project.name, aws=args.aws, trigger=digest,
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self.project]),
        )  # fmt: skip
        self.register_outputs({"projectName": self.project.name})

    @staticmethod
    def vpc_grants(args: UserBuildArgs) -> Grants:
        """Network interfaces for the build, in its own subnets only."""
        prefix = args.aws.arn("ec2", "subnet/")
        subnets = pulumi.Output.from_input(args.subnet_ids).apply(
            lambda ids: [prefix + str(s) for s in ids]
        )
        interfaces = args.aws.arn("ec2", "network-interface/*")
        return {
            # Describing takes no resource-level permission (Service Authorization Reference,
            # Amazon EC2); making an interface is checked on it, its subnet and its groups.
            "vpc": (VPC_DESCRIBE, ["*"]),
            "vpc-interfaces": (
                ["ec2:CreateNetworkInterface"],
                [
                    interfaces,
                    args.aws.arn("ec2", "subnet/*"),
                    args.aws.arn("ec2", "security-group/*"),
                ],
            ),
            "vpc-interfaces-delete": (["ec2:DeleteNetworkInterface"], [interfaces]),
            "vpc-permission": (
                ["ec2:CreateNetworkInterfacePermission"],
                [args.aws.arn("ec2", "network-interface/*")],
                {
                    "StringEquals": {"ec2:AuthorizedService": "codebuild.amazonaws.com"},
                    "ArnEquals": {"ec2:Subnet": subnets},
                },
            ),
        }

    def _group(self, name: str, args: UserBuildArgs) -> aws.ec2.SecurityGroup:
        """HTTPS out (CodeBuild, Secrets Manager, the drivers) and the database's port."""
        group = named_group(
            self, f"{name}-sg", namer=args.namer, role="db-setup", vpc_id=args.vpc_id,
            description="The build that makes the app's database user",
        )  # fmt: skip
        tcp_rule(self, f"{name}-out-https", direction="egress", group_id=group.id, port=443,
                 description="AWS APIs and the drivers", cidr_ipv4="0.0.0.0/0")  # fmt: skip
        database = args.database_security_group_id
        tcp_rule(self, f"{name}-out-db", direction="egress", group_id=group.id, port=args.port,
                 description="The database", referenced_security_group_id=database)  # fmt: skip
        tcp_rule(self, f"{name}-in-db", direction="ingress",
                 group_id=database, port=args.port,
                 description="The build that makes the app's user",
                 referenced_security_group_id=group.id)  # fmt: skip
        return group


class BuildRunProvider(ResourceProvider):
    """Starts the project and waits for its build; a failed build fails `pulumi up`."""

    def create(self, props: dict[str, Any]) -> CreateResult:
        return CreateResult(id_=_run(props), outs=props)

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        from tap_platform.dynamic_aws import changed

        return DiffResult(changes=bool(changed(olds, news)))

    def update(self, _id: str, _olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        _run(news)
        return UpdateResult(outs=news)


def _run(props: dict[str, Any], sleep: Any = time.sleep) -> str:
    from tap_platform.dynamic_aws import client as aws_client

    client = aws_client(props, "codebuild")
    build_id = client.start_build(projectName=props["project"])["build"]["id"]
    for _ in range(120):
        (build,) = client.batch_get_builds(ids=[build_id])["builds"]
        if build.get("buildComplete") or build.get("currentPhase") == "COMPLETED":
            if build["buildStatus"] != "SUCCEEDED":
                raise RuntimeError(f"{build_id}: {build['buildStatus']}; see its logs")
            return build_id
        sleep(5)
    raise RuntimeError(f"{build_id}: not finished after 10 minutes")


class BuildRun(pulumi.dynamic.Resource):
    """One run of the project, again whenever `trigger` changes."""

    def __init__(
        self,
        name: str,
        *,
        project: pulumi.Input[str],
        aws: AwsContext,
        trigger: str,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        props = {"project": project, **reach(aws), "trigger": trigger}
        super().__init__(BuildRunProvider(), name, props, opts)
