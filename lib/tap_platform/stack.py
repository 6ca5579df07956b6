"""The whole service for one stack: the provider, then network, edge and compute.

Everything the components need to know about the account and region is asked of the
provider once, here, so no component can drift to another region or hard-code an ARN.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from tap_platform.buckets import Buckets
from tap_platform.catalog import Offers, check, check_region
from tap_platform.edge import Edge, buckets_args, build_edge, environment_outputs, target_of
from tap_platform.exports import app_outputs, expected_environment
from tap_platform.kms import Kms, KmsArgs
from tap_platform.naming import Namer
from tap_platform.observability import Observability, ObservabilityArgs
from tap_platform.policies import AwsContext
from tap_platform.route import RouteArgs, ServiceRoute
from tap_platform.security import SecurityGroups, SecurityGroupsArgs
from tap_platform.settings import NO_STAND_INS, Settings, SettingsError, StandIns, invalid
from tap_platform.shared import SharedEnvironment, read_environment
from tap_platform.workload import Placement, Workload, build_workload, thresholds


def create_provider(settings: Settings) -> aws.Provider:
    """The one AWS provider; its default tags reach every taggable resource. The stack's
    `aws:*` credentials settings (profile, roles to assume, allowed accounts) reach it too:
    an explicit provider reads none of them by itself."""
    credentials = settings.provider
    return aws.Provider(
        "aws",
        region=settings.region,
        profile=credentials.profile,
        assume_roles=[
            aws.ProviderAssumeRoleArgs(
                role_arn=role.role_arn, session_name=role.session_name, external_id=role.external_id
            )
            for role in credentials.assume_roles
        ]
        or None,
        allowed_account_ids=credentials.allowed_account_ids or None,
        shared_config_files=credentials.shared_config_files or None,
        shared_credentials_files=credentials.shared_credentials_files or None,
        default_tags=aws.ProviderDefaultTagsArgs(tags=settings.required_tags),
    )


@dataclass(frozen=True)
class Environment:
    """What the provider reports about where the stack runs."""

    aws: AwsContext
    zones: tuple[str, ...]
    offers: Offers


def discover(settings: Settings, provider: aws.Provider) -> Environment:
    """Account, partition, AZs and what the region offers for the settings (`lib.catalog`);
    fails before any AWS resource is declared."""
    invoke = pulumi.InvokeOptions(provider=provider)
    zones, offers = ask_region(settings, invoke)
    identity = aws.get_caller_identity(opts=invoke)
    partition = aws.get_partition(opts=invoke)
    region = aws.get_region(opts=invoke)
    context = AwsContext(
        region=region.region,
        account_id=identity.account_id,
        partition=partition.partition,
        dns_suffix=partition.dns_suffix,
        default_tags=settings.required_tags,
        credentials=settings.provider.model_dump(
            mode="json", by_alias=True, exclude_none=True, exclude={"allowed_account_ids"}
        ),
    )
    return Environment(aws=context, zones=zones, offers=offers)


def ask_region(
    settings: Settings, invoke: pulumi.InvokeOptions, stand_ins: StandIns = NO_STAND_INS
) -> tuple[tuple[str, ...], Offers]:
    """The AZs the stack uses and what the region offers for the settings, or one
    `SettingsError` with every setting it refuses (`stand_ins`: as for `catalog.check`). Only
    zones of type `availability-zone` count: in an account opted into Local Zones, those
    zones are "available" too, and sort before the region's own."""
    check_region(settings.region, invoke)
    zones = aws.get_availability_zones(
        state="available",
        filters=[
            aws.GetAvailabilityZonesFilterArgs(name="zone-type", values=["availability-zone"])
        ],
        opts=invoke,
    )
    wanted = settings.network.az_count
    if len(zones.names) < wanted and not stand_ins.read("network.azCount"):
        raise invalid(
            settings.named(
                [
                    f"tap:network.azCount = {wanted}: region {settings.region} offers only "
                    f"{len(zones.names)} available AZs ({', '.join(zones.names)})"
                ]
            )
        )
    chosen = tuple(sorted(zones.names)[:wanted])
    return chosen, check(settings, chosen, invoke, stand_ins)


