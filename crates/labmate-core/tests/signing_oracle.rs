//! Generated signed requests checked against what a browser would send and
//! an independent SigV4 implementation.
//!
//! Each request is random: method (any case, non-standard, forbidden), host
//! (any case, ports, IP forms), path (spaces, non-ASCII, `%2e%2e`, `.`/`..`,
//! reserved characters, `\`), query (`+`, `=`, `&`, repeated names, empty
//! values, stray `%`, non-ASCII), fragment, headers with untidy spaces, for
//! each of the lab's services and for S3's literal-path rules. For each:
//!
//! - the browser is modelled by the `url` crate (the WHATWG URL Standard that
//!   fetch() follows): labmate's URL must be one the browser sends unchanged,
//!   and mean what the typed URL meant (same host, port and path as the
//!   browser would have sent for it, same decoded query);
//! - the canonical request is computed here from what the browser sends,
//!   following the SigV4 documentation (not aws-sigv4, not labmate), and must
//!   equal labmate's; the signature is computed here too and must equal the
//!   one in the Authorization header;
//! - signed without its explanation (as a poller's request is), it is the
//!   same request with the same signature, and the explanation built on
//!   demand afterwards is the one given while signing;
//! - a refusal must have a reason the input shows (a `%2e` segment, a URL the
//!   browser would rewrite or refuse, a method fetch() refuses).
//!
//! Its own harness (`harness = false`) so `cargo test` prints the count;
//! `LABMATE_FUZZ_SEED=<seed>` repeats a run, `LABMATE_FUZZ_REQUESTS` sets the
//! number of requests (2,000 by default).

use std::collections::BTreeMap;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::time::Instant;

mod common;
use common::Rng;

use hmac::{Hmac, KeyInit, Mac};
use labmate_core::credentials::Credentials;
use labmate_core::signing::{
    explain_later, sign, sign_with, Explain, HttpRequest, SignedRequest, SigningContext,
    SigningError, SigningRules,
};
use labmate_core::Service;
use sha2::{Digest, Sha256};
use url::Url;

/// `s` with each ASCII letter in a random case.
fn random_case(rng: &mut Rng, s: &str) -> String {
    s.chars()
        .map(|c| {
            if rng.chance(50) {
                c.to_ascii_uppercase()
            } else {
                c
            }
        })
        .collect()
}

// ---------------------------------------------------------------------------
// Generating requests
// ---------------------------------------------------------------------------

const METHODS: &[&str] = &[
    "GET", "get", "Get", "POST", "post", "PUT", "put", "DELETE", "delete", "PATCH", "patch",
    "HEAD", "head", "OPTIONS", "options", "PURGE", "TRACE", "connect", "G ET",
];
const HOSTS: &[&str] = &[
    "abc123.execute-api.ap-southeast-1.amazonaws.com",
    "abc.ap-southeast-1.aoss.amazonaws.com",
    "sts.us-east-1.amazonaws.com",
    "dynamodb.eu-west-1.amazonaws.com",
    "localhost",
    "127.0.0.1",
    "lab_sim.local",
];
/// Hosts a browser rewrites beyond lower-casing, or refuses.
const ODD_HOSTS: &[&str] = &[
    "bücher.example",
    "0x7f.1",
    "127.1",
    "[::1]",
    "user:pw@h.example",
    "h.example.",
    "h%41.example",
    "h^.example",
];
const PATH_PIECES: &[&str] = &[
    "a", "idx", "_doc", "v1", "lab", "my index", "é", "ሴ", "😀", "%2e%2e", "%2E", "%2e", ".", "..",
    ".%2e", "%2E.", "%20", "%2F", "%2f", "%zz", "%", "+", "=", "&", "@", ":", "!", "$", "'", "(",
    ")", "*", ",", ";", "[", "]", "|", "^", "~", "\\", "\"", "<", ">", "{", "}", "`", "", "a b",
    "x%41y", "\u{7f}", "\u{1}",
];
const QUERY_PIECES: &[&str] = &[
    "a",
    "q",
    "Action",
    "x y",
    "a+b",
    "+",
    "%2B",
    "%2b",
    "%20",
    "=",
    "é",
    "ሴ",
    "'",
    "\"",
    "<",
    ">",
    "%zz",
    "%",
    "%e2%82%ac",
    "~",
    "*",
    "!",
    "(",
    ")",
    "/",
    "?",
    ":",
    "@",
    "$",
    ",",
    ";",
    "[",
    "]",
    "{",
    "}",
    "|",
    "^",
    "`",
    "\\",
    "",
    "1",
    "title:foo",
    "\u{1}",
];

