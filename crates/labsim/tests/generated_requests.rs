//! Generated requests to every service port, through the simulator's own
//! entry point (`Simulator::answer`): random methods, paths, headers and
//! bodies (truncated JSON, wrong types, huge numbers, control characters,
//! bad `X-Amz-Target`s, bad signatures, signed garbage), some of them
//! mutations of valid calls so they get past the front door.
//!
//! Each answer must come without a panic and without a 5xx, in the
//! service's own error shape, and within AWS's page caps (GetRecords: 1000
//! records or 1 MB; FilterLogEvents and GetLogEvents: 10,000 events or 1 MB).
//! The run is seeded (the seed is printed, `LABSIM_GEN_SEED` repeats one),
//! takes at least [`MIN_PER_SERVICE`] inputs per service and goes on until
//! [`TIME_BUDGET`] is spent.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::time::{Duration, Instant, UNIX_EPOCH};

use aws_sigv4::http_request::{sign, SignableBody, SignableRequest, SigningSettings};
use aws_sigv4::sign::v4;
use labsim::dynamodb::{AttributeValue, Item, LAB_TABLE};
use labsim::identity::Credentials;
use labsim::message::{Request, Response};
use labsim::rng::SplitMix64;
use labsim::{Service, SimConfig, Simulator};
use serde_json::{json, Value};

const MIN_PER_SERVICE: usize = 3_000;
const TIME_BUDGET: Duration = Duration::from_secs(6);
/// 2024-10-08T19:55:22Z.
const START_MS: i64 = 1_728_417_322_000;
const ONE_MB: usize = 1024 * 1024;

const METHODS: &[&str] = &[
    "POST", "POST", "POST", "GET", "GET", "PUT", "DELETE", "OPTIONS", "HEAD", "PATCH", "FOO",
];
const PATHS: &[&str] = &[
    "/",
    "/",
    "/v1/lab",
    "/v1/lab/",
    "/v1/other",
    "/2015-03-31/functions",
    "/2015-03-31/functions/sync-data-with-dynamodb-stream",
    "/2015-03-31/functions/sync-data-with-dynamodb-stream/configuration",
    "/2015-03-31/functions/sync-data-with-dynamodb-stream/invocations",
    "/2015-03-31/functions/%00%ff/invocations",
    "/2015-03-31/event-source-mappings",
    "/2015-03-31/event-source-mappings/abc",
    "/dynamodb_replicate/_doc",
    "/dynamodb_replicate/_doc/x%2Fy",
    "/dynamodb_replicate/_search",
    "/dynamodb_replicate/_count",
    "/dynamodb_replicate",
    "/_bulk",
    "/_search",
    "/_cat/indices",
    "/%2e%2e/%2e%2e",
    "/a//b/../c",
    // (Not /_labsim/events: the timeline page of this lab's big log lines
    // is megabytes, and the timeline is not an AWS service.)
    "/_labsim/config",
    "/_labsim/nothing",
];
const TARGETS: &[&str] = &[
    "DynamoDB_20120810.PutItem",
    "DynamoDB_20120810.GetItem",
    "DynamoDB_20120810.UpdateItem",
    "DynamoDB_20120810.DeleteItem",
    "DynamoDB_20120810.Query",
    "DynamoDB_20120810.Scan",
    "DynamoDB_20120810.DescribeTable",
    "DynamoDB_20120810.ListTables",
    "DynamoDB_20120810.BatchWriteItem",
    "DynamoDBStreams_20120810.ListStreams",
    "DynamoDBStreams_20120810.DescribeStream",
    "DynamoDBStreams_20120810.GetShardIterator",
    "DynamoDBStreams_20120810.GetRecords",
    "Logs_20140328.FilterLogEvents",
    "Logs_20140328.GetLogEvents",
    "Logs_20140328.DescribeLogStreams",
    "Logs_20140328.DescribeLogGroups",
    "Logs_20140328.PutLogEvents",
    "DynamoDB_20120810.",
    "Bogus.Op",
    "DynamoDB_20120810.PutItem\u{0}",
    "",
];
/// Scalars that are wrong somewhere: huge numbers, wrong types, control
/// characters, the empty string.
const ODD_VALUES: &[&str] = &[
    "1e400",
    "-1e400",
    "99999999999999999999999999999",
    "-9223372036854775809",
    "0",
    "-1",
    "1.5",
    "true",
    "null",
    "[]",
    "{}",
    "\"\"",
    "\"\\u0000\\u001b[31m\\ud800\"",
    "\"\u{202e}x\"",
    "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]",
];

