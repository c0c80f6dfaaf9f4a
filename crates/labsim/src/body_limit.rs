//! How big a request body each service takes, and its answer to a bigger
//! one, in the service's own shape. The transport reads a body only up to
//! [`max_body_bytes`] and, past it, asks [`Simulator::refuse_too_large`]
//! for the answer instead of handing the request on.
//!
//! The figures:
//! - API Gateway: 10 MB payload (its documented quota); the
//!   REQUEST_TOO_LARGE gateway response, 413 `{"message":"Request Too
//!   Long"}` (the `x-amzn-ErrorType` value is unverified).
//! - Lambda: 6,291,456 bytes, Invoke's documented synchronous payload; 413
//!   `RequestEntityTooLargeException` "Request must be smaller than 6291456
//!   bytes for the InvokeFunction operation", as AWS answers (seen in public
//!   reports).
//! - OpenSearch Serverless: 10 MiB, the smallest HTTP payload quota of
//!   OpenSearch Service and the bulk size its migration guide uses for
//!   Serverless; 413 `{"Message":"Request size exceeded 10485760 bytes"}`,
//!   OpenSearch Service's answer (Serverless's own: unverified).
//! - DynamoDB, Streams, Logs, STS and the control endpoints: 16 MiB,
//!   DynamoDB's largest documented request (BatchWriteItem's 16 MB); the
//!   others document none bigger (Logs' PutLogEvents takes 1 MB of events,
//!   STS's parameters a few KB). A labsim choice: a Coral-style 413
//!   `RequestEntityTooLarge` in each one's shape (JSON `__type`/`message`,
//!   STS's XML), whose wording is unverified.

use serde_json::json;

use crate::message::{Request, Response};
use crate::{control, lambda, sts, Service, Simulator};

/// API Gateway's payload quota.
pub const API_GATEWAY_MAX_BYTES: usize = 10 * 1024 * 1024;
/// Lambda Invoke's synchronous payload quota.
pub const LAMBDA_MAX_BYTES: usize = 6_291_456;
/// OpenSearch's smallest HTTP payload quota.
pub const AOSS_MAX_BYTES: usize = 10 * 1024 * 1024;
/// DynamoDB's largest request; labsim's figure for the other JSON and
/// query services.
pub const CORAL_MAX_BYTES: usize = 16 * 1024 * 1024;

/// The largest body a request to `service` at `path` may have.
pub fn max_body_bytes(service: Service, path: &str) -> usize {
    if path.starts_with(control::PREFIX) {
        return CORAL_MAX_BYTES;
    }
    match service {
        Service::ApiGateway => API_GATEWAY_MAX_BYTES,
        Service::Lambda => LAMBDA_MAX_BYTES,
        Service::Aoss => AOSS_MAX_BYTES,
        Service::Sts | Service::DynamoDb | Service::Streams | Service::Logs => CORAL_MAX_BYTES,
    }
}

/// `service`'s refusal of a body over its limit (`req` without that body),
/// before Date and CORS.
pub fn refusal(service: Service, req: &Request, request_id: &str) -> Response {
    let max = max_body_bytes(service, &req.path);
    if req.path.starts_with(control::PREFIX) {
        let message = format!("request body over labsim's {max} bytes");
        return Response::json(413, &json!({ "error": message }));
    }
    let coral = |content_type: &str| {
        let body = json!({
            "__type": "com.amazon.coral.service#RequestEntityTooLargeException",
            "message": format!("Request entity too large: the limit is {max} bytes"),
        });
        let mut res = Response::with_body(
            413,
            content_type,
            serde_json::to_vec(&body).unwrap_or_default(),
        );
        res.set_header("x-amzn-ErrorType", "RequestEntityTooLargeException");
        res
    };
    let mut response = match service {
        Service::ApiGateway => {
            let mut res = Response::json(413, &json!({"message": "Request Too Long"}));
            res.set_header("x-amzn-ErrorType", "RequestTooLargeException");
            res
        }
        Service::Lambda => {
            let operation = if req.path.ends_with("/invocations") {
                "InvokeFunction"
            } else {
                "this"
            };
            let mut res = Response::json(
                413,
                &json!({
                    "Type": "User",
                    "message": format!("Request must be smaller than {max} bytes for the {operation} operation"),
                }),
            );
            res.set_header("x-amzn-ErrorType", "RequestEntityTooLargeException");
            res
        }
        Service::Aoss => {
            let mut res = Response::json(
                413,
                &json!({"Message": format!("Request size exceeded {max} bytes")}),
            );
            res.set_header("x-request-id", request_id);
            return res;
        }
        Service::DynamoDb | Service::Streams => coral(crate::dynamodb::CONTENT_TYPE),
        Service::Logs => coral(lambda::logs::CONTENT_TYPE),
        Service::Sts => {
            let err = sts::StsError {
                status: 413,
                code: "RequestEntityTooLarge",
                message: format!("Request entity too large: the limit is {max} bytes"),
            };
            Response::with_body(413, "text/xml", sts::error_xml(&err, request_id))
        }
    };
    response.set_header("x-amzn-RequestId", request_id);
    response
}