struct Generated {
    request: HttpRequest,
    rules: SigningRules,
    signing_name: String,
}

fn pieces(rng: &mut Rng, from: &[&str], max: usize) -> String {
    (0..1 + rng.below(max)).map(|_| *rng.pick(from)).collect()
}

fn generate(rng: &mut Rng) -> Generated {
    let method = rng.pick(METHODS).to_string();
    let scheme = rng
        .pick(&["https", "https", "https", "http", "HTTPS", "Https"])
        .to_string();
    let host = if rng.chance(5) {
        rng.pick(ODD_HOSTS).to_string()
    } else if rng.chance(30) {
        let labels = 1 + rng.below(3);
        let mut h: Vec<String> = (0..labels)
            .map(|_| {
                let len = 1 + rng.below(8);
                (0..len)
                    .map(|_| *rng.pick(b"abcdefghijklmnopqrstuvwxyz0123456789-") as char)
                    .collect()
            })
            .collect();
        h.push("example".into());
        h.join(".")
    } else {
        rng.pick(HOSTS).to_string()
    };
    let host = random_case(rng, &host);
    let port = match rng.below(10) {
        0 => ":443".to_owned(),
        1 => ":80".to_owned(),
        2 => format!(":{}", 1024 + rng.below(64_000)),
        3 => ":04566".to_owned(),
        4 if rng.chance(10) => ":99999".to_owned(),
        _ => String::new(),
    };
    let mut url = format!("{scheme}://{host}{port}");
    if rng.chance(90) {
        for _ in 0..rng.below(6) {
            url.push(if rng.chance(10) { '\\' } else { '/' });
            url.push_str(&pieces(rng, PATH_PIECES, 3));
        }
        if rng.chance(20) {
            url.push('/');
        }
    }
    if rng.chance(60) {
        url.push('?');
        let pairs = rng.below(6);
        let mut names: Vec<String> = Vec::new();
        for i in 0..pairs {
            if i > 0 {
                url.push('&');
            }
            let name = if !names.is_empty() && rng.chance(20) {
                rng.pick(&names).clone()
            } else {
                pieces(rng, QUERY_PIECES, 2)
            };
            names.push(name.clone());
            match rng.below(6) {
                0 => url.push_str(&name),
                1 => url.push_str(&format!("{name}=")),
                _ => url.push_str(&format!("{name}={}", pieces(rng, QUERY_PIECES, 4))),
            }
        }
        if rng.chance(3) {
            url.push_str("&bad=%FF");
        }
    }
    if rng.chance(10) {
        let fragment = *rng.pick(&["#frag", "#a?b=c", "#"]);
        url.push_str(fragment);
    }
    if rng.chance(2) {
        let at = rng.below(url.len());
        if url.is_char_boundary(at) {
            url.insert(at, *rng.pick(&['\t', '\n']));
        }
    }
    let mut request = HttpRequest::new(&method, &url);
    let upper = method.to_ascii_uppercase();
    let body_allowed = upper != "GET" && upper != "HEAD";
    if (body_allowed && rng.chance(60)) || rng.chance(3) {
        request = request.body(pieces(
            rng,
            &["{", "}", "\"a\"", ":", "1", "é", " ", "x"],
            10,
        ));
    }
    if rng.chance(50) {
        let name = random_case(rng, "content-type");
        let value = rng.pick(&[
            "application/json",
            "  application/x-amz-json-1.0 ",
            "text/plain;  charset=utf-8",
        ]);
        request = request.header(&name, value);
    }
    if rng.chance(20) {
        request = request.header("X-Amz-Target", "DynamoDB_20120810.PutItem");
    }
    if rng.chance(20) {
        request = request.header("x-lab-note", "  two   spaces\tand a tab  ");
    }
    let (rules, signing_name) = if rng.chance(10) {
        // S3's rules: paths taken literally and encoded once.
        let rules = SigningRules {
            payload_hash_header: true,
            normalize_path: false,
            double_encode_path: false,
            ..SigningRules::default()
        };
        (rules, "s3".to_owned())
    } else {
        let service = *rng.pick(&Service::ALL);
        (
            SigningRules::for_service(service),
            service.signing_name().to_owned(),
        )
    };
    Generated {
        request,
        rules,
        signing_name,
    }
}

