"""Finds a deployed stack's resources by its environment suffix, with boto3 only.

Works the same against AWS and the emulator (boto3 honours AWS_ENDPOINT_URL): the names the
stack fixes, rebuilt by the helper that gave them (`tap_platform.naming`, so a long name ends in
the same digest), and the `EnvironmentSuffix` tag lead to everything; no outputs file is ever
read. A listing reads every page: a real account holds more than one page of most things.
Each AWS service's lookups live in a module of their own; `Discovered` has them all.
"""

from __future__ import annotations

from tapsim.discovery.autoscaling import AutoScalingLookups
from tapsim.discovery.base import (
    SUFFIX_TAG,
    Lookups,
    _exists,
    is_not_found,
    shared_client,
    tags_of,
    unless_gone,
)
from tapsim.discovery.cloudwatch import CloudWatchLookups
from tapsim.discovery.codebuild import CodeBuildLookups
from tapsim.discovery.codepipeline import CodePipelineLookups
from tapsim.discovery.ec2 import Ec2Lookups
from tapsim.discovery.ecr import EcrLookups
from tapsim.discovery.ecs import EcsLookups
from tapsim.discovery.elasticache import ElastiCacheLookups
from tapsim.discovery.elbv2 import Elbv2Lookups
from tapsim.discovery.iam import IamLookups
from tapsim.discovery.kms import KmsLookups
from tapsim.discovery.logs import LogsLookups
from tapsim.discovery.s3 import S3Lookups
from tapsim.discovery.secretsmanager import SecretsManagerLookups
from tapsim.discovery.sns import SnsLookups
from tapsim.discovery.ssm import SsmLookups

__all__ = [
    "SUFFIX_TAG", "Discovered", "Lookups", "_exists", "is_not_found", "shared_client", "tags_of",
    "unless_gone",
]  # fmt: skip


class Discovered(
    Ec2Lookups, Elbv2Lookups, EcsLookups, AutoScalingLookups, IamLookups, LogsLookups,
    KmsLookups, SecretsManagerLookups, ElastiCacheLookups, S3Lookups, SsmLookups,
    CodePipelineLookups, CodeBuildLookups, EcrLookups, CloudWatchLookups, SnsLookups,
):  # fmt: skip
    """One stack's resources in one region, cached; of this directory's project unless named."""

    def remaining(self) -> list[str]:
        """Everything of this stack that still exists; empty after a clean destroy."""
        from tapsim.leftovers import remaining

        return remaining(self)
