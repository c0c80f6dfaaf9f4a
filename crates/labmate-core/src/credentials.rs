//! Recognises temporary AWS credentials pasted in whatever format the learner
//! has, without asking which one.
//!
//! [`parse_credentials`] tries JSON first (unambiguous once a line starts with
//! `{`), then reads the text line by line: shell, fish, PowerShell, cmd and
//! `~/.aws/credentials` lines can be told apart by their syntax, so one paste
//! box serves them all. Every problem is a [`CredentialsError`], worded for
//! the learner in the page's language by its `words` (the catalogue's
//! `setup` section; `Display` is the English). Secrets and tokens never appear in a
//! message or a `Debug` output: a message quotes what was pasted only through
//! [`excerpt`] (short, printable, with anything that looks like key material
//! masked), since a value may have run into the next line of the paste.
//!
//! Time comes in as epoch seconds (`now`): `SystemTime::now()` panics on wasm32.
//!
//! Wrapped values: a value broken over lines is joined back only when the break
//! sits inside a quoted shell value or a JSON string and every continuation
//! line is made of base64 characters, which is what copying from a narrow
//! terminal produces. An *unquoted* value followed by such a fragment is
//! reported as split instead ([`ValueProblem::LineBreak`]), because there the
//! break could as well be where the copy stopped.

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;

use aws_smithy_types::date_time::Format;
use aws_smithy_types::DateTime;
use serde_json::{Map, Value};

use crate::excerpt::{excerpt, is_invisible};
use crate::word;
use crate::words::Lang;

/// Fewer seconds than this left at parse time earns a warning.
const EXPIRES_SOON_SECS: i64 = 10 * 60;
/// The longest any STS credentials last: 36 hours (GetSessionToken and
/// GetFederationToken; AssumeRole stops at 12). An expiry further ahead, give
/// or take the 5 minutes of clock skew AWS itself tolerates, earns a warning.
const LONGEST_STS_SECS: i64 = 36 * 3600;
const CLOCK_SKEW_SECS: i64 = 5 * 60;
/// Prompts looked for on one line (`user@host:~$ export …` has one). A line
/// is read from each of them, so a bound keeps a line of thousands of `>`
/// from being read thousands of times.
const MAX_PROMPTS_PER_LINE: usize = 8;
/// Profiles named in the several-profiles warning; the rest are counted.
const MAX_PROFILES_LISTED: usize = 3;
/// AWS documents access key IDs as 16 to 128 characters (20 in practice).
const KEY_ID_MIN_LEN: usize = 16;
const KEY_ID_MAX_LEN: usize = 128;
const SECRET_LEN: usize = 40;
/// Real STS session tokens run to several hundred characters; anything shorter
/// than this was cut off.
const MIN_TOKEN_LEN: usize = 100;
/// How far a quoted value may be wrapped before we stop looking for its end.
const MAX_WRAPPED_LINES: usize = 64;
/// What every hidden value looks like.
const HIDDEN: &str = "••••";

/// A set of AWS credentials, as extracted from the paste.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    pub access_key_id: String,
    pub secret_access_key: String,
    pub session_token: Option<String>,
    /// Epoch seconds, UTC.
    pub expiration: Option<i64>,
}

impl Credentials {
    /// Temporary (STS) keys start with `ASIA`; long-term IAM user keys with `AKIA`.
    pub fn is_temporary(&self) -> bool {
        self.access_key_id.starts_with("ASIA")
    }

    /// Seconds until expiry: zero or negative once expired, `None` when the
    /// expiry is unknown.
    pub fn seconds_left(&self, now: i64) -> Option<i64> {
        self.expiration.map(|at| at.saturating_sub(now))
    }

    /// These credentials as the `export AWS_...` lines of
    /// `aws configure export-credentials --format env`, which
    /// [`parse_credentials`] reads back (for keeping them in the tab). It
    /// carries the secret: never log or display it.
    pub fn to_env_lines(&self) -> String {
        // Checked values hold no quote, space or `$`, so they need no quoting.
        let mut out = format!(
            "export AWS_ACCESS_KEY_ID={}\nexport AWS_SECRET_ACCESS_KEY={}\n",
            self.access_key_id, self.secret_access_key
        );
        if let Some(token) = &self.session_token {
            out.push_str(&format!("export AWS_SESSION_TOKEN={token}\n"));
        }
        if let Some(at) = self.expiration {
            out.push_str(&format!(
                "export AWS_CREDENTIAL_EXPIRATION={}\n",
                format_rfc3339(at)
            ));
        }
        out
    }
}

/// Masks the secret and the token: `Debug` output ends up in logs and panics.
impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("access_key_id", &mask(&self.access_key_id))
            .field("secret_access_key", &HIDDEN)
            .field(
                "session_token",
                &self.session_token.as_ref().map(|_| HIDDEN),
            )
            .field("expiration", &self.expiration)
            .finish()
    }
}

/// The format the paste was recognised as.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PasteFormat {
    ShellExport,
    Fish,
    PowerShell,
    Cmd,
    CredentialsFile,
    ExportCredentialsJson,
    StsJson,
    /// The demo set labsim hands out (`credentials` in `/_labsim/config`).
    Simulator,
}

impl PasteFormat {
    /// Human words for the format, as in "Recognised: bash/zsh export lines".
    pub fn label(&self) -> &'static str {
        self.words(Lang::En)
    }

    /// The format's name in `lang`.
    pub fn words(&self, lang: Lang) -> &'static str {
        match self {
            Self::ShellExport => word!(lang, setup.format_shell_export),
            Self::Fish => word!(lang, setup.format_fish),
            Self::PowerShell => word!(lang, setup.format_powershell),
            Self::Cmd => word!(lang, setup.format_cmd),
            Self::CredentialsFile => word!(lang, setup.format_credentials_file),
            Self::ExportCredentialsJson => word!(lang, setup.format_export_credentials_json),
            Self::StsJson => word!(lang, setup.format_sts_json),
            Self::Simulator => word!(lang, setup.format_simulator),
        }
    }

    /// The name this format gives a field, for messages about it.
    fn field_name(self, field: Field) -> &'static str {
        match self {
            Self::ShellExport | Self::Fish | Self::PowerShell | Self::Cmd => match field {
                Field::AccessKeyId => "AWS_ACCESS_KEY_ID",
                Field::SecretAccessKey => "AWS_SECRET_ACCESS_KEY",
                Field::SessionToken => "AWS_SESSION_TOKEN",
                Field::Region => "AWS_REGION",
                Field::Expiration => "AWS_CREDENTIAL_EXPIRATION",
            },
            Self::CredentialsFile => match field {
                Field::AccessKeyId => "aws_access_key_id",
                Field::SecretAccessKey => "aws_secret_access_key",
                Field::SessionToken => "aws_session_token",
                Field::Region => "region",
                Field::Expiration => "x_security_token_expires",
            },
            Self::ExportCredentialsJson | Self::StsJson | Self::Simulator => match field {
                Field::AccessKeyId => "AccessKeyId",
                Field::SecretAccessKey => "SecretAccessKey",
                Field::SessionToken => "SessionToken",
                Field::Region => "Region",
                Field::Expiration => "Expiration",
            },
        }
    }
}

impl fmt::Display for PasteFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// Something worth telling the learner about credentials that do work.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CredentialWarning {
    /// An `AKIA…` key: allowed, but the lab expects temporary `ASIA…` keys.
    LongTermKeys,
    /// Under ten minutes left at parse time.
    ExpiresSoon { seconds_left: i64 },
    /// An expiry further ahead than any STS credentials last (36 hours): a
    /// wrong clock where they were made, or an expiry from something else.
    ExpiresTooFarAhead { seconds_left: i64 },
    /// Temporary keys whose format carried no expiry: no countdown possible.
    NoExpiration,
    /// A credentials file with several profiles holding keys. The names are
    /// excerpts (see [`excerpt`]): short, printable, masked.
    SeveralProfiles { used: String, others: Vec<String> },
}

impl CredentialWarning {
    /// The warning as shown to the learner, in English.
    pub fn message(&self) -> String {
        self.words(Lang::En)
    }

    /// The warning in `lang`.
    pub fn words(&self, lang: Lang) -> String {
        match self {
            Self::LongTermKeys => word!(lang, setup.warning_long_term_keys).to_owned(),
            Self::ExpiresSoon { seconds_left } => {
                word!(lang, setup.warning_expires_soon)(&format_duration_in(*seconds_left, lang))
            }
            Self::ExpiresTooFarAhead { seconds_left } => {
                word!(lang, setup.warning_expires_too_far_ahead)(&format_duration_in(
                    *seconds_left,
                    lang,
                ))
            }
            Self::NoExpiration => word!(lang, setup.warning_no_expiration).to_owned(),
            Self::SeveralProfiles { used, others } => {
                word!(lang, setup.warning_several_profiles)(used, &profile_list(others, lang))
            }
        }
    }
}

/// What was parsed, and what the learner should know about it.
#[derive(Clone, PartialEq, Eq)]
pub struct ParsedCredentials {
    pub credentials: Credentials,
    pub format: PasteFormat,
    /// Where the format gives one (env var, profile `region`); validated.
    pub region: Option<String>,
    /// The profile used, for a credentials file with `[name]` headers.
    pub profile: Option<String>,
    pub warnings: Vec<CredentialWarning>,
}

/// The profile name as an excerpt: a garbled paste can put anything in a
/// `[header]`, a token included.
impl fmt::Debug for ParsedCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ParsedCredentials")
            .field("credentials", &self.credentials)
            .field("format", &self.format)
            .field("region", &self.region)
            .field("profile", &self.profile.as_deref().map(excerpt))
            .field("warnings", &self.warnings)
            .finish()
    }
}

/// Why a key ID, secret or token value was refused. Carries no part of the
/// value, so it is safe to show and log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ValueProblem {
    /// Fewer characters than the value always has: cut off while copying.
    TooShort { len: usize },
    /// More characters than the value can have: something was copied with it.
    TooLong { len: usize },
    /// Contains `…` or `...`: the page shortened it for display.
    Shortened,
    /// Broken over several lines.
    LineBreak,
    /// Contains a space or tab.
    Space,
    /// Contains a quote mark.
    Quote,
    /// An access key ID with lower-case letters.
    LowerCase,
    /// A character the value can never contain.
    BadCharacter(char),
    /// An access key ID with another prefix than `AKIA`/`ASIA`, such as a
    /// user (`AIDA`) or role (`AROA`) ID.
    WrongPrefix { prefix: String },
    /// A secret that looks like an access key ID: the values are swapped.
    LooksLikeAccessKeyId,
    /// An access key ID that looks like a secret: the values are swapped.
    LooksLikeSecretKey,
    /// In JSON, a number, `true`, a list or an object instead of a string.
    NotText { found: &'static str },
}

impl ValueProblem {
    /// The middle of a sentence about `field`, in `lang`: "The secret access
    /// key {clause}." (each language's sentence places it).
    fn clause(&self, field: Field, lang: Lang) -> String {
        match (self, field) {
            (Self::TooShort { len }, Field::AccessKeyId) => {
                word!(lang, setup.value_too_short_access_key_id)(*len)
            }
            (Self::TooShort { len }, Field::SecretAccessKey) => {
                word!(lang, setup.value_too_short_secret_access_key)(*len)
            }
            (Self::TooShort { len }, _) => word!(lang, setup.value_too_short_session_token)(*len),
            (Self::TooLong { len }, Field::AccessKeyId) => {
                word!(lang, setup.value_too_long_access_key_id)(*len)
            }
            (Self::TooLong { len }, _) => word!(lang, setup.value_too_long)(*len),
            (Self::Shortened, _) => word!(lang, setup.value_shortened).to_owned(),
            (Self::LineBreak, _) => word!(lang, setup.value_line_break).to_owned(),
            (Self::Space, _) => word!(lang, setup.value_space).to_owned(),
            (Self::Quote, _) => word!(lang, setup.value_quote).to_owned(),
            (Self::LowerCase, _) => word!(lang, setup.value_lower_case).to_owned(),
            (Self::BadCharacter(c), field) => {
                let c = excerpt(c.encode_utf8(&mut [0; 4]));
                match field {
                    Field::AccessKeyId => word!(lang, setup.value_bad_character_access_key_id)(&c),
                    Field::SecretAccessKey => {
                        word!(lang, setup.value_bad_character_secret_access_key)(&c)
                    }
                    _ => word!(lang, setup.value_bad_character_session_token)(&c),
                }
            }
            (Self::WrongPrefix { prefix }, _) => match id_kind(prefix, lang) {
                Some(kind) => word!(lang, setup.value_wrong_prefix_known)(prefix, kind),
                None => word!(lang, setup.value_wrong_prefix)(prefix),
            },
            (Self::LooksLikeAccessKeyId, _) => {
                word!(lang, setup.value_looks_like_access_key_id).to_owned()
            }
            (Self::LooksLikeSecretKey, _) => {
                word!(lang, setup.value_looks_like_secret_access_key).to_owned()
            }
            (Self::NotText { found }, _) => {
                word!(lang, setup.value_not_text)(json_kind_words(found, lang))
            }
        }
    }
}

/// What a JSON value was instead of text (`found` is the English name
/// [`json_value`] gives it), in `lang`.
fn json_kind_words(found: &str, lang: Lang) -> &str {
    match found {
        "true or false" => word!(lang, setup.json_true_or_false),
        "a number" => word!(lang, setup.json_number),
        "a list" => word!(lang, setup.json_list),
        "an object" => word!(lang, setup.json_object),
        other => other,
    }
}

/// Why a paste was refused. `Display` is the message for the learner: what is
/// wrong and what to do. No variant carries a secret or a token.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CredentialsError {
    #[error("{}", self.words(Lang::En))]
    Empty,
    /// A console or access-portal sign-in link instead of keys.
    #[error("{}", self.words(Lang::En))]
    ConsoleSignInUrl {
        /// The IAM Identity Center access portal (`*.awsapps.com/start`),
        /// rather than the console itself.
        access_portal: bool,
    },
    #[error("{}", self.words(Lang::En))]
    Unrecognised,
    /// An access key ID is there, but without the names saying which value is which.
    #[error("{}", self.words(Lang::En))]
    UnlabelledKeys,
    #[error("{}", self.words(Lang::En))]
    MissingAccessKeyId { format: PasteFormat },
    #[error("{}", self.words(Lang::En))]
    MissingSecretAccessKey { format: PasteFormat },
    #[error("{}", self.words(Lang::En))]
    MissingSessionToken { format: PasteFormat },
    #[error("{}", self.words(Lang::En))]
    InvalidAccessKeyId {
        /// First and last four characters at most (see [`mask`]), or `••••`
        /// when the value might be a secret pasted in the wrong place.
        value_masked: String,
        reason: ValueProblem,
    },
    #[error("{}", self.words(Lang::En))]
    InvalidSecretAccessKey { reason: ValueProblem },
    #[error("{}", self.words(Lang::En))]
    InvalidSessionToken { reason: ValueProblem },
    #[error("{}", self.words(Lang::En))]
    InvalidExpiration {
        /// An excerpt of the value (see [`excerpt`]): it may have run into
        /// the next line of the paste, a token included.
        value: String,
    },
    #[error("{}", self.words(Lang::En))]
    Expired { expired_at: i64, seconds_ago: i64 },
    #[error("{}", self.words(Lang::En))]
    InvalidRegion {
        /// An excerpt of the value (see [`excerpt`]).
        value: String,
    },
    /// The text is JSON but does not parse; `line` counts from the start of the paste.
    #[error("{}", self.words(Lang::En))]
    InvalidJson {
        line: usize,
        column: usize,
        message: String,
    },
    /// The same variable (or profile key) set twice to different values.
    /// `name` quotes a profile name as an excerpt (see [`excerpt`]).
    #[error("{}", self.words(Lang::En))]
    Conflicting { name: String },
}

