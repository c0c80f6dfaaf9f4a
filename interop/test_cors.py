"""CORS as a page of another origin meets the Coral services (STS, DynamoDB,
Streams, Lambda, Logs; aws-behaviour.md §1) and `x-amzn-ErrorType` on their
errors (§8): preflights sent with requests, and real boto3 calls with an
`Origin` added whose raw answers are read in botocore's own events."""
import re

import botocore.config
import pytest
import requests

from conftest import (
    ACCOUNT, CALLER, EXPIRED_TOKEN, FUNCTION, LOG_GROUP, REGION, TABLE_ARN,
    client_for, error_of, start_labsim, stop_labsim, wait_for,
)

ORIGIN = "http://127.0.0.1:5173"
EXPOSED = "x-amzn-RequestId,x-amzn-ErrorType,x-amzn-ErrorMessage,Date"
LAMBDA_EXPOSED = EXPOSED + ",x-amz-log-result,x-amz-function-error"
CORAL = ["sts", "dynamodb", "streams", "lambda", "logs"]
# What the AWS SDK for JavaScript v3 asks to send on a signed JSON POST.
SDK_HEADERS = ("amz-sdk-invocation-id,amz-sdk-request,authorization,content-type,"
               "x-amz-content-sha256,x-amz-date,x-amz-security-token,x-amz-target,x-amz-user-agent")
# A UUID, or DynamoDB's own 52 upper-case letters and digits.
REQUEST_ID = re.compile(r"^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9A-Z]{52})$")
CORAL_SERVICE = "http://internal.amazon.com/coral/com.amazon.coral.service/"
ALLOW_ALL = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
# Botocore would retry a throttled call; the test reads the first answer.
NO_RETRIES = botocore.config.Config(retries={"total_max_attempts": 1})


@pytest.fixture(scope="module")
def lab():
    """A labsim of this module's own (faults stay here), whose function has
    run once so its log group exists."""
    lab = start_labsim()
    api = lab.endpoint("api")
    assert requests.post(api, json={"name": "Cors", "type": "t"}, timeout=10).status_code == 200
    logs = client_for(lab, "logs")

    def group_exists():
        try:
            return logs.filter_log_events(logGroupName=LOG_GROUP) is not None
        except logs.exceptions.ResourceNotFoundException:
            return False

    assert wait_for(group_exists)
    yield lab
    stop_labsim(lab)


def expose_for(service):
    return LAMBDA_EXPOSED if service == "lambda" else EXPOSED


def path_for(service):
    return f"/2015-03-31/functions/{FUNCTION}/configuration" if service == "lambda" else "/"


def preflight(url, method="POST", headers=SDK_HEADERS):
    sent = {"Origin": ORIGIN, "Access-Control-Request-Method": method}
    if headers is not None:
        sent["Access-Control-Request-Headers"] = headers
    return requests.options(url, headers=sent, timeout=10)


@pytest.mark.parametrize("method", ["POST", "GET", "DELETE"])
@pytest.mark.parametrize("service", CORAL)
def test_a_preflight_is_answered_as_the_coral_services_do(lab, service, method):
    r = preflight(lab.endpoint(service) + path_for(service), method)
    assert r.status_code == 200
    h = r.headers
    assert h["Access-Control-Allow-Origin"] == "*"
    assert h["Access-Control-Allow-Methods"] == method
    assert h["Access-Control-Allow-Headers"] == SDK_HEADERS
    assert h["Access-Control-Expose-Headers"] == expose_for(service)
    assert h["Access-Control-Max-Age"] == "172800"
    # requests joins repeated headers with ", ": one Content-Length of 0.
    assert h["Content-Length"] == "0" and r.content == b""
    assert REQUEST_ID.match(h["x-amzn-RequestId"]), h["x-amzn-RequestId"]
    assert "Date" in h
    assert "Vary" not in h and "Access-Control-Allow-Credentials" not in h


@pytest.mark.parametrize("service", CORAL)
def test_requested_headers_are_echoed_verbatim_and_only_when_asked(lab, service):
    url = lab.endpoint(service) + path_for(service)
    odd = "X-Amz-Date, Content-Type ,x-not-aws"
    assert preflight(url, "PUT", odd).headers["Access-Control-Allow-Headers"] == odd
    assert "Access-Control-Allow-Headers" not in preflight(url, "POST", None).headers


