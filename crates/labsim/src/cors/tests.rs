//! CORS and `x-amzn-ErrorType` as aws-behaviour.md §1 and §8 record them:
//! the policy functions alone, then every service through the simulator.

use super::*;
use crate::test_support::{add_fault, dynamodb_request, get_caller_identity, signed_as, NOW};
use crate::{SimConfig, Simulator};

const ORIGIN: &str = "http://localhost:5173";
/// What the AWS SDK for JavaScript v3 asks to send on a signed POST.
const SDK_HEADERS: &str = "amz-sdk-invocation-id,amz-sdk-request,authorization,content-type,x-amz-content-sha256,x-amz-date,x-amz-security-token,x-amz-target,x-amz-user-agent";

fn preflight_request(method: &str, headers: Option<&str>) -> Request {
    let req = Request::new("OPTIONS", "/")
        .with_header("Origin", ORIGIN)
        .with_header("Access-Control-Request-Method", method);
    match headers {
        Some(list) => req.with_header("Access-Control-Request-Headers", list),
        None => req,
    }
}

fn fixed_id() -> String {
    "0b6f4d86-1111-4c3e-9f7a-000000000001".to_owned()
}

/// Response headers by lower-case name, to check none is there twice.
fn names(res: &Response) -> Vec<String> {
    let mut names: Vec<_> = res
        .headers
        .iter()
        .map(|(n, _)| n.to_ascii_lowercase())
        .collect();
    names.sort();
    names
}

#[test]
fn a_coral_preflight_allows_any_origin_and_echoes_method_and_headers() {
    for method in ["POST", "GET", "DELETE", "PUT", "PATCH"] {
        let res = preflight(
            &CORAL,
            &preflight_request(method, Some(SDK_HEADERS)),
            fixed_id,
        )
        .expect("a preflight");
        assert_eq!(res.status, 200);
        assert_eq!(res.header("Access-Control-Allow-Origin"), Some("*"));
        assert_eq!(res.header("Access-Control-Allow-Methods"), Some(method));
        assert_eq!(
            res.header("Access-Control-Allow-Headers"),
            Some(SDK_HEADERS)
        );
        assert_eq!(
            res.header("Access-Control-Expose-Headers"),
            Some("x-amzn-RequestId,x-amzn-ErrorType,x-amzn-ErrorMessage,Date")
        );
        assert_eq!(res.header("Access-Control-Max-Age"), Some("172800"));
        assert_eq!(res.header("Content-Length"), Some("0"));
        assert_eq!(res.header("x-amzn-RequestId"), Some(fixed_id().as_str()));
        assert!(res.body.is_empty());
        assert_eq!(res.header("Vary"), None);
        assert_eq!(res.header("Access-Control-Allow-Credentials"), None);
    }
}

#[test]
fn requested_headers_are_echoed_verbatim_and_only_when_asked() {
    let odd = "X-Amz-Date, Content-Type ,x-made-up";
    let res = preflight(&CORAL, &preflight_request("POST", Some(odd)), fixed_id).unwrap();
    assert_eq!(res.header("Access-Control-Allow-Headers"), Some(odd));
    let res = preflight(&CORAL, &preflight_request("POST", None), fixed_id).unwrap();
    assert_eq!(res.header("Access-Control-Allow-Headers"), None);
}

#[test]
fn lambda_also_exposes_the_invoke_headers() {
    let res = preflight(&LAMBDA, &preflight_request("GET", None), fixed_id).unwrap();
    assert_eq!(
        res.header("Access-Control-Expose-Headers"),
        Some("x-amzn-RequestId,x-amzn-ErrorType,x-amzn-ErrorMessage,Date,x-amz-log-result,x-amz-function-error")
    );
    assert!(LAMBDA.expose_headers.starts_with(CORAL_EXPOSE_HEADERS));
    assert_eq!(LAMBDA.max_age_seconds, 172_800);
}

