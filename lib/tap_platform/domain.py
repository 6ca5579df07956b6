"""The app's own name: an ACM certificate validated through DNS, and an alias to the ALB.

The certificate is requested for `name` and validated by the CNAME record ACM asks for in
the hosted zone (ACM User Guide, "DNS validation"); the HTTPS listener takes it only once it
is issued. An alias A record then points `name` at the load balancer (Route 53 Developer
Guide, "Routing traffic to an ELB load balancer").
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws


@dataclass(frozen=True)
class DomainArgs:
    """The name the app answers to and the hosted zone that holds it.

    Attributes:
        name: the fully qualified name the certificate is for and the alias points at the
            load balancer.
        zone_id: the Route 53 hosted zone that holds `name`, where the validation record and
            the alias are written.
        wildcard: also answer `*.<name>`, the hosts a shared environment's services default
            to; one certificate covers both, validated by the one record ACM asks for both
            (default: False).
    """

    name: str
    zone_id: str
    wildcard: bool = False


class Domain(pulumi.ComponentResource):
    """Certificate and its validation now; the alias once the ALB exists (`point_at`)."""

    def __init__(self, name: str, args: DomainArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("tap:edge:Domain", name, None, opts)
        self._name, self._args = name, args
        child = pulumi.ResourceOptions(parent=self)
        certificate = aws.acm.Certificate(
            f"{name}-certificate",
            domain_name=args.name,
            subject_alternative_names=[f"*.{args.name}"] if args.wildcard else None,
            validation_method="DNS",
            opts=child,
        )
        option = certificate.domain_validation_options[0]
        # Never overwritten: the record of another stack's certificate for the same name would
        # be taken over, and deleted with this stack, and that certificate would not renew.
        record = aws.route53.Record(
            f"{name}-validation",
            zone_id=args.zone_id,
            name=option.resource_record_name,
            type=option.resource_record_type,
            records=[option.resource_record_value],
            ttl=60,
            opts=child,
        )
        validation = aws.acm.CertificateValidation(
            f"{name}-validated",
            certificate_arn=certificate.arn,
            validation_record_fqdns=[record.fqdn],
            opts=child,
        )
        self.certificate_arn: pulumi.Output[str] = validation.certificate_arn

    def point_at(self, alb: aws.lb.LoadBalancer) -> None:
        """Alias records from the name (and its wildcard) to `alb`, made apart from the
        certificate because the load balancer's HTTPS listener needs the certificate first."""
        names = {"alias": self._args.name}
        if self._args.wildcard:
            names["wildcard-alias"] = f"*.{self._args.name}"
        for key, record_name in names.items():
            aws.route53.Record(
                f"{self._name}-{key}",
                zone_id=self._args.zone_id,
                name=record_name,
                type="A",
                aliases=[
                    aws.route53.RecordAliasArgs(
                        name=alb.dns_name, zone_id=alb.zone_id, evaluate_target_health=True
                    )
                ],
                opts=pulumi.ResourceOptions(parent=self),
            )
        self.register_outputs({"certificateArn": self.certificate_arn, "name": self._args.name})
