//! AWS's answers, read: who you are (STS), and what a failure means.
//!
//! Each service shapes errors its own way (aws-behaviour.md): API Gateway
//! `{"message"}`, the JSON services `{"__type", "message"}`, STS XML, AOSS a
//! bare status. `classify` turns any of them into one `AwsError` that says
//! what happened and what to do.

use crate::service::Service;
pub use crate::time::parse_amz_date_seconds;
use crate::word;
use crate::words::Lang;

/// Who the credentials belong to (STS GetCallerIdentity).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CallerIdentity {
    pub account: String,
    pub arn: String,
    pub user_id: String,
}

impl CallerIdentity {
    /// The role or user name and, for a role, the session name.
    pub fn principal(&self) -> (String, Option<String>) {
        let resource = self.arn.splitn(6, ':').nth(5).unwrap_or(&self.arn);
        let mut parts = resource.split('/');
        let kind = parts.next().unwrap_or_default();
        let name = parts.next().unwrap_or(resource).to_owned();
        let session = (kind == "assumed-role").then(|| parts.next().map(str::to_owned));
        (name, session.flatten())
    }
}

/// The text between `<tag>` and `</tag>`, unescaped. STS answers are small
/// and fixed in shape, so an XML parser (and its weight in the bundle) is
/// not needed.
fn xml_text(xml: &str, tag: &str) -> Option<String> {
    let open = format!("<{tag}>");
    let close = format!("</{tag}>");
    let start = xml.find(&open)? + open.len();
    let end = start + xml[start..].find(&close)?;
    Some(
        xml[start..end]
            .trim()
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&quot;", "\"")
            .replace("&apos;", "'")
            .replace("&amp;", "&"),
    )
}

/// Reads a GetCallerIdentity response body.
pub fn parse_caller_identity(xml: &str) -> Option<CallerIdentity> {
    Some(CallerIdentity {
        account: xml_text(xml, "Account")?,
        arn: xml_text(xml, "Arn")?,
        user_id: xml_text(xml, "UserId")?,
    })
}

/// One failed call, explained. Worded by [`AwsError::words`]; AWS's own
/// message stays a value, in English, inside the sentence.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.words(Lang::En))]
pub enum AwsError {
    ExpiredToken {
        service: &'static str,
    },
    UnknownKeys {
        service: &'static str,
        message: String,
    },
    ClockSkew {
        service: &'static str,
        /// AWS's time, epoch seconds, from the error text.
        server_time: i64,
    },
    BadSignature {
        service: &'static str,
        message: String,
    },
    AccessDenied {
        service: &'static str,
        /// AWS's message; for an OpenSearch Serverless 403 without one,
        /// labmate's English explanation (see `words`).
        message: String,
        /// The IAM action named in the message, when AWS names one.
        action: Option<String>,
    },
    Throttled {
        service: &'static str,
    },
    NotFound {
        service: &'static str,
        /// AWS's message; empty when the answer had none.
        message: String,
    },
    /// API Gateway answered 200 with DynamoDB's error (the lab's mapping
    /// template): the item was not written.
    DynamoDbErrorIn200 {
        service: &'static str,
        code: String,
        message: String,
    },
    Other {
        service: &'static str,
        status: u16,
        /// AWS's error code; empty when the answer had none.
        code: String,
        message: String,
    },
}

impl AwsError {
    /// What happened and what to do, in `lang`.
    pub fn words(&self, lang: Lang) -> String {
        self.worded(lang, &|v| v.to_owned())
    }

