"""Delivery: a V2 pipeline with encrypted artifacts, a locked-down build, approval in prod."""

from __future__ import annotations

import json
import os
import subprocess

import pytest
import yaml

from tap_platform.asg_service import RUN_SCRIPT
from tap_platform.buildspecs import RELEASE_DIR
from tapsim.examples import load

CONNECTION = load("every-option").config["tap:pipeline"]["connectionArn"]

PIPELINE = "aws:codepipeline/pipeline:Pipeline"
PROJECT = "aws:codebuild/project:Project"


def stages(run) -> list[str]:
    return [s["name"] for s in run.one(PIPELINE).inputs["stages"]]


def action(run, stage: str) -> dict:
    (found,) = next(s for s in run.one(PIPELINE).inputs["stages"] if s["name"] == stage)["actions"]
    return found


def grants(run, role_prefix: str) -> dict[str, set[str]]:
    role = next(r for r in run.of_type("aws:iam/role:Role")
                if r.inputs["name"].startswith(role_prefix))  # fmt: skip
    found: dict[str, set[str]] = {}
    for policy in run.of_type("aws:iam/rolePolicy:RolePolicy"):
        if policy.inputs["role"] == role.id:
            for statement in json.loads(policy.inputs["policy"])["Statement"]:
                for a in statement["Action"]:
                    found.setdefault(a, set()).update(statement["Resource"])
    return found


def test_v2_pipeline_stores_artifacts_encrypted_with_the_stack_key(any_run) -> None:
    pipeline = any_run.one(PIPELINE).inputs
    assert pipeline["pipelineType"] == "V2"
    (store,) = pipeline["artifactStores"]
    assert store["location"] == any_run.outputs["artifactsBucket"]
    assert store["encryptionKey"] == {"id": any_run.outputs["kmsKeyArn"], "type": "KMS"}


@pytest.mark.parametrize(
    ("stack", "expected"),
    [("dev", ["Source", "Build", "Deploy", "Record"]),
     ("staging", ["Source", "Build", "Deploy", "Record"]),
     ("prod", ["Source", "Build", "Approve", "Deploy", "Record"])],
)  # fmt: skip
def test_manual_approval_before_deploy_in_prod(synthesized, stack, expected) -> None:
    assert stages(synthesized[stack]) == expected
    assert stages(synthesized[f"{stack}-asg"]) == expected


def test_approval_can_be_asked_for_in_any_tier(every_option) -> None:
    assert action(every_option, "Approve")["provider"] == "Manual"


def test_source_is_an_s3_object_by_default(run) -> None:
    source = action(run, "Source")
    assert source["provider"] == "S3"
    assert source["configuration"]["S3Bucket"] == run.outputs["artifactsBucket"]


def test_source_is_a_repository_when_a_connection_is_configured(every_option) -> None:
    run = every_option
    source = action(run, "Source")
    assert source["provider"] == "CodeStarSourceConnection"
    assert source["configuration"] == {
        "ConnectionArn": CONNECTION, "FullRepositoryId": "acme/app", "BranchName": "main"
    }  # fmt: skip
    # The action's prefix is the ARN's (codeconnections, or the older codestar-connections).
    assert grants(run, "tap-pipeline-")["codeconnections:UseConnection"] == {CONNECTION}


def project(run, role: str) -> dict:
    """The build (`build`) or the release recorder (`record`)."""
    return next(p for p in run.of_type(PROJECT) if p.inputs["name"].startswith(f"tap-{role}-"))