impl CredentialsError {
    /// The message for the learner in `lang`: what is wrong and what to do.
    pub fn words(&self, lang: Lang) -> String {
        match self {
            Self::Empty => word!(lang, setup.error_empty).to_owned(),
            Self::ConsoleSignInUrl {
                access_portal: true,
            } => word!(lang, setup.error_access_portal_url).to_owned(),
            Self::ConsoleSignInUrl {
                access_portal: false,
            } => word!(lang, setup.error_console_sign_in_url).to_owned(),
            Self::Unrecognised => word!(lang, setup.error_unrecognised).to_owned(),
            Self::UnlabelledKeys => word!(lang, setup.error_unlabelled_keys).to_owned(),
            Self::MissingAccessKeyId { format } => word!(lang, setup.error_missing_access_key_id)(
                format.words(lang),
                format.field_name(Field::AccessKeyId),
            ),
            Self::MissingSecretAccessKey { format } => {
                word!(lang, setup.error_missing_secret_access_key)(
                    format.words(lang),
                    format.field_name(Field::SecretAccessKey),
                )
            }
            Self::MissingSessionToken { format } => word!(lang, setup.error_missing_session_token)(
                format.field_name(Field::SessionToken),
            ),
            Self::InvalidAccessKeyId {
                value_masked,
                reason,
            } => word!(lang, setup.error_invalid_access_key_id)(
                value_masked,
                &reason.clause(Field::AccessKeyId, lang),
            ),
            Self::InvalidSecretAccessKey { reason } => {
                word!(lang, setup.error_invalid_secret_access_key)(
                    &reason.clause(Field::SecretAccessKey, lang),
                )
            }
            Self::InvalidSessionToken { reason } => word!(lang, setup.error_invalid_session_token)(
                &reason.clause(Field::SessionToken, lang),
            ),
            Self::InvalidExpiration { value } => word!(lang, setup.error_invalid_expiration)(value),
            Self::Expired {
                expired_at,
                seconds_ago,
            } => {
                let at = format_utc(*expired_at);
                if *seconds_ago < 1 {
                    word!(lang, setup.error_expired_just_now)(&at)
                } else {
                    word!(lang, setup.error_expired_ago)(
                        &format_duration_in(*seconds_ago, lang),
                        &at,
                    )
                }
            }
            Self::InvalidRegion { value } => region_message(value, lang),
            Self::InvalidJson {
                line,
                column,
                message,
            } => word!(lang, setup.error_invalid_json)(*line, *column, message),
            Self::Conflicting { name } => word!(lang, setup.error_conflicting)(name),
        }
    }
}

/// Recognises the format of `text`, extracts the credentials and checks them.
/// `now` is epoch seconds, for the expiry checks.
pub fn parse_credentials(text: &str, now: i64) -> Result<ParsedCredentials, CredentialsError> {
    let text = normalize(text);
    if text.trim().is_empty() {
        return Err(CredentialsError::Empty);
    }
    let raw = match read_json(&text)? {
        Some(raw) => Some(raw),
        None => read_lines(&text).into_raw()?,
    };
    match raw {
        Some(raw) => finish(raw, now),
        None => Err(nothing_found(&text)),
    }
}

/// Checks credentials handed over as a JSON object (labsim's demo set) as a
/// paste of them would be, without printing them back into text first.
pub fn credentials_from_json(
    value: &Value,
    format: PasteFormat,
    now: i64,
) -> Result<ParsedCredentials, CredentialsError> {
    let mut raw = json_raw(value).ok_or(CredentialsError::Unrecognised)?;
    raw.format = format;
    finish(raw, now)
}

/// Shows the first and last four characters of a non-secret ID such as an
/// access key ID (`ASIA…MPLE`), or `••••` when that would show most of it.
/// Never use it on a secret or token: eight characters of those are too many.
pub fn mask(value: &str) -> String {
    let chars: Vec<char> = value.chars().collect();
    if chars.len() < 12 {
        return HIDDEN.to_owned();
    }
    let head: String = chars[..4].iter().collect();
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("{head}…{tail}")
}

/// A duration in the largest whole unit, as people say it: "1 second",
/// "12 minutes", "3 hours", "2 days". Negative durations count as zero.
pub fn format_duration(seconds: i64) -> String {
    format_duration_in(seconds, Lang::En)
}

/// [`format_duration`] in `lang`.
pub fn format_duration_in(seconds: i64, lang: Lang) -> String {
    let s = seconds.max(0);
    match s {
        0..=59 => word!(lang, setup.whole_seconds)(s),
        60..=3_599 => word!(lang, setup.whole_minutes)(s / 60),
        3_600..=86_399 => word!(lang, setup.whole_hours)(s / 3_600),
        _ => word!(lang, setup.whole_days)(s / 86_400),
    }
}

use crate::time::format_rfc3339;
pub use crate::time::format_utc;

// ---------------------------------------------------------------------------
// Fields, names and the format-independent middle step
// ---------------------------------------------------------------------------

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Field {
    AccessKeyId,
    SecretAccessKey,
    SessionToken,
    Region,
    Expiration,
}

impl Field {
    fn is_key_material(self) -> bool {
        matches!(
            self,
            Self::AccessKeyId | Self::SecretAccessKey | Self::SessionToken
        )
    }
}

/// A variable or profile key that carries a field.
struct Name {
    text: &'static str,
    field: Field,
    /// Lower wins when several names set one field: the SDKs read `AWS_REGION`
    /// before `AWS_DEFAULT_REGION`, `AWS_SESSION_TOKEN` before the legacy
    /// `AWS_SECURITY_TOKEN`.
    rank: u8,
}

const fn name(text: &'static str, field: Field, rank: u8) -> Name {
    Name { text, field, rank }
}

const ENV_NAMES: &[Name] = &[
    name("AWS_ACCESS_KEY_ID", Field::AccessKeyId, 0),
    name("AWS_SECRET_ACCESS_KEY", Field::SecretAccessKey, 0),
    name("AWS_SESSION_TOKEN", Field::SessionToken, 0),
    name("AWS_SECURITY_TOKEN", Field::SessionToken, 1),
    name("AWS_REGION", Field::Region, 0),
    name("AWS_DEFAULT_REGION", Field::Region, 1),
    name("AWS_CREDENTIAL_EXPIRATION", Field::Expiration, 0),
    // aws-vault's name for the same thing.
    name("AWS_SESSION_EXPIRATION", Field::Expiration, 1),
];

/// Keys of `~/.aws/credentials` and `~/.aws/config` profiles.
const PROFILE_KEYS: &[Name] = &[
    name("aws_access_key_id", Field::AccessKeyId, 0),
    name("aws_secret_access_key", Field::SecretAccessKey, 0),
    name("aws_session_token", Field::SessionToken, 0),
    name("aws_security_token", Field::SessionToken, 1),
    name("region", Field::Region, 0),
    // Written by saml2aws and gimme-aws-creds.
    name("x_security_token_expires", Field::Expiration, 0),
];

/// Names are matched case-insensitively: PowerShell and cmd ignore case, the
/// AWS config files lower-case keys, and a learner's intent is clear anyway.
fn lookup(names: &'static [Name], name: &str) -> Option<&'static Name> {
    names.iter().find(|n| n.text.eq_ignore_ascii_case(name))
}

/// A value as pasted. No `Debug`: it holds secrets.
#[derive(Clone)]
struct Val {
    text: String,
    /// Unquoted, and followed by line(s) that look like the rest of it.
    broken: bool,
    /// What a JSON value was instead of a string (`text` is then empty).
    not_text: Option<&'static str>,
}

/// What a format yielded, before checking.
struct Raw {
    format: PasteFormat,
    profile: Option<String>,
    access_key_id: Option<Val>,
    secret_access_key: Option<Val>,
    session_token: Option<Val>,
    region: Option<String>,
    expiration: Option<String>,
    warnings: Vec<CredentialWarning>,
}

/// Checks the extracted values, most fundamental problem first.
fn finish(raw: Raw, now: i64) -> Result<ParsedCredentials, CredentialsError> {
    let format = raw.format;
    let key = raw
        .access_key_id
        .ok_or(CredentialsError::MissingAccessKeyId { format })?;
    let secret = raw
        .secret_access_key
        .ok_or(CredentialsError::MissingSecretAccessKey { format })?;
    // Expired credentials need replacing whatever else is wrong with them.
    let expiration = raw
        .expiration
        .as_deref()
        .map(parse_expiration)
        .transpose()?;
    if let Some(at) = expiration.filter(|at| *at <= now) {
        return Err(CredentialsError::Expired {
            expired_at: at,
            seconds_ago: now.saturating_sub(at),
        });
    }
    if let Some(reason) = access_key_problem(&key) {
        return Err(CredentialsError::InvalidAccessKeyId {
            value_masked: mask_key_id(&key.text),
            reason,
        });
    }
    if let Some(reason) = secret_problem(&secret) {
        return Err(CredentialsError::InvalidSecretAccessKey { reason });
    }
    let session_token = match raw.session_token {
        Some(token) => match token_problem(&token) {
            Some(reason) => return Err(CredentialsError::InvalidSessionToken { reason }),
            None => Some(token.text),
        },
        None if key.text.starts_with("ASIA") => {
            return Err(CredentialsError::MissingSessionToken { format })
        }
        None => None,
    };
    if let Some(region) = raw.region.as_deref().filter(|r| !is_valid_region(r)) {
        return Err(CredentialsError::InvalidRegion {
            value: excerpt(region),
        });
    }

    let credentials = Credentials {
        access_key_id: key.text,
        secret_access_key: secret.text,
        session_token,
        expiration,
    };
    let mut warnings = Vec::new();
    if credentials.access_key_id.starts_with("AKIA") {
        warnings.push(CredentialWarning::LongTermKeys);
    }
    match credentials.seconds_left(now) {
        None if credentials.is_temporary() => warnings.push(CredentialWarning::NoExpiration),
        Some(seconds_left) if seconds_left < EXPIRES_SOON_SECS => {
            warnings.push(CredentialWarning::ExpiresSoon { seconds_left });
        }
        Some(seconds_left) if seconds_left > LONGEST_STS_SECS + CLOCK_SKEW_SECS => {
            warnings.push(CredentialWarning::ExpiresTooFarAhead { seconds_left });
        }
        _ => {}
    }
    warnings.extend(raw.warnings);
    Ok(ParsedCredentials {
        credentials,
        format,
        region: raw.region,
        profile: raw.profile,
        warnings,
    })
}

/// CRLF and lone CR become LF; invisible characters picked up from web pages
/// are dropped, since they can never be part of a credential.
fn normalize(text: &str) -> String {
    text.replace("\r\n", "\n")
        .replace('\r', "\n")
        .chars()
        .filter(|c| {
            !matches!(
                c,
                '\u{feff}' | '\u{200b}' | '\u{200c}' | '\u{200d}' | '\u{2060}'
            )
        })
        .collect()
}

/// Nothing credential-like: say what it is instead, if we can tell.
fn nothing_found(text: &str) -> CredentialsError {
    let lower = text.to_ascii_lowercase();
    if let Some(access_portal) = sign_in_link(&lower) {
        return CredentialsError::ConsoleSignInUrl { access_portal };
    }
    if text
        .split(|c: char| !c.is_ascii_alphanumeric())
        .any(looks_like_key_id)
    {
        return CredentialsError::UnlabelledKeys;
    }
    CredentialsError::Unrecognised
}

/// `Some(true)` for an IAM Identity Center access portal link, `Some(false)`
/// for a console or federation sign-in link. `lower` is lower-cased already.
fn sign_in_link(lower: &str) -> Option<bool> {
    const CONSOLE_HOSTS: &[&str] = &[
        "signin.aws.amazon.com",
        "console.aws.amazon.com",
        "signin.amazonaws-us-gov.com",
        "console.amazonaws-us-gov.com",
        "signin.amazonaws.cn",
        "console.amazonaws.cn",
    ];
    if lower.contains(".awsapps.com") || (lower.contains(".portal.") && lower.contains(".app.aws"))
    {
        Some(true)
    } else if CONSOLE_HOSTS.iter().any(|host| lower.contains(host)) {
        Some(false)
    } else {
        None
    }
}

// ---------------------------------------------------------------------------
// JSON: `aws configure export-credentials` and `aws sts …` output
// ---------------------------------------------------------------------------

/// Reads the first JSON object in the paste, if a line starts with `{`.
/// `Ok(None)` when there is none, or it holds no credentials, or it is broken
/// but not clearly meant as JSON (then the line formats get their turn).
fn read_json(text: &str) -> Result<Option<Raw>, CredentialsError> {
    let mut offset = 0;
    let mut start = None;
    for (index, line) in text.split('\n').enumerate() {
        if line.trim_start().starts_with('{') {
            start = Some((index, offset));
            break;
        }
        offset += line.len() + 1;
    }
    let Some((line_index, offset)) = start else {
        return Ok(None);
    };
    // Starting at a line start keeps serde_json's columns right.
    let json = &text[offset..];
    match first_json_value(json) {
        Ok(value) => Ok(json_raw(&value)),
        Err(error) => {
            if let Some(value) = join_wrapped_json(json).and_then(|j| first_json_value(&j).ok()) {
                return Ok(json_raw(&value));
            }
            let clearly_json = text[..offset].trim().is_empty()
                || text.to_ascii_lowercase().contains("\"accesskeyid\"");
            if !clearly_json {
                return Ok(None);
            }
            let (line, column) = error_position(json, error.line(), error.column());
            Err(CredentialsError::InvalidJson {
                line: line + line_index,
                column,
                message: json_error_message(&error),
            })
        }
    }
}

/// serde_json puts an error on a line break at "column 0" of the next line;
/// a learner looks for it at the end of the line it breaks.
fn error_position(json: &str, line: usize, column: usize) -> (usize, usize) {
    match (
        column,
        line.checked_sub(2).and_then(|i| json.split('\n').nth(i)),
    ) {
        (0, Some(previous)) => (line - 1, previous.chars().count() + 1),
        _ => (line, column),
    }
}

/// The first JSON value; whatever follows it (a shell prompt, chatter) is ignored.
fn first_json_value(json: &str) -> Result<Value, serde_json::Error> {
    serde_json::Deserializer::from_str(json)
        .into_iter::<Value>()
        .next()
        .unwrap_or(Ok(Value::Null))
}

/// serde_json's message without its " at line L column C" tail (reported
/// separately), in learner words where the usual one is cryptic.
fn json_error_message(error: &serde_json::Error) -> String {
    if error.is_eof() {
        return "it ends before the JSON is complete, so part of it is missing".to_owned();
    }
    let text = error.to_string();
    let text = match text.rfind(" at line ") {
        Some(end) => &text[..end],
        None => text.as_str(),
    };
    if text.starts_with("control character") {
        "a value is broken over several lines".to_owned()
    } else {
        text.to_owned()
    }
}

/// Joins JSON strings broken by raw line breaks, as a wrapped terminal copy
/// leaves them: the break and the indentation around it go, but only between
/// base64 characters (or before the closing quote). `None` when there was
/// nothing to join or a break sits somewhere else.
fn join_wrapped_json(json: &str) -> Option<String> {
    let mut out = String::with_capacity(json.len());
    let (mut in_string, mut escaped, mut joined) = (false, false, false);
    let mut chars = json.chars().peekable();
    while let Some(c) = chars.next() {
        if in_string && c == '\n' {
            let kept = out.trim_end_matches([' ', '\t']).len();
            out.truncate(kept);
            if !out.chars().last().is_some_and(is_token_char) {
                return None;
            }
            while chars.next_if(|c| *c == ' ' || *c == '\t').is_some() {}
            if !chars.peek().is_some_and(|c| is_token_char(*c) || *c == '"') {
                return None;
            }
            joined = true;
            continue;
        }
        if in_string {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_string = false;
            }
        } else if c == '"' {
            in_string = true;
        }
        out.push(c);
    }
    joined.then_some(out)
}

