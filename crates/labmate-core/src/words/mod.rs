//! The page's words (docs/i18n.md): one catalogue per language (`en.rs`,
//! `vi.rs`), each a `Words` value in sections. A language that
//! leaves a field out does not build; a parameter is a typed argument of
//! the field's function, so a catalogue cannot drop or misname one.
//!
//! Core keeps returning typed values (a `Stuck`, a `Problem`): the
//! catalogue words them here, in the learner's language; core's English
//! `Display` stays for logs and tests.

// Public for `word!` only.
#[doc(hidden)]
pub mod en;
#[doc(hidden)]
pub mod vi;

use crate::flow::Stuck;

/// One word of the catalogue in `lang`: `word!(lang, page.tagline)`, or for a
/// word with parameters `word!(lang, page.clock_behind)(&duration)`.
///
/// A match on the language between each catalogue's constant, rather than
/// a reference to the language's `Words`: each wasm module then keeps the
/// words it uses and no others (a `&'static Words` keeps every word of
/// every language in both modules: measured, docs/i18n.md).
#[macro_export]
macro_rules! word {
    ($lang:expr, $($field:ident).+) => {
        match $lang {
            $crate::words::Lang::En => $crate::words::en::WORDS.$($field).+,
            $crate::words::Lang::Vi => $crate::words::vi::WORDS.$($field).+,
        }
    };
}

/// A language of the page. A third one: a file like `vi.rs`, a variant
/// here, its line in `code` and in `word!`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Lang {
    #[default]
    En,
    Vi,
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::En, Lang::Vi];

    /// The BCP 47 code, for `<html lang>` and the saved choice.
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Vi => "vi",
        }
    }

    /// `vi`, `vi-VN`, `EN-us`...: the language, whatever the region.
    pub fn from_code(code: &str) -> Option<Lang> {
        let primary = code.split(['-', '_']).next()?;
        Lang::ALL
            .into_iter()
            .find(|l| l.code().eq_ignore_ascii_case(primary))
    }
}

/// Everything the page says, in one language, by section.
pub struct Words {
    pub page: PageWords,
    pub setup: SetupWords,
    pub send: SendWords,
    pub board: BoardWords,
    pub guide: GuideWords,
}

/// The header, the language switch and what every view shares.
pub struct PageWords {
    pub lang_name: &'static str,
    pub language: &'static str,
    pub tagline: &'static str,
    pub projector_mode: &'static str,
    pub clock_behind: fn(duration: &str) -> String,
    pub clock_ahead: fn(duration: &str) -> String,
}

/// Credentials, configuration and identity: the first module.
pub struct SetupWords {}

