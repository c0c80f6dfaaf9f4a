//! Authorization at the front doors: credentials with their own policies,
//! each service's denial, and STS sessions.

use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::apigateway::{ApiAuth, ApiCors, ApiSetup, PATH};
use crate::identity::Credentials;
use crate::message::Request;
use crate::test_support::{dynamodb_request, get_item, json_of, signed_as, NOW};
use crate::{Service, SimConfig, Simulator};
use lab_model::SimulatorCredentials;

const CALLER: &str = "arn:aws:sts::123456789012:assumed-role/WSParticipantRole/Participant";
const TABLE: &str = "arn:aws:dynamodb:ap-southeast-1:123456789012:table/lab-table";

fn sim() -> Simulator {
    Simulator::new(SimConfig::new(21), NOW)
}

/// Mints credentials through the control endpoint, with `policy` (JSON).
fn mint(sim: &mut Simulator, policy: Value) -> Credentials {
    let body = json!({ "policy": policy }).to_string();
    let req = Request::new("POST", "/_labsim/credentials").with_body(body);
    let res = sim.handle(Service::Sts, &req, NOW);
    assert_eq!(res.status, 200, "{}", res.body_text());
    let c: SimulatorCredentials = serde_json::from_slice(&res.body).unwrap();
    sim.identity().find(&c.access_key_id).unwrap().clone()
}

fn sts(query: &str) -> Request {
    Request::new("POST", "/")
        .with_header("host", "127.0.0.1:9101")
        .with_header("content-type", "application/x-www-form-urlencoded")
        .with_body(query.to_owned())
}

fn allow_all() -> Value {
    json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]})
}

#[test]
fn the_demo_credentials_may_get_lab_items() {
    let mut sim = sim();
    let demo = sim.identity().demo_credentials().clone();
    let res = sim.handle(
        Service::DynamoDb,
        &signed_as(&demo, "dynamodb", get_item()),
        NOW,
    );
    assert_eq!(res.status, 200, "{}", res.body_text());
}

#[test]
fn dynamodb_get_item_denied_explicitly_and_implicitly() {
    let mut sim = sim();
    let deny = mint(
        &mut sim,
        json!({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "dynamodb:*", "Resource": "*"},
            {"Effect": "Deny", "Action": "dynamodb:GetItem", "Resource": TABLE}
        ]}),
    );
    let res = sim.handle(
        Service::DynamoDb,
        &signed_as(&deny, "dynamodb", get_item()),
        NOW,
    );
    assert_eq!(res.status, 400);
    assert_eq!(
        json_of(&res),
        json!({
            "__type": "com.amazon.coral.service#AccessDeniedException",
            "Message": format!("User: {CALLER} is not authorized to perform: dynamodb:GetItem on resource: {TABLE} with an explicit deny in an identity-based policy"),
        })
    );

    let other = mint(
        &mut sim,
        json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "dynamodb:Query", "Resource": TABLE}]}),
    );
    let res = sim.handle(
        Service::DynamoDb,
        &signed_as(&other, "dynamodb", get_item()),
        NOW,
    );
    assert_eq!(res.status, 400);
    assert_eq!(
        json_of(&res)["Message"],
        format!("User: {CALLER} is not authorized to perform: dynamodb:GetItem on resource: {TABLE} because no identity-based policy allows the dynamodb:GetItem action")
    );
}

#[test]
fn the_control_endpoint_takes_a_policy_as_a_string_and_refuses_a_bad_one() {
    let mut sim = sim();
    let c = mint(&mut sim, Value::String(allow_all().to_string()));
    let req = dynamodb_request("ListTables", "{}");
    // The learner may not ListTables; this credential may.
    let demo = sim.identity().demo_credentials().clone();
    let res = sim.handle(
        Service::DynamoDb,
        &signed_as(&demo, "dynamodb", req.clone()),
        NOW,
    );
    assert_eq!(res.status, 400);
    let res = sim.handle(Service::DynamoDb, &signed_as(&c, "dynamodb", req), NOW);
    assert_eq!(res.status, 200, "{}", res.body_text());

    let bad = Request::new("POST", "/_labsim/credentials")
        .with_body(r#"{"policy": {"Statement": "nope"}}"#);
    let res = sim.handle(Service::Sts, &bad, NOW);
    assert_eq!(res.status, 400);
    assert!(
        res.body_text().contains("bad policy"),
        "{}",
        res.body_text()
    );
}

#[test]
fn an_unsupported_condition_is_a_labsim_500_never_an_allow() {
    let mut sim = sim();
    let c = mint(
        &mut sim,
        json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*",
            "Condition": {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}}]}),
    );
    let res = sim.handle(
        Service::DynamoDb,
        &signed_as(&c, "dynamodb", get_item()),
        NOW,
    );
    assert_eq!(res.status, 500);
    assert!(
        res.body_text().contains("labsim cannot"),
        "{}",
        res.body_text()
    );
}

