//! The in-page sandbox's addresses: where labmate "sends" each service's
//! requests when labsim's core runs in a Web Worker (crates/labsim-sandbox).
//! Nothing is ever fetched from them: the page's transport hands every
//! request for these hosts to the worker, which tells the service by the
//! host, as labsim's server tells it by the port. `.invalid` (RFC 2606)
//! names no real host, so a request that leaked to the network would fail.

use serde::{Deserialize, Serialize};

use crate::Service;

/// The sandbox's own address: what a `#sim=` link names for labsim; its
/// control endpoints (`/_labsim/...`) are under it.
pub const ADDRESS: &str = "https://sandbox.labsim.invalid";

/// The host of `service`'s endpoint in the sandbox.
pub fn host(service: Service) -> String {
    format!("{}.sandbox.labsim.invalid", service.key())
}

/// `service`'s endpoint in the sandbox (the API's is its invoke URL,
/// ending in the lab's resource path, as labsim's is).
pub fn endpoint(service: Service) -> String {
    let path = if service == Service::ApiGateway {
        crate::names::API_PATH
    } else {
        ""
    };
    format!("https://{}{path}", host(service))
}

/// Which service a request to `host` is for; `None` for the sandbox's
/// own address and any other host.
pub fn service_of_host(host: &str) -> Option<Service> {
    Service::ALL.into_iter().find(|s| self::host(*s) == host)
}

/// One request, as the page's transport hands it to the worker: the signed
/// URL (its host says which service, as labsim's port does) and the
/// headers as signed (no `Host`: the browser would add it, and so does the
/// worker).
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize)]
pub struct SandboxRequest {
    pub method: String,
    pub url: String,
    #[serde(default)]
    pub headers: Vec<(String, String)>,
    #[serde(default)]
    pub body: String,
}

/// The worker's answer, as labsim's server would have sent it.
/// `dropped`: nothing answers (an injected `drop` fault, or a host no
/// simulated service is at), as a fetch that fails.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize)]
pub struct SandboxAnswer {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
    /// The worker held the answer this long first (an injected `delay`).
    pub delay_ms: u64,
    pub dropped: bool,
}

impl SandboxAnswer {
    /// No answer at all.
    pub fn dropped() -> Self {
        SandboxAnswer {
            status: 0,
            headers: Vec::new(),
            body: String::new(),
            delay_ms: 0,
            dropped: true,
        }
    }

    /// The first value of header `name` (any case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_service_has_its_own_host_and_is_found_by_it() {
        for service in Service::ALL {
            assert_eq!(service_of_host(&host(service)), Some(service));
        }
        assert_eq!(service_of_host("sandbox.labsim.invalid"), None);
        assert_eq!(
            endpoint(Service::ApiGateway),
            "https://api.sandbox.labsim.invalid/v1/lab"
        );
        assert_eq!(
            endpoint(Service::Aoss),
            "https://aoss.sandbox.labsim.invalid"
        );
    }
}