class TapStack(pulumi.ComponentResource):
    """Composes the components; the only place that turns settings into component args.

    By `tap:role`: `all` builds both sides (`lib.edge`, `lib.workload`) for one app,
    `environment` only the shared side and exports it, `service` only the app's side on the
    environment it reads.
    """

    def __init__(
        self,
        name: str,
        settings: Settings,
        env: Environment,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("tap:index:TapStack", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        namer = Namer(settings.project, settings.environment_suffix)
        context, role = env.aws, settings.role
        app_side = role != "environment"
        self.kms = Kms(
            "kms",
            KmsArgs(namer=namer, aws=context,
                    deletion_window_days=settings.storage.kms_deletion_window_days,
                    autoscaling_role_suffix=namer.service_linked_role_suffix(context.region)
                    if app_side and settings.compute == "asg" else None,
                    protect=settings.deletion_protection),
            opts=child,
        )  # fmt: skip
        key_arn = self.kms.key.arn
        self.workload: Workload
        self.edge: Edge | None = (
            build_edge(
                self,
                settings,
                namer=namer,
                context=context,
                zones=env.zones,
                key_arn=key_arn,
                zone_id=env.offers.zone_id,
            )
            if role != "service"
            else None
        )
        if role == "environment":
            assert self.edge is not None
            observability = self._environment_alarms(settings, namer, context)
            self.outputs = {
                **environment_outputs(self.edge, settings, env.zones, observability.topic_arn),
                "kmsKeyArn": key_arn,
                "dashboardName": observability.dashboard.dashboard_name,
            }
        else:
            self.outputs = self._app_side(settings, namer, env)
        self.register_outputs(self.outputs)

    def _environment_alarms(
        self, settings: Settings, namer: Namer, context: AwsContext
    ) -> Observability:
        """The topic every service's alarms notify, and the load balancer's own alarm."""
        assert self.edge is not None
        return Observability(
            "observability",
            ObservabilityArgs(
                namer=namer, region=context.region, kms_key_arn=self.kms.key.arn,
                thresholds=thresholds(settings),
                load_balancer={"LoadBalancer": self.edge.load_balancer.alb.arn_suffix},
                target_group=None, compute=None, compute_namespace="", database=None,
                cache_nodes=[],
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )  # fmt: skip

    def _app_side(
        self, settings: Settings, namer: Namer, env: Environment
    ) -> dict[str, pulumi.Input[object]]:
        child = pulumi.ResourceOptions(parent=self)
        if self.edge:
            shared = self.edge.shared(env.zones)
            security, buckets = self.edge.security, self.edge.buckets
            target_group = self.edge.load_balancer.target_group
            assert target_group is not None
            routed_by: list[pulumi.Resource] = list(self.edge.load_balancer.listeners)
            route = None
        else:
            shared = read_environment(expected_environment(settings), child)
            security = SecurityGroups(
                "security",
                SecurityGroupsArgs(namer=namer, vpc_id=shared.vpc_id, ingress_cidrs=(),
                                   https=False, app_port=settings.service.port,
                                   alb_security_group_id=shared.alb_security_group_id),
                opts=child,
            )  # fmt: skip
            args = buckets_args(settings, namer, env.aws, self.kms.key.arn)
            buckets = Buckets("storage", args, opts=child)
            route = self._route(settings, namer, shared)
            target_group, routed_by = route.target_group, [route.warm_up]
        assert security.app is not None
        self.workload = build_workload(
            self,
            settings,
            Placement(
                namer=namer, context=env.aws, shared=shared,
                app_security_group_id=security.app.id, target_group=target_group,
                routed_by=routed_by, key_arn=self.kms.key.arn,
                autoscaling_role_arn=self.kms.autoscaling_role_arn,
                architecture=env.offers.architecture, buckets=buckets,
            ),
        )  # fmt: skip
        ready = [self.workload.compute]
        if route:
            route.open(ready)
        else:
            assert self.edge is not None
            self.edge.load_balancer.open_to_app(ready)
        return app_outputs(
            settings, self, shared=shared, buckets=buckets, target_group=target_group, route=route
        )

    def _route(self, settings: Settings, namer: Namer, shared: SharedEnvironment) -> ServiceRoute:
        route = settings.route
        host = route.host or pulumi.Output.concat(
            settings.environment_suffix, ".", shared.route_domain or ""
        )
        return ServiceRoute(
            "route",
            RouteArgs(vpc_id=shared.vpc_id, listener_arn=shared.listener_arn or "",
                      target=target_of(settings), host=host, path=route.path,
                      claims_path=shared.route_claims_path or "",
                      owner=f"{settings.project}/{settings.stack}"),
            opts=pulumi.ResourceOptions(parent=self),
        )  # fmt: skip


def with_the_regions_problems(err: SettingsError) -> SettingsError:
    """The stack file's problems and the region's together, so that one round finds them
    all: the region is asked about the settings the error found valid (`err.partial`), with
    the wrong ones stood in for and left unasked. Only the provider is declared for that, as
    for a valid stack. Without a valid region and provider there is no one to ask; under a
    wrong tier every default is a stand-in, so only the region's name is asked about; and
    when the region cannot be asked (no credentials yet, say), the error is returned as it
    was: the stack file's problems come first either way."""
    partial, stand_ins = err.partial, err.stand_ins or NO_STAND_INS
    if partial is None or stand_ins.read("region", "provider"):
        return err.unasked()
    invoke = pulumi.InvokeOptions(provider=create_provider(partial))
    try:
        if stand_ins.read("environment"):
            check_region(partial.region, invoke)
            return err.unasked()
        ask_region(partial, invoke, stand_ins)
    except SettingsError as found:
        both = invalid([*err.problems, *found.problems])
        return both.unasked() if stand_ins.read("environment") else both
    except Exception as failed:  # the SDK raises an invoke's failure as a plain Exception
        if not str(failed).startswith("invoke of "):
            raise
        return err.unasked()
    return err


def build(settings: Settings) -> TapStack:
    provider = create_provider(settings)
    return TapStack(
        settings.project,
        settings,
        discover(settings, provider),
        opts=pulumi.ResourceOptions(providers={"aws": provider}),
    )
