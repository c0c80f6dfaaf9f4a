"""Authorization matrix: every service labsim serves, called with the client
AWS documents for it, with good credentials and with each way a request's
authorization goes wrong. Each refusal must come in that service's own
error shape and status, as the client surfaces it.

The API runs with AWS_IAM authorization here (the second labsim), so that
awscurl's signature counts."""
import re
from collections import namedtuple
from datetime import datetime, timedelta

import botocore.config
import botocore.exceptions
import pytest
import requests
from opensearchpy import AWSV4SignerAuth
from opensearchpy.exceptions import AuthorizationException

from conftest import (
    CALLER, EXPIRED_TOKEN, FUNCTION, INDEX, LOG_GROUP, REGION, SIGNATURE_MISMATCH, TABLE_ARN,
    amz_date, awscurl, aws4auth, client_for, flip_last_char, opensearch_client, tamper_signatures,
    utc_now, wait_for,
)

SKEW = 6 * 60
CASES = ["ok", "tampered", "expired", "clock ahead", "clock behind", "denied"]
ONE_TRY = botocore.config.Config(retries={"total_max_attempts": 1})
LAMBDA_ROLE = "arn:aws:iam::123456789012:role/lambda-lab-role"
# Everything allowed but one action per service, so each refusal is IAM's
# and names its action.
DENIED_ACTIONS = [
    "dynamodb:GetItem", "dynamodb:ListStreams", "lambda:GetFunction", "logs:DescribeLogStreams",
    "sts:AssumeRole", "aoss:APIAccessAll", "execute-api:Invoke",
]
DENY_POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Action": "*", "Resource": "*"},
        {"Effect": "Deny", "Action": DENIED_ACTIONS, "Resource": "*"},
    ],
}

# What the client surfaced: the HTTP status, the error code it parsed (None
# when it has no notion of one), the message, and the answer on success.
Outcome = namedtuple("Outcome", "status code message result")


def boto3_outcome(call):
    try:
        return Outcome(200, None, None, call())
    except botocore.exceptions.ClientError as e:
        r = e.response
        return Outcome(r["ResponseMetadata"]["HTTPStatusCode"], r["Error"]["Code"], r["Error"]["Message"], None)


def boto3_driver(service, call, denied_call=None):
    def run(lab, creds, case, skew_clock):
        if case.startswith("clock"):
            skew_clock(SKEW if case == "clock ahead" else -SKEW)
        client = client_for(lab, service, creds, botocore_config=ONE_TRY)
        if case == "tampered":
            tamper_signatures(client)
        return boto3_outcome(lambda: (denied_call if case == "denied" and denied_call else call)(client))

    return run


def aoss_requests(lab, creds, case, skew_clock):
    """requests + requests-aws4auth, as the workshop's Lambda signs."""
    auth = aws4auth(creds, "aoss")
    if case == "tampered":
        sign = auth

        def auth(r):
            r = sign(r)
            r.headers["Authorization"] = flip_last_char(r.headers["Authorization"])
            return r

    headers = {"content-type": "application/json"}
    if case.startswith("clock"):
        headers["x-amz-date"] = amz_date(utc_now(SKEW if case == "clock ahead" else -SKEW))
    r = requests.post(
        f"{lab.endpoint('aoss')}/{INDEX}/_search", json={"query": {"match_all": {}}},
        headers=headers, auth=auth, timeout=10,
    )
    body = r.json() if r.content else {}
    if r.ok:
        return Outcome(r.status_code, None, None, body)
    error = body.get("error")
    code = error.get("type") if isinstance(error, dict) else None
    # The denial's hint header is what tells a data access policy apart.
    if r.headers.get("x-aoss-response-hint"):
        code = f"{code} ({r.headers['x-aoss-response-hint']})"
    return Outcome(r.status_code, code, body.get("message"), None)


class TamperingSignerAuth(AWSV4SignerAuth):
    def __call__(self, request):
        request = super().__call__(request)
        request.headers["Authorization"] = flip_last_char(request.headers["Authorization"])
        return request


