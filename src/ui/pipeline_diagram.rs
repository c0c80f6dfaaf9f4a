//! The pipeline as a picture: the five hops, the median latency of recent
//! flows on the edge into each, a hop the credentials cannot see drawn as
//! not observable with the permission it needs, and one lane per recent
//! flow whose token (shape and letter by change kind) stands at the flow's
//! last confirmed hop, moving on as hops confirm it. A stuck flow's token
//! carries a mark at the hop where it stopped, its title giving the reason.
//!
//! Sizes are SVG user units in a viewBox, so the picture and its text
//! scale with the page (a projector included).

use std::sync::Arc;

use labmate_core::flow::{ChangeKind, Flow, FlowId, FlowState, Hop};
use labmate_core::word;
use labmate_core::words::Lang;
use leptos::prelude::*;

use crate::lang::{t, use_lang};
use crate::state::use_state;
use crate::ui::flow_list::keyed_flows;
use crate::ui::flow_words::{
    hop_key, latency_text, look, median, subject_in, token_hop, where_text, StateKind,
};
use crate::ui::reactive::{flag, on_click, text};

/// Flows drawn, newest on top.
const LANES: usize = 6;
/// Flows whose stages make the edges' medians.
const LATENCY_SAMPLE: usize = 50;

const WIDTH: i32 = 1080;
/// Where a token stands before any hop confirmed it.
const SENT_X: i32 = 90;
const HOP_X0: i32 = 230;
const HOP_DX: i32 = 195;
const BOX_HALF: i32 = 64;
const BOX_Y: i32 = 20;
const BOX_H: i32 = 56;
const EDGE_Y: i32 = BOX_Y + BOX_H / 2;
const LANE_Y0: i32 = 134;
const LANE_DY: i32 = 44;
const HEIGHT: i32 = LANE_Y0 + LANES as i32 * LANE_DY - 16;

fn hop_x(hop: Hop) -> i32 {
    HOP_X0 + HOP_DX * hop as i32
}

/// A token's outline, centred on the token: circle, square or diamond.
fn outline(kind: ChangeKind) -> &'static str {
    match kind {
        ChangeKind::Insert => "M-15 0a15 15 0 1 0 30 0a15 15 0 1 0-30 0z",
        ChangeKind::Modify => "M-13-13h26v26h-26z",
        ChangeKind::Remove => "M0-18L18 0L0 18L-18 0z",
    }
}

/// What a token shows of its flow.
#[derive(Clone, Debug, PartialEq)]
struct Token {
    id: FlowId,
    hop: Option<Hop>,
    state: StateKind,
    title: String,
}

impl Token {
    fn of(flow: &Flow, lang: Lang) -> Token {
        let (id, change) = (flow.id.0, flow.change.as_str());
        let (subject, place) = (subject_in(flow, lang), where_text(flow, lang));
        let title = match &flow.state {
            FlowState::Stuck { reason } => word!(lang, board.token_title_stuck)(
                id,
                change,
                &subject,
                &place,
                &reason.reason_in(lang),
            ),
            FlowState::NotObservable { permission, .. } => {
                word!(lang, board.token_title_unseen)(id, change, &subject, &place, permission)
            }
            _ => word!(lang, board.token_title)(id, change, &subject, &place),
        };
        Token {
            id: flow.id,
            hop: token_hop(flow),
            state: StateKind::of(&flow.state),
            title,
        }
    }
}

/// Everything the picture shows, derived from the board in one pass.
#[derive(Clone, Debug, Default, PartialEq)]
struct Picture {
    /// Newest first: lane 0 is the newest flow.
    tokens: Vec<Token>,
    /// The median latency into each hop.
    medians: [Option<i64>; 5],
    /// The permission each hop needs, when not observable.
    unseen: [Option<String>; 5],
}

