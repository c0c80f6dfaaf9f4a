"""DynamoDB Streams' limits as boto3's `dynamodbstreams` client meets them:
records without `eventSourceARN`, iterators that expire after 15 minutes,
records trimmed after 24 hours, DescribeStream paging and its CHILD_SHARDS
filter, and the two readers a shard serves (the Lambda trigger is one).

Each test has its own labsim: they move its clock (`POST /_labsim/clock`)
and so sign with botocore's clock moved as far (conftest's `skew_clock`)."""
import time

import botocore.config
import pytest

from conftest import FUNCTION, LOG_GROUP, client_for, error_of, start_labsim, stop_labsim, wait_for

MINUTE_MS = 60_000
HOUR_MS = 60 * MINUTE_MS
NAMESPACE = "com.amazonaws.dynamodb.v20120810"
EXPIRED = "The provided iterator exceeds the maximum age allowed."
TRIMMED = "The data you are trying to access has been trimmed"
TOO_MANY_READERS = "Too many operations for a given subscriber."
# A reader counts for 5 s after its last GetRecords (labsim's window).
READER_WINDOW_S = 5
# One attempt: the first answer is the one asserted, whatever the retry mode.
NO_RETRIES = botocore.config.Config(retries={"total_max_attempts": 1, "mode": "standard"})
# Sends what botocore would refuse itself, to see the service's own answer.
UNCHECKED = botocore.config.Config(parameter_validation=False, retries={"total_max_attempts": 1})


@pytest.fixture
def lab():
    lab = start_labsim()
    yield lab
    stop_labsim(lab)


class Clock:
    """labsim's clock and the signers' clock, moved together."""

    def __init__(self, lab, skew_clock):
        self.lab = lab
        self.skew_clock = skew_clock
        self.creds = None

    def advance(self, ms):
        answer = self.lab.control("POST", "/_labsim/clock", {"advance_ms": ms})
        assert answer["offset_ms"] >= ms
        self.skew_clock(answer["offset_ms"] / 1000)
        # The demo credentials last 12 hours: after a longer jump, new ones.
        self.creds = self.lab.mint(3600)
        return answer

    def client(self, service, botocore_config=None):
        return client_for(self.lab, service, creds=self.creds, botocore_config=botocore_config)


@pytest.fixture
def clock(lab, skew_clock):
    return Clock(lab, skew_clock)


def stream_arn(client):
    return client.describe_table(TableName="lab-table")["Table"]["LatestStreamArn"]


def put(client, item_id):
    client.put_item(TableName="lab-table", Item={"id": {"S": item_id}, "name": {"S": item_id}})


def shards(streams, arn, **kwargs):
    return streams.describe_stream(StreamArn=arn, **kwargs)["StreamDescription"]


def assert_error(response, code, message):
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert response["Error"]["Code"] == code
    assert response["Error"]["Message"] == message


def read_shard(streams, arn, shard_id, kind="TRIM_HORIZON", **kwargs):
    iterator = streams.get_shard_iterator(StreamArn=arn, ShardId=shard_id, ShardIteratorType=kind, **kwargs)
    return streams.get_records(ShardIterator=iterator["ShardIterator"])


def test_get_records_records_carry_no_event_source_arn_but_the_lambda_event_does(lab):
    ddb, streams = client_for(lab, "dynamodb"), client_for(lab, "dynamodbstreams")
    arn = stream_arn(ddb)
    shard = shards(streams, arn)["Shards"][-1]["ShardId"]
    iterator = streams.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType="LATEST")["ShardIterator"]
    put(ddb, "no-arn")
    records = streams.get_records(ShardIterator=iterator)["Records"]
    assert [r["dynamodb"]["Keys"] for r in records] == [{"id": {"S": "no-arn"}}]
    record = records[0]
    assert "eventSourceARN" not in record
    assert sorted(record) == ["awsRegion", "dynamodb", "eventID", "eventName", "eventSource", "eventVersion"]
    assert record["eventSource"] == "aws:dynamodb" and record["eventName"] == "INSERT"
    # The workshop's function prints its event: there the record has the ARN.
    logs = client_for(lab, "logs")

    def printed_event():
        try:
            events = logs.filter_log_events(logGroupName=LOG_GROUP)["events"]
        except logs.exceptions.ResourceNotFoundException:  # before the first run
            return []
        return [e["message"] for e in events if "'no-arn'" in e["message"] and "'Records'" in e["message"]]

    printed = wait_for(printed_event)
    assert printed, "the function printed its event"
    assert f"'eventSourceARN': '{arn}'" in printed[0]


