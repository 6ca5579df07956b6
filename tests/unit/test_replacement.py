"""What replaces a resource beyond its top-level `ForceNew` inputs: nested attributes and
the provider's `CustomizeDiff` conditions (`tapsim.replacement`)."""

from __future__ import annotations

import pytest

from tapsim.replacement import at_path, conditional

RULE = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"


def test_a_dotted_path_reaches_into_lists_of_blocks() -> None:
    value = {"validationOptions": [{"domainName": "a"}, {"domainName": "b"}]}
    assert at_path(value, ["validationOptions", "domainName"]) == ["a", "b"]
    assert at_path({"x": 1}, ["x", "y"]) is None


def test_a_changed_nested_attribute_is_named() -> None:
    """flow_log's destination_options.file_format is ForceNew inside its block."""
    typ = "aws:ec2/flowLog:FlowLog"
    old = {"destinationOptions": {"fileFormat": "plain-text", "perHourPartition": False}}
    new = {"destinationOptions": {"fileFormat": "parquet", "perHourPartition": False}}
    assert conditional(typ, old, new, ["destinationOptions"]) == ("destinationOptions.fileFormat",)


@pytest.mark.parametrize(
    ("typ", "old", "new", "replaces"),
    [
        # replication_group.go: engineVersionForceNewOnDowngrade
        ("aws:elasticache/replicationGroup:ReplicationGroup",
         {"engineVersion": "7.1"}, {"engineVersion": "6.2"}, True),
        ("aws:elasticache/replicationGroup:ReplicationGroup",
         {"engineVersion": "7.0"}, {"engineVersion": "7.1"}, False),
        # ... an engine change, other than Redis to Valkey
        ("aws:elasticache/replicationGroup:ReplicationGroup",
         {"engine": "redis"}, {"engine": "valkey"}, False),
        ("aws:elasticache/replicationGroup:ReplicationGroup",
         {"engine": "valkey"}, {"engine": "redis"}, True),
        # parameter.go: ForceNewIfChange on tier, Advanced to Standard only
        ("aws:ssm/parameter:Parameter", {"tier": "Advanced"}, {"tier": "Standard"}, True),
        ("aws:ssm/parameter:Parameter", {"tier": "Standard"}, {"tier": "Advanced"}, False),
        # vpc_.go: cidr_block replaces unless an IPAM netmask length is given
        ("aws:ec2/vpc:Vpc", {"cidrBlock": "10.0.0.0/16"}, {"cidrBlock": "10.1.0.0/16"}, True),
        ("aws:ec2/vpc:Vpc", {"cidrBlock": "10.0.0.0/16"},
         {"cidrBlock": "10.1.0.0/16", "ipv4NetmaskLength": 16}, False),
        # cluster.go: storage_type, for engines other than Aurora
        ("aws:rds/cluster:Cluster", {"storageType": "gp3", "engine": "postgres"},
         {"storageType": "io2", "engine": "postgres"}, True),
        ("aws:rds/cluster:Cluster", {"storageType": "aurora", "engine": "aurora-postgresql"},
         {"storageType": "aurora-iopt1", "engine": "aurora-postgresql"}, False),
        # security group rules: another kind of source
        (RULE, {"cidrIpv4": "10.0.0.0/8"}, {"referencedSecurityGroupId": "sg-1"}, True),
        (RULE, {"cidrIpv4": "10.0.0.0/8"}, {"cidrIpv4": "10.1.0.0/16"}, False),
    ],
)  # fmt: skip
def test_customize_diff_conditions_replace_only_when_they_hold(typ, old, new, replaces) -> None:
    changed = {k for k in old.keys() | new.keys() if old.get(k) != new.get(k)}
    assert bool(conditional(typ, old, new, changed)) is replaces


def test_a_type_without_a_table_has_no_conditions() -> None:
    assert conditional("pulumi-python:dynamic:Resource", {"a": 1}, {"a": 2}, ["a"]) == ()
