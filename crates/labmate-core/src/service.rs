//! What an AWS host name says: which of the lab's services, in which
//! region. The services themselves are typed once, in `lab-model`.

pub use lab_model::Service;

/// A service and region read off an AWS host name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AwsHost {
    pub service: Service,
    pub region: String,
}

/// Reads the service and region from an AWS endpoint's host (port and
/// scheme ignored). `None` for any other host, such as the simulator's.
pub fn parse_aws_host(host: &str) -> Option<AwsHost> {
    let host = host.split(':').next()?.to_ascii_lowercase();
    let rest = host
        .strip_suffix(".amazonaws.com")
        .or_else(|| host.strip_suffix(".amazonaws.com.cn"))?;
    let labels: Vec<&str> = rest.split('.').collect();
    let host = |service, region: &str| {
        is_region(region).then(|| AwsHost {
            service,
            region: region.to_owned(),
        })
    };
    match labels.as_slice() {
        [_api_id, "execute-api", region] => host(Service::ApiGateway, region),
        [_collection_id, region, "aoss"] => host(Service::Aoss, region),
        ["streams", "dynamodb", region] => host(Service::Streams, region),
        ["dynamodb", region] => host(Service::DynamoDb, region),
        ["lambda", region] => host(Service::Lambda, region),
        ["logs", region] => host(Service::Logs, region),
        ["sts", region] => host(Service::Sts, region),
        // The global STS endpoint signs for us-east-1, and so does IAM.
        ["sts"] => host(Service::Sts, "us-east-1"),
        ["iam"] => host(Service::Iam, "us-east-1"),
        _ => None,
    }
}

/// Region names look like `ap-southeast-1`, `us-gov-west-1`, `cn-north-1`.
pub fn is_region(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    parts.len() >= 3
        && parts[..parts.len() - 1]
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_lowercase()))
        && parts[parts.len() - 1]
            .parse::<u8>()
            .is_ok_and(|n| (1..=20).contains(&n))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_each_lab_host() {
        let cases = [
            (
                "abc123defg.execute-api.ap-southeast-1.amazonaws.com",
                Service::ApiGateway,
                "ap-southeast-1",
            ),
            (
                "0a1b2c3d4e5f.ap-southeast-1.aoss.amazonaws.com",
                Service::Aoss,
                "ap-southeast-1",
            ),
            (
                "dynamodb.eu-west-1.amazonaws.com",
                Service::DynamoDb,
                "eu-west-1",
            ),
            (
                "streams.dynamodb.us-west-2.amazonaws.com:443",
                Service::Streams,
                "us-west-2",
            ),
            (
                "lambda.ap-southeast-1.amazonaws.com",
                Service::Lambda,
                "ap-southeast-1",
            ),
            (
                "logs.cn-north-1.amazonaws.com.cn",
                Service::Logs,
                "cn-north-1",
            ),
            (
                "STS.us-gov-west-1.amazonaws.com",
                Service::Sts,
                "us-gov-west-1",
            ),
            ("sts.amazonaws.com", Service::Sts, "us-east-1"),
            ("iam.amazonaws.com", Service::Iam, "us-east-1"),
        ];
        for (h, service, region) in cases {
            assert_eq!(
                parse_aws_host(h),
                Some(AwsHost {
                    service,
                    region: region.into()
                }),
                "{h}"
            );
        }
    }

    #[test]
    fn other_hosts_are_not_aws() {
        for h in [
            "127.0.0.1:4510",
            "localhost",
            "example.com",
            "abc.execute-api.notaregion.amazonaws.com",
            "s3.amazonaws.com",
            "evil-amazonaws.com",
        ] {
            assert_eq!(parse_aws_host(h), None, "{h}");
        }
    }

    #[test]
    fn region_shape() {
        assert!(is_region("ap-southeast-1"));
        assert!(is_region("us-gov-west-1"));
        assert!(!is_region("ap-southeast"));
        assert!(!is_region("AP-SOUTHEAST-1"));
        assert!(!is_region("ap-southeast-0"));
        assert!(!is_region(""));
    }
}
