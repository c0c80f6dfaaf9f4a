//! The lab's configuration: where each resource lives, and the share link
//! that carries it (never a secret).

use crate::service::{is_region, parse_aws_host, Service};
use crate::word;
use crate::words::Lang;

use lab_model::names;

pub const DEFAULT_REGION: &str = names::DEFAULT_REGION;
pub const DEFAULT_INDEX: &str = names::INDEX;
pub const DEFAULT_TABLE: &str = names::TABLE;
pub const DEFAULT_FUNCTION: &str = names::FUNCTION;

/// Where the lab's resources are. Endpoints left empty fall back to AWS's
/// regional endpoint for the region; any URL may be set instead (the
/// simulator, a same-origin route).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LabConfig {
    pub region: String,
    /// The POST /v1/lab invoke URL of `dynamodb-api-gw`.
    pub api_url: String,
    /// The OpenSearch Serverless collection endpoint.
    pub collection_endpoint: String,
    /// Where the browser sends collection requests instead: a same-origin
    /// route (`/aoss` on the page's own origin, or a full URL prefix), as a
    /// CloudFront behaviour forwards it. AOSS has no CORS, so a page can only
    /// reach it this way. Requests are still signed for the collection's host.
    pub collection_route: String,
    /// The same for the API (empty: call the invoke URL directly).
    pub api_route: String,
    pub index: String,
    pub table: String,
    pub function_name: String,
    /// Endpoint overrides for the JSON services and STS, by service.
    pub endpoints: EndpointOverrides,
    /// A labsim control URL: labmate reads the simulator's endpoints and
    /// demo credentials from it at start-up (so no secret is in the link).
    pub simulator: String,
    /// The API's and the collection's ids where their URLs do not show
    /// them (the simulator's local endpoints say them in their config);
    /// empty: read from the URLs' AWS host names.
    pub api_id: String,
    pub collection_id: String,
}

/// The services whose endpoint may be overridden, as named in share links.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ServiceKey {
    Sts,
    DynamoDb,
    Streams,
    Lambda,
    Logs,
    Iam,
}

impl ServiceKey {
    pub const ALL: [ServiceKey; 6] = [
        ServiceKey::Sts,
        ServiceKey::DynamoDb,
        ServiceKey::Streams,
        ServiceKey::Lambda,
        ServiceKey::Logs,
        ServiceKey::Iam,
    ];

    pub fn service(self) -> Service {
        match self {
            ServiceKey::Sts => Service::Sts,
            ServiceKey::DynamoDb => Service::DynamoDb,
            ServiceKey::Streams => Service::Streams,
            ServiceKey::Lambda => Service::Lambda,
            ServiceKey::Logs => Service::Logs,
            ServiceKey::Iam => Service::Iam,
        }
    }

    /// The share-link parameter: the service's key, as labsim names it too.
    pub fn param(self) -> &'static str {
        self.service().key()
    }
}

/// Endpoint overrides by service. A fixed array rather than a map: there are
/// six keys, and a map's code would weigh on the wasm bundle for nothing.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EndpointOverrides([String; 6]);

impl EndpointOverrides {
    /// The override for `key`, unless it is unset (empty or blank).
    pub fn get(&self, key: ServiceKey) -> Option<&str> {
        Some(self.0[key as usize].as_str()).filter(|s| !s.trim().is_empty())
    }

    /// Sets the override for `key`; an empty `url` unsets it.
    pub fn set(&mut self, key: ServiceKey, url: String) {
        self.0[key as usize] = url;
    }

    /// The overrides that are set, in [`ServiceKey::ALL`] order.
    pub fn iter(&self) -> impl Iterator<Item = (ServiceKey, &str)> {
        ServiceKey::ALL
            .into_iter()
            .filter_map(|key| Some((key, self.get(key)?)))
    }
}

/// One field of the configuration, as the setup panel edits it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConfigField {
    Region,
    ApiUrl,
    CollectionEndpoint,
    CollectionRoute,
    ApiRoute,
    Index,
    Table,
    FunctionName,
    Simulator,
    Endpoint(ServiceKey),
}

