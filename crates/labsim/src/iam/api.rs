//! IAM's API over the query protocol (`Action=GetRole&Version=2010-05-08`
//! in a form body or a GET query; XML answers in IAM's namespace), for the
//! reads a guide makes about `lambda-lab-role`: GetRole, ListRolePolicies,
//! GetRolePolicy and ListAttachedRolePolicies.
//!
//! IAM is global: it is signed for `us-east-1` and service `iam` whatever
//! region the lab is in. Input is validated first, then the caller is
//! authorised (`iam:{Action}` on the role's ARN), then the role is looked
//! up, as AWS's front end does. Policy documents go out URL-encoded
//! (RFC 3986), as IAM sends them; decoding before parsing is the client's
//! job.

use crate::iam::denied::{iam_access_denied, Denial};
use crate::iam::eval::AuthzRequest;
use crate::iam::role::{
    LabRole, RolePolicy, MAX_SESSION_DURATION, ROLE_DESCRIPTION, ROLE_PATH, TRUST_POLICY,
};
use crate::identity::{Credentials, IdentityStore};
use crate::message::{Request, Response};
use crate::percent;
use crate::sigv4::{self, AuthError, Expected};
use crate::sts::StsError;
use crate::time;
use crate::xml::{self, escape};

/// The SigV4 service name.
pub const SIGNING_NAME: &str = "iam";
/// IAM's one signing region, whatever the lab's region.
pub const SIGNING_REGION: &str = "us-east-1";
pub const VERSION: &str = "2010-05-08";
pub const XMLNS: &str = "https://iam.amazonaws.com/doc/2010-05-08/";
/// The path of AWS managed policies such as AWSLambdaExecute.
const MANAGED_POLICY_PATH: &str = "/";
/// IAM's default and largest page (`MaxItems`).
pub const DEFAULT_MAX_ITEMS: usize = 100;
pub const MAX_MAX_ITEMS: usize = 1000;

/// An IAM error: the HTTP status, `<Code>` and `<Message>`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code}: {message}")]
pub struct IamError {
    pub status: u16,
    pub code: &'static str,
    pub message: String,
}

impl IamError {
    pub fn new(status: u16, code: &'static str, message: impl Into<String>) -> Self {
        IamError {
            status,
            code,
            message: message.into(),
        }
    }

    fn validation(message: String) -> Self {
        IamError::new(400, "ValidationError", message)
    }

    /// `NoSuchEntity` for a role.
    pub fn no_such_role(name: &str) -> Self {
        IamError::new(
            404,
            "NoSuchEntity",
            format!("The role with name {name} cannot be found."),
        )
    }

    /// `NoSuchEntity` for an inline policy of a role.
    pub fn no_such_role_policy(name: &str) -> Self {
        IamError::new(
            404,
            "NoSuchEntity",
            format!("The role policy with name {name} cannot be found."),
        )
    }

    /// IAM's answer: the error document, `text/xml`, `x-amzn-RequestId`.
    pub fn to_response(&self, request_id: &str) -> Response {
        let mut response =
            Response::with_body(self.status, "text/xml", error_xml(self, request_id));
        response.set_header("x-amzn-RequestId", request_id);
        response
    }
}

impl From<AuthError> for IamError {
    /// The same codes and statuses as STS (both are query-protocol
    /// services behind AWS's common front end).
    fn from(err: AuthError) -> Self {
        let sts = StsError::from(err);
        IamError::new(sts.status, sts.code, sts.message)
    }
}

