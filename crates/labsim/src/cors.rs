//! CORS as AWS's browser-callable ("Coral") services answer it, and the
//! `x-amzn-ErrorType` header a page reads through it.
//!
//! aws-behaviour.md §1: STS, DynamoDB, Streams, Lambda and Logs (and IAM)
//! answer any preflight with `Access-Control-Allow-Origin: *` (never the
//! origin echoed), echo the requested method and header list, expose the
//! request id, the error type and message and `Date`, and let a browser cache
//! the answer for two days. Their other answers to a request with `Origin`,
//! errors included, carry the same `*` and Expose-Headers. Which services do
//! so is [`SERVICE_POLICIES`]; API Gateway answers CORS per its own settings
//! (`apigateway`) and OpenSearch Serverless has none.
//!
//! labsim's own `/_labsim/*` control endpoints keep their older policy
//! ([`CONTROL`]: the origin echoed with `Vary: Origin`).

use crate::message::{Request, Response};
use crate::Service;

/// Which origin an answer names as allowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AllowOrigin {
    /// The literal `*`, as AWS's services send it.
    Any,
    /// The request's `Origin`, with `Vary: Origin` so caches keep apart
    /// answers for different origins.
    Echo,
}

/// Which methods a preflight answer allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AllowMethods {
    /// The one the preflight asked for (`Access-Control-Request-Method`).
    Echo,
    /// A fixed list.
    Listed(&'static str),
}

/// What an endpoint allows a page of another origin.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CorsPolicy {
    pub allow_origin: AllowOrigin,
    pub allow_methods: AllowMethods,
    /// Response headers a page may read beyond the CORS-safelisted ones.
    pub expose_headers: &'static str,
    /// How long a browser may cache a preflight answer.
    pub max_age_seconds: u32,
    /// Whether the endpoint is an AWS service, whose preflight answers
    /// carry an `x-amzn-RequestId` and whose error answers carry an
    /// `x-amzn-ErrorType`.
    pub aws_service: bool,
}

/// What the Coral services expose (aws-behaviour.md §1).
pub const CORAL_EXPOSE_HEADERS: &str = "x-amzn-RequestId,x-amzn-ErrorType,x-amzn-ErrorMessage,Date";

/// DynamoDB, Streams, Logs, STS and IAM.
pub const CORAL: CorsPolicy = CorsPolicy {
    allow_origin: AllowOrigin::Any,
    allow_methods: AllowMethods::Echo,
    expose_headers: CORAL_EXPOSE_HEADERS,
    max_age_seconds: 172_800,
    aws_service: true,
};

/// Lambda: the Coral four plus what `Invoke` answers with.
pub const LAMBDA: CorsPolicy = CorsPolicy {
    expose_headers: "x-amzn-RequestId,x-amzn-ErrorType,x-amzn-ErrorMessage,Date,x-amz-log-result,x-amz-function-error",
    ..CORAL
};

/// The simulator's `/_labsim/*` control endpoints.
pub const CONTROL: CorsPolicy = CorsPolicy {
    allow_origin: AllowOrigin::Echo,
    allow_methods: AllowMethods::Listed("GET, POST, OPTIONS"),
    expose_headers: "x-amzn-RequestId, Date",
    max_age_seconds: 86_400,
    aws_service: false,
};

/// The services that answer CORS as Coral services do, one line each.
pub const SERVICE_POLICIES: &[(Service, &CorsPolicy)] = &[
    (Service::Sts, &CORAL),
    (Service::DynamoDb, &CORAL),
    (Service::Streams, &CORAL),
    (Service::Lambda, &LAMBDA),
    (Service::Logs, &CORAL),
];

/// `service`'s CORS policy; `None` for API Gateway (which answers CORS
/// itself, per its settings) and OpenSearch Serverless (no CORS at all).
pub fn policy_for(service: Service) -> Option<&'static CorsPolicy> {
    SERVICE_POLICIES
        .iter()
        .find(|(s, _)| *s == service)
        .map(|(_, policy)| *policy)
}

