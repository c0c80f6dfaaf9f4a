//! One component per file. Components read state and dispatch intents.

pub mod actions_panel;
pub mod app;
pub mod config_panel;
pub mod copy_button;
pub mod credentials_panel;
pub mod exchange_detail;
pub mod flow_actions;
pub mod flow_announcer;
pub mod flow_board;
pub mod flow_counts;
pub mod flow_detail;
pub mod flow_files;
pub mod flow_list;
pub mod flow_tail;
pub mod flow_words;
pub mod guide_panel;
pub mod guide_step;
pub mod guide_words;
pub mod header_bar;
pub mod identity_card;
pub mod inspector;
pub mod learner_access;
pub mod pipeline_diagram;
pub mod projector;
pub mod reactive;
pub mod watch_toggle;
