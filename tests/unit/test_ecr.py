"""The image repository: scanned on push, immutable tags, the stack's key, expiring images;
one per service stack with a pipeline, and the only repositories its runtime may pull from."""

from __future__ import annotations

import base64
import json
import subprocess

import pytest

from tap_platform.ecr import (
    DOCKER_LOGIN,
    LOGIN,
    PULL,
    PUSH,
    Repository,
    RepositoryArgs,
    RepositoryRef,
    image_repository,
)
from tap_platform.naming import Namer, NamingError
from tapsim.alone import KEY_ARN, NAMER, build_alone
from tests.conftest import synth

REPOSITORY = "aws:ecr/repository:Repository"
LIFECYCLE = "aws:ecr/lifecyclePolicy:LifecyclePolicy"
# dev-web without a pipeline: the same run (the same config) test_roles.py synthesizes.
NO_PIPELINE = {"tap:pipeline": {"enabled": False}}


def alone(**overrides):
    return build_alone(
        lambda: Repository("image", RepositoryArgs(namer=NAMER, kms_key_arn=KEY_ARN, **overrides))
    )


def test_built_alone_it_scans_on_push_keeps_tags_and_uses_the_key() -> None:
    run = alone()
    repository = run.one(REPOSITORY)
    assert repository.inputs["name"] == "demo-app-alone"
    assert repository.inputs["imageScanningConfiguration"] == {"scanOnPush": True}
    assert repository.inputs["imageTagMutability"] == "IMMUTABLE"
    assert repository.inputs["encryptionConfigurations"] == [
        {"encryptionType": "KMS", "kmsKey": KEY_ARN}
    ]
    assert repository.protect is True
    assert repository.inputs.get("forceDelete", False) is False


def test_built_alone_the_lifecycle_expires_untagged_images_then_all_but_the_newest() -> None:
    policy = alone(keep_images=5, untagged_days=3).one(LIFECYCLE).inputs
    assert policy["repository"] == "demo-app-alone"
    untagged, rest = json.loads(policy["policy"])["rules"]
    assert untagged["selection"] == {
        "tagStatus": "untagged", "countType": "sinceImagePushed", "countUnit": "days",
        "countNumber": 3,
    }  # fmt: skip
    # A rule over any tag status must have the highest priority number.
    assert rest["selection"]["tagStatus"] == "any"
    assert rest["selection"]["countNumber"] == 5
    assert rest["rulePriority"] > untagged["rulePriority"]
    assert {r["action"]["type"] for r in (untagged, rest)} == {"expire"}


def test_built_alone_outside_prod_a_destroy_takes_it_with_its_images() -> None:
    repository = alone(force_delete=True).one(REPOSITORY)
    assert repository.inputs["forceDelete"] is True
    assert repository.protect is False


def test_a_repository_keeps_at_least_one_image() -> None:
    from tapsim.runner import ProgramError

    with pytest.raises((ValueError, ProgramError), match="keep_images"):
        alone(keep_images=0)


def test_the_name_follows_ecrs_rules() -> None:
    from tap_platform.naming import Service

    assert Namer("tap", "pr42").name("app", Service.ECR) == "tap-app-pr42"
    with pytest.raises(NamingError):
        Namer("Tap", "pr42").name("app", Service.ECR)


ARN = "arn:aws:ecr:us-east-1:111122223333:repository/demo-app"
URL = "111122223333.dkr.ecr.us-east-1.amazonaws.com/demo-app"


def test_pushing_takes_the_push_actions_on_the_repository_and_a_token() -> None:
    """ECR User Guide, "IAM permissions for pushing an image"; ECR uses the key itself,
    under the grants it made at creation ("Encryption at rest"), so no key statement."""
    grants = RepositoryRef(arn=ARN, url=URL).grant_push("push")
    assert grants == {"push": (PUSH, [ARN]), "push-login": (LOGIN, ["*"])}
    assert {"ecr:PutImage", "ecr:CompleteLayerUpload", "ecr:BatchGetImage"} <= set(PUSH)


def test_pulling_takes_the_pull_actions_on_the_repository_and_a_token() -> None:
    grants = RepositoryRef(arn=ARN, url=URL).grant_pull("pull")
    assert grants == {"pull": (PULL, [ARN]), "pull-login": (LOGIN, ["*"])}
    assert "ecr:PutImage" not in PULL


