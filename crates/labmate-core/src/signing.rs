//! SigV4 signing for every request labmate sends, with the explanation the
//! inspector shows taken from the signer itself.
//!
//! What is signed is what the browser will send: the URL and method go
//! through fetch()'s own rules first (see `browser_url`), and the signed
//! request carries that URL, so the page sends exactly what was signed. A
//! URL the browser would change in a way the learner did not mean (a
//! `%2e%2e` segment, a host with a password) is refused with a message.
//!
//! `aws-sigv4` does the signing. While it signs, a scoped `tracing`
//! subscriber records the canonical request the signer logs (already
//! redacted by it); the string to sign is rebuilt from that canonical request
//! and checked against the signer's own signature, so what the inspector shows
//! is provably what was signed.
//!
//! That explanation roughly doubles the cost of a signature, so a request
//! nobody looks at yet (a poller's) is signed without it
//! ([`Explain::OnDemand`]): it keeps what is needed to sign it again, and
//! [`explain_later`] does so when the inspector opens it, with the
//! explanation, and checks the signature is the one that was sent.

use std::borrow::Cow;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_sigv4::http_request::{
    PayloadChecksumKind, PercentEncodingMode, SessionTokenMode, SignableBody, SignableRequest,
    SigningSettings, UriPathNormalizationMode,
};
use aws_sigv4::sign::v4;
use sha2::{Digest, Sha256};

use crate::browser_url::as_sent;
pub use crate::browser_url::UrlProblem;
use crate::credentials::Credentials;
use crate::excerpt::excerpt;
use crate::service::Service;
use crate::trace_capture::capture_canonical_request;
use crate::word;
use crate::words::Lang;

/// An HTTP request before signing. `url` must be absolute: the signer needs
/// the host, which the browser later sends itself.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HttpRequest {
    pub method: String,
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl HttpRequest {
    pub fn new(method: &str, url: &str) -> Self {
        Self {
            method: method.to_owned(),
            url: url.to_owned(),
            headers: Vec::new(),
            body: String::new(),
        }
    }

    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    pub fn body(mut self, body: impl Into<String>) -> Self {
        self.body = body.into();
        self
    }

    /// The host (with port when not the scheme's default) from `url`.
    pub fn host(&self) -> Option<&str> {
        let rest = self.url.split_once("://")?.1;
        let authority = rest.split(['/', '?', '#']).next()?;
        (!authority.is_empty()).then_some(authority)
    }
}

/// How a service wants requests signed. The lab's services differ only in
/// whether the payload hash travels as a header (AOSS requires it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SigningRules {
    /// Send and sign `x-amz-content-sha256`.
    pub payload_hash_header: bool,
    /// Normalise `.` and `..` path segments (every service but S3).
    pub normalize_path: bool,
    /// Percent-encode the path a second time (every service but S3).
    pub double_encode_path: bool,
    /// Sign a caller's `content-length`. Off for every lab service: a page
    /// cannot set it (the browser does) and AOSS refuses signatures over it.
    pub sign_content_length: bool,
    /// Sign the session token; when false it is added after signing
    /// (a few older services want that).
    pub sign_session_token: bool,
}

impl Default for SigningRules {
    fn default() -> Self {
        Self {
            payload_hash_header: false,
            normalize_path: true,
            double_encode_path: true,
            sign_session_token: true,
            sign_content_length: false,
        }
    }
}

impl SigningRules {
    /// The rules `service` wants.
    pub fn for_service(service: Service) -> Self {
        SigningRules {
            // AOSS refuses a request whose payload hash is not in a signed header.
            payload_hash_header: service == Service::Aoss,
            ..SigningRules::default()
        }
    }
}

/// Who signs, for which service and region, at what time.
#[derive(Clone, Copy, Debug)]
pub struct SigningContext<'a> {
    pub credentials: &'a Credentials,
    pub signing_name: &'a str,
    pub region: &'a str,
    /// Epoch milliseconds: the browser clock plus the learned offset.
    pub time_ms: i64,
    pub rules: SigningRules,
}

impl<'a> SigningContext<'a> {
    /// The context for one of the lab's services, with that service's rules.
    pub fn for_service(
        credentials: &'a Credentials,
        service: Service,
        region: &'a str,
        time_ms: i64,
    ) -> Self {
        Self {
            credentials,
            signing_name: service.signing_name(),
            region,
            time_ms,
            rules: SigningRules::for_service(service),
        }
    }
}

