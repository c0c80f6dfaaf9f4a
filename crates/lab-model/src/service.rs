//! The AWS services of the lab, named one way everywhere: the key in
//! labsim's config and labmate's share links, the SigV4 signing name, the
//! label a learner reads, and the endpoint AWS serves it on.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// One of the lab's AWS services.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Service {
    Sts,
    /// The lab's REST API (`dynamodb-api-gw`), signed as `execute-api`.
    #[serde(rename = "api")]
    ApiGateway,
    DynamoDb,
    /// DynamoDB Streams, signed as `dynamodb`.
    Streams,
    Lambda,
    /// CloudWatch Logs.
    Logs,
    /// The OpenSearch Serverless collection's data plane.
    Aoss,
}

impl Service {
    /// Every service, in labsim's port order.
    pub const ALL: [Service; 7] = [
        Service::Sts,
        Service::ApiGateway,
        Service::DynamoDb,
        Service::Streams,
        Service::Lambda,
        Service::Logs,
        Service::Aoss,
    ];

    /// The key in labsim's `/_labsim/config` endpoints, in fault rules and in
    /// labmate's share links.
    pub fn key(self) -> &'static str {
        match self {
            Service::Sts => "sts",
            Service::ApiGateway => "api",
            Service::DynamoDb => "dynamodb",
            Service::Streams => "streams",
            Service::Lambda => "lambda",
            Service::Logs => "logs",
            Service::Aoss => "aoss",
        }
    }

    /// The service name in the SigV4 credential scope.
    pub fn signing_name(self) -> &'static str {
        match self {
            Service::Sts => "sts",
            Service::ApiGateway => "execute-api",
            Service::DynamoDb | Service::Streams => "dynamodb",
            Service::Lambda => "lambda",
            Service::Logs => "logs",
            Service::Aoss => "aoss",
        }
    }

    /// What a learner calls it.
    pub fn label(self) -> &'static str {
        match self {
            Service::Sts => "STS",
            Service::ApiGateway => "API Gateway",
            Service::DynamoDb => "DynamoDB",
            Service::Streams => "DynamoDB Streams",
            Service::Lambda => "Lambda",
            Service::Logs => "CloudWatch Logs",
            Service::Aoss => "OpenSearch Serverless",
        }
    }

    /// The regional endpoint AWS serves this service on. `None` for the two
    /// whose host names carry an id only the learner knows.
    pub fn default_endpoint(self, region: &str) -> Option<String> {
        let prefix = match self {
            Service::ApiGateway | Service::Aoss => return None,
            Service::DynamoDb => "dynamodb",
            Service::Streams => "streams.dynamodb",
            Service::Lambda => "lambda",
            Service::Logs => "logs",
            Service::Sts => "sts",
        };
        Some(format!("https://{prefix}.{region}.{}", dns_suffix(region)))
    }
}

/// AWS's DNS suffix for a region's partition.
pub fn dns_suffix(region: &str) -> &'static str {
    if region.starts_with("cn-") {
        "amazonaws.com.cn"
    } else {
        "amazonaws.com"
    }
}

impl fmt::Display for Service {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key())
    }
}

/// A service key that names none of the lab's services.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownService(pub String);

impl fmt::Display for UnknownService {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let keys: Vec<&str> = Service::ALL.iter().map(|s| s.key()).collect();
        write!(
            f,
            "unknown service {:?}: expected one of {}",
            self.0,
            keys.join(", ")
        )
    }
}

impl std::error::Error for UnknownService {}

impl FromStr for Service {
    type Err = UnknownService;

    fn from_str(key: &str) -> Result<Self, Self::Err> {
        Service::ALL
            .into_iter()
            .find(|s| s.key() == key)
            .ok_or_else(|| UnknownService(key.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_round_trip_through_text_and_json() {
        for s in Service::ALL {
            assert_eq!(s.key().parse::<Service>(), Ok(s));
            let json = serde_json::to_string(&s).unwrap();
            assert_eq!(json, format!("\"{}\"", s.key()));
            assert_eq!(serde_json::from_str::<Service>(&json).unwrap(), s);
        }
    }

    #[test]
    fn an_unknown_key_names_the_known_ones() {
        let err = "s3".parse::<Service>().unwrap_err();
        assert_eq!(
            err.to_string(),
            "unknown service \"s3\": expected one of sts, api, dynamodb, streams, lambda, logs, aoss"
        );
    }

    #[test]
    fn streams_signs_as_dynamodb_and_the_api_as_execute_api() {
        assert_eq!(Service::Streams.signing_name(), "dynamodb");
        assert_eq!(Service::ApiGateway.signing_name(), "execute-api");
    }

    #[test]
    fn default_endpoints_follow_the_partition() {
        assert_eq!(
            Service::Streams
                .default_endpoint("ap-southeast-1")
                .as_deref(),
            Some("https://streams.dynamodb.ap-southeast-1.amazonaws.com")
        );
        assert_eq!(
            Service::Logs.default_endpoint("cn-north-1").as_deref(),
            Some("https://logs.cn-north-1.amazonaws.com.cn")
        );
        assert_eq!(Service::Aoss.default_endpoint("ap-southeast-1"), None);
    }
}
