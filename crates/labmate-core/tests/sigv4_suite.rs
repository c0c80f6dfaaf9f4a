//! AWS's SigV4 test suite (tests/sigv4-test-suite/v4, copied from AWS's
//! signing test vectors) run through labmate's one signing function.
//!
//! Every case is checked for canonical request, string to sign and
//! signature, plus the Authorization header of the signed request. Each is
//! also signed without its explanation (as the pollers' requests are): the
//! same headers and signature, and the explanation built afterwards on
//! demand is the one given while signing.
//!
//! Adaptations and what does not apply:
//! - The `query-*` files (presigned URLs) are not run: labmate always signs
//!   with headers, because a presigned URL would put the session token in a
//!   URL, which labmate never does.
//! - `get-header-value-multiline` folds its continuation lines into single
//!   spaces before signing: a browser's fetch() cannot send a header value
//!   with a line break, so labmate refuses one (tested below); the canonical
//!   request, string to sign and signature are still the suite's.
//! - `get-space-normalized`, `get-space-unnormalized` and `get-utf8` expect
//!   the path encoded once (S3's rule), so they run with
//!   `double_encode_path: false`; their raw space and `ሴ` are first
//!   percent-encoded as a browser's URL parser does before fetch() sends them.
//! - The four `*-unnormalized` cases with `.` or `..` segments describe a
//!   request a browser cannot send: fetch() resolves dot segments before
//!   sending, and a service that takes paths literally (S3's rules, which
//!   these vectors follow) would read them as names. labmate signs only what
//!   the browser sends, so it refuses them, naming the segment; that refusal
//!   is what is checked for them.
//! - The two migrated cases without context.json (`double-encode-path`,
//!   `double-url-encode`) use the credentials, times and scopes that the
//!   suite's own harness in aws-sigv4 and their signed requests give them.

use std::fs;
use std::path::{Path, PathBuf};

use labmate_core::credentials::Credentials;
use labmate_core::signing::{
    explain_later, sign, sign_with, Explain, HttpRequest, SigningContext, SigningError,
    SigningRules,
};

fn suite_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/sigv4-test-suite/v4")
}

struct Case {
    name: String,
    request: HttpRequest,
    credentials: Credentials,
    region: String,
    service: String,
    /// (time for the canonical request and string to sign, time for the signature)
    times_ms: (i64, i64),
    rules: SigningRules,
}

fn epoch_ms(rfc3339: &str) -> i64 {
    let dt = aws_smithy_types::DateTime::from_str(
        rfc3339,
        aws_smithy_types::date_time::Format::DateTime,
    )
    .unwrap();
    dt.secs() * 1000
}

/// Requests a browser cannot send (see the module comment), with the segment
/// labmate names when it refuses them.
const BROWSER_CANNOT_SEND: [(&str, &str); 4] = [
    ("get-relative-relative-unnormalized", ".."),
    ("get-relative-unnormalized", ".."),
    ("get-slash-dot-slash-unnormalized", "."),
    ("get-slash-pointless-dot-unnormalized", "."),
];

/// Vectors written for single path encoding (see the module comment).
const SINGLE_ENCODED: [&str; 3] = ["get-space-normalized", "get-space-unnormalized", "get-utf8"];

/// Encodes a path as the browser's URL parser does: spaces and non-ASCII
/// become UTF-8 percent escapes; everything else stays.
fn browser_encoded_path(path: &str) -> String {
    let mut out = String::new();
    for b in path.bytes() {
        if b == b' ' || !b.is_ascii() {
            out.push_str(&format!("%{b:02X}"));
        } else {
            out.push(b as char);
        }
    }
    out
}

fn parse_request(text: &str) -> HttpRequest {
    let (head, body) = text.split_once("\n\n").unwrap_or((text, ""));
    let mut lines = head.lines();
    let start = lines.next().unwrap();
    let (method, rest) = start.split_once(' ').unwrap();
    let path = rest.rsplit_once(' ').unwrap().0;
    let mut headers: Vec<(String, String)> = Vec::new();
    for line in lines {
        if line.starts_with([' ', '\t']) {
            // obs-fold: a continuation line joins the previous value with one space.
            let last = headers.last_mut().unwrap();
            last.1.push(' ');
            last.1.push_str(line.trim());
        } else {
            let (n, v) = line.split_once(':').unwrap();
            headers.push((n.to_owned(), v.to_owned()));
        }
    }
    let host = headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("host"))
        .map(|(_, v)| v.clone())
        .unwrap();
    HttpRequest {
        method: method.to_owned(),
        url: format!("https://{host}{}", browser_encoded_path(path)),
        headers,
        body: body.to_owned(),
    }
}