    /// The same, each value AWS gave (its message, its code) passed
    /// through `v` (`guide::with_values` marks them for the page).
    pub fn worded(&self, lang: Lang, v: &dyn Fn(&str) -> String) -> String {
        match self {
            AwsError::ExpiredToken { service } => word!(lang, send.aws_expired_token)(service),
            AwsError::UnknownKeys { service, message } => {
                word!(lang, send.aws_unknown_keys)(service, &v(message))
            }
            AwsError::ClockSkew { service, .. } => word!(lang, send.aws_clock_skew)(service),
            AwsError::BadSignature { service, message } => {
                word!(lang, send.aws_bad_signature)(service, &v(message))
            }
            AwsError::AccessDenied {
                service, message, ..
            } => {
                // The pollers read `message` as the refusal (in English):
                // labmate's own explanation is recognised and worded here.
                let message = if message == word!(Lang::En, send.aws_aoss_denied_no_message) {
                    word!(lang, send.aws_aoss_denied_no_message).to_owned()
                } else {
                    v(message)
                };
                word!(lang, send.aws_access_denied)(service, &message)
            }
            AwsError::Throttled { service } => word!(lang, send.aws_throttled)(service),
            AwsError::NotFound { service, message } if message.is_empty() => {
                word!(lang, send.aws_not_found_no_message)(service)
            }
            AwsError::NotFound { service, message } => {
                word!(lang, send.aws_not_found)(service, &v(message))
            }
            AwsError::DynamoDbErrorIn200 {
                service,
                code,
                message,
            } => word!(lang, send.aws_dynamodb_error_in_200)(service, &v(code), &v(message)),
            AwsError::Other {
                service,
                status,
                code,
                message,
            } if code.is_empty() => {
                word!(lang, send.aws_other_no_code)(service, *status, &v(message))
            }
            AwsError::Other {
                service,
                status,
                code,
                message,
            } => word!(lang, send.aws_other)(service, *status, &v(code), &v(message)),
        }
    }

    /// True when fresh credentials are what the learner needs.
    pub fn needs_new_credentials(&self) -> bool {
        matches!(
            self,
            AwsError::ExpiredToken { .. } | AwsError::UnknownKeys { .. }
        )
    }
}

/// The `code` and `message` of an error body of any lab service.
pub(crate) fn code_and_message(body: &str) -> (String, String) {
    if let Ok(v) = serde_json::from_str::<serde_json::Value>(body) {
        let code = v
            .get("__type")
            .or_else(|| v.get("code"))
            .or_else(|| v.get("Code"))
            .and_then(|c| c.as_str())
            .map(|c| c.rsplit('#').next().unwrap_or(c).to_owned())
            .unwrap_or_default();
        let message = v
            .get("message")
            .or_else(|| v.get("Message"))
            .and_then(|m| m.as_str())
            .or_else(|| {
                v.get("error")
                    .and_then(|e| e.get("reason").or_else(|| e.get("type")))
                    .and_then(|m| m.as_str())
            })
            .unwrap_or_default()
            .to_owned();
        return (code, message);
    }
    if body.trim_start().starts_with('<') {
        return (
            xml_text(body, "Code").unwrap_or_default(),
            xml_text(body, "Message").unwrap_or_default(),
        );
    }
    (String::new(), body.trim().chars().take(300).collect())
}

