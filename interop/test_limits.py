"""AWS's limits as AWS's own clients meet them in labsim: CloudWatch Logs'
account rates and paging, GetRecords' 1 MB / 1000-record pages, each
service's body size limit and its refusal, and the control endpoints'
range checks."""
import json
import time
import xml.etree.ElementTree as ET

import botocore.config
import pytest
import requests

from conftest import (
    LOG_GROUP,
    aws4auth,
    client_for,
    error_of,
    log_events,
    start_labsim,
    stop_labsim,
    wait_for,
)

ONE_MB = 1024 * 1024
NO_RETRIES = botocore.config.Config(retries={"total_max_attempts": 1})
AWS_LIMITS = {"filter_log_events_per_second": 5, "get_log_events_per_second": 10, "filter_page_span_ms": 60000}


@pytest.fixture(scope="module")
def lab():
    """A labsim of this module's own, so other tests' calls do not count
    against its rates and its stream holds only this module's records."""
    lab = start_labsim()
    yield lab
    stop_labsim(lab)


@pytest.fixture
def limits(lab):
    """`limits(**logs)` loosens the Logs limits for one test; AWS's are put
    back afterwards."""

    def set_limits(**logs):
        return lab.control("POST", "/_labsim/limits", {"logs": logs})

    yield set_limits
    set_limits(**AWS_LIMITS)


def invoke_lambda_via_the_api(lab, name):
    api = lab.config()["endpoints"]["api"]
    r = requests.post(api, json={"name": name, "type": "t"}, timeout=10)
    assert r.status_code == 200, r.text
    return r.headers["x-amzn-RequestId"]


def test_limits_are_aws_by_default(lab):
    assert lab.control("GET", "/_labsim/limits") == {"logs": AWS_LIMITS}


