"""The stream Lambda as boto3's `lambda` and `logs` clients and opensearch-py
see it when a record crashes the workshop's handler (the runtime's warning
and `[ERROR]` events, the batch retried until its records expire, blocking
the shard), the REPORT line's billed duration, and the event source
mapping's states over time (UpdateEventSourceMapping).

Each test has its own labsim: a crashing record blocks the shard for a day."""
import math
import re
import time

import pytest

from conftest import FUNCTION, LOG_GROUP, REGION, client_for, error_of, opensearch_client, search_by_dynamodb_id, start_labsim, stop_labsim, wait_for
from test_streams import HOUR_MS, Clock

# awslambdaric's warning for an unhandled exception, as the runtime writes it.
WARNING = (
    "LAMBDA_WARNING: Unhandled exception. The most likely cause is an issue in the function code. "
    "However, in rare cases, a Lambda runtime update can cause unexpected function behavior. "
    "For functions using managed runtimes, runtime updates can be triggered by a function change, or can be applied automatically. "
    "To determine if the runtime has been updated, check the runtime version in the INIT_START log entry. "
    "If this error correlates with a change in the runtime version, you may be able to mitigate this error by temporarily rolling back to the previous runtime version. "
    "For more information, see https://docs.aws.amazon.com/lambda/latest/dg/runtimes-update.html"
)
# One event: lines joined by \r, indentation in no-break spaces, naming the
# shipped code's line 33.
KEY_ERROR = (
    "[ERROR] KeyError: 'S'\r"
    "Traceback (most recent call last):\r"
    "\u00a0\u00a0File \"/var/task/lambda_function.py\", line 33, in lambda_handler\r"
    "\u00a0\u00a0\u00a0\u00a0transformed_data[key] = event_data[key][\"S\"];\n"
)
STATE_TRANSITION_S = 3


@pytest.fixture
def lab():
    lab = start_labsim()
    yield lab
    stop_labsim(lab)


@pytest.fixture
def clock(lab, skew_clock):
    return Clock(lab, skew_clock)


def messages(lab, creds=None):
    logs = client_for(lab, "logs", creds=creds)
    events, token = [], None
    while True:
        try:
            page = logs.filter_log_events(logGroupName=LOG_GROUP, **({"nextToken": token} if token else {}))
        except logs.exceptions.ResourceNotFoundException:
            return []  # Lambda creates its log group on the first invocation

        events += page["events"]
        token = page.get("nextToken")
        if not token:
            return [e["message"] for e in events]


def the_mapping(lab, creds=None):
    found = client_for(lab, "lambda", creds=creds).list_event_source_mappings(FunctionName=FUNCTION)["EventSourceMappings"]
    assert len(found) == 1, found
    return found[0]


def first_sequence_numbers(lines):
    """The first record's SequenceNumber in each `print(event)` line."""
    printed = [line for line in lines if line.startswith("{'Records': [")]
    return [re.search(r"'SequenceNumber': '(\d+)'", line).group(1) for line in printed]


def invocations(lab):
    """The timeline's lambda_invocation events (labsim's ground truth)."""
    events = lab.control("GET", "/_labsim/events?after=0&limit=10000")["events"]
    return [e for e in events if e["kind"] == "lambda_invocation"]


def field(report, name):
    return float(re.search(rf"\t{name}: ([0-9.]+) ms\t", report).group(1))


