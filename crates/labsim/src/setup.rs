//! How far the lab is built, read and changed while the simulator runs
//! (`GET|POST /_labsim/setup`, `POST /_labsim/stream/roll-over`), so a
//! half-built lab can be simulated over HTTP.
//!
//! Every change goes through the same code as the real service's: the
//! stream is turned on and off as UpdateTable does (a new stream, ARN and
//! label each time it comes back on, and AWS's refusals while the table is
//! UPDATING); the trigger is created, paused, resumed and deleted as the
//! Lambda API does it, through a few seconds of `Creating`, `Disabling`,
//! `Enabling` or `Deleting` (refusing another change meanwhile), keeping its
//! place in the stream; a deleted function answers 404. The function's
//! environment variables change at once, as a finished
//! UpdateFunctionConfiguration leaves them, one by one or all five.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value;

use crate::dynamodb::{StreamViewType, LAB_TABLE};
use crate::iam::{self, LabRoleSetup, PolicyState};
use crate::lambda::api::json_type;
use crate::lambda::environment::{self, NameError};
use crate::lambda::{HandlerKind, Variables};
use crate::Simulator;

/// The fields of [`LabSetup`], in the order they are documented.
pub const FIELDS: [&str; 9] = [
    "stream",
    "function_exists",
    "trigger_exists",
    "trigger_enabled",
    "env_vars_set",
    "environment",
    "handler",
    "stream_policy",
    "aoss_policy",
];

/// `GET /_labsim/setup`: the lab as it is now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LabSetup {
    /// `off`, or the view type of `lab-table`'s enabled stream.
    pub stream: String,
    pub function_exists: bool,
    pub trigger_exists: bool,
    /// Whether the trigger is on or on its way there (`Enabled`,
    /// `Enabling`, or `Creating`/`Updating` toward `Enabled`), as
    /// Terraform's AWS provider reads the mapping's state; its `State` in
    /// the Lambda API shows the few seconds of each change. Always `false`
    /// without a trigger.
    pub trigger_enabled: bool,
    /// Whether the five variables of step 6 are all exactly as the lab
    /// sets them (others may be there too). Posted, `true` sets the five
    /// (keeping others) and `false` removes every variable. Always `false`
    /// without a function (its configuration went with it).
    pub env_vars_set: bool,
    /// The function's environment variables, all of them (empty without
    /// a function). Posted, each name is set to its string, or removed by
    /// `null`; names not given stay as they are.
    pub environment: Variables,
    /// `workshop`, `fixed` or `typed` (the fixed code reading every
    /// attribute by its type): the code the function runs (or will run
    /// once created).
    pub handler: String,
    /// `present`, `missing` or `wrong`: `lambda-lab-role`'s inline policy
    /// `dynamodb-stream-data` (chapter 4.1 step 3).
    pub stream_policy: String,
    /// The same for its `aoss-policy` (step 4).
    pub aoss_policy: String,
}

/// The body of `POST /_labsim/setup`: the fields to change.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SetupPatch {
    /// `Some(None)` turns the stream off.
    pub stream: Option<Option<StreamViewType>>,
    pub function_exists: Option<bool>,
    pub trigger_exists: Option<bool>,
    pub trigger_enabled: Option<bool>,
    pub env_vars_set: Option<bool>,
    /// Variable name to its new value (`None` removes it), applied after
    /// `env_vars_set`.
    pub environment: BTreeMap<String, Option<String>>,
    pub handler: Option<HandlerKind>,
    pub stream_policy: Option<PolicyState>,
    pub aoss_policy: Option<PolicyState>,
}

/// Why a setup change was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SetupError {
    /// The request is malformed (HTTP 400); the message names the field.
    Invalid(String),
    /// The lab is not in a state that allows the change (HTTP 409).
    Conflict(String),
}

impl SetupError {
    pub fn status(&self) -> u16 {
        match self {
            SetupError::Invalid(_) => 400,
            SetupError::Conflict(_) => 409,
        }
    }

    pub fn message(&self) -> &str {
        match self {
            SetupError::Invalid(m) | SetupError::Conflict(m) => m,
        }
    }
}

impl SetupPatch {
    /// Parses a JSON object of [`FIELDS`]; an empty body changes nothing.
    pub fn parse(body: &[u8]) -> Result<Self, SetupError> {
        let invalid = |m: String| SetupError::Invalid(m);
        if body.iter().all(u8::is_ascii_whitespace) {
            return Ok(SetupPatch::default());
        }
        let value: Value = serde_json::from_slice(body).map_err(|e| {
            invalid(format!(
                "expected a JSON object such as {{\"trigger_enabled\": false}}: {e}"
            ))
        })?;
        let Value::Object(fields) = value else {
            return Err(invalid(format!(
                "expected a JSON object such as {{\"trigger_enabled\": false}}, not {value}"
            )));
        };
        let mut patch = SetupPatch::default();
        for (name, value) in &fields {
            let boolean = || {
                value.as_bool().ok_or_else(|| {
                    invalid(format!("\"{name}\" must be true or false, not {value}"))
                })
            };
            match name.as_str() {
                "stream" => {
                    let view = match value.as_str() {
                        Some("off") => Some(None),
                        Some(text) => StreamViewType::parse(text).map(Some),
                        None => None,
                    };
                    patch.stream = Some(view.ok_or_else(|| {
                        invalid(format!(
                            "\"stream\" must be \"off\" or a stream view type ({}), not {value}",
                            StreamViewType::NAMES.join(", ")
                        ))
                    })?);
                }
                "function_exists" => patch.function_exists = Some(boolean()?),
                "trigger_exists" => patch.trigger_exists = Some(boolean()?),
                "trigger_enabled" => patch.trigger_enabled = Some(boolean()?),
                "env_vars_set" => patch.env_vars_set = Some(boolean()?),
                "environment" => patch.environment = parse_environment(value)?,
                "handler" => {
                    let kind = value.as_str().and_then(HandlerKind::parse);
                    patch.handler = Some(kind.ok_or_else(|| {
                        invalid(format!(
                            "\"handler\" must be one of {}, not {value}",
                            HandlerKind::NAMES.map(|n| format!("\"{n}\"")).join(", ")
                        ))
                    })?);
                }
                "stream_policy" | "aoss_policy" => {
                    let state = value.as_str().and_then(PolicyState::parse).ok_or_else(|| {
                        invalid(format!(
                            "\"{name}\" must be one of {}, not {value}",
                            PolicyState::NAMES.map(|n| format!("\"{n}\"")).join(", ")
                        ))
                    })?;
                    if name == "stream_policy" {
                        patch.stream_policy = Some(state);
                    } else {
                        patch.aoss_policy = Some(state);
                    }
                }
                _ => {
                    return Err(invalid(format!(
                        "unknown setup field \"{name}\"; the fields are {}",
                        FIELDS.join(", ")
                    )))
                }
            }
        }
        Ok(patch)
    }
}

