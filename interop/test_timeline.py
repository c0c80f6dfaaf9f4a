"""The ground-truth timeline (`GET /_labsim/events`) while AWS's own clients
drive the lab: boto3 writes INSERT, MODIFY and REMOVE (and a record the
shipped handler crashes on), boto3 pauses the trigger, and each hop shows
up as a typed event, with both handlers."""
import time

import pytest

from conftest import client_for, read_timeline, start_labsim, stop_labsim

ALLOW_ALL = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}


@pytest.fixture(scope="module")
def workshop():
    lab = start_labsim("--lambda", "workshop")
    yield lab
    stop_labsim(lab)


@pytest.fixture(scope="module")
def fixed():
    lab = start_labsim("--lambda", "fixed")
    yield lab
    stop_labsim(lab)


class Reader:
    """A reader of the timeline that remembers its cursor."""

    def __init__(self, lab):
        self.lab = lab
        _, self.after = read_timeline(lab)

    def until(self, done, seconds=20):
        """Reads on until `done(events)` holds for what was read; those events."""
        seen = []
        deadline = time.time() + seconds
        while True:
            events, self.after = read_timeline(self.lab, self.after)
            seen += events
            if done(seen) or time.time() > deadline:
                return seen
            time.sleep(0.2)


def of_kind(events, kind, **fields):
    return [e for e in events if e["kind"] == kind and all(e.get(k) == v for k, v in fields.items())]


def outcome_of(events, item_id, verb=None):
    """The first invocation record of `item_id` (of change `verb`, if
    given), and its invocation."""
    for inv in of_kind(events, "lambda_invocation"):
        for record in inv["records"]:
            if record.get("key_id") == item_id and verb in (None, record.get("event_name")):
                return record, inv
    return None, None


def change(lab, verb, item_id):
    ddb = client_for(lab, "dynamodb")
    key = {"id": {"S": item_id}}
    if verb == "INSERT":
        ddb.put_item(TableName="lab-table", Item={**key, "name": {"S": "Ann"}, "type": {"S": "cat"}})
    elif verb == "MODIFY":
        ddb.update_item(
            TableName="lab-table", Key=key, UpdateExpression="SET #n = :n",
            ExpressionAttributeNames={"#n": "name"}, ExpressionAttributeValues={":n": {"S": "Bea"}},
        )
    else:
        ddb.delete_item(TableName="lab-table", Key=key)


@pytest.mark.parametrize("verb", ["INSERT", "MODIFY", "REMOVE"])
def test_the_shipped_handler_lets_only_insert_through(workshop, verb):
    item_id = f"shipped-{verb.lower()}"
    if verb != "INSERT":
        # The item first, all the way to the index, before reading on.
        first = Reader(workshop)
        change(workshop, "INSERT", item_id)
        first.until(lambda seen: of_kind(seen, "index_write", source_id=item_id))
    reader = Reader(workshop)
    change(workshop, verb, item_id)
    events = reader.until(lambda seen: outcome_of(seen, item_id, verb)[0] is not None
                          and (verb != "INSERT" or of_kind(seen, "searchable")))
    operation = {"INSERT": "PutItem", "MODIFY": "UpdateItem", "REMOVE": "DeleteItem"}[verb]
    [write] = of_kind(events, "table_write", key_id=item_id, operation=operation)
    assert (write["event_name"], write["changed"]) == (verb, True)
    [record] = of_kind(events, "stream_record", key_id=item_id, event_name=verb)
    assert record["sequence_number"] == write["sequence_number"]
    outcome, invocation = outcome_of(events, item_id, verb)
    assert invocation["result"] == "ok"
    assert outcome["event_id"] == record["event_id"]
    if verb == "INSERT":
        assert (outcome["outcome"], outcome["status"]) == ("indexed", 201)
        [written] = of_kind(events, "index_write", source_id=item_id)
        assert written["document_id"] == outcome["document_id"] != item_id, "the shipped code POSTs: a random _id"
        assert written["result"] == "created"
        [searchable] = of_kind(events, "searchable", document_id=written["document_id"])
        assert searchable["time_ms"] == written["searchable_at_ms"]
    elif verb == "MODIFY":
        assert (outcome["outcome"], outcome["status"]) == ("failed_to_index", 405)
        assert not of_kind(events, "index_write")
        lines = [e["message"] for e in of_kind(events, "log_line", request_id=invocation["request_id"])]
        assert any(m.startswith("Failed to index item: ") for m in lines), lines
    else:
        assert outcome["outcome"] == "failed_to_remove" and outcome["status"] >= 400
        assert not of_kind(events, "index_write")
        lines = [e["message"] for e in of_kind(events, "log_line", request_id=invocation["request_id"])]
        assert any(m.startswith(f"Failed to remove item with ID {item_id}") for m in lines), lines


