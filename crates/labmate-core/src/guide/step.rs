//! Chapter 4.1's steps, in the chapter's order.

use serde::{Deserialize, Serialize};

/// One step of the chapter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Step {
    /// Create the stream Lambda (Python 3.12, role `lambda-lab-role`).
    Function,
    /// Turn on the table's stream, view type New image.
    Stream,
    /// Inline policy `dynamodb-stream-data` on the role.
    StreamPolicy,
    /// Inline policy `aoss-policy` on the role.
    AossPolicy,
    /// The table's trigger for the Lambda.
    Trigger,
    /// The Lambda's environment variables.
    Environment,
    /// POST the test item to the API.
    TestPost,
    /// The INSERT in the Lambda's log and in the index.
    Verify,
    /// Modify and delete items, watch them downstream.
    Explore,
}

impl Step {
    pub const ALL: [Step; 9] = [
        Step::Function,
        Step::Stream,
        Step::StreamPolicy,
        Step::AossPolicy,
        Step::Trigger,
        Step::Environment,
        Step::TestPost,
        Step::Verify,
        Step::Explore,
    ];

    /// Its number in the chapter (1 to 9).
    pub fn number(self) -> usize {
        Step::ALL.iter().position(|s| *s == self).unwrap_or(0) + 1
    }

    /// A short stable key: saved progress, exports, the page's test ids.
    pub fn key(self) -> &'static str {
        match self {
            Step::Function => "function",
            Step::Stream => "stream",
            Step::StreamPolicy => "stream-policy",
            Step::AossPolicy => "aoss-policy",
            Step::Trigger => "trigger",
            Step::Environment => "environment",
            Step::TestPost => "test-post",
            Step::Verify => "verify",
            Step::Explore => "explore",
        }
    }
}
