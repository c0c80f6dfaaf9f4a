//! Injected faults (`/_labsim/faults`): rules that make a service answer
//! with an error, late, or not at all, so a page's error handling can be
//! exercised on demand.
//!
//! A rule names a service and optionally narrows it to an operation (the
//! `X-Amz-Target` operation of the JSON services, STS's `Action`), a path
//! prefix and a method. It fires a number of times (`times`), with a
//! probability drawn from a seeded generator (`probability`, so runs are
//! reproducible), both, or always. The first rule that fires wins.
//!
//! One kind is a switch rather than a fault: `no_reader_limit` turns off
//! DynamoDB Streams' limit of two readers per shard while the rule is in
//! force (until `DELETE /_labsim/faults` or a reset), for suites that read
//! the stream from several clients at once. It never fires on a request.
//!
//! The core only decides: [`FaultKind::Delay`] and [`FaultKind::Drop`] are
//! carried out by whoever does the I/O (the native server sleeps, or closes
//! the connection). Nothing here does I/O or reads a clock.

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::iam::AossDenial;
use crate::message::Request;
use crate::rng::SplitMix64;
use crate::Service;
use lab_model::UnknownService;

/// A rule as `POST /_labsim/faults` takes it: matching fields, how often,
/// and exactly one kind (`status`+`body`, `delay_ms`, `drop`, `throttle`,
/// `expired_token`, `clock_skew_s`, `no_reader_limit`, and for `aoss`
/// `network_policy_deny` or `data_access_deny`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaultSpec {
    /// `sts`, `api`, `dynamodb`, `streams`, `lambda`, `logs` or `aoss`.
    pub service: String,
    /// The `X-Amz-Target` operation (`GetItem`, or the whole target) or
    /// STS's `Action`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operation: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path_prefix: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    /// Fire this many times, then stop.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub times: Option<u32>,
    /// Fire on this fraction of matching requests (0 to 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub probability: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delay_ms: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub drop: Option<bool>,
    /// `true`, or (DynamoDB) the exception to answer with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub throttle: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expired_token: Option<bool>,
    /// How far the server clock is off: positive ahead (the request looks
    /// expired), negative behind (not yet current).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clock_skew_s: Option<i64>,
    /// `true` (service `streams` only): a shard serves any number of
    /// readers while the rule is in force.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub no_reader_limit: Option<bool>,
    /// AOSS only: the collection's network policy does not admit the
    /// caller (401, empty body, `X01:network-policy-deny`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network_policy_deny: Option<bool>,
    /// AOSS only: no data access policy grants the caller the operation
    /// (403 `Forbidden`, `X01:gw-helper-deny`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_access_deny: Option<bool>,
}

/// What a rule does to a request it fires on.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum FaultKind {
    /// This status and body, as given.
    Raw { status: u16, body: String },
    /// Answer normally, this much later.
    Delay { ms: u64 },
    /// Close the connection without answering.
    Drop,
    /// The service's own throttling error; `code` picks DynamoDB's
    /// exception (`ThrottlingException` by default).
    Throttle { code: Option<String> },
    /// The service's expired-token error.
    ExpiredToken,
    /// The service's signature-expired / not-yet-current error, as if its
    /// clock were this far off.
    ClockSkew { seconds: i64 },
    /// A switch, not a fault: Streams' two-readers-per-shard limit is off
    /// while the rule exists. Never fires.
    NoReaderLimit,
    /// OpenSearch Serverless refuses the caller before IAM's check passes
    /// on: a network policy or data access policy denial.
    AossDenial(AossDenial),
}

impl FaultKind {
    pub fn name(&self) -> &'static str {
        match self {
            FaultKind::Raw { .. } => "status",
            FaultKind::Delay { .. } => "delay",
            FaultKind::Drop => "drop",
            FaultKind::Throttle { .. } => "throttle",
            FaultKind::ExpiredToken => "expired_token",
            FaultKind::ClockSkew { .. } => "clock_skew",
            FaultKind::NoReaderLimit => "no_reader_limit",
            FaultKind::AossDenial(AossDenial::NetworkPolicy) => "network_policy_deny",
            FaultKind::AossDenial(_) => "data_access_deny",
        }
    }
}

