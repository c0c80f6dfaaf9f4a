//! The ARNs and IAM actions the lab's requests are authorised against, for
//! the service front doors to pass to [`super::PermissionSet::evaluate`].
//!
//! Resources are the ones AWS names in its denial messages, which are not
//! always the resource's own ARN: CloudWatch Logs checks
//! `...:log-group:NAME:log-stream:` (empty stream for group-level
//! operations, so a policy needs `log-group:NAME:*`), ListTables checks
//! `table/*`, Lambda's List operations `*`.

/// An action and the resource it is checked against.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authz {
    pub action: String,
    pub resource: String,
}

impl Authz {
    fn new(action: String, resource: String) -> Self {
        Authz { action, resource }
    }
}

// The resources' own ARNs are lab-model's, shared with labmate's
// generated policies.
pub use lab_model::arn::{
    aoss_collection_arn, dynamodb_table_arn, execute_api_arn, iam_role_arn, lambda_function_arn,
    lambda_log_group, log_group_arn, stream_arn,
};

/// The resource CloudWatch Logs authorises against:
/// `...:log-group:G:log-stream:S`, with an empty `S` for operations on the
/// whole group (FilterLogEvents, DescribeLogStreams) and an empty `G` for
/// operations on the account (DescribeLogGroups), as AWS's messages show.
pub fn log_authz_arn(
    region: &str,
    account: &str,
    log_group: Option<&str>,
    log_stream: Option<&str>,
) -> String {
    format!(
        "{}:log-stream:{}",
        log_group_arn(region, account, log_group.unwrap_or("")),
        log_stream.unwrap_or("")
    )
}

/// The ARN with its account masked to the last four digits
/// (`********9012`), as API Gateway writes resources in its denials.
pub fn mask_account(arn: &str) -> String {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    match parts.as_slice() {
        [arn, partition, service, region, account, rest] if account.len() > 4 => {
            let (hidden, shown) = account.split_at(account.len() - 4);
            format!(
                "{arn}:{partition}:{service}:{region}:{}{shown}:{rest}",
                "*".repeat(hidden.chars().count())
            )
        }
        _ => arn.to_owned(),
    }
}

/// Table names may be given as ARNs (DynamoDB accepts both).
fn table_resource(region: &str, account: &str, table: &str) -> String {
    if table.starts_with("arn:") {
        table.to_owned()
    } else {
        dynamodb_table_arn(region, account, table)
    }
}

/// A DynamoDB or DynamoDB Streams operation (`GetItem`, `GetRecords`):
/// the action is `dynamodb:{operation}` on both endpoints. Stream
/// operations are checked against the stream (pass `stream_arn`; for
/// GetRecords the front door knows it from the iterator), ListTables
/// against `table/*`, everything else against the table.
///
/// ListStreams is a guess (AWS's message for it was not found): the
/// table's `table/T/stream/*` when a TableName is given, else
/// `table/*/stream/*`, the analogue of ListTables' `table/*`.
pub fn dynamodb_authz(
    region: &str,
    account: &str,
    operation: &str,
    table: Option<&str>,
    stream_arn: Option<&str>,
) -> Authz {
    let action = format!("dynamodb:{operation}");
    let all_tables = || format!("arn:aws:dynamodb:{region}:{account}:table/*");
    let resource = match operation {
        "DescribeStream" | "GetRecords" | "GetShardIterator" => stream_arn
            .map(str::to_owned)
            .unwrap_or_else(|| format!("{}/stream/*", all_tables())),
        "ListStreams" => match table {
            Some(t) => format!("{}/stream/*", table_resource(region, account, t)),
            None => format!("{}/stream/*", all_tables()),
        },
        "ListTables" => all_tables(),
        _ => match table {
            Some(t) => table_resource(region, account, t),
            None => all_tables(),
        },
    };
    Authz::new(action, resource)
}

/// A Lambda API operation, by its API name. The IAM action differs from
/// the operation for Invoke (`lambda:InvokeFunction`); account-level
/// operations have no resource (`*`, as AWS's denials for ListFunctions
/// say); the rest are on the function (name or ARN).
pub fn lambda_authz(region: &str, account: &str, operation: &str, function: Option<&str>) -> Authz {
    let action = match operation {
        "Invoke" => "lambda:InvokeFunction".to_owned(),
        other => format!("lambda:{other}"),
    };
    let account_level = matches!(
        operation,
        "ListFunctions"
            | "ListEventSourceMappings"
            | "ListLayers"
            | "ListCodeSigningConfigs"
            | "GetAccountSettings"
    );
    let resource = match (account_level, function) {
        (false, Some(f)) if f.starts_with("arn:") => f.to_owned(),
        (false, Some(f)) => lambda_function_arn(region, account, f),
        _ => "*".to_owned(),
    };
    Authz::new(action, resource)
}

/// A CloudWatch Logs operation (the action is `logs:{operation}`).
pub fn logs_authz(
    region: &str,
    account: &str,
    operation: &str,
    log_group: Option<&str>,
    log_stream: Option<&str>,
) -> Authz {
    Authz::new(
        format!("logs:{operation}"),
        log_authz_arn(region, account, log_group, log_stream),
    )
}

