"""ACM: the app's certificate, validated through DNS."""

from __future__ import annotations

from typing import Any

from tapsim.emulator.core import Context, Deleter, EmulatorError, Handler, by


def _certificate(ctx: Context, i: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    acm = ctx.clients("acm")
    arn = acm.request_certificate(
        DomainName=i["domainName"],
        ValidationMethod=i["validationMethod"],
        **ctx.tags_arg("Tags"),
    )["CertificateArn"]
    found = acm.describe_certificate(CertificateArn=arn)["Certificate"]
    options = [
        {
            "domainName": o["DomainName"],
            "resourceRecordName": o["ResourceRecord"]["Name"],
            "resourceRecordType": o["ResourceRecord"]["Type"],
            "resourceRecordValue": o["ResourceRecord"]["Value"],
        }
        for o in found["DomainValidationOptions"]
    ]
    return arn, {"arn": arn, "domainValidationOptions": options}


def _validation(ctx: Context, i: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """Waits for nothing: the emulator issues at once (MOTO_ACM_VALIDATION_WAIT=0), and a
    certificate that is not issued is an error, as the provider's wait ends in one."""
    arn = i["certificateArn"]
    status = ctx.clients("acm").describe_certificate(CertificateArn=arn)["Certificate"]["Status"]
    if status != "ISSUED":
        raise EmulatorError(f"certificate {arn} is {status}, not ISSUED")
    return arn, {"certificateArn": arn}


HANDLERS: dict[str, tuple[Handler, Deleter]] = {
    "aws:acm/certificate:Certificate": (
        _certificate,
        by("acm.delete_certificate", CertificateArn="id"),
    ),
    "aws:acm/certificateValidation:CertificateValidation": (
        _validation,
        lambda _ctx, _id, _state: None,
    ),
}
UNTAGGED = {"aws:acm/certificateValidation:CertificateValidation"}
