//! The guide's words that only the page shows: what each copy button
//! copies. Steps, statuses, evidence and problems are core's typed values,
//! worded beside them (`labmate_core::guide`), so the exports word them
//! the same way; here they are put on the page, values apart.

use labmate_core::guide::Piece;
use labmate_core::word;
use labmate_core::words::Lang;
use leptos::prelude::*;

/// What a step's copy button copies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CopyWhat {
    FunctionName,
    RoleName,
    TableName,
    PolicyName,
    PolicyJson,
    TestBody,
    LogGroup,
    Index,
    /// An environment variable, by its name.
    Variable(&'static str),
}

/// The copy button's words.
pub fn copy_label(lang: Lang, what: CopyWhat) -> String {
    match what {
        CopyWhat::FunctionName => word!(lang, guide.copy_function_name).to_owned(),
        CopyWhat::RoleName => word!(lang, guide.copy_role_name).to_owned(),
        CopyWhat::TableName => word!(lang, guide.copy_table_name).to_owned(),
        CopyWhat::PolicyName => word!(lang, guide.copy_policy_name).to_owned(),
        CopyWhat::PolicyJson => word!(lang, guide.copy_policy_json).to_owned(),
        CopyWhat::TestBody => word!(lang, guide.copy_test_body).to_owned(),
        CopyWhat::LogGroup => word!(lang, guide.copy_log_group).to_owned(),
        CopyWhat::Index => word!(lang, guide.copy_index).to_owned(),
        CopyWhat::Variable(name) => word!(lang, guide.copy_variable)(name),
    }
}

/// A worded line: its words as text, each value AWS, the browser or the
/// learner gave in a `data-literal` span (shown as given, never
/// translated); both through `shown` (projector mode's masking).
pub fn line(pieces: Vec<Piece>, shown: impl Fn(String) -> String) -> Vec<AnyView> {
    pieces
        .into_iter()
        .map(|p| match p {
            Piece::Words(t) => shown(t).into_any(),
            Piece::Value(v) => view! { <span data-literal="">{shown(v)}</span> }.into_any(),
        })
        .collect()
}
