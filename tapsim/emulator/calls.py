"""Every AWS API call the emulator makes for a deployment, as the IAM action it needs.

A deployer's credentials must allow each call `pulumi up`, a later `pulumi up`, `pulumi
refresh` and `pulumi destroy` make. The emulator makes those calls through boto3, so a
handler on botocore's event system (`before-parameter-build`, once per API call, before
retries) sees each of them:
- on the clients the emulator makes (`MotoCloud.client`, which attaches them here), and
- on boto3's default session, from which the dynamic resources' own clients come
  (`boto3.client(...)` in `db_user.py`, `db_user_build.py`, `service_logs.py`).

Only calls made on a deployment's behalf count: a call is recorded when the calling thread is
inside one of the emulator's deployment steps (`DEPLOYING`: a registration, an invoke, an
update, a delete, a refresh). The tests' own calls through the same clients, the hosted
zone the user brings (`route53.ensure_zone`) and `make local`'s stand-in certificate are
outside them, and so are not recorded.

Each call is named as IAM names it: the service's action prefix (`SERVICE_PREFIX`) and the
operation, or the action the Service Authorization Reference gives where the two differ
(`ACTION_NAMES`). A create call that carries tags also needs the service's tagging action
("tag on create" authorization), which `TAG_ACTIONS` adds.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Mapping
from types import FrameType
from typing import Any

import boto3

# boto3 client name -> IAM action prefix, where they differ.
SERVICE_PREFIX = {"elbv2": "elasticloadbalancing"}

# (IAM prefix, operation) -> IAM action, where the action is not the operation's name
# (Service Authorization Reference, "Actions defined by Amazon S3": several S3 operations are
# authorized by a differently named action, and reads of an object by `s3:GetObject`).
ACTION_NAMES: Mapping[tuple[str, str], str] = {
    ("s3", "HeadBucket"): "ListBucket",
    ("s3", "ListObjects"): "ListBucket",
    ("s3", "ListObjectsV2"): "ListBucket",
    ("s3", "ListObjectVersions"): "ListBucketVersions",
    ("s3", "HeadObject"): "GetObject",
    ("s3", "DeleteObjects"): "DeleteObject",
    ("s3", "PutBucketEncryption"): "PutEncryptionConfiguration",
    ("s3", "GetBucketEncryption"): "GetEncryptionConfiguration",
    ("s3", "DeleteBucketEncryption"): "PutEncryptionConfiguration",
    ("s3", "PutBucketLifecycleConfiguration"): "PutLifecycleConfiguration",
    ("s3", "GetBucketLifecycleConfiguration"): "GetLifecycleConfiguration",
    ("s3", "DeleteBucketLifecycle"): "PutLifecycleConfiguration",
    ("s3", "PutPublicAccessBlock"): "PutBucketPublicAccessBlock",
    ("s3", "DeletePublicAccessBlock"): "PutBucketPublicAccessBlock",
    ("s3", "GetPublicAccessBlock"): "GetBucketPublicAccessBlock",
    ("s3", "DeleteBucketOwnershipControls"): "PutBucketOwnershipControls",
    ("s3", "PutBucketNotificationConfiguration"): "PutBucketNotification",
    ("s3", "GetBucketNotificationConfiguration"): "GetBucketNotification",
    ("s3", "DeleteBucketTagging"): "PutBucketTagging",
}

# The parameters through which a call tags what it creates.
TAG_PARAMETERS = ("Tags", "TagSpecifications", "tags")
# IAM prefix -> the action AWS also checks when a create call carries tags (each service's
# "tag on create" authorization); IAM's is named after the tagged resource type.
TAG_ACTIONS: Mapping[str, str] = {
    "ec2": "CreateTags",
    "elasticloadbalancing": "AddTags",
    "rds": "AddTagsToResource",
    "elasticache": "AddTagsToResource",
    "ssm": "AddTagsToResource",
    "autoscaling": "CreateOrUpdateTags",
    "acm": "AddTagsToCertificate",
    **{
        prefix: "TagResource"
        for prefix in (
            "application-autoscaling",
            "cloudwatch",
            "codedeploy",
            "codepipeline",
            "ecr",
            "ecs",
            "kms",
            "logs",
            "secretsmanager",
            "sns",
            "wafv2",
        )
    },
}

# The emulator's deployment steps, by (module, function): a registration, an invoke and a
# destroy (`cloud`); a later `pulumi up`'s registrations and deletes, and a refresh (`update`).
DEPLOYING = frozenset(
    {
        *(("tapsim.emulator.cloud", name) for name in ("new_resource", "call", "destroy")),
        *(
            ("tapsim.emulator.update", name)
            for name in ("new_resource", "_delete", "finish", "refresh")
        ),
    }
)
# Calls the emulator makes in a deployment step to stand in for what AWS does itself: moto
# keeps a deleted cluster's automated backups, which AWS removes with the cluster.
STANDING_IN = frozenset({("tapsim.emulator.rds", "_delete_automated_backups")})
_UNIQUE_ID = "tapsim-emulator-calls"


def iam_action(service: str, operation: str) -> str:
    """`ec2:CreateVpc` for boto3's `ec2` client and its `CreateVpc` operation."""
    prefix = SERVICE_PREFIX.get(service, service)
    return f"{prefix}:{ACTION_NAMES.get((prefix, operation), operation)}"


