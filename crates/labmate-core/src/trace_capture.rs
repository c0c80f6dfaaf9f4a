//! Captures what aws-sigv4 logs while it signs.
//!
//! aws-sigv4 emits the canonical request (with secrets redacted) as a
//! `tracing` event at trace level. A tiny subscriber, installed only for the
//! duration of one signing call, keeps that field. Written by hand rather than
//! with `tracing-subscriber` because it needs one field of one event, and the
//! full crate would add weight to the wasm bundle for nothing.

use std::fmt;
use std::sync::{Arc, Mutex};

use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Dispatch, Event, Metadata, Subscriber};

const FIELD: &str = "canonical_request";

#[derive(Default)]
struct CanonicalRequestCatcher {
    caught: Arc<Mutex<Option<String>>>,
}

struct FieldVisitor<'a>(&'a mut Option<String>);

impl Visit for FieldVisitor<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        if field.name() == FIELD {
            // `%creq` arrives as a Display wrapper whose Debug prints Display.
            *self.0 = Some(format!("{value:?}"));
        }
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == FIELD {
            *self.0 = Some(value.to_owned());
        }
    }

    // The defaults of these format the value with Debug, which would link
    // float and integer formatting into the wasm bundle for fields we skip.
    fn record_f64(&mut self, _: &Field, _: f64) {}
    fn record_i64(&mut self, _: &Field, _: i64) {}
    fn record_u64(&mut self, _: &Field, _: u64) {}
    fn record_i128(&mut self, _: &Field, _: i128) {}
    fn record_u128(&mut self, _: &Field, _: u128) {}
    fn record_bool(&mut self, _: &Field, _: bool) {}
    fn record_bytes(&mut self, _: &Field, _: &[u8]) {}
    fn record_error(&mut self, _: &Field, _: &(dyn std::error::Error + 'static)) {}
}

impl Subscriber for CanonicalRequestCatcher {
    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        metadata.target().starts_with("aws_sigv4")
    }

    fn new_span(&self, _span: &Attributes<'_>) -> Id {
        Id::from_u64(1)
    }

    fn record(&self, _span: &Id, _values: &Record<'_>) {}

    fn record_follows_from(&self, _span: &Id, _follows: &Id) {}

    fn event(&self, event: &Event<'_>) {
        let mut found = None;
        event.record(&mut FieldVisitor(&mut found));
        if let Some(text) = found {
            if let Ok(mut slot) = self.caught.lock() {
                *slot = Some(text);
            }
        }
    }

    fn enter(&self, _span: &Id) {}

    fn exit(&self, _span: &Id) {}
}

/// Runs `f` (a signing call) and returns its result with the canonical
/// request aws-sigv4 logged during it, if any.
pub fn capture_canonical_request<T>(f: impl FnOnce() -> T) -> (T, Option<String>) {
    let catcher = CanonicalRequestCatcher::default();
    let caught = Arc::clone(&catcher.caught);
    let dispatch = Dispatch::new(catcher);
    let out = tracing::dispatcher::with_default(&dispatch, f);
    let text = caught.lock().ok().and_then(|mut slot| slot.take());
    (out, text)
}