struct Gen {
    rng: SplitMix64,
}

impl Gen {
    fn below(&mut self, n: usize) -> usize {
        (self.rng.next_u64() % n as u64) as usize
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.rng.next_u64() % 100 < percent
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }

    /// Short text with control characters, quotes and non-ASCII.
    fn text(&mut self) -> String {
        const PIECES: &[&str] = &[
            "a", "Z", "9", "-", "_", " ", "'", "\"", "\\", "<", ">", "&", "\u{0}", "\u{1}", "\r",
            "\n", "\t", "\u{7f}", "é", "😀", "\u{202e}", "%", "%00", "+", "=", "/",
        ];
        let len = self.below(12);
        (0..len).map(|_| self.pick(PIECES)).collect()
    }

    fn body(&mut self, valid: &[String]) -> Vec<u8> {
        match self.below(11) {
            // A valid body as it is, or truncated.
            0..=2 => {
                let base = valid[self.below(valid.len())].clone().into_bytes();
                if self.chance(50) {
                    base
                } else {
                    let cut = self.below(base.len() + 1);
                    base[..cut].to_vec()
                }
            }
            // A valid body with one value swapped for an odd one.
            3..=5 => {
                let base = valid[self.below(valid.len())].clone();
                let value: Value = serde_json::from_str(&base).unwrap_or(Value::Null);
                let odd = self.pick(ODD_VALUES);
                mutate(value, odd, &mut self.rng).into_bytes()
            }
            6 => self.pick(ODD_VALUES).as_bytes().to_vec(),
            7 => {
                let len = self.below(64);
                (0..len).map(|_| self.rng.next_u64() as u8).collect()
            }
            8 => format!(
                "Action={}&Version=2011-06-15&RoleArn={}&RoleSessionName={}&DurationSeconds={}",
                self.pick(&[
                    "GetCallerIdentity",
                    "AssumeRole",
                    "GetSessionToken",
                    "",
                    "Nope\u{1}"
                ]),
                self.text(),
                self.text(),
                self.pick(ODD_VALUES),
            )
            .into_bytes(),
            9 => format!(
                "Action={}&Version=2010-05-08&RoleName={}&PolicyName={}&MaxItems={}&Marker={}&PathPrefix={}",
                self.pick(&[
                    "GetRole",
                    "ListRolePolicies",
                    "GetRolePolicy",
                    "ListAttachedRolePolicies",
                    "Nope\u{1}",
                ]),
                self.pick(&["lambda-lab-role", "other", ""]),
                self.text(),
                self.pick(ODD_VALUES),
                self.text(),
                self.text(),
            )
            .into_bytes(),
            _ => Vec::new(),
        }
    }
}

/// `value` with one member (found by a random walk) replaced by `odd`, as
/// JSON text (`odd` pasted in raw, so it may be invalid JSON itself).
fn mutate(value: Value, odd: &str, rng: &mut SplitMix64) -> String {
    const MARK: &str = "\"__labsim_odd__\"";
    fn walk(value: &mut Value, rng: &mut SplitMix64) -> bool {
        let children: Vec<&mut Value> = match value {
            Value::Object(map) => map.values_mut().collect(),
            Value::Array(items) => items.iter_mut().collect(),
            _ => Vec::new(),
        };
        let n = children.len();
        if n == 0 || rng.next_u64().is_multiple_of(4) {
            *value = Value::String("__labsim_odd__".into());
            return true;
        }
        let pick = (rng.next_u64() % n as u64) as usize;
        children
            .into_iter()
            .nth(pick)
            .is_some_and(|child| walk(child, rng))
    }
    let mut value = value;
    walk(&mut value, rng);
    value.to_string().replacen(MARK, odd, 1)
}

