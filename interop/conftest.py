"""Starts the real labsim binary for AWS's own clients, and the helpers the
interop tests share."""
import datetime
import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlparse

import botocore.exceptions
import pytest

ROOT = Path(__file__).resolve().parent.parent
REGION = "ap-southeast-1"
ACCOUNT = "123456789012"
CALLER = f"arn:aws:sts::{ACCOUNT}:assumed-role/WSParticipantRole/Participant"
TABLE_ARN = f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/lab-table"
FUNCTION = "sync-data-with-dynamodb-stream"
LOG_GROUP = f"/aws/lambda/{FUNCTION}"
INDEX = "dynamodb_replicate"
SIGNATURE_MISMATCH = "The request signature we calculated does not match the signature you provided."
EXPIRED_TOKEN = "The security token included in the request is expired"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Labsim:
    def __init__(self, proc, sts):
        self.proc = proc
        self.sts = sts

    def config(self):
        with urllib.request.urlopen(f"{self.sts}/_labsim/config") as r:
            return json.load(r)

    def endpoint(self, service):
        return self.config()["endpoints"][service]

    def control(self, method, path, body=None, status=200):
        """Calls a /_labsim/ control endpoint; its JSON answer, after
        checking the HTTP status is `status`."""
        req = urllib.request.Request(
            f"{self.sts}{path}",
            data=None if body is None else json.dumps(body).encode(),
            headers={"content-type": "application/json"},
            method=method,
        )
        try:
            with urllib.request.urlopen(req) as r:
                got, answer = r.status, json.load(r)
        except urllib.error.HTTPError as e:
            got, answer = e.code, json.load(e)
        assert got == status, f"{method} {path} {body}: {got} {answer}"
        return answer

    def mint(self, ttl_seconds, policy=None):
        body = {"ttl_seconds": ttl_seconds}
        if policy is not None:
            body["policy"] = policy
        return self.control("POST", "/_labsim/credentials", body)


def start_labsim(*extra_args):
    """Starts `target/release/labsim` on free ports with a fixed seed and a
    1.5 s refresh lag, plus `extra_args`; waits for "labsim ready"."""
    binary = os.environ.get("LABSIM_BIN", ROOT / "target/release/labsim")
    port = free_port()
    proc = subprocess.Popen(
        [str(binary), "--sts-port", str(port), "--seed", "11", "--refresh-lag-ms", "1500", *extra_args],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    deadline = time.time() + 20
    lines = []
    while time.time() < deadline:
        line = proc.stdout.readline()
        lines.append(line)
        if "labsim ready" in line:
            break
    else:
        proc.kill()
        raise RuntimeError("labsim did not start:\n" + "".join(lines))
    # Read its request log as it comes, so a full pipe never blocks it.
    threading.Thread(target=_drain, args=(proc.stdout,), daemon=True).start()
    return Labsim(proc, f"http://127.0.0.1:{port}")


def _drain(stream):
    for _ in stream:
        pass


def stop_labsim(lab):
    lab.proc.terminate()
    lab.proc.wait(timeout=10)


@pytest.fixture(scope="session")
def labsim():
    lab = start_labsim()
    yield lab
    stop_labsim(lab)


@pytest.fixture(scope="session")
def labsim_iam():
    """A second labsim whose REST API method uses AWS_IAM authorization."""
    lab = start_labsim("--api-auth", "iam")
    yield lab
    stop_labsim(lab)


def client_for(labsim, service, creds=None, region=REGION, botocore_config=None):
    """A boto3 client for `service` at labsim's endpoint, with the demo
    credentials unless others are given."""
    import boto3

    lab = labsim.config()
    creds = creds or lab["credentials"]
    endpoint_key = {"dynamodbstreams": "streams"}.get(service, service)
    return boto3.client(
        service,
        region_name=region,
        endpoint_url=lab["endpoints"][endpoint_key],
        aws_access_key_id=creds["AccessKeyId"],
        aws_secret_access_key=creds["SecretAccessKey"],
        aws_session_token=creds["SessionToken"],
        config=botocore_config,
    )


def error_of(call):
    """The parsed error response of a boto3 call that must fail."""
    with pytest.raises(botocore.exceptions.ClientError) as info:
        call()
    return info.value.response


def flip_last_char(text):
    return text[:-1] + ("0" if text[-1] != "0" else "1")


def tamper_signatures(client):
    """Makes a boto3 client change the last hex digit of every signature
    after signing, as a proxy or a bug would."""

    def tamper(request, **_):
        auth = request.headers["Authorization"]
        auth = auth.decode() if isinstance(auth, bytes) else auth
        request.headers["Authorization"] = flip_last_char(auth)

    client.meta.events.register("before-send", tamper)
    return client


@pytest.fixture
def skew_clock(monkeypatch):
    """`skew_clock(seconds)`: botocore's signers (boto3's, opensearch-py's)
    then sign with a clock that far off."""

    def skew(seconds):
        import importlib

        def now(remove_tzinfo=True):
            t = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=seconds)
            return t.replace(tzinfo=None) if remove_tzinfo else t

        # boto3 signs with the CRT signer when awscrt is installed, else
        # with botocore's own; each reads the clock through its module.
        for name in ("botocore.auth", "botocore.crt.auth"):
            try:
                module = importlib.import_module(name)
            except ImportError:
                continue
            monkeypatch.setattr(module, "get_current_datetime", now)

    return skew


