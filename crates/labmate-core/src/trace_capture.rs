//! Captures what aws-sigv4 logs while it signs.
//!
//! aws-sigv4 emits the canonical request (with secrets redacted) as a
//! `tracing` event at trace level. A tiny subscriber, listening only while
//! a signing call runs on the thread that asked, keeps that field. Written by hand rather than
//! with `tracing-subscriber` because it needs one field of one event, and the
//! full crate would add weight to the wasm bundle for nothing.

use std::cell::{Cell, RefCell};
use std::fmt;
use std::sync::Once;

use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::subscriber::Interest;
use tracing::{Dispatch, Event, Metadata, Subscriber};

const FIELD: &str = "canonical_request";

thread_local! {
    /// Whether this thread is inside [`capture_canonical_request`].
    static CAPTURING: Cell<bool> = const { Cell::new(false) };
    /// What the signing call on this thread logged.
    static CAUGHT: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// The process's one subscriber, installed on the first capture. One
/// global subscriber rather than one scoped to each call: tracing caches
/// each callsite's interest across threads, and scoped subscribers made and
/// dropped on two threads at once lost the event now and then (native
/// tests signing side by side: "no canonical request", 2 runs in 30). Its
/// interest in aws-sigv4's callsites is "sometimes", so each event asks
/// [`Subscriber::enabled`], which reads this thread's flag.
struct CanonicalRequestCatcher;

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
    fn register_callsite(&self, metadata: &'static Metadata<'static>) -> Interest {
        if is_signer(metadata) {
            Interest::sometimes()
        } else {
            Interest::never()
        }
    }

    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        is_signer(metadata) && CAPTURING.get()
    }

    fn new_span(&self, _span: &Attributes<'_>) -> Id {
        Id::from_u64(1)
    }

    fn record(&self, _span: &Id, _values: &Record<'_>) {}

    fn record_follows_from(&self, _span: &Id, _follows: &Id) {}

    fn event(&self, event: &Event<'_>) {
        let mut found = None;
        event.record(&mut FieldVisitor(&mut found));
        if found.is_some() {
            CAUGHT.set(found);
        }
    }

    fn enter(&self, _span: &Id) {}

    fn exit(&self, _span: &Id) {}
}

fn is_signer(metadata: &Metadata<'_>) -> bool {
    metadata.target().starts_with("aws_sigv4")
}

/// Runs `f` (a signing call) and returns its result with the canonical
/// request aws-sigv4 logged during it, if any.
pub fn capture_canonical_request<T>(f: impl FnOnce() -> T) -> (T, Option<String>) {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        // Refused only when the host program set a global subscriber of
        // its own: then no canonical request is caught, and the inspector
        // says the explanation is missing.
        let _ = tracing::dispatcher::set_global_default(Dispatch::new(CanonicalRequestCatcher));
    });
    CAUGHT.set(None);
    CAPTURING.set(true);
    let out = f();
    CAPTURING.set(false);
    (out, CAUGHT.take())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Signing on many threads at once: each catches its own request.
    #[test]
    fn each_thread_catches_its_own_canonical_request() {
        let threads: Vec<_> = (0..8)
            .map(|i| {
                std::thread::spawn(move || {
                    (0..200)
                        .map(|n| {
                            let ((), caught) = capture_canonical_request(|| {
                                tracing::trace!(target: "aws_sigv4::test", canonical_request = %format!("{i}-{n}"));
                            });
                            (format!("{i}-{n}"), caught)
                        })
                        .filter(|(want, caught)| caught.as_deref() != Some(want.as_str()))
                        .count()
                })
            })
            .collect();
        let missed: usize = threads.into_iter().map(|t| t.join().unwrap()).sum();
        assert_eq!(missed, 0, "captures lost or crossed");
        // Outside a capture nothing is kept.
        tracing::trace!(target: "aws_sigv4::test", canonical_request = "stray");
        assert_eq!(CAUGHT.take(), None);
    }
}
