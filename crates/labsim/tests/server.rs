//! End to end: starts the real `labsim` binary on free ports and talks to it
//! over HTTP, signing with aws-sigv4 as a client would.

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_sigv4::http_request::{
    sign, PayloadChecksumKind, SignableBody, SignableRequest, SigningSettings,
};
use aws_sigv4::sign::v4;
use serde_json::Value;

const BODY: &str = "Action=GetCallerIdentity&Version=2011-06-15";
const FORM: &str = "application/x-www-form-urlencoded; charset=utf-8";
const ORIGIN: &str = "http://localhost:5173";
const ARN: &str = "arn:aws:sts::123456789012:assumed-role/WSParticipantRole/Participant";

/// A running `labsim`, killed when dropped.
struct Labsim {
    child: Child,
    /// `export NAME=value` lines.
    exports: HashMap<String, String>,
    /// `# labsim: ...` lines.
    comments: Vec<String>,
}

impl Labsim {
    fn start(extra: &[&str]) -> Labsim {
        let mut child = Command::new(env!("CARGO_BIN_EXE_labsim"))
            .args(["--sts-port", "0"])
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("labsim starts");
        let stdout = child.stdout.take().expect("stdout");
        let (lines_tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                if lines_tx.send(line.expect("utf-8 stdout")).is_err() {
                    break;
                }
            }
        });
        let mut labsim = Labsim {
            child,
            exports: HashMap::new(),
            comments: Vec::new(),
        };
        loop {
            let line = lines
                .recv_timeout(Duration::from_secs(30))
                .expect("labsim prints `labsim ready` within 30 s");
            if line == "labsim ready" {
                break;
            }
            if let Some((name, value)) =
                line.strip_prefix("export ").and_then(|l| l.split_once('='))
            {
                labsim.exports.insert(name.to_owned(), value.to_owned());
            } else if let Some(comment) = line.strip_prefix("# labsim: ") {
                labsim.comments.push(comment.to_owned());
            } else {
                panic!("unexpected output line: {line}");
            }
        }
        labsim
    }

    fn sts(&self) -> String {
        self.exports["AWS_ENDPOINT_URL_STS"].clone()
    }

    fn export(&self, name: &str) -> &str {
        &self.exports[name]
    }

    /// The URL of the static server, from `# labsim: static files URL from DIR`.
    fn static_url(&self) -> String {
        self.comments
            .iter()
            .find_map(|c| c.strip_prefix("static files "))
            .and_then(|rest| rest.split(' ').next())
            .expect("a static files line")
            .to_owned()
    }
}

impl Drop for Labsim {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

struct Creds {
    akid: String,
    secret: String,
    token: String,
}

impl Creds {
    fn from_json(json: &Value) -> Creds {
        Creds {
            akid: json["AccessKeyId"].as_str().unwrap().to_owned(),
            secret: json["SecretAccessKey"].as_str().unwrap().to_owned(),
            token: json["SessionToken"].as_str().unwrap().to_owned(),
        }
    }
}

struct Reply {
    status: u16,
    headers: ureq::http::HeaderMap,
    body: String,
}

impl Reply {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).map(|v| v.to_str().unwrap())
    }

    fn json(&self) -> Value {
        serde_json::from_str(&self.body).expect("JSON body")
    }
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into()
}