// ---------------------------------------------------------------------------
// The browser, as the WHATWG URL Standard and the Fetch Standard have it
// ---------------------------------------------------------------------------

/// The method fetch() sends: the six standard names upper-cased.
fn fetch_method(method: &str) -> Option<String> {
    let token = !method.is_empty()
        && method
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b));
    let upper = method.to_ascii_uppercase();
    if !token || ["CONNECT", "TRACE", "TRACK"].contains(&upper.as_str()) {
        return None;
    }
    Some(
        if ["DELETE", "GET", "HEAD", "OPTIONS", "POST", "PUT"].contains(&upper.as_str()) {
            upper
        } else {
            method.to_owned()
        },
    )
}

/// The Host header the browser sends for `url`.
fn host_header(url: &Url) -> String {
    let host = url.host_str().unwrap_or_default();
    match url.port() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_owned(),
    }
}

/// RFC 3986 percent-decoding: `+` is a plus sign, a `%` without two hex
/// digits is itself.
fn percent_decode(text: &str) -> Vec<u8> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let hex = |c: u8| (c as char).to_digit(16);
            if let (Some(h), Some(l)) = (
                b.get(i + 1).copied().and_then(hex),
                b.get(i + 2).copied().and_then(hex),
            ) {
                out.push((h * 16 + l) as u8);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    out
}

/// A query's name/value pairs as a server decodes them (empty pairs dropped).
fn query_pairs(query: Option<&str>) -> Vec<(Vec<u8>, Vec<u8>)> {
    query
        .unwrap_or_default()
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (percent_decode(k), percent_decode(v))
        })
        .collect()
}

// ---------------------------------------------------------------------------
// SigV4, from the documentation
// ---------------------------------------------------------------------------