@pytest.mark.parametrize("service", CORAL)
def test_two_preflights_get_two_request_ids(lab, service):
    url = lab.endpoint(service) + path_for(service)
    first, second = (preflight(url).headers["x-amzn-RequestId"] for _ in range(2))
    assert first != second


def test_aoss_and_the_workshop_api_answer_no_cors_and_control_endpoints_echo_the_origin(lab):
    for service, path in [("aoss", "/dynamodb_replicate/_search"), ("api", "")]:
        r = preflight(lab.endpoint(service) + path)
        assert r.status_code == 403, service
        assert "Access-Control-Allow-Origin" not in r.headers, service
    r = preflight(f"{lab.sts}/_labsim/config", "GET", "content-type")
    assert r.status_code == 200
    assert r.headers["Access-Control-Allow-Origin"] == ORIGIN
    assert r.headers["Vary"] == "Origin"
    assert r.headers["Access-Control-Allow-Methods"] == "GET, POST, OPTIONS"


class RawAnswers:
    """Adds `Origin` to every request a boto3 client sends (after signing:
    a browser never signs it) and keeps each raw HTTP answer, read in
    botocore's `after-call` event, errors included."""

    def __init__(self, client):
        self.answers = []
        client.meta.events.register("before-send", self._add_origin)
        client.meta.events.register("after-call", self._keep)

    @staticmethod
    def _add_origin(request, **_):
        request.headers["Origin"] = ORIGIN

    def _keep(self, http_response, parsed, model, **_):
        self.answers.append((model.name, http_response, parsed))

    def last(self):
        return self.answers[-1]


def client_with_origin(lab, service, creds=None):
    client = client_for(lab, service, creds, botocore_config=NO_RETRIES)
    return client, RawAnswers(client)


def assert_readable(service, http_response):
    h = http_response.headers
    assert h["Access-Control-Allow-Origin"] == "*"
    assert h["Access-Control-Expose-Headers"] == expose_for(service)
    assert "Access-Control-Max-Age" not in h
    assert "Vary" not in h
    assert "Date" in h


def test_every_call_labmate_makes_is_readable_cross_origin(lab):
    """The calls labmate makes, each answered 200 with the CORS headers and
    the request id botocore parsed from the same answer."""
    sts, sts_raw = client_with_origin(lab, "sts")
    ddb, ddb_raw = client_with_origin(lab, "dynamodb")
    streams, streams_raw = client_with_origin(lab, "dynamodbstreams")
    lam, lam_raw = client_with_origin(lab, "lambda")
    logs, logs_raw = client_with_origin(lab, "logs")

    assert sts.get_caller_identity()["Arn"] == CALLER
    table = ddb.describe_table(TableName="lab-table")["Table"]
    key = {"id": {"S": "cors-item"}}
    ddb.update_item(TableName="lab-table", Key=key, UpdateExpression="SET #n = :n",
                    ExpressionAttributeNames={"#n": "name"}, ExpressionAttributeValues={":n": {"S": "Cy"}})
    assert ddb.get_item(TableName="lab-table", Key=key)["Item"]["name"] == {"S": "Cy"}
    assert ddb.scan(TableName="lab-table")["Count"] >= 1
    ddb.delete_item(TableName="lab-table", Key=key)
    stream = streams.describe_stream(StreamArn=table["LatestStreamArn"])["StreamDescription"]
    shard = stream["Shards"][0]["ShardId"]
    iterator = streams.get_shard_iterator(StreamArn=stream["StreamArn"], ShardId=shard,
                                          ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    assert streams.get_records(ShardIterator=iterator)["Records"]
    assert lam.get_function_configuration(FunctionName=FUNCTION)["FunctionName"] == FUNCTION
    assert len(lam.list_event_source_mappings(FunctionName=FUNCTION)["EventSourceMappings"]) == 1
    assert "events" in logs.filter_log_events(logGroupName=LOG_GROUP)

    seen = []
    for service, raw in [("sts", sts_raw), ("dynamodb", ddb_raw), ("streams", streams_raw),
                         ("lambda", lam_raw), ("logs", logs_raw)]:
        for operation, http_response, parsed in raw.answers:
            assert http_response.status_code == 200, operation
            assert_readable(service, http_response)
            request_id = http_response.headers["x-amzn-RequestId"]
            assert REQUEST_ID.match(request_id)
            assert parsed["ResponseMetadata"]["RequestId"] == request_id, operation
            assert "x-amzn-ErrorType" not in http_response.headers
            seen.append(operation)
    assert seen == [
        "GetCallerIdentity", "DescribeTable", "UpdateItem", "GetItem", "Scan", "DeleteItem",
        "DescribeStream", "GetShardIterator", "GetRecords",
        "GetFunctionConfiguration", "ListEventSourceMappings", "FilterLogEvents",
    ]


def denial(action, resource):
    return (f"User: {CALLER} is not authorized to perform: {action} on resource: {resource} "
            f"because no identity-based policy allows the {action} action")


def lambda_arn(name):
    return f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}"


