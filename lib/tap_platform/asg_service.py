"""The app on EC2: launch template, instance profile and an Auto Scaling group behind the ALB.

The same container image as the Fargate runtime runs under Docker on Amazon Linux 2023
(the AMI comes from AWS's public SSM parameter, so it is current and regional). IMDSv2 is
required, with a hop limit of 2 so the container on Docker's bridge network can reach the
instance role's credentials (EC2 User Guide, "Configure the instance metadata options"); the
root volume is encrypted with the stack's key, and no instance gets a public address.

Boot writes `RUN_SCRIPT`, which (re)starts the app container from an image given as its
argument; boot runs it with the image the release parameter names at that moment (see
`lib.release`), and CodeDeploy's hooks run it again with the image the pipeline built (see
`lib.pipeline`). No image is written into the launch template, so a delivery never rolls the
instances and an instance that boots later starts what was delivered last.

"""

from __future__ import annotations

import base64
import shlex
from collections.abc import Mapping
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from tap_platform.app import AppArgs
from tap_platform.buckets import BucketRef
from tap_platform.deploy import LaunchTarget
from tap_platform.ecr import DOCKER_LOGIN
from tap_platform.naming import Service
from tap_platform.policies import Grants, log_stream_writes, service_role

AMI_PARAMETER = "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-{arch}"
SSM_CORE_POLICY = "policy/AmazonSSMManagedInstanceCore"
RUN_SCRIPT = "/opt/app/run-app.sh"
# One hop more than the instance itself: the container's bridge network.
METADATA_HOP_LIMIT = 2


@dataclass(frozen=True)
class AsgServiceArgs(AppArgs):
    """What EC2 Auto Scaling needs besides what every runtime does (`AppArgs`).

    Attributes:
        artifacts: the bucket CodeDeploy revisions come from, or None without a pipeline.
        tags: the tags the group propagates to its instances and their volumes.
        service_linked_role_arn: the Auto Scaling service-linked role the key admits.
        image_parameter_name: the release parameter that names the image to run.
        architecture: the instance type's architecture as EC2 reports it (x86_64, arm64).
        instance_type: the EC2 instance type (default: t3.micro).
        root_volume_gb: the encrypted gp3 root volume's size in GB (default: 20).
        health_check_grace_seconds: seconds before a new instance's health counts
            (default: 120).
    """

    artifacts: BucketRef | None
    tags: Mapping[str, str]
    service_linked_role_arn: pulumi.Input[str]
    image_parameter_name: str
    architecture: str
    instance_type: str = "t3.micro"
    root_volume_gb: int = 20
    health_check_grace_seconds: int = 120


def user_data(args: AsgServiceArgs, log_group: str, values: Mapping[str, str]) -> str:
    """Boot script: Docker, the CodeDeploy agent, the run script, then the app container.

    The secrets the app is set at start are read each time the container starts, never
    written into the template or onto disk; what the app reads when it connects it reads
    itself.
    """
    region = args.aws.region
    env_flags = " ".join(f"-e {k}={shlex.quote(values[k])}" for k in sorted(args.environment))
    secret_lines = []
    for name, secret in sorted(args.secrets.items()):
        ref = shlex.quote(secret.reference)
        read = (
            f"ssm get-parameter --name {ref} --with-decryption --query Parameter.Value"
            if secret.source == "ssm"
            else f"secretsmanager get-secret-value --secret-id {ref} --query SecretString"
        )
        secret_lines.append(f"{name}=$(aws --region {secret.region} {read} --output text)")
        env_flags += f' -e {name}="${name}"'
    command = " ".join(shlex.quote(c) for c in args.command or ())
    # CodeDeploy User Guide, "Install the CodeDeploy agent for Amazon Linux or RHEL": the
    # region's resource-kit bucket, on the partition's own domain (`.amazonaws.com.cn` in China).
    agent = f"https://aws-codedeploy-{region}.s3.{region}.{args.aws.dns_suffix}/latest/install"
    run_script = "\n".join(
        [
            "#!/bin/bash",
            "set -euo pipefail",
            f'image="${{1:-$(aws ssm get-parameter --region {region} --name '
            f'{shlex.quote(args.image_parameter_name)} --query Parameter.Value --output text)}}"',
            *secret_lines,
            DOCKER_LOGIN,
            "docker rm -f app 2>/dev/null || true",
            f"docker run -d --restart always --name app --read-only -p {args.port}:{args.port} "
            f"--log-driver awslogs --log-opt awslogs-region={region} "
            f'--log-opt awslogs-group={log_group} {env_flags} "$image" {command}',
        ]
    )
    return "\n".join(
        [
            "#!/bin/bash",
            "set -euo pipefail",
            "dnf install -y docker jq ruby wget",
            "systemctl enable --now docker",
            f"wget -q -O /tmp/codedeploy-install {agent} && chmod +x /tmp/codedeploy-install",
            "/tmp/codedeploy-install auto",
            f"mkdir -p {shlex.quote(RUN_SCRIPT.rsplit('/', 1)[0])}",
            f"cat > {RUN_SCRIPT} <<'RUN'",
            run_script,
            "RUN",
            f"chmod 0750 {RUN_SCRIPT}",
            RUN_SCRIPT,
        ]
    )