@pytest.mark.parametrize(
    ("image", "expected"),
    [
        (f"{URL}:1", ARN),
        (f"{URL}@sha256:{'0' * 64}", ARN),
        ("111122223333.dkr.ecr.cn-north-1.amazonaws.com.cn/team/app:2",
         "arn:aws-cn:ecr:cn-north-1:111122223333:repository/team/app"),
        ("public.ecr.aws/docker/library/python:3.12-alpine", None),
        ("nginx:latest", None),
    ],
)  # fmt: skip
def test_the_first_images_repository_is_read_from_its_uri(image, expected) -> None:
    partition = "aws-cn" if ".cn/" in image else "aws"
    found = image_repository(image, partition)
    assert (found.arn if found else None) == expected


def ecr_grants(run, role: str) -> dict[str, set[str]]:
    role_id = next(
        r.id for r in run.of_type("aws:iam/role:Role") if f"-{role}-" in r.inputs["name"]
    )
    found: dict[str, set[str]] = {}
    for policy in run.of_type("aws:iam/rolePolicy:RolePolicy"):
        if policy.inputs["role"] == role_id:
            for statement in json.loads(policy.inputs["policy"])["Statement"]:
                for action in statement["Action"]:
                    if action.startswith("ecr:"):
                        found.setdefault(action, set()).update(statement["Resource"])
    return found


def test_one_repository_per_service_stack_with_a_pipeline_and_none_on_an_environment() -> None:
    assert [r.inputs["name"] for r in synth("dev-web").of_type(REPOSITORY)] == ["tap-app-dev-web"]
    assert synth("dev-env").of_type(REPOSITORY) == []
    assert synth("dev-web", config=NO_PIPELINE).of_type(REPOSITORY) == []


@pytest.mark.parametrize(("runtime", "role"), [("ecs", "exec"), ("asg", "instance")])
def test_the_runtime_pulls_only_from_the_stacks_repository(synthesized, runtime, role) -> None:
    run = synthesized["dev" if runtime == "ecs" else "dev-asg"]
    repository = run.one(REPOSITORY).state["arn"]
    assert ecr_grants(run, role) == {
        **{action: {repository} for action in PULL},
        "ecr:GetAuthorizationToken": {"*"},
    }


def test_the_first_image_in_private_ecr_is_pulled_from_its_own_repository(every_option) -> None:
    """every-option starts on a private ECR image, which runs until the first build."""
    found = ecr_grants(every_option, "exec")
    assert found["ecr:BatchGetImage"] == {
        every_option.one(REPOSITORY).state["arn"],
        "arn:aws:ecr:us-east-1:111122223333:repository/app",
    }


def test_a_public_first_image_and_no_pipeline_take_no_ecr_grant() -> None:
    assert ecr_grants(synth("dev-web", config=NO_PIPELINE), "exec") == {}


@pytest.mark.parametrize(
    ("image", "expected"),
    [
        (f"{URL}@sha256:{'0' * 64}",
         ["aws ecr get-login-password --region us-east-1",
          "docker login --username AWS --password-stdin "
          "111122223333.dkr.ecr.us-east-1.amazonaws.com"]),
        ("public.ecr.aws/docker/library/python:3.12-alpine", []),
    ],
)  # fmt: skip
def test_an_instance_signs_docker_in_to_a_private_registry_before_it_pulls(
    image, expected, tmp_path
) -> None:
    calls = tmp_path / "calls"
    for tool in ("aws", "docker"):
        (tmp_path / tool).write_text(f'#!/bin/bash\nprintf "{tool} %s\\n" "$*" >> {calls}\n')
        (tmp_path / tool).chmod(0o755)
    env = {"image": image, "PATH": f"{tmp_path}:/usr/bin:/bin"}
    subprocess.run(["bash", "-euo", "pipefail", "-c", DOCKER_LOGIN], env=env, check=True)
    assert sorted(calls.read_text().splitlines() if calls.exists() else []) == expected


def test_the_run_script_signs_in_before_it_starts_the_container(asg_run) -> None:
    template = asg_run.one("aws:ec2/launchTemplate:LaunchTemplate").inputs
    script = base64.b64decode(template["userData"]).decode()
    assert DOCKER_LOGIN in script
    assert script.index(DOCKER_LOGIN) < script.index("docker run")
