//! IAM's wildcard matching: `*` matches any run of characters (none
//! included) and `?` exactly one. Neither stops at `:` or `/`, so one `*`
//! can span several ARN segments (`arn:aws:logs:*:*:*` matches
//! `arn:aws:logs:ap-southeast-1:123456789012:log-group:/aws/lambda/f:log-stream:`).

/// Whether `text` matches `pattern`. Actions compare case-insensitively,
/// resources (ARNs) and condition values case-sensitively.
pub fn wildcard_match(pattern: &str, text: &str, case_insensitive: bool) -> bool {
    let pattern: Vec<char> = pattern.chars().collect();
    let text: Vec<char> = text.chars().collect();
    let same = |a: char, b: char| {
        if case_insensitive {
            a == b || a.to_lowercase().eq(b.to_lowercase())
        } else {
            a == b
        }
    };
    let (mut p, mut t) = (0, 0);
    // Where the last `*` was, and the text position it is currently taken to
    // end at: on a mismatch the star swallows one more character.
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        if p < pattern.len() && pattern[p] == '*' {
            star = Some((p, t));
            p += 1;
        } else if p < pattern.len() && (pattern[p] == '?' || same(pattern[p], text[t])) {
            p += 1;
            t += 1;
        } else if let Some((star_p, star_t)) = star {
            p = star_p + 1;
            t = star_t + 1;
            star = Some((star_p, star_t + 1));
        } else {
            return false;
        }
    }
    pattern[p..].iter().all(|&c| c == '*')
}

/// An `Action`/`NotAction` entry against a request's action
/// (`dynamodb:Get*` matches `dynamodb:GetItem` and `DynamoDB:getitem`).
pub fn action_matches(pattern: &str, action: &str) -> bool {
    wildcard_match(pattern, action, true)
}

/// A `Resource`/`NotResource` entry against a request's resource ARN.
pub fn resource_matches(pattern: &str, resource: &str) -> bool {
    wildcard_match(pattern, resource, false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actions_match_case_insensitively_with_wildcards() {
        assert!(action_matches("dynamodb:Get*", "dynamodb:GetItem"));
        assert!(action_matches("dynamodb:Get*", "DynamoDB:getitem"));
        assert!(action_matches("DYNAMODB:GETRECORDS", "dynamodb:GetRecords"));
        assert!(action_matches("aoss:*", "aoss:APIAccessAll"));
        assert!(action_matches("*", "logs:FilterLogEvents"));
        assert!(action_matches("lambda:Get?unction", "lambda:GetFunction"));
        assert!(action_matches("*:Describe*", "dynamodb:DescribeStream"));
        assert!(!action_matches("dynamodb:Get*", "dynamodb:PutItem"));
        assert!(!action_matches("dynamodb:Get*", "dynamodbx:GetItem"));
        assert!(!action_matches("lambda:Get?unction", "lambda:GetFFunction"));
        assert!(!action_matches("aoss:*", "es:ESHttpGet"));
        // No implicit prefix match.
        assert!(!action_matches("dynamodb:Get", "dynamodb:GetItem"));
    }

    #[test]
    fn resources_match_case_sensitively_across_segments() {
        let stream = "arn:aws:dynamodb:ap-southeast-1:123456789012:table/lab-table/stream/2024-10-08T19:55:22.500";
        assert!(resource_matches(
            "arn:aws:dynamodb:ap-southeast-1:123456789012:table/lab-table/stream/*",
            stream
        ));
        assert!(resource_matches("arn:aws:dynamodb:*:*:table/*", stream));
        assert!(resource_matches("*", stream));
        assert!(resource_matches(
            "arn:aws:logs:*:*:*",
            "arn:aws:logs:ap-southeast-1:123456789012:log-group:/aws/lambda/f:log-stream:"
        ));
        assert!(!resource_matches(
            "arn:aws:dynamodb:ap-southeast-1:123456789012:table/Lab-Table/stream/*",
            stream
        ));
        assert!(!resource_matches(
            "arn:aws:dynamodb:ap-southeast-1:123456789012:table/lab-table",
            stream
        ));
        assert!(resource_matches(
            "arn:aws:lambda:*:*:function:sync-?ata-*",
            "arn:aws:lambda:ap-southeast-1:123456789012:function:sync-data-with-dynamodb-stream"
        ));
        assert!(!resource_matches("arn:aws:s3:::b?", "arn:aws:s3:::b"));
    }

    #[test]
    fn stars_backtrack() {
        assert!(wildcard_match("a*b*c", "aXbYbZc", false));
        assert!(wildcard_match("*a", "aaa", false));
        assert!(wildcard_match("a**", "a", false));
        assert!(wildcard_match("", "", false));
        assert!(!wildcard_match("", "a", false));
        assert!(!wildcard_match("a*b", "aXbY", false));
        assert!(wildcard_match("é*", "É1", true));
    }
}
