//! Generated credential pastes: every format labmate reads, garbled the ways a
//! copy goes wrong (cut short, lines run together, invisible and bidi
//! characters, secrets and tokens planted anywhere), through
//! `parse_credentials`. No paste may panic; no message may hold a secret, a
//! token, an invisible character or more than a few hundred characters; and
//! reading is linear in the length of the paste.
//!
//! Its own test harness (`harness = false`), so that `cargo test` prints how
//! many pastes were tried. The generator is seeded: the seed is printed, and
//! `LABMATE_FUZZ_SEED=<seed>` repeats a run; `LABMATE_FUZZ_PASTES` changes
//! how many pastes are tried (100,000 by default).

use std::collections::BTreeMap;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::time::{Duration, Instant};

mod common;
use common::Rng;

use labmate_core::credentials::parse_credentials;

/// 2026-11-23T18:04:40Z.
const NOW: i64 = 1_795_457_080;
/// The longest message allowed.
const MAX_MESSAGE_CHARS: usize = 400;
/// A message may not hold this many consecutive characters of a secret.
const SECRET_WINDOW: usize = 24;

/// A string of `len` characters from `alphabet`.
fn chars(rng: &mut Rng, alphabet: &[u8], len: usize) -> String {
    (0..len).map(|_| *rng.pick(alphabet) as char).collect()
}

const BASE64: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const KEY_CHARS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
/// Characters that print as nothing or reorder text around them.
const INVISIBLE: &[char] = &[
    '\u{0}',
    '\u{7}',
    '\u{1B}',
    '\u{7F}',
    '\u{85}',
    '\u{200B}',
    '\u{200E}',
    '\u{200F}',
    '\u{202A}',
    '\u{202D}',
    '\u{202E}',
    '\u{2066}',
    '\u{2069}',
    '\u{2028}',
    '\u{FEFF}',
    '\u{2060}',
    '\u{E0041}',
    '\u{061C}',
];
const GARBAGE: &[&str] = &[
    "\"",
    "'",
    "`",
    "“",
    "”",
    ";",
    "&",
    "&&",
    " #",
    "#",
    " ",
    "\t",
    "…",
    "...",
    ">",
    "$ ",
    "=",
    "{",
    "}",
    "[",
    "]",
    ":",
    ",",
    "\\",
    "%",
    "é",
    "ሴ",
    "😀",
    "\n",
    "\n\n",
    "export ",
    "set ",
    "$Env:",
    "PS C:\\> ",
    "C:\\>",
    "❯ ",
    "rem ",
];

fn is_invisible(c: char) -> bool {
    c.is_control()
        || INVISIBLE.contains(&c)
        || matches!(c, '\u{2028}'..='\u{202E}' | '\u{2060}'..='\u{206F}' | '\u{200B}'..='\u{200F}')
}

/// One set of values, and every secret and token made for the paste.
struct Values {
    key: String,
    secret: String,
    token: Option<String>,
    region: Option<String>,
    expiry: Option<String>,
}

fn values(rng: &mut Rng, secrets: &mut Vec<String>) -> Values {
    let temporary = rng.chance(85);
    let key = format!(
        "{}{}",
        if temporary { "ASIA" } else { "AKIA" },
        chars(rng, KEY_CHARS, 16)
    );
    let secret = chars(rng, BASE64, 40);
    secrets.push(secret.clone());
    let token = (temporary || rng.chance(10)).then(|| {
        let len = 120 + rng.below(700);
        let mut t = chars(rng, BASE64, len);
        if rng.chance(30) {
            t.push('=');
        }
        secrets.push(t.clone());
        t
    });
    let region = rng.chance(50).then(|| {
        rng.pick(&[
            "ap-southeast-1",
            "us-east-1",
            "eu-west-3",
            "us-gov-west-1",
            "US-EAST-1",
            "us-east-1a",
            "mars-1",
            "us_east_1",
            "",
        ])
        .to_string()
    });
    let expiry = rng.chance(70).then(|| {
        let ahead = match rng.below(6) {
            0 => -(rng.below(10 * 86_400) as i64),
            1 => rng.below(600) as i64,
            2 => 36 * 3600 + rng.below(30 * 86_400) as i64,
            _ => rng.below(12 * 3600) as i64,
        };
        let text = labmate_core::time::format_rfc3339(NOW + ahead);
        match rng.below(8) {
            0 => text.replace('Z', "+00:00"),
            1 => text.replace('T', " "),
            2 => "tomorrow".to_owned(),
            3 => text[..rng.below(text.len())].to_owned(),
            _ => text,
        }
    });
    Values {
        key,
        secret,
        token,
        region,
        expiry,
    }
}