impl Simulator {
    /// The answer to a request to `service` whose body was over
    /// [`max_body_bytes`] (`req` carries none of it): the service's
    /// refusal, with its request id, `Date` and CORS.
    pub fn refuse_too_large(&mut self, service: Service, req: &Request, now_ms: i64) -> Response {
        let request_id = self.request_ids.uuid();
        let response = refusal(service, req, &request_id);
        self.finish_fault(service, req, response, now_ms)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::NOW;
    use crate::SimConfig;

    fn refused(service: Service, path: &str) -> (Response, serde_json::Value) {
        let mut sim = Simulator::new(SimConfig::new(1), NOW);
        let req = Request::new("POST", path).with_header("origin", "http://localhost:8080");
        let res = sim.refuse_too_large(service, &req, NOW);
        let body = match res.header("content-type") {
            Some("text/xml") => serde_json::Value::String(res.body_text()),
            _ => serde_json::from_slice(&res.body).expect("a JSON body"),
        };
        (res, body)
    }

    #[test]
    fn each_service_refuses_in_its_own_shape() {
        let (res, body) = refused(Service::ApiGateway, "/v1/lab");
        assert_eq!(res.status, 413);
        assert_eq!(body, json!({"message": "Request Too Long"}));
        assert!(res.header("x-amzn-RequestId").is_some());

        let (res, body) = refused(Service::Lambda, "/2015-03-31/functions/f/invocations");
        assert_eq!(res.status, 413);
        assert_eq!(
            body,
            json!({"Type": "User", "message": "Request must be smaller than 6291456 bytes for the InvokeFunction operation"})
        );
        assert_eq!(
            res.header("x-amzn-ErrorType"),
            Some("RequestEntityTooLargeException")
        );
        assert!(res.header("access-control-allow-origin").is_some());

        for (service, content_type) in [
            (Service::DynamoDb, "application/x-amz-json-1.0"),
            (Service::Streams, "application/x-amz-json-1.0"),
            (Service::Logs, "application/x-amz-json-1.1"),
        ] {
            let (res, body) = refused(service, "/");
            assert_eq!(res.status, 413);
            assert_eq!(res.header("content-type"), Some(content_type));
            assert_eq!(
                body,
                json!({
                    "__type": "com.amazon.coral.service#RequestEntityTooLargeException",
                    "message": "Request entity too large: the limit is 16777216 bytes",
                })
            );
        }

        let (res, body) = refused(Service::Sts, "/");
        assert_eq!(res.status, 413);
        let xml = body.as_str().unwrap().to_owned();
        let doc = roxmltree::Document::parse(&xml).expect("well-formed XML");
        let code = doc.descendants().find(|n| n.has_tag_name("Code")).unwrap();
        assert_eq!(code.text(), Some("RequestEntityTooLarge"));

        let (res, body) = refused(Service::Aoss, "/dynamodb_replicate/_doc");
        assert_eq!(res.status, 413);
        assert_eq!(
            body,
            json!({"Message": "Request size exceeded 10485760 bytes"})
        );
        assert!(res.header("x-request-id").is_some());
        assert!(res.header("x-amzn-RequestId").is_none());

        let (res, body) = refused(Service::Sts, "/_labsim/faults");
        assert_eq!(res.status, 413);
        assert_eq!(
            body,
            json!({"error": "request body over labsim's 16777216 bytes"})
        );
    }

    #[test]
    fn limits_follow_the_services_quotas() {
        assert_eq!(max_body_bytes(Service::ApiGateway, "/v1/lab"), 10_485_760);
        assert_eq!(
            max_body_bytes(Service::Lambda, "/2015-03-31/functions/f/invocations"),
            6_291_456
        );
        assert_eq!(max_body_bytes(Service::Aoss, "/_bulk"), 10_485_760);
        for service in [
            Service::Sts,
            Service::DynamoDb,
            Service::Streams,
            Service::Logs,
        ] {
            assert_eq!(max_body_bytes(service, "/"), 16_777_216);
        }
        assert_eq!(
            max_body_bytes(Service::Lambda, "/_labsim/config"),
            16_777_216
        );
    }
}
