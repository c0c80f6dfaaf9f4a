"""deploy/labmate.yaml, the CloudFormation template an instructor deploys:
its routes are exactly the same-origin routes labmate uses, its CloudFront
Function (run here in node, as CloudFront runs its JavaScript) strips exactly
those prefixes, and its headers add to the page's own Content-Security-Policy
(the <meta> in dist/index.html, checked here too: connections to its own
origin and AWS's endpoints only) no second policy. cfn-lint checks the template as a whole
(`make lint`).

The routes come from a running labsim (`GET /_labsim/config`, `routes`),
which builds them from lab-model's SAME_ORIGIN_ROUTES, the prefixes labmate's
setup offers: the real source, not a copy of it. The last tests send
requests signed for the collection's own host through the template's route
as CloudFront would (the function's path, AllViewerExceptHostHeader's
headers) to labsim's collection, which checks signatures as AWS does."""
import json
import re
import subprocess
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest
import requests
from cfnlint.decode import decode

from conftest import SIGNATURE_MISMATCH, aws4auth, start_labsim, stop_labsim

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "deploy" / "labmate.yaml"

# AWS-managed CloudFront policy ids, as AWS's docs list them ("Use managed
# cache policies", "Use managed origin request policies").
CACHING_DISABLED = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"
ALL_VIEWER_EXCEPT_HOST_HEADER = "b689b0a8-53d0-40ab-baf2-68738e2966ac"
ALL_METHODS = {"GET", "HEAD", "OPTIONS", "PUT", "PATCH", "POST", "DELETE"}
# Which template parameter each route's origin must be (routes are keyed by
# lab-model's Service::key).
ORIGIN_PARAMETER = {"aoss": "CollectionHost", "api": "ApiHost"}
DISTRIBUTION_HOST = "d111111abcdef8.cloudfront.net"

# Loads the function's code in a fresh V8 context (no Node modules, as in
# CloudFront's runtime) and hands it each event read from stdin; prints what
# `handler` returned for each.
NODE_RUNNER = r"""
const vm = require('vm');
const input = JSON.parse(require('fs').readFileSync(0, 'utf8'));
const handler = vm.runInNewContext(input.code + '\n;handler', {});
process.stdout.write(JSON.stringify(input.events.map((e) => handler(e))));
"""


@pytest.fixture(scope="module")
def template():
    parsed, problems = decode(str(TEMPLATE))
    assert not problems, problems
    return parsed


@pytest.fixture(scope="module")
def site_lab(tmp_path_factory):
    """labsim with a static site, so that it serves the same-origin routes."""
    site = tmp_path_factory.mktemp("site")
    (site / "index.html").write_text("<!doctype html><title>lab</title>")
    lab = start_labsim("--static-dir", str(site), "--static-port", "0")
    yield lab
    stop_labsim(lab)


@pytest.fixture(scope="module")
def routes(site_lab):
    """Service key to route prefix, e.g. {"aoss": "/aoss", "api": "/api"}
    (labsim names each route by its URL on the static site's origin)."""
    found = {key: urlsplit(url).path for key, url in site_lab.config().get("routes", {}).items()}
    assert found, "labsim served a static site but named no routes"
    assert all(prefix.startswith("/") and not prefix.endswith("/") for prefix in found.values()), found
    return found


def resource(template, kind):
    [found] = [r for r in template["Resources"].values() if r["Type"] == kind]
    return found


def distribution(template):
    return resource(template, "AWS::CloudFront::Distribution")["Properties"]["DistributionConfig"]


def resolve(template, value):
    """The value of a literal or of an Fn::FindInMap into the template's mappings."""
    if isinstance(value, dict) and "Fn::FindInMap" in value:
        name, top, second = value["Fn::FindInMap"]
        return template["Mappings"][name][top][second]
    return value


def function_code(template):
    return resource(template, "AWS::CloudFront::Function")["Properties"]["FunctionCode"]


def function_logical_id(template):
    [found] = [k for k, r in template["Resources"].items() if r["Type"] == "AWS::CloudFront::Function"]
    return found


def run_function(code, events):
    out = subprocess.run(
        ["node", "-e", NODE_RUNNER],
        input=json.dumps({"code": code, "events": events}),
        capture_output=True, text=True, timeout=30, check=False,
    )
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def viewer_request(uri, query="", method="GET", headers=None):
    """A CloudFront Functions viewer-request event (AWS's docs, "CloudFront
    Functions event structure"): header names lower case, each value under
    `value`; the query string as an object, apart from `uri`."""
    querystring = {}
    for name, value in parse_qsl(query, keep_blank_values=True):
        if name in querystring:
            field = querystring[name]
            field.setdefault("multiValue", [{"value": field["value"]}]).append({"value": value})
        else:
            querystring[name] = {"value": value}
    headers = {name.lower(): {"value": value} for name, value in (headers or {}).items()}
    headers["host"] = {"value": DISTRIBUTION_HOST}
    return {
        "version": "1.0",
        "context": {
            "distributionDomainName": DISTRIBUTION_HOST,
            "distributionId": "EDFDVBD6EXAMPLE",
            "eventType": "viewer-request",
            "requestId": "4TyzHTaYWb1GX1qTfsHhEqV6HUDd_BzoBZnwfnvQc_1oF26ClkoUSEQ==",
        },
        "viewer": {"ip": "198.51.100.11"},
        "request": {"method": method, "uri": uri, "querystring": querystring, "headers": headers, "cookies": {}},
    }


