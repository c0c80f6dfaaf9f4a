//! The function's environment variables: the five chapter 4.1 step 6 sets,
//! the names Lambda accepts for them, and what the handler reads of them.
//!
//! The function keeps its variables as one map, whoever sets them: the
//! Lambda API's UpdateFunctionConfiguration (which replaces the whole map,
//! as the console does when the learner saves), or `/_labsim/setup` (one
//! variable at a time, or all five at once).

use std::collections::BTreeMap;

use thiserror::Error;

/// Variable name to value, in name order (as Lambda answers them).
pub type Variables = BTreeMap<String, String>;

pub use lab_model::names::LAB_VARIABLES;

/// The five variables as the lab sets them: `host` is the collection's
/// endpoint (`https://{collectionId}.{region}.aoss.amazonaws.com`, or
/// labsim's own while it serves).
pub fn lab_variables(region: &str, host: &str) -> Variables {
    lab_model::names::lab_variables(region, host, super::INDEX)
        .into_iter()
        .map(|(name, value)| (name.to_owned(), value))
        .collect()
}

/// The names Lambda's runtimes set and a function's configuration may not
/// (Lambda's developer guide, "Defined runtime environment variables").
/// `AWS_REGION` is the one the lab meets: hence its `REGION`.
pub const RESERVED: [&str; 18] = [
    "_HANDLER",
    "_X_AMZN_TRACE_ID",
    "AWS_DEFAULT_REGION",
    "AWS_REGION",
    "AWS_EXECUTION_ENV",
    "AWS_LAMBDA_FUNCTION_NAME",
    "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
    "AWS_LAMBDA_FUNCTION_VERSION",
    "AWS_LAMBDA_INITIALIZATION_TYPE",
    "AWS_LAMBDA_LOG_GROUP_NAME",
    "AWS_LAMBDA_LOG_STREAM_NAME",
    "AWS_ACCESS_KEY",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_LAMBDA_RUNTIME_API",
    "LAMBDA_TASK_ROOT",
    "LAMBDA_RUNTIME_DIR",
];

/// The pattern the Lambda API's model gives variable names.
pub const NAME_PATTERN: &str = "[a-zA-Z]([a-zA-Z0-9_])+";

/// Why Lambda refuses a set of variable names.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum NameError {
    /// A name outside [`NAME_PATTERN`]: the API's constraint check (its
    /// wording follows AWS's validation messages; unverified for this
    /// field).
    #[error("1 validation error detected: Value at 'environment.variables' failed to satisfy constraint: Map keys must satisfy constraint: [Member must satisfy regular expression pattern: {NAME_PATTERN}]")]
    Pattern { name: String },
    /// Names the runtime keeps for itself, in the order given.
    #[error("Lambda was unable to configure your environment variables because the environment variables you have provided contains reserved keys that are currently not supported for modification. Reserved keys used in this request: {}", .names.join(", "))]
    Reserved { names: Vec<String> },
}

/// Whether `name` matches [`NAME_PATTERN`]: a letter, then at least one
/// letter, digit or `_`.
fn valid_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && name.len() >= 2
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Checks names as Lambda does before it changes anything: the pattern
/// first (the request's validation), then the reserved names.
pub fn check_names<'a>(names: impl IntoIterator<Item = &'a str> + Clone) -> Result<(), NameError> {
    if let Some(bad) = names.clone().into_iter().find(|n| !valid_name(n)) {
        return Err(NameError::Pattern {
            name: bad.to_owned(),
        });
    }
    let reserved: Vec<String> = names
        .into_iter()
        .filter(|n| RESERVED.contains(n))
        .map(str::to_owned)
        .collect();
    if reserved.is_empty() {
        Ok(())
    } else {
        Err(NameError::Reserved { names: reserved })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_lambdas_pattern_and_keep_off_its_own() {
        for good in ["REGION", "OPENSEARCH_HOST", "a1", "Ab_"] {
            assert_eq!(check_names([good]), Ok(()), "{good}");
        }
        for bad in [
            "",
            "A",
            "1A",
            "_HANDLER",
            "OPENSEARCH-HOST",
            "HOST NAME",
            "ÄB",
        ] {
            assert_eq!(
                check_names(["REGION", bad]),
                Err(NameError::Pattern {
                    name: bad.to_owned()
                }),
                "{bad:?}"
            );
        }
        let refused = check_names(["REGION", "AWS_REGION", "AWS_SESSION_TOKEN"]).unwrap_err();
        assert_eq!(
            refused.to_string(),
            "Lambda was unable to configure your environment variables because the environment variables you have provided contains reserved keys that are currently not supported for modification. Reserved keys used in this request: AWS_REGION, AWS_SESSION_TOKEN"
        );
    }

    #[test]
    fn the_lab_sets_five_variables() {
        let vars = lab_variables(
            "ap-southeast-1",
            "https://x.ap-southeast-1.aoss.amazonaws.com",
        );
        assert_eq!(vars.len(), 5);
        assert_eq!(vars["AWS_SERVICE"], "aoss");
        assert_eq!(vars["OPENSEARCH_INDEX"], "dynamodb_replicate");
        assert_eq!(vars["OPENSEARCH_DATATYPE"], "_doc");
        assert_eq!(vars["REGION"], "ap-southeast-1");
        assert_eq!(check_names(vars.keys().map(String::as_str)), Ok(()));
    }
}
