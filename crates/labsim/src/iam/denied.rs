//! How each service says "not allowed", byte for byte where it could be
//! substantiated.
//!
//! The message is IAM's: `User: {principal} is not authorized to perform:
//! {action} on resource: {resource}` followed by `because no
//! identity-based policy allows the {action} action` or `with an explicit
//! deny in an identity-based policy` (`session policy` / `a session
//! policy` when the session policy decided). Each service wraps it its own
//! way:
//!
//! | service | status | body |
//! |---|---|---|
//! | API Gateway | 403, `x-amzn-ErrorType: AccessDeniedException` | `{"Message":"..."}`, account in the resource masked to `********9012` |
//! | DynamoDB, Streams | 400 | `{"__type":"com.amazon.coral.service#AccessDeniedException","Message":"..."}` |
//! | Lambda | 403, `x-amzn-ErrorType: AccessDeniedException` | `{"Message":"..."}` |
//! | CloudWatch Logs | 400 | `{"__type":"AccessDeniedException","message":"..."}` |
//! | STS | 403 | `<ErrorResponse>` with `<Code>AccessDenied</Code>` |
//! | IAM | 403 | IAM's `<ErrorResponse>`, `<Code>AccessDenied</Code>`; a role is named `role NAME`, not by ARN |
//! | AOSS | 403, `x-aoss-response-hint` | `{"status":403,"request-id":"...","error":{"reason":"403 Forbidden","type":"Forbidden"}}` |
//!
//! Sources, and where they disagree with `aws-behaviour.md`:
//! - API Gateway: the key is `Message` (capital M) in responses captured
//!   from AWS (a measured resource-policy denial, "the key is `Message`";
//!   many user reports of IAM denials, e.g. `{"Message":"User:
//!   arn:aws:sts::...:assumed-role/.../CognitoIdentityCredentials is not
//!   authorized to perform: execute-api:Invoke on resource:
//!   arn:aws:execute-api:us-east-1:********0655:.../POST/locations"}`).
//!   `aws-behaviour.md` writes `message`; that is right for API Gateway's
//!   own gateway responses (`Missing Authentication Token`, `Forbidden`)
//!   but not for this one. Change [`API_GATEWAY_MESSAGE_KEY`] if it must
//!   follow the doc instead.
//! - DynamoDB: `Message` (capital M) as Coral's framework exceptions write
//!   it, seen in captured DynamoDB responses (`{"__type":"com.amazon.coral.service#AccessDeniedException","Message":"User: ... dynamodb:PutItem ..."}`), HTTP 400.
//! - Lambda: `{"Message":"..."}` with `x-amzn-ErrorType`, HTTP 403, from a
//!   measured `Invoke` denial and older user reports; no `"Type":"User"`
//!   member (Lambda puts that on its own errors, not on IAM denials).
//! - Logs: HTTP 400 and the error code are certain (SDK error reports);
//!   the body's key casing (`message`) is unverified.
//! - IAM: `... is not authorized to perform: iam:GetRole on resource:
//!   role cdk-...-role because no identity-based policy allows the
//!   iam:GetRole action (Service: Iam, Status Code: 403 ...)` in user
//!   reports of IAM denials (CDK, Chalice); the XML shape is STS's.
//! - AOSS: the body and `x-aoss-response-hint: X01:gw-helper-deny` for a
//!   data-access-policy denial are documented/captured. The hint for a
//!   missing `aoss:APIAccessAll` is unverified (the same one is used). A
//!   network-policy refusal is 401 with an empty body and
//!   `X01:network-policy-deny` (AOSS troubleshooting guide).

use super::eval::{AuthzRequest, Decision, PolicyType};
use crate::message::Response;
use crate::sts::{self, StsError};

/// The JSON key of API Gateway's IAM denial message (see the module docs).
pub const API_GATEWAY_MESSAGE_KEY: &str = "Message";

/// Why the request was refused, as the message tells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DenyReason {
    /// "because no {identity-based|session} policy allows the ... action"
    NoAllow(PolicyType),
    /// "with an explicit deny in {an identity-based|a session} policy"
    ExplicitDeny(PolicyType),
}

/// A refused request: who, what, on which resource, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Denial {
    pub principal_arn: String,
    pub action: String,
    pub resource: String,
    pub reason: DenyReason,
}