/// The `environment` field: an object of names to strings or `null`; the
/// names set must be ones Lambda accepts. Values are never repeated in a
/// message (variables may hold secrets).
fn parse_environment(value: &Value) -> Result<BTreeMap<String, Option<String>>, SetupError> {
    let invalid = |m: String| SetupError::Invalid(m);
    let Value::Object(fields) = value else {
        return Err(invalid(format!(
            "\"environment\" must be an object of variable names to strings (or null to remove one), such as {{\"OPENSEARCH_INDEX\": \"dynamodb_replicate\"}}, not {}",
            json_type(value)
        )));
    };
    let mut patch = BTreeMap::new();
    for (name, value) in fields {
        let value = match value {
            Value::String(text) => Some(text.clone()),
            Value::Null => None,
            other => {
                return Err(invalid(format!(
                    "\"environment\": \"{name}\" must be a string, or null to remove it, not {}",
                    json_type(other)
                )))
            }
        };
        patch.insert(name.clone(), value);
    }
    let set = patch
        .iter()
        .filter(|(_, v)| v.is_some())
        .map(|(k, _)| k.as_str());
    match environment::check_names(set) {
        Ok(()) => Ok(patch),
        Err(NameError::Pattern { name }) => Err(invalid(format!(
            "\"environment\": \"{name}\" is not a name Lambda accepts ({})",
            environment::NAME_PATTERN
        ))),
        Err(NameError::Reserved { names }) => Err(invalid(format!(
            "\"environment\": Lambda reserves {} for its runtime (the lab's region variable is REGION)",
            names.join(", ")
        ))),
    }
}

/// What `POST /_labsim/stream/roll-over` did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RollOver {
    pub stream_arn: String,
    /// The shard that was closed.
    pub parent_shard_id: String,
    /// The shard now open (its `ParentShardId` is the closed one).
    pub shard_id: String,
}

impl Simulator {
    /// The lab as it is now (not as it was started: see
    /// [`Simulator::reset`] for that).
    pub fn setup(&self) -> LabSetup {
        let lambda = self.lambda.setup();
        let (trigger_exists, trigger_enabled) = self.lambda.trigger();
        LabSetup {
            stream: self
                .dynamodb
                .stream_view(LAB_TABLE)
                .map_or("off", StreamViewType::as_str)
                .to_owned(),
            function_exists: lambda.function_exists,
            trigger_exists,
            trigger_enabled,
            env_vars_set: self.lambda.env_vars_set(),
            environment: if lambda.function_exists {
                self.lambda.variables().clone()
            } else {
                Variables::new()
            },
            handler: lambda.handler.as_str().to_owned(),
            stream_policy: self.lab_role().setup.stream_policy.as_str().to_owned(),
            aoss_policy: self.lab_role().setup.aoss_policy.as_str().to_owned(),
        }
    }