fn send(method: &str, url: &str, headers: &[(String, String)], body: &str) -> Reply {
    let mut req = ureq::http::Request::builder().method(method).uri(url);
    for (name, value) in headers {
        req = req.header(name, value);
    }
    let mut res = agent()
        .run(req.body(body.as_bytes().to_vec()).unwrap())
        .expect("an HTTP response");
    Reply {
        status: res.status().as_u16(),
        headers: res.headers().clone(),
        body: res.body_mut().read_to_string().expect("a text body"),
    }
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

/// Headers for a GetCallerIdentity POST to `url`, signed at `time_ms`.
fn signed_headers(url: &str, creds: &Creds, region: &str, time_ms: i64) -> Vec<(String, String)> {
    let identity = aws_credential_types::Credentials::new(
        &creds.akid,
        &creds.secret,
        Some(creds.token.clone()),
        None,
        "test",
    )
    .into();
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region(region)
        .name("sts")
        .time(UNIX_EPOCH + Duration::from_millis(time_ms as u64))
        .settings(SigningSettings::default())
        .build()
        .unwrap()
        .into();
    let signable = SignableRequest::new(
        "POST",
        url,
        [("content-type", FORM)].into_iter(),
        SignableBody::Bytes(BODY.as_bytes()),
    )
    .unwrap();
    let (instructions, _) = sign(signable, &params).unwrap().into_parts();
    let mut headers = vec![("content-type".to_owned(), FORM.to_owned())];
    headers.extend(
        instructions
            .into_parts()
            .0
            .iter()
            .map(|h| (h.name().to_owned(), h.value().to_owned())),
    );
    headers
}

fn call_sts(labsim: &Labsim, creds: &Creds, time_ms: i64) -> Reply {
    let url = format!("{}/", labsim.sts());
    let headers = signed_headers(&url, creds, "ap-southeast-1", time_ms);
    send("POST", &url, &headers, BODY)
}

/// The text of `<tag>` in `xml`.
fn xml_text<'a>(xml: &'a str, tag: &str) -> &'a str {
    let open = format!("<{tag}>");
    let start = xml
        .find(&open)
        .unwrap_or_else(|| panic!("<{tag}> in {xml}"))
        + open.len();
    let end = xml[start..].find('<').unwrap() + start;
    &xml[start..end]
}

#[test]
fn config_and_get_caller_identity_over_http() {
    let labsim = Labsim::start(&["--seed", "99"]);
    let sts = labsim.sts();
    assert!(sts.starts_with("http://127.0.0.1:"), "{sts}");
    assert_eq!(labsim.export("AWS_REGION"), "ap-southeast-1");

    let origin = [("Origin".to_owned(), ORIGIN.to_owned())];
    let config = send("GET", &format!("{sts}/_labsim/config"), &origin, "");
    assert_eq!(config.status, 200);
    assert_eq!(config.header("access-control-allow-origin"), Some(ORIGIN));
    let json = config.json();
    assert_eq!(json["region"], "ap-southeast-1");
    assert_eq!(json["endpoints"]["sts"], sts.as_str());
    let endpoints = json["endpoints"].as_object().unwrap();
    let keys: Vec<&str> = endpoints.keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        ["aoss", "api", "dynamodb", "lambda", "logs", "streams", "sts"]
    );
    assert!(endpoints["api"].as_str().unwrap().ends_with("/v1/lab"));
    assert_eq!(json["identity"]["Arn"], ARN);
    assert_eq!(json["identity"]["Account"], "123456789012");
    let creds = Creds::from_json(&json["credentials"]);
    assert_eq!(creds.akid, labsim.export("AWS_ACCESS_KEY_ID"));
    assert_eq!(creds.secret, labsim.export("AWS_SECRET_ACCESS_KEY"));
    assert_eq!(creds.token, labsim.export("AWS_SESSION_TOKEN"));

    let reply = call_sts(&labsim, &creds, now_ms());
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.header("content-type"), Some("text/xml"));
    assert_eq!(xml_text(&reply.body, "Arn"), ARN);
    assert_eq!(xml_text(&reply.body, "Account"), "123456789012");
    assert_eq!(xml_text(&reply.body, "UserId"), json["identity"]["UserId"]);
    let request_id = reply.header("x-amzn-requestid").expect("x-amzn-RequestId");
    assert_eq!(xml_text(&reply.body, "RequestId"), request_id);
    assert!(reply.header("date").is_some());
}

