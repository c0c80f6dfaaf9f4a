//! CORS as AWS's browser-callable services answer it.
//!
//! The AWS SDK's browser build calls STS, DynamoDB, Lambda and Logs from any
//! origin, so those endpoints answer a preflight for any origin and mark every
//! response, errors included, as readable by it. A page also needs to read
//! `x-amzn-RequestId` and `Date` (to correct its clock), which are not
//! CORS-safelisted, so they are exposed.

use crate::message::{Request, Response};

/// What an endpoint allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CorsPolicy {
    pub allow_methods: &'static str,
    pub expose_headers: &'static str,
    /// How long a browser may cache a preflight answer.
    pub max_age_seconds: u32,
}

/// AWS query and JSON service endpoints (STS here).
pub const AWS_SERVICE: CorsPolicy = CorsPolicy {
    allow_methods: "GET, POST, OPTIONS",
    expose_headers: "x-amzn-RequestId, Date",
    max_age_seconds: 86_400,
};

/// The simulator's `/_labsim/*` control endpoints.
pub const CONTROL: CorsPolicy = AWS_SERVICE;

/// The answer to a CORS preflight (`OPTIONS` with `Origin` and
/// `Access-Control-Request-Method`), or `None` if `req` is not one.
pub fn preflight(policy: &CorsPolicy, req: &Request) -> Option<Response> {
    if !req.method.eq_ignore_ascii_case("OPTIONS") {
        return None;
    }
    let origin = req.header("origin")?;
    req.header("access-control-request-method")?;
    let mut response = Response::new(200);
    response.set_header("Access-Control-Allow-Origin", origin);
    response.set_header("Access-Control-Allow-Methods", policy.allow_methods);
    if let Some(requested) = req.header("access-control-request-headers") {
        // Echoed: a signed request carries headers (x-amz-*, content-type)
        // that vary by SDK, and AWS accepts them all.
        response.set_header("Access-Control-Allow-Headers", requested);
    }
    response.set_header(
        "Access-Control-Max-Age",
        &policy.max_age_seconds.to_string(),
    );
    response.set_header("Vary", "Origin");
    Some(response)
}

/// Whether `req` is a CORS preflight (`OPTIONS` with `Origin` and
/// `Access-Control-Request-Method`), whoever answers it.
pub fn is_preflight(req: &Request) -> bool {
    req.method.eq_ignore_ascii_case("OPTIONS")
        && req.header("origin").is_some()
        && req.header("access-control-request-method").is_some()
}

/// Marks `response` as readable by the page that sent `req`. Only a request
/// with an `Origin` (a browser's cross-origin call) gets the headers, and the
/// origin is echoed rather than `*` so `Vary: Origin` keeps caches honest.
pub fn decorate(policy: &CorsPolicy, req: &Request, response: &mut Response) {
    let Some(origin) = req.header("origin") else {
        return;
    };
    response.set_header("Access-Control-Allow-Origin", origin);
    response.set_header("Access-Control-Expose-Headers", policy.expose_headers);
    response.set_header("Vary", "Origin");
}

#[cfg(test)]
mod tests {
    use super::*;

    const ORIGIN: &str = "http://localhost:8080";

    #[test]
    fn answers_a_preflight_echoing_origin_and_headers() {
        let req = Request::new("OPTIONS", "/")
            .with_header("Origin", ORIGIN)
            .with_header("Access-Control-Request-Method", "POST")
            .with_header(
                "Access-Control-Request-Headers",
                "authorization,content-type,x-amz-date,x-amz-security-token",
            );
        let res = preflight(&AWS_SERVICE, &req).expect("a preflight");
        assert_eq!(res.status, 200);
        assert_eq!(res.header("access-control-allow-origin"), Some(ORIGIN));
        assert_eq!(
            res.header("access-control-allow-methods"),
            Some("GET, POST, OPTIONS")
        );
        assert_eq!(
            res.header("access-control-allow-headers"),
            Some("authorization,content-type,x-amz-date,x-amz-security-token")
        );
        assert_eq!(res.header("access-control-max-age"), Some("86400"));
        assert!(res.body.is_empty());
    }

    #[test]
    fn ignores_what_is_not_a_preflight() {
        let plain_options = Request::new("OPTIONS", "/").with_header("Origin", ORIGIN);
        assert_eq!(preflight(&AWS_SERVICE, &plain_options), None);
        let post = Request::new("POST", "/")
            .with_header("Origin", ORIGIN)
            .with_header("Access-Control-Request-Method", "POST");
        assert_eq!(preflight(&AWS_SERVICE, &post), None);
    }

    #[test]
    fn decorates_only_cross_origin_responses() {
        let mut res = Response::new(403);
        decorate(
            &AWS_SERVICE,
            &Request::new("POST", "/").with_header("origin", ORIGIN),
            &mut res,
        );
        assert_eq!(res.header("Access-Control-Allow-Origin"), Some(ORIGIN));
        assert_eq!(
            res.header("Access-Control-Expose-Headers"),
            Some("x-amzn-RequestId, Date")
        );

        let mut res = Response::new(200);
        decorate(&AWS_SERVICE, &Request::new("POST", "/"), &mut res);
        assert!(res.headers.is_empty());
    }
}
