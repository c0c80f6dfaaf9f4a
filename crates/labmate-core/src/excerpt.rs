//! The one way a message quotes something the learner typed or pasted.
//!
//! A pasted value can run into the next line of the paste (an expiry followed
//! by `export AWS_SESSION_TOKEN=…`), hold invisible characters picked up from
//! a web page (NUL, a right-to-left override that reorders the message), or be
//! megabytes long. [`excerpt`] turns any text into a short, printable quote in
//! which nothing that looks like key material survives:
//!
//! - runs of base64 characters that look like a secret or token become `••••`
//!   (an access key ID keeps its first and last four characters, as
//!   [`crate::credentials::mask`] shows it); invisible characters inside such
//!   a run count as part of it, so they cannot be used to split a secret into
//!   harmless-looking pieces;
//! - control, format (bidi, zero-width) and other invisible characters are
//!   written as `U+202E`, line breaks and tabs as a space;
//! - the result is cut at [`EXCERPT_MAX_CHARS`] characters with `…`.

/// Longest excerpt, in characters, ellipsis included.
pub const EXCERPT_MAX_CHARS: usize = 40;

/// What a hidden run looks like.
const HIDDEN: &str = "••••";

/// A run of base64 characters this long is always hidden: no word, date or
/// name a learner writes without a separator is, while every secret (40) and
/// token (hundreds) is.
const ALWAYS_HIDDEN_LEN: usize = 24;
/// From this length a run is hidden when it looks random: it holds `/` or
/// `+`, or capitals, small letters and digits at once.
const MAYBE_HIDDEN_LEN: usize = 16;

/// `value` as a short, printable, masked quote for a message (see the module
/// documentation). Never empty for a non-empty value.
pub fn excerpt(value: &str) -> String {
    let mut pieces: Vec<String> = Vec::new();
    let chars: Vec<char> = value.chars().collect();
    let mut i = 0;
    // Enough pieces to fill an excerpt; the rest of a long value is not read
    // further than its runs need.
    while i < chars.len() && visible_len(&pieces) <= EXCERPT_MAX_CHARS {
        let c = chars[i];
        if is_base64(c) {
            let start = i;
            while i < chars.len() && (is_base64(chars[i]) || is_invisible(chars[i])) {
                i += 1;
            }
            let run = &chars[start..i];
            pieces.extend(show_run(run));
            continue;
        }
        pieces.push(show_char(c));
        i += 1;
    }
    cut(pieces, i < chars.len())
}

/// Characters of base64 text, the alphabet of secrets and tokens.
fn is_base64(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '/' | '+' | '=')
}

/// Control characters (C0, DEL, C1), format characters (bidi controls,
/// zero-width ones, the BOM, soft hyphen, tags), line and paragraph
/// separators, and the other default-ignorable code points: characters that
/// print as nothing or change how the text around them prints.
pub fn is_invisible(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{00AD}'
                | '\u{034F}'
                | '\u{061C}'
                | '\u{115F}'..='\u{1160}'
                | '\u{17B4}'..='\u{17B5}'
                | '\u{180B}'..='\u{180F}'
                | '\u{200B}'..='\u{200F}'
                | '\u{2028}'..='\u{202E}'
                | '\u{2060}'..='\u{206F}'
                | '\u{3164}'
                | '\u{FE00}'..='\u{FE0F}'
                | '\u{FEFF}'
                | '\u{FFA0}'
                | '\u{FFF0}'..='\u{FFFB}'
                | '\u{0600}'..='\u{0605}'
                | '\u{06DD}'
                | '\u{070F}'
                | '\u{0890}'..='\u{0891}'
                | '\u{08E2}'
                | '\u{110BD}'
                | '\u{110CD}'
                | '\u{13430}'..='\u{1343F}'
                | '\u{1BCA0}'..='\u{1BCA3}'
                | '\u{1D173}'..='\u{1D17A}'
                | '\u{E0000}'..='\u{E0FFF}'
        )
}

/// One character as printed: invisible ones by code point, whitespace as a space.
fn show_char(c: char) -> String {
    if matches!(c, '\t' | '\n' | '\r') || (c.is_whitespace() && !is_invisible(c)) {
        " ".to_owned()
    } else if is_invisible(c) {
        format!("U+{:04X}", u32::from(c))
    } else {
        c.to_string()
    }
}

/// A run of base64 characters (with any invisible ones inside it), hidden
/// when it looks like key material.
fn show_run(run: &[char]) -> Vec<String> {
    let text: String = run.iter().filter(|c| is_base64(**c)).collect();
    if looks_like_key_id(&text) {
        let head = &text[..4];
        let tail = &text[text.len() - 4..];
        return vec![format!("{head}…{tail}")];
    }
    if looks_like_key_material(&text) {
        return vec![HIDDEN.to_owned()];
    }
    run.iter().map(|c| show_char(*c)).collect()
}

