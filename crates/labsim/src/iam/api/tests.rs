//! IAM's API through the simulator's front door, signed by AWS's own
//! signer (aws-sigv4) as the SDKs sign for IAM: service `iam`, us-east-1.

use crate::identity::Credentials;
use crate::message::{Request, Response};
use crate::test_support::{sim, Signer, NOW};
use crate::{percent, Service, Simulator};

const HOST: &str = "127.0.0.1:9108";

fn iam_request(body: &str) -> Request {
    Request::new("POST", "/")
        .with_header("host", HOST)
        .with_header(
            "content-type",
            "application/x-www-form-urlencoded; charset=utf-8",
        )
        .with_body(format!("{body}&Version=2010-05-08"))
}

fn signer(credentials: &Credentials) -> Signer {
    let mut signer = Signer::new(credentials);
    signer.service = "iam".into();
    signer.region = "us-east-1".into();
    signer
}

/// `body` (without `Version`) signed with the demo credentials.
fn call(sim: &mut Simulator, body: &str) -> Response {
    let req = signer(sim.identity().demo_credentials()).sign(iam_request(body));
    sim.handle(Service::Iam, &req, NOW)
}

fn setup(sim: &mut Simulator, body: &str) {
    let req = Request::new("POST", "/_labsim/setup").with_body(body.to_owned());
    let res = sim.handle(Service::Sts, &req, NOW);
    assert_eq!(res.status, 200, "{}", res.body_text());
}

/// The text of the first `<tag>` element.
fn element<'r>(res: &'r Response, tag: &str) -> Option<&'r str> {
    let body = std::str::from_utf8(&res.body).ok()?;
    let open = format!("<{tag}>");
    let start = body.find(&open)? + open.len();
    let end = body[start..].find(&format!("</{tag}>"))?;
    Some(&body[start..start + end])
}

/// Every `<member>`'s text.
fn members(res: &Response) -> Vec<String> {
    res.body_text()
        .split("<member>")
        .skip(1)
        .filter_map(|m| m.split("</member>").next())
        .map(str::to_owned)
        .collect()
}

fn assert_error(res: &Response, status: u16, code: &str, message: &str) {
    assert_eq!(res.status, status, "{}", res.body_text());
    let xml = res.body_text();
    let doc = roxmltree::Document::parse(&xml).expect("well-formed XML");
    let text = |tag: &str| {
        doc.descendants()
            .find(|n| n.has_tag_name(tag))
            .and_then(|n| n.text())
            .map(str::to_owned)
    };
    assert_eq!(text("Code").as_deref(), Some(code));
    assert_eq!(
        text("Message").as_deref(),
        Some(xml_unescaped(message).as_str())
    );
    assert_eq!(res.header("content-type"), Some("text/xml"));
    let id = res
        .header("x-amzn-RequestId")
        .expect("a request id")
        .to_owned();
    assert_eq!(
        res.body_text(),
        format!("<ErrorResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\">\n  <Error>\n    <Type>Sender</Type>\n    <Code>{code}</Code>\n    <Message>{message}</Message>\n  </Error>\n  <RequestId>{id}</RequestId>\n</ErrorResponse>\n")
    );
}

