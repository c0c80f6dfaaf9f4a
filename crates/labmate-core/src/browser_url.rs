//! The URL exactly as the browser will send it, so that labmate signs that
//! and nothing else.
//!
//! `fetch()` parses its URL with the WHATWG URL Standard before sending: the
//! host is lower-cased and a default port dropped, `.`/`..` path segments
//! (also written `%2e`) are resolved, `\` counts as `/`, spaces and non-ASCII
//! characters are percent-encoded, the fragment stays behind. A signature over
//! anything else fails at AWS. [`as_sent`] applies those rules (for the
//! `http`/`https` URLs labmate sends; anything the rules would change in a way
//! a learner would not expect is refused with a message instead), then writes
//! the query in the one encoding AWS and aws-sigv4 read alike (see
//! [`canonical_query`]). The result is both what is signed and what is sent.
//!
//! Hand-written rather than with the `url` crate: labmate only needs these
//! few rules, and `url` (with IDNA tables) would weigh on the wasm bundle. The
//! tests check it against `url`.

use crate::excerpt::excerpt;
use crate::signing::{SigningError, SigningRules};
use crate::word;
use crate::words::Lang;

/// Why a URL cannot be sent as written: the end of "The URL … cannot be
/// signed: {reason}." `Display` is the English; `words` the learner's
/// language; `SigningError::BadUrl` carries it typed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum UrlProblem {
    #[error("{}", self.words(Lang::En))]
    LineBreak,
    #[error("{}", self.words(Lang::En))]
    NotHttp,
    #[error("{}", self.words(Lang::En))]
    UserInfo,
    #[error("{}", self.words(Lang::En))]
    Ipv6,
    #[error("{}", self.words(Lang::En))]
    NonAsciiHost,
    /// The character, as an excerpt.
    #[error("{}", self.words(Lang::En))]
    HostCharacter(String),
    #[error("{}", self.words(Lang::En))]
    OddIpAddress,
    #[error("{}", self.words(Lang::En))]
    BadPort,
    /// The query part, as an excerpt.
    #[error("{}", self.words(Lang::En))]
    QueryNotUtf8(String),
}

impl UrlProblem {
    pub fn words(&self, lang: Lang) -> String {
        match self {
            UrlProblem::LineBreak => word!(lang, setup.url_line_break).to_owned(),
            UrlProblem::NotHttp => word!(lang, setup.url_not_http).to_owned(),
            UrlProblem::UserInfo => word!(lang, setup.url_user_info).to_owned(),
            UrlProblem::Ipv6 => word!(lang, setup.url_ipv6).to_owned(),
            UrlProblem::NonAsciiHost => word!(lang, setup.url_non_ascii_host).to_owned(),
            UrlProblem::HostCharacter(c) => word!(lang, setup.url_host_character)(c),
            UrlProblem::OddIpAddress => word!(lang, setup.url_odd_ip_address).to_owned(),
            UrlProblem::BadPort => word!(lang, setup.url_bad_port).to_owned(),
            UrlProblem::QueryNotUtf8(part) => word!(lang, setup.url_query_not_utf8)(part),
        }
    }
}

/// `url` as the browser sends it, with its query in SigV4's encoding.
pub(crate) fn as_sent(url: &str, rules: &SigningRules) -> Result<String, SigningError> {
    let bad = |reason: UrlProblem| SigningError::BadUrl {
        url: excerpt(url),
        reason,
    };
    // Bytes, not chars: they are ASCII, and in wasm a char search took about
    // a microsecond of each signature (make bench-signer).
    if url.bytes().any(|b| matches!(b, b'\t' | b'\n' | b'\r')) {
        // The browser deletes them silently; in a URL they are a copying slip.
        return Err(bad(UrlProblem::LineBreak));
    }
    // The browser ignores leading and trailing spaces and C0 controls (not DEL).
    let url = url.trim_matches(|c: char| c <= ' ');
    let Some((scheme, rest)) = url.split_once("://") else {
        return Err(SigningError::NoHost { url: excerpt(url) });
    };
    let scheme = scheme.to_ascii_lowercase();
    let default_port = match scheme.as_str() {
        "https" => 443,
        "http" => 80,
        _ => return Err(bad(UrlProblem::NotHttp)),
    };
    let authority_end = rest.find(['/', '\\', '?', '#']).unwrap_or(rest.len());
    let (authority, rest) = rest.split_at(authority_end);
    let (host, port) = host_and_port(authority, default_port, url)?;
    let (before_fragment, _fragment) = rest.split_once('#').unwrap_or((rest, ""));
    let (path, query) = match before_fragment.split_once('?') {
        Some((path, query)) => (path, Some(query)),
        None => (before_fragment, None),
    };
    let mut out = format!("{scheme}://{host}");
    if let Some(port) = port {
        out.push_str(&format!(":{port}"));
    }
    out.push_str(&browser_path(path, rules)?);
    if let Some(query) = query {
        let query = canonical_query(query).map_err(bad)?;
        if !query.is_empty() {
            out.push('?');
            out.push_str(&query);
        }
    }
    Ok(out)
}

