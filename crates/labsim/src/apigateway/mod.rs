//! The workshop's REST API `dynamodb-api-gw`: `POST /v1/lab`, integrated
//! straight with DynamoDB PutItem through a mapping template that pastes
//! values into JSON without escaping.
//!
//! As API Gateway does it:
//! - the item's `id` is the request id (`$context.requestId`, also sent
//!   back as `x-amzn-RequestId`), `createdAt` the request time in epoch
//!   milliseconds, as a string;
//! - a client may choose the request id by sending a UUID in
//!   `x-amzn-RequestId`; anything else there is replaced by a generated id
//!   (AWS's access log then shows `UUID_REPLACED_INVALID_REQUEST_ID`), see
//!   [`context_request_id`]; `x-amz-apigw-id` is always generated;
//! - no integration response maps errors: whatever DynamoDB answers comes
//!   back as HTTP 200 with DynamoDB's body (`{}` on success);
//! - any other path or method is 403 `Missing Authentication Token`;
//! - CORS only if the learner enabled it (an OPTIONS MOCK method, headers on
//!   2xx, and optionally on the DEFAULT_4XX/5XX gateway responses).
//!
//! Nothing here does I/O or reads a clock.

#[cfg(test)]
mod tests;

use serde_json::{json, Value};

use crate::dynamodb::{DynamoDb, LAB_TABLE};
use crate::iam;
use crate::identity::{IdentityStore, DEMO_ACCOUNT};
use crate::message::{Request, Response};
use crate::rng::SplitMix64;
use crate::sigv4::{self, AuthError, Expected};

/// The stage and resource of the only method.
pub use lab_model::names::API_PATH as PATH;
/// SigV4 signing name.
pub const SERVICE: &str = "execute-api";
/// What the console's "Enable CORS" allows. `x-amzn-RequestId` is not in
/// it, so a page that sends its own request id cross-origin fails the
/// preflight, as on AWS; through a same-origin route there is no preflight.
pub const CORS_ALLOW_HEADERS: &str =
    "Content-Type,X-Amz-Date,Authorization,X-Api-Key,X-Amz-Security-Token";
pub const CORS_ALLOW_METHODS: &str = "OPTIONS,POST";

/// The request header a client may set to choose `$context.requestId`.
pub const REQUEST_ID_HEADER: &str = "x-amzn-RequestId";

/// Where a request's `$context.requestId` came from (a non-UUID that was
/// replaced shows as `UUID_REPLACED_INVALID_REQUEST_ID` in AWS's access
/// log).
pub use lab_model::timeline::RequestIdOrigin;

/// `$context.requestId` for `req`: the client's `x-amzn-RequestId` when it
/// is a UUID (AWS: "Clients can override the value in the
/// `x-amzn-RequestId` header with a value in the format of a UUID"), else
/// `generated`. The id becomes the item's `id` and the response's
/// `x-amzn-RequestId`.
pub fn context_request_id(req: &Request, generated: String) -> (String, RequestIdOrigin) {
    match req.header(REQUEST_ID_HEADER) {
        None => (generated, RequestIdOrigin::Generated),
        Some(sent) if is_uuid(sent) => (sent.to_owned(), RequestIdOrigin::Client),
        Some(_) => (generated, RequestIdOrigin::Replaced),
    }
}

/// The textual UUID form, `8-4-4-4-12` hexadecimal digits in either case.
/// The braced, URN and hyphen-less forms `uuid` also parses are refused:
/// AWS documents only "the format of a UUID", and this is the form its own
/// request ids have.
pub fn is_uuid(text: &str) -> bool {
    text.len() == 36 && uuid::Uuid::try_parse(text).is_ok()
}

/// The method's authorization.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum ApiAuth {
    /// As the workshop leaves it.
    None,
    /// SigV4 with service `execute-api`.
    Iam,
}

