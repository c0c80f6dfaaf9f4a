//! Runs in headless Chromium (wasm-bindgen-test): signing works in the
//! browser, with the browser's clock, and the inspector's explanation is
//! captured there too.
#![cfg(target_arch = "wasm32")]

use labmate_core::credentials::Credentials;
use labmate_core::signing::{sign, HttpRequest, SigningContext, SigningRules};
use labmate_core::Service;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn creds() -> Credentials {
    Credentials {
        access_key_id: "ASIAIOSFODNN7EXAMPLE".into(),
        secret_access_key: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY".into(),
        session_token: Some("IQoJb3JpZ2luX2VjEXAMPLETOKENFORBROWSERTEST".into()),
        expiration: None,
    }
}

#[wasm_bindgen_test]
fn signs_an_aoss_search_with_the_browser_clock() {
    let now = js_sys::Date::now() as i64;
    let c = creds();
    let req = HttpRequest::new(
        "POST",
        "https://abc123.ap-southeast-1.aoss.amazonaws.com/dynamodb_replicate/_search",
    )
    .header("content-type", "application/json")
    .body("{\"query\":{\"match_all\":{}}}");
    let ctx = SigningContext::for_service(&c, Service::Aoss, "ap-southeast-1", now);
    let signed = sign(&req, &ctx).expect("signing works in the browser");
    let e = signed.explanation.given().unwrap();
    // The date signed is today's, from Date.now().
    let today = js_sys::Date::new_0().to_iso_string().as_string().unwrap();
    let yyyymmdd: String = today[..10].chars().filter(|c| *c != '-').collect();
    assert!(
        e.amz_date.starts_with(&yyyymmdd),
        "{} vs {today}",
        e.amz_date
    );
    // The canonical request came from aws-sigv4's trace, inside wasm.
    assert!(e
        .canonical_request
        .starts_with("POST\n/dynamodb_replicate/_search\n"));
    assert!(e
        .canonical_request
        .contains("x-amz-security-token:** redacted"));
    assert!(!e.canonical_request.contains("EXAMPLETOKENFORBROWSERTEST"));
    assert_eq!(
        e.signed_headers,
        "content-type;host;x-amz-content-sha256;x-amz-date;x-amz-security-token"
    );
    assert_eq!(e.signature.len(), 64);
}

#[wasm_bindgen_test]
fn reproduces_an_aws_suite_vector_in_the_browser() {
    // get-vanilla from AWS's suite: the exact signature, computed in wasm.
    let c = Credentials {
        access_key_id: "AKIDEXAMPLE".into(),
        secret_access_key: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY".into(),
        session_token: None,
        expiration: None,
    };
    let req = HttpRequest::new("GET", "https://example.amazonaws.com/");
    let ctx = SigningContext {
        credentials: &c,
        signing_name: "service",
        region: "us-east-1",
        time_ms: 1_440_938_160_000, // 2015-08-30T12:36:00Z
        rules: SigningRules::default(),
    };
    let signed = sign(&req, &ctx).unwrap();
    assert_eq!(
        signed.explanation.given().unwrap().signature,
        "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"
    );
}
