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

    def mint(self, ttl_seconds):
        req = urllib.request.Request(
            f"{self.sts}/_labsim/credentials",
            data=json.dumps({"ttl_seconds": ttl_seconds}).encode(),
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
        [str(binary), "--sts-port", str(port), "--seed", "11"],
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