/// Signs `req` for `service` as `credentials` at `now_ms`, as an SDK
/// would; `None` when the request is too broken to sign.
fn signed(req: &Request, credentials: &Credentials, service: &str, now_ms: i64) -> Option<Request> {
    // IAM signs for us-east-1 whatever the lab's region.
    let region = if service == Service::Iam.signing_name() {
        Service::Iam.signing_region("ap-southeast-1")
    } else {
        "ap-southeast-1"
    };
    let identity = aws_credential_types::Credentials::new(
        &credentials.access_key_id,
        &credentials.secret_access_key,
        Some(credentials.session_token.clone()),
        None,
        "generated",
    )
    .into();
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region(region)
        .name(service)
        .time(UNIX_EPOCH + Duration::from_millis(now_ms as u64))
        .settings(SigningSettings::default())
        .build()
        .ok()?
        .into();
    let mut url = format!("http://127.0.0.1:9100{}", req.path);
    if !req.query.is_empty() {
        url = format!("{url}?{}", req.query);
    }
    let headers = req
        .headers
        .iter()
        .filter(|(n, _)| !n.eq_ignore_ascii_case("host"))
        .map(|(n, v)| (n.as_str(), v.as_str()));
    let signable =
        SignableRequest::new(&req.method, url, headers, SignableBody::Bytes(&req.body)).ok()?;
    let (instructions, _) = sign(signable, &params).ok()?.into_parts();
    let mut out = req.clone();
    for header in instructions.into_parts().0 {
        out.headers
            .push((header.name().to_owned(), header.value().to_owned()));
    }
    Some(out)
}

/// Valid bodies for a lab with data in it: every one (to start mutations
/// from), and the page reads.
struct Valid {
    all: Vec<String>,
    get_records: String,
    filter_log_events: String,
    get_log_events: String,
}

fn valid_bodies(sim: &mut Simulator, now_ms: i64) -> Valid {
    let arn = sim
        .dynamodb()
        .latest_stream_arn(LAB_TABLE)
        .expect("a stream");
    let shard = sim.dynamodb().open_shard_id(LAB_TABLE).expect("a shard");
    let stream = sim
        .lambda()
        .logs()
        .groups()
        .first()
        .and_then(|g| g.streams.first())
        .map(|s| s.name.clone())
        .unwrap_or_default();
    let filter_log_events = json!({"logGroupName": "/aws/lambda/sync-data-with-dynamodb-stream"});
    let get_log_events = json!({"logGroupName": "/aws/lambda/sync-data-with-dynamodb-stream", "logStreamName": stream, "startFromHead": true});
    let mut bodies = vec![
        filter_log_events.clone(),
        get_log_events.clone(),
        json!({"TableName": LAB_TABLE, "Item": {"id": {"S": "g1"}, "name": {"S": "n"}}}),
        json!({"TableName": LAB_TABLE, "Key": {"id": {"S": "g1"}}}),
        json!({"TableName": LAB_TABLE, "Key": {"id": {"S": "g1"}}, "UpdateExpression": "SET #n = :v",
               "ExpressionAttributeNames": {"#n": "name"}, "ExpressionAttributeValues": {":v": {"S": "x"}}}),
        json!({"TableName": LAB_TABLE, "Limit": 5}),
        json!({"TableName": LAB_TABLE}),
        json!({"StreamArn": arn}),
        json!({"StreamArn": arn, "ShardId": shard, "ShardIteratorType": "TRIM_HORIZON"}),
        json!({"logGroupName": "/aws/lambda/sync-data-with-dynamodb-stream", "filterPattern": "\"Successfully\"", "limit": 3}),
        json!({"name": "Ada", "type": "learner"}),
        json!({"query": {"match_all": {}}, "size": 5}),
        json!({"id": "d1", "name": "n"}),
    ];
    // A real iterator, so GetRecords gets past validation and pages.
    let iterator = sim.dynamodb_mut().handle(
        "DynamoDBStreams_20120810.GetShardIterator",
        json!({"StreamArn": arn, "ShardId": shard, "ShardIteratorType": "TRIM_HORIZON"})
            .to_string()
            .as_bytes(),
        now_ms,
    );
    let iterator: Value = serde_json::from_slice(&iterator.body).expect("an iterator");
    let get_records = json!({"ShardIterator": iterator["ShardIterator"]});
    bodies.push(get_records.clone());
    bodies.push(json!({"ShardIterator": iterator["ShardIterator"], "Limit": 1000}));
    Valid {
        all: bodies.iter().map(Value::to_string).collect(),
        get_records: get_records.to_string(),
        filter_log_events: filter_log_events.to_string(),
        get_log_events: get_log_events.to_string(),
    }
}