impl Denial {
    pub fn new(principal_arn: &str, action: &str, resource: &str, reason: DenyReason) -> Self {
        Denial {
            principal_arn: principal_arn.to_owned(),
            action: action.to_owned(),
            resource: resource.to_owned(),
            reason,
        }
    }

    /// The denial for `decision`, or `None` if it allowed the request.
    pub fn from_decision(
        principal_arn: &str,
        req: &AuthzRequest<'_>,
        decision: &Decision,
    ) -> Option<Self> {
        let reason = match decision {
            Decision::Allowed { .. } => return None,
            Decision::ExplicitDeny { statement } => DenyReason::ExplicitDeny(statement.policy_type),
            Decision::ImplicitDeny { policy_type } => DenyReason::NoAllow(*policy_type),
        };
        Some(Denial::new(principal_arn, req.action, req.resource, reason))
    }

    /// IAM's message.
    pub fn message(&self) -> String {
        self.message_naming(&self.resource)
    }

    fn message_naming(&self, resource: &str) -> String {
        let why = match self.reason {
            DenyReason::NoAllow(kind) => format!(
                "because no {} policy allows the {} action",
                kind.adjective(),
                self.action
            ),
            DenyReason::ExplicitDeny(kind) => {
                format!("with an explicit deny in {}", kind.with_article())
            }
        };
        format!(
            "User: {} is not authorized to perform: {} on resource: {resource} {why}",
            self.principal_arn, self.action
        )
    }
}

/// The services that answer with an IAM denial.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeniedBy {
    ApiGateway,
    DynamoDb,
    DynamoDbStreams,
    Lambda,
    Logs,
    Sts,
}

/// The denial as `service` sends it.
pub fn access_denied(service: DeniedBy, denial: &Denial, request_id: &str) -> Response {
    match service {
        DeniedBy::ApiGateway => api_gateway_access_denied(denial, request_id),
        DeniedBy::DynamoDb | DeniedBy::DynamoDbStreams => {
            dynamodb_access_denied(denial, request_id)
        }
        DeniedBy::Lambda => lambda_access_denied(denial, request_id),
        DeniedBy::Logs => logs_access_denied(denial, request_id),
        DeniedBy::Sts => sts_access_denied(denial, request_id),
    }
}

/// A JSON string literal.
fn json_string(text: &str) -> String {
    // Serialising a string cannot fail.
    serde_json::to_string(text).unwrap_or_default()
}

/// API Gateway, a method with AWS_IAM authorization: 403.
pub fn api_gateway_access_denied(denial: &Denial, request_id: &str) -> Response {
    let message = denial.message_naming(&super::arn::mask_account(&denial.resource));
    let body = format!(
        "{{\"{API_GATEWAY_MESSAGE_KEY}\":{}}}",
        json_string(&message)
    );
    let mut response = Response::with_body(403, "application/json", body);
    response.set_header("x-amzn-RequestId", request_id);
    response.set_header("x-amzn-ErrorType", "AccessDeniedException");
    response
}

/// DynamoDB and DynamoDB Streams (JSON 1.0 protocol): 400, with DynamoDB's
/// usual `x-amz-crc32` of the body.
pub fn dynamodb_access_denied(denial: &Denial, request_id: &str) -> Response {
    let body = format!(
        "{{\"__type\":\"com.amazon.coral.service#AccessDeniedException\",\"Message\":{}}}",
        json_string(&denial.message())
    );
    let crc = crc32(body.as_bytes());
    let mut response = Response::with_body(400, "application/x-amz-json-1.0", body);
    response.set_header("x-amzn-RequestId", request_id);
    response.set_header("x-amz-crc32", &crc.to_string());
    response
}

/// Lambda (REST-JSON): 403, the error code in `x-amzn-ErrorType`.
pub fn lambda_access_denied(denial: &Denial, request_id: &str) -> Response {
    let body = format!("{{\"Message\":{}}}", json_string(&denial.message()));
    let mut response = Response::with_body(403, "application/json", body);
    response.set_header("x-amzn-RequestId", request_id);
    response.set_header("x-amzn-ErrorType", "AccessDeniedException");
    response
}

/// CloudWatch Logs (JSON 1.1 protocol): 400.
pub fn logs_access_denied(denial: &Denial, request_id: &str) -> Response {
    let body = format!(
        "{{\"__type\":\"AccessDeniedException\",\"message\":{}}}",
        json_string(&denial.message())
    );
    let mut response = Response::with_body(400, "application/x-amz-json-1.1", body);
    response.set_header("x-amzn-RequestId", request_id);
    response
}