#[test]
fn auth_errors_over_http() {
    let labsim = Labsim::start(&[]);
    let sts = labsim.sts();
    let demo = Creds {
        akid: labsim.export("AWS_ACCESS_KEY_ID").to_owned(),
        secret: labsim.export("AWS_SECRET_ACCESS_KEY").to_owned(),
        token: labsim.export("AWS_SESSION_TOKEN").to_owned(),
    };

    // Credentials minted already expired.
    let minted = send(
        "POST",
        &format!("{sts}/_labsim/credentials"),
        &[],
        r#"{"ttl_seconds": -1}"#,
    );
    assert_eq!(minted.status, 200, "{}", minted.body);
    let expired = Creds::from_json(&minted.json());
    let reply = call_sts(&labsim, &expired, now_ms());
    assert_eq!(reply.status, 403);
    assert_eq!(xml_text(&reply.body, "Code"), "ExpiredToken");
    assert_eq!(
        xml_text(&reply.body, "Message"),
        "The security token included in the request is expired"
    );
    assert_eq!(
        xml_text(&reply.body, "RequestId"),
        reply.header("x-amzn-requestid").unwrap()
    );

    // A clock six minutes slow: the message carries the server's time.
    let signed_ms = now_ms() - 6 * 60_000;
    let reply = call_sts(&labsim, &demo, signed_ms);
    assert_eq!(reply.status, 403);
    assert_eq!(xml_text(&reply.body, "Code"), "SignatureDoesNotMatch");
    let message = xml_text(&reply.body, "Message");
    let server = message
        .strip_suffix(" - 5 min.)")
        .and_then(|m| m.rsplit_once('('))
        .map(|(_, t)| t)
        .unwrap_or_else(|| panic!("{message}"));
    let server_ms = labsim::time::parse_amz_date_ms(server).expect("an x-amz-date");
    assert!((server_ms - now_ms()).abs() < 10_000, "{message}");
    assert_eq!(
        message,
        format!(
            "Signature expired: {} is now earlier than {} ({server} - 5 min.)",
            labsim::time::amz_date(signed_ms),
            labsim::time::amz_date(server_ms - 5 * 60_000),
        )
    );

    // A wrong secret.
    let wrong = Creds {
        secret: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY".to_owned(),
        ..demo
    };
    let reply = call_sts(&labsim, &wrong, now_ms());
    assert_eq!(reply.status, 403);
    assert_eq!(
        xml_text(&reply.body, "Message"),
        "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details."
    );

    // Unsigned, from a page on another origin: the error is still readable.
    let headers = [
        ("content-type".to_owned(), FORM.to_owned()),
        ("origin".to_owned(), ORIGIN.to_owned()),
    ];
    let reply = send("POST", &format!("{sts}/"), &headers, BODY);
    assert_eq!(reply.status, 403);
    assert_eq!(xml_text(&reply.body, "Code"), "MissingAuthenticationToken");
    assert_eq!(reply.header("access-control-allow-origin"), Some("*"));
    assert_eq!(
        reply.header("access-control-expose-headers"),
        Some("x-amzn-RequestId,x-amzn-ErrorType,x-amzn-ErrorMessage,Date")
    );
    assert_eq!(
        reply.header("x-amzn-errortype"),
        Some("MissingAuthenticationToken")
    );
}

#[test]
fn cors_preflight_over_http() {
    let labsim = Labsim::start(&[]);
    let headers = [
        ("Origin", ORIGIN),
        ("Access-Control-Request-Method", "POST"),
        (
            "Access-Control-Request-Headers",
            "authorization,content-type,x-amz-date,x-amz-security-token",
        ),
    ]
    .map(|(n, v)| (n.to_owned(), v.to_owned()));
    let reply = send("OPTIONS", &format!("{}/", labsim.sts()), &headers, "");
    assert_eq!(reply.status, 200);
    assert_eq!(reply.header("access-control-allow-origin"), Some("*"));
    assert_eq!(reply.header("access-control-allow-methods"), Some("POST"));
    assert_eq!(
        reply.header("access-control-allow-headers"),
        Some("authorization,content-type,x-amz-date,x-amz-security-token")
    );
    assert_eq!(reply.header("access-control-max-age"), Some("172800"));
    // An empty body, said once (the core's Content-Length is not doubled).
    assert_eq!(
        reply
            .headers
            .get_all("content-length")
            .iter()
            .collect::<Vec<_>>(),
        ["0"]
    );
    assert!(reply.body.is_empty());
    assert!(reply.header("x-amzn-requestid").is_some());
    assert_eq!(reply.header("vary"), None);
}

/// A fresh directory with a tiny built app.
fn site() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("labsim-site-{}-{}", std::process::id(), now_ms()));
    std::fs::create_dir_all(dir.join("assets")).unwrap();
    std::fs::write(dir.join("index.html"), "<!doctype html><title>app</title>").unwrap();
    std::fs::write(dir.join("assets/app_bg.wasm"), b"\0asm\x01\0\0\0").unwrap();
    std::fs::write(dir.join("assets/app.js"), "export {};").unwrap();
    dir
}

