"""RDS: subnet and parameter groups, Aurora clusters and their instances, plain instances."""

from __future__ import annotations

from typing import Any

from tapsim import catalog
from tapsim.emulator.core import (
    Context,
    Deleter,
    EmulatorError,
    Handler,
    Invoke,
    Refresher,
    Updater,
    by,
)


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


def _credentials(i: dict[str, Any], password_key: str) -> dict[str, Any]:
    """RDS makes and rotates the password itself when it manages it; else the given one."""
    if i.get("manageMasterUserPassword"):
        return {
            "ManageMasterUserPassword": True,
            "MasterUserSecretKmsKeyId": i["masterUserSecretKmsKeyId"],
        }
    return {"MasterUserPassword": i[password_key]}


def _master_user_secrets(described: dict[str, Any]) -> list[dict[str, Any]]:
    secret = described.get("MasterUserSecret")
    if not secret:
        return []
    return [
        {
            "secretArn": secret["SecretArn"],
            "secretStatus": secret["SecretStatus"],
            "kmsKeyId": secret["KmsKeyId"],
        }
    ]


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
        **_credentials(i, "masterPassword"),
        DBClusterParameterGroupName=i["dbClusterParameterGroupName"],
        EnableHttpEndpoint=bool(i.get("enableHttpEndpoint")),
        **_common(i),
        **extra,
        **ctx.tags_arg("Tags"),
    )["DBCluster"]
    return i["clusterIdentifier"], {
        "arn": cluster["DBClusterArn"],
        "endpoint": cluster["Endpoint"],
        "readerEndpoint": cluster["ReaderEndpoint"],
        "clusterResourceId": cluster["DbClusterResourceId"],
        "masterUserSecrets": _master_user_secrets(cluster),
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
        **_credentials(i, "password"),
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
        "masterUserSecrets": _master_user_secrets(instance),
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
        if call == "cluster":
            _delete_automated_backups(rds, state[name])

    return delete


def _delete_automated_backups(rds: Any, cluster: str) -> None:
    """AWS removes a cluster's automated backups when it deletes the cluster (RDS API
    Reference, DeleteDBCluster: DeleteAutomatedBackups, true by default); moto keeps them,
    and a cluster made again under the same identifier within the minute collides with
    their names."""
    found = rds.describe_db_cluster_snapshots(DBClusterIdentifier=cluster, SnapshotType="automated")
    for snapshot in found["DBClusterSnapshots"]:
        rds.delete_db_cluster_snapshot(
            DBClusterSnapshotIdentifier=snapshot["DBClusterSnapshotIdentifier"]
        )


def read_back_version(configured: str, actual: str) -> str:
    """The engine version the provider reads back: the configured one while the running
    version starts with it and a dot (a major version given, a minor applied by AWS), else
    the running one (terraform-provider-aws, internal/service/rds/engine_version.go,
    `compareActualEngineVersion`)."""
    return configured if actual.startswith(f"{configured}.") else actual


def _version_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.replace("mysql_aurora.", "").split("."))


def _running_version(ctx: Context, kind: str, key: str, identifier: str) -> str:
    found = getattr(ctx.clients("rds"), f"describe_db_{kind}s")(**{key: identifier})
    return found[f"DB{kind.title()}s"][0]["EngineVersion"]


def _update_engine(kind: str, key: str, name: str) -> Updater:
    """A version change is a ModifyDB* call, which AWS refuses for a version older than the
    running one ("Cannot upgrade aurora-postgresql from 17.5 to 17.4", as reported in
    hashicorp/terraform-provider-aws#45026) and for a new major version unless
    AllowMajorVersionUpgrade is set (RDS API Reference, ModifyDBCluster)."""

    def update(ctx: Context, _id: str, inputs: dict[str, Any]) -> None:
        running = _running_version(ctx, kind, key, inputs[name])
        wanted = inputs["engineVersion"]
        if wanted == running or running.startswith(f"{wanted}."):
            return
        if _version_key(wanted) < _version_key(running)[: len(_version_key(wanted))]:
            raise EmulatorError(
                f"InvalidParameterCombination: Cannot upgrade {inputs['engine']} from "
                f"{running} to {wanted}"
            )
        major = _version_key(wanted)[0] != _version_key(running)[0]
        if major and not inputs.get("allowMajorVersionUpgrade"):
            raise EmulatorError(
                "InvalidParameterCombination: The AllowMajorVersionUpgrade flag must be "
                "present when upgrading to a new major version."
            )
        getattr(ctx.clients("rds"), f"modify_db_{kind}")(
            **{key: inputs[name]},
            EngineVersion=wanted,
            AllowMajorVersionUpgrade=major,
            ApplyImmediately=True,
        )

    return update


def _read_version(kind: str, key: str, name: str) -> Refresher:
    def read(ctx: Context, _id: str, inputs: dict[str, Any]) -> dict[str, Any]:
        running = _running_version(ctx, kind, key, inputs[name])
        return {"engineVersion": read_back_version(inputs["engineVersion"], running)}

    return read


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

UPDATERS: dict[str, Updater] = {
    "aws:rds/cluster:Cluster": _update_engine(
        "cluster", "DBClusterIdentifier", "clusterIdentifier"
    ),
    "aws:rds/instance:Instance": _update_engine("instance", "DBInstanceIdentifier", "identifier"),
}
# moto implements neither DescribeDBEngineVersions nor, beyond Aurora PostgreSQL,
# DescribeOrderableDBInstanceOptions: the dated table answers for every engine.
INVOKES: dict[str, Invoke] = {
    "aws:rds/getEngineVersion:getEngineVersion": lambda _ctx, args: catalog.engine_version(args),
    "aws:rds/getOrderableDbInstance:getOrderableDbInstance": lambda _ctx, args: (
        catalog.orderable_db_instance(args)
    ),
}
# Inputs AWS changes only in the maintenance window unless the request applies immediately
# (RDS API Reference: ModifyDBCluster, EngineVersion, "applied during the next maintenance
# window unless ApplyImmediately is enabled"; ModifyDBInstance, DBInstanceClass and
# EngineVersion, likewise).
PENDING: dict[str, frozenset[str]] = {
    "aws:rds/cluster:Cluster": frozenset({"engineVersion"}),
    "aws:rds/clusterInstance:ClusterInstance": frozenset({"instanceClass"}),
    "aws:rds/instance:Instance": frozenset({"engineVersion", "instanceClass"}),
}
# What `pulumi refresh` reads back into the inputs the next diff compares with.
REFRESH: dict[str, Refresher] = {
    "aws:rds/cluster:Cluster": _read_version("cluster", "DBClusterIdentifier", "clusterIdentifier"),
    "aws:rds/instance:Instance": _read_version("instance", "DBInstanceIdentifier", "identifier"),
}
