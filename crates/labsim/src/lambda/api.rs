//! The Lambda API (REST JSON, path-based) for the one function:
//! ListFunctions, GetFunction, GetFunctionConfiguration,
//! UpdateFunctionConfiguration
//! (`Environment`), ListEventSourceMappings, GetEventSourceMapping,
//! CreateEventSourceMapping (on `lab-table`'s stream),
//! UpdateEventSourceMapping (`Enabled`) and DeleteEventSourceMapping.

use serde_json::{json, Map, Value};

use super::environment::{self, NameError};
use super::listing::ListQuery;
use super::{HandlerKind, Lambda, MappingBusy, Variables, FUNCTION_NAME, ROLE_NAME};
use crate::dynamodb::{DynamoDb, StartingPosition, LAB_TABLE};
use crate::message::{Request, Response};
use crate::percent;
use crate::time;

const PREFIX: &str = "/2015-03-31/";

/// A Lambda API error: status, `x-amzn-ErrorType`, message.
fn error(status: u16, kind: &str, message: &str, request_id: &str) -> Response {
    let mut res = Response::json(status, &json!({"Type": "User", "Message": message}));
    res.set_header("x-amzn-ErrorType", kind);
    res.set_header("x-amzn-RequestId", request_id);
    res
}

/// An error whose shape has `message` in lower case (the SDKs' model:
/// InvalidParameterValueException, ResourceConflictException,
/// PreconditionFailedException, ...).
fn error_lower(status: u16, kind: &str, message: &str, request_id: &str) -> Response {
    let mut res = Response::json(status, &json!({"Type": "User", "message": message}));
    res.set_header("x-amzn-ErrorType", kind);
    res.set_header("x-amzn-RequestId", request_id);
    res
}

fn ok(body: &Value, request_id: &str) -> Response {
    answer(200, body, request_id)
}

fn answer(status: u16, body: &Value, request_id: &str) -> Response {
    let mut res = Response::json(status, body);
    res.set_header("x-amzn-RequestId", request_id);
    res
}

/// A change refused because the mapping is between states: AWS's
/// `ResourceInUseException` (400, per the SDKs' model: "you tried to update
/// an event source mapping in the CREATING state"). AWS's exact message is
/// not on record; this one names the mapping and its state.
fn in_use(busy: &MappingBusy, request_id: &str) -> Response {
    error(
        400,
        "ResourceInUseException",
        &format!(
            "Cannot update the event source mapping {}: it is in the {} state.",
            busy.uuid,
            busy.state.as_str()
        ),
        request_id,
    )
}

fn mapping_not_found(request_id: &str) -> Response {
    error(
        404,
        "ResourceNotFoundException",
        &format!("The resource you requested does not exist. (Service: Lambda, Status Code: 404, Request ID: {request_id})"),
        request_id,
    )
}

/// Lambda's `LastModified` format: `2024-10-08T19:55:22.000+0000`.
fn last_modified(epoch_ms: i64) -> String {
    let base = time::rfc3339(epoch_ms);
    format!(
        "{}.{:03}+0000",
        base.trim_end_matches('Z'),
        epoch_ms.rem_euclid(1000)
    )
}

/// A body that is not the JSON object the operation takes.
fn invalid_json(request_id: &str) -> Response {
    error(
        400,
        "InvalidParameterValueException",
        "The request body is not a valid UpdateEventSourceMapping request.",
        request_id,
    )
}