def aoss_opensearch_py(lab, creds, case, skew_clock):
    """opensearch-py with AWSV4SignerAuth(..., 'aoss')."""
    if case.startswith("clock"):
        skew_clock(SKEW if case == "clock ahead" else -SKEW)
    client = opensearch_client(lab, creds, TamperingSignerAuth if case == "tampered" else None)
    try:
        return Outcome(200, None, None, client.search(index=INDEX, body={"query": {"match_all": {}}}))
    except AuthorizationException as e:
        info = e.info if isinstance(e.info, dict) else {}
        # opensearch-py reports the body's error type when there is one.
        code = e.error if "error" in info else None
        return Outcome(e.status_code, code, info.get("message"), None)


def api_awscurl(lab, creds, case, skew_clock):
    """awscurl, service execute-api, against the API's invoke URL."""
    import json

    skew = {"clock ahead": SKEW, "clock behind": -SKEW}.get(case, 0)
    status, body = awscurl(
        creds, "execute-api", lab.endpoint("api"),
        "-X", "POST", "-H", "content-type: application/json", "-d", '{"name": "Mx", "type": "matrix"}',
        skew_seconds=skew, tamper=case == "tampered",
    )
    parsed = json.loads(body)
    if status == 200:
        return Outcome(status, None, None, parsed)
    return Outcome(status, None, parsed.get("message", parsed.get("Message")), None)


DRIVERS = {
    "dynamodb": boto3_driver("dynamodb", lambda c: c.get_item(TableName="lab-table", Key={"id": {"S": "matrix"}})),
    "streams": boto3_driver("dynamodbstreams", lambda c: c.list_streams(TableName="lab-table")),
    "lambda": boto3_driver("lambda", lambda c: c.get_function(FunctionName=FUNCTION)),
    "logs": boto3_driver("logs", lambda c: c.describe_log_streams(logGroupName=LOG_GROUP)),
    "sts": boto3_driver(
        "sts", lambda c: c.get_caller_identity(),
        lambda c: c.assume_role(RoleArn=LAMBDA_ROLE, RoleSessionName="matrix"),
    ),
    "aoss (requests-aws4auth)": aoss_requests,
    "aoss (opensearch-py)": aoss_opensearch_py,
    "api (awscurl)": api_awscurl,
}

OK_CHECKS = {
    "dynamodb": lambda r: "Item" not in r and r["ResponseMetadata"]["HTTPStatusCode"] == 200,
    "streams": lambda r: [s["TableName"] for s in r["Streams"]] == ["lab-table"],
    "lambda": lambda r: r["Configuration"]["FunctionName"] == FUNCTION,
    "logs": lambda r: len(r["logStreams"]) >= 1,
    "sts": lambda r: r["Arn"] == CALLER,
    "aoss (requests-aws4auth)": lambda r: r["hits"]["total"]["value"] >= 1,
    "aoss (opensearch-py)": lambda r: r["hits"]["total"]["value"] >= 1,
    "api (awscurl)": lambda r: r == {},
}

# service: (status of every refusal, {case: error code the client reports}).
JSON_400 = {"tampered": "InvalidSignatureException", "expired": "ExpiredTokenException",
            "clock": "InvalidSignatureException", "denied": "AccessDeniedException"}
REFUSALS = {
    "dynamodb": (400, JSON_400),
    "streams": (400, JSON_400),
    "logs": (400, JSON_400),
    # Lambda's front end answers 403, the code in x-amzn-ErrorType.
    "lambda": (403, JSON_400),
    "sts": (403, {"tampered": "SignatureDoesNotMatch", "expired": "ExpiredToken",
                  "clock": "SignatureDoesNotMatch", "denied": "AccessDenied"}),
    "aoss (requests-aws4auth)": (403, {"denied": "Forbidden (X01:gw-helper-deny)"}),
    "aoss (opensearch-py)": (403, {"denied": "Forbidden"}),
    "api (awscurl)": (403, {}),
}
# What the denied call asked for, and on what (a prefix of the resource).
DENIALS = {
    "dynamodb": ("dynamodb:GetItem", TABLE_ARN),
    "streams": ("dynamodb:ListStreams", f"{TABLE_ARN}/stream/*"),
    "lambda": ("lambda:GetFunction", f"arn:aws:lambda:{REGION}:123456789012:function:{FUNCTION}"),
    "logs": ("logs:DescribeLogStreams", f"arn:aws:logs:{REGION}:123456789012:log-group:{LOG_GROUP}"),
    "sts": ("sts:AssumeRole", LAMBDA_ROLE),
    # API Gateway masks all but the last four digits of the account.
    "api (awscurl)": ("execute-api:Invoke", f"arn:aws:execute-api:{REGION}:********9012:"),
}

