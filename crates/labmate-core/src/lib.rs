//! labmate's pure core: everything that can be decided without a browser.
//!
//! No `web-sys` here: time comes in as numbers, I/O stays in the app.
//!
//! Size: the enums the page reads back (exports, reloads, other tabs) keep
//! serde's default external tagging (`{"stuck": {...}}`). An internal
//! `#[serde(tag = "...")]` makes serde buffer every value in its `Content`
//! tree first; on the flow and poller enums that cost 34,764 B of the first
//! load (gzip, measured).

pub mod aws_error;
mod browser_url;
pub mod change;
pub mod clock;
pub mod command_line;
pub mod config;
pub mod countdown;
pub mod credentials;
pub mod csp;
pub mod excerpt;
pub mod flow;
pub mod guide;
pub mod lab_item;
pub mod poll;
pub mod projector;
pub mod random_id;
pub mod reader_lease;
pub mod service;
pub mod signing;
pub mod simulator;
pub mod time;
mod trace_capture;
pub mod words;

pub use service::Service;
