"""The IAM evaluator the contracts rely on behaves as AWS documents ("Policy evaluation
logic", "IAM JSON policy elements: Condition operators")."""

from __future__ import annotations

import pytest

from tapsim.policy_eval import (
    Decision,
    PrincipalMatch,
    Request,
    Result,
    UnsupportedPolicy,
    evaluate,
    same_account,
)

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


# Cases written from AWS's IAM User Guide pages; each names the page it follows.
GUIDE = "https://docs.aws.amazon.com/IAM/latest/UserGuide/"
OPERATORS = GUIDE + "reference_policies_elements_condition_operators.html"
MULTI = GUIDE + "reference_policies_condition-single-vs-multi-valued-context-keys.html"
VARIABLES = GUIDE + "reference_policies_variables.html"
CONDITION = GUIDE + "reference_policies_elements_condition.html"
SOURCE = "arn:aws:sns:us-east-1:111122223333:topic"


def with_context(**context: object) -> Request:
    keys = {k.replace("__", ":"): v for k, v in context.items()}
    return Request(GET.action, GET.resource, ROLE, keys)  # type: ignore[arg-type]


def allowed(condition: dict, request: Request) -> bool:
    return decide(policy(allow(Condition=condition)), request) is Decision.ALLOW


@pytest.mark.parametrize(
    ("condition", "context", "expected"),
    [
        pytest.param({"StringEquals": {"AWS:SourceAccount": "1"}}, {"aws:sourceaccount": "1"},
                     True, id=f"{CONDITION}: context key names are not case-sensitive"),
        pytest.param({"Null": {"AWS:SourceAccount": "false"}}, {"aws:sourceaccount": "1"},
                     True, id=f"{CONDITION}: Null finds a key whatever its case"),
        pytest.param({"ArnEquals": {"aws:SourceArn": "arn:aws:sns:*:111122223333:*"}},
                     {"aws:SourceArn": SOURCE}, True,
                     id=f"{OPERATORS}#Conditions_ARN: ArnEquals takes wildcards"),
        pytest.param({"ArnLike": {"aws:SourceArn": "arn:aws:sns:*"}},
                     {"aws:SourceArn": SOURCE}, False,
                     id=f"{OPERATORS}#Conditions_ARN: a wildcard stays within one ARN part"),
        pytest.param({"ArnLike": {"aws:SourceArn": "arn:aws:sns:us-east-?:*:top*"}},
                     {"aws:SourceArn": SOURCE}, True,
                     id=f"{OPERATORS}#Conditions_ARN: each of the six parts is matched alone"),
        pytest.param({"ArnNotLike": {"aws:SourceArn": "arn:aws:sns:*:444455556666:*"}},
                     {"aws:SourceArn": SOURCE}, True,
                     id=f"{OPERATORS}#Conditions_ARN: ArnNotLike negates ArnLike"),
        pytest.param({"DateGreaterThan": {"aws:CurrentTime": "2020-01-01T00:00:00Z"}},
                     {"aws:CurrentTime": "2026-12-06T12:00:00Z"}, True,
                     id=f"{OPERATORS}#Conditions_Date: ISO 8601 dates compare in time"),
        pytest.param({"DateLessThan": {"aws:EpochTime": "1577836800"}},
                     {"aws:EpochTime": "2026-12-06T12:00:00Z"}, False,
                     id=f"{OPERATORS}#Conditions_Date: epoch seconds are dates too"),
        pytest.param({"DateNotEquals": {"aws:CurrentTime": "2020-01-01T00:00:00Z"}},
                     {"aws:CurrentTime": "2020-01-01T00:00:00+00:00"}, False,
                     id=f"{OPERATORS}#Conditions_Date: the same instant is equal"),
        pytest.param({"IpAddress": {"aws:SourceIp": ["203.0.113.0/24", "2001:db8::/32"]}},
                     {"aws:SourceIp": "203.0.113.7"}, True,
                     id=f"{OPERATORS}#Conditions_IPAddress: an address inside a CIDR range"),
        pytest.param({"NotIpAddress": {"aws:SourceIp": "203.0.113.0/24"}},
                     {"aws:SourceIp": "198.51.100.1"}, True,
                     id=f"{OPERATORS}#Conditions_IPAddress: NotIpAddress outside the range"),
        pytest.param({"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}},
                     {"aws:SourceIp": "2001:db8::1"}, False,
                     id=f"{OPERATORS}#Conditions_IPAddress: IPv6 is not in an IPv4 range"),
        pytest.param({"ForAllValues:StringEquals": {"aws:TagKeys": ["Project"]}}, {},
                     True, id=f"{MULTI}: ForAllValues is true when the key is missing"),
        pytest.param({"ForAnyValue:StringEquals": {"aws:TagKeys": ["Project"]}}, {},
                     False, id=f"{MULTI}: ForAnyValue is false when the key is missing"),
        pytest.param({"ForAnyValue:StringNotEquals": {"aws:TagKeys": ["Project"]}}, {},
                     False, id=f"{MULTI}: ForAnyValue is false when the key is missing, negated"),
        pytest.param({"ForAllValues:StringNotLike": {"aws:TagKeys": "key1*"}},
                     {"aws:TagKeys": ["key1a", "other"]}, False,
                     id=f"{MULTI}: ForAllValues:StringNotLike needs every value unmatched"),
        pytest.param({"ForAllValues:StringNotLike": {"aws:TagKeys": "key1*"}},
                     {"aws:TagKeys": ["a", "b"]}, True,
                     id=f"{MULTI}: ForAllValues:StringNotLike with no value matching"),
        pytest.param({"ForAnyValue:StringNotEquals": {"aws:TagKeys": ["Project", "Owner"]}},
                     {"aws:TagKeys": ["Project", "Cost"]}, True,
                     id=f"{MULTI}: ForAnyValue:StringNotEquals, one value matches none"),
        pytest.param({"ForAnyValue:StringNotEquals": {"aws:TagKeys": ["Project", "Owner"]}},
                     {"aws:TagKeys": ["Project", "Owner"]}, False,
                     id=f"{MULTI}: ForAnyValue:StringNotEquals, every value is listed"),
        pytest.param({"StringEquals": {"s3:prefix": "home/${aws:username}/"}},
                     {"aws:username": "carlos", "s3:prefix": "home/carlos/"}, True,
                     id=f"{VARIABLES}: a variable in a condition value"),
        pytest.param({"StringEquals": {"s3:prefix": "home/${aws:username}/"}},
                     {"aws:username": "carlos", "s3:prefix": "home/maria/"}, False,
                     id=f"{VARIABLES}: a variable stands for the caller's value only"),
        pytest.param({"StringEquals": {"s3:prefix": "home/${aws:username}/"}},
                     {"s3:prefix": "home//"}, False,
                     id=f"{VARIABLES}#policy-vars-no-value: a variable without a value"),
        pytest.param({"StringEquals": {"s3:prefix": "${aws:username, 'guest'}"}},
                     {"s3:prefix": "guest"}, True,
                     id=f"{VARIABLES}#policy-vars-default-values: a default value"),
        pytest.param({"StringLike": {"s3:prefix": "a${*}b"}}, {"s3:prefix": "axxb"}, False,
                     id=f"{VARIABLES}: ${{*}} is a literal asterisk, not a wildcard"),
        pytest.param({"StringLike": {"s3:prefix": "a${*}b"}}, {"s3:prefix": "a*b"}, True,
                     id=f"{VARIABLES}: ${{*}} matches an asterisk"),
    ],
)  # fmt: skip
def test_documented_condition_cases(condition: dict, context: dict, expected: bool) -> None:
    assert allowed(condition, Request(GET.action, GET.resource, ROLE, context)) is expected


def test_a_variable_in_the_resource_is_the_callers_value() -> None:
    """https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html:
    `${aws:username}` in `Resource` scopes each user to their own folder."""
    home = allow(Resource="arn:aws:s3:::b/home/${aws:username}/*")
    mine = Request(GET.action, "arn:aws:s3:::b/home/carlos/f", ROLE, {"aws:username": "carlos"})
    theirs = Request(GET.action, "arn:aws:s3:::b/home/maria/f", ROLE, {"aws:username": "carlos"})
    nobody = Request(GET.action, "arn:aws:s3:::b/home//f", ROLE)
    assert decide(policy(home), mine) is Decision.ALLOW
    assert decide(policy(home), theirs) is Decision.IMPLICIT_DENY
    assert decide(policy(home), nobody) is Decision.IMPLICIT_DENY


@pytest.mark.parametrize(
    "statement",
    [
        pytest.param({**allow(), "NotPrincipal": {"AWS": ROLE}},
                     id=GUIDE + "reference_policies_elements_notprincipal.html"),
        pytest.param(allow(Condition={"BinaryEquals": {"k": "QmluYXJ5"}}),
                     id=f"{OPERATORS}#Conditions_BinaryEquals"),
        pytest.param(allow(Condition={"ForEachValue:StringEquals": {"k": "v"}}),
                     id=f"{MULTI}: only ForAllValues and ForAnyValue exist"),
    ],
)  # fmt: skip
def test_what_is_not_evaluated_is_refused_explicitly(statement: dict) -> None:
    with pytest.raises(UnsupportedPolicy):
        evaluate(policy(statement), GET, resource_policy="NotPrincipal" in statement)


def test_a_same_account_resource_policy_naming_the_role_is_enough_on_its_own() -> None:
    """https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic_policy-eval-basics.html
    "If either the identity-based policy or the resource-based policy
    within the same account allows the request and the other doesn't, the request is still
    allowed." A resource policy naming only the account leaves the decision to IAM."""
    grant = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}
    to_role = evaluate(policy({**grant, "Principal": {"AWS": ROLE}}), GET, resource_policy=True)
    root = {"AWS": "arn:aws:iam::111122223333:root"}
    to_account = evaluate(policy({**grant, "Principal": root}), GET, resource_policy=True)
    nothing = evaluate(policy(allow(Resource="arn:aws:s3:::other/*")), GET, resource_policy=False)
    identity = evaluate(policy(allow()), GET, resource_policy=False)
    denied = Result(Decision.DENY)
    assert same_account([nothing], to_role) is Decision.ALLOW
    assert same_account([nothing], to_account) is Decision.IMPLICIT_DENY
    assert same_account([identity], None) is Decision.ALLOW
    assert same_account([identity, denied], to_role) is Decision.DENY
    assert same_account([], None) is Decision.IMPLICIT_DENY


def test_a_contract_is_met_by_a_bucket_policy_that_names_the_role(synthesized) -> None:
    """Within one account a resource policy naming the role is enough on its own (IAM User
    Guide, "Policy evaluation logic": https://docs.aws.amazon.com/IAM/latest/UserGuide/
    reference_policies_evaluation-logic.html); the contract checks take it."""
    import json

    from tapsim.contracts import Stack, refusal

    stack = Stack(synthesized["dev"])
    role = stack.role_arn("task")
    bucket = stack.bucket("assets")
    request = Request("s3:GetObjectTagging", f"{bucket}/a.txt")
    assert refusal(stack, role, request) is not None
    name = bucket.split(":::")[1]
    granted = {"Effect": "Allow", "Principal": {"AWS": role}, "Action": "s3:GetObjectTagging",
               "Resource": f"{bucket}/*"}  # fmt: skip
    document = json.loads(stack.bucket_policies[name])
    document["Statement"].append(granted)
    stack.bucket_policies[name] = json.dumps(document)
    assert refusal(stack, role, request) is None
