"""Injected faults as AWS's own clients see them, and the ground-truth timeline."""
import json
import time

import botocore.config
import botocore.exceptions
import pytest
import requests

from conftest import client_for


@pytest.fixture
def faults(labsim):
    yield lambda spec: labsim.control("POST", "/_labsim/faults", spec)
    labsim.control("DELETE", "/_labsim/faults")


def test_boto3_sees_dynamodbs_throttling_shape_and_its_retry_recovers(labsim, faults):
    faults({"service": "dynamodb", "operation": "GetItem", "throttle": True, "times": 1})
    one_shot = client_for(labsim, "dynamodb", botocore_config=botocore.config.Config(retries={"total_max_attempts": 1}))
    with pytest.raises(botocore.exceptions.ClientError) as info:
        one_shot.get_item(TableName="lab-table", Key={"id": {"S": "x"}})
    assert info.value.response["Error"]["Code"] == "ThrottlingException"
    faults({"service": "dynamodb", "operation": "GetItem", "throttle": True, "times": 1})
    # The SDK's standard retry mode treats it as throttling and tries again.
    assert "Item" not in client_for(labsim, "dynamodb").get_item(TableName="lab-table", Key={"id": {"S": "x"}})


def test_injected_expired_token_is_what_boto3_reports(labsim, faults):
    faults({"service": "sts", "expired_token": True, "times": 1})
    with pytest.raises(botocore.exceptions.ClientError) as info:
        client_for(labsim, "sts").get_caller_identity()
    assert info.value.response["Error"]["Code"] == "ExpiredToken"


def read_timeline(labsim, after=0):
    """Every event after the cursor, page by page, and the new cursor."""
    events = []
    while True:
        page = labsim.control("GET", f"/_labsim/events?after={after}&limit=500")
        events += page["events"]
        after = page["next"]
        if not page["more"]:
            return events, after


def test_the_timeline_follows_one_item_hop_by_hop(labsim):
    _, cursor = read_timeline(labsim)
    api = labsim.config()["endpoints"]["api"]
    item_id = requests.post(api, json={"name": "Cy", "type": "t"}, timeout=10).headers["x-amzn-RequestId"]
    seen = []
    deadline = time.time() + 20
    while time.time() < deadline:
        events, cursor = read_timeline(labsim, cursor)
        seen += events
        if any(e["kind"] == "searchable" and e.get("source_id") == item_id for e in seen):
            break
        time.sleep(0.2)
    mine = [e for e in seen if item_id in json.dumps(e)]
    kinds = [e["kind"] for e in mine]
    assert kinds[:3] == ["api_request", "table_write", "stream_record"]
    assert kinds.index("lambda_invocation") < kinds.index("index_write") < kinds.index("searchable")
    seqs = [e["seq"] for e in seen]
    assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)
    api_request, write, record = mine[:3]
    assert api_request["item_id"] == item_id and api_request["status"] == 200
    assert write["api_request_id"] == item_id and write["event_name"] == "INSERT"
    assert record["sequence_number"] == write["sequence_number"]
    invocation = next(e for e in mine if e["kind"] == "lambda_invocation")
    outcome = next(r for r in invocation["records"] if r.get("key_id") == item_id)
    assert outcome["outcome"] == "indexed" and outcome["status"] == 201
    written = next(e for e in mine if e["kind"] == "index_write")
    assert written["document_id"] == outcome["document_id"] and written["source_id"] == item_id
