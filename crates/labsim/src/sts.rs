//! STS over the query protocol: form-encoded `Action=...&Version=...` in a
//! POST body (or a GET query), XML responses in AWS's exact shape.

use crate::http::{Request, Response};
use crate::identity::IdentityStore;
use crate::sigv4::{self, AuthError, Expected};

pub const SERVICE: &str = "sts";
pub const VERSION: &str = "2011-06-15";
pub const XMLNS: &str = "https://sts.amazonaws.com/doc/2011-06-15/";

/// An STS error: the HTTP status, `<Code>` and `<Message>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StsError {
    pub status: u16,
    pub code: &'static str,
    pub message: String,
}

impl StsError {
    fn new(status: u16, code: &'static str, message: impl Into<String>) -> Self {
        StsError {
            status,
            code,
            message: message.into(),
        }
    }
}

impl From<AuthError> for StsError {
    /// Statuses as STS sends them: 403 for credential and signature errors,
    /// 400 for a malformed header (`IncompleteSignature` in AWS's list of
    /// common errors).
    fn from(err: AuthError) -> Self {
        let message = err.to_string();
        match err {
            AuthError::MissingAuthenticationToken => {
                StsError::new(403, "MissingAuthenticationToken", message)
            }
            AuthError::IncompleteSignature(_) => StsError::new(400, "IncompleteSignature", message),
            AuthError::InvalidClientTokenId => StsError::new(403, "InvalidClientTokenId", message),
            AuthError::ExpiredToken => StsError::new(403, "ExpiredToken", message),
            AuthError::SignatureDoesNotMatch(_) | AuthError::SignatureMismatch(_) => {
                StsError::new(403, "SignatureDoesNotMatch", message)
            }
        }
    }
}

/// Answers one STS request (CORS is the caller's business).
pub fn handle(
    req: &Request,
    identity: &IdentityStore,
    region: &str,
    now_ms: i64,
    request_id: &str,
) -> Response {
    let expected = Expected {
        service: SERVICE,
        region,
    };
    let result = sigv4::verify(req, expected, identity, now_ms)
        .map_err(StsError::from)
        .and_then(|_| dispatch(req, identity, request_id));
    let mut response = match result {
        Ok(xml) => Response::with_body(200, "text/xml", xml),
        Err(err) => Response::with_body(err.status, "text/xml", error_xml(&err, request_id)),
    };
    response.set_header("x-amzn-RequestId", request_id);
    response
}

