//! labmate's signer, exported to JavaScript for the page benchmark
//! (`make bench-page`): the page signs the same request with this and with
//! the AWS SDK's `@smithy/signature-v4`, checks both give the same
//! `Authorization`, and times each.
//!
//! A crate of its own so the app's release bundle (and its size check) is
//! the same with or without the benchmark. It calls
//! `labmate_core::signing::sign_with`, the one signing function of labmate,
//! on both of the app's paths: with the explanation built while signing
//! (the learner's requests) and without it (the pollers', explained only
//! when the inspector opens one). It is built with the app's release
//! profile, allocator and wasm-opt flags (scripts/bench-page.sh).

use labmate_core::credentials::Credentials;
use labmate_core::signing::{sign, sign_with, Explain, HttpRequest, SigningContext, SigningError};
use labmate_core::Service;
use serde::Deserialize;
use wasm_bindgen::prelude::*;

// The page is single-threaded: the same allocator as the app.
#[cfg(all(not(target_feature = "atomics"), target_family = "wasm"))]
#[global_allocator]
static ALLOCATOR: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();

/// One signing case as the page describes it (JSON): what to sign, for
/// which service, with which credentials, at what time.
#[derive(Deserialize)]
pub struct SigningCase {
    /// labsim's key for the service (`api`, `streams`, ...), which picks the
    /// signing name and rules the app uses for it.
    pub service: Service,
    pub region: String,
    /// Epoch milliseconds.
    pub time_ms: i64,
    pub access_key_id: String,
    pub secret_access_key: String,
    pub session_token: Option<String>,
    pub method: String,
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

/// Why a case was not signed.
#[derive(Debug, thiserror::Error)]
pub enum BenchError {
    #[error("the signing case is not valid JSON of the expected shape: {0}")]
    Case(#[from] serde_json::Error),
    #[error(transparent)]
    Signing(#[from] SigningError),
    #[error("aws-sigv4 refused the case: {0}")]
    Sigv4(String),
}

impl SigningCase {
    fn parse(json: &str) -> Result<Self, BenchError> {
        Ok(serde_json::from_str(json)?)
    }

    fn credentials(&self) -> Credentials {
        Credentials {
            access_key_id: self.access_key_id.clone(),
            secret_access_key: self.secret_access_key.clone(),
            session_token: self.session_token.clone(),
            expiration: None,
        }
    }

    fn request(&self) -> HttpRequest {
        let mut request = HttpRequest::new(&self.method, &self.url).body(self.body.clone());
        for (name, value) in &self.headers {
            request = request.header(name, value);
        }
        request
    }
}

/// Signs `case` once and gives the headers the app would send, as a JSON
/// array of `[name, value]` pairs (for the cross-check with @smithy's).
pub fn signed_headers(case_json: &str) -> Result<String, BenchError> {
    let case = SigningCase::parse(case_json)?;
    let credentials = case.credentials();
    let ctx = SigningContext::for_service(&credentials, case.service, &case.region, case.time_ms);
    let signed = sign(&case.request(), &ctx)?;
    Ok(serde_json::to_string(&signed.headers)?)
}

/// Signs `case` once without the explanation, as the app signs a poller's
/// request, and gives the headers it would send (JSON, as
/// [`signed_headers`]).
pub fn signed_headers_unexplained(case_json: &str) -> Result<String, BenchError> {
    let case = SigningCase::parse(case_json)?;
    let credentials = case.credentials();
    let ctx = SigningContext::for_service(&credentials, case.service, &case.region, case.time_ms);
    let signed = sign_with(&case.request(), &ctx, Explain::OnDemand)?;
    Ok(serde_json::to_string(&signed.headers)?)
}

/// Signs `case` `times` times, as the app signs each request it sends
/// (building the request and credentials each time), explaining each now
/// (the learner's requests) or on demand (the pollers'), and gives the
/// total length of the signatures made, so no call can be skipped.
pub fn sign_times(case_json: &str, times: u32, explain: Explain) -> Result<usize, BenchError> {
    let case = SigningCase::parse(case_json)?;
    let mut total = 0;
    for _ in 0..times {
        let credentials = case.credentials();
        let ctx =
            SigningContext::for_service(&credentials, case.service, &case.region, case.time_ms);
        total += sign_with(&case.request(), &ctx, explain)?.signature.len();
    }
    Ok(total)
}

/// The `Authorization` aws-sigv4 alone gives `case`, with the settings
/// labmate uses for the lab's services other than AOSS (no payload hash
/// header; paths normalised and encoded twice; the session token signed),
/// without labmate's explanation (the canonical request captured, the
/// string to sign rebuilt and checked). Context for the race: what the
/// explanation costs.
pub fn sigv4_only_authorization(case: &SigningCase) -> Result<String, BenchError> {
    use aws_sigv4::http_request::{
        sign as sigv4_sign, PayloadChecksumKind, SignableBody, SignableRequest, SigningSettings,
    };
    use aws_sigv4::sign::v4;
    use std::time::{Duration, UNIX_EPOCH};

    let failed = |e: &dyn std::fmt::Display| BenchError::Sigv4(e.to_string());
    let ms = u64::try_from(case.time_ms).map_err(|e| failed(&e))?;
    let identity = aws_credential_types::Credentials::new(
        &case.access_key_id,
        &case.secret_access_key,
        case.session_token.clone(),
        None,
        "bench",
    )
    .into();
    let mut settings = SigningSettings::default();
    settings.payload_checksum_kind = PayloadChecksumKind::NoHeader;
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region(&case.region)
        .name(case.service.signing_name())
        .time(UNIX_EPOCH + Duration::from_millis(ms))
        .settings(settings)
        .build()
        .map_err(|e| failed(&e))?
        .into();
    let signable = SignableRequest::new(
        &case.method,
        case.url.as_str(),
        case.headers.iter().map(|(n, v)| (n.as_str(), v.as_str())),
        SignableBody::Bytes(case.body.as_bytes()),
    )
    .map_err(|e| failed(&e))?;
    let (instructions, _) = sigv4_sign(signable, &params)
        .map_err(|e| failed(&e))?
        .into_parts();
    let (headers, _) = instructions.into_parts();
    headers
        .iter()
        .find(|h| h.name() == "authorization")
        .map(|h| h.value().to_owned())
        .ok_or_else(|| BenchError::Sigv4("no authorization header".into()))
}

/// [`sigv4_only_authorization`] `times` times; gives the total length of
/// the values, so no call can be skipped.
pub fn sign_times_sigv4_only(case_json: &str, times: u32) -> Result<usize, BenchError> {
    let case = SigningCase::parse(case_json)?;
    let mut total = 0;
    for _ in 0..times {
        total += sigv4_only_authorization(&case)?.len();
    }
    Ok(total)
}

/// [`signed_headers`] for JavaScript.
#[wasm_bindgen(js_name = signedHeaders)]
pub fn signed_headers_js(case_json: &str) -> Result<String, JsError> {
    signed_headers(case_json).map_err(|e| JsError::new(&e.to_string()))
}

/// [`signed_headers_unexplained`] for JavaScript.
#[wasm_bindgen(js_name = signedHeadersUnexplained)]
pub fn signed_headers_unexplained_js(case_json: &str) -> Result<String, JsError> {
    signed_headers_unexplained(case_json).map_err(|e| JsError::new(&e.to_string()))
}

/// [`sign_times`] for JavaScript, with the explanation (the learner's path).
#[wasm_bindgen(js_name = signTimes)]
pub fn sign_times_js(case_json: &str, times: u32) -> Result<usize, JsError> {
    sign_times(case_json, times, Explain::Now).map_err(|e| JsError::new(&e.to_string()))
}

/// [`sign_times`] for JavaScript, without the explanation (the pollers' path).
#[wasm_bindgen(js_name = signTimesUnexplained)]
pub fn sign_times_unexplained_js(case_json: &str, times: u32) -> Result<usize, JsError> {
    sign_times(case_json, times, Explain::OnDemand).map_err(|e| JsError::new(&e.to_string()))
}

/// [`sigv4_only_authorization`] for JavaScript (the race's cross-check).
#[wasm_bindgen(js_name = sigv4OnlyAuthorization)]
pub fn sigv4_only_authorization_js(case_json: &str) -> Result<String, JsError> {
    SigningCase::parse(case_json)
        .and_then(|case| sigv4_only_authorization(&case))
        .map_err(|e| JsError::new(&e.to_string()))
}

/// [`sign_times_sigv4_only`] for JavaScript.
#[wasm_bindgen(js_name = signTimesSigv4Only)]
pub fn sign_times_sigv4_only_js(case_json: &str, times: u32) -> Result<usize, JsError> {
    sign_times_sigv4_only(case_json, times).map_err(|e| JsError::new(&e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn case() -> String {
        serde_json::json!({
            "service": "api",
            "region": "ap-southeast-1",
            "time_ms": 1_795_000_000_000_i64,
            "access_key_id": "ASIAIOSFODNN7EXAMPLE",
            "secret_access_key": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
            "session_token": "token",
            "method": "POST",
            "url": "https://abc123defg.execute-api.ap-southeast-1.amazonaws.com/v1/lab",
            "headers": [["content-type", "application/json"]],
            "body": "{\"name\":\"Ada\"}",
        })
        .to_string()
    }

    /// The `Authorization` the app's path gives the case.
    fn authorization() -> String {
        let headers: Vec<(String, String)> =
            serde_json::from_str(&signed_headers(&case()).unwrap()).unwrap();
        headers
            .into_iter()
            .find(|(n, _)| n == "authorization")
            .unwrap()
            .1
    }

    #[test]
    fn the_headers_are_the_apps_for_the_same_request() {
        let auth = authorization();
        assert!(auth.starts_with(
            "AWS4-HMAC-SHA256 Credential=ASIAIOSFODNN7EXAMPLE/20261118/ap-southeast-1/execute-api/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-security-token, Signature="
        ), "{auth}");
    }

    #[test]
    fn signing_n_times_signs_n_times() {
        assert_eq!(sign_times(&case(), 3, Explain::Now).unwrap(), 3 * 64);
        assert_eq!(sign_times(&case(), 2, Explain::OnDemand).unwrap(), 2 * 64);
    }

    #[test]
    fn both_paths_send_the_same_headers() {
        assert_eq!(
            signed_headers_unexplained(&case()).unwrap(),
            signed_headers(&case()).unwrap()
        );
    }

    #[test]
    fn aws_sigv4_alone_signs_as_labmate_does() {
        let alone = sigv4_only_authorization(&SigningCase::parse(&case()).unwrap()).unwrap();
        assert_eq!(alone, authorization());
    }

    #[test]
    fn a_bad_case_says_what_is_wrong() {
        let err = sign_times("{}", 1, Explain::Now).unwrap_err().to_string();
        assert!(
            err.starts_with("the signing case is not valid JSON"),
            "{err}"
        );
    }
}