#[test]
fn aoss_without_api_access_all_is_forbidden() {
    let mut sim = sim();
    let c = mint(
        &mut sim,
        json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "dynamodb:*", "Resource": "*"}]}),
    );
    let body = r#"{"query":{"match_all":{}}}"#;
    let hash = hex::encode(Sha256::digest(body.as_bytes()));
    let req = Request::new("POST", "/dynamodb_replicate/_search")
        .with_header("host", "127.0.0.1:9107")
        .with_header("content-type", "application/json")
        .with_header("x-amz-content-sha256", &hash)
        .with_body(body);
    let res = sim.handle(Service::Aoss, &signed_as(&c, "aoss", req.clone()), NOW);
    assert_eq!(res.status, 403);
    assert_eq!(
        res.header("x-aoss-response-hint"),
        Some("X01:gw-helper-deny")
    );
    assert_eq!(json_of(&res)["error"]["type"], "Forbidden");
    // The learner has it: through to the collection (no index yet).
    let demo = sim.identity().demo_credentials().clone();
    let res = sim.handle(Service::Aoss, &signed_as(&demo, "aoss", req), NOW);
    assert_eq!(res.status, 404, "{}", res.body_text());
}

#[test]
fn lambda_and_logs_denials_have_their_shapes() {
    let mut sim = sim();
    let c = mint(
        &mut sim,
        json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "dynamodb:*", "Resource": "*"}]}),
    );
    let get = Request::new(
        "GET",
        "/2015-03-31/functions/sync-data-with-dynamodb-stream",
    )
    .with_header("host", "127.0.0.1:9105");
    let res = sim.handle(Service::Lambda, &signed_as(&c, "lambda", get), NOW);
    assert_eq!(res.status, 403);
    assert_eq!(
        res.header("x-amzn-ErrorType"),
        Some("AccessDeniedException")
    );
    assert_eq!(
        json_of(&res)["Message"],
        format!("User: {CALLER} is not authorized to perform: lambda:GetFunction on resource: arn:aws:lambda:ap-southeast-1:123456789012:function:sync-data-with-dynamodb-stream because no identity-based policy allows the lambda:GetFunction action")
    );

    let logs = Request::new("POST", "/")
        .with_header("host", "127.0.0.1:9106")
        .with_header("x-amz-target", "Logs_20140328.FilterLogEvents")
        .with_body(r#"{"logGroupName":"/aws/lambda/sync-data-with-dynamodb-stream"}"#);
    let res = sim.handle(Service::Logs, &signed_as(&c, "logs", logs), NOW);
    assert_eq!(res.status, 400);
    let body = json_of(&res);
    assert_eq!(body["__type"], "AccessDeniedException");
    let message = body["message"].as_str().unwrap();
    assert!(
        message.starts_with(&format!("User: {CALLER} is not authorized to perform: logs:FilterLogEvents on resource: arn:aws:logs:ap-southeast-1:123456789012:log-group:/aws/lambda/sync-data-with-dynamodb-stream")),
        "{message}"
    );
}