/// Whether to build the explanation while signing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Explain {
    /// Build it now: someone is about to look (the learner's requests).
    Now,
    /// Keep what is needed to build it later with [`explain_later`]
    /// (the pollers' requests, shown only when the inspector opens one).
    OnDemand,
}

/// A signed request, ready to send, with the explanation of its signature
/// or what is needed to build it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignedRequest {
    /// As fetch() sends it (`get` becomes `GET`).
    pub method: String,
    /// As the browser sends it, which is what was signed: host in lower
    /// case, no default port, dot segments resolved, the query in SigV4's
    /// encoding, no fragment. Send this, not the caller's URL.
    pub url: String,
    /// Every header to send, the caller's first, then the signer's.
    /// `host` is not among them: the browser sets it.
    pub headers: Vec<(String, String)>,
    pub body: String,
    /// The signature, as the `Authorization` header carries it.
    pub signature: String,
    pub explanation: Explanation,
}

impl SignedRequest {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// The explanation of a signature: built while signing, or to be built on
/// demand by signing again.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Explanation {
    Given(SigningExplanation),
    /// Boxed: most requests the inspector keeps are the pollers'.
    OnDemand(Box<SigningReplay>),
}

impl Explanation {
    /// The explanation, when it was built while signing.
    pub fn given(&self) -> Option<&SigningExplanation> {
        match self {
            Explanation::Given(x) => Some(x),
            Explanation::OnDemand(_) => None,
        }
    }
}

/// What signing a request again needs, except the secret: the request as
/// the caller gave it and the context's other parts. The credentials are
/// the ones the app holds when the explanation is asked for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SigningReplay {
    request: HttpRequest,
    /// Which key signed, so a replaced key is told apart from a bug.
    access_key_id: String,
    signing_name: String,
    region: String,
    time_ms: i64,
    rules: SigningRules,
}

/// What the inspector shows: the signer's own canonical request (secrets
/// redacted by aws-sigv4), the string to sign and the signature.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SigningExplanation {
    pub canonical_request: String,
    pub string_to_sign: String,
    pub signature: String,
    pub signed_headers: String,
    pub credential_scope: String,
    pub amz_date: String,
    pub access_key_id: String,
}

/// Why a request was not signed. URLs and segments are quoted as excerpts
/// (see [`crate::excerpt`]): short, printable, masked. Worded by
/// [`SigningError::words`].
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.words(Lang::En))]
pub enum SigningError {
    NoHost {
        url: String,
    },
    /// A URL the browser would not send as written.
    BadUrl {
        url: String,
        reason: UrlProblem,
    },
    /// A URL the signer refused; `detail` is its own text.
    UnsignableUrl {
        url: String,
        detail: String,
    },
    /// A path segment of dots (`..`, `%2e%2e`) the browser would resolve
    /// before sending, so the request could not reach what it names.
    DotSegment {
        segment: String,
        /// The service reads paths literally (S3's rules).
        literal_path: bool,
    },
    BadMethod {
        method: String,
        reason: MethodProblem,
    },
    BadHeader {
        name: String,
        reason: HeaderProblem,
    },
    BadTime,
    /// The signer's own text.
    Signer(String),
    /// The rebuilt string to sign did not reproduce the signer's signature:
    /// a bug in labmate, never expected.
    ExplanationMismatch,
    /// The credentials that signed the request are no longer the ones the
    /// page holds, so signing it again cannot show what was signed.
    CredentialsReplaced,
}

/// Why a method cannot be sent from a browser.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MethodProblem {
    /// GET or HEAD with a body.
    HasBody,
    /// Not an HTTP token.
    NotAWord,
    /// CONNECT, TRACE, TRACK: fetch() throws.
    Forbidden,
}

/// Why a header cannot be signed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HeaderProblem {
    BadName,
    LineBreak,
}

impl SigningError {
    /// Why the request was not signed, in `lang`.
    pub fn words(&self, lang: Lang) -> String {
        self.worded(lang, &|v| v.to_owned())
    }

