"""The least-privilege policy labmate generates for learners' credentials,
as AWS's own clients meet it: credentials carrying it (minted with the
policy labsim serves at /_labsim/learner-policy, or from STS AssumeRole on
the learner role, as the instructor's last command does) make every call
labmate makes in the chapter's walkthrough, and are refused a call outside
them with the service's own status, error code and IAM's message.

The API runs with AWS_IAM authorization here, so the test POST's signature
and the policy's execute-api statement count."""
import uuid

import pytest
import requests

from conftest import (
    ACCOUNT, CALLER, FUNCTION, INDEX, LOG_GROUP, REGION, TABLE_ARN, aws4auth, client_for, error_of,
    opensearch_client, search_by_dynamodb_id, start_labsim, stop_labsim, wait_for,
)

LEARNER_ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/labmate-learner"
LAMBDA_ROLE = "lambda-lab-role"
FUNCTION_ARN = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{FUNCTION}"
HOW = ["minted with the served policy", "assumed learner role"]


@pytest.fixture(scope="module")
def lab():
    # Its own labsim: one test resets it.
    lab = start_labsim("--api-auth", "iam")
    yield lab
    stop_labsim(lab)


def learner_credentials(lab, how):
    """(credentials, the caller ARN IAM names in its refusals)."""
    if how == "minted with the served policy":
        policy = lab.control("GET", "/_labsim/learner-policy")
        return lab.mint(3600, policy=policy), CALLER
    # The instructor's `aws sts assume-role --role-arn ... --role-session-name
    # labmate --duration-seconds 3600`, from credentials that may assume it.
    instructor = lab.mint(3600, policy={
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": LEARNER_ROLE_ARN}],
    })
    answer = client_for(lab, "sts", instructor).assume_role(
        RoleArn=LEARNER_ROLE_ARN, RoleSessionName="labmate", DurationSeconds=3600,
    )
    creds = {k: answer["Credentials"][k] for k in ("AccessKeyId", "SecretAccessKey", "SessionToken")}
    assert answer["AssumedRoleUser"]["Arn"] == f"arn:aws:sts::{ACCOUNT}:assumed-role/labmate-learner/labmate"
    return creds, answer["AssumedRoleUser"]["Arn"]


@pytest.fixture(params=HOW)
def learner(lab, request):
    return learner_credentials(lab, request.param)


@pytest.fixture
def item(lab):
    """An item the Lambda has indexed, written with the demo credentials
    (which may PutItem; the learner's may not): the log group and the
    index exist, and there is an item to change."""
    # Each test here reads the stream as one more reader beside the Lambda's
    # trigger, within seconds of the last: AWS's limit of two readers a shard
    # would refuse the third, which is not what these tests are about.
    lab.control("POST", "/_labsim/faults", {"service": "streams", "no_reader_limit": True})
    item_id = f"learner-{uuid.uuid4().hex[:8]}"
    client_for(lab, "dynamodb").put_item(
        TableName="lab-table", Item={"id": {"S": item_id}, "name": {"S": "Ann"}, "type": {"S": "cat"}},
    )
    assert wait_for(lambda: search_by_dynamodb_id(opensearch_client(lab), item_id)), "the Lambda never indexed it"
    return item_id


def iam(lab, creds):
    return client_for(lab, "iam", creds, region="us-east-1")


@pytest.mark.parametrize("how", HOW)
def test_before_the_function_runs_the_log_tail_may_ask_for_its_group(lab, how):
    lab.control("POST", "/_labsim/reset")
    creds, _ = learner_credentials(lab, how)
    groups = client_for(lab, "logs", creds).describe_log_groups(logGroupNamePrefix=LOG_GROUP)
    assert groups["logGroups"] == []


