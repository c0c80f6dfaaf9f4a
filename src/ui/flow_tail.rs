//! The live tail: every flow, newest first, filtered by change kind,
//! state and text; Pause keeps the rows shown (counting the flows that
//! arrive meanwhile) until Resume. It stays fast with thousands of flows:
//! the rows have one fixed height, only those in the scroll window (and a
//! few either side) are in the page, and they are keyed by flow id and a
//! version of what the row shows, so a row is rebuilt only when its flow
//! changed. Clicking a row (or Enter, or the arrow keys) selects its flow.

use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::Arc;

use labmate_core::flow::{Flow, FlowId, FlowState};
use labmate_core::word;
use labmate_core::words::Lang;
use leptos::prelude::*;
use wasm_bindgen::JsCast;

use crate::lang::{t, use_lang};
use crate::state::{use_state, AppState};
use crate::ui::flow_list::keyed_flows;
use crate::ui::flow_words::{
    clock_text, find, holds, hop_key, kind_index, look, subject_in, where_text, StateKind, KINDS,
};
use crate::ui::reactive::{flag, nothing, on_change, on_click, text};

/// A row's height, in the row's own type size (CSS reads it as
/// `--flow-row`; the scroll maths measures it in pixels).
const ROW_HEIGHT: &str = "2.4em";
/// Rows kept in the page above and below the visible ones.
const OVERSCAN: usize = 8;
/// A row's height in pixels until a scroll measures it.
const ROW_PX_GUESS: f64 = 36.0;

/// What the learner filters on.
#[derive(Clone, Debug, PartialEq)]
struct Filters {
    /// INSERT, MODIFY, REMOVE (in `KINDS` order).
    kinds: [bool; 3],
    state: Option<StateKind>,
    text: String,
}

impl Default for Filters {
    fn default() -> Self {
        Filters {
            kinds: [true; 3],
            state: None,
            text: String::new(),
        }
    }
}

impl Filters {
    /// `needle` is the text filter, trimmed and in lower case.
    fn admits(&self, flow: &Flow, needle: &str, number: Option<u64>, lang: Lang) -> bool {
        self.kinds[kind_index(flow.change)]
            && self.state.is_none_or(|s| s == StateKind::of(&flow.state))
            && (needle.is_empty() || number == Some(flow.id.0) || mentions(flow, needle, lang))
    }
}

/// Whether the item's id or name, or the reason the flow stopped (in the
/// page's language, as the learner reads it), holds `needle` (lower case).
fn mentions(flow: &Flow, needle: &str, lang: Lang) -> bool {
    let has = |s: &str| holds(s, needle);
    flow.item_id.as_deref().is_some_and(has)
        || flow.name.as_deref().is_some_and(has)
        || match &flow.state {
            FlowState::Stuck { reason } => has(&reason.reason_in(lang)),
            FlowState::NotObservable { permission, .. } => has(permission),
            _ => false,
        }
}

/// What Pause keeps.
#[derive(Clone, Debug, PartialEq)]
struct Pause {
    /// The newest flow when paused: later ones are counted, not shown.
    newest: Option<FlowId>,
    /// The rows shown, newest first.
    ids: Vec<FlowId>,
}

/// Where the scroll window is, in pixels.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Metrics {
    top: f64,
    height: f64,
    row: f64,
}

/// The rows in the page.
#[derive(Clone, Debug, Default, PartialEq)]
struct Window {
    /// The index of the first row rendered.
    first: usize,
    /// Rows in the whole list (shown or not).
    total: usize,
    rows: Vec<(FlowId, u64)>,
}

/// Changes when anything a row shows changes (the language included).
fn version(flow: &Flow, lang: Lang) -> u64 {
    let mut h = DefaultHasher::new();
    (
        lang.code(),
        where_text(flow, lang),
        &flow.name,
        &flow.item_id,
        flow.started_ms,
        flow.stages.len(),
    )
        .hash(&mut h);
    h.finish()
}

fn row_view(
    state: AppState,
    id: FlowId,
    step: impl Fn(FlowId, isize) + Copy + Send + 'static,
) -> AnyView {
    let lang = use_lang().get_untracked();
    let Some((change, who, at, started, kind, item, stage)) = state.flows.with_untracked(|f| {
        find(f, id).map(|f| {
            (
                f.change,
                subject_in(f, lang),
                where_text(f, lang),
                f.started_ms,
                StateKind::of(&f.state),
                f.item_id.clone().unwrap_or_default(),
                f.stages.last().map(|s| hop_key(s.hop)),
            )
        })
    }) else {
        return nothing();
    };
    let k = look(change);
    let selected = move || state.selected_flow.get() == Some(id);
    view! {
        <button type="button" class=format!("flow-row state-{}", kind.key())
            class:selected=flag(selected)
            aria-pressed=text(move || selected().to_string())
            data-testid="flow-row" data-flow-id=id.0 data-item-id=item data-kind=k.label data-state=kind.key()
            data-stage=stage
            on:click=on_click(move |_| state.selected_flow.set(Some(id)))
            on:keydown=move |ev: leptos::ev::KeyboardEvent| {
                let delta = match ev.key().as_str() {
                    "ArrowDown" => 1,
                    "ArrowUp" => -1,
                    _ => return,
                };
                ev.prevent_default();
                step(id, delta);
            }>
            <span class="flow-id">{format!("#{}", id.0)}</span>
            <span class=format!("kind kind-{}", k.shape)><span class="glyph" aria-hidden="true">{k.glyph}</span>" "{k.label}</span>
            <span class="subject">{who}</span>
            <span class="where">{at}</span>
            <span class="time">{clock_text(started)}</span>
        </button>
    }
    .into_any()
}