#[component]
pub fn PipelineDiagram() -> impl IntoView {
    let state = use_state();
    let lang = use_lang();
    let picture = Memo::new(move |_| {
        let lang = lang.get();
        state.flows.with(|f| {
            let mut per_hop: [Vec<i64>; 5] = Default::default();
            for flow in f.newest_first().take(LATENCY_SAMPLE) {
                for s in &flow.stages {
                    per_hop[s.hop as usize].push(s.latency_ms);
                }
            }
            Picture {
                tokens: f
                    .newest_first()
                    .take(LANES)
                    .map(|flow| Token::of(flow, lang))
                    .collect(),
                medians: per_hop.map(|v| median(&v)),
                unseen: Hop::ALL.map(|h| f.not_observable(h).map(|n| n.permission.clone())),
            }
        })
    });

    let hops = Hop::ALL
        .iter()
        .map(|&hop| {
            let x = hop_x(hop);
            let from = if hop == Hop::Api {
                SENT_X + 22
            } else {
                x - HOP_DX + BOX_HALF
            };
            let to = x - BOX_HALF - 2;
            let (note_x, note_anchor) = match hop {
                Hop::Collection => (x + BOX_HALF, "end"),
                _ => (x, "middle"),
            };
            let i = hop as usize;
            let permission = move || picture.with(|p| p.unseen[i].clone());
            view! {
                <g class="hop" class:unseen=flag(move || permission().is_some())
                    data-testid="diagram-hop" data-hop=hop_key(hop)
                    data-permission=text(move || permission().unwrap_or_default())>
                    <title>{text(move || match permission() {
                        Some(p) => word!(lang.get(), board.diagram_hop_unseen)(hop.label(), &p),
                        None => hop.label().to_owned(),
                    })}</title>
                    <path class="edge" d=format!("M{from} {EDGE_Y}H{to}m-9-6l9 6l-9 6")/>
                    <text class="latency" data-testid="diagram-latency" data-hop=hop_key(hop)
                        x=(from + to) / 2 y=EDGE_Y - 9 text-anchor="middle" font-size="15">
                        {text(move || picture.with(|p| p.medians[i].map(latency_text).unwrap_or_default()))}
                    </text>
                    <path class="guide" d=format!("M{x} {}V{}", BOX_Y + BOX_H + 8, HEIGHT - 4)/>
                    <rect class="box" x=x - BOX_HALF y=BOX_Y width=BOX_HALF * 2 height=BOX_H rx="8"/>
                    <text class="hop-label" x=x y=EDGE_Y + 1 text-anchor="middle" dominant-baseline="central"
                        font-size="17">{hop.label()}</text>
                    // Under the box; the last hop's note ends at the picture's edge.
                    <text class="unseen-note" x=note_x y=BOX_Y + BOX_H + 18 text-anchor=note_anchor font-size="13"
                        data-testid="diagram-not-observable">
                        {text(move || permission().map(|p| word!(lang.get(), board.diagram_unseen_note)(&p)).unwrap_or_default())}
                    </text>
                </g>
            }
        })
        .collect_view();

    let lane_labels = (0..LANES)
        .map(|lane| {
            view! {
                <text class="lane-label" x="8" y=LANE_Y0 + lane as i32 * LANE_DY
                    dominant-baseline="central" font-size="14">
                    {text(move || picture.with(|p| p.tokens.get(lane).map(|t| format!("#{}", t.id.0)).unwrap_or_default()))}
                </text>
            }
        })
        .collect_view();

    // One token per recent flow, kept (keyed by flow) while it moves so
    // that CSS can animate the move.
    let token = Arc::new(move |id: FlowId| {
        let Some(change) = state
            .flows
            .with_untracked(|f| crate::ui::flow_words::find(f, id).map(|f| f.change))
        else {
            return ().into_any();
        };
        let k = look(change);
        // This token's lane and what it shows, as the picture has them.
        let read = move |f: fn(usize, &Token) -> String| {
            picture.with(|p| {
                p.tokens
                    .iter()
                    .position(|t| t.id == id)
                    .map(|lane| f(lane, &p.tokens[lane]))
                    .unwrap_or_default()
            })
        };
        let in_state = move |s: StateKind| {
            picture.with(|p| p.tokens.iter().any(|t| t.id == id && t.state == s))
        };
        let select = move || state.selected_flow.set(Some(id));
        view! {
            <g class=format!("flow-token kind-{}", k.shape)
                class:stuck=flag(move || in_state(StateKind::Stuck))
                class:complete=flag(move || in_state(StateKind::Complete))
                class:unseen=flag(move || in_state(StateKind::NotObservable))
                class:selected=flag(move || state.selected_flow.get() == Some(id))
                role="button" tabindex="0"
                data-testid="flow-token" data-flow-id=id.0 data-kind=k.label data-shape=k.shape
                data-hop=text(move || read(|_, t| t.hop.map_or("sent", hop_key).to_owned()))
                data-state=text(move || read(|_, t| t.state.key().to_owned()))
                style:transform=text(move || read(|lane, t| {
                    let x = t.hop.map_or(SENT_X, hop_x);
                    format!("translate({x}px,{}px)", LANE_Y0 + lane as i32 * LANE_DY)
                }))
                aria-label=text(move || read(|_, t| t.title.clone()))
                on:click=on_click(move |_| select())
                on:keydown=move |ev: leptos::ev::KeyboardEvent| {
                    if ev.key() == "Enter" || ev.key() == " " {
                        ev.prevent_default();
                        select();
                    }
                }>
                <title>{text(move || read(|_, t| t.title.clone()))}</title>
                <path class="shape" d=outline(change)/>
                <text class="letter" text-anchor="middle" dominant-baseline="central" font-size="16">{k.letter}</text>
                <g class="stuck-mark" data-testid="flow-token-stuck">
                    <circle cx="16" cy="-16" r="9"/>
                    <text x="16" y="-16" text-anchor="middle" dominant-baseline="central" font-size="14">"!"</text>
                </g>
            </g>
        }
        .into_any()
    });
    let tokens = keyed_flows(
        Box::new(move || picture.with(|p| p.tokens.iter().map(|t| (t.id, 0)).collect())),
        token,
    );

    let legend = [
        ("glyph kind-circle", "●", (|_| " I = INSERT") as fn(Lang) -> &'static str),
        ("glyph kind-square", "■", |_| " M = MODIFY"),
        ("glyph kind-diamond", "◆", |_| " R = REMOVE"),
        ("glyph stuck-glyph", "!", |l| word!(l, board.diagram_legend_stuck)),
    ]
    .map(|(class, glyph, words)| view! { <span><span class=class aria-hidden="true">{glyph}</span>{t(words)}</span> })
    .collect_view();

    view! {
        <figure class="pipeline-diagram" data-testid="pipeline-diagram">
            <svg viewBox=format!("0 0 {WIDTH} {HEIGHT}") role="group" aria-labelledby="pipeline-title">
                <title id="pipeline-title">{text(move || word!(lang.get(), board.diagram_title)(
                    &Hop::ALL.map(Hop::label).join(" → "),
                    LANES,
                ))}</title>
                <text class="sent-label" x=SENT_X y=EDGE_Y text-anchor="middle" dominant-baseline="central" font-size="15">{t(|l| word!(l, board.diagram_sent))}</text>
                {hops}
                {lane_labels}
                {tokens}
            </svg>
            <figcaption class="legend">{legend}</figcaption>
        </figure>
    }
}