/// Fills the lab: big items (so a stream read passes 1 MB) and the
/// Lambda's logs of them (so do log pages).
fn lab_with_data() -> (Simulator, i64) {
    let mut sim = Simulator::new(SimConfig::new(42), START_MS);
    // Logs loosened only in their rate, so the generated calls reach the
    // paging code; the page caps stay AWS's.
    let loosen = Request::new("POST", "/_labsim/limits").with_body(
        r#"{"logs": {"filter_log_events_per_second": null, "get_log_events_per_second": null}}"#,
    );
    assert_eq!(sim.handle(Service::Sts, &loosen, START_MS).status, 200);
    let mut now = START_MS;
    for i in 0..24 {
        let item: Item = [
            ("id".to_owned(), AttributeValue::s(format!("big-{i}"))),
            ("name".to_owned(), AttributeValue::s("n".repeat(300_000))),
        ]
        .into();
        sim.dynamodb_mut().put_item(LAB_TABLE, item, now).unwrap();
        now += 300;
        sim.tick(now);
    }
    for _ in 0..100 {
        now += 50;
        sim.tick(now);
    }
    (sim, now + 5_000)
}

/// `req` for a failure message, without the session token.
fn shown(req: &Request) -> String {
    let headers: Vec<(&str, &str)> = req
        .headers
        .iter()
        .map(|(n, v)| {
            let secret = n.eq_ignore_ascii_case("x-amz-security-token");
            (n.as_str(), if secret { "<token>" } else { v.as_str() })
        })
        .collect();
    format!(
        "{} {} ?{:?} {headers:?} body {:?}",
        req.method,
        req.path,
        req.query,
        String::from_utf8_lossy(&req.body[..req.body.len().min(2000)])
    )
}

/// Whether `res` is an answer `service` could give, in its own shape; the
/// reason if not.
fn check_shape(service: Service, req: &Request, res: &Response) -> Result<(), String> {
    if res.status >= 500 {
        return Err(format!("a {} answer", res.status));
    }
    if req.path.starts_with("/_labsim/") {
        return Ok(());
    }
    let json = || serde_json::from_slice::<Value>(&res.body).ok();
    let text = |v: &Value, k: &str| v.get(k).is_some_and(Value::is_string);
    match service {
        // The query-protocol services answer in XML.
        Service::Sts | Service::Iam => {
            if res.body.is_empty() && res.status < 300 {
                return Ok(()); // a preflight
            }
            let body = String::from_utf8(res.body.clone()).map_err(|e| e.to_string())?;
            let doc = roxmltree::Document::parse(&body).map_err(|e| format!("XML: {e}"))?;
            if res.status >= 400 {
                let root = doc.root_element();
                let has = |tag: &str| root.descendants().any(|n| n.has_tag_name(tag));
                if !root.has_tag_name("ErrorResponse") || !has("Code") || !has("Message") {
                    return Err("not an ErrorResponse".into());
                }
            }
        }
        Service::DynamoDb | Service::Streams | Service::Logs if res.status >= 400 => {
            let v = json().ok_or("error body is not JSON")?;
            if !text(&v, "__type") {
                return Err("no __type".into());
            }
            if v.get("message").is_some() && !text(&v, "message") {
                return Err("message is not a string".into());
            }
        }
        Service::Lambda if res.status >= 400 => {
            let v = json().ok_or("error body is not JSON")?;
            // UnknownOperationException's body is `{"message": null}`.
            if !(text(&v, "Message")
                || v.get("message")
                    .is_some_and(|m| m.is_string() || m.is_null()))
            {
                return Err("no Message/message".into());
            }
            if res.header("x-amzn-ErrorType").is_none() {
                return Err("no x-amzn-ErrorType".into());
            }
        }
        Service::ApiGateway if res.status >= 400 => {
            let v = json().ok_or("error body is not JSON")?;
            if !(text(&v, "message") || text(&v, "Message")) {
                return Err("no message".into());
            }
        }
        Service::Aoss if res.status >= 400 && !res.body.is_empty() => {
            json().ok_or("error body is not JSON")?;
        }
        _ => {}
    }
    Ok(())
}