#[test]
fn an_event_source_mapping_change_is_authorized_on_the_mapping_arn() {
    let mut sim = sim();
    let uuid = sim.lambda().mapping().unwrap().uuid.clone();
    let arn = format!("arn:aws:lambda:ap-southeast-1:123456789012:event-source-mapping:{uuid}");
    let update = || {
        Request::new("PUT", &format!("/2015-03-31/event-source-mappings/{uuid}"))
            .with_header("host", "127.0.0.1:9105")
            .with_body(r#"{"Enabled":false}"#)
    };
    // The learner's own credentials read the function, they change nothing.
    let demo = sim.identity().demo_credentials().clone();
    let res = sim.handle(Service::Lambda, &signed_as(&demo, "lambda", update()), NOW);
    assert_eq!(res.status, 403, "{}", res.body_text());
    assert_eq!(
        json_of(&res)["Message"],
        format!("User: {CALLER} is not authorized to perform: lambda:UpdateEventSourceMapping on resource: {arn} because no identity-based policy allows the lambda:UpdateEventSourceMapping action")
    );
    let allowed = mint(
        &mut sim,
        json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "lambda:UpdateEventSourceMapping", "Resource": arn}]}),
    );
    let res = sim.handle(
        Service::Lambda,
        &signed_as(&allowed, "lambda", update()),
        NOW,
    );
    assert_eq!(res.status, 202, "{}", res.body_text());
    assert_eq!(json_of(&res)["State"], "Disabling");
}

#[test]
fn update_function_configuration_is_authorized_on_the_function_arn() {
    let mut sim = sim();
    let function =
        "arn:aws:lambda:ap-southeast-1:123456789012:function:sync-data-with-dynamodb-stream";
    let update = || {
        Request::new(
            "PUT",
            "/2015-03-31/functions/sync-data-with-dynamodb-stream/configuration",
        )
        .with_header("host", "127.0.0.1:9105")
        .with_body(r#"{"Environment":{"Variables":{"OPENSEARCH_INDEX":"other"}}}"#)
    };
    // The learner reads the function; changing it is the console's job.
    let demo = sim.identity().demo_credentials().clone();
    let res = sim.handle(Service::Lambda, &signed_as(&demo, "lambda", update()), NOW);
    assert_eq!(res.status, 403, "{}", res.body_text());
    assert_eq!(
        res.header("x-amzn-ErrorType"),
        Some("AccessDeniedException")
    );
    assert_eq!(
        json_of(&res)["Message"],
        format!("User: {CALLER} is not authorized to perform: lambda:UpdateFunctionConfiguration on resource: {function} because no identity-based policy allows the lambda:UpdateFunctionConfiguration action")
    );
    assert_eq!(
        sim.lambda().variables()["OPENSEARCH_INDEX"],
        "dynamodb_replicate"
    );
    let allowed = mint(
        &mut sim,
        json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "lambda:UpdateFunctionConfiguration", "Resource": function}]}),
    );
    let res = sim.handle(
        Service::Lambda,
        &signed_as(&allowed, "lambda", update()),
        NOW,
    );
    assert_eq!(res.status, 200, "{}", res.body_text());
    assert_eq!(sim.lambda().variables()["OPENSEARCH_INDEX"], "other");
    assert_eq!(sim.setup().environment["OPENSEARCH_INDEX"], "other");
    assert!(!sim.setup().env_vars_set);
}

#[test]
fn api_gateway_with_iam_auth_checks_execute_api_invoke() {
    let mut config = SimConfig::new(21);
    config.api = ApiSetup {
        auth: ApiAuth::Iam,
        cors: ApiCors::Off,
    };
    let mut sim = Simulator::new(config, NOW);
    let c = mint(
        &mut sim,
        json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "dynamodb:*", "Resource": "*"}]}),
    );
    let post = Request::new("POST", PATH)
        .with_header("host", "127.0.0.1:9102")
        .with_header("content-type", "application/json")
        .with_body(r#"{"name":"Ann","type":"cat"}"#);
    let res = sim.handle(
        Service::ApiGateway,
        &signed_as(&c, "execute-api", post.clone()),
        NOW,
    );
    assert_eq!(res.status, 403);
    assert_eq!(
        res.header("x-amzn-ErrorType"),
        Some("AccessDeniedException")
    );
    assert_eq!(
        json_of(&res)["Message"],
        format!("User: {CALLER} is not authorized to perform: execute-api:Invoke on resource: arn:aws:execute-api:ap-southeast-1:********9012:a1b2c3d4e5/v1/POST/lab because no identity-based policy allows the execute-api:Invoke action")
    );
    let demo = sim.identity().demo_credentials().clone();
    let res = sim.handle(
        Service::ApiGateway,
        &signed_as(&demo, "execute-api", post),
        NOW,
    );
    assert_eq!(res.status, 200, "{}", res.body_text());
}

/// The `<Tag>` texts of an XML body.
fn tag<'a>(xml: &'a str, name: &str) -> &'a str {
    let open = format!("<{name}>");
    let start = xml.find(&open).map(|i| i + open.len()).unwrap_or(0);
    let end = xml[start..].find(&format!("</{name}>")).unwrap_or(0);
    &xml[start..start + end]
}