def test_every_call_of_the_walkthrough_is_allowed(lab, learner, item):
    creds, caller = learner
    assert client_for(lab, "sts", creds).get_caller_identity()["Arn"] == caller

    # The test POST, signed as labmate signs it.
    r = requests.post(
        lab.endpoint("api"), json={"name": "Bo", "type": "dog"}, auth=aws4auth(creds, "execute-api"), timeout=10,
    )
    assert (r.status_code, r.json()) == (200, {})

    # The stream poller.
    ddb = client_for(lab, "dynamodb", creds)
    stream = ddb.describe_table(TableName="lab-table")["Table"]["LatestStreamArn"]
    streams = client_for(lab, "dynamodbstreams", creds)
    assert [s["StreamArn"] for s in streams.list_streams(TableName="lab-table")["Streams"]] == [stream]
    shard = streams.describe_stream(StreamArn=stream)["StreamDescription"]["Shards"][0]["ShardId"]
    iterator = streams.get_shard_iterator(
        StreamArn=stream, ShardId=shard, ShardIteratorType="TRIM_HORIZON",
    )["ShardIterator"]
    keys = [r["dynamodb"]["Keys"]["id"]["S"] for r in streams.get_records(ShardIterator=iterator)["Records"]]
    assert item in keys

    # Step 9's change demo.
    key = {"id": {"S": item}}
    assert ddb.get_item(TableName="lab-table", Key=key)["Item"]["name"] == {"S": "Ann"}
    ddb.update_item(
        TableName="lab-table", Key=key, UpdateExpression="SET #n = :n",
        ExpressionAttributeNames={"#n": "name"}, ExpressionAttributeValues={":n": {"S": "Ann B"}},
    )
    ddb.delete_item(TableName="lab-table", Key=key)
    assert "Item" not in ddb.get_item(TableName="lab-table", Key=key)

    # The Lambda watcher and the function and trigger checks.
    lam = client_for(lab, "lambda", creds)
    assert lam.get_function(FunctionName=FUNCTION)["Configuration"]["FunctionArn"] == FUNCTION_ARN
    assert lam.get_function_configuration(FunctionName=FUNCTION)["Role"].endswith(f":role/{LAMBDA_ROLE}")
    mappings = lam.list_event_source_mappings(FunctionName=FUNCTION)["EventSourceMappings"]
    assert [m["EventSourceArn"] for m in mappings] == [stream]
    assert [f["FunctionName"] for f in lam.list_functions()["Functions"]] == [FUNCTION]

    # The log tail.
    logs = client_for(lab, "logs", creds)
    assert [g["logGroupName"] for g in logs.describe_log_groups(logGroupNamePrefix=LOG_GROUP)["logGroups"]] == [LOG_GROUP]
    assert logs.filter_log_events(logGroupName=LOG_GROUP)["events"]
    log_stream = logs.describe_log_streams(logGroupName=LOG_GROUP)["logStreams"][0]["logStreamName"]
    assert logs.get_log_events(logGroupName=LOG_GROUP, logStreamName=log_stream)["events"]

    # The guide's policy check.
    role = iam(lab, creds)
    assert role.get_role(RoleName=LAMBDA_ROLE)["Role"]["RoleName"] == LAMBDA_ROLE
    assert role.list_role_policies(RoleName=LAMBDA_ROLE)["PolicyNames"] == ["aoss-policy", "dynamodb-stream-data"]
    assert role.get_role_policy(RoleName=LAMBDA_ROLE, PolicyName="dynamodb-stream-data")["PolicyDocument"]["Statement"]
    assert role.list_attached_role_policies(RoleName=LAMBDA_ROLE)["AttachedPolicies"][0]["PolicyName"] == "AWSLambdaExecute"

    # The documents panel's search.
    hits = opensearch_client(lab, creds).search(index=INDEX, body={"query": {"match_all": {}}})
    assert hits["hits"]["total"]["value"] >= 1


def no_allow(caller, action, resource):
    return (
        f"User: {caller} is not authorized to perform: {action} on resource: {resource} "
        f"because no identity-based policy allows the {action} action"
    )


# name: (call, HTTP status, error code, the action and the resource IAM names)
OUTSIDE = {
    "PutItem": (
        lambda lab, c: client_for(lab, "dynamodb", c).put_item(TableName="lab-table", Item={"id": {"S": "x"}}),
        400, "AccessDeniedException", "dynamodb:PutItem", TABLE_ARN,
    ),
    "DeleteTable": (
        lambda lab, c: client_for(lab, "dynamodb", c).delete_table(TableName="lab-table"),
        400, "AccessDeniedException", "dynamodb:DeleteTable", TABLE_ARN,
    ),
    "Scan": (
        lambda lab, c: client_for(lab, "dynamodb", c).scan(TableName="lab-table"),
        400, "AccessDeniedException", "dynamodb:Scan", TABLE_ARN,
    ),
    "GetItem on another table": (
        lambda lab, c: client_for(lab, "dynamodb", c).get_item(TableName="other-table", Key={"id": {"S": "x"}}),
        400, "AccessDeniedException", "dynamodb:GetItem", f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/other-table",
    ),
    "Invoke": (
        lambda lab, c: client_for(lab, "lambda", c).invoke(FunctionName=FUNCTION, Payload=b"{}"),
        403, "AccessDeniedException", "lambda:InvokeFunction", FUNCTION_ARN,
    ),
    "GetFunction of another function": (
        lambda lab, c: client_for(lab, "lambda", c).get_function(FunctionName="other-function"),
        403, "AccessDeniedException", "lambda:GetFunction", f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:other-function",
    ),
    "FilterLogEvents on another group": (
        lambda lab, c: client_for(lab, "logs", c).filter_log_events(logGroupName="/aws/lambda/other"),
        400, "AccessDeniedException", "logs:FilterLogEvents",
        f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/aws/lambda/other:log-stream:",
    ),
    "GetRole of another role": (
        lambda lab, c: iam(lab, c).get_role(RoleName="lambda-lap-role"),
        403, "AccessDenied", "iam:GetRole", "role lambda-lap-role",
    ),
    "AssumeRole": (
        lambda lab, c: client_for(lab, "sts", c).assume_role(
            RoleArn=f"arn:aws:iam::{ACCOUNT}:role/{LAMBDA_ROLE}", RoleSessionName="escalate",
        ),
        403, "AccessDenied", "sts:AssumeRole", f"arn:aws:iam::{ACCOUNT}:role/{LAMBDA_ROLE}",
    ),
}


@pytest.mark.parametrize("call", list(OUTSIDE))
def test_a_call_outside_labmates_is_refused(lab, learner, call):
    creds, caller = learner
    run, status, code, action, resource = OUTSIDE[call]
    resp = error_of(lambda: run(lab, creds))
    assert resp["ResponseMetadata"]["HTTPStatusCode"] == status
    assert resp["Error"]["Code"] == code
    assert resp["Error"]["Message"] == no_allow(caller, action, resource)


def test_the_demo_credentials_may_still_seed_items_the_learners_may_not(lab, learner):
    creds, _ = learner
    item = {"id": {"S": "seeded"}, "name": {"S": "Cy"}}
    client_for(lab, "dynamodb").put_item(TableName="lab-table", Item=item)
    resp = error_of(lambda: client_for(lab, "dynamodb", creds).put_item(TableName="lab-table", Item=item))
    assert resp["Error"]["Code"] == "AccessDeniedException"