/// The values in one of the formats labmate reads.
fn render(rng: &mut Rng, v: &Values) -> String {
    let mut fields: Vec<(&str, &str, &str)> = vec![
        ("AWS_ACCESS_KEY_ID", "aws_access_key_id", &v.key),
        ("AWS_SECRET_ACCESS_KEY", "aws_secret_access_key", &v.secret),
    ];
    if let Some(t) = &v.token {
        let env = if rng.chance(10) {
            "AWS_SECURITY_TOKEN"
        } else {
            "AWS_SESSION_TOKEN"
        };
        fields.push((env, "aws_session_token", t));
    }
    if let Some(r) = &v.region {
        let env = if rng.chance(50) {
            "AWS_REGION"
        } else {
            "AWS_DEFAULT_REGION"
        };
        fields.push((env, "region", r));
    }
    if let Some(e) = &v.expiry {
        fields.push(("AWS_CREDENTIAL_EXPIRATION", "x_security_token_expires", e));
    }
    if rng.chance(20) {
        let i = rng.below(fields.len());
        let j = rng.below(fields.len());
        fields.swap(i, j);
    }
    let quote = |rng: &mut Rng, value: &str| match rng.below(4) {
        0 => format!("\"{value}\""),
        1 => format!("'{value}'"),
        _ => value.to_owned(),
    };
    let mut out = String::new();
    match rng.below(9) {
        0 | 1 => {
            let prompt = if rng.chance(20) { "user@host:~$ " } else { "" };
            for (env, _, value) in &fields {
                let value = quote(rng, value);
                out.push_str(&format!("{prompt}export {env}={value}\n"));
            }
        }
        2 => {
            for (env, _, value) in &fields {
                let value = quote(rng, value);
                out.push_str(&format!("{env}={value}\n"));
            }
        }
        3 => {
            for (env, _, value) in &fields {
                let value = quote(rng, value);
                out.push_str(&format!("set -gx {env} {value}\n"));
            }
        }
        4 => {
            for (env, _, value) in &fields {
                out.push_str(&format!("PS C:\\> $Env:{env}=\"{value}\"\n"));
            }
        }
        5 => {
            for (env, _, value) in &fields {
                if rng.chance(50) {
                    out.push_str(&format!("C:\\Users\\me>set {env}={value}\n"));
                } else {
                    out.push_str(&format!("set \"{env}={value}\"\n"));
                }
            }
        }
        6 => {
            let profiles = 1 + rng.below(3);
            for p in 0..profiles {
                let name = rng
                    .pick(&[
                        "default",
                        "123456789012_AdministratorAccess",
                        "lab",
                        "profile lab",
                        "sso-session x",
                    ])
                    .to_string();
                let name = if p > 0 { format!("{name}{p}") } else { name };
                out.push_str(&format!("[{name}]\n"));
                for (_, key, value) in &fields {
                    out.push_str(&format!("{key} = {value}\n"));
                }
            }
        }
        7 => {
            out.push_str("{\n  \"Version\": 1,\n");
            for (env, _, value) in &fields {
                let name = json_name(env);
                out.push_str(&format!("  \"{name}\": \"{value}\",\n"));
            }
            out.push_str("  \"Extra\": null\n}\n");
        }
        _ => {
            out.push_str("{\"Credentials\": {");
            let members: Vec<String> = fields
                .iter()
                .map(|(env, _, value)| format!("\"{}\": \"{value}\"", json_name(env)))
                .collect();
            out.push_str(&members.join(", "));
            out.push_str("}, \"AssumedRoleUser\": {\"Arn\": \"arn:aws:sts::123456789012:assumed-role/lab/x\"}}\n");
        }
    }
    out
}

fn json_name(env: &str) -> &'static str {
    match env {
        "AWS_ACCESS_KEY_ID" => "AccessKeyId",
        "AWS_SECRET_ACCESS_KEY" => "SecretAccessKey",
        "AWS_SESSION_TOKEN" | "AWS_SECURITY_TOKEN" => "SessionToken",
        "AWS_CREDENTIAL_EXPIRATION" => "Expiration",
        _ => "Region",
    }
}