impl Default for LabConfig {
    fn default() -> Self {
        Self {
            region: DEFAULT_REGION.into(),
            api_url: String::new(),
            collection_endpoint: String::new(),
            collection_route: String::new(),
            api_route: String::new(),
            index: DEFAULT_INDEX.into(),
            table: DEFAULT_TABLE.into(),
            function_name: DEFAULT_FUNCTION.into(),
            endpoints: EndpointOverrides::default(),
            simulator: String::new(),
            api_id: String::new(),
            collection_id: String::new(),
        }
    }
}

/// Where to send a request for one service, and how to sign it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Endpoint {
    pub service: Service,
    /// Base URL without a trailing slash.
    pub url: String,
    /// The region to sign for: from the AWS host name, else the lab's.
    pub region: String,
    /// A same-origin route to send through instead of `url` (a path such
    /// as `/aoss`, or a URL prefix), without a trailing slash.
    pub route: Option<String>,
}

impl Endpoint {
    /// Where the browser sends a request signed for `signed_url`: the
    /// route followed by the signed URL's path and query, or the URL itself.
    pub fn send_url(&self, signed_url: &str) -> String {
        match &self.route {
            None => signed_url.to_owned(),
            Some(route) => {
                let after_scheme = signed_url.split_once("://").map_or(signed_url, |(_, r)| r);
                let path = after_scheme.find('/').map_or("", |i| &after_scheme[i..]);
                format!("{route}{path}")
            }
        }
    }
}

/// A problem with the configuration, worded for the learner by `words` in
/// the page's language (`Display` is the English). `field` is the English
/// name of the field (also how tests and code tell fields apart); `words`
/// names it in the learner's language.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    #[error("{}", self.words(Lang::En))]
    BadRegion { value: String },
    #[error("{}", self.words(Lang::En))]
    NotAUrl { field: &'static str, value: String },
    #[error("{}", self.words(Lang::En))]
    Missing {
        field: &'static str,
        hint: MissingHint,
    },
    /// `found` and `expected` are AWS's service names (never translated).
    #[error("{}", self.words(Lang::En))]
    WrongService {
        field: &'static str,
        found: &'static str,
        expected: &'static str,
    },
    #[error("{}", self.words(Lang::En))]
    RegionMismatch {
        field: &'static str,
        host_region: String,
        lab_region: String,
    },
    #[error("{}", self.words(Lang::En))]
    NotARoute { field: &'static str, value: String },
    #[error("{}", self.words(Lang::En))]
    BadName {
        field: &'static str,
        value: String,
        reason: NameRule,
    },
}

/// Where to find a missing value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MissingHint {
    ApiUrl,
    CollectionEndpoint,
    /// An endpoint override: nothing to add.
    Nothing,
}

/// The rule a resource name breaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NameRule {
    Empty,
    IndexLowerCase,
    IndexStart,
    IndexCharacters,
    TableLength,
    TableCharacters,
    FunctionLength,
    FunctionCharacters,
}

impl NameRule {
    pub fn words(self, lang: Lang) -> &'static str {
        match self {
            NameRule::Empty => word!(lang, setup.name_empty),
            NameRule::IndexLowerCase => word!(lang, setup.name_index_lower_case),
            NameRule::IndexStart => word!(lang, setup.name_index_start),
            NameRule::IndexCharacters => word!(lang, setup.name_index_characters),
            NameRule::TableLength => word!(lang, setup.name_table_length),
            NameRule::TableCharacters => word!(lang, setup.name_table_characters),
            NameRule::FunctionLength => word!(lang, setup.name_function_length),
            NameRule::FunctionCharacters => word!(lang, setup.name_function_characters),
        }
    }
}

impl MissingHint {
    pub fn words(self, lang: Lang) -> &'static str {
        match self {
            MissingHint::ApiUrl => word!(lang, setup.hint_api_url),
            MissingHint::CollectionEndpoint => word!(lang, setup.hint_collection_endpoint),
            MissingHint::Nothing => "",
        }
    }
}