/// Whether `req` is a CORS preflight (`OPTIONS` with `Origin` and
/// `Access-Control-Request-Method`), whoever answers it.
pub fn is_preflight(req: &Request) -> bool {
    req.method.eq_ignore_ascii_case("OPTIONS")
        && req.header("origin").is_some()
        && req.header("access-control-request-method").is_some()
}

/// The answer to a CORS preflight, or `None` if `req` is not one.
/// `request_id` is called for the `x-amzn-RequestId` an AWS service puts
/// on it (and only then, so other endpoints use up no request id).
pub fn preflight(
    policy: &CorsPolicy,
    req: &Request,
    request_id: impl FnOnce() -> String,
) -> Option<Response> {
    if !is_preflight(req) {
        return None;
    }
    let origin = req.header("origin")?;
    let method = req.header("access-control-request-method")?;
    let mut response = Response::new(200);
    set_allow_origin(policy, origin, &mut response);
    let methods = match policy.allow_methods {
        AllowMethods::Echo => method,
        AllowMethods::Listed(list) => list,
    };
    response.set_header("Access-Control-Allow-Methods", methods);
    if let Some(requested) = req.header("access-control-request-headers") {
        // Echoed verbatim: a signed request carries headers (x-amz-*,
        // amz-sdk-*, content-type) that vary by SDK, and AWS accepts them all.
        response.set_header("Access-Control-Allow-Headers", requested);
    }
    response.set_header("Access-Control-Expose-Headers", policy.expose_headers);
    response.set_header(
        "Access-Control-Max-Age",
        &policy.max_age_seconds.to_string(),
    );
    response.set_header("Content-Length", "0");
    if policy.aws_service {
        response.set_header("x-amzn-RequestId", &request_id());
    }
    Some(response)
}

/// Finishes an endpoint's (non-preflight) answer to `req`: an AWS
/// service's error gets its `x-amzn-ErrorType`, and an answer to a page of
/// another origin (a request with `Origin`) is marked readable by it.
pub fn finish(policy: &CorsPolicy, req: &Request, response: &mut Response) {
    if policy.aws_service && response.header("x-amzn-ErrorType").is_none() {
        if let Some(error_type) = error_type(response) {
            response.set_header("x-amzn-ErrorType", &error_type);
        }
    }
    let Some(origin) = req.header("origin") else {
        return;
    };
    set_allow_origin(policy, origin, response);
    response.set_header("Access-Control-Expose-Headers", policy.expose_headers);
}

fn set_allow_origin(policy: &CorsPolicy, origin: &str, response: &mut Response) {
    match policy.allow_origin {
        AllowOrigin::Any => response.set_header("Access-Control-Allow-Origin", "*"),
        AllowOrigin::Echo => {
            response.set_header("Access-Control-Allow-Origin", origin);
            response.set_header("Vary", "Origin");
        }
    }
}

/// Where Coral names the model namespace of an error type in
/// `x-amzn-ErrorType` (aws-behaviour.md §8).
const CORAL_NAMESPACE_URL: &str = "http://internal.amazon.com/coral";

/// The `x-amzn-ErrorType` of an AWS service's error answer, read from its
/// body: a JSON `__type` (`namespace#Name` becomes Coral's
/// `Name:http://internal.amazon.com/coral/namespace/`, a bare name stays
/// bare) or a query-protocol XML `<Code>`. `None` for a success, or a body
/// that names no type (an injected raw fault).
pub fn error_type(response: &Response) -> Option<String> {
    if response.status < 400 {
        return None;
    }
    if let Ok(body) = serde_json::from_slice::<serde_json::Value>(&response.body) {
        let wire_type = body.get("__type")?.as_str()?;
        return Some(match wire_type.rsplit_once('#') {
            Some((namespace, name)) => format!("{name}:{CORAL_NAMESPACE_URL}/{namespace}/"),
            None => wire_type.to_owned(),
        });
    }
    let text = std::str::from_utf8(&response.body).ok()?;
    let (_, rest) = text.split_once("<Code>")?;
    let (code, _) = rest.split_once("</Code>")?;
    let code = code.trim();
    (!code.is_empty()).then(|| code.to_owned())
}

#[cfg(test)]
mod tests;