/// "URI-encode every byte except the unreserved characters A-Z, a-z, 0-9,
/// '-', '.', '_', and '~'", with `/` kept in paths; hex in capitals.
fn uri_encode(bytes: &[u8], keep_slash: bool) -> String {
    let mut out = String::new();
    for &b in bytes {
        let unreserved = b.is_ascii_alphanumeric() || b"-._~".contains(&b);
        if unreserved || (keep_slash && b == b'/') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// "Normalize URI paths according to RFC 3986. Remove redundant and relative
/// path components" (AWS's suite: `//example//` becomes `/example/`).
fn normalize_path(path: &str) -> String {
    let mut kept: Vec<&str> = Vec::new();
    for segment in path.split('/') {
        match segment {
            "" | "." => {}
            ".." => {
                kept.pop();
            }
            other => kept.push(other),
        }
    }
    let mut out = format!("/{}", kept.join("/"));
    let ends_in_directory = ["/", "/.", "/.."].iter().any(|end| path.ends_with(end));
    if ends_in_directory && !out.ends_with('/') {
        out.push('/');
    }
    out
}

/// The canonical URI: every service but S3 normalises the path and encodes
/// the path as received once more; S3 encodes the decoded path once.
fn canonical_uri(path: &str, rules: &SigningRules) -> String {
    let path = if rules.normalize_path {
        normalize_path(path)
    } else {
        path.to_owned()
    };
    if rules.double_encode_path {
        uri_encode(path.as_bytes(), true)
    } else {
        uri_encode(&percent_decode(&path), true)
    }
}

/// Names and values decoded, encoded, sorted by name then value.
fn canonical_query(query: Option<&str>) -> String {
    let mut pairs: Vec<(String, String)> = query_pairs(query)
        .iter()
        .map(|(k, v)| (uri_encode(k, false), uri_encode(v, false)))
        .collect();
    pairs.sort();
    pairs
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&")
}

/// "Trimall": white space before and after the value removed, sequential
/// spaces made one space (the documentation names spaces only).
fn trim_all(value: &str) -> String {
    let mut out = String::new();
    for c in value.trim_matches([' ', '\t']).chars() {
        if !(c == ' ' && out.ends_with(' ')) {
            out.push(c);
        }
    }
    out
}

fn hmac(key: &[u8], data: &[u8]) -> Vec<u8> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("any key length");
    mac.update(data);
    mac.finalize().into_bytes().to_vec()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The parts of the Authorization header.
struct Authorization {
    scope: String,
    signed_headers: Vec<String>,
    signature: String,
}

fn authorization(value: &str) -> Option<Authorization> {
    let rest = value.strip_prefix("AWS4-HMAC-SHA256 ")?;
    let mut parts = BTreeMap::new();
    for part in rest.split(", ") {
        let (k, v) = part.split_once('=')?;
        parts.insert(k, v);
    }
    let credential = parts.get("Credential")?;
    Some(Authorization {
        scope: credential.split_once('/')?.1.to_owned(),
        signed_headers: parts
            .get("SignedHeaders")?
            .split(';')
            .map(str::to_owned)
            .collect(),
        signature: parts.get("Signature")?.to_string(),
    })
}

/// The canonical request and signature AWS computes for what the browser
/// sends: `method`, `url`, the page's headers (fetch trims their values) and
/// the Host header, `body`.
fn aws_side(
    signed: &SignedRequest,
    sent: &Url,
    method: &str,
    rules: &SigningRules,
    secret: &str,
) -> Result<(String, String, String), String> {
    let auth = signed
        .header("authorization")
        .and_then(authorization)
        .ok_or("no Authorization header")?;
    let mut headers: Vec<String> = Vec::new();
    for name in &auth.signed_headers {
        let value = if name == "host" {
            host_header(sent)
        } else {
            let values: Vec<String> = signed
                .headers
                .iter()
                .filter(|(n, _)| n.eq_ignore_ascii_case(name))
                .map(|(_, v)| trim_all(v.trim_matches([' ', '\t'])))
                .collect();
            if values.is_empty() {
                return Err(format!("signed header {name} is not sent"));
            }
            values.join(",")
        };
        headers.push(format!("{name}:{}\n", trim_all(&value)));
    }
    let canonical = format!(
        "{method}\n{}\n{}\n{}\n{}\n{}",
        canonical_uri(sent.path(), rules),
        canonical_query(sent.query()),
        headers.concat(),
        auth.signed_headers.join(";"),
        hex(&Sha256::digest(signed.body.as_bytes())),
    );
    let amz_date = signed.header("x-amz-date").ok_or("no x-amz-date")?;
    let string_to_sign = format!(
        "AWS4-HMAC-SHA256\n{amz_date}\n{}\n{}",
        auth.scope,
        hex(&Sha256::digest(canonical.as_bytes()))
    );
    let scope: Vec<&str> = auth.scope.split('/').collect();
    let mut key = format!("AWS4{secret}").into_bytes();
    for part in &scope {
        key = hmac(&key, part.as_bytes());
    }
    let signature = hex(&hmac(&key, string_to_sign.as_bytes()));
    Ok((canonical, signature, auth.signature))
}

// ---------------------------------------------------------------------------
// The check
// ---------------------------------------------------------------------------

/// The raw path segments of a typed URL, as written.
fn raw_segments(url: &str) -> Vec<String> {
    // The URL Standard drops leading and trailing C0 controls and spaces.
    let url = url.trim_matches(|c: char| c <= ' ');
    let after_scheme = url.split_once("://").map_or(url, |(_, r)| r);
    let path_start = after_scheme.find(['/', '\\']).unwrap_or(after_scheme.len());
    let path = &after_scheme[path_start..];
    let path = path.split(['?', '#']).next().unwrap_or_default();
    path.split(['/', '\\'])
        .skip(1)
        .map(|s| s.to_ascii_lowercase())
        .collect()
}

/// The `url` crate (2.5.8) keeps a segment such as `a:` that a later `..`
/// should remove, also for http(s), where the URL Standard keeps Windows
/// drive letters only for `file:` URLs (browsers remove it). Such URLs are
/// skipped: there the model is wrong, not labmate.
fn drive_letter_quirk(url: &str) -> bool {
    let segments = raw_segments(url);
    segments.iter().enumerate().any(|(i, s)| {
        let b = s.as_bytes();
        b.len() == 2
            && b[0].is_ascii_alphabetic()
            && matches!(b[1], b':' | b'|')
            && segments[i + 1..].iter().any(|later| is_dot_segment(later))
    })
}

fn is_dot_segment(segment: &str) -> bool {
    [".", "%2e", "..", ".%2e", "%2e.", "%2e%2e"].contains(&segment)
}

/// Whether the input explains labmate's refusal.
fn refusal_explained(
    g: &Generated,
    typed: &Result<Url, url::ParseError>,
    e: &SigningError,
) -> bool {
    let url = &g.request.url;
    let Ok(typed) = typed else {
        // The browser could not send it either.
        return true;
    };
    match e {
        SigningError::DotSegment { literal_path, .. } => {
            let literal = *literal_path && !g.rules.normalize_path;
            // A service that decodes the path (S3's rules) would find dot
            // segments in `%2E.%2F%2E` too.
            let decoded_dots = !g.rules.double_encode_path
                && percent_decode(typed.path())
                    .split(|b| *b == b'/')
                    .any(|s| s == b"." || s == b"..");
            raw_segments(url)
                .iter()
                .any(|s| is_dot_segment(s) && (s.contains('%') || literal))
                || (literal && decoded_dots)
        }
        SigningError::BadMethod { .. } => {
            let method = fetch_method(&g.request.method);
            method.is_none()
                || (!g.request.body.is_empty()
                    && matches!(method.as_deref(), Some("GET") | Some("HEAD")))
        }
        SigningError::BadUrl { .. } | SigningError::UnsignableUrl { .. } => {
            let authority = url
                .split_once("://")
                .map_or("", |(_, r)| r)
                .split(['/', '\\', '?', '#'])
                .next()
                .unwrap_or_default();
            let raw_host = authority.rsplit_once(':').map_or(authority, |(h, _)| h);
            url.contains(['\t', '\n', '\r'])
                || authority.contains('@')
                || authority.starts_with('[')
                || typed.host_str() != Some(raw_host.to_ascii_lowercase().as_str())
                || query_pairs(typed.query()).iter().any(|(k, v)| {
                    std::str::from_utf8(k).is_err() || std::str::from_utf8(v).is_err()
                })
        }
        _ => false,
    }
}

/// Checks one generated request; `Ok(outcome)` names what happened.
fn check(g: &Generated) -> Result<&'static str, String> {
    let secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
    let credentials = Credentials {
        access_key_id: "ASIAIOSFODNN7EXAMPLE".into(),
        secret_access_key: secret.into(),
        session_token: g
            .request
            .body
            .len()
            .is_multiple_of(2)
            .then(|| "FQoGZXIvYXdzEXAMPLE/TOKEN+=".into()),
        expiration: None,
    };
    let ctx = SigningContext {
        credentials: &credentials,
        signing_name: &g.signing_name,
        region: "ap-southeast-1",
        time_ms: 1_763_942_400_000 + (g.request.url.len() as i64) * 1_000_003,
        rules: g.rules,
    };
    if drive_letter_quirk(&g.request.url) {
        return Ok("skipped: the url crate's drive-letter quirk");
    }
    let typed = Url::parse(&g.request.url);
    let signed = match catch_unwind(AssertUnwindSafe(|| sign(&g.request, &ctx))) {
        Err(_) => return Err("sign panicked".into()),
        Ok(Err(e)) => {
            return if refusal_explained(g, &typed, &e) {
                Ok(match e {
                    SigningError::DotSegment { .. } => "refused: dot segment",
                    SigningError::BadMethod { .. } => "refused: method",
                    _ if typed.is_err() => "refused: not a URL to the browser either",
                    _ => "refused: URL the browser would rewrite",
                })
            } else {
                Err(format!("refused without a reason in the input: {e}"))
            };
        }
        Ok(Ok(signed)) => signed,
    };
    let typed = typed.map_err(|e| format!("signed a URL the browser refuses ({e})"))?;
    // The browser sends labmate's URL unchanged...
    let sent = Url::parse(&signed.url).map_err(|e| format!("sent URL unparsable: {e}"))?;
    if sent.as_str() != signed.url {
        return Err(format!("the browser would send {} instead", sent.as_str()));
    }
    // ...and it means what the typed one meant.
    if (sent.scheme(), sent.host_str(), sent.port())
        != (typed.scheme(), typed.host_str(), typed.port())
    {
        return Err(format!("origin changed: typed {typed}"));
    }
    let same_path = if g.rules.double_encode_path {
        sent.path() == typed.path()
    } else {
        percent_decode(sent.path()) == percent_decode(typed.path())
    };
    if !same_path {
        return Err(format!(
            "path changed: the browser sends {} for the typed URL",
            typed.path()
        ));
    }
    if query_pairs(sent.query()) != query_pairs(typed.query()) {
        return Err(format!("query changed: typed {:?}", typed.query()));
    }
    let method = fetch_method(&signed.method).ok_or("sent method refused by fetch()")?;
    if Some(&method) != fetch_method(&g.request.method).as_ref() {
        return Err(format!("method changed to {method}"));
    }
    // What AWS computes over what the browser sends.
    let (canonical, signature, sent_signature) =
        aws_side(&signed, &sent, &method, &g.rules, secret)?;
    let labmate = match &credentials.session_token {
        Some(t) => signed
            .explanation
            .given()
            .unwrap()
            .canonical_request
            .replace(&format!("** redacted (length={}) **", t.len()), t),
        None => signed
            .explanation
            .given()
            .unwrap()
            .canonical_request
            .clone(),
    };
    if labmate != canonical {
        return Err(format!(
            "canonical requests differ\n--- labmate:\n{labmate}\n--- independent:\n{canonical}"
        ));
    }
    if signature != sent_signature {
        return Err("the signature is not the one AWS computes".into());
    }
    // Signed without the explanation (a poller's request): the same request
    // is sent, and the explanation built on demand is the one above.
    let quiet = sign_with(&g.request, &ctx, Explain::OnDemand)
        .map_err(|e| format!("refused when signed without the explanation: {e}"))?;
    if (&quiet.url, &quiet.headers, &quiet.signature)
        != (&signed.url, &signed.headers, &signed.signature)
    {
        return Err("signed differently without the explanation".into());
    }
    if explain_later(&quiet, &credentials).as_ref() != Ok(signed.explanation.given().unwrap()) {
        return Err("the explanation on demand differs from the one given while signing".into());
    }
    Ok("signed: matches the independent signer")
}

fn main() {
    if !common::selected("signing_oracle::signed_requests") {
        return;
    }
    let seed = common::seed();
    let count = common::count("LABMATE_FUZZ_REQUESTS", 2_000);
    let mut rng = Rng(seed);
    let mut outcomes: BTreeMap<&str, usize> = BTreeMap::new();
    let (mut plus, mut dots, mut upper) = (0, 0, 0);
    let started = Instant::now();
    for i in 0..count {
        let g = generate(&mut rng);
        match check(&g) {
            Ok(outcome) => {
                *outcomes.entry(outcome).or_default() += 1;
                if outcome.starts_with("signed") {
                    let url = &g.request.url;
                    plus += usize::from(
                        url.split('#')
                            .next()
                            .unwrap_or_default()
                            .split_once('?')
                            .is_some_and(|(_, q)| q.contains('+')),
                    );
                    dots += usize::from(raw_segments(url).iter().any(|s| is_dot_segment(s)));
                    upper += usize::from(url.split("://").nth(1).is_some_and(|r| {
                        r.split('/')
                            .next()
                            .unwrap_or_default()
                            .bytes()
                            .any(|b| b.is_ascii_uppercase())
                    }));
                }
            }
            Err(why) => {
                println!(
                    "FAILED signed request {i} of seed {seed} (LABMATE_FUZZ_SEED={seed} repeats \
                     it): {why}\n--- request: {} {:?} (signing name {}, {:?})",
                    g.request.method, g.request.url, g.signing_name, g.rules
                );
                std::process::exit(1);
            }
        }
    }
    let outcomes: Vec<String> = outcomes.iter().map(|(k, n)| format!("{k} {n}")).collect();
    println!(
        "signed requests: {count} generated requests tried in {:.1} s (seed {seed}), each checked \
         against the url crate's browser and an independent SigV4 signer.\n  outcomes: {}\n  \
         among those signed: {plus} with + in the query, {dots} with . or .. segments, {upper} \
         with capitals in the host",
        started.elapsed().as_secs_f64(),
        outcomes.join(", ")
    );
    // A run that refused everything, or never signed the cases the oracle
    // exists for, proves nothing: fail it.
    let signed: usize = outcomes_signed(&outcomes);
    if signed * 2 < count || (count >= 2_000 && (plus == 0 || dots == 0 || upper == 0)) {
        println!(
            "FAILED: only {signed} of {count} signed ({plus} with +, {dots} with dot segments, \
             {upper} with capitals in the host)"
        );
        std::process::exit(1);
    }
}

/// How many requests the outcome lines say were signed.
fn outcomes_signed(outcomes: &[String]) -> usize {
    outcomes
        .iter()
        .filter(|o| o.starts_with("signed"))
        .filter_map(|o| o.rsplit(' ').next()?.parse::<usize>().ok())
        .sum()
}
