//! ListFunctions' query (`MasterRegion`, `FunctionVersion`, `Marker`,
//! `MaxItems`) read and checked as Lambda checks it, and the page of
//! functions it asks for.

use thiserror::Error;

/// Lambda returns at most 50 functions per call, whatever `MaxItems` says
/// (the model allows up to 10000; AWS's documentation and SDK issues say so).
pub const PAGE_CAP: usize = 50;
/// `MaxListItems`' bounds in the SDKs' model.
const MAX_ITEMS_MIN: i64 = 1;
const MAX_ITEMS_MAX: i64 = 10_000;

/// A ListFunctions request's query, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListQuery {
    /// How many functions this page holds at most (1..=50).
    pub page_size: usize,
    /// List only the functions named after this one (from `Marker`).
    pub after: Option<String>,
    /// `FunctionVersion=ALL`: every version of each function, its ARN
    /// qualified.
    pub all_versions: bool,
    /// `MasterRegion` given: only Lambda@Edge replicas are listed.
    pub edge_only: bool,
}

/// Why a ListFunctions query is refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ListQueryError {
    /// Members outside their shapes' constraints: AWS's
    /// `ValidationException`, every violation named in one message.
    #[error("{} detected: {}", count(.0.len()), .0.join("; "))]
    Validation(Vec<String>),
    /// `MaxItems` that is not a whole number (the SDKs never send one; the
    /// wording is labsim's).
    #[error("MaxItems must be a whole number, not {0:?}.")]
    MaxItemsNotANumber(String),
    /// `MasterRegion` without `FunctionVersion=ALL`, which the API requires
    /// (the wording is labsim's: AWS's is not on record).
    #[error("MasterRegion can only be given with FunctionVersion=ALL.")]
    MasterRegionWithoutAll,
    /// A `Marker` labsim did not hand out (the wording is labsim's).
    #[error("The Marker {0:?} is not one this API returned as NextMarker.")]
    UnknownMarker(String),
}

impl ListQueryError {
    /// The `x-amzn-ErrorType` AWS answers with.
    pub fn kind(&self) -> &'static str {
        match self {
            ListQueryError::Validation(_) => "ValidationException",
            _ => "InvalidParameterValueException",
        }
    }
}

fn count(n: usize) -> String {
    if n == 1 {
        "1 validation error".to_owned()
    } else {
        format!("{n} validation errors")
    }
}

impl ListQuery {
    /// Reads a ListFunctions query string. The constraints are checked in
    /// the request shape's order and reported together, as AWS does.
    pub fn parse(query: &str) -> Result<ListQuery, ListQueryError> {
        let param = |name: &str| {
            form_urlencoded::parse(query.as_bytes())
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.into_owned())
        };
        let master_region = param("MasterRegion");
        let version = param("FunctionVersion");
        let marker = param("Marker");
        let max_items = param("MaxItems");

        let mut violations = Vec::new();
        if let Some(v) = version.as_deref().filter(|v| *v != "ALL") {
            violations.push(format!(
                "Value '{v}' at 'functionVersion' failed to satisfy constraint: Member must satisfy enum value set: [ALL]"
            ));
        }
        let max_items = match max_items {
            None => None,
            Some(text) => match text.parse::<i64>() {
                Ok(n) if n < MAX_ITEMS_MIN => {
                    violations.push(format!(
                        "Value '{n}' at 'maxItems' failed to satisfy constraint: Member must have value greater than or equal to {MAX_ITEMS_MIN}"
                    ));
                    None
                }
                Ok(n) if n > MAX_ITEMS_MAX => {
                    violations.push(format!(
                        "Value '{n}' at 'maxItems' failed to satisfy constraint: Member must have value less than or equal to {MAX_ITEMS_MAX}"
                    ));
                    None
                }
                Ok(n) => Some(n),
                Err(_) => return Err(ListQueryError::MaxItemsNotANumber(text)),
            },
        };
        if !violations.is_empty() {
            return Err(ListQueryError::Validation(violations));
        }
        let all_versions = version.is_some();
        if master_region.is_some() && !all_versions {
            return Err(ListQueryError::MasterRegionWithoutAll);
        }
        let after = match marker {
            None => None,
            Some(m) => Some(decode_marker(&m).ok_or(ListQueryError::UnknownMarker(m))?),
        };
        let page_size = max_items
            .map_or(PAGE_CAP, |n| usize::try_from(n).unwrap_or(PAGE_CAP))
            .min(PAGE_CAP);
        Ok(ListQuery {
            page_size,
            after,
            all_versions,
            edge_only: master_region.is_some(),
        })
    }

    /// The page this query asks for out of `names` (function names in any
    /// order): the names it holds, in order, and the `NextMarker` when more
    /// follow.
    pub fn page<'a>(&self, names: &[&'a str]) -> (Vec<&'a str>, Option<String>) {
        let mut sorted: Vec<&str> = names.to_vec();
        sorted.sort_unstable();
        let rest: Vec<&str> = sorted
            .into_iter()
            .filter(|n| self.after.as_deref().is_none_or(|after| *n > after))
            .collect();
        let page: Vec<&str> = rest.iter().copied().take(self.page_size).collect();
        let next = (rest.len() > page.len())
            .then(|| page.last().map(|last| encode_marker(last)))
            .flatten();
        (page, next)
    }
}