# --- the routes ---------------------------------------------------------


def test_the_behaviours_are_exactly_labmates_routes(template, routes):
    behaviours = distribution(template)["CacheBehaviors"]
    assert sorted(b["PathPattern"] for b in behaviours) == sorted(f"{prefix}/*" for prefix in routes.values())


def test_each_route_goes_to_its_service_uncached_with_the_viewers_signing_headers(template, routes):
    config = distribution(template)
    origins = {o["Id"]: o for o in config["Origins"]}
    by_pattern = {b["PathPattern"]: b for b in config["CacheBehaviors"]}
    function = function_logical_id(template)
    for key, prefix in routes.items():
        behaviour = by_pattern[f"{prefix}/*"]
        assert resolve(template, behaviour["CachePolicyId"]) == CACHING_DISABLED, key
        assert resolve(template, behaviour["OriginRequestPolicyId"]) == ALL_VIEWER_EXCEPT_HOST_HEADER, key
        assert set(behaviour["AllowedMethods"]) == ALL_METHODS, key
        assert behaviour["ViewerProtocolPolicy"] == "https-only", key
        assert behaviour["FunctionAssociations"] == [
            {"EventType": "viewer-request", "FunctionARN": {"Fn::GetAtt": [function, "FunctionMetadata.FunctionARN"]}}
        ], key
        origin = origins[behaviour["TargetOriginId"]]
        assert origin["DomainName"] == {"Ref": ORIGIN_PARAMETER[key]}, key
        assert origin["CustomOriginConfig"]["OriginProtocolPolicy"] == "https-only", key
        # An origin path would put a path the viewer never signed in front.
        assert "OriginPath" not in origin, key
    # The app's own files are neither routed nor rewritten.
    default = config["DefaultCacheBehavior"]
    assert "FunctionAssociations" not in default
    assert origins[default["TargetOriginId"]]["S3OriginConfig"] == {"OriginAccessIdentity": ""}


def test_the_function_uses_the_runtime_it_is_written_for(template):
    props = resource(template, "AWS::CloudFront::Function")["Properties"]
    assert props["FunctionConfig"]["Runtime"] == "cloudfront-js-2.0"
    assert props["AutoPublish"] is True


def test_the_function_strips_each_route_prefix_and_keeps_the_query(template, routes):
    cases = []
    for prefix in routes.values():
        cases += [
            (f"{prefix}/dynamodb_replicate/_search", "q=id:abc&size=5", "/dynamodb_replicate/_search"),
            (f"{prefix}/v1/lab", "", "/v1/lab"),
            (f"{prefix}/dynamodb_replicate/_doc/0f5e-41", "", "/dynamodb_replicate/_doc/0f5e-41"),
            (f"{prefix}", "", "/"),
            (f"{prefix}/", "", "/"),
            # Once only: a path of the service's own that starts like a route.
            (f"{prefix}{prefix}/x", "a=1&a=2", f"{prefix}/x"),
        ]
    events = [viewer_request(uri, query, "POST", {"authorization": "AWS4-HMAC-SHA256 ...", "x-amz-date": "20251124T000000Z"})
              for uri, query, _ in cases]
    results = run_function(function_code(template), events)
    for (uri, _, want), event, got in zip(cases, events, results):
        assert got["uri"] == want, uri
        # Everything else as it came: the query string, the signing headers, the method.
        assert got["querystring"] == event["request"]["querystring"], uri
        assert got["headers"] == event["request"]["headers"], uri
        assert got["method"] == "POST", uri


def test_the_function_leaves_every_other_path_alone(template, routes):
    others = ["/", "/index.html", "/board-2a8d79e0e3766fd5/labmate_board.js", "/v1/lab", "/other/x"]
    for prefix in routes.values():
        # Only whole segments are routes: these only start with its letters.
        others += [f"{prefix}x", f"{prefix}x/idx/_search", f"{prefix}-old/x", f"{prefix.upper()}/x", f"/lab{prefix}/x"]
    results = run_function(function_code(template), [viewer_request(uri) for uri in others])
    assert [r["uri"] for r in results] == others


# --- the page's headers -------------------------------------------------


def directives(csp):
    found = {}
    for part in csp.split(";"):
        name, *values = part.split()
        assert name not in found, f"{name} given twice"
        found[name] = values
    return found


def test_the_header_adds_only_what_a_meta_policy_cannot(template):
    """The page's policy is its <meta>; a second one in a header would
    intersect with it and drop the hosts an instructor adds at build time."""
    policy = resource(template, "AWS::CloudFront::ResponseHeadersPolicy")["Properties"]["ResponseHeadersPolicyConfig"]
    csp = policy["SecurityHeadersConfig"]["ContentSecurityPolicy"]["ContentSecurityPolicy"]
    assert directives(csp) == {"frame-ancestors": ["'none'"]}