/// Every [`FaultKind::name`].
pub const FAULT_NAMES: [&str; 9] = [
    "status",
    "delay",
    "drop",
    "throttle",
    "expired_token",
    "clock_skew",
    "no_reader_limit",
    "network_policy_deny",
    "data_access_deny",
];

/// A fault's name. (Named so serde's derive does not take the field for
/// text borrowed from the input, which would tie a read to `'static`.)
pub type FaultName = &'static str;

/// Reads a [`FaultEvent`]'s `fault` back as the name it was.
fn fault_name<'de, D: serde::Deserializer<'de>>(d: D) -> Result<&'static str, D::Error> {
    let name = <std::borrow::Cow<'de, str> as serde::Deserialize>::deserialize(d)?;
    FAULT_NAMES
        .into_iter()
        .find(|known| *known == name)
        .ok_or_else(|| serde::de::Error::unknown_variant(&name, &FAULT_NAMES))
}

/// DynamoDB's throttling exceptions a rule may name.
pub const DYNAMODB_THROTTLES: [&str; 3] = [
    "ThrottlingException",
    "ProvisionedThroughputExceededException",
    "RequestLimitExceeded",
];

/// A rule in force.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct FaultRule {
    pub id: u64,
    pub service: Service,
    pub spec: FaultSpec,
    pub kind: FaultKind,
    /// How many times it has fired.
    pub fired: u32,
}

impl FaultRule {
    /// Checks `spec` and makes it a rule.
    pub fn new(id: u64, spec: FaultSpec) -> Result<FaultRule, String> {
        let service: Service = spec
            .service
            .parse()
            .map_err(|e: UnknownService| e.to_string())?;
        if spec.operation.is_some()
            && !matches!(
                service,
                Service::Sts | Service::Iam | Service::DynamoDb | Service::Streams | Service::Logs
            )
        {
            return Err(format!(
                "{} has no operation names: match it with path_prefix and method",
                service.key()
            ));
        }
        if spec.times == Some(0) {
            return Err("times must be at least 1".to_owned());
        }
        if let Some(p) = spec.probability {
            if !(0.0..=1.0).contains(&p) {
                return Err("probability must be between 0 and 1".to_owned());
            }
        }
        let mut kinds = Vec::new();
        if let Some(status) = spec.status {
            if !(100..=599).contains(&status) {
                return Err("status must be an HTTP status (100 to 599)".to_owned());
            }
            kinds.push(FaultKind::Raw {
                status,
                body: spec.body.clone().unwrap_or_default(),
            });
        } else if spec.body.is_some() {
            return Err("body needs a status".to_owned());
        }
        if let Some(ms) = spec.delay_ms {
            kinds.push(FaultKind::Delay { ms });
        }
        if spec.drop == Some(true) {
            kinds.push(FaultKind::Drop);
        }
        match &spec.throttle {
            None | Some(Value::Bool(false)) => {}
            Some(Value::Bool(true)) => kinds.push(FaultKind::Throttle { code: None }),
            Some(Value::String(code))
                if service == Service::DynamoDb && DYNAMODB_THROTTLES.contains(&code.as_str()) =>
            {
                kinds.push(FaultKind::Throttle {
                    code: Some(code.clone()),
                });
            }
            Some(_) => {
                return Err(format!(
                    "throttle must be true, or for dynamodb one of {}",
                    DYNAMODB_THROTTLES.join(", ")
                ))
            }
        }
        if spec.expired_token == Some(true) {
            kinds.push(FaultKind::ExpiredToken);
        }
        if let Some(seconds) = spec.clock_skew_s {
            kinds.push(FaultKind::ClockSkew { seconds });
        }
        if spec.no_reader_limit == Some(true) {
            kinds.push(FaultKind::NoReaderLimit);
        }
        for (asked, denial, name) in [
            (
                spec.network_policy_deny,
                AossDenial::NetworkPolicy,
                "network_policy_deny",
            ),
            (
                spec.data_access_deny,
                AossDenial::DataAccessPolicy,
                "data_access_deny",
            ),
        ] {
            if asked == Some(true) {
                if service != Service::Aoss {
                    return Err(format!("{name} is an aoss fault, not {}", service.key()));
                }
                kinds.push(FaultKind::AossDenial(denial));
            }
        }
        if kinds.len() != 1 {
            return Err(
                "give exactly one of status, delay_ms, drop, throttle, expired_token, clock_skew_s, no_reader_limit, network_policy_deny, data_access_deny"
                    .to_owned(),
            );
        }
        let kind = kinds.remove(0);
        if kind == FaultKind::NoReaderLimit {
            if service != Service::Streams {
                return Err("no_reader_limit is a switch of the streams service".to_owned());
            }
            let narrowed = spec.operation.is_some()
                || spec.path_prefix.is_some()
                || spec.method.is_some()
                || spec.times.is_some()
                || spec.probability.is_some();
            if narrowed {
                return Err(
                    "no_reader_limit is a switch for the whole service: no operation, path_prefix, method, times or probability"
                        .to_owned(),
                );
            }
        }
        Ok(FaultRule {
            id,
            service,
            spec,
            kind,
            fired: 0,
        })
    }