@pytest.mark.parametrize("role", ["build", "record"])
def test_build_projects_are_encrypted_logged_and_privileged_only_to_build_the_image(
    any_run, role
) -> None:
    """Docker needs privileged mode on CodeBuild's managed images (CodeBuild User Guide,
    "Docker sample"): the build, which builds the app's image, has it; the recorder not."""
    inputs = project(any_run, role).inputs
    assert inputs["encryptionKey"] == any_run.outputs["kmsKeyArn"]
    assert inputs["environment"].get("privilegedMode", False) is (role == "build")
    assert inputs["environment"]["image"].startswith("aws/codebuild/")
    logs = inputs["logsConfig"]["cloudwatchLogs"]
    group = next(g for g in any_run.of_type("aws:cloudwatch/logGroup:LogGroup")
                 if g.inputs["name"] == logs["groupName"])  # fmt: skip
    assert group.inputs["retentionInDays"] > 0
    for variable in inputs["environment"]["environmentVariables"]:
        assert variable["type"] == "PLAINTEXT"
        assert not any(w in variable["name"] for w in ("PASSWORD", "SECRET", "TOKEN", "KEY"))


def test_the_last_stage_records_the_deployed_image_for_the_next_up(any_run, tmp_path) -> None:
    """Only after the deploy (and any approval) does the image become the one `pulumi up`
    keeps; the recorder may write that one parameter and nothing else."""
    stages = any_run.one("aws:codepipeline/pipeline:Pipeline").inputs["stages"]
    assert [s["name"] for s in stages][-2:] == ["Deploy", "Record"]
    record = project(any_run, "record")
    assert action(any_run, "Record")["configuration"]["ProjectName"] == record.inputs["name"]
    assert action(any_run, "Record")["inputArtifacts"] == ["build"]
    parameter = any_run.one("aws:ssm/parameter:Parameter")
    variables = record.inputs["environment"]["environmentVariables"]
    assert variables == [
        {"name": "IMAGE_PARAMETER", "value": parameter.inputs["name"], "type": "PLAINTEXT"}
    ]
    found = grants(any_run, "tap-record-")
    assert found["ssm:PutParameter"] == {parameter.state["arn"]}
    assert {a.split(":")[0] for a in found} == {"logs", "s3", "kms", "ssm"}
    assert "s3:PutObject" not in found
    run_build(any_run, tmp_path)
    calls = tmp_path / "record-calls"
    fake_aws = tmp_path / "bin" / "aws"
    fake_aws.parent.mkdir()
    fake_aws.write_text(f'#!/bin/bash\nprintf "%s\\n" "$*" >> {calls}\n')
    fake_aws.chmod(0o755)
    spec = yaml.safe_load(record.inputs["source"]["buildspec"])
    for command in spec["phases"]["build"]["commands"]:
        env = {
            "IMAGE_PARAMETER": parameter.inputs["name"],
            "PATH": f"{fake_aws.parent}:/usr/bin:/bin",
        }
        subprocess.run(["bash", "-ec", command], cwd=tmp_path, env=env, check=True)
    assert calls.read_text().split() == [
        "ssm", "put-parameter", "--name", parameter.inputs["name"],
        "--value", built_image(any_run), "--overwrite",
    ]  # fmt: skip


def test_ecs_deploys_with_the_ecs_action(run) -> None:
    deploy = action(run, "Deploy")
    assert deploy["provider"] == "ECS"
    assert deploy["configuration"]["ClusterName"] == run.outputs["clusterName"]
    assert deploy["configuration"]["ServiceName"] == run.outputs["serviceName"]


def test_asg_deploys_through_codedeploy_behind_the_target_group(asg_run) -> None:
    deploy = action(asg_run, "Deploy")
    assert deploy["provider"] == "CodeDeploy"
    group = asg_run.one("aws:codedeploy/deploymentGroup:DeploymentGroup").inputs
    assert group["autoscalingGroups"] == [asg_run.outputs["autoScalingGroupName"]]
    assert group["deploymentStyle"]["deploymentOption"] == "WITH_TRAFFIC_CONTROL"
    tg = asg_run.one("aws:lb/targetGroup:TargetGroup").state["name"]
    assert group["loadBalancerInfo"]["targetGroupInfos"] == [{"name": tg}]
    assert deploy["configuration"]["DeploymentGroupName"] == group["deploymentGroupName"]