# (service, boto3 client name, credentials, fault, call, status, code,
#  message, x-amzn-ErrorType)
ERRORS = [
    ("dynamodb", "dynamodb", "demo", None, lambda c: c.delete_table(TableName="lab-table"),
     400, "AccessDeniedException", denial("dynamodb:DeleteTable", TABLE_ARN),
     "AccessDeniedException:" + CORAL_SERVICE),
    ("dynamodb", "dynamodb", "all", None,
     lambda c: c.get_item(TableName="no-such-table", Key={"id": {"S": "x"}}),
     400, "ResourceNotFoundException", "Requested resource not found",
     "ResourceNotFoundException:http://internal.amazon.com/coral/com.amazonaws.dynamodb.v20120810/"),
    ("dynamodb", "dynamodb", "demo", {"service": "dynamodb", "times": 1, "throttle": True},
     lambda c: c.describe_table(TableName="lab-table"),
     400, "ThrottlingException", "Rate of requests exceeds the allowed throughput.",
     "ThrottlingException:http://internal.amazon.com/coral/com.amazon.coral.availability/"),
    ("streams", "dynamodbstreams", "demo", {"service": "streams", "times": 1, "expired_token": True},
     lambda c: c.list_streams(TableName="lab-table"),
     400, "ExpiredTokenException", EXPIRED_TOKEN, "ExpiredTokenException:" + CORAL_SERVICE),
    ("lambda", "lambda", "demo", None, lambda c: c.get_function_configuration(FunctionName="nope"),
     403, "AccessDeniedException", denial("lambda:GetFunctionConfiguration", lambda_arn("nope")),
     "AccessDeniedException"),
    ("lambda", "lambda", "all", None, lambda c: c.get_function_configuration(FunctionName="nope"),
     404, "ResourceNotFoundException", f"Function not found: {lambda_arn('nope')}",
     "ResourceNotFoundException"),
    ("logs", "logs", "all", None, lambda c: c.filter_log_events(logGroupName="/aws/lambda/nope"),
     400, "ResourceNotFoundException", "The specified log group does not exist.",
     "ResourceNotFoundException"),
    ("sts", "sts", "expired", None, lambda c: c.get_caller_identity(),
     403, "ExpiredToken", EXPIRED_TOKEN, "ExpiredToken"),
]


@pytest.mark.parametrize(
    "service,client_name,creds,fault,call,status,code,message,error_type", ERRORS,
    ids=[f"{e[0]}-{e[6]}-{e[2]}" for e in ERRORS],
)
def test_an_error_reaches_the_page_with_its_type(lab, service, client_name, creds, fault, call,
                                                 status, code, message, error_type):
    credentials = {
        "demo": None,
        "all": lambda: lab.mint(3600, policy=ALLOW_ALL),
        "expired": lambda: lab.mint(-60),
    }[creds]
    client, raw = client_with_origin(lab, client_name, credentials and credentials())
    if fault:
        lab.control("POST", "/_labsim/faults", fault)
    try:
        error = error_of(lambda: call(client))
    finally:
        lab.control("DELETE", "/_labsim/faults")
    assert error["ResponseMetadata"]["HTTPStatusCode"] == status
    assert error["Error"]["Code"] == code
    assert error["Error"]["Message"] == message
    _, http_response, _ = raw.last()
    assert http_response.status_code == status
    assert http_response.headers["x-amzn-ErrorType"] == error_type
    assert_readable(service, http_response)
    assert REQUEST_ID.match(http_response.headers["x-amzn-RequestId"])
