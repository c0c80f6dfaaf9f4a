use serde_json::{json, Value};

use super::*;
use crate::dynamodb::{AttributeValue, Item};
use crate::test_support::{Signer, NOW};
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