/// AWS's page caps on a successful read.
fn check_caps(service: Service, req: &Request, res: &Response) -> Result<(), String> {
    let control = req.path.starts_with("/_labsim/");
    if res.status != 200 || control || !matches!(service, Service::Streams | Service::Logs) {
        return Ok(());
    }
    let target = req.header("x-amz-target").unwrap_or_default();
    let Ok(v) = serde_json::from_slice::<Value>(&res.body) else {
        return Ok(());
    };
    if target == "DynamoDBStreams_20120810.GetRecords" {
        let records = v["Records"].as_array().ok_or("no Records")?;
        if records.len() > 1000 {
            return Err(format!("{} records", records.len()));
        }
        let bytes: usize = records.iter().map(|r| r.to_string().len()).sum();
        if records.len() > 1 && bytes > ONE_MB {
            return Err(format!("{bytes} bytes of records"));
        }
    }
    if target == "Logs_20140328.FilterLogEvents" || target == "Logs_20140328.GetLogEvents" {
        let events = v["events"].as_array().ok_or("no events")?;
        if events.len() > 10_000 {
            return Err(format!("{} events", events.len()));
        }
        let bytes: usize = events
            .iter()
            .map(|e| e["message"].as_str().map_or(0, str::len) + 26)
            .sum();
        if events.len() > 1 && bytes > ONE_MB {
            return Err(format!("{bytes} bytes of events"));
        }
    }
    Ok(())
}

/// Its own harness (`harness = false`), so that `cargo test` shows how many
/// requests a run tried; a failure panics, and the run exits non-zero.
fn main() {
    generated_requests_get_answers_in_each_services_shape_within_aws_caps();
}

