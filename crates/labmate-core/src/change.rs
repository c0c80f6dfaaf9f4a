//! The changes labmate makes to `lab-table`, built and read without I/O:
//! the item POSTed to `/v1/lab` (alone, in a burst, or replayed), and the
//! UpdateItem / DeleteItem calls that make MODIFY and REMOVE. Each answer
//! becomes the observation the flow board takes in.

use lab_model::names::TABLE_KEY;
use lab_model::timeline::ChangeKind;
use serde_json::{json, Map, Value};

use crate::flow::{ApiAnswer, TableCall};
use crate::signing::HttpRequest;
use crate::word;
use crate::words::Lang;

/// The guide's own test body for POST /v1/lab.
pub const GUIDE_TEST_ITEM: &str =
    "{\n    \"name\": \"Test DynamoDB Stream Pipeline\",\n    \"type\": \"Test\"\n}";

/// The largest burst one click sends (a class of 30 each sending this many
/// stays far below the API's default throttle).
pub const MAX_BURST: usize = 1_000;

/// POST to the API's invoke URL (`…/v1/lab`, as configured) with `body` as typed. `own_id`, when given, goes out as
/// `x-amzn-RequestId`: API Gateway adopts a UUID there as its request id,
/// which the lab's template writes as the item's id, so the flow is tied
/// to its item from the start.
pub fn api_post(invoke_url: &str, body: &str, own_id: Option<&str>) -> HttpRequest {
    let mut request =
        HttpRequest::new("POST", invoke_url).header("content-type", "application/json");
    if let Some(id) = own_id {
        request = request.header("x-amzn-requestid", id);
    }
    request.body(body.to_owned())
}

/// What one POST sent, for the answer's observation.
#[derive(Clone, Debug, PartialEq)]
pub struct SentItem {
    pub own_id: Option<String>,
    pub body: String,
    pub sent_ms: i64,
}

impl SentItem {
    /// The observation of the API's answer (`status` `None`: the page could
    /// not read it, as when CORS refuses).
    pub fn answer(
        &self,
        status: Option<u16>,
        request_id: Option<String>,
        answer_body: &str,
        answered_ms: i64,
    ) -> ApiAnswer {
        ApiAnswer {
            sent_request_id: self.own_id.clone(),
            request_id,
            sent_body: serde_json::from_str::<Map<String, Value>>(&self.body).unwrap_or_default(),
            status,
            body: answer_body.to_owned(),
            sent_ms: self.sent_ms,
            answered_ms,
        }
    }
}

/// The bodies of a burst of `count` items from `template` (a checked
/// `{"name", "type"}` object): each name gets ` #1`, ` #2`, ... so that
/// flows stay distinguishable by content when the page cannot read ids.
pub fn burst_bodies(template: &str, count: usize) -> Vec<String> {
    let Ok(Value::Object(base)) = serde_json::from_str::<Value>(template) else {
        return Vec::new();
    };
    let name = base.get("name").and_then(Value::as_str).unwrap_or("item");
    (1..=count.min(MAX_BURST))
        .map(|i| {
            let mut item = base.clone();
            item.insert("name".into(), Value::String(format!("{name} #{i}")));
            Value::Object(item).to_string()
        })
        .collect()
}

/// The new values of a MODIFY.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Modification {
    pub name: String,
    pub kind: String,
}

/// A signed-to-be DynamoDB call on one item: UpdateItem (MODIFY) or
/// DeleteItem (REMOVE).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TableChange {
    pub table: String,
    pub item_id: String,
    pub change: ChangeKind,
    /// For a MODIFY.
    pub modification: Option<Modification>,
}

impl TableChange {
    pub fn modify(table: &str, item_id: &str, modification: Modification) -> TableChange {
        TableChange {
            table: table.to_owned(),
            item_id: item_id.to_owned(),
            change: ChangeKind::Modify,
            modification: Some(modification),
        }
    }

