"""EC2 Auto Scaling runtime: IMDSv2, encrypted disks, no public IPs, behind the ALB."""

from __future__ import annotations

import base64
import json
import re
import subprocess

import pytest

from tap_platform.asg_service import RUN_SCRIPT
from tapsim.examples import load
from tests.conftest import suffix_of, synth

ASG = load("asg").config

TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate"
GROUP = "aws:autoscaling/group:Group"


def test_imdsv2_is_required_with_a_hop_limit_the_container_can_use(asg_run) -> None:
    """The container on Docker's bridge network is one hop past the instance; with a hop
    limit of 1 the IMDSv2 token reply never reaches it (EC2 User Guide, "Configure the
    instance metadata options")."""
    metadata = asg_run.one(TEMPLATE).inputs["metadataOptions"]
    assert metadata == {"httpEndpoint": "enabled", "httpTokens": "required",
                        "httpPutResponseHopLimit": 2}  # fmt: skip


def test_root_volume_is_encrypted_gp3_with_the_stack_key(asg_run) -> None:
    (disk,) = asg_run.one(TEMPLATE).inputs["blockDeviceMappings"]
    ebs = disk["ebs"]
    assert (ebs["encrypted"], ebs["volumeType"]) == ("true", "gp3")
    assert ebs["kmsKeyId"] == asg_run.outputs["kmsKeyArn"]


def test_instances_get_no_public_ip_and_the_app_group(asg_run) -> None:
    (nic,) = asg_run.one(TEMPLATE).inputs["networkInterfaces"]
    assert nic["associatePublicIpAddress"] == "false"
    app = next(g for g in asg_run.of_type("aws:ec2/securityGroup:SecurityGroup")
               if g.inputs["name"].startswith("tap-app-"))  # fmt: skip
    assert nic["securityGroups"] == [app.id]
    assert asg_run.one(TEMPLATE).inputs["monitoring"] == {"enabled": True}


def test_ami_is_resolved_by_ec2_from_the_public_ssm_parameter_for_the_architecture(
    synthesized,
) -> None:
    """Read at launch, not at `pulumi up`: an AMI release changes nothing in the stack. The
    architecture is the one EC2 reports for the type, Graviton's `a1` too, which has no `g`
    in its name."""
    x86 = synthesized["dev-asg"].one(TEMPLATE).inputs["imageId"]
    arm = synth(
        "dev",
        config={
            **ASG,
            "tap:instances": {"instanceType": "a1.large"},
            "tap:service": {"architecture": "ARM64"},
        },
    )
    parameter = "resolve:ssm:/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-"
    assert x86 == f"{parameter}x86_64"
    assert arm.one(TEMPLATE).inputs["imageId"] == f"{parameter}arm64"


def test_user_data_runs_the_image_on_the_port_logs_to_cloudwatch_and_reads_secrets(asg_run):
    script = base64.b64decode(asg_run.one(TEMPLATE).inputs["userData"]).decode()
    region = asg_run.outputs["region"]
    assert "dnf install -y docker" in script
    assert "-p 8080:8080" in script
    assert f"--log-driver awslogs --log-opt awslogs-region={region}" in script
    parameter = asg_run.one("aws:ssm/parameter:Parameter").inputs["name"]
    assert f"aws ssm get-parameter --region {region} --name {parameter}" in script
    assert "python:3.12-alpine" not in script, "a delivery must not change the launch template"
    assert asg_run.outputs["dbSecretArn"] not in script
    assert "get-secret-value" not in script, "no secret of the stack is read at start"
    assert f"aws-codedeploy-{region}.s3.{region}.amazonaws.com" in script


def test_in_china_the_codedeploy_agent_comes_from_the_partitions_own_s3_domain() -> None:
    """CodeDeploy User Guide, "Install the CodeDeploy agent for Amazon Linux or RHEL": the
    China Regions' installer is at `...s3.cn-north-1.amazonaws.com.cn/latest/install`."""
    from tap_platform.asg_service import AsgServiceArgs, user_data
    from tapsim.alone import CHINA, app_fields

    args = AsgServiceArgs(
        **{**app_fields("/demo/app"), "aws": CHINA}, artifacts=None, tags={},
        service_linked_role_arn="role", image_parameter_name="/demo/image",
        architecture="x86_64",
    )  # fmt: skip
    script = user_data(args, "/demo/app", {"MODE": "alone"})
    agent = "https://aws-codedeploy-cn-north-1.s3.cn-north-1.amazonaws.com.cn/latest/install"
    assert agent in script


