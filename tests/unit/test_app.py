"""What every runtime of the app shares: the secrets it is set at start, named by the team and
granted exactly, with the customer keys that encrypt them."""

from __future__ import annotations

import pytest

from tap_platform.app import InjectedSecret, injected_secret
from tap_platform.policies import AwsContext
from tapsim.alone import KEY_ARN, app_fields

HERE = AwsContext(
    region="eu-west-1", account_id="111122223333", partition="aws", dns_suffix="amazonaws.com"
)
SECRET_ARN = "arn:aws:secretsmanager:us-east-1:444455556666:secret:shared/api-AbC123"


@pytest.mark.parametrize(
    ("reference", "expected"),
    [
        (
            "secretsmanager:orders/api",
            InjectedSecret("secretsmanager", "orders/api",
                           ("arn:aws:secretsmanager:eu-west-1:111122223333:secret:orders/api-??????",),
                           "eu-west-1"),
        ),
        (
            "ssm:/orders/token",
            InjectedSecret("ssm", "/orders/token",
                           ("arn:aws:ssm:eu-west-1:111122223333:parameter/orders/token",),
                           "eu-west-1"),
        ),
        (
            SECRET_ARN,
            InjectedSecret("secretsmanager", SECRET_ARN, (SECRET_ARN, f"{SECRET_ARN}-??????"),
                           "us-east-1"),
        ),
        (
            "arn:aws:secretsmanager:us-east-1:444455556666:secret:shared/api",
            InjectedSecret("secretsmanager",
                           "arn:aws:secretsmanager:us-east-1:444455556666:secret:shared/api",
                           ("arn:aws:secretsmanager:us-east-1:444455556666:secret:shared/api",
                            "arn:aws:secretsmanager:us-east-1:444455556666:secret:shared/api-??????"),
                           "us-east-1"),
        ),
    ],
)  # fmt: skip
def test_a_reference_becomes_what_ecs_and_the_cli_take_and_what_a_grant_names(
    reference, expected
) -> None:
    """A name is in the stack's region and account; a secret named without its six-character
    suffix is granted whatever suffix Secrets Manager gave it, and an ARN, which may or may
    not end in the suffix, is granted as given and as a name."""
    assert injected_secret(reference, None, HERE) == expected


def test_the_runtime_is_granted_exactly_what_is_named_and_the_keys_given_with_it() -> None:
    from tap_platform.app import AppArgs

    secrets = {
        "API": injected_secret("secretsmanager:orders/api", None, HERE),
        "TOKEN": injected_secret("ssm:/orders/token", KEY_ARN, HERE),
    }
    args = AppArgs(**{**app_fields(log_group=None), "secrets": secrets})
    grants = args.injected_grants("ssm:GetParameters")
    assert grants["app-secrets"] == (
        ["secretsmanager:GetSecretValue"],
        ["arn:aws:secretsmanager:eu-west-1:111122223333:secret:orders/api-??????"],
    )
    assert grants["app-parameters"] == (
        ["ssm:GetParameters"],
        ["arn:aws:ssm:eu-west-1:111122223333:parameter/orders/token"],
    )
    assert grants["app-secret-keys"] == (["kms:Decrypt"], [KEY_ARN])
    assert set(grants) == {"app-secrets", "app-parameters", "app-secret-keys"}


def test_nothing_named_grants_nothing() -> None:
    from tap_platform.app import AppArgs

    assert AppArgs(**app_fields(log_group=None)).injected_grants("ssm:GetParameter") == {}
