"""A record that crashes the workshop's handler, and the typed handler
(`{"handler": "typed"}` on /_labsim/setup) as its fix: the failing batch
goes through at its next attempt and the changes behind it follow, as
boto3 and opensearch-py see the lab."""
import pytest

from conftest import FUNCTION, INDEX, client_for, log_events, opensearch_client, read_timeline, search_by_dynamodb_id, start_labsim, stop_labsim, wait_for

KEY_ERROR = "[ERROR] KeyError: 'S'"


@pytest.fixture(scope="module")
def lab():
    lab = start_labsim()
    yield lab
    stop_labsim(lab)


def crashes(lab):
    return [e for e in log_events(lab) if e["message"].startswith(KEY_ERROR)]


def test_an_unknown_handler_is_refused_naming_the_three(lab):
    answer = lab.control("POST", "/_labsim/setup", {"handler": "mine"}, status=400)
    assert answer["error"] == '"handler" must be one of "workshop", "fixed", "typed", not "mine"'
    assert lab.control("GET", "/_labsim/setup")["handler"] == "workshop"


def test_the_typed_handler_lets_the_blocked_batch_through_with_its_number(lab):
    ddb = client_for(lab, "dynamodb")
    search = opensearch_client(lab)
    aws_lambda = client_for(lab, "lambda")
    ddb.put_item(TableName="lab-table", Item={
        "id": {"S": "numbered"}, "name": {"S": "Has a number"}, "type": {"S": "t"}, "count": {"N": "3"},
    })
    assert wait_for(lambda: crashes(lab)), "the workshop's handler raises on the number"
    ddb.put_item(TableName="lab-table", Item={"id": {"S": "behind"}, "name": {"S": "Behind"}, "type": {"S": "t"}})
    # Six attempts: the next one is 8 s of back-off away.
    assert len(wait_for(lambda: len(crashes(lab)) >= 6 and crashes(lab), seconds=30)) >= 6
    [mapping] = aws_lambda.list_event_source_mappings(FunctionName=FUNCTION)["EventSourceMappings"]
    assert mapping["LastProcessingResult"] == "PROBLEM: Function call failed"
    assert search_by_dynamodb_id(search, "behind") == []
    code_before = aws_lambda.get_function_configuration(FunctionName=FUNCTION)["CodeSha256"]
    _, cursor = read_timeline(lab)

    answer = lab.control("POST", "/_labsim/setup", {"handler": "typed"})
    assert answer["handler"] == "typed"
    assert aws_lambda.get_function_configuration(FunctionName=FUNCTION)["CodeSha256"] != code_before

    hits = wait_for(lambda: search_by_dynamodb_id(search, "numbered"))
    assert [(h["_id"], h["_source"]) for h in hits] == [
        ("numbered", {"id": "numbered", "name": "Has a number", "type": "t", "count": 3}),
    ], "keyed by the DynamoDB id, the number a JSON number"
    assert search.get(index=INDEX, id="numbered")["_source"]["count"] == 3
    assert [h["_id"] for h in wait_for(lambda: search_by_dynamodb_id(search, "behind"))] == ["behind"]

    events, _ = read_timeline(lab, cursor)
    [change] = [e for e in events if e["kind"] == "setup_change"]
    assert (change["field"], change["from"], change["to"]) == ("handler", "workshop", "typed")
    runs = [e for e in events if e["kind"] == "lambda_invocation" and e["seq"] > change["seq"]]
    # The retry comes within a poll interval of the deploy (a loaded machine
    # may tick late), not after the 8 s of back-off, and the records behind
    # follow in order.
    assert runs[0]["time_ms"] - change["time_ms"] < 2_000, (runs[0], change)
    assert runs[0]["attempt"] >= 6
    handled = [(r["key_id"], r["outcome"]) for run in runs for r in run["records"]]
    assert handled[:2] == [("numbered", "indexed"), ("behind", "indexed")], handled
    assert all(run["result"] == "ok" for run in runs)

    messages = [e["message"] for e in log_events(lab)]
    assert "Successfully: {'count': Decimal('3'), 'id': 'numbered', 'name': 'Has a number', 'type': 't'}\n" in messages
    [mapping] = aws_lambda.list_event_source_mappings(FunctionName=FUNCTION)["EventSourceMappings"]
    assert mapping["LastProcessingResult"] == "OK"
