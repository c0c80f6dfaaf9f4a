"""Starts the real labsim binary once per session for AWS's own clients."""
import json
import os
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
REGION = "ap-southeast-1"


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

    def mint(self, ttl_seconds, policy=None):
        body = {"ttl_seconds": ttl_seconds}
        if policy is not None:
            body["policy"] = policy
        req = urllib.request.Request(
            f"{self.sts}/_labsim/credentials",
            data=json.dumps(body).encode(),
            headers={"content-type": "application/json"},
            method="POST",
        )
        with urllib.request.urlopen(req) as r:
            return json.load(r)


@pytest.fixture(scope="session")
def labsim():
    binary = os.environ.get("LABSIM_BIN", ROOT / "target/release/labsim")
    port = free_port()
    proc = subprocess.Popen(
        [str(binary), "--sts-port", str(port), "--seed", "11", "--refresh-lag-ms", "1500"],
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
    yield Labsim(proc, f"http://127.0.0.1:{port}")
    proc.terminate()
    proc.wait(timeout=10)


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