/// Credentials from an STS XML answer, as the store has them.
fn credentials_in(sim: &Simulator, xml: &str) -> Credentials {
    sim.identity()
        .find(tag(xml, "AccessKeyId"))
        .unwrap()
        .clone()
}

#[test]
fn assume_role_with_a_session_policy_narrows_access() {
    let mut sim = sim();
    let admin = mint(&mut sim, allow_all());
    let session_policy = json!({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "dynamodb:Query", "Resource": TABLE}
    ]})
    .to_string();
    let query: String = form_urlencoded::Serializer::new(String::new())
        .append_pair("Action", "AssumeRole")
        .append_pair("Version", "2011-06-15")
        .append_pair(
            "RoleArn",
            "arn:aws:iam::123456789012:role/WSParticipantRole",
        )
        .append_pair("RoleSessionName", "narrow")
        .append_pair("DurationSeconds", "900")
        .append_pair("Policy", &session_policy)
        .finish();
    let res = sim.handle(Service::Sts, &signed_as(&admin, "sts", sts(&query)), NOW);
    assert_eq!(res.status, 200, "{}", res.body_text());
    let xml = res.body_text();
    assert!(xml.starts_with("<AssumeRoleResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\n  <AssumeRoleResult>\n    <Credentials>\n      <AccessKeyId>ASIA"));
    let arn = "arn:aws:sts::123456789012:assumed-role/WSParticipantRole/narrow";
    assert_eq!(tag(&xml, "Arn"), arn);
    assert!(tag(&xml, "AssumedRoleId").starts_with("AROA"));
    assert!(tag(&xml, "AssumedRoleId").ends_with(":narrow"));
    assert_eq!(tag(&xml, "Expiration"), "2024-10-08T20:10:22Z");
    assert!(tag(&xml, "PackedPolicySize").parse::<u32>().unwrap() > 0);
    let session = credentials_in(&sim, &xml);

    // GetItem: the role allows it, the session policy does not.
    let res = sim.handle(
        Service::DynamoDb,
        &signed_as(&session, "dynamodb", get_item()),
        NOW,
    );
    assert_eq!(res.status, 400);
    assert_eq!(
        json_of(&res)["Message"],
        format!("User: {arn} is not authorized to perform: dynamodb:GetItem on resource: {TABLE} because no session policy allows the dynamodb:GetItem action")
    );
    // GetCallerIdentity names the session.
    let gci = sts("Action=GetCallerIdentity&Version=2011-06-15");
    let res = sim.handle(Service::Sts, &signed_as(&session, "sts", gci), NOW);
    assert_eq!(tag(&res.body_text(), "Arn"), arn);
}

#[test]
fn assume_role_refusals() {
    let mut sim = sim();
    let admin = mint(&mut sim, allow_all());
    let call = |sim: &mut Simulator, c: &Credentials, query: &str| {
        sim.handle(Service::Sts, &signed_as(c, "sts", sts(query)), NOW)
    };
    let base = "Action=AssumeRole&Version=2011-06-15&RoleSessionName=s";
    let res = call(
        &mut sim,
        &admin,
        &format!("{base}x&RoleArn=arn:aws:iam::123456789012:role/nope"),
    );
    assert_eq!(res.status, 403);
    assert!(res.body_text().contains(&format!("<Code>AccessDenied</Code>\n    <Message>User: {CALLER} is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::123456789012:role/nope</Message>")), "{}", res.body_text());
    let role = "RoleArn=arn:aws:iam::123456789012:role/lambda-lab-role";
    let res = call(
        &mut sim,
        &admin,
        &format!("{base}x&{role}&DurationSeconds=100"),
    );
    assert_eq!(res.status, 400);
    assert!(res.body_text().contains("<Code>ValidationError</Code>\n    <Message>1 validation error detected: Value '100' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to 900</Message>"), "{}", res.body_text());
    let res = call(
        &mut sim,
        &admin,
        &format!("{base}x&{role}&DurationSeconds=50000"),
    );
    assert!(res.body_text().contains("less than or equal to 43200"));
    let res = call(&mut sim, &admin, &format!("{base}x&{role}&Policy=%7Bnope"));
    assert_eq!(res.status, 400);
    assert!(res
        .body_text()
        .contains("<Code>MalformedPolicyDocument</Code>"));
    // The learner may not assume roles.
    let demo = sim.identity().demo_credentials().clone();
    let res = call(&mut sim, &demo, &format!("{base}x&{role}"));
    assert_eq!(res.status, 403);
    assert!(
        res.body_text()
            .contains("because no identity-based policy allows the sts:AssumeRole action"),
        "{}",
        res.body_text()
    );
    // lambda-lab-role's own permissions: logs yes, the lab table's items no.
    let res = call(&mut sim, &admin, &format!("{base}x&{role}"));
    assert_eq!(res.status, 200, "{}", res.body_text());
    assert!(!res.body_text().contains("PackedPolicySize"));
    let lambda = credentials_in(&sim, &res.body_text());
    let res = sim.handle(
        Service::DynamoDb,
        &signed_as(&lambda, "dynamodb", get_item()),
        NOW,
    );
    assert_eq!(res.status, 400);
    assert!(json_of(&res)["Message"]
        .as_str()
        .unwrap()
        .contains("assumed-role/lambda-lab-role/sx"));
}

