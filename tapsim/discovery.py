"""Finds a deployed stack's resources by its environment suffix, with boto3 only.

Works the same against AWS and the emulator (boto3 honours AWS_ENDPOINT_URL): names that the
stack fixes (`tap-alb-{suffix}`) and the `EnvironmentSuffix` tag lead to everything; no outputs
file is ever read.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache, cached_property
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from tap_platform.naming import region_code
from tapsim.runner import read_project

RETRIES = Config(retries={"mode": "standard", "max_attempts": 10})


@cache
def shared_client(service: str, region: str, endpoint: str | None, key_id: str | None) -> Any:
    """One client per service and region for every lookup in this process: making a boto3
    client costs about ten milliseconds of CPU, and a test session looks up many stacks. The
    endpoint and the access key that boto3 reads from the environment are part of the key, so
    a client made for one account or emulator never answers for another."""
    del endpoint, key_id
    return boto3.client(service, region_name=region, config=RETRIES)


@dataclass
class Discovered:
    """One stack's resources in one region, cached; of this directory's project unless named."""

    suffix: str
    region: str
    project: str = field(default_factory=lambda: str(read_project()["name"]))
    _clients: dict[str, Any] = field(default_factory=dict, repr=False)

    def client(self, service: str) -> Any:
        if service not in self._clients:
            self._clients[service] = shared_client(
                service,
                self.region,
                os.environ.get("AWS_ENDPOINT_URL"),
                os.environ.get("AWS_ACCESS_KEY_ID"),
            )
        return self._clients[service]

    def name(self, role: str) -> str:
        return f"{self.project}-{role}-{self.suffix}"

    @property
    def _tag_filter(self) -> list[dict[str, Any]]:
        return [
            {"Name": "tag:EnvironmentSuffix", "Values": [self.suffix]},
            {"Name": "tag:Project", "Values": [self.project]},
        ]

    def _vpc_filter(self) -> list[dict[str, Any]]:
        return [{"Name": "vpc-id", "Values": [self.vpc["VpcId"]]}]

    # --- network ---
    @cached_property
    def vpcs(self) -> list[dict[str, Any]]:
        return self.client("ec2").describe_vpcs(Filters=self._tag_filter)["Vpcs"]

    @property
    def vpc(self) -> dict[str, Any]:
        if len(self.vpcs) != 1:
            raise LookupError(
                f"expected one VPC tagged EnvironmentSuffix={self.suffix}, found {len(self.vpcs)}"
            )
        return self.vpcs[0]

    def vpc_attribute(self, attribute: str) -> bool:
        key = attribute[0].upper() + attribute[1:]
        answer = self.client("ec2").describe_vpc_attribute(
            VpcId=self.vpc["VpcId"], Attribute=attribute
        )
        return bool(answer[key]["Value"])

    @cached_property
    def subnets(self) -> list[dict[str, Any]]:
        return self.client("ec2").describe_subnets(Filters=self._vpc_filter())["Subnets"]

    def subnets_of(self, tier: str) -> list[dict[str, Any]]:
        return [s for s in self.subnets if tags_of(s).get("Tier") == tier]

    @cached_property
    def route_tables(self) -> list[dict[str, Any]]:
        return self.client("ec2").describe_route_tables(Filters=self._vpc_filter())["RouteTables"]

    def route_table_of(self, subnet_id: str) -> dict[str, Any]:
        for table in self.route_tables:
            if any(a.get("SubnetId") == subnet_id for a in table.get("Associations", [])):
                return table
        raise LookupError(f"no route table is associated with {subnet_id}")

    @cached_property
    def nat_gateways(self) -> list[dict[str, Any]]:
        gateways = self.client("ec2").describe_nat_gateways(Filters=self._vpc_filter())[
            "NatGateways"
        ]
        return [g for g in gateways if g["State"] not in {"deleted", "deleting"}]

    @cached_property
    def internet_gateways(self) -> list[dict[str, Any]]:
        return self.client("ec2").describe_internet_gateways(
            Filters=[{"Name": "attachment.vpc-id", "Values": [self.vpc["VpcId"]]}]
        )["InternetGateways"]

    @cached_property
    def flow_logs(self) -> list[dict[str, Any]]:
        return self.client("ec2").describe_flow_logs(
            Filters=[{"Name": "resource-id", "Values": [self.vpc["VpcId"]]}]
        )["FlowLogs"]

    @cached_property
    def vpc_endpoints(self) -> list[dict[str, Any]]:
        return self.client("ec2").describe_vpc_endpoints(Filters=self._vpc_filter())["VpcEndpoints"]

    @cached_property
    def security_groups(self) -> list[dict[str, Any]]:
        """The groups in the stack's VPC; a service on a shared environment, which has no VPC
        of its own, by its tags."""
        where = self._vpc_filter() if self.vpcs else self._tag_filter
        return self.client("ec2").describe_security_groups(Filters=where)["SecurityGroups"]

    def security_group(self, role: str) -> dict[str, Any]:
        name = "default" if role == "default" else self.name(role)
        (group,) = [g for g in self.security_groups if g["GroupName"] == name]
        return group

    # --- load balancing ---
    @cached_property
    def load_balancer(self) -> dict[str, Any]:
        elbv2 = self.client("elbv2")
        return elbv2.describe_load_balancers(Names=[self.name("alb")])["LoadBalancers"][0]

    @cached_property
    def load_balancer_attributes(self) -> dict[str, str]:
        answer = self.client("elbv2").describe_load_balancer_attributes(
            LoadBalancerArn=self.load_balancer["LoadBalancerArn"]
        )
        return {a["Key"]: a["Value"] for a in answer["Attributes"]}

    @cached_property
    def listeners(self) -> list[dict[str, Any]]:
        return self.client("elbv2").describe_listeners(
            LoadBalancerArn=self.load_balancer["LoadBalancerArn"]
        )["Listeners"]

    @cached_property
    def target_group(self) -> dict[str, Any]:
        """The load balancer's one target group (named after its target type)."""
        elbv2 = self.client("elbv2")
        arn = self.load_balancer["LoadBalancerArn"]
        (group,) = elbv2.describe_target_groups(LoadBalancerArn=arn)["TargetGroups"]
        return group

    @cached_property
    def target_group_attributes(self) -> dict[str, str]:
        answer = self.client("elbv2").describe_target_group_attributes(
            TargetGroupArn=self.target_group["TargetGroupArn"]
        )
        return {a["Key"]: a["Value"] for a in answer["Attributes"]}

    # --- compute ---
    @cached_property
    def cluster(self) -> dict[str, Any]:
        (cluster,) = self.client("ecs").describe_clusters(
            clusters=[self.name("cluster")], include=["SETTINGS", "TAGS"]
        )["clusters"]
        return cluster

    @cached_property
    def service(self) -> dict[str, Any]:
        (service,) = self.client("ecs").describe_services(
            cluster=self.name("cluster"), services=[self.name("app")], include=["TAGS"]
        )["services"]
        return service

    @cached_property
    def task_definition(self) -> dict[str, Any]:
        return self.client("ecs").describe_task_definition(
            taskDefinition=self.service["taskDefinition"], include=["TAGS"]
        )["taskDefinition"]

    @property
    def running_image(self) -> str:
        return self.task_definition["containerDefinitions"][0]["image"]

    @property
    def release_parameter(self) -> str:
        return f"/{self.project}/{self.suffix}/app/image"

    def released_image(self) -> str:
        """The image the pipeline last deployed, or the stack's seed before it has."""
        found = self.client("ssm").get_parameter(Name=self.release_parameter)
        return found["Parameter"]["Value"]

    @cached_property
    def log_groups(self) -> dict[str, dict[str, Any]]:
        return {g["logGroupName"]: g for g in self._describe_log_groups()}

    def _describe_log_groups(self) -> list[dict[str, Any]]:
        return self.client("logs").describe_log_groups(
            logGroupNamePrefix=f"/{self.project}/{self.suffix}/"
        )["logGroups"]

    def role_name(self, role: str) -> str:
        """IAM is global: role names carry the region too."""
        return f"{self.name(role)}-{self.region}"

    @property
    def autoscaling_role_name(self) -> str:
        return (
            f"AWSServiceRoleForAutoScaling_{self.project}-{self.suffix}-{region_code(self.region)}"
        )

    @property
    def autoscaling_role(self) -> dict[str, Any]:
        return self.client("iam").get_role(RoleName=self.autoscaling_role_name)["Role"]

    def role(self, role: str) -> dict[str, Any]:
        return self.client("iam").get_role(RoleName=self.role_name(role))["Role"]

    # --- data tier ---
    @cached_property
    def key(self) -> dict[str, Any]:
        return self.client("kms").describe_key(KeyId=f"alias/{self.name('data')}")["KeyMetadata"]

    def key_rotation_enabled(self) -> bool:
        answer = self.client("kms").get_key_rotation_status(KeyId=self.key["KeyId"])
        return bool(answer["KeyRotationEnabled"])

    def secret(self, role: str) -> dict[str, Any]:
        """A secret the stack made; the database's is RDS's own, found through the database."""
        if role == "database":
            (database,) = self.db_clusters or [
                i for i in self.db_instances if not i.get("DBClusterIdentifier")
            ]
            secret_id = database["MasterUserSecret"]["SecretArn"]
        else:
            secret_id = f"{self.project}/{self.suffix}/{role}"
        return self.client("secretsmanager").describe_secret(SecretId=secret_id)

    @cached_property
    def db_clusters(self) -> list[dict[str, Any]]:
        return self._rds("describe_db_clusters", "DBClusterIdentifier", "DBClusters")

    @cached_property
    def db_instances(self) -> list[dict[str, Any]]:
        instances = self.client("rds").describe_db_instances()["DBInstances"]
        prefix, suffix = f"{self.project}-db-", f"-{self.suffix}"
        return [
            i
            for i in instances
            if i["DBInstanceIdentifier"].startswith(prefix)
            and i["DBInstanceIdentifier"].endswith(suffix)
        ]

    @cached_property
    def db_subnet_group(self) -> dict[str, Any]:
        return self.client("rds").describe_db_subnet_groups(DBSubnetGroupName=self.name("db"))[
            "DBSubnetGroups"
        ][0]

    def _rds(self, call: str, key: str, field: str) -> list[dict[str, Any]]:
        try:
            return getattr(self.client("rds"), call)(**{key: self.name("db")})[field]
        except ClientError as err:
            if "NotFound" in err.response["Error"]["Code"]:
                return []
            raise

    @cached_property
    def replication_group(self) -> dict[str, Any]:
        return self.client("elasticache").describe_replication_groups(
            ReplicationGroupId=self.name("cache")
        )["ReplicationGroups"][0]

    @cached_property
    def buckets(self) -> dict[str, str]:
        """Bucket name by role, for `{project}-{role}-{suffix}-{account}-{region}` names."""
        found = {}
        for bucket in self.client("s3").list_buckets()["Buckets"]:
            for role in ("artifacts", "alb-logs", "assets"):
                prefix = f"{self.project}-{role}-{self.suffix}-"
                if bucket["Name"].startswith(prefix) and bucket["Name"].endswith(self.region):
                    found[role] = bucket["Name"]
        return found

    # --- EC2 Auto Scaling ---
    @cached_property
    def auto_scaling_groups(self) -> list[dict[str, Any]]:
        return self.client("autoscaling").describe_auto_scaling_groups(
            AutoScalingGroupNames=[self.name("app")]
        )["AutoScalingGroups"]

    def launch_template_data(self, template_id: str, version: str) -> dict[str, Any]:
        (found,) = self.client("ec2").describe_launch_template_versions(
            LaunchTemplateId=template_id, Versions=[version]
        )["LaunchTemplateVersions"]
        return found["LaunchTemplateData"]

    # --- delivery and observability ---
    @cached_property
    def pipeline(self) -> dict[str, Any]:
        return self.client("codepipeline").get_pipeline(name=self.name("pipeline"))["pipeline"]

    @cached_property
    def build_project(self) -> dict[str, Any]:
        (project,) = self.client("codebuild").batch_get_projects(names=[self.name("build")])[
            "projects"
        ]
        return project

    @cached_property
    def image_repository(self) -> dict[str, Any]:
        """The repository the pipeline pushes to, by its name, with its tags and policy."""
        ecr = self.client("ecr")
        (found,) = ecr.describe_repositories(repositoryNames=[self.name("app")])["repositories"]
        tags = ecr.list_tags_for_resource(resourceArn=found["repositoryArn"])["tags"]
        policy = ecr.get_lifecycle_policy(repositoryName=found["repositoryName"])
        return {**found, "tags": tags, "lifecyclePolicyText": policy["lifecyclePolicyText"]}

    @cached_property
    def alarms(self) -> list[dict[str, Any]]:
        found = self.client("cloudwatch").describe_alarms(AlarmNamePrefix=f"{self.project}-")
        return [a for a in found["MetricAlarms"] if a["AlarmName"].endswith(f"-{self.suffix}")]

    @cached_property
    def topic_arn(self) -> str:
        topics = self.client("sns").list_topics()["Topics"]
        (arn,) = [
            t["TopicArn"] for t in topics if t["TopicArn"].endswith(f":{self.name('alarms')}")
        ]
        return arn

    def topic_attributes(self) -> dict[str, str]:
        return self.client("sns").get_topic_attributes(TopicArn=self.topic_arn)["Attributes"]

    # --- what is left ---
    def remaining(self) -> list[str]:
        """Everything of this stack that still exists; empty after a clean destroy."""
        from tapsim.leftovers import remaining

        return remaining(self)


def _exists(probe: Callable[[], Any]) -> bool:
    """A describe/get call that raises a not-found error when the resource is gone."""
    try:
        probe()
    except ClientError:
        return False
    return True


def tags_of(item: dict[str, Any]) -> dict[str, str]:
    """EC2 and ELB style (`Key`/`Value`) or ECS style (`key`/`value`) tags as a dict."""
    return {
        t.get("Key", t.get("key")): t.get("Value", t.get("value"))
        for t in item.get("Tags", item.get("tags", []))
    }
