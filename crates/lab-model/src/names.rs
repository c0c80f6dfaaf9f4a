//! The lab's resource names, as the workshop creates them (chapters 2 to 4).
//! labmate uses them as defaults a learner may change; labsim builds its lab
//! with exactly these.

/// The workshop's region.
pub const DEFAULT_REGION: &str = "ap-southeast-1";

/// The DynamoDB table, and its partition key (a string).
pub const TABLE: &str = "lab-table";
pub const TABLE_KEY: &str = "id";

/// The REST API, its stage and its only resource.
pub const API_NAME: &str = "dynamodb-api-gw";
pub const API_STAGE: &str = "v1";
pub const API_RESOURCE: &str = "/lab";
/// Stage and resource as they appear in the invoke URL's path.
pub const API_PATH: &str = "/v1/lab";

/// The stream Lambda, its role and its log group.
pub const FUNCTION: &str = "sync-data-with-dynamodb-stream";
pub const ROLE: &str = "lambda-lab-role";
pub const LOG_GROUP: &str = "/aws/lambda/sync-data-with-dynamodb-stream";

/// The role's two inline policies that chapter 4.1 adds.
pub const STREAM_POLICY: &str = "dynamodb-stream-data";
pub const AOSS_POLICY: &str = "aoss-policy";

/// The OpenSearch Serverless collection, its data access policy and the
/// index the Lambda writes to.
pub const COLLECTION: &str = "lab-collection";
pub const DATA_ACCESS_POLICY: &str = "easy-lab-collection";
pub const INDEX: &str = "dynamodb_replicate";

/// The same-origin routes a hosted labmate reaches the services without
/// CORS through: path prefix on the page's origin, stripped before the
/// request goes on (deploy/'s CloudFront behaviours, labsim's static server).
pub const SAME_ORIGIN_ROUTES: [(crate::Service, &str); 2] = [
    (crate::Service::Aoss, "/aoss"),
    (crate::Service::ApiGateway, "/api"),
];

/// The stream Lambda's environment variables chapter 3 sets, in the order
/// it lists them.
pub const LAB_VARIABLES: [&str; 5] = [
    "REGION",
    "AWS_SERVICE",
    "OPENSEARCH_HOST",
    "OPENSEARCH_INDEX",
    "OPENSEARCH_DATATYPE",
];

/// Their values for a lab in `region` whose collection is at
/// `opensearch_host` (`https://{collectionId}.{region}.aoss.amazonaws.com`,
/// or the simulator's own) and whose documents go to `index`.
pub fn lab_variables(
    region: &str,
    opensearch_host: &str,
    index: &str,
) -> [(&'static str, String); 5] {
    let values = [region, "aoss", opensearch_host, index, "_doc"];
    std::array::from_fn(|i| (LAB_VARIABLES[i], values[i].to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_log_group_is_the_functions() {
        assert_eq!(LOG_GROUP, format!("/aws/lambda/{FUNCTION}"));
        assert_eq!(API_PATH, format!("/{API_STAGE}{API_RESOURCE}"));
    }

    #[test]
    fn the_lab_variables_pair_each_name_with_its_value() {
        let vars = lab_variables("eu-west-1", "https://c.eu-west-1.aoss.amazonaws.com", INDEX);
        assert_eq!(vars[0], ("REGION", "eu-west-1".to_owned()));
        assert_eq!(vars[1], ("AWS_SERVICE", "aoss".to_owned()));
        assert_eq!(vars[4], ("OPENSEARCH_DATATYPE", "_doc".to_owned()));
    }
}
