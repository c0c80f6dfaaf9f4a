"""The stream Lambda's environment variables (chapter 4.1 step 6) as boto3
sets and reads them (UpdateFunctionConfiguration, GetFunctionConfiguration,
the function_updated_v2 waiter), as `/_labsim/setup`'s `environment` sets
them one by one, and where the next INSERT's document then lands, as
opensearch-py finds it."""
import pytest
from opensearchpy.exceptions import NotFoundError

from conftest import CALLER, FUNCTION, INDEX, REGION, client_for, error_of, log_events, opensearch_client, start_labsim, stop_labsim, wait_for

FUNCTION_ARN = f"arn:aws:lambda:{REGION}:123456789012:function:{FUNCTION}"
# A slip a learner makes: a hyphen for the underscore.
WRONG_INDEX = "dynamodb-replicate"


@pytest.fixture(scope="module")
def lab():
    # Its own labsim: these tests change the function's configuration.
    lab = start_labsim()
    yield lab
    stop_labsim(lab)


@pytest.fixture(autouse=True)
def reset(lab):
    lab.control("POST", "/_labsim/reset")


@pytest.fixture
def editor(lab):
    """Credentials that may change the function, as the console's user."""
    creds = lab.mint(3600, {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": ["lambda:GetFunction*", "lambda:UpdateFunctionConfiguration"], "Resource": FUNCTION_ARN}],
    })
    return client_for(lab, "lambda", creds=creds)


def the_lab_variables(lab):
    return {
        "REGION": REGION,
        "AWS_SERVICE": "aoss",
        "OPENSEARCH_HOST": lab.endpoint("aoss"),
        "OPENSEARCH_INDEX": INDEX,
        "OPENSEARCH_DATATYPE": "_doc",
    }


def put(lab, item_id):
    client_for(lab, "dynamodb").put_item(TableName="lab-table", Item={"id": {"S": item_id}, "name": {"S": item_id}})


def found_in(lab, index, item_id):
    """The `_source.name`s opensearch-py finds in `index` for the item."""
    try:
        hits = opensearch_client(lab).search(index=index, body={"query": {"term": {"id.keyword": item_id}}})["hits"]["hits"]
    except NotFoundError:  # the index is made by its first write
        return []
    return [h["_source"]["name"] for h in hits]


