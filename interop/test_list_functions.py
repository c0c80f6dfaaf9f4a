"""Lambda's ListFunctions as boto3 sees it: the lab's function listed once
it exists and not before (labmate's existence check, which does not make
the browser print a 404), paged by MaxItems and Marker, its query refused
as Lambda refuses it, and authorized on `*`."""
import botocore.config
import pytest

from conftest import ACCOUNT, CALLER, FUNCTION, REGION, client_for, error_of, start_labsim, stop_labsim

ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/lambda-lab-role"
FUNCTION_ARN = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{FUNCTION}"


@pytest.fixture(scope="module")
def lab():
    # Its own labsim: a test takes the function away.
    lab = start_labsim()
    yield lab
    stop_labsim(lab)


@pytest.fixture(autouse=True)
def reset(lab):
    lab.control("POST", "/_labsim/reset")


def test_list_functions_shows_the_function(lab):
    lam = client_for(lab, "lambda")
    answer = lam.list_functions()
    assert answer["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert "NextMarker" not in answer  # `null` on the wire, absent once parsed
    [listed] = answer["Functions"]
    assert listed["FunctionName"] == FUNCTION
    assert listed["FunctionArn"] == FUNCTION_ARN
    assert listed["Runtime"] == "python3.12"
    assert listed["Role"] == ROLE_ARN
    assert listed["Handler"] == "lambda_function.lambda_handler"
    # The rest is GetFunctionConfiguration's answer, less what AWS leaves
    # to GetFunction.
    config = lam.get_function_configuration(FunctionName=FUNCTION)
    del config["ResponseMetadata"]
    for field in ("State", "LastUpdateStatus", "RuntimeVersionConfig"):
        assert field not in listed
        del config[field]
    assert listed == config


def test_list_functions_lists_none_before_the_function_is_created(lab):
    lab.control("POST", "/_labsim/setup", {"function_exists": False})
    lam = client_for(lab, "lambda")
    assert lam.list_functions()["Functions"] == []
    assert [page["Functions"] for page in lam.get_paginator("list_functions").paginate()] == [[]]
    lab.control("POST", "/_labsim/setup", {"function_exists": True})
    assert [f["FunctionName"] for f in lam.list_functions()["Functions"]] == [FUNCTION]


def test_the_paginator_and_max_items(lab):
    lam = client_for(lab, "lambda")
    pages = list(lam.get_paginator("list_functions").paginate(PaginationConfig={"PageSize": 1}))
    assert [[f["FunctionName"] for f in p["Functions"]] for p in pages] == [[FUNCTION]]
    one = lam.list_functions(MaxItems=1)
    assert [f["FunctionName"] for f in one["Functions"]] == [FUNCTION]
    assert "NextMarker" not in one
    # Above the 50 a page holds, up to the model's 10000: accepted.
    assert len(lam.list_functions(MaxItems=10000)["Functions"]) == 1
    everything = lam.list_functions(FunctionVersion="ALL")["Functions"]
    assert [f["FunctionArn"] for f in everything] == [f"{FUNCTION_ARN}:$LATEST"]


def test_a_bad_max_items_is_lambdas_validation_exception(lab):
    # boto3 checks MaxItems' minimum itself; unchecked, the request reaches
    # labsim as it would reach AWS.
    unchecked = client_for(lab, "lambda", botocore_config=botocore.config.Config(parameter_validation=False))
    for max_items, bound in ((0, "greater than or equal to 1"), (10001, "less than or equal to 10000")):
        err = error_of(lambda: unchecked.list_functions(MaxItems=max_items))
        assert err["ResponseMetadata"]["HTTPStatusCode"] == 400
        assert err["Error"]["Code"] == "ValidationException"
        assert err["Error"]["Message"] == (
            f"1 validation error detected: Value '{max_items}' at 'maxItems' "
            f"failed to satisfy constraint: Member must have value {bound}"
        )


def test_list_functions_is_authorized_on_star(lab):
    function_only = lab.mint(3600, {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "lambda:ListFunctions", "Resource": FUNCTION_ARN}],
    })
    err = error_of(lambda: client_for(lab, "lambda", function_only).list_functions())
    assert err["ResponseMetadata"]["HTTPStatusCode"] == 403
    assert err["Error"]["Code"] == "AccessDeniedException"
    assert err["Error"]["Message"] == (
        f"User: {CALLER} is not authorized to perform: lambda:ListFunctions on resource: * "
        "because no identity-based policy allows the lambda:ListFunctions action"
    )
    learner = lab.mint(3600, lab.control("GET", "/_labsim/learner-policy"))
    assert [f["FunctionName"] for f in client_for(lab, "lambda", learner).list_functions()["Functions"]] == [FUNCTION]