/// The host lower-cased, and the port unless it is the scheme's default.
/// Hosts the WHATWG rules would rewrite beyond lower-casing (international
/// names, IP addresses in other forms than `1.2.3.4`) are refused.
fn host_and_port(
    authority: &str,
    default_port: u16,
    url: &str,
) -> Result<(String, Option<u16>), SigningError> {
    let bad = |reason: UrlProblem| SigningError::BadUrl {
        url: excerpt(url),
        reason,
    };
    if authority.contains('@') {
        return Err(bad(UrlProblem::UserInfo));
    }
    if authority.starts_with('[') {
        return Err(bad(UrlProblem::Ipv6));
    }
    let (host, port) = match authority.rsplit_once(':') {
        Some((host, port)) => (host, Some(port)),
        None => (authority, None),
    };
    if host.is_empty() {
        return Err(SigningError::NoHost { url: excerpt(url) });
    }
    if !host.is_ascii() {
        return Err(bad(UrlProblem::NonAsciiHost));
    }
    if let Some(c) = host
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_')))
    {
        return Err(bad(UrlProblem::HostCharacter(excerpt(
            c.encode_utf8(&mut [0; 4]),
        ))));
    }
    let host = host.to_ascii_lowercase();
    if ends_in_a_number(&host) && !is_dotted_quad(&host) {
        return Err(bad(UrlProblem::OddIpAddress));
    }
    let port = match port {
        // `host:` with no digits means the default port.
        None | Some("") => None,
        Some(digits) => {
            let bad_port = || bad(UrlProblem::BadPort);
            if !digits.bytes().all(|b| b.is_ascii_digit()) {
                return Err(bad_port());
            }
            // Leading zeros are dropped (`:04566` is 4566), however many.
            let significant = digits.trim_start_matches('0');
            let number = match significant {
                "" => 0,
                _ => significant.parse::<u16>().map_err(|_| bad_port())?,
            };
            (number != default_port).then_some(number)
        }
    };
    Ok((host, port))
}

/// The WHATWG "ends in a number" test: such hosts are parsed as IPv4.
fn ends_in_a_number(host: &str) -> bool {
    let host = host.strip_suffix('.').unwrap_or(host);
    let last = host.rsplit('.').next().unwrap_or_default();
    !last.is_empty()
        && (last.bytes().all(|b| b.is_ascii_digit())
            || (last.starts_with("0x") && last[2..].bytes().all(|b| b.is_ascii_hexdigit())))
}

/// `1.2.3.4` with no leading zeros: the form the browser keeps as it is.
fn is_dotted_quad(host: &str) -> bool {
    let parts: Vec<&str> = host.split('.').collect();
    parts.len() == 4
        && parts.iter().all(|p| {
            !p.is_empty()
                && p.len() <= 3
                && p.bytes().all(|b| b.is_ascii_digit())
                && (p.len() == 1 || !p.starts_with('0'))
                && p.parse::<u16>().is_ok_and(|n| n <= 255)
        })
}

