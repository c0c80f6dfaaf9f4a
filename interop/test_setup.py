"""The lab's setup switched over HTTP (`/_labsim/setup`,
`/_labsim/stream/roll-over`), as boto3 and opensearch-py then see the lab."""
import pytest

from conftest import FUNCTION, INDEX, REGION, client_for, opensearch_client, search_by_dynamodb_id, start_labsim, stop_labsim, wait_for

@pytest.fixture(scope="module")
def lab():
    # Its own labsim: these tests take the lab apart.
    lab = start_labsim()
    yield lab
    stop_labsim(lab)


@pytest.fixture(scope="module")
def start(lab):
    """The setup at start-up: everything built, the five variables of step 6
    set (the host being labsim's collection)."""
    return {
        "stream": "NEW_IMAGE", "function_exists": True, "trigger_exists": True,
        "trigger_enabled": True, "env_vars_set": True,
        "environment": {
            "REGION": REGION, "AWS_SERVICE": "aoss", "OPENSEARCH_HOST": lab.endpoint("aoss"),
            "OPENSEARCH_INDEX": INDEX, "OPENSEARCH_DATATYPE": "_doc",
        },
        "handler": "workshop", "stream_policy": "present", "aoss_policy": "present",
    }


@pytest.fixture(autouse=True)
def reset(lab, start):
    lab.control("POST", "/_labsim/reset")
    assert lab.control("GET", "/_labsim/setup") == start


def setup(lab, status=200, **fields):
    return lab.control("POST", "/_labsim/setup", fields, status=status)


def mapping(lab):
    found = client_for(lab, "lambda").list_event_source_mappings(FunctionName=FUNCTION)["EventSourceMappings"]
    assert len(found) == 1, found
    return found[0]


def put(lab, item_id):
    client_for(lab, "dynamodb").put_item(TableName="lab-table", Item={"id": {"S": item_id}, "name": {"S": item_id}})


def indexed(lab, item_id):
    return [h["_source"]["name"] for h in search_by_dynamodb_id(opensearch_client(lab), item_id)]


def test_bad_fields_are_400_naming_them(lab, start):
    answer = setup(lab, 400, trigger_enabled="no")
    assert answer["error"] == '"trigger_enabled" must be true or false, not "no"'
    answer = setup(lab, 400, stream="new_image")
    assert answer["error"].startswith('"stream" must be "off" or a stream view type')
    answer = setup(lab, 400, lambda_fixed=True)
    assert answer["error"].startswith('unknown setup field "lambda_fixed"')
    assert lab.control("GET", "/_labsim/setup") == start


def test_a_disabled_trigger_stops_the_flow_and_resumes_where_it_paused(lab, start):
    put(lab, "before-pause")
    assert wait_for(lambda: indexed(lab, "before-pause"))
    assert setup(lab, trigger_enabled=False) == {**start, "trigger_enabled": False}
    # As UpdateEventSourceMapping: Disabling for a few seconds, then Disabled;
    # no other change meanwhile.
    assert mapping(lab)["State"] == "Disabling"
    refused = setup(lab, 409, trigger_enabled=True)
    assert refused["error"] == "the trigger is Disabling until its last change settles (a few seconds): try again then"
    assert wait_for(lambda: mapping(lab)["State"] == "Disabled", seconds=6)

    put(lab, "while-paused")
    # Many poll intervals and refresh lags later, still nothing.
    assert not wait_for(lambda: indexed(lab, "while-paused"), seconds=5)
    assert client_for(lab, "dynamodb").get_item(TableName="lab-table", Key={"id": {"S": "while-paused"}})["Item"]

    assert setup(lab, trigger_enabled=True) == start
    assert mapping(lab)["State"] == "Enabling"
    assert wait_for(lambda: mapping(lab)["State"] == "Enabled", seconds=6)
    put(lab, "after-resume")
    # The mapping kept its place in the stream: the paused record comes too.
    assert wait_for(lambda: indexed(lab, "after-resume"))
    assert indexed(lab, "while-paused") == ["while-paused"]
    assert indexed(lab, "before-pause") == ["before-pause"], "nothing twice"


