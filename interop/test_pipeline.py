"""The lab's whole pipeline, driven and read with AWS's own clients:
POST /v1/lab -> lab-table -> stream -> Lambda -> OpenSearch Serverless."""
import json
import time

import requests

from conftest import INDEX, REGION, aws4auth, client_for, log_events, opensearch_client, search_by_dynamodb_id, wait_for


def log_messages(labsim, needle):
    """The last minute's log lines holding `needle` (the session's labsim
    has logged other tests' runs before)."""
    since = int((time.time() - 60) * 1000)
    return [e["message"] for e in log_events(labsim, startTime=since) if needle in e["message"]]


def test_insert_reaches_the_index_after_the_refresh_lag(labsim):
    api = labsim.config()["endpoints"]["api"]
    r = requests.post(api, json={"name": "Ada", "type": "learner"}, timeout=10)
    assert r.status_code == 200 and r.text == "{}"
    item_id = r.headers["x-amzn-RequestId"]
    item = client_for(labsim, "dynamodb").get_item(TableName="lab-table", Key={"id": {"S": item_id}})["Item"]
    assert item["name"] == {"S": "Ada"} and item["createdAt"]["S"].isdigit()

    os_client = opensearch_client(labsim)
    assert search_by_dynamodb_id(os_client, item_id) == [], "not searchable before the refresh lag"
    hits = wait_for(lambda: search_by_dynamodb_id(os_client, item_id))
    assert len(hits) == 1
    assert hits[0]["_source"]["name"] == "Ada"
    assert hits[0]["_id"] != item_id, "the workshop Lambda lets OpenSearch pick a random _id"
    assert wait_for(lambda: log_messages(labsim, "Successfully:"))


def test_a_quote_in_name_is_a_200_with_dynamodbs_error(labsim):
    api = labsim.config()["endpoints"]["api"]
    r = requests.post(api, data=json.dumps({"name": 'say "hi"', "type": "t"}), timeout=10)
    assert r.status_code == 200
    assert "SerializationException" in r.json()["__type"]


def test_modify_and_remove_stop_at_the_workshop_lambda(labsim):
    api = labsim.config()["endpoints"]["api"]
    item_id = requests.post(api, json={"name": "Bo", "type": "t"}, timeout=10).headers["x-amzn-RequestId"]
    ddb = client_for(labsim, "dynamodb")
    ddb.update_item(
        TableName="lab-table", Key={"id": {"S": item_id}},
        UpdateExpression="SET #n = :n", ExpressionAttributeNames={"#n": "name"},
        ExpressionAttributeValues={":n": {"S": "Bob"}},
    )
    ddb.delete_item(TableName="lab-table", Key={"id": {"S": item_id}})
    assert wait_for(lambda: log_messages(labsim, "Failed to index item:"))
    assert wait_for(lambda: log_messages(labsim, f"Failed to remove item with ID {item_id}"))
    # The document keeps its first name and is never deleted.
    hits = wait_for(lambda: search_by_dynamodb_id(opensearch_client(labsim), item_id))
    assert [h["_source"]["name"] for h in hits] == ["Bo"]


def test_requests_aws4auth_signs_aoss_as_the_lambda_does(labsim):
    config = labsim.config()
    creds = config["credentials"]
    url = config["endpoints"]["aoss"] + f"/{INDEX}/_doc"
    r = requests.post(url, auth=aws4auth(creds, "aoss"), json={"id": "direct", "name": "n"}, headers={"content-type": "application/json"}, timeout=10)
    assert r.status_code == 201, r.text


def test_a_signature_over_content_length_is_refused_as_aoss_does(labsim):
    """What opensearch-py 3.2.0 does (its issue #1047): botocore signs every
    header, content-length included, and AOSS answers 403."""
    import botocore.auth
    import botocore.credentials
    from botocore.awsrequest import AWSRequest

    config = labsim.config()
    creds = config["credentials"]
    url = config["endpoints"]["aoss"] + "/dynamodb_replicate/_search"
    body = b'{"query":{"match_all":{}}}'
    signer = botocore.auth.SigV4Auth(
        botocore.credentials.Credentials(creds["AccessKeyId"], creds["SecretAccessKey"], creds["SessionToken"]),
        "aoss", REGION,
    )

    def send(extra_headers):
        req = AWSRequest(method="POST", url=url, data=body, headers={"content-type": "application/json", **extra_headers})
        req.headers["X-Amz-Content-SHA256"] = signer.payload(req)
        signer.add_auth(req)
        return requests.post(url, data=body, headers=dict(req.headers.items()), timeout=10)

    assert send({}).status_code in (200, 404), "without content-length the same request is accepted"
    refused = send({"content-length": str(len(body))})
    assert refused.status_code == 403
    assert "access-control-allow-origin" not in {k.lower() for k in refused.headers}


def test_lambda_and_its_trigger_as_boto3_sees_them(labsim):
    lam = client_for(labsim, "lambda")
    conf = lam.get_function_configuration(FunctionName="sync-data-with-dynamodb-stream")
    assert conf["Runtime"] == "python3.12"
    assert conf["Role"].endswith(":role/lambda-lab-role")
    assert conf["Environment"]["Variables"]["OPENSEARCH_INDEX"] == "dynamodb_replicate"
    mappings = lam.list_event_source_mappings(FunctionName="sync-data-with-dynamodb-stream")["EventSourceMappings"]
    assert len(mappings) == 1 and mappings[0]["State"] == "Enabled"
    assert ":table/lab-table/stream/" in mappings[0]["EventSourceArn"]
