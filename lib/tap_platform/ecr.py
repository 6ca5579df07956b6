"""The app's image repository: where the pipeline pushes what it builds, and what the runtime
pulls.

ECR scans every image as it is pushed, refuses to move a tag once it names an image (the
pipeline deploys by digest anyway, so a tag only tells people which build it was), encrypts
the layers with the stack's key, and expires old images by a lifecycle policy.

The key: ECR uses it itself. Creating the repository, ECR checks the key (`DescribeKey`) and
creates two grants on it for the repository; on each push it asks for a data key and on each
pull it decrypts one, under those grants (ECR User Guide, "Encryption at rest", and its
"Required IAM permissions", which name key permissions for whoever creates or deletes the
repository only). So, unlike a bucket's, these grants bring no key statement: whoever pushes
or pulls needs ECR permissions and nothing of the key. The deployer's `kms:CreateGrant`,
`kms:DescribeKey` and `kms:RetireGrant` come from the key policy's account statement, which
hands the decision to IAM.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from tap_platform.naming import Namer, Service
from tap_platform.policies import Grants

# What each use of a repository asks of ECR (ECR User Guide, "IAM permissions for pushing an
# image to an Amazon ECR private repository"; ECS Developer Guide, "Task execution IAM role"
# for pulling). Docker signs in first with a token, which takes no resource.
LOGIN = ("ecr:GetAuthorizationToken",)
PULL = ("ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage")
PUSH = (
    "ecr:BatchCheckLayerAvailability",
    "ecr:InitiateLayerUpload",
    "ecr:UploadLayerPart",
    "ecr:CompleteLayerUpload",
    "ecr:PutImage",
    "ecr:BatchGetImage",
)
# A private ECR image: `<account>.dkr.ecr.<region>.amazonaws.com[.cn]/<name>[:tag][@digest]`.
IMAGE_PATTERN = re.compile(
    r"^(?P<account>\d{12})\.dkr\.ecr\.(?P<region>[a-z0-9-]+)\.amazonaws\.com(?:\.cn)?/"
    r"(?P<name>[a-z0-9._/-]+?)(?::[\w.-]+)?(?:@sha256:[0-9a-f]{64})?$"
)
# Signs Docker in to the registry of `$image` when it is a private ECR image, in the
# registry's own region; a public image needs nothing.
DOCKER_LOGIN = (
    'case "$image" in *.dkr.ecr.*) registry="${image%%/*}"; region="${registry#*.dkr.ecr.}"; '
    'aws ecr get-login-password --region "${region%%.*}" | '
    'docker login --username AWS --password-stdin "$registry" >/dev/null;; esac'
)


@dataclass(frozen=True)
class RepositoryRef:
    """One private repository as a grantee sees it.

    Attributes:
        arn: the repository's ARN.
        url: its URI, `<account>.dkr.ecr.<region>.amazonaws.com/<name>`, which images are
            named by.
    """

    arn: pulumi.Input[str]
    url: pulumi.Input[str]

    def grant_pull(self, name: str) -> Grants:
        return grant_pull(name, [self])

    def grant_push(self, name: str) -> Grants:
        """Push (and read back what was pushed), and sign Docker in."""
        return {name: (PUSH, [self.arn]), f"{name}-login": (LOGIN, ["*"])}


def grant_pull(name: str, repositories: Sequence[RepositoryRef]) -> Grants:
    """Pull from exactly these repositories and sign Docker in; nothing without one (a public
    image needs no grant)."""
    if not repositories:
        return {}
    return {name: (PULL, [r.arn for r in repositories]), f"{name}-login": (LOGIN, ["*"])}


def image_repository(image: str, partition: str) -> RepositoryRef | None:
    """The private ECR repository an image is pulled from, or None for any other image."""
    match = IMAGE_PATTERN.match(image)
    if not match:
        return None
    account, region, name = match["account"], match["region"], match["name"]
    return RepositoryRef(
        arn=f"arn:{partition}:ecr:{region}:{account}:repository/{name}",
        url=f"{image.split('/', 1)[0]}/{name}",
    )


@dataclass(frozen=True)
class RepositoryArgs:
    """What the repository needs: its name, its key, how long images stay, and whether a
    destroy may take it.

    Attributes:
        namer: names the repository `{project}-{role}-{suffix}` (ECR's limits).
        kms_key_arn: the customer key the image layers are encrypted with; a repository's
            encryption is set when it is created and never changes.
        role: the repository's role in its name (default: app).
        keep_images: the most recent images kept; older ones expire (default: 30, enough
            to roll back over many deliveries).
        untagged_days: days an untagged image is kept, such as the layers of a push that
            never finished (default: 7).
        force_delete: delete the repository with its images on destroy, and leave it
            unprotected (non-prod); false keeps it and protects it, as the buckets'
            `force_destroy` does (default: False).
    """

    namer: Namer
    kms_key_arn: pulumi.Input[str]
    role: str = "app"
    keep_images: int = 30
    untagged_days: int = 7
    force_delete: bool = False


def lifecycle_policy(keep_images: int, untagged_days: int) -> str:
    """Untagged images expire after `untagged_days`; then all but the newest `keep_images`.
    A rule over any tag status must come last (ECR User Guide, "Lifecycle policy
    properties": `tagStatus` any takes the highest `rulePriority`)."""
    rules = [
        {
            "rulePriority": 1,
            "description": f"untagged images after {untagged_days} days",
            "selection": {
                "tagStatus": "untagged",
                "countType": "sinceImagePushed",
                "countUnit": "days",
                "countNumber": untagged_days,
            },
            "action": {"type": "expire"},
        },
        {
            "rulePriority": 2,
            "description": f"all but the newest {keep_images} images",
            "selection": {
                "tagStatus": "any",
                "countType": "imageCountMoreThan",
                "countNumber": keep_images,
            },
            "action": {"type": "expire"},
        },
    ]
    return json.dumps({"rules": rules})


class Repository(pulumi.ComponentResource):
    """A private ECR repository: scanned on push, immutable tags, the stack's key, expiring."""

    def __init__(
        self, name: str, args: RepositoryArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("tap:delivery:Repository", name, None, opts)
        if args.keep_images < 1 or args.untagged_days < 1:
            raise ValueError("RepositoryArgs: keep_images and untagged_days must be 1 or more")
        self.repository = aws.ecr.Repository(
            name,
            name=args.namer.name(args.role, Service.ECR),
            image_scanning_configuration=aws.ecr.RepositoryImageScanningConfigurationArgs(
                scan_on_push=True
            ),
            image_tag_mutability="IMMUTABLE",
            encryption_configurations=[
                aws.ecr.RepositoryEncryptionConfigurationArgs(
                    encryption_type="KMS", kms_key=args.kms_key_arn
                )
            ],
            force_delete=args.force_delete,
            opts=pulumi.ResourceOptions(parent=self, protect=not args.force_delete),
        )
        self.lifecycle = aws.ecr.LifecyclePolicy(
            f"{name}-lifecycle",
            repository=self.repository.name,
            policy=lifecycle_policy(args.keep_images, args.untagged_days),
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.ref = RepositoryRef(arn=self.repository.arn, url=self.repository.repository_url)
        self.register_outputs({"repositoryUrl": self.repository.repository_url})

    def grant_pull(self, name: str) -> Grants:
        return self.ref.grant_pull(name)

    def grant_push(self, name: str) -> Grants:
        return self.ref.grant_push(name)