/// A field's English name (as `ConfigError` carries it) in `lang`.
pub fn field_words(field: &'static str, lang: Lang) -> &'static str {
    match field {
        "API invoke URL" => word!(lang, setup.problem_field_api_url),
        "Collection endpoint" => word!(lang, setup.problem_field_collection_endpoint),
        "API route" => word!(lang, setup.problem_field_api_route),
        "Collection route" => word!(lang, setup.problem_field_collection_route),
        "Endpoint" => word!(lang, setup.problem_field_endpoint),
        "Index" => word!(lang, setup.problem_field_index),
        "Table" => word!(lang, setup.problem_field_table),
        "Function" => word!(lang, setup.problem_field_function),
        other => other,
    }
}

impl ConfigError {
    /// The problem as the setup panel shows it, in `lang`.
    pub fn words(&self, lang: Lang) -> String {
        match self {
            ConfigError::BadRegion { value } => word!(lang, setup.config_bad_region)(value),
            ConfigError::NotAUrl { field, value } => {
                word!(lang, setup.config_not_a_url)(field_words(field, lang), value)
            }
            ConfigError::Missing { field, hint } => {
                word!(lang, setup.config_missing)(field_words(field, lang), hint.words(lang))
            }
            ConfigError::WrongService {
                field,
                found,
                expected,
            } => word!(lang, setup.config_wrong_service)(field_words(field, lang), found, expected),
            ConfigError::RegionMismatch {
                field,
                host_region,
                lab_region,
            } => word!(lang, setup.config_region_mismatch)(
                field_words(field, lang),
                host_region,
                lab_region,
            ),
            ConfigError::NotARoute { field, value } => {
                word!(lang, setup.config_not_a_route)(field_words(field, lang), value)
            }
            ConfigError::BadName {
                field,
                value,
                reason,
            } => word!(lang, setup.config_bad_name)(
                field_words(field, lang),
                value,
                reason.words(lang),
            ),
        }
    }
}

/// The share link refused these parameters: they look like secrets.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ShareLinkImport {
    pub config: LabConfig,
    /// Parameters that looked like secrets and were dropped unread.
    pub dropped_secret_params: Vec<String>,
    /// Parameters labmate does not know, ignored.
    pub unknown_params: Vec<String>,
}

const SECRET_MARKERS: [&str; 5] = ["secret", "token", "password", "session", "credential"];

impl LabConfig {
    /// The text of `field`; an unset endpoint override is empty.
    pub fn field(&self, field: ConfigField) -> &str {
        match field {
            ConfigField::Region => &self.region,
            ConfigField::ApiUrl => &self.api_url,
            ConfigField::CollectionEndpoint => &self.collection_endpoint,
            ConfigField::CollectionRoute => &self.collection_route,
            ConfigField::ApiRoute => &self.api_route,
            ConfigField::Index => &self.index,
            ConfigField::Table => &self.table,
            ConfigField::FunctionName => &self.function_name,
            ConfigField::Simulator => &self.simulator,
            ConfigField::Endpoint(key) => self.endpoints.get(key).unwrap_or_default(),
        }
    }

    /// Sets `field` to `value`, trimmed (an empty endpoint override unsets it).
    pub fn set_field(&mut self, field: ConfigField, value: &str) {
        let value = value.trim().to_owned();
        let slot = match field {
            ConfigField::Region => &mut self.region,
            ConfigField::ApiUrl => &mut self.api_url,
            ConfigField::CollectionEndpoint => &mut self.collection_endpoint,
            ConfigField::CollectionRoute => &mut self.collection_route,
            ConfigField::ApiRoute => &mut self.api_route,
            ConfigField::Index => &mut self.index,
            ConfigField::Table => &mut self.table,
            ConfigField::FunctionName => &mut self.function_name,
            ConfigField::Simulator => &mut self.simulator,
            ConfigField::Endpoint(key) => return self.endpoints.set(key, value),
        };
        *slot = value;
    }

