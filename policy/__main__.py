"""The policy pack: `pulumi preview|up --policy-pack policy --policy-pack-config
policy/config/<tier>.json`. Each control of `controls.py` becomes one mandatory policy; a
tier's exceptions in its config file lower a control to advisory, with the reason, so the
violation is still reported, never skipped."""

from controls import CONTROLS, Control, Resource
from pulumi_policy import (
    EnforcementLevel,
    PolicyConfigSchema,
    PolicyPack,
    ResourceValidationPolicy,
    StackValidationPolicy,
)

REASON = PolicyConfigSchema(properties={"reason": {"type": "string"}})


def _resource_policy(control: Control) -> ResourceValidationPolicy:
    def validate(args, report_violation) -> None:
        if args.resource_type in control.types and control.check:
            problem = control.check(args.props)
            if problem:
                report_violation(f"{control.id}: {problem}. {control.remediation}")

    return ResourceValidationPolicy(
        name=control.policy_name,
        description=f"{control.id} ({control.severity}): {control.title}",
        validate=validate,
        config_schema=REASON,
    )


def _stack_policy(control: Control) -> StackValidationPolicy:
    def validate(args, report_violation) -> None:
        resources = [Resource(r.resource_type, r.name, r.props) for r in args.resources]
        for problem in control.violations(resources):
            report_violation(f"{control.id}: {problem}. {control.remediation}")

    return StackValidationPolicy(
        name=control.policy_name,
        description=f"{control.id} ({control.severity}): {control.title}",
        validate=validate,
        config_schema=REASON,
    )


PolicyPack(
    name="tap-security-baseline",
    enforcement_level=EnforcementLevel.MANDATORY,
    policies=[_stack_policy(c) if c.check_stack else _resource_policy(c) for c in CONTROLS],
)