/// `text` as XML reads it back.
fn xml_unescaped(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

#[test]
fn get_role_answers_in_iams_shape() {
    let mut sim = sim();
    let res = call(&mut sim, "Action=GetRole&RoleName=lambda-lab-role");
    assert_eq!(res.status, 200, "{}", res.body_text());
    assert_eq!(res.header("content-type"), Some("text/xml"));
    let id = res.header("x-amzn-RequestId").unwrap().to_owned();
    let role_id = sim.lab_role().role_id.clone();
    assert!(
        role_id.starts_with("AROA") && role_id.len() == 21,
        "{role_id}"
    );
    assert_eq!(
        res.body_text(),
        format!(
            r#"<GetRoleResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/">
  <GetRoleResult>
    <Role>
      <Path>/</Path>
      <AssumeRolePolicyDocument>%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%7B%22Effect%22%3A%22Allow%22%2C%22Principal%22%3A%7B%22Service%22%3A%22lambda.amazonaws.com%22%7D%2C%22Action%22%3A%22sts%3AAssumeRole%22%7D%5D%7D</AssumeRolePolicyDocument>
      <MaxSessionDuration>3600</MaxSessionDuration>
      <RoleId>{role_id}</RoleId>
      <RoleLastUsed/>
      <RoleName>lambda-lab-role</RoleName>
      <Description>Allows Lambda functions to call AWS services on your behalf.</Description>
      <Arn>arn:aws:iam::123456789012:role/lambda-lab-role</Arn>
      <CreateDate>2024-10-08T18:55:22Z</CreateDate>
    </Role>
  </GetRoleResult>
  <ResponseMetadata>
    <RequestId>{id}</RequestId>
  </ResponseMetadata>
</GetRoleResponse>
"#
        )
    );
}

#[test]
fn the_role_id_is_the_one_sts_names_in_the_roles_sessions() {
    let sim = sim();
    assert_eq!(
        sim.lab_role().role_id,
        crate::sts::role_id(sim.identity(), "lambda-lab-role")
    );
    // And another seed gives another account's id.
    let other = Simulator::new(crate::SimConfig::new(6), NOW);
    assert_ne!(other.lab_role().role_id, sim.lab_role().role_id);
}

#[test]
fn the_inline_policies_are_listed_and_read_url_encoded() {
    let mut sim = sim();
    let res = call(&mut sim, "Action=ListRolePolicies&RoleName=lambda-lab-role");
    assert_eq!(res.status, 200, "{}", res.body_text());
    assert_eq!(members(&res), ["aoss-policy", "dynamodb-stream-data"]);
    assert_eq!(element(&res, "IsTruncated"), Some("false"));
    assert_eq!(element(&res, "Marker"), None);

    let res = call(
        &mut sim,
        "Action=GetRolePolicy&RoleName=lambda-lab-role&PolicyName=dynamodb-stream-data",
    );
    assert_eq!(res.status, 200, "{}", res.body_text());
    assert_eq!(element(&res, "RoleName"), Some("lambda-lab-role"));
    assert_eq!(element(&res, "PolicyName"), Some("dynamodb-stream-data"));
    let wire = element(&res, "PolicyDocument").unwrap();
    // RFC 3986: only unreserved characters are left as they are.
    assert!(
        wire.starts_with("%7B%0A%09%22Version%22%3A%20%222012-10-17%22%2C"),
        "{wire}"
    );
    assert!(wire
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"-._~%".contains(&b)));
    let text = percent::decode(wire);
    let document: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(
        document,
        serde_json::json!({
            "Version": "2012-10-17",
            "Statement": [{
                "Sid": "APIAccessForDynamoDBStreams",
                "Effect": "Allow",
                "Action": ["dynamodb:GetRecords", "dynamodb:GetShardIterator", "dynamodb:DescribeStream", "dynamodb:ListStreams"],
                "Resource": "arn:aws:dynamodb:ap-southeast-1:123456789012:table/lab-table/stream/*"
            }]
        })
    );
}

#[test]
fn list_role_policies_pages_with_marker_and_max_items() {
    let mut sim = sim();
    let first = call(
        &mut sim,
        "Action=ListRolePolicies&RoleName=lambda-lab-role&MaxItems=1",
    );
    assert_eq!(members(&first), ["aoss-policy"]);
    assert_eq!(element(&first, "IsTruncated"), Some("true"));
    let marker = element(&first, "Marker").unwrap().to_owned();
    let second = call(
        &mut sim,
        &format!("Action=ListRolePolicies&RoleName=lambda-lab-role&MaxItems=1&Marker={marker}"),
    );
    assert_eq!(members(&second), ["dynamodb-stream-data"]);
    assert_eq!(element(&second, "IsTruncated"), Some("false"));
    assert_eq!(element(&second, "Marker"), None);

    let res = call(
        &mut sim,
        "Action=ListRolePolicies&RoleName=lambda-lab-role&Marker=not-ours",
    );
    assert_error(&res, 400, "ValidationError", "Invalid Marker.");
    let res = call(
        &mut sim,
        "Action=ListRolePolicies&RoleName=lambda-lab-role&MaxItems=0",
    );
    assert_error(&res, 400, "ValidationError", "1 validation error detected: Value '0' at 'maxItems' failed to satisfy constraint: Member must have value greater than or equal to 1");
    let res = call(
        &mut sim,
        "Action=ListRolePolicies&RoleName=lambda-lab-role&MaxItems=1001",
    );
    assert_error(&res, 400, "ValidationError", "1 validation error detected: Value '1001' at 'maxItems' failed to satisfy constraint: Member must have value less than or equal to 1000");
}