/// Explains a non-success answer. `None` when the answer was a success.
pub fn classify(service: Service, status: u16, body: &str) -> Option<AwsError> {
    if (200..300).contains(&status) {
        // API Gateway's lab mapping returns DynamoDB errors with status 200.
        if service == Service::ApiGateway {
            let (code, message) = code_and_message(body);
            if !code.is_empty() {
                return Some(AwsError::DynamoDbErrorIn200 {
                    service: service.label(),
                    code,
                    message,
                });
            }
        }
        return None;
    }
    let label = service.label();
    let (code, message) = code_and_message(body);
    if let Some(server_time) = server_time_from_skew_message(&message) {
        return Some(AwsError::ClockSkew {
            service: label,
            server_time,
        });
    }
    let lower = message.to_ascii_lowercase();
    let err = if code == "ExpiredToken"
        || code == "ExpiredTokenException"
        || lower.contains("security token included in the request is expired")
    {
        AwsError::ExpiredToken { service: label }
    } else if code == "UnrecognizedClientException"
        || code == "InvalidClientTokenId"
        || lower.contains("security token included in the request is invalid")
    {
        AwsError::UnknownKeys {
            service: label,
            message,
        }
    } else if code == "InvalidSignatureException"
        || code == "SignatureDoesNotMatch"
        || lower.contains("signature we calculated does not match")
    {
        AwsError::BadSignature {
            service: label,
            message,
        }
    } else if status == 429
        || code.contains("Throttl")
        || code == "ProvisionedThroughputExceededException"
        || code == "TooManyRequestsException"
    {
        AwsError::Throttled { service: label }
    } else if code.contains("AccessDenied")
        || lower.contains("not authorized to perform")
        || (status == 403 && service == Service::Aoss)
    {
        let action = lower
            .find("perform: ")
            .map(|i| &message[i + "perform: ".len()..])
            .and_then(|rest| rest.split_whitespace().next())
            .map(str::to_owned);
        let message = if message.is_empty() && service == Service::Aoss {
            word!(Lang::En, send.aws_aoss_denied_no_message).to_owned()
        } else {
            message
        };
        AwsError::AccessDenied {
            service: label,
            message,
            action,
        }
    } else if status == 404 || code == "ResourceNotFoundException" {
        AwsError::NotFound {
            service: label,
            message,
        }
    } else {
        AwsError::Other {
            service: label,
            status,
            code,
            message,
        }
    };
    Some(err)
}

