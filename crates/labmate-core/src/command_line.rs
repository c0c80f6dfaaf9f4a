//! "Copy as curl" and "copy as awscurl" for a signed request.
//!
//! Secrets are replaced by shell variables unless the learner reveals them,
//! so a masked command still runs in a terminal that has the usual
//! `AWS_*` variables exported.

use crate::credentials::Credentials;
use crate::signing::SignedRequest;

/// Whether a command may carry the secret key and session token.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Secrets {
    Masked,
    Revealed,
}

/// Quotes for a POSIX shell: single quotes, with `'` written as `'\''`.
pub fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// The very request that was sent, signature included: it works for the
/// five minutes AWS accepts a signature.
pub fn curl_command(req: &SignedRequest, secrets: Secrets) -> String {
    let mut parts = vec![
        "curl".to_owned(),
        "-sS".into(),
        "-X".into(),
        req.method.clone(),
    ];
    for (name, value) in &req.headers {
        parts.push("-H".into());
        if name.eq_ignore_ascii_case("x-amz-security-token") && secrets == Secrets::Masked {
            parts.push(format!("\"{name}: $AWS_SESSION_TOKEN\""));
        } else {
            parts.push(shell_quote(&format!("{name}: {value}")));
        }
    }
    if !req.body.is_empty() {
        parts.push("--data-raw".into());
        parts.push(shell_quote(&req.body));
    }
    parts.push(shell_quote(&req.url));
    parts.join(" ")
}

/// The same request for awscurl, which signs it afresh (same canonical
/// request, new time). Masked, it reads the keys from the environment.
pub fn awscurl_command(
    req: &SignedRequest,
    signing_name: &str,
    region: &str,
    credentials: &Credentials,
    secrets: Secrets,
) -> String {
    let mut parts = vec![
        "awscurl".to_owned(),
        "--service".into(),
        signing_name.to_owned(),
        "--region".into(),
        region.to_owned(),
        "-X".into(),
        req.method.clone(),
    ];
    if secrets == Secrets::Revealed {
        parts.push("--access_key".into());
        parts.push(shell_quote(&credentials.access_key_id));
        parts.push("--secret_key".into());
        parts.push(shell_quote(&credentials.secret_access_key));
        if let Some(token) = &credentials.session_token {
            parts.push("--session_token".into());
            parts.push(shell_quote(token));
        }
    }
    for (name, value) in &req.headers {
        let signer_added = [
            "authorization",
            "x-amz-date",
            "x-amz-security-token",
            "x-amz-content-sha256",
        ]
        .iter()
        .any(|h| name.eq_ignore_ascii_case(h));
        if !signer_added {
            parts.push("-H".into());
            parts.push(shell_quote(&format!("{name}: {value}")));
        }
    }
    if !req.body.is_empty() {
        parts.push("-d".into());
        parts.push(shell_quote(&req.body));
    }
    parts.push(shell_quote(&req.url));
    parts.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::service::Service;
    use crate::signing::{sign, HttpRequest, SigningContext};

    fn creds() -> Credentials {
        Credentials {
            access_key_id: "ASIAIOSFODNN7EXAMPLE".into(),
            secret_access_key: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY".into(),
            session_token: Some("IQoJb3JpZ2luX2VjEXAMPLETOKEN".into()),
            expiration: None,
        }
    }

    fn signed() -> SignedRequest {
        let req = HttpRequest::new(
            "POST",
            "https://abc.execute-api.ap-southeast-1.amazonaws.com/v1/lab",
        )
        .header("content-type", "application/json")
        .body(r#"{"name":"it's","type":"t"}"#);
        let c = creds();
        let ctx = SigningContext::for_service(
            &c,
            Service::ApiGateway,
            "ap-southeast-1",
            1_763_942_400_000,
        );
        sign(&req, &ctx).unwrap()
    }

    #[test]
    fn curl_masks_token_but_keeps_the_signature() {
        let s = signed();
        let cmd = curl_command(&s, Secrets::Masked);
        assert!(!cmd.contains("IQoJb3JpZ2luX2VjEXAMPLETOKEN"), "{cmd}");
        assert!(cmd.contains("\"x-amz-security-token: $AWS_SESSION_TOKEN\""));
        assert!(cmd.contains(&s.signature));
        assert!(
            cmd.contains(r#"--data-raw '{"name":"it'\''s","type":"t"}'"#),
            "{cmd}"
        );
        let revealed = curl_command(&s, Secrets::Revealed);
        assert!(revealed.contains("x-amz-security-token: IQoJb3JpZ2luX2VjEXAMPLETOKEN"));
    }

    #[test]
    fn awscurl_reads_keys_from_env_unless_revealed() {
        let s = signed();
        let c = creds();
        let masked = awscurl_command(&s, "execute-api", "ap-southeast-1", &c, Secrets::Masked);
        assert!(!masked.contains(&c.secret_access_key));
        assert!(!masked.contains("--access_key"));
        assert!(!masked.contains("authorization"));
        assert!(masked.starts_with("awscurl --service execute-api --region ap-southeast-1 -X POST"));
        let revealed = awscurl_command(&s, "execute-api", "ap-southeast-1", &c, Secrets::Revealed);
        assert!(revealed.contains("--secret_key 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY'"));
    }
}
