"""The policy pack: `pulumi preview|up --policy-pack policy --policy-pack-config
policy/config/<tier>.json`. Each control of `controls.py` becomes one mandatory policy; a
tier's exceptions in its config file lower a control to advisory, with the reason, so the
violation is still reported, never skipped."""

from pulumi_policy import (
    EnforcementLevel,
    PolicyConfigSchema,
    PolicyPack,
    ResourceValidationPolicy,
    StackValidationPolicy,
)

from tap_platform.controls import CONTROLS, Control, Resource

REASON = PolicyConfigSchema(properties={"reason": {"type": "string"}})


def _policy(control: Control) -> ResourceValidationPolicy | StackValidationPolicy:
    """A stack policy for a control that looks across resources, else a resource policy."""

    def report(problems, report_violation) -> None:
        for problem in problems:
            report_violation(f"{control.id}: {problem}. {control.remediation}")

    def validate_resource(args, report_violation) -> None:
        report(control.violations([Resource(args.resource_type, args.name, args.props)]),
               report_violation)  # fmt: skip

    def validate_stack(args, report_violation) -> None:
        resources = [Resource(r.resource_type, r.name, r.props) for r in args.resources]
        report(control.violations(resources), report_violation)

    kind, validate = (
        (StackValidationPolicy, validate_stack)
        if control.check_stack
        else (ResourceValidationPolicy, validate_resource)
    )
    return kind(
        name=control.policy_name,
        description=f"{control.id} ({control.severity}): {control.title}",
        validate=validate,
        config_schema=REASON,
    )


PolicyPack(
    name="tap-security-baseline",
    enforcement_level=EnforcementLevel.MANDATORY,
    policies=[_policy(c) for c in CONTROLS],
)