    /// How many more times it fires; `None` when unlimited.
    pub fn remaining(&self) -> Option<u32> {
        self.spec.times.map(|t| t.saturating_sub(self.fired))
    }

    fn matches(&self, service: Service, req: &Request, operation: Option<&str>) -> bool {
        if self.service != service || self.remaining() == Some(0) {
            return false;
        }
        if self.kind == FaultKind::NoReaderLimit {
            return false;
        }
        if let Some(want) = &self.spec.operation {
            let hit = match (operation, req.header("x-amz-target")) {
                (Some(op), target) => op == want || target == Some(want.as_str()),
                (None, _) => false,
            };
            if !hit {
                return false;
            }
        }
        if let Some(prefix) = &self.spec.path_prefix {
            if !req.path.starts_with(prefix.as_str()) {
                return false;
            }
        }
        if let Some(method) = &self.spec.method {
            if !req.method.eq_ignore_ascii_case(method) {
                return false;
            }
        }
        true
    }

    /// The rule as `GET /_labsim/faults` lists it.
    pub fn to_json(&self) -> Value {
        let mut value = serde_json::to_value(&self.spec).unwrap_or_else(|_| json!({}));
        if let Some(map) = value.as_object_mut() {
            map.insert("id".into(), json!(self.id));
            map.insert("fired".into(), json!(self.fired));
            map.insert("remaining".into(), json!(self.remaining()));
        }
        value
    }
}

/// The operation a request names, for matching: the part of
/// `X-Amz-Target` after the dot, or STS's and IAM's `Action`.
pub fn operation_of(service: Service, req: &Request) -> Option<String> {
    match service {
        Service::DynamoDb | Service::Streams | Service::Logs => req
            .header("x-amz-target")
            .map(|t| t.rsplit('.').next().unwrap_or(t).to_owned()),
        Service::Sts | Service::Iam => {
            let mut params: Vec<(String, String)> = form_urlencoded::parse(req.query.as_bytes())
                .into_owned()
                .collect();
            if req.method.eq_ignore_ascii_case("POST") {
                params.extend(form_urlencoded::parse(&req.body).into_owned());
            }
            params
                .into_iter()
                .find(|(k, _)| k == "Action")
                .map(|(_, v)| v)
        }
        _ => None,
    }
}

/// A rule that fired on a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fired {
    pub rule_id: u64,
    pub kind: FaultKind,
    pub operation: Option<String>,
}

/// A fault as it happened, for the timeline.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct FaultEvent {
    pub time_ms: i64,
    pub rule_id: u64,
    pub service: Service,
    pub operation: Option<String>,
    pub method: String,
    pub path: String,
    /// [`FaultKind::name`]'s (one of [`FAULT_NAMES`] when read back).
    #[serde(deserialize_with = "fault_name")]
    pub fault: FaultName,
    /// The status answered; `None` for a delay or a drop, or a clock skew
    /// too small to matter.
    pub status: Option<u16>,
    pub delay_ms: Option<u64>,
}