    /// The same, each value the learner or a library gave (the URL, the
    /// method, the header, the parser's reason) passed through `v`.
    pub fn worded(&self, lang: Lang, v: &dyn Fn(&str) -> String) -> String {
        match self {
            SigningError::NoHost { url } => word!(lang, send.sign_no_host)(&v(url)),
            SigningError::BadUrl { url, reason } => {
                word!(lang, send.sign_bad_url)(&v(url), &reason.words(lang))
            }
            SigningError::UnsignableUrl { url, detail } => {
                word!(lang, send.sign_bad_url)(&v(url), &v(detail))
            }
            SigningError::DotSegment {
                segment,
                literal_path: true,
            } => word!(lang, send.sign_dot_segment_literal)(&v(segment)),
            SigningError::DotSegment { segment, .. } => {
                word!(lang, send.sign_dot_segment)(&v(segment))
            }
            SigningError::BadMethod { method, reason } => {
                let method = v(method);
                match reason {
                    MethodProblem::HasBody => word!(lang, send.sign_method_has_body)(&method),
                    MethodProblem::NotAWord => word!(lang, send.sign_method_not_a_word)(&method),
                    MethodProblem::Forbidden => word!(lang, send.sign_method_forbidden)(&method),
                }
            }
            SigningError::BadHeader { name, reason } => {
                let name = v(name);
                match reason {
                    HeaderProblem::BadName => word!(lang, send.sign_header_bad_name)(&name),
                    HeaderProblem::LineBreak => word!(lang, send.sign_header_line_break)(&name),
                }
            }
            SigningError::BadTime => word!(lang, send.sign_bad_time).to_owned(),
            SigningError::Signer(detail) => word!(lang, send.sign_signer_failed)(&v(detail)),
            SigningError::ExplanationMismatch => {
                word!(lang, send.sign_explanation_mismatch).to_owned()
            }
            SigningError::CredentialsReplaced => {
                word!(lang, send.sign_credentials_replaced).to_owned()
            }
        }
    }
}

/// Headers the signer adds; a caller that passes them would sign twice.
const SIGNER_HEADERS: [&str; 4] = [
    "authorization",
    "x-amz-date",
    "x-amz-security-token",
    "x-amz-content-sha256",
];

/// Signs `request` as `ctx` says, with its explanation.
pub fn sign(
    request: &HttpRequest,
    ctx: &SigningContext<'_>,
) -> Result<SignedRequest, SigningError> {
    sign_with(request, ctx, Explain::Now)
}

