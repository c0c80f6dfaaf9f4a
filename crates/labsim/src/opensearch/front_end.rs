//! What OpenSearch Serverless's front end puts on every answer of the
//! collection endpoint, whoever made it (the collection, a signature or
//! policy refusal, an injected fault).
//!
//! AOSS names a request by `x-request-id` (a UUID), echoed as the
//! `request-id` of its 403 body; no capture shows an `x-amzn-RequestId`,
//! the header every other service of the lab sends. The shared error paths
//! of the simulator (signature refusals, throttling, injected faults) put
//! their id in `x-amzn-RequestId`, so [`finish`] moves it to AOSS's header.

use crate::message::Response;

/// The header AOSS names the request by.
pub const REQUEST_ID_HEADER: &str = "x-request-id";

/// The header every other service names the request by, which AOSS never
/// sends.
const AWS_REQUEST_ID_HEADER: &str = "x-amzn-RequestId";

/// Gives `response` AOSS's request id header and none of the others'.
/// An `x-request-id` already set (the collection's answers, the 403 whose
/// body repeats it) stays as it is.
pub fn finish(response: &mut Response) {
    let aws_id = response.header(AWS_REQUEST_ID_HEADER).map(str::to_owned);
    response
        .headers
        .retain(|(name, _)| !name.eq_ignore_ascii_case(AWS_REQUEST_ID_HEADER));
    if response.header(REQUEST_ID_HEADER).is_none() {
        if let Some(id) = aws_id {
            response.set_header(REQUEST_ID_HEADER, &id);
        }
    }
}

#[cfg(test)]
mod tests {
    use sha2::{Digest, Sha256};

    use super::*;
    use crate::apigateway::is_uuid;
    use crate::iam::PolicyDocument;
    use crate::message::Request;
    use crate::test_support::{add_fault, json_of, signed_as, sim, NOW};
    use crate::{Service, Simulator};

    const HOST: &str = "127.0.0.1:9107";

    /// `method path` with `body`, as opensearch-py sends it (payload hash
    /// included), unsigned.
    fn unsigned(method: &str, path: &str, body: &str) -> Request {
        Request::new(method, path)
            .with_header("host", HOST)
            .with_header("content-type", "application/json")
            .with_header(
                "x-amz-content-sha256",
                &hex::encode(Sha256::digest(body.as_bytes())),
            )
            .with_body(body)
    }

    fn signed(sim: &Simulator, method: &str, path: &str, body: &str) -> Request {
        signed_as(
            sim.identity().demo_credentials(),
            "aoss",
            unsigned(method, path, body),
        )
    }

    fn search(sim: &Simulator) -> Request {
        signed(sim, "POST", "/dynamodb_replicate/_search", "{}")
    }

    /// `POST /_labsim/faults` with `json`, whatever it answers.
    fn post_fault(sim: &mut Simulator, json: &str) -> Response {
        let req = Request::new("POST", "/_labsim/faults").with_body(json);
        sim.handle(Service::Sts, &req, NOW)
    }

    /// `x-request-id` is a UUID and no `x-amzn-RequestId` is sent.
    fn assert_aoss_ids(res: &Response, case: &str) -> String {
        assert_eq!(res.header("x-amzn-RequestId"), None, "{case}");
        let id = res.header("x-request-id").unwrap_or_default();
        assert!(is_uuid(id), "{case}: x-request-id {id:?}");
        id.to_owned()
    }