/// STS (query protocol): 403 `AccessDenied` in STS's error document.
pub fn sts_access_denied(denial: &Denial, request_id: &str) -> Response {
    let err = StsError {
        status: 403,
        code: "AccessDenied",
        message: denial.message(),
    };
    let mut response =
        Response::with_body(err.status, "text/xml", sts::error_xml(&err, request_id));
    response.set_header("x-amzn-RequestId", request_id);
    response
}

/// IAM (query protocol): 403 `AccessDenied`, naming a role resource as
/// IAM's messages do (`role lambda-lab-role`) rather than by its ARN.
pub fn iam_access_denied(denial: &Denial, request_id: &str) -> Response {
    let resource = match denial.resource.split_once(":role/") {
        Some((_, path)) => format!("role {}", path.rsplit('/').next().unwrap_or(path)),
        None => denial.resource.clone(),
    };
    let err = super::api::IamError::new(403, "AccessDenied", denial.message_naming(&resource));
    err.to_response(request_id)
}

/// Why OpenSearch Serverless refused a data-plane request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum AossDenial {
    /// No data access policy grants the principal the operation.
    DataAccessPolicy,
    /// The principal's IAM policies lack `aoss:APIAccessAll`.
    MissingApiAccessAll,
    /// The network policy does not admit the request's source.
    NetworkPolicy,
}

impl AossDenial {
    /// The `x-aoss-response-hint` value.
    pub fn hint(self) -> &'static str {
        match self {
            // Documented for data access policy denials; assumed (not
            // verified) for a missing aoss:APIAccessAll.
            AossDenial::DataAccessPolicy | AossDenial::MissingApiAccessAll => "X01:gw-helper-deny",
            AossDenial::NetworkPolicy => "X01:network-policy-deny",
        }
    }
}

/// OpenSearch Serverless: 403 with a small JSON body (401 with none for a
/// network policy refusal). The request id is the body's `request-id` and
/// the `x-request-id` header.
pub fn aoss_access_denied(kind: AossDenial, request_id: &str) -> Response {
    let mut response = match kind {
        AossDenial::NetworkPolicy => Response::new(401),
        AossDenial::DataAccessPolicy | AossDenial::MissingApiAccessAll => {
            let body = format!(
                "{{\"status\":403,\"request-id\":{},\"error\":{{\"reason\":\"403 Forbidden\",\"type\":\"Forbidden\"}}}}",
                json_string(request_id)
            );
            Response::with_body(403, "application/json", body)
        }
    };
    response.set_header("x-request-id", request_id);
    response.set_header("x-aoss-response-hint", kind.hint());
    if kind == AossDenial::NetworkPolicy {
        // Documented with this refusal (AOSS troubleshooting guide).
        response.set_header("server", "aoss-amazon");
    }
    response
}

