//! Request routing: which part of the simulator answers a request.
//!
//! Every request enters through [`Simulator::answer`]: injected faults are
//! applied first, then control paths (`/_labsim/...`) and CORS preflights
//! are answered, and everything else is verified (SigV4), authorized (IAM)
//! and handed to the service it was sent to.

use crate::authz::{authorize, check_aoss_payload};
use crate::dynamodb::DynamoDbApi;
use crate::faults::{FaultEvent, FaultKind, Fired};
use crate::message::{Request, Response};
use crate::service_error::{auth_error, auth_failure, throttle_error};
use crate::sigv4::{AuthError, Expected};
use crate::{apigateway, control, cors, iam, opensearch, sigv4, sts, time};
use crate::{Answer, ApiRequestEvent, Service, Simulator};

impl Simulator {
    /// Answers one request to `service`'s endpoint at `now_ms`. Paths under
    /// `/_labsim/` go to the control endpoints instead. An injected delay is
    /// ignored here and a dropped request answers status 0; see
    /// [`Simulator::answer`].
    pub fn handle(&mut self, service: Service, req: &Request, now_ms: i64) -> Response {
        self.answer(service, req, now_ms).response
    }

    /// Like [`Simulator::handle`], with what injected faults ask of the
    /// transport (a delay, or closing the connection).
    pub fn answer(&mut self, service: Service, req: &Request, now_ms: i64) -> Answer {
        let mut answer = self.answer_unfinished(service, req, now_ms);
        // Whoever made it, the collection's answer carries AOSS's request
        // id header (x-request-id) and not the other services' one.
        if service == Service::Aoss && !req.path.starts_with(control::PREFIX) && !answer.drop {
            opensearch::front_end::finish(&mut answer.response);
        }
        self.record_timeline(now_ms);
        answer
    }

    /// [`Simulator::answer`] before the service's own finishing touches and
    /// before the timeline records what it did.
    fn answer_unfinished(&mut self, service: Service, req: &Request, now_ms: i64) -> Answer {
        let control = req.path.starts_with(control::PREFIX);
        let mut delay_ms = 0;
        // A preflight is never faulted; control endpoints neither.
        if !control && !cors::is_preflight(req) {
            if let Some(fired) = self.faults.pick(service, req) {
                match fired.kind {
                    FaultKind::Delay { ms } => {
                        delay_ms = ms;
                        self.log_fault(service, req, &fired, now_ms, None, Some(ms));
                    }
                    FaultKind::Drop => {
                        self.log_fault(service, req, &fired, now_ms, None, None);
                        return Answer {
                            response: Response::new(0),
                            delay_ms: 0,
                            drop: true,
                        };
                    }
                    _ => {
                        let mut request_id = self.request_ids.uuid();
                        if service == Service::ApiGateway {
                            // A gateway response carries the client's id too.
                            request_id = apigateway::context_request_id(req, request_id).0;
                        }
                        let response =
                            self.fault_response(service, req, &fired.kind, now_ms, &request_id);
                        let status = response.as_ref().map(|r| r.status);
                        self.log_fault(service, req, &fired, now_ms, status, None);
                        if let Some(response) = response {
                            return Answer {
                                response: self.finish_fault(service, req, response, now_ms),
                                delay_ms: 0,
                                drop: false,
                            };
                        }
                    }
                }
            }
        }
        Answer {
            response: self.respond(service, req, now_ms),
            delay_ms,
            drop: false,
        }
    }
}

impl Simulator {
    fn log_fault(
        &mut self,
        service: Service,
        req: &Request,
        fired: &Fired,
        now_ms: i64,
        status: Option<u16>,
        delay_ms: Option<u64>,
    ) {
        self.fault_log.push(FaultEvent {
            time_ms: now_ms,
            rule_id: fired.rule_id,
            service,
            operation: fired.operation.clone(),
            method: req.method.clone(),
            path: req.path.clone(),
            fault: fired.kind.name(),
            status,
            delay_ms,
        });
    }