/// Credentials from a parsed JSON object: the `Credentials` member of
/// `aws sts` output, or the top level of `export-credentials` output.
fn json_raw(value: &Value) -> Option<Raw> {
    let object = value.as_object()?;
    let (format, fields) = match get_ignoring_case(object, "Credentials").and_then(Value::as_object)
    {
        Some(inner) => (PasteFormat::StsJson, inner),
        None => (PasteFormat::ExportCredentialsJson, object),
    };
    let access_key_id = json_value(fields, "AccessKeyId");
    let secret_access_key = json_value(fields, "SecretAccessKey");
    let session_token = json_value(fields, "SessionToken");
    if access_key_id.is_none() && secret_access_key.is_none() && session_token.is_none() {
        return None;
    }
    Some(Raw {
        format,
        profile: None,
        access_key_id,
        secret_access_key,
        session_token,
        region: None,
        expiration: json_value(fields, "Expiration").map(|v| v.text),
        warnings: Vec::new(),
    })
}

fn get_ignoring_case<'a>(object: &'a Map<String, Value>, key: &str) -> Option<&'a Value> {
    object
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(key))
        .map(|(_, v)| v)
}

/// A member as text: `null` and `""` count as absent; a number or other
/// non-string keeps its JSON text, so the checks can refuse it by name.
fn json_value(object: &Map<String, Value>, key: &str) -> Option<Val> {
    // Other types are named, not printed (whole numbers aside, such as an
    // epoch expiry): printing JSON would add a serializer and float
    // formatting to the wasm bundle for one message.
    let found = match get_ignoring_case(object, key)? {
        Value::Null => return None,
        Value::String(s) => {
            let text = s.trim().to_owned();
            return (!text.is_empty()).then_some(Val {
                text,
                broken: false,
                not_text: None,
            });
        }
        Value::Bool(_) => "true or false",
        Value::Number(_) => "a number",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    };
    let whole = get_ignoring_case(object, key).and_then(Value::as_i64);
    Some(Val {
        text: whole.map(|n| n.to_string()).unwrap_or_default(),
        broken: false,
        not_text: Some(found),
    })
}

// ---------------------------------------------------------------------------
// Line formats: shell, fish, PowerShell, cmd, credentials/config files
// ---------------------------------------------------------------------------

/// One `NAME=value` found in the paste.
struct Assignment {
    name: &'static Name,
    format: PasteFormat,
    value: Val,
}

/// A `[profile]` block; blocks with the same name are merged, so a pasted
/// credentials file and config file combine.
struct Profile {
    name: Option<String>,
    assignments: Vec<Assignment>,
}

impl Profile {
    fn has(&self, field: Field) -> bool {
        self.assignments
            .iter()
            .any(|a| a.name.field == field && !a.value.text.is_empty())
    }

    fn has_key_material(&self) -> bool {
        self.assignments
            .iter()
            .any(|a| a.name.field.is_key_material())
    }

    fn display_name(&self) -> String {
        self.name.clone().unwrap_or_else(|| "(unnamed)".to_owned())
    }
}

/// Everything the line formats found.
#[derive(Default)]
struct Lines {
    /// Environment variables (shell, fish, PowerShell, cmd): one set.
    env: Vec<Assignment>,
    profiles: Vec<Profile>,
    /// Where each profile name is in `profiles`, so that a paste of
    /// thousands of headers is read in linear time.
    profile_at: HashMap<Option<String>, usize>,
}

/// The section the current line is in.
#[derive(Clone, Copy)]
enum Section {
    /// Before any `[header]`.
    None,
    Profile(usize),
    /// `[sso-session x]`, `[services x]`: config blocks that aren't profiles.
    Ignored,
}

/// Where a statement's value goes.
enum Dest {
    Env(PasteFormat),
    Profile(usize),
    /// Profile keys before any `[header]`.
    UnnamedProfile,
}

impl Lines {
    fn profile_index(&mut self, name: Option<String>) -> usize {
        if let Some(index) = self.profile_at.get(&name) {
            return *index;
        }
        let index = self.profiles.len();
        self.profile_at.insert(name.clone(), index);
        self.profiles.push(Profile {
            name,
            assignments: Vec::new(),
        });
        index
    }

    /// Picks the set to use: environment variables when any key material was
    /// set that way, else the first complete profile.
    fn into_raw(self) -> Result<Option<Raw>, CredentialsError> {
        let Lines { env, profiles, .. } = self;
        if !env.iter().any(|a| a.name.field.is_key_material()) {
            if let Some(raw) = profile_raw(&profiles, &env)? {
                return Ok(Some(raw));
            }
        }
        let Some(first) = env.first() else {
            return Ok(None);
        };
        // Named after the line that gave the key, when the paste mixes shells.
        let format = env
            .iter()
            .find(|a| a.name.field == Field::AccessKeyId)
            .unwrap_or(first)
            .format;
        raw_from(&env, format, None).map(Some)
    }
}

/// The first complete profile (both keys), else the first with any key
/// material (so the learner hears what is missing), else any with content.
/// Only other profiles holding key material count for `SeveralProfiles`.
fn profile_raw(profiles: &[Profile], env: &[Assignment]) -> Result<Option<Raw>, CredentialsError> {
    let with_keys: Vec<&Profile> = profiles.iter().filter(|p| p.has_key_material()).collect();
    let chosen = with_keys
        .iter()
        .find(|p| p.has(Field::AccessKeyId) && p.has(Field::SecretAccessKey))
        .or(with_keys.first())
        .copied()
        .or_else(|| profiles.iter().find(|p| !p.assignments.is_empty()));
    let Some(chosen) = chosen else {
        return Ok(None);
    };
    let mut raw = raw_from(
        &chosen.assignments,
        PasteFormat::CredentialsFile,
        Some(&chosen.display_name()),
    )?;
    raw.profile = chosen.name.clone();
    if raw.region.is_none() {
        raw.region = merge(env, Field::Region, None)?.map(|v| v.text);
    }
    let others: Vec<String> = with_keys
        .iter()
        .filter(|p| !std::ptr::eq(**p, chosen))
        .map(|p| excerpt(&p.display_name()))
        .collect();
    if !others.is_empty() {
        raw.warnings.push(CredentialWarning::SeveralProfiles {
            used: excerpt(&chosen.display_name()),
            others,
        });
    }
    Ok(Some(raw))
}

fn raw_from(
    assignments: &[Assignment],
    format: PasteFormat,
    profile: Option<&str>,
) -> Result<Raw, CredentialsError> {
    Ok(Raw {
        format,
        profile: None,
        access_key_id: merge(assignments, Field::AccessKeyId, profile)?,
        secret_access_key: merge(assignments, Field::SecretAccessKey, profile)?,
        session_token: merge(assignments, Field::SessionToken, profile)?,
        region: merge(assignments, Field::Region, profile)?.map(|v| v.text),
        expiration: merge(assignments, Field::Expiration, profile)?.map(|v| v.text),
        warnings: Vec::new(),
    })
}

/// The value of `field`: the best-ranked name wins; the same name twice is
/// fine if the values agree (the same block pasted twice, or two shells' tabs
/// of one portal), a conflict if not. Empty values count as absent.
fn merge(
    assignments: &[Assignment],
    field: Field,
    profile: Option<&str>,
) -> Result<Option<Val>, CredentialsError> {
    let set: Vec<&Assignment> = assignments
        .iter()
        .filter(|a| a.name.field == field && !a.value.text.is_empty())
        .collect();
    let Some(rank) = set.iter().map(|a| a.name.rank).min() else {
        return Ok(None);
    };
    let mut winners = set.into_iter().filter(|a| a.name.rank == rank);
    let Some(first) = winners.next() else {
        return Ok(None);
    };
    if winners.any(|a| a.value.text != first.value.text) {
        let name = match profile {
            Some(profile) => format!("{} in profile [{}]", first.name.text, excerpt(profile)),
            None => first.name.text.to_owned(),
        };
        return Err(CredentialsError::Conflicting { name });
    }
    Ok(Some(first.value.clone()))
}

fn read_lines(text: &str) -> Lines {
    let lines: Vec<&str> = text.split('\n').collect();
    let mut out = Lines::default();
    let mut section = Section::None;
    let mut next = 0;
    while let Some(line) = lines.get(next) {
        let line = line.trim();
        next += 1;
        if line.is_empty() || is_comment(line) {
            continue;
        }
        if let Some(header) = section_header(line) {
            section = match header {
                Some(name) => Section::Profile(out.profile_index(Some(name))),
                None => Section::Ignored,
            };
            continue;
        }
        for start in statement_starts(line) {
            if read_statements(start, &lines, &mut next, section, &mut out) {
                break;
            }
        }
    }
    out
}

/// `#` and `;` (shell, config files), `REM` and `::` (cmd), `//`.
fn is_comment(line: &str) -> bool {
    line.starts_with(['#', ';'])
        || line.starts_with("//")
        || line.starts_with("::")
        || line.eq_ignore_ascii_case("rem")
        || strip_keyword(line, "rem").is_some()
}

/// `Some(Some(name))` for `[name]` and `[profile name]`, `Some(None)` for
/// config blocks that are not profiles.
fn section_header(line: &str) -> Option<Option<String>> {
    let inner = line.strip_prefix('[')?.strip_suffix(']')?.trim();
    if let Some(name) = strip_keyword(inner, "profile") {
        return Some(Some(name.to_owned()));
    }
    if strip_keyword(inner, "sso-session").is_some() || strip_keyword(inner, "services").is_some() {
        return Some(None);
    }
    Some(Some(inner.to_owned()))
}

/// Where a statement may start: the line itself, then after each prompt
/// (`$ `, `% `, `# `, `>`, `❯`), so `user@host:~$ export …`,
/// `PS C:\> $Env:…` and `C:\Users\me>set …` are read too.
fn statement_starts(line: &str) -> impl Iterator<Item = &str> {
    let after_prompts = line.char_indices().filter_map(move |(i, c)| {
        let after = &line[i + c.len_utf8()..];
        let is_prompt = match c {
            '>' | '❯' => true,
            '$' | '%' | '#' => after.starts_with(char::is_whitespace),
            _ => false,
        };
        is_prompt.then(|| after.trim_start())
    });
    std::iter::once(line).chain(after_prompts.take(MAX_PROMPTS_PER_LINE))
}

/// How a statement was written.
enum Kind {
    Env(PasteFormat),
    /// `NAME=value` without a keyword: a shell variable or a profile key.
    Bare,
}

/// The part of a statement before its value.
struct Head<'a> {
    kind: Kind,
    name: &'a str,
    /// From the first character of the value to the end of the line.
    value: &'a str,
    /// cmd's `set "NAME=value"`: the quote that ends the value.
    closing: Option<char>,
}

/// Reads the statements on one line (`a; b`, `a && b`, `a & b` chain them)
/// into `out`. False when the line does not start with a known one.
fn read_statements<'a>(
    mut s: &'a str,
    lines: &[&'a str],
    next: &mut usize,
    section: Section,
    out: &mut Lines,
) -> bool {
    let mut found = false;
    while let Some(head) = statement_head(s) {
        let dest = destination(&head, section);
        let (text, rest, quoted) = read_value(&head, lines, next, dest.is_some());
        if let Some((dest, name)) = dest {
            let mut value = Val {
                text: text.into_owned(),
                broken: false,
                not_text: None,
            };
            let ran_to_line_end = rest.trim().is_empty() && !quoted;
            if ran_to_line_end && matches!(name.field, Field::SecretAccessKey | Field::SessionToken)
            {
                // The rest of a wrapped value: consume it so it isn't read as
                // anything else, and have the value reported as split.
                while lines
                    .get(*next)
                    .is_some_and(|line| looks_like_fragment(line.trim()))
                {
                    value.broken = true;
                    *next += 1;
                }
            }
            let (format, target) = match dest {
                Dest::Env(format) => (format, None),
                Dest::Profile(index) => (PasteFormat::CredentialsFile, Some(index)),
                Dest::UnnamedProfile => {
                    (PasteFormat::CredentialsFile, Some(out.profile_index(None)))
                }
            };
            let assignment = Assignment {
                name,
                format,
                value,
            };
            match target.and_then(|index| out.profiles.get_mut(index)) {
                Some(profile) => profile.assignments.push(assignment),
                None => out.env.push(assignment),
            }
            found = true;
        }
        match chained(rest) {
            Some(rest) => s = rest,
            None => break,
        }
    }
    found
}

/// Recognises `$Env:NAME = value`, `set [-gx] NAME value`, `set NAME=value`,
/// `set "NAME=value"`, `export NAME=value` and `NAME=value`.
fn statement_head(s: &str) -> Option<Head<'_>> {
    let env = env_head;
    if let Some(rest) = strip_prefix_ignoring_case(s, "$env:") {
        let (name, rest) = split_name(rest)?;
        let value = rest.trim_start().strip_prefix('=')?;
        return Some(env(PasteFormat::PowerShell, name, value));
    }
    if let Some(rest) = strip_keyword(s, "set") {
        return set_head(rest);
    }
    if let Some(rest) = strip_keyword(s, "export") {
        let (name, rest) = split_name(rest)?;
        let value = rest.trim_start().strip_prefix('=')?;
        return Some(env(PasteFormat::ShellExport, name, value));
    }
    let (name, rest) = split_name(s)?;
    let value = rest.trim_start().strip_prefix('=')?;
    Some(Head {
        kind: Kind::Bare,
        name,
        value: value.trim_start(),
        closing: None,
    })
}

fn env_head<'a>(format: PasteFormat, name: &'a str, value: &'a str) -> Head<'a> {
    Head {
        kind: Kind::Env(format),
        name,
        value: value.trim_start(),
        closing: None,
    }
}

/// After `set `: fish (`set -gx NAME value`, `set NAME value`) or cmd
/// (`set NAME=value`, `set "NAME=value"`).
fn set_head(rest: &str) -> Option<Head<'_>> {
    let head = env_head;
    if rest.starts_with('-') {
        let mut rest = rest;
        while rest.starts_with('-') {
            let end = rest.find(char::is_whitespace)?;
            rest = rest[end..].trim_start();
        }
        let (name, value) = split_name(rest)?;
        return value
            .starts_with(char::is_whitespace)
            .then(|| head(PasteFormat::Fish, name, value));
    }
    if let Some(inner) = rest.strip_prefix('"') {
        let (name, value) = split_name(inner)?;
        return Some(Head {
            kind: Kind::Env(PasteFormat::Cmd),
            name,
            value: value.strip_prefix('=')?,
            closing: Some('"'),
        });
    }
    let (name, after) = split_name(rest)?;
    if let Some(value) = after.trim_start().strip_prefix('=') {
        Some(head(PasteFormat::Cmd, name, value))
    } else if after.starts_with(char::is_whitespace) {
        Some(head(PasteFormat::Fish, name, after))
    } else {
        None
    }
}