#[test]
fn get_session_token_refuses_session_credentials_as_aws_does() {
    let mut sim = sim();
    let demo = sim.identity().demo_credentials().clone();
    let assumed = {
        let admin = mint(&mut sim, allow_all());
        let role = "RoleArn=arn:aws:iam::123456789012:role/lambda-lab-role";
        let req = sts(&format!(
            "Action=AssumeRole&Version=2011-06-15&RoleSessionName=sx&{role}"
        ));
        let res = sim.handle(Service::Sts, &signed_as(&admin, "sts", req), NOW);
        assert_eq!(res.status, 200, "{}", res.body_text());
        credentials_in(&sim, &res.body_text())
    };
    // Every credential labsim issues is temporary: the demo set and one
    // from AssumeRole, whatever the parameters.
    for (caller, query) in [
        (&demo, "Action=GetSessionToken&Version=2011-06-15"),
        (
            &demo,
            "Action=GetSessionToken&Version=2011-06-15&DurationSeconds=900",
        ),
        (
            &demo,
            "Action=GetSessionToken&Version=2011-06-15&DurationSeconds=1",
        ),
        (&assumed, "Action=GetSessionToken&Version=2011-06-15"),
    ] {
        let res = sim.handle(Service::Sts, &signed_as(caller, "sts", sts(query)), NOW);
        assert_eq!(res.status, 403, "{query}");
        assert!(
            res.body_text().contains("<Code>AccessDenied</Code>\n    <Message>Cannot call GetSessionToken with session credentials</Message>"),
            "{}",
            res.body_text()
        );
    }
}

#[test]
fn aoss_wants_the_payload_hash_and_no_signed_content_length_and_has_no_cors() {
    let mut sim = sim();
    let body = r#"{"query":{"match_all":{}}}"#;
    let search = || {
        Request::new("POST", "/dynamodb_replicate/_search")
            .with_header("host", "127.0.0.1:9107")
            .with_header("content-type", "application/json")
            .with_body(body)
    };
    // Signed without x-amz-content-sha256: refused.
    let res = sim.handle(
        Service::Aoss,
        &signed_as(sim.identity().demo_credentials(), "aoss", search()),
        NOW,
    );
    assert_eq!(res.status, 403);
    // With the right hash: through to the collection (no index yet: 404).
    let hash = hex::encode(Sha256::digest(body.as_bytes()));
    let with_hash = search().with_header("x-amz-content-sha256", &hash);
    let res = sim.handle(
        Service::Aoss,
        &signed_as(sim.identity().demo_credentials(), "aoss", with_hash.clone()),
        NOW,
    );
    assert_eq!(res.status, 404, "{}", res.body_text());
    // Signing content-length: refused.
    let with_length = with_hash.with_header("content-length", &body.len().to_string());
    let res = sim.handle(
        Service::Aoss,
        &signed_as(sim.identity().demo_credentials(), "aoss", with_length),
        NOW,
    );
    assert_eq!(res.status, 403);
    // No preflight answer, no CORS headers.
    let preflight = Request::new("OPTIONS", "/dynamodb_replicate/_search")
        .with_header("Origin", "http://localhost:8080")
        .with_header("Access-Control-Request-Method", "POST");
    let res = sim.handle(Service::Aoss, &preflight, NOW);
    assert_eq!(res.status, 403);
    assert_eq!(res.header("access-control-allow-origin"), None);
    // The JSON services do answer preflights.
    let res = sim.handle(Service::DynamoDb, &preflight, NOW);
    assert_eq!(res.status, 200);
    assert_eq!(res.header("access-control-allow-origin"), Some("*"));
}

