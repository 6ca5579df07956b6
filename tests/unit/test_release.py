"""Who owns the running image: the stack seeds it, the pipeline owns it once it delivers."""

from __future__ import annotations

import base64
import json

from tap_platform.release import Release, ReleaseArgs
from tapsim.alone import NAMER, build_alone
from tapsim.fake_cloud import FakeCloud
from tapsim.runner import run_program, stack_config, stack_settings

PARAMETER = "aws:ssm/parameter:Parameter"
TASK = "aws:ecs/taskDefinition:TaskDefinition"
DELIVERED = "111122223333.dkr.ecr.us-east-1.amazonaws.com/app:42"


def image_of(run) -> str:
    return json.loads(run.one(TASK).inputs["containerDefinitions"])[0]["image"]


def configured(run) -> str:
    """`tap:service.image`, which runs until the pipeline has built and deployed its own."""
    return stack_settings(run.stack).service.image


def test_the_stack_seeds_the_release_parameter_and_then_leaves_it_to_the_pipeline(any_run):
    parameter = any_run.one(PARAMETER)
    suffix = any_run.outputs["environmentSuffix"]
    assert parameter.inputs["name"] == f"/tap/{suffix}/app/image"
    assert parameter.inputs["type"] == "String"
    assert parameter.inputs["insecureValue"] == configured(any_run)
    assert parameter.ignore_changes == ("insecureValue",)


def test_before_any_delivery_the_configured_image_runs(dev) -> None:
    assert image_of(dev) == configured(dev) == stack_settings("dev").service.image


def test_a_later_up_keeps_the_image_the_pipeline_delivered() -> None:
    """The ECS deploy action moved the service to its own revision, and the record stage
    wrote the image; the next `pulumi up` registers that image, not the configured one."""
    cloud = FakeCloud(stack_config("dev")["aws:region"])
    cloud.parameters["/tap/dev/app/image"] = DELIVERED
    cloud.parameters["/tap/dev/app/image-old"] = "elsewhere"
    run = run_program("dev", cloud)
    assert image_of(run) == DELIVERED
    assert run.one(PARAMETER).inputs["insecureValue"] == configured(run)


def test_instances_read_the_image_at_boot_so_a_delivery_never_rolls_them(asg_run) -> None:
    template = asg_run.one("aws:ec2/launchTemplate:LaunchTemplate").inputs
    script = base64.b64decode(template["userData"]).decode()
    assert configured(asg_run) not in script
    assert asg_run.one(PARAMETER).inputs["name"] in script


def test_release_alone_seeds_its_parameter_and_runs_the_initial_image() -> None:
    """Before any delivery the parameter does not exist, so the image is the seed."""
    images: list[str] = []

    def build() -> Release:
        release = Release("release", ReleaseArgs(namer=NAMER, initial_image="nginx:1.27"))
        release.image.apply(images.append)
        return release

    run = build_alone(build)
    parameter = run.one(PARAMETER)
    assert parameter.inputs["name"] == "/demo/alone/app/image"
    assert parameter.inputs["insecureValue"] == "nginx:1.27"
    assert parameter.ignore_changes == ("insecureValue",)
    assert images == ["nginx:1.27"]
