"""DynamoDB and DynamoDB Streams as boto3 sees them."""
import botocore.exceptions
import pytest

from conftest import client_for, tamper_signatures


def test_put_get_update_delete_scan(labsim):
    ddb = client_for(labsim, "dynamodb")
    ddb.put_item(TableName="lab-table", Item={"id": {"S": "interop-1"}, "name": {"S": "Ada"}, "type": {"S": "learner"}})
    got = ddb.get_item(TableName="lab-table", Key={"id": {"S": "interop-1"}})["Item"]
    assert got == {"id": {"S": "interop-1"}, "name": {"S": "Ada"}, "type": {"S": "learner"}}
    out = ddb.update_item(
        TableName="lab-table",
        Key={"id": {"S": "interop-1"}},
        UpdateExpression="SET #n = :n REMOVE #t",
        ExpressionAttributeNames={"#n": "name", "#t": "type"},
        ExpressionAttributeValues={":n": {"S": "Grace"}},
        ReturnValues="ALL_NEW",
    )
    assert out["Attributes"] == {"id": {"S": "interop-1"}, "name": {"S": "Grace"}}
    scanned = ddb.scan(TableName="lab-table")
    assert {"id": {"S": "interop-1"}, "name": {"S": "Grace"}} in scanned["Items"]
    old = ddb.delete_item(TableName="lab-table", Key={"id": {"S": "interop-1"}}, ReturnValues="ALL_OLD")
    assert old["Attributes"]["name"] == {"S": "Grace"}
    assert "Item" not in ddb.get_item(TableName="lab-table", Key={"id": {"S": "interop-1"}})


def test_reserved_word_without_placeholder_is_a_validation_error(labsim):
    ddb = client_for(labsim, "dynamodb")
    with pytest.raises(botocore.exceptions.ClientError) as info:
        ddb.update_item(
            TableName="lab-table",
            Key={"id": {"S": "x"}},
            UpdateExpression="SET name = :n",
            ExpressionAttributeValues={":n": {"S": "v"}},
        )
    assert info.value.response["Error"]["Code"] == "ValidationException"
    assert "reserved keyword" in info.value.response["Error"]["Message"]


def test_a_table_outside_the_policy_is_access_denied_and_a_missing_one_not_found(labsim):
    # The learner may touch lab-table only: IAM answers before the table lookup.
    with pytest.raises(botocore.exceptions.ClientError) as info:
        client_for(labsim, "dynamodb").get_item(TableName="no-such-table", Key={"id": {"S": "x"}})
    assert info.value.response["Error"]["Code"] == "AccessDeniedException"
    assert "is not authorized to perform: dynamodb:GetItem" in info.value.response["Error"]["Message"]
    # With a policy allowing every table, the same call finds no table.
    everything = labsim.mint(3600, policy={
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "dynamodb:*", "Resource": "*"}],
    })
    with pytest.raises(botocore.exceptions.ClientError) as info:
        client_for(labsim, "dynamodb", everything).get_item(TableName="no-such-table", Key={"id": {"S": "x"}})
    assert info.value.response["Error"]["Code"] == "ResourceNotFoundException"


def test_an_explicit_deny_is_named(labsim):
    denied = labsim.mint(3600, policy={
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": "dynamodb:*", "Resource": "*"},
            {"Effect": "Deny", "Action": "dynamodb:DeleteItem", "Resource": "*"},
        ],
    })
    with pytest.raises(botocore.exceptions.ClientError) as info:
        client_for(labsim, "dynamodb", denied).delete_item(TableName="lab-table", Key={"id": {"S": "x"}})
    assert info.value.response["Error"]["Code"] == "AccessDeniedException"
    assert "with an explicit deny in an identity-based policy" in info.value.response["Error"]["Message"]


def test_stream_records_reach_a_boto3_reader(labsim):
    ddb = client_for(labsim, "dynamodb")
    streams = client_for(labsim, "dynamodbstreams")
    arn = ddb.describe_table(TableName="lab-table")["Table"].get("LatestStreamArn")
    assert arn, "the lab's table has its stream on"
    shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][-1]["ShardId"]
    it = streams.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType="LATEST")["ShardIterator"]
    ddb.put_item(TableName="lab-table", Item={"id": {"S": "stream-1"}, "name": {"S": "a"}})
    ddb.put_item(TableName="lab-table", Item={"id": {"S": "stream-1"}, "name": {"S": "a"}})  # no change: no record
    ddb.put_item(TableName="lab-table", Item={"id": {"S": "stream-1"}, "name": {"S": "b"}})
    ddb.delete_item(TableName="lab-table", Key={"id": {"S": "stream-1"}})
    records = streams.get_records(ShardIterator=it)["Records"]
    mine = [r for r in records if r["dynamodb"]["Keys"]["id"]["S"] == "stream-1"]
    assert [r["eventName"] for r in mine] == ["INSERT", "MODIFY", "REMOVE"]
    assert mine[0]["dynamodb"]["NewImage"]["name"] == {"S": "a"}
    assert "OldImage" not in mine[1]["dynamodb"], "the lab's view type is NEW_IMAGE"
    assert "NewImage" not in mine[2]["dynamodb"]
    seqs = [int(r["dynamodb"]["SequenceNumber"]) for r in mine]
    assert seqs == sorted(seqs)


@pytest.mark.parametrize("how", ["tampered", "expired"])
def test_dynamodb_refuses_bad_auth_with_its_own_shape(labsim, how):
    if how == "expired":
        ddb = client_for(labsim, "dynamodb", labsim.mint(-60))
        expected = "ExpiredTokenException"
    else:
        ddb = tamper_signatures(client_for(labsim, "dynamodb"))
        expected = "InvalidSignatureException"
    with pytest.raises(botocore.exceptions.ClientError) as info:
        ddb.get_item(TableName="lab-table", Key={"id": {"S": "x"}})
    assert info.value.response["Error"]["Code"] == expected
    assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
