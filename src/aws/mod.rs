//! Talking to AWS (or the simulator): sign, send, explain.

pub mod bridge;
pub mod client;
pub mod sandbox;
pub mod simulator;
pub mod sts;
pub mod transport;
