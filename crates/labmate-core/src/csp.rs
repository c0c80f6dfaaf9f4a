//! Whether the page's Content-Security-Policy lets it connect to a URL, so
//! that a fetch the browser blocked is explained as that (the host is not
//! listed) rather than as a network or CORS failure: the browser gives the
//! page the same bare `TypeError` for all three.
//!
//! The matching follows CSP Level 3's source lists for `connect-src` (falling
//! back to `default-src`) as far as labmate's URLs need: `'self'`, `*`,
//! scheme sources (`https:`), and host sources with an optional scheme,
//! a `*.` wildcard, a port or `:*`, and a path. Hand-written: no maintained
//! crate matches a source list; it is a few rules, tested below.

/// A URL's origin parts; `None` for anything not `scheme://host[:port]...`.
fn parts(url: &str) -> Option<(String, String, u16, &str)> {
    let (scheme, rest) = url.split_once("://")?;
    let scheme = scheme.to_ascii_lowercase();
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, path) = rest.split_at(end);
    let (host, port) = match authority.rsplit_once(':') {
        Some((h, p)) => (h, p.parse().ok()?),
        None => (authority, default_port(&scheme)?),
    };
    if host.is_empty() {
        return None;
    }
    let path = path.split(['?', '#']).next().unwrap_or_default();
    Some((scheme, host.to_ascii_lowercase(), port, path))
}

fn default_port(scheme: &str) -> Option<u16> {
    match scheme {
        "http" | "ws" => Some(80),
        "https" | "wss" => Some(443),
        _ => None,
    }
}

/// The sources of the directive that governs `fetch()`: `connect-src`, else
/// `default-src`; `None` when the policy restricts neither.
fn connect_sources(policy: &str) -> Option<Vec<&str>> {
    let directive = |name: &str| {
        policy.split(';').find_map(|d| {
            let mut words = d.split_whitespace();
            (words.next()?.eq_ignore_ascii_case(name)).then(|| words.collect::<Vec<_>>())
        })
    };
    directive("connect-src").or_else(|| directive("default-src"))
}

/// Whether a page at `page_url` under `policy` may `fetch(url)`.
pub fn allows_connect(policy: &str, page_url: &str, url: &str) -> bool {
    let Some(sources) = connect_sources(policy) else {
        return true;
    };
    let (Some(page), Some(target)) = (parts(page_url), parts(url)) else {
        return false;
    };
    sources.iter().any(|s| source_matches(s, &page, &target))
}

type Parts<'a> = (String, String, u16, &'a str);

fn source_matches(source: &str, page: &Parts, target: &Parts) -> bool {
    let (t_scheme, t_host, t_port, t_path) = target;
    let network = matches!(t_scheme.as_str(), "http" | "https" | "ws" | "wss");
    let source = source.trim();
    if source.eq_ignore_ascii_case("'self'") {
        // Same origin, or its secure upgrade (http → https, ws → wss).
        let upgraded = |from: &str, to: &str| page.0 == from && t_scheme == to;
        return t_host == &page.1
            && (t_scheme == &page.0 && *t_port == page.2
                || upgraded("http", "https") && *t_port == 443
                || upgraded("http", "ws") && *t_port == page.2
                || upgraded("https", "wss") && *t_port == page.2);
    }
    if source == "*" {
        return network;
    }
    if source.starts_with('\'') {
        // 'none', nonces, hashes: never a URL.
        return false;
    }
    if let Some(scheme) = source.strip_suffix(':') {
        if !scheme.contains('/') {
            return scheme_allows(&scheme.to_ascii_lowercase(), t_scheme);
        }
    }
    let (scheme, rest) = match source.split_once("://") {
        Some((s, r)) => (Some(s.to_ascii_lowercase()), r),
        None => (None, source),
    };
    let scheme_ok = match &scheme {
        Some(s) => scheme_allows(s, t_scheme),
        // No scheme: the page's, or its secure upgrade.
        None => scheme_allows(&page.0, t_scheme),
    };
    let path_start = rest.find('/').unwrap_or(rest.len());
    let (authority, path) = rest.split_at(path_start);
    let (host, port) = match authority.rsplit_once(':') {
        Some((h, p)) => (h, Some(p)),
        None => (authority, None),
    };
    let host = host.to_ascii_lowercase();
    let host_ok = match host.strip_prefix("*.") {
        Some(suffix) => t_host.ends_with(&format!(".{suffix}")),
        None => host == "*" || host == *t_host,
    };
    let port_ok = match port {
        Some("*") => true,
        Some(p) => p.parse::<u16>().ok() == Some(*t_port),
        None => {
            let scheme = scheme.as_deref().unwrap_or(&page.0);
            default_port(scheme) == Some(*t_port)
                || (scheme == "http" && *t_port == 443 && t_scheme == "https")
        }
    };
    let path_ok = path.is_empty()
        || path == "/"
        || if path.ends_with('/') {
            t_path.starts_with(path)
        } else {
            *t_path == path
        };
    scheme_ok && host_ok && port_ok && path_ok
}

