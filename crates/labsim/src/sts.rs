//! STS over the query protocol: form-encoded `Action=...&Version=...` in a
//! POST body (or a GET query), XML responses in AWS's exact shape.

use sha2::{Digest, Sha256};

use crate::iam::{self, AuthzRequest, Denial, LabIds, LabRoleSetup, PermissionSet, PolicyDocument};
use crate::identity::{Credentials, IdentityStore};
use crate::message::{Request, Response};
use crate::rng::{SplitMix64, UPPER_ALNUM};
use crate::sigv4::{self, AuthError, Expected};
use crate::time;
use crate::xml::{self, escape};

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

/// Answers one STS request (CORS is the caller's business). AssumeRole
/// mints credentials into `identity`; a session of `lambda-lab-role` has
/// the role's policies as `lab_role` says they now are, one of
/// `labmate-learner` the policy labmate generates for learners.
pub fn handle(
    req: &Request,
    identity: &mut IdentityStore,
    ids: &LabIds,
    lab_role: LabRoleSetup,
    now_ms: i64,
    request_id: &str,
) -> Response {
    let expected = Expected {
        service: SERVICE,
        region: &ids.region,
    };
    let result = sigv4::verify(req, expected, identity, now_ms)
        .cloned()
        .map_err(StsError::from)
        .and_then(|caller| dispatch(req, identity, &caller, (ids, lab_role), now_ms, request_id));
    let mut response = match result {
        Ok(xml) => Response::with_body(200, "text/xml", xml),
        Err(err) => Response::with_body(err.status, "text/xml", error_xml(&err, request_id)),
    };
    response.set_header("x-amzn-RequestId", request_id);
    response
}