/// The token naming the last function of a page: opaque to clients, as
/// AWS's are (hex, so it needs no escaping in a query string).
fn encode_marker(last: &str) -> String {
    hex::encode(last.as_bytes())
}

fn decode_marker(marker: &str) -> Option<String> {
    String::from_utf8(hex::decode(marker).ok()?)
        .ok()
        .filter(|name| !name.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_query_asks_for_the_first_page_of_fifty() {
        let q = ListQuery::parse("").unwrap();
        assert_eq!(
            q,
            ListQuery {
                page_size: 50,
                after: None,
                all_versions: false,
                edge_only: false
            }
        );
    }

    #[test]
    fn max_items_is_capped_at_fifty_and_checked_against_the_model() {
        assert_eq!(ListQuery::parse("MaxItems=1").unwrap().page_size, 1);
        assert_eq!(ListQuery::parse("MaxItems=50").unwrap().page_size, 50);
        assert_eq!(ListQuery::parse("MaxItems=10000").unwrap().page_size, 50);
        let err = ListQuery::parse("MaxItems=0").unwrap_err();
        assert_eq!(err.kind(), "ValidationException");
        assert_eq!(
            err.to_string(),
            "1 validation error detected: Value '0' at 'maxItems' failed to satisfy constraint: Member must have value greater than or equal to 1"
        );
        assert_eq!(
            ListQuery::parse("MaxItems=10001").unwrap_err().to_string(),
            "1 validation error detected: Value '10001' at 'maxItems' failed to satisfy constraint: Member must have value less than or equal to 10000"
        );
        let err = ListQuery::parse("MaxItems=lots").unwrap_err();
        assert_eq!(err, ListQueryError::MaxItemsNotANumber("lots".into()));
        assert_eq!(err.kind(), "InvalidParameterValueException");
    }

    #[test]
    fn every_violation_is_named_in_one_message() {
        assert_eq!(
            ListQuery::parse("FunctionVersion=LATEST&MaxItems=-2")
                .unwrap_err()
                .to_string(),
            "2 validation errors detected: Value 'LATEST' at 'functionVersion' failed to satisfy constraint: Member must satisfy enum value set: [ALL]; Value '-2' at 'maxItems' failed to satisfy constraint: Member must have value greater than or equal to 1"
        );
    }

    #[test]
    fn master_region_needs_all_versions() {
        assert_eq!(
            ListQuery::parse("MasterRegion=us-east-1").unwrap_err(),
            ListQueryError::MasterRegionWithoutAll
        );
        let q = ListQuery::parse("MasterRegion=us-east-1&FunctionVersion=ALL").unwrap();
        assert!(q.edge_only && q.all_versions);
    }

    #[test]
    fn pages_follow_each_other_through_the_markers_they_hand_out() {
        let names = ["delta", "alpha", "charlie", "bravo", "echo"];
        let mut seen = Vec::new();
        let mut query = "MaxItems=2".to_owned();
        let mut pages = 0;
        loop {
            let q = ListQuery::parse(&query).unwrap();
            let (page, next) = q.page(&names);
            assert!(page.len() <= 2);
            seen.extend(page);
            pages += 1;
            match next {
                Some(marker) => query = format!("MaxItems=2&Marker={marker}"),
                None => break,
            }
        }
        assert_eq!(pages, 3);
        assert_eq!(seen, ["alpha", "bravo", "charlie", "delta", "echo"]);
    }

    #[test]
    fn a_page_that_holds_the_last_function_has_no_marker() {
        let q = ListQuery::parse("MaxItems=1").unwrap();
        assert_eq!(q.page(&["only"]), (vec!["only"], None));
        assert_eq!(q.page(&[]), (vec![], None));
    }

    #[test]
    fn a_marker_labsim_did_not_hand_out_is_refused() {
        for marker in ["zz", "", "%ff"] {
            let err = ListQuery::parse(&format!("Marker={marker}")).unwrap_err();
            assert!(matches!(err, ListQueryError::UnknownMarker(_)), "{marker}");
            assert_eq!(err.kind(), "InvalidParameterValueException");
        }
    }
}
