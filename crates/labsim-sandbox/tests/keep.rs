//! The sandbox across a reload: restored from its snapshot it has what it
//! had, refuses a snapshot that is not a sandbox's, and counts as changes
//! what changes it, not the page's reads or an idle tick.

use lab_model::{sandbox, Service};
use labmate_core::signing::HttpRequest;
use labsim::{SimConfig, Simulator};
use labsim_sandbox::keep::{self, ChangeCount, RestoreError};
use labsim_sandbox::message::{SandboxAnswer, SandboxRequest};
use labsim_sandbox::serve;

mod common;
use common::{config, search, signed, NOW};

fn request(method: &str, url: &str, body: &str) -> SandboxRequest {
    SandboxRequest {
        method: method.into(),
        url: url.into(),
        headers: vec![("content-type".into(), "application/json".into())],
        body: body.into(),
    }
}

/// Ticks from `from` for `ms`, counting; the wall time after.
fn run(sim: &mut Simulator, count: &mut ChangeCount, from: i64, ms: i64) -> i64 {
    let mut wall = from;
    while wall < from + ms {
        wall += 50;
        let mut more = serve::tick_start(sim, wall, 4);
        count.stepped(sim);
        while more {
            more = serve::tick_continue(sim, wall, 4);
            count.stepped(sim);
        }
    }
    wall
}

fn answer(
    sim: &mut Simulator,
    count: &mut ChangeCount,
    req: SandboxRequest,
    wall: i64,
) -> SandboxAnswer {
    let may_change = keep::may_change(&req);
    let answer = serve::answer(sim, req, wall);
    count.answered(sim, may_change);
    answer
}

#[test]
fn a_restored_sandbox_has_its_items_documents_and_credentials() {
    let mut sim = serve::start(7, NOW);
    let before = config(&mut sim);
    let mut count = ChangeCount::new(&sim);
    let api = sandbox::endpoint(Service::ApiGateway);
    let posted = answer(
        &mut sim,
        &mut count,
        request("POST", &api, r#"{"name":"Ann","type":"cat"}"#),
        NOW,
    );
    assert_eq!(posted.status, 200, "{}", posted.body);
    let wall = run(&mut sim, &mut count, NOW, 15_000);
    let snapshot = sim.snapshot();

    // A reload a minute later.
    let wall = wall + 60_000;
    let mut restored = keep::restore(&snapshot, wall).expect("restored");
    let after = config(&mut restored);
    assert_eq!(
        after.credentials.access_key_id,
        before.credentials.access_key_id
    );
    assert_eq!(
        after.credentials.secret_access_key,
        before.credentials.secret_access_key
    );
    let found = serve::answer(&mut restored, search(&after, wall), wall);
    assert_eq!(found.status, 200, "{}", found.body);
    assert!(found.body.contains("Ann"), "{}", found.body);
}

#[test]
fn a_snapshot_not_of_a_sandbox_or_not_a_snapshot_is_refused() {
    let native = Simulator::new(SimConfig::new(7), NOW).snapshot();
    let refused = keep::restore(&native, NOW).err().unwrap();
    assert!(matches!(refused, RestoreError::OtherAddresses), "{refused}");
    let refused = keep::restore("{}", NOW).err().unwrap();
    assert!(matches!(refused, RestoreError::Snapshot(_)), "{refused}");
    assert!(
        refused.to_string().starts_with("not a labsim snapshot"),
        "{refused}"
    );
}

#[test]
fn changes_are_counted_and_reads_and_idle_ticks_are_not() {
    let mut sim = serve::start(7, NOW);
    let config = config(&mut sim);
    let mut count = ChangeCount::new(&sim);
    // Idle: the poller reads an empty stream.
    let mut wall = run(&mut sim, &mut count, NOW, 5_000);
    assert_eq!(count.count(), 0);

    // The page's reads: its identity, a search, the timeline.
    let sts = sandbox::endpoint(Service::Sts);
    let caller = signed(
        &config,
        Service::Sts,
        HttpRequest::new("POST", &sts)
            .header("content-type", "application/x-www-form-urlencoded")
            .body("Action=GetCallerIdentity&Version=2011-06-15"),
        wall,
    );
    assert_eq!(answer(&mut sim, &mut count, caller, wall).status, 200);
    assert_eq!(
        answer(&mut sim, &mut count, search(&config, wall), wall).status,
        404
    );
    let events = format!("{}/_labsim/events", sandbox::ADDRESS);
    assert_eq!(
        answer(&mut sim, &mut count, request("GET", &events, ""), wall).status,
        200
    );
    assert_eq!(count.count(), 0);

    // A write through the API, then the pipeline's work on it.
    let api = sandbox::endpoint(Service::ApiGateway);
    answer(
        &mut sim,
        &mut count,
        request("POST", &api, r#"{"name":"Ann"}"#),
        wall,
    );
    let after_post = count.count();
    assert!(after_post >= 1);
    wall = run(&mut sim, &mut count, wall, 15_000);
    assert!(count.count() > after_post, "the Lambda's work counts");
    let settled = count.count();
    wall = run(&mut sim, &mut count, wall, 5_000);
    assert_eq!(count.count(), settled, "idle again");

    // Control calls that record no event count too.
    let clock = format!("{}/_labsim/clock", sandbox::ADDRESS);
    answer(
        &mut sim,
        &mut count,
        request("POST", &clock, r#"{"advance_ms":1000}"#),
        wall,
    );
    assert_eq!(count.count(), settled + 1);
}

/// The snapshot's size after `items` changes have gone through the
/// pipeline, and how long writing and reading it take (native, debug or
/// release as the test runs; printed for the size report).
fn snapshot_after(items: usize) -> (usize, std::time::Duration, std::time::Duration) {
    let mut sim = serve::start(7, NOW);
    let mut count = ChangeCount::new(&sim);
    let api = sandbox::endpoint(Service::ApiGateway);
    let mut wall = NOW;
    for i in 0..items {
        let body = format!(r#"{{"name":"cat {i}","type":"cat"}}"#);
        answer(&mut sim, &mut count, request("POST", &api, &body), wall);
        wall = run(&mut sim, &mut count, wall, 100);
    }
    let wall = run(&mut sim, &mut count, wall, 15_000);
    let started = std::time::Instant::now();
    let snapshot = sim.snapshot();
    let written = started.elapsed();
    let started = std::time::Instant::now();
    let restored = keep::restore(&snapshot, wall).expect("restored");
    let read = started.elapsed();
    assert_eq!(restored.snapshot(), snapshot);
    (snapshot.len(), written, read)
}

#[test]
fn snapshot_size_grows_with_the_changes() {
    let (small, ..) = snapshot_after(10);
    let (large, written, read) = snapshot_after(200);
    println!("snapshot: {small} B after 10 changes, {large} B after 200 (written in {written:?}, read in {read:?})");
    // Each change leaves its item, stream record, invocation, log lines,
    // document and timeline events: a few kilobytes, not more.
    assert!(large > small);
    assert!(large < 200 * 8_000, "{large} B");
}