/// CRC-32 (IEEE), as DynamoDB's `x-amz-crc32`.
fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &byte in bytes {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            let mask = (crc & 1).wrapping_neg();
            crc = (crc >> 1) ^ (0xEDB8_8320 & mask);
        }
    }
    !crc
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::iam::eval::StatementRef;

    const USER: &str = "arn:aws:sts::123456789012:assumed-role/WSParticipantRole/Participant";
    const REQUEST_ID: &str = "7a62c49f-347e-4fc4-9331-6e8eEXAMPLE";
    const TABLE: &str = "arn:aws:dynamodb:ap-southeast-1:123456789012:table/lab-table";

    fn implicit(action: &str, resource: &str) -> Denial {
        Denial::new(
            USER,
            action,
            resource,
            DenyReason::NoAllow(PolicyType::Identity),
        )
    }

    #[test]
    fn messages_name_the_deciding_policy_type() {
        let mut d = implicit("dynamodb:GetItem", TABLE);
        assert_eq!(
            d.message(),
            "User: arn:aws:sts::123456789012:assumed-role/WSParticipantRole/Participant is not authorized to perform: dynamodb:GetItem on resource: arn:aws:dynamodb:ap-southeast-1:123456789012:table/lab-table because no identity-based policy allows the dynamodb:GetItem action"
        );
        d.reason = DenyReason::ExplicitDeny(PolicyType::Identity);
        assert!(d.message().ends_with(
            "on resource: arn:aws:dynamodb:ap-southeast-1:123456789012:table/lab-table with an explicit deny in an identity-based policy"
        ));
        d.reason = DenyReason::NoAllow(PolicyType::Session);
        assert!(d
            .message()
            .ends_with(" because no session policy allows the dynamodb:GetItem action"));
        d.reason = DenyReason::ExplicitDeny(PolicyType::Session);
        assert!(d
            .message()
            .ends_with(" with an explicit deny in a session policy"));
    }

    #[test]
    fn denials_come_from_decisions() {
        let req = AuthzRequest {
            action: "logs:GetLogEvents",
            resource: "*",
            region: "ap-southeast-1",
        };
        let allowed = Decision::Allowed {
            statement: None,
            session_statement: None,
        };
        assert_eq!(Denial::from_decision(USER, &req, &allowed), None);
        let deny = Decision::ExplicitDeny {
            statement: StatementRef {
                policy_type: PolicyType::Session,
                policy: "session policy".into(),
                index: 0,
                sid: None,
            },
        };
        assert_eq!(
            Denial::from_decision(USER, &req, &deny).unwrap().reason,
            DenyReason::ExplicitDeny(PolicyType::Session)
        );
        let none = Decision::ImplicitDeny {
            policy_type: PolicyType::Identity,
        };
        assert_eq!(
            Denial::from_decision(USER, &req, &none),
            Some(implicit("logs:GetLogEvents", "*"))
        );
    }

    #[test]
    fn api_gateway_denial_masks_the_account() {
        let d = implicit(
            "execute-api:Invoke",
            "arn:aws:execute-api:ap-southeast-1:123456789012:a1b2c3d4e5/v1/POST/lab",
        );
        let res = access_denied(DeniedBy::ApiGateway, &d, REQUEST_ID);
        assert_eq!(res.status, 403);
        assert_eq!(res.header("content-type"), Some("application/json"));
        assert_eq!(
            res.header("x-amzn-ErrorType"),
            Some("AccessDeniedException")
        );
        assert_eq!(res.header("x-amzn-RequestId"), Some(REQUEST_ID));
        assert_eq!(
            res.body_text(),
            r#"{"Message":"User: arn:aws:sts::123456789012:assumed-role/WSParticipantRole/Participant is not authorized to perform: execute-api:Invoke on resource: arn:aws:execute-api:ap-southeast-1:********9012:a1b2c3d4e5/v1/POST/lab because no identity-based policy allows the execute-api:Invoke action"}"#
        );
    }

    #[test]
    fn dynamodb_and_streams_denials_are_coral_400s() {
        let d = implicit("dynamodb:GetItem", TABLE);
        for service in [DeniedBy::DynamoDb, DeniedBy::DynamoDbStreams] {
            let res = access_denied(service, &d, REQUEST_ID);
            assert_eq!(res.status, 400);
            assert_eq!(
                res.header("content-type"),
                Some("application/x-amz-json-1.0")
            );
            assert_eq!(
                res.body_text(),
                r#"{"__type":"com.amazon.coral.service#AccessDeniedException","Message":"User: arn:aws:sts::123456789012:assumed-role/WSParticipantRole/Participant is not authorized to perform: dynamodb:GetItem on resource: arn:aws:dynamodb:ap-southeast-1:123456789012:table/lab-table because no identity-based policy allows the dynamodb:GetItem action"}"#
            );
            assert_eq!(
                res.header("x-amz-crc32"),
                Some(crc32(&res.body).to_string().as_str())
            );
        }
        let explicit = Denial {
            reason: DenyReason::ExplicitDeny(PolicyType::Identity),
            ..d
        };
        let res = dynamodb_access_denied(&explicit, REQUEST_ID);
        assert!(res
            .body_text()
            .ends_with(r#"table/lab-table with an explicit deny in an identity-based policy"}"#));
    }

    #[test]
    fn lambda_denial_is_a_403_with_error_type_header() {
        let d = implicit(
            "lambda:GetFunction",
            "arn:aws:lambda:ap-southeast-1:123456789012:function:sync-data-with-dynamodb-stream",
        );
        let res = access_denied(DeniedBy::Lambda, &d, REQUEST_ID);
        assert_eq!(res.status, 403);
        assert_eq!(res.header("content-type"), Some("application/json"));
        assert_eq!(
            res.header("x-amzn-ErrorType"),
            Some("AccessDeniedException")
        );
        assert_eq!(
            res.body_text(),
            r#"{"Message":"User: arn:aws:sts::123456789012:assumed-role/WSParticipantRole/Participant is not authorized to perform: lambda:GetFunction on resource: arn:aws:lambda:ap-southeast-1:123456789012:function:sync-data-with-dynamodb-stream because no identity-based policy allows the lambda:GetFunction action"}"#
        );
    }

    #[test]
    fn logs_denial_is_a_json_1_1_400() {
        let d = implicit(
            "logs:FilterLogEvents",
            "arn:aws:logs:ap-southeast-1:123456789012:log-group:/aws/lambda/sync-data-with-dynamodb-stream:log-stream:",
        );
        let res = access_denied(DeniedBy::Logs, &d, REQUEST_ID);
        assert_eq!(res.status, 400);
        assert_eq!(
            res.header("content-type"),
            Some("application/x-amz-json-1.1")
        );
        assert_eq!(res.header("x-amzn-RequestId"), Some(REQUEST_ID));
        assert_eq!(
            res.body_text(),
            r#"{"__type":"AccessDeniedException","message":"User: arn:aws:sts::123456789012:assumed-role/WSParticipantRole/Participant is not authorized to perform: logs:FilterLogEvents on resource: arn:aws:logs:ap-southeast-1:123456789012:log-group:/aws/lambda/sync-data-with-dynamodb-stream:log-stream: because no identity-based policy allows the logs:FilterLogEvents action"}"#
        );
    }

    #[test]
    fn sts_denial_is_xml_access_denied() {
        let d = Denial::new(
            USER,
            "sts:AssumeRole",
            "arn:aws:iam::123456789012:role/lambda-lab-role",
            DenyReason::NoAllow(PolicyType::Identity),
        );
        let res = access_denied(DeniedBy::Sts, &d, REQUEST_ID);
        assert_eq!(res.status, 403);
        assert_eq!(res.header("content-type"), Some("text/xml"));
        assert_eq!(
            res.body_text(),
            "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\n  <Error>\n    <Type>Sender</Type>\n    <Code>AccessDenied</Code>\n    <Message>User: arn:aws:sts::123456789012:assumed-role/WSParticipantRole/Participant is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::123456789012:role/lambda-lab-role because no identity-based policy allows the sts:AssumeRole action</Message>\n  </Error>\n  <RequestId>7a62c49f-347e-4fc4-9331-6e8eEXAMPLE</RequestId>\n</ErrorResponse>\n"
        );
    }

    #[test]
    fn aoss_denials_carry_the_response_hint() {
        let id = "dad774db-bd2f-95dc-aa96-c514f03efb1a";
        for kind in [
            AossDenial::DataAccessPolicy,
            AossDenial::MissingApiAccessAll,
        ] {
            let res = aoss_access_denied(kind, id);
            assert_eq!(res.status, 403);
            assert_eq!(res.header("content-type"), Some("application/json"));
            assert_eq!(
                res.header("x-aoss-response-hint"),
                Some("X01:gw-helper-deny")
            );
            assert_eq!(res.header("x-request-id"), Some(id));
            assert_eq!(
                res.body_text(),
                r#"{"status":403,"request-id":"dad774db-bd2f-95dc-aa96-c514f03efb1a","error":{"reason":"403 Forbidden","type":"Forbidden"}}"#
            );
        }
        let res = aoss_access_denied(AossDenial::NetworkPolicy, id);
        assert_eq!(res.status, 401);
        assert!(res.body.is_empty());
        assert_eq!(res.header("content-type"), None);
        assert_eq!(
            res.header("x-aoss-response-hint"),
            Some("X01:network-policy-deny")
        );
        assert_eq!(res.header("server"), Some("aoss-amazon"));
        assert_eq!(res.header("x-request-id"), Some(id));
    }

    #[test]
    fn messages_are_json_escaped() {
        let d = implicit(
            "lambda:GetFunction",
            "arn:aws:lambda:r:a:function:\"quoted\"",
        );
        let res = lambda_access_denied(&d, REQUEST_ID);
        let json: serde_json::Value = serde_json::from_slice(&res.body).unwrap();
        assert_eq!(json["Message"].as_str().unwrap(), d.message());
    }

    #[test]
    fn crc32_is_ieee() {
        assert_eq!(crc32(b""), 0);
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
        assert_eq!(crc32(b"{}"), 2_745_614_147);
    }
}
