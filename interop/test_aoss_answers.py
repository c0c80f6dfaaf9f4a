"""OpenSearch Serverless's own answers (aws-behaviour.md section 6) as
opensearch-py and requests-aws4auth meet them: `x-request-id` and never
`x-amzn-RequestId`; a network policy refusal (401, empty body,
`X01:network-policy-deny`); a data access refusal (403 and AOSS's small
body, `X01:gw-helper-deny`); a refresh lag drawn per write."""
import re
import time

import pytest
import requests
from opensearchpy.exceptions import AuthenticationException, AuthorizationException

from conftest import aws4auth, opensearch_client, start_labsim, stop_labsim

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
FORBIDDEN = {"reason": "403 Forbidden", "type": "Forbidden"}
NO_AOSS = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Action": ["dynamodb:*", "logs:*"], "Resource": "*"},
    ],
}


@pytest.fixture
def faults(labsim):
    yield lambda spec: labsim.control("POST", "/_labsim/faults", spec)
    labsim.control("DELETE", "/_labsim/faults")


def watched(client):
    """opensearch-py's client with every HTTP answer it gets kept, to read
    the headers it does not return."""
    seen = []
    client.transport.get_connection().session.hooks["response"].append(lambda r, *_, **__: seen.append(r))
    return client, seen


def aoss_post(labsim, path, body, creds=None):
    """requests + requests-aws4auth (service aoss), as the workshop's Lambda."""
    creds = creds or labsim.config()["credentials"]
    return requests.post(
        f"{labsim.endpoint('aoss')}{path}", json=body, auth=aws4auth(creds, "aoss"),
        headers={"content-type": "application/json"}, timeout=10,
    )


def assert_aoss_request_id(response):
    assert "x-amzn-RequestId" not in response.headers, dict(response.headers)
    assert UUID.fullmatch(response.headers.get("x-request-id", "")), dict(response.headers)
    return response.headers["x-request-id"]


def test_answers_carry_x_request_id_and_no_x_amzn_request_id(labsim):
    client, seen = watched(opensearch_client(labsim))
    client.index(index="answers", body={"n": 1})
    client.search(index="answers", body={"query": {"match_all": {}}})
    wrong_key = dict(labsim.config()["credentials"], SecretAccessKey="x" * 40)
    bad_client, bad_seen = watched(opensearch_client(labsim, wrong_key))
    with pytest.raises(AuthorizationException):
        bad_client.search(index="answers", body={"query": {"match_all": {}}})
    seen += bad_seen
    assert [r.status_code for r in seen] == [201, 200, 403]
    ids = [assert_aoss_request_id(r) for r in seen]
    assert len(set(ids)) == 3
    # requests-aws4auth, and an unsigned request, see the same.
    assert_aoss_request_id(aoss_post(labsim, "/answers/_search", {"query": {"match_all": {}}}))
    unsigned = requests.post(f"{labsim.endpoint('aoss')}/answers/_search", json={}, timeout=10)
    assert unsigned.status_code == 403
    assert_aoss_request_id(unsigned)


def test_a_network_policy_refusal_is_a_401_with_an_empty_body(labsim, faults):
    faults({"service": "aoss", "times": 1, "network_policy_deny": True})
    client, seen = watched(opensearch_client(labsim))
    with pytest.raises(AuthenticationException) as info:
        client.search(index="answers", body={"query": {"match_all": {}}})
    assert info.value.status_code == 401
    assert [r.status_code for r in seen] == [401]

    faults({"service": "aoss", "times": 1, "network_policy_deny": True})
    r = aoss_post(labsim, "/answers/_search", {"query": {"match_all": {}}})
    assert r.status_code == 401
    assert r.content == b""
    assert r.headers["x-aoss-response-hint"] == "X01:network-policy-deny"
    assert r.headers["server"] == "aoss-amazon"
    assert_aoss_request_id(r)
    # Each rule fired once: the next request goes through.
    assert aoss_post(labsim, "/answers/_search", {"query": {"match_all": {}}}).status_code == 200


def assert_forbidden(r):
    assert r.status_code == 403
    assert r.headers["x-aoss-response-hint"] == "X01:gw-helper-deny"
    request_id = assert_aoss_request_id(r)
    assert r.json() == {"status": 403, "request-id": request_id, "error": FORBIDDEN}