#[test]
fn static_site_over_http() {
    let dir = site();
    let dir_arg = dir.to_str().unwrap().to_owned();
    let labsim = Labsim::start(&["--static-dir", &dir_arg, "--static-port", "0"]);
    let base = labsim.static_url();
    let get = |path: &str| send("GET", &format!("{base}{path}"), &[], "");

    let index = get("/");
    assert_eq!(index.status, 200);
    assert_eq!(index.body, "<!doctype html><title>app</title>");
    assert_eq!(index.header("content-type"), Some("text/html"));
    assert_eq!(index.header("cache-control"), Some("no-cache"));

    let wasm = get("/assets/app_bg.wasm");
    assert_eq!(wasm.status, 200);
    assert_eq!(wasm.header("content-type"), Some("application/wasm"));
    assert_eq!(wasm.header("cache-control"), Some("no-cache"));
    assert_eq!(
        get("/assets/app.js").header("content-type"),
        Some("text/javascript")
    );

    // A client-side route gets the app; a missing file does not.
    let route = get("/lab/step/3");
    assert_eq!(route.status, 200);
    assert_eq!(route.body, "<!doctype html><title>app</title>");
    assert_eq!(route.header("content-type"), Some("text/html"));
    assert_eq!(route.header("cache-control"), Some("no-cache"));
    assert_eq!(get("/assets/missing.js").status, 404);

    drop(labsim);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn same_origin_routes_reach_the_api_and_the_collection_signed_for_its_host() {
    let dir = site();
    let dir_arg = dir.to_str().unwrap().to_owned();
    let labsim = Labsim::start(&["--static-dir", &dir_arg, "--static-port", "0"]);
    let base = labsim.static_url();
    let config = send("GET", &format!("{}/_labsim/config", labsim.sts()), &[], "").json();
    assert_eq!(config["routes"]["aoss"], format!("{base}/aoss"));
    assert_eq!(config["routes"]["api"], format!("{base}/api"));
    let creds = Creds::from_json(&config["credentials"]);
    let aoss = config["endpoints"]["aoss"].as_str().unwrap();

    // The API through /api: the workshop's 200 `{}`.
    let json_header = [("content-type".to_owned(), "application/json".to_owned())];
    let reply = send(
        "POST",
        &format!("{base}/api/v1/lab"),
        &json_header,
        r#"{"name": "Ann", "type": "cat"}"#,
    );
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.body, "{}");
    assert!(reply.header("x-amzn-requestid").is_some());

    // The collection through /aoss, signed for the collection's own host:
    // the origin sees that host, so the signature holds.
    let path = "/dynamodb_replicate/_doc/nope";
    let headers = sign_for("GET", &format!("{aoss}{path}"), &[], "", &creds, "aoss");
    let reply = send("GET", &format!("{base}/aoss{path}"), &headers, "");
    assert_eq!(reply.status, 404, "{}", reply.body);
    assert_eq!(reply.json()["error"]["type"], "index_not_found_exception");
    // The route's files are not cached as the app's are.
    assert_eq!(reply.header("cache-control"), None);

    // Signed for the page's host instead, AOSS refuses it as a bad signature.
    let headers = sign_for(
        "GET",
        &format!("{base}/aoss{path}"),
        &[],
        "",
        &creds,
        "aoss",
    );
    let reply = send("GET", &format!("{base}/aoss{path}"), &headers, "");
    assert_eq!(reply.status, 403, "{}", reply.body);

    // The app itself is still served beside the routes.
    assert_eq!(send("GET", &format!("{base}/"), &[], "").status, 200);
    assert_eq!(send("GET", &format!("{base}/aossx"), &[], "").status, 200);

    drop(labsim);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn seed_makes_credentials_reproducible_and_print_config_matches() {
    let run = |seed: &str| -> Value {
        let out = Command::new(env!("CARGO_BIN_EXE_labsim"))
            .args(["--print-config", "--seed", seed, "--region", "eu-west-1"])
            .output()
            .expect("labsim runs");
        assert!(out.status.success());
        serde_json::from_slice(&out.stdout).expect("config JSON")
    };
    let a = run("7");
    assert_eq!(a["region"], "eu-west-1");
    assert_eq!(a["endpoints"]["sts"], "http://127.0.0.1:9101");
    assert_eq!(
        a["credentials"]["AccessKeyId"],
        run("7")["credentials"]["AccessKeyId"]
    );
    assert_ne!(
        a["credentials"]["AccessKeyId"],
        run("8")["credentials"]["AccessKeyId"]
    );

    let labsim = Labsim::start(&["--seed", "7"]);
    assert_eq!(
        labsim.export("AWS_ACCESS_KEY_ID"),
        a["credentials"]["AccessKeyId"]
    );
    assert_eq!(
        labsim.export("AWS_SESSION_TOKEN"),
        a["credentials"]["SessionToken"]
    );
}

#[test]
fn exits_cleanly_on_sigterm() {
    let mut labsim = Labsim::start(&[]);
    let pid = labsim.child.id().to_string();
    let killed = Command::new("kill").args(["-TERM", &pid]).status().unwrap();
    assert!(killed.success());
    let status = wait_with_timeout(&mut labsim.child, Duration::from_secs(10));
    assert_eq!(status.code(), Some(0), "{status:?}");
}

fn wait_with_timeout(child: &mut Child, timeout: Duration) -> std::process::ExitStatus {
    let deadline = std::time::Instant::now() + timeout;
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        assert!(std::time::Instant::now() < deadline, "labsim did not exit");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// `headers` plus SigV4 headers for `service`, signed now; AOSS also gets
/// `x-amz-content-sha256`.
fn sign_for(
    method: &str,
    url: &str,
    headers: &[(&str, &str)],
    body: &str,
    creds: &Creds,
    service: &str,
) -> Vec<(String, String)> {
    let identity = aws_credential_types::Credentials::new(
        &creds.akid,
        &creds.secret,
        Some(creds.token.clone()),
        None,
        "test",
    )
    .into();
    let mut settings = SigningSettings::default();
    if service == "aoss" {
        settings.payload_checksum_kind = PayloadChecksumKind::XAmzSha256;
    }
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region("ap-southeast-1")
        .name(service)
        .time(SystemTime::now())
        .settings(settings)
        .build()
        .unwrap()
        .into();
    let signable = SignableRequest::new(
        method,
        url,
        headers.iter().copied(),
        SignableBody::Bytes(body.as_bytes()),
    )
    .unwrap();
    let (instructions, _) = sign(signable, &params).unwrap().into_parts();
    let mut out: Vec<(String, String)> = headers
        .iter()
        .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
        .collect();
    out.extend(
        instructions
            .into_parts()
            .0
            .iter()
            .map(|h| (h.name().to_owned(), h.value().to_owned())),
    );
    out
}

#[test]
fn post_to_the_api_flows_through_the_stream_lambda_into_the_collection() {
    let labsim = Labsim::start(&[
        "--seed",
        "5",
        "--refresh-lag-ms",
        "300",
        "--lambda",
        "fixed",
    ]);
    let config = send("GET", &format!("{}/_labsim/config", labsim.sts()), &[], "").json();
    let endpoint = |key: &str| config["endpoints"][key].as_str().unwrap().to_owned();
    let creds = Creds::from_json(&config["credentials"]);

    // The workshop's API: no auth, 200 `{}`, the id in x-amzn-RequestId.
    let json_header = [("content-type".to_owned(), "application/json".to_owned())];
    let reply = send(
        "POST",
        &endpoint("api"),
        &json_header,
        r#"{"name": "Ann", "type": "cat"}"#,
    );
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.body, "{}");
    let id = reply.header("x-amzn-requestid").unwrap().to_owned();

    // The item is in the table (DynamoDB signed as `dynamodb`).
    let get = serde_json::json!({"TableName": "lab-table", "Key": {"id": {"S": id}}}).to_string();
    let url = format!("{}/", endpoint("dynamodb"));
    let headers = sign_for(
        "POST",
        &url,
        &[
            ("content-type", "application/x-amz-json-1.0"),
            ("x-amz-target", "DynamoDB_20120810.GetItem"),
        ],
        &get,
        &creds,
        "dynamodb",
    );
    let reply = send("POST", &url, &headers, &get);
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.json()["Item"]["name"]["S"], "Ann");

    // The background ticks run the Lambda; the document becomes searchable.
    let search_url = format!("{}/dynamodb_replicate/_search", endpoint("aoss"));
    let query = r#"{"query": {"match": {"name": "Ann"}}}"#;
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    loop {
        let headers = sign_for(
            "POST",
            &search_url,
            &[("content-type", "application/json")],
            query,
            &creds,
            "aoss",
        );
        let reply = send("POST", &search_url, &headers, query);
        if reply.status == 200 && reply.json()["hits"]["total"]["value"] == 1 {
            let hit = &reply.json()["hits"]["hits"][0];
            assert_eq!(hit["_id"], id.as_str());
            assert_eq!(hit["_source"]["type"], "cat");
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "never searchable: {} {}",
            reply.status,
            reply.body
        );
        std::thread::sleep(Duration::from_millis(100));
    }

    // The function's logs say so (CloudWatch Logs signed as `logs`).
    let filter = serde_json::json!({
        "logGroupName": "/aws/lambda/sync-data-with-dynamodb-stream",
        "filterPattern": "\"Successfully:\"",
    })
    .to_string();
    let url = format!("{}/", endpoint("logs"));
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        let headers = sign_for(
            "POST",
            &url,
            &[
                ("content-type", "application/x-amz-json-1.1"),
                ("x-amz-target", "Logs_20140328.FilterLogEvents"),
            ],
            &filter,
            &creds,
            "logs",
        );
        let reply = send("POST", &url, &headers, &filter);
        assert_eq!(reply.status, 200, "{}", reply.body);
        if let Some(event) = reply.json()["events"].get(0) {
            assert!(event["message"].as_str().unwrap().contains("'name': 'Ann'"));
            break;
        }
        assert!(std::time::Instant::now() < deadline, "no log line");
        // Under FilterLogEvents' 5 calls a second, as a client must poll.
        std::thread::sleep(Duration::from_millis(250));
    }

    // An unsigned call to the collection is refused, without CORS.
    let reply = send(
        "POST",
        &search_url,
        &[("Origin".to_owned(), ORIGIN.to_owned())],
        query,
    );
    assert_eq!(reply.status, 403);
    assert_eq!(reply.header("access-control-allow-origin"), None);
}

