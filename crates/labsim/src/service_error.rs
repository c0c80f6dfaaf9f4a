//! Each service's own error shapes for answers labsim makes at the front
//! door (a refused signature, a throttle), before any service code runs.

use serde_json::json;

use crate::message::Response;
use crate::sigv4::AuthError;
use crate::{apigateway, dynamodb, lambda, sts, Service};

/// A refused signature in any service's shape (STS's XML and API Gateway's
/// gateway response included).
pub(crate) fn auth_failure(service: Service, err: &AuthError, request_id: &str) -> Response {
    match service {
        Service::Sts => {
            let err = sts::StsError::from(err.clone());
            let mut response =
                Response::with_body(err.status, "text/xml", sts::error_xml(&err, request_id));
            response.set_header("x-amzn-RequestId", request_id);
            response
        }
        Service::ApiGateway => {
            let mut response = apigateway::gateway_error(err);
            response.set_header("x-amzn-RequestId", request_id);
            response
        }
        _ => auth_error(service, err, request_id),
    }
}

/// Each service's throttling answer (aws-behaviour.md). `code` picks
/// DynamoDB's exception.
pub(crate) fn throttle_error(service: Service, code: Option<&str>, request_id: &str) -> Response {
    let coral = |content_type: &str, wire_type: String, message: &str| {
        let body = json!({"__type": wire_type, "message": message});
        Response::with_body(
            400,
            content_type,
            serde_json::to_vec(&body).unwrap_or_default(),
        )
    };
    let mut response = match service {
        Service::Sts => {
            let err = sts::StsError {
                status: 400,
                code: "Throttling",
                message: "Rate exceeded".to_owned(),
            };
            Response::with_body(400, "text/xml", sts::error_xml(&err, request_id))
        }
        Service::ApiGateway => {
            let mut res = Response::json(429, &json!({"message": "Too Many Requests"}));
            res.set_header("x-amzn-ErrorType", "TooManyRequestsException");
            res
        }
        Service::DynamoDb => match code.unwrap_or("ThrottlingException") {
            "ProvisionedThroughputExceededException" => coral(
                dynamodb::CONTENT_TYPE,
                "com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException".into(),
                "The level of configured provisioned throughput for the table was exceeded. Consider increasing your provisioning level with the UpdateTable API.",
            ),
            "RequestLimitExceeded" => coral(
                dynamodb::CONTENT_TYPE,
                "com.amazonaws.dynamodb.v20120810#RequestLimitExceeded".into(),
                "Throughput exceeds the current throughput limit for your account. Please contact AWS Support at https://aws.amazon.com/support request a limit increase",
            ),
            _ => coral(
                dynamodb::CONTENT_TYPE,
                "com.amazon.coral.availability#ThrottlingException".into(),
                "Rate of requests exceeds the allowed throughput.",
            ),
        },
        Service::Streams => coral(
            dynamodb::CONTENT_TYPE,
            "com.amazon.coral.availability#ThrottlingException".into(),
            "Rate exceeded",
        ),
        Service::Logs => lambda::logs::json_response(
            Err(lambda::logs::LogsError {
                code: "ThrottlingException",
                message: "Rate exceeded".to_owned(),
            }),
            request_id,
        ),
        Service::Lambda => {
            let mut res = Response::json(
                429,
                &json!({"Type": "User", "message": "Rate exceeded.", "Reason": "CallerRateLimitExceeded"}),
            );
            res.set_header("x-amzn-ErrorType", "TooManyRequestsException");
            res
        }
        // Body undocumented; AOSS sends 429.
        Service::Aoss => Response::json(429, &json!({"message": "Too Many Requests"})),
    };
    response.set_header("x-amzn-RequestId", request_id);
    response
}

/// A refused signature, in the service's own error shape.
pub(crate) fn auth_error(service: Service, err: &AuthError, request_id: &str) -> Response {
    let code = match err {
        AuthError::MissingAuthenticationToken => "MissingAuthenticationTokenException",
        AuthError::IncompleteSignature(_) => "IncompleteSignatureException",
        AuthError::InvalidClientTokenId => "UnrecognizedClientException",
        AuthError::ExpiredToken => "ExpiredTokenException",
        AuthError::SignatureDoesNotMatch(_) | AuthError::SignatureMismatch(_) => {
            "InvalidSignatureException"
        }
    };
    let message = err.to_string();
    let mut response = match service {
        Service::DynamoDb | Service::Streams | Service::Logs => {
            let content_type = if service == Service::Logs {
                lambda::logs::CONTENT_TYPE
            } else {
                dynamodb::CONTENT_TYPE
            };
            let body = json!({
                "__type": format!("com.amazon.coral.service#{code}"),
                "message": message,
            });
            Response::with_body(
                400,
                content_type,
                serde_json::to_vec(&body).unwrap_or_default(),
            )
        }
        // Lambda's front end answers 403 with the type in a header.
        Service::Lambda => {
            let mut res = Response::json(403, &json!({"message": message}));
            res.set_header("x-amzn-ErrorType", code);
            res
        }
        _ => Response::json(403, &json!({"message": message})),
    };
    response.set_header("x-amzn-RequestId", request_id);
    response
}

#[cfg(test)]
mod tests {
    use crate::message::Request;
    use crate::test_support::{add_fault, get_item, json_of, sim, NOW};
    use crate::Service;

    #[test]
    fn each_service_throttles_in_its_own_shape() {
        let cases = [
            (Service::Sts, 400, "<Code>Throttling</Code>"),
            (
                Service::ApiGateway,
                429,
                r#"{"message":"Too Many Requests"}"#,
            ),
            (Service::DynamoDb, 400, "ThrottlingException"),
            (Service::Streams, 400, "ThrottlingException"),
            (Service::Logs, 400, r#""__type":"ThrottlingException""#),
            (Service::Lambda, 429, "Rate exceeded."),
            (Service::Aoss, 429, "Too Many Requests"),
        ];
        for (service, status, text) in cases {
            let mut sim = sim();
            add_fault(
                &mut sim,
                &format!(r#"{{"service":"{}","throttle":true}}"#, service.key()),
            );
            let res = sim.handle(service, &Request::new("POST", "/v1/lab"), NOW);
            assert_eq!(res.status, status, "{service:?}");
            assert!(
                res.body_text().contains(text),
                "{service:?}: {}",
                res.body_text()
            );
        }
        let mut sim = sim();
        add_fault(
            &mut sim,
            r#"{"service":"dynamodb","throttle":"ProvisionedThroughputExceededException"}"#,
        );
        let res = sim.handle(Service::DynamoDb, &get_item(), NOW);
        assert_eq!(
            json_of(&res)["__type"],
            "com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException"
        );
    }
}