fn query_param(req: &Request, name: &str) -> Option<String> {
    form_urlencoded::parse(req.query.as_bytes())
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

impl Lambda {
    /// Answers one Lambda API request (signature already checked).
    pub fn handle_api(
        &mut self,
        req: &Request,
        dynamodb: &DynamoDb,
        now_ms: i64,
        request_id: &str,
    ) -> Response {
        let Some(rest) = req.path.strip_prefix(PREFIX) else {
            return self.unknown(request_id);
        };
        let segments: Vec<String> = rest
            .split('/')
            .filter(|s| !s.is_empty())
            .map(percent::decode)
            .collect();
        let segments: Vec<&str> = segments.iter().map(String::as_str).collect();
        let method = req.method.to_ascii_uppercase();
        match (method.as_str(), segments.as_slice()) {
            // `/functions` (the SDKs) and `/functions/` (AWS's reference).
            ("GET", ["functions"]) => self.list_functions(req, now_ms, request_id),
            ("GET", ["functions", name]) => match self.function_named(name) {
                Some(()) => ok(&self.get_function(now_ms), request_id),
                None => self.not_found(name, request_id),
            },
            ("GET", ["functions", name, "configuration"]) => match self.function_named(name) {
                Some(()) => ok(&self.configuration(now_ms), request_id),
                None => self.not_found(name, request_id),
            },
            ("PUT", ["functions", name, "configuration"]) => match self.function_named(name) {
                Some(()) => self.update_from_request(req, now_ms, request_id),
                None => self.not_found(name, request_id),
            },
            ("GET", ["event-source-mappings"]) => {
                let function = query_param(req, "FunctionName");
                if let Some(name) = &function {
                    if self.function_named(name).is_none() {
                        return self.not_found(name, request_id);
                    }
                }
                let source = query_param(req, "EventSourceArn");
                let mappings: Vec<Value> = self
                    .mapping_json(dynamodb, now_ms)
                    .into_iter()
                    .filter(|m| {
                        source
                            .as_ref()
                            .is_none_or(|s| m["EventSourceArn"].as_str() == Some(s.as_str()))
                    })
                    .collect();
                ok(&json!({"EventSourceMappings": mappings}), request_id)
            }
            ("POST", ["event-source-mappings"]) => {
                self.create_from_request(req, dynamodb, now_ms, request_id)
            }
            ("GET", ["event-source-mappings", uuid]) => {
                match self.mapping_json_named(uuid, dynamodb, now_ms) {
                    Some(m) => ok(&m, request_id),
                    None => mapping_not_found(request_id),
                }
            }
            ("PUT", ["event-source-mappings", uuid]) => {
                if self.mapping_json_named(uuid, dynamodb, now_ms).is_none() {
                    return mapping_not_found(request_id);
                }
                let enabled = match serde_json::from_slice::<Value>(&req.body) {
                    Ok(Value::Object(body)) => match body.get("Enabled") {
                        None | Some(Value::Null) => None,
                        Some(Value::Bool(b)) => Some(*b),
                        Some(_) => return invalid_json(request_id),
                    },
                    _ => return invalid_json(request_id),
                };
                if let Err(busy) = self.update_mapping(enabled, now_ms) {
                    return in_use(&busy, request_id);
                }
                match self.mapping_json_named(uuid, dynamodb, now_ms) {
                    Some(m) => answer(202, &m, request_id),
                    None => mapping_not_found(request_id),
                }
            }
            ("DELETE", ["event-source-mappings", uuid]) => {
                if self.mapping_json_named(uuid, dynamodb, now_ms).is_none() {
                    return mapping_not_found(request_id);
                }
                if let Err(busy) = self.set_trigger_exists(false, false, None, now_ms) {
                    return in_use(&busy, request_id);
                }
                match self.mapping_json_named(uuid, dynamodb, now_ms) {
                    Some(m) => answer(202, &m, request_id),
                    None => mapping_not_found(request_id),
                }
            }
            _ => self.unknown(request_id),
        }
    }

    /// ListFunctions: the function, when it exists, as ListFunctions shows
    /// it; `NextMarker` is `null` on the last page, as AWS writes it.
    fn list_functions(&self, req: &Request, now_ms: i64, request_id: &str) -> Response {
        let query = match ListQuery::parse(&req.query) {
            Ok(query) => query,
            Err(e) => return error(400, e.kind(), &e.to_string(), request_id),
        };
        // The lab's function is not a Lambda@Edge replica.
        let names: &[&str] = if self.setup.function_exists && !query.edge_only {
            &[FUNCTION_NAME]
        } else {
            &[]
        };
        let (page, next) = query.page(names);
        let functions: Vec<Value> = page
            .iter()
            .map(|_| self.listed_configuration(query.all_versions, now_ms))
            .collect();
        ok(
            &json!({"Functions": functions, "NextMarker": next}),
            request_id,
        )
    }

    /// The function as ListFunctions shows it: its configuration without
    /// the fields AWS leaves to GetFunction (State, LastUpdateStatus and
    /// their reasons, RuntimeVersionConfig); with `FunctionVersion=ALL`
    /// the ARN names the version.
    fn listed_configuration(&self, all_versions: bool, now_ms: i64) -> Value {
        let mut config = self.configuration(now_ms);
        if let Some(fields) = config.as_object_mut() {
            for field in [
                "State",
                "StateReason",
                "StateReasonCode",
                "LastUpdateStatus",
                "LastUpdateStatusReason",
                "LastUpdateStatusReasonCode",
                "RuntimeVersionConfig",
            ] {
                fields.remove(field);
            }
        }
        if all_versions {
            config["FunctionArn"] = json!(format!("{}:$LATEST", self.function_arn()));
        }
        config
    }

    /// CreateEventSourceMapping: the function, `lab-table`'s stream and a
    /// starting position; one mapping per function and stream.
    fn create_from_request(
        &mut self,
        req: &Request,
        dynamodb: &DynamoDb,
        now_ms: i64,
        request_id: &str,
    ) -> Response {
        // The refusals' wording is AWS's where it is on record (the
        // conflict, a missing function); the parameter messages are labsim's.
        let invalid =
            |message: &str| error(400, "InvalidParameterValueException", message, request_id);
        let Ok(Value::Object(body)) = serde_json::from_slice::<Value>(&req.body) else {
            return invalid("The request body is not a valid CreateEventSourceMapping request.");
        };
        let text = |name: &str| body.get(name).and_then(Value::as_str).unwrap_or_default();
        let function = text("FunctionName");
        if self.function_named(function).is_none() {
            return self.not_found(function, request_id);
        }
        let arn = text("EventSourceArn");
        if dynamodb.latest_stream_arn(LAB_TABLE).as_deref() != Some(arn)
            || dynamodb.stream_view(LAB_TABLE).is_none()
        {
            return invalid(&format!(
                "EventSourceArn {arn:?} is not an enabled stream of {LAB_TABLE}."
            ));
        }
        // As AWS does before it makes a trigger: the role must read the stream.
        if !self.role.can_read_stream(arn) {
            return invalid(&crate::iam::ExecutionRole::cannot_access_stream(arn));
        }
        let start = match text("StartingPosition") {
            "LATEST" => StartingPosition::Latest,
            "TRIM_HORIZON" => StartingPosition::TrimHorizon,
            other => {
                return invalid(&format!(
                    "StartingPosition must be LATEST or TRIM_HORIZON for a DynamoDB stream, not {other:?}."
                ))
            }
        };
        let enabled = match body.get("Enabled") {
            None | Some(Value::Null) => true,
            Some(Value::Bool(b)) => *b,
            Some(_) => return invalid("Enabled must be true or false."),
        };
        if let Some(existing) = self.mapping.as_ref().filter(|m| !m.is_deleting()) {
            let mut res = Response::json(
                409,
                &json!({"Type": "User", "message": format!(
                    "The event source arn (\" {arn} \") and function (\" {FUNCTION_NAME} \") provided mapping already exists. Please update or delete the existing mapping with UUID {}",
                    existing.uuid
                )}),
            );
            res.set_header("x-amzn-ErrorType", "ResourceConflictException");
            res.set_header("x-amzn-RequestId", request_id);
            return res;
        }
        self.create_mapping(arn.to_owned(), start, enabled, now_ms);
        match self.mapping_json(dynamodb, now_ms).into_iter().next() {
            Some(m) => answer(202, &m, request_id),
            None => mapping_not_found(request_id),
        }
    }

    /// UpdateFunctionConfiguration: `Environment.Variables` replaces the
    /// function's variables (`Environment` without `Variables` removes
    /// them all); `RevisionId`, when given, must be the function's. The
    /// other settings of the request's shape (Description, Timeout,
    /// MemorySize, Role, ...) are accepted and left as they are: labsim
    /// models none of them. Any accepted request starts an update, as on
    /// AWS; the answer is the configuration, `InProgress`.
    fn update_from_request(&mut self, req: &Request, now_ms: i64, request_id: &str) -> Response {
        // The wording of the refusals is AWS's where it is on record (the
        // reserved names, the revision, the update in progress); the
        // shape errors are labsim's (boto3 validates shapes before sending).
        let invalid =
            |message: &str| error_lower(400, "InvalidParameterValueException", message, request_id);
        let Ok(Value::Object(body)) = serde_json::from_slice::<Value>(&req.body) else {
            return invalid("The request body is not a valid UpdateFunctionConfiguration request.");
        };
        let variables = match body.get("Environment") {
            None | Some(Value::Null) => None,
            Some(Value::Object(env)) => match variables_of(env) {
                Ok(variables) => Some(variables),
                Err(message) => return invalid(&message),
            },
            Some(_) => {
                return invalid("Environment must be an object such as {\"Variables\": {...}}.")
            }
        };
        if let Some(variables) = &variables {
            match environment::check_names(variables.keys().map(String::as_str)) {
                Ok(()) => {}
                Err(e @ NameError::Pattern { .. }) => {
                    return error(400, "ValidationException", &e.to_string(), request_id)
                }
                Err(e @ NameError::Reserved { .. }) => return invalid(&e.to_string()),
            }
        }
        match body.get("RevisionId") {
            None | Some(Value::Null) => {}
            Some(Value::String(id)) if *id == self.revision_id => {}
            Some(_) => {
                return error_lower(
                    412,
                    "PreconditionFailedException",
                    "The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id",
                    request_id,
                )
            }
        }
        match self.update_configuration(variables, now_ms) {
            Ok(()) => ok(&self.configuration(now_ms), request_id),
            Err(busy) => error_lower(
                409,
                "ResourceConflictException",
                &busy.to_string(),
                request_id,
            ),
        }
    }

    fn unknown(&self, request_id: &str) -> Response {
        let mut res = Response::json(404, &json!({"message": null}));
        res.set_header("x-amzn-ErrorType", "UnknownOperationException");
        res.set_header("x-amzn-RequestId", request_id);
        res
    }

    /// `Some` if `name` (a name, ARN or partial ARN) is the function.
    fn function_named(&self, name: &str) -> Option<()> {
        let name = name
            .strip_suffix(":$LATEST")
            .unwrap_or(name)
            .rsplit(':')
            .next()
            .unwrap_or(name);
        (self.setup.function_exists && name == FUNCTION_NAME).then_some(())
    }

    fn not_found(&self, name: &str, request_id: &str) -> Response {
        let arn = if name.starts_with("arn:") {
            name.to_owned()
        } else {
            format!(
                "arn:aws:lambda:{}:{}:function:{name}",
                self.region, self.account
            )
        };
        error(
            404,
            "ResourceNotFoundException",
            &format!("Function not found: {arn}"),
            request_id,
        )
    }

    /// GetFunctionConfiguration's answer at `now_ms`.
    pub fn configuration(&self, now_ms: i64) -> Value {
        // Made-up hashes: the three handlers are three different packages.
        let (code_size, code_sha256) = match self.setup.handler {
            HandlerKind::Workshop => (1266, "mQ4cOCu7ek1Ah8Jsb8xO3mpmwJt0RkJyXnX5Z2kx8dE="),
            HandlerKind::Fixed => (1309, "3kqVQ0bXf1yH8m0F2cQe7n9Zp4sTt6uW1vYx5aB8cDg="),
            HandlerKind::Typed => (1522, "b7Q2xWm4Lr9Tn1Vs6Hd3Kf8Jp0Ya5Zc2Ue7Ig4Oh1Mw="),
        };
        let mut config = json!({
            "FunctionName": FUNCTION_NAME,
            "FunctionArn": self.function_arn(),
            "Runtime": "python3.12",
            "Role": format!("arn:aws:iam::{}:role/{ROLE_NAME}", self.account),
            "Handler": "lambda_function.lambda_handler",
            "CodeSize": code_size,
            "Description": "",
            "Timeout": 3,
            "MemorySize": 128,
            "LastModified": last_modified(self.modified_ms),
            "CodeSha256": code_sha256,
            "Version": "$LATEST",
            "TracingConfig": {"Mode": "PassThrough"},
            "RevisionId": self.revision_id,
            "State": "Active",
            "LastUpdateStatus": "Successful",
            "PackageType": "Zip",
            "Architectures": ["x86_64"],
            "EphemeralStorage": {"Size": 512},
            "SnapStart": {"ApplyOn": "None", "OptimizationStatus": "Off"},
            "RuntimeVersionConfig": {
                "RuntimeVersionArn": self.runtime_version_arn()
            },
            "LoggingConfig": {"LogFormat": "Text", "LogGroup": super::LOG_GROUP},
        });
        if !self.variables.is_empty() {
            config["Environment"] = json!({"Variables": self.variables});
        }
        if self.update_in_progress(now_ms) {
            // As AWS answers an update and describes the function while it
            // is under way (the reason reads so for any update).
            config["LastUpdateStatus"] = json!("InProgress");
            config["LastUpdateStatusReason"] = json!("The function is being created.");
            config["LastUpdateStatusReasonCode"] = json!("Creating");
        }
        config
    }

    fn get_function(&self, now_ms: i64) -> Value {
        json!({
            "Configuration": self.configuration(now_ms),
            "Code": {
                "RepositoryType": "S3",
                "Location": format!(
                    "https://awslambda-{}-tasks.s3.{}.amazonaws.com/snapshots/{}/{FUNCTION_NAME}-labsim",
                    self.region, self.region, self.account
                ),
            },
        })
    }

    /// The event source mapping `uuid` as GetEventSourceMapping shows it.
    fn mapping_json_named(&self, uuid: &str, dynamodb: &DynamoDb, now_ms: i64) -> Option<Value> {
        self.mapping_json(dynamodb, now_ms)
            .into_iter()
            .find(|m| m["UUID"].as_str() == Some(uuid))
    }

    /// The event source mappings as ListEventSourceMappings shows them at
    /// `now_ms` (a deleted one is gone once its `Deleting` is over).
    pub fn mapping_json(&self, dynamodb: &DynamoDb, now_ms: i64) -> Vec<Value> {
        let Some(m) = self.mapping.as_ref().filter(|m| !m.is_deleted(now_ms)) else {
            return Vec::new();
        };
        let arn = m
            .stream_arn
            .clone()
            .or_else(|| dynamodb.latest_stream_arn(LAB_TABLE))
            .unwrap_or_else(|| {
                format!(
                    "arn:aws:dynamodb:{}:{}:table/{LAB_TABLE}/stream/unknown",
                    self.region, self.account
                )
            });
        vec![json!({
            "UUID": m.uuid,
            "StartingPosition": match m.starting_position {
                StartingPosition::Latest => "LATEST",
                StartingPosition::TrimHorizon => "TRIM_HORIZON",
            },
            "BatchSize": m.batch_size,
            "MaximumBatchingWindowInSeconds": 0,
            "ParallelizationFactor": 1,
            "EventSourceArn": arn,
            "FunctionArn": self.function_arn(),
            "LastModified": m.last_modified_ms as f64 / 1000.0,
            "LastProcessingResult": m.last_result.as_str(),
            "State": m.state(now_ms).as_str(),
            "StateTransitionReason": m.state_transition_reason(now_ms),
            "DestinationConfig": {"OnFailure": {}},
            "MaximumRecordAgeInSeconds": -1,
            "BisectBatchOnFunctionError": false,
            "MaximumRetryAttempts": -1,
            "TumblingWindowInSeconds": 0,
            "FunctionResponseTypes": [],
        })]
    }
}

/// `Environment.Variables` of an UpdateFunctionConfiguration request: a map
/// of strings (none: no variables); the error names what is wrong.
fn variables_of(env: &Map<String, Value>) -> Result<Variables, String> {
    match env.get("Variables") {
        None | Some(Value::Null) => Ok(Variables::new()),
        Some(Value::Object(vars)) => vars
            .iter()
            .map(|(name, value)| match value {
                Value::String(text) => Ok((name.clone(), text.clone())),
                // The value is not repeated: variables may hold secrets.
                other => Err(format!(
                    "Environment.Variables.{name} must be a string, not {}.",
                    json_type(other)
                )),
            })
            .collect(),
        Some(other) => Err(format!(
            "Environment.Variables must be an object of names to strings, not {}.",
            json_type(other)
        )),
    }
}

/// A JSON value's kind, as an error message names it.
pub(crate) fn json_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}
