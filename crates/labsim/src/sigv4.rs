//! Verification of SigV4 header-signed requests, as AWS front ends do it.
//!
//! The canonical request is computed here from the request as received,
//! rather than by re-signing with `aws-sigv4`: a signer decides for itself
//! which headers to sign (it skips some, adds `x-amz-date`, the token and
//! sometimes `x-amz-content-sha256`), while a verifier must use exactly the
//! client's `SignedHeaders` list and its `x-amz-date`. Computing it here also
//! keeps `aws-sigv4` out of the (wasm32) core, yields the canonical request
//! and string to sign for diagnostics, and lets the tests check this code
//! against `aws-sigv4` as an independent implementation.
//!
//! Checks run in this order, each failing with AWS's own message: header
//! present and complete; `host` signed; scope terminator, region, service and
//! date; clock skew; access key, session token, expiry; signature. (AWS does
//! not document its order; this one is inferred and consistent.)

use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256};

use crate::identity::{Credentials, IdentityStore};
use crate::message::Request;
use crate::percent;
use crate::time;

pub const ALGORITHM: &str = "AWS4-HMAC-SHA256";
/// How far `x-amz-date` may be from the server's clock, either way.
pub const MAX_SKEW_MS: i64 = 5 * 60 * 1000;

pub const MSG_MISSING_TOKEN: &str = "Request is missing Authentication Token";
pub const MSG_INVALID_TOKEN: &str = "The security token included in the request is invalid.";
pub const MSG_EXPIRED_TOKEN: &str = "The security token included in the request is expired";
pub const MSG_SIGNATURE_MISMATCH: &str = "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.";
pub const MSG_HOST_NOT_SIGNED: &str =
    "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.";
pub const MSG_WRONG_REGION: &str = "Credential should be scoped to a valid region.";

/// Why a request was refused. Services map each kind to their own error code
/// and status (STS: `InvalidClientTokenId`, JSON services:
/// `UnrecognizedClientException`, ...); `Display` is AWS's message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    /// No `Authorization` header, or not a SigV4 one.
    #[error("{}", MSG_MISSING_TOKEN)]
    MissingAuthenticationToken,
    /// The header lacks parts or is malformed.
    #[error("{0}")]
    IncompleteSignature(String),
    /// Unknown access key, or a session token that is missing or not its own.
    #[error("{}", MSG_INVALID_TOKEN)]
    InvalidClientTokenId,
    #[error("{}", MSG_EXPIRED_TOKEN)]
    ExpiredToken,
    /// Wrong scope or clock skew: AWS reports these as signature errors with
    /// a message of their own.
    #[error("{0}")]
    SignatureDoesNotMatch(String),
    /// The recomputed signature differs. Carries what the server computed so
    /// the simulator can show it; AWS's message does not (for STS).
    #[error("{}", MSG_SIGNATURE_MISMATCH)]
    SignatureMismatch(Box<Computed>),
}

/// The intermediate values of a signature computation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Computed {
    pub canonical_request: String,
    pub string_to_sign: String,
}

/// A parsed `Authorization: AWS4-HMAC-SHA256 ...` header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authorization {
    pub access_key_id: String,
    /// The scope's date, `YYYYMMDD`.
    pub date: String,
    pub region: String,
    pub service: String,
    pub terminator: String,
    /// Lowercase header names in the client's order.
    pub signed_headers: Vec<String>,
    pub signature: String,
}

/// What the receiving endpoint expects in the credential scope.
#[derive(Debug, Clone, Copy)]
pub struct Expected<'a> {
    pub service: &'a str,
    pub region: &'a str,
}

/// Verifies `req` as the endpoint `expected` at time `now_ms`; on success,
/// returns the credentials it was signed with.
pub fn verify<'s>(
    req: &Request,
    expected: Expected<'_>,
    store: &'s IdentityStore,
    now_ms: i64,
) -> Result<&'s Credentials, AuthError> {
    let header = match req.header("authorization") {
        Some(h) if h.starts_with("AWS4-") => h,
        _ => return Err(AuthError::MissingAuthenticationToken),
    };
    let auth = parse_authorization(header, req.header("x-amz-date").is_some())?;
    // Checked by parse_authorization.
    let amz_date = req.header("x-amz-date").unwrap_or_default();
    let Some(signed_at_ms) = time::parse_amz_date_ms(amz_date) else {
        return Err(AuthError::IncompleteSignature(format!(
            "Date must be in ISO-8601 'basic format'. Got '{amz_date}'. See http://en.wikipedia.org/wiki/ISO_8601"
        )));
    };
    check_scope(&auth, expected, amz_date)?;
    check_skew(signed_at_ms, now_ms)?;

    let credentials = store
        .find(&auth.access_key_id)
        .ok_or(AuthError::InvalidClientTokenId)?;
    // Every credential here is temporary, so the token is required. It need
    // not be signed: AWS accepts it unsigned (some SDKs add it after signing).
    if req.header("x-amz-security-token") != Some(credentials.session_token.as_str()) {
        return Err(AuthError::InvalidClientTokenId);
    }
    if credentials.is_expired(now_ms) {
        return Err(AuthError::ExpiredToken);
    }

    let computed = compute(req, &auth, amz_date);
    if signature_matches(
        &credentials.secret_access_key,
        &auth,
        &computed.string_to_sign,
    ) {
        Ok(credentials)
    } else {
        Err(AuthError::SignatureMismatch(Box::new(computed)))
    }
}