/// AWS's clock, from either skew message:
/// `Signature expired: A is now earlier than B (NOW - 5 min.)` or
/// `Signature not yet current: A is still later than B (NOW + 5 min.)`.
/// A page cannot read the `Date` header cross-origin, but it can read this.
pub fn server_time_from_skew_message(message: &str) -> Option<i64> {
    if !(message.contains("Signature expired") || message.contains("Signature not yet current")) {
        return None;
    }
    let inner = &message[message.rfind('(')? + 1..];
    let stamp = inner.split_whitespace().next()?;
    parse_amz_date_seconds(stamp)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::words::assert_worded;

    /// Every explanation, in every language, with AWS's values in it; the
    /// Vietnamese is not the English.
    #[test]
    fn every_refusal_is_worded_in_each_language_with_its_values() {
        let s = "DynamoDB";
        let m = "AWS says no-7";
        let all = [
            (AwsError::ExpiredToken { service: s }, vec![s]),
            (
                AwsError::UnknownKeys {
                    service: s,
                    message: m.into(),
                },
                vec![s, m],
            ),
            (
                AwsError::ClockSkew {
                    service: s,
                    server_time: 1,
                },
                vec![s],
            ),
            (
                AwsError::BadSignature {
                    service: s,
                    message: m.into(),
                },
                vec![s, m],
            ),
            (
                AwsError::AccessDenied {
                    service: s,
                    message: m.into(),
                    action: None,
                },
                vec![s, m],
            ),
            (AwsError::Throttled { service: s }, vec![s]),
            (
                AwsError::NotFound {
                    service: s,
                    message: m.into(),
                },
                vec![s, m],
            ),
            (
                AwsError::NotFound {
                    service: s,
                    message: String::new(),
                },
                vec![s, "404"],
            ),
            (
                AwsError::DynamoDbErrorIn200 {
                    service: s,
                    code: "SerializationException".into(),
                    message: m.into(),
                },
                vec![s, "SerializationException", m, "200"],
            ),
            (
                AwsError::Other {
                    service: s,
                    status: 418,
                    code: "Teapot".into(),
                    message: m.into(),
                },
                vec![s, "418", "Teapot", m],
            ),
            (
                AwsError::Other {
                    service: s,
                    status: 418,
                    code: String::new(),
                    message: m.into(),
                },
                vec![s, "418", m],
            ),
        ];
        for (e, values) in all {
            // "Lambda: <AWS's message>" has no word of labmate's in it.
            let only_aws = matches!(&e, AwsError::NotFound { message, .. } if !message.is_empty());
            assert_worded(&e, &e.to_string(), |l| e.words(l), &values, !only_aws);
        }
    }

    /// AWS's own message and code come apart from labmate's words, in
    /// each language; labmate's explanation of a bare 403 is words.
    #[test]
    fn aws_values_are_marked_apart_from_the_words() {
        use crate::guide::{with_values, Piece};
        let values = |e: &AwsError, lang| -> Vec<String> {
            with_values(|v| e.worded(lang, v))
                .into_iter()
                .filter_map(|p| match p {
                    Piece::Value(v) => Some(v),
                    Piece::Words(_) => None,
                })
                .collect()
        };
        let other = classify(
            Service::DynamoDb,
            400,
            r#"{"__type":"x#ValidationException","message":"bad thing"}"#,
        )
        .unwrap();
        let bare = classify(Service::Aoss, 403, "").unwrap();
        for lang in Lang::ALL {
            assert_eq!(values(&other, lang), ["ValidationException", "bad thing"]);
            assert!(values(&bare, lang).is_empty());
            let joined: String = with_values(|v| other.worded(lang, v))
                .into_iter()
                .map(|p| match p {
                    Piece::Value(t) | Piece::Words(t) => t,
                })
                .collect();
            assert_eq!(joined, other.words(lang));
        }
    }

    #[test]
    fn labmates_own_explanation_of_a_bare_aoss_403_follows_the_language() {
        let e = classify(Service::Aoss, 403, "").unwrap();
        let en = e.words(Lang::En);
        assert_eq!(
            en,
            "OpenSearch Serverless: not allowed. OpenSearch Serverless refused the request (403). Check the collection's data access policy lists your role, and that the network policy allows public access."
        );
        let vi = e.words(Lang::Vi);
        assert!(vi.contains("data access policy"), "{vi}");
        assert!(!vi.contains("refused the request"), "{vi}");
        // AWS's own message stays as AWS wrote it.
        let denied = classify(Service::Aoss, 403, r#"{"message":"Forbidden by policy"}"#).unwrap();
        assert!(denied.words(Lang::Vi).contains("Forbidden by policy"));
    }

    #[test]
    fn english_is_as_it_was() {
        assert_eq!(
            classify(Service::Lambda, 404, "").unwrap().to_string(),
            "Lambda: not found (404)"
        );
        assert_eq!(
            classify(
                Service::DynamoDb,
                400,
                r#"{"__type":"x#ValidationException","message":"bad"}"#
            )
            .unwrap()
            .to_string(),
            "DynamoDB answered 400: ValidationException: bad"
        );
        assert_eq!(
            classify(
                Service::ApiGateway,
                200,
                r#"{"__type":"com.amazon.coral.service#SerializationException","Message":"Unexpected character"}"#,
            )
            .unwrap()
            .to_string(),
            "API Gateway answered 200: SerializationException: Unexpected character (the API returned 200, but this is DynamoDB's error: the item was not written)"
        );
    }

    const IDENTITY: &str = r#"<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <GetCallerIdentityResult>
    <Arn>arn:aws:sts::123456789012:assumed-role/WSParticipantRole/Participant</Arn>
    <UserId>AROA3XFRBF23EXAMPLE:Participant</UserId>
    <Account>123456789012</Account>
  </GetCallerIdentityResult>
  <ResponseMetadata><RequestId>01234567-89ab-cdef-0123-456789abcdef</RequestId></ResponseMetadata>
</GetCallerIdentityResponse>"#;

    #[test]
    fn reads_caller_identity() {
        let id = parse_caller_identity(IDENTITY).unwrap();
        assert_eq!(id.account, "123456789012");
        assert_eq!(id.user_id, "AROA3XFRBF23EXAMPLE:Participant");
        assert_eq!(
            id.principal(),
            ("WSParticipantRole".into(), Some("Participant".into()))
        );
        let user = CallerIdentity {
            account: "1".into(),
            arn: "arn:aws:iam::123456789012:user/alice".into(),
            user_id: "AIDA".into(),
        };
        assert_eq!(user.principal(), ("alice".into(), None));
        assert_eq!(parse_caller_identity("<html>nope</html>"), None);
    }

    #[test]
    fn skew_messages_give_aws_time() {
        let past = "Signature expired: 20241008T195522Z is now earlier than 20241008T195940Z (20241008T200440Z - 5 min.)";
        let future = "Signature not yet current: 20241008T201000Z is still later than 20241008T200940Z (20241008T200440Z + 5 min.)";
        let expected = 1_728_417_880; // 2024-10-08T20:04:40Z
        assert_eq!(server_time_from_skew_message(past), Some(expected));
        assert_eq!(server_time_from_skew_message(future), Some(expected));
        assert_eq!(server_time_from_skew_message("Signature expired"), None);
        assert_eq!(parse_amz_date_seconds("19700101T000000Z"), Some(0));
        assert_eq!(parse_amz_date_seconds("20241308T000000Z"), None);
    }

    #[test]
    fn classifies_each_services_shapes() {
        use AwsError::*;
        let expired_apigw = classify(
            Service::ApiGateway,
            403,
            r#"{"message":"The security token included in the request is expired"}"#,
        );
        assert!(matches!(expired_apigw, Some(ExpiredToken { .. })));
        let expired_ddb = classify(
            Service::DynamoDb,
            400,
            r#"{"__type":"com.amazon.coral.service#ExpiredTokenException","message":"The security token included in the request is expired"}"#,
        );
        assert!(expired_ddb.unwrap().needs_new_credentials());
        let expired_sts = classify(Service::Sts, 403, "<ErrorResponse><Error><Type>Sender</Type><Code>ExpiredToken</Code><Message>The security token included in the request is expired</Message></Error></ErrorResponse>");
        assert!(matches!(expired_sts, Some(ExpiredToken { .. })));
        let skew = classify(
            Service::Lambda,
            403,
            r#"{"message":"Signature expired: 20241008T195522Z is now earlier than 20241008T195940Z (20241008T200440Z - 5 min.)"}"#,
        );
        assert_eq!(
            skew,
            Some(ClockSkew {
                service: "Lambda",
                server_time: 1_728_417_880
            })
        );
        let denied = classify(Service::ApiGateway, 403, r#"{"message":"User: arn:aws:sts::123456789012:assumed-role/R/s is not authorized to perform: execute-api:Invoke on resource: arn:aws:execute-api:ap-southeast-1:123456789012:abc/v1/POST/lab"}"#).unwrap();
        assert!(
            matches!(&denied, AccessDenied { action: Some(a), .. } if a == "execute-api:Invoke")
        );
        assert!(matches!(
            classify(Service::Aoss, 403, ""),
            Some(AccessDenied { .. })
        ));
        assert!(matches!(
            classify(Service::Aoss, 429, ""),
            Some(Throttled { .. })
        ));
        assert!(matches!(
            classify(
                Service::DynamoDb,
                400,
                r#"{"__type":"com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException","message":"slow down"}"#
            ),
            Some(Throttled { .. })
        ));
        assert!(matches!(
            classify(
                Service::DynamoDb,
                400,
                r#"{"__type":"com.amazon.coral.service#InvalidSignatureException","message":"The request signature we calculated does not match the signature you provided."}"#
            ),
            Some(BadSignature { .. })
        ));
        assert_eq!(classify(Service::Sts, 200, IDENTITY), None);
    }

    #[test]
    fn api_200_with_dynamodb_error_is_a_failure() {
        let e = classify(
            Service::ApiGateway,
            200,
            r#"{"__type":"com.amazon.coral.service#SerializationException","Message":"Unexpected character"}"#,
        )
        .unwrap();
        assert!(e.to_string().contains("SerializationException"), "{e}");
        assert!(e.to_string().contains("not written"), "{e}");
        assert_eq!(classify(Service::ApiGateway, 200, "{}"), None);
    }
}
