//! The ARNs of the lab's resources, as AWS writes them: what an IAM policy
//! names in its `Resource`, built one way for labmate's generated policies
//! and labsim's authorizer alike.

/// A DynamoDB table.
pub fn dynamodb_table_arn(region: &str, account: &str, table: &str) -> String {
    format!("arn:aws:dynamodb:{region}:{account}:table/{table}")
}

/// A table's stream; `label` is the stream's creation time as DynamoDB
/// writes it (`2024-10-08T19:55:22.500`), or `*` for all of its streams.
pub fn stream_arn(region: &str, account: &str, table: &str, label: &str) -> String {
    format!(
        "{}/stream/{label}",
        dynamodb_table_arn(region, account, table)
    )
}

/// A Lambda function (unqualified).
pub fn lambda_function_arn(region: &str, account: &str, function: &str) -> String {
    format!("arn:aws:lambda:{region}:{account}:function:{function}")
}

/// The log group Lambda writes a function's logs to.
pub fn lambda_log_group(function: &str) -> String {
    format!("/aws/lambda/{function}")
}

/// A log group's ARN as `logGroupArn` reports it (DescribeLogGroups' older
/// `arn` field appends `:*`).
pub fn log_group_arn(region: &str, account: &str, log_group: &str) -> String {
    format!("arn:aws:logs:{region}:{account}:log-group:{log_group}")
}

/// `arn:aws:execute-api:{region}:{account}:{apiId}/{stage}/{METHOD}/{resource}`;
/// `path` may start with `/` (`/lab` gives `.../v1/POST/lab`).
pub fn execute_api_arn(
    region: &str,
    account: &str,
    api_id: &str,
    stage: &str,
    method: &str,
    path: &str,
) -> String {
    let path = path.strip_prefix('/').unwrap_or(path);
    format!(
        "arn:aws:execute-api:{region}:{account}:{api_id}/{stage}/{}/{path}",
        method.to_ascii_uppercase()
    )
}

/// An OpenSearch Serverless collection, by its id (not its name).
pub fn aoss_collection_arn(region: &str, account: &str, collection_id: &str) -> String {
    format!("arn:aws:aoss:{region}:{account}:collection/{collection_id}")
}

/// An IAM role (IAM is global: no region).
pub fn iam_role_arn(account: &str, role: &str) -> String {
    format!("arn:aws:iam::{account}:role/{role}")
}

#[cfg(test)]
mod tests {
    use super::*;

    const R: &str = "ap-southeast-1";
    const A: &str = "123456789012";

    #[test]
    fn lab_arns_have_aws_shapes() {
        assert_eq!(
            dynamodb_table_arn(R, A, "lab-table"),
            "arn:aws:dynamodb:ap-southeast-1:123456789012:table/lab-table"
        );
        assert_eq!(
            stream_arn(R, A, "lab-table", "2024-10-08T19:55:22.500"),
            "arn:aws:dynamodb:ap-southeast-1:123456789012:table/lab-table/stream/2024-10-08T19:55:22.500"
        );
        assert_eq!(
            lambda_function_arn(R, A, "sync-data-with-dynamodb-stream"),
            "arn:aws:lambda:ap-southeast-1:123456789012:function:sync-data-with-dynamodb-stream"
        );
        assert_eq!(
            log_group_arn(R, A, &lambda_log_group("sync-data-with-dynamodb-stream")),
            "arn:aws:logs:ap-southeast-1:123456789012:log-group:/aws/lambda/sync-data-with-dynamodb-stream"
        );
        assert_eq!(
            execute_api_arn(R, A, "a1b2c3d4e5", "v1", "post", "/lab"),
            "arn:aws:execute-api:ap-southeast-1:123456789012:a1b2c3d4e5/v1/POST/lab"
        );
        assert_eq!(
            execute_api_arn(R, A, "a1b2c3d4e5", "v1", "GET", "/"),
            "arn:aws:execute-api:ap-southeast-1:123456789012:a1b2c3d4e5/v1/GET/"
        );
        assert_eq!(
            aoss_collection_arn(R, A, "0a1b2c3d4e5f6g7h8i9j"),
            "arn:aws:aoss:ap-southeast-1:123456789012:collection/0a1b2c3d4e5f6g7h8i9j"
        );
        assert_eq!(
            iam_role_arn(A, "lambda-lab-role"),
            "arn:aws:iam::123456789012:role/lambda-lab-role"
        );
    }
}
