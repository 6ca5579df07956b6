"""RDS: subnet and parameter groups, Aurora clusters and their instances, plain instances."""

from __future__ import annotations

from typing import Any

from tapsim.emulator.core import Context, Deleter, Handler, by


def _subnet_group(ctx: Context, i: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    group = ctx.clients("rds").create_db_subnet_group(
        DBSubnetGroupName=i["name"],
        DBSubnetGroupDescription=i.get("description", "Managed by Pulumi"),
        SubnetIds=i["subnetIds"],
        **ctx.tags_arg("Tags"),
    )["DBSubnetGroup"]
    return i["name"], {"arn": group["DBSubnetGroupArn"]}


def _parameter_group(kind: str) -> Handler:
    """`kind` is "cluster_" for a cluster parameter group, "" for an instance one."""
    name_key = f"DB{'Cluster' if kind else ''}ParameterGroupName"

    def create(ctx: Context, i: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        rds = ctx.clients("rds")
        getattr(rds, f"create_db_{kind}parameter_group")(
            **{name_key: i["name"]},
            DBParameterGroupFamily=i["family"],
            Description=i.get("description", "Managed by Pulumi"),
            **ctx.tags_arg("Tags"),
        )
        parameters = [
            {
                "ParameterName": p["name"],
                "ParameterValue": p["value"],
                "ApplyMethod": p.get("applyMethod", "immediate"),
            }
            for p in i.get("parameters", [])
        ]
        getattr(rds, f"modify_db_{kind}parameter_group")(
            **{name_key: i["name"]}, Parameters=parameters
        )
        return i["name"], {}

    return create


def _common(i: dict[str, Any]) -> dict[str, Any]:
    """Arguments clusters and instances share, in the RDS API's spelling."""
    return {
        "Engine": i["engine"],
        "EngineVersion": i["engineVersion"],
        "Port": int(i["port"]),
        "DBSubnetGroupName": i["dbSubnetGroupName"],
        "VpcSecurityGroupIds": i["vpcSecurityGroupIds"],
        "StorageEncrypted": bool(i.get("storageEncrypted")),
        "KmsKeyId": i["kmsKeyId"],
        "BackupRetentionPeriod": int(i.get("backupRetentionPeriod", 1)),
        "CopyTagsToSnapshot": bool(i.get("copyTagsToSnapshot")),
        "EnableCloudwatchLogsExports": i.get("enabledCloudwatchLogsExports", []),
        "EnableIAMDatabaseAuthentication": bool(i.get("iamDatabaseAuthenticationEnabled")),
        "DeletionProtection": bool(i.get("deletionProtection")),
    }


def _instance_common(i: dict[str, Any]) -> dict[str, Any]:
    """What a cluster member and a plain instance share."""
    return {
        "DBInstanceIdentifier": i["identifier"],
        "DBInstanceClass": i["instanceClass"],
        "PubliclyAccessible": bool(i.get("publiclyAccessible")),
        "AutoMinorVersionUpgrade": bool(i.get("autoMinorVersionUpgrade", True)),
        "MonitoringInterval": int(i.get("monitoringInterval", 0)),
        **({"MonitoringRoleArn": i["monitoringRoleArn"]} if i.get("monitoringRoleArn") else {}),
        "EnablePerformanceInsights": bool(i.get("performanceInsightsEnabled")),
    }


def _cluster(ctx: Context, i: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    extra: dict[str, Any] = {}
    scaling = i.get("serverlessv2ScalingConfiguration")
    if scaling:
        extra["ServerlessV2ScalingConfiguration"] = {
            "MinCapacity": float(scaling["minCapacity"]),
            "MaxCapacity": float(scaling["maxCapacity"]),
        }
    cluster = ctx.clients("rds").create_db_cluster(
        DBClusterIdentifier=i["clusterIdentifier"],
        DatabaseName=i["databaseName"],
        MasterUsername=i["masterUsername"],
        MasterUserPassword=i["masterPassword"],
        DBClusterParameterGroupName=i["dbClusterParameterGroupName"],
        **_common(i),
        **extra,
        **ctx.tags_arg("Tags"),
    )["DBCluster"]
    return i["clusterIdentifier"], {
        "arn": cluster["DBClusterArn"],
        "endpoint": cluster["Endpoint"],
        "readerEndpoint": cluster["ReaderEndpoint"],
    }


def _cluster_instance(ctx: Context, i: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    instance = ctx.clients("rds").create_db_instance(
        DBClusterIdentifier=i["clusterIdentifier"],
        Engine=i["engine"],
        AvailabilityZone=i["availabilityZone"],
        **_instance_common(i),
        **ctx.tags_arg("Tags"),
    )["DBInstance"]
    return i["identifier"], {"arn": instance["DBInstanceArn"]}


def _instance(ctx: Context, i: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    instance = ctx.clients("rds").create_db_instance(
        AllocatedStorage=int(i["allocatedStorage"]),
        StorageType=i.get("storageType", "gp3"),
        DBName=i["dbName"],
        MasterUsername=i["username"],
        MasterUserPassword=i["password"],
        DBParameterGroupName=i["parameterGroupName"],
        MultiAZ=bool(i.get("multiAz")),
        **_instance_common(i),
        **_common(i),
        **ctx.tags_arg("Tags"),
    )["DBInstance"]
    # pulumi-aws v7: the id is the resource id (`db-...`), the identifier its own attribute.
    return instance["DbiResourceId"], {
        "arn": instance["DBInstanceArn"],
        "address": instance["Endpoint"]["Address"],
        "identifier": i["identifier"],
        "resourceId": instance["DbiResourceId"],
    }


def _unprotect(call: str, key: str, name: str) -> Deleter:
    """Emulator clean-up lifts deletion protection (`pulumi destroy` of prod stops instead)
    and, like the provider, takes the final snapshot the resource names. `name` is the state
    key that holds the identifier."""

    def delete(ctx: Context, _id: str, state: dict[str, Any]) -> None:
        rds = ctx.clients("rds")
        if state.get("deletionProtection"):
            getattr(rds, f"modify_db_{call}")(
                **{key: state[name]}, DeletionProtection=False, ApplyImmediately=True
            )
        snapshot = state.get("finalSnapshotIdentifier")
        final = (
            {"SkipFinalSnapshot": False, "FinalDBSnapshotIdentifier": snapshot}
            if snapshot and not state.get("skipFinalSnapshot")
            else {"SkipFinalSnapshot": True}
        )
        getattr(rds, f"delete_db_{call}")(**{key: state[name]}, **final)

    return delete


HANDLERS: dict[str, tuple[Handler, Deleter]] = {
    "aws:rds/subnetGroup:SubnetGroup": (
        _subnet_group,
        by("rds.delete_db_subnet_group", DBSubnetGroupName="id"),
    ),
    "aws:rds/clusterParameterGroup:ClusterParameterGroup": (
        _parameter_group("cluster_"),
        by("rds.delete_db_cluster_parameter_group", DBClusterParameterGroupName="id"),
    ),
    "aws:rds/parameterGroup:ParameterGroup": (
        _parameter_group(""),
        by("rds.delete_db_parameter_group", DBParameterGroupName="id"),
    ),
    "aws:rds/cluster:Cluster": (
        _cluster,
        _unprotect("cluster", "DBClusterIdentifier", "clusterIdentifier"),
    ),
    "aws:rds/clusterInstance:ClusterInstance": (
        _cluster_instance,
        by("rds.delete_db_instance", DBInstanceIdentifier="id"),
    ),
    "aws:rds/instance:Instance": (
        _instance,
        _unprotect("instance", "DBInstanceIdentifier", "identifier"),
    ),
}

# Inputs whose change forces a new resource: `ForceNew` (or `RequiresReplace`) in the
# Terraform AWS provider's schema, which pulumi-aws is built on, per file and commit of
# hashicorp/terraform-provider-aws.
FORCE_NEW: dict[str, frozenset[str]] = {
    # website/docs/r/rds_cluster.html.markdown @ 000a04085419
    "aws:rds/cluster:Cluster": frozenset({"clusterIdentifier", "clusterIdentifierPrefix"}),
    # website/docs/r/rds_cluster_instance.html.markdown @ 01606926a0c0
    "aws:rds/clusterInstance:ClusterInstance": frozenset(
        {
            "availabilityZone",
            "clusterIdentifier",
            "dbSubnetGroupName",
            "engine",
            "identifier",
            "identifierPrefix",
        }
    ),
    # website/docs/r/rds_cluster_parameter_group.html.markdown @ 0413c661ec1b
    "aws:rds/clusterParameterGroup:ClusterParameterGroup": frozenset({"name", "namePrefix"}),
    # website/docs/r/db_instance.html.markdown @ 0130d51a0230
    "aws:rds/instance:Instance": frozenset(
        {"backupTarget", "ncharCharacterSetName", "restoreToPointInTime"}
    ),
    # website/docs/r/db_parameter_group.html.markdown @ 044fb3171c30
    "aws:rds/parameterGroup:ParameterGroup": frozenset(
        {"description", "family", "name", "namePrefix"}
    ),
    # website/docs/r/db_subnet_group.html.markdown @ 03ffdb07e03f
    "aws:rds/subnetGroup:SubnetGroup": frozenset({"name", "namePrefix"}),
}