#[test]
fn the_attached_policy_is_aws_lambda_execute() {
    let mut sim = sim();
    let res = call(
        &mut sim,
        "Action=ListAttachedRolePolicies&RoleName=lambda-lab-role",
    );
    assert_eq!(res.status, 200, "{}", res.body_text());
    assert!(res.body_text().contains("<AttachedPolicies>\n      <member>\n        <PolicyArn>arn:aws:iam::aws:policy/AWSLambdaExecute</PolicyArn>\n        <PolicyName>AWSLambdaExecute</PolicyName>\n      </member>\n    </AttachedPolicies>\n    <IsTruncated>false</IsTruncated>"), "{}", res.body_text());
    let res = call(
        &mut sim,
        "Action=ListAttachedRolePolicies&RoleName=lambda-lab-role&PathPrefix=/service-role/",
    );
    assert!(res.body_text().contains("<AttachedPolicies/>"));
    let res = call(
        &mut sim,
        "Action=ListAttachedRolePolicies&RoleName=lambda-lab-role&PathPrefix=service-role",
    );
    assert_error(&res, 400, "ValidationError", "The specified value for pathPrefix is invalid. It must begin with the / character and contain only alphanumeric characters and/or / characters.");
}

#[test]
fn another_role_or_policy_is_no_such_entity() {
    let mut sim = sim();
    let res = call(&mut sim, "Action=GetRole&RoleName=lambda-lap-role");
    assert_error(
        &res,
        404,
        "NoSuchEntity",
        "The role with name lambda-lap-role cannot be found.",
    );
    // Names are not distinguished by case: the role answers as it is named.
    let res = call(&mut sim, "Action=GetRole&RoleName=Lambda-Lab-Role");
    assert_eq!(element(&res, "RoleName"), Some("lambda-lab-role"));
    let res = call(&mut sim, "Action=ListRolePolicies&RoleName=other");
    assert_error(
        &res,
        404,
        "NoSuchEntity",
        "The role with name other cannot be found.",
    );
    // A managed policy is not an inline one.
    let res = call(
        &mut sim,
        "Action=GetRolePolicy&RoleName=lambda-lab-role&PolicyName=AWSLambdaExecute",
    );
    assert_error(
        &res,
        404,
        "NoSuchEntity",
        "The role policy with name AWSLambdaExecute cannot be found.",
    );
}

#[test]
fn the_lab_setup_decides_the_inline_policies() {
    let mut sim = sim();
    setup(&mut sim, r#"{"stream_policy": "missing"}"#);
    let res = call(&mut sim, "Action=ListRolePolicies&RoleName=lambda-lab-role");
    assert_eq!(members(&res), ["aoss-policy"]);
    let res = call(
        &mut sim,
        "Action=GetRolePolicy&RoleName=lambda-lab-role&PolicyName=dynamodb-stream-data",
    );
    assert_error(
        &res,
        404,
        "NoSuchEntity",
        "The role policy with name dynamodb-stream-data cannot be found.",
    );
    setup(
        &mut sim,
        r#"{"stream_policy": "wrong", "aoss_policy": "missing"}"#,
    );
    let res = call(&mut sim, "Action=ListRolePolicies&RoleName=lambda-lab-role");
    assert_eq!(members(&res), ["dynamodb-stream-data"]);
    let res = call(
        &mut sim,
        "Action=GetRolePolicy&RoleName=lambda-lab-role&PolicyName=dynamodb-stream-data",
    );
    let document = percent::decode(element(&res, "PolicyDocument").unwrap());
    let document: serde_json::Value = serde_json::from_str(&document).unwrap();
    assert_eq!(
        document["Statement"][0]["Resource"],
        "arn:aws:dynamodb:ap-southeast-1:123456789012:table/lab-table"
    );
    setup(&mut sim, r#"{"stream_policy": "missing"}"#);
    let res = call(&mut sim, "Action=ListRolePolicies&RoleName=lambda-lab-role");
    assert!(
        res.body_text().contains("<PolicyNames/>"),
        "{}",
        res.body_text()
    );
}

#[test]
fn a_narrow_credential_is_access_denied_in_iams_shape() {
    let mut sim = sim();
    let policy = crate::iam::PolicyDocument::from_value(&serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "iam:ListRolePolicies", "Resource": "*"}]
    }))
    .unwrap();
    let narrow = sim.mint_credentials_with_policy(NOW, 3600, policy);
    let req = signer(&narrow).sign(iam_request("Action=GetRole&RoleName=lambda-lab-role"));
    let res = sim.handle(Service::Iam, &req, NOW);
    assert_error(&res, 403, "AccessDenied", "User: arn:aws:sts::123456789012:assumed-role/WSParticipantRole/Participant is not authorized to perform: iam:GetRole on resource: role lambda-lab-role because no identity-based policy allows the iam:GetRole action");
    // Authorisation comes before the lookup: a missing role is refused too.
    let req = signer(&narrow).sign(iam_request("Action=GetRole&RoleName=other"));
    let res = sim.handle(Service::Iam, &req, NOW);
    assert_eq!(res.status, 403);
    // What it may do, it does.
    let req = signer(&narrow).sign(iam_request(
        "Action=ListRolePolicies&RoleName=lambda-lab-role",
    ));
    assert_eq!(sim.handle(Service::Iam, &req, NOW).status, 200);
}