/// The path as the browser sends it (WHATWG path state for http/https).
///
/// A `.` or `..` segment written as such is resolved, as the browser, the
/// SigV4 rules and AWS all do, when the service normalises paths. Written
/// percent-encoded (`%2e%2e`, `.%2e`, `%2E`), the learner meant a name made
/// of dots (an index or document may be named so), but the browser resolves
/// it anyway and the request would reach another resource: refused, naming
/// the segment. Refused too for a service that takes paths literally (S3's
/// rules), which would have read the dots as names.
fn browser_path(path: &str, rules: &SigningRules) -> Result<String, SigningError> {
    if path.is_empty() {
        return Ok("/".to_owned());
    }
    // `path` starts with `/` or `\`; every `\` is a `/` for http(s).
    let raw_segments: Vec<&str> = path[1..].split(['/', '\\']).collect();
    let last = raw_segments.len() - 1;
    let mut segments: Vec<String> = Vec::with_capacity(raw_segments.len());
    for (i, raw) in raw_segments.iter().enumerate() {
        let encoded = encode_path_segment(raw);
        let dots = dot_segment(&encoded);
        if dots.is_some() && (encoded.contains('%') || !rules.normalize_path) {
            return Err(SigningError::DotSegment {
                segment: excerpt(raw),
                literal_path: !rules.normalize_path,
            });
        }
        match dots {
            Some(Dots::Two) => {
                segments.pop();
                if i == last {
                    segments.push(String::new());
                }
            }
            Some(Dots::One) => {
                if i == last {
                    segments.push(String::new());
                }
            }
            None => segments.push(encoded),
        }
    }
    if !rules.double_encode_path {
        // Single encoding (S3's rules): the service decodes the path and
        // encodes it once for its signature; send it already so. Decoding
        // may not make dot segments (`%2E.%2F%2E` is `../.`): the browser
        // would resolve those once sent.
        for segment in segments.iter_mut() {
            let decoded = percent_decode(segment);
            if decoded
                .split(|b| *b == b'/')
                .any(|piece| piece == b"." || piece == b"..")
            {
                return Err(SigningError::DotSegment {
                    segment: excerpt(segment),
                    literal_path: true,
                });
            }
            *segment = encode_unreserved(&decoded, true);
        }
    }
    Ok(format!("/{}", segments.join("/")))
}

enum Dots {
    One,
    Two,
}

/// WHATWG's single-dot and double-dot path segments.
fn dot_segment(segment: &str) -> Option<Dots> {
    match segment.to_ascii_lowercase().as_str() {
        "." | "%2e" => Some(Dots::One),
        ".." | ".%2e" | "%2e." | "%2e%2e" => Some(Dots::Two),
        _ => None,
    }
}

/// The WHATWG path percent-encode set: controls, space, `"`, `#`, `<`, `>`,
/// `?`, `` ` ``, `{`, `}`, DEL and everything beyond ASCII (as UTF-8).
fn encode_path_segment(segment: &str) -> String {
    let mut out = String::with_capacity(segment.len());
    for c in segment.chars() {
        if c.is_ascii()
            && !c.is_ascii_control()
            && !matches!(c, ' ' | '"' | '#' | '<' | '>' | '?' | '`' | '{' | '}')
        {
            out.push(c);
        } else {
            push_escaped(&mut out, c);
        }
    }
    out
}

/// The WHATWG query percent-encode set for http(s): controls, space, `"`,
/// `#`, `<`, `>`, `'`, DEL and everything beyond ASCII.
fn encode_query(query: &str) -> String {
    let mut out = String::with_capacity(query.len());
    for c in query.chars() {
        if c.is_ascii() && !c.is_ascii_control() && !matches!(c, ' ' | '"' | '#' | '<' | '>' | '\'')
        {
            out.push(c);
        } else {
            push_escaped(&mut out, c);
        }
    }
    out
}

fn push_escaped(out: &mut String, c: char) {
    for b in c.encode_utf8(&mut [0; 4]).bytes() {
        out.push_str(&format!("%{b:02X}"));
    }
}