/// Signs `request` as `ctx` says, explaining it now or on demand. The one
/// signing function of labmate.
pub fn sign_with(
    request: &HttpRequest,
    ctx: &SigningContext<'_>,
    explain_when: Explain,
) -> Result<SignedRequest, SigningError> {
    // Sign what the browser will send, and send what was signed: the URL
    // and method as fetch() normalises them.
    let url = as_sent(&request.url, &ctx.rules)?;
    let method = fetch_method(&request.method)?;
    if !request.body.is_empty() && matches!(method.as_str(), "GET" | "HEAD") {
        return Err(SigningError::BadMethod {
            method,
            reason: MethodProblem::HasBody,
        });
    }
    let time = signing_time(ctx.time_ms)?;
    let creds = aws_credential_types::Credentials::new(
        &ctx.credentials.access_key_id,
        &ctx.credentials.secret_access_key,
        ctx.credentials.session_token.clone(),
        None,
        "labmate",
    );
    let identity = creds.into();
    let mut settings = SigningSettings::default();
    settings.payload_checksum_kind = if ctx.rules.payload_hash_header {
        PayloadChecksumKind::XAmzSha256
    } else {
        PayloadChecksumKind::NoHeader
    };
    settings.uri_path_normalization_mode = if ctx.rules.normalize_path {
        UriPathNormalizationMode::Enabled
    } else {
        UriPathNormalizationMode::Disabled
    };
    settings.percent_encoding_mode = if ctx.rules.double_encode_path {
        PercentEncodingMode::Double
    } else {
        PercentEncodingMode::Single
    };
    settings.session_token_mode = if ctx.rules.sign_session_token {
        SessionTokenMode::Include
    } else {
        SessionTokenMode::Exclude
    };
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region(ctx.region)
        .name(ctx.signing_name)
        .time(time)
        .settings(settings)
        .build()
        .map_err(|e| SigningError::Signer(e.to_string()))?
        .into();

    for (name, value) in &request.headers {
        if !is_header_name(name) {
            return Err(SigningError::BadHeader {
                name: name.clone(),
                reason: HeaderProblem::BadName,
            });
        }
        if value.bytes().any(|b| matches!(b, b'\r' | b'\n')) {
            return Err(SigningError::BadHeader {
                name: name.clone(),
                reason: HeaderProblem::LineBreak,
            });
        }
    }
    let signable_headers = request.headers.iter().filter(|(name, _)| {
        let browser_sets_it = is_named(name, "content-length") && !ctx.rules.sign_content_length;
        !is_signer_header(name) && !browser_sets_it
    });
    let signable = SignableRequest::new(
        &method,
        Cow::Borrowed(url.as_str()),
        signable_headers.map(|(n, v)| (n.as_str(), v.as_str())),
        SignableBody::Bytes(request.body.as_bytes()),
    )
    .map_err(|e| SigningError::UnsignableUrl {
        url: excerpt(&url),
        detail: error_chain(&e),
    })?;

    let (output, canonical_request) = match explain_when {
        Explain::Now => {
            capture_canonical_request(|| aws_sigv4::http_request::sign(signable, &params))
        }
        Explain::OnDemand => (aws_sigv4::http_request::sign(signable, &params), None),
    };
    let output = output.map_err(|e| SigningError::Signer(error_chain(&e)))?;
    let signature = output.signature().to_owned();
    let (instructions, _) = output.into_parts();
    let (signer_headers, _) = instructions.into_parts();

    let mut headers: Vec<(String, String)> = request
        .headers
        .iter()
        // fetch() forbids setting these two: the browser does.
        .filter(|(name, _)| {
            !is_named(name, "host") && !is_named(name, "content-length") && !is_signer_header(name)
        })
        .cloned()
        .collect();
    headers.extend(
        signer_headers
            .iter()
            .map(|h| (h.name().to_owned(), h.value().to_owned())),
    );

    let explanation = match explain_when {
        Explain::Now => {
            let amz_date = headers
                .iter()
                .find(|(n, _)| n == "x-amz-date")
                .map(|(_, v)| v.as_str())
                .ok_or_else(|| SigningError::Signer("no x-amz-date".into()))?;
            let canonical_request = canonical_request
                .ok_or_else(|| SigningError::Signer("no canonical request".into()))?;
            Explanation::Given(explain(
                &canonical_request,
                ctx,
                amz_date,
                &signature,
                time,
                ctx.credentials.session_token.as_deref(),
            )?)
        }
        Explain::OnDemand => Explanation::OnDemand(Box::new(SigningReplay {
            request: request.clone(),
            access_key_id: ctx.credentials.access_key_id.clone(),
            signing_name: ctx.signing_name.to_owned(),
            region: ctx.region.to_owned(),
            time_ms: ctx.time_ms,
            rules: ctx.rules,
        })),
    };
    Ok(SignedRequest {
        method,
        url,
        headers,
        body: request.body.clone(),
        signature,
        explanation,
    })
}

/// The explanation of `signed`'s signature: the one built while signing,
/// or, for a request signed with [`Explain::OnDemand`], built now by
/// signing it again with `credentials` (the ones the page holds now) and
/// checked to give the very signature that was sent. Credentials replaced
/// since make it unavailable rather than wrong.
pub fn explain_later(
    signed: &SignedRequest,
    credentials: &Credentials,
) -> Result<SigningExplanation, SigningError> {
    let replay = match &signed.explanation {
        Explanation::Given(x) => return Ok(x.clone()),
        Explanation::OnDemand(replay) => replay,
    };
    if replay.access_key_id != credentials.access_key_id {
        return Err(SigningError::CredentialsReplaced);
    }
    let ctx = SigningContext {
        credentials,
        signing_name: &replay.signing_name,
        region: &replay.region,
        time_ms: replay.time_ms,
        rules: replay.rules,
    };
    let again = sign_with(&replay.request, &ctx, Explain::Now)?;
    // The same key id with another secret or token signs differently: the
    // explanation would be of a request that was never sent.
    if again.signature != signed.signature || again.headers != signed.headers {
        return Err(SigningError::CredentialsReplaced);
    }
    match again.explanation {
        Explanation::Given(x) => Ok(x),
        Explanation::OnDemand(_) => Err(SigningError::Signer("no explanation".into())),
    }
}