/// How CORS is set up on the API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum ApiCors {
    /// As the workshop leaves it: no OPTIONS method at all.
    Off,
    /// "Enable CORS" with the DEFAULT_4XX/5XX gateway responses ticked.
    On,
    /// The OPTIONS method and 2xx headers, but plain gateway responses: a
    /// 403 reaches the page as an opaque CORS failure.
    NoGatewayResponses,
}

impl ApiAuth {
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "none" => Some(ApiAuth::None),
            "iam" => Some(ApiAuth::Iam),
            _ => None,
        }
    }
}

impl ApiCors {
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "off" => Some(ApiCors::Off),
            "on" => Some(ApiCors::On),
            "no-gateway-responses" => Some(ApiCors::NoGatewayResponses),
            _ => None,
        }
    }
}

/// The API's settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ApiSetup {
    pub auth: ApiAuth,
    pub cors: ApiCors,
}

impl Default for ApiSetup {
    fn default() -> Self {
        ApiSetup {
            auth: ApiAuth::None,
            cors: ApiCors::Off,
        }
    }
}

/// Answers one request to the invoke URL's host. `request_id` becomes the
/// item's id; `rng` supplies `x-amz-apigw-id`.
#[allow(clippy::too_many_arguments)]
pub fn handle(
    setup: ApiSetup,
    req: &Request,
    dynamodb: &mut DynamoDb,
    identity: &IdentityStore,
    region: &str,
    now_ms: i64,
    request_id: &str,
    rng: &mut SplitMix64,
) -> Response {
    let on_route = req.path == PATH || req.path == "/v1/lab/";
    let method = req.method.as_str();
    let mut response = if on_route && method == "OPTIONS" && setup.cors != ApiCors::Off {
        preflight()
    } else if on_route && method == "POST" {
        match authorize(setup, req, identity, region, now_ms, request_id) {
            Err(refusal) => refusal,
            Ok(()) => integrate(req, dynamodb, now_ms, request_id),
        }
    } else {
        gateway_response(
            403,
            "MissingAuthenticationTokenException",
            "Missing Authentication Token",
        )
    };
    response.set_header("x-amzn-RequestId", request_id);
    let apigw_id = format!("{}=", rng.string(crate::rng::BASE64, 15));
    response.set_header("x-amz-apigw-id", &apigw_id);
    let gateway_made = response.header("x-amzn-ErrorType").is_some();
    let cors = match setup.cors {
        ApiCors::Off => false,
        ApiCors::On => true,
        ApiCors::NoGatewayResponses => !gateway_made,
    };
    if cors && method != "OPTIONS" {
        response.set_header("Access-Control-Allow-Origin", "*");
        if gateway_made {
            response.set_header("Access-Control-Allow-Headers", CORS_ALLOW_HEADERS);
        }
    }
    response
}

/// The OPTIONS MOCK method "Enable CORS" creates.
fn preflight() -> Response {
    let mut res = Response::with_body(200, "application/json", "");
    res.set_header("Access-Control-Allow-Headers", CORS_ALLOW_HEADERS);
    res.set_header("Access-Control-Allow-Methods", CORS_ALLOW_METHODS);
    res.set_header("Access-Control-Allow-Origin", "*");
    res
}

fn gateway_response(status: u16, error_type: &str, message: &str) -> Response {
    let mut res = Response::json(status, &json!({"message": message}));
    res.set_header("x-amzn-ErrorType", error_type);
    res
}