    #[test]
    fn every_collection_answer_names_its_request_by_x_request_id_only() {
        let mut sim = sim();
        let no_aoss = PolicyDocument::parse(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"dynamodb:*","Resource":"*"}]}"#,
        )
        .unwrap();
        let denied = sim.mint_credentials_with_policy(NOW, 3600, no_aoss);
        let write = signed(&sim, "POST", "/dynamodb_replicate/_doc", r#"{"id":"a"}"#);
        let cases = [
            ("written", write, 201),
            ("searched", search(&sim), 200),
            (
                "unsigned",
                unsigned("POST", "/dynamodb_replicate/_search", "{}"),
                403,
            ),
            (
                "no payload hash",
                signed_as(
                    sim.identity().demo_credentials(),
                    "aoss",
                    Request::new("GET", "/dynamodb_replicate/_search").with_header("host", HOST),
                ),
                403,
            ),
            ("not on AOSS", signed(&sim, "GET", "/", ""), 404),
            (
                "no aoss:APIAccessAll",
                signed_as(
                    &denied,
                    "aoss",
                    unsigned("GET", "/dynamodb_replicate/_search", ""),
                ),
                403,
            ),
            (
                "a preflight",
                Request::new("OPTIONS", "/dynamodb_replicate/_search")
                    .with_header("origin", "http://localhost:8080")
                    .with_header("access-control-request-method", "POST"),
                403,
            ),
        ];
        for (case, req, status) in cases {
            let res = sim.handle(Service::Aoss, &req, NOW);
            assert_eq!(res.status, status, "{case}: {}", res.body_text());
            assert_aoss_ids(&res, case);
        }
        // Injected faults answer the same way.
        for (fault, status) in [
            (r#"{"service":"aoss","times":1,"throttle":true}"#, 429),
            (r#"{"service":"aoss","times":1,"expired_token":true}"#, 403),
            (
                r#"{"service":"aoss","times":1,"status":500,"body":""}"#,
                500,
            ),
            (
                r#"{"service":"aoss","times":1,"network_policy_deny":true}"#,
                401,
            ),
            (
                r#"{"service":"aoss","times":1,"data_access_deny":true}"#,
                403,
            ),
        ] {
            add_fault(&mut sim, fault);
            let res = sim.handle(Service::Aoss, &search(&sim), NOW);
            assert_eq!(res.status, status, "{fault}");
            assert_aoss_ids(&res, fault);
        }
        // The control endpoints on the collection's port are labsim's own.
        let config = sim.handle(Service::Aoss, &Request::new("GET", "/_labsim/config"), NOW);
        assert_eq!(config.status, 200);
        assert_eq!(config.header("x-request-id"), None);
    }

    #[test]
    fn a_network_policy_fault_answers_401_with_an_empty_body_and_the_hint() {
        let mut sim = sim();
        let added = post_fault(
            &mut sim,
            r#"{"service":"aoss","times":1,"network_policy_deny":true}"#,
        );
        assert_eq!(
            json_of(&added)["faults"][0]["network_policy_deny"],
            serde_json::json!(true)
        );
        let res = sim.handle(Service::Aoss, &search(&sim), NOW);
        assert_eq!(res.status, 401);
        assert!(res.body.is_empty(), "{}", res.body_text());
        assert_eq!(res.header("content-type"), None);
        assert_eq!(
            res.header("x-aoss-response-hint"),
            Some("X01:network-policy-deny")
        );
        assert_eq!(res.header("server"), Some("aoss-amazon"));
        assert_aoss_ids(&res, "network policy");
        // Once: the next search goes through (no index yet: 404).
        assert_eq!(sim.handle(Service::Aoss, &search(&sim), NOW).status, 404);
        let faults = crate::test_support::faults_fired(&sim);
        assert_eq!(faults.len(), 1);
        assert_eq!(faults[0].fault, "network_policy_deny");
        assert_eq!(faults[0].status, Some(401));
    }

    /// The 403 body's `request-id` is the `x-request-id` header.
    fn assert_forbidden(res: &Response, case: &str) {
        assert_eq!(res.status, 403, "{case}");
        assert_eq!(res.header("content-type"), Some("application/json"));
        assert_eq!(
            res.header("x-aoss-response-hint"),
            Some("X01:gw-helper-deny"),
            "{case}"
        );
        let id = assert_aoss_ids(res, case);
        assert_eq!(
            json_of(res),
            serde_json::json!({"status": 403, "request-id": id, "error": {"reason": "403 Forbidden", "type": "Forbidden"}}),
            "{case}"
        );
    }

    #[test]
    fn data_access_denials_answer_aoss_forbidden_body_naming_the_request() {
        let mut sim = sim();
        // No aoss:APIAccessAll in the caller's IAM policy.
        let no_aoss = PolicyDocument::parse(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"aoss:*","Resource":"*"},{"Effect":"Allow","Action":"*","Resource":"*"}]}"#,
        )
        .unwrap();
        let denied = sim.mint_credentials_with_policy(NOW, 3600, no_aoss);
        let req = signed_as(
            &denied,
            "aoss",
            unsigned("POST", "/dynamodb_replicate/_doc", "{}"),
        );
        assert_forbidden(&sim.handle(Service::Aoss, &req, NOW), "IAM");
        // No data access policy: injected.
        add_fault(
            &mut sim,
            r#"{"service":"aoss","times":1,"data_access_deny":true}"#,
        );
        assert_forbidden(
            &sim.handle(Service::Aoss, &search(&sim), NOW),
            "data access policy",
        );
        // Neither wrote anything.
        assert_eq!(sim.collection().index_names(), Vec::<String>::new());
    }

    #[test]
    fn aoss_denial_faults_are_for_aoss_only() {
        let mut sim = sim();
        for bad in [
            r#"{"service":"dynamodb","network_policy_deny":true}"#,
            r#"{"service":"api","data_access_deny":true}"#,
            r#"{"service":"aoss","network_policy_deny":true,"data_access_deny":true}"#,
            r#"{"service":"aoss","network_policy_deny":true,"throttle":true}"#,
        ] {
            let res = post_fault(&mut sim, bad);
            assert_eq!(res.status, 400, "{bad}: {}", res.body_text());
        }
        let res = post_fault(
            &mut sim,
            r#"{"service":"dynamodb","network_policy_deny":true}"#,
        );
        assert!(
            res.body_text()
                .contains("network_policy_deny is an aoss fault, not dynamodb"),
            "{}",
            res.body_text()
        );
    }

    #[test]
    fn moves_the_aws_request_id_and_keeps_an_existing_one() {
        let mut res = Response::json(429, &serde_json::json!({"message": "Too Many Requests"}));
        res.set_header("x-amzn-RequestId", "id-1");
        finish(&mut res);
        assert_eq!(res.header("x-request-id"), Some("id-1"));
        assert_eq!(res.header("x-amzn-RequestId"), None);

        let mut res = Response::new(403);
        res.set_header("x-request-id", "kept");
        res.set_header("X-Amzn-RequestId", "dropped");
        finish(&mut res);
        assert_eq!(res.header("x-request-id"), Some("kept"));
        assert_eq!(res.header("x-amzn-requestid"), None);
    }
}