fn dispatch(
    req: &Request,
    identity: &mut IdentityStore,
    caller: &Credentials,
    (ids, lab_role): (&LabIds, LabRoleSetup),
    now_ms: i64,
    request_id: &str,
) -> Result<String, StsError> {
    let params = params(req);
    let param = |name: &str| {
        params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    match param("Action") {
        Some("GetCallerIdentity") => Ok(get_caller_identity(caller, ids, request_id)),
        Some("AssumeRole") => assume_role(
            &param,
            identity,
            caller,
            (ids, lab_role),
            now_ms,
            request_id,
        ),
        Some("GetSessionToken") => get_session_token(),
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

/// The longest session a role assumed from a role session may have.
const ROLE_CHAINING_LIMIT_SECONDS: i64 = 3600;

/// `DurationSeconds`, validated as STS does (`default` when absent).
fn duration_seconds(value: Option<&str>, default: i64, max: i64) -> Result<i64, StsError> {
    let Some(value) = value else {
        return Ok(default);
    };
    let seconds: i64 = value.parse().map_err(|_| {
        StsError::new(
            400,
            "ValidationError",
            format!("Value '{value}' at 'durationSeconds' failed to satisfy constraint: Member must be a number"),
        )
    })?;
    let violation = if seconds < 900 {
        "greater than or equal to 900".to_owned()
    } else if seconds > max {
        format!("less than or equal to {max}")
    } else {
        return Ok(seconds);
    };
    Err(StsError::new(
        400,
        "ValidationError",
        format!("1 validation error detected: Value '{seconds}' at 'durationSeconds' failed to satisfy constraint: Member must have value {violation}"),
    ))
}

fn validation_null(field: &str) -> StsError {
    StsError::new(
        400,
        "ValidationError",
        format!("1 validation error detected: Value null at '{field}' failed to satisfy constraint: Member must not be null"),
    )
}

/// A role id (`AROA` + 17) that depends only on the account's identity
/// and the role name.
pub(crate) fn role_id(identity: &IdentityStore, role: &str) -> String {
    let principal = identity.principal();
    if role == principal.role_name {
        return principal.role_id.clone();
    }
    let digest = Sha256::digest(format!("{}/{role}", principal.role_id));
    let mut seed = [0u8; 8];
    seed.copy_from_slice(&digest[..8]);
    let mut rng = SplitMix64::new(u64::from_le_bytes(seed));
    format!("AROA{}", rng.string(UPPER_ALNUM, 17))
}

/// The identity policies of a role the lab has, by name.
fn role_permissions(ids: &LabIds, lab_role: LabRoleSetup, role: &str) -> Option<PermissionSet> {
    match role {
        crate::identity::DEMO_ROLE_NAME => Some(iam::participant_permissions(ids)),
        iam::LAMBDA_ROLE => Some(lab_role.permissions(ids)),
        // The role an instructor makes for learners' credentials, with the
        // policy labmate generates for it.
        iam::LEARNER_ROLE => Some(iam::learner_permissions(ids)),
        _ => None,
    }
}

/// Checks the caller may do `action` on `resource`.
fn authorize(
    caller: &Credentials,
    ids: &LabIds,
    action: &str,
    resource: &str,
) -> Result<(), StsError> {
    let req = AuthzRequest {
        action,
        resource,
        region: &ids.region,
    };
    let decision = caller.permissions.evaluate(&req).map_err(|unsupported| {
        StsError::new(
            500,
            "InternalFailure",
            format!("labsim cannot authorize this request: {unsupported}"),
        )
    })?;
    match Denial::from_decision(&caller.principal_arn, &req, &decision) {
        None => Ok(()),
        Some(denial) => Err(StsError::new(403, "AccessDenied", denial.message())),
    }
}

fn credentials_xml(c: &Credentials) -> String {
    format!(
        "    <Credentials>\n      <AccessKeyId>{}</AccessKeyId>\n      <SecretAccessKey>{}</SecretAccessKey>\n      <SessionToken>{}</SessionToken>\n      <Expiration>{}</Expiration>\n    </Credentials>\n",
        c.access_key_id,
        escape(&c.secret_access_key),
        escape(&c.session_token),
        time::rfc3339(c.expires_at_ms),
    )
}

fn assume_role<'p>(
    param: &impl Fn(&str) -> Option<&'p str>,
    identity: &mut IdentityStore,
    caller: &Credentials,
    (ids, lab_role): (&LabIds, LabRoleSetup),
    now_ms: i64,
    request_id: &str,
) -> Result<String, StsError> {
    let role_arn = param("RoleArn").ok_or_else(|| validation_null("roleArn"))?;
    let session = param("RoleSessionName").ok_or_else(|| validation_null("roleSessionName"))?;
    if session.len() < 2
        || session.len() > 64
        || !session
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_+=,.@-".contains(c))
    {
        return Err(StsError::new(
            400,
            "ValidationError",
            format!("1 validation error detected: Value '{session}' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*"),
        ));
    }
    let seconds = duration_seconds(param("DurationSeconds"), 3600, 43200)?;
    let policy = param("Policy")
        .map(|text| PolicyDocument::parse(text).map_err(|e| e.to_sts_error()))
        .transpose()?;
    let prefix = format!("arn:aws:iam::{}:role/", ids.account);
    let role = role_arn
        .strip_prefix(&prefix)
        .map(|path| path.rsplit('/').next().unwrap_or(path))
        .and_then(|name| role_permissions(ids, lab_role, name).map(|p| (name, p)));
    let Some((role_name, permissions)) = role else {
        // An unknown role reads as a refusal, without a reason.
        return Err(StsError::new(
            403,
            "AccessDenied",
            format!(
                "User: {} is not authorized to perform: sts:AssumeRole on resource: {role_arn}",
                caller.principal_arn
            ),
        ));
    };
    authorize(caller, ids, "sts:AssumeRole", role_arn)?;
    // Every caller here is a role session: this is role chaining.
    if seconds > ROLE_CHAINING_LIMIT_SECONDS {
        return Err(StsError::new(
            400,
            "ValidationError",
            "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.",
        ));
    }
    let packed = policy.as_ref().map(|p| {
        // An approximation: AWS packs (compresses) the policy; labsim
        // counts its compact JSON against a 2048-byte limit.
        let len = p.to_json().len();
        (len * 100).div_ceil(2048)
    });
    if packed.is_some_and(|p| p > 100) {
        return Err(StsError::new(
            400,
            "PackedPolicyTooLarge",
            format!("Packed size of consumed session policies exceed the allowed limit. Packed policy size percentage: {}%", packed.unwrap_or_default()),
        ));
    }
    let permissions = match policy {
        Some(document) => permissions.with_session_policy(document),
        None => permissions,
    };
    let role_id = role_id(identity, role_name);
    let arn = format!(
        "arn:aws:sts::{}:assumed-role/{role_name}/{session}",
        ids.account
    );
    let user_id = format!("{role_id}:{session}");
    let credentials = identity.mint_for(now_ms, seconds, permissions, arn.clone(), user_id.clone());
    let packed = packed
        .map(|p| format!("    <PackedPolicySize>{p}</PackedPolicySize>\n"))
        .unwrap_or_default();
    Ok(format!(
        "<AssumeRoleResponse xmlns=\"{XMLNS}\">\n  <AssumeRoleResult>\n{}    <AssumedRoleUser>\n      <AssumedRoleId>{}</AssumedRoleId>\n      <Arn>{}</Arn>\n    </AssumedRoleUser>\n{packed}  </AssumeRoleResult>\n  <ResponseMetadata>\n    <RequestId>{}</RequestId>\n  </ResponseMetadata>\n</AssumeRoleResponse>\n",
        credentials_xml(&credentials),
        escape(&user_id),
        escape(&arn),
        escape(request_id),
    ))
}

/// GetSessionToken is for long-term (IAM user or root) keys; AWS refuses
/// it to temporary credentials. Every credential labsim issues is a role
/// session's, so it always refuses, as AWS does for a workshop participant.
/// (Whether AWS validates `DurationSeconds` first is unverified; labsim
/// does not.)
fn get_session_token() -> Result<String, StsError> {
    Err(StsError::new(
        403,
        "AccessDenied",
        "Cannot call GetSessionToken with session credentials",
    ))
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

fn get_caller_identity(caller: &Credentials, ids: &LabIds, request_id: &str) -> String {
    format!(
        "<GetCallerIdentityResponse xmlns=\"{XMLNS}\">\n  <GetCallerIdentityResult>\n    <Arn>{}</Arn>\n    <UserId>{}</UserId>\n    <Account>{}</Account>\n  </GetCallerIdentityResult>\n  <ResponseMetadata>\n    <RequestId>{}</RequestId>\n  </ResponseMetadata>\n</GetCallerIdentityResponse>\n",
        escape(&caller.principal_arn),
        escape(&caller.user_id),
        escape(&ids.account),
        escape(request_id),
    )
}

/// STS's error document. `Type` is `Sender` because every error here is the
/// caller's.
pub fn error_xml(err: &StsError, request_id: &str) -> String {
    xml::error_document(XMLNS, "Sender", err.code, &err.message, request_id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::identity::DEFAULT_CREDENTIAL_TTL_SECONDS;
    use crate::test_support::{get_caller_identity, Signer, HOST, NOW, REGION};

    const REQUEST_ID: &str = "c6104cbe-af31-11e0-8154-cbc7ccf896c7";

    fn ids() -> LabIds {
        LabIds::new(REGION, "123456789012", "a1b2c3d4e5", "0a1b2c3d4e5f6g7h8i9j")
    }

    fn store() -> IdentityStore {
        IdentityStore::with_permissions(
            11,
            NOW,
            DEFAULT_CREDENTIAL_TTL_SECONDS,
            iam::participant_permissions(&ids()),
        )
    }

    fn call(req: &Request, store: &IdentityStore) -> Response {
        let mut store = store.clone();
        handle(
            req,
            &mut store,
            &ids(),
            LabRoleSetup::default(),
            NOW,
            REQUEST_ID,
        )
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
    fn error_xml_stays_well_formed_with_control_characters_in_the_input() {
        let store = store();
        // Before the fix, U+0001 went into <Message> as it was, which no
        // XML parser accepts.
        let action = "Get\u{1}Caller\u{1b}[31m\u{0}Identity\r\n\u{ffff}<&>";
        let body = format!(
            "Action={}&Version=2011-06-15",
            form_urlencoded::byte_serialize(action.as_bytes()).collect::<String>()
        );
        let req = get_caller_identity().with_body(body);
        let res = call(&Signer::new(store.demo_credentials()).sign(req), &store);
        assert_eq!(res.status, 400);
        let text = res.body_text();
        let doc = roxmltree::Document::parse(&text).expect("well-formed XML");
        let message = doc
            .descendants()
            .find(|n| n.has_tag_name("Message"))
            .and_then(|n| n.text())
            .expect("a <Message>");
        assert_eq!(
            message,
            "Could not find operation Get\u{fffd}Caller\u{fffd}[31m\u{fffd}Identity\r\n\u{fffd}<&> for version 2011-06-15"
        );
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