fn load(name: &str) -> Case {
    let dir = suite_dir().join(name);
    let request = parse_request(&fs::read_to_string(dir.join("request.txt")).unwrap());
    let context = dir.join("context.json");
    if context.exists() {
        let c: serde_json::Value =
            serde_json::from_str(&fs::read_to_string(context).unwrap()).unwrap();
        let creds = &c["credentials"];
        let t = epoch_ms(c["timestamp"].as_str().unwrap());
        Case {
            name: name.to_owned(),
            request,
            credentials: Credentials {
                access_key_id: creds["access_key_id"].as_str().unwrap().into(),
                secret_access_key: creds["secret_access_key"].as_str().unwrap().into(),
                session_token: creds["token"].as_str().map(str::to_owned),
                expiration: None,
            },
            region: c["region"].as_str().unwrap().into(),
            service: c["service"].as_str().unwrap().into(),
            times_ms: (t, t),
            rules: SigningRules {
                payload_hash_header: c["sign_body"].as_bool().unwrap_or(false),
                normalize_path: c["normalize"].as_bool().unwrap_or(true),
                sign_session_token: !c["omit_session_token"].as_bool().unwrap_or(false),
                double_encode_path: !SINGLE_ENCODED.contains(&name),
                // The suite signs every header it lists, content-length included.
                sign_content_length: true,
            },
        }
    } else {
        let creds = |id: &str, secret: &str| Credentials {
            access_key_id: id.into(),
            secret_access_key: secret.into(),
            session_token: None,
            expiration: None,
        };
        let (credentials, region, service, times) = match name {
            "double-encode-path" => (
                creds("ANOTREAL", "notrealrnrELgWzOk3IfjzDKtFBhDby"),
                "us-east-1",
                "service",
                (
                    epoch_ms("2021-05-11T15:40:45Z"),
                    epoch_ms("2015-08-30T12:36:00Z"),
                ),
            ),
            "double-url-encode" => (
                creds("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"),
                "us-east-2",
                "lambda",
                (
                    epoch_ms("2021-05-11T15:40:45Z"),
                    epoch_ms("2021-05-11T15:40:45Z"),
                ),
            ),
            other => panic!("{other}: no context.json and no known settings"),
        };
        Case {
            name: name.to_owned(),
            request,
            credentials,
            region: region.into(),
            service: service.into(),
            times_ms: times,
            rules: SigningRules {
                sign_content_length: true,
                ..SigningRules::default()
            },
        }
    }
}

/// A vector file, without the trailing newline a few of them carry.
fn read_opt(dir: &Path, file: &str) -> Option<String> {
    fs::read_to_string(dir.join(file))
        .ok()
        .map(|s| s.trim_end_matches('\n').to_owned())
}