/// Sending changes, the inspector and AWS's answers: the first module.
pub struct SendWords {
    // The actions panel.
    pub actions_title: &'static str,
    pub action_whoami: &'static str,
    pub action_count: &'static str,
    pub item_label: &'static str,
    pub action_send_item: &'static str,
    pub burst_of: &'static str,
    pub action_send_burst: &'static str,
    pub burst_progress: fn(answered: usize, total: usize, written: usize) -> String,
    pub burst_progress_failed:
        fn(answered: usize, total: usize, written: usize, failure: &str) -> String,
    pub count_result: fn(index: &str, count: u64) -> String,
    pub count_no_count: fn(body: &str) -> String,
    // What one POST to /v1/lab did.
    pub sent_written_with_id: fn(id: &str) -> String,
    pub sent_written_no_id: &'static str,
    pub sent_dynamodb_error: fn(error_type: &str, message: &str) -> String,
    pub sent_refused_no_method: fn(status: u16, message: &str) -> String,
    pub sent_refused_not_authorized: fn(status: u16, message: &str) -> String,
    pub sent_refused_signature: fn(status: u16, message: &str) -> String,
    pub sent_refused_authorization: fn(status: u16, message: &str) -> String,
    pub sent_refused_throttled: fn(status: u16, message: &str) -> String,
    pub sent_refused_integration: fn(status: u16, message: &str) -> String,
    pub sent_refused_other: fn(status: u16, message: &str) -> String,
    pub sent_answer_unreadable: &'static str,
    pub sent_unreadable: fn(error: &str) -> String,
    // The request inspector.
    pub inspector_title: &'static str,
    pub inspector_show_polling: fn(count: usize) -> String,
    pub inspector_empty: &'static str,
    pub inspector_no_answer: &'static str,
    // One request in detail.
    pub copied_curl: &'static str,
    pub copied_awscurl: &'static str,
    pub copy_failed: fn(error: &str) -> String,
    pub token_hidden: fn(characters: usize) -> String,
    pub canonical_request: &'static str,
    pub canonical_request_note: &'static str,
    pub string_to_sign: &'static str,
    pub scope: &'static str,
    pub signed_headers: &'static str,
    pub signature: &'static str,
    pub waiting_for_answer: &'static str,
    pub answer_heading: fn(status: u16, elapsed_ms: i64) -> String,
    pub sent_through: fn(route: &str) -> String,
    pub headers_sent: &'static str,
    pub copy_as_curl: &'static str,
    pub copy_as_awscurl: &'static str,
    pub reveal_secrets: &'static str,
    pub reveal_secrets_projector: &'static str,
    // Why a request was not sent or not answered (the client's CallError).
    pub call_no_credentials: &'static str,
    pub call_credentials_expired: &'static str,
    pub call_unreachable: fn(service: &str, url: &str, hint: &str) -> String,
    pub hint_route: &'static str,
    pub hint_api_gateway: &'static str,
    pub hint_aoss: &'static str,
    pub hint_other: &'static str,
    pub bridge_no_window: &'static str,
    pub bridge_not_installed: &'static str,
    pub bridge_no_promise: &'static str,
    pub bridge_no_text: &'static str,
    pub bridge_failed: fn(detail: &str) -> String,
    // Who am I (STS).
    pub identity_not_an_identity: &'static str,
    // The simulator's control endpoint.
    pub simulator_refused: fn(simulator: &str, status: u16, url: &str) -> String,
    pub simulator_unreachable: fn(simulator: &str) -> String,
    pub simulator_not_json: fn(simulator: &str) -> String,
    pub simulator_missing: fn(field: &str) -> String,
    pub simulator_unexpected: fn(line: usize, column: usize) -> String,
    // AWS's refusals, explained (core's AwsError); AWS's message stays English.
    pub aws_expired_token: fn(service: &str) -> String,
    pub aws_unknown_keys: fn(service: &str, message: &str) -> String,
    pub aws_clock_skew: fn(service: &str) -> String,
    pub aws_bad_signature: fn(service: &str, message: &str) -> String,
    pub aws_access_denied: fn(service: &str, message: &str) -> String,
    pub aws_aoss_denied_no_message: &'static str,
    pub aws_throttled: fn(service: &str) -> String,
    pub aws_not_found: fn(service: &str, message: &str) -> String,
    pub aws_not_found_no_message: fn(service: &str) -> String,
    pub aws_dynamodb_error_in_200: fn(service: &str, code: &str, message: &str) -> String,
    pub aws_other: fn(service: &str, status: u16, code: &str, message: &str) -> String,
    pub aws_other_no_code: fn(service: &str, status: u16, message: &str) -> String,
    // Why a request was not signed (core's SigningError).
    pub sign_no_host: fn(url: &str) -> String,
    pub sign_bad_url: fn(url: &str, reason: &str) -> String,
    pub sign_dot_segment: fn(segment: &str) -> String,
    pub sign_dot_segment_literal: fn(segment: &str) -> String,
    pub sign_method_has_body: fn(method: &str) -> String,
    pub sign_method_not_a_word: fn(method: &str) -> String,
    pub sign_method_forbidden: fn(method: &str) -> String,
    pub sign_header_bad_name: fn(name: &str) -> String,
    pub sign_header_line_break: fn(name: &str) -> String,
    pub sign_bad_time: &'static str,
    pub sign_signer_failed: fn(detail: &str) -> String,
    pub sign_explanation_mismatch: &'static str,
    pub sign_credentials_replaced: &'static str,
    // The item checked before it is sent (core's lab_item).
    pub item_not_json: fn(line: usize, column: usize, message: &str) -> String,
    pub item_not_an_object: &'static str,
    pub item_missing_field: fn(field: &str) -> String,
    pub item_breaks_template: fn(field: &str) -> String,
    pub item_not_a_string: fn(field: &str) -> String,
    // A change the credentials may not make, done in the console instead.
    pub change_console_delete:
        fn(operation: &str, permission: &str, table: &str, item_id: &str) -> String,
    pub change_console_edit:
        fn(operation: &str, permission: &str, table: &str, item_id: &str) -> String,
}

/// The pipeline board, a flow's stages and why a flow stopped.
pub struct BoardWords {
    pub stuck_trigger_off: fn(state: &str) -> String,
    pub fix_stuck_trigger_off: &'static str,
    pub stuck_no_stream_record: fn(seconds: i64) -> String,
    pub fix_stuck_no_stream_record: fn(table: &str) -> String,
}

