"""Pulumi mocks whose answers come from moto: every registration is a real API call.

The program runs under Pulumi's mock runtime; each registration is carried out as the AWS
API calls the provider would make, with the resource's actual inputs and the provider's
default tags, and the ids, ARNs and endpoints moto assigns flow back into dependent
resources. Destroy undoes the calls in reverse order, dependents first.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import boto3
import botocore.session
from botocore.config import Config
from botocore.exceptions import ClientError
from pulumi.runtime import MockCallArgs, MockResourceArgs, Mocks

from tapsim.catalog import NotOfferedError
from tapsim.emulator import calls, dynamic
from tapsim.emulator.core import Context, Created, EmulatorError
from tapsim.emulator.registry import HANDLERS, INVOKES, LOCAL, RECORDED_ONLY, TAGGABLE
from tapsim.emulator.route53 import ensure_zone
from tapsim.monitor import unwrap_secrets
from tapsim.runner import (
    STACK_REFERENCE_TYPE,
    RunResult,
    run_program,
    stack_reference_state,
    stack_settings,
)

PROVIDER_TYPE = "pulumi:providers:aws"
RETRIES = Config(retries={"mode": "standard", "max_attempts": 5})


@cache
def emulator_client(service: str, region: str, endpoint: str) -> Any:
    """The client every deployment to the emulator at `endpoint` in this process calls
    `service` in `region` through: making one costs about ten milliseconds of CPU. Its calls
    made for a deployment are recorded as IAM actions (`calls`); a test that hooks its own
    handlers onto a client makes that client itself."""
    client = boto3.client(
        service,
        region_name=region,
        endpoint_url=endpoint,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=RETRIES,
    )
    return calls.attach(client)


@dataclass
class MotoCloud(Mocks):
    endpoint: str
    created: list[Created] = field(default_factory=list)
    _providers: dict[str, dict[str, Any]] = field(default_factory=dict)
    _account: list[str] = field(default_factory=list)
    # Values computed locally (random passwords), with the inputs they came from.
    local: dict[tuple[str, str], tuple[str, dict[str, Any], dict[str, Any]]] = field(
        default_factory=dict
    )
    # Per (type, name): the resource options the engine received (see `register_options`).
    options: dict[tuple[str, str], Any] = field(default_factory=dict)
    # Outputs of the stacks deployed before this one, by the name a reference gives.
    stacks: dict[str, dict[str, Any]] = field(default_factory=dict)

    def register_options(self, typ: str, name: str, options: Any) -> None:
        """Called by the recording monitor before each registration reaches `new_resource`,
        which the SDK's mock arguments leave the resource options out of."""
        self.options[(typ, name)] = options

    _lock: threading.Lock = field(default_factory=threading.Lock)

    def client(self, service: str, region: str) -> Any:
        return emulator_client(service, region, self.endpoint)

    def context(self, region: str, name: str, tags: dict[str, str] | None = None) -> Context:
        if not self._account:
            self._account.append(self.client("sts", region).get_caller_identity()["Account"])
        return Context(
            clients=lambda service: self.client(service, region),
            region=region,
            tags=tags or {},
            name=name,
            account=self._account[0],
        )

    def _provider(self, reference: str) -> dict[str, Any]:
        """`reference` is `urn::id`; the id is the one `new_resource` gave the provider."""
        provider_id = reference.rsplit("::", 1)[-1]
        if provider_id not in self._providers:
            raise EmulatorError(
                f"a resource uses a provider the program never declared: {reference or 'default'}"
            )
        return self._providers[provider_id]

    def call(self, args: MockCallArgs) -> Any:
        """An invoke's answer; an AWS error, or no match, comes back as the provider
        reports it: a failure the program can catch."""
        if args.token not in INVOKES:
            raise EmulatorError(f"the emulator does not answer invoke {args.token}")
        region = self._provider(args.provider)["region"]
        try:
            return INVOKES[args.token](self.context(region, args.token), dict(args.args))
        except (ClientError, NotOfferedError, LookupError) as err:
            return {}, [("", str(err))]

    def new_resource(self, args: MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        if args.typ == STACK_REFERENCE_TYPE:
            return stack_reference_state(self.stacks, args.inputs["name"])
        if not args.custom:
            return None, {}
        wrapped = dict(args.inputs)
        inputs = unwrap_secrets(wrapped)
        if args.typ == PROVIDER_TYPE:
            tags = json.loads(inputs.get("defaultTags") or "{}").get("tags") or {}
            provider_id = f"provider-{args.name}"
            self._providers[provider_id] = {"region": inputs["region"], "tags": tags}
            return provider_id, inputs
        if args.typ.startswith("pulumi:providers:"):
            return f"provider-{args.name}", inputs
        if args.typ in LOCAL:
            resource_id, extra = LOCAL[args.typ](inputs)
            self.local[(args.typ, args.name)] = (resource_id, extra, inputs)
            return resource_id, {**inputs, **extra}
        if args.typ == dynamic.TYPE:
            # The program's own provider runs in the engine, in the region it was given.
            provider = {"region": inputs["region"], "tags": {}}
        else:
            provider = self._provider(args.provider or "")
        region = provider["region"]
        tags = _effective_tags(args.typ, provider["tags"], inputs.get("tags"))
        context = self.context(region, args.name, tags)
        if args.typ in RECORDED_ONLY:
            resource_id = f"{args.name}-{hashlib.sha1(args.name.encode()).hexdigest()[:8]}"
            state, emulated = inputs, False
        elif args.typ in HANDLERS:
            resource_id, extra = _made(args.typ, context, inputs)
            state, emulated = {**inputs, **extra}, True
        else:
            raise EmulatorError(f"the emulator has no handler for resource type {args.typ}")
        if "tags" in inputs or args.typ in TAGGABLE:
            state["tagsAll"] = context.tags
        with self._lock:
            protect = bool(getattr(self.options.get((args.typ, args.name)), "protect", False))
            self.created.append(
                Created(args.typ, args.name, resource_id, region, state, emulated, inputs, protect)
            )
        # Pulumi gets inputs back as sent, so secret inputs stay secret in dependent outputs.
        changed = {k: v for k, v in state.items() if k not in inputs or v != inputs[k]}
        return resource_id, {**wrapped, **changed}

    def destroy(self) -> list[Created]:
        """Deletes everything created, newest first, so dependents go before what they use."""
        removed = []
        while self.created:
            item = self.created.pop()
            if item.emulated:
                HANDLERS[item.type][1](self.context(item.region, item.name), item.id, item.state)
            removed.append(item)
        return removed


def _made(typ: str, context: Context, inputs: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """The handler's resource. moto answers a call to a service in a Region it does not
    serve it in (it serves those botocore lists) with an internal error: said as that, not
    as a traceback."""
    try:
        return HANDLERS[typ][0](context, inputs)
    except ClientError as err:
        if err.response.get("ResponseMetadata", {}).get("HTTPStatusCode") != 500:
            raise
        service, region = typ.split(":")[1].split("/", maxsplit=1)[0], context.region
        served = _served(service)  # empty for a type named for no AWS service (dynamic)
        if served and region not in served:
            raise EmulatorError(
                f"the emulator (moto) failed {err.operation_name} for {typ} in {region}: it "
                f"serves {service} only where botocore lists it, and not in {region}; deploy "
                "this stack offline in another Region, or without what needs the service"
            ) from None
        raise EmulatorError(
            f"the emulator (moto) failed {err.operation_name} for {typ} in {region} ({err}); "
            "moto serves each service only in the Regions botocore lists for it"
        ) from None


@cache
def _served(service: str) -> frozenset[str]:
    """The Regions moto serves a service in: botocore's, for each partition."""
    session = botocore.session.get_session()
    return frozenset(
        region
        for partition in session.get_available_partitions()
        for region in session.get_available_regions(service, partition_name=partition)
    )


def _effective_tags(typ: str, defaults: dict[str, str], own: Any) -> dict[str, str]:
    """Default tags merged under the resource's own, as the provider does; Auto Scaling
    groups get no default tags (a provider limitation) and carry their own list."""
    if typ == "aws:autoscaling/group:Group":
        return {t["key"]: t["value"] for t in own or []}
    return {**defaults, **(own or {})}


@dataclass
class Deployment:
    """A stack deployed into the emulator: what the program declared and what moto holds."""

    stack: str
    suffix: str
    region: str
    run: RunResult
    cloud: MotoCloud
    seconds: float

    def destroy(self) -> list[Created]:
        return self.cloud.destroy()


def deploy(
    stack: str,
    endpoint: str,
    *,
    suffix: str | None = None,
    config: dict[str, Any] | None = None,
    stacks: dict[str, dict[str, Any]] | None = None,
) -> Deployment:
    """Runs `tap.py` for `stack` (plus `config` overrides) against the emulator, with the
    hosted zone of `tap:domain`, which the user brings, made first. `stacks` holds the
    outputs of stacks deployed before, by the name a stack reference gives them."""
    cloud = MotoCloud(endpoint=endpoint, stacks=dict(stacks or {}))
    settings = stack_settings(stack, config=config, suffix=suffix)
    if settings.domain:
        ensure_zone(cloud.client("route53", settings.region), settings.domain.zone)
    started = time.perf_counter()
    run = run_program(stack, cloud, environment_suffix=suffix, config=config)
    return Deployment(
        stack=stack,
        suffix=run.outputs["environmentSuffix"],
        region=run.outputs["region"],
        run=run,
        cloud=cloud,
        seconds=time.perf_counter() - started,
    )
