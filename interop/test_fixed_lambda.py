"""`labsim --lambda fixed`: a handler keyed by the DynamoDB id, so every
change reaches the index, as opensearch-py sees it after the refresh lag."""
import pytest
from opensearchpy.exceptions import NotFoundError

from conftest import INDEX, client_for, log_events, opensearch_client, search_by_dynamodb_id, start_labsim, stop_labsim, wait_for


@pytest.fixture(scope="module")
def fixed():
    lab = start_labsim("--lambda", "fixed")
    yield lab
    stop_labsim(lab)


def names(hits):
    return [h["_source"]["name"] for h in hits]


def test_insert_modify_and_remove_all_reach_the_index(fixed):
    ddb = client_for(fixed, "dynamodb")
    search = opensearch_client(fixed)
    key = {"id": {"S": "fixed-1"}}

    ddb.put_item(TableName="lab-table", Item={**key, "name": {"S": "Ann"}, "type": {"S": "t"}})
    assert search_by_dynamodb_id(search, "fixed-1") == [], "not searchable before the refresh lag"
    hits = wait_for(lambda: search_by_dynamodb_id(search, "fixed-1"))
    assert names(hits) == ["Ann"]
    assert hits[0]["_id"] == "fixed-1", "the fixed handler uses the DynamoDB key as the document id"

    ddb.update_item(
        TableName="lab-table", Key=key, UpdateExpression="SET #n = :n",
        ExpressionAttributeNames={"#n": "name"}, ExpressionAttributeValues={":n": {"S": "Bea"}},
    )
    hits = wait_for(lambda: [h for h in search_by_dynamodb_id(search, "fixed-1") if h["_source"]["name"] == "Bea"])
    assert names(search_by_dynamodb_id(search, "fixed-1")) == ["Bea"], "updated in place, not duplicated"
    assert search.get(index=INDEX, id="fixed-1")["_source"] == {"id": "fixed-1", "name": "Bea", "type": "t"}

    ddb.delete_item(TableName="lab-table", Key=key)
    assert wait_for(lambda: search_by_dynamodb_id(search, "fixed-1") == [])
    with pytest.raises(NotFoundError):
        search.get(index=INDEX, id="fixed-1")

    messages = "".join(e["message"] for e in log_events(fixed))
    assert "Removed item successfully with ID fixed-1" in messages
    assert "Failed" not in messages