/// The chapter's steps, their checks, the exports and the instructor's access.
pub struct GuideWords {
    pub title: &'static str,
    pub progress: fn(done: usize, total: usize) -> String,
    pub check_now: &'static str,
    pub recheck_here: &'static str,
    pub recheck_other_tab: &'static str,
    pub step_function: &'static str,
    pub step_stream: &'static str,
    pub step_stream_policy: &'static str,
    pub step_aoss_policy: &'static str,
    pub step_trigger: &'static str,
    pub step_environment: &'static str,
    pub step_test_post: &'static str,
    pub step_verify: &'static str,
    pub step_explore: &'static str,
    pub status_done: &'static str,
    pub status_failed: &'static str,
    pub status_waiting: &'static str,
    pub status_cannot_check: fn(permission: &str) -> String,
    pub status_inferred: fn(status: &str) -> String,
    pub status_regressed: fn(time: &str) -> String,
    pub fix: &'static str,
    pub what_labmate_saw: &'static str,
    pub flow_ref: fn(id: u64) -> String,
    pub problem_flow_stuck: fn(change: &str, flow: &str, reason: &str) -> String,
    pub problem_trigger_not_enabled: fn(state: &str) -> String,
    pub fix_trigger_not_enabled: &'static str,
    pub problem_variable_wrong: fn(name: &str, value: &str, expected: &str) -> String,
    pub fix_variable_wrong: fn(name: &str, expected: &str) -> String,
    pub todo_function: &'static str,
    pub expect_function: &'static str,
    pub todo_stream: &'static str,
    pub expect_stream: &'static str,
    pub todo_stream_policy: &'static str,
    pub expect_stream_policy: &'static str,
    pub todo_aoss_policy: &'static str,
    pub expect_aoss_policy: &'static str,
    pub todo_trigger: &'static str,
    pub expect_trigger: &'static str,
    pub todo_environment: &'static str,
    pub expect_environment: &'static str,
    pub todo_test_post: &'static str,
    pub expect_test_post: &'static str,
    pub todo_verify: &'static str,
    pub expect_verify: &'static str,
    pub todo_explore: &'static str,
    pub expect_explore: &'static str,
    pub problem_function_missing: fn(name: &str) -> String,
    pub fix_function_missing: fn(role: &str) -> String,
    pub problem_runtime_not_python: fn(runtime: &str) -> String,
    pub fix_runtime_not_python: &'static str,
    pub problem_other_role: fn(role: &str, expected: &str) -> String,
    pub fix_other_role: fn(expected: &str) -> String,
    pub problem_function_not_active: fn(state: &str) -> String,
    pub fix_function_not_active: &'static str,
    pub problem_stream_off: &'static str,
    pub fix_stream_off: &'static str,
    pub problem_no_new_image: fn(view_type: &str) -> String,
    pub fix_no_new_image: &'static str,
    pub problem_role_missing: fn(role: &str) -> String,
    pub fix_role_missing: &'static str,
    pub problem_policy_missing: fn(role: &str, policy: &str) -> String,
    pub fix_policy_missing: fn(role: &str, policy: &str) -> String,
    pub problem_actions_not_allowed: fn(policy: &str, actions: &str, resource: &str) -> String,
    pub fix_actions_not_allowed: fn(policy: &str) -> String,
    pub problem_trigger_missing: &'static str,
    pub fix_trigger_missing: &'static str,
    pub problem_trigger_reads_old_stream: fn(reads: &str, current: &str) -> String,
    pub fix_trigger_reads_old_stream: &'static str,
    pub problem_trigger_cannot_read: fn(result: &str) -> String,
    pub fix_trigger_cannot_read: fn(policy: &str) -> String,
    pub problem_variable_missing: fn(name: &str) -> String,
    pub fix_variable_missing: fn(name: &str, expected: &str) -> String,
    pub problem_index_refused_lambda: fn(flow: &str) -> String,
    pub fix_index_refused_lambda: fn(aoss_policy: &str, role: &str) -> String,
    pub evidence_function: fn(runtime: &str, role: &str, state: &str, handler: &str) -> String,
    pub evidence_stream: fn(view_type: &str) -> String,
    pub evidence_stream_arn: fn(view_type: &str, arn: &str) -> String,
    pub evidence_statement: fn(
        policy: &str,
        effect: &str,
        action_word: &str,
        actions: &str,
        resource_word: &str,
        resources: &str,
    ) -> String,
    pub evidence_statement_condition: fn(
        policy: &str,
        effect: &str,
        action_word: &str,
        actions: &str,
        resource_word: &str,
        resources: &str,
    ) -> String,
    pub evidence_trigger: fn(state: &str, stream: &str, result: &str) -> String,
    pub evidence_trigger_no_result: fn(state: &str, stream: &str) -> String,
    pub evidence_flow_written: fn(flow: u64, change: &str, item: &str) -> String,
    pub evidence_flow_lambda: fn(flow: u64, change: &str, item: &str) -> String,
    pub evidence_flow_document: fn(flow: u64, change: &str, item: &str) -> String,
    pub evidence_trigger_read: fn(result: &str) -> String,
    pub copy_function_name: &'static str,
    pub copy_role_name: &'static str,
    pub copy_table_name: &'static str,
    pub copy_policy_name: &'static str,
    pub copy_policy_json: &'static str,
    pub copy_test_body: &'static str,
    pub copy_log_group: &'static str,
    pub copy_index: &'static str,
    pub copy_variable: fn(name: &str) -> String,
    pub copy_done: &'static str,
    pub copy_failed: fn(reason: &str) -> String,
    pub learner_summary: &'static str,
    pub learner_intro: &'static str,
    pub learner_create_role: &'static str,
    pub learner_put_role_policy: &'static str,
    pub learner_data_access: &'static str,
    pub learner_assume_role: &'static str,
    pub learner_copy_file: fn(name: &str) -> String,
    pub learner_copy_command: &'static str,
    pub export_markdown: &'static str,
    pub export_json: &'static str,
    pub export_saved: fn(file: &str) -> String,
    pub export_not_saved: fn(file: &str, reason: &str) -> String,
    pub report_title: &'static str,
    pub report_exported: fn(time: &str, done: usize, total: usize) -> String,
    pub report_record:
        fn(since: &str, first_done: Option<&str>, failed_again: Option<&str>) -> String,
    pub report_problem: fn(what: &str, fix: &str) -> String,
    pub report_seen: fn(evidence: &str) -> String,
    pub report_flows: &'static str,
    pub report_no_flows: &'static str,
    pub report_flows_header: &'static str,
    pub outcome_in_progress: &'static str,
    pub outcome_complete: &'static str,
    pub outcome_stuck: fn(reason: &str) -> String,
    pub outcome_not_observable: fn(permission: &str) -> String,
}

