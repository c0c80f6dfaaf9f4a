//! The page's notice: what the session or the board has to tell the
//! learner once, kept typed in `AppState::notice` and worded in the page's
//! language where it shows (`ui::page_notice`), so the switch re-words it.

use labmate_core::credentials::CredentialsError;
use labmate_core::flow::ImportError;
use labmate_core::word;
use labmate_core::words::Lang;

use crate::aws::sandbox::SandboxError;
use crate::aws::simulator::SimulatorConnectError;

#[derive(Clone, Debug, PartialEq)]
pub enum Notice {
    /// The credentials kept with "Remember in this tab" no longer read.
    RememberedUnusable(CredentialsError),
    /// The share link's parameters that looked like secrets, dropped unread.
    LinkCarriedSecrets(Vec<String>),
    /// The simulator named in the configuration could not be reached.
    SimulatorUnreachable(SimulatorConnectError),
    /// The simulator's demo credentials did not read.
    DemoCredentialsRefused(CredentialsError),
    /// The board saved by the last page could not be read back.
    SavedFlowsUnreadable(ImportError),
    /// The board outgrew localStorage: this many flows were not saved.
    BoardTooBig(usize),
    /// The board's module did not load.
    BoardNotLoaded,
    /// The in-page sandbox did not start.
    SandboxNotStarted(SandboxError),
    /// The sandbox's kept state did not restore (why): it started fresh.
    SandboxDropped(String),
    /// The sandbox cannot keep its state across a reload (why).
    SandboxNotKept(String),
}

impl Notice {
    pub fn words(&self, lang: Lang) -> String {
        match self {
            Notice::RememberedUnusable(e) => {
                word!(lang, setup.notice_remembered_unusable)(&e.words(lang))
            }
            Notice::LinkCarriedSecrets(params) => {
                word!(lang, setup.notice_link_secrets)(&params.join(", "))
            }
            Notice::SimulatorUnreachable(e) => e.words(lang),
            Notice::DemoCredentialsRefused(e) => {
                word!(lang, setup.notice_demo_refused)(&e.words(lang))
            }
            Notice::SavedFlowsUnreadable(e) => {
                word!(lang, board.notice_saved_flows_unreadable)(&e.words(lang))
            }
            Notice::BoardTooBig(count) => word!(lang, board.notice_board_too_big)(*count),
            Notice::BoardNotLoaded => word!(lang, board.notice_board_not_loaded).to_owned(),
            Notice::SandboxNotStarted(e) => e.words(lang),
            Notice::SandboxDropped(why) => word!(lang, setup.sandbox_dropped)(why),
            Notice::SandboxNotKept(why) => word!(lang, setup.sandbox_not_kept)(why),
        }
    }
}