pub(crate) fn gateway_error(err: &AuthError) -> Response {
    let (error_type, message) = match err {
        AuthError::MissingAuthenticationToken => (
            "MissingAuthenticationTokenException",
            "Missing Authentication Token".to_owned(),
        ),
        AuthError::IncompleteSignature(m) => ("IncompleteSignatureException", m.clone()),
        AuthError::InvalidClientTokenId => ("UnrecognizedClientException", err.to_string()),
        AuthError::ExpiredToken => ("ExpiredTokenException", err.to_string()),
        AuthError::SignatureDoesNotMatch(m) => ("InvalidSignatureException", m.clone()),
        AuthError::SignatureMismatch(computed) => (
            "InvalidSignatureException",
            format!(
                "{}\n\nThe Canonical String for this request should have been\n'{}'\n\nThe String-to-Sign should have been\n'{}'\n",
                err, computed.canonical_request, computed.string_to_sign
            ),
        ),
    };
    gateway_response(403, error_type, &message)
}

fn authorize(
    setup: ApiSetup,
    req: &Request,
    identity: &IdentityStore,
    region: &str,
    now_ms: i64,
    request_id: &str,
) -> Result<(), Response> {
    if setup.auth == ApiAuth::None {
        return Ok(());
    }
    let expected = Expected {
        service: SERVICE,
        region,
    };
    let caller = sigv4::verify(req, expected, identity, now_ms).map_err(|e| gateway_error(&e))?;
    let authz = iam::execute_api_authz(
        region,
        DEMO_ACCOUNT,
        crate::LAB_API_ID,
        iam::API_STAGE,
        iam::API_METHOD,
        iam::API_RESOURCE,
    );
    let authz_req = iam::AuthzRequest {
        action: &authz.action,
        resource: &authz.resource,
        region,
    };
    let decision = caller
        .permissions
        .evaluate(&authz_req)
        .map_err(|unsupported| {
            Response::json(
                500,
                &json!({"message": format!("labsim cannot authorize this request: {unsupported}")}),
            )
        })?;
    match iam::Denial::from_decision(&caller.principal_arn, &authz_req, &decision) {
        None => Ok(()),
        Some(denial) => Err(iam::access_denied(
            iam::DeniedBy::ApiGateway,
            &denial,
            request_id,
        )),
    }
}

/// The mapping template's output for this request: the PutItem body.
pub fn render_template(body: &Value, request_id: &str, now_ms: i64) -> String {
    format!(
        "{{\n    \"TableName\": \"{LAB_TABLE}\",\n    \"Item\": {{\n        \"id\": {{\"S\": \"{request_id}\"}},\n        \"type\": {{\"S\": \"{}\"}},\n        \"name\": {{\"S\": \"{}\"}},\n        \"createdAt\": {{\"S\": \"{now_ms}\"}}\n    }}\n}}",
        input_path(body, "type"),
        input_path(body, "name"),
    )
}

/// `$input.path('field')` as the template prints it: a string as it is (no
/// escaping), other values as Velocity shows Java objects, nothing for null
/// or absent.
fn input_path(body: &Value, field: &str) -> String {
    body.get(field).map(velocity_text).unwrap_or_default()
}

fn velocity_text(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Array(items) => format!(
            "[{}]",
            items
                .iter()
                .map(velocity_text)
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Value::Object(map) => format!(
            "{{{}}}",
            map.iter()
                .map(|(k, v)| format!("{k}={}", velocity_text(v)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        other => other.to_string(),
    }
}

fn integrate(req: &Request, dynamodb: &mut DynamoDb, now_ms: i64, request_id: &str) -> Response {
    let body: Value = if req.body.iter().all(u8::is_ascii_whitespace) {
        json!({})
    } else {
        match serde_json::from_slice(&req.body) {
            Ok(v) => v,
            Err(e) => {
                let mut res = Response::json(
                    400,
                    &json!({"message": format!("Could not parse request body into json: Could not parse payload into json: {e}")}),
                );
                res.set_header("x-amzn-ErrorType", "BadRequestException");
                return res;
            }
        }
    };
    let put = render_template(&body, request_id, now_ms);
    let answer = dynamodb.handle("DynamoDB_20120810.PutItem", put.as_bytes(), now_ms);
    // No integration response maps errors: 200 whatever DynamoDB said.
    Response::with_body(200, "application/json", answer.body)
}