def test_build_role_uses_only_its_logs_bucket_key_and_image_repository(any_run) -> None:
    found = grants(any_run, "tap-build-")
    bucket = f"arn:aws:s3:::{any_run.outputs['artifactsBucket']}/*"
    assert found["s3:PutObject"] == {bucket}
    assert found["kms:Decrypt"] == {any_run.outputs["kmsKeyArn"]}
    assert {a.split(":")[0] for a in found} == {"logs", "s3", "kms", "ecr"}
    repository = any_run.one("aws:ecr/repository:Repository").state["arn"]
    assert found["ecr:PutImage"] == found["ecr:CompleteLayerUpload"] == {repository}
    # Docker's sign-in token takes no resource; nothing else is granted on every resource.
    assert [a for a, resources in found.items() if "*" in resources] == [
        "ecr:GetAuthorizationToken"
    ]


def test_pipeline_role_uses_only_its_bucket_key_build_and_deploy_target(run) -> None:
    found = grants(run, "tap-pipeline-")
    assert found["codebuild:StartBuild"] == {p.state["arn"] for p in run.of_type(PROJECT)}
    service = (f"arn:aws:ecs:{run.outputs['region']}:111122223333:service/"
               f"{run.outputs['clusterName']}/{run.outputs['serviceName']}")  # fmt: skip
    assert found["ecs:UpdateService"] == {service}
    task = run.one("aws:ecs/taskDefinition:TaskDefinition").inputs
    assert found["iam:PassRole"] == {task["executionRoleArn"], task["taskRoleArn"]}
    assert {a.split(":")[0] for a in found} == {"s3", "kms", "codebuild", "ecs", "iam"}


def test_the_pipeline_passes_the_task_roles_only_to_ecs_and_tags_only_what_it_registers(run):
    """A grant's condition reaches the role's policy with it (`policies.allow`)."""
    role = next(r for r in run.of_type("aws:iam/role:Role")
                if r.inputs["name"].startswith("tap-pipeline-"))  # fmt: skip
    found = {
        action: statement.get("Condition")
        for policy in run.of_type("aws:iam/rolePolicy:RolePolicy")
        if policy.inputs["role"] == role.id
        for statement in json.loads(policy.inputs["policy"])["Statement"]
        for action in statement["Action"]
    }
    assert found["iam:PassRole"] == {
        "StringEquals": {"iam:PassedToService": "ecs-tasks.amazonaws.com"}
    }
    assert found["ecs:TagResource"] == {
        "StringEquals": {"ecs:CreateAction": "RegisterTaskDefinition"}
    }
    assert found["ecs:UpdateService"] is None


DIGEST = "sha256:" + "ab" * 32
# Stand-ins for the tools the build calls: each records its arguments; `docker inspect`
# answers with the digest the registry gave the pushed image.
FAKE_TOOLS = {
    "docker": f"""#!/bin/bash
printf 'docker %s\\n' "$*" >> "$CALLS"
if [ "$1" = inspect ]; then printf '%s@{DIGEST}\\n' "$REPOSITORY_URI"; fi
""",
    "aws": """#!/bin/bash
printf 'aws %s\\n' "$*" >> "$CALLS"
if [ "$2" = get-login-password ]; then echo token; fi
""",
}


def built_image(run) -> str:
    return f"{run.one('aws:ecr/repository:Repository').state['repositoryUrl']}@{DIGEST}"


def run_build(run, tmp_path, *, dockerfile: bool = True, **env: str) -> dict:
    """Runs the build's own commands in a scratch directory holding the source, as CodeBuild
    would, with Docker and the AWS CLI stood in for."""
    inputs = project(run, "build").inputs
    spec = yaml.safe_load(inputs["source"]["buildspec"])
    tools = tmp_path / "tools"
    tools.mkdir(exist_ok=True)
    for name, text in FAKE_TOOLS.items():
        (tools / name).write_text(text)
        (tools / name).chmod(0o755)
    if dockerfile:
        (tmp_path / "app").mkdir(exist_ok=True)
        (tmp_path / "app" / "Dockerfile").write_text("FROM scratch\n")
    variables = {v["name"]: v["value"] for v in inputs["environment"]["environmentVariables"]}
    env = {
        **variables, "AWS_REGION": run.outputs["region"], "CALLS": str(tmp_path / "calls"),
        "CODEBUILD_BUILD_NUMBER": "42", "CODEBUILD_RESOLVED_SOURCE_VERSION": "Vx+3/q",
        "PATH": f"{tools}:/usr/bin:/bin", **env,
    }  # fmt: skip
    for command in spec["phases"]["build"]["commands"]:
        subprocess.run(["bash", "-ec", command], cwd=tmp_path, env=env, check=True)
    return spec


