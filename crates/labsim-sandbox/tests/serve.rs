//! The sandbox answers what labmate sends as labsim's server would: the
//! page's own signer signs each request, and the sandbox takes it through
//! the core's whole path (control, signature, authorization, faults, the
//! pipeline's ticks).

use lab_model::{sandbox, Service, SimulatorConfig};
use labmate_core::signing::HttpRequest;
use labsim::Simulator;
use labsim_sandbox::message::{SandboxAnswer, SandboxRequest};
use labsim_sandbox::serve;

mod common;
use common::{config, search, signed, NOW};

fn get(sim: &mut Simulator, url: &str) -> SandboxAnswer {
    let request = SandboxRequest {
        method: "GET".into(),
        url: url.into(),
        headers: Vec::new(),
        body: String::new(),
    };
    serve::answer(sim, request, NOW)
}

fn post(sim: &mut Simulator, url: &str, body: &str) -> SandboxAnswer {
    let request = SandboxRequest {
        method: "POST".into(),
        url: url.into(),
        headers: vec![("content-type".into(), "application/json".into())],
        body: body.into(),
    };
    serve::answer(sim, request, NOW)
}

fn get_caller_identity(config: &SimulatorConfig, body: &str) -> SandboxRequest {
    let url = sandbox::endpoint(Service::Sts);
    let mut req = signed(
        config,
        Service::Sts,
        HttpRequest::new("POST", &url)
            .header("content-type", "application/x-www-form-urlencoded")
            .body("Action=GetCallerIdentity&Version=2011-06-15"),
        NOW,
    );
    req.body = body.to_owned();
    req
}

#[test]
fn the_config_names_the_sandbox_endpoints_and_demo_credentials() {
    let mut sim = serve::start(7, NOW);
    let config = config(&mut sim);
    for service in Service::ALL {
        assert_eq!(
            config.endpoint(service),
            Some(sandbox::endpoint(service).as_str())
        );
    }
    assert!(config.credentials.access_key_id.starts_with("ASIA"));
    assert!(
        config.routes.is_empty(),
        "no same-origin routes in the page"
    );
}

#[test]
fn a_signature_is_checked_as_labsims_server_checks_it() {
    let mut sim = serve::start(7, NOW);
    let config = config(&mut sim);
    let good = get_caller_identity(&config, "Action=GetCallerIdentity&Version=2011-06-15");
    let answer = serve::answer(&mut sim, good, NOW);
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert!(
        answer.body.contains(&config.identity.arn),
        "{}",
        answer.body
    );
    assert!(answer.header("x-amzn-RequestId").is_some());
    // The body changed after signing: AWS's refusal, in STS's shape.
    let tampered = get_caller_identity(&config, "Action=GetCallerIdentity&Version=2011-06-16");
    let answer = serve::answer(&mut sim, tampered, NOW);
    assert_eq!(answer.status, 403);
    assert!(
        answer.body.contains("<Code>SignatureDoesNotMatch</Code>"),
        "{}",
        answer.body
    );
}

#[test]
fn a_client_that_signs_its_own_host_and_content_length_is_taken_as_sent() {
    // An SDK outside the browser (the end-to-end tests' AWS SDK, through
    // the worker's door) signs both: the sandbox must not add a second.
    use aws_sigv4::http_request::{sign, SignableBody, SignableRequest, SigningSettings};
    let mut sim = serve::start(7, NOW);
    let config = config(&mut sim);
    let url = sandbox::endpoint(Service::Sts);
    let body = "Action=GetCallerIdentity&Version=2011-06-15";
    let length = body.len().to_string();
    let mut headers = vec![
        (
            "content-type".to_owned(),
            "application/x-www-form-urlencoded".to_owned(),
        ),
        ("content-length".to_owned(), length),
    ];
    let identity = aws_credential_types::Credentials::new(
        &config.credentials.access_key_id,
        &config.credentials.secret_access_key,
        Some(config.credentials.session_token.clone()),
        None,
        "sandbox-tests",
    )
    .into();
    let params = aws_sigv4::sign::v4::SigningParams::builder()
        .identity(&identity)
        .region(&config.region)
        .name("sts")
        .time(std::time::UNIX_EPOCH + std::time::Duration::from_millis(NOW as u64))
        .settings(SigningSettings::default())
        .build()
        .expect("signing params")
        .into();
    let signable = SignableRequest::new(
        "POST",
        &url,
        headers.iter().map(|(n, v)| (n.as_str(), v.as_str())),
        SignableBody::Bytes(body.as_bytes()),
    )
    .expect("signable");
    let (instructions, _) = sign(signable, &params).expect("signed").into_parts();
    for h in instructions.into_parts().0 {
        headers.push((h.name().to_owned(), h.value().to_owned()));
    }
    let signed_names = headers
        .iter()
        .find(|(n, _)| n == "authorization")
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    assert!(signed_names.contains("content-length"), "{signed_names}");
    let request = SandboxRequest {
        method: "POST".into(),
        url,
        headers,
        body: body.into(),
    };
    let answer = serve::answer(&mut sim, request, NOW);
    assert_eq!(answer.status, 200, "{}", answer.body);
}

#[test]
fn an_item_posted_to_the_api_reaches_the_collection_as_time_passes() {
    let mut sim = serve::start(7, NOW);
    let config = config(&mut sim);
    let api = sandbox::endpoint(Service::ApiGateway);
    let answer = post(&mut sim, &api, r#"{"name":"Ann","type":"cat"}"#);
    assert_eq!(answer.status, 200, "{}", answer.body);
    let mut wall = NOW;
    while wall < NOW + 15_000 {
        wall += 50;
        let mut more = serve::tick_start(&mut sim, wall, 4);
        while more {
            more = serve::tick_continue(&mut sim, wall, 4);
        }
    }
    // Found by a signed search, as the page's collection reader asks.
    let answer = serve::answer(&mut sim, search(&config, NOW), wall);
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert!(answer.body.contains("Ann"), "{}", answer.body);
}

#[test]
fn faults_delay_or_drop_and_unknown_hosts_do_not_answer() {
    let mut sim = serve::start(7, NOW);
    let config = config(&mut sim);
    let faults = format!("{}/_labsim/faults", sandbox::ADDRESS);
    let added = post(
        &mut sim,
        &faults,
        r#"{"service":"sts","times":1,"delay_ms":300}"#,
    );
    assert_eq!(added.status, 200, "{}", added.body);
    let req = || get_caller_identity(&config, "Action=GetCallerIdentity&Version=2011-06-15");
    let delayed = serve::answer(&mut sim, req(), NOW);
    assert_eq!((delayed.status, delayed.delay_ms), (200, 300));
    post(
        &mut sim,
        &faults,
        r#"{"service":"sts","times":1,"drop":true}"#,
    );
    assert_eq!(
        serve::answer(&mut sim, req(), NOW),
        SandboxAnswer::dropped()
    );
    assert_eq!(serve::answer(&mut sim, req(), NOW).status, 200);
    assert_eq!(
        get(&mut sim, "https://example.com/_labsim/config"),
        SandboxAnswer::dropped()
    );
}