#[component]
pub fn FlowTail() -> impl IntoView {
    let state = use_state();
    let lang = use_lang();
    let filters = RwSignal::new(Filters::default());
    let paused = RwSignal::new(None::<Pause>);
    let metrics = RwSignal::new(Metrics {
        top: 0.0,
        height: 480.0,
        row: ROW_PX_GUESS,
    });
    let scroller = NodeRef::<leptos::html::Div>::new();

    // Every flow the filters admit, newest first.
    let filtered = Memo::new(move |_| {
        filters.with(|fl| {
            let needle = fl.text.trim().to_lowercase();
            let number = needle.trim_start_matches('#').parse::<u64>().ok();
            // The reasons are searched as the page words them.
            let lang = if needle.is_empty() {
                lang.get_untracked()
            } else {
                lang.get()
            };
            state.flows.with(|f| {
                f.newest_first()
                    .filter(|flow| fl.admits(flow, &needle, number, lang))
                    .map(|flow| flow.id)
                    .collect::<Vec<_>>()
            })
        })
    });
    let window = Memo::new(move |_| {
        let m = metrics.get();
        let first = ((m.top / m.row) as usize).saturating_sub(OVERSCAN);
        let count = (m.height / m.row).ceil() as usize + 2 * OVERSCAN;
        let slice = |ids: &[FlowId]| {
            let rows: Vec<FlowId> = ids.iter().skip(first).take(count).copied().collect();
            (ids.len(), rows)
        };
        let (total, ids) = paused.with(|p| match p {
            Some(p) => slice(&p.ids),
            None => filtered.with(|ids| slice(ids)),
        });
        let lang = lang.get();
        let rows = state.flows.with(|f| {
            ids.into_iter()
                .filter_map(|id| find(f, id).map(|flow| (id, version(flow, lang))))
                .collect()
        });
        Window { first, total, rows }
    });
    let new_flows = Memo::new(move |_| {
        paused.with(|p| {
            p.as_ref().map_or(0, |p| {
                state.flows.with(|f| {
                    f.flows()
                        .iter()
                        .rev()
                        .take_while(|flow| Some(flow.id) > p.newest)
                        .count()
                })
            })
        })
    });

    let measure = move |el: &web_sys::Element| {
        let total = window.with_untracked(|w| w.total);
        let (scroll_height, height) = (el.scroll_height() as f64, el.client_height() as f64);
        metrics.update(|m| {
            m.top = el.scroll_top() as f64;
            m.height = height;
            // The rows' box is `total` rows tall: it measures one row.
            if total > 0 && scroll_height > height {
                m.row = scroll_height / total as f64;
            }
        });
    };
    Effect::new(move |_| {
        if let Some(el) = scroller.get() {
            measure(&el);
        }
    });

    // While paused, a change of filters picks again among the flows kept.
    let refilter = move || {
        let Some(newest) = paused.with_untracked(|p| p.as_ref().map(|p| p.newest)) else {
            return;
        };
        let ids = filtered.with_untracked(|ids| {
            ids.iter()
                .copied()
                .filter(|id| Some(*id) <= newest)
                .collect()
        });
        paused.update(|p| {
            if let Some(p) = p {
                p.ids = ids;
            }
        });
    };
    let set_filters = move |change: &dyn Fn(&mut Filters)| {
        filters.update(|f| change(f));
        refilter();
    };
    let toggle_pause = move |_| {
        if paused.with_untracked(Option::is_some) {
            paused.set(None);
        } else {
            paused.set(Some(Pause {
                newest: state
                    .flows
                    .with_untracked(|f| f.flows().last().map(|f| f.id)),
                ids: filtered.get_untracked(),
            }));
        }
    };

    // Arrow keys: the next or previous row becomes the selected one, is
    // scrolled into view and takes the focus.
    let step = move |from: FlowId, delta: isize| {
        let to = paused.with_untracked(|p| {
            let pick = |ids: &[FlowId]| {
                let at = ids.iter().position(|id| *id == from)?;
                let to = at.checked_add_signed(delta)?;
                ids.get(to).map(|id| (to, *id))
            };
            match p {
                Some(p) => pick(&p.ids),
                None => filtered.with_untracked(|ids| pick(ids)),
            }
        });
        let Some((index, id)) = to else { return };
        state.selected_flow.set(Some(id));
        let Some(el) = scroller.get_untracked() else {
            return;
        };
        let row = metrics.with_untracked(|m| m.row);
        let (top, bottom) = (index as f64 * row, (index + 1) as f64 * row);
        let (shown_top, height) = (el.scroll_top() as f64, el.client_height() as f64);
        if top < shown_top {
            el.set_scroll_top(top as i32);
        } else if bottom > shown_top + height {
            el.set_scroll_top((bottom - height).ceil() as i32);
        }
        measure(&el);
        request_animation_frame(move || {
            let row = scroller.get_untracked().and_then(|el| {
                el.query_selector(&format!("[data-flow-id=\"{}\"]", id.0))
                    .ok()
                    .flatten()
            });
            if let Some(row) = row.and_then(|r| r.dyn_into::<web_sys::HtmlElement>().ok()) {
                let _ = row.focus();
            }
        });
    };

    let kind_filters = KINDS
        .iter()
        .enumerate()
        .map(|(i, &kind)| {
            let k = look(kind);
            view! {
                <label class="toggle">
                    <input type="checkbox" data-testid=format!("flow-filter-{}", k.label.to_lowercase())
                        prop:checked=flag(move || filters.with(|f| f.kinds[i]))
                        on:change=on_change(move |ev| {
                            let on = event_target_checked(&ev);
                            set_filters(&|f| f.kinds[i] = on);
                        })/>
                    <span class=format!("glyph kind-{}", k.shape) aria-hidden="true">{k.glyph}</span>
                    {k.label}
                </label>
            }
        })
        .collect_view();
    let state_options = StateKind::ALL
        .iter()
        .map(|&s| view! { <option value=s.key()>{text(move || s.label_in(lang.get()).to_owned())}</option> })
        .collect_view();

    view! {
        <section class="flow-tail" data-testid="flow-tail" aria-label=t(|l| word!(l, board.tail_label))>
            <div class="flow-filters" role="group" aria-label=t(|l| word!(l, board.tail_filters))>
                {kind_filters}
                <select data-testid="flow-filter-state" aria-label=t(|l| word!(l, board.tail_state))
                    on:change=on_change(move |ev| {
                        let key = event_target_value(&ev);
                        let state = StateKind::ALL.into_iter().find(|s| s.key() == key);
                        set_filters(&|f| f.state = state);
                    })>
                    <option value="">{t(|l| word!(l, board.tail_any_state))}</option>
                    {state_options}
                </select>
                <input type="search" data-testid="flow-filter-text" aria-label=t(|l| word!(l, board.tail_search_label))
                    placeholder=t(|l| word!(l, board.tail_search_placeholder))
                    on:input=on_change(move |ev| {
                        let needle = event_target_value(&ev);
                        set_filters(&|f| f.text = needle.clone());
                    })/>
                <button type="button" data-testid="flow-pause"
                    aria-pressed=text(move || paused.with(Option::is_some).to_string())
                    on:click=on_click(toggle_pause)>
                    {text(move || if paused.with(Option::is_some) { word!(lang.get(), board.tail_resume) } else { word!(lang.get(), board.tail_pause) }.to_owned())}
                </button>
                <span class="new-flows" data-testid="flow-new-count"
                    class:hidden=flag(move || paused.with(Option::is_none))>
                    {text(move || word!(lang.get(), board.tail_new_flows)(new_flows.get()))}
                </span>
            </div>
            <p class="muted" data-testid="flow-shown-count">
                {text(move || {
                    let all = state.flows.with(|f| f.flows().len());
                    let shown = window.with(|w| w.total);
                    let lang = lang.get();
                    match (all, shown) {
                        (0, _) => word!(lang, board.tail_no_flows).to_owned(),
                        (_, 0) => word!(lang, board.tail_none_match)(all),
                        _ => word!(lang, board.tail_shown)(shown, all),
                    }
                })}
            </p>
            <div class="flow-scroller" node_ref=scroller data-testid="flow-scroller"
                style:--flow-row=ROW_HEIGHT
                on:scroll=move |ev: leptos::ev::Event| {
                    if let Some(el) = ev.target().and_then(|t| t.dyn_into::<web_sys::Element>().ok()) {
                        measure(&el);
                    }
                }>
                <div class="flow-rows"
                    style:height=text(move || window.with(|w| format!("calc(var(--flow-row) * {})", w.total)))
                    style:padding-top=text(move || window.with(|w| format!("calc(var(--flow-row) * {})", w.first)))>
                    {keyed_flows(
                        Box::new(move || window.with(|w| w.rows.clone())),
                        Arc::new(move |id| row_view(state, id, step)),
                    )}
                </div>
            </div>
            <p class="muted" class:hidden=flag(move || paused.with(Option::is_none))>
                {t(|l| word!(l, board.tail_paused))}
            </p>
        </section>
    }
}