def test_the_fixed_handler_carries_each_change_to_search(fixed):
    item_id = "fixed-all-three"
    for verb, outcome_name, status, result in [
        ("INSERT", "indexed", 201, "created"),
        ("MODIFY", "indexed", 200, "updated"),
        ("REMOVE", "removed", 200, "deleted"),
    ]:
        reader = Reader(fixed)
        change(fixed, verb, item_id)
        events = reader.until(lambda seen: of_kind(seen, "searchable", document_id=item_id))
        outcome, _ = outcome_of(events, item_id, verb)
        assert (outcome["outcome"], outcome["status"], outcome["document_id"]) == (outcome_name, status, item_id), verb
        [written] = of_kind(events, "index_write", document_id=item_id)
        assert written["result"] == result, verb
        [searchable] = of_kind(events, "searchable", document_id=item_id)
        assert searchable["result"] == result, verb


def test_a_record_the_handler_crashes_on_fails_its_batch_every_time(workshop):
    reader = Reader(workshop)
    client_for(workshop, "dynamodb").put_item(
        TableName="lab-table", Item={"id": {"S": "crash"}, "count": {"N": "3"}}
    )
    events = reader.until(lambda seen: len([i for i in of_kind(seen, "lambda_invocation")
                                            if outcome_of([i], "crash")[0]]) >= 2)
    tries = [i for i in of_kind(events, "lambda_invocation") if outcome_of([i], "crash")[0]]
    assert len(tries) >= 2
    for attempt, invocation in enumerate(tries):
        assert invocation["result"] == "failed"
        assert invocation["attempt"] == attempt
        assert "KeyError: 'S'" in invocation["error"]
        assert outcome_of([invocation], "crash")[0]["outcome"] == "crashed"
    # Take the bad item away so the shard moves on for the other tests
    # (the REMOVE record is still behind it until it expires, so reset).
    workshop.control("POST", "/_labsim/reset")


def test_setup_changes_through_boto3_and_labsim_are_events(workshop):
    reader = Reader(workshop)
    # The stream turned off with DynamoDB's own UpdateTable, by someone
    # allowed to (the learner is not).
    admin = workshop.mint(3600, ALLOW_ALL)
    client_for(workshop, "dynamodb", creds=admin).update_table(
        TableName="lab-table", StreamSpecification={"StreamEnabled": False}
    )
    events = reader.until(lambda seen: of_kind(seen, "setup_change", field="stream"))
    [stream] = of_kind(events, "setup_change", field="stream")
    assert (stream["from"], stream["to"]) == ("NEW_IMAGE", "off")
    workshop.control("POST", "/_labsim/setup", {"handler": "fixed"})
    events = reader.until(lambda seen: of_kind(seen, "setup_change", field="handler"))
    [handler] = of_kind(events, "setup_change", field="handler")
    assert (handler["from"], handler["to"]) == ("workshop", "fixed")
    workshop.control("POST", "/_labsim/reset")
    events = reader.until(lambda seen: of_kind(seen, "reset"))
    assert of_kind(events, "reset")