def test_update_function_configuration_answers_as_botocore_parses_it(lab, editor):
    reader = client_for(lab, "lambda")
    before = reader.get_function_configuration(FunctionName=FUNCTION)
    assert before["Environment"]["Variables"] == the_lab_variables(lab)
    assert before["LastUpdateStatus"] == "Successful"
    wrong = {**the_lab_variables(lab), "OPENSEARCH_INDEX": WRONG_INDEX}

    # The learner's own credentials read the function; they do not change it.
    denied = error_of(lambda: reader.update_function_configuration(FunctionName=FUNCTION, Environment={"Variables": wrong}))
    assert denied["ResponseMetadata"]["HTTPStatusCode"] == 403
    assert denied["Error"]["Code"] == "AccessDeniedException"
    assert denied["Error"]["Message"] == (
        f"User: {CALLER} is not authorized to perform: lambda:UpdateFunctionConfiguration on resource: "
        f"{FUNCTION_ARN} because no identity-based policy allows the lambda:UpdateFunctionConfiguration action"
    )

    answer = editor.update_function_configuration(FunctionName=FUNCTION, Environment={"Variables": wrong})
    assert answer["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert answer["FunctionArn"] == FUNCTION_ARN
    assert answer["Environment"]["Variables"] == wrong
    assert answer["State"] == "Active"
    assert (answer["LastUpdateStatus"], answer["LastUpdateStatusReason"], answer["LastUpdateStatusReasonCode"]) == (
        "InProgress", "The function is being created.", "Creating",
    )
    assert answer["RevisionId"] != before["RevisionId"]
    assert answer["LastModified"] >= before["LastModified"]
    # GetFunctionConfiguration shows the new map at once, still InProgress.
    now = reader.get_function_configuration(FunctionName=FUNCTION)
    assert now["Environment"]["Variables"] == wrong
    assert now["RevisionId"] == answer["RevisionId"]

    # A second update meanwhile: AWS's conflict.
    busy = error_of(lambda: editor.update_function_configuration(FunctionName=FUNCTION, Environment={"Variables": wrong}))
    assert busy["ResponseMetadata"]["HTTPStatusCode"] == 409
    assert busy["Error"]["Code"] == "ResourceConflictException"
    assert busy["Error"]["Message"] == (
        f"The operation cannot be performed at this time. An update is in progress for resource: {FUNCTION_ARN}"
    )

    # boto3's own waiter sees it finish.
    editor.get_waiter("function_updated_v2").wait(FunctionName=FUNCTION, WaiterConfig={"Delay": 1, "MaxAttempts": 5})
    done = reader.get_function_configuration(FunctionName=FUNCTION)
    assert done["LastUpdateStatus"] == "Successful"
    assert "LastUpdateStatusReason" not in done
    assert done["Environment"]["Variables"] == wrong

    setup = lab.control("GET", "/_labsim/setup")
    assert setup["env_vars_set"] is False
    assert setup["environment"] == wrong

    # With the RevisionId just read, the variables go back as the lab sets them.
    answer = editor.update_function_configuration(
        FunctionName=FUNCTION, RevisionId=done["RevisionId"], Environment={"Variables": the_lab_variables(lab)},
    )
    assert answer["Environment"]["Variables"] == the_lab_variables(lab)
    editor.get_waiter("function_updated_v2").wait(FunctionName=FUNCTION, WaiterConfig={"Delay": 1, "MaxAttempts": 5})
    assert lab.control("GET", "/_labsim/setup")["env_vars_set"] is True


def test_what_lambda_refuses_is_refused_in_its_shape(lab, editor):
    # IAM first: the editor may change the lab's function only.
    other = error_of(lambda: editor.update_function_configuration(FunctionName="nope", Environment={"Variables": {}}))
    assert other["ResponseMetadata"]["HTTPStatusCode"] == 403
    assert other["Error"]["Code"] == "AccessDeniedException"
    anyone = client_for(lab, "lambda", creds=lab.mint(3600, {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "lambda:UpdateFunctionConfiguration", "Resource": f"arn:aws:lambda:{REGION}:123456789012:function:*"}],
    }))
    missing = error_of(lambda: anyone.update_function_configuration(FunctionName="nope", Environment={"Variables": {}}))
    assert missing["ResponseMetadata"]["HTTPStatusCode"] == 404
    assert missing["Error"]["Code"] == "ResourceNotFoundException"
    assert missing["Error"]["Message"] == f"Function not found: arn:aws:lambda:{REGION}:123456789012:function:nope"
    with pytest.raises(anyone.exceptions.ResourceNotFoundException):
        anyone.update_function_configuration(FunctionName="nope", Environment={"Variables": {}})

    reserved = error_of(lambda: editor.update_function_configuration(
        FunctionName=FUNCTION, Environment={"Variables": {"AWS_REGION": REGION}},
    ))
    assert reserved["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert reserved["Error"]["Code"] == "InvalidParameterValueException"
    assert reserved["Error"]["Message"] == (
        "Lambda was unable to configure your environment variables because the environment variables you have "
        "provided contains reserved keys that are currently not supported for modification. "
        "Reserved keys used in this request: AWS_REGION"
    )

    stale = error_of(lambda: editor.update_function_configuration(
        FunctionName=FUNCTION, RevisionId="00000000-0000-0000-0000-000000000000", Environment={"Variables": {}},
    ))
    assert stale["ResponseMetadata"]["HTTPStatusCode"] == 412
    assert stale["Error"]["Code"] == "PreconditionFailedException"
    assert stale["Error"]["Message"].startswith("The Revision Id provided does not match the latest Revision Id.")
    # None of them changed anything.
    config = editor.get_function_configuration(FunctionName=FUNCTION)
    assert config["Environment"]["Variables"] == the_lab_variables(lab)
    assert config["LastUpdateStatus"] == "Successful"


def test_a_wrong_index_set_through_the_lambda_api_sends_the_next_insert_there(lab, editor):
    wrong = {**the_lab_variables(lab), "OPENSEARCH_INDEX": WRONG_INDEX}
    editor.update_function_configuration(FunctionName=FUNCTION, Environment={"Variables": wrong})
    editor.get_waiter("function_updated_v2").wait(FunctionName=FUNCTION, WaiterConfig={"Delay": 1, "MaxAttempts": 5})
    put(lab, "astray")
    assert wait_for(lambda: found_in(lab, WRONG_INDEX, "astray")) == ["astray"]
    assert found_in(lab, INDEX, "astray") == []


def test_setup_environment_sets_single_variables_with_the_same_effect(lab):
    lam = client_for(lab, "lambda")
    answer = lab.control("POST", "/_labsim/setup", {"environment": {"OPENSEARCH_INDEX": WRONG_INDEX}})
    assert answer["env_vars_set"] is False
    assert answer["environment"] == {**the_lab_variables(lab), "OPENSEARCH_INDEX": WRONG_INDEX}
    config = lam.get_function_configuration(FunctionName=FUNCTION)
    assert config["Environment"]["Variables"]["OPENSEARCH_INDEX"] == WRONG_INDEX
    assert config["LastUpdateStatus"] == "Successful"
    put(lab, "astray")
    assert wait_for(lambda: found_in(lab, WRONG_INDEX, "astray")) == ["astray"]
    assert found_in(lab, INDEX, "astray") == []

    # One variable missing: the next run fails on it, and setting it back
    # lets the waiting record through, to the right index this time.
    answer = lab.control("POST", "/_labsim/setup", {"environment": {"OPENSEARCH_INDEX": INDEX, "OPENSEARCH_HOST": None}})
    assert "OPENSEARCH_HOST" not in answer["environment"]
    assert answer["env_vars_set"] is False
    put(lab, "waits")
    assert wait_for(lambda: [e for e in log_events(lab) if e["message"].startswith("[ERROR] KeyError: 'OPENSEARCH_HOST'")])
    answer = lab.control("POST", "/_labsim/setup", {"environment": {"OPENSEARCH_HOST": lab.endpoint("aoss")}})
    assert answer["env_vars_set"] is True
    assert wait_for(lambda: found_in(lab, INDEX, "waits")) == ["waits"]

    refused = lab.control("POST", "/_labsim/setup", {"environment": {"REGION": 1}}, status=400)
    assert refused["error"] == '"environment": "REGION" must be a string, or null to remove it, not a number'