/// Answers one IAM request (CORS is the caller's business).
pub fn handle(
    req: &Request,
    identity: &IdentityStore,
    role: &LabRole,
    now_ms: i64,
    request_id: &str,
) -> Response {
    let expected = Expected {
        service: SIGNING_NAME,
        region: SIGNING_REGION,
    };
    let caller = match sigv4::verify(req, expected, identity, now_ms) {
        Ok(caller) => caller,
        Err(err) => return IamError::from(err).to_response(request_id),
    };
    match dispatch(&Params::of(req), caller, role, request_id) {
        Ok(xml) => {
            let mut response = Response::with_body(200, "text/xml", xml);
            response.set_header("x-amzn-RequestId", request_id);
            response
        }
        Err(Refusal::Error(err)) => err.to_response(request_id),
        Err(Refusal::Denied(denial)) => iam_access_denied(&denial, request_id),
    }
}

/// Why a request was not answered.
enum Refusal {
    Error(IamError),
    /// The caller's policies do not allow it.
    Denied(Denial),
}

impl From<IamError> for Refusal {
    fn from(err: IamError) -> Self {
        Refusal::Error(err)
    }
}

/// Query parameters, then (for a POST) the form body's.
struct Params(Vec<(String, String)>);

impl Params {
    fn of(req: &Request) -> Self {
        let mut params: Vec<(String, String)> = form_urlencoded::parse(req.query.as_bytes())
            .into_owned()
            .collect();
        if req.method.eq_ignore_ascii_case("POST") {
            params.extend(form_urlencoded::parse(&req.body).into_owned());
        }
        Params(params)
    }

    fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

fn dispatch(
    params: &Params,
    caller: &Credentials,
    role: &LabRole,
    request_id: &str,
) -> Result<String, Refusal> {
    let action = match params.get("Action") {
        Some(action) => action,
        None => return Err(IamError::new(400, "MissingAction", "Missing Action").into()),
    };
    let body = match action {
        "GetRole" => {
            let name = role_name(params)?;
            authorize(caller, role, action, name)?;
            get_role(find(role, name)?)
        }
        "ListRolePolicies" => {
            let name = role_name(params)?;
            let page = Page::of(params)?;
            authorize(caller, role, action, name)?;
            let names: Vec<String> = find(role, name)?
                .inline_policies()
                .into_iter()
                .map(|p| p.name)
                .collect();
            let (names, more) = page.cut(&names, |n| n.as_str());
            let members: String = names
                .iter()
                .map(|n| format!("      <member>{}</member>\n", escape(n)))
                .collect();
            format!(
                "{}{}",
                list("PolicyNames", &members),
                more.map_or_else(not_truncated, truncated)
            )
        }
        "GetRolePolicy" => {
            let name = role_name(params)?;
            let policy_name = policy_name(params)?;
            authorize(caller, role, action, name)?;
            let policy = find(role, name)?
                .inline_policies()
                .into_iter()
                .find(|p| p.name.eq_ignore_ascii_case(policy_name))
                .ok_or_else(|| IamError::no_such_role_policy(policy_name))?;
            format!(
                "    <PolicyName>{}</PolicyName>\n    <RoleName>{}</RoleName>\n    <PolicyDocument>{}</PolicyDocument>\n",
                escape(&policy.name),
                escape(role.name()),
                url_encoded(&policy.document),
            )
        }
        "ListAttachedRolePolicies" => {
            let name = role_name(params)?;
            let prefix = path_prefix(params)?;
            let page = Page::of(params)?;
            authorize(caller, role, action, name)?;
            let attached: Vec<RolePolicy> = find(role, name)?
                .attached_policies()
                .into_iter()
                .filter(|_| MANAGED_POLICY_PATH.starts_with(prefix))
                .collect();
            let (attached, more) = page.cut(&attached, |p| p.name.as_str());
            let members: String = attached
                .iter()
                .map(|p| {
                    format!(
                        "      <member>\n        <PolicyArn>{}</PolicyArn>\n        <PolicyName>{}</PolicyName>\n      </member>\n",
                        escape(p.arn.as_deref().unwrap_or_default()),
                        escape(&p.name)
                    )
                })
                .collect();
            format!(
                "{}{}",
                list("AttachedPolicies", &members),
                more.map_or_else(not_truncated, truncated)
            )
        }
        other => {
            return Err(IamError::new(
                400,
                "InvalidAction",
                format!(
                    "Could not find operation {other} for version {}",
                    params.get("Version").unwrap_or_default()
                ),
            )
            .into())
        }
    };
    Ok(format!(
        "<{action}Response xmlns=\"{XMLNS}\">\n  <{action}Result>\n{body}  </{action}Result>\n  <ResponseMetadata>\n    <RequestId>{}</RequestId>\n  </ResponseMetadata>\n</{action}Response>\n",
        escape(request_id)
    ))
}

/// The lab has one role; any other name is IAM's NoSuchEntity. IAM's
/// names "are not distinguished by case" (IAM user guide, quotas).
fn find<'r>(role: &'r LabRole, name: &str) -> Result<&'r LabRole, IamError> {
    if name.eq_ignore_ascii_case(role.name()) {
        Ok(role)
    } else {
        Err(IamError::no_such_role(name))
    }
}