    /// Applies `patch`, all of it or (on an error) none of it, and returns
    /// the new setup. A field set to its current value changes nothing
    /// (`env_vars_set: false` aside, which removes variables left over
    /// from a partial step 6), so posting back what [`Simulator::setup`]
    /// returned always succeeds and leaves the lab as it was.
    pub fn apply_setup(&mut self, patch: &SetupPatch, now_ms: i64) -> Result<LabSetup, SetupError> {
        let conflict = |m: &str| Err(SetupError::Conflict(m.to_owned()));
        let current = self.setup();
        let current_view = self.dynamodb.stream_view(LAB_TABLE);
        let view = patch.stream.unwrap_or(current_view);
        let function = patch.function_exists.unwrap_or(current.function_exists);
        let trigger = patch.trigger_exists.unwrap_or(current.trigger_exists);
        if let (Some(now_on), Some(wanted)) = (current_view, view) {
            if now_on != wanted {
                // UpdateTable refuses a second stream: the view type only
                // changes by turning the stream off, then on again.
                return conflict(&format!(
                    "lab-table's stream is already on ({}); turn it off first ({{\"stream\": \"off\"}}), then on with {} once the table is ACTIVE again",
                    now_on.as_str(),
                    wanted.as_str()
                ));
            }
        }
        let sets_variables =
            patch.env_vars_set == Some(true) || patch.environment.values().any(Option::is_some);
        if sets_variables && !function {
            return conflict(
                "there is no function to set environment variables on: set function_exists to true",
            );
        }
        if trigger && !current.trigger_exists {
            if !function {
                return conflict("a trigger invokes a function: set function_exists to true");
            }
            if view.is_none() {
                return conflict(
                    "a trigger reads lab-table's stream, which is off: set stream to NEW_IMAGE",
                );
            }
        }
        if patch.trigger_enabled == Some(true) && !trigger {
            return conflict("there is no trigger to enable: set trigger_exists to true");
        }
        let role = LabRoleSetup {
            stream_policy: patch
                .stream_policy
                .unwrap_or(self.lab_role().setup.stream_policy),
            aoss_policy: patch
                .aoss_policy
                .unwrap_or(self.lab_role().setup.aoss_policy),
        };
        if trigger && !current.trigger_exists {
            // Lambda checks the role can read the stream before it makes a
            // trigger (CreateEventSourceMapping's InvalidParameterValueException).
            let stream = match self
                .dynamodb
                .latest_stream_arn(LAB_TABLE)
                .filter(|_| view == current_view)
            {
                Some(arn) => arn,
                // The stream is turned on by this change: the ARN it will get.
                None => self.dynamodb.next_stream(LAB_TABLE, now_ms).1,
            };
            let mut probe = self.lab_role().clone();
            probe.setup = role;
            if !probe.execution_role().can_read_stream(&stream) {
                return conflict(&iam::ExecutionRole::cannot_access_stream(&stream));
            }
        }
        // Deleting the trigger, or switching one that stays.
        let trigger_changes = current.trigger_exists
            && (!trigger
                || patch
                    .trigger_enabled
                    .is_some_and(|e| e != current.trigger_enabled));
        if trigger_changes {
            // Lambda refuses a change while the last one is under way.
            if let Some(busy) = self.lambda.trigger_busy(now_ms) {
                return conflict(&format!(
                    "the trigger is {} until its last change settles (a few seconds): try again then",
                    busy.state.as_str()
                ));
            }
        }
        if view != current_view {
            // The one change that can still fail (a table still UPDATING),
            // so it goes first: nothing else has changed yet.
            self.dynamodb
                .set_stream(LAB_TABLE, view, now_ms)
                .map_err(|e| {
                    SetupError::Conflict(e.message.unwrap_or_else(|| e.kind.code().to_owned()))
                })?;
        }
        if role != self.lab_role().setup {
            self.set_lab_role(role);
        }
        if let Some(exists) = patch.function_exists {
            self.lambda.set_function_exists(exists, now_ms);
        }
        if let Some(handler) = patch.handler {
            self.lambda.set_handler(handler, now_ms);
        }
        if patch.env_vars_set.is_some() || !patch.environment.is_empty() {
            // One change, however many variables: `env_vars_set` first,
            // then single variables over it.
            let mut variables = match patch.env_vars_set {
                Some(false) => Variables::new(),
                Some(true) => {
                    let mut all = self.lambda.variables().clone();
                    all.extend(self.lambda.lab_variables());
                    all
                }
                None => self.lambda.variables().clone(),
            };
            for (name, value) in &patch.environment {
                match value {
                    Some(value) => variables.insert(name.clone(), value.clone()),
                    None => variables.remove(name),
                };
            }
            self.lambda.set_variables(variables, now_ms);
        }
        // The trigger's changes go through its states as the Lambda API's
        // would; refusals were checked above, so none fails here.
        if trigger != current.trigger_exists {
            // The console's "Activate trigger" is ticked by default. A new
            // mapping names the stream it reads from the start.
            let enabled = patch.trigger_enabled.unwrap_or(true);
            let stream_arn = self.dynamodb.latest_stream_arn(LAB_TABLE);
            self.lambda
                .set_trigger_exists(trigger, enabled, stream_arn, now_ms)
                .map_err(|busy| SetupError::Conflict(busy.to_string()))?;
        } else if let Some(enabled) = patch.trigger_enabled {
            if trigger && enabled != current.trigger_enabled {
                self.lambda
                    .set_trigger_enabled(enabled, now_ms)
                    .map_err(|busy| SetupError::Conflict(busy.to_string()))?;
            }
        }
        Ok(self.setup())
    }

    /// Closes the open shard of `lab-table`'s stream and opens its child,
    /// as AWS does every few hours.
    pub fn roll_over_stream(&mut self, now_ms: i64) -> Result<RollOver, SetupError> {
        let no_stream = || {
            SetupError::Conflict(
                "lab-table's stream is off, so it has no shard to roll over: turn it on with POST /_labsim/setup {\"stream\": \"NEW_IMAGE\"}".to_owned(),
            )
        };
        if self.dynamodb.stream_view(LAB_TABLE).is_none() {
            return Err(no_stream());
        }
        let shard_id = self
            .dynamodb
            .roll_over_shard(LAB_TABLE, now_ms)
            .map_err(|_| no_stream())?;
        let parent_shard_id = self
            .dynamodb
            .parent_shard_id(LAB_TABLE, &shard_id)
            .unwrap_or_default();
        let stream_arn = self
            .dynamodb
            .latest_stream_arn(LAB_TABLE)
            .unwrap_or_default();
        Ok(RollOver {
            stream_arn,
            parent_shard_id,
            shard_id,
        })
    }
}

#[cfg(test)]
mod role_tests;

#[cfg(test)]
mod tests {
    use serde_json::{json, Value};