def opensearch_client(labsim, creds=None, auth_class=None):
    """opensearch-py signing with AWSV4SignerAuth(..., 'aoss'), as AWS's
    documentation shows."""
    import botocore.credentials
    from opensearchpy import AWSV4SignerAuth, OpenSearch, RequestsHttpConnection

    config = labsim.config()
    creds = creds or config["credentials"]
    url = urlparse(config["endpoints"]["aoss"])
    auth = (auth_class or AWSV4SignerAuth)(
        botocore.credentials.Credentials(creds["AccessKeyId"], creds["SecretAccessKey"], creds["SessionToken"]),
        REGION,
        "aoss",
    )
    return OpenSearch(
        hosts=[{"host": url.hostname, "port": url.port}],
        http_auth=auth,
        use_ssl=False,
        connection_class=RequestsHttpConnection,
        timeout=10,
    )


def aws4auth(creds, service):
    """requests-aws4auth, as the workshop's Lambda signs (service 'aoss')."""
    from requests_aws4auth import AWS4Auth

    return AWS4Auth(creds["AccessKeyId"], creds["SecretAccessKey"], REGION, service, session_token=creds["SessionToken"])


def amz_date(when):
    return when.strftime("%Y%m%dT%H%M%SZ")


def utc_now(skew_seconds=0):
    return datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=skew_seconds)


# Runs awscurl's own main() with its clock moved and, if asked, the
# Authorization header changed after signing; prints the HTTP status to
# stderr (awscurl itself prints only the body).
_AWSCURL_BOOT = r"""
import datetime, sys
import requests
import awscurl.awscurl as awscurl

skew, tamper = float(sys.argv[1]), sys.argv[2] == "1"
setattr(awscurl, "__now", lambda: datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)
        + datetime.timedelta(seconds=skew))
send = requests.Session.request

def request(self, method, url, headers=None, **kwargs):
    headers = dict(headers or {})
    if tamper:
        auth = headers["Authorization"]
        headers["Authorization"] = auth[:-1] + ("0" if auth[-1] != "0" else "1")
    response = send(self, method, url, headers=headers, **kwargs)
    print(f"status={response.status_code}", file=sys.stderr)
    return response

requests.Session.request = request
sys.exit(awscurl.inner_main(sys.argv[3:]))
"""


def awscurl(creds, service, url, *args, skew_seconds=0, tamper=False):
    """Runs awscurl (in a child Python, as its command does); (HTTP status,
    body text)."""
    out = subprocess.run(
        [
            sys.executable, "-c", _AWSCURL_BOOT, str(skew_seconds), "1" if tamper else "0",
            "--service", service, "--region", REGION,
            "--access_key", creds["AccessKeyId"], "--secret_key", creds["SecretAccessKey"],
            "--session_token", creds["SessionToken"],
            *args, url,
        ],
        capture_output=True, text=True, timeout=60, check=False,
    )
    assert out.returncode == 0, out.stderr
    statuses = [line for line in out.stderr.splitlines() if line.startswith("status=")]
    assert statuses, out.stderr
    return int(statuses[-1].split("=", 1)[1]), out.stdout


def wait_for(predicate, seconds=20.0):
    """Polls `predicate` every 0.2 s until it returns something truthy."""
    deadline = time.time() + seconds
    while time.time() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    return predicate()


def log_events(labsim, **query):
    """Every event FilterLogEvents finds for `query` in the Lambda's log
    group, following nextToken as a client must (a page searches a span of
    log time, so it may be empty while more follow)."""
    logs = client_for(labsim, "logs")
    pages = logs.get_paginator("filter_log_events").paginate(logGroupName=LOG_GROUP, **query)
    try:
        return [e for page in pages for e in page["events"]]
    except logs.exceptions.ResourceNotFoundException:  # created by the first invocation
        return []


def search_by_dynamodb_id(os_client, item_id):
    body = {"query": {"term": {"id.keyword": item_id}}}
    from opensearchpy.exceptions import NotFoundError

    try:
        return os_client.search(index=INDEX, body=body)["hits"]["hits"]
    except NotFoundError:  # the index is created by the first write
        return []