#[test]
fn faults_over_http_throttle_once_then_drop_the_connection() {
    let labsim = Labsim::start(&["--seed", "5"]);
    let control = |path: &str| format!("{}/_labsim/{path}", labsim.sts());
    let config = send("GET", &control("config"), &[], "").json();
    let creds = Creds::from_json(&config["credentials"]);
    let url = format!("{}/", config["endpoints"]["dynamodb"].as_str().unwrap());
    let get = r#"{"TableName":"lab-table","Key":{"id":{"S":"x"}}}"#;
    let request = || {
        sign_for(
            "POST",
            &url,
            &[
                ("content-type", "application/x-amz-json-1.0"),
                ("x-amz-target", "DynamoDB_20120810.GetItem"),
            ],
            get,
            &creds,
            "dynamodb",
        )
    };

    let rule = r#"{"service":"dynamodb","operation":"GetItem","times":1,"throttle":true}"#;
    let reply = send("POST", &control("faults"), &[], rule);
    assert_eq!(reply.status, 200, "{}", reply.body);
    let reply = send("POST", &url, &request(), get);
    assert_eq!(reply.status, 400, "{}", reply.body);
    assert_eq!(
        reply.json()["__type"],
        "com.amazon.coral.availability#ThrottlingException"
    );
    let reply = send("POST", &url, &request(), get);
    assert_eq!(reply.status, 200, "{}", reply.body);

    let rule = r#"{"service":"dynamodb","times":1,"drop":true}"#;
    assert_eq!(send("POST", &control("faults"), &[], rule).status, 200);
    let mut req = ureq::http::Request::builder().method("POST").uri(&url);
    for (name, value) in request() {
        req = req.header(name, value);
    }
    let dropped = agent().run(req.body(get.as_bytes().to_vec()).unwrap());
    assert!(
        dropped.is_err(),
        "expected a closed connection: {dropped:?}"
    );
    assert_eq!(send("POST", &url, &request(), get).status, 200);

    // A delay: answered normally, late.
    let rule = r#"{"service":"dynamodb","times":1,"delay_ms":400}"#;
    assert_eq!(send("POST", &control("faults"), &[], rule).status, 200);
    let started = std::time::Instant::now();
    assert_eq!(send("POST", &url, &request(), get).status, 200);
    assert!(started.elapsed() >= Duration::from_millis(400));

    let listed = send("GET", &control("faults"), &[], "").json();
    assert_eq!(listed["faults"][1]["remaining"], 0);
    let events = send("GET", &control("events"), &[], "").json();
    let faults: Vec<&str> = events["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "fault_injected")
        .map(|e| e["fault"].as_str().unwrap())
        .collect();
    assert_eq!(faults, ["throttle", "drop", "delay"]);
    let cleared = send("DELETE", &control("faults"), &[], "").json();
    assert_eq!(cleared, serde_json::json!({"faults": []}));
}

#[test]
fn bodies_are_read_up_to_each_services_limit_and_refused_above_it_in_its_shape() {
    let labsim = Labsim::start(&["--seed", "5"]);
    let config = send("GET", &format!("{}/_labsim/config", labsim.sts()), &[], "").json();
    let endpoint = |key: &str| config["endpoints"][key].as_str().unwrap().to_owned();
    let creds = Creds::from_json(&config["credentials"]);

    // 3 MiB reaches DynamoDB (the HTTP library's 2 MiB limit answered a
    // plain-text 413 before), which refuses the item in its own words.
    let item = serde_json::json!({
        "TableName": "lab-table",
        "Item": {"id": {"S": "big"}, "blob": {"S": "x".repeat(3 << 20)}},
    })
    .to_string();
    let url = format!("{}/", endpoint("dynamodb"));
    let headers = sign_for(
        "POST",
        &url,
        &[
            ("content-type", "application/x-amz-json-1.0"),
            ("x-amz-target", "DynamoDB_20120810.PutItem"),
        ],
        &item,
        &creds,
        "dynamodb",
    );
    let reply = send("POST", &url, &headers, &item);
    assert_eq!(reply.status, 400, "{}", reply.body);
    assert_eq!(
        reply.json()["__type"],
        "com.amazon.coral.validate#ValidationException"
    );
    assert_eq!(
        reply.json()["message"],
        "Item size has exceeded the maximum allowed size"
    );

    // Over 16 MiB, DynamoDB's front door refuses it, in JSON.
    let huge = "x".repeat((16 << 20) + 1);
    let reply = send("POST", &url, &[], &huge);
    assert_eq!(reply.status, 413);
    assert_eq!(
        reply.json(),
        serde_json::json!({
            "__type": "com.amazon.coral.service#RequestEntityTooLargeException",
            "message": "Request entity too large: the limit is 16777216 bytes",
        })
    );
    assert!(reply.header("x-amzn-requestid").is_some());

    // The REST API takes 10 MB, then answers its gateway response.
    let json_header = [("content-type".to_owned(), "application/json".to_owned())];
    let nine = format!(r#"{{"name": "{}", "type": "t"}}"#, "n".repeat(9 << 20));
    let reply = send("POST", &endpoint("api"), &json_header, &nine);
    assert_eq!(reply.status, 200, "the integration answers: {}", reply.body);
    let eleven = "x".repeat(11 << 20);
    let reply = send("POST", &endpoint("api"), &json_header, &eleven);
    assert_eq!(reply.status, 413);
    assert_eq!(reply.body, r#"{"message":"Request Too Long"}"#);

    // Lambda's Invoke: 6 MB.
    let url = format!(
        "{}/2015-03-31/functions/sync-data-with-dynamodb-stream/invocations",
        endpoint("lambda")
    );
    let reply = send("POST", &url, &[], &"x".repeat(6_291_457));
    assert_eq!(reply.status, 413);
    assert_eq!(
        reply.header("x-amzn-errortype"),
        Some("RequestEntityTooLargeException")
    );
    assert_eq!(
        reply.json(),
        serde_json::json!({"Type": "User", "message": "Request must be smaller than 6291456 bytes for the InvokeFunction operation"})
    );

    // STS in its XML.
    let reply = send("POST", &format!("{}/", labsim.sts()), &[], &huge);
    assert_eq!(reply.status, 413);
    assert_eq!(xml_text(&reply.body, "Code"), "RequestEntityTooLarge");
}
