//! What projector mode hides from a text before it is shown: account ids
//! (alone or inside ARNs) and access key ids. Secret keys and session
//! tokens are never shown in any mode; this is for what is fine on the
//! learner's own screen but not on a wall in front of the class.

/// `text` with every 12-digit account id and every access key id
/// (`AKIA`/`ASIA` and 16 more capitals or digits) replaced by bullets of
/// the same length, so layouts do not jump when the mode changes.
pub fn mask_ids(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        let run = |pred: fn(char) -> bool| chars[i..].iter().take_while(|c| pred(**c)).count();
        let starts_word = i == 0 || !chars[i - 1].is_ascii_alphanumeric();
        let digits = run(|c| c.is_ascii_digit());
        if starts_word && digits == 12 {
            out.extend(std::iter::repeat_n('•', 12));
            i += 12;
            continue;
        }
        let key = run(|c| c.is_ascii_uppercase() || c.is_ascii_digit());
        let prefix: String = chars[i..].iter().take(4).collect();
        if starts_word && key == 20 && (prefix == "AKIA" || prefix == "ASIA") {
            out.push_str(&prefix);
            out.extend(std::iter::repeat_n('•', 16));
            i += 20;
            continue;
        }
        // Past the rest of a word or number, so no id starts mid-word.
        let word = run(|c| c.is_ascii_alphanumeric()).max(1);
        out.extend(&chars[i..i + word]);
        i += word;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn account_ids_in_arns_and_alone_are_masked() {
        assert_eq!(
            mask_ids("arn:aws:iam::123456789012:role/lambda-lab-role"),
            "arn:aws:iam::••••••••••••:role/lambda-lab-role"
        );
        assert_eq!(mask_ids("account 123456789012."), "account ••••••••••••.");
    }

    #[test]
    fn access_key_ids_keep_their_kind() {
        assert_eq!(
            mask_ids("key ASIAIOSFODNN7EXAMPLE in use"),
            "key ASIA•••••••••••••••• in use"
        );
    }

    #[test]
    fn other_numbers_and_words_are_left_alone() {
        for text in [
            "1234567890123 is thirteen digits",
            "stream/2026-11-18T10:00:00.000",
            "x123456789012 is part of a word",
            "AKIAshort",
            "épée 12 ms",
        ] {
            assert_eq!(mask_ids(text), text);
        }
    }
}