/// Checks the caller may do `iam:{action}` on the role named `name`.
fn authorize(
    caller: &Credentials,
    role: &LabRole,
    action: &str,
    name: &str,
) -> Result<(), Refusal> {
    let action = format!("iam:{action}");
    let resource = crate::iam::iam_role_arn(&role.ids.account, name);
    let req = AuthzRequest {
        action: &action,
        resource: &resource,
        region: SIGNING_REGION,
    };
    let decision = caller.permissions.evaluate(&req).map_err(|unsupported| {
        IamError::new(
            500,
            "ServiceFailure",
            format!("labsim cannot authorize this request: {unsupported}"),
        )
    })?;
    match Denial::from_decision(&caller.principal_arn, &req, &decision) {
        None => Ok(()),
        Some(denial) => Err(Refusal::Denied(denial)),
    }
}

fn get_role(role: &LabRole) -> String {
    format!(
        "    <Role>\n      <Path>{ROLE_PATH}</Path>\n      <AssumeRolePolicyDocument>{}</AssumeRolePolicyDocument>\n      <MaxSessionDuration>{MAX_SESSION_DURATION}</MaxSessionDuration>\n      <RoleId>{}</RoleId>\n      <RoleLastUsed/>\n      <RoleName>{}</RoleName>\n      <Description>{ROLE_DESCRIPTION}</Description>\n      <Arn>{}</Arn>\n      <CreateDate>{}</CreateDate>\n    </Role>\n",
        url_encoded(TRUST_POLICY),
        escape(&role.role_id),
        escape(role.name()),
        escape(&role.arn()),
        time::rfc3339(role.created_ms),
    )
}

fn list(name: &str, members: &str) -> String {
    if members.is_empty() {
        format!("    <{name}/>\n")
    } else {
        format!("    <{name}>\n{members}    </{name}>\n")
    }
}

fn not_truncated() -> String {
    "    <IsTruncated>false</IsTruncated>\n".to_owned()
}

fn truncated(marker: String) -> String {
    format!("    <IsTruncated>true</IsTruncated>\n    <Marker>{marker}</Marker>\n")
}

/// `MaxItems` and `Marker`.
struct Page {
    max_items: usize,
    /// The name of the first item of the page asked for.
    from: Option<String>,
}

impl Page {
    fn of(params: &Params) -> Result<Self, IamError> {
        let max_items = match params.get("MaxItems") {
            None => DEFAULT_MAX_ITEMS,
            Some(text) => {
                let n: i64 = text.trim().parse().map_err(|_| {
                    IamError::validation(format!("1 validation error detected: Value '{text}' at 'maxItems' failed to satisfy constraint: Member must be a number"))
                })?;
                if n < 1 {
                    return Err(IamError::validation(format!("1 validation error detected: Value '{n}' at 'maxItems' failed to satisfy constraint: Member must have value greater than or equal to 1")));
                }
                if n > MAX_MAX_ITEMS as i64 {
                    return Err(IamError::validation(format!("1 validation error detected: Value '{n}' at 'maxItems' failed to satisfy constraint: Member must have value less than or equal to {MAX_MAX_ITEMS}")));
                }
                n as usize
            }
        };
        // An opaque marker (labsim's: the next item's name, in hex).
        // IAM's answer to a marker it did not issue is unverified; labsim
        // answers as an IAM imitation does.
        let from = match params.get("Marker") {
            None => None,
            Some(marker) => Some(
                hex::decode(marker)
                    .ok()
                    .and_then(|bytes| String::from_utf8(bytes).ok())
                    .ok_or_else(|| IamError::validation("Invalid Marker.".to_owned()))?,
            ),
        };
        Ok(Page { max_items, from })
    }