STAMP = r"(\d{8}T\d{6}Z)"


def parse_stamp(text):
    return datetime.strptime(text, "%Y%m%dT%H%M%SZ")


@pytest.fixture(scope="module")
def lab(labsim_iam):
    """The IAM-auth labsim once the Lambda has run: its log group and the
    index exist, so the good calls have something to find."""
    ddb = client_for(labsim_iam, "dynamodb")
    ddb.put_item(TableName="lab-table", Item={"id": {"S": "matrix-seed"}, "name": {"S": "seed"}})
    logs = client_for(labsim_iam, "logs")

    def ready():
        try:
            streams = logs.describe_log_streams(logGroupName=LOG_GROUP)["logStreams"]
            hits = opensearch_client(labsim_iam).search(index=INDEX, body={"query": {"match_all": {}}})
            return streams and hits["hits"]["total"]["value"] >= 1
        except Exception:  # not there yet
            return False

    assert wait_for(ready), "the Lambda never ran"
    return labsim_iam


def credentials_for(lab, case):
    if case == "expired":
        return lab.mint(-60)
    if case == "denied":
        return lab.mint(3600, policy=DENY_POLICY)
    return lab.config()["credentials"]


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("service", list(DRIVERS))
def test_authorization(lab, skew_clock, service, case):
    outcome = DRIVERS[service](lab, credentials_for(lab, case), case, skew_clock)
    if case == "ok":
        assert outcome.status == 200, outcome
        assert OK_CHECKS[service](outcome.result), outcome.result
        return
    status, codes = REFUSALS[service]
    assert outcome.status == status, outcome
    assert outcome.code == codes.get(case.split()[0]), outcome
    message = outcome.message
    if case == "tampered":
        assert message.startswith(SIGNATURE_MISMATCH), outcome
    elif case == "expired":
        assert message == EXPIRED_TOKEN, outcome
    elif case == "clock ahead":
        # The server names the client's time, its own, and the limit.
        m = re.fullmatch(rf"Signature not yet current: {STAMP} is still later than {STAMP} \({STAMP} \+ 5 min\.\)", message)
        assert m, outcome
        signed, limit, server = map(parse_stamp, m.groups())
        assert limit - server == timedelta(minutes=5)
        assert abs((signed - server) - timedelta(seconds=SKEW)) < timedelta(seconds=5), outcome
    elif case == "clock behind":
        m = re.fullmatch(rf"Signature expired: {STAMP} is now earlier than {STAMP} \({STAMP} - 5 min\.\)", message)
        assert m, outcome
        signed, limit, server = map(parse_stamp, m.groups())
        assert server - limit == timedelta(minutes=5)
        assert abs((server - signed) - timedelta(seconds=SKEW)) < timedelta(seconds=5), outcome
    elif service.startswith("aoss"):
        # OpenSearch Serverless says only "Forbidden", never why.
        assert message is None, outcome
    else:
        action, resource = DENIALS[service]
        m = re.fullmatch(
            rf"User: {re.escape(CALLER)} is not authorized to perform: {re.escape(action)} on resource: (\S+) "
            r"with an explicit deny in an identity-based policy",
            message,
        )
        assert m, outcome
        assert m.group(1).startswith(resource), outcome


def test_get_caller_identity_needs_no_permission_even_under_an_explicit_deny(lab):
    """AWS documents it: a policy cannot deny sts:GetCallerIdentity."""
    creds = lab.mint(3600, policy={
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Deny", "Action": "*", "Resource": "*"}],
    })
    assert client_for(lab, "sts", creds).get_caller_identity()["Arn"] == CALLER