    /// The endpoint for `service`, or why there is none.
    pub fn endpoint(&self, service: Service) -> Result<Endpoint, ConfigError> {
        let (field, raw, hint, route) = match service {
            Service::ApiGateway => (
                "API invoke URL",
                self.api_url.as_str(),
                MissingHint::ApiUrl,
                ("API route", self.api_route.as_str()),
            ),
            Service::Aoss => (
                "Collection endpoint",
                self.collection_endpoint.as_str(),
                MissingHint::CollectionEndpoint,
                ("Collection route", self.collection_route.as_str()),
            ),
            other => {
                let key = ServiceKey::ALL
                    .into_iter()
                    .find(|k| k.service() == other)
                    .expect("every other service has a key");
                match self.endpoints.get(key) {
                    Some(url) => ("Endpoint", url, MissingHint::Nothing, ("", "")),
                    None => {
                        let url = other
                            .default_endpoint(&self.region)
                            .expect("regional service");
                        return Ok(Endpoint {
                            service: other,
                            url,
                            region: other.signing_region(&self.region).to_owned(),
                            route: None,
                        });
                    }
                }
            }
        };
        let raw = raw.trim();
        if raw.is_empty() {
            return Err(ConfigError::Missing { field, hint });
        }
        let url = normalise_url(field, raw)?;
        let host = url
            .split_once("://")
            .map(|(_, r)| r.split(['/', '?', '#']).next().unwrap_or_default())
            .unwrap_or_default();
        let region = match parse_aws_host(host) {
            Some(found) if found.service != service => {
                return Err(ConfigError::WrongService {
                    field,
                    found: found.service.label(),
                    expected: service.label(),
                })
            }
            Some(found) => found.region,
            // IAM signs for us-east-1 wherever it is reached.
            None => service.signing_region(&self.region).to_owned(),
        };
        let (route_field, route) = route;
        let route = match route.trim() {
            "" => None,
            r if r.starts_with('/') && !r.starts_with("//") && !r.contains(char::is_whitespace) => {
                Some(r.trim_end_matches('/').to_owned())
            }
            r => Some(
                normalise_url(route_field, r).map_err(|_| ConfigError::NotARoute {
                    field: route_field,
                    value: r.to_owned(),
                })?,
            ),
        };
        Ok(Endpoint {
            service,
            url,
            region,
            route,
        })
    }

    /// Every problem in the configuration, for the setup panel.
    pub fn problems(&self) -> Vec<ConfigError> {
        let mut out = Vec::new();
        if !is_region(&self.region) {
            out.push(ConfigError::BadRegion {
                value: self.region.clone(),
            });
        }
        for service in [Service::ApiGateway, Service::Aoss] {
            match self.endpoint(service) {
                Err(e) => out.push(e),
                Ok(ep) if ep.region != self.region && is_region(&self.region) => {
                    out.push(ConfigError::RegionMismatch {
                        field: if service == Service::Aoss {
                            "Collection endpoint"
                        } else {
                            "API invoke URL"
                        },
                        host_region: ep.region,
                        lab_region: self.region.clone(),
                    })
                }
                Ok(_) => {}
            }
        }
        for key in ServiceKey::ALL {
            if let Err(e) = self.endpoint(key.service()) {
                out.push(e);
            }
        }
        if let Err(reason) = check_index_name(&self.index) {
            out.push(ConfigError::BadName {
                field: "Index",
                value: self.index.clone(),
                reason,
            });
        }
        if let Err(reason) = check_table_name(&self.table) {
            out.push(ConfigError::BadName {
                field: "Table",
                value: self.table.clone(),
                reason,
            });
        }
        if let Err(reason) = check_function_name(&self.function_name) {
            out.push(ConfigError::BadName {
                field: "Function",
                value: self.function_name.clone(),
                reason,
            });
        }
        out
    }

    /// The share link's parameters: configuration only, never a secret.
    /// Defaults are left out so links stay short.
    pub fn to_share_params(&self) -> String {
        let defaults = LabConfig::default();
        let mut out = form_urlencoded::Serializer::new(String::new());
        let mut put = |k: &str, v: &str, default: &str| {
            if !v.trim().is_empty() && v != default {
                out.append_pair(k, v.trim());
            }
        };
        put("region", &self.region, &defaults.region);
        put("api", &self.api_url, "");
        put("collection", &self.collection_endpoint, "");
        put("collection_route", &self.collection_route, "");
        put("api_route", &self.api_route, "");
        put("index", &self.index, &defaults.index);
        put("table", &self.table, &defaults.table);
        put("function", &self.function_name, &defaults.function_name);
        for (key, url) in self.endpoints.iter() {
            put(key.param(), url, "");
        }
        put("sim", &self.simulator, "");
        put("api_id", &self.api_id, "");
        put("collection_id", &self.collection_id, "");
        out.finish()
    }

