"""More cases written from AWS's IAM User Guide, each naming the page (and section) it follows:
the condition operators, several keys and values, set operators, policy variables and the
policy language version, Action/NotAction, Resource/NotResource, Principal, and the
evaluation logic within one account and across accounts."""

from __future__ import annotations

from typing import Any

import pytest

from tapsim.policy_eval import (
    Decision,
    PrincipalMatch,
    Request,
    UnsupportedPolicy,
    cross_account,
    evaluate,
    same_account,
)

GUIDE = "https://docs.aws.amazon.com/IAM/latest/UserGuide/"
OPERATORS = GUIDE + "reference_policies_elements_condition_operators.html"
CONDITION = GUIDE + "reference_policies_elements_condition.html"
LOGIC = GUIDE + "reference_policies_condition-logic-multiple-context-keys-or-values.html"
MULTI = GUIDE + "reference_policies_condition-single-vs-multi-valued-context-keys.html"
SETS = GUIDE + "reference_policies_multi-value-conditions.html"
SET_KEYS = SETS + "#reference_policies_multi-key-or-value-conditions"
SET_EVAL = SETS + "#reference_policies_multi-value-conditions-eval"
VARIABLES = GUIDE + "reference_policies_variables.html"
VERSION = GUIDE + "reference_policies_elements_version.html"
ACTION = GUIDE + "reference_policies_elements_action.html"
NOTACTION = GUIDE + "reference_policies_elements_notaction.html"
RESOURCE = GUIDE + "reference_policies_elements_resource.html"
NOTRESOURCE = GUIDE + "reference_policies_elements_notresource.html"
PRINCIPAL = GUIDE + "reference_policies_elements_principal.html"
INTERPLAY = GUIDE + "reference_policies_evaluation-logic_AccessPolicyLanguage_Interplay.html"
BASICS = GUIDE + "reference_policies_evaluation-logic_policy-eval-basics.html"
CROSS = GUIDE + "reference_policies_evaluation-logic-cross-account.html"

USER = "arn:aws:iam::111122223333:user/carlos"
STRANGER = "arn:aws:iam::444455556666:user/user-name"
EVERYTHING = {"Effect": "Allow", "Action": "*", "Resource": "*"}


def doc(*statements: dict[str, Any], version: str | None = "2012-10-17") -> dict[str, Any]:
    return {**({"Version": version} if version else {}), "Statement": list(statements)}


def req(
    action: str, resource: str, principal: str = USER, context: dict[str, Any] | None = None
) -> Request:
    return Request(action, resource, principal, context or {})


def decide(
    document: dict[str, Any], request: Request, *, resource_policy: bool = False
) -> Decision:
    return evaluate(document, request, resource_policy=resource_policy).decision


def op(operator: str, key: str, value: Any) -> dict[str, Any]:
    """A condition block with one operator and one key."""
    return {operator: {key: value}}


NAME, TYPE, PREFIX, KEYS = "aws:username", "ec2:InstanceType", "s3:prefix", "s3:max-keys"
TIME, IP, TAGS, ARN = "aws:CurrentTime", "aws:SourceIp", "aws:TagKeys", "aws:PrincipalArn"
ISSUED, ACCOUNT = "aws:TokenIssueTime", "aws:PrincipalAccount"
TEAM = {"StringEqualsIgnoreCase": {"aws:PrincipalTag/department": ["finance", "hr", "legal"],
                                   "aws:PrincipalTag/role": ["audit", "security"]},
        "StringEquals": {ACCOUNT: "123456789012"}}  # fmt: skip
TEAMMATE = {"aws:PrincipalTag/department": "Finance", "aws:PrincipalTag/role": "audit"}
ACCOUNTS = op("StringNotEquals", ACCOUNT, ["111122223333", "444455556666"])
INSTANCES = op("StringLikeIfExists", TYPE, ["t1.*", "t2.*", "m3.*"])
FINANCE = "arn:aws:someservice:*:111122223333:finance/*"
STORE = "arn:aws:someservice:us-east-2:999999999999:store/abc:111122223333:finance/document.txt"
OWN_ARN = "arn:aws:iam::111122223333:user/${aws:username}"
TEAM_TAG = op("StringNotEquals", "s3:ExistingObjectTag/Team", "${aws:PrincipalTag/Team}")