#[test]
fn control_endpoints_keep_the_echoed_origin() {
    let mut used_id = false;
    let res = preflight(
        &CONTROL,
        &preflight_request("DELETE", Some("content-type")),
        || {
            used_id = true;
            fixed_id()
        },
    )
    .unwrap();
    assert!(!used_id, "a control preflight uses up no request id");
    assert_eq!(res.header("Access-Control-Allow-Origin"), Some(ORIGIN));
    assert_eq!(res.header("Vary"), Some("Origin"));
    assert_eq!(
        res.header("Access-Control-Allow-Methods"),
        Some("GET, POST, OPTIONS")
    );
    assert_eq!(res.header("Access-Control-Max-Age"), Some("86400"));
    assert_eq!(res.header("x-amzn-RequestId"), None);
}

#[test]
fn ignores_what_is_not_a_preflight() {
    let plain_options = Request::new("OPTIONS", "/").with_header("Origin", ORIGIN);
    assert_eq!(preflight(&CORAL, &plain_options, fixed_id), None);
    let no_origin =
        Request::new("OPTIONS", "/").with_header("Access-Control-Request-Method", "POST");
    assert_eq!(preflight(&CORAL, &no_origin, fixed_id), None);
    let post = Request::new("POST", "/")
        .with_header("Origin", ORIGIN)
        .with_header("Access-Control-Request-Method", "POST");
    assert_eq!(preflight(&CORAL, &post, fixed_id), None);
}

#[test]
fn a_cross_origin_answer_gets_star_and_expose_but_no_max_age() {
    for status in [200, 400, 403, 404, 429, 500, 503] {
        let mut res = Response::with_body(status, "application/json", "{}");
        finish(
            &CORAL,
            &Request::new("POST", "/").with_header("origin", ORIGIN),
            &mut res,
        );
        assert_eq!(
            res.header("Access-Control-Allow-Origin"),
            Some("*"),
            "{status}"
        );
        assert_eq!(
            res.header("Access-Control-Expose-Headers"),
            Some(CORAL_EXPOSE_HEADERS)
        );
        assert_eq!(res.header("Access-Control-Max-Age"), None);
        assert_eq!(res.header("Vary"), None);
    }
    // Without Origin (not a browser's cross-origin call): no CORS headers.
    let mut res = Response::with_body(200, "application/json", "{}");
    finish(&CORAL, &Request::new("POST", "/"), &mut res);
    assert_eq!(names(&res), ["content-type"]);
}