impl Stuck {
    /// Why the flow stopped, in `lang` (spike: two reasons from the
    /// catalogue, the others still `Display`'s English).
    pub fn reason_in(&self, lang: Lang) -> String {
        match self {
            Stuck::TriggerOff { state } => word!(lang, board.stuck_trigger_off)(state),
            Stuck::NoStreamRecord { waited_ms } => {
                word!(lang, board.stuck_no_stream_record)(waited_ms / 1000)
            }
            other => other.to_string(),
        }
    }

    /// What fixes it, in `lang`.
    pub fn fix_in(&self, lang: Lang) -> String {
        match self {
            Stuck::TriggerOff { .. } => word!(lang, board.fix_stuck_trigger_off).to_owned(),
            Stuck::NoStreamRecord { .. } => {
                word!(lang, board.fix_stuck_no_stream_record)(lab_model::names::TABLE)
            }
            other => other.fix(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_language_is_found_by_its_code_whatever_the_region() {
        for lang in Lang::ALL {
            assert_eq!(Lang::from_code(lang.code()), Some(lang));
        }
        assert_eq!(Lang::from_code("vi-VN"), Some(Lang::Vi));
        assert_eq!(Lang::from_code("EN-us"), Some(Lang::En));
        assert_eq!(Lang::from_code("fr"), None);
        assert_eq!(Lang::from_code(""), None);
    }

    #[test]
    fn core_reasons_are_worded_in_each_language_with_their_values() {
        let off = Stuck::TriggerOff {
            state: "Disabled".into(),
        };
        let late = Stuck::NoStreamRecord { waited_ms: 42_500 };
        // English says what core's Display says.
        assert_eq!(off.reason_in(Lang::En), off.to_string());
        assert_eq!(late.reason_in(Lang::En), late.to_string());
        assert_eq!(late.fix_in(Lang::En), late.fix());
        assert_eq!(
            off.reason_in(Lang::Vi),
            "Trigger đang ở trạng thái Disabled: Lambda không được gọi."
        );
        assert!(late.reason_in(Lang::Vi).contains("42 giây"));
        assert!(late.fix_in(Lang::Vi).contains("lab-table"));
        // Not yet in the catalogue: core's English.
        assert_eq!(
            Stuck::StreamOff.reason_in(Lang::Vi),
            Stuck::StreamOff.to_string()
        );
    }

    #[test]
    fn every_language_names_itself_and_differs_from_english() {
        for lang in Lang::ALL {
            assert!(!word!(lang, page.lang_name).is_empty());
            if lang != Lang::En {
                assert_ne!(
                    word!(lang, page.tagline),
                    en::WORDS.page.tagline,
                    "{lang:?} is English"
                );
                assert_ne!(
                    word!(lang, guide.progress)(1, 9),
                    (en::WORDS.guide.progress)(1, 9)
                );
            }
        }
    }
}