/// The method as fetch() sends it: the six standard names in capitals
/// whatever case they were written in, anything else as written; CONNECT,
/// TRACE and TRACK, or a name that is not an HTTP token, make fetch() throw.
fn fetch_method(method: &str) -> Result<String, SigningError> {
    let refused = |reason| SigningError::BadMethod {
        method: excerpt(method),
        reason,
    };
    let is_tchar = |b: u8| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b);
    if method.is_empty() || !method.bytes().all(is_tchar) {
        return Err(refused(MethodProblem::NotAWord));
    }
    let upper = method.to_ascii_uppercase();
    match upper.as_str() {
        "CONNECT" | "TRACE" | "TRACK" => Err(refused(MethodProblem::Forbidden)),
        "DELETE" | "GET" | "HEAD" | "OPTIONS" | "POST" | "PUT" => Ok(upper),
        _ => Ok(method.to_owned()),
    }
}

fn signing_time(time_ms: i64) -> Result<SystemTime, SigningError> {
    // SystemTime::now() panics on wasm32-unknown-unknown, so time is always
    // passed in and built from the epoch.
    let ms = u64::try_from(time_ms).map_err(|_| SigningError::BadTime)?;
    Ok(UNIX_EPOCH + Duration::from_millis(ms))
}

fn is_named(name: &str, wanted: &str) -> bool {
    name.eq_ignore_ascii_case(wanted)
}

/// Headers the signer adds; a caller's own would be signed twice.
fn is_signer_header(name: &str) -> bool {
    SIGNER_HEADERS.iter().any(|h| is_named(name, h))
}

fn is_header_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

/// Rebuilds the string to sign from the signer's canonical request and
/// proves it by reproducing the signer's signature.
fn explain(
    redacted_canonical: &str,
    ctx: &SigningContext<'_>,
    amz_date: &str,
    signature: &str,
    time: SystemTime,
    session_token: Option<&str>,
) -> Result<SigningExplanation, SigningError> {
    let full_canonical = unredact(redacted_canonical, session_token);
    let date = amz_date.get(..8).unwrap_or(amz_date);
    let credential_scope = format!("{date}/{}/{}/aws4_request", ctx.region, ctx.signing_name);
    let string_to_sign = format!(
        "AWS4-HMAC-SHA256\n{amz_date}\n{credential_scope}\n{}",
        hex::encode(Sha256::digest(full_canonical.as_bytes()))
    );
    let key = v4::generate_signing_key(
        &ctx.credentials.secret_access_key,
        time,
        ctx.region,
        ctx.signing_name,
    );
    if v4::calculate_signature(key, string_to_sign.as_bytes()) != signature {
        return Err(SigningError::ExplanationMismatch);
    }
    let signed_headers = redacted_canonical
        .lines()
        .rev()
        .nth(1)
        .unwrap_or_default()
        .to_owned();
    Ok(SigningExplanation {
        canonical_request: redacted_canonical.to_owned(),
        string_to_sign,
        signature: signature.to_owned(),
        signed_headers,
        credential_scope,
        amz_date: amz_date.to_owned(),
        access_key_id: ctx.credentials.access_key_id.clone(),
    })
}