#[test]
fn signing_errors_are_stss_codes_in_iams_namespace() {
    let mut sim = sim();
    let get_role = || iam_request("Action=GetRole&RoleName=lambda-lab-role");
    // Signed for the lab's region: IAM signs us-east-1 only.
    let mut lab_region = signer(sim.identity().demo_credentials());
    lab_region.region = "ap-southeast-1".into();
    let res = sim.handle(Service::Iam, &lab_region.sign(get_role()), NOW);
    assert_error(
        &res,
        403,
        "SignatureDoesNotMatch",
        "Credential should be scoped to a valid region.",
    );
    let mut unknown = signer(sim.identity().demo_credentials());
    unknown.access_key_id = "ASIAQ3EGUBVUCZEXAMPL".into();
    let res = sim.handle(Service::Iam, &unknown.sign(get_role()), NOW);
    assert_error(
        &res,
        403,
        "InvalidClientTokenId",
        "The security token included in the request is invalid.",
    );
    let expired = sim.mint_credentials(NOW, -60);
    let res = sim.handle(Service::Iam, &signer(&expired).sign(get_role()), NOW);
    assert_error(
        &res,
        403,
        "ExpiredToken",
        "The security token included in the request is expired",
    );
}

#[test]
fn input_is_validated_and_echoed_as_well_formed_xml() {
    let mut sim = sim();
    let res = call(&mut sim, "Action=GetRole");
    assert_error(&res, 400, "ValidationError", "1 validation error detected: Value null at 'roleName' failed to satisfy constraint: Member must not be null");
    let res = call(&mut sim, "Action=GetRole&RoleName=a%3Cb%3E%01");
    assert_error(&res, 400, "ValidationError", "1 validation error detected: Value 'a&lt;b&gt;\u{FFFD}' at 'roleName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]+");
    let res = call(&mut sim, "Action=ListRoles");
    assert_error(
        &res,
        400,
        "InvalidAction",
        "Could not find operation ListRoles for version 2010-05-08",
    );
}

#[test]
fn iam_answers_cors_like_the_other_query_services() {
    let mut sim = sim();
    let preflight = Request::new("OPTIONS", "/")
        .with_header("Origin", "http://localhost:8080")
        .with_header("Access-Control-Request-Method", "POST")
        .with_header(
            "Access-Control-Request-Headers",
            "authorization,content-type,x-amz-date,x-amz-security-token",
        );
    let res = sim.handle(Service::Iam, &preflight, NOW);
    assert_eq!(res.status, 200);
    let sts = sim.handle(Service::Sts, &preflight, NOW);
    for header in [
        "access-control-allow-origin",
        "access-control-allow-methods",
        "access-control-allow-headers",
        "access-control-max-age",
    ] {
        assert!(res.header(header).is_some(), "{header}");
        assert_eq!(res.header(header), sts.header(header), "{header}");
    }
    let req = signer(sim.identity().demo_credentials())
        .sign(iam_request("Action=GetRole&RoleName=nope"))
        .with_header("Origin", "http://localhost:8080");
    let res = sim.handle(Service::Iam, &req, NOW);
    assert_eq!(res.status, 404);
    assert!(res.header("access-control-allow-origin").is_some());
    assert!(res.header("access-control-expose-headers").is_some());
}
