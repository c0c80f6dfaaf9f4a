//! What crosses between the page and the worker (typed once, in
//! `lab_model::sandbox`), and a request's URL read as labsim's server
//! reads a request line.

pub use lab_model::sandbox::{SandboxAnswer, SandboxRequest};

/// Why a request could not be read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RequestError {
    /// Only `http://` and `https://` URLs are sent.
    #[error("not an http(s) URL: {0}")]
    NotHttp(String),
}

/// A URL taken apart as labsim's server sees it: host, the raw path
/// (still percent-encoded) and the raw query.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Target<'a> {
    pub host: &'a str,
    pub path: &'a str,
    pub query: &'a str,
}

/// Splits `url`; the signer has already put it in the form it signed (no
/// fragment, no user info, lower-case host).
pub fn target(url: &str) -> Result<Target<'_>, RequestError> {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .ok_or_else(|| RequestError::NotHttp(url.to_owned()))?;
    let host_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (host, rest) = rest.split_at(host_end);
    let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
    Ok(Target {
        host,
        path: if path.is_empty() { "/" } else { path },
        query,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_url_splits_into_host_raw_path_and_raw_query() {
        assert_eq!(
            target("https://aoss.h/dynamodb_replicate/_search?q=a%20b&x=1").unwrap(),
            Target {
                host: "aoss.h",
                path: "/dynamodb_replicate/_search",
                query: "q=a%20b&x=1"
            }
        );
        assert_eq!(
            target("https://sts.h?Action=X").unwrap(),
            Target {
                host: "sts.h",
                path: "/",
                query: "Action=X"
            }
        );
        assert_eq!(
            target("ftp://x/"),
            Err(RequestError::NotHttp("ftp://x/".into()))
        );
    }
}