    use crate::lambda::{FUNCTION_NAME, INDEX, STATE_TRANSITION_MS};
    use crate::message::{Request, Response};
    use crate::test_support::{Signer, NOW};
    use crate::{Service, SimConfig, Simulator};

    fn sim() -> Simulator {
        Simulator::new(SimConfig::new(7), NOW)
    }

    fn json_of(res: &Response) -> Value {
        serde_json::from_slice(&res.body).expect("JSON body")
    }

    fn post(sim: &mut Simulator, path: &str, body: &str, now: i64) -> Response {
        let req = Request::new("POST", path).with_body(body.to_owned());
        sim.handle(Service::Sts, &req, now)
    }

    fn setup(sim: &mut Simulator, body: &str, now: i64) -> Value {
        let res = post(sim, "/_labsim/setup", body, now);
        assert_eq!(res.status, 200, "{body}: {}", res.body_text());
        json_of(&res)
    }

    fn signed(sim: &Simulator, service: Service, req: Request, now: i64) -> Request {
        let mut signer = Signer::new(sim.identity().demo_credentials());
        signer.service = service.signing_name().to_owned();
        signer.time_ms = now;
        signer.sign(req)
    }

    fn dynamodb(sim: &mut Simulator, op: &str, body: Value, now: i64) -> Response {
        let req = Request::new("POST", "/")
            .with_header("host", "127.0.0.1:9103")
            .with_header("content-type", "application/x-amz-json-1.0")
            .with_header("x-amz-target", &format!("DynamoDB_20120810.{op}"))
            .with_body(body.to_string());
        let req = signed(sim, Service::DynamoDb, req, now);
        sim.handle(Service::DynamoDb, &req, now)
    }

    fn put(sim: &mut Simulator, id: &str, now: i64) {
        let item = json!({"TableName": "lab-table", "Item": {"id": {"S": id}, "name": {"S": id}}});
        let res = dynamodb(sim, "PutItem", item, now);
        assert_eq!(res.status, 200, "{}", res.body_text());
    }

    fn lambda_get(sim: &mut Simulator, path: &str, query: &str, now: i64) -> Response {
        let req = Request::new("GET", path)
            .with_query(query)
            .with_header("host", "127.0.0.1:9105");
        let req = signed(sim, Service::Lambda, req, now);
        sim.handle(Service::Lambda, &req, now)
    }

    fn mapping_state(sim: &mut Simulator, now: i64) -> Value {
        let res = lambda_get(
            sim,
            "/2015-03-31/event-source-mappings/",
            &format!("FunctionName={FUNCTION_NAME}"),
            now,
        );
        assert_eq!(res.status, 200, "{}", res.body_text());
        json_of(&res)["EventSourceMappings"][0]["State"].clone()
    }

    /// Lets `ms` pass in 50 ms ticks, as the server does; the time after.
    fn run(sim: &mut Simulator, from: i64, ms: i64) -> i64 {
        let mut now = from;
        while now < from + ms {
            now += 50;
            sim.tick(now);
        }
        now
    }

    fn indexed_names(sim: &Simulator, now: i64) -> Vec<String> {
        let mut names: Vec<String> = sim
            .collection()
            .searchable_ids(INDEX, now)
            .into_iter()
            .map(|id| {
                let doc = sim.collection().get_document(INDEX, &id).ok().flatten();
                doc.and_then(|d| d.source["name"].as_str().map(str::to_owned))
                    .unwrap_or_default()
            })
            .collect();
        names.sort();
        names
    }

    #[test]
    fn the_setup_at_start_and_a_round_trip_that_changes_nothing() {
        let mut sim = sim();
        let res = sim.handle(Service::Sts, &Request::new("GET", "/_labsim/setup"), NOW);
        assert_eq!(res.status, 200);
        let start = json_of(&res);
        assert_eq!(
            start,
            json!({"stream": "NEW_IMAGE", "function_exists": true, "trigger_exists": true,
                   "trigger_enabled": true, "env_vars_set": true,
                   "environment": {
                       "AWS_SERVICE": "aoss",
                       "OPENSEARCH_DATATYPE": "_doc",
                       "OPENSEARCH_HOST": "https://lab0collection0id.ap-southeast-1.aoss.amazonaws.com",
                       "OPENSEARCH_INDEX": "dynamodb_replicate",
                       "REGION": "ap-southeast-1",
                   },
                   "handler": "workshop",
                   "stream_policy": "present", "aoss_policy": "present"})
        );
        let arn = sim.dynamodb().latest_stream_arn("lab-table");
        assert_eq!(setup(&mut sim, &start.to_string(), NOW), start);
        assert_eq!(setup(&mut sim, "", NOW), start);
        assert_eq!(sim.dynamodb().latest_stream_arn("lab-table"), arn);
    }