/// A random char boundary of `s`.
fn boundary(rng: &mut Rng, s: &str) -> usize {
    let mut i = rng.below(s.len() + 1);
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// Garbles `paste` the ways copying does, planting more secrets.
fn garble(rng: &mut Rng, mut paste: String, secrets: &mut Vec<String>) -> String {
    for _ in 0..rng.below(5) {
        match rng.below(10) {
            0 => {
                // Two lines run together: a lost line break.
                let breaks: Vec<usize> = paste.match_indices('\n').map(|(i, _)| i).collect();
                if !breaks.is_empty() {
                    let at = *rng.pick(&breaks);
                    paste.remove(at);
                }
            }
            1 => {
                let at = boundary(rng, &paste);
                paste.truncate(at);
            }
            2 | 3 => {
                let at = boundary(rng, &paste);
                let c = *rng.pick(INVISIBLE);
                paste.insert(at, c);
            }
            4 => {
                let planted = if rng.chance(50) {
                    chars(rng, BASE64, 40)
                } else {
                    let len = 100 + rng.below(400);
                    chars(rng, BASE64, len)
                };
                let at = boundary(rng, &paste);
                paste.insert_str(at, &planted);
                secrets.push(planted);
            }
            5 | 6 => {
                let at = boundary(rng, &paste);
                let g = *rng.pick(GARBAGE);
                paste.insert_str(at, g);
            }
            7 => {
                // A token wrapped by a narrow terminal.
                let width = 40 + rng.below(60);
                let mut out = String::new();
                for line in paste.split('\n') {
                    if line.len() > width && rng.chance(50) && line.is_ascii() {
                        for (i, chunk) in line.as_bytes().chunks(width).enumerate() {
                            if i > 0 {
                                out.push('\n');
                            }
                            out.push_str(std::str::from_utf8(chunk).unwrap());
                        }
                    } else {
                        out.push_str(line);
                    }
                    out.push('\n');
                }
                paste = out;
            }
            8 => paste = paste.replace('\n', "\r\n"),
            _ => {
                let doubled = paste.clone();
                paste.push_str(&doubled);
            }
        }
    }
    paste
}

/// The first piece of a secret found in `text`: a `SECRET_WINDOW`-long part
/// of a base64 run of `text` that is also part of a secret. Messages rarely
/// hold such runs, so this is quick.
fn leaked<'a>(text: &'a str, secrets: &[String]) -> Option<&'a str> {
    let bytes = text.as_bytes();
    let is_b64 = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'=');
    let mut i = 0;
    while i < bytes.len() {
        if !is_b64(bytes[i]) {
            i += 1;
            continue;
        }
        let start = i;
        while i < bytes.len() && is_b64(bytes[i]) {
            i += 1;
        }
        for w in start..(i + 1).saturating_sub(SECRET_WINDOW) {
            let piece = &text[w..w + SECRET_WINDOW];
            if secrets.iter().any(|s| s.contains(piece)) {
                return Some(piece);
            }
        }
    }
    None
}

fn generated_pastes() -> Result<String, String> {
    let seed = common::seed();
    let count = common::count("LABMATE_FUZZ_PASTES", 100_000);
    let mut rng = Rng(seed);
    let mut outcomes: BTreeMap<String, usize> = BTreeMap::new();
    let (mut longest, mut longest_paste) = (0, 0);
    let started = Instant::now();
    let fail = |i: usize, paste: &str, why: String| {
        Err(format!(
            "paste {i} of seed {seed} (LABMATE_FUZZ_SEED={seed} repeats it): {why}\n--- paste:\n{paste:?}"
        ))
    };
    for i in 0..count {
        let mut secrets = Vec::new();
        let v = values(&mut rng, &mut secrets);
        let mut paste = render(&mut rng, &v);
        if rng.chance(15) {
            // A second set: conflicting values, or a second profile.
            let w = values(&mut rng, &mut secrets);
            paste.push_str(&render(&mut rng, &w));
        }
        let paste = garble(&mut rng, paste, &mut secrets);
        longest_paste = longest_paste.max(paste.len());
        let result = match catch_unwind(AssertUnwindSafe(|| parse_credentials(&paste, NOW))) {
            Ok(result) => result,
            Err(_) => return fail(i, &paste, "parse_credentials panicked".into()),
        };
        let (outcome, messages, debug) = match &result {
            Ok(p) => (
                "parsed".to_owned(),
                p.warnings.iter().map(|w| w.message()).collect::<Vec<_>>(),
                format!("{p:?}"),
            ),
            Err(e) => {
                let debug = format!("{e:?}");
                let variant: String = debug
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric())
                    .collect();
                (format!("refused: {variant}"), vec![e.to_string()], debug)
            }
        };
        *outcomes.entry(outcome).or_default() += 1;
        for message in &messages {
            let chars = message.chars().count();
            longest = longest.max(chars);
            if chars > MAX_MESSAGE_CHARS {
                return fail(i, &paste, format!("a {chars}-character message: {message}"));
            }
            if let Some(c) = message.chars().find(|c| is_invisible(*c)) {
                return fail(i, &paste, format!("U+{:04X} in: {message:?}", c as u32));
            }
            if let Some(piece) = leaked(message, &secrets) {
                return fail(i, &paste, format!("secret piece {piece} in: {message}"));
            }
        }
        if let Some(piece) = leaked(&debug, &secrets) {
            return fail(i, &paste, format!("secret piece {piece} in Debug: {debug}"));
        }
    }
    let elapsed = started.elapsed();
    let outcomes: Vec<String> = outcomes.iter().map(|(k, n)| format!("{k} {n}")).collect();
    Ok(format!(
        "credential pastes: {count} generated pastes tried in {:.1} s (seed {seed}; longest \
         paste {longest_paste} bytes): no panic; no secret, token or invisible character in any \
         message; longest message {longest} characters (limit {MAX_MESSAGE_CHARS}).\n  \
         outcomes: {}",
        elapsed.as_secs_f64(),
        outcomes.join(", ")
    ))
}