/// A source's scheme allows the target's: the same, or its secure upgrade.
fn scheme_allows(source: &str, target: &str) -> bool {
    source == target
        || (source == "http" && target == "https")
        || (source == "ws" && target == "wss")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The policy scripts/finish-dist.mjs writes, with a host added.
    const POLICY: &str = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; \
        style-src 'self'; img-src 'self' data:; \
        connect-src 'self' https://*.amazonaws.com http://127.0.0.1:4566; object-src 'none'";
    const PAGE: &str = "https://d111.cloudfront.net/course/labmate/";

    #[test]
    fn the_page_origin_and_aws_endpoints_are_allowed() {
        for url in [
            "https://d111.cloudfront.net/aoss/dynamodb_replicate/_search",
            "https://sts.ap-southeast-1.amazonaws.com/",
            "https://abc.ap-southeast-1.aoss.amazonaws.com/dynamodb_replicate/_count",
            "https://abc.execute-api.ap-southeast-1.amazonaws.com/v1/lab",
            "https://dynamodb.ap-southeast-1.amazonaws.com:443/",
            "http://127.0.0.1:4566/x",
        ] {
            assert!(allows_connect(POLICY, PAGE, url), "{url}");
        }
    }

    #[test]
    fn other_hosts_ports_and_schemes_are_not() {
        for url in [
            "https://api.example.org/v1/lab",
            "https://amazonaws.com/",
            "https://evilamazonaws.com/",
            "http://dynamodb.ap-southeast-1.amazonaws.com/",
            "http://127.0.0.1:4567/x",
            "https://d111.cloudfront.net:8443/",
            "http://d111.cloudfront.net/",
            "not a url",
        ] {
            assert!(!allows_connect(POLICY, PAGE, url), "{url}");
        }
    }

    #[test]
    fn connect_src_falls_back_to_default_src_and_no_policy_allows_all() {
        let url = "https://api.example.org/";
        assert!(!allows_connect("default-src 'self'", PAGE, url));
        assert!(allows_connect(
            "default-src 'none'; connect-src *",
            PAGE,
            url
        ));
        assert!(!allows_connect("connect-src 'none'", PAGE, url));
        assert!(allows_connect("script-src 'self'", PAGE, url));
        assert!(allows_connect("", PAGE, url));
    }

    #[test]
    fn self_follows_the_page_and_allows_its_secure_upgrade() {
        let page = "http://labmate.test:8080/app/";
        assert!(allows_connect(
            "connect-src 'self'",
            page,
            "http://labmate.test:8080/aoss/x"
        ));
        assert!(allows_connect(
            "connect-src 'self'",
            page,
            "https://labmate.test/x"
        ));
        assert!(!allows_connect(
            "connect-src 'self'",
            page,
            "http://labmate.test:8081/"
        ));
        assert!(!allows_connect(
            "connect-src 'self'",
            page,
            "http://other.test:8080/"
        ));
    }

    #[test]
    fn scheme_sources_schemeless_hosts_ports_and_paths() {
        assert!(allows_connect(
            "connect-src https:",
            PAGE,
            "https://any.example/"
        ));
        assert!(!allows_connect(
            "connect-src https:",
            PAGE,
            "http://any.example/"
        ));
        assert!(allows_connect(
            "connect-src api.example.org",
            PAGE,
            "https://api.example.org/"
        ));
        assert!(allows_connect(
            "connect-src api.example.org:*",
            PAGE,
            "https://api.example.org:9/"
        ));
        let dir = "connect-src https://api.example.org/v1/";
        assert!(allows_connect(dir, PAGE, "https://api.example.org/v1/lab"));
        assert!(!allows_connect(dir, PAGE, "https://api.example.org/v2/lab"));
        let file = "connect-src https://api.example.org/v1/lab";
        assert!(allows_connect(
            file,
            PAGE,
            "https://api.example.org/v1/lab?x=1"
        ));
        assert!(!allows_connect(
            file,
            PAGE,
            "https://api.example.org/v1/lab/more"
        ));
    }
}
