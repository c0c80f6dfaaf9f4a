//! MODIFY and REMOVE: signed UpdateItem / DeleteItem on an item the board
//! knows, taken into the board like any other change.

use labmate_core::aws_error::AwsError;
use labmate_core::change::TableChange;
use labmate_core::flow::Observation;
use labmate_core::word;
use labmate_core::words::Lang;
use labmate_core::Service;

use super::{aws_now_ms, observe};
use crate::aws::client::{exchange, Asker, CallError};
use crate::state::AppState;

/// DynamoDB took the change.
#[derive(Clone, Debug, PartialEq)]
pub struct Accepted {
    pub operation: &'static str,
    pub item_id: String,
}

impl Accepted {
    pub fn words(&self, lang: Lang) -> String {
        word!(lang, board.action_accepted)(self.operation, &self.item_id)
    }
}

/// Why the change was not made.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum Refused {
    /// Not sent, or AWS refused it.
    #[error("{0}")]
    Call(#[from] CallError),
    /// The credentials may not make it: the console steps that can.
    #[error("{}", .0.console_steps_in(Lang::En))]
    UseTheConsole(Box<TableChange>),
    #[error("{0}")]
    Aws(AwsError),
}

impl Refused {
    /// Why, in `lang` (AWS's own message stays as AWS wrote it).
    pub fn words(&self, lang: Lang) -> String {
        match self {
            Refused::Call(e) => e.words(lang),
            Refused::UseTheConsole(change) => change.console_steps_in(lang),
            Refused::Aws(e) => e.words(lang),
        }
    }
}

/// Sends `change`; says what happened, and what to do instead when the
/// credentials may not make it.
pub async fn change_item(state: AppState, change: TableChange) -> Result<Accepted, Refused> {
    let sent_ms = aws_now_ms(&state);
    let reply = exchange(
        state,
        Service::DynamoDb,
        change.operation(),
        Asker::Learner,
        &|url| change.request(url),
    )
    .await?;
    let call = change.answered(
        reply.status,
        reply.request_id.clone(),
        &reply.body,
        sent_ms,
        aws_now_ms(&state),
    );
    observe(&state, vec![Observation::TableCall(call)]);
    match reply.error {
        None => Ok(Accepted {
            operation: change.operation(),
            item_id: change.item_id.clone(),
        }),
        Some(AwsError::AccessDenied { .. }) => Err(Refused::UseTheConsole(Box::new(change))),
        Some(e) => Err(Refused::Aws(e)),
    }
}
