//! SigV4 signing for every request labmate sends, with the explanation the
//! inspector shows taken from the signer itself.
//!
//! `aws-sigv4` does the signing. While it signs, a scoped `tracing`
//! subscriber records the canonical request the signer logs (already
//! redacted by it); the string to sign is rebuilt from that canonical request
//! and checked against the signer's own signature, so what the inspector shows
//! is provably what was signed.

use std::borrow::Cow;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_sigv4::http_request::{
    PayloadChecksumKind, PercentEncodingMode, SessionTokenMode, SignableBody, SignableRequest,
    SigningSettings, UriPathNormalizationMode,
};
use aws_sigv4::sign::v4;
use sha2::{Digest, Sha256};

use crate::credentials::Credentials;
use crate::service::Service;
use crate::trace_capture::capture_canonical_request;

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

/// A signed request, ready to send, with the explanation of its signature.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignedRequest {
    pub method: String,
    pub url: String,
    /// Every header to send, the caller's first, then the signer's.
    /// `host` is not among them: the browser sets it.
    pub headers: Vec<(String, String)>,
    pub body: String,
    pub explanation: SigningExplanation,
}

impl SignedRequest {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
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

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SigningError {
    #[error("The URL \"{url}\" has no host. Use a full address such as https://abc123.execute-api.ap-southeast-1.amazonaws.com/v1/lab.")]
    NoHost { url: String },
    #[error("The URL \"{url}\" cannot be signed: {reason}.")]
    BadUrl { url: String, reason: String },
    #[error("The header \"{name}\" cannot be signed: {reason}.")]
    BadHeader { name: String, reason: String },
    #[error("The signing time is invalid (before 1970).")]
    BadTime,
    #[error("Signing failed: {0}.")]
    Signer(String),
    /// The rebuilt string to sign did not reproduce the signer's signature:
    /// a bug in labmate, never expected.
    #[error("The inspector could not reproduce the signer's signature; the request was signed, but its explanation is unreliable.")]
    ExplanationMismatch,
}

/// Headers the signer adds; a caller that passes them would sign twice.
const SIGNER_HEADERS: [&str; 4] = [
    "authorization",
    "x-amz-date",
    "x-amz-security-token",
    "x-amz-content-sha256",
];

/// Signs `request` as `ctx` says. The one signing function of labmate.
pub fn sign(
    request: &HttpRequest,
    ctx: &SigningContext<'_>,
) -> Result<SignedRequest, SigningError> {
    if request.host().is_none() {
        return Err(SigningError::NoHost {
            url: request.url.clone(),
        });
    }
    if request.url.contains(char::is_whitespace) {
        return Err(SigningError::BadUrl {
            url: request.url.clone(),
            reason: "it contains spaces; percent-encode them as %20".into(),
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
                reason: "a header name has only letters, digits and - _".into(),
            });
        }
        if value.contains(['\r', '\n']) {
            return Err(SigningError::BadHeader {
                name: name.clone(),
                reason: "its value has a line break".into(),
            });
        }
    }
    let signable_headers = request.headers.iter().filter(|(name, _)| {
        let browser_sets_it = is_named(name, "content-length") && !ctx.rules.sign_content_length;
        !is_signer_header(name) && !browser_sets_it
    });
    let signable = SignableRequest::new(
        &request.method,
        Cow::Borrowed(request.url.as_str()),
        signable_headers.map(|(n, v)| (n.as_str(), v.as_str())),
        SignableBody::Bytes(request.body.as_bytes()),
    )
    .map_err(|e| SigningError::BadUrl {
        url: request.url.clone(),
        reason: error_chain(&e),
    })?;

    let (output, canonical_request) =
        capture_canonical_request(|| aws_sigv4::http_request::sign(signable, &params));
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

    let amz_date = headers
        .iter()
        .find(|(n, _)| n == "x-amz-date")
        .map(|(_, v)| v.clone())
        .ok_or_else(|| SigningError::Signer("no x-amz-date".into()))?;
    let canonical_request =
        canonical_request.ok_or_else(|| SigningError::Signer("no canonical request".into()))?;
    let explanation = explain(
        &canonical_request,
        ctx,
        &amz_date,
        &signature,
        time,
        ctx.credentials.session_token.as_deref(),
    )?;
    Ok(SignedRequest {
        method: request.method.clone(),
        url: request.url.clone(),
        headers,
        body: request.body.clone(),
        explanation,
    })
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

    fn creds(token: Option<&str>) -> Credentials {
        Credentials {
            access_key_id: "ASIAIOSFODNN7EXAMPLE".into(),
            secret_access_key: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY".into(),
            session_token: token.map(str::to_owned),
            expiration: None,
        }
    }

    const T: i64 = 1_763_942_400_000; // 2025-11-24T00:00:00Z

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
        let e = &signed.explanation;
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
        let e = &signed.explanation;
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
            signed.explanation.signed_headers,
            "content-type;host;x-amz-date"
        );
        assert_eq!(signed.explanation.amz_date, "20251124T000000Z");
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

    #[test]
    fn host_keeps_a_custom_port() {
        let req = HttpRequest::new("GET", "http://127.0.0.1:4566/v1/lab?x=1");
        assert_eq!(req.host(), Some("127.0.0.1:4566"));
        assert_eq!(HttpRequest::new("GET", "/x").host(), None);
    }
}