    /// Reads a share link's parameters (the part after `#` or `?`). Anything
    /// that looks like a secret is dropped unread, so a link someone crafted
    /// with keys in it never fills them in.
    pub fn from_share_params(params: &str) -> ShareLinkImport {
        let params = params.trim_start_matches(['#', '?']);
        let mut config = LabConfig::default();
        let mut dropped = Vec::new();
        let mut unknown = Vec::new();
        for (k, v) in form_urlencoded::parse(params.as_bytes()) {
            let key = k.to_ascii_lowercase();
            if SECRET_MARKERS.iter().any(|m| key.contains(m)) || key.contains("access_key") {
                dropped.push(k.into_owned());
                continue;
            }
            let v = v.trim().to_owned();
            match key.as_str() {
                "region" => config.region = v,
                "api" => config.api_url = v,
                "collection" => config.collection_endpoint = v,
                "collection_route" => config.collection_route = v,
                "api_route" => config.api_route = v,
                "index" => config.index = v,
                "table" => config.table = v,
                "function" => config.function_name = v,
                "sim" => config.simulator = v,
                "api_id" => config.api_id = v,
                "collection_id" => config.collection_id = v,
                other => match ServiceKey::ALL.into_iter().find(|s| s.param() == other) {
                    Some(s) => {
                        config.endpoints.set(s, v);
                    }
                    None => unknown.push(k.into_owned()),
                },
            }
        }
        ShareLinkImport {
            config,
            dropped_secret_params: dropped,
            unknown_params: unknown,
        }
    }
}

fn normalise_url(field: &'static str, raw: &str) -> Result<String, ConfigError> {
    let not_url = || ConfigError::NotAUrl {
        field,
        value: raw.to_owned(),
    };
    let (scheme, rest) = raw.split_once("://").ok_or_else(not_url)?;
    if !matches!(scheme, "https" | "http") || rest.is_empty() || raw.contains(char::is_whitespace) {
        return Err(not_url());
    }
    let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if host.is_empty() || host.starts_with(':') {
        return Err(not_url());
    }
    Ok(raw.trim_end_matches('/').to_owned())
}

/// OpenSearch index names: lower case, no spaces or `\/*?"<>|,#:`.
fn check_index_name(name: &str) -> Result<(), NameRule> {
    if name.is_empty() {
        return Err(NameRule::Empty);
    }
    if name.bytes().any(|b| b.is_ascii_uppercase()) {
        return Err(NameRule::IndexLowerCase);
    }
    if name.starts_with(['-', '_', '+']) {
        return Err(NameRule::IndexStart);
    }
    if name
        .chars()
        .any(|c| c.is_whitespace() || "\\/*?\"<>|,#:".contains(c))
    {
        return Err(NameRule::IndexCharacters);
    }
    Ok(())
}

/// DynamoDB table names: 3-255 of `a-zA-Z0-9_.-`.
fn check_table_name(name: &str) -> Result<(), NameRule> {
    if !(3..=255).contains(&name.len()) {
        return Err(NameRule::TableLength);
    }
    if !name
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"_.-".contains(&b))
    {
        return Err(NameRule::TableCharacters);
    }
    Ok(())
}