/// Parses an `Authorization` header. `has_date` tells whether the request has
/// an `x-amz-date` header, whose absence AWS reports together with missing
/// parts of the header.
pub fn parse_authorization(header: &str, has_date: bool) -> Result<Authorization, AuthError> {
    let (algorithm, rest) = header.split_once(' ').unwrap_or((header, ""));
    if algorithm != ALGORITHM {
        return Err(AuthError::IncompleteSignature(format!(
            "Unsupported AWS 'algorithm': '{algorithm}'"
        )));
    }
    let mut credential = None;
    let mut signed_headers = None;
    let mut signature = None;
    for part in rest.split(',') {
        match part.trim().split_once('=') {
            Some(("Credential", v)) => credential = Some(v.trim()),
            Some(("SignedHeaders", v)) => signed_headers = Some(v.trim()),
            Some(("Signature", v)) => signature = Some(v.trim()),
            _ => {}
        }
    }
    let mut missing: Vec<String> = [
        ("'Credential'", credential),
        ("'Signature'", signature),
        ("'SignedHeaders'", signed_headers),
    ]
    .iter()
    .filter(|(_, value)| value.is_none())
    .map(|(name, _)| format!("Authorization header requires {name} parameter."))
    .collect();
    if !has_date {
        missing.push(
            "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header."
                .to_owned(),
        );
    }
    let (Some(credential), Some(signed_headers), Some(signature), true) =
        (credential, signed_headers, signature, missing.is_empty())
    else {
        missing.push(format!("Authorization={header}"));
        return Err(AuthError::IncompleteSignature(missing.join(" ")));
    };

    let scope: Vec<&str> = credential.split('/').collect();
    let [access_key_id, date, region, service, terminator] = scope[..] else {
        return Err(AuthError::IncompleteSignature(format!(
            "Credential is malformed: expected '<AccessKeyId>/<YYYYMMDD>/<region>/<service>/aws4_request', got '{credential}'."
        )));
    };
    let signed_headers: Vec<String> = signed_headers
        .split(';')
        .map(str::to_ascii_lowercase)
        .collect();
    if !signed_headers
        .iter()
        .any(|h| h == "host" || h == ":authority")
    {
        return Err(AuthError::IncompleteSignature(
            MSG_HOST_NOT_SIGNED.to_owned(),
        ));
    }
    Ok(Authorization {
        access_key_id: access_key_id.to_owned(),
        date: date.to_owned(),
        region: region.to_owned(),
        service: service.to_owned(),
        terminator: terminator.to_owned(),
        signed_headers,
        signature: signature.to_owned(),
    })
}

fn check_scope(
    auth: &Authorization,
    expected: Expected<'_>,
    amz_date: &str,
) -> Result<(), AuthError> {
    let fail = |message: String| Err(AuthError::SignatureDoesNotMatch(message));
    if auth.terminator != "aws4_request" {
        return fail(format!(
            "Credential should be scoped with a valid terminator: 'aws4_request', not '{}'.",
            auth.terminator
        ));
    }
    if auth.region != expected.region {
        return fail(MSG_WRONG_REGION.to_owned());
    }
    if auth.service != expected.service {
        return fail(format!(
            "Credential should be scoped to correct service: '{}'.",
            expected.service
        ));
    }
    if auth.date != amz_date[..8] {
        return fail(format!(
            "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '{}' != '{}', from '{amz_date}'.",
            auth.date,
            &amz_date[..8]
        ));
    }
    Ok(())
}