#[test]
fn a_percent_encoded_lambda_path_is_authorized_as_the_operation_it_runs() {
    let mut sim = sim();
    let uuid = sim.lambda().mapping().unwrap().uuid.clone();
    // The learner may only read Lambda: an update spelt with an encoded
    // segment must still be refused as UpdateEventSourceMapping.
    let demo = sim.identity().demo_credentials().clone();
    let update = Request::new(
        "PUT",
        &format!("/2015-03-31/event-source-mapping%73/{uuid}"),
    )
    .with_header("host", "127.0.0.1:9105")
    .with_body(r#"{"Enabled":false}"#);
    let res = sim.handle(Service::Lambda, &signed_as(&demo, "lambda", update), NOW);
    assert_eq!(res.status, 403, "{}", res.body_text());
    assert!(
        json_of(&res)["Message"]
            .as_str()
            .unwrap()
            .contains("lambda:UpdateEventSourceMapping"),
        "{}",
        res.body_text()
    );
    assert!(sim.lambda().mapping().unwrap().enabled);
    // A route the API does not have is its 404, not an authorized ListFunctions.
    let nowhere = Request::new("GET", "/2015-03-31/nowhere").with_header("host", "127.0.0.1:9105");
    let res = sim.handle(Service::Lambda, &signed_as(&demo, "lambda", nowhere), NOW);
    assert_eq!(res.status, 404, "{}", res.body_text());
}

#[test]
fn list_functions_is_authorized_on_star() {
    let mut sim = sim();
    let function =
        "arn:aws:lambda:ap-southeast-1:123456789012:function:sync-data-with-dynamodb-stream";
    let list = || {
        Request::new("GET", "/2015-03-31/functions")
            .with_query("MaxItems=1")
            .with_header("host", "127.0.0.1:9105")
    };
    let names = |res: &crate::message::Response| -> Vec<Value> {
        json_of(res)["Functions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["FunctionName"].clone())
            .collect()
    };
    // The demo credentials and the learner's policy list the function.
    let demo = sim.identity().demo_credentials().clone();
    let learner_policy: Value =
        serde_json::from_str(&lab_model::policies::learner_policy(&sim.lab_ids()).to_json())
            .unwrap();
    let learner = mint(&mut sim, learner_policy);
    for caller in [&demo, &learner] {
        let res = sim.handle(Service::Lambda, &signed_as(caller, "lambda", list()), NOW);
        assert_eq!(res.status, 200, "{}", res.body_text());
        assert_eq!(names(&res), [json!("sync-data-with-dynamodb-stream")]);
    }
    // Granted on the function only: AWS checks ListFunctions on `*`.
    let on_the_function = mint(
        &mut sim,
        json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "lambda:ListFunctions", "Resource": function}]}),
    );
    let res = sim.handle(
        Service::Lambda,
        &signed_as(&on_the_function, "lambda", list()),
        NOW,
    );
    assert_eq!(res.status, 403, "{}", res.body_text());
    assert_eq!(
        res.header("x-amzn-ErrorType"),
        Some("AccessDeniedException")
    );
    assert_eq!(
        json_of(&res)["Message"],
        format!("User: {CALLER} is not authorized to perform: lambda:ListFunctions on resource: * because no identity-based policy allows the lambda:ListFunctions action")
    );
    // Denied explicitly, whatever else allows it.
    let denied = mint(
        &mut sim,
        json!({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "lambda:*", "Resource": "*"},
            {"Effect": "Deny", "Action": "lambda:ListFunctions", "Resource": "*"}
        ]}),
    );
    let res = sim.handle(Service::Lambda, &signed_as(&denied, "lambda", list()), NOW);
    assert_eq!(res.status, 403, "{}", res.body_text());
    assert_eq!(
        json_of(&res)["Message"],
        format!("User: {CALLER} is not authorized to perform: lambda:ListFunctions on resource: * with an explicit deny in an identity-based policy")
    );
}
