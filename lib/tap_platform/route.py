"""A service's place on its environment's load balancer: target group, listener rule, claim.

Two services of one environment must never answer for the same requests, and two rules of
one listener must never share a priority. Priorities cannot collide: the rule is created
without one, and the provider takes the listener's highest priority plus one, retrying while
another rule takes it first (terraform-provider-aws, internal/service/elbv2/listener_rule.go,
`retryListenerRuleCreate`, at 032c4f076a6c). Requests are kept apart by claims: each service
records its host and path as an SSM parameter under the environment's claims path, named
after them. Before anything is declared, the claims of the host are read and any other
service's claim that overlaps (the whole host, or a path that contains or lies inside this
one) stops the program with a message naming both; a claim made between that read and the
create fails on the parameter's name (SSM API Reference, PutParameter:
ParameterAlreadyExists). Non-overlapping routes make the order of rules irrelevant.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from tap_platform.load_balancer import TargetArgs, open_to, target_group

WHOLE_HOST = "all"


def claim_key(host: str, path: str | None) -> str:
    """The claim's name below the claims path: `<host>/all`, or `<host>/path/<segments>`."""
    prefix = (path or "").rstrip("*").rstrip("/")
    return f"{host}/{WHOLE_HOST}" if not prefix else f"{host}/path{prefix}"


def overlaps(mine: str, theirs: str) -> bool:
    """Whether two claims' keys match some request in common."""
    if mine.split("/", 1)[0] != theirs.split("/", 1)[0]:
        return False
    a, b = mine.split("/", 1)[1], theirs.split("/", 1)[1]
    if WHOLE_HOST in (a, b):
        return True
    return a == b or a.startswith(f"{b}/") or b.startswith(f"{a}/")


def conflicts(
    key: str, owner: str, claims: Mapping[str, str], claims_path: str
) -> list[tuple[str, str]]:
    """(claim, owner) of every other service's claim that overlaps `key`."""
    found = []
    for name, other in sorted(claims.items()):
        theirs = name.removeprefix(f"{claims_path}/")
        if other != owner and overlaps(key, theirs):
            found.append((theirs, other))
    return found


# A host no request carries: `.invalid` is reserved never to resolve (RFC 2606).
WARM_UP_HOST = "warm-up.invalid"


def _host(host: pulumi.Input[str]) -> aws.lb.ListenerRuleConditionArgs:
    return aws.lb.ListenerRuleConditionArgs(
        host_header=aws.lb.ListenerRuleConditionHostHeaderArgs(values=[host])
    )


@dataclass(frozen=True)
class RouteArgs:
    """Which listener of the environment the service joins, for which host and path, and
    where its claim on them is recorded.

    Attributes:
        vpc_id: the environment's VPC, which the target group belongs to.
        listener_arn: the environment's listener that forwards (HTTPS when it has a
            certificate), which the rule is added to.
        target: the service's target group: port, target type, health check, draining.
        host: the host header the rule matches.
        path: a path pattern (`/orders/*`) the rule also matches; None routes the whole
            host.
        claims_path: the SSM path under which the environment's services claim their
            routes.
        owner: who claims, `<project>/<stack>`, shown to a service whose route overlaps
            this one.
    """

    vpc_id: pulumi.Input[str]
    listener_arn: pulumi.Input[str]
    target: TargetArgs
    host: pulumi.Input[str]
    path: str | None
    claims_path: pulumi.Input[str]
    owner: str


class ServiceRoute(pulumi.ComponentResource):
    """The target group, the claim that keeps other services off this service's requests,
    a rule no request matches, which lets the runtime register, and (`open`) the rule that
    forwards the requests once the runtime is ready."""

    def __init__(self, name: str, args: RouteArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("tap:edge:ServiceRoute", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.target_group = target_group(self, f"{name}-tg", args.vpc_id, args.target)
        claimed: pulumi.Output[str] = pulumi.Output.all(args.host, args.claims_path).apply(
            lambda parts: self._check(args, str(parts[0]), str(parts[1]))
        )
        self.claim = aws.ssm.Parameter(
            f"{name}-claim",
            name=claimed,
            type="String",
            insecure_value=args.owner,
            description="Which service answers this host and path on the environment's ALB",
            opts=child,
        )
        self._name, self._args = name, args
        # ECS accepts a target group for a service only once a listener uses it, and ELB
        # checks targets only then: this rule, which no request matches, lets the runtime
        # register and become healthy before any request reaches it.
        self.warm_up = self._rule("warm-up", [_host(WARM_UP_HOST)], ready=[self.claim])
        self.host = pulumi.Output.from_input(args.host)
        self.register_outputs({"host": self.host, "targetGroupArn": self.target_group.arn})

    def open(self, ready: Sequence[pulumi.Resource]) -> aws.lb.ListenerRule:
        """The service's host and path to its target group, once the runtime is `ready`
        (`open_to`: a previous runtime keeps them until then). It answers to the rule's
        name before rules were keyed by runtime, so an existing stack keeps its rule."""
        args = self._args
        conditions = [_host(args.host)]
        if args.path:
            conditions.append(
                aws.lb.ListenerRuleConditionArgs(
                    path_pattern=aws.lb.ListenerRuleConditionPathPatternArgs(values=[args.path])
                )
            )
        self.rule = self._rule(
            "rule", conditions, ready=[self.claim, *ready], aliases=[f"{self._name}-rule"]
        )
        return self.rule

    def _rule(
        self,
        role: str,
        conditions: list[aws.lb.ListenerRuleConditionArgs],
        *,
        ready: Sequence[pulumi.Resource],
        aliases: Sequence[str] = (),
    ) -> aws.lb.ListenerRule:
        return open_to(
            self,
            f"{self._name}-{role}",
            listener_arn=self._args.listener_arn,
            group=self.target_group,
            target_type=self._args.target.target_type,
            conditions=conditions,
            ready=ready,
            aliases=[pulumi.Alias(name=alias) for alias in aliases],
        )

    def _check(self, args: RouteArgs, host: str, claims_path: str) -> pulumi.Output[str]:
        """The claim's parameter name, once no other service's claim on the host overlaps
        this route; otherwise the program stops before anything is made."""
        key = claim_key(host, args.path)
        found = aws.ssm.get_parameters_by_path_output(
            path=f"{claims_path}/{host}",
            recursive=True,
            opts=pulumi.InvokeOutputOptions(parent=self),
        )

        def refuse_overlaps(names: Sequence[str], values: Sequence[str]) -> str:
            clash = conflicts(key, args.owner, dict(zip(names, values, strict=True)), claims_path)
            if clash:
                taken = "; ".join(f"{claim} by {owner}" for claim, owner in clash)
                raise pulumi.RunError(
                    f"tap:route: host {host} path {args.path or '(any)'} overlaps a route "
                    f"another service holds on this environment ({taken}); choose another "
                    "host or a path of its own"
                )
            return f"{claims_path}/{key}"

        return found.apply(lambda r: refuse_overlaps(r.names, r.values))