    /// The error a fault answers with, in `service`'s shape; `None` when
    /// the fault changes nothing (a clock skew within AWS's 5 minutes).
    fn fault_response(
        &self,
        service: Service,
        req: &Request,
        kind: &FaultKind,
        now_ms: i64,
        request_id: &str,
    ) -> Option<Response> {
        let mut response = match kind {
            FaultKind::Raw { status, body } => {
                let content_type = if serde_json::from_str::<serde_json::Value>(body).is_ok() {
                    "application/json"
                } else {
                    "text/plain"
                };
                Response::with_body(*status, content_type, body.clone())
            }
            FaultKind::Throttle { code } => throttle_error(service, code.as_deref(), request_id),
            FaultKind::ExpiredToken => auth_failure(service, &AuthError::ExpiredToken, request_id),
            FaultKind::ClockSkew { seconds } => {
                let signed_at = req
                    .header("x-amz-date")
                    .and_then(time::parse_amz_date_ms)
                    .unwrap_or(now_ms);
                let server_now = now_ms.saturating_add(seconds.saturating_mul(1000));
                let err = sigv4::check_skew(signed_at, server_now).err()?;
                auth_failure(service, &err, request_id)
            }
            FaultKind::AossDenial(denial) => iam::aoss_access_denied(*denial, request_id),
            FaultKind::Delay { .. } | FaultKind::Drop | FaultKind::NoReaderLimit => return None,
        };
        if response.header("x-amzn-RequestId").is_none() {
            response.set_header("x-amzn-RequestId", request_id);
        }
        Some(response)
    }

    /// `Date` and CORS on a fault's answer, as the service would add them.
    pub(crate) fn finish_fault(
        &self,
        service: Service,
        req: &Request,
        mut response: Response,
        now_ms: i64,
    ) -> Response {
        response.set_header("Date", &time::http_date(now_ms));
        match service {
            // Gateway responses: CORS only with DEFAULT_4XX/5XX set up.
            Service::ApiGateway => {
                if self.config.api.cors == apigateway::ApiCors::On {
                    response.set_header("Access-Control-Allow-Origin", "*");
                    response.set_header(
                        "Access-Control-Allow-Headers",
                        apigateway::CORS_ALLOW_HEADERS,
                    );
                }
            }
            _ => {
                if let Some(policy) = cors::policy_for(service) {
                    cors::finish(policy, req, &mut response);
                }
            }
        }
        response
    }

    /// The answer without faults.
    fn respond(&mut self, service: Service, req: &Request, now_ms: i64) -> Response {
        let control = req.path.starts_with(control::PREFIX);
        if !control && service == Service::ApiGateway {
            // API Gateway answers CORS (or not) itself, per its settings.
            let (request_id, request_id_origin) =
                apigateway::context_request_id(req, self.request_ids.uuid());
            let mut response = apigateway::handle(
                self.config.api,
                req,
                &mut self.dynamodb,
                &self.identity,
                &self.config.region,
                now_ms,
                &request_id,
                &mut self.apigw_ids,
            );
            response.set_header("Date", &time::http_date(now_ms));
            let integration_error = serde_json::from_slice::<serde_json::Value>(&response.body)
                .ok()
                .and_then(|v| v.get("__type").and_then(|t| t.as_str()).map(str::to_owned));
            self.api_log.push(ApiRequestEvent {
                time_ms: now_ms,
                request_id,
                request_id_origin,
                method: req.method.clone(),
                path: req.path.clone(),
                status: response.status,
                error_type: response.header("x-amzn-ErrorType").map(str::to_owned),
                integration_error,
            });
            return response;
        }
        let cors_policy = if control {
            Some(&cors::CONTROL)
        } else {
            cors::policy_for(service)
        };
        let request_ids = &mut self.request_ids;
        let preflight = cors_policy.and_then(|p| cors::preflight(p, req, || request_ids.uuid()));
        let mut response = match preflight {
            Some(preflight) => preflight,
            None if control => control::handle(self, req, now_ms),
            None => {
                let request_id = self.request_ids.uuid();
                self.serve(service, req, now_ms, &request_id)
            }
        };
        response.set_header("Date", &time::http_date(now_ms));
        if let Some(policy) = cors_policy {
            cors::finish(policy, req, &mut response);
        }
        response
    }

