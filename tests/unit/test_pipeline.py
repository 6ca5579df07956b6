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
def test_build_projects_are_encrypted_logged_and_unprivileged(any_run, role) -> None:
    inputs = project(any_run, role).inputs
    assert inputs["encryptionKey"] == any_run.outputs["kmsKeyArn"]
    assert inputs["environment"].get("privilegedMode", False) is False
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
    calls = tmp_path / "calls"
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
        "--value", "111122223333.dkr.ecr.us-east-1.amazonaws.com/app:42", "--overwrite",
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
    tg = asg_run.one("aws:lb/targetGroup:TargetGroup").inputs["name"]
    assert group["loadBalancerInfo"]["targetGroupInfos"] == [{"name": tg}]
    assert deploy["configuration"]["DeploymentGroupName"] == group["deploymentGroupName"]


def test_build_role_uses_only_its_logs_bucket_and_key(any_run) -> None:
    found = grants(any_run, "tap-build-")
    bucket = f"arn:aws:s3:::{any_run.outputs['artifactsBucket']}/*"
    assert found["s3:PutObject"] == {bucket}
    assert found["kms:Decrypt"] == {any_run.outputs["kmsKeyArn"]}
    assert {a.split(":")[0] for a in found} == {"logs", "s3", "kms"}
    assert "*" not in set().union(*found.values())


def test_pipeline_role_uses_only_its_bucket_key_build_and_deploy_target(run) -> None:
    found = grants(run, "tap-pipeline-")
    assert found["codebuild:StartBuild"] == {p.state["arn"] for p in run.of_type(PROJECT)}
    service = (f"arn:aws:ecs:{run.outputs['region']}:111122223333:service/"
               f"{run.outputs['clusterName']}/{run.outputs['serviceName']}")  # fmt: skip
    assert found["ecs:UpdateService"] == {service}
    task = run.one("aws:ecs/taskDefinition:TaskDefinition").inputs
    assert found["iam:PassRole"] == {task["executionRoleArn"], task["taskRoleArn"]}
    assert {a.split(":")[0] for a in found} == {"s3", "kms", "codebuild", "ecs", "iam"}


def run_build(run, tmp_path) -> dict:
    """Runs the build's own commands in a scratch directory, as CodeBuild would."""
    spec = yaml.safe_load(project(run, "build").inputs["source"]["buildspec"])
    image = "111122223333.dkr.ecr.us-east-1.amazonaws.com/app:42"
    for command in spec["phases"]["build"]["commands"]:
        subprocess.run(
            ["bash", "-ec", command], cwd=tmp_path, env={"IMAGE": image, "PATH": "/usr/bin:/bin"},
            check=True,
        )  # fmt: skip
    return spec


def test_ecs_build_writes_the_image_definitions_the_deploy_action_reads(dev, tmp_path) -> None:
    run_build(dev, tmp_path)
    definitions = json.loads((tmp_path / "imagedefinitions.json").read_text())
    assert definitions == [
        {"name": "app", "imageUri": "111122223333.dkr.ecr.us-east-1.amazonaws.com/app:42"}
    ]


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
    assert (tmp_path / "image.txt").read_text().strip().endswith("/app:42")
    assert "docker rm -f app" in (tmp_path / hooks["ApplicationStop"]).read_text()
    validate = (tmp_path / hooks["ValidateService"]).read_text()
    assert "http://127.0.0.1:8080/" in validate


def pipeline_alone(**overrides):
    from tap_platform.buckets import BucketRef
    from tap_platform.pipeline import Pipeline, PipelineArgs
    from tap_platform.release import Release, ReleaseArgs
    from tapsim.alone import CONTEXT, KEY_ARN, NAMER, build_alone

    def program() -> Pipeline:
        release = Release("release", ReleaseArgs(namer=NAMER, initial_image="demo:1"))
        bucket = "demo-artifacts-alone"
        args = PipelineArgs(
            namer=NAMER, aws=CONTEXT, kms_key_arn=KEY_ARN,
            artifacts=BucketRef(name=bucket, arn=f"arn:aws:s3:::{bucket}", key_arn=KEY_ARN),
            image="demo:1", image_parameter=release.parameter, target_group_name="demo-tg",
            app_port=8080, health_check_path="/", run_script=RUN_SCRIPT,
            **{"autoscaling_group_name": "demo-asg", **overrides},
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
    assert action(run, "Deploy")["provider"] == "CodeDeploy"


def test_built_alone_a_pipeline_needs_somewhere_to_deploy() -> None:
    from tapsim.runner import ProgramError

    with pytest.raises((ValueError, ProgramError), match="give ecs or autoscaling_group_name"):
        pipeline_alone(autoscaling_group_name=None)