fn run(case: &Case) -> usize {
    let dir = suite_dir().join(&case.name);
    let ctx = |time_ms| SigningContext {
        credentials: &case.credentials,
        signing_name: &case.service,
        region: &case.region,
        time_ms,
        rules: case.rules,
    };
    let mut checks = 0;
    if let Some((_, segment)) = BROWSER_CANNOT_SEND.iter().find(|(n, _)| *n == case.name) {
        assert!(!case.rules.normalize_path, "{}", case.name);
        assert_eq!(
            sign(&case.request, &ctx(case.times_ms.0)),
            Err(SigningError::DotSegment {
                segment: (*segment).to_owned(),
                literal_path: true
            }),
            "{}",
            case.name
        );
        // The same path, resolved as the browser would send it, signs.
        let mut resolved = case.request.clone();
        resolved.url = resolved.url.replace("/..", "/").replace("/./", "/");
        assert!(
            sign(&resolved, &ctx(case.times_ms.0)).is_ok(),
            "{}",
            case.name
        );
        return 2;
    }
    let first =
        sign(&case.request, &ctx(case.times_ms.0)).unwrap_or_else(|e| panic!("{}: {e}", case.name));
    let e = first.explanation.given().unwrap();
    // Signed without the explanation: the same request, and the explanation
    // built later is the one given while signing.
    let quiet = sign_with(&case.request, &ctx(case.times_ms.0), Explain::OnDemand).unwrap();
    assert!(quiet.explanation.given().is_none(), "{}", case.name);
    assert_eq!(
        (&quiet.method, &quiet.url, &quiet.headers, &quiet.signature),
        (&first.method, &first.url, &first.headers, &first.signature),
        "{}: signed without the explanation",
        case.name
    );
    assert_eq!(
        explain_later(&quiet, &case.credentials).as_ref(),
        Ok(e),
        "{}: explanation on demand",
        case.name
    );
    checks += 1;
    let expected_creq = read_opt(&dir, "header-canonical-request.txt").unwrap();
    // The suite's canonical request shows the session token; the inspector's
    // is redacted by aws-sigv4, so compare with the token put back.
    let shown = match &case.credentials.session_token {
        Some(t) if case.rules.sign_session_token => e
            .canonical_request
            .replace(&format!("** redacted (length={}) **", t.len()), t),
        _ => e.canonical_request.clone(),
    };
    assert_eq!(shown, expected_creq, "{}: canonical request", case.name);
    checks += 1;
    if let Some(sts) = read_opt(&dir, "header-string-to-sign.txt") {
        assert_eq!(e.string_to_sign, sts, "{}: string to sign", case.name);
        checks += 1;
    }
    let second = sign(&case.request, &ctx(case.times_ms.1)).unwrap();
    if let Some(sig) = read_opt(&dir, "header-signature.txt") {
        assert_eq!(second.signature, sig.trim(), "{}: signature", case.name);
        checks += 1;
    }
    if let Some(signed) = read_opt(&dir, "header-signed-request.txt") {
        let auth = signed
            .lines()
            .find_map(|l| l.strip_prefix("Authorization:"))
            .unwrap_or_else(|| panic!("{}: no Authorization in signed request", case.name));
        assert_eq!(
            second.header("authorization"),
            Some(auth.trim()),
            "{}: Authorization header",
            case.name
        );
        checks += 1;
    }
    checks
}

#[test]
fn every_header_vector_of_the_aws_suite_passes() {
    let mut names: Vec<String> = fs::read_dir(suite_dir())
        .expect("the suite is in tests/sigv4-test-suite")
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert!(names.len() >= 40, "suite incomplete: {names:?}");
    let mut total = 0;
    for name in &names {
        let checks = run(&load(name));
        assert!(checks >= 2, "{name}: only {checks} checks");
        total += checks;
    }
    println!("{} vectors, {total} checks", names.len());
}

#[test]
fn a_tampered_vector_fails() {
    // The harness can fail: a changed secret changes the signature.
    let mut case = load("get-vanilla");
    case.credentials.secret_access_key.push('x');
    let quiet = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let result = std::panic::catch_unwind(|| run(&case));
    std::panic::set_hook(quiet);
    assert!(result.is_err());
}

#[test]
fn an_explanation_on_demand_needs_the_credentials_that_signed() {
    let case = load("post-x-www-form-urlencoded-parameters");
    let ctx = SigningContext {
        credentials: &case.credentials,
        signing_name: &case.service,
        region: &case.region,
        time_ms: case.times_ms.1,
        rules: case.rules,
    };
    let quiet = sign_with(&case.request, &ctx, Explain::OnDemand).unwrap();
    let explained = explain_later(&quiet, &case.credentials).unwrap();
    assert_eq!(explained.signature, quiet.signature);
    assert_eq!(
        quiet.header("authorization"),
        Some(
            format!(
                "AWS4-HMAC-SHA256 Credential={}/{}, SignedHeaders={}, Signature={}",
                case.credentials.access_key_id,
                explained.credential_scope,
                explained.signed_headers,
                explained.signature
            )
            .as_str()
        )
    );
    // Another key, or the same key id with another secret or token: the
    // explanation would not be of what was sent, so there is none.
    let mut other_key = case.credentials.clone();
    other_key.access_key_id = "AKIDOTHER".into();
    let mut other_secret = case.credentials.clone();
    other_secret.secret_access_key.push('x');
    let mut other_token = case.credentials.clone();
    other_token.session_token = Some("a-later-token".into());
    for replaced in [other_key, other_secret, other_token] {
        assert_eq!(
            explain_later(&quiet, &replaced),
            Err(SigningError::CredentialsReplaced)
        );
    }
}

#[test]
fn header_values_with_line_breaks_are_refused() {
    let mut case = load("get-header-value-multiline");
    case.request.headers[1].1 = "value1\n  value2".into();
    let ctx = SigningContext {
        credentials: &case.credentials,
        signing_name: &case.service,
        region: &case.region,
        time_ms: case.times_ms.0,
        rules: case.rules,
    };
    assert!(sign(&case.request, &ctx).is_err());
}