    pub fn remove(table: &str, item_id: &str) -> TableChange {
        TableChange {
            table: table.to_owned(),
            item_id: item_id.to_owned(),
            change: ChangeKind::Remove,
            modification: None,
        }
    }

    /// `UpdateItem` or `DeleteItem`.
    pub fn operation(&self) -> &'static str {
        match self.change {
            ChangeKind::Remove => "DeleteItem",
            _ => "UpdateItem",
        }
    }

    /// The IAM action the call needs.
    pub fn permission(&self) -> String {
        format!("dynamodb:{}", self.operation())
    }

    /// The request, for DynamoDB's JSON protocol.
    pub fn request(&self, base_url: &str) -> HttpRequest {
        let key = json!({ TABLE_KEY: { "S": self.item_id } });
        let body = match &self.modification {
            Some(m) if self.change != ChangeKind::Remove => json!({
                "TableName": self.table,
                "Key": key,
                // `name` and `type` are DynamoDB reserved words.
                "UpdateExpression": "SET #name = :name, #type = :type",
                "ExpressionAttributeNames": {"#name": "name", "#type": "type"},
                "ExpressionAttributeValues": {":name": {"S": m.name}, ":type": {"S": m.kind}},
            }),
            _ => json!({ "TableName": self.table, "Key": key }),
        };
        HttpRequest::new("POST", &format!("{base_url}/"))
            .header("content-type", "application/x-amz-json-1.0")
            .header(
                "x-amz-target",
                &format!("DynamoDB_20120810.{}", self.operation()),
            )
            .body(body.to_string())
    }

    /// The observation of DynamoDB's answer.
    pub fn answered(
        &self,
        status: u16,
        request_id: Option<String>,
        body: &str,
        sent_ms: i64,
        answered_ms: i64,
    ) -> TableCall {
        let error_type = (status != 200).then(|| {
            serde_json::from_str::<Value>(body)
                .ok()
                .and_then(|v| v.get("__type")?.as_str().map(str::to_owned))
                .map(|t| t.rsplit('#').next().unwrap_or_default().to_owned())
                .unwrap_or_default()
        });
        TableCall {
            change: self.change,
            item_id: self.item_id.clone(),
            operation: self.operation().to_owned(),
            status,
            request_id,
            error_type,
            sent_ms,
            answered_ms,
        }
    }

    /// How to make the same change in the DynamoDB console, for learners
    /// whose credentials may not (labmate still watches it flow), in `lang`.
    pub fn console_steps_in(&self, lang: Lang) -> String {
        let steps = match self.change {
            ChangeKind::Remove => word!(lang, send.change_console_delete),
            _ => word!(lang, send.change_console_edit),
        };
        steps(
            self.operation(),
            &self.permission(),
            &self.table,
            &self.item_id,
        )
    }

    /// The same, in English.
    pub fn console_steps(&self) -> String {
        self.console_steps_in(Lang::En)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::flow::ApiVerdict;

    /// The console steps, in every language, name the call, the permission,
    /// the table and the item; the Vietnamese is not the English.
    #[test]
    fn console_steps_are_worded_in_each_language_with_their_values() {
        let remove = TableChange::remove("lab-table-9", "item-42");
        let modify = TableChange::modify(
            "lab-table-9",
            "item-42",
            Modification {
                name: "Bea".into(),
                kind: "t".into(),
            },
        );
        for (change, action) in [(remove, "Delete items"), (modify, "Edit item")] {
            assert_eq!(change.console_steps(), change.console_steps_in(Lang::En));
            for lang in Lang::ALL {
                let text = change.console_steps_in(lang);
                for v in [
                    change.operation(),
                    change.permission().as_str(),
                    "lab-table-9",
                    "item-42",
                    action,
                ] {
                    assert!(text.contains(v), "{lang:?}: {text}");
                }
            }
            assert_ne!(change.console_steps_in(Lang::Vi), change.console_steps());
        }
        assert_eq!(
            TableChange::remove("lab-table", "k1").console_steps(),
            "Your credentials may not call DeleteItem (dynamodb:DeleteItem). Make the change in the DynamoDB console instead: Tables > lab-table > Explore table items, tick the item whose id is k1, then Actions > Delete items. labmate will see it arrive on the stream and follow it."
        );
    }

    #[test]
    fn the_guide_item_passes_the_item_check() {
        let (_, warnings) = crate::lab_item::check_item(GUIDE_TEST_ITEM).unwrap();
        assert!(warnings.is_empty());
    }

    #[test]
    fn a_post_carries_labmates_id_only_when_given() {
        let r = api_post(
            "https://x.example/v1/lab",
            "{}",
            Some("c0ffee00-0000-4000-8000-000000000001"),
        );
        assert_eq!(r.url, "https://x.example/v1/lab");
        assert!(r
            .headers
            .iter()
            .any(|(n, v)| n == "x-amzn-requestid" && v == "c0ffee00-0000-4000-8000-000000000001"));
        let r = api_post("https://x.example/v1/lab", "{}", None);
        assert!(!r.headers.iter().any(|(n, _)| n == "x-amzn-requestid"));
    }

    #[test]
    fn an_unreadable_answer_keeps_the_sent_body_for_correlation() {
        let sent = SentItem {
            own_id: None,
            body: r#"{"name":"Ann","type":"t"}"#.into(),
            sent_ms: 5,
        };
        let a = sent.answer(None, None, "", 9);
        assert_eq!(a.verdict(), ApiVerdict::Unreadable);
        assert_eq!(a.sent_body["name"], "Ann");
        assert_eq!(a.item_id(), None);
    }

    #[test]
    fn burst_names_are_numbered_and_bounded() {
        let bodies = burst_bodies(r#"{"name": "Ann", "type": "t"}"#, 3);
        assert_eq!(bodies.len(), 3);
        assert_eq!(bodies[2], r#"{"name":"Ann #3","type":"t"}"#);
        assert_eq!(
            burst_bodies(GUIDE_TEST_ITEM, MAX_BURST + 5).len(),
            MAX_BURST
        );
        assert!(burst_bodies("[1]", 3).is_empty());
    }

    #[test]
    fn update_and_delete_speak_dynamodbs_json_protocol() {
        let m = TableChange::modify(
            "lab-table",
            "k1",
            Modification {
                name: "Bea".into(),
                kind: "t2".into(),
            },
        );
        let r = m.request("https://dynamodb.ap-southeast-1.amazonaws.com");
        assert_eq!(
            r.headers[1],
            ("x-amz-target".into(), "DynamoDB_20120810.UpdateItem".into())
        );
        let body: Value = serde_json::from_str(&r.body).unwrap();
        assert_eq!(body["Key"]["id"]["S"], "k1");
        assert_eq!(body["ExpressionAttributeValues"][":name"]["S"], "Bea");
        let d = TableChange::remove("lab-table", "k1");
        let body: Value = serde_json::from_str(&d.request("u").body).unwrap();
        assert_eq!(
            body,
            json!({"TableName": "lab-table", "Key": {"id": {"S": "k1"}}})
        );
        assert_eq!(d.permission(), "dynamodb:DeleteItem");
    }

    #[test]
    fn a_refusal_is_read_into_the_table_call() {
        let d = TableChange::remove("lab-table", "k1");
        let c = d.answered(
            400,
            Some("r".into()),
            r#"{"__type":"com.amazon.coral.service#AccessDeniedException","message":"no"}"#,
            1,
            2,
        );
        assert_eq!(c.error_type.as_deref(), Some("AccessDeniedException"));
        assert_eq!(c.change, ChangeKind::Remove);
        let ok = d.answered(200, None, "{}", 1, 2);
        assert_eq!(ok.error_type, None);
        assert!(d.console_steps().contains("Delete items"));
    }
}
