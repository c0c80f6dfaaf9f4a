//! The `standard` analyser: Lucene's StandardTokenizer (Unicode word
//! boundaries, UAX #29) followed by lowercasing.
//!
//! A full UAX #29 implementation needs Unicode property tables, which would be
//! a dependency; this keeps the rules that matter for the text a lab produces:
//! letters, digits and `_` form words; `.` `'` `:` join two letters
//! (`example.com`, `don't`), `.` `'` `,` `;` join two digits (`3.14`,
//! `1,000`); ideographs and kana are one token each; everything else
//! separates. Tokens longer than 255 characters are split, as the standard
//! tokenizer's `max_token_length` does.

/// Characters in one token at most (`max_token_length`).
const MAX_TOKEN_LENGTH: usize = 255;

/// The lowercased tokens of `text`, in order (positions are the indexes).
pub(crate) fn analyze(text: &str) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    let mut tokens = Vec::new();
    let mut current = String::new();
    let mut current_len = 0;
    let flush = |current: &mut String, current_len: &mut usize, tokens: &mut Vec<String>| {
        if !current.is_empty() {
            tokens.push(std::mem::take(current));
        }
        *current_len = 0;
    };
    for (i, &c) in chars.iter().enumerate() {
        if is_ideographic(c) {
            flush(&mut current, &mut current_len, &mut tokens);
            tokens.push(c.to_lowercase().collect());
            continue;
        }
        let joins = !current.is_empty()
            && match (chars.get(i.wrapping_sub(1)), chars.get(i + 1)) {
                (Some(&before), Some(&after)) => joins_word(before, c, after),
                _ => false,
            };
        if is_word(c) || joins {
            if current_len == MAX_TOKEN_LENGTH {
                flush(&mut current, &mut current_len, &mut tokens);
            }
            current.extend(c.to_lowercase());
            current_len += 1;
        } else {
            flush(&mut current, &mut current_len, &mut tokens);
        }
    }
    flush(&mut current, &mut current_len, &mut tokens);
    tokens
}

fn is_word(c: char) -> bool {
    (c.is_alphanumeric() || c == '_') && !is_ideographic(c)
}

/// Whether `mid` between `before` and `after` stays inside a word
/// (UAX #29 rules WB6/WB7 for letters, WB11/WB12 for digits).
fn joins_word(before: char, mid: char, after: char) -> bool {
    let letters = before.is_alphabetic() && after.is_alphabetic();
    let digits = before.is_numeric() && after.is_numeric();
    (letters && matches!(mid, '.' | '\'' | ':' | '\u{2019}'))
        || (digits && matches!(mid, '.' | '\'' | ',' | ';' | '\u{2019}'))
}

/// Han, Hiragana and Katakana: the standard tokenizer emits these one
/// character at a time.
fn is_ideographic(c: char) -> bool {
    matches!(c,
        '\u{3040}'..='\u{30FF}'
        | '\u{3400}'..='\u{4DBF}'
        | '\u{4E00}'..='\u{9FFF}'
        | '\u{F900}'..='\u{FAFF}'
        | '\u{20000}'..='\u{2FA1F}')
}

#[cfg(test)]
mod tests {
    use super::analyze;

    #[test]
    fn lowercases_and_splits_on_separators() {
        assert_eq!(analyze("Hello, World!"), ["hello", "world"]);
        assert_eq!(
            analyze("4b2c-ABC_def  x"),
            ["4b2c", "abc_def", "x"],
            "hyphens split, underscores join"
        );
        assert_eq!(analyze(""), Vec::<String>::new());
        assert_eq!(analyze(" -- "), Vec::<String>::new());
    }

    #[test]
    fn keeps_word_internal_punctuation() {
        assert_eq!(analyze("don't stop"), ["don't", "stop"]);
        assert_eq!(
            analyze("pi is 3.14, n=1,000"),
            ["pi", "is", "3.14", "n", "1,000"]
        );
        assert_eq!(analyze("mail a@example.com."), ["mail", "a", "example.com"]);
        assert_eq!(
            analyze("a.1"),
            ["a", "1"],
            "a letter and a digit do not join"
        );
    }

    #[test]
    fn ideographs_are_single_tokens_and_long_words_split() {
        assert_eq!(
            analyze("東京タワー ok"),
            ["東", "京", "タ", "ワ", "ー", "ok"]
        );
        let long = "a".repeat(300);
        let tokens = analyze(&long);
        assert_eq!(tokens.len(), 2);
        assert_eq!(tokens[0].len(), 255);
        assert_eq!(tokens[1].len(), 45);
    }
}