    #[test]
    fn bad_fields_and_values_are_400_naming_the_field() {
        let mut sim = sim();
        let cases = [
            (r#"{"strem": "off"}"#, "unknown setup field \"strem\""),
            (r#"{"stream": "new_image"}"#, "\"stream\" must be \"off\" or a stream view type (NEW_IMAGE, OLD_IMAGE, NEW_AND_OLD_IMAGES, KEYS_ONLY), not \"new_image\""),
            (r#"{"stream": false}"#, "\"stream\" must be"),
            (r#"{"trigger_enabled": "no"}"#, "\"trigger_enabled\" must be true or false, not \"no\""),
            (r#"{"function_exists": 1}"#, "\"function_exists\" must be true or false"),
            (r#"{"env_vars_set": null}"#, "\"env_vars_set\" must be true or false"),
            (r#"{"handler": "mine"}"#, "\"handler\" must be one of \"workshop\", \"fixed\", \"typed\", not \"mine\""),
            (r#"{"environment": ["REGION"]}"#, "\"environment\" must be an object of variable names to strings (or null to remove one), such as {\"OPENSEARCH_INDEX\": \"dynamodb_replicate\"}, not an array"),
            (r#"{"environment": {"REGION": 1}}"#, "\"environment\": \"REGION\" must be a string, or null to remove it, not a number"),
            (r#"{"environment": {"OPENSEARCH-HOST": "x"}}"#, "\"environment\": \"OPENSEARCH-HOST\" is not a name Lambda accepts ([a-zA-Z]([a-zA-Z0-9_])+)"),
            (r#"{"environment": {"AWS_REGION": "ap-southeast-1"}}"#, "\"environment\": Lambda reserves AWS_REGION for its runtime (the lab's region variable is REGION)"),
            ("[1]", "expected a JSON object"),
            ("{oops", "expected a JSON object"),
        ];
        for (body, message) in cases {
            let res = post(&mut sim, "/_labsim/setup", body, NOW);
            assert_eq!(res.status, 400, "{body}");
            let error = json_of(&res)["error"]
                .as_str()
                .unwrap_or_default()
                .to_owned();
            assert!(error.contains(message), "{body}: {error}");
        }
        // A bad field anywhere means nothing changed.
        let res = post(
            &mut sim,
            "/_labsim/setup",
            r#"{"trigger_enabled": false, "handler": "mine"}"#,
            NOW,
        );
        assert_eq!(res.status, 400);
        assert!(sim.setup().trigger_enabled);
        let res = post(
            &mut sim,
            "/_labsim/setup",
            r#"{"environment": {"OPENSEARCH_INDEX": "elsewhere", "AWS_REGION": "x"}}"#,
            NOW,
        );
        assert_eq!(res.status, 400);
        assert_eq!(sim.setup().environment["OPENSEARCH_INDEX"], INDEX);
        // Removing a name nobody could set is no error (nothing to do).
        setup(&mut sim, r#"{"environment": {"AWS_REGION": null}}"#, NOW);
        let put = Request::new("PUT", "/_labsim/setup");
        assert_eq!(sim.handle(Service::Sts, &put, NOW).status, 405);
    }

    #[test]
    fn the_stream_goes_off_and_on_as_update_table_does() {
        let mut sim = sim();
        let first = sim.dynamodb().latest_stream_arn("lab-table").unwrap();
        let off = setup(&mut sim, r#"{"stream": "off"}"#, NOW);
        assert_eq!(off["stream"], "off");
        let table = json_of(&dynamodb(
            &mut sim,
            "DescribeTable",
            json!({"TableName": "lab-table"}),
            NOW,
        ))["Table"]
            .clone();
        assert_eq!(table["TableStatus"], "UPDATING");
        assert_eq!(table.get("StreamSpecification"), None);
        assert_eq!(table["LatestStreamArn"], first.as_str());
        // Still UPDATING: DynamoDB's own refusal, and nothing changes.
        let res = post(
            &mut sim,
            "/_labsim/setup",
            r#"{"stream": "KEYS_ONLY"}"#,
            NOW + 1_000,
        );
        assert_eq!(res.status, 409);
        assert_eq!(
            json_of(&res)["error"],
            "Attempt to change a resource which is still in use: Table is being updated: lab-table"
        );
        assert_eq!(sim.setup().stream, "off");
        let later = NOW + 5_000;
        let on = setup(&mut sim, r#"{"stream": "KEYS_ONLY"}"#, later);
        assert_eq!(on["stream"], "KEYS_ONLY");
        let second = sim.dynamodb().latest_stream_arn("lab-table").unwrap();
        assert_ne!(second, first, "a stream turned on again is a new stream");
        let label = second.rsplit('/').next().unwrap();
        assert!(label.starts_with("2024-10-08T19:55:27"), "{label}");
        // A different view type only by way of off.
        let res = post(
            &mut sim,
            "/_labsim/setup",
            r#"{"stream": "NEW_IMAGE"}"#,
            later + 10_000,
        );
        assert_eq!(res.status, 409);
        assert!(json_of(&res)["error"]
            .as_str()
            .unwrap()
            .contains("already on (KEYS_ONLY)"));
        // The trigger stays on the stream it was made for.
        let mapping = &sim.lambda().mapping_json(sim.dynamodb(), later)[0];
        assert_eq!(mapping["EventSourceArn"], first.as_str());
    }

    #[test]
    fn a_disabled_trigger_stops_invocations_and_resumes_where_it_paused() {
        let mut sim = sim();
        let mut now = run(&mut sim, NOW, 100);
        let paused = setup(&mut sim, r#"{"trigger_enabled": false}"#, now);
        assert_eq!(paused["trigger_enabled"], false);
        assert_eq!(paused["trigger_exists"], true);
        // As UpdateEventSourceMapping: Disabling for a few seconds first.
        assert_eq!(mapping_state(&mut sim, now), "Disabling");
        assert_eq!(
            mapping_state(&mut sim, now + STATE_TRANSITION_MS - 1),
            "Disabling"
        );
        assert_eq!(
            mapping_state(&mut sim, now + STATE_TRANSITION_MS),
            "Disabled"
        );
        put(&mut sim, "while-off", now);
        now = run(&mut sim, now, 15_000);
        assert!(sim.lambda().invocations().is_empty());
        assert!(indexed_names(&sim, now).is_empty());
        let resumed = setup(&mut sim, r#"{"trigger_enabled": true}"#, now);
        assert_eq!(resumed["trigger_enabled"], true, "on its way to Enabled");
        assert_eq!(mapping_state(&mut sim, now), "Enabling");
        // No polling until Enabled.
        let enabled_at = now + STATE_TRANSITION_MS;
        now = run(&mut sim, now, STATE_TRANSITION_MS - 50);
        assert!(sim.lambda().invocations().is_empty());
        now = run(&mut sim, now, 100);
        assert_eq!(mapping_state(&mut sim, now), "Enabled");
        let first = sim.lambda().invocations().first().cloned().unwrap();
        assert!(
            first.time_ms >= enabled_at,
            "{} < {enabled_at}",
            first.time_ms
        );
        put(&mut sim, "after", now);
        now = run(&mut sim, now, 15_000);
        assert_eq!(indexed_names(&sim, now), ["after", "while-off"]);
    }

    #[test]
    fn a_trigger_change_under_way_refuses_another_as_lambda_does() {
        let mut sim = sim();
        setup(&mut sim, r#"{"trigger_enabled": false}"#, NOW);
        let res = post(
            &mut sim,
            "/_labsim/setup",
            r#"{"trigger_enabled": true}"#,
            NOW + 1_000,
        );
        assert_eq!(res.status, 409, "{}", res.body_text());
        assert_eq!(
            json_of(&res)["error"],
            "the trigger is Disabling until its last change settles (a few seconds): try again then"
        );
        // Nothing changed, and posting back the setup changes nothing.
        let now = NOW + 1_000;
        let current = setup(&mut sim, "", now);
        assert_eq!(current["trigger_enabled"], false);
        assert_eq!(setup(&mut sim, &current.to_string(), now), current);
        assert_eq!(mapping_state(&mut sim, now), "Disabling");
        let later = NOW + STATE_TRANSITION_MS;
        assert_eq!(
            setup(&mut sim, r#"{"trigger_enabled": true}"#, later)["trigger_enabled"],
            true
        );
        assert_eq!(mapping_state(&mut sim, later), "Enabling");
    }

    #[test]
    fn trigger_and_function_need_each_other_and_the_stream() {
        let mut sim = sim();
        let gone = setup(&mut sim, r#"{"trigger_exists": false}"#, NOW);
        assert_eq!(gone["trigger_enabled"], false);
        assert_eq!(gone["trigger_exists"], false);
        // As DeleteEventSourceMapping: Deleting for a few seconds, then gone.
        assert_eq!(mapping_state(&mut sim, NOW), "Deleting");
        assert_eq!(
            mapping_state(&mut sim, NOW + STATE_TRANSITION_MS),
            Value::Null
        );
        for (body, words) in [
            (r#"{"trigger_enabled": true}"#, "no trigger to enable"),
            (
                r#"{"trigger_exists": true, "function_exists": false}"#,
                "a trigger invokes a function",
            ),
        ] {
            let res = post(&mut sim, "/_labsim/setup", body, NOW);
            assert_eq!(res.status, 409, "{body}");
            assert!(
                json_of(&res)["error"].as_str().unwrap().contains(words),
                "{}",
                res.body_text()
            );
        }
        setup(&mut sim, r#"{"stream": "off"}"#, NOW);
        let res = post(
            &mut sim,
            "/_labsim/setup",
            r#"{"trigger_exists": true}"#,
            NOW,
        );
        assert_eq!(res.status, 409);
        assert!(res.body_text().contains("which is off"));
        // The stream back on: a new trigger, enabled, on the new stream.
        let later = NOW + 5_000;
        let old_uuid = sim.lambda().mapping().map(|m| m.uuid.clone());
        let made = setup(
            &mut sim,
            r#"{"stream": "NEW_IMAGE", "trigger_exists": true}"#,
            later,
        );
        assert_eq!(made["trigger_enabled"], true);
        assert_ne!(sim.lambda().mapping().map(|m| m.uuid.clone()), old_uuid);
        let mapping = &sim.lambda().mapping_json(sim.dynamodb(), later)[0];
        assert_eq!(
            mapping["EventSourceArn"].as_str(),
            sim.dynamodb().latest_stream_arn("lab-table").as_deref()
        );
        assert_eq!(mapping["State"], "Creating");
        assert_eq!(mapping["StateTransitionReason"], "USER_INITIATED");
        let settled = later + STATE_TRANSITION_MS;
        let mapping = &sim.lambda().mapping_json(sim.dynamodb(), settled)[0];
        assert_eq!(mapping["State"], "Enabled");
        assert_eq!(mapping["StateTransitionReason"], "User action");
    }

    #[test]
    fn a_deleted_function_is_404_loses_its_configuration_and_fails_its_trigger() {
        let mut sim = sim();
        let path = format!("/2015-03-31/functions/{FUNCTION_NAME}");
        let res = lambda_get(&mut sim, &path, "", NOW);
        assert_eq!(res.status, 200);
        let before = json_of(&res)["Configuration"].clone();
        let deleted = setup(&mut sim, r#"{"function_exists": false}"#, NOW);
        assert_eq!(deleted["env_vars_set"], false);
        assert_eq!(deleted["trigger_exists"], true);
        let res = lambda_get(&mut sim, &path, "", NOW);
        assert_eq!(res.status, 404);
        assert_eq!(
            res.header("x-amzn-ErrorType"),
            Some("ResourceNotFoundException")
        );
        let res = post(&mut sim, "/_labsim/setup", r#"{"env_vars_set": true}"#, NOW);
        assert_eq!(res.status, 409);
        put(&mut sim, "orphan", NOW);
        let now = run(&mut sim, NOW, 2_000);
        assert!(sim
            .lambda()
            .mapping()
            .is_some_and(|m| m.failed_attempts > 0));
        assert!(sim.lambda().invocations().is_empty());
        // Created again, with the fixed code: no environment variables yet,
        // so the first run fails on them, as a fresh function would.
        let made = setup(
            &mut sim,
            r#"{"function_exists": true, "handler": "fixed"}"#,
            now,
        );
        assert_eq!(made["env_vars_set"], false);
        assert_eq!(made["handler"], "fixed");
        let res = lambda_get(&mut sim, &format!("{path}/configuration"), "", now);
        let conf = json_of(&res);
        assert_eq!(conf.get("Environment"), None);
        assert_ne!(
            conf["CodeSha256"], before["CodeSha256"],
            "the fixed code is another package"
        );
        assert_ne!(conf["RevisionId"], before["RevisionId"]);
        assert_ne!(conf["LastModified"], before["LastModified"]);
        let now = run(&mut sim, now, 2_000);
        let last = sim.lambda().invocations().last().cloned().unwrap();
        assert!(last.error.unwrap().contains("KeyError: 'OPENSEARCH_HOST'"));
        setup(&mut sim, r#"{"env_vars_set": true}"#, now);
        let now = run(&mut sim, now, 45_000);
        assert_eq!(indexed_names(&sim, now), ["orphan"]);
    }

    #[test]
    fn reset_puts_the_start_up_setup_back() {
        let mut sim = sim();
        setup(
            &mut sim,
            r#"{"stream": "off", "trigger_exists": false, "function_exists": false, "handler": "fixed"}"#,
            NOW,
        );
        let res = post(&mut sim, "/_labsim/reset", "", NOW + 1_000);
        assert_eq!(res.status, 200);
        assert_eq!(sim.setup(), Simulator::new(SimConfig::new(7), NOW).setup());
        assert_eq!(sim.setup().stream, "NEW_IMAGE");
    }

    #[test]
    fn roll_over_closes_the_open_shard_and_names_its_child() {
        let mut sim = sim();
        let open = sim.dynamodb().open_shard_id("lab-table").unwrap();
        let res = post(&mut sim, "/_labsim/stream/roll-over", "", NOW + 10);
        assert_eq!(res.status, 200, "{}", res.body_text());
        let rolled = json_of(&res);
        assert_eq!(rolled["parent_shard_id"], open.as_str());
        let child = rolled["shard_id"].as_str().unwrap().to_owned();
        assert_ne!(child, open);
        assert_eq!(
            sim.dynamodb().open_shard_id("lab-table").as_deref(),
            Some(child.as_str())
        );
        assert_eq!(
            rolled["stream_arn"].as_str(),
            sim.dynamodb().latest_stream_arn("lab-table").as_deref()
        );
        setup(&mut sim, r#"{"stream": "off"}"#, NOW + 20);
        let res = post(&mut sim, "/_labsim/stream/roll-over", "", NOW + 30);
        assert_eq!(res.status, 409);
        assert!(res.body_text().contains("lab-table's stream is off"));
        let get = Request::new("GET", "/_labsim/stream/roll-over");
        assert_eq!(sim.handle(Service::Sts, &get, NOW).status, 405);
    }

    /// The function's variables, as GET shows them.
    fn environment(sim: &Simulator) -> Value {
        json!(sim.setup().environment)
    }

    #[test]
    fn variables_are_set_and_removed_one_by_one_and_env_vars_set_reads_all_five() {
        let mut sim = sim();
        let lab = environment(&sim);
        let revision = sim.lambda().configuration(NOW)["RevisionId"].clone();
        // A wrong index: the other four stay, and env_vars_set reads false.
        let wrong = setup(
            &mut sim,
            r#"{"environment": {"OPENSEARCH_INDEX": "dynamodb-replicate"}}"#,
            NOW,
        );
        assert_eq!(wrong["env_vars_set"], false);
        assert_eq!(
            wrong["environment"]["OPENSEARCH_INDEX"],
            "dynamodb-replicate"
        );
        assert_eq!(wrong["environment"]["AWS_SERVICE"], "aoss");
        assert_eq!(wrong["environment"].as_object().unwrap().len(), 5);
        let conf = sim.lambda().configuration(NOW);
        assert_eq!(
            conf["Environment"]["Variables"]["OPENSEARCH_INDEX"],
            "dynamodb-replicate"
        );
        assert_ne!(conf["RevisionId"], revision, "a configuration change");
        // One removed, another added: a variable the lab does not set does
        // not stop env_vars_set once the five are right.
        let fixed = setup(
            &mut sim,
            r#"{"environment": {"OPENSEARCH_INDEX": "dynamodb_replicate", "AWS_SERVICE": null, "EXTRA": "1"}}"#,
            NOW,
        );
        assert_eq!(fixed["env_vars_set"], false);
        assert_eq!(fixed["environment"].get("AWS_SERVICE"), None);
        let all = setup(&mut sim, r#"{"environment": {"AWS_SERVICE": "aoss"}}"#, NOW);
        assert_eq!(all["env_vars_set"], true);
        assert_eq!(all["environment"]["EXTRA"], "1");
        // Posting the setup back changes nothing, not even the revision.
        let revision = sim.lambda().configuration(NOW)["RevisionId"].clone();
        assert_eq!(setup(&mut sim, &all.to_string(), NOW), all);
        assert_eq!(sim.lambda().configuration(NOW)["RevisionId"], revision);
        // env_vars_set true sets the five and keeps others; false removes all.
        setup(
            &mut sim,
            r#"{"environment": {"REGION": null, "OPENSEARCH_HOST": "https://other"}}"#,
            NOW,
        );
        let set = setup(&mut sim, r#"{"env_vars_set": true}"#, NOW);
        assert_eq!(set["environment"]["EXTRA"], "1");
        let mut expected = lab.clone();
        expected["EXTRA"] = json!("1");
        assert_eq!(set["environment"], expected);
        let none = setup(&mut sim, r#"{"env_vars_set": false}"#, NOW);
        assert_eq!(none["environment"], json!({}));
        assert_eq!(
            sim.lambda().configuration(NOW).get("Environment"),
            None,
            "no variables: no Environment, as Lambda answers"
        );
        // Both in one post: all five, then the one made wrong over them.
        let both = setup(
            &mut sim,
            r#"{"env_vars_set": true, "environment": {"OPENSEARCH_DATATYPE": "doc"}}"#,
            NOW,
        );
        assert_eq!(both["env_vars_set"], false);
        assert_eq!(both["environment"]["OPENSEARCH_DATATYPE"], "doc");
        assert_eq!(both["environment"]["REGION"], "ap-southeast-1");
        // A partial set posted back stays partial.
        let partial = setup(
            &mut sim,
            r#"{"environment": {"OPENSEARCH_DATATYPE": null}}"#,
            NOW,
        );
        assert_eq!(setup(&mut sim, &partial.to_string(), NOW), partial);
    }

    #[test]
    fn variables_need_a_function() {
        let mut sim = sim();
        setup(&mut sim, r#"{"function_exists": false}"#, NOW);
        assert_eq!(environment(&sim), json!({}));
        let res = post(
            &mut sim,
            "/_labsim/setup",
            r#"{"environment": {"REGION": "ap-southeast-1"}}"#,
            NOW,
        );
        assert_eq!(res.status, 409, "{}", res.body_text());
        assert_eq!(
            json_of(&res)["error"],
            "there is no function to set environment variables on: set function_exists to true"
        );
        // Removing from nothing is nothing; creating it and setting one
        // in the same post is fine.
        setup(&mut sim, r#"{"environment": {"REGION": null}}"#, NOW);
        let made = setup(
            &mut sim,
            r#"{"function_exists": true, "environment": {"REGION": "ap-southeast-1"}}"#,
            NOW,
        );
        assert_eq!(made["environment"], json!({"REGION": "ap-southeast-1"}));
    }

    /// The `_source.name`s of the documents search finds in `index`.
    fn names_in(sim: &Simulator, index: &str, now: i64) -> Vec<String> {
        let found = sim
            .collection()
            .search(index, &json!({"query": {"match_all": {}}}), now)
            .map(|r| r.hits)
            .unwrap_or_default();
        let mut names: Vec<String> = found
            .iter()
            .map(|h| h.source["name"].as_str().unwrap_or_default().to_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn a_wrong_index_sends_the_next_insert_there() {
        let mut sim = sim();
        setup(
            &mut sim,
            r#"{"environment": {"OPENSEARCH_INDEX": "dynamodb-replicate"}}"#,
            NOW,
        );
        put(&mut sim, "astray", NOW);
        let now = run(&mut sim, NOW, 15_000);
        assert_eq!(names_in(&sim, "dynamodb-replicate", now), ["astray"]);
        assert!(names_in(&sim, INDEX, now).is_empty());
        assert!(indexed_names(&sim, now).is_empty());
        setup(
            &mut sim,
            r#"{"environment": {"OPENSEARCH_INDEX": "dynamodb_replicate"}}"#,
            now,
        );
        put(&mut sim, "home", now);
        let now = run(&mut sim, now, 15_000);
        assert_eq!(indexed_names(&sim, now), ["home"]);
    }

    #[test]
    fn the_last_missing_variable_set_brings_the_failing_batchs_retry_forward() {
        let mut sim = sim();
        setup(
            &mut sim,
            r#"{"environment": {"OPENSEARCH_DATATYPE": null}}"#,
            NOW,
        );
        put(&mut sim, "waiting", NOW);
        // Long enough for the back-off to reach its cap (30 s), then up to
        // the next failed attempt: the one after is 30 s away.
        let mut now = run(&mut sim, NOW, 40_000);
        let before = sim.lambda().invocations().len();
        while sim.lambda().invocations().len() == before {
            now = run(&mut sim, now, 50);
        }
        let failed = sim.lambda().invocations().len();
        let last = sim.lambda().invocations().last().cloned().unwrap();
        assert!(
            last.error
                .as_deref()
                .unwrap()
                .starts_with("[ERROR] KeyError: 'OPENSEARCH_DATATYPE'"),
            "{:?}",
            last.error
        );
        assert!(failed >= 8, "the back-off is at its cap: {failed}");
        let fixed_at = now;
        setup(
            &mut sim,
            r#"{"environment": {"OPENSEARCH_DATATYPE": "_doc"}}"#,
            fixed_at,
        );
        let now = run(&mut sim, fixed_at, 1_000);
        let retry = sim
            .lambda()
            .invocations()
            .get(failed)
            .cloned()
            .expect("a retry within a second of the fix");
        assert!(
            retry.time_ms - fixed_at <= crate::lambda::POLL_INTERVAL_MS,
            "{}",
            retry.time_ms - fixed_at
        );
        assert_eq!(retry.error, None);
        let now = run(&mut sim, now, 15_000);
        assert_eq!(indexed_names(&sim, now), ["waiting"]);
    }
}