/// Every rule in force, and the generator their probabilities draw from.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct FaultSet {
    rules: Vec<FaultRule>,
    next_id: u64,
    rng: SplitMix64,
}

impl FaultSet {
    pub fn new(seed: u64) -> Self {
        FaultSet {
            rules: Vec::new(),
            next_id: 1,
            rng: SplitMix64::new(seed ^ 0xFA17_0000_5EED_0007),
        }
    }

    /// Adds a rule; returns it as listed.
    pub fn add(&mut self, spec: FaultSpec) -> Result<&FaultRule, String> {
        let rule = FaultRule::new(self.next_id, spec)?;
        self.next_id += 1;
        self.rules.push(rule);
        Ok(&self.rules[self.rules.len() - 1])
    }

    pub fn clear(&mut self) {
        self.rules.clear();
    }

    pub fn rules(&self) -> &[FaultRule] {
        &self.rules
    }

    /// Whether a `no_reader_limit` switch is in force.
    pub fn reader_limit_off(&self) -> bool {
        self.rules
            .iter()
            .any(|r| r.kind == FaultKind::NoReaderLimit)
    }

    /// The first rule that fires on `req` to `service`, counted as fired.
    pub fn pick(&mut self, service: Service, req: &Request) -> Option<Fired> {
        if self.rules.is_empty() {
            return None;
        }
        let operation = operation_of(service, req);
        for rule in &mut self.rules {
            if !rule.matches(service, req, operation.as_deref()) {
                continue;
            }
            if let Some(p) = rule.spec.probability {
                // 53 random bits as a fraction in [0, 1).
                let draw = (self.rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
                if draw >= p {
                    continue;
                }
            }
            rule.fired += 1;
            return Some(Fired {
                rule_id: rule.id,
                kind: rule.kind.clone(),
                operation,
            });
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(json: &str) -> FaultSpec {
        serde_json::from_str(json).expect("a fault spec")
    }

    fn get_item() -> Request {
        Request::new("POST", "/").with_header("x-amz-target", "DynamoDB_20120810.GetItem")
    }

    fn put_item() -> Request {
        Request::new("POST", "/").with_header("x-amz-target", "DynamoDB_20120810.PutItem")
    }

    #[test]
    fn rejects_bad_rules() {
        let bad = [
            r#"{"service":"s3","throttle":true}"#,
            r#"{"service":"dynamodb"}"#,
            r#"{"service":"dynamodb","throttle":true,"drop":true}"#,
            r#"{"service":"api","operation":"Invoke","throttle":true}"#,
            r#"{"service":"dynamodb","times":0,"throttle":true}"#,
            r#"{"service":"dynamodb","probability":1.5,"throttle":true}"#,
            r#"{"service":"lambda","throttle":"ProvisionedThroughputExceededException"}"#,
            r#"{"service":"dynamodb","body":"x"}"#,
            r#"{"service":"dynamodb","no_reader_limit":true}"#,
            r#"{"service":"streams","operation":"GetRecords","no_reader_limit":true}"#,
            r#"{"service":"streams","times":1,"no_reader_limit":true}"#,
            r#"{"service":"streams","no_reader_limit":true,"throttle":true}"#,
            r#"{"service":"streams","no_reader_limit":false}"#,
        ];
        for json in bad {
            assert!(FaultRule::new(1, spec(json)).is_err(), "{json}");
        }
        assert!(serde_json::from_str::<FaultSpec>(r#"{"service":"sts","nope":1}"#).is_err());
        let rule = FaultRule::new(
            1,
            spec(r#"{"service":"dynamodb","throttle":"ProvisionedThroughputExceededException"}"#),
        )
        .unwrap();
        assert_eq!(
            rule.kind,
            FaultKind::Throttle {
                code: Some("ProvisionedThroughputExceededException".into())
            }
        );
    }

    #[test]
    fn a_counted_rule_fires_that_many_times_on_its_operation_only() {
        let mut set = FaultSet::new(1);
        set.add(spec(
            r#"{"service":"dynamodb","operation":"GetItem","times":2,"throttle":true}"#,
        ))
        .unwrap();
        assert_eq!(set.pick(Service::DynamoDb, &put_item()), None);
        assert_eq!(set.pick(Service::Streams, &get_item()), None);
        let fired = set.pick(Service::DynamoDb, &get_item()).unwrap();
        assert_eq!(fired.kind, FaultKind::Throttle { code: None });
        assert_eq!(fired.operation.as_deref(), Some("GetItem"));
        assert!(set.pick(Service::DynamoDb, &get_item()).is_some());
        assert_eq!(set.pick(Service::DynamoDb, &get_item()), None);
        assert_eq!(set.rules()[0].to_json()["remaining"], 0);
        assert_eq!(set.rules()[0].to_json()["fired"], 2);
        // The whole target matches too.
        set.add(spec(
            r#"{"service":"dynamodb","operation":"DynamoDB_20120810.PutItem","drop":true}"#,
        ))
        .unwrap();
        assert_eq!(
            set.pick(Service::DynamoDb, &put_item()).map(|f| f.kind),
            Some(FaultKind::Drop)
        );
    }

    #[test]
    fn the_reader_limit_switch_is_in_force_until_cleared_and_never_fires() {
        let mut set = FaultSet::new(1);
        assert!(!set.reader_limit_off());
        set.add(spec(r#"{"service":"streams","no_reader_limit":true}"#))
            .unwrap();
        assert!(set.reader_limit_off());
        let get_records = Request::new("POST", "/")
            .with_header("x-amz-target", "DynamoDBStreams_20120810.GetRecords");
        assert_eq!(set.pick(Service::Streams, &get_records), None);
        assert_eq!(set.rules()[0].to_json()["fired"], 0);
        set.clear();
        assert!(!set.reader_limit_off());
    }

    #[test]
    fn sts_actions_paths_and_methods_match() {
        let mut set = FaultSet::new(1);
        set.add(spec(
            r#"{"service":"sts","operation":"GetCallerIdentity","expired_token":true}"#,
        ))
        .unwrap();
        set.add(spec(
            r#"{"service":"aoss","path_prefix":"/dynamodb_replicate/_search","method":"post","delay_ms":1500}"#,
        ))
        .unwrap();
        let sts =
            Request::new("POST", "/").with_body("Action=GetCallerIdentity&Version=2011-06-15");
        assert_eq!(
            set.pick(Service::Sts, &sts).map(|f| f.kind),
            Some(FaultKind::ExpiredToken)
        );
        let other = Request::new("GET", "/").with_query("Action=AssumeRole");
        assert_eq!(set.pick(Service::Sts, &other), None);
        let search = Request::new("POST", "/dynamodb_replicate/_search");
        assert_eq!(
            set.pick(Service::Aoss, &search).map(|f| f.kind),
            Some(FaultKind::Delay { ms: 1500 })
        );
        let get = Request::new("GET", "/dynamodb_replicate/_search");
        assert_eq!(set.pick(Service::Aoss, &get), None);
        let doc = Request::new("POST", "/dynamodb_replicate/_doc");
        assert_eq!(set.pick(Service::Aoss, &doc), None);
    }

    #[test]
    fn probability_is_decided_by_the_seed() {
        let pattern = |seed: u64| {
            let mut set = FaultSet::new(seed);
            set.add(spec(
                r#"{"service":"dynamodb","probability":0.25,"status":503,"body":"x"}"#,
            ))
            .unwrap();
            (0..400)
                .map(|_| set.pick(Service::DynamoDb, &get_item()).is_some())
                .collect::<Vec<_>>()
        };
        let a = pattern(9);
        assert_eq!(a, pattern(9));
        assert_ne!(a, pattern(10));
        let fired = a.iter().filter(|f| **f).count();
        assert!((60..140).contains(&fired), "{fired} of 400");
        // Probability 0 never fires, 1 always.
        let mut set = FaultSet::new(3);
        set.add(spec(
            r#"{"service":"logs","probability":0,"throttle":true}"#,
        ))
        .unwrap();
        set.add(spec(r#"{"service":"logs","probability":1,"drop":true}"#))
            .unwrap();
        for _ in 0..20 {
            assert_eq!(
                set.pick(Service::Logs, &Request::new("POST", "/"))
                    .map(|f| f.rule_id),
                Some(2)
            );
        }
    }
}