def test_an_iterator_expires_fifteen_minutes_after_it_was_handed_out(lab, clock):
    ddb, streams = clock.client("dynamodb"), clock.client("dynamodbstreams")
    arn = stream_arn(ddb)
    shard = shards(streams, arn)["Shards"][-1]["ShardId"]
    first = streams.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    clock.advance(10 * MINUTE_MS)
    streams = clock.client("dynamodbstreams", NO_RETRIES)
    # Ten minutes old: fine, and the page hands out a fresh iterator.
    fresh = streams.get_records(ShardIterator=first)["NextShardIterator"]
    clock.advance(5 * MINUTE_MS + 1_000)
    streams = clock.client("dynamodbstreams", NO_RETRIES)
    assert_error(error_of(lambda: streams.get_records(ShardIterator=first)), "ExpiredIteratorException", EXPIRED)
    # Twenty-five minutes after GetShardIterator, five after its page.
    assert "NextShardIterator" in streams.get_records(ShardIterator=fresh)


def test_records_older_than_a_day_are_trimmed(lab, clock):
    ddb, streams = clock.client("dynamodb"), clock.client("dynamodbstreams")
    arn = stream_arn(ddb)
    put(ddb, "day-old")
    shard = shards(streams, arn)["Shards"][-1]["ShardId"]
    record = read_shard(streams, arn, shard)["Records"][0]
    sequence = record["dynamodb"]["SequenceNumber"]

    # Ten minutes short of a day: still there, and an iterator before it.
    clock.advance(24 * HOUR_MS - 10 * MINUTE_MS)
    streams = clock.client("dynamodbstreams", NO_RETRIES)
    # Its shard closed hours ago (shards roll over every 4 h), still listed.
    listed = shards(streams, arn)["Shards"]
    assert listed[0]["ShardId"] == shard and "EndingSequenceNumber" in listed[0]["SequenceNumberRange"]
    behind = streams.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType="TRIM_HORIZON")["ShardIterator"]

    # Eleven minutes later the record is a day old: the iterator would skip it.
    clock.advance(11 * MINUTE_MS)
    streams = clock.client("dynamodbstreams", NO_RETRIES)
    assert_error(error_of(lambda: streams.get_records(ShardIterator=behind)), "TrimmedDataAccessException", TRIMMED)
    at_sequence = lambda: streams.get_shard_iterator(  # noqa: E731
        StreamArn=arn, ShardId=shard, ShardIteratorType="AT_SEQUENCE_NUMBER", SequenceNumber=sequence,
    )
    assert_error(error_of(at_sequence), "TrimmedDataAccessException", TRIMMED)
    # TRIM_HORIZON now starts at the trim point: nothing left in that shard.
    page = read_shard(streams, arn, shard)
    assert page["Records"] == [] and "NextShardIterator" not in page


