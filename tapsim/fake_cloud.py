"""Offline answers for the unit tests and `make preview`: plausible ids, ARNs and endpoints
built from the stack's own region and a test account, never from fixed values."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from pulumi.runtime import MockCallArgs, MockResourceArgs, Mocks

from tap_platform.settings import Settings, SettingsError
from tap_platform.settings.messages import HEADING, key_of
from tap_platform.settings.stackfile import located
from tapsim import catalog
from tapsim.catalog import region_zones
from tapsim.emulator.core import partition_of
from tapsim.process import relax_garbage_collection
from tapsim.project import PROJECT_DIR
from tapsim.runner import (
    STACK_REFERENCE_TYPE,
    ProgramError,
    RunResult,
    references,
    run_program,
    stack_reference_state,
    stack_settings,
)

TEST_ACCOUNT_ID = "111122223333"
# Types the program leaves unnamed, which Pulumi names `<logical name>-<7 hex characters>`
# (Pulumi's auto-naming), so a replacement never takes the old resource's name.
AUTONAMED = frozenset({"aws:lb/targetGroup:TargetGroup"})


def _autonamed(args: MockResourceArgs, digest: str) -> dict[str, Any]:
    """The inputs, with the name Pulumi gives a resource the program leaves unnamed."""
    state = dict(args.inputs)
    if args.typ in AUTONAMED and "name" not in state:
        state["name"] = f"{args.name}-{digest[:7]}"
    return state


class FakeCloud(Mocks):
    """Answers every invoke the program makes and derives outputs AWS would compute."""

    def __init__(self, region: str, *, account_id: str = TEST_ACCOUNT_ID):
        self.region = region
        self.account_id = account_id
        self.partition = partition_of(region)
        self.zones = region_zones(region)
        self.local_zones: tuple[tuple[str, str], ...] = ()
        # SSM parameters that exist before the program runs, by name.
        self.parameters: dict[str, str] = {}
        # Public hosted zones of the account, by name (the committed prod stack's is there).
        self.hosted_zones: set[str] = {"example.com"}
        # Outputs of the stacks the program may reference, by the reference's name.
        self.stacks: dict[str, dict[str, Any]] = {}

    def call(self, args: MockCallArgs) -> Any:
        answers = {
            "aws:index/getAvailabilityZones:getAvailabilityZones": lambda: self._zones(args.args),
            "aws:index/getCallerIdentity:getCallerIdentity": lambda: {
                "accountId": self.account_id,
                "arn": f"arn:{self.partition}:iam::{self.account_id}:user/test",
                "userId": "AIDATEST",
                "id": self.account_id,
            },
            "aws:index/getPartition:getPartition": lambda: {
                "partition": self.partition,
                "dnsSuffix": "amazonaws.com.cn" if self.partition == "aws-cn" else "amazonaws.com",
                "id": self.partition,
            },
            "aws:index/getRegion:getRegion": lambda: {
                "name": self.region,
                "region": self.region,
                "id": self.region,
                "endpoint": f"ec2.{self.region}.amazonaws.com",
            },
            "aws:ssm/getParametersByPath:getParametersByPath": lambda: self._by_path(args.args),
            "aws:route53/getZone:getZone": lambda: self._zone(args.args),
        }
        if args.token in catalog.ANSWERS:
            try:
                return catalog.ANSWERS[args.token](self.region, dict(args.args))
            except catalog.NotOfferedError as err:
                return {}, [("", str(err))]
        if args.token not in answers:
            raise NotImplementedError(f"FakeCloud has no answer for invoke {args.token}")
        return answers[args.token]()

    def _zone(self, args: dict[str, Any]) -> Any:
        name = args["name"].rstrip(".")
        if name not in self.hosted_zones:
            return {}, [("", "no matching Route 53 Hosted Zone found")]
        zone_id = "Z" + hashlib.sha1(name.encode()).hexdigest()[:20].upper()
        return {"id": zone_id, "zoneId": zone_id, "name": name}

    def _by_path(self, args: dict[str, Any]) -> dict[str, Any]:
        found = {
            k: v for k, v in sorted(self.parameters.items()) if k.startswith(f"{args['path']}/")
        }
        return {
            "path": args["path"],
            "id": args["path"],
            "names": list(found),
            "values": list(found.values()),
            "types": ["String"] * len(found),
            "arns": [self._arn("ssm", f"parameter{name}") for name in found],
        }

    def new_resource(self, args: MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        if args.typ == STACK_REFERENCE_TYPE:
            return stack_reference_state(self.stacks, args.inputs["name"])
        if not args.custom:
            return None, {}
        digest = hashlib.sha1(f"{args.typ}/{args.name}".encode()).hexdigest()[:16]
        state = _autonamed(args, digest)
        name = (
            state.get("name")
            or state.get("bucket")
            or state.get("clusterIdentifier")
            or state.get("identifier")
            or state.get("replicationGroupId")
            or args.name
        )
        service = args.typ.split(":")[1].split("/")[0]
        resource_id = f"{args.name}-{digest[:8]}"
        state.setdefault("arn", self._arn(service, f"{args.typ.rsplit(':', 1)[-1].lower()}/{name}"))
        if args.typ == "aws:lb/loadBalancer:LoadBalancer":
            suffix = f"app/{name}/{digest}"
            state.update(
                arnSuffix=suffix,
                arn=self._arn("elasticloadbalancing", f"loadbalancer/{suffix}"),
                dnsName=f"{name}-{digest[:10]}.{self.region}.elb.amazonaws.com",
                zoneId=f"Z{digest[:12].upper()}",
            )
            resource_id = state["arn"]
        elif args.typ == "aws:lb/targetGroup:TargetGroup":
            suffix = f"targetgroup/{name}/{digest}"
            state.update(arnSuffix=suffix, arn=self._arn("elasticloadbalancing", suffix))
            resource_id = state["arn"]
        elif args.typ == "aws:cloudwatch/logGroup:LogGroup":
            state["arn"] = self._arn("logs", f"log-group:{name}")
            resource_id = name
        elif args.typ == "aws:iam/role:Role":
            state["arn"] = f"arn:{self.partition}:iam::{self.account_id}:role/{name}"
            resource_id = name
        elif args.typ == "aws:iam/serviceLinkedRole:ServiceLinkedRole":
            resource_id, extra = self._service_linked_role(state)
            state.update(extra)
        elif args.typ.startswith("aws:ecs/"):
            resource_id = state["arn"] = self._ecs_arn(args.typ, state, name)
        elif args.typ == "aws:acm/certificate:Certificate":
            state["domainValidationOptions"] = [
                {
                    "domainName": name,
                    "resourceRecordName": f"_{digest[:32]}.{state['domainName']}.",
                    "resourceRecordType": "CNAME",
                    "resourceRecordValue": f"_{digest[:32]}.acm-validations.aws.",
                }
            ]
        elif args.typ == "aws:route53/record:Record":
            state["fqdn"] = state["name"]
        elif args.typ in _COMPUTED:
            resource_id, extra = _COMPUTED[args.typ](self, name, digest)
            state.update(extra)
        if state.get("manageMasterUserPassword"):
            state["masterUserSecrets"] = [self._master_user_secret(args.typ, state, digest)]
        return resource_id, state

    def _master_user_secret(self, typ: str, state: dict[str, Any], digest: str) -> dict[str, Any]:
        """The secret RDS makes for a managed master password, named `rds!cluster-<uuid>` or
        `rds!db-<uuid>` (RDS User Guide, "Password management with Amazon RDS and AWS Secrets
        Manager")."""
        kind = "cluster" if typ == "aws:rds/cluster:Cluster" else "db"
        uuid = f"{digest[:8]}-{digest[8:12]}-{digest[12:16]}-{digest[:4]}-{digest[4:16]}"
        return {
            "secretArn": self._arn("secretsmanager", f"secret:rds!{kind}-{uuid}-{digest[:6]}"),
            "secretStatus": "active",
            "kmsKeyId": state["masterUserSecretKmsKeyId"],
        }

    def _zones(self, args: dict[str, Any]) -> dict[str, Any]:
        """The region's AZs plus `local_zones`, which only a `zone-type` filter keeps out,
        as in an account opted into Local Zones."""
        zones = [(n, z, "availability-zone") for n, z in self.zones]
        zones += [(n, z, "local-zone") for n, z in self.local_zones]
        for wanted in args.get("filters") or []:
            if wanted["name"] == "zone-type":
                zones = [z for z in zones if z[2] in wanted["values"]]
        return {
            "names": [name for name, _, _ in zones],
            "zoneIds": [zone_id for _, zone_id, _ in zones],
            "id": self.region,
        }

    def _service_linked_role(self, inputs: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        """`AWSServiceRoleFor<Service>_<suffix>` under `/aws-service-role/<service>/` (IAM User
        Guide, "Using service-linked roles"); Auto Scaling's is the one the stack makes."""
        service = inputs["awsServiceName"]
        name = f"AWSServiceRoleForAutoScaling_{inputs['customSuffix']}"
        path = f"/aws-service-role/{service}/"
        arn = f"arn:{self.partition}:iam::{self.account_id}:role{path}{name}"
        return arn, {"arn": arn, "name": name, "path": path}

    def _ecs_arn(self, typ: str, state: dict[str, Any], name: str) -> str:
        """ECS ARNs as ECS forms them: `service/<cluster>/<name>`, `task-definition/<family>:1`."""
        if typ == "aws:ecs/service:Service":
            cluster = str(state.get("cluster", "")).rsplit("/", 1)[-1]
            return self._arn("ecs", f"service/{cluster}/{name}")
        if typ == "aws:ecs/taskDefinition:TaskDefinition":
            return self._arn("ecs", f"task-definition/{state['family']}:1")
        return self._arn("ecs", f"cluster/{name}")

    def _arn(self, service: str, resource: str) -> str:
        return f"arn:{self.partition}:{service}:{self.region}:{self.account_id}:{resource}"


def _bucket(cloud: FakeCloud, name: str, _digest: str) -> tuple[str, dict[str, Any]]:
    return name, {"arn": f"arn:{cloud.partition}:s3:::{name}", "bucket": name}


def _key(cloud: FakeCloud, _name: str, digest: str) -> tuple[str, dict[str, Any]]:
    key_id = f"{digest[:8]}-0000-4000-8000-{digest[:12]}"
    return key_id, {"keyId": key_id, "arn": cloud._arn("kms", f"key/{key_id}")}


def _secret(cloud: FakeCloud, name: str, digest: str) -> tuple[str, dict[str, Any]]:
    arn = cloud._arn("secretsmanager", f"secret:{name}-{digest[:6]}")
    return arn, {"arn": arn}


def _cluster(cloud: FakeCloud, name: str, digest: str) -> tuple[str, dict[str, Any]]:
    host = f"{digest[:12]}.{cloud.region}.rds.amazonaws.com"
    return name, {
        "endpoint": f"{name}.cluster-{host}",
        "readerEndpoint": f"{name}.cluster-ro-{host}",
        "arn": cloud._arn("rds", f"cluster:{name}"),
        "clusterResourceId": f"cluster-{digest.upper()[:26]}",
    }


def _instance(cloud: FakeCloud, name: str, digest: str) -> tuple[str, dict[str, Any]]:
    """In pulumi-aws v7 an instance's id is its resource id (`db-...`); the identifier is
    its own attribute."""
    address = f"{name}.{digest[:12]}.{cloud.region}.rds.amazonaws.com"
    resource_id = f"db-{digest.upper()[:26]}"
    return resource_id, {
        "address": address,
        "endpoint": f"{address}:5432",
        "identifier": name,
        "resourceId": resource_id,
        "arn": cloud._arn("rds", f"db:{name}"),
    }


def _replication_group(cloud: FakeCloud, name: str, digest: str) -> tuple[str, dict[str, Any]]:
    host = f"{name}.{digest[:6]}.{cloud.region}.cache.amazonaws.com"
    return name, {
        "primaryEndpointAddress": f"master.{host}",
        "readerEndpointAddress": f"replica.{host}",
    }


def _random_id(_cloud: FakeCloud, _name: str, digest: str) -> tuple[str, dict[str, Any]]:
    return digest[:8], {"hex": digest[:8], "dec": str(int(digest[:8], 16))}


def _password(_cloud: FakeCloud, _name: str, digest: str) -> tuple[str, dict[str, Any]]:
    return digest, {"result": f"Aa1-{digest}{digest}"[:32]}


def _topic(cloud: FakeCloud, name: str, _digest: str) -> tuple[str, dict[str, Any]]:
    arn = cloud._arn("sns", name)
    return arn, {"arn": arn}


def _instance_profile(cloud: FakeCloud, name: str, _digest: str) -> tuple[str, dict[str, Any]]:
    return name, {"arn": f"arn:{cloud.partition}:iam::{cloud.account_id}:instance-profile/{name}"}


def _launch_template(_cloud: FakeCloud, _name: str, digest: str) -> tuple[str, dict[str, Any]]:
    return f"lt-{digest[:17]}", {"latestVersion": 1, "defaultVersion": 1}


def _repository(cloud: FakeCloud, name: str, _digest: str) -> tuple[str, dict[str, Any]]:
    domain = "amazonaws.com.cn" if cloud.partition == "aws-cn" else "amazonaws.com"
    return name, {
        "repositoryUrl": f"{cloud.account_id}.dkr.ecr.{cloud.region}.{domain}/{name}",
        "registryId": cloud.account_id,
    }


def _parameter(cloud: FakeCloud, name: str, _digest: str) -> tuple[str, dict[str, Any]]:
    return name, {"arn": cloud._arn("ssm", f"parameter{name}")}


_COMPUTED = {
    "aws:ssm/parameter:Parameter": _parameter,
    "aws:ecr/repository:Repository": _repository,
    "aws:sns/topic:Topic": _topic,
    "aws:iam/instanceProfile:InstanceProfile": _instance_profile,
    "aws:ec2/launchTemplate:LaunchTemplate": _launch_template,
    "aws:s3/bucket:Bucket": _bucket,
    "aws:kms/key:Key": _key,
    "aws:secretsmanager/secret:Secret": _secret,
    "aws:rds/cluster:Cluster": _cluster,
    "aws:rds/instance:Instance": _instance,
    "aws:elasticache/replicationGroup:ReplicationGroup": _replication_group,
    "random:index/randomPassword:RandomPassword": _password,
    "random:index/randomId:RandomId": _random_id,
}


def synthesize(
    stack: str,
    *,
    config: dict[str, Any] | None = None,
    suffix: str | None = None,
    parameters: dict[str, str] | None = None,
) -> RunResult:
    """The program run for `stack` under the fake cloud of its region, holding the SSM
    `parameters` given (what a deployed stack's program reads back, such as the image the
    pipeline last delivered); a service's environment stack is synthesized first, so its
    reference resolves. The calling process is a test process, so the collector is relaxed
    as in the platform's own (a service's suite runs in about half the time)."""
    relax_garbage_collection()
    settings = settings_of(stack, config=config, suffix=suffix)
    cloud = FakeCloud(settings.region)
    cloud.parameters.update(parameters or {})
    cloud.stacks = references(settings, lambda name: synthesize(name).outputs)
    try:
        return run_program(stack, cloud, config=config, environment_suffix=suffix)
    except ProgramError as err:
        # The region's problems name their keys' lines too, as the stack file's do.
        if config or not str(err).startswith(HEADING):
            raise
        said = located(SettingsError(str(err)), PROJECT_DIR / f"Pulumi.{stack}.yaml")
        raise ProgramError(str(said), err.registered) from None


def settings_of(
    stack: str,
    *,
    config: dict[str, Any] | None = None,
    suffix: str | None = None,
    project_dir: Path = PROJECT_DIR,
) -> Settings:
    """The stack's settings, or one `SettingsError` with every problem in one round: the stack
    file's, and the region's about the settings that are valid, asked as the program asks
    them (`with_the_regions_problems`), here of this fake cloud's catalogs."""
    try:
        return stack_settings(stack, config=config, suffix=suffix, project_dir=project_dir)
    except SettingsError as err:
        # A problem of the settings leaves the region unasked; a file that cannot be read
        # (missing, not YAML, a key twice) has nothing to ask it about yet.
        invalid = err.partial is None and str(err).startswith(HEADING)
        found = err.unasked() if invalid else err
        if err.partial is not None:
            try:
                cloud = FakeCloud(err.partial.region)
                run_program(stack, cloud, config=config, environment_suffix=suffix,
                            project_dir=project_dir)  # fmt: skip
            except ProgramError as program:
                found = _with_the_programs(err, str(program))
        # Each problem about a key the file gives names its line, where no override hides it.
        raise (found if config else located(found, project_dir / f"Pulumi.{stack}.yaml")) from None


def _with_the_programs(own: SettingsError, program: str) -> SettingsError:
    """The tools' reading of the file, then the program's lines about keys it does not name
    (the region's answers). The program gets the settings as the CLI passes them, as text,
    so what only YAML's types show (a tag key read as a number) is the tools' alone."""
    lines = str(own).splitlines()
    named = {key_of(line) for line in lines[1:]} - {None}
    extra = [
        line for line in program.splitlines()[1:] if line not in lines and key_of(line) not in named
    ]
    return SettingsError("\n".join([*lines, *extra]))
