//! Authorization: what a request is in IAM's terms, and the caller's
//! policies' decision on it, refused in the service's own shape.

use serde_json::json;
use sha2::{Digest, Sha256};

use crate::identity::{Credentials, DEMO_ACCOUNT};
use crate::message::{Request, Response};
use crate::percent;
use crate::sigv4::{self, AuthError};
use crate::{iam, Service, Simulator, LAB_COLLECTION_ID};

#[cfg(test)]
mod tests;

impl Simulator {
    /// What a request to `service` is in IAM's terms (`None`: nothing to
    /// check).
    pub(crate) fn request_authz(
        &self,
        service: Service,
        req: &Request,
        target: &str,
    ) -> Option<iam::Authz> {
        let region = &self.config.region;
        let account = DEMO_ACCOUNT;
        let body = || serde_json::from_slice::<serde_json::Value>(&req.body).unwrap_or_default();
        let operation = target.rsplit('.').next().unwrap_or_default();
        match service {
            Service::Streams
                if !matches!(
                    operation,
                    "DescribeStream" | "GetRecords" | "GetShardIterator" | "ListStreams"
                ) =>
            {
                // Not a Streams operation: UnknownOperationException first.
                None
            }
            Service::DynamoDb | Service::Streams => {
                let body = body();
                // GetRecords names no stream: its iterator starts with the
                // stream's ARN (as AWS's do), and IAM checks that stream.
                let from_iterator = body["ShardIterator"]
                    .as_str()
                    .and_then(|it| it.split('|').next())
                    .filter(|arn| arn.starts_with("arn:"));
                Some(iam::dynamodb_authz(
                    region,
                    account,
                    operation,
                    body["TableName"].as_str(),
                    body["StreamArn"].as_str().or(from_iterator),
                ))
            }
            Service::Logs => {
                let body = body();
                Some(iam::logs_authz(
                    region,
                    account,
                    operation,
                    body["logGroupName"].as_str(),
                    body["logStreamName"].as_str(),
                ))
            }
            // A route the Lambda API does not have is its 404, whoever asks.
            Service::Lambda => {
                lambda_operation(req, region, account).map(|(operation, function)| {
                    iam::lambda_authz(region, account, operation, function.as_deref())
                })
            }
            Service::Aoss => Some(iam::aoss_authz(region, account, LAB_COLLECTION_ID)),
            // STS and IAM authorise inside their own handlers.
            Service::Sts | Service::ApiGateway | Service::Iam => None,
        }
    }
}

/// The Lambda API operation a request is, by method and path, and the
/// function it names (an event source mapping's operations name the
/// mapping's ARN, their resource in IAM); `None` for a route the API does
/// not have. Segments are decoded first, as the Lambda API routes them:
/// `%66unctions` is `functions` here too, so no spelling of a path can be
/// authorized as one operation and run as another.
fn lambda_operation(
    req: &Request,
    region: &str,
    account: &str,
) -> Option<(&'static str, Option<String>)> {
    let rest = req.path.strip_prefix("/2015-03-31/")?;
    let decoded: Vec<String> = rest
        .split('/')
        .filter(|s| !s.is_empty())
        .map(percent::decode)
        .collect();
    let segments: Vec<&str> = decoded.iter().map(String::as_str).collect();
    let query_function = || {
        form_urlencoded::parse(req.query.as_bytes())
            .find(|(k, _)| k == "FunctionName")
            .map(|(_, v)| v.into_owned())
    };
    let name = |s: &str| Some(s.to_owned());
    let mapping = |uuid: &str| {
        Some(format!(
            "arn:aws:lambda:{region}:{account}:event-source-mapping:{uuid}"
        ))
    };
    let method = req.method.to_ascii_uppercase();
    Some(match (method.as_str(), segments.as_slice()) {
        ("GET", ["functions"]) => ("ListFunctions", None),
        ("GET", ["functions", f]) => ("GetFunction", name(f)),
        ("GET", ["functions", f, "configuration"]) => ("GetFunctionConfiguration", name(f)),
        ("PUT", ["functions", f, "configuration"]) => ("UpdateFunctionConfiguration", name(f)),
        ("POST", ["functions", f, "invocations"]) => ("Invoke", name(f)),
        ("GET", ["event-source-mappings"]) => ("ListEventSourceMappings", query_function()),
        ("POST", ["event-source-mappings"]) => ("CreateEventSourceMapping", None),
        ("GET", ["event-source-mappings", uuid]) => ("GetEventSourceMapping", mapping(uuid)),
        ("PUT", ["event-source-mappings", uuid]) => ("UpdateEventSourceMapping", mapping(uuid)),
        ("DELETE", ["event-source-mappings", uuid]) => ("DeleteEventSourceMapping", mapping(uuid)),
        _ => return None,
    })
}

/// Decides `authz` for `caller`; the refusal in `service`'s shape, or
/// `None` when allowed.
pub(crate) fn authorize(
    service: Service,
    caller: &Credentials,
    authz: &iam::Authz,
    region: &str,
    request_id: &str,
) -> Option<Response> {
    let req = iam::AuthzRequest {
        action: &authz.action,
        resource: &authz.resource,
        region,
    };
    let decision = match caller.permissions.evaluate(&req) {
        Ok(decision) => decision,
        Err(unsupported) => {
            let mut response = Response::json(
                500,
                &json!({"message": format!("labsim cannot authorize this request: {unsupported}")}),
            );
            response.set_header("x-amzn-RequestId", request_id);
            return Some(response);
        }
    };
    let denial = iam::Denial::from_decision(&caller.principal_arn, &req, &decision)?;
    let denied_by = match service {
        Service::Aoss => {
            return Some(iam::aoss_access_denied(
                iam::AossDenial::MissingApiAccessAll,
                request_id,
            ))
        }
        Service::Sts => iam::DeniedBy::Sts,
        Service::Iam => return Some(iam::iam_access_denied(&denial, request_id)),
        Service::ApiGateway => iam::DeniedBy::ApiGateway,
        Service::DynamoDb => iam::DeniedBy::DynamoDb,
        Service::Streams => iam::DeniedBy::DynamoDbStreams,
        Service::Lambda => iam::DeniedBy::Lambda,
        Service::Logs => iam::DeniedBy::Logs,
    };
    Some(iam::access_denied(denied_by, &denial, request_id))
}

/// AOSS also wants the payload hash, and refuses a signed `content-length`
/// (a proxy may change it).
pub(crate) fn check_aoss_payload(req: &Request) -> Result<(), AuthError> {
    let hash = hex::encode(Sha256::digest(&req.body));
    let signed_length = req
        .header("authorization")
        .and_then(|h| h.split("SignedHeaders=").nth(1))
        .and_then(|rest| rest.split(',').next())
        .is_some_and(|list| {
            list.split(';')
                .any(|h| h.eq_ignore_ascii_case("content-length"))
        });
    if req.header("x-amz-content-sha256") != Some(hash.as_str()) || signed_length {
        return Err(AuthError::SignatureDoesNotMatch(
            sigv4::MSG_SIGNATURE_MISMATCH.to_owned(),
        ));
    }
    Ok(())
}