#[test]
fn the_error_type_comes_from_the_json_type_or_the_xml_code() {
    let json = |status, body: &str| {
        Response::with_body(status, "application/x-amz-json-1.0", body.to_owned())
    };
    let cases = [
        (
            json(400, r#"{"__type":"com.amazonaws.dynamodb.v20120810#ResourceNotFoundException","message":"x"}"#),
            Some("ResourceNotFoundException:http://internal.amazon.com/coral/com.amazonaws.dynamodb.v20120810/"),
        ),
        (
            json(400, r#"{"__type":"com.amazon.coral.service#InvalidSignatureException","message":"x"}"#),
            Some("InvalidSignatureException:http://internal.amazon.com/coral/com.amazon.coral.service/"),
        ),
        // Logs' own errors have no namespace.
        (json(400, r#"{"__type":"ResourceNotFoundException","message":"x"}"#), Some("ResourceNotFoundException")),
        (
            Response::with_body(
                403,
                "text/xml",
                "<ErrorResponse><Error><Type>Sender</Type><Code>ExpiredToken</Code><Message>m</Message></Error></ErrorResponse>",
            ),
            Some("ExpiredToken"),
        ),
        // A success names no error; a body without a type (a raw fault) neither.
        (json(200, r#"{"__type":"com.x#Nope"}"#), None),
        (json(500, r#"{"message":"down"}"#), None),
        (Response::with_body(503, "text/plain", "down"), None),
    ];
    for (res, want) in cases {
        assert_eq!(error_type(&res).as_deref(), want, "{}", res.body_text());
    }
}

#[test]
fn finish_sets_the_error_type_once_and_keeps_one_already_set() {
    let mut res = Response::with_body(
        400,
        "application/x-amz-json-1.1",
        r#"{"__type":"ThrottlingException"}"#,
    );
    finish(&CORAL, &Request::new("POST", "/"), &mut res);
    assert_eq!(res.header("x-amzn-ErrorType"), Some("ThrottlingException"));
    // Lambda names its type in the header itself.
    let mut res = Response::with_body(404, "application/json", r#"{"Type":"User","Message":"m"}"#);
    res.set_header("x-amzn-ErrorType", "ResourceNotFoundException");
    finish(&LAMBDA, &Request::new("GET", "/"), &mut res);
    assert_eq!(names(&res), ["content-type", "x-amzn-errortype"]);
    assert_eq!(
        res.header("x-amzn-ErrorType"),
        Some("ResourceNotFoundException")
    );
    // Control endpoints are not AWS services: no error type.
    let mut res = Response::with_body(400, "application/json", r#"{"__type":"X"}"#);
    finish(&CONTROL, &Request::new("POST", "/"), &mut res);
    assert_eq!(res.header("x-amzn-ErrorType"), None);
}

#[test]
fn the_policy_table_covers_every_service_but_api_gateway_and_aoss() {
    // A service added to labsim gets Coral CORS by adding its line to the
    // table; only these two answer CORS otherwise.
    for service in Service::ALL {
        let own_cors = matches!(service, Service::ApiGateway | Service::Aoss);
        assert_eq!(policy_for(service).is_none(), own_cors, "{service:?}");
    }
    assert_eq!(policy_for(Service::Lambda), Some(&LAMBDA));
    for service in [
        Service::Sts,
        Service::DynamoDb,
        Service::Streams,
        Service::Logs,
    ] {
        assert_eq!(policy_for(service), Some(&CORAL), "{service:?}");
    }
}

// Through the simulator: what each service's port answers.

/// A simulator whose function has run once, so its log group exists.
fn sim() -> Simulator {
    let mut sim = Simulator::new(SimConfig::new(9), NOW);
    let post = Request::new("POST", "/v1/lab").with_body(r#"{"name":"Ann","type":"cat"}"#);
    assert_eq!(sim.handle(Service::ApiGateway, &post, NOW).status, 200);
    let mut now = NOW;
    while sim.lambda().invocations().is_empty() && now < NOW + 5_000 {
        now += 50;
        sim.tick(now);
    }
    assert!(!sim.lambda().invocations().is_empty(), "the function ran");
    sim
}

/// A request each Coral service answers 200 when signed, its signing name
/// and the request's host.
fn allowed_call(service: Service) -> (Request, &'static str) {
    match service {
        Service::Sts => (get_caller_identity(), "sts"),
        Service::DynamoDb => (
            dynamodb_request("DescribeTable", r#"{"TableName":"lab-table"}"#),
            "dynamodb",
        ),
        Service::Streams => (
            Request::new("POST", "/")
                .with_header("host", "127.0.0.1:9104")
                .with_header("content-type", "application/x-amz-json-1.0")
                .with_header("x-amz-target", "DynamoDBStreams_20120810.ListStreams")
                .with_body(r#"{"TableName":"lab-table"}"#),
            "dynamodb",
        ),
        Service::Lambda => (
            Request::new(
                "GET",
                "/2015-03-31/functions/sync-data-with-dynamodb-stream/configuration",
            )
            .with_header("host", "127.0.0.1:9105"),
            "lambda",
        ),
        Service::Logs => (
            Request::new("POST", "/")
                .with_header("host", "127.0.0.1:9106")
                .with_header("content-type", "application/x-amz-json-1.1")
                .with_header("x-amz-target", "Logs_20140328.FilterLogEvents")
                .with_body(r#"{"logGroupName":"/aws/lambda/sync-data-with-dynamodb-stream"}"#),
            "logs",
        ),
        Service::ApiGateway | Service::Aoss => unreachable!("no Coral CORS"),
    }
}

const CORAL_SERVICES: [Service; 5] = [
    Service::Sts,
    Service::DynamoDb,
    Service::Streams,
    Service::Lambda,
    Service::Logs,
];

#[test]
fn every_coral_service_answers_a_preflight_with_a_request_id() {
    let mut sim = sim();
    for service in CORAL_SERVICES {
        let res = sim.handle(service, &preflight_request("POST", Some(SDK_HEADERS)), NOW);
        assert_eq!(res.status, 200, "{service:?}");
        assert_eq!(res.header("access-control-allow-origin"), Some("*"));
        assert_eq!(res.header("access-control-allow-methods"), Some("POST"));
        assert_eq!(
            res.header("access-control-allow-headers"),
            Some(SDK_HEADERS)
        );
        assert_eq!(res.header("access-control-max-age"), Some("172800"));
        let expose = res.header("access-control-expose-headers").unwrap();
        assert!(
            expose.starts_with(CORAL_EXPOSE_HEADERS),
            "{service:?}: {expose}"
        );
        let id = res.header("x-amzn-RequestId").expect("a request id");
        assert_eq!(id.len(), 36, "{id}");
        assert!(res.header("date").is_some());
        assert!(res.body.is_empty());
        assert_eq!(res.header("vary"), None);
        assert_eq!(res.header("access-control-allow-credentials"), None);
    }
}

#[test]
fn every_coral_answer_to_a_page_carries_star_and_expose_success_or_error() {
    let mut sim = sim();
    let demo = sim.identity().demo_credentials().clone();
    for service in CORAL_SERVICES {
        let (call, signing_name) = allowed_call(service);
        let ok = signed_as(&demo, signing_name, call.clone()).with_header("Origin", ORIGIN);
        let res = sim.handle(service, &ok, NOW);
        assert_eq!(res.status, 200, "{service:?}: {}", res.body_text());
        assert_eq!(res.header("access-control-allow-origin"), Some("*"));
        assert!(res.header("access-control-expose-headers").is_some());
        assert_eq!(res.header("access-control-max-age"), None);
        assert_eq!(res.header("x-amzn-ErrorType"), None);
        assert!(res.header("x-amzn-RequestId").is_some());

        // Unsigned: refused, in the service's shape, still readable.
        let res = sim.handle(service, &call.with_header("Origin", ORIGIN), NOW);
        assert!(
            matches!(res.status, 400 | 403),
            "{service:?}: {}",
            res.status
        );
        assert_eq!(res.header("access-control-allow-origin"), Some("*"));
        let error_type = res.header("x-amzn-ErrorType").expect("an error type");
        assert!(
            error_type.starts_with("MissingAuthenticationToken"),
            "{service:?}: {error_type}"
        );
        assert!(res.header("x-amzn-RequestId").is_some());
    }
}

#[test]
fn each_error_names_its_type_as_the_service_sends_it() {
    let mut sim = sim();
    let demo = sim.identity().demo_credentials().clone();
    let denied = dynamodb_request("DeleteTable", r#"{"TableName":"lab-table"}"#);
    // The learner may touch lab-table only: finding no table takes more.
    let everything = mint_allowing_everything(&mut sim);
    let missing = dynamodb_request("DescribeTable", r#"{"TableName":"nope"}"#);
    let logs_missing = Request::new("POST", "/")
        .with_header("host", "127.0.0.1:9106")
        .with_header("x-amz-target", "Logs_20140328.FilterLogEvents")
        .with_body(r#"{"logGroupName":"/aws/lambda/nope"}"#);
    let lambda_missing = Request::new("GET", "/2015-03-31/functions/nope/configuration")
        .with_header("host", "127.0.0.1:9105");
    let cases = [
        (
            Service::DynamoDb,
            signed_as(&demo, "dynamodb", denied),
            400,
            "AccessDeniedException:http://internal.amazon.com/coral/com.amazon.coral.service/",
        ),
        (
            Service::DynamoDb,
            signed_as(&everything, "dynamodb", missing),
            400,
            "ResourceNotFoundException:http://internal.amazon.com/coral/com.amazonaws.dynamodb.v20120810/",
        ),
        (
            Service::Logs,
            signed_as(&demo, "logs", logs_missing.clone()),
            400,
            "AccessDeniedException",
        ),
        (
            Service::Logs,
            signed_as(&everything, "logs", logs_missing),
            400,
            "ResourceNotFoundException",
        ),
        (
            Service::Lambda,
            signed_as(&demo, "lambda", lambda_missing.clone()),
            403,
            "AccessDeniedException",
        ),
        (
            Service::Lambda,
            signed_as(&everything, "lambda", lambda_missing),
            404,
            "ResourceNotFoundException",
        ),
        (
            Service::Sts,
            signed_as(&demo, "lambda", get_caller_identity()),
            403,
            "SignatureDoesNotMatch",
        ),
    ];
    for (service, req, status, want) in cases {
        let res = sim.handle(service, &req.with_header("Origin", ORIGIN), NOW);
        assert_eq!(res.status, status, "{service:?}: {}", res.body_text());
        assert_eq!(
            res.header("x-amzn-ErrorType"),
            Some(want),
            "{service:?}: {}",
            res.body_text()
        );
        assert_eq!(res.header("access-control-allow-origin"), Some("*"));
    }
}

fn mint_allowing_everything(sim: &mut Simulator) -> crate::identity::Credentials {
    let body = r#"{"policy":{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}}"#;
    let req = Request::new("POST", "/_labsim/credentials").with_body(body);
    let res = sim.handle(Service::Sts, &req, NOW);
    assert_eq!(res.status, 200, "{}", res.body_text());
    let minted: lab_model::SimulatorCredentials = serde_json::from_slice(&res.body).unwrap();
    sim.identity().find(&minted.access_key_id).unwrap().clone()
}

#[test]
fn injected_faults_carry_the_error_type_and_cors_too() {
    let cases = [
        (
            Service::Sts,
            r#"{"service":"sts","expired_token":true}"#,
            403,
            "ExpiredToken",
        ),
        (
            Service::DynamoDb,
            r#"{"service":"dynamodb","throttle":true}"#,
            400,
            "ThrottlingException:http://internal.amazon.com/coral/com.amazon.coral.availability/",
        ),
        (
            Service::Streams,
            r#"{"service":"streams","expired_token":true}"#,
            400,
            "ExpiredTokenException:http://internal.amazon.com/coral/com.amazon.coral.service/",
        ),
        (
            Service::Lambda,
            r#"{"service":"lambda","throttle":true}"#,
            429,
            "TooManyRequestsException",
        ),
        (
            Service::Logs,
            r#"{"service":"logs","throttle":true}"#,
            400,
            "ThrottlingException",
        ),
    ];
    for (service, fault, status, want) in cases {
        let mut sim = sim();
        add_fault(&mut sim, fault);
        let demo = sim.identity().demo_credentials().clone();
        let (call, signing_name) = allowed_call(service);
        let req = signed_as(&demo, signing_name, call).with_header("Origin", ORIGIN);
        let res = sim.handle(service, &req, NOW);
        assert_eq!(res.status, status, "{service:?}: {}", res.body_text());
        assert_eq!(res.header("x-amzn-ErrorType"), Some(want), "{service:?}");
        assert_eq!(res.header("access-control-allow-origin"), Some("*"));
        assert_eq!(
            res.header("access-control-expose-headers")
                .map(|e| e.starts_with(CORAL_EXPOSE_HEADERS)),
            Some(true)
        );
        assert!(res.header("x-amzn-RequestId").is_some());
        // A preflight is never faulted.
        let res = sim.handle(service, &preflight_request("POST", None), NOW);
        assert_eq!(res.status, 200, "{service:?}");
    }
}

#[test]
fn aoss_has_no_cors_and_control_endpoints_echo_the_origin() {
    let mut sim = sim();
    let res = sim.handle(
        Service::Aoss,
        &preflight_request("POST", Some("content-type")),
        NOW,
    );
    assert_eq!(res.status, 403);
    assert_eq!(res.header("access-control-allow-origin"), None);
    assert_eq!(res.header("x-amzn-ErrorType"), None);

    let config = Request::new("GET", "/_labsim/config").with_header("Origin", ORIGIN);
    for service in [Service::Sts, Service::DynamoDb, Service::Aoss] {
        let res = sim.handle(service, &config, NOW);
        assert_eq!(res.status, 200);
        assert_eq!(res.header("access-control-allow-origin"), Some(ORIGIN));
        assert_eq!(res.header("vary"), Some("Origin"));
    }
    let res = sim.handle(
        Service::Sts,
        &Request::new("OPTIONS", "/_labsim/credentials")
            .with_header("Origin", ORIGIN)
            .with_header("Access-Control-Request-Method", "POST"),
        NOW,
    );
    assert_eq!(res.header("access-control-allow-origin"), Some(ORIGIN));
    assert_eq!(res.header("x-amzn-RequestId"), None);
}

#[test]
fn no_error_of_a_coral_service_goes_without_its_type() {
    let mut sim = sim();
    let demo = sim.identity().demo_credentials().clone();
    let everything = mint_allowing_everything(&mut sim);
    let json_post = |host: &str, target: &str, body: &str| {
        Request::new("POST", "/")
            .with_header("host", host)
            .with_header("x-amz-target", target)
            .with_body(body.to_owned())
    };
    let ddb = "127.0.0.1:9103";
    let streams = "127.0.0.1:9104";
    let logs = "127.0.0.1:9106";
    let lambda =
        |method: &str, path: &str| Request::new(method, path).with_header("host", "127.0.0.1:9105");
    let sts = |body: &str| get_caller_identity().with_body(body.to_owned());
    let cases: Vec<(Service, &str, Request)> = vec![
        (Service::Sts, "sts", sts("Action=Nope&Version=2011-06-15")),
        (Service::Sts, "sts", sts("Version=2011-06-15")),
        (
            Service::Sts,
            "sts",
            sts("Action=AssumeRole&Version=2011-06-15"),
        ),
        (
            Service::Sts,
            "sts",
            sts("Action=GetSessionToken&Version=2011-06-15"),
        ),
        (
            Service::DynamoDb,
            "dynamodb",
            json_post(ddb, "DynamoDB_20120810.GetItem", "{oops"),
        ),
        (
            Service::DynamoDb,
            "dynamodb",
            json_post(ddb, "DynamoDB_20120810.GetItem", ""),
        ),
        (
            Service::DynamoDb,
            "dynamodb",
            json_post(ddb, "DynamoDB_20120810.Nope", "{}"),
        ),
        (Service::DynamoDb, "dynamodb", json_post(ddb, "", "{}")),
        (
            Service::DynamoDb,
            "dynamodb",
            json_post(
                ddb,
                "DynamoDB_20120810.PutItem",
                r#"{"TableName":"lab-table","Item":{}}"#,
            ),
        ),
        (
            Service::DynamoDb,
            "dynamodb",
            json_post(
                ddb,
                "DynamoDB_20120810.CreateTable",
                r#"{"TableName":"lab-table"}"#,
            ),
        ),
        (
            Service::Streams,
            "dynamodb",
            json_post(
                streams,
                "DynamoDBStreams_20120810.GetRecords",
                r#"{"ShardIterator":"x"}"#,
            ),
        ),
        (
            Service::Streams,
            "dynamodb",
            json_post(streams, "DynamoDBStreams_20120810.DescribeStream", "{}"),
        ),
        (
            Service::Streams,
            "dynamodb",
            json_post(streams, "DynamoDB_20120810.GetItem", "{}"),
        ),
        (
            Service::Logs,
            "logs",
            json_post(logs, "Logs_20140328.FilterLogEvents", "{oops"),
        ),
        (
            Service::Logs,
            "logs",
            json_post(logs, "Logs_20140328.Nope", "{}"),
        ),
        (
            Service::Logs,
            "logs",
            json_post(logs, "Logs_20140328.GetLogEvents", "{}"),
        ),
        (
            Service::Lambda,
            "lambda",
            lambda("GET", "/2015-03-31/functions/nope"),
        ),
        (
            Service::Lambda,
            "lambda",
            lambda("DELETE", "/2015-03-31/functions/x"),
        ),
        (Service::Lambda, "lambda", lambda("GET", "/nope")),
        (
            Service::Lambda,
            "lambda",
            lambda("GET", "/2015-03-31/event-source-mappings/nope"),
        ),
        (
            Service::Lambda,
            "lambda",
            lambda("POST", "/2015-03-31/functions/nope/invocations"),
        ),
    ];
    let mut errors = 0;
    for (service, signing_name, req) in cases {
        for credentials in [&demo, &everything] {
            let signed = signed_as(credentials, signing_name, req.clone());
            for req in [req.clone(), signed] {
                let res = sim.handle(service, &req, NOW);
                if res.status < 400 {
                    continue;
                }
                errors += 1;
                let error_type = res.header("x-amzn-ErrorType");
                assert!(
                    error_type.is_some_and(|t| !t.is_empty()),
                    "{service:?} {} {} -> {}: {}",
                    req.method,
                    req.path,
                    res.status,
                    res.body_text()
                );
            }
        }
    }
    assert!(errors >= 70, "{errors} errors seen");
}
