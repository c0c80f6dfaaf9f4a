//! The flow board: the pipeline diagram on top, the live tail and the
//! selected flow side by side below it (stacked on narrow screens), and
//! the live region that announces endings.
//!
//! Test ids (`data-testid`), for the end-to-end tests:
//! - `flow-board`; `pipeline-diagram`
//! - `diagram-hop` (`data-hop`: api, table, stream, lambda, collection;
//!   class `unseen` and `data-permission` when not observable), with
//!   `diagram-latency` (median into the hop) and `diagram-not-observable`
//! - `flow-token` (`data-flow-id`, `data-kind` INSERT/MODIFY/REMOVE,
//!   `data-shape` circle/square/diamond, `data-hop` or `sent`, `data-state`
//!   in-progress/complete/stuck/not-observable), its `flow-token-stuck` mark
//! - `flow-tail`; filters `flow-filter-insert`, `flow-filter-modify`,
//!   `flow-filter-remove` (checkboxes), `flow-filter-state` (select:
//!   in-progress, complete, stuck, not-observable, or "" for any),
//!   `flow-filter-text`; `flow-pause` (Pause/Resume), `flow-new-count`,
//!   `flow-shown-count`, `flow-scroller`, `flow-row` (`data-flow-id`,
//!   `data-kind`, `data-state`, `data-stage` the last hop confirmed,
//!   `aria-pressed` when selected)
//! - `flow-detail` (`flow-detail-empty` until a flow is selected),
//!   `flow-detail-title`, `flow-detail-state` (`data-state`),
//!   `flow-stuck-reason`, `flow-fix`, `flow-waiting`, `flow-not-observable`,
//!   `flow-stages`, `flow-sent`, `flow-open-request`, `flow-stream`,
//!   `flow-diff`, `flow-lambda`, `flow-log`, `flow-document`,
//!   `flow-actions-slot`; table rows carry `data-key` (a hop in
//!   `flow-stages`, an attribute in `flow-diff` and `flow-document`)
//! - `flow-announcer` (the polite live region)

use labmate_core::flow::FlowId;
use labmate_core::word;
use leptos::prelude::*;

use crate::lang::t;
use crate::ui::flow_announcer::FlowAnnouncer;
use crate::ui::flow_detail::FlowDetail;
use crate::ui::flow_tail::FlowTail;
use crate::ui::pipeline_diagram::PipelineDiagram;

/// `actions`: what can be done with the selected flow, shown in its detail.
#[component]
pub fn FlowBoard(#[prop(optional)] actions: Option<Callback<FlowId, AnyView>>) -> impl IntoView {
    view! {
        <section class="panel flow-board" data-testid="flow-board">
            <h2>{t(|l| word!(l, board.board_title))}</h2>
            <PipelineDiagram/>
            <div class="flow-board-split">
                <FlowTail/>
                <FlowDetail actions=actions/>
            </div>
            <FlowAnnouncer/>
        </section>
    }
}