def page_policy():
    html = (ROOT / "dist" / "index.html").read_text()
    found = re.findall(r'<meta http-equiv=Content-Security-Policy content="([^"]*)">', html)
    assert len(found) == 1, "dist/index.html carries one policy (make build first)"
    return html, directives(found[0])


def test_the_page_may_connect_only_to_itself_and_aws():
    assert page_policy()[1]["connect-src"] == ["'self'", "https://*.amazonaws.com"]


def test_the_page_policy_allows_its_own_files_and_webassembly_and_nothing_inline():
    html, policy = page_policy()
    assert policy == {
        "default-src": ["'self'"],
        "script-src": ["'self'", "'wasm-unsafe-eval'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "connect-src": ["'self'", "https://*.amazonaws.com"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'none'"],
    }
    # Every script is a file of the page's own (no inline loader), and
    # every URL is relative, so dist/ works under any path.
    scripts = re.findall(r"<script[^>]*>", html)
    assert scripts and all(re.search(r"\bsrc=\./", s) for s in scripts), scripts
    assert not re.search(r'(href|src|content)="?/(?!/)', html), "an absolute path in index.html"


def test_the_security_headers_are_on_the_page_not_on_the_routes(template):
    config = distribution(template)
    policy_id = {"Ref": next(k for k, r in template["Resources"].items()
                             if r["Type"] == "AWS::CloudFront::ResponseHeadersPolicy")}
    assert config["DefaultCacheBehavior"]["ResponseHeadersPolicyId"] == policy_id
    headers = resource(template, "AWS::CloudFront::ResponseHeadersPolicy")["Properties"][
        "ResponseHeadersPolicyConfig"]["SecurityHeadersConfig"]
    assert headers["ReferrerPolicy"]["ReferrerPolicy"] == "no-referrer"
    assert headers["StrictTransportSecurity"]["AccessControlMaxAgeSec"] >= 31536000
    assert "ContentTypeOptions" in headers
    for behaviour in config["CacheBehaviors"]:
        assert "ResponseHeadersPolicyId" not in behaviour, behaviour["PathPattern"]


# --- a signed request through the route -----------------------------------


def through_the_route(template, prefix, signed, origin, host_policy="AllViewerExceptHostHeader", strip=True):
    """Sends `signed` (prepared for the service's own URL) as the page does,
    to `prefix` + its path on the distribution, then on to `origin` as
    CloudFront would: the template's function on the path, then the origin
    request policy on the headers (AllViewerExceptHostHeader: the origin's
    Host; AllViewer: the viewer's), plus what CloudFront adds itself."""
    url = urlsplit(signed.url)
    headers = {k: v for k, v in signed.headers.items() if k.lower() not in ("host", "content-length")}
    event = viewer_request(prefix + url.path, url.query, signed.method, headers)
    request = run_function(function_code(template), [event])[0] if strip else event["request"]
    sent = {name: field["value"] for name, field in request["headers"].items()}
    sent["host"] = urlsplit(origin).netloc if host_policy == "AllViewerExceptHostHeader" else DISTRIBUTION_HOST
    sent["via"] = f"2.0 abcdef.cloudfront.net (CloudFront)"
    sent["x-amz-cf-id"] = "4TyzHTaYWb1GX1qTfsHhEqV6HUDd_BzoBZnwfnvQc_1oF26ClkoUSEQ=="
    query = f"?{url.query}" if url.query else ""
    return requests.request(signed.method, f"{origin}{request['uri']}{query}", data=signed.body, headers=sent, timeout=10)


def signed_for_collection(lab, method, path, body):
    creds = lab.config()["credentials"]
    return requests.Request(
        method, f"{lab.endpoint('aoss')}{path}", json=body,
        headers={"content-type": "application/json"}, auth=aws4auth(creds, "aoss"),
    ).prepare()


def test_the_collection_sees_exactly_what_was_signed(template, site_lab, routes):
    origin = site_lab.endpoint("aoss")
    put = signed_for_collection(site_lab, "PUT", "/deploy_route/_doc/item-1", {"name": "Ada"})
    r = through_the_route(template, routes["aoss"], put, origin)
    assert r.status_code in (200, 201), r.text
    search = signed_for_collection(site_lab, "POST", "/deploy_route/_search?size=5", {"query": {"match_all": {}}})
    r = through_the_route(template, routes["aoss"], search, origin)
    assert r.status_code == 200, r.text


@pytest.mark.parametrize("broken", ["the viewer's Host (AllViewer)", "the prefix left on the path"])
def test_without_the_host_policy_or_the_function_the_signature_fails(template, site_lab, routes, broken):
    origin = site_lab.endpoint("aoss")
    search = signed_for_collection(site_lab, "POST", "/deploy_route/_search", {"query": {"match_all": {}}})
    if broken.startswith("the viewer's Host"):
        r = through_the_route(template, routes["aoss"], search, origin, host_policy="AllViewer")
    else:
        r = through_the_route(template, routes["aoss"], search, origin, strip=False)
    assert r.status_code == 403, r.text
    assert SIGNATURE_MISMATCH in r.text