def test_the_stream_off_and_on_is_a_new_stream_the_old_trigger_does_not_read(lab):
    ddb = client_for(lab, "dynamodb")
    first = ddb.describe_table(TableName="lab-table")["Table"]
    assert setup(lab, stream="off")["stream"] == "off"
    table = ddb.describe_table(TableName="lab-table")["Table"]
    assert "StreamSpecification" not in table
    assert table["TableStatus"] == "UPDATING"
    # As UpdateTable: refused while the table is still UPDATING.
    refused = setup(lab, 409, stream="NEW_IMAGE")
    assert refused["error"] == "Attempt to change a resource which is still in use: Table is being updated: lab-table"
    assert wait_for(lambda: ddb.describe_table(TableName="lab-table")["Table"]["TableStatus"] == "ACTIVE", seconds=10)
    assert setup(lab, stream="NEW_IMAGE")["stream"] == "NEW_IMAGE"
    second = ddb.describe_table(TableName="lab-table")["Table"]
    assert second["StreamSpecification"] == {"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"}
    assert second["LatestStreamArn"] != first["LatestStreamArn"]
    assert second["LatestStreamLabel"] != first["LatestStreamLabel"]
    # The trigger still names the old stream, so a new write goes nowhere.
    assert mapping(lab)["EventSourceArn"] == first["LatestStreamArn"]
    put(lab, "new-stream")
    assert not wait_for(lambda: indexed(lab, "new-stream"), seconds=4)


def test_a_deleted_function_is_resource_not_found(lab, start):
    lam = client_for(lab, "lambda")
    assert setup(lab, function_exists=False) == {**start, "function_exists": False, "env_vars_set": False, "environment": {}}
    with pytest.raises(lam.exceptions.ResourceNotFoundException) as info:
        lam.get_function(FunctionName=FUNCTION)
    assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404
    assert info.value.response["Error"]["Message"] == (
        f"Function not found: arn:aws:lambda:{REGION}:123456789012:function:{FUNCTION}"
    )
    refused = setup(lab, 409, env_vars_set=True)
    assert "no function" in refused["error"]


def read_to_end_of_shard(streams, iterator):
    """GetRecords until the closed shard has no NextShardIterator."""
    records = []
    for _ in range(50):
        out = streams.get_records(ShardIterator=iterator)
        records += out["Records"]
        iterator = out.get("NextShardIterator")
        if iterator is None:
            return records
    raise AssertionError("the parent shard never ended")


def test_a_reader_follows_the_parent_shard_to_its_end_then_the_child(lab):
    ddb = client_for(lab, "dynamodb")
    streams = client_for(lab, "dynamodbstreams")
    arn = ddb.describe_table(TableName="lab-table")["Table"]["LatestStreamArn"]
    shards = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]
    assert len(shards) == 1
    parent = shards[0]["ShardId"]
    iterator = streams.get_shard_iterator(StreamArn=arn, ShardId=parent, ShardIteratorType="TRIM_HORIZON")["ShardIterator"]

    put(lab, "b1")
    put(lab, "b2")
    first = streams.get_records(ShardIterator=iterator)
    seen = first["Records"]
    put(lab, "b3")
    rolled = lab.control("POST", "/_labsim/stream/roll-over")
    assert rolled["parent_shard_id"] == parent and rolled["stream_arn"] == arn
    put(lab, "a1")
    put(lab, "a2")

    seen += read_to_end_of_shard(streams, first["NextShardIterator"])
    shards = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]
    closed = next(s for s in shards if s["ShardId"] == parent)
    assert "EndingSequenceNumber" in closed["SequenceNumberRange"]
    children = [s for s in shards if s.get("ParentShardId") == parent]
    assert [c["ShardId"] for c in children] == [rolled["shard_id"]]
    child_iterator = streams.get_shard_iterator(
        StreamArn=arn, ShardId=children[0]["ShardId"], ShardIteratorType="TRIM_HORIZON",
    )["ShardIterator"]
    after = streams.get_records(ShardIterator=child_iterator)
    assert after.get("NextShardIterator"), "the child shard is open"
    seen += after["Records"]

    ids = [r["dynamodb"]["Keys"]["id"]["S"] for r in seen]
    assert ids == ["b1", "b2", "b3", "a1", "a2"], "none lost, none twice, in order"
    seqs = [int(r["dynamodb"]["SequenceNumber"]) for r in seen]
    assert seqs == sorted(seqs)
    assert int(closed["SequenceNumberRange"]["EndingSequenceNumber"]) == seqs[2]
    # The trigger follows the same lineage: each item indexed once.
    for item_id in ids:
        assert wait_for(lambda: indexed(lab, item_id)) == [item_id]


def test_roll_over_without_a_stream_is_a_409(lab):
    setup(lab, stream="off")
    refused = lab.control("POST", "/_labsim/stream/roll-over", status=409)
    assert refused["error"].startswith("lab-table's stream is off")