fn dispatch(req: &Request, identity: &IdentityStore, request_id: &str) -> Result<String, StsError> {
    let params = params(req);
    let param = |name: &str| {
        params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    match param("Action") {
        Some("GetCallerIdentity") => Ok(get_caller_identity(identity, request_id)),
        Some(action) => Err(StsError::new(
            400,
            "InvalidAction",
            format!(
                "Could not find operation {action} for version {}",
                param("Version").unwrap_or_default()
            ),
        )),
        None => Err(StsError::new(400, "MissingAction", "Missing Action")),
    }
}

/// Query parameters, then (for a POST) the form-encoded body's.
fn params(req: &Request) -> Vec<(String, String)> {
    let mut params: Vec<(String, String)> = form_urlencoded::parse(req.query.as_bytes())
        .into_owned()
        .collect();
    if req.method.eq_ignore_ascii_case("POST") {
        params.extend(form_urlencoded::parse(&req.body).into_owned());
    }
    params
}

fn get_caller_identity(identity: &IdentityStore, request_id: &str) -> String {
    let principal = identity.principal();
    format!(
        "<GetCallerIdentityResponse xmlns=\"{XMLNS}\">\n  <GetCallerIdentityResult>\n    <Arn>{}</Arn>\n    <UserId>{}</UserId>\n    <Account>{}</Account>\n  </GetCallerIdentityResult>\n  <ResponseMetadata>\n    <RequestId>{}</RequestId>\n  </ResponseMetadata>\n</GetCallerIdentityResponse>\n",
        escape(&principal.arn()),
        escape(&principal.user_id()),
        escape(&principal.account),
        escape(request_id),
    )
}

/// STS's error document. `Type` is `Sender` because every error here is the
/// caller's.
pub fn error_xml(err: &StsError, request_id: &str) -> String {
    format!(
        "<ErrorResponse xmlns=\"{XMLNS}\">\n  <Error>\n    <Type>Sender</Type>\n    <Code>{}</Code>\n    <Message>{}</Message>\n  </Error>\n  <RequestId>{}</RequestId>\n</ErrorResponse>\n",
        err.code,
        escape(&err.message),
        escape(request_id),
    )
}

/// Escapes text for XML content (messages echo client input).
fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::identity::DEFAULT_CREDENTIAL_TTL_SECONDS;
    use crate::test_support::{get_caller_identity, Signer, HOST, NOW, REGION};

    const REQUEST_ID: &str = "c6104cbe-af31-11e0-8154-cbc7ccf896c7";

    fn store() -> IdentityStore {
        IdentityStore::new(11, NOW, DEFAULT_CREDENTIAL_TTL_SECONDS)
    }

    fn call(req: &Request, store: &IdentityStore) -> Response {
        handle(req, store, REGION, NOW, REQUEST_ID)
    }

    #[test]
    fn get_caller_identity_answers_in_aws_shape() {
        let store = store();
        let req = Signer::new(store.demo_credentials()).sign(get_caller_identity());
        let res = call(&req, &store);
        assert_eq!(res.status, 200);
        assert_eq!(res.header("content-type"), Some("text/xml"));
        assert_eq!(res.header("x-amzn-RequestId"), Some(REQUEST_ID));
        let role_id = &store.principal().role_id;
        assert_eq!(
            res.body_text(),
            format!(
                r#"<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <GetCallerIdentityResult>
    <Arn>arn:aws:sts::123456789012:assumed-role/WSParticipantRole/Participant</Arn>
    <UserId>{role_id}:Participant</UserId>
    <Account>123456789012</Account>
  </GetCallerIdentityResult>
  <ResponseMetadata>
    <RequestId>c6104cbe-af31-11e0-8154-cbc7ccf896c7</RequestId>
  </ResponseMetadata>
</GetCallerIdentityResponse>
"#
            )
        );
    }

    #[test]
    fn get_caller_identity_works_as_a_get_query() {
        let store = store();
        let req = Request::new("GET", "/")
            .with_query("Action=GetCallerIdentity&Version=2011-06-15")
            .with_header("host", HOST);
        let req = Signer::new(store.demo_credentials()).sign(req);
        assert_eq!(call(&req, &store).status, 200);
    }

    #[test]
    fn expired_credentials_get_expired_token() {
        let mut store = store();
        let expired = store.mint(NOW, -10);
        let req = Signer::new(&expired).sign(get_caller_identity());
        let res = call(&req, &store);
        assert_eq!(res.status, 403);
        assert_eq!(res.header("x-amzn-RequestId"), Some(REQUEST_ID));
        assert_eq!(
            res.body_text(),
            r#"<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <Error>
    <Type>Sender</Type>
    <Code>ExpiredToken</Code>
    <Message>The security token included in the request is expired</Message>
  </Error>
  <RequestId>c6104cbe-af31-11e0-8154-cbc7ccf896c7</RequestId>
</ErrorResponse>
"#
        );
    }

    #[test]
    fn auth_errors_map_to_sts_codes() {
        let store = store();
        let mut signer = Signer::new(store.demo_credentials());
        signer.access_key_id = "ASIAQ3EGUBVUCZEXAMPL".into();
        let res = call(&signer.sign(get_caller_identity()), &store);
        assert_eq!(res.status, 403);
        assert!(res.body_text().contains("<Code>InvalidClientTokenId</Code>\n    <Message>The security token included in the request is invalid.</Message>"));

        let mut signer = Signer::new(store.demo_credentials());
        signer.region = "eu-west-1".into();
        let res = call(&signer.sign(get_caller_identity()), &store);
        assert_eq!(res.status, 403);
        assert!(res.body_text().contains("<Code>SignatureDoesNotMatch</Code>\n    <Message>Credential should be scoped to a valid region.</Message>"));

        let res = call(&get_caller_identity(), &store);
        assert_eq!(res.status, 403);
        assert!(res.body_text().contains("<Code>MissingAuthenticationToken</Code>\n    <Message>Request is missing Authentication Token</Message>"));

        let req = get_caller_identity().with_header("authorization", "AWS4-HMAC-SHA256 <x>");
        let res = call(&req, &store);
        assert_eq!(res.status, 400);
        assert!(res.body_text().contains("<Code>IncompleteSignature</Code>"));
        assert!(res
            .body_text()
            .contains("Authorization=AWS4-HMAC-SHA256 &lt;x&gt;</Message>"));
    }

    #[test]
    fn unknown_actions_are_invalid_after_authentication() {
        let store = store();
        let req = get_caller_identity().with_body("Action=AssumeRoot&Version=2011-06-15");
        let res = call(&Signer::new(store.demo_credentials()).sign(req), &store);
        assert_eq!(res.status, 400);
        assert!(res.body_text().contains("<Code>InvalidAction</Code>\n    <Message>Could not find operation AssumeRoot for version 2011-06-15</Message>"));
        // Unsigned, the same request fails authentication first.
        let req = get_caller_identity().with_body("Action=AssumeRoot&Version=2011-06-15");
        assert_eq!(call(&req, &store).status, 403);
    }
}