def test_a_number_attribute_crashes_the_handler_and_blocks_the_shard_for_a_day(lab, clock):
    ddb = client_for(lab, "dynamodb")
    ddb.put_item(TableName="lab-table", Item={"id": {"S": "bad"}, "count": {"N": "5"}})

    # The runtime's warning, then the exception with its traceback as one event.
    lines = wait_for(lambda: (m := messages(lab)) and KEY_ERROR in m and m)
    at = lines.index(KEY_ERROR)
    assert lines[at - 1] == WARNING
    assert lines[at + 1].startswith("END RequestId: ")
    report = lines[at + 2]
    # The first run is a cold start: tab-separated, Init Duration last, a
    # trailing tab.
    assert report.startswith("REPORT RequestId: ") and "\tInit Duration: " in report, repr(report)
    assert report.endswith(" ms\t\n"), repr(report)
    # A cold start: billed is duration plus init, rounded up to the millisecond.
    billed = field(report, "Billed Duration")
    assert billed == math.ceil(round(field(report, "Duration") + field(report, "Init Duration"), 2))

    assert wait_for(lambda: the_mapping(lab)["LastProcessingResult"] == "PROBLEM: Function call failed")
    # A good item written afterwards waits behind the bad one.
    ddb.put_item(TableName="lab-table", Item={"id": {"S": "good"}, "name": {"S": "fine"}})
    os_client = opensearch_client(lab)
    time.sleep(6)
    assert search_by_dynamodb_id(os_client, "good") == []
    lines = messages(lab)
    attempts = lines.count(KEY_ERROR)
    assert attempts >= 3, attempts
    assert lines.count(WARNING) == attempts
    # The same batch every time: the same first record.
    firsts = first_sequence_numbers(lines)
    assert len(firsts) == attempts and len(set(firsts)) == 1, firsts
    # Warm retries report no init duration, and bill the duration alone.
    warm = [line for line in lines if line.startswith("REPORT ") and "Init Duration" not in line]
    assert warm and all(field(r, "Billed Duration") == math.ceil(field(r, "Duration")) for r in warm)
    # labsim's timeline: attempts counting up, the batch's age growing.
    runs = invocations(lab)
    assert [i["attempt"] for i in runs] == list(range(len(runs)))
    assert [[r["outcome"] for r in i["records"]] for i in runs] == [["crashed"]] * len(runs)
    ages = [i["iterator_age_ms"] for i in runs]
    assert ages == sorted(ages) and ages[-1] > ages[0], ages

    # A minute short of a day later, the bad record still blocks the shard.
    clock.advance(24 * HOUR_MS - 60_000)
    creds = clock.creds
    attempts = len(invocations(lab))
    assert wait_for(lambda: len(invocations(lab)) > attempts)
    assert the_mapping(lab, creds)["LastProcessingResult"] == "PROBLEM: Function call failed"
    assert search_by_dynamodb_id(opensearch_client(lab, creds=creds), "good") == []
    client_for(lab, "dynamodb", creds=creds).put_item(
        TableName="lab-table", Item={"id": {"S": "fresh"}, "name": {"S": "new"}},
    )
    # Past the day, the stream has trimmed the bad record, and with it the
    # good one that waited behind it: the shard moves on to the fresh one.
    clock.advance(90_000)
    creds = clock.creds
    assert wait_for(lambda: the_mapping(lab, creds)["LastProcessingResult"] == "OK")
    hits = wait_for(lambda: search_by_dynamodb_id(opensearch_client(lab, creds=creds), "fresh"))
    assert [h["_source"]["name"] for h in hits] == ["new"]
    for lost in ("bad", "good"):
        assert search_by_dynamodb_id(opensearch_client(lab, creds=creds), lost) == []