/// Which field a statement sets, if any. A bare `NAME=value` is a profile key
/// inside a `[section]`, and also before any section when written in lower
/// case (`aws_access_key_id=…`, a profile pasted without its header);
/// otherwise it is a shell variable.
fn destination(head: &Head<'_>, section: Section) -> Option<(Dest, &'static Name)> {
    match head.kind {
        Kind::Env(format) => lookup(ENV_NAMES, head.name).map(|n| (Dest::Env(format), n)),
        Kind::Bare => match (section, lookup(PROFILE_KEYS, head.name)) {
            (Section::Profile(index), Some(name)) => Some((Dest::Profile(index), name)),
            (Section::Ignored, Some(_)) => None,
            (Section::None, Some(name)) if head.name.bytes().any(|b| b.is_ascii_lowercase()) => {
                Some((Dest::UnnamedProfile, name))
            }
            _ => lookup(ENV_NAMES, head.name).map(|n| (Dest::Env(PasteFormat::ShellExport), n)),
        },
    }
}

/// Reads a value: quoted (single, double or typographic quotes, possibly
/// wrapped over lines when `may_join`), or unquoted up to `;`, `&` or a
/// ` #` comment. Returns the value, what follows it on its line, and whether
/// it was quoted. Borrowed unless joined, so that a statement whose value is
/// not kept costs no copy.
fn read_value<'a>(
    head: &Head<'a>,
    lines: &[&'a str],
    next: &mut usize,
    may_join: bool,
) -> (Cow<'a, str>, &'a str, bool) {
    let src = head.value;
    if let Some(close) = head.closing {
        return match src.find(close) {
            Some(end) => (
                Cow::Borrowed(src[..end].trim()),
                &src[end + close.len_utf8()..],
                true,
            ),
            None => (Cow::Borrowed(src.trim()), "", true),
        };
    }
    if let Some((open, close)) = src
        .chars()
        .next()
        .and_then(|c| Some((c, closing_quote(c)?)))
    {
        let inner = &src[open.len_utf8()..];
        if let Some(end) = inner.find(close) {
            return (
                Cow::Borrowed(inner[..end].trim()),
                &inner[end + close.len_utf8()..],
                true,
            );
        }
        if may_join {
            if let Some((joined, rest)) = join_wrapped(inner, close, lines, next) {
                return (Cow::Owned(joined), rest, true);
            }
        }
        // Never closed: take the rest of the line and let the checks judge it.
        return (Cow::Borrowed(inner.trim()), "", true);
    }
    let end = unquoted_end(src);
    (Cow::Borrowed(src[..end].trim_end()), &src[end..], false)
}

fn closing_quote(open: char) -> Option<char> {
    match open {
        '"' | '\'' => Some(open),
        '“' | '”' => Some('”'),
        '‘' | '’' => Some('’'),
        _ => None,
    }
}

fn is_quote(c: char) -> bool {
    matches!(c, '"' | '\'' | '`' | '“' | '”' | '‘' | '’')
}

/// Joins a quoted value whose closing quote is on a later line, when every
/// piece in between is base64 (a wrapped terminal copy). Advances `next`
/// past the lines used.
fn join_wrapped<'a>(
    first: &'a str,
    close: char,
    lines: &[&'a str],
    next: &mut usize,
) -> Option<(String, &'a str)> {
    let first = first.trim();
    if first.is_empty() || !first.chars().all(is_token_char) {
        return None;
    }
    let mut joined = first.to_owned();
    for (offset, line) in lines.iter().skip(*next).take(MAX_WRAPPED_LINES).enumerate() {
        let line = line.trim();
        let (part, rest) = match line.find(close) {
            Some(end) => (&line[..end], Some(&line[end + close.len_utf8()..])),
            None => (line, None),
        };
        if (part.is_empty() && rest.is_none()) || !part.chars().all(is_token_char) {
            return None;
        }
        joined.push_str(part);
        if let Some(rest) = rest {
            *next += offset + 1;
            return Some((joined, rest));
        }
    }
    None
}

/// A line that is plausibly the wrapped rest of a base64 value: not a short
/// word such as `EOF` or `done`, and not `key=value` (base64 has `=` only as
/// trailing padding), such as a config file's `output=json`.
fn looks_like_fragment(line: &str) -> bool {
    !line.is_empty()
        && line.chars().all(is_token_char)
        && !line.trim_end_matches('=').contains('=')
        && (line.len() >= 8
            || line
                .chars()
                .any(|c| c.is_ascii_digit() || "/+=".contains(c)))
}

/// Where an unquoted value ends: at `;` or `&` (the next statement) or at a
/// `#` after whitespace (a comment). Spaces inside are kept, so a garbled
/// value is reported rather than silently cut.
fn unquoted_end(s: &str) -> usize {
    let mut after_space = false;
    for (i, c) in s.char_indices() {
        if c == ';' || c == '&' || (c == '#' && after_space) {
            return i;
        }
        after_space = c.is_whitespace();
    }
    s.len()
}

/// The next statement on the line, after `;`, `&&` or `&`.
fn chained(rest: &str) -> Option<&str> {
    let rest = rest.trim_start();
    let rest = rest
        .strip_prefix("&&")
        .or_else(|| rest.strip_prefix(['&', ';']))?;
    Some(rest.trim_start())
}

/// An identifier at the start of `s`, and what follows it.
fn split_name(s: &str) -> Option<(&str, &str)> {
    let end = s
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(s.len());
    (end > 0).then(|| s.split_at(end))
}

/// `s` without a leading `keyword` (any case) and the whitespace after it.
fn strip_keyword<'a>(s: &'a str, keyword: &str) -> Option<&'a str> {
    let rest = strip_prefix_ignoring_case(s, keyword)?;
    rest.starts_with(char::is_whitespace)
        .then(|| rest.trim_start())
}

fn strip_prefix_ignoring_case<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    let head = s.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &s[prefix.len()..])
}

// ---------------------------------------------------------------------------
// Checks
// ---------------------------------------------------------------------------

fn is_token_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '/' | '+' | '=')
}

/// Problems any of the three values can have, from the most telling.
fn shape_problem(value: &Val) -> Option<ValueProblem> {
    let text = value.text.as_str();
    if let Some(found) = value.not_text {
        Some(ValueProblem::NotText { found })
    } else if text.contains('…') || text.contains("...") {
        Some(ValueProblem::Shortened)
    } else if value.broken || text.contains('\n') {
        Some(ValueProblem::LineBreak)
    } else if text.chars().any(char::is_whitespace) {
        Some(ValueProblem::Space)
    } else if text.chars().any(is_quote) {
        Some(ValueProblem::Quote)
    } else {
        None
    }
}

/// 16–128 capital letters and digits, starting with `AKIA` or `ASIA`.
fn access_key_problem(value: &Val) -> Option<ValueProblem> {
    if let Some(problem) = shape_problem(value) {
        return Some(problem);
    }
    let text = value.text.as_str();
    if looks_like_secret(text) {
        return Some(ValueProblem::LooksLikeSecretKey);
    }
    if text.bytes().any(|b| b.is_ascii_lowercase()) {
        return Some(ValueProblem::LowerCase);
    }
    if let Some(c) = text
        .chars()
        .find(|c| !(c.is_ascii_uppercase() || c.is_ascii_digit()))
    {
        return Some(ValueProblem::BadCharacter(c));
    }
    // All ASCII from here on, so byte lengths and slices are character ones.
    let len = text.len();
    if len >= 4 && !text.starts_with("AKIA") && !text.starts_with("ASIA") {
        return Some(ValueProblem::WrongPrefix {
            prefix: text[..4].to_owned(),
        });
    }
    if len < KEY_ID_MIN_LEN {
        Some(ValueProblem::TooShort { len })
    } else if len > KEY_ID_MAX_LEN {
        Some(ValueProblem::TooLong { len })
    } else {
        None
    }
}

/// Exactly 40 of `A–Z a–z 0–9 / +`.
fn secret_problem(value: &Val) -> Option<ValueProblem> {
    if let Some(problem) = shape_problem(value) {
        return Some(problem);
    }
    let text = value.text.as_str();
    if let Some(c) = text
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '/' | '+')))
    {
        return Some(ValueProblem::BadCharacter(c));
    }
    if looks_like_key_id(text) {
        return Some(ValueProblem::LooksLikeAccessKeyId);
    }
    let len = text.len();
    match len.cmp(&SECRET_LEN) {
        std::cmp::Ordering::Less => Some(ValueProblem::TooShort { len }),
        std::cmp::Ordering::Greater => Some(ValueProblem::TooLong { len }),
        std::cmp::Ordering::Equal => None,
    }
}

/// Base64, at least [`MIN_TOKEN_LEN`] long; no upper bound, since STS tokens
/// grow with session tags and policies.
fn token_problem(value: &Val) -> Option<ValueProblem> {
    if let Some(problem) = shape_problem(value) {
        return Some(problem);
    }
    let text = value.text.as_str();
    if let Some(c) = text.chars().find(|c| !is_token_char(*c)) {
        return Some(ValueProblem::BadCharacter(c));
    }
    (text.len() < MIN_TOKEN_LEN).then_some(ValueProblem::TooShort { len: text.len() })
}

fn looks_like_key_id(text: &str) -> bool {
    text.len() == 20
        && (text.starts_with("AKIA") || text.starts_with("ASIA"))
        && text
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
}

fn looks_like_secret(text: &str) -> bool {
    text.len() == SECRET_LEN
        && text.bytes().any(|b| b.is_ascii_lowercase())
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'/' | b'+'))
}

/// [`mask`] for a refused access key ID, unless the value might be a secret
/// or token pasted in the wrong place, or holds an invisible character (a
/// control or bidi character would be copied into the message): then
/// nothing of it is shown.
fn mask_key_id(text: &str) -> String {
    if text.chars().count() > 32
        || text.contains(['/', '+', '='])
        || text.chars().any(is_invisible)
        || looks_like_secret(text)
    {
        HIDDEN.to_owned()
    } else {
        mask(text)
    }
}

/// What other AWS unique-ID prefixes identify (from the IAM user guide).
fn id_kind(prefix: &str, lang: Lang) -> Option<&'static str> {
    Some(match prefix {
        "AIDA" => word!(lang, setup.id_iam_user),
        "AROA" => word!(lang, setup.id_iam_role),
        "AGPA" => word!(lang, setup.id_iam_group),
        "AIPA" => word!(lang, setup.id_instance_profile),
        "ANPA" => word!(lang, setup.id_managed_policy),
        "ANVA" => word!(lang, setup.id_managed_policy_version),
        "APKA" => word!(lang, setup.id_public_key),
        "ASCA" => word!(lang, setup.id_certificate),
        "ABIA" => word!(lang, setup.id_bearer_token),
        "ACCA" => word!(lang, setup.id_context_credential),
        _ => return None,
    })
}

/// `us-east-1`, `ap-southeast-1`, `us-gov-west-1`, `cn-north-1`,
/// `eusc-de-east-1`: a 2–4 letter partition/area, one or more lower-case
/// words, and a number.
fn is_valid_region(region: &str) -> bool {
    let parts: Vec<&str> = region.split('-').collect();
    let Some((number, words)) = parts.split_last() else {
        return false;
    };
    parts.len() >= 3
        && (1..=2).contains(&number.len())
        && number.bytes().all(|b| b.is_ascii_digit())
        && words.first().is_some_and(|w| (2..=4).contains(&w.len()))
        && words
            .iter()
            .all(|w| !w.is_empty() && w.bytes().all(|b| b.is_ascii_lowercase()))
}

fn region_message(value: &str, lang: Lang) -> String {
    let lower = value.to_ascii_lowercase();
    if lower != value && is_valid_region(&lower) {
        return word!(lang, setup.error_region_lower_case)(&lower, value);
    }
    if let Some(region) = value
        .strip_suffix(|c: char| c.is_ascii_lowercase())
        .filter(|r| is_valid_region(r))
    {
        return word!(lang, setup.error_region_availability_zone)(value, region);
    }
    word!(lang, setup.error_region_unknown)(value)
}

/// RFC 3339 with any offset; a space instead of the `T` is accepted too
/// (RFC 3339 section 5.6 allows it, and Python's `str(datetime)` prints it).
fn parse_expiration(value: &str) -> Result<i64, CredentialsError> {
    let value = value.trim();
    let normalized: Cow<'_, str> = match value.as_bytes().get(10) {
        Some(b' ') => Cow::Owned(format!("{}T{}", &value[..10], &value[11..])),
        _ => Cow::Borrowed(value),
    };
    DateTime::from_str(&normalized, Format::DateTimeWithOffset)
        .map(|at| at.secs())
        .map_err(|_| CredentialsError::InvalidExpiration {
            value: excerpt(value),
        })
}

