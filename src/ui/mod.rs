//! One component per file. Components read state and dispatch intents.

pub mod actions_panel;
pub mod app;
pub mod config_panel;
pub mod credentials_panel;
pub mod exchange_detail;
pub mod header_bar;
pub mod identity_card;
pub mod inspector;
pub mod reactive;