/// Refuses a signing time more than five minutes from the server's clock,
/// with AWS's wording (the server time in parentheses is what lets a page
/// that cannot read `Date` correct its clock).
pub(crate) fn check_skew(signed_at_ms: i64, now_ms: i64) -> Result<(), AuthError> {
    let now = now_ms.div_euclid(1000) * 1000;
    let signed = time::amz_date(signed_at_ms);
    let server = time::amz_date(now);
    if signed_at_ms < now - MAX_SKEW_MS {
        let earliest = time::amz_date(now - MAX_SKEW_MS);
        return Err(AuthError::SignatureDoesNotMatch(format!(
            "Signature expired: {signed} is now earlier than {earliest} ({server} - 5 min.)"
        )));
    }
    if signed_at_ms > now + MAX_SKEW_MS {
        let latest = time::amz_date(now + MAX_SKEW_MS);
        return Err(AuthError::SignatureDoesNotMatch(format!(
            "Signature not yet current: {signed} is still later than {latest} ({server} + 5 min.)"
        )));
    }
    Ok(())
}

/// The canonical request and string to sign of `req` under `auth`.
pub fn compute(req: &Request, auth: &Authorization, amz_date: &str) -> Computed {
    let canonical_headers: String = auth
        .signed_headers
        .iter()
        .map(|name| format!("{name}:{}\n", header_value(req, name)))
        .collect();
    let canonical_request = format!(
        "{}\n{}\n{}\n{}\n{}\n{}",
        req.method,
        canonical_uri(&req.path),
        canonical_query(&req.query),
        canonical_headers,
        auth.signed_headers.join(";"),
        hex::encode(Sha256::digest(&req.body)),
    );
    let string_to_sign = format!(
        "{ALGORITHM}\n{amz_date}\n{}/{}/{}/{}\n{}",
        auth.date,
        auth.region,
        auth.service,
        auth.terminator,
        hex::encode(Sha256::digest(canonical_request.as_bytes())),
    );
    Computed {
        canonical_request,
        string_to_sign,
    }
}

/// Compares the client's signature with ours in constant time: the last HMAC
/// of the key derivation is checked with `Mac::verify_slice`.
fn signature_matches(secret: &str, auth: &Authorization, string_to_sign: &str) -> bool {
    let Ok(provided) = hex::decode(&auth.signature) else {
        return false;
    };
    let key = [
        auth.date.as_str(),
        &auth.region,
        &auth.service,
        &auth.terminator,
    ]
    .iter()
    .fold(format!("AWS4{secret}").into_bytes(), |key, part| {
        hmac(&key, part.as_bytes())
    });
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).expect("HMAC takes any key length");
    mac.update(string_to_sign.as_bytes());
    mac.verify_slice(&provided).is_ok()
}

fn hmac(key: &[u8], data: &[u8]) -> Vec<u8> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes any key length");
    mac.update(data);
    mac.finalize().into_bytes().to_vec()
}

/// All values of a header joined by commas, each with outer spaces trimmed
/// and inner runs of spaces collapsed (SigV4's "trimall").
fn header_value(req: &Request, name: &str) -> String {
    let values: Vec<String> = req
        .header_values(name)
        .map(|v| {
            v.split(' ')
                .filter(|w| !w.is_empty())
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect();
    values.join(",")
}

/// The path with dot segments and repeated slashes removed (every service
/// but S3 normalises), then URI-encoded once more: clients sign the path they
/// send, which is already encoded, encoded again.
fn canonical_uri(raw_path: &str) -> String {
    let path = if raw_path.starts_with('/') {
        raw_path.to_owned()
    } else {
        format!("/{raw_path}")
    };
    let mut segments: Vec<&str> = Vec::new();
    for segment in path.split('/') {
        match segment {
            "" | "." => {}
            ".." => {
                segments.pop();
            }
            s => segments.push(s),
        }
    }
    let mut normalized = format!("/{}", segments.join("/"));
    let ends_in_slash = ["/", "/.", "/.."].iter().any(|s| path.ends_with(s));
    if ends_in_slash && normalized.len() > 1 {
        normalized.push('/');
    }
    percent::encode(&normalized, percent::UNRESERVED_AND_SLASH)
}

/// Query parameters decoded, re-encoded strictly, and sorted by name then
/// value. Only `%XX` is decoded: a raw `+` is a literal plus, signed as
/// `%2B`, as AWS canonicalizes it (aws-sigv4 reads it as a space, smithy-rs
/// issue 4227; a signer that does so is refused here, as by AWS).
fn canonical_query(raw_query: &str) -> String {
    // Decoded to bytes, not text: `%FF` stays `%FF`, as AWS signs it.
    let strict = |s: &str| percent::reencode(s, percent::UNRESERVED);
    let mut params: Vec<(String, String)> = raw_query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| pair.split_once('=').unwrap_or((pair, "")))
        .map(|(k, v)| (strict(k), strict(v)))
        .collect();
    params.sort();
    params
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&")
}

#[cfg(test)]
mod tests;
