"""API Gateway's `$context.requestId` as a client meets it (aws-behaviour.md
section 2): a UUID sent in `x-amzn-RequestId` becomes the request id, the
item's id and the answer's `x-amzn-RequestId`; anything else is replaced.
With the console's "Enable CORS", Allow-Headers is its default list, so a
page cannot send that header cross-origin; through the same-origin route
(as CloudFront forwards `/api/...`) no preflight happens and the id holds."""
import re
import uuid

import pytest
import requests

from conftest import aws4auth, awscurl, client_for, start_labsim, stop_labsim

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
CONSOLE_ALLOW_HEADERS = "Content-Type,X-Amz-Date,Authorization,X-Api-Key,X-Amz-Security-Token"
PAGE_ORIGIN = "http://localhost:5173"


@pytest.fixture(scope="module")
def api_lab(tmp_path_factory):
    """A labsim whose API has AWS_IAM authorization and CORS enabled, with a
    static site (and so the same-origin `/api` route) on a free port."""
    site = tmp_path_factory.mktemp("site")
    (site / "index.html").write_text("<!doctype html><title>lab</title>")
    lab = start_labsim("--api-auth", "iam", "--api-cors", "on", "--static-dir", str(site), "--static-port", "0")
    yield lab
    stop_labsim(lab)


def item(lab, item_id):
    return client_for(lab, "dynamodb").get_item(TableName="lab-table", Key={"id": {"S": item_id}}).get("Item")


def signed_post(lab, url, body, headers=None):
    """A POST signed with requests-aws4auth for execute-api."""
    creds = lab.config()["credentials"]
    return requests.post(url, json=body, headers=headers or {}, auth=aws4auth(creds, "execute-api"), timeout=10)


def test_a_client_uuid_becomes_the_request_id_and_the_items_id(api_lab):
    chosen = str(uuid.uuid4())
    r = signed_post(api_lab, api_lab.endpoint("api"), {"name": "Ada", "type": "learner"}, {"x-amzn-RequestId": chosen})
    assert r.status_code == 200, r.text
    assert r.text == "{}"
    assert r.headers["x-amzn-RequestId"] == chosen
    # $context.extendedRequestId stays API Gateway's own.
    assert r.headers["x-amz-apigw-id"] and chosen not in r.headers["x-amz-apigw-id"]
    stored = item(api_lab, chosen)
    assert stored["id"] == {"S": chosen}
    assert stored["name"] == {"S": "Ada"}


def test_awscurl_can_choose_the_request_id(api_lab):
    chosen = str(uuid.uuid4())
    creds = api_lab.config()["credentials"]
    status, body = awscurl(
        creds, "execute-api", api_lab.endpoint("api"),
        "-X", "POST", "-H", "content-type: application/json", "-H", f"x-amzn-RequestId: {chosen}",
        "-d", '{"name": "Cy", "type": "curl"}',
    )
    assert (status, body.strip()) == (200, "{}")
    assert item(api_lab, chosen)["name"] == {"S": "Cy"}


@pytest.mark.parametrize("sent", ["my-own-id", "5f0c3d4e9a1b4c2d8e3f0a1b2c3d4e5f", "{5f0c3d4e-9a1b-4c2d-8e3f-0a1b2c3d4e5f}"])
def test_a_non_uuid_request_id_is_replaced(api_lab, sent):
    r = signed_post(api_lab, api_lab.endpoint("api"), {"name": "Bo", "type": "t"}, {"x-amzn-RequestId": sent})
    assert r.status_code == 200, r.text
    given = r.headers["x-amzn-RequestId"]
    assert given != sent
    assert UUID.fullmatch(given), given
    assert item(api_lab, given)["name"] == {"S": "Bo"}
    assert item(api_lab, sent) is None


def test_a_refused_request_names_the_clients_id_too(api_lab):
    chosen = str(uuid.uuid4())
    r = requests.post(api_lab.endpoint("api"), json={}, headers={"x-amzn-RequestId": chosen}, timeout=10)
    assert r.status_code == 403
    assert r.json() == {"message": "Missing Authentication Token"}
    assert r.headers["x-amzn-RequestId"] == chosen
    assert item(api_lab, chosen) is None


def test_the_cross_origin_preflight_does_not_allow_x_amzn_requestid(api_lab):
    """What a browser asks before a signed POST that sets its request id; the
    MOCK preflight answers 200 with the console's list, which lacks it, so
    the browser never sends the POST."""
    asked = ["authorization", "content-type", "x-amz-date", "x-amz-security-token", "x-amzn-requestid"]
    r = requests.options(
        api_lab.endpoint("api"),
        headers={
            "Origin": PAGE_ORIGIN,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": ",".join(asked),
        },
        timeout=10,
    )
    assert r.status_code == 200
    assert r.headers["Access-Control-Allow-Origin"] == "*"
    assert r.headers["Access-Control-Allow-Methods"] == "OPTIONS,POST"
    assert r.headers["Access-Control-Allow-Headers"] == CONSOLE_ALLOW_HEADERS
    allowed = {h.strip().lower() for h in r.headers["Access-Control-Allow-Headers"].split(",")}
    # The Fetch standard's check: every asked header must be allowed.
    assert [h for h in asked if h not in allowed] == ["x-amzn-requestid"]


def test_through_the_same_origin_route_the_request_id_is_honoured(api_lab):
    """The static server forwards `/api/...` to the API as CloudFront would,
    prefix stripped and with the API's own Host, so the request is signed
    for the API's URL and sent to the route: same origin, no preflight, and
    the chosen id holds."""
    config = api_lab.config()
    route = config["routes"]["api"]
    assert route.startswith("http://") and route.endswith("/api")
    api_url = config["endpoints"]["api"]
    api_host = api_url.split("://", 1)[1].split("/", 1)[0]
    site = route[: -len("/api")]
    chosen = str(uuid.uuid4())
    signed = requests.Request(
        "POST", api_url, json={"name": "Di", "type": "route"},
        headers={"x-amzn-RequestId": chosen, "Host": api_host, "Origin": site},
        auth=aws4auth(config["credentials"], "execute-api"),
    ).prepare()
    signed.url = f"{route}/v1/lab"
    with requests.Session() as session:
        r = session.send(signed, timeout=10)
    assert r.status_code == 200, r.text
    assert r.text == "{}"
    assert r.headers["x-amzn-RequestId"] == chosen
    assert item(api_lab, chosen)["name"] == {"S": "Di"}
