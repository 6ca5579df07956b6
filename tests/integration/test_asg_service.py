"""The EC2 Auto Scaling runtime as the account reports it."""

from __future__ import annotations

import json

RUNTIME = "asg"


def template_data(target) -> dict:
    (group,) = target.found.auto_scaling_groups
    template = group["LaunchTemplate"]
    return target.found.launch_template_data(template["LaunchTemplateId"], template["Version"])


def test_launch_template_requires_imdsv2_with_a_hop_limit_the_container_can_use(target) -> None:
    metadata = template_data(target)["MetadataOptions"]
    assert metadata["HttpTokens"] == "required"
    assert metadata["HttpPutResponseHopLimit"] == 2


def test_the_key_admits_the_stacks_auto_scaling_service_linked_role(target) -> None:
    """EC2 Auto Scaling creates the encrypted volumes through its service-linked role, so the
    key policy must name it (the unit suite checks the group launches through that role;
    moto reports every group with the default role)."""
    role = target.found.autoscaling_role
    assert role["Path"] == "/aws-service-role/autoscaling.amazonaws.com/"
    policy = target.found.client("kms").get_key_policy(
        KeyId=target.found.key["KeyId"], PolicyName="default"
    )["Policy"]
    principals = [s["Principal"] for s in json.loads(policy)["Statement"]]
    assert {"AWS": role["Arn"]} in principals


def test_root_volume_is_encrypted_with_the_stack_key(target) -> None:
    (disk,) = template_data(target)["BlockDeviceMappings"]
    assert disk["Ebs"]["Encrypted"] is True
    assert disk["Ebs"]["KmsKeyId"] == target.found.key["Arn"]


def test_instances_get_no_public_ip_and_detailed_monitoring(target) -> None:
    data = template_data(target)
    (nic,) = data["NetworkInterfaces"]
    assert nic["AssociatePublicIpAddress"] is False
    assert nic["Groups"] == [target.found.security_group("app")["GroupId"]]
    assert data["Monitoring"]["Enabled"] is True


def test_group_spans_the_private_subnets_with_elb_health_checks(target) -> None:
    (group,) = target.found.auto_scaling_groups
    private = {s["SubnetId"] for s in target.found.subnets_of("private")}
    assert set(group["VPCZoneIdentifier"].split(",")) == private
    assert group["HealthCheckType"] == "ELB"
    assert group["HealthCheckGracePeriod"] == target.settings.instances.health_check_grace_seconds
    assert group["TargetGroupARNs"] == [target.found.target_group["TargetGroupArn"]]
    service = target.settings.service
    assert (group["MinSize"], group["MaxSize"]) == (service.min_count, service.max_count)