@pytest.mark.parametrize(
    ("stack", "low", "high"), [("dev-asg", 1, 2), ("staging-asg", 2, 4), ("prod-asg", 3, 10)]
)
def test_group_spans_the_private_subnets_behind_the_target_group(synthesized, stack, low, high):
    run = synthesized[stack]
    group = run.one(GROUP).inputs
    assert sorted(group["vpcZoneIdentifiers"]) == sorted(run.outputs["privateSubnetIds"])
    assert group["targetGroupArns"] == [run.outputs["targetGroupArn"]]
    assert (group["minSize"], group["maxSize"]) == (low, high)
    assert group["healthCheckType"] == "ELB"
    assert group["healthCheckGracePeriod"] > 0
    assert group["instanceRefresh"]["strategy"] == "Rolling"
    assert group["launchTemplate"]["id"] == run.one(TEMPLATE).id
    assert run.one("aws:lb/targetGroup:TargetGroup").inputs["targetType"] == "instance"


def test_target_tracking_on_cpu_and_requests(asg_run) -> None:
    metrics = {
        p.inputs["targetTrackingConfiguration"]["predefinedMetricSpecification"][
            "predefinedMetricType"
        ]
        for p in asg_run.of_type("aws:autoscaling/policy:Policy")
    }
    assert metrics == {"ASGAverageCPUUtilization", "ALBRequestCountPerTarget"}


def test_instance_role_has_ssm_core_and_only_what_the_app_needs(asg_run) -> None:
    role = next(r for r in asg_run.of_type("aws:iam/role:Role")
                if r.inputs["name"].startswith("tap-instance-"))  # fmt: skip
    (attachment,) = [a for a in asg_run.of_type("aws:iam/rolePolicyAttachment:RolePolicyAttachment")
                     if a.inputs["role"] == role.inputs["name"]]  # fmt: skip
    assert attachment.inputs["policyArn"] == "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"
    grants: dict[str, list] = {}
    for policy in asg_run.of_type("aws:iam/rolePolicy:RolePolicy"):
        if policy.inputs["role"] == role.id:
            for statement in json.loads(policy.inputs["policy"])["Statement"]:
                for action in statement["Action"]:
                    grants.setdefault(action, []).extend(statement["Resource"])
    assert grants["secretsmanager:GetSecretValue"] == [asg_run.outputs["redisAuthSecretArn"]]
    (user,) = grants["rds-db:connect"]
    assert user.endswith(f":dbuser:{asg_run.outputs['dbResourceId']}/app")
    assets = f"arn:aws:s3:::{asg_run.outputs['assetsBucket']}"
    assert grants["s3:PutObject"] == [f"{assets}/*"]
    assert grants["s3:ListBucket"] == [assets]
    repository = asg_run.one("aws:ecr/repository:Repository").state["arn"]
    assert grants["ecr:BatchGetImage"] == [repository]
    # Docker's sign-in token to pull the built image takes no resource; nothing else has `*`.
    assert [a for a, resources in grants.items() if "*" in resources] == [
        "ecr:GetAuthorizationToken"
    ]


def test_switching_runtime_changes_only_the_runtime(synthesized) -> None:
    def shape(run):
        skip = ("aws:ecs/", "aws:appautoscaling/", "aws:autoscaling/", "aws:ec2/launchTemplate",
                "aws:iam/", "aws:codedeploy/")  # fmt: skip
        insights = "app-insights-logs"
        # The target group and its rule are keyed by runtime (`-ip`, `-instance`).
        return sorted(
            (r.type, re.sub(r"-(ip|instance)$", "", r.name))
            for r in run.custom
            if not r.type.startswith(skip) and r.name not in {"observability-memory", insights}
        )

    for tier in ("dev", "staging", "prod"):
        assert shape(synthesized[tier]) == shape(synthesized[f"{tier}-asg"])


