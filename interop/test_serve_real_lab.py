"""scripts/serve-real-lab.sh's Trunk proxies (the local stand-in for
deploy/labmate.yaml's routes): `trunk serve` with the [[proxy]] entries the
script prints, in front of labsim with IAM authorization on the API, passes
requests signed for each service's own host through /aoss and /api with
signatures labsim accepts, as AWS would check them."""
import os
import socket
import subprocess
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests

from conftest import aws4auth, free_port, start_labsim, stop_labsim

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "serve-real-lab.sh"


@pytest.fixture(scope="module")
def lab():
    lab = start_labsim("--api-auth", "iam")
    yield lab
    stop_labsim(lab)


@pytest.fixture(scope="module")
def trunk(lab, tmp_path_factory):
    """`trunk serve` of a one-page site, with the script's proxies to `lab`."""
    site = tmp_path_factory.mktemp("trunk-site")
    (site / "index.html").write_text("<!doctype html><html><head><title>t</title></head><body></body></html>")
    proxies = subprocess.run(
        [str(SCRIPT), "--print-proxies", lab.endpoint("api"), lab.endpoint("aoss")],
        capture_output=True, text=True, check=True,
    ).stdout
    port = free_port()
    (site / "Trunk.toml").write_text(
        f'[build]\ntarget = "index.html"\ndist = "dist"\noffline = true\n'
        f'[serve]\naddresses = ["127.0.0.1"]\nport = {port}\nopen = false\n\n{proxies}'
    )
    env = dict(os.environ, TRUNK_OFFLINE="true", NO_COLOR="true")
    env["PATH"] = f"{Path.home() / '.cargo' / 'bin'}:{env['PATH']}"
    proc = subprocess.Popen(
        ["trunk", "serve", "--config", str(site / "Trunk.toml")], cwd=site, env=env,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            assert proc.poll() is None, "trunk serve exited"
            time.sleep(0.2)
    else:
        proc.kill()
        pytest.fail("trunk serve did not start listening")
    yield f"http://127.0.0.1:{port}"
    proc.terminate()
    proc.wait(timeout=10)


def through(trunk_url, route, lab, service, method, url, body):
    """A request signed for `url` (the service's own), sent as labmate sends
    it through a route: `route` + its path and query on the page's origin."""
    creds = lab.config()["credentials"]
    signed = requests.Request(
        method, url, json=body, headers={"content-type": "application/json"}, auth=aws4auth(creds, service),
    ).prepare()
    parts = urlsplit(signed.url)
    query = f"?{parts.query}" if parts.query else ""
    headers = {k: v for k, v in signed.headers.items() if k.lower() not in ("host", "content-length")}
    return requests.request(method, f"{trunk_url}{route}{parts.path}{query}", data=signed.body, headers=headers, timeout=10)


def test_the_collection_accepts_what_comes_through_aoss(trunk, lab):
    aoss = lab.endpoint("aoss")
    r = through(trunk, "/aoss", lab, "aoss", "PUT", f"{aoss}/proxied/_doc/one", {"name": "Ada"})
    assert r.status_code == 201, r.text
    r = through(trunk, "/aoss", lab, "aoss", "POST", f"{aoss}/proxied/_search?size=3", {"query": {"match_all": {}}})
    assert r.status_code == 200, r.text


def test_the_api_accepts_what_comes_through_api(trunk, lab):
    r = through(trunk, "/api", lab, "execute-api", "POST", lab.endpoint("api"), {"name": "Ada", "type": "learner"})
    assert r.status_code == 200, r.text
    assert r.text == "{}"