/// `AKIA…`/`ASIA…` and capitals and digits, as long as an access key ID can be.
fn looks_like_key_id(text: &str) -> bool {
    (16..=32).contains(&text.len())
        && (text.starts_with("AKIA") || text.starts_with("ASIA"))
        && text
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
}

fn looks_like_key_material(text: &str) -> bool {
    let len = text.len();
    if len >= ALWAYS_HIDDEN_LEN {
        return true;
    }
    if len < MAYBE_HIDDEN_LEN {
        return false;
    }
    let has = |f: fn(&u8) -> bool| text.as_bytes().iter().any(f);
    has(|b| matches!(b, b'/' | b'+'))
        || (has(u8::is_ascii_uppercase) && has(u8::is_ascii_lowercase) && has(u8::is_ascii_digit))
}

fn visible_len(pieces: &[String]) -> usize {
    pieces.iter().map(|p| p.chars().count()).sum()
}

/// Joins the pieces, cutting between them (never inside a code point
/// escape or a hidden run) so the whole fits in [`EXCERPT_MAX_CHARS`].
fn cut(pieces: Vec<String>, more: bool) -> String {
    let total = visible_len(&pieces);
    if total <= EXCERPT_MAX_CHARS && !more {
        return pieces.concat();
    }
    let mut out = String::new();
    let mut len = 0;
    for piece in pieces {
        let n = piece.chars().count();
        if len + n > EXCERPT_MAX_CHARS - 1 {
            break;
        }
        out.push_str(&piece);
        len += n;
    }
    out.push('…');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
    const TOKEN: &str = "IQoJb3JpZ2luX2VjEXAMPLEtokenAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";

    #[test]
    fn short_plain_values_are_quoted_as_they_are() {
        assert_eq!(excerpt("tomorrow"), "tomorrow");
        assert_eq!(excerpt("us-east-1a"), "us-east-1a");
        assert_eq!(
            excerpt("123456789012_AdministratorAccess"),
            "123456789012_AdministratorAccess"
        );
        assert_eq!(excerpt("2026-11-23T20:04:40"), "2026-11-23T20:04:40");
    }

    #[test]
    fn a_value_that_ran_into_the_next_line_loses_the_token() {
        let value = format!("2026-11-23T20:04:40+00:00export AWS_SESSION_TOKEN={TOKEN}");
        let e = excerpt(&value);
        assert_eq!(e, "2026-11-23T20:04:40+00:00export AWS_SES…");
        let e = excerpt(&format!("us-east-1 {SECRET}"));
        assert_eq!(e, "us-east-1 ••••");
    }

    #[test]
    fn key_material_is_hidden_and_key_ids_masked() {
        assert_eq!(excerpt(SECRET), "••••");
        assert_eq!(excerpt(&TOKEN[..30]), "••••");
        assert_eq!(excerpt("ASIAIOSFODNN7EXAMPLE"), "ASIA…MPLE");
        // Random-looking from 16 characters on.
        assert_eq!(excerpt("ab/cdefghijklmnop"), "••••");
        assert_eq!(excerpt("Ab1cdefghijklmnop"), "••••");
        // Invisible characters cannot split a secret into visible pieces.
        let split: String = SECRET
            .chars()
            .flat_map(|c| [c, '\u{200B}'])
            .collect::<String>();
        assert_eq!(excerpt(&split), "••••");
        let nul_split = format!("{}\u{0}{}", &SECRET[..20], &SECRET[20..]);
        assert_eq!(excerpt(&nul_split), "••••");
    }

    #[test]
    fn invisible_characters_are_shown_by_code_point() {
        assert_eq!(excerpt("us\u{0}east"), "usU+0000east");
        assert_eq!(excerpt("a\u{202E}b"), "aU+202Eb");
        assert_eq!(excerpt("x\ty\nz"), "x y z");
        assert_eq!(excerpt("\u{7F}"), "U+007F");
        assert!(!excerpt("\u{2066}abc\u{2069}").contains(['\u{2066}', '\u{2069}']));
    }

    #[test]
    fn long_values_are_cut_with_an_ellipsis() {
        let e = excerpt(&"ab-".repeat(10_000));
        assert_eq!(e.chars().count(), EXCERPT_MAX_CHARS);
        assert!(e.ends_with('…'));
        // Never cut inside an escape.
        let e = excerpt(&"\u{202E}".repeat(100));
        assert!(e.ends_with("U+202E…"), "{e}");
        assert!(e.chars().count() <= EXCERPT_MAX_CHARS);
    }
}