def test_group_launches_through_the_service_linked_role_the_key_admits(asg_run) -> None:
    """EC2 Auto Scaling User Guide, "Required AWS KMS key policy for use with encrypted
    volumes": the group's role must be named by the key policy."""
    role = asg_run.one("aws:iam/serviceLinkedRole:ServiceLinkedRole")
    assert role.inputs["awsServiceName"] == "autoscaling.amazonaws.com"
    group = asg_run.one("aws:autoscaling/group:Group").inputs
    assert group["serviceLinkedRoleArn"] == role.state["arn"]
    policy = json.loads(asg_run.one("aws:kms/key:Key").inputs["policy"])
    assert {"AWS": role.state["arn"]} in [s["Principal"] for s in policy["Statement"]]


def test_boot_writes_the_run_script_that_deployments_call_again(asg_run) -> None:
    """Boot and every CodeDeploy deployment start the container the same way: the run script
    takes the image as its argument, and the old container goes first."""
    script = base64.b64decode(asg_run.one(TEMPLATE).inputs["userData"]).decode()
    subprocess.run(["bash", "-n"], input=script, text=True, check=True)
    body = script.split(f"cat > {RUN_SCRIPT} <<'RUN'\n", 1)[1].split("\nRUN\n", 1)[0]
    subprocess.run(["bash", "-n"], input=body, text=True, check=True)
    assert body.splitlines()[2].startswith('image="${1:-$(aws ssm get-parameter ')
    assert body.index("docker rm -f app") < body.index("docker run")
    assert '"$image"' in body.splitlines()[-1]
    assert script.rstrip().endswith(RUN_SCRIPT)


def test_switching_runtime_keeps_the_app_log_group_and_leaves_the_target_group_unnamed(
    synthesized,
) -> None:
    """The log group keeps its URN, so a switch updates nothing there; the target group's
    type cannot change in place, so the new group is made before the old one goes, under a
    name Pulumi gives it."""
    for tier in ("dev", "prod"):
        ecs, asg = synthesized[tier], synthesized[f"{tier}-asg"]

        def app_logs(run):
            name = f"/tap/{suffix_of(run)}/app"
            (group,) = [g for g in run.of_type("aws:cloudwatch/logGroup:LogGroup")
                        if g.inputs["name"] == name]  # fmt: skip
            return group.urn

        assert app_logs(ecs) == app_logs(asg)
        groups = [r.one("aws:lb/targetGroup:TargetGroup").inputs for r in (ecs, asg)]
        assert [g["targetType"] for g in groups] == ["ip", "instance"]
        assert [g.get("name") for g in groups] == [None, None]


def test_built_alone_the_group_takes_its_documented_instance_defaults() -> None:
    from tap_platform.asg_service import AsgService, AsgServiceArgs
    from tap_platform.logs import AppLogs, AppLogsArgs
    from tapsim.alone import KEY_ARN, app_fields, build_alone

    def program() -> AsgService:
        logs = AppLogs("logs", AppLogsArgs("/demo/app", retention_days=7, kms_key_arn=KEY_ARN))
        args = AsgServiceArgs(
            **app_fields(logs.group), artifacts=None, tags={"Team": "demo"},
            service_linked_role_arn="arn:aws:iam::111122223333:role/asg",
            image_parameter_name="/demo/alone/app/image", architecture="x86_64",
        )  # fmt: skip
        return AsgService("app", args)

    run = build_alone(program)
    template = run.one("aws:ec2/launchTemplate:LaunchTemplate").inputs
    assert template["instanceType"] == "t3.micro"
    assert template["blockDeviceMappings"][0]["ebs"]["volumeSize"] == 20
    group = run.one("aws:autoscaling/group:Group").inputs
    assert group["healthCheckGracePeriod"] == 120
    assert {"key": "Team", "value": "demo", "propagateAtLaunch": True} in group["tags"]
    assert not [p for p in run.of_type("aws:iam/rolePolicy:RolePolicy") if "revisions" in p.name]