def test_the_build_pushes_the_apps_image_under_a_new_tag_and_hands_on_its_digest(
    any_run, tmp_path
) -> None:
    """The tag carries the build number and the source revision, so a rebuild of the same
    source never collides with the repository's immutable tags; what is deployed is the
    digest the push produced."""
    run_build(any_run, tmp_path)
    repository = any_run.one("aws:ecr/repository:Repository").state["repositoryUrl"]
    calls = (tmp_path / "calls").read_text().splitlines()
    registry = repository.split("/")[0]
    assert sorted(calls[:2]) == [
        f"aws ecr get-login-password --region {any_run.outputs['region']}",
        f"docker login --username AWS --password-stdin {registry}",
    ]
    tagged = f"{repository}:b42-Vx-3-q"
    assert calls[2:] == [
        f"docker build --platform linux/amd64 -t {tagged} app",
        f"docker push {tagged}",
        f"docker inspect --format {{{{range .RepoDigests}}}}{{{{println .}}}}{{{{end}}}} {tagged}",
    ]
    assert (tmp_path / "image.txt").read_text().strip() == built_image(any_run)


def test_a_source_without_the_dockerfile_fails_the_build_before_docker_runs(dev, tmp_path):
    with pytest.raises(subprocess.CalledProcessError):
        run_build(dev, tmp_path, dockerfile=False)
    assert not (tmp_path / "calls").exists()


def test_ecs_build_writes_the_image_definitions_the_deploy_action_reads(dev, tmp_path) -> None:
    run_build(dev, tmp_path)
    definitions = json.loads((tmp_path / "imagedefinitions.json").read_text())
    assert definitions == [{"name": "app", "imageUri": built_image(dev)}]


def test_asg_build_writes_an_appspec_whose_hooks_replace_the_container(asg_run, tmp_path) -> None:
    """CodeDeploy fails without `appspec.yml` at the revision's root (CodeDeploy User Guide,
    "AppSpec file structure"); its hooks stop the old container and start the new image
    with the run script boot wrote."""
    spec = run_build(asg_run, tmp_path)
    assert spec["artifacts"]["files"] == ["**/*"]
    appspec = yaml.safe_load((tmp_path / "appspec.yml").read_text())
    assert appspec["version"] == 0.0
    assert appspec["files"] == [{"source": "/", "destination": RELEASE_DIR}]
    hooks = {name: entries[0]["location"] for name, entries in appspec["hooks"].items()}
    assert set(hooks) == {"ApplicationStop", "ApplicationStart", "ValidateService"}
    for location in hooks.values():
        path = tmp_path / location
        assert os.access(path, os.X_OK), location
        subprocess.run(["bash", "-n", str(path)], check=True)
    start = (tmp_path / hooks["ApplicationStart"]).read_text()
    assert f'{RUN_SCRIPT} "$(cat {RELEASE_DIR}/image.txt)"' in start
    assert (tmp_path / "image.txt").read_text().strip() == built_image(asg_run)
    assert "docker rm -f app" in (tmp_path / hooks["ApplicationStop"]).read_text()
    validate = (tmp_path / hooks["ValidateService"]).read_text()
    assert "http://127.0.0.1:8080/" in validate


INSTANCE_ROLE = "arn:aws:iam::111122223333:role/demo-instance"