class AsgService(pulumi.ComponentResource):
    """Instances in the private subnets, registered with the target group as instances."""

    def __init__(self, name: str, args: AsgServiceArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("tap:compute:AsgService", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        namer, context = args.namer, args.aws

        self.log_group = args.log_group
        role = service_role(
            self,
            f"{name}-instance-role",
            role_name=namer.role("instance", context.region),
            service="ec2.amazonaws.com",
            context=context,
            guard_account=False,
            managed={"ssm-core": SSM_CORE_POLICY},
            grants={
                "logs": log_stream_writes(self.log_group.arn),
                **args.injected_grants("ssm:GetParameter"),
                **args.connect_grants,
                **self._revisions(args),
                **args.app_grants(),
                **args.pull_grants(),
            },
        )
        self.instance_role = role
        profile = aws.iam.InstanceProfile(
            f"{name}-profile",
            name=namer.role("instance", context.region),
            role=role.name,
            opts=child,
        )
        script = pulumi.Output.all(self.log_group.name, dict(args.environment)).apply(
            lambda values: user_data(args, values[0], values[1])
        )
        self.launch_template = self._launch_template(name, args, profile, script)
        self.group = self._group(name, args)
        self._scaling(name, args)
        self.register_outputs({"autoScalingGroupName": self.group.name})

    @property
    def launch_target(self) -> LaunchTarget:
        """The group as CodeDeploy deploys to it, with what a launch needs (`grant_launch`)."""
        return LaunchTarget(
            group_name=self.group.name,
            launch_template_id=self.launch_template.id,
            instance_role_arn=self.instance_role.arn,
        )

    def _launch_template(
        self,
        name: str,
        args: AsgServiceArgs,
        profile: aws.iam.InstanceProfile,
        script: pulumi.Output[str],
    ) -> aws.ec2.LaunchTemplate:
        """IMDSv2 only, no public address, an encrypted root volume, and the boot script."""
        namer, child = args.namer, pulumi.ResourceOptions(parent=self)
        return aws.ec2.LaunchTemplate(
            f"{name}-template",
            name=namer.name("app", Service.ECS),
            # EC2 resolves the parameter at each launch (EC2 User Guide, "Use a Systems
            # Manager parameter instead of an AMI ID"), so a new AL2023 release changes no
            # input and rolls no instance; new instances get it as they launch.
            image_id=f"resolve:ssm:{AMI_PARAMETER.format(arch=args.architecture)}",
            instance_type=args.instance_type,
            update_default_version=True,
            iam_instance_profile=aws.ec2.LaunchTemplateIamInstanceProfileArgs(arn=profile.arn),
            metadata_options=aws.ec2.LaunchTemplateMetadataOptionsArgs(
                http_endpoint="enabled",
                http_tokens="required",
                http_put_response_hop_limit=METADATA_HOP_LIMIT,
            ),
            monitoring=aws.ec2.LaunchTemplateMonitoringArgs(enabled=True),
            network_interfaces=[
                aws.ec2.LaunchTemplateNetworkInterfaceArgs(
                    associate_public_ip_address="false",
                    delete_on_termination="true",
                    security_groups=[args.security_group_id],
                )
            ],
            block_device_mappings=[
                aws.ec2.LaunchTemplateBlockDeviceMappingArgs(
                    device_name="/dev/xvda",
                    ebs=aws.ec2.LaunchTemplateBlockDeviceMappingEbsArgs(
                        volume_size=args.root_volume_gb,
                        volume_type="gp3",
                        encrypted="true",
                        kms_key_id=args.kms_key_arn,
                        delete_on_termination="true",
                    ),
                )
            ],
            user_data=script.apply(lambda text: base64.b64encode(text.encode()).decode()),
            opts=child,
        )

    def _group(self, name: str, args: AsgServiceArgs) -> aws.autoscaling.Group:
        """Instances checked by the load balancer, replaced by rolling refresh; the count
        belongs to scaling once the group runs."""
        namer = args.namer
        return aws.autoscaling.Group(
            f"{name}-group",
            name=namer.name("app", Service.ECS),
            vpc_zone_identifiers=args.subnet_ids,
            min_size=args.min_count,
            max_size=args.max_count,
            desired_capacity=args.desired_count,
            health_check_type="ELB",
            service_linked_role_arn=args.service_linked_role_arn,
            health_check_grace_period=args.health_check_grace_seconds,
            target_group_arns=[args.target_group_arn],
            # A new group is made once this many instances pass the load balancer's checks,
            # so the rule that sends them requests (made after this) finds them serving.
            min_elb_capacity=args.min_count,
            launch_template=aws.autoscaling.GroupLaunchTemplateArgs(
                id=self.launch_template.id, version=self.launch_template.latest_version.apply(str)
            ),
            instance_refresh=aws.autoscaling.GroupInstanceRefreshArgs(
                strategy="Rolling",
                preferences=aws.autoscaling.GroupInstanceRefreshPreferencesArgs(
                    min_healthy_percentage=90
                ),
            ),
            tags=[
                aws.autoscaling.GroupTagArgs(key=k, value=v, propagate_at_launch=True)
                for k, v in sorted({**args.tags, "Name": namer.name("app")}.items())
            ],
            opts=pulumi.ResourceOptions(
                parent=self, depends_on=list(args.listeners), ignore_changes=["desiredCapacity"]
            ),
        )

    def _scaling(self, name: str, args: AsgServiceArgs) -> None:
        """Target tracking on CPU and on requests per target."""
        namer, child = args.namer, pulumi.ResourceOptions(parent=self)
        policies = {
            "cpu": ("ASGAverageCPUUtilization", args.cpu_target_percent, None),
            "requests": (
                "ALBRequestCountPerTarget",
                args.requests_per_target,
                args.request_count_label(),
            ),
        }
        for key, (metric, value, label) in policies.items():
            aws.autoscaling.Policy(
                f"{name}-scale-{key}",
                name=namer.name(f"scale-{key}", Service.SCALING_POLICY),
                autoscaling_group_name=self.group.name,
                policy_type="TargetTrackingScaling",
                target_tracking_configuration=aws.autoscaling.PolicyTargetTrackingConfigurationArgs(
                    target_value=value,
                    predefined_metric_specification=aws.autoscaling.PolicyTargetTrackingConfigurationPredefinedMetricSpecificationArgs(
                        predefined_metric_type=metric, resource_label=label
                    ),
                ),
                opts=child,
            )

    @staticmethod
    def _revisions(args: AsgServiceArgs) -> Grants:
        """CodeDeploy's agent downloads each revision from the artifacts bucket."""
        return args.artifacts.grant_read("revisions", versions=True) if args.artifacts else {}