@pytest.mark.parametrize(
    ("condition", "context", "expected"),
    [
        pytest.param(op("StringEqualsIgnoreCase", NAME, "johndoe"), {NAME: "JohnDoe"}, True,
                     id=f"{CONDITION}: StringEqualsIgnoreCase matches JohnDoe to johndoe"),
        pytest.param(op("StringEquals", NAME, "johndoe"), {NAME: "JohnDoe"}, False,
                     id=f"{CONDITION}: StringEquals does not match JohnDoe to johndoe"),
        pytest.param(op("StringNotEqualsIgnoreCase", NAME, "johndoe"), {NAME: "JohnDoe"}, False,
                     id=f"{OPERATORS}#Conditions_String: StringNotEqualsIgnoreCase ignores case"),
        pytest.param(op("StringLike", TYPE, "t?.micro"), {TYPE: "t2.micro"}, True,
                     id=f"{OPERATORS}#Conditions_String: ? matches a single character"),
        pytest.param(op("StringLike", TYPE, "t?.micro"), {TYPE: "t22.micro"}, False,
                     id=f"{OPERATORS}#Conditions_String: ? matches no more than one character"),
        pytest.param(op("StringLike", PREFIX, "home/*"), {PREFIX: "HOME/carlos"}, False,
                     id=f"{OPERATORS}#Conditions_String: StringLike is case-sensitive"),
        pytest.param(op("StringLike", PREFIX, "home"), {PREFIX: "home/carlos"}, False,
                     id=f"{OPERATORS}#Conditions_String: a partial match needs a wildcard"),
        pytest.param(op("StringNotLike", TYPE, "t2.*"), {TYPE: "t2.micro"}, False,
                     id=f"{OPERATORS}#Conditions_String: StringNotLike fails on a match"),
        pytest.param(op("StringNotLike", TYPE, "t2.*"), {}, True,
                     id=f"{OPERATORS}: StringNotLike is true when the key is not present"),
        pytest.param(op("NumericLessThanEquals", KEYS, "10"), {KEYS: "10"}, True,
                     id=f"{OPERATORS}#Conditions_Numeric: up to 10 objects includes 10"),
        pytest.param(op("NumericLessThanEquals", KEYS, "10"), {KEYS: "11"}, False,
                     id=f"{OPERATORS}#Conditions_Numeric: 11 is more than 10"),
        pytest.param(op("NumericEquals", KEYS, "1.5"), {KEYS: "1.50"}, True,
                     id=f"{OPERATORS}#Conditions_Numeric: decimal values compare as numbers"),
        pytest.param(op("NumericLessThanEquals", "aws:MultiFactorAuthAge", "3600"), {}, False,
                     id=f"{CONDITION}#AccessPolicyLanguage_RequestContext: not present, "
                        "no match"),
        pytest.param(op("DateGreaterThan", ISSUED, "2020-01-01T00:00:01Z"), {}, False,
                     id=f"{OPERATORS}#Conditions_Date: no aws:TokenIssueTime, no match"),
        pytest.param(op("DateLessThan", TIME, "2020-01-01"), {TIME: "2019-12-31T23:59:59Z"}, True,
                     id=f"{OPERATORS}#Conditions_Date: a W3C ISO 8601 complete date"),
        pytest.param(op("DateLessThan", TIME, "2020-06"), {TIME: "2020-05-31T00:00:00Z"}, True,
                     id=f"{OPERATORS}#Conditions_Date: a W3C ISO 8601 year and month"),
        pytest.param(op("DateEquals", TIME, "2020-01-01T01:00+01:00"),
                     {TIME: "2020-01-01T00:00:00Z"}, True,
                     id=f"{OPERATORS}#Conditions_Date: W3C hours and minutes with an offset"),
        pytest.param(op("Bool", "aws:SecureTransport", "true"),
                     {"aws:SecureTransport": "false"}, False,
                     id=f"{OPERATORS}#Conditions_Boolean: false does not match true"),
        pytest.param(op("IpAddress", IP, "203.0.113.5"), {IP: "203.0.113.6"}, False,
                     id=f"{OPERATORS}#Conditions_IPAddress: an address alone means /32"),
        pytest.param(op("IpAddress", IP, "2001:DB8:1234:5678::/64"),
                     {IP: "2001:db8:1234:5678::1"}, True,
                     id=f"{OPERATORS}#Conditions_IPAddress: an IPv6 CIDR range"),
        pytest.param(op("IpAddress", IP, "203.0.113.0/24"), {}, False,
                     id=f"{OPERATORS}#Conditions_IPAddress: no aws:SourceIp (VPC endpoint)"),
        pytest.param(op("StringLike", "aws:SourceArn", FINANCE), {"aws:SourceArn": STORE}, True,
                     id=f"{OPERATORS}#Conditions_ARN: StringLike's * crosses colons"),
        pytest.param(op("ArnLike", "aws:SourceArn", FINANCE), {"aws:SourceArn": STORE}, False,
                     id=f"{OPERATORS}#Conditions_ARN: ArnLike's * does not"),
        pytest.param(op("ArnNotEquals", ARN, STRANGER), {}, True,
                     id=f"{OPERATORS}: ArnNotEquals is true when the key is not present"),
        pytest.param(op("ArnEquals", ARN, OWN_ARN), {NAME: "carlos", ARN: USER}, True,
                     id=f"{OPERATORS}#Conditions_ARN: a policy variable in an ARN operator"),
        pytest.param(INSTANCES, {TYPE: "m5.large"}, False,
                     id=f"{OPERATORS}#Conditions_IfExists: a present key is still checked"),
        pytest.param(op("Null", ISSUED, "true"), {ISSUED: "2020-01-01T00:00:00Z"}, False,
                     id=f"{OPERATORS}#Conditions_Null: true requires the key to be absent"),
        pytest.param(op("Null", ISSUED, "false"), {}, False,
                     id=f"{OPERATORS}#Conditions_Null: false requires the key to exist"),
        pytest.param(TEAM, {ACCOUNT: "123456789012", **TEAMMATE}, True,
                     id=f"{LOGIC}#reference_policies_multiple-conditions-eval: all true"),
        pytest.param(TEAM, {ACCOUNT: "999999999999", **TEAMMATE}, False,
                     id=f"{LOGIC}#reference_policies_multiple-conditions-eval: operators AND"),
        pytest.param(ACCOUNTS, {ACCOUNT: "444455556666"}, False,
                     id=f"{LOGIC}: a negated operator's values are a NOR, one matches"),
        pytest.param(ACCOUNTS, {ACCOUNT: "777788889999"}, True,
                     id=f"{LOGIC}: a negated operator's values are a NOR, none matches"),
        pytest.param(op("ForAllValues:StringEquals", TAGS, ["ID", "Message", "Tags"]),
                     {TAGS: ["Message", "Tags"]}, True,
                     id=f"{MULTI}: ForAllValues, every request value is in the policy"),
        pytest.param(op("ForAllValues:StringEquals", TAGS, ["Project"]), {TAGS: ""}, True,
                     id=f"{SET_KEYS}: ForAllValues, empty string"),
        pytest.param(op("ForAnyValue:StringNotEquals", TAGS, ["Project"]), {TAGS: ""}, False,
                     id=f"{SET_KEYS}: ForAnyValue, empty string"),
        pytest.param(op("ForAllValues:StringEquals", TAGS, ["Project"]), {TAGS: []}, True,
                     id=f"{SET_EVAL}: ForAllValues, empty list"),
        pytest.param(op("ForAnyValue:StringLike", TAGS, "Created*"),
                     {TAGS: ["CreatedBy", "Owner"]}, True,
                     id=f"{MULTI}: ForAnyValue:StringLike with a wildcard"),
        pytest.param(TEAM_TAG, {"s3:ExistingObjectTag/Team": "red"}, True,
                     id=f"{VARIABLES}#policy-vars-no-value: a negated operator matches null"),
        pytest.param(op("StringLike", PREFIX, "a${?}b"), {PREFIX: "axb"}, False,
                     id=f"{VARIABLES}#policy-vars-specialchars: ${{?}} is a literal ?"),
        pytest.param(op("StringEquals", PREFIX, "cost${$}"), {PREFIX: "cost$"}, True,
                     id=f"{VARIABLES}#policy-vars-specialchars: ${{$}} is a literal $"),
        pytest.param(op("StringEquals", PREFIX, "${AWS:UserName}/"),
                     {NAME: "carlos", PREFIX: "carlos/"}, True,
                     id=f"{VARIABLES}: a variable's key name is not case-sensitive"),
    ],
)  # fmt: skip
def test_documented_conditions(condition: dict, context: dict, expected: bool) -> None:
    statement = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*",
                 "Condition": condition}  # fmt: skip
    request = Request("s3:GetObject", "arn:aws:s3:::b/k", USER, context)
    assert (decide(doc(statement), request) is Decision.ALLOW) is expected


