//! MODIFY and REMOVE: signed UpdateItem / DeleteItem on an item the board
//! knows, taken into the board like any other change.

use labmate_core::aws_error::AwsError;
use labmate_core::change::TableChange;
use labmate_core::flow::Observation;
use labmate_core::Service;

use super::{aws_now_ms, observe};
use crate::aws::client::{exchange, Asker};
use crate::state::AppState;

/// Sends `change`; the text says what happened, and what to do instead
/// when the credentials may not make it.
pub async fn change_item(state: AppState, change: TableChange) -> Result<String, String> {
    let sent_ms = aws_now_ms(&state);
    let reply = exchange(
        state,
        Service::DynamoDb,
        change.operation(),
        Asker::Learner,
        &|url| change.request(url),
    )
    .await
    .map_err(|e| e.to_string())?;
    let call = change.answered(
        reply.status,
        reply.request_id.clone(),
        &reply.body,
        sent_ms,
        aws_now_ms(&state),
    );
    observe(&state, vec![Observation::TableCall(call)]);
    match reply.error {
        None => Ok(format!(
            "{} accepted for item {}: watch it on the stream.",
            change.operation(),
            change.item_id
        )),
        Some(AwsError::AccessDenied { .. }) => Err(change.console_steps()),
        Some(e) => Err(e.to_string()),
    }
}