/// Lambda function names: 1-64 of `a-zA-Z0-9_-`.
fn check_function_name(name: &str) -> Result<(), NameRule> {
    if !(1..=64).contains(&name.len()) {
        return Err(NameRule::FunctionLength);
    }
    if !name
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"_-".contains(&b))
    {
        return Err(NameRule::FunctionCharacters);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lab() -> LabConfig {
        LabConfig {
            api_url: "https://abc123defg.execute-api.ap-southeast-1.amazonaws.com/v1/lab".into(),
            collection_endpoint: "https://0a1b2c3d4e5f.ap-southeast-1.aoss.amazonaws.com/".into(),
            ..LabConfig::default()
        }
    }

    #[test]
    fn defaults_are_the_workshops_names() {
        let c = LabConfig::default();
        assert_eq!(c.region, "ap-southeast-1");
        assert_eq!(c.index, "dynamodb_replicate");
        assert_eq!(c.table, "lab-table");
        assert_eq!(c.function_name, "sync-data-with-dynamodb-stream");
    }

    #[test]
    fn endpoints_derive_service_and_region_from_aws_hosts() {
        let c = lab();
        let aoss = c.endpoint(Service::Aoss).unwrap();
        assert_eq!(
            aoss.url,
            "https://0a1b2c3d4e5f.ap-southeast-1.aoss.amazonaws.com"
        );
        assert_eq!(aoss.region, "ap-southeast-1");
        let sts = c.endpoint(Service::Sts).unwrap();
        assert_eq!(sts.url, "https://sts.ap-southeast-1.amazonaws.com");
        assert!(c.problems().is_empty(), "{:?}", c.problems());
    }

    #[test]
    fn iam_is_global_and_signs_for_us_east_1_wherever_it_is_reached() {
        let mut c = lab();
        let iam = c.endpoint(Service::Iam).unwrap();
        assert_eq!(
            (iam.url.as_str(), iam.region.as_str()),
            ("https://iam.amazonaws.com", "us-east-1")
        );
        // The simulator's IAM port has no AWS host name to read a region from.
        c.endpoints
            .set(ServiceKey::Iam, "http://127.0.0.1:9108".to_owned());
        let iam = c.endpoint(Service::Iam).unwrap();
        assert_eq!(
            (iam.url.as_str(), iam.region.as_str()),
            ("http://127.0.0.1:9108", "us-east-1")
        );
        assert!(
            c.to_share_params().contains("iam=http"),
            "{}",
            c.to_share_params()
        );
        // Every service has an endpoint in a complete lab (none panics).
        for service in Service::ALL {
            assert!(c.endpoint(service).is_ok(), "{service}");
        }
    }

    #[test]
    fn a_route_changes_where_requests_go_not_what_is_signed() {
        let mut c = lab();
        c.collection_route = "/aoss/".into();
        let aoss = c.endpoint(Service::Aoss).unwrap();
        assert_eq!(
            aoss.url,
            "https://0a1b2c3d4e5f.ap-southeast-1.aoss.amazonaws.com"
        );
        assert_eq!(aoss.region, "ap-southeast-1");
        assert_eq!(
            aoss.send_url(
                "https://0a1b2c3d4e5f.ap-southeast-1.aoss.amazonaws.com/dynamodb_replicate/_count?q=1"
            ),
            "/aoss/dynamodb_replicate/_count?q=1"
        );
        c.api_route = "https://d111.cloudfront.net/api".into();
        let api = c.endpoint(Service::ApiGateway).unwrap();
        assert_eq!(
            api.send_url(&api.url),
            "https://d111.cloudfront.net/api/v1/lab"
        );
        // Without a route, the signed URL is the one fetched.
        c.api_route.clear();
        let api = c.endpoint(Service::ApiGateway).unwrap();
        assert_eq!(api.send_url(&api.url), api.url);
        assert!(c.problems().is_empty(), "{:?}", c.problems());
    }

    #[test]
    fn a_bad_route_is_named() {
        for bad in ["aoss", "//cdn.example/aoss", "ftp://x/aoss", "/a oss"] {
            let mut c = lab();
            c.collection_route = bad.into();
            let err = c.endpoint(Service::Aoss).unwrap_err();
            assert_eq!(
                err,
                ConfigError::NotARoute {
                    field: "Collection route",
                    value: bad.into()
                },
                "{bad}"
            );
            assert!(err.to_string().contains("such as /aoss"), "{err}");
            assert_eq!(c.problems(), vec![err]);
        }
    }

    #[test]
    fn fields_are_read_and_set_trimmed() {
        let mut c = LabConfig::default();
        c.set_field(ConfigField::Index, "  my_index \n");
        assert_eq!(c.index, "my_index");
        assert_eq!(c.field(ConfigField::Index), "my_index");
        c.set_field(
            ConfigField::Endpoint(ServiceKey::Logs),
            " http://127.0.0.1:9106 ",
        );
        assert_eq!(
            c.field(ConfigField::Endpoint(ServiceKey::Logs)),
            "http://127.0.0.1:9106"
        );
        assert_eq!(
            c.endpoint(Service::Logs).unwrap().url,
            "http://127.0.0.1:9106"
        );
        c.set_field(ConfigField::Endpoint(ServiceKey::Logs), "  ");
        assert_eq!(c.field(ConfigField::Endpoint(ServiceKey::Logs)), "");
        assert_eq!(
            c.endpoint(Service::Logs).unwrap().url,
            "https://logs.ap-southeast-1.amazonaws.com"
        );
    }

    #[test]
    fn routes_travel_in_the_share_link() {
        let mut c = lab();
        c.collection_route = "/aoss".into();
        c.api_route = "/api".into();
        let back = LabConfig::from_share_params(&c.to_share_params());
        assert_eq!(back.config, c);
        assert!(back.unknown_params.is_empty());
    }

    #[test]
    fn custom_endpoints_sign_for_the_labs_region() {
        let mut c = lab();
        c.api_url = "http://127.0.0.1:4510/v1/lab".into();
        c.endpoints
            .set(ServiceKey::Sts, "http://127.0.0.1:4515".into());
        let ep = c.endpoint(Service::ApiGateway).unwrap();
        assert_eq!(
            (ep.url.as_str(), ep.region.as_str()),
            ("http://127.0.0.1:4510/v1/lab", "ap-southeast-1")
        );
        assert_eq!(
            c.endpoint(Service::Sts).unwrap().url,
            "http://127.0.0.1:4515"
        );
    }

    #[test]
    fn swapped_endpoints_are_named() {
        let mut c = lab();
        std::mem::swap(&mut c.api_url, &mut c.collection_endpoint);
        assert_eq!(
            c.endpoint(Service::ApiGateway).unwrap_err(),
            ConfigError::WrongService {
                field: "API invoke URL",
                found: "OpenSearch Serverless",
                expected: "API Gateway"
            }
        );
    }

    #[test]
    fn problems_name_each_bad_field() {
        let c = LabConfig {
            region: "Singapore".into(),
            api_url: "abc123.execute-api".into(),
            collection_endpoint: String::new(),
            collection_route: String::new(),
            api_route: String::new(),
            index: "Dynamodb Replicate".into(),
            table: "x".into(),
            function_name: "bad name".into(),
            endpoints: EndpointOverrides::default(),
            simulator: String::new(),
            api_id: String::new(),
            collection_id: String::new(),
        };
        let p = c.problems();
        assert!(p.contains(&ConfigError::BadRegion {
            value: "Singapore".into()
        }));
        assert!(p.iter().any(|e| matches!(
            e,
            ConfigError::NotAUrl {
                field: "API invoke URL",
                ..
            }
        )));
        assert!(p.iter().any(|e| matches!(
            e,
            ConfigError::Missing {
                field: "Collection endpoint",
                ..
            }
        )));
        assert!(p
            .iter()
            .any(|e| matches!(e, ConfigError::BadName { field: "Index", .. })));
        assert!(p
            .iter()
            .any(|e| matches!(e, ConfigError::BadName { field: "Table", .. })));
        assert!(p.iter().any(|e| matches!(
            e,
            ConfigError::BadName {
                field: "Function",
                ..
            }
        )));
    }

    #[test]
    fn region_mismatch_is_reported() {
        let mut c = lab();
        c.region = "us-east-1".into();
        assert!(c
            .problems()
            .iter()
            .any(|e| matches!(e, ConfigError::RegionMismatch { .. })));
    }

    #[test]
    fn share_link_round_trips_and_skips_defaults() {
        let mut c = lab();
        c.endpoints
            .set(ServiceKey::Logs, "http://127.0.0.1:4519".into());
        let params = c.to_share_params();
        assert!(!params.contains("index="), "{params}");
        let back = LabConfig::from_share_params(&format!("#{params}"));
        let mut expected = c.clone();
        expected.collection_endpoint = expected
            .collection_endpoint
            .trim_end_matches('/')
            .to_owned();
        assert_eq!(back.config.api_url, expected.api_url);
        assert_eq!(back.config.endpoints, expected.endpoints);
        assert!(back.dropped_secret_params.is_empty());
        // The simulator's ids travel too (its local URLs do not show them).
        c.api_id = "a1b2c3d4e5".into();
        c.collection_id = "0a1b2c".into();
        let back = LabConfig::from_share_params(&c.to_share_params()).config;
        assert_eq!(
            (back.api_id.as_str(), back.collection_id.as_str()),
            ("a1b2c3d4e5", "0a1b2c")
        );
    }

    #[test]
    fn share_link_drops_secrets_unread() {
        let imp = LabConfig::from_share_params(
            "region=eu-west-1&aws_secret_access_key=abc&SessionToken=xyz&AWS_ACCESS_KEY_ID=ASIA&colour=blue",
        );
        assert_eq!(imp.config.region, "eu-west-1");
        assert_eq!(
            imp.dropped_secret_params,
            vec!["aws_secret_access_key", "SessionToken", "AWS_ACCESS_KEY_ID"]
        );
        assert_eq!(imp.unknown_params, vec!["colour"]);
    }

    /// Every configuration problem in both languages: English is
    /// `Display`'s, the Vietnamese differs and carries the same values.
    #[test]
    fn every_problem_is_worded_in_both_languages_with_its_values() {
        let mut errors: Vec<(ConfigError, Vec<&str>)> = vec![
            (
                ConfigError::BadRegion {
                    value: "Singapore".into(),
                },
                vec!["\"Singapore\"", "ap-southeast-1"],
            ),
            (
                ConfigError::NotAUrl {
                    field: "Endpoint",
                    value: "nope".into(),
                },
                vec!["Endpoint", "\"nope\"", "https://"],
            ),
            (
                ConfigError::Missing {
                    field: "API invoke URL",
                    hint: MissingHint::ApiUrl,
                },
                vec!["dynamodb-api-gw", "/lab"],
            ),
            (
                ConfigError::Missing {
                    field: "Collection endpoint",
                    hint: MissingHint::CollectionEndpoint,
                },
                vec!["lab-collection"],
            ),
            (
                ConfigError::Missing {
                    field: "Endpoint",
                    hint: MissingHint::Nothing,
                },
                vec!["Endpoint"],
            ),
            (
                ConfigError::WrongService {
                    field: "Collection endpoint",
                    found: "API Gateway",
                    expected: "OpenSearch Serverless",
                },
                vec!["API Gateway", "OpenSearch Serverless"],
            ),
            (
                ConfigError::RegionMismatch {
                    field: "API invoke URL",
                    host_region: "us-west-2".into(),
                    lab_region: "ap-southeast-1".into(),
                },
                vec!["us-west-2", "ap-southeast-1"],
            ),
            (
                ConfigError::NotARoute {
                    field: "API route",
                    value: "x y".into(),
                },
                vec!["\"x y\"", "/aoss"],
            ),
        ];
        for (field, reason) in [
            ("Index", NameRule::Empty),
            ("Index", NameRule::IndexLowerCase),
            ("Index", NameRule::IndexStart),
            ("Index", NameRule::IndexCharacters),
            ("Table", NameRule::TableLength),
            ("Table", NameRule::TableCharacters),
            ("Function", NameRule::FunctionLength),
            ("Function", NameRule::FunctionCharacters),
        ] {
            assert_ne!(reason.words(Lang::Vi), reason.words(Lang::En));
            errors.push((
                ConfigError::BadName {
                    field,
                    value: "Bad Name".into(),
                    reason,
                },
                vec!["\"Bad Name\""],
            ));
        }
        for (e, values) in errors {
            let (en, vi) = (e.words(Lang::En), e.words(Lang::Vi));
            assert_eq!(en, e.to_string());
            assert_ne!(vi, en, "not translated: {en}");
            for v in values {
                assert!(en.contains(v), "{en} lacks {v}");
                assert!(vi.contains(v), "{vi} lacks {v}");
            }
        }
        // Each field is named in the learner's language.
        assert_eq!(field_words("Table", Lang::Vi), "Bảng");
        assert_eq!(field_words("Table", Lang::En), "Table");
    }
}