def test_describe_stream_pages_through_many_shards_and_lists_a_shards_children(lab):
    ddb, streams = client_for(lab, "dynamodb"), client_for(lab, "dynamodbstreams")
    arn = stream_arn(ddb)
    first = shards(streams, arn)["Shards"][0]["ShardId"]
    for _ in range(120):
        lab.control("POST", "/_labsim/stream/roll-over")

    # Without a limit, 100 shards a page.
    page = shards(streams, arn)
    assert len(page["Shards"]) == 100
    assert page["LastEvaluatedShardId"] == page["Shards"][-1]["ShardId"]
    rest = shards(streams, arn, ExclusiveStartShardId=page["LastEvaluatedShardId"])
    assert len(rest["Shards"]) == 21 and "LastEvaluatedShardId" not in rest
    every = [s["ShardId"] for s in page["Shards"] + rest["Shards"]]
    assert every[0] == first and len(set(every)) == 121

    # Seven at a time, the same shards in the same order.
    seen, start = [], {}
    while True:
        page = shards(streams, arn, Limit=7, **start)
        seen += [s["ShardId"] for s in page["Shards"]]
        if "LastEvaluatedShardId" not in page:
            break
        start = {"ExclusiveStartShardId": page["LastEvaluatedShardId"]}
    assert seen == every

    # The children of one shard: the next one, naming it as parent.
    children = shards(streams, arn, ShardFilter={"Type": "CHILD_SHARDS", "ShardId": every[40]})
    assert [s["ShardId"] for s in children["Shards"]] == [every[41]]
    assert children["Shards"][0]["ParentShardId"] == every[40]
    open_shard = shards(streams, arn, ShardFilter={"Type": "CHILD_SHARDS", "ShardId": every[-1]})
    assert open_shard["Shards"] == []

    unchecked = client_for(lab, "dynamodbstreams", botocore_config=UNCHECKED)
    assert_error(
        error_of(lambda: unchecked.describe_stream(StreamArn=arn, Limit=101)),
        "ValidationException",
        "1 validation error detected: Value '101' at 'limit' failed to satisfy constraint: "
        "Member must have value less than or equal to 100",
    )
    assert_error(
        error_of(lambda: unchecked.describe_stream(StreamArn=arn, ShardFilter={"Type": "PARENT_SHARDS", "ShardId": first})),
        "ValidationException",
        "1 validation error detected: Value 'PARENT_SHARDS' at 'shardFilter.type' failed to satisfy constraint: "
        "Member must satisfy enum value set: [CHILD_SHARDS]",
    )


def test_a_third_reader_of_a_shard_is_throttled_while_the_lambda_and_one_reader_read(lab):
    ddb = client_for(lab, "dynamodb")
    tab = lambda: client_for(lab, "dynamodbstreams", botocore_config=NO_RETRIES)  # noqa: E731
    arn = stream_arn(ddb)
    shard = shards(tab(), arn)["Shards"][-1]["ShardId"]
    lam = client_for(lab, "lambda")

    def mapping():
        return lam.list_event_source_mappings(FunctionName=FUNCTION)["EventSourceMappings"][0]

    assert mapping()["State"] == "Enabled"
    # The trigger reads the shard four times a second: one reader.
    put(ddb, "readers")
    assert wait_for(lambda: mapping()["LastProcessingResult"] == "OK")

    def chain(client):
        return client.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType="LATEST")["ShardIterator"]

    first, second = tab(), tab()
    first_it, second_it = chain(first), chain(second)
    first_it = first.get_records(ShardIterator=first_it)["NextShardIterator"]
    assert_error(error_of(lambda: second.get_records(ShardIterator=second_it)), "LimitExceededException", TOO_MANY_READERS)
    # The reader already reading goes on, page after page.
    for _ in range(3):
        first_it = first.get_records(ShardIterator=first_it)["NextShardIterator"]

    # The switch: any number of readers while it is in force.
    lab.control("POST", "/_labsim/faults", {"service": "streams", "no_reader_limit": True})
    second_it = second.get_records(ShardIterator=second_it)["NextShardIterator"]
    third = tab()
    third.get_records(ShardIterator=chain(third))
    lab.control("DELETE", "/_labsim/faults")
    fourth = tab()
    assert_error(error_of(lambda: fourth.get_records(ShardIterator=chain(fourth))), "LimitExceededException", TOO_MANY_READERS)

    # With the trigger off and every reader quiet for a while, two pages read.
    lab.control("POST", "/_labsim/setup", {"trigger_enabled": False})
    assert wait_for(lambda: mapping()["State"] == "Disabled")
    time.sleep(READER_WINDOW_S + 0.5)
    for client in (first, second):
        client.get_records(ShardIterator=chain(client))