def test_update_event_source_mapping_goes_through_disabling_and_enabling(lab):
    uuid = the_mapping(lab)["UUID"]
    arn = f"arn:aws:lambda:{REGION}:123456789012:event-source-mapping:{uuid}"
    # The learner's own credentials may read the trigger, not change it.
    denied = error_of(lambda: client_for(lab, "lambda").update_event_source_mapping(UUID=uuid, Enabled=False))
    assert denied["ResponseMetadata"]["HTTPStatusCode"] == 403
    assert denied["Error"]["Code"] == "AccessDeniedException"
    assert denied["Error"]["Message"] == (
        "User: arn:aws:sts::123456789012:assumed-role/WSParticipantRole/Participant is not authorized to perform: "
        f"lambda:UpdateEventSourceMapping on resource: {arn} because no identity-based policy allows the "
        "lambda:UpdateEventSourceMapping action"
    )
    creds = lab.mint(3600, {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": ["lambda:*EventSourceMapping*", "logs:*", "dynamodb:*", "aoss:*"], "Resource": "*"}],
    })
    lam = client_for(lab, "lambda", creds=creds)

    answer = lam.update_event_source_mapping(UUID=uuid, Enabled=False)
    assert answer["ResponseMetadata"]["HTTPStatusCode"] == 202
    assert (answer["State"], answer["StateTransitionReason"]) == ("Disabling", "USER_INITIATED")
    # A second change while the first is under way is refused.
    busy = error_of(lambda: lam.update_event_source_mapping(UUID=uuid, Enabled=True))
    assert busy["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert busy["Error"]["Code"] == "ResourceInUseException"
    assert busy["Error"]["Message"] == f"Cannot update the event source mapping {uuid}: it is in the Disabling state."
    assert lam.get_event_source_mapping(UUID=uuid)["State"] == "Disabling"
    # Not polling while Disabling or Disabled: a record written now waits.
    client_for(lab, "dynamodb", creds=creds).put_item(TableName="lab-table", Item={"id": {"S": "waits"}, "name": {"S": "w"}})
    assert wait_for(lambda: lam.get_event_source_mapping(UUID=uuid)["State"] == "Disabled", seconds=STATE_TRANSITION_S + 3)
    assert lam.get_event_source_mapping(UUID=uuid)["StateTransitionReason"] == "User action"
    assert invocations(lab) == []

    answer = lam.update_event_source_mapping(UUID=uuid, Enabled=True)
    assert answer["State"] == "Enabling"
    assert wait_for(lambda: lam.get_event_source_mapping(UUID=uuid)["State"] == "Enabled", seconds=STATE_TRANSITION_S + 3)
    # It kept its place in the stream: the waiting record comes through.
    assert wait_for(lambda: search_by_dynamodb_id(opensearch_client(lab, creds=creds), "waits"))

    missing = error_of(lambda: lam.get_event_source_mapping(UUID="00000000-0000-0000-0000-000000000000"))
    assert missing["ResponseMetadata"]["HTTPStatusCode"] == 404
    assert missing["Error"]["Code"] == "ResourceNotFoundException"
    assert missing["Error"]["Message"].startswith("The resource you requested does not exist.")


def test_create_and_delete_event_source_mapping_take_their_time_too(lab):
    creds = lab.mint(3600, {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": ["lambda:*EventSourceMapping*", "dynamodb:*"], "Resource": "*"}],
    })
    lam = client_for(lab, "lambda", creds=creds)
    old = the_mapping(lab)
    arn = old["EventSourceArn"]
    conflict = error_of(lambda: lam.create_event_source_mapping(FunctionName=FUNCTION, EventSourceArn=arn, StartingPosition="LATEST"))
    assert conflict["ResponseMetadata"]["HTTPStatusCode"] == 409
    assert conflict["Error"]["Code"] == "ResourceConflictException"
    assert conflict["Error"]["Message"] == (
        f'The event source arn (" {arn} ") and function (" {FUNCTION} ") provided mapping already exists. '
        f"Please update or delete the existing mapping with UUID {old['UUID']}"
    )

    deleted = lam.delete_event_source_mapping(UUID=old["UUID"])
    assert deleted["ResponseMetadata"]["HTTPStatusCode"] == 202
    assert (deleted["State"], deleted["StateTransitionReason"]) == ("Deleting", "USER_INITIATED")
    assert lab.control("GET", "/_labsim/setup")["trigger_exists"] is False
    assert lam.get_event_source_mapping(UUID=old["UUID"])["State"] == "Deleting"

    def gone():
        try:
            lam.get_event_source_mapping(UUID=old["UUID"])
        except lam.exceptions.ResourceNotFoundException:
            return True
        return False

    assert wait_for(gone, seconds=STATE_TRANSITION_S + 3)

    made = lam.create_event_source_mapping(FunctionName=FUNCTION, EventSourceArn=arn, StartingPosition="LATEST")
    assert made["ResponseMetadata"]["HTTPStatusCode"] == 202
    assert (made["State"], made["StateTransitionReason"]) == ("Creating", "USER_INITIATED")
    assert made["UUID"] != old["UUID"]
    assert lab.control("GET", "/_labsim/setup")["trigger_exists"] is True
    assert wait_for(lambda: lam.get_event_source_mapping(UUID=made["UUID"])["State"] == "Enabled", seconds=STATE_TRANSITION_S + 3)
    # From LATEST once Enabled: a new record flows.
    client_for(lab, "dynamodb", creds=creds).put_item(TableName="lab-table", Item={"id": {"S": "new"}, "name": {"S": "n"}})
    assert wait_for(lambda: search_by_dynamodb_id(opensearch_client(lab), "new"))


def test_describe_log_groups_is_empty_until_the_first_invocation_creates_the_group(lab):
    """What labmate's log tail asks before searching: a 200 either way, so a
    function that never ran prints no error in the browser's console."""
    logs = client_for(lab, "logs")
    assert logs.describe_log_groups(logGroupNamePrefix=LOG_GROUP)["logGroups"] == []
    with pytest.raises(logs.exceptions.ResourceNotFoundException):
        logs.filter_log_events(logGroupName=LOG_GROUP)

    client_for(lab, "dynamodb").put_item(TableName="lab-table", Item={"id": {"S": "first"}, "name": {"S": "run"}})
    groups = wait_for(lambda: logs.describe_log_groups(logGroupNamePrefix=LOG_GROUP)["logGroups"])
    assert [g["logGroupName"] for g in groups] == [LOG_GROUP]
    group = groups[0]
    assert group["arn"] == f"arn:aws:logs:{REGION}:123456789012:log-group:{LOG_GROUP}:*"
    assert group["logGroupArn"] == group["arn"].removesuffix(":*")
    assert isinstance(group["creationTime"], int)
    # A prefix that names no group finds none.
    assert logs.describe_log_groups(logGroupNamePrefix=LOG_GROUP + "-v2")["logGroups"] == []
