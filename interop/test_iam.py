"""IAM as boto3's `iam` client sees it (endpoint from /_labsim/config,
region us-east-1): lambda-lab-role, its policies as the lab's setup has
them, AWS's errors, and the pipeline following the role's policies."""
import json
import urllib.parse

import pytest
import requests

from conftest import ACCOUNT, CALLER, FUNCTION, LOG_GROUP, REGION, client_for, error_of, opensearch_client, read_timeline, search_by_dynamodb_id, start_labsim, stop_labsim, wait_for

ROLE = "lambda-lab-role"
STREAM_POLICY = {
    "Version": "2012-10-17",
    "Statement": [{
        "Sid": "APIAccessForDynamoDBStreams",
        "Effect": "Allow",
        "Action": ["dynamodb:GetRecords", "dynamodb:GetShardIterator", "dynamodb:DescribeStream", "dynamodb:ListStreams"],
        "Resource": f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/lab-table/stream/*",
    }],
}
AOSS_POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Action": ["aoss:APIAccessAll", "aoss:DeleteCollection", "aoss:*"], "Resource": "*"},
        {"Sid": "VisualEditor1", "Effect": "Allow", "Action": "aoss:DashboardsAccessAll", "Resource": "*"},
    ],
}


@pytest.fixture(scope="module")
def lab():
    # Its own labsim: these tests change the role.
    lab = start_labsim()
    yield lab
    stop_labsim(lab)


@pytest.fixture(autouse=True)
def reset(lab):
    lab.control("POST", "/_labsim/reset")


def iam(lab, creds=None):
    """boto3's IAM client as the SDKs make it for IAM: region us-east-1."""
    return client_for(lab, "iam", creds, region="us-east-1")


def setup(lab, **fields):
    return lab.control("POST", "/_labsim/setup", fields)


def raw_bodies(client):
    """The raw HTTP bodies the client receives, before botocore parses them."""
    bodies = []
    client.meta.events.register("after-call.iam", lambda http_response, **_: bodies.append(http_response.text))
    return bodies


def test_the_endpoint_is_listed_and_signed_for_us_east_1(lab):
    config = lab.config()
    assert config["endpoints"]["iam"] not in (config["endpoints"]["sts"], "")
    resp = error_of(lambda: client_for(lab, "iam", region=REGION).get_role(RoleName=ROLE))
    assert resp["ResponseMetadata"]["HTTPStatusCode"] == 403
    assert resp["Error"]["Code"] == "SignatureDoesNotMatch"
    assert resp["Error"]["Message"] == "Credential should be scoped to a valid region."


def test_get_role(lab):
    answer = iam(lab).get_role(RoleName=ROLE)
    role = answer["Role"]
    assert role["RoleName"] == ROLE
    assert role["Arn"] == f"arn:aws:iam::{ACCOUNT}:role/{ROLE}"
    assert role["Path"] == "/"
    assert role["RoleId"].startswith("AROA") and len(role["RoleId"]) == 21
    assert role["MaxSessionDuration"] == 3600
    # botocore decodes the URL-encoded trust policy into a dict.
    assert role["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] == {"Service": "lambda.amazonaws.com"}
    assert answer["ResponseMetadata"]["HTTPHeaders"]["x-amzn-requestid"] == answer["ResponseMetadata"]["RequestId"]


def test_list_role_policies_and_its_paging(lab):
    client = iam(lab)
    assert client.list_role_policies(RoleName=ROLE)["PolicyNames"] == ["aoss-policy", "dynamodb-stream-data"]
    first = client.list_role_policies(RoleName=ROLE, MaxItems=1)
    assert first["PolicyNames"] == ["aoss-policy"] and first["IsTruncated"] is True
    second = client.list_role_policies(RoleName=ROLE, MaxItems=1, Marker=first["Marker"])
    assert second["PolicyNames"] == ["dynamodb-stream-data"] and second["IsTruncated"] is False
    pages = client.get_paginator("list_role_policies").paginate(RoleName=ROLE, PaginationConfig={"PageSize": 1})
    assert [n for page in pages for n in page["PolicyNames"]] == ["aoss-policy", "dynamodb-stream-data"]


def test_get_role_policy_is_url_encoded_on_the_wire_and_decoded_by_boto3(lab):
    client = iam(lab)
    bodies = raw_bodies(client)
    answer = client.get_role_policy(RoleName=ROLE, PolicyName="dynamodb-stream-data")
    assert answer["PolicyDocument"] == STREAM_POLICY
    raw = bodies[-1]
    wire = raw.split("<PolicyDocument>")[1].split("</PolicyDocument>")[0]
    assert "{" not in wire and '"' not in wire
    text = urllib.parse.unquote(wire)
    assert json.loads(text) == STREAM_POLICY
    # RFC 3986: exactly what quote() with no safe characters gives.
    assert wire == urllib.parse.quote(text, safe="")
    assert iam(lab).get_role_policy(RoleName=ROLE, PolicyName="aoss-policy")["PolicyDocument"] == AOSS_POLICY


def test_list_attached_role_policies(lab):
    answer = iam(lab).list_attached_role_policies(RoleName=ROLE)
    assert answer["AttachedPolicies"] == [
        {"PolicyName": "AWSLambdaExecute", "PolicyArn": "arn:aws:iam::aws:policy/AWSLambdaExecute"},
    ]
    assert answer["IsTruncated"] is False


def test_another_role_is_no_such_entity(lab):
    resp = error_of(lambda: iam(lab).get_role(RoleName="lambda-lap-role"))
    assert resp["ResponseMetadata"]["HTTPStatusCode"] == 404
    assert resp["Error"]["Code"] == "NoSuchEntity"
    assert resp["Error"]["Message"] == "The role with name lambda-lap-role cannot be found."
    assert resp["Error"]["Type"] == "Sender"
    resp = error_of(lambda: iam(lab).get_role_policy(RoleName=ROLE, PolicyName="AWSLambdaExecute"))
    assert resp["ResponseMetadata"]["HTTPStatusCode"] == 404
    assert resp["Error"]["Message"] == "The role policy with name AWSLambdaExecute cannot be found."


def test_a_narrow_credential_is_access_denied(lab):
    narrow = lab.mint(3600, policy={
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "sts:GetCallerIdentity", "Resource": "*"}],
    })
    resp = error_of(lambda: iam(lab, narrow).get_role_policy(RoleName=ROLE, PolicyName="aoss-policy"))
    assert resp["ResponseMetadata"]["HTTPStatusCode"] == 403
    assert resp["Error"]["Code"] == "AccessDenied"
    assert resp["Error"]["Message"] == (
        f"User: {CALLER} is not authorized to perform: iam:GetRolePolicy on resource: role {ROLE} "
        "because no identity-based policy allows the iam:GetRolePolicy action"
    )
    assert resp["ResponseMetadata"]["HTTPHeaders"]["x-amzn-requestid"]


def test_expired_and_unknown_credentials_are_refused_as_sts_does(lab):
    resp = error_of(lambda: iam(lab, lab.mint(-60)).get_role(RoleName=ROLE))
    assert resp["ResponseMetadata"]["HTTPStatusCode"] == 403
    assert resp["Error"]["Code"] == "ExpiredToken"
    creds = dict(lab.config()["credentials"], AccessKeyId="ASIAZZZZZZZZZZZZZZZZ")
    resp = error_of(lambda: iam(lab, creds).get_role(RoleName=ROLE))
    assert resp["Error"]["Code"] == "InvalidClientTokenId"


def test_missing_and_wrong_policies_show_in_iams_answers(lab):
    assert setup(lab, stream_policy="missing")["stream_policy"] == "missing"
    client = iam(lab)
    assert client.list_role_policies(RoleName=ROLE)["PolicyNames"] == ["aoss-policy"]
    resp = error_of(lambda: client.get_role_policy(RoleName=ROLE, PolicyName="dynamodb-stream-data"))
    assert resp["ResponseMetadata"]["HTTPStatusCode"] == 404
    assert resp["Error"]["Code"] == "NoSuchEntity"
    assert resp["Error"]["Message"] == "The role policy with name dynamodb-stream-data cannot be found."

    setup(lab, stream_policy="wrong", aoss_policy="wrong")
    stream = client.get_role_policy(RoleName=ROLE, PolicyName="dynamodb-stream-data")["PolicyDocument"]
    assert stream["Statement"][0]["Resource"] == f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/lab-table"
    aoss = client.get_role_policy(RoleName=ROLE, PolicyName="aoss-policy")["PolicyDocument"]
    assert [a for s in aoss["Statement"] for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])] == ["aoss:DashboardsAccessAll"]

    lab.control("POST", "/_labsim/reset")
    assert client.list_role_policies(RoleName=ROLE)["PolicyNames"] == ["aoss-policy", "dynamodb-stream-data"]


def test_policy_changes_are_setup_changes_in_the_timeline(lab):
    _, cursor = read_timeline(lab)
    setup(lab, aoss_policy="wrong", stream_policy="missing")
    events, _ = read_timeline(lab, cursor)
    changes = {e["field"]: (e["from"], e["to"]) for e in events if e["kind"] == "setup_change"}
    assert changes == {"aoss_policy": ("present", "wrong"), "stream_policy": ("present", "missing")}


def test_bad_policy_state_is_400_naming_the_field(lab):
    answer = lab.control("POST", "/_labsim/setup", {"aoss_policy": "gone"}, status=400)
    assert answer["error"] == '"aoss_policy" must be one of "present", "missing", "wrong", not "gone"'


def put(lab, item_id):
    client_for(lab, "dynamodb").put_item(TableName="lab-table", Item={"id": {"S": item_id}, "name": {"S": item_id}})


def log_messages(lab, needle):
    logs = client_for(lab, "logs")
    try:
        events = logs.filter_log_events(logGroupName=LOG_GROUP)["events"]
    except logs.exceptions.ResourceNotFoundException:  # made by the first invocation
        return []
    return [e["message"] for e in events if needle in e["message"]]


def mapping(lab):
    return client_for(lab, "lambda").list_event_source_mappings(FunctionName=FUNCTION)["EventSourceMappings"][0]


def test_without_the_stream_policy_the_trigger_cannot_read(lab):
    setup(lab, stream_policy="wrong")
    put(lab, "no-stream-access")
    problem = wait_for(lambda: mapping(lab)["LastProcessingResult"].startswith("PROBLEM: Cannot access stream"), seconds=5)
    assert problem, mapping(lab)
    assert not search_by_dynamodb_id(opensearch_client(lab), "no-stream-access")
    setup(lab, stream_policy="present")
    assert wait_for(lambda: search_by_dynamodb_id(opensearch_client(lab), "no-stream-access"))


def test_without_the_aoss_policy_the_code_gets_aosss_403(lab):
    setup(lab, aoss_policy="missing")
    put(lab, "no-aoss-access")
    lines = wait_for(lambda: log_messages(lab, "Failed to index item: {'id': 'no-aoss-access'"))
    assert lines, "the handler logs the refusal"
    body = json.loads(lines[0].strip().split(", Response: ", 1)[1])
    assert body["status"] == 403 and body["error"] == {"reason": "403 Forbidden", "type": "Forbidden"}
    assert not search_by_dynamodb_id(opensearch_client(lab), "no-aoss-access")


def test_iam_answers_cors_preflights(lab):
    url = lab.config()["endpoints"]["iam"] + "/"
    r = requests.options(url, headers={
        "Origin": "http://localhost:8080",
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization,content-type,x-amz-date,x-amz-security-token",
    }, timeout=10)
    assert r.status_code == 200
    assert r.headers["Access-Control-Allow-Origin"] in ("*", "http://localhost:8080")
    assert "x-amz-security-token" in r.headers["Access-Control-Allow-Headers"]