/// aws-sigv4 logs `x-amz-security-token:** redacted (length=N) **`; the
/// signature covers the real token, so put it back to rebuild the hash.
fn unredact(redacted_canonical: &str, session_token: Option<&str>) -> String {
    let Some(token) = session_token else {
        return redacted_canonical.to_owned();
    };
    let mut out = String::with_capacity(redacted_canonical.len() + token.len());
    for (i, line) in redacted_canonical.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
        }
        match line.strip_prefix("x-amz-security-token:") {
            Some(rest) if rest.starts_with("** redacted") => {
                out.push_str("x-amz-security-token:");
                out.push_str(token);
            }
            _ => out.push_str(line),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn only_aoss_sends_the_payload_hash() {
        for s in super::Service::ALL {
            assert_eq!(
                super::SigningRules::for_service(s).payload_hash_header,
                s == super::Service::Aoss
            );
        }
    }

    use super::*;
    use crate::words::assert_worded;

    fn creds(token: Option<&str>) -> Credentials {
        Credentials {
            access_key_id: "ASIAIOSFODNN7EXAMPLE".into(),
            secret_access_key: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY".into(),
            session_token: token.map(str::to_owned),
            expiration: None,
        }
    }

    const T: i64 = 1_763_942_400_000; // 2025-11-24T00:00:00Z

    /// Every reason, in every language, with the URL, method or header
    /// named; the Vietnamese is not the English.
    #[test]
    fn every_signing_error_is_worded_in_each_language_with_its_values() {
        let all = [
            (
                SigningError::NoHost {
                    url: "lab-x".into(),
                },
                vec!["lab-x"],
            ),
            (
                SigningError::BadUrl {
                    url: "lab-x".into(),
                    reason: UrlProblem::BadPort,
                },
                vec!["lab-x", "65535"],
            ),
            (
                SigningError::UnsignableUrl {
                    url: "lab-x".into(),
                    detail: "signer-says".into(),
                },
                vec!["lab-x", "signer-says"],
            ),
            (
                SigningError::DotSegment {
                    segment: "%2e%2e".into(),
                    literal_path: false,
                },
                vec!["%2e%2e"],
            ),
            (
                SigningError::DotSegment {
                    segment: "%2e%2e".into(),
                    literal_path: true,
                },
                vec!["%2e%2e"],
            ),
            (
                SigningError::BadMethod {
                    method: "GET".into(),
                    reason: MethodProblem::HasBody,
                },
                vec!["GET"],
            ),
            (
                SigningError::BadMethod {
                    method: "A B".into(),
                    reason: MethodProblem::NotAWord,
                },
                vec!["A B"],
            ),
            (
                SigningError::BadMethod {
                    method: "TRACE".into(),
                    reason: MethodProblem::Forbidden,
                },
                vec!["TRACE", "fetch()"],
            ),
            (
                SigningError::BadHeader {
                    name: "x-lab!".into(),
                    reason: HeaderProblem::BadName,
                },
                vec!["x-lab!"],
            ),
            (
                SigningError::BadHeader {
                    name: "x-lab".into(),
                    reason: HeaderProblem::LineBreak,
                },
                vec!["x-lab"],
            ),
            (SigningError::BadTime, vec!["1970"]),
            (
                SigningError::Signer("signer-says".into()),
                vec!["signer-says"],
            ),
            (SigningError::ExplanationMismatch, vec![]),
            (SigningError::CredentialsReplaced, vec![]),
        ];
        for (e, values) in all {
            assert_worded(&e, &e.to_string(), |l| e.words(l), &values, true);
        }
    }

    #[test]
    fn signing_errors_english_is_as_it_was() {
        let c = creds(None);
        let ctx = SigningContext::for_service(&c, Service::DynamoDb, "ap-southeast-1", T);
        let req = HttpRequest::new("GET", "https://h.example/").body("x");
        assert_eq!(
            sign(&req, &ctx).unwrap_err().to_string(),
            "The method \"GET\" cannot be sent from a browser: a GET or HEAD request cannot have a body."
        );
        let req = HttpRequest::new("POST", "https://h.example/").header("x-a", "1\n2");
        assert_eq!(
            sign(&req, &ctx).unwrap_err().to_string(),
            "The header \"x-a\" cannot be signed: its value has a line break."
        );
    }

    #[test]
    fn aoss_signs_payload_hash_and_never_content_length() {
        let c = creds(Some("FQoGZXIvYXdzEXAMPLETOKEN"));
        let req = HttpRequest::new(
            "POST",
            "https://abc123.ap-southeast-1.aoss.amazonaws.com/dynamodb_replicate/_search",
        )
        .header("content-type", "application/json")
        .header("content-length", "2")
        .body("{}");
        let ctx = SigningContext::for_service(&c, Service::Aoss, "ap-southeast-1", T);
        let signed = sign(&req, &ctx).unwrap();
        assert_eq!(
            signed.header("x-amz-content-sha256"),
            Some("44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a")
        );
        assert!(signed.header("content-length").is_none());
        let e = signed.explanation.given().unwrap();
        assert_eq!(
            e.signed_headers,
            "content-type;host;x-amz-content-sha256;x-amz-date;x-amz-security-token"
        );
        assert_eq!(
            e.credential_scope,
            "20251124/ap-southeast-1/aoss/aws4_request"
        );
        assert!(signed
            .header("authorization")
            .unwrap()
            .ends_with(&format!("Signature={}", e.signature)));
    }

    #[test]
    fn explanation_never_holds_the_session_token_or_secret() {
        let token = "IQoJb3JpZ2luX2VjEXAMPLESECRETTOKENVALUE";
        let c = creds(Some(token));
        let req = HttpRequest::new("POST", "https://sts.ap-southeast-1.amazonaws.com/")
            .header("content-type", "application/x-www-form-urlencoded")
            .body("Action=GetCallerIdentity&Version=2011-06-15");
        let ctx = SigningContext::for_service(&c, Service::Sts, "ap-southeast-1", T);
        let signed = sign(&req, &ctx).unwrap();
        let e = signed.explanation.given().unwrap();
        assert!(!e.canonical_request.contains(token));
        assert!(e.canonical_request.contains(&format!(
            "x-amz-security-token:** redacted (length={}) **",
            token.len()
        )));
        assert!(!format!("{e:?}").contains(&c.secret_access_key));
        // The token is still sent: the request needs it.
        assert_eq!(signed.header("x-amz-security-token"), Some(token));
    }

    #[test]
    fn execute_api_does_not_send_payload_hash() {
        let c = creds(None);
        let req = HttpRequest::new(
            "POST",
            "https://abc123.execute-api.ap-southeast-1.amazonaws.com/v1/lab",
        )
        .header("content-type", "application/json")
        .body(r#"{"name":"n","type":"t"}"#);
        let ctx = SigningContext::for_service(&c, Service::ApiGateway, "ap-southeast-1", T);
        let signed = sign(&req, &ctx).unwrap();
        assert!(signed.header("x-amz-content-sha256").is_none());
        assert_eq!(
            signed.explanation.given().unwrap().signed_headers,
            "content-type;host;x-amz-date"
        );
        assert_eq!(
            signed.explanation.given().unwrap().amz_date,
            "20251124T000000Z"
        );
    }

    #[test]
    fn relative_url_is_a_clear_error() {
        let c = creds(None);
        let req = HttpRequest::new("POST", "/aoss/dynamodb_replicate/_search");
        let ctx = SigningContext::for_service(&c, Service::Aoss, "ap-southeast-1", T);
        assert!(matches!(sign(&req, &ctx), Err(SigningError::NoHost { .. })));
    }

    #[test]
    fn header_with_line_break_is_refused() {
        let c = creds(None);
        let req = HttpRequest::new("GET", "https://example.com/").header("x-a", "a\nb");
        let ctx = SigningContext::for_service(&c, Service::Sts, "us-east-1", T);
        assert!(matches!(
            sign(&req, &ctx),
            Err(SigningError::BadHeader { .. })
        ));
    }

    #[test]
    fn negative_time_is_refused() {
        let c = creds(None);
        let req = HttpRequest::new("GET", "https://example.com/");
        let ctx = SigningContext::for_service(&c, Service::Sts, "us-east-1", -5);
        assert_eq!(sign(&req, &ctx).unwrap_err(), SigningError::BadTime);
    }

    fn aoss(url: &str) -> Result<SignedRequest, SigningError> {
        let c = creds(None);
        let ctx = SigningContext::for_service(&c, Service::Aoss, "ap-southeast-1", T);
        sign(&HttpRequest::new("GET", url), &ctx)
    }

    /// The canonical request's query line and host line.
    fn query_and_host(signed: &SignedRequest) -> (String, String) {
        let lines: Vec<&str> = signed
            .explanation
            .given()
            .unwrap()
            .canonical_request
            .lines()
            .collect();
        let host = lines.iter().find(|l| l.starts_with("host:")).unwrap();
        (lines[2].to_owned(), (*host).to_owned())
    }

    #[test]
    fn a_plus_in_the_query_is_signed_and_sent_as_a_plus_sign() {
        // AWS canonicalises a raw `+` as %2B; aws-sigv4 alone signs a space.
        let signed =
            aoss("https://abc.ap-southeast-1.aoss.amazonaws.com/i/_search?q=a+b&x=1%2B1").unwrap();
        assert_eq!(query_and_host(&signed).0, "q=a%2Bb&x=1%2B1");
        assert_eq!(
            signed.url,
            "https://abc.ap-southeast-1.aoss.amazonaws.com/i/_search?q=a%2Bb&x=1%2B1"
        );
        // Spaces stay spaces, other characters are written as SigV4 does.
        let signed = aoss("https://h.example/?q=a b&k=it's&e=&f&&z=%7e*").unwrap();
        assert_eq!(
            signed.url,
            "https://h.example/?q=a%20b&k=it%27s&e=&f&z=~%2A"
        );
        assert_eq!(query_and_host(&signed).0, "e=&f=&k=it%27s&q=a%20b&z=~%2A");
    }

    #[test]
    fn a_host_is_signed_and_sent_in_lower_case_without_its_default_port() {
        let signed = aoss("HTTPS://ABC.AP-SOUTHEAST-1.AOSS.Amazonaws.com:443/Index").unwrap();
        assert_eq!(
            signed.url,
            "https://abc.ap-southeast-1.aoss.amazonaws.com/Index"
        );
        assert_eq!(
            query_and_host(&signed).1,
            "host:abc.ap-southeast-1.aoss.amazonaws.com"
        );
        let signed = aoss("http://LOCALHOST:04566/x").unwrap();
        assert_eq!(signed.url, "http://localhost:4566/x");
        assert_eq!(query_and_host(&signed).1, "host:localhost:4566");
    }

    #[test]
    fn encoded_dot_segments_are_refused_by_name() {
        for (url, segment) in [
            ("https://h.example/idx/_doc/%2e%2e", "%2e%2e"),
            ("https://h.example/%2E/x", "%2E"),
            ("https://h.example/a/.%2e/b", ".%2e"),
        ] {
            let e = aoss(url).unwrap_err();
            assert_eq!(
                e,
                SigningError::DotSegment {
                    segment: segment.into(),
                    literal_path: false
                }
            );
            assert!(e.to_string().starts_with(&format!(
                "The path segment “{segment}” cannot be sent: the browser reads it as a dot segment"
            )));
        }
    }

    #[test]
    fn plain_dot_segments_are_resolved_as_the_browser_does() {
        let signed = aoss("https://h.example/a/b/../c/./d/..?x").unwrap();
        assert_eq!(signed.url, "https://h.example/a/c/?x");
        assert!(signed
            .explanation
            .given()
            .unwrap()
            .canonical_request
            .starts_with("GET\n/a/c/\nx=\n"));
        // `\` is a `/` to the browser, a space is %20, non-ASCII is UTF-8.
        let signed = aoss("https://h.example/my index\\é#frag").unwrap();
        assert_eq!(signed.url, "https://h.example/my%20index/%C3%A9");
        assert!(signed
            .explanation
            .given()
            .unwrap()
            .canonical_request
            .starts_with("GET\n/my%2520index/%25C3%25A9\n"));
    }

    #[test]
    fn the_method_is_signed_as_fetch_sends_it() {
        let c = creds(None);
        let ctx = SigningContext::for_service(&c, Service::Lambda, "us-east-1", T);
        let signed = sign(&HttpRequest::new("post", "https://h.example/"), &ctx).unwrap();
        assert_eq!(signed.method, "POST");
        assert!(signed
            .explanation
            .given()
            .unwrap()
            .canonical_request
            .starts_with("POST\n"));
        // fetch() upper-cases only the six standard names.
        let signed = sign(&HttpRequest::new("patch", "https://h.example/"), &ctx).unwrap();
        assert_eq!(signed.method, "patch");
        assert!(matches!(
            sign(&HttpRequest::new("TRACE", "https://h.example/"), &ctx),
            Err(SigningError::BadMethod { .. })
        ));
        assert!(matches!(
            sign(
                &HttpRequest::new("GET", "https://h.example/").body("x"),
                &ctx
            ),
            Err(SigningError::BadMethod { .. })
        ));
    }

    #[test]
    fn urls_the_browser_would_change_unexpectedly_are_refused() {
        for url in [
            "https://h.example/a\nb",
            "https://user:pw@h.example/",
            "ftp://h.example/",
            "https://[::1]/",
            "https://bücher.example/",
            "https://0x7f.1/",
            "https://h.example:99999/",
            "https://h.example/?q=%FF",
        ] {
            assert!(
                matches!(aoss(url), Err(SigningError::BadUrl { .. })),
                "{url}: {:?}",
                aoss(url)
            );
        }
        let e = aoss("https://h.example/?q=\u{202E}%FF").unwrap_err();
        assert!(!e.to_string().contains('\u{202E}'));
    }

    #[test]
    fn host_keeps_a_custom_port() {
        let req = HttpRequest::new("GET", "http://127.0.0.1:4566/v1/lab?x=1");
        assert_eq!(req.host(), Some("127.0.0.1:4566"));
        assert_eq!(HttpRequest::new("GET", "/x").host(), None);
    }
}