    /// The page of `items` (sorted by `key`) and the marker of the next
    /// one, if there is more.
    fn cut<'i, T>(&self, items: &'i [T], key: impl Fn(&T) -> &str) -> (&'i [T], Option<String>) {
        let start = match &self.from {
            None => 0,
            Some(from) => items
                .iter()
                .position(|item| key(item) >= from.as_str())
                .unwrap_or(items.len()),
        };
        let end = (start + self.max_items).min(items.len());
        let more = items.get(end).map(|next| hex::encode(key(next)));
        (&items[start..end], more)
    }
}

/// IAM's name pattern for roles and policies.
fn is_iam_name(text: &str) -> bool {
    text.chars()
        .all(|c| c.is_alphanumeric() || c == '_' || "+=,.@-".contains(c))
}

fn name_param<'p>(
    params: &'p Params,
    param: &str,
    field: &str,
    max_len: usize,
) -> Result<&'p str, IamError> {
    let Some(value) = params.get(param) else {
        return Err(IamError::validation(format!("1 validation error detected: Value null at '{field}' failed to satisfy constraint: Member must not be null")));
    };
    let len = value.chars().count();
    if len < 1 {
        return Err(IamError::validation(format!("1 validation error detected: Value '' at '{field}' failed to satisfy constraint: Member must have length greater than or equal to 1")));
    }
    if len > max_len {
        return Err(IamError::validation(format!("1 validation error detected: Value '{value}' at '{field}' failed to satisfy constraint: Member must have length less than or equal to {max_len}")));
    }
    if !is_iam_name(value) {
        return Err(IamError::validation(format!("1 validation error detected: Value '{value}' at '{field}' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]+")));
    }
    Ok(value)
}

fn role_name(params: &Params) -> Result<&str, IamError> {
    name_param(params, "RoleName", "roleName", 64)
}

fn policy_name(params: &Params) -> Result<&str, IamError> {
    name_param(params, "PolicyName", "policyName", 128)
}

/// `PathPrefix` (default `/`), as IAM validates it.
fn path_prefix(params: &Params) -> Result<&str, IamError> {
    let prefix = params.get("PathPrefix").unwrap_or("/");
    let valid = prefix.starts_with('/')
        && prefix
            .chars()
            .all(|c| c == '/' || ('\u{21}'..='\u{7f}').contains(&c));
    if !valid {
        return Err(IamError::validation("The specified value for pathPrefix is invalid. It must begin with the / character and contain only alphanumeric characters and/or / characters.".to_owned()));
    }
    Ok(prefix)
}

/// A policy document as IAM sends it: RFC 3986 percent-encoding, every
/// byte but `A-Z a-z 0-9 - . _ ~` escaped.
pub fn url_encoded(document: &str) -> String {
    percent::encode(document, percent::UNRESERVED)
}

/// IAM's error document. `Type` is `Sender` for the caller's errors,
/// `Receiver` for IAM's own (5xx).
pub fn error_xml(err: &IamError, request_id: &str) -> String {
    let kind = if err.status >= 500 {
        "Receiver"
    } else {
        "Sender"
    };
    xml::error_document(XMLNS, kind, err.code, &err.message, request_id)
}

#[cfg(test)]
mod tests;
