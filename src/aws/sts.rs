//! Who am I: STS GetCallerIdentity.

use labmate_core::aws_error::parse_caller_identity;
use labmate_core::signing::HttpRequest;
use labmate_core::word;
use labmate_core::words::Lang;
use labmate_core::Service;
use leptos::prelude::*;

use super::client::{call, CallError};
use crate::state::{AppState, IdentityState};

/// Why STS could not say who the credentials belong to; worded where it
/// is shown.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.words(Lang::En))]
pub enum IdentityFailure {
    /// STS answered, but the body is not GetCallerIdentity's.
    NotAnIdentity,
    Call(CallError),
}

impl IdentityFailure {
    pub fn words(&self, lang: Lang) -> String {
        self.worded(lang, &|v| v.to_owned())
    }

    /// The same, each value AWS gave passed through `v`.
    pub fn worded(&self, lang: Lang, v: &dyn Fn(&str) -> String) -> String {
        match self {
            IdentityFailure::NotAnIdentity => word!(lang, send.identity_not_an_identity).to_owned(),
            IdentityFailure::Call(e) => e.worded(lang, v),
        }
    }
}

/// Asks STS who the credentials belong to and puts the answer in state.
pub async fn refresh_identity(state: AppState) {
    state.identity.set(IdentityState::Checking);
    let result = call(state, Service::Sts, "GetCallerIdentity", &|base| {
        HttpRequest::new("POST", &format!("{base}/"))
            .header(
                "content-type",
                "application/x-www-form-urlencoded; charset=utf-8",
            )
            .body("Action=GetCallerIdentity&Version=2011-06-15")
    })
    .await;
    let identity = match result {
        Ok(answer) => match parse_caller_identity(&answer.body) {
            Some(id) => IdentityState::Known(id),
            None => IdentityState::Failed(IdentityFailure::NotAnIdentity),
        },
        Err(CallError::NoCredentials) => IdentityState::Unknown,
        Err(e) => IdentityState::Failed(IdentityFailure::Call(e)),
    };
    state.identity.set(identity);
}
