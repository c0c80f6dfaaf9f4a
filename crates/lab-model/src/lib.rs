//! What labmate (the page) and labsim (the simulator) both speak, typed once.
//!
//! - [`names`]: the lab's resource names, as the workshop gives them;
//! - [`arn`]: the ARNs of the lab's resources;
//! - [`policies`]: the lab's IAM documents (chapter 4.1's inline policies,
//!   the learner's least-privilege policy, its OpenSearch data access
//!   policy) and the `aws` commands that mint learners' credentials;
//! - [`Service`]: the lab's AWS services, their config keys, signing names
//!   and AWS endpoints;
//! - [`sandbox`]: the in-page sandbox's endpoints;
//! - [`SimulatorConfig`]: the body of labsim's `GET /_labsim/config`;
//! - [`timeline`]: the pipeline's ground truth, one typed event per hop,
//!   read after a cursor;
//! - [`number_json`]: a DynamoDB number as the lab's typed handler writes
//!   it into a document;
//! - [`glob`]: IAM's wildcard matching (labsim's authorizer; labmate's
//!   guide reading the role's policies).
//!
//! Plain data and serde only: no I/O, no clock, so it builds for the
//! browser and for the simulator's core alike.

pub mod arn;
pub mod glob;
pub mod names;
pub mod policies;
pub mod sandbox;
mod service;
mod simulator_config;
pub mod timeline;
mod typed_number;

pub use service::{Service, UnknownService};
pub use simulator_config::{SimulatorConfig, SimulatorCredentials, SimulatorIdentity};
pub use typed_number::number_json;