/// The query as the browser would send it, then rewritten in SigV4's own
/// encoding: each name and value percent-decoded and encoded again with only
/// `A–Z a–z 0–9 - _ . ~` left as they are; `&` and the first `=` of each
/// pair keep their meaning; empty pairs (`&&`) are dropped.
///
/// Why rewrite it: AWS reads a raw `+` in a query as a plus sign, the RFC
/// 3986 way, and canonicalises it as `%2B`; aws-sigv4 decodes the query as a
/// form and signs a `+` as a space (`%20`, smithy-rs issue 4227), so a URL
/// with a raw `+` would get a signature AWS refuses. Sent as `%2B` there is
/// nothing left to read two ways: aws-sigv4 and AWS both sign `%2B`, and every
/// server decodes it as the `+` that AWS's signature check took it for. The
/// same rewrite settles the other spellings both sides could read apart: a
/// stray `%` (sent as `%25`) and lower-case escapes. What a raw `+` meant to
/// the learner cannot be known; AWS's reading is the one that decides whether
/// the request is accepted, so it is the one kept.
///
/// Refused (the reason is returned): an escape that decodes to bytes that are
/// not UTF-8 text, which aws-sigv4 would sign as U+FFFD.
fn canonical_query(query: &str) -> Result<String, UrlProblem> {
    let browser = encode_query(query);
    let mut pairs = Vec::new();
    for pair in browser.split('&').filter(|p| !p.is_empty()) {
        match pair.split_once('=') {
            Some((name, value)) => {
                pairs.push(format!("{}={}", query_part(name)?, query_part(value)?))
            }
            None => pairs.push(query_part(pair)?),
        }
    }
    Ok(pairs.join("&"))
}

fn query_part(text: &str) -> Result<String, UrlProblem> {
    let bytes = percent_decode(text);
    if std::str::from_utf8(&bytes).is_err() {
        return Err(UrlProblem::QueryNotUtf8(excerpt(text)));
    }
    Ok(encode_unreserved(&bytes, false))
}

/// `%XX` escapes decoded; a `%` not followed by two hex digits stays a `%`.
fn percent_decode(text: &str) -> Vec<u8> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        if bytes[i] == b'%' {
            if let (Some(hi), Some(lo)) = (
                bytes.get(i + 1).copied().and_then(hex),
                bytes.get(i + 2).copied().and_then(hex),
            ) {
                out.push((hi * 16 + lo) as u8);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    out
}

/// SigV4's URI encoding: every byte but `A–Z a–z 0–9 - _ . ~` (and `/` when
/// `keep_slash`) as `%XX` in capitals.
fn encode_unreserved(bytes: &[u8], keep_slash: bool) -> String {
    let mut out = String::with_capacity(bytes.len());
    for &b in bytes {
        if b.is_ascii_alphanumeric()
            || matches!(b, b'-' | b'_' | b'.' | b'~')
            || (keep_slash && b == b'/')
        {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each reason in both languages, with the character or query part it
    /// names; `SigningError::BadUrl` carries it.
    #[test]
    fn every_reason_is_worded_in_both_languages() {
        let reasons = [
            (UrlProblem::LineBreak, None),
            (UrlProblem::NotHttp, Some("https://")),
            (UrlProblem::UserInfo, None),
            (UrlProblem::Ipv6, Some("127.0.0.1")),
            (UrlProblem::NonAsciiHost, Some("xn--")),
            (UrlProblem::HostCharacter("*".into()), Some("“*”")),
            (UrlProblem::OddIpAddress, Some("127.0.0.1")),
            (UrlProblem::BadPort, Some("65535")),
            (UrlProblem::QueryNotUtf8("a=%FF".into()), Some("“a=%FF”")),
        ];
        for (reason, value) in reasons {
            let (en, vi) = (reason.words(Lang::En), reason.words(Lang::Vi));
            assert_eq!(en, reason.to_string());
            assert_ne!(vi, en);
            if let Some(v) = value {
                assert!(en.contains(v) && vi.contains(v), "{en} / {vi} lack {v}");
            }
        }
        let rules = SigningRules::default();
        match as_sent("https://a b.example/", &rules) {
            Err(SigningError::BadUrl { reason, .. }) => {
                assert_eq!(reason, UrlProblem::HostCharacter(excerpt(" ")))
            }
            other => panic!("{other:?}"),
        }
    }
}