def pipeline_alone(**overrides):
    from tap_platform.buckets import BucketRef
    from tap_platform.deploy import LaunchTarget
    from tap_platform.pipeline import Pipeline, PipelineArgs
    from tap_platform.release import Release, ReleaseArgs
    from tapsim.alone import CONTEXT, KEY_ARN, NAMER, build_alone

    def program() -> Pipeline:
        release = Release("release", ReleaseArgs(namer=NAMER, initial_image="demo:1"))
        bucket = "demo-artifacts-alone"
        args = PipelineArgs(
            namer=NAMER, aws=CONTEXT, kms_key_arn=KEY_ARN,
            artifacts=BucketRef(name=bucket, arn=f"arn:aws:s3:::{bucket}", key_arn=KEY_ARN),
            image="demo:1", image_parameter=release.ref, target_group_name="demo-tg",
            app_port=8080, health_check_path="/", run_script=RUN_SCRIPT,
            **{"asg": LaunchTarget("demo-asg", "lt-0123456789abcdef0", INSTANCE_ROLE), **overrides},
        )  # fmt: skip
        return Pipeline("delivery", args)

    return build_alone(program)


def test_built_alone_the_defaults_build_small_from_the_s3_source_without_approval() -> None:
    run = pipeline_alone()
    assert stages(run) == ["Source", "Build", "Deploy", "Record"]
    assert action(run, "Source")["provider"] == "S3"
    build = next(p for p in run.of_type(PROJECT) if p.name == "delivery-build").inputs
    assert build["environment"]["computeType"] == "BUILD_GENERAL1_SMALL"
    assert build["environment"]["privilegedMode"] is False
    assert build["environment"]["environmentVariables"] == [
        {"name": "IMAGE", "value": "demo:1", "type": "PLAINTEXT"}
    ]
    assert "docker build" not in build["source"]["buildspec"]
    assert action(run, "Deploy")["provider"] == "CodeDeploy"


def test_built_alone_with_a_repository_the_build_builds_pushes_and_is_privileged() -> None:
    from tap_platform.ecr import RepositoryRef

    url = "111122223333.dkr.ecr.us-east-1.amazonaws.com/demo-app"
    arn = "arn:aws:ecr:us-east-1:111122223333:repository/demo-app"
    run = pipeline_alone(
        image_repository=RepositoryRef(arn=arn, url=url),
        dockerfile_dir="services/web",
        image_platform="linux/arm64",
    )
    build = next(p for p in run.of_type(PROJECT) if p.name == "delivery-build").inputs
    assert build["environment"]["privilegedMode"] is True
    assert build["environment"]["environmentVariables"] == [
        {"name": "REPOSITORY_URI", "value": url, "type": "PLAINTEXT"}
    ]
    assert "docker build --platform linux/arm64" in build["source"]["buildspec"]
    assert "test -f services/web/Dockerfile" in build["source"]["buildspec"]
    assert grants(run, "demo-build-")["ecr:PutImage"] == {arn}


def test_built_alone_codedeploy_may_launch_from_the_template_and_pass_the_instance_role():
    """CodeDeploy User Guide, "Troubleshoot Amazon EC2 Auto Scaling issues": a group that
    launches from a launch template needs these three beyond `AWSCodeDeployRole`."""
    found = grants(pipeline_alone(), "demo-codedeploy-")
    template = "arn:aws:ec2:us-east-1:111122223333:launch-template/lt-0123456789abcdef0"
    assert template in found["ec2:RunInstances"]
    assert found["iam:PassRole"] == {INSTANCE_ROLE}
    assert found["ec2:CreateTags"] == {
        "arn:aws:ec2:us-east-1:111122223333:instance/*",
        "arn:aws:ec2:us-east-1:111122223333:volume/*",
    }
    assert set(found) == {"ec2:RunInstances", "ec2:CreateTags", "iam:PassRole"}


def test_built_alone_a_pipeline_needs_somewhere_to_deploy() -> None:
    from tapsim.runner import ProgramError

    with pytest.raises((ValueError, ProgramError), match="give ecs or asg to deploy to"):
        pipeline_alone(asg=None)