/// `[a]`, `[a] and [b]`, `[a], [b] and [c]`; past [`MAX_PROFILES_LISTED`]
/// names, `[a], [b], [c] and 7 more`.
fn profile_list(names: &[String], lang: Lang) -> String {
    let mut shown: Vec<String> = names
        .iter()
        .take(MAX_PROFILES_LISTED)
        .map(|n| format!("[{n}]"))
        .collect();
    if names.len() > MAX_PROFILES_LISTED {
        shown.push(word!(lang, setup.list_more)(
            names.len() - MAX_PROFILES_LISTED,
        ));
    }
    match shown.split_last() {
        None => String::new(),
        Some((last, [])) => last.clone(),
        Some((last, rest)) => word!(lang, setup.list_and)(&rest.join(", "), last),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // AWS's documented example values; the token is built to look real.
    const KEY: &str = "ASIAIOSFODNN7EXAMPLE";
    const LONG_TERM_KEY: &str = "AKIAIOSFODNN7EXAMPLE";
    const SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
    const TOKEN: &str = concat!(
        "IQoJb3JpZ2luX2VjEJr//////////wEaCXVzLWVhc3QtMSJHMEUCIQDb5tSBVNZ8mHqiH1EXAMPLE",
        "K7MDENGbPxRfiCYzJhqVdGbYQIgW3BsbWVfdG9rZW5fZm9yX3Rlc3RzX29ubHkK7MDENGbPxRfiCY",
        "EXAMPLEKEYKqkCCBMQABoMMTIzNDU2Nzg5MDEyIgyTbMv0r5Yq7mDENGbPxRfiCYEXAMPLEtoken+",
        "0VzLWVhc3QtMS1leGFtcGxlLXNlc3Npb24tdG9rZW4tZm9yLWxhYm1hdGUtdGVzdHMK7MDENGbPxR",
        "fiCYEXAMPLEKEYwJalrXUtnFEMIK7MDENGbPxRfiCYEXAMPLEKEY/K7MDENGbPxRfiCYzEXAMPLE="
    );
    /// 2026-11-23T18:04:40Z.
    const NOW: i64 = 1_795_457_080;
    /// 2026-11-23T20:04:40Z, two hours after `NOW`.
    const EXPIRES: i64 = 1_795_464_280;

    /// Fills `<KEY>`, `<AKIA>`, `<SECRET>` and `<TOKEN>` in a paste.
    fn paste(template: &str) -> String {
        template
            .replace("<KEY>", KEY)
            .replace("<AKIA>", LONG_TERM_KEY)
            .replace("<SECRET>", SECRET)
            .replace("<TOKEN>", TOKEN)
    }

    fn parse_at(template: &str, now: i64) -> ParsedCredentials {
        let text = paste(template);
        parse_credentials(&text, now).unwrap_or_else(|e| panic!("{e}\n--- paste:\n{text}"))
    }

    fn parse(template: &str) -> ParsedCredentials {
        parse_at(template, NOW)
    }

    fn fail_at(template: &str, now: i64) -> CredentialsError {
        match parse_credentials(&paste(template), now) {
            Ok(parsed) => panic!("expected an error, parsed {parsed:?}"),
            Err(error) => error,
        }
    }

    fn fail(template: &str) -> CredentialsError {
        fail_at(template, NOW)
    }

    fn temporary(expiration: Option<i64>) -> Credentials {
        Credentials {
            access_key_id: KEY.into(),
            secret_access_key: SECRET.into(),
            session_token: Some(TOKEN.into()),
            expiration,
        }
    }

    fn parsed(
        credentials: Credentials,
        format: PasteFormat,
        region: Option<&str>,
        profile: Option<&str>,
        warnings: Vec<CredentialWarning>,
    ) -> ParsedCredentials {
        ParsedCredentials {
            credentials,
            format,
            region: region.map(str::to_owned),
            profile: profile.map(str::to_owned),
            warnings,
        }
    }

    fn invalid_key(value_masked: &str, reason: ValueProblem) -> CredentialsError {
        CredentialsError::InvalidAccessKeyId {
            value_masked: value_masked.into(),
            reason,
        }
    }

    #[test]
    fn token_fixture_is_realistic() {
        assert!(TOKEN.len() > 300, "{}", TOKEN.len());
        assert!(TOKEN.chars().all(is_token_char));
    }

    // --- bash/zsh -----------------------------------------------------------

    #[test]
    fn export_credentials_format_env_output() {
        let p = parse(
            "export AWS_ACCESS_KEY_ID=<KEY>\n\
             export AWS_SECRET_ACCESS_KEY=<SECRET>\n\
             export AWS_SESSION_TOKEN=<TOKEN>\n\
             export AWS_CREDENTIAL_EXPIRATION=2026-11-23T20:04:40+00:00\n",
        );
        assert_eq!(
            p,
            parsed(
                temporary(Some(EXPIRES)),
                PasteFormat::ShellExport,
                None,
                None,
                vec![]
            )
        );
    }

    #[test]
    fn env_no_export_lines_with_both_region_variables() {
        let p = parse(
            "AWS_ACCESS_KEY_ID=<KEY>\n\
             AWS_SECRET_ACCESS_KEY=<SECRET>\n\
             AWS_SESSION_TOKEN=<TOKEN>\n\
             AWS_DEFAULT_REGION=us-east-1\n\
             AWS_REGION=eu-west-1\n",
        );
        // The SDKs read AWS_REGION first.
        assert_eq!(
            p,
            parsed(
                temporary(None),
                PasteFormat::ShellExport,
                Some("eu-west-1"),
                None,
                vec![CredentialWarning::NoExpiration]
            )
        );
    }

    #[test]
    fn access_portal_bash_tab_with_chatter() {
        let p = parse(
            "Option 1: Set AWS environment variables\n\
             Learn more\n\
             export AWS_ACCESS_KEY_ID=\"<KEY>\"\n\
             export AWS_SECRET_ACCESS_KEY=\"<SECRET>\"\n\
             export AWS_SESSION_TOKEN=\"<TOKEN>\"\n\
             Option 2: Add a profile to your AWS credentials file\n",
        );
        assert_eq!(p.credentials, temporary(None));
        assert_eq!(p.format, PasteFormat::ShellExport);
        assert_eq!(p.warnings, vec![CredentialWarning::NoExpiration]);
    }

    #[test]
    fn single_quotes_prompts_comments_and_blank_lines() {
        let p = parse(
            "# temporary credentials for the lab\n\n\
             $ export AWS_ACCESS_KEY_ID='<KEY>'\n\
             user@host:~$ export AWS_SECRET_ACCESS_KEY='<SECRET>'   # keep it secret\n\
             \t\n\
             %   export AWS_SESSION_TOKEN='<TOKEN>'\n\
             ❯ export AWS_DEFAULT_REGION='ap-southeast-1'\n\
             $ \n",
        );
        assert_eq!(
            p,
            parsed(
                temporary(None),
                PasteFormat::ShellExport,
                Some("ap-southeast-1"),
                None,
                vec![CredentialWarning::NoExpiration]
            )
        );
    }

    #[test]
    fn legacy_security_token_variable() {
        let p = parse(
            "export AWS_ACCESS_KEY_ID=<KEY>\n\
             export AWS_SECRET_ACCESS_KEY=<SECRET>\n\
             export AWS_SECURITY_TOKEN=<TOKEN>\n",
        );
        assert_eq!(p.credentials, temporary(None));
    }

    #[test]
    fn session_token_wins_over_a_different_legacy_token() {
        let p = parse(
            "export AWS_SECURITY_TOKEN=AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQWLWsKWHGBuFqwAeMicRXmxfpSPfIeoIYRqTflfKD8YUuwthAx7mSEI/qkPpKPi/kMcGdQrmGdeehM4IC1NtBmUpp2wUE8phUZampKsburEDy0KPkyQDYwT7WZ0wq5VSXDvp75YU9HFvlRd8Tx6q6fE8YQcHNVXAkiY9q6d+xo0rKwT38xVqr7ZD0u0iPPkUL64lIZbqBAz+scqKmlzm8FDrypNC9Yjc8fPOLn9FX9KSYvKTr4rvx3iSIlTJabIQwj2ICCR/oLxBA==\n\
             export AWS_ACCESS_KEY_ID=<KEY>\n\
             export AWS_SECRET_ACCESS_KEY=<SECRET>\n\
             export AWS_SESSION_TOKEN=<TOKEN>\n",
        );
        assert_eq!(p.credentials.session_token.as_deref(), Some(TOKEN));
    }

    #[test]
    fn statements_chained_on_one_line() {
        let p = parse(
            "export AWS_ACCESS_KEY_ID=<KEY>; export AWS_SECRET_ACCESS_KEY=\"<SECRET>\" && export AWS_SESSION_TOKEN=<TOKEN>",
        );
        assert_eq!(p.credentials, temporary(None));
        let p = parse("set AWS_ACCESS_KEY_ID=<KEY> & set AWS_SECRET_ACCESS_KEY=<SECRET> & set AWS_SESSION_TOKEN=<TOKEN>");
        assert_eq!(p.credentials, temporary(None));
        assert_eq!(p.format, PasteFormat::Cmd);
    }

    #[test]
    fn other_variables_are_ignored() {
        let p = parse(
            "export PATH=/usr/local/bin:$PATH\n\
             export AWS_PROFILE=lab; export AWS_ACCESS_KEY_ID=<KEY>\n\
             unset AWS_SESSION_TOKEN\n\
             export AWS_SECRET_ACCESS_KEY=<SECRET>\n\
             export AWS_SESSION_TOKEN=<TOKEN>\n",
        );
        assert_eq!(p.credentials, temporary(None));
    }

    #[test]
    fn typographic_quotes_from_a_document() {
        let p = parse(
            "export AWS_ACCESS_KEY_ID=“<KEY>”\n\
             export AWS_SECRET_ACCESS_KEY=‘<SECRET>’\n\
             export AWS_SESSION_TOKEN=“<TOKEN>”\n",
        );
        assert_eq!(p.credentials, temporary(None));
    }

    #[test]
    fn invisible_characters_and_byte_order_mark_are_dropped() {
        let p = parse(
            "\u{feff}export AWS_ACCESS_KEY_ID=ASIA\u{200b}IOSFODNN7EXAMPLE\n\
             export AWS_SECRET_ACCESS_KEY=<SECRET>\u{200b}\n\
             export AWS_SESSION_TOKEN=<TOKEN>\n",
        );
        assert_eq!(p.credentials, temporary(None));
    }

    #[test]
    fn quoted_token_wrapped_over_lines_is_joined() {
        let text = format!(
            "export AWS_ACCESS_KEY_ID=\"{KEY}\"\nexport AWS_SECRET_ACCESS_KEY=\"{SECRET}\"\n\
             export AWS_SESSION_TOKEN=\"{}\n{}\n  {}\"\nexport AWS_REGION=\"us-east-2\"\n",
            &TOKEN[..80],
            &TOKEN[80..160],
            &TOKEN[160..]
        );
        let p = parse(&text);
        assert_eq!(p.credentials, temporary(None));
        assert_eq!(p.region.as_deref(), Some("us-east-2"));
    }

    #[test]
    fn same_values_pasted_twice_are_not_a_conflict() {
        // The bash and PowerShell tabs of the access portal, both copied.
        let p = parse(
            "export AWS_ACCESS_KEY_ID=\"<KEY>\"\n\
             export AWS_SECRET_ACCESS_KEY=\"<SECRET>\"\n\
             export AWS_SESSION_TOKEN=\"<TOKEN>\"\n\
             $Env:AWS_ACCESS_KEY_ID=\"<KEY>\"\n\
             $Env:AWS_SECRET_ACCESS_KEY=\"<SECRET>\"\n\
             $Env:AWS_SESSION_TOKEN=\"<TOKEN>\"\n",
        );
        assert_eq!(p.credentials, temporary(None));
        assert_eq!(p.format, PasteFormat::ShellExport);
    }

    // --- fish ---------------------------------------------------------------

    #[test]
    fn export_credentials_format_fish_output() {
        let p = parse(
            "set -gx AWS_ACCESS_KEY_ID \"<KEY>\"\n\
             set -gx AWS_SECRET_ACCESS_KEY \"<SECRET>\"\n\
             set -gx AWS_SESSION_TOKEN \"<TOKEN>\"\n\
             set -gx AWS_CREDENTIAL_EXPIRATION \"2026-11-23T20:04:40+00:00\"\n",
        );
        assert_eq!(
            p,
            parsed(
                temporary(Some(EXPIRES)),
                PasteFormat::Fish,
                None,
                None,
                vec![]
            )
        );
    }

    #[test]
    fn fish_flag_and_quote_variants() {
        let p = parse(
            "> set -x AWS_ACCESS_KEY_ID <KEY>\n\
             set -Ux AWS_SECRET_ACCESS_KEY '<SECRET>'\n\
             set --export --global AWS_SESSION_TOKEN   <TOKEN>\n\
             set AWS_REGION ca-central-1\n",
        );
        assert_eq!(
            p,
            parsed(
                temporary(None),
                PasteFormat::Fish,
                Some("ca-central-1"),
                None,
                vec![CredentialWarning::NoExpiration]
            )
        );
    }

    // --- PowerShell ---------------------------------------------------------

    #[test]
    fn export_credentials_format_powershell_output_with_crlf() {
        let p = parse(
            "$Env:AWS_ACCESS_KEY_ID=\"<KEY>\"\r\n\
             $Env:AWS_SECRET_ACCESS_KEY=\"<SECRET>\"\r\n\
             $Env:AWS_SESSION_TOKEN=\"<TOKEN>\"\r\n\
             $Env:AWS_CREDENTIAL_EXPIRATION=\"2026-11-23T20:04:40+00:00\"\r\n",
        );
        assert_eq!(
            p,
            parsed(
                temporary(Some(EXPIRES)),
                PasteFormat::PowerShell,
                None,
                None,
                vec![]
            )
        );
    }

    #[test]
    fn powershell_case_spaces_single_quotes_and_prompt() {
        let p = parse(
            "PS C:\\Users\\learner> $env:AWS_ACCESS_KEY_ID = '<KEY>'\r\n\
             $ENV:aws_secret_access_key   =   '<SECRET>'\r\n\
             $env:AWS_SESSION_TOKEN= \"<TOKEN>\"\r\n\
             $Env:AWS_DEFAULT_REGION=\"sa-east-1\"\r\n",
        );
        assert_eq!(
            p,
            parsed(
                temporary(None),
                PasteFormat::PowerShell,
                Some("sa-east-1"),
                None,
                vec![CredentialWarning::NoExpiration]
            )
        );
    }

    // --- cmd ----------------------------------------------------------------

    #[test]
    fn export_credentials_format_windows_cmd_output_with_crlf() {
        let p = parse(
            "set AWS_ACCESS_KEY_ID=<KEY>\r\n\
             set AWS_SECRET_ACCESS_KEY=<SECRET>\r\n\
             set AWS_SESSION_TOKEN=<TOKEN>\r\n\
             set AWS_CREDENTIAL_EXPIRATION=2026-11-23T20:04:40+00:00\r\n",
        );
        assert_eq!(
            p,
            parsed(
                temporary(Some(EXPIRES)),
                PasteFormat::Cmd,
                None,
                None,
                vec![]
            )
        );
    }

    #[test]
    fn cmd_upper_case_quoted_form_rem_and_prompt() {
        let p = parse(
            "REM credentials for the lab\r\n\
             :: copied from the portal\r\n\
             SET AWS_ACCESS_KEY_ID=<KEY>\r\n\
             set \"AWS_SECRET_ACCESS_KEY=<SECRET>\"\r\n\
             C:\\Users\\learner>set AWS_SESSION_TOKEN=<TOKEN>\r\n\
             rem done\r\n",
        );
        assert_eq!(
            p,
            parsed(
                temporary(None),
                PasteFormat::Cmd,
                None,
                None,
                vec![CredentialWarning::NoExpiration]
            )
        );
    }

    // --- credentials and config files ---------------------------------------

    #[test]
    fn learner_lab_credentials_block() {
        let p = parse(
            "AWS CLI:\n\
             Copy and paste the following into ~/.aws/credentials\n\
             \n\
             [default]\n\
             aws_access_key_id=<KEY>\n\
             aws_secret_access_key=<SECRET>\n\
             aws_session_token=<TOKEN>\n",
        );
        assert_eq!(
            p,
            parsed(
                temporary(None),
                PasteFormat::CredentialsFile,
                None,
                Some("default"),
                vec![CredentialWarning::NoExpiration]
            )
        );
    }

    #[test]
    fn config_profile_with_region_spaces_and_comments() {
        let p = parse(
            "; lab profile\r\n\
             [profile lab]\r\n\
             # keys from the access portal\r\n\
             aws_access_key_id = <KEY>\r\n\
             aws_secret_access_key    =    <SECRET>\r\n\
             \taws_security_token = <TOKEN>\r\n\
             region = us-gov-west-1\r\n\
             output = json\r\n",
        );
        assert_eq!(
            p,
            parsed(
                temporary(None),
                PasteFormat::CredentialsFile,
                Some("us-gov-west-1"),
                Some("lab"),
                vec![CredentialWarning::NoExpiration]
            )
        );
    }

    #[test]
    fn several_profiles_use_the_first_complete_one() {
        let p = parse(
            "[incomplete]\n\
             aws_access_key_id = <AKIA>\n\
             \n\
             [123456789012_AdministratorAccess]\n\
             aws_access_key_id = <KEY>\n\
             aws_secret_access_key = <SECRET>\n\
             aws_session_token = <TOKEN>\n\
             \n\
             [default]\n\
             aws_access_key_id = <AKIA>\n\
             aws_secret_access_key = <SECRET>\n\
             \n\
             [sso-session my-sso]\n\
             sso_region = us-east-1\n\
             [profile only-region]\n\
             region = eu-north-1\n",
        );
        let several = CredentialWarning::SeveralProfiles {
            used: "123456789012_AdministratorAccess".into(),
            others: vec!["incomplete".into(), "default".into()],
        };
        assert_eq!(
            p,
            parsed(
                temporary(None),
                PasteFormat::CredentialsFile,
                None,
                Some("123456789012_AdministratorAccess"),
                vec![CredentialWarning::NoExpiration, several.clone()]
            )
        );
        assert_eq!(
            several.message(),
            "Your paste has several profiles: labmate used [123456789012_AdministratorAccess], \
             the first one with both keys, and ignored [incomplete] and [default]."
        );
    }

    #[test]
    fn credentials_and_config_blocks_of_one_profile_combine() {
        let p = parse(
            "[default]\n\
             aws_access_key_id = <KEY>\n\
             aws_secret_access_key = <SECRET>\n\
             aws_session_token = <TOKEN>\n\
             \n\
             [default]\n\
             region = eu-central-1\n\
             output = json\n",
        );
        assert_eq!(p.region.as_deref(), Some("eu-central-1"));
        assert_eq!(p.profile.as_deref(), Some("default"));
        assert_eq!(p.warnings, vec![CredentialWarning::NoExpiration]);
    }

    #[test]
    fn profile_keys_without_a_header() {
        let p = parse(
            "aws_access_key_id=<KEY>\n\
             aws_secret_access_key=<SECRET>\n\
             aws_session_token=<TOKEN>\n",
        );
        assert_eq!(
            p,
            parsed(
                temporary(None),
                PasteFormat::CredentialsFile,
                None,
                None,
                vec![CredentialWarning::NoExpiration]
            )
        );
    }

    // --- JSON ---------------------------------------------------------------

    #[test]
    fn export_credentials_default_json_output() {
        let p = parse(
            "{\n  \"Version\": 1,\n  \"AccessKeyId\": \"<KEY>\",\n  \"SecretAccessKey\": \"<SECRET>\",\n  \
             \"SessionToken\": \"<TOKEN>\",\n  \"Expiration\": \"2026-11-23T20:04:40+00:00\"\n}\n",
        );
        assert_eq!(
            p,
            parsed(
                temporary(Some(EXPIRES)),
                PasteFormat::ExportCredentialsJson,
                None,
                None,
                vec![]
            )
        );
    }

    #[test]
    fn sts_assume_role_output() {
        let p = parse(
            r#"{
    "Credentials": {
        "AccessKeyId": "<KEY>",
        "SecretAccessKey": "<SECRET>",
        "SessionToken": "<TOKEN>",
        "Expiration": "2026-11-23T20:04:40Z"
    },
    "AssumedRoleUser": {
        "AssumedRoleId": "AROA3XFRBF535PLBIFPI4:s3-access-example",
        "Arn": "arn:aws:sts::123456789012:assumed-role/xaccounts3access/s3-access-example"
    }
}"#,
        );
        assert_eq!(
            p,
            parsed(
                temporary(Some(EXPIRES)),
                PasteFormat::StsJson,
                None,
                None,
                vec![]
            )
        );
    }

    #[test]
    fn sts_get_session_token_output_with_another_offset() {
        let p = parse(
            r#"{"Credentials": {"AccessKeyId": "<KEY>", "SecretAccessKey": "<SECRET>",
                "SessionToken": "<TOKEN>", "Expiration": "2026-11-23T22:04:40.000+02:00"}}"#,
        );
        assert_eq!(p.credentials, temporary(Some(EXPIRES)));
        assert_eq!(p.format, PasteFormat::StsJson);
    }

    #[test]
    fn json_between_a_command_line_and_a_prompt() {
        let p = parse(
            "$ aws sts assume-role --role-arn arn:aws:iam::123456789012:role/lab --role-session-name me\r\n\
             {\r\n    \"Credentials\": {\r\n        \"AccessKeyId\": \"<KEY>\",\r\n        \
             \"SecretAccessKey\": \"<SECRET>\",\r\n        \"SessionToken\": \"<TOKEN>\",\r\n        \
             \"Expiration\": \"2026-11-23T20:04:40+00:00\"\r\n    }\r\n}\r\n$ ",
        );
        assert_eq!(p.credentials, temporary(Some(EXPIRES)));
        assert_eq!(p.format, PasteFormat::StsJson);
    }

    #[test]
    fn json_token_wrapped_over_lines_is_joined() {
        let text = format!(
            "{{\n  \"AccessKeyId\": \"{KEY}\",\n  \"SecretAccessKey\": \"{SECRET}\",\n  \
             \"SessionToken\": \"{}\n{}  \n    {}\n\"\n}}",
            &TOKEN[..100],
            &TOKEN[100..250],
            &TOKEN[250..]
        );
        let p = parse(&text);
        assert_eq!(p.credentials, temporary(None));
        assert_eq!(p.format, PasteFormat::ExportCredentialsJson);
    }

    #[test]
    fn env_lines_round_trip() {
        let credentials = temporary(Some(EXPIRES));
        let back = parse_credentials(&credentials.to_env_lines(), NOW).expect("round trip");
        assert_eq!(back.credentials, credentials);
        assert_eq!(back.format, PasteFormat::ShellExport);
        let long_term = Credentials {
            access_key_id: LONG_TERM_KEY.into(),
            secret_access_key: SECRET.into(),
            session_token: None,
            expiration: None,
        };
        let back = parse_credentials(&long_term.to_env_lines(), NOW).expect("round trip");
        assert_eq!(back.credentials, long_term);
    }

    // --- errors -------------------------------------------------------------

    #[test]
    fn empty_paste() {
        assert_eq!(fail(""), CredentialsError::Empty);
        assert_eq!(fail("  \r\n\t\n "), CredentialsError::Empty);
    }

    #[test]
    fn console_sign_in_links() {
        let console = CredentialsError::ConsoleSignInUrl {
            access_portal: false,
        };
        let portal = CredentialsError::ConsoleSignInUrl {
            access_portal: true,
        };
        for (text, expected) in [
            ("https://123456789012.signin.aws.amazon.com/console", &console),
            (
                "https://signin.aws.amazon.com/federation?Action=login&Issuer=example.org\
                 &Destination=https%3A%2F%2Fconsole.aws.amazon.com&SigninToken=VCQgs5qZZt3Q",
                &console,
            ),
            (
                "Sign in here:\n  https://eu-west-1.console.aws.amazon.com/console/home?region=eu-west-1\n",
                &console,
            ),
            ("https://d-9067642ac7.awsapps.com/start/#/", &portal),
            ("https://ssoins-7223a2b4c9d1e0f5.portal.us-east-1.app.aws/", &portal),
        ] {
            assert_eq!(&fail(text), expected, "{text}");
        }
        assert!(portal.to_string().contains("“Access keys”"));
        assert!(console
            .to_string()
            .contains("aws configure export-credentials --format env"));
    }

    #[test]
    fn keys_win_over_a_sign_in_link_in_the_same_paste() {
        let p = parse(
            "Portal: https://d-9067642ac7.awsapps.com/start\n\
             export AWS_ACCESS_KEY_ID=<KEY>\n\
             export AWS_SECRET_ACCESS_KEY=<SECRET>\n\
             export AWS_SESSION_TOKEN=<TOKEN>\n",
        );
        assert_eq!(p.credentials, temporary(None));
    }

    #[test]
    fn unrecognised_text() {
        for text in [
            "hello, I can't find my keys",
            "export PATH=/usr/bin",
            "Some notes\n{ not json at all",
            "[default]\noutput = json\n",
        ] {
            assert_eq!(fail(text), CredentialsError::Unrecognised, "{text}");
        }
    }

    #[test]
    fn values_without_names() {
        assert_eq!(
            fail("<KEY>\n<SECRET>\n<TOKEN>\n"),
            CredentialsError::UnlabelledKeys
        );
        // The CSV the IAM console downloads.
        assert_eq!(
            fail("Access key ID,Secret access key\r\n<AKIA>,<SECRET>\r\n"),
            CredentialsError::UnlabelledKeys
        );
    }

    #[test]
    fn missing_access_key_id_names_the_format() {
        let shell =
            fail("export AWS_SECRET_ACCESS_KEY=<SECRET>\nexport AWS_SESSION_TOKEN=<TOKEN>\n");
        assert_eq!(
            shell,
            CredentialsError::MissingAccessKeyId {
                format: PasteFormat::ShellExport
            }
        );
        assert_eq!(
            shell.to_string(),
            "Found bash/zsh export lines, but no access key ID (AWS_ACCESS_KEY_ID) in them. Copy \
             the whole block again, including that line."
        );
        let file = fail("[default]\naws_secret_access_key = <SECRET>\n");
        assert_eq!(
            file,
            CredentialsError::MissingAccessKeyId {
                format: PasteFormat::CredentialsFile
            }
        );
        assert!(file.to_string().contains("(aws_access_key_id)"));
        assert_eq!(
            fail(r#"{"SecretAccessKey": "<SECRET>", "SessionToken": "<TOKEN>"}"#),
            CredentialsError::MissingAccessKeyId {
                format: PasteFormat::ExportCredentialsJson
            }
        );
        assert_eq!(
            fail("export AWS_REGION=us-east-1"),
            CredentialsError::MissingAccessKeyId {
                format: PasteFormat::ShellExport
            }
        );
    }

    #[test]
    fn missing_secret_access_key() {
        let e = fail("$Env:AWS_ACCESS_KEY_ID=\"<KEY>\"\r\n$Env:AWS_SESSION_TOKEN=\"<TOKEN>\"\r\n");
        assert_eq!(
            e,
            CredentialsError::MissingSecretAccessKey {
                format: PasteFormat::PowerShell
            }
        );
        assert!(e.to_string().contains("PowerShell $Env: lines"));
        assert!(e.to_string().contains("(AWS_SECRET_ACCESS_KEY)"));
    }

    #[test]
    fn missing_session_token_for_temporary_keys() {
        let expected = CredentialsError::MissingSessionToken {
            format: PasteFormat::ShellExport,
        };
        assert_eq!(
            fail("export AWS_ACCESS_KEY_ID=<KEY>\nexport AWS_SECRET_ACCESS_KEY=<SECRET>\n"),
            expected
        );
        assert_eq!(
            fail("export AWS_ACCESS_KEY_ID=<KEY>\nexport AWS_SECRET_ACCESS_KEY=<SECRET>\nexport AWS_SESSION_TOKEN=\"\"\n"),
            expected
        );
        let sts =
            fail(r#"{"Credentials": {"AccessKeyId": "<KEY>", "SecretAccessKey": "<SECRET>"}}"#);
        assert_eq!(
            sts,
            CredentialsError::MissingSessionToken {
                format: PasteFormat::StsJson
            }
        );
        assert!(sts
            .to_string()
            .contains("no SessionToken in what you pasted"));
    }

    /// Pastes `value` as the access key ID of an otherwise good set.
    fn with_key(value: &str) -> CredentialsError {
        fail(&format!(
            "export AWS_ACCESS_KEY_ID={value}\nexport AWS_SECRET_ACCESS_KEY=<SECRET>\nexport AWS_SESSION_TOKEN=<TOKEN>\n"
        ))
    }

    #[test]
    fn invalid_access_key_ids() {
        use ValueProblem::*;
        assert_eq!(
            with_key("ASIAIOSF"),
            invalid_key("••••", TooShort { len: 8 })
        );
        assert_eq!(
            with_key("ASIAIOSFODNN7"),
            invalid_key("ASIA…DNN7", TooShort { len: 13 })
        );
        assert_eq!(
            with_key("asiaiosfodnn7example"),
            invalid_key("asia…mple", LowerCase)
        );
        assert_eq!(
            with_key("ASIA IOSFODNN7EXAMPLE"),
            invalid_key("ASIA…MPLE", Space)
        );
        assert_eq!(
            with_key("ASIAIOSF…MPLE"),
            invalid_key("ASIA…MPLE", Shortened)
        );
        assert_eq!(
            with_key("ASIAIOSFODNN7..."),
            invalid_key("ASIA…7...", Shortened)
        );
        assert_eq!(
            with_key("'ASIAIOSFO\"DNN7EXAMPLE'"),
            invalid_key("ASIA…MPLE", Quote)
        );
        assert_eq!(
            with_key("ASIAIOSFODNN7-EXAMPLE"),
            invalid_key("ASIA…MPLE", BadCharacter('-'))
        );
        assert_eq!(
            with_key("AIDAJQABLZS4A3QDU576Q"),
            invalid_key(
                "AIDA…576Q",
                WrongPrefix {
                    prefix: "AIDA".into()
                }
            )
        );
        assert_eq!(
            with_key("ABCDIOSFODNN7EXAMPLE"),
            invalid_key(
                "ABCD…MPLE",
                WrongPrefix {
                    prefix: "ABCD".into()
                }
            )
        );
        let long = format!("ASIA{}", "A".repeat(130));
        assert_eq!(with_key(&long), invalid_key("••••", TooLong { len: 134 }));
    }

    #[test]
    fn access_key_id_messages_explain() {
        let role = with_key("AROA3XFRBF535PLBIFPI4");
        assert_eq!(
            role.to_string(),
            "The access key ID (AROA…FPI4) starts with AROA, so it is the ID of an IAM role, not \
             an access key; access key IDs start with ASIA (temporary) or AKIA (long-term). Copy \
             the credentials again, with the copy button if there is one."
        );
        assert!(with_key("ASIAIOSF").to_string().contains(
            "is only 8 characters long, but access key IDs have 20, so it looks cut off"
        ));
        assert!(with_key("ABCDIOSFODNN7EXAMPLE")
            .to_string()
            .contains("starts with ABCD, but access key IDs start with ASIA"));
    }

    #[test]
    fn swapped_key_and_secret_show_nothing_of_the_secret() {
        let e = fail(
            "export AWS_ACCESS_KEY_ID=<SECRET>\nexport AWS_SECRET_ACCESS_KEY=<KEY>\nexport AWS_SESSION_TOKEN=<TOKEN>\n",
        );
        assert_eq!(e, invalid_key("••••", ValueProblem::LooksLikeSecretKey));
        assert!(!e.to_string().contains("wJal"));
        assert!(!e.to_string().contains("EKEY"));
        assert_eq!(
            fail("export AWS_ACCESS_KEY_ID=<KEY>\nexport AWS_SECRET_ACCESS_KEY=<AKIA>\nexport AWS_SESSION_TOKEN=<TOKEN>\n"),
            CredentialsError::InvalidSecretAccessKey {
                reason: ValueProblem::LooksLikeAccessKeyId
            }
        );
    }

    /// Pastes `value` as the secret of an otherwise good set.
    fn with_secret(value: &str) -> CredentialsError {
        fail(&format!(
            "export AWS_ACCESS_KEY_ID=<KEY>\nexport AWS_SECRET_ACCESS_KEY={value}\nexport AWS_SESSION_TOKEN=<TOKEN>\n"
        ))
    }

    #[test]
    fn invalid_secret_access_keys() {
        use ValueProblem::*;
        let invalid = |reason| CredentialsError::InvalidSecretAccessKey { reason };
        assert_eq!(
            with_secret("wJalrXUtnFEMI/K7MDENG"),
            invalid(TooShort { len: 21 })
        );
        assert_eq!(
            with_secret(&format!("{SECRET}AAAAA")),
            invalid(TooLong { len: 45 })
        );
        assert_eq!(
            with_secret("wJalrXUtnFEMI/K7MDENG bPxRfiCYEXAMPLEKEY"),
            invalid(Space)
        );
        assert_eq!(
            with_secret("wJalrXUtnFEMI/K7MDENG/bPx…"),
            invalid(Shortened)
        );
        assert_eq!(
            with_secret("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKE-"),
            invalid(BadCharacter('-'))
        );
        assert_eq!(
            with_secret("wJalrXUtnFEMI/K7MDENG\nbPxRfiCYEXAMPLEKEY"),
            invalid(LineBreak)
        );
        let e = with_secret("wJalrXUtnFEMI/K7MDENG");
        assert_eq!(
            e.to_string(),
            "The secret access key is only 21 characters long instead of 40, so it looks cut off. \
             Copy the credentials again, with the copy button if there is one."
        );
    }

    /// Pastes `value` as the session token of an otherwise good set.
    fn with_token(value: &str) -> CredentialsError {
        fail(&format!(
            "export AWS_ACCESS_KEY_ID=<KEY>\nexport AWS_SECRET_ACCESS_KEY=<SECRET>\nexport AWS_SESSION_TOKEN={value}\n"
        ))
    }

    #[test]
    fn invalid_session_tokens() {
        use ValueProblem::*;
        let invalid = |reason| CredentialsError::InvalidSessionToken { reason };
        assert_eq!(
            with_token(&format!("{}...", &TOKEN[..60])),
            invalid(Shortened)
        );
        assert_eq!(
            with_token(&format!("{}…", &TOKEN[..120])),
            invalid(Shortened)
        );
        assert_eq!(with_token(&TOKEN[..50]), invalid(TooShort { len: 50 }));
        assert_eq!(
            with_token(&format!("\"{} {}\"", &TOKEN[..150], &TOKEN[150..])),
            invalid(Space)
        );
        assert_eq!(
            with_token(&format!("{}\n{}", &TOKEN[..150], &TOKEN[150..])),
            invalid(LineBreak)
        );
        assert_eq!(
            with_token(&format!("{}_{}", &TOKEN[..150], &TOKEN[150..])),
            invalid(BadCharacter('_'))
        );
        assert!(with_token(&format!("{}\n{}", &TOKEN[..150], &TOKEN[150..]))
            .to_string()
            .starts_with("The session token is split over several lines"));
    }

    #[test]
    fn wrapped_unquoted_token_in_a_profile_is_reported() {
        let e = fail(&format!(
            "[default]\naws_access_key_id=<KEY>\naws_secret_access_key=<SECRET>\n\
             aws_session_token={}\n{}\n{}\n",
            &TOKEN[..100],
            &TOKEN[100..200],
            &TOKEN[200..]
        ));
        assert_eq!(
            e,
            CredentialsError::InvalidSessionToken {
                reason: ValueProblem::LineBreak
            }
        );
    }

    #[test]
    fn lines_after_an_unquoted_token_are_not_taken_for_its_rest() {
        let p = parse(
            "[default]\naws_access_key_id=<KEY>\naws_secret_access_key=<SECRET>\n\
             aws_session_token=<TOKEN>\noutput=json\nEOF\n",
        );
        assert_eq!(p.credentials, temporary(None));
    }

    #[test]
    fn truncated_or_garbled_pastes_never_panic() {
        let pastes = [
            paste(
                "{\"Credentials\": {\"AccessKeyId\": \"<KEY>\", \"SecretAccessKey\": \"<SECRET>\", \
                 \"SessionToken\": \"<TOKEN>\", \"Expiration\": \"2026-11-23T20:04:40Z\"}}",
            ),
            paste(
                "$ export AWS_ACCESS_KEY_ID=“<KEY>”; set -gx AWS_SECRET_ACCESS_KEY '<SECRET>'\r\n\
                 PS C:\\> $env:AWS_SESSION_TOKEN = \"<TOKEN>\"\r\nset \"AWS_REGION=eu-west-3\"\r\n\
                 export AWS_CREDENTIAL_EXPIRATION='2026-11-23 20:04:40+00:00'",
            ),
            paste("[profile x]\naws_access_key_id = <KEY>\naws_session_token = \"<TOKEN>\n[y]\nregion=é-1"),
        ];
        for text in &pastes {
            for (end, _) in text.char_indices() {
                let _ = parse_credentials(&text[..end], NOW);
                let _ = parse_credentials(&text[end..], NOW);
                let mut garbled = text.clone();
                garbled.insert(end, '…');
                let _ = parse_credentials(&garbled, NOW);
            }
        }
    }

    #[test]
    fn messages_never_contain_secrets_or_tokens() {
        let errors = [
            with_secret("wJalrXUtnFEMI/K7MDENG"),
            with_secret(&format!("{SECRET}AAAAA")),
            with_secret("wJalrXUtnFEMI/K7MDENG bPxRfiCYEXAMPLEKEY"),
            with_token(&TOKEN[..50]),
            with_token(&format!("{}...", &TOKEN[..60])),
            with_token(&format!("\"{} {}\"", &TOKEN[..150], &TOKEN[150..])),
            fail("export AWS_ACCESS_KEY_ID=<SECRET>\nexport AWS_SECRET_ACCESS_KEY=<KEY>\n"),
            fail("export AWS_ACCESS_KEY_ID=<TOKEN>\nexport AWS_SECRET_ACCESS_KEY=<SECRET>\n"),
        ];
        for error in errors {
            let text = format!("{error} {error:?}");
            for window in [&SECRET[..8], &SECRET[32..], &TOKEN[..8], &TOKEN[200..208]] {
                assert!(!text.contains(window), "{window} in {text}");
            }
        }
    }

    #[test]
    fn json_values_that_are_not_strings_are_named() {
        let e = fail(
            r#"{"AccessKeyId": "<KEY>", "SecretAccessKey": ["<SECRET>"], "SessionToken": "<TOKEN>"}"#,
        );
        assert_eq!(
            e,
            CredentialsError::InvalidSecretAccessKey {
                reason: ValueProblem::NotText { found: "a list" }
            }
        );
        assert!(
            e.to_string()
                .contains("is a list in the JSON, but it must be text in quotes"),
            "{e}"
        );
        let e = fail(
            r#"{"AccessKeyId": 12345, "SecretAccessKey": "<SECRET>", "SessionToken": "<TOKEN>"}"#,
        );
        assert!(matches!(
            e,
            CredentialsError::InvalidAccessKeyId {
                reason: ValueProblem::NotText { found: "a number" },
                ..
            }
        ));
    }

    #[test]
    fn invalid_expiration() {
        let set = "export AWS_ACCESS_KEY_ID=<KEY>\nexport AWS_SECRET_ACCESS_KEY=<SECRET>\n\
                   export AWS_SESSION_TOKEN=<TOKEN>\n";
        assert_eq!(
            fail(&format!("{set}export AWS_CREDENTIAL_EXPIRATION=tomorrow\n")),
            CredentialsError::InvalidExpiration {
                value: "tomorrow".into()
            }
        );
        // No offset: not RFC 3339.
        assert_eq!(
            fail(&format!(
                "{set}export AWS_CREDENTIAL_EXPIRATION=2026-11-23T20:04:40\n"
            )),
            CredentialsError::InvalidExpiration {
                value: "2026-11-23T20:04:40".into()
            }
        );
        assert_eq!(
            fail(
                r#"{"AccessKeyId": "<KEY>", "SecretAccessKey": "<SECRET>", "SessionToken": "<TOKEN>", "Expiration": 1795464280}"#
            ),
            CredentialsError::InvalidExpiration {
                value: "1795464280".into()
            }
        );
        // RFC 3339 allows a space for the T.
        let p = parse(&format!(
            "{set}export AWS_CREDENTIAL_EXPIRATION='2026-11-23 20:04:40+00:00'\n"
        ));
        assert_eq!(p.credentials.expiration, Some(EXPIRES));
    }

    #[test]
    fn expired_credentials() {
        let text = "export AWS_ACCESS_KEY_ID=<KEY>\nexport AWS_SECRET_ACCESS_KEY=<SECRET>\n\
                    export AWS_SESSION_TOKEN=<TOKEN>\n\
                    export AWS_CREDENTIAL_EXPIRATION=2026-11-23T20:04:40+00:00\n";
        let e = fail_at(text, EXPIRES + 12 * 60 + 5);
        assert_eq!(
            e,
            CredentialsError::Expired {
                expired_at: EXPIRES,
                seconds_ago: 725
            }
        );
        assert_eq!(
            e.to_string(),
            "These credentials expired 12 minutes ago (at 2026-11-23 20:04 UTC). Get a fresh set \
             and paste it again."
        );
        let e = fail_at(text, EXPIRES);
        assert_eq!(
            e,
            CredentialsError::Expired {
                expired_at: EXPIRES,
                seconds_ago: 0
            }
        );
        assert!(e
            .to_string()
            .starts_with("These credentials expired just now (at"));
        assert!(fail_at(text, EXPIRES + 3 * 86_400)
            .to_string()
            .contains("expired 3 days ago"));
    }

    #[test]
    fn invalid_regions() {
        let set = "export AWS_ACCESS_KEY_ID=<KEY>\nexport AWS_SECRET_ACCESS_KEY=<SECRET>\n\
                   export AWS_SESSION_TOKEN=<TOKEN>\n";
        for bad in ["us-east", "mars-1", "us_east_1", "useast1", "us-east-1x2"] {
            assert_eq!(
                fail(&format!("{set}export AWS_REGION={bad}\n")),
                CredentialsError::InvalidRegion { value: bad.into() },
                "{bad}"
            );
        }
        assert_eq!(
            fail(&format!("{set}export AWS_REGION=us-east-1a\n")).to_string(),
            "“us-east-1a” is an Availability Zone, not a Region: use us-east-1 for the region."
        );
        assert_eq!(
            fail(&format!("{set}export AWS_REGION=US-EAST-1\n")).to_string(),
            "Region names are written in lower case: use us-east-1 instead of “US-EAST-1”."
        );
        assert!(fail(&format!("{set}export AWS_REGION=mars-1\n"))
            .to_string()
            .starts_with("“mars-1” isn't an AWS Region name."));
        for good in [
            "ap-southeast-1",
            "us-gov-west-1",
            "cn-north-1",
            "eusc-de-east-1",
            "il-central-1",
        ] {
            let p = parse(&format!("{set}export AWS_REGION={good}\n"));
            assert_eq!(p.region.as_deref(), Some(good));
        }
    }

    #[test]
    fn broken_json_reports_line_and_column() {
        let e = fail("{\n  \"AccessKeyId\": \"<KEY>\"\n  \"SecretAccessKey\": \"<SECRET>\"\n}");
        assert_eq!(
            e,
            CredentialsError::InvalidJson {
                line: 3,
                column: 3,
                message: "expected `,` or `}`".into()
            }
        );
        assert_eq!(
            e.to_string(),
            "This looks like JSON, but it can't be read at line 3, column 3: expected `,` or `}`. \
             Copy the whole output again, from the opening { to the closing }."
        );
        // Lines count from the top of the paste, chatter included.
        let e = fail("$ aws configure export-credentials\n{\n  \"AccessKeyId\": \"<KEY>\",\n  \"SecretAccessKey\": \"<SEC");
        assert_eq!(
            e,
            CredentialsError::InvalidJson {
                line: 4,
                column: 26,
                message: "it ends before the JSON is complete, so part of it is missing".into()
            }
        );
    }

    #[test]
    fn json_value_broken_where_it_cannot_be_joined() {
        let e = fail(
            "{\"AccessKeyId\": \"ASIA-\nIOSFODNN7EXAMPLE\", \"SecretAccessKey\": \"<SECRET>\"}",
        );
        assert_eq!(
            e,
            CredentialsError::InvalidJson {
                line: 1,
                column: 23,
                message: "a value is broken over several lines".into()
            }
        );
    }

    #[test]
    fn conflicting_values() {
        assert_eq!(
            fail(
                "export AWS_ACCESS_KEY_ID=<KEY>\nexport AWS_SECRET_ACCESS_KEY=<SECRET>\n\
                 export AWS_SESSION_TOKEN=<TOKEN>\nexport AWS_ACCESS_KEY_ID=ASIAY34FZKBOKMUTVV7A\n"
            ),
            CredentialsError::Conflicting {
                name: "AWS_ACCESS_KEY_ID".into()
            }
        );
        let e = fail(
            "[default]\naws_access_key_id = <KEY>\naws_secret_access_key = <SECRET>\n\
             aws_session_token = <TOKEN>\nregion = us-east-1\nregion = us-west-2\n",
        );
        assert_eq!(
            e,
            CredentialsError::Conflicting {
                name: "region in profile [default]".into()
            }
        );
        assert_eq!(
            e.to_string(),
            "region in profile [default] is set more than once with different values, so it's \
             not clear which credentials to use. Paste just one set of credentials."
        );
    }

    // --- warnings -----------------------------------------------------------

    #[test]
    fn long_term_keys_warn_with_or_without_token() {
        let p = parse("export AWS_ACCESS_KEY_ID=<AKIA>\nexport AWS_SECRET_ACCESS_KEY=<SECRET>\n");
        assert_eq!(
            p,
            parsed(
                Credentials {
                    access_key_id: LONG_TERM_KEY.into(),
                    secret_access_key: SECRET.into(),
                    session_token: None,
                    expiration: None,
                },
                PasteFormat::ShellExport,
                None,
                None,
                vec![CredentialWarning::LongTermKeys]
            )
        );
        assert!(!p.credentials.is_temporary());
        let p = parse(
            "[default]\naws_access_key_id=<AKIA>\naws_secret_access_key=<SECRET>\naws_session_token=<TOKEN>\n",
        );
        assert_eq!(p.warnings, vec![CredentialWarning::LongTermKeys]);
        let message = CredentialWarning::LongTermKeys.message();
        assert!(message.contains("never expires"));
        assert!(message.contains("shared or projected screens"));
        assert!(message.contains("ASIA"));
    }

    #[test]
    fn expires_soon_under_ten_minutes() {
        let text = "{\"AccessKeyId\": \"<KEY>\", \"SecretAccessKey\": \"<SECRET>\", \
                    \"SessionToken\": \"<TOKEN>\", \"Expiration\": \"2026-11-23T20:04:40Z\"}";
        assert_eq!(
            parse_at(text, EXPIRES - 599).warnings,
            vec![CredentialWarning::ExpiresSoon { seconds_left: 599 }]
        );
        assert_eq!(parse_at(text, EXPIRES - 600).warnings, vec![]);
        assert_eq!(
            parse_at(text, EXPIRES - 1).warnings,
            vec![CredentialWarning::ExpiresSoon { seconds_left: 1 }]
        );
        assert_eq!(
            CredentialWarning::ExpiresSoon { seconds_left: 599 }.message(),
            "These credentials expire in 9 minutes. Get a fresh set soon, or requests will start \
             failing partway through the lab."
        );
    }

    #[test]
    fn an_expiry_beyond_any_sts_credentials_is_accepted_with_a_warning() {
        let text = "{\"AccessKeyId\": \"<KEY>\", \"SecretAccessKey\": \"<SECRET>\", \
                    \"SessionToken\": \"<TOKEN>\", \"Expiration\": \"2026-11-23T20:04:40Z\"}";
        // 36 hours (GetSessionToken's longest) and AWS's 5 minutes of clock
        // skew are fine; a second more is not.
        let limit = 36 * 3600 + 5 * 60;
        assert_eq!(parse_at(text, EXPIRES - limit).warnings, vec![]);
        let p = parse_at(text, EXPIRES - limit - 1);
        assert_eq!(
            p.warnings,
            vec![CredentialWarning::ExpiresTooFarAhead {
                seconds_left: limit + 1
            }]
        );
        // A warning, not an error: the keys may well work.
        assert_eq!(p.credentials.expiration, Some(EXPIRES));
        let three_days = parse_at(text, EXPIRES - 3 * 86_400).warnings;
        assert_eq!(
            three_days[0].message(),
            "These credentials say they expire in 3 days, but temporary AWS credentials last 36 \
             hours at most. Check the clock of the computer they came from, and that the expiry \
             time belongs to these keys: the countdown may be wrong."
        );
    }

    // --- what messages may quote ---------------------------------------------

    /// Every message of `e`, checked for what no message may hold.
    fn assert_clean(e: &CredentialsError) -> String {
        let text = e.to_string();
        for secret in [SECRET, TOKEN, &TOKEN[..24], &TOKEN[TOKEN.len() - 24..]] {
            assert!(!text.contains(secret), "{text}");
        }
        assert!(!text.chars().any(is_invisible), "{text:?}");
        assert!(text.chars().count() < 400, "{} chars: {text}", text.len());
        text
    }

    #[test]
    fn an_expiry_that_ran_into_the_next_line_does_not_print_the_token() {
        // The line break after the expiry was lost in the copy, in each form
        // that carries an expiry.
        let pastes = [
            "export AWS_ACCESS_KEY_ID=<KEY>\nexport AWS_SECRET_ACCESS_KEY=<SECRET>\n\
             export AWS_CREDENTIAL_EXPIRATION=2026-11-23T20:04:40+00:00export AWS_SESSION_TOKEN=<TOKEN>\n",
            "set AWS_ACCESS_KEY_ID=<KEY>\nset AWS_SECRET_ACCESS_KEY=<SECRET>\n\
             set AWS_CREDENTIAL_EXPIRATION=2026-11-23T20:04:40+00:00set AWS_SESSION_TOKEN=<TOKEN>\n",
            "[default]\naws_access_key_id = <KEY>\naws_secret_access_key = <SECRET>\n\
             x_security_token_expires = 2026-11-23T20:04:40+00:00aws_session_token = <TOKEN>\n",
            "{\"AccessKeyId\": \"<KEY>\", \"SecretAccessKey\": \"<SECRET>\", \
             \"Expiration\": \"2026-11-23T20:04:40+00:00 SessionToken <TOKEN>\"}",
        ];
        for template in pastes {
            let e = fail(template);
            let text = assert_clean(&e);
            assert!(
                matches!(e, CredentialsError::InvalidExpiration { .. }),
                "{template}: {e:?}"
            );
            assert!(text.contains("“2026-11-23T20:04:40+00:00"), "{text}");
            assert!(!format!("{e:?}").contains(&TOKEN[..24]));
        }
    }

    #[test]
    fn a_region_that_ran_into_the_next_line_does_not_print_the_token() {
        let key_lines = "export AWS_ACCESS_KEY_ID=<KEY>\nexport AWS_SECRET_ACCESS_KEY=<SECRET>\n";
        for template in [
            // Long-term keys need no token, so the region is what fails.
            "export AWS_ACCESS_KEY_ID=<AKIA>\nexport AWS_SECRET_ACCESS_KEY=<SECRET>\n\
             export AWS_REGION=us-east-1export AWS_SESSION_TOKEN=<TOKEN>\n"
                .to_owned(),
            format!("{key_lines}export AWS_SESSION_TOKEN=<TOKEN>\nexport AWS_REGION=us-east-1 <SECRET>\n"),
            "[default]\naws_access_key_id = <KEY>\naws_secret_access_key = <SECRET>\n\
             aws_session_token = <TOKEN>\nregion = eu-west-1 <TOKEN>\n"
                .to_owned(),
        ] {
            let e = fail(&template);
            assert!(matches!(e, CredentialsError::InvalidRegion { .. }), "{e:?}");
            assert_clean(&e);
        }
    }

    #[test]
    fn invisible_characters_are_never_copied_into_a_message() {
        let set = "export AWS_ACCESS_KEY_ID=<KEY>\nexport AWS_SECRET_ACCESS_KEY=<SECRET>\n\
                   export AWS_SESSION_TOKEN=<TOKEN>\n";
        let e = fail(&format!("{set}export AWS_REGION=us-\u{202E}east-1\n"));
        assert_eq!(
            assert_clean(&e),
            "“us-U+202Eeast-1” isn't an AWS Region name. Regions look like us-east-1 or \
             ap-southeast-2: fix the region line or remove it."
        );
        let e = fail(&format!(
            "{set}export AWS_CREDENTIAL_EXPIRATION=2026\u{0}-11-23\n"
        ));
        assert!(assert_clean(&e).contains("“2026U+0000-11-23”"));
        // A bad character that is itself invisible is named by code point.
        let e = fail(
            "export AWS_ACCESS_KEY_ID=ASIAIOSF\u{202E}ODNN7EXAMPLE\n\
                      export AWS_SECRET_ACCESS_KEY=<SECRET>\nexport AWS_SESSION_TOKEN=<TOKEN>\n",
        );
        assert_eq!(
            e,
            invalid_key("••••", ValueProblem::BadCharacter('\u{202E}'))
        );
        assert!(assert_clean(&e).contains("contains “U+202E”"));
    }

    #[test]
    fn profile_names_are_quoted_as_excerpts() {
        let e = fail(
            "[lab-\u{202E}\u{0}<TOKEN>]\naws_access_key_id = <KEY>\naws_secret_access_key = <SECRET>\n\
             aws_session_token = <TOKEN>\nregion = us-east-1\nregion = us-west-2\n",
        );
        assert_eq!(
            assert_clean(&e),
            "region in profile [lab-U+202EU+0000••••] is set more than once with different \
             values, so it's not clear which credentials to use. Paste just one set of \
             credentials."
        );
        // Thousands of profiles: a few are named, the rest counted.
        let mut text = String::new();
        for i in 0..2_000 {
            text.push_str(&format!(
                "[p{i}\u{2066}]\naws_access_key_id = <KEY>\naws_secret_access_key = <SECRET>\n\
                 aws_session_token = <TOKEN>\n"
            ));
        }
        let p = parse(&text);
        let message = p.warnings.last().unwrap().message();
        assert_eq!(
            message,
            "Your paste has several profiles: labmate used [p0U+2066], the first one with both \
             keys, and ignored [p1U+2066], [p2U+2066], [p3U+2066] and 1996 more."
        );
    }

    #[test]
    fn no_expiration_message() {
        assert!(CredentialWarning::NoExpiration
            .message()
            .contains("can't show a countdown"));
    }

    // --- helpers ------------------------------------------------------------

    #[test]
    fn mask_shows_only_the_ends() {
        assert_eq!(mask(KEY), "ASIA…MPLE");
        assert_eq!(mask("AKIAIOSFODNN"), "AKIA…ODNN");
        assert_eq!(mask("AKIAIOSFODN"), "••••");
        assert_eq!(mask(""), "••••");
    }

    #[test]
    fn debug_never_prints_secret_or_token() {
        let shown = format!("{:?}", parse("export AWS_ACCESS_KEY_ID=<KEY>\nexport AWS_SECRET_ACCESS_KEY=<SECRET>\nexport AWS_SESSION_TOKEN=<TOKEN>\n"));
        assert!(!shown.contains(SECRET) && !shown.contains(&SECRET[..8]));
        assert!(!shown.contains(&TOKEN[..8]));
        assert!(shown.contains("ASIA…MPLE"));
        assert_eq!(
            format!("{:?}", temporary(Some(EXPIRES))),
            "Credentials { access_key_id: \"ASIA…MPLE\", secret_access_key: \"••••\", \
             session_token: Some(\"••••\"), expiration: Some(1795464280) }"
        );
    }

    #[test]
    fn seconds_left_and_is_temporary() {
        let c = temporary(Some(EXPIRES));
        assert!(c.is_temporary());
        assert_eq!(c.seconds_left(NOW), Some(7_200));
        assert_eq!(c.seconds_left(EXPIRES + 5), Some(-5));
        assert_eq!(temporary(None).seconds_left(NOW), None);
    }

    #[test]
    fn durations_and_times() {
        assert_eq!(format_duration(0), "0 seconds");
        assert_eq!(format_duration(1), "1 second");
        assert_eq!(format_duration(59), "59 seconds");
        assert_eq!(format_duration(60), "1 minute");
        assert_eq!(format_duration(3_599), "59 minutes");
        assert_eq!(format_duration(7_200), "2 hours");
        assert_eq!(format_duration(86_400), "1 day");
        assert_eq!(format_duration(-5), "0 seconds");
        assert_eq!(format_utc(0), "1970-01-01 00:00 UTC");
        assert_eq!(format_utc(EXPIRES), "2026-11-23 20:04 UTC");
        assert_eq!(format_utc(1_709_164_800), "2024-02-29 00:00 UTC");
        assert_eq!(format_utc(-1), "1969-12-31 23:59 UTC");
        assert_eq!(format_rfc3339(EXPIRES), "2026-11-23T20:04:40Z");
    }

    #[test]
    fn labels() {
        let labels = [
            (PasteFormat::ShellExport, "bash/zsh export lines"),
            (PasteFormat::Fish, "fish set lines"),
            (PasteFormat::PowerShell, "PowerShell $Env: lines"),
            (PasteFormat::Cmd, "Windows cmd set lines"),
            (PasteFormat::CredentialsFile, "~/.aws/credentials profile"),
            (
                PasteFormat::ExportCredentialsJson,
                "aws configure export-credentials output",
            ),
            (PasteFormat::StsJson, "aws sts assume-role output"),
        ];
        for (format, label) in labels {
            assert_eq!(format.label(), label);
            assert_eq!(format.to_string(), label);
        }
    }

    /// Every message in both languages: English is `Display`'s, the
    /// Vietnamese differs from it, and both carry the values the message
    /// names (masked key, field name, lengths, durations, times).
    #[test]
    fn every_message_is_worded_in_both_languages_with_its_values() {
        fn check(en: String, display: String, vi: String, values: &[&str]) {
            assert_eq!(en, display);
            assert!(!vi.is_empty());
            assert_ne!(vi, en, "not translated: {en}");
            for v in values {
                assert!(en.contains(v), "{en} lacks {v}");
                assert!(vi.contains(v), "{vi} lacks {v}");
            }
        }
        let problems = [
            (ValueProblem::TooShort { len: 7 }, vec!["7"]),
            (ValueProblem::TooLong { len: 77 }, vec!["77"]),
            (ValueProblem::Shortened, vec!["“…”"]),
            (ValueProblem::LineBreak, vec![]),
            (ValueProblem::Space, vec![]),
            (ValueProblem::Quote, vec![]),
            (ValueProblem::LowerCase, vec![]),
            (ValueProblem::BadCharacter('!'), vec!["“!”"]),
            (
                ValueProblem::WrongPrefix {
                    prefix: "AROA".into(),
                },
                vec!["AROA", "IAM role"],
            ),
            (
                ValueProblem::WrongPrefix {
                    prefix: "QQQQ".into(),
                },
                vec!["QQQQ", "ASIA", "AKIA"],
            ),
            (ValueProblem::LooksLikeAccessKeyId, vec!["access key ID"]),
            (ValueProblem::LooksLikeSecretKey, vec!["secret access key"]),
            (ValueProblem::NotText { found: "a number" }, vec!["JSON"]),
        ];
        let mut errors: Vec<(CredentialsError, Vec<&str>)> = vec![
            (CredentialsError::Empty, vec!["~/.aws/credentials"]),
            (
                CredentialsError::ConsoleSignInUrl {
                    access_portal: true,
                },
                vec!["“Access keys”"],
            ),
            (
                CredentialsError::ConsoleSignInUrl {
                    access_portal: false,
                },
                vec!["aws configure export-credentials --format env"],
            ),
            (CredentialsError::Unrecognised, vec!["AWS_SESSION_TOKEN"]),
            (
                CredentialsError::UnlabelledKeys,
                vec!["AWS_ACCESS_KEY_ID=…"],
            ),
            (
                CredentialsError::MissingAccessKeyId {
                    format: PasteFormat::CredentialsFile,
                },
                vec!["aws_access_key_id", "~/.aws/credentials"],
            ),
            (
                CredentialsError::MissingSecretAccessKey {
                    format: PasteFormat::StsJson,
                },
                vec!["SecretAccessKey", "aws sts assume-role"],
            ),
            (
                CredentialsError::MissingSessionToken {
                    format: PasteFormat::ShellExport,
                },
                vec!["AWS_SESSION_TOKEN"],
            ),
            (
                CredentialsError::InvalidExpiration {
                    value: "tomorrow".into(),
                },
                vec!["“tomorrow”"],
            ),
            (
                CredentialsError::Expired {
                    expired_at: NOW,
                    seconds_ago: 0,
                },
                vec!["2026-11-23 18:04 UTC"],
            ),
            (
                CredentialsError::Expired {
                    expired_at: NOW,
                    seconds_ago: 7_300,
                },
                vec!["2026-11-23 18:04 UTC", "2"],
            ),
            (
                CredentialsError::InvalidRegion {
                    value: "US-EAST-1".into(),
                },
                vec!["us-east-1", "“US-EAST-1”"],
            ),
            (
                CredentialsError::InvalidRegion {
                    value: "us-east-1a".into(),
                },
                vec!["“us-east-1a”", "us-east-1 "],
            ),
            (
                CredentialsError::InvalidRegion {
                    value: "Mars".into(),
                },
                vec!["“Mars”"],
            ),
            (
                CredentialsError::InvalidJson {
                    line: 3,
                    column: 14,
                    message: "EOF while parsing".into(),
                },
                vec!["3", "14", "EOF while parsing"],
            ),
            (
                CredentialsError::Conflicting {
                    name: "AWS_REGION".into(),
                },
                vec!["AWS_REGION"],
            ),
        ];
        for (problem, values) in problems {
            errors.push((
                CredentialsError::InvalidAccessKeyId {
                    value_masked: "ASIA…MPLE".into(),
                    reason: problem.clone(),
                },
                [values.as_slice(), &["ASIA…MPLE"]].concat(),
            ));
            errors.push((
                CredentialsError::InvalidSecretAccessKey {
                    reason: problem.clone(),
                },
                values.clone(),
            ));
            errors.push((
                CredentialsError::InvalidSessionToken { reason: problem },
                values,
            ));
        }
        for (e, values) in errors {
            check(e.words(Lang::En), e.to_string(), e.words(Lang::Vi), &values);
        }
        let warnings = [
            (CredentialWarning::LongTermKeys, vec!["AKIA…", "ASIA…"]),
            (
                CredentialWarning::ExpiresSoon { seconds_left: 300 },
                vec!["5 "],
            ),
            (
                CredentialWarning::ExpiresTooFarAhead {
                    seconds_left: 200_000,
                },
                vec!["2 ", "36"],
            ),
            (CredentialWarning::NoExpiration, vec![]),
            (
                CredentialWarning::SeveralProfiles {
                    used: "lab".into(),
                    others: ["a", "b", "c", "d", "e"].map(String::from).to_vec(),
                },
                vec!["[lab]", "[a], [b]", "[c]", "2 "],
            ),
        ];
        for (w, values) in warnings {
            check(w.words(Lang::En), w.message(), w.words(Lang::Vi), &values);
        }
        for format in [
            PasteFormat::ShellExport,
            PasteFormat::Fish,
            PasteFormat::PowerShell,
            PasteFormat::Cmd,
            PasteFormat::CredentialsFile,
            PasteFormat::ExportCredentialsJson,
            PasteFormat::StsJson,
            PasteFormat::Simulator,
        ] {
            check(
                format.words(Lang::En).into(),
                format.to_string(),
                format.words(Lang::Vi).into(),
                &[],
            );
        }
        for secs in [1, 59, 60, 7_200, 200_000] {
            let (en, vi) = (
                format_duration_in(secs, Lang::En),
                format_duration_in(secs, Lang::Vi),
            );
            assert_eq!(en, format_duration(secs));
            assert_ne!(vi, en);
            assert_eq!(
                en.split(' ').next(),
                vi.split(' ').next(),
                "the number: {en} / {vi}"
            );
        }
    }
}
