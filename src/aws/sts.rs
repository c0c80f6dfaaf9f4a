//! Who am I: STS GetCallerIdentity.

use labmate_core::aws_error::parse_caller_identity;
use labmate_core::signing::HttpRequest;
use labmate_core::Service;
use leptos::prelude::*;

use super::client::{call, CallError};
use crate::state::{AppState, IdentityState};

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
            None => IdentityState::Failed(
                "STS answered, but not with an identity: is the STS endpoint right?".into(),
            ),
        },
        Err(CallError::NoCredentials) => IdentityState::Unknown,
        Err(e) => IdentityState::Failed(e.to_string()),
    };
    state.identity.set(identity);
}