fn generated_requests_get_answers_in_each_services_shape_within_aws_caps() {
    let seed = std::env::var("LABSIM_GEN_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(1, |d| d.as_nanos() as u64)
        });
    let (mut sim, mut now) = lab_with_data();
    let valid = valid_bodies(&mut sim, now);
    let credentials = sim.identity().demo_credentials().clone();
    let mut gen = Gen {
        rng: SplitMix64::new(seed),
    };
    let started = Instant::now();
    let mut tried = [0usize; Service::ALL.len()];
    let mut pages_checked = 0usize;
    loop {
        let least = tried.iter().copied().min().unwrap_or(0);
        if least >= MIN_PER_SERVICE && started.elapsed() >= TIME_BUDGET {
            break;
        }
        let index = gen.below(Service::ALL.len());
        let service = Service::ALL[index];
        let mut req = Request::new(gen.pick(METHODS), gen.pick(PATHS));
        if gen.chance(20) {
            req.path = format!("/{}", gen.text());
        }
        if gen.chance(15) {
            req.query = format!("{}={}", gen.text(), gen.text());
        }
        req.headers.push(("host".into(), "127.0.0.1:9100".into()));
        if gen.chance(70) {
            let target = if gen.chance(15) {
                gen.text()
            } else {
                gen.pick(TARGETS).to_owned()
            };
            req.headers.push(("x-amz-target".into(), target));
        }
        if gen.chance(60) {
            let content_type = gen.pick(&[
                "application/x-amz-json-1.0",
                "application/x-amz-json-1.1",
                "application/json",
                "application/x-www-form-urlencoded; charset=utf-8",
                "text/plain\u{1}",
            ]);
            req.headers
                .push(("content-type".into(), content_type.into()));
        }
        if gen.chance(20) {
            req.headers
                .push(("origin".into(), "http://localhost:8080".into()));
            req.headers
                .push(("access-control-request-method".into(), "POST".into()));
        }
        req.body = gen.body(&valid.all);
        let signing_name = match service {
            Service::Streams => "dynamodb",
            other => other.signing_name(),
        };
        if gen.chance(1) {
            // A page read as a client makes it, so the caps are checked
            // on full pages too.
            let (target, body) = match service {
                Service::Streams => ("DynamoDBStreams_20120810.GetRecords", &valid.get_records),
                Service::Logs if gen.chance(50) => {
                    ("Logs_20140328.FilterLogEvents", &valid.filter_log_events)
                }
                Service::Logs => ("Logs_20140328.GetLogEvents", &valid.get_log_events),
                _ => ("", &valid.all[0]),
            };
            req = Request::new("POST", "/").with_header("host", "127.0.0.1:9100");
            req.headers.push(("x-amz-target".into(), target.into()));
            req.body = body.clone().into_bytes();
        }
        let mut req = match gen.below(10) {
            // Signed as an SDK would sign it.
            0..=5 => signed(&req, &credentials, signing_name, now).unwrap_or(req),
            // Signed, then changed.
            6 => match signed(&req, &credentials, signing_name, now) {
                Some(mut s) => {
                    if let Some(auth) = s
                        .headers
                        .iter_mut()
                        .find(|(n, _)| n.eq_ignore_ascii_case("authorization"))
                    {
                        auth.1.pop();
                        auth.1.push('0');
                    }
                    s
                }
                None => req,
            },
            7 => {
                let garbage = gen.text();
                req.headers.push((
                    "authorization".into(),
                    format!("AWS4-HMAC-SHA256 {garbage}"),
                ));
                req.headers.push(("x-amz-date".into(), gen.text()));
                req
            }
            _ => req,
        };
        if gen.chance(3) {
            // Signed for the wrong service or with an old clock.
            req = signed(&req, &credentials, "s3", now - 3_600_000).unwrap_or(req);
        }
        let answered = catch_unwind(AssertUnwindSafe(|| sim.answer(service, &req, now)));
        let answer = match answered {
            Ok(answer) => answer,
            Err(_) => panic!("seed {seed}: panicked on {service:?} {}", shown(&req)),
        };
        assert!(!answer.drop, "seed {seed}: no fault was injected");
        let res = answer.response;
        if let Err(why) =
            check_shape(service, &req, &res).and_then(|()| check_caps(service, &req, &res))
        {
            panic!(
                "seed {seed}: {why}: {service:?} -> {} {}\n{}",
                res.status,
                if req.path.starts_with("/_labsim/") {
                    "(a control answer, which holds credentials)".into()
                } else {
                    String::from_utf8_lossy(&res.body[..res.body.len().min(2000)])
                },
                shown(&req)
            );
        }
        let reads_pages = !req.path.starts_with("/_labsim/")
            && req.header("x-amz-target").is_some_and(|t| {
                t == "DynamoDBStreams_20120810.GetRecords" && service == Service::Streams
                    || t.ends_with("LogEvents") && service == Service::Logs
            });
        if res.status == 200 && reads_pages {
            pages_checked += 1;
        }
        tried[index] += 1;
        now += 7;
        if tried.iter().sum::<usize>() % 200 == 0 {
            sim.tick(now);
        }
    }
    let total: usize = tried.iter().sum();
    println!(
        "generated requests: {total} in {:.1} s (seed {seed}); per service {:?}; {pages_checked} pages checked against AWS's caps",
        started.elapsed().as_secs_f64(),
        Service::ALL
            .iter()
            .zip(tried)
            .map(|(s, n)| format!("{}={n}", s.key()))
            .collect::<Vec<_>>()
    );
    assert!(tried.iter().all(|&n| n >= MIN_PER_SERVICE));
}
