use serde_json::{json, Value};

use super::*;
use crate::dynamodb::{AttributeValue, Item};
use crate::test_support::{add_fault, Signer, NOW};
use crate::{Service, SimConfig, Simulator};

const ORIGIN: &str = "http://localhost:5173";

fn sim(api: ApiSetup) -> Simulator {
    let mut config = SimConfig::new(11);
    config.api = api;
    Simulator::new(config, NOW)
}

fn post(body: &str) -> Request {
    Request::new("POST", PATH)
        .with_header("host", "127.0.0.1:9102")
        .with_header("content-type", "application/json")
        .with_body(body)
}

fn item(sim: &Simulator, id: &str) -> Option<Item> {
    let key: Item = [("id".to_owned(), AttributeValue::s(id))].into();
    sim.dynamodb().get_item(LAB_TABLE, &key).unwrap()
}

#[test]
fn post_puts_an_item_whose_id_is_the_request_id() {
    let mut sim = sim(ApiSetup::default());
    let res = sim.handle(
        Service::ApiGateway,
        &post(r#"{"name": "Ann", "type": "cat"}"#),
        NOW,
    );
    assert_eq!(res.status, 200);
    assert_eq!(res.body_text(), "{}");
    assert_eq!(res.header("content-type"), Some("application/json"));
    let id = res.header("x-amzn-RequestId").unwrap().to_owned();
    assert_eq!(id.len(), 36);
    assert!(res.header("x-amz-apigw-id").is_some());
    let stored = item(&sim, &id).expect("the item");
    assert_eq!(stored["name"], AttributeValue::s("Ann"));
    assert_eq!(stored["type"], AttributeValue::s("cat"));
    assert_eq!(stored["createdAt"], AttributeValue::s(NOW.to_string()));
    // Missing fields paste as empty strings; numbers as their text.
    let res = sim.handle(Service::ApiGateway, &post(r#"{"name": 5}"#), NOW);
    let id = res.header("x-amzn-RequestId").unwrap().to_owned();
    let stored = item(&sim, &id).unwrap();
    assert_eq!(stored["name"], AttributeValue::s("5"));
    assert_eq!(stored["type"], AttributeValue::s(""));
}

#[test]
fn a_quote_in_name_breaks_the_template_but_still_answers_200() {
    let mut sim = sim(ApiSetup::default());
    let res = sim.handle(
        Service::ApiGateway,
        &post(r#"{"name": "say \"hi\"", "type": "x"}"#),
        NOW,
    );
    assert_eq!(res.status, 200);
    let body: Value = serde_json::from_slice(&res.body).unwrap();
    assert_eq!(
        body,
        json!({"__type": "com.amazon.coral.service#SerializationException"})
    );
    let id = res.header("x-amzn-RequestId").unwrap();
    assert_eq!(item(&sim, id), None);
    assert_eq!(sim.dynamodb().items(LAB_TABLE).unwrap().len(), 0);
}

#[test]
fn other_routes_are_missing_authentication_token() {
    let mut sim = sim(ApiSetup::default());
    for (method, path) in [
        ("GET", PATH),
        ("PUT", PATH),
        ("POST", "/v1/other"),
        ("GET", "/"),
    ] {
        let res = sim.handle(Service::ApiGateway, &Request::new(method, path), NOW);
        assert_eq!(res.status, 403, "{method} {path}");
        assert_eq!(
            res.body_text(),
            r#"{"message":"Missing Authentication Token"}"#
        );
        assert_eq!(
            res.header("x-amzn-ErrorType"),
            Some("MissingAuthenticationTokenException")
        );
    }
}

fn preflight() -> Request {
    Request::new("OPTIONS", PATH)
        .with_header("Origin", ORIGIN)
        .with_header("Access-Control-Request-Method", "POST")
        .with_header("Access-Control-Request-Headers", "content-type")
}

#[test]
fn cors_off_on_and_without_gateway_responses() {
    // Off (the workshop): the preflight is a 403 without CORS headers.
    let mut off = sim(ApiSetup::default());
    let res = off.handle(Service::ApiGateway, &preflight(), NOW);
    assert_eq!(res.status, 403);
    assert_eq!(res.header("access-control-allow-origin"), None);
    let res = off.handle(
        Service::ApiGateway,
        &post("{}").with_header("Origin", ORIGIN),
        NOW,
    );
    assert_eq!(res.header("access-control-allow-origin"), None);

    // On: the MOCK preflight, `*` on 2xx and on gateway 4xx.
    let on_setup = ApiSetup {
        auth: ApiAuth::Iam,
        cors: ApiCors::On,
    };
    let mut on = sim(on_setup);
    let res = on.handle(Service::ApiGateway, &preflight(), NOW);
    assert_eq!(res.status, 200);
    assert_eq!(res.header("access-control-allow-origin"), Some("*"));
    assert_eq!(
        res.header("access-control-allow-methods"),
        Some(CORS_ALLOW_METHODS)
    );
    assert_eq!(
        res.header("access-control-allow-headers"),
        Some(CORS_ALLOW_HEADERS)
    );
    // Unsigned under AWS_IAM: 403, readable by the page.
    let res = on.handle(
        Service::ApiGateway,
        &post("{}").with_header("Origin", ORIGIN),
        NOW,
    );
    assert_eq!(res.status, 403);
    assert_eq!(res.header("access-control-allow-origin"), Some("*"));
    // x-amzn-RequestId is not exposed: a page cannot read the id.
    assert_eq!(res.header("access-control-expose-headers"), None);

    // Without gateway responses the 403 carries no CORS headers.
    let mut partial = sim(ApiSetup {
        auth: ApiAuth::Iam,
        cors: ApiCors::NoGatewayResponses,
    });
    assert_eq!(
        partial
            .handle(Service::ApiGateway, &preflight(), NOW)
            .status,
        200
    );
    let res = partial.handle(
        Service::ApiGateway,
        &post("{}").with_header("Origin", ORIGIN),
        NOW,
    );
    assert_eq!(res.status, 403);
    assert_eq!(res.header("access-control-allow-origin"), None);
}

#[test]
fn aws_iam_requires_an_execute_api_signature() {
    let mut sim = sim(ApiSetup {
        auth: ApiAuth::Iam,
        cors: ApiCors::Off,
    });
    let res = sim.handle(Service::ApiGateway, &post("{}"), NOW);
    assert_eq!(res.status, 403);
    assert_eq!(
        res.body_text(),
        r#"{"message":"Missing Authentication Token"}"#
    );

    let creds = sim.identity().demo_credentials().clone();
    let mut signer = Signer::new(&creds);
    signer.service = "execute-api".into();
    let res = sim.handle(
        Service::ApiGateway,
        &signer.sign(post(r#"{"name":"Ann"}"#)),
        NOW,
    );
    assert_eq!(res.status, 200, "{}", res.body_text());
    assert_eq!(res.body_text(), "{}");

    signer.service = "dynamodb".into();
    let res = sim.handle(Service::ApiGateway, &signer.sign(post("{}")), NOW);
    assert_eq!(res.status, 403);
    assert_eq!(
        res.header("x-amzn-ErrorType"),
        Some("InvalidSignatureException")
    );
}

const CLIENT_ID: &str = "5f0c3d4e-9a1b-4c2d-8e3f-0a1b2c3d4e5f";

#[test]
fn a_client_uuid_in_x_amzn_request_id_becomes_the_request_and_item_id() {
    let mut sim = sim(ApiSetup::default());
    let res = sim.handle(
        Service::ApiGateway,
        &post(r#"{"name": "Ann", "type": "cat"}"#).with_header("X-Amzn-RequestId", CLIENT_ID),
        NOW,
    );
    assert_eq!(res.status, 200);
    assert_eq!(res.header("x-amzn-RequestId"), Some(CLIENT_ID));
    let stored = item(&sim, CLIENT_ID).expect("the item, under the client's id");
    assert_eq!(stored["name"], AttributeValue::s("Ann"));
    // `$context.extendedRequestId` stays API Gateway's own.
    let apigw_id = res.header("x-amz-apigw-id").unwrap();
    assert!(apigw_id.ends_with('=') && !apigw_id.contains(CLIENT_ID));
    let logged = sim.api_log().last().unwrap();
    assert_eq!(logged.request_id, CLIENT_ID);
    assert_eq!(logged.request_id_origin, RequestIdOrigin::Client);
    let api = sim
        .timeline()
        .page(0, 100)
        .events
        .into_iter()
        .find_map(|e| match e.event {
            lab_model::timeline::TimelineEvent::ApiRequest(a) => Some(a),
            _ => None,
        })
        .unwrap();
    assert_eq!(api.request_id, CLIENT_ID);
    assert_eq!(api.request_id_origin, RequestIdOrigin::Client);
    assert_eq!(api.item_id.as_deref(), Some(CLIENT_ID));
    // Upper case is a UUID too, and is kept as sent.
    let upper = CLIENT_ID.to_ascii_uppercase();
    let res = sim.handle(
        Service::ApiGateway,
        &post(r#"{"name": "Bo"}"#).with_header("x-amzn-requestid", &upper),
        NOW,
    );
    assert_eq!(res.header("x-amzn-RequestId"), Some(upper.as_str()));
    assert!(item(&sim, &upper).is_some());
}

#[test]
fn a_non_uuid_request_id_is_replaced_by_a_generated_one() {
    for sent in [
        "my-id",
        "",
        "5f0c3d4e9a1b4c2d8e3f0a1b2c3d4e5f",
        "{5f0c3d4e-9a1b-4c2d-8e3f-0a1b2c3d4e5f}",
        "5f0c3d4e-9a1b-4c2d-8e3f-0a1b2c3d4e5f-1",
        "5f0c3d4e-9a1b-4c2d-8e3f-0a1b2c3d4e5g",
        "5f0c3d4e-9a1b-4c2d-8e3f-0a1b2c3d4e5\"",
    ] {
        let mut sim = sim(ApiSetup::default());
        let res = sim.handle(
            Service::ApiGateway,
            &post(r#"{"name": "Cy"}"#).with_header("x-amzn-RequestId", sent),
            NOW,
        );
        assert_eq!(res.status, 200, "{sent:?}");
        let id = res.header("x-amzn-RequestId").unwrap().to_owned();
        assert_ne!(id, sent);
        assert!(is_uuid(&id), "{id}");
        assert!(item(&sim, &id).is_some(), "{sent:?}");
        assert_eq!(sim.dynamodb().items(LAB_TABLE).unwrap().len(), 1);
        let logged = sim.api_log().last().unwrap();
        assert_eq!(
            (logged.request_id.as_str(), logged.request_id_origin),
            (id.as_str(), RequestIdOrigin::Replaced)
        );
    }
    // Without the header the id is generated, as before.
    let mut sim = sim(ApiSetup::default());
    sim.handle(Service::ApiGateway, &post("{}"), NOW);
    assert_eq!(
        sim.api_log()[0].request_id_origin,
        RequestIdOrigin::Generated
    );
}

#[test]
fn uuid_format_is_8_4_4_4_12_hex_digits() {
    assert!(is_uuid(CLIENT_ID));
    assert!(is_uuid("00000000-0000-0000-0000-000000000000"));
    assert!(is_uuid("ABCDEF01-2345-6789-abcd-ef0123456789"));
    for bad in [
        "",
        "-",
        "0000000-00000-0000-0000-000000000000",
        "00000000-0000-0000-0000-00000000000",
        "00000000-0000-0000-0000-0000000000000",
        "00000000_0000_0000_0000_000000000000",
        "urn:uuid:00000000-0000-0000-0000-000000000000",
        "00000000-0000-0000-0000-00000000000é",
    ] {
        assert!(!is_uuid(bad), "{bad:?}");
    }
}

#[test]
fn a_signed_client_request_id_is_honoured_under_aws_iam() {
    let mut sim = sim(ApiSetup {
        auth: ApiAuth::Iam,
        cors: ApiCors::On,
    });
    let creds = sim.identity().demo_credentials().clone();
    let mut signer = Signer::new(&creds);
    signer.service = SERVICE.into();
    let req = signer.sign(post(r#"{"name":"Di"}"#).with_header("x-amzn-requestid", CLIENT_ID));
    let res = sim.handle(Service::ApiGateway, &req, NOW);
    assert_eq!(res.status, 200, "{}", res.body_text());
    assert_eq!(res.header("x-amzn-RequestId"), Some(CLIENT_ID));
    assert!(item(&sim, CLIENT_ID).is_some());
    // A refusal (unsigned) names the client's id too.
    let res = sim.handle(
        Service::ApiGateway,
        &post("{}").with_header("x-amzn-requestid", CLIENT_ID),
        NOW,
    );
    assert_eq!(res.status, 403);
    assert_eq!(res.header("x-amzn-RequestId"), Some(CLIENT_ID));
}

#[test]
fn an_injected_gateway_response_carries_the_client_request_id() {
    let mut sim = sim(ApiSetup::default());
    add_fault(&mut sim, r#"{"service":"api","times":1,"throttle":true}"#);
    let req = post("{}").with_header("x-amzn-RequestId", CLIENT_ID);
    let res = sim.handle(Service::ApiGateway, &req, NOW);
    assert_eq!(res.status, 429);
    assert_eq!(res.header("x-amzn-RequestId"), Some(CLIENT_ID));
}

/// The headers of `requested` (a preflight's `Access-Control-Request-Headers`)
/// that `allowed` (the answer's `Access-Control-Allow-Headers`) does not
/// allow: the Fetch standard's check, which fails the preflight when any is
/// left (header names compare case-insensitively; `*` is a wildcard).
fn headers_refused<'a>(requested: &'a str, allowed: &str) -> Vec<&'a str> {
    let allowed: Vec<String> = allowed
        .split(',')
        .map(|h| h.trim().to_ascii_lowercase())
        .collect();
    requested
        .split(',')
        .map(str::trim)
        .filter(|h| !h.is_empty())
        .filter(|h| {
            !allowed
                .iter()
                .any(|a| a == "*" || a.eq_ignore_ascii_case(h))
        })
        .collect()
}

#[test]
fn cors_preflight_allows_the_console_defaults_and_not_x_amzn_requestid() {
    let mut sim = sim(ApiSetup {
        auth: ApiAuth::Iam,
        cors: ApiCors::On,
    });
    // What a page sends when it signs a POST and chooses its request id.
    let with_id = "authorization,content-type,x-amz-date,x-amz-security-token,x-amzn-requestid";
    let req = Request::new("OPTIONS", PATH)
        .with_header("Origin", ORIGIN)
        .with_header("Access-Control-Request-Method", "POST")
        .with_header("Access-Control-Request-Headers", with_id);
    let res = sim.handle(Service::ApiGateway, &req, NOW);
    // The MOCK integration answers 200 whatever was asked; the browser
    // then finds the header missing and refuses to send the request.
    assert_eq!(res.status, 200);
    assert_eq!(
        res.header("access-control-allow-headers"),
        Some("Content-Type,X-Amz-Date,Authorization,X-Api-Key,X-Amz-Security-Token")
    );
    let allowed = res.header("access-control-allow-headers").unwrap();
    assert_eq!(headers_refused(with_id, allowed), ["x-amzn-requestid"]);
    // Without it, the same page's preflight passes.
    let without = "authorization,content-type,x-amz-date,x-amz-security-token";
    assert_eq!(headers_refused(without, allowed), Vec::<&str>::new());
    // Nothing reached the table.
    assert_eq!(sim.dynamodb().items(LAB_TABLE).unwrap().len(), 0);
}