def test_filter_log_events_is_throttled_above_five_calls_a_second(lab):
    invoke_lambda_via_the_api(lab, "throttle")
    logs = client_for(lab, "logs", botocore_config=NO_RETRIES)
    assert wait_for(lambda: log_events(lab)), "the Lambda logged"
    time.sleep(1.1)  # an empty window
    for _ in range(5):
        logs.filter_log_events(logGroupName=LOG_GROUP, limit=1)
    resp = error_of(lambda: logs.filter_log_events(logGroupName=LOG_GROUP, limit=1))
    assert resp["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert resp["Error"]["Code"] == "ThrottlingException"
    assert resp["Error"]["Message"] == "Rate exceeded"
    time.sleep(1.1)
    assert logs.filter_log_events(logGroupName=LOG_GROUP, limit=1)["ResponseMetadata"]["HTTPStatusCode"] == 200


def test_get_log_events_is_throttled_above_ten_calls_a_second(lab):
    invoke_lambda_via_the_api(lab, "throttle-get")
    logs = client_for(lab, "logs", botocore_config=NO_RETRIES)
    stream = wait_for(lambda: logs.describe_log_streams(logGroupName=LOG_GROUP)["logStreams"])[0]["logStreamName"]
    time.sleep(1.1)
    for _ in range(10):
        logs.get_log_events(logGroupName=LOG_GROUP, logStreamName=stream, limit=1)
    resp = error_of(lambda: logs.get_log_events(logGroupName=LOG_GROUP, logStreamName=stream, limit=1))
    assert resp["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert resp["Error"]["Code"] == "ThrottlingException"
    assert resp["Error"]["Message"] == "Rate exceeded"


def test_the_paginator_follows_next_token_across_empty_pages_and_gets_every_event_once(lab, limits):
    # Invocations a second apart, pages 50 ms of log time each, searching
    # for the handler's line: a span of other lines is an empty page, with
    # a token (a span with no line at all is skipped).
    limits(filter_log_events_per_second=None, filter_page_span_ms=50)
    since = int(time.time() * 1000)
    ids = []
    for i in range(3):
        ids.append(invoke_lambda_via_the_api(lab, f"page-{i}"))
        time.sleep(1.0)
    assert wait_for(lambda: sum("Successfully:" in e["message"] for e in log_events(lab, startTime=since)) == 3)

    paginator = client_for(lab, "logs").get_paginator("filter_log_events")
    pages = list(paginator.paginate(logGroupName=LOG_GROUP, startTime=since, filterPattern="Successfully"))
    assert any(not p["events"] and "nextToken" in p for p in pages), [len(p["events"]) for p in pages]
    assert "nextToken" not in pages[-1]
    paged = [e["eventId"] for p in pages for e in p["events"]]
    assert len(paged) == len(set(paged)), "no event twice"

    limits(filter_page_span_ms=None)
    whole = client_for(lab, "logs").filter_log_events(logGroupName=LOG_GROUP, startTime=since, filterPattern="Successfully")
    assert "nextToken" not in whole
    assert paged == [e["eventId"] for e in whole["events"]], "every event once, in order"
    assert len(paged) == 3
    assert sum("Successfully:" in e["message"] for e in whole["events"]) == 3


def test_get_records_pages_stay_within_one_megabyte_and_a_thousand_records(lab):
    ddb = client_for(lab, "dynamodb")
    streams = client_for(lab, "dynamodbstreams")
    sizes = []
    streams.meta.events.register(
        "after-call.dynamodb-streams.GetRecords",
        lambda http_response, **_: sizes.append(len(http_response.content)),
    )
    for i in range(1001):
        ddb.put_item(TableName="lab-table", Item={"id": {"S": f"small-{i:04}"}})
    blob = "x" * 300_000
    for i in range(12):
        ddb.put_item(TableName="lab-table", Item={"id": {"S": f"big-{i:02}"}, "blob": {"S": blob}})

    arn = ddb.describe_table(TableName="lab-table")["Table"]["LatestStreamArn"]
    shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][-1]["ShardId"]
    iterator = streams.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    pages = []
    while True:
        page = streams.get_records(ShardIterator=iterator)
        if not page["Records"]:
            break
        pages.append([r["dynamodb"]["Keys"]["id"]["S"] for r in page["Records"]])
        iterator = page["NextShardIterator"]
    mine = [i for page in pages for i in page if i.startswith(("big-", "small-"))]
    assert mine == [f"small-{i:04}" for i in range(1001)] + [f"big-{i:02}" for i in range(12)], "each record once, in order"
    assert all(size <= ONE_MB for size in sizes), sizes
    counts = [len(page) for page in pages]
    assert max(counts) == 1000, counts
    big_per_page = [sum(i.startswith("big-") for i in page) for page in pages]
    assert max(big_per_page) == 3, f"three 300 KB records fill a 1 MB page: {big_per_page}"

    resp = error_of(lambda: streams.get_records(ShardIterator=iterator, Limit=1001))
    assert resp["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert resp["Error"]["Code"] == "ValidationException"
    assert resp["Error"]["Message"] == (
        "1 validation error detected: Value '1001' at 'limit' failed to satisfy constraint: "
        "Member must have value less than or equal to 1000"
    )


def test_an_oversize_post_to_the_api_gets_api_gateways_413(lab):
    api = lab.config()["endpoints"]["api"]
    big = json.dumps({"name": "n" * (9 << 20), "type": "t"})
    r = requests.post(api, data=big, headers={"content-type": "application/json"}, timeout=60)
    assert r.status_code == 200, "9 MB is under API Gateway's 10 MB"
    r = requests.post(api, data="x" * (11 << 20), headers={"content-type": "application/json"}, timeout=60)
    assert r.status_code == 413
    assert r.json() == {"message": "Request Too Long"}
    assert r.headers["x-amzn-RequestId"]


def test_oversize_requests_to_lambda_and_dynamodb_fail_in_their_shapes(lab):
    lam = client_for(lab, "lambda", botocore_config=NO_RETRIES)
    resp = error_of(lambda: lam.invoke(FunctionName="sync-data-with-dynamodb-stream", Payload=b'"' + b"x" * 6_291_456 + b'"'))
    assert resp["ResponseMetadata"]["HTTPStatusCode"] == 413
    assert resp["Error"]["Code"] == "RequestEntityTooLargeException"
    assert resp["Error"]["Message"] == "Request must be smaller than 6291456 bytes for the InvokeFunction operation"

    ddb = client_for(lab, "dynamodb", botocore_config=NO_RETRIES)
    # 3 MiB passes the front door (and the old 2 MiB one); DynamoDB refuses the item.
    resp = error_of(lambda: ddb.put_item(TableName="lab-table", Item={"id": {"S": "x"}, "b": {"S": "x" * (3 << 20)}}))
    assert resp["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert resp["Error"]["Code"] == "ValidationException"
    assert resp["Error"]["Message"] == "Item size has exceeded the maximum allowed size"
    resp = error_of(lambda: ddb.put_item(TableName="lab-table", Item={"id": {"S": "x"}, "b": {"S": "x" * (17 << 20)}}))
    assert resp["ResponseMetadata"]["HTTPStatusCode"] == 413
    assert resp["Error"]["Code"] == "RequestEntityTooLargeException"
    assert resp["Error"]["Message"] == "Request entity too large: the limit is 16777216 bytes"


def test_sts_error_xml_is_well_formed_with_control_characters(lab):
    creds = lab.config()["credentials"]
    r = requests.post(
        lab.sts + "/",
        data="Action=Get%01Caller%1bIdentity&Version=2011-06-15",
        headers={"content-type": "application/x-www-form-urlencoded; charset=utf-8"},
        auth=aws4auth(creds, "sts"),
        timeout=10,
    )
    assert r.status_code == 400
    ns = {"s": "https://sts.amazonaws.com/doc/2011-06-15/"}
    error = ET.fromstring(r.content).find("s:Error", ns)
    assert error.find("s:Code", ns).text == "InvalidAction"
    assert error.find("s:Message", ns).text == "Could not find operation Get\ufffdCaller\ufffdIdentity for version 2011-06-15"


def test_ttl_seconds_out_of_range_is_refused_naming_the_range(lab):
    answer = lab.control("POST", "/_labsim/credentials", {"ttl_seconds": 10**15}, status=400)
    assert answer == {
        "error": "ttl_seconds must be between -129600 and 129600 (36 hours either way), not 1000000000000000"
    }
    assert lab.mint(129600)["Expiration"].endswith("Z")
