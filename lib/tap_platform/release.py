"""Which image runs: the stack seeds it, the pipeline owns it from its first delivery.

The ECS deploy action registers its own task-definition revision from the one the service
runs (CodePipeline User Guide, "Amazon Elastic Container Service deploy action reference"),
so a later `pulumi up` that registered the configured image again would roll the service
back to it. Instead, the pipeline's last stage records the image it deployed in an SSM
parameter, and every `pulumi up` reads that parameter: the task definition Pulumi registers
carries the image that runs, and instances that boot later start it. The parameter keeps the
pipeline's value: `tap:service.image` only seeds it.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from tap_platform.naming import Namer
from tap_platform.policies import Grants


@dataclass(frozen=True)
class ImageParameterRef:
    """The release parameter as the pipeline that records into it sees it."""

    name: pulumi.Input[str]
    arn: pulumi.Input[str]

    def grant_record(self) -> Grants:
        """Writing the image a delivery deployed: this parameter only."""
        return {"parameter": (["ssm:PutParameter"], [self.arn])}


@dataclass(frozen=True)
class ReleaseArgs:
    """Where the running image is recorded and what seeds it before the first delivery.

    Attributes:
        namer: names the image parameter, `<app parameter path>/image`.
        initial_image: the image the parameter starts with, and what runs until the
            pipeline first deploys; changing it later leaves the parameter as it is.
    """

    namer: Namer
    initial_image: str


class Release(pulumi.ComponentResource):
    """The image parameter, and the image it holds when this `pulumi up` runs."""

    def __init__(
        self, name: str, args: ReleaseArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("tap:delivery:Release", name, None, opts)
        path = args.namer.parameter("app")
        self.parameter_name = f"{path}/image"
        # A path query returns nothing, rather than failing, before the first deploy.
        found = aws.ssm.get_parameters_by_path_output(
            path=path, opts=pulumi.InvokeOutputOptions(parent=self)
        )
        self.image: pulumi.Output[str] = pulumi.Output.unsecret(
            found.apply(
                lambda r: dict(zip(r.names, r.values, strict=True)).get(
                    self.parameter_name, args.initial_image
                )
            )
        )
        self.parameter = aws.ssm.Parameter(
            f"{name}-image",
            name=self.parameter_name,
            type="String",
            insecure_value=args.initial_image,
            description="The app image the pipeline last deployed; the stack only seeds it",
            opts=pulumi.ResourceOptions(parent=self, ignore_changes=["insecureValue"]),
        )
        self.ref = ImageParameterRef(name=self.parameter.name, arn=self.parameter.arn)
        self.register_outputs({"imageParameter": self.parameter.name})