def allow(action: Any, resource: Any = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def deny(action: Any, resource: Any = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Deny", "Action": action, "Resource": resource, **extra}


def negate(statement: dict[str, Any], element: str) -> dict[str, Any]:
    """The statement with `element` (Action or Resource) turned into `NotAction` /
    `NotResource`."""
    rest = {k: v for k, v in statement.items() if k != element}
    return {**rest, f"Not{element}": statement[element]}


S3 = "arn:aws:s3:::"
ALL_BUT_DELETE = negate(allow("s3:DeleteBucket", S3 + "*"), "Action")
NO_MFA = negate(deny("iam:*", Condition={"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}}),
                "Action")  # fmt: skip
PAYROLL = negate(deny("s3:*", [S3 + "HRBucket/Payroll", S3 + "HRBucket/Payroll/*"]), "Resource")
TESTS = allow("s3:GetObject", S3 + "DOC-EXAMPLE-BUCKET/*/test/*")
REPORTS = [allow(["iam:Get*", "iam:List*"]), deny("iam:*Report")]
CARLOS = [allow("s3:*", [S3 + "amzn-s3-demo-bucket-carlossalazar/*"]), deny("s3:*", S3 + "*log*")]
TEAM_BUCKET = allow("s3:*", S3 + "DOC-EXAMPLE-BUCKET-${aws:PrincipalTag/team, 'company-wide'}")
HOME = allow("s3:GetObject", S3 + "b/${aws:username}/*")


@pytest.mark.parametrize(
    ("document", "request_", "expected"),
    [
        pytest.param(doc(allow("iam:*AccessKey*")), req("iam:CreateAccessKey", USER),
                     Decision.ALLOW, id=f"{ACTION}: iam:*AccessKey* covers CreateAccessKey"),
        pytest.param(doc(allow("iam:*AccessKey*")), req("iam:GetUser", USER),
                     Decision.IMPLICIT_DENY, id=f"{ACTION}: and not GetUser"),
        pytest.param(doc(allow("IAM:listaccesskeys")), req("iam:ListAccessKeys", USER),
                     Decision.ALLOW, id=f"{ACTION}: iam:ListAccessKeys is IAM:listaccesskeys"),
        pytest.param(doc(ALL_BUT_DELETE), req("s3:GetObject", S3 + "b/k"), Decision.ALLOW,
                     id=f"{NOTACTION}: Allow with NotAction allows every other S3 action"),
        pytest.param(doc(ALL_BUT_DELETE), req("s3:DeleteBucket", S3 + "b"),
                     Decision.IMPLICIT_DENY, id=f"{NOTACTION}: but not the one listed"),
        pytest.param(doc(ALL_BUT_DELETE), req("iam:CreateUser", USER), Decision.IMPLICIT_DENY,
                     id=f"{NOTACTION}: nor other services, outside the S3 Resource"),
        pytest.param(doc(negate(allow("iam:*"), "Action")), req("ec2:RunInstances", "*"),
                     Decision.ALLOW, id=f"{NOTACTION}: everything except IAM"),
        pytest.param(doc(EVERYTHING, NO_MFA), req("s3:GetObject", S3 + "b/k"), Decision.DENY,
                     id=f"{NOTACTION}: Deny with NotAction and BoolIfExists, no MFA key"),
        pytest.param(doc(EVERYTHING, NO_MFA),
                     req("s3:GetObject", S3 + "b/k", context={"aws:MultiFactorAuthPresent":
                                                               "true"}),
                     Decision.ALLOW, id=f"{NOTACTION}: signed in with MFA, the Deny is void"),
        pytest.param(doc(EVERYTHING, NO_MFA), req("iam:ListUsers", "*"), Decision.ALLOW,
                     id=f"{NOTACTION}: the listed IAM actions are not denied"),
        pytest.param(doc(EVERYTHING, PAYROLL), req("s3:GetObject", S3 + "HRBucket/Other"),
                     Decision.DENY, id=f"{NOTRESOURCE}: Deny with NotResource, another folder"),
        pytest.param(doc(EVERYTHING, PAYROLL), req("s3:GetObject", S3 + "HRBucket/Payroll/x"),
                     Decision.ALLOW, id=f"{NOTRESOURCE}: the listed resources are not denied"),
        pytest.param(doc(PAYROLL), req("s3:GetObject", S3 + "HRBucket/Payroll/x"),
                     Decision.IMPLICIT_DENY, id=f"{NOTRESOURCE}: nor granted by the Deny"),
        pytest.param(doc(EVERYTHING, PAYROLL), req("ec2:RunInstances", "*"), Decision.ALLOW,
                     id=f"{NOTRESOURCE}: only the statement's S3 actions are denied"),
        pytest.param(doc(TESTS), req("s3:GetObject", S3 + "DOC-EXAMPLE-BUCKET/1///test///o.jpg"),
                     Decision.ALLOW, id=f"{RESOURCE}#reference_policies_elements_resource_"
                                       "wildcards: * spans slashes"),
        pytest.param(doc(TESTS), req("s3:GetObject", S3 + "DOC-EXAMPLE-BUCKET//test/object.jpg"),
                     Decision.ALLOW, id=f"{RESOURCE}: * matches an empty run"),
        pytest.param(doc(TESTS), req("s3:GetObject", S3 + "DOC-EXAMPLE-BUCKET/test/object.jpg"),
                     Decision.IMPLICIT_DENY, id=f"{RESOURCE}: the / around * are literal"),
        pytest.param(doc(TESTS), req("s3:GetObject", S3 + "DOC-EXAMPLE-BUCKET/1/2/test.jpg"),
                     Decision.IMPLICIT_DENY, id=f"{RESOURCE}: test.jpg is not test/"),
        pytest.param(doc(allow("s3:*", S3 + "bucket/${aws:PrincipalTag/department}")),
                     req("s3:GetObject", S3 + "bucket/hr",
                         context={"aws:PrincipalTag/department": "hr"}),
                     Decision.ALLOW, id=f"{VARIABLES}#policy-vars-tags: a tag in Resource"),
        pytest.param(doc(TEAM_BUCKET), req("s3:ListBucket", S3 + "DOC-EXAMPLE-BUCKET-company-wide"),
                     Decision.ALLOW, id=f"{VARIABLES}#policy-vars-default-values: no tag"),
        pytest.param(doc(TEAM_BUCKET), req("s3:ListBucket", S3 + "DOC-EXAMPLE-BUCKET-company-wide",
                                           context={"aws:PrincipalTag/team": "yellow"}),
                     Decision.IMPLICIT_DENY, id=f"{VARIABLES}#policy-vars-default-values: team"),
        pytest.param(doc(EVERYTHING, negate(deny("s3:*", S3 + "b/${aws:username}/*"), "Resource")),
                     req("s3:GetObject", S3 + "b/carlos/k"), Decision.DENY,
                     id=f"{VARIABLES}#policy-vars-no-value: in NotResource it matches nothing"),
        pytest.param(doc(HOME, version=None), req("s3:GetObject", S3 + "b/carlos/k",
                                                  context={"aws:username": "carlos"}),
                     Decision.IMPLICIT_DENY, id=f"{VARIABLES}: no Version, no variables"),
        pytest.param(doc(HOME, version="2008-10-17"),
                     req("s3:GetObject", S3 + "b/${aws:username}/k", context={NAME: "carlos"}),
                     Decision.ALLOW, id=f"{VERSION}: in 2008-10-17 ${{aws:username}} is literal"),
        pytest.param(doc(*REPORTS), req("iam:GetOrganizationsAccessReport", "*"), Decision.DENY,
                     id=f"{INTERPLAY}: DenyReports explicitly denies"),
        pytest.param(doc(*REPORTS), req("iam:GetUser", "*"), Decision.ALLOW,
                     id=f"{INTERPLAY}: AllowGetList allows"),
        pytest.param(doc(*REPORTS), req("iam:CreatePolicy", "*"), Decision.IMPLICIT_DENY,
                     id=f"{INTERPLAY}: everything else is implicitly denied"),
        pytest.param(doc(*CARLOS),
                     req("s3:PutObject", S3 + "amzn-s3-demo-bucket-carlossalazar-logs/f"),
                     Decision.DENY, id=f"{BASICS}: DenyS3Logs denies the -logs bucket"),
        pytest.param(doc(*CARLOS), req("s3:PutObject", S3 + "amzn-s3-demo-bucket-carlossalazar/f"),
                     Decision.ALLOW, id=f"{BASICS}: AllowS3Self allows his own bucket"),
    ],
)  # fmt: skip
def test_documented_statements(document: dict, request_: Request, expected: Decision) -> None:
    assert decide(document, request_) is expected


def granted(principal: Any, caller: str) -> PrincipalMatch:
    """How a bucket policy granting s3:GetObject to `principal` matches `caller`."""
    statement = {**allow("s3:GetObject", S3 + "b/*"), "Principal": principal}
    return evaluate(doc(statement), req("s3:GetObject", S3 + "b/k", caller),
                    resource_policy=True).principal  # fmt: skip


@pytest.mark.parametrize(
    ("principal", "caller", "expected"),
    [
        pytest.param({"AWS": "111122223333"}, USER, PrincipalMatch.ACCOUNT,
                     id=f"{PRINCIPAL}#principal-accounts: the account ID delegates"),
        pytest.param({"AWS": ["123456789012", "555555555555"]},
                     "arn:aws:iam::555555555555:role/r", PrincipalMatch.ACCOUNT,
                     id=f"{PRINCIPAL}#Principal_specifying: several principals are an OR"),
        pytest.param("*", STRANGER, PrincipalMatch.DIRECT,
                     id=f"{PRINCIPAL}#principal-anonymous: * is every principal"),
        pytest.param({"AWS": "*"}, "", PrincipalMatch.DIRECT,
                     id=f"{PRINCIPAL}#principal-anonymous: AWS * is the same, anonymous too"),
        pytest.param({"AWS": "arn:aws:iam::111122223333:user/Carlos"}, USER, PrincipalMatch.NONE,
                     id=f"{PRINCIPAL}#principal-users: the user name is case-sensitive"),
        pytest.param({"Service": ["ecs.amazonaws.com", "elasticloadbalancing.amazonaws.com"]},
                     "elasticloadbalancing.amazonaws.com", PrincipalMatch.DIRECT,
                     id=f"{PRINCIPAL}#principal-services: an array of service principals"),
    ],
)  # fmt: skip
def test_documented_principals(principal: Any, caller: str, expected: PrincipalMatch) -> None:
    assert granted(principal, caller) is expected


@pytest.mark.parametrize(
    ("caller", "expected"),
    [
        pytest.param(USER, Decision.DENY,
                     id=f"{PRINCIPAL}#principal-anonymous: Deny * unless aws:PrincipalArn"),
        pytest.param(STRANGER, Decision.IMPLICIT_DENY,
                     id=f"{PRINCIPAL}#principal-anonymous: the excepted ARN is not denied"),
    ],
)  # fmt: skip
def test_a_deny_to_everyone_but_one_principal(caller: str, expected: Decision) -> None:
    statement = {**deny("s3:*", [S3 + "BUCKETNAME/*", S3 + "BUCKETNAME"]), "Principal": "*",
                 "Condition": {"ArnNotEquals": {"aws:PrincipalArn": STRANGER}}}  # fmt: skip
    request = req("s3:GetObject", S3 + "BUCKETNAME/k", caller, context={"aws:PrincipalArn": caller})
    assert decide(doc(statement), request, resource_policy=True) is expected


PRODUCTION = S3 + "Production/*"
CARLOS_A = "arn:aws:iam::111111111111:user/carlossalazar"
IDENTITY_A = doc(allow("s3:*Object*", PRODUCTION), deny("s3:*", [S3 + "*log*", S3 + "*log*/*"]))
BUCKET_B = {**allow(["s3:GetObject*", "s3:PutObject*"], PRODUCTION),
            "Principal": {"AWS": CARLOS_A}}  # fmt: skip


@pytest.mark.parametrize(
    ("identity", "bucket", "resource", "expected"),
    [
        pytest.param(IDENTITY_A, BUCKET_B, PRODUCTION[:-1] + "f", Decision.ALLOW,
                     id=f"{CROSS}#policies_evaluation_example-cross-account: both allow"),
        pytest.param(IDENTITY_A, BUCKET_B, S3 + "Production-logs/f", Decision.DENY,
                     id=f"{CROSS}#policies_evaluation_example-cross-account: DenyS3Logs"),
        pytest.param(doc(), BUCKET_B, PRODUCTION[:-1] + "f", Decision.IMPLICIT_DENY,
                     id=f"{CROSS}#policy-eval-cross-account: the resource policy alone"),
        pytest.param(IDENTITY_A, {**BUCKET_B, "Principal": {"AWS": "111111111111"}},
                     PRODUCTION[:-1] + "f", Decision.ALLOW,
                     id=f"{PRINCIPAL}#principal-accounts: the account's admin grants it"),
        pytest.param(doc(), {**BUCKET_B, "Principal": "*"}, PRODUCTION[:-1] + "f",
                     Decision.IMPLICIT_DENY,
                     id=f"{PRINCIPAL}#principal-anonymous: * still needs the other account"),
    ],
)  # fmt: skip
def test_documented_cross_account_requests(
    identity: dict, bucket: dict, resource: str, expected: Decision
) -> None:
    request = req("s3:PutObject", resource, CARLOS_A)
    on_resource = evaluate(doc(bucket), request, resource_policy=True)
    assert cross_account([evaluate(identity, request, resource_policy=False)], on_resource) is (
        expected
    )


def test_a_deny_in_a_same_account_resource_policy_beats_an_identity_allow() -> None:
    """https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic_policy-eval-basics.html:
    "An explicit deny in any of the policies overrides the allow"."""
    request = req("s3:GetObject", S3 + "b/k")
    identity = evaluate(doc(allow("s3:*")), request, resource_policy=False)
    bucket = evaluate(doc({**deny("s3:*"), "Principal": "*"}), request, resource_policy=True)
    assert identity.allowed
    assert same_account([identity], bucket) is Decision.DENY


@pytest.mark.parametrize(
    "statement",
    [
        pytest.param(allow("s3:*", Condition={"NumericLessThan": {"k": "${aws:username}"}}),
                     id=f"{OPERATORS}#Conditions_Numeric: no policy variable in Numeric"),
        pytest.param(allow("s3:*", Condition={"DateLessThan": {"aws:CurrentTime": "2020-*"}}),
                     id=f"{OPERATORS}#Conditions_Date: no wildcards in Date"),
        pytest.param(allow("s3:*", Condition={"NullIfExists": {"k": "true"}}),
                     id=f"{OPERATORS}#Conditions_IfExists: every operator but Null"),
        pytest.param({**allow("s3:*"), "Principal": {"AWS": "arn:aws:iam::111122223333:user/*"}},
                     id=f"{PRINCIPAL}#principal-users: no wildcard for all users"),
        pytest.param({**allow("s3:*"), "Principal": {"AWS": "arn:aws:sts::111122223333:"
                                                            "assumed-role/app/*"}},
                     id=f"{PRINCIPAL}#principal-sessions: no wildcard for all sessions"),
    ],
)  # fmt: skip
def test_what_aws_would_not_accept_is_refused(statement: dict) -> None:
    request = req("s3:GetObject", S3 + "b/k")
    with pytest.raises(UnsupportedPolicy):
        evaluate(doc(statement), request, resource_policy="Principal" in statement)
