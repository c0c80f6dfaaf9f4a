//! The HTTP messages the core works on: plain request and response values.
//! (Named `message`, not `http`, so it does not shadow the `http` crate.)
//!
//! The core never touches sockets: the native server (and later a browser
//! shim) converts real traffic into these structs and back. Everything is kept
//! exactly as it arrived on the wire (raw, still percent-encoded path and
//! query; headers in order, duplicates kept) because SigV4 verification must
//! see the request the client signed, not a normalised copy of it.

/// An HTTP request as received.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Request {
    pub method: String,
    /// The raw path, percent-encoded as sent (`/a%20b`), without the query.
    pub path: String,
    /// The raw query string without the leading `?`; empty when there is none.
    pub query: String,
    /// Header names as sent (any case), in order, duplicates kept.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Request {
    pub fn new(method: &str, path: &str) -> Self {
        Request {
            method: method.to_owned(),
            path: path.to_owned(),
            ..Request::default()
        }
    }

    pub fn with_query(mut self, query: &str) -> Self {
        self.query = query.to_owned();
        self
    }

    pub fn with_header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    pub fn with_body(mut self, body: impl Into<Vec<u8>>) -> Self {
        self.body = body.into();
        self
    }

    /// The first value of header `name` (names compare case-insensitively).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Every value of header `name`, in order.
    pub fn header_values<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.headers
            .iter()
            .filter(move |(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// An HTTP response to send back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    pub fn new(status: u16) -> Self {
        Response {
            status,
            headers: Vec::new(),
            body: Vec::new(),
        }
    }

    /// A response with `body` and its `Content-Type`.
    pub fn with_body(status: u16, content_type: &str, body: impl Into<Vec<u8>>) -> Self {
        let mut response = Response::new(status);
        response.set_header("Content-Type", content_type);
        response.body = body.into();
        response
    }

    /// A JSON response.
    pub fn json(status: u16, value: &impl serde::Serialize) -> Self {
        // Serialising plain structs and maps of strings cannot fail.
        let body = serde_json::to_vec(value).unwrap_or_default();
        Response::with_body(status, "application/json", body)
    }

    /// Sets header `name`, replacing any earlier value of it.
    pub fn set_header(&mut self, name: &str, value: &str) {
        self.headers.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
        self.headers.push((name.to_owned(), value.to_owned()));
    }

    /// The first value of header `name` (names compare case-insensitively).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The body as text (lossy), for logs and tests.
    pub fn body_text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_are_found_case_insensitively_in_order() {
        let req = Request::new("GET", "/")
            .with_header("X-Amz-Date", "a")
            .with_header("x-amz-date", "b");
        assert_eq!(req.header("x-AMZ-date"), Some("a"));
        assert_eq!(
            req.header_values("X-AMZ-DATE").collect::<Vec<_>>(),
            ["a", "b"]
        );
        assert_eq!(req.header("host"), None);
    }

    #[test]
    fn set_header_replaces_any_case() {
        let mut res = Response::with_body(200, "text/plain", "hi");
        res.set_header("content-type", "text/xml");
        assert_eq!(
            res.headers,
            vec![("content-type".to_owned(), "text/xml".to_owned())]
        );
        assert_eq!(res.body_text(), "hi");
    }
}
