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
    // Copying where the browser gives no clipboard (plain HTTP).
    pub copy_no_clipboard: &'static str,
    pub copy_by_hand: &'static str,
    pub copy_by_hand_label: &'static str,
    // The note a page served over plain HTTP shows once.
    pub https_note_missing: &'static str,
    pub https_note_advice: &'static str,
    pub https_note_dismiss: &'static str,
}

/// Credentials, configuration and identity: the first module.
pub struct SetupWords {
    pub credentials_title: &'static str,
    /// The paste box's note, around its two commands (`aws configure export-credentials`, `aws sts assume-role`, shown as code), in that order.
    pub credentials_hint: [&'static str; 3],
    pub credentials_use: &'static str,
    pub credentials_replace: &'static str,
    pub remember_title: &'static str,
    pub remember_in_tab: &'static str,
    /// Before the paste's format: "Recognised: bash/zsh export lines".
    pub recognised: &'static str,
    pub label_access_key: &'static str,
    pub label_session_token: &'static str,
    pub token_present: &'static str,
    pub token_none: &'static str,
    pub label_region: &'static str,
    pub label_account: &'static str,
    pub label_principal: &'static str,
    pub principal_session: fn(session: &str) -> String,
    pub expiry_warning: &'static str,
    pub expired_notice: &'static str,
    pub identity_unchecked: &'static str,
    pub identity_checking: &'static str,
    pub ask_sts_again: &'static str,
    /// The offer shown with no credentials: title, text, button.
    pub sandbox_offer_title: &'static str,
    pub sandbox_offer_text: &'static str,
    pub sandbox_offer_button: &'static str,
    pub sandbox_starting: &'static str,
    /// The persistent banner while the sandbox answers every request.
    pub sandbox_banner: &'static str,
    pub sandbox_leave: &'static str,
    /// The identity card's mark on the sandbox's demo principal.
    pub sandbox_identity: &'static str,
    pub sandbox_not_built: &'static str,
    pub sandbox_not_started: fn(reason: &str) -> String,
    pub sandbox_failed: fn(reason: &str) -> String,
    /// Beside the banner after a reload that found the sandbox's kept state.
    pub sandbox_restored: &'static str,
    /// The kept state was there but did not restore: a fresh sandbox.
    pub sandbox_dropped: fn(reason: &str) -> String,
    /// The browser would not keep the sandbox's state (IndexedDB).
    pub sandbox_not_kept: fn(reason: &str) -> String,
    /// Resets the simulator and clears the board.
    pub sandbox_start_over: &'static str,
    /// The sandbox's controls: the Lambda's code, half-built lab states
    /// and faults (in `ui::sandbox_controls`' order: 8 states, 4 faults).
    /// Slices, not arrays: a whole array read from the catalogue costs
    /// far more code than a reference to it.
    pub sandbox_controls: &'static str,
    pub sandbox_lambda_code: &'static str,
    pub sandbox_code_workshop: &'static str,
    pub sandbox_code_fixed: &'static str,
    pub sandbox_lab_state: &'static str,
    pub sandbox_lab_states: &'static [&'static str],
    pub sandbox_apply: &'static str,
    pub sandbox_fault: &'static str,
    pub sandbox_faults: &'static [&'static str],
    pub sandbox_clear_faults: &'static str,
    pub sandbox_control_done: &'static str,
    pub sandbox_control_refused: fn(status: u16, message: &str) -> String,
    pub sandbox_control_no_answer: &'static str,
    pub countdown_expires_in: fn(duration: &str) -> String,
    pub countdown_expired_ago: fn(duration: &str) -> String,
    /// A duration on a clock: `2h 05m 09s`.
    pub duration_hms: fn(hours: i64, minutes: i64, seconds: i64) -> String,
    pub duration_ms: fn(minutes: i64, seconds: i64) -> String,
    pub duration_s: fn(seconds: i64) -> String,
    /// A duration in its largest whole unit: "1 second", "12 minutes".
    pub whole_seconds: fn(n: i64) -> String,
    pub whole_minutes: fn(n: i64) -> String,
    pub whole_hours: fn(n: i64) -> String,
    pub whole_days: fn(n: i64) -> String,
    pub config_title: &'static str,
    pub config_api_url: &'static str,
    pub config_collection_endpoint: &'static str,
    pub config_index: &'static str,
    pub config_table: &'static str,
    pub config_function: &'static str,
    pub config_other_endpoints: &'static str,
    pub config_simulator: &'static str,
    pub config_collection_route: &'static str,
    pub config_api_route: &'static str,
    pub config_endpoint_placeholder: &'static str,
    pub copy_share_link: &'static str,
    pub link_copied: &'static str,
    pub link_not_copied: fn(error: &str) -> String,
    pub notice_remembered_unusable: fn(reason: &str) -> String,
    pub notice_link_secrets: fn(params: &str) -> String,
    pub notice_demo_refused: fn(reason: &str) -> String,
    /// The paste's format (`PasteFormat`).
    pub format_shell_export: &'static str,
    pub format_fish: &'static str,
    pub format_powershell: &'static str,
    pub format_cmd: &'static str,
    pub format_credentials_file: &'static str,
    pub format_export_credentials_json: &'static str,
    pub format_sts_json: &'static str,
    pub format_simulator: &'static str,
    /// `CredentialWarning`s.
    pub warning_long_term_keys: &'static str,
    pub warning_expires_soon: fn(duration: &str) -> String,
    pub warning_expires_too_far_ahead: fn(duration: &str) -> String,
    pub warning_no_expiration: &'static str,
    pub warning_several_profiles: fn(used: &str, others: &str) -> String,
    /// The last two of a list of profiles: "[a], [b] and [c]".
    pub list_and: fn(rest: &str, last: &str) -> String,
    /// Profiles not named in that list.
    pub list_more: fn(count: usize) -> String,
    /// Why a key ID, secret or token was refused (`ValueProblem`): the end of "The secret access key …" (the `error_invalid_*` sentences).
    pub value_too_short_access_key_id: fn(len: usize) -> String,
    pub value_too_short_secret_access_key: fn(len: usize) -> String,
    pub value_too_short_session_token: fn(len: usize) -> String,
    pub value_too_long_access_key_id: fn(len: usize) -> String,
    pub value_too_long: fn(len: usize) -> String,
    pub value_shortened: &'static str,
    pub value_line_break: &'static str,
    pub value_space: &'static str,
    pub value_quote: &'static str,
    pub value_lower_case: &'static str,
    pub value_bad_character_access_key_id: fn(character: &str) -> String,
    pub value_bad_character_secret_access_key: fn(character: &str) -> String,
    pub value_bad_character_session_token: fn(character: &str) -> String,
    pub value_wrong_prefix_known: fn(prefix: &str, kind: &str) -> String,
    pub value_wrong_prefix: fn(prefix: &str) -> String,
    pub value_looks_like_access_key_id: &'static str,
    pub value_looks_like_secret_access_key: &'static str,
    pub value_not_text: fn(found: &str) -> String,
    /// What a JSON value was instead of text.
    pub json_true_or_false: &'static str,
    pub json_number: &'static str,
    pub json_list: &'static str,
    pub json_object: &'static str,
    /// What an ID with another prefix than an access key's belongs to.
    pub id_iam_user: &'static str,
    pub id_iam_role: &'static str,
    pub id_iam_group: &'static str,
    pub id_instance_profile: &'static str,
    pub id_managed_policy: &'static str,
    pub id_managed_policy_version: &'static str,
    pub id_public_key: &'static str,
    pub id_certificate: &'static str,
    pub id_bearer_token: &'static str,
    pub id_context_credential: &'static str,
    /// `CredentialsError`s.
    pub error_empty: &'static str,
    pub error_access_portal_url: &'static str,
    pub error_console_sign_in_url: &'static str,
    pub error_unrecognised: &'static str,
    pub error_unlabelled_keys: &'static str,
    pub error_missing_access_key_id: fn(format: &str, name: &str) -> String,
    pub error_missing_secret_access_key: fn(format: &str, name: &str) -> String,
    pub error_missing_session_token: fn(name: &str) -> String,
    pub error_invalid_access_key_id: fn(value_masked: &str, problem: &str) -> String,
    pub error_invalid_secret_access_key: fn(problem: &str) -> String,
    pub error_invalid_session_token: fn(problem: &str) -> String,
    pub error_invalid_expiration: fn(value: &str) -> String,
    pub error_expired_just_now: fn(at: &str) -> String,
    pub error_expired_ago: fn(duration: &str, at: &str) -> String,
    pub error_region_lower_case: fn(lower: &str, value: &str) -> String,
    pub error_region_availability_zone: fn(value: &str, region: &str) -> String,
    pub error_region_unknown: fn(value: &str) -> String,
    /// `message` is serde_json's, in English.
    pub error_invalid_json: fn(line: usize, column: usize, message: &str) -> String,
    pub error_conflicting: fn(name: &str) -> String,
    /// `ConfigError`s; `field` is one of the `problem_field_*`.
    pub config_bad_region: fn(value: &str) -> String,
    pub config_not_a_url: fn(field: &str, value: &str) -> String,
    pub config_missing: fn(field: &str, hint: &str) -> String,
    pub config_wrong_service: fn(field: &str, found: &str, expected: &str) -> String,
    pub config_region_mismatch: fn(field: &str, host_region: &str, lab_region: &str) -> String,
    pub config_not_a_route: fn(field: &str, value: &str) -> String,
    pub config_bad_name: fn(field: &str, value: &str, reason: &str) -> String,
    pub hint_api_url: &'static str,
    pub hint_collection_endpoint: &'static str,
    /// The rule a resource name breaks (`NameRule`).
    pub name_empty: &'static str,
    pub name_index_lower_case: &'static str,
    pub name_index_start: &'static str,
    pub name_index_characters: &'static str,
    pub name_table_length: &'static str,
    pub name_table_characters: &'static str,
    pub name_function_length: &'static str,
    pub name_function_characters: &'static str,
    /// A field as a configuration problem names it.
    pub problem_field_api_url: &'static str,
    pub problem_field_collection_endpoint: &'static str,
    pub problem_field_api_route: &'static str,
    pub problem_field_collection_route: &'static str,
    pub problem_field_endpoint: &'static str,
    pub problem_field_index: &'static str,
    pub problem_field_table: &'static str,
    pub problem_field_function: &'static str,
    /// Why a URL cannot be sent as written (`UrlProblem`): the end of "The URL … cannot be signed: …".
    pub url_line_break: &'static str,
    pub url_not_http: &'static str,
    pub url_user_info: &'static str,
    pub url_ipv6: &'static str,
    pub url_non_ascii_host: &'static str,
    pub url_host_character: fn(character: &str) -> String,
    pub url_odd_ip_address: &'static str,
    pub url_bad_port: &'static str,
    pub url_query_not_utf8: fn(part: &str) -> String,
}

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
    pub hint_blocked_by_policy: &'static str,
    pub hint_other: &'static str,
    /// No answer from the in-page sandbox: a fault injected there.
    pub hint_sandbox: &'static str,
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
    // Why a flow stopped (`flow::Stuck::reason_in`) and its fix (`fix_in`).
    pub stuck_api_refused: fn(status: u16, message: &str) -> String,
    pub stuck_no_answer_no_record: fn(seconds: i64) -> String,
    pub stuck_not_written: fn(error_type: &str, message: &str) -> String,
    pub stuck_table_refused: fn(operation: &str, status: u16, error_type: &str) -> String,
    pub stuck_stream_off: &'static str,
    pub stuck_stream_without_new_image: fn(view_type: &str) -> String,
    pub stuck_no_stream_record: fn(seconds: i64) -> String,
    pub stuck_no_trigger: &'static str,
    pub stuck_trigger_off: fn(state: &str) -> String,
    pub stuck_role_cannot_read_stream: fn(result: &str) -> String,
    pub stuck_no_invocation: fn(seconds: i64) -> String,
    pub stuck_no_invocation_with_result: fn(seconds: i64, result: &str) -> String,
    pub stuck_shipped_handler_cannot_update: fn(status: Option<u16>) -> String,
    pub stuck_shipped_handler_cannot_remove: fn(item_id: &str) -> String,
    pub stuck_index_refused: fn(status: Option<u16>, response: &str) -> String,
    pub stuck_data_access_denied: &'static str,
    pub stuck_handler_crashed: fn(exception: &str, attempts: u32, expires_at: &str) -> String,
    pub stuck_record_expired: fn(exception: &str, expired_at: &str) -> String,
    pub stuck_function_crashed: fn(exception: &str) -> String,
    pub stuck_blocked_behind: fn(item: &str, expires_at: &str) -> String,
    pub stuck_other_index: fn(function_index: &str, searched_index: &str) -> String,
    pub stuck_no_document: fn(seconds: i64) -> String,
    pub fix_stuck_api_refused_403: fn(path: &str) -> String,
    pub fix_stuck_api_refused_429: &'static str,
    pub fix_stuck_api_refused_5xx: fn(table: &str) -> String,
    pub fix_stuck_api_refused: &'static str,
    pub fix_stuck_no_answer_no_record: &'static str,
    pub fix_stuck_not_written: &'static str,
    pub fix_stuck_table_refused: fn(table: &str) -> String,
    pub fix_stuck_stream_off: fn(table: &str) -> String,
    pub fix_stuck_stream_without_new_image: &'static str,
    pub fix_stuck_no_stream_record: fn(table: &str) -> String,
    pub fix_stuck_no_trigger: fn(table: &str, function: &str) -> String,
    pub fix_stuck_trigger_off: &'static str,
    pub fix_stuck_role_cannot_read_stream: fn(policy: &str, role: &str) -> String,
    pub fix_stuck_no_invocation: &'static str,
    pub fix_stuck_shipped_handler_cannot_update: &'static str,
    pub fix_stuck_shipped_handler_cannot_remove: &'static str,
    pub fix_stuck_index_refused: &'static str,
    pub fix_stuck_data_access_denied: fn(role: &str, policy: &str) -> String,
    pub fix_stuck_handler_reads_only_strings: &'static str,
    pub fix_stuck_environment: &'static str,
    pub fix_stuck_handler_crashed: &'static str,
    pub fix_stuck_record_expired: &'static str,
    pub fix_stuck_other_index: fn(function_index: &str, index: &str) -> String,
    pub fix_stuck_blocked_behind: &'static str,
    pub fix_stuck_no_document: fn(role: &str) -> String,
    // Flow errors (`flow::ImportError`, `flow::WireError`).
    pub import_not_flows: fn(line: usize, column: usize, message: &str) -> String,
    pub wire_missing: fn(what: &str, field: &str) -> String,
    pub wire_unknown_change: fn(what: &str, name: &str) -> String,
    // Where each poller stands (`poll::PollerStatus::words`).
    pub poller_starting: &'static str,
    pub poller_reading: &'static str,
    pub poller_no_stream: &'static str,
    pub poller_no_log_yet: &'static str,
    pub poller_no_function: &'static str,
    pub poller_no_role: &'static str,
    pub poller_nothing_waiting: &'static str,
    pub poller_retry_throttled: fn(seconds: i64) -> String,
    pub poller_retry_too_many_readers: fn(seconds: i64) -> String,
    pub poller_retry_server_error: fn(status: u16, seconds: i64) -> String,
    pub poller_retry_no_answer: fn(seconds: i64) -> String,
    pub poller_retry_clock_skew: fn(seconds: i64) -> String,
    pub poller_retry_unexpected: fn(status: u16, message: &str, seconds: i64) -> String,
    pub poller_not_observable: fn(permission: &str) -> String,
    pub poller_paused: &'static str,
    // The watch switch and the pollers' names.
    pub watch_label: &'static str,
    pub poller_name_stream: &'static str,
    pub poller_name_logs: &'static str,
    pub poller_name_lambda: &'static str,
    pub poller_name_role: &'static str,
    pub poller_name_documents: &'static str,
    // Notices for the whole page.
    pub notice_board_not_loaded: &'static str,
    pub notice_saved_flows_unreadable: fn(error: &str) -> String,
    pub notice_board_too_big: fn(count: usize) -> String,
    // The board's heading, counts and files.
    pub board_title: &'static str,
    pub counts: fn(
        total: usize,
        complete: usize,
        in_progress: usize,
        stuck: usize,
        not_observable: usize,
    ) -> String,
    pub reader_this_tab: &'static str,
    pub reader_other_tab: &'static str,
    pub files_export: &'static str,
    pub files_import: &'static str,
    pub files_clear: &'static str,
    pub files_exported: fn(count: usize) -> String,
    pub files_download_refused: fn(error: &str) -> String,
    pub files_unreadable: fn(file: &str, error: &str) -> String,
    pub files_imported: fn(count: usize, file: &str) -> String,
    pub files_import_refused: fn(file: &str, error: &str) -> String,
    pub files_cleared: &'static str,
    // A flow's state and place, as every view says them (flow_words).
    pub state_in_progress: &'static str,
    pub state_complete: &'static str,
    pub state_stuck: &'static str,
    pub state_not_observable: &'static str,
    pub where_complete: &'static str,
    pub where_stuck: fn(hop: &str) -> String,
    pub where_not_observable: fn(hop: &str) -> String,
    pub where_waiting: fn(hop: &str) -> String,
    pub subject_unknown: &'static str,
    // The pipeline diagram.
    pub diagram_title: fn(hops: &str, lanes: usize) -> String,
    pub diagram_sent: &'static str,
    pub diagram_hop_unseen: fn(hop: &str, permission: &str) -> String,
    pub diagram_unseen_note: fn(permission: &str) -> String,
    pub diagram_legend_stuck: &'static str,
    pub token_title: fn(id: u64, change: &str, subject: &str, place: &str) -> String,
    pub token_title_stuck:
        fn(id: u64, change: &str, subject: &str, place: &str, reason: &str) -> String,
    pub token_title_unseen:
        fn(id: u64, change: &str, subject: &str, place: &str, permission: &str) -> String,
    // The live tail.
    pub tail_label: &'static str,
    pub tail_filters: &'static str,
    pub tail_state: &'static str,
    pub tail_any_state: &'static str,
    pub tail_search_label: &'static str,
    pub tail_search_placeholder: &'static str,
    pub tail_pause: &'static str,
    pub tail_resume: &'static str,
    pub tail_new_flows: fn(count: usize) -> String,
    pub tail_no_flows: &'static str,
    pub tail_none_match: fn(all: usize) -> String,
    pub tail_shown: fn(shown: usize, all: usize) -> String,
    pub tail_paused: &'static str,
    // The announcer (a polite live region).
    pub announce_completed: fn(id: u64, what: &str) -> String,
    pub announce_stuck: fn(id: u64, what: &str, hop: &str) -> String,
    pub announce_many_completed: fn(count: usize) -> String,
    pub announce_many_stuck: fn(count: usize, hop: &str) -> String,
    pub announce_more_stuck: fn(count: usize, hop: &str) -> String,
    // The selected flow.
    pub detail_label: &'static str,
    pub detail_empty: &'static str,
    pub detail_title: fn(id: u64, change: &str, subject: &str) -> String,
    pub detail_item_id: fn(id: &str, origin: &str) -> String,
    pub origin_request_id: &'static str,
    pub origin_content: &'static str,
    pub origin_key: &'static str,
    pub origin_outside: &'static str,
    pub detail_complete: &'static str,
    pub detail_complete_superseded: fn(newer: u64) -> String,
    pub detail_stuck: fn(hop: &str, reason: &str) -> String,
    pub detail_fix: fn(fix: &str) -> String,
    pub detail_not_observable: fn(hop: &str, permission: &str) -> String,
    pub detail_waiting_refresh: fn(waited: &str, limit: &str) -> String,
    pub detail_waiting_lambda_busy: fn(waited: &str) -> String,
    pub detail_waiting_trigger: fn(state: &str, waited: &str) -> String,
    pub detail_waiting_for: fn(hop: &str, waited: &str) -> String,
    pub detail_waiting_for_until: fn(hop: &str, waited: &str, limit: &str) -> String,
    pub detail_open_request: fn(id: u32) -> String,
    pub detail_request_not_held: &'static str,
    pub stages_heading: &'static str,
    pub stages_note: &'static str,
    pub stages_sent: &'static str,
    pub stages_hop: &'static str,
    pub stages_at: &'static str,
    pub stages_latency: &'static str,
    pub sent_heading: &'static str,
    pub sent_post: fn(at: &str, body: &str) -> String,
    pub sent_answered: fn(status: u16, after: &str, answer: &str) -> String,
    pub sent_no_answer: &'static str,
    pub stream_heading: &'static str,
    pub stream_event_id: &'static str,
    pub stream_sequence_number: &'static str,
    pub stream_shard: &'static str,
    pub stream_view_type: &'static str,
    pub stream_created: &'static str,
    pub stream_created_at: fn(at: &str) -> String,
    pub stream_from_lambda_log: &'static str,
    pub diff_heading: &'static str,
    pub diff_note: &'static str,
    pub diff_nothing: &'static str,
    pub diff_attribute: &'static str,
    pub diff_old: &'static str,
    pub diff_new: &'static str,
    pub lambda_indexed: &'static str,
    pub lambda_removed: &'static str,
    pub lambda_failed_to_index: fn(response: &str) -> String,
    pub lambda_failed_to_remove: fn(response: &str) -> String,
    pub lambda_crashed: fn(exception: &str) -> String,
    pub lambda_not_reached: &'static str,
    pub lambda_request_id: &'static str,
    pub lambda_attempts: &'static str,
    pub lambda_duration: &'static str,
    pub lambda_duration_billed: fn(duration: &str, billed_ms: u64) -> String,
    pub lambda_log_stream: &'static str,
    pub lambda_batch: &'static str,
    pub lambda_batch_one: &'static str,
    pub lambda_batch_many: fn(records: usize, others: usize) -> String,
    pub document_heading: &'static str,
    pub document_attribute: &'static str,
    pub document_item: &'static str,
    pub document_document: &'static str,
    pub document_same: &'static str,
    pub document_differs: &'static str,
    pub document_stopped: &'static str,
    pub document_not_yet: &'static str,
    pub document_overwritten: fn(newer: u64) -> String,
    pub document_removed: &'static str,
    pub document_compared: fn(id: &str) -> String,
    // What can be done with a flow's item.
    pub action_change_legend: &'static str,
    pub action_modify: &'static str,
    pub action_delete: &'static str,
    pub action_deleted: &'static str,
    pub action_no_id: &'static str,
    pub action_replay_legend: &'static str,
    pub action_replay_body: &'static str,
    pub action_replay: &'static str,
    pub action_accepted: fn(operation: &str, item_id: &str) -> String,
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

/// For tests of a typed value's words: its English `Display` (`english`)
/// is the catalogue's English, every language carries each of `values`,
/// and (unless the text is all AWS's, `translated` false) no other
/// language is the English.
#[cfg(test)]
pub(crate) fn assert_worded(
    what: &dyn std::fmt::Debug,
    english: &str,
    words: impl Fn(Lang) -> String,
    values: &[&str],
    translated: bool,
) {
    assert_eq!(english, words(Lang::En), "{what:?}");
    for lang in Lang::ALL {
        let text = words(lang);
        for v in values {
            assert!(text.contains(v), "{lang:?} {what:?} lacks {v:?}: {text}");
        }
        if translated && lang != Lang::En {
            assert_ne!(text, english, "{lang:?} {what:?} is English");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sandbox_lists_have_one_entry_per_change_in_each_language() {
        // ui::sandbox_controls pairs them with its 8 setups and 4 faults.
        for lang in [Lang::En, Lang::Vi] {
            assert_eq!(word!(lang, setup.sandbox_lab_states).len(), 8);
            assert_eq!(word!(lang, setup.sandbox_faults).len(), 4);
        }
    }

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