def actions_for(service: str, operation: str, params: Mapping[str, Any]) -> list[str]:
    """The IAM actions one call needs: its own, and the tagging action when it creates
    something with tags."""
    action = iam_action(service, operation)
    if action == "s3:DeleteObject" and params.get("VersionId"):
        action = "s3:DeleteObjectVersion"
    prefix = action.split(":", 1)[0]
    found = [action]
    tagged = any(params.get(name) for name in TAG_PARAMETERS)
    if tagged and operation.startswith(("Create", "Put", "Register", "Request", "Run")):
        if prefix == "iam":
            found.append(f"iam:Tag{operation.removeprefix('Create')}")
        elif prefix in TAG_ACTIONS:
            found.append(f"{prefix}:{TAG_ACTIONS[prefix]}")
    return found


def _deploying(frame: FrameType | None) -> bool:
    """Whether the innermost of the frames that decide is a deployment step."""
    while frame is not None:
        step = (frame.f_globals.get("__name__"), frame.f_code.co_name)
        if step in STANDING_IN:
            return False
        if step in DEPLOYING:
            return True
        frame = frame.f_back
    return False


class Recorder:
    """The IAM actions of the calls made in deployment steps, each with the calls
    (`service.Operation`) that needed it; thread-safe, one per process (`RECORDER`)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._actions: dict[str, set[str]] = {}

    def __call__(self, params: Mapping[str, Any], model: Any, **_: Any) -> None:
        if not _deploying(sys._getframe(1)):
            return
        service, operation = model.service_model.service_name, model.name
        with self._lock:
            for action in actions_for(service, operation, params or {}):
                self._actions.setdefault(action, set()).add(f"{service}.{operation}")

    def listen(self, events: Any) -> None:
        """Hooks an event emitter (a client's, or a session's, which its later clients copy)."""
        events.register("before-parameter-build", self, unique_id=_UNIQUE_ID)

    def actions(self) -> dict[str, frozenset[str]]:
        """IAM action -> the calls that needed it, so far in this process."""
        with self._lock:
            return {action: frozenset(calls) for action, calls in self._actions.items()}


RECORDER = Recorder()


def attach(client: Any) -> Any:
    """Records `client`'s calls, and those of clients made later from boto3's default
    session (which the dynamic resources use); returns the client."""
    RECORDER.listen(client.meta.events)
    if boto3.DEFAULT_SESSION is None:
        boto3.setup_default_session()
    RECORDER.listen(boto3.DEFAULT_SESSION.events)
    return client
