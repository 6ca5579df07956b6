"""Pipeline, build project, alarms and their topic as the account reports them."""

from __future__ import annotations

import json


def test_pipeline_stages_and_encrypted_artifact_store(target) -> None:
    pipeline = target.found.pipeline
    stages = [s["name"] for s in pipeline["stages"]]
    approval = ["Approve"] if target.settings.pipeline.require_approval else []
    assert stages == ["Source", "Build", *approval, "Deploy", "Record"]
    store = pipeline["artifactStore"]
    assert store["location"] == target.found.buckets["artifacts"]
    assert store["encryptionKey"] == {"id": target.found.key["Arn"], "type": "KMS"}
    (deploy,) = pipeline["stages"][-2]["actions"]
    provider = "ECS" if target.settings.compute == "ecs" else "CodeDeploy"
    assert deploy["actionTypeId"]["provider"] == provider


def test_the_release_parameter_names_the_image_that_runs(target) -> None:
    """Found by its path, which carries the suffix; before any delivery it holds the
    configured image, which is the one the service (or each instance) runs."""
    value = target.found.released_image()
    assert value == target.settings.service.image
    if target.settings.compute == "ecs":
        assert target.found.running_image == value


def test_build_project_settings(target) -> None:
    project = target.found.build_project
    logs = project["logsConfig"]["cloudWatchLogs"]
    assert logs["status"] == "ENABLED"
    assert logs["groupName"] in target.found.log_groups


def test_alarms_notify_the_topic(target) -> None:
    alarms = target.found.alarms
    assert len(alarms) >= 11
    for alarm in alarms:
        assert alarm["AlarmActions"] == [target.found.topic_arn], alarm["AlarmName"]


def test_topic_is_encrypted_with_the_stack_key(target) -> None:
    assert target.found.topic_attributes()["KmsMasterKeyId"] == target.found.key["Arn"]


def test_database_and_cache_alarms_watch_what_exists(target) -> None:
    """Each alarm's dimensions name a database or cache node the account has: by identifier,
    not the provider's resource id, and every cache node, since any may become primary."""
    found = target.found
    databases = {c["DBClusterIdentifier"] for c in found.db_clusters} | {
        i["DBInstanceIdentifier"] for i in found.db_instances
    }
    watched = {
        d["Value"] for alarm in found.alarms if alarm["Namespace"] == "AWS/RDS"
        for d in alarm["Dimensions"]
    }  # fmt: skip
    assert watched
    assert watched <= databases
    nodes = {
        d["Value"]
        for alarm in found.alarms
        if alarm["Namespace"] == "AWS/ElastiCache"
        for d in alarm["Dimensions"]
    }
    group = found.replication_group["ReplicationGroupId"]
    assert nodes == {f"{group}-{n:03d}" for n in range(1, 2 + target.settings.cache.replicas)}


def test_the_image_repository_scans_keeps_tags_and_uses_the_stack_key(target) -> None:
    """Found by its name, which carries the suffix, and its tag: scan on push, immutable
    tags, the stack's key, and a lifecycle policy that expires old and untagged images."""
    found = target.found
    repository = found.image_repository
    assert {"Key": "EnvironmentSuffix", "Value": found.suffix} in repository["tags"]
    assert repository["imageScanningConfiguration"] == {"scanOnPush": True}
    assert repository["imageTagMutability"] == "IMMUTABLE"
    assert repository["encryptionConfiguration"] == {
        "encryptionType": "KMS",
        "kmsKey": found.key["Arn"],
    }
    rules = json.loads(repository["lifecyclePolicyText"])["rules"]
    assert {r["selection"]["tagStatus"] for r in rules} == {"untagged", "any"}
    assert all(r["action"] == {"type": "expire"} for r in rules)


def test_the_build_pushes_to_that_repository_from_a_privileged_project(target) -> None:
    """Docker needs privileged mode to build (CodeBuild User Guide, "Docker sample")."""
    project = target.found.build_project
    assert project["environment"]["privilegedMode"] is True
    variables = {v["name"]: v["value"] for v in project["environment"]["environmentVariables"]}
    assert variables["REPOSITORY_URI"] == target.found.image_repository["repositoryUri"]