    fn serve(
        &mut self,
        service: Service,
        req: &Request,
        now_ms: i64,
        request_id: &str,
    ) -> Response {
        if service == Service::Sts {
            let ids = self.lab_ids();
            return sts::handle(req, &mut self.identity, &ids, now_ms, request_id);
        }
        let expected = Expected {
            service: service.signing_name(),
            region: &self.config.region,
        };
        let verified = sigv4::verify(req, expected, &self.identity, now_ms);
        let verified = if service == Service::Aoss {
            verified.and_then(|c| check_aoss_payload(req).map(|()| c))
        } else {
            verified
        };
        let caller = match verified {
            Err(err) => return auth_error(service, &err, request_id),
            Ok(c) => c,
        };
        let target = req.header("x-amz-target").unwrap_or_default().to_owned();
        if let Some(authz) = self.request_authz(service, req, &target) {
            if let Some(refusal) =
                authorize(service, caller, &authz, &self.config.region, request_id)
            {
                return refusal;
            }
        }
        match service {
            Service::DynamoDb => {
                self.dynamodb
                    .handle_at(DynamoDbApi::DynamoDb, &target, &req.body, now_ms)
            }
            Service::Streams => {
                self.dynamodb
                    .handle_at(DynamoDbApi::Streams, &target, &req.body, now_ms)
            }
            Service::Lambda => self
                .lambda
                .handle_api(req, &self.dynamodb, now_ms, request_id),
            Service::Logs => self
                .lambda
                .logs_mut()
                .handle(&target, &req.body, now_ms, request_id),
            Service::Aoss => {
                let mut response = self.collection.handle(req, now_ms);
                response.set_header("x-request-id", request_id);
                response
            }
            Service::Sts | Service::ApiGateway => Response::new(500),
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::message::Request;
    use crate::test_support::{
        add_fault, dynamodb_request, get_caller_identity, get_item, json_of, signed_as, sim,
        Signer, NOW,
    };
    use crate::{Service, Simulator};
    use lab_model::timeline::TimelineEvent;

    const ORIGIN: &str = "http://localhost:8080";

    #[test]
    fn control_routes_refuse_unknown_paths_and_methods() {
        let mut sim = sim();
        let get = |path: &str| Request::new("GET", path);
        assert_eq!(
            sim.handle(Service::Sts, &get("/_labsim/nope"), NOW).status,
            404
        );
        assert_eq!(
            sim.handle(Service::Sts, &get("/_labsim/reset"), NOW).status,
            405
        );
    }

    #[test]
    fn every_sts_response_carries_cors_date_and_request_id() {
        let mut sim = sim();
        let req = get_caller_identity().with_header("Origin", ORIGIN);
        let res = sim.handle(Service::Sts, &req, NOW);
        assert_eq!(res.status, 403);
        assert_eq!(res.header("access-control-allow-origin"), Some("*"));
        assert_eq!(
            res.header("access-control-expose-headers"),
            Some(crate::cors::CORAL_EXPOSE_HEADERS)
        );
        assert_eq!(res.header("date"), Some("Tue, 08 Oct 2024 19:55:22 GMT"));
        let id = res.header("x-amzn-RequestId").unwrap().to_owned();
        assert!(res
            .body_text()
            .contains(&format!("<RequestId>{id}</RequestId>")));
        // Request ids differ per request, and the seed decides them.
        let again = sim.handle(Service::Sts, &req, NOW);
        assert_ne!(again.header("x-amzn-RequestId"), Some(id.as_str()));
        let first_of_twin =
            Simulator::new(sim.config().clone(), NOW).handle(Service::Sts, &req, NOW);
        assert_eq!(first_of_twin.header("x-amzn-RequestId"), Some(id.as_str()));

        let preflight = Request::new("OPTIONS", "/")
            .with_header("Origin", ORIGIN)
            .with_header("Access-Control-Request-Method", "POST");
        let res = sim.handle(Service::Sts, &preflight, NOW);
        assert_eq!(res.status, 200);
        assert_eq!(res.header("access-control-allow-methods"), Some("POST"));
    }

    fn signed(sim: &Simulator, service: &str, req: Request) -> Request {
        signed_as(sim.identity().demo_credentials(), service, req)
    }

    /// DescribeTable on lab-table (the learner may not ListTables).
    fn list_tables() -> Request {
        dynamodb_request("DescribeTable", r#"{"TableName":"lab-table"}"#)
    }

    #[test]
    fn each_service_checks_its_signing_name_and_answers_in_its_shape() {
        let mut sim = sim();
        // DynamoDB: signed as dynamodb works; as lambda is a 400 coral error.
        let res = sim.handle(
            Service::DynamoDb,
            &signed(&sim, "dynamodb", list_tables()),
            NOW,
        );
        assert_eq!(res.status, 200, "{}", res.body_text());
        assert_eq!(json_of(&res)["Table"]["TableName"], "lab-table");
        let res = sim.handle(
            Service::DynamoDb,
            &signed(&sim, "lambda", list_tables()),
            NOW,
        );
        assert_eq!(res.status, 400);
        assert_eq!(
            json_of(&res)["__type"],
            "com.amazon.coral.service#InvalidSignatureException"
        );
        // Streams is signed as dynamodb too, and refuses DynamoDB's targets.
        let res = sim.handle(
            Service::Streams,
            &signed(&sim, "dynamodb", list_tables()),
            NOW,
        );
        assert_eq!(res.status, 400);
        assert_eq!(
            json_of(&res)["__type"],
            "com.amazon.coral.service#UnknownOperationException"
        );
        // Expired: the JSON services' ExpiredTokenException.
        let late = NOW + 13 * 3_600_000;
        let mut signer = Signer::new(sim.identity().demo_credentials());
        signer.service = "logs".into();
        signer.time_ms = late;
        let logs = Request::new("POST", "/")
            .with_header("host", "127.0.0.1:9106")
            .with_header("x-amz-target", "Logs_20140328.DescribeLogStreams")
            .with_body(r#"{"logGroupName":"/aws/lambda/sync-data-with-dynamodb-stream"}"#);
        let res = sim.handle(Service::Logs, &signer.sign(logs.clone()), late);
        assert_eq!(res.status, 400);
        assert_eq!(
            res.header("content-type"),
            Some("application/x-amz-json-1.1")
        );
        assert_eq!(
            json_of(&res),
            serde_json::json!({
                "__type": "com.amazon.coral.service#ExpiredTokenException",
                "message": "The security token included in the request is expired",
            })
        );
        // Signed and allowed: the group only exists once the function ran.
        let res = sim.handle(Service::Logs, &signed(&sim, "logs", logs), NOW);
        assert_eq!(json_of(&res)["__type"], "ResourceNotFoundException");
        // Lambda: unsigned is refused, signed works.
        let get = Request::new(
            "GET",
            "/2015-03-31/functions/sync-data-with-dynamodb-stream",
        )
        .with_header("host", "127.0.0.1:9105");
        let res = sim.handle(Service::Lambda, &get, NOW);
        assert_eq!(res.status, 403);
        assert_eq!(
            res.header("x-amzn-ErrorType"),
            Some("MissingAuthenticationTokenException")
        );
        let res = sim.handle(Service::Lambda, &signed(&sim, "lambda", get), NOW);
        assert_eq!(res.status, 200, "{}", res.body_text());
    }

    #[test]
    fn fault_endpoints_add_list_and_clear_rules() {
        let mut sim = sim();
        let post = |body: &str| Request::new("POST", "/_labsim/faults").with_body(body);
        let res = sim.handle(
            Service::Sts,
            &post(r#"[{"service":"dynamodb","operation":"GetItem","times":1,"throttle":true},{"service":"api","status":503,"body":"down"}]"#),
            NOW,
        );
        assert_eq!(res.status, 200, "{}", res.body_text());
        assert_eq!(json_of(&res)["faults"][1]["id"], 2);
        for bad in [
            r#"{"service":"nope","drop":true}"#,
            "{oops",
            r#"[{"service":"sts","drop":true},{"service":"sts"}]"#,
        ] {
            assert_eq!(
                sim.handle(Service::Sts, &post(bad), NOW).status,
                400,
                "{bad}"
            );
        }
        let list = Request::new("GET", "/_labsim/faults").with_header("Origin", ORIGIN);
        let res = sim.handle(Service::Sts, &list, NOW);
        assert_eq!(res.header("access-control-allow-origin"), Some(ORIGIN));
        assert_eq!(
            json_of(&res)["faults"][0],
            serde_json::json!({"id": 1, "service": "dynamodb", "operation": "GetItem", "times": 1, "throttle": true, "fired": 0, "remaining": 1})
        );
        assert_eq!(
            json_of(&res)["faults"][1]["remaining"],
            serde_json::Value::Null
        );
        let res = sim.handle(
            Service::Sts,
            &Request::new("DELETE", "/_labsim/faults"),
            NOW,
        );
        assert_eq!(json_of(&res), serde_json::json!({"faults": []}));
        assert_eq!(
            sim.handle(Service::Sts, &Request::new("PUT", "/_labsim/faults"), NOW)
                .status,
            405
        );
    }

    #[test]
    fn a_throttle_fires_once_on_its_operation_in_the_service_shape() {
        let mut sim = sim();
        add_fault(
            &mut sim,
            r#"{"service":"dynamodb","operation":"GetItem","times":1,"throttle":true}"#,
        );
        // Another operation is untouched; a preflight is never faulted.
        let res = sim.handle(
            Service::DynamoDb,
            &signed(&sim, "dynamodb", list_tables()),
            NOW,
        );
        assert_eq!(res.status, 200);
        let preflight = Request::new("OPTIONS", "/")
            .with_header("Origin", ORIGIN)
            .with_header("Access-Control-Request-Method", "POST");
        assert_eq!(sim.handle(Service::DynamoDb, &preflight, NOW).status, 200);
        let req = signed(&sim, "dynamodb", get_item()).with_header("Origin", ORIGIN);
        let res = sim.handle(Service::DynamoDb, &req, NOW);
        assert_eq!(res.status, 400);
        assert_eq!(
            res.header("content-type"),
            Some("application/x-amz-json-1.0")
        );
        assert_eq!(res.header("access-control-allow-origin"), Some("*"));
        assert!(res.header("x-amzn-RequestId").is_some());
        assert_eq!(
            json_of(&res)["__type"],
            "com.amazon.coral.availability#ThrottlingException"
        );
        let res = sim.handle(Service::DynamoDb, &req, NOW);
        assert_eq!(res.status, 200, "{}", res.body_text());
        // The timeline shows it.
        let faults = crate::test_support::faults_fired(&sim);
        assert_eq!(faults.len(), 1);
        assert_eq!(faults[0].fault, "throttle");
        assert_eq!(faults[0].service, Service::DynamoDb);
        assert_eq!(faults[0].operation.as_deref(), Some("GetItem"));
        assert_eq!(faults[0].status, Some(400));
    }

    #[test]
    fn expired_token_and_clock_skew_faults_answer_as_the_service_would() {
        let mut sim = sim();
        add_fault(
            &mut sim,
            r#"{"service":"dynamodb","times":1,"expired_token":true}"#,
        );
        add_fault(
            &mut sim,
            r#"{"service":"api","times":1,"expired_token":true}"#,
        );
        add_fault(
            &mut sim,
            r#"{"service":"sts","times":1,"expired_token":true}"#,
        );
        let res = sim.handle(
            Service::DynamoDb,
            &signed(&sim, "dynamodb", get_item()),
            NOW,
        );
        assert_eq!(
            json_of(&res),
            serde_json::json!({
                "__type": "com.amazon.coral.service#ExpiredTokenException",
                "message": "The security token included in the request is expired",
            })
        );
        let res = sim.handle(Service::ApiGateway, &Request::new("POST", "/v1/lab"), NOW);
        assert_eq!(res.status, 403);
        assert_eq!(
            json_of(&res),
            serde_json::json!({"message": "The security token included in the request is expired"})
        );
        let res = sim.handle(Service::Sts, &get_caller_identity(), NOW);
        assert_eq!(res.status, 403);
        assert!(res.body_text().contains("<Code>ExpiredToken</Code>"));

        let mut sim = self::sim();
        add_fault(
            &mut sim,
            r#"{"service":"dynamodb","times":1,"clock_skew_s":360}"#,
        );
        add_fault(
            &mut sim,
            r#"{"service":"dynamodb","times":1,"clock_skew_s":-360}"#,
        );
        add_fault(
            &mut sim,
            r#"{"service":"dynamodb","times":1,"clock_skew_s":60}"#,
        );
        let req = signed(&sim, "dynamodb", get_item());
        let res = sim.handle(Service::DynamoDb, &req, NOW);
        assert_eq!(res.status, 400);
        assert_eq!(
            json_of(&res)["message"],
            "Signature expired: 20241008T195522Z is now earlier than 20241008T195622Z (20241008T200122Z - 5 min.)"
        );
        assert_eq!(
            json_of(&res)["__type"],
            "com.amazon.coral.service#InvalidSignatureException"
        );
        let res = sim.handle(Service::DynamoDb, &req, NOW);
        assert_eq!(
            json_of(&res)["message"],
            "Signature not yet current: 20241008T195522Z is still later than 20241008T195422Z (20241008T194922Z + 5 min.)"
        );
        // Within AWS's five minutes: answered normally.
        assert_eq!(sim.handle(Service::DynamoDb, &req, NOW).status, 200);
    }

    #[test]
    fn raw_delay_and_drop_faults() {
        let mut sim = sim();
        add_fault(
            &mut sim,
            r#"{"service":"api","times":1,"status":503,"body":"{\"message\":\"down\"}"}"#,
        );
        add_fault(&mut sim, r#"{"service":"api","times":1,"delay_ms":1500}"#);
        add_fault(&mut sim, r#"{"service":"api","times":1,"drop":true}"#);
        let post = Request::new("POST", "/v1/lab").with_body(r#"{"name":"Ann"}"#);
        let first = sim.answer(Service::ApiGateway, &post, NOW);
        assert_eq!(
            (first.response.status, first.delay_ms, first.drop),
            (503, 0, false)
        );
        assert_eq!(first.response.body_text(), r#"{"message":"down"}"#);
        assert_eq!(
            first.response.header("content-type"),
            Some("application/json")
        );
        let second = sim.answer(Service::ApiGateway, &post, NOW);
        assert_eq!(
            (second.response.status, second.delay_ms, second.drop),
            (200, 1500, false)
        );
        let third = sim.answer(Service::ApiGateway, &post, NOW);
        assert!(third.drop);
        // Only the delayed request reached the table.
        assert_eq!(sim.dynamodb().events().len(), 1);
        // In the order they happened: the delayed request did reach the API.
        let kinds: Vec<_> = sim
            .timeline()
            .page(0, 100)
            .events
            .into_iter()
            .map(|e| match e.event {
                TimelineEvent::FaultInjected(f) => format!("fault {}", f.fault),
                other => other.kind().to_owned(),
            })
            .collect();
        assert_eq!(
            kinds,
            [
                "fault status",
                "fault delay",
                "api_request",
                "table_write",
                "stream_record",
                "fault drop",
            ]
        );
    }

    #[test]
    fn probability_faults_repeat_with_the_seed() {
        let run = || {
            let mut sim = sim();
            add_fault(
                &mut sim,
                r#"{"service":"logs","probability":0.5,"throttle":true}"#,
            );
            (0..40)
                .map(|_| {
                    let res = sim.handle(Service::Logs, &Request::new("POST", "/"), NOW);
                    res.body_text().contains("ThrottlingException")
                })
                .collect::<Vec<_>>()
        };
        let a = run();
        assert_eq!(a, run());
        assert!(a.contains(&true) && a.contains(&false), "{a:?}");
    }
}