/// Calling a REST API method: `execute-api:Invoke`.
pub fn execute_api_authz(
    region: &str,
    account: &str,
    api_id: &str,
    stage: &str,
    method: &str,
    path: &str,
) -> Authz {
    Authz::new(
        "execute-api:Invoke".to_owned(),
        execute_api_arn(region, account, api_id, stage, method, path),
    )
}

/// Any data-plane request to a collection needs `aoss:APIAccessAll` on it
/// (then the collection's data access policy decides the operation).
pub fn aoss_authz(region: &str, account: &str, collection_id: &str) -> Authz {
    Authz::new(
        "aoss:APIAccessAll".to_owned(),
        aoss_collection_arn(region, account, collection_id),
    )
}

/// An STS operation. AssumeRole is checked against the role; the others
/// have no resource.
pub fn sts_authz(operation: &str, role_arn: Option<&str>) -> Authz {
    let resource = match (operation, role_arn) {
        ("AssumeRole", Some(role)) => role.to_owned(),
        _ => "*".to_owned(),
    };
    Authz::new(format!("sts:{operation}"), resource)
}

#[cfg(test)]
mod tests {
    use super::*;

    const R: &str = "ap-southeast-1";
    const A: &str = "123456789012";

    #[test]
    fn api_gateway_masks_all_but_four_account_digits() {
        assert_eq!(
            mask_account("arn:aws:execute-api:ap-southeast-1:123456789012:a1b2c3d4e5/v1/POST/lab"),
            "arn:aws:execute-api:ap-southeast-1:********9012:a1b2c3d4e5/v1/POST/lab"
        );
        assert_eq!(mask_account("*"), "*");
    }

    #[test]
    fn dynamodb_requests_map_to_table_or_stream() {
        let stream = stream_arn(R, A, "lab-table", "2024-10-08T19:55:22.500");
        assert_eq!(
            dynamodb_authz(R, A, "GetItem", Some("lab-table"), None),
            Authz {
                action: "dynamodb:GetItem".into(),
                resource: dynamodb_table_arn(R, A, "lab-table"),
            }
        );
        let by_arn = dynamodb_table_arn(R, A, "lab-table");
        assert_eq!(
            dynamodb_authz(R, A, "Query", Some(&by_arn), None).resource,
            by_arn
        );
        assert_eq!(
            dynamodb_authz(R, A, "GetRecords", None, Some(&stream)).resource,
            stream
        );
        assert_eq!(
            dynamodb_authz(R, A, "ListTables", None, None).resource,
            "arn:aws:dynamodb:ap-southeast-1:123456789012:table/*"
        );
        assert_eq!(
            dynamodb_authz(R, A, "ListStreams", Some("lab-table"), None).resource,
            "arn:aws:dynamodb:ap-southeast-1:123456789012:table/lab-table/stream/*"
        );
    }

    #[test]
    fn lambda_logs_sts_and_aoss_requests_map_to_aws_resources() {
        assert_eq!(
            lambda_authz(R, A, "GetFunction", Some("sync-data-with-dynamodb-stream")),
            Authz {
                action: "lambda:GetFunction".into(),
                resource: lambda_function_arn(R, A, "sync-data-with-dynamodb-stream"),
            }
        );
        assert_eq!(
            lambda_authz(R, A, "Invoke", Some("f")).action,
            "lambda:InvokeFunction"
        );
        assert_eq!(lambda_authz(R, A, "ListFunctions", None).resource, "*");
        assert_eq!(
            lambda_authz(R, A, "ListVersionsByFunction", Some("f")).resource,
            lambda_function_arn(R, A, "f")
        );
        assert_eq!(
            logs_authz(R, A, "FilterLogEvents", Some("/aws/lambda/f"), None),
            Authz {
                action: "logs:FilterLogEvents".into(),
                resource:
                    "arn:aws:logs:ap-southeast-1:123456789012:log-group:/aws/lambda/f:log-stream:"
                        .into(),
            }
        );
        assert_eq!(
            logs_authz(R, A, "GetLogEvents", Some("/aws/lambda/f"), Some("2024/10/08/[$LATEST]abc")).resource,
            "arn:aws:logs:ap-southeast-1:123456789012:log-group:/aws/lambda/f:log-stream:2024/10/08/[$LATEST]abc"
        );
        assert_eq!(
            logs_authz(R, A, "DescribeLogGroups", None, None).resource,
            "arn:aws:logs:ap-southeast-1:123456789012:log-group::log-stream:"
        );
        assert_eq!(
            execute_api_authz(R, A, "a1b2c3d4e5", "v1", "POST", "/lab").action,
            "execute-api:Invoke"
        );
        assert_eq!(aoss_authz(R, A, "coll").action, "aoss:APIAccessAll");
        assert_eq!(
            sts_authz("AssumeRole", Some("arn:aws:iam::123456789012:role/x")).resource,
            "arn:aws:iam::123456789012:role/x"
        );
        assert_eq!(sts_authz("GetCallerIdentity", None).resource, "*");
    }
}