def test_a_data_access_refusal_is_aoss_forbidden_body(labsim, faults):
    # No data access policy grants the caller: injected.
    faults({"service": "aoss", "times": 1, "data_access_deny": True})
    assert_forbidden(aoss_post(labsim, "/answers/_doc", {"n": 2}))
    # No aoss:APIAccessAll in the caller's IAM policy.
    denied = labsim.mint(3600, policy=NO_AOSS)
    assert_forbidden(aoss_post(labsim, "/answers/_doc", {"n": 3}, creds=denied))

    client, seen = watched(opensearch_client(labsim, denied))
    with pytest.raises(AuthorizationException) as info:
        client.search(index="answers", body={"query": {"match_all": {}}})
    assert info.value.status_code == 403
    assert info.value.error == "Forbidden"
    assert info.value.info == {"status": 403, "request-id": seen[-1].headers["x-request-id"], "error": FORBIDDEN}


@pytest.fixture(scope="module")
def spread_lab():
    """Each write draws its refresh lag from 1 to 4 s (AWS's 10 to 60 s,
    scaled down: the spread is the point here, not its size)."""
    lab = start_labsim("--refresh-lag-ms", "1000..4000")
    yield lab
    stop_labsim(lab)


def test_each_document_becomes_searchable_after_its_own_lag(spread_lab):
    client = opensearch_client(spread_lab)
    written = {}
    for n in range(6):
        before = time.monotonic()
        client.index(index="spread", id=f"doc-{n}", body={"n": n})
        written[f"doc-{n}"] = (before, time.monotonic())

    def searchable():
        try:
            hits = client.search(index="spread", body={"query": {"match_all": {}}, "size": 20})["hits"]["hits"]
        except Exception:  # noqa: BLE001 - opensearch-py's errors all mean "not yet"
            return set()
        return {h["_id"] for h in hits}

    # Nothing is searchable at first, though GET by id finds each at once.
    assert searchable() == set()
    first_seen = {}
    deadline = time.monotonic() + 10
    while len(first_seen) < len(written) and time.monotonic() < deadline:
        now = time.monotonic()
        for doc_id in searchable() - set(first_seen):
            first_seen[doc_id] = now
        time.sleep(0.05)
    assert set(first_seen) == set(written)
    lags = {}
    for doc_id, (before, after) in written.items():
        # Not before its lag (at least 1 s) from when it was sent, and no
        # later than 4 s after it was acknowledged (plus polling slack).
        assert first_seen[doc_id] - before >= 1.0, (doc_id, first_seen[doc_id] - before)
        assert first_seen[doc_id] - after <= 4.0 + 0.8, (doc_id, first_seen[doc_id] - after)
        lags[doc_id] = first_seen[doc_id] - after
    # Each write drew its own lag: they do not all come up together.
    assert max(lags.values()) - min(lags.values()) >= 1.0, lags


def test_spread_is_awss_10_to_60_seconds_per_write():
    lab = start_labsim("--refresh-lag-ms", "spread")
    try:
        client = opensearch_client(lab)
        for n in range(5):
            client.index(index="slow", id=f"s-{n}", body={"n": n})
        assert client.search(index="slow", body={"query": {"match_all": {}}})["hits"]["total"]["value"] == 0
        writes = [e for e in lab.control("GET", "/_labsim/events")["events"] if e["kind"] == "index_write"]
        lags = [e["searchable_at_ms"] - e["time_ms"] for e in writes]
        assert len(lags) == 5
        assert all(10_000 <= lag <= 60_000 for lag in lags), lags
        assert len(set(lags)) == 5, lags
    finally:
        stop_labsim(lab)


@pytest.mark.parametrize("value, reason", [
    ("60001", "60001 ms is out of range: a lag is 0 to 60000 ms"),
    ("4000..1000", "the range 4000..1000 is reversed"),
    ("ten", "expected milliseconds from 0 to 60000, a range MIN..MAX of them, or `spread`"),
])
def test_a_refresh_lag_beyond_awss_is_refused_with_its_reason(value, reason):
    import os
    import subprocess

    from conftest import ROOT

    binary = os.environ.get("LABSIM_BIN", ROOT / "target/release/labsim")
    out = subprocess.run([str(binary), "--print-config", f"--refresh-lag-ms={value}"], capture_output=True, text=True, timeout=20)
    assert out.returncode == 2, out
    assert reason in out.stderr, out.stderr