/// Pastes built to make a line reader re-read its input.
fn adversarial(kind: usize, bytes: usize) -> (&'static str, String) {
    let (name, unit): (&str, fn(usize) -> String) = match kind {
        0 => (">a=b repeated on one line", |_| ">a=b".to_owned()),
        1 => (">a=b lines", |_| ">a=b\n".to_owned()),
        2 => ("prompts and unclosed quotes", |_| ">a=“$ x='".to_owned()),
        3 => ("[profile] headers", |i| {
            format!("[p{i}]\naws_access_key_id=ASIA\n")
        }),
        4 => ("chained statements", |_| "a=b;".to_owned()),
        5 => ("unclosed quoted tokens over base64 lines", |_| {
            "AWS_SESSION_TOKEN=\"abcd\nQUJDRA==\nQUJDRA==\n".to_owned()
        }),
        _ => ("nested JSON", |_| "{\"a\":[".to_owned()),
    };
    let mut text = String::new();
    let mut i = 0;
    while text.len() < bytes {
        text.push_str(&unit(i));
        i += 1;
    }
    text.truncate(bytes);
    while !text.is_char_boundary(text.len()) {
        text.pop();
    }
    (name, text)
}

/// Best of five runs of `parse_credentials` on each of `texts`.
fn time_parse(texts: &[&str]) -> Duration {
    (0..5)
        .map(|_| {
            let t = Instant::now();
            for text in texts {
                let _ = parse_credentials(text, NOW);
            }
            t.elapsed()
        })
        .min()
        .unwrap_or_default()
}

fn linear_time() -> Result<String, String> {
    // One 64 KB paste against eight 8 KB ones: the same time for linear
    // reading, eight times as long for quadratic. Allowing three times keeps
    // a busy machine from failing it.
    const MAX_RATIO: f64 = 3.0;
    // In release terms, 64 KB well under 50 ms; a debug build is allowed 20
    // times that.
    let limit = if cfg!(debug_assertions) {
        Duration::from_millis(1000)
    } else {
        Duration::from_millis(50)
    };
    let mut lines = Vec::new();
    for kind in 0..7 {
        let (name, small) = adversarial(kind, 8 * 1024);
        let (_, large) = adversarial(kind, 64 * 1024);
        let t_small = time_parse(&[small.as_str(); 8]);
        let t_large = time_parse(&[large.as_str()]);
        let ratio = t_large.as_secs_f64() / t_small.as_secs_f64().max(1e-6);
        lines.push(format!(
            "  {name}: 64 KB in {:.2} ms, 8 x 8 KB in {:.2} ms (ratio {ratio:.2})",
            t_large.as_secs_f64() * 1e3,
            t_small.as_secs_f64() * 1e3,
        ));
        if t_large > limit || (ratio > MAX_RATIO && t_large > Duration::from_millis(2)) {
            return Err(format!(
                "not linear: {name}: 64 KB in {t_large:?}, 8 x 8 KB in {t_small:?} (limit \
                 {limit:?}, ratio at most {MAX_RATIO})"
            ));
        }
    }
    Ok(format!(
        "credential pastes, linear time ({} build; limit for 64 KB {limit:?}):\n{}",
        if cfg!(debug_assertions) {
            "debug"
        } else {
            "release"
        },
        lines.join("\n")
    ))
}

fn main() {
    let mut failed = false;
    type Check = fn() -> Result<String, String>;
    let checks: [(&str, Check); 2] = [
        ("credential_pastes::generated_pastes", generated_pastes),
        ("credential_pastes::linear_time", linear_time),
    ];
    for (name, check) in checks {
        if !common::selected(name) {
            continue;
        }
        match check() {
            Ok(report) => println!("{report}"),
            Err(why) => {
                println!("FAILED {name}: {why}");
                failed = true;
            }
        }
    }
    if failed {
        std::process::exit(1);
    }
}
