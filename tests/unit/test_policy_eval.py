"""The IAM evaluator the contracts rely on behaves as AWS documents ("Policy evaluation
logic", "IAM JSON policy elements: Condition operators")."""

from __future__ import annotations

from tapsim.policy_eval import Decision, PrincipalMatch, Request, evaluate

ROLE = "arn:aws:iam::111122223333:role/app"
KEY = "arn:aws:kms:us-east-1:111122223333:key/k"


def policy(*statements: dict) -> dict:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def allow(**extra) -> dict:
    return {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*", **extra}


def decide(document: dict, request: Request, *, resource_policy: bool = False) -> Decision:
    return evaluate(document, request, resource_policy=resource_policy).decision


GET = Request("s3:GetObject", "arn:aws:s3:::b/k", ROLE)


def test_an_explicit_deny_wins_over_any_allow() -> None:
    deny = {"Effect": "Deny", "Action": "s3:*", "Resource": "*"}
    assert decide(policy(allow(), deny), GET) is Decision.DENY


def test_nothing_allowed_is_an_implicit_deny() -> None:
    assert decide(policy(allow(Resource="arn:aws:s3:::other/*")), GET) is Decision.IMPLICIT_DENY


def test_actions_match_without_case_and_resources_with_it() -> None:
    assert decide(policy(allow(Action="S3:get*")), GET) is Decision.ALLOW
    upper = Request("s3:GetObject", "arn:aws:s3:::B/k", ROLE)
    assert decide(policy(allow()), upper) is Decision.IMPLICIT_DENY


def test_not_action_and_not_resource_invert_the_match() -> None:
    everything_but_put = allow(Action=None, NotAction="s3:PutObject")
    del everything_but_put["Action"]
    assert decide(policy(everything_but_put), GET) is Decision.ALLOW
    outside = allow(NotResource="arn:aws:s3:::b/*")
    del outside["Resource"]
    assert decide(policy(outside), GET) is Decision.IMPLICIT_DENY


def test_conditions_and_across_keys_or_across_values() -> None:
    condition = {"StringEquals": {"aws:SourceAccount": ["1", "111122223333"], "k": "v"}}
    matching = Request(
        "s3:GetObject", "arn:aws:s3:::b/k", ROLE, {"aws:SourceAccount": "111122223333", "k": "v"}
    )
    partial = Request(
        "s3:GetObject", "arn:aws:s3:::b/k", ROLE, {"aws:SourceAccount": "111122223333"}
    )
    assert decide(policy(allow(Condition=condition)), matching) is Decision.ALLOW
    assert decide(policy(allow(Condition=condition)), partial) is Decision.IMPLICIT_DENY


def test_a_missing_key_fails_a_positive_operator_and_satisfies_a_negated_one() -> None:
    assert (
        decide(policy(allow(Condition={"StringLike": {"x": "*"}})), GET) is Decision.IMPLICIT_DENY
    )
    assert decide(policy(allow(Condition={"StringNotEquals": {"x": "y"}})), GET) is Decision.ALLOW
    assert (
        decide(policy(allow(Condition={"StringLikeIfExists": {"x": "y"}})), GET) is Decision.ALLOW
    )
    assert decide(policy(allow(Condition={"Null": {"x": "true"}})), GET) is Decision.ALLOW


def test_the_tls_only_deny_refuses_plain_requests_only() -> None:
    deny = {"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "*",
            "Condition": {"Bool": {"aws:SecureTransport": "false"}}}  # fmt: skip
    plain = Request(GET.action, GET.resource, ROLE, {"aws:SecureTransport": "false"})
    tls = Request(GET.action, GET.resource, ROLE, {"aws:SecureTransport": "true"})
    assert decide(policy(deny), plain, resource_policy=True) is Decision.DENY
    assert decide(policy(deny), tls, resource_policy=True) is Decision.IMPLICIT_DENY


def test_set_operators_quantify_over_the_requests_values() -> None:
    tags = {"aws:TagKeys": ["Project", "Owner"]}
    request = Request(GET.action, GET.resource, ROLE, tags)
    only_project = {"ForAllValues:StringEquals": {"aws:TagKeys": ["Project"]}}
    any_project = {"ForAnyValue:StringEquals": {"aws:TagKeys": ["Project"]}}
    assert decide(policy(allow(Condition=only_project)), request) is Decision.IMPLICIT_DENY
    assert decide(policy(allow(Condition=any_project)), request) is Decision.ALLOW


def test_a_resource_policy_names_a_principal_directly_or_delegates_to_its_account() -> None:
    statement = {"Effect": "Allow", "Action": "kms:Decrypt", "Resource": "*"}
    decrypt = Request("kms:Decrypt", KEY, ROLE)
    to_role = evaluate(
        policy({**statement, "Principal": {"AWS": ROLE}}), decrypt, resource_policy=True
    )
    root = {"AWS": "arn:aws:iam::111122223333:root"}
    to_account = evaluate(policy({**statement, "Principal": root}), decrypt, resource_policy=True)
    stranger = Request("kms:Decrypt", KEY, "arn:aws:iam::444455556666:role/x")
    assert to_role.principal is PrincipalMatch.DIRECT
    assert to_account.principal is PrincipalMatch.ACCOUNT
    assert not evaluate(
        policy({**statement, "Principal": root}), stranger, resource_policy=True
    ).allowed


def test_a_service_principal_matches_only_that_service() -> None:
    statement = {"Effect": "Allow", "Action": "kms:Decrypt", "Resource": "*",
                 "Principal": {"Service": "logs.us-east-1.amazonaws.com"}}  # fmt: skip
    logs = Request("kms:Decrypt", KEY, "logs.us-east-1.amazonaws.com")
    sns = Request("kms:Decrypt", KEY, "sns.amazonaws.com")
    assert evaluate(policy(statement), logs, resource_policy=True).allowed
    assert not evaluate(policy(statement), sns, resource_policy=True).allowed
