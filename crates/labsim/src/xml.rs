//! The query services' XML (STS, IAM): text escaped so a document stays
//! well-formed whatever a message echoes, and the error document both
//! services answer with.

/// Escapes text for XML content (messages echo client input). XML 1.0
/// cannot carry most C0 control characters (nor U+FFFE, U+FFFF) even as
/// character references, so those become U+FFFD and the document stays
/// well-formed; a carriage return is kept as `&#xD;`, which a parser would
/// otherwise turn into a line feed.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\r' => out.push_str("&#xD;"),
            '\t' | '\n' => out.push(c),
            c if c < ' ' || c == '\u{FFFE}' || c == '\u{FFFF}' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

/// `<ErrorResponse>` as STS and IAM write it, in the service's namespace.
pub fn error_document(
    xmlns: &str,
    kind: &str,
    code: &str,
    message: &str,
    request_id: &str,
) -> String {
    format!(
        "<ErrorResponse xmlns=\"{xmlns}\">\n  <Error>\n    <Type>{kind}</Type>\n    <Code>{code}</Code>\n    <Message>{}</Message>\n  </Error>\n  <RequestId>{}</RequestId>\n</ErrorResponse>\n",
        escape(message),
        escape(request_id),
    )
}
