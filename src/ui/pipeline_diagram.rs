//! The pipeline as a picture: the five hops, the median latency of recent
//! flows on the edge into each, a hop the credentials cannot see drawn as
//! not observable with the permission it needs, and one lane per recent
//! flow whose token (shape and letter by change kind) stands at the flow's
//! last confirmed hop, moving on as hops confirm it. A stuck flow's token
//! carries a mark at the hop where it stopped, its title giving the reason.
//!
//! Sizes are SVG user units in a viewBox, so the picture and its text
//! scale with the page (a projector included).

use labmate_core::flow::{ChangeKind, Flow, FlowId, FlowState, Hop};
use leptos::prelude::*;

use crate::state::use_state;
use crate::ui::flow_words::{
    hop_key, latency_text, look, median, token_hop, where_text, StateKind,
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

/// What a token shows of its flow.
#[derive(Clone, Debug, PartialEq)]
struct Token {
    id: FlowId,
    change: ChangeKind,
    hop: Option<Hop>,
    state: StateKind,
    title: String,
}

impl Token {
    fn of(flow: &Flow) -> Token {
        let mut title = format!(
            "Flow #{}, {} {}: {}",
            flow.id.0,
            flow.change.as_str(),
            crate::ui::flow_words::subject(flow),
            where_text(flow)
        );
        match &flow.state {
            FlowState::Stuck { reason } => title = format!("{title}. {reason}"),
            FlowState::NotObservable { permission, .. } => {
                title = format!("{title} (needs {permission})")
            }
            _ => {}
        }
        Token {
            id: flow.id,
            change: flow.change,
            hop: token_hop(flow),
            state: StateKind::of(&flow.state),
            title,
        }
    }
}

/// One flow's token; it follows its flow in `tokens` (lane and hop).
fn token_view(tokens: Memo<Vec<Token>>, id: FlowId) -> impl IntoView {
    let state = use_state();
    let change = tokens.with_untracked(|t| t.iter().find(|t| t.id == id).map(|t| t.change));
    let k = look(change.unwrap_or(ChangeKind::Insert));
    let read = move |f: fn(usize, &Token) -> String| {
        tokens.with(|t| {
            t.iter()
                .position(|t| t.id == id)
                .map(|lane| f(lane, &t[lane]))
                .unwrap_or_default()
        })
    };
    let shape = match k.shape {
        "circle" => view! { <circle class="shape" r="15"/> }.into_any(),
        "square" => {
            view! { <rect class="shape" x="-13" y="-13" width="26" height="26"/> }.into_any()
        }
        _ => view! { <polygon class="shape" points="0,-18 18,0 0,18 -18,0"/> }.into_any(),
    };
    let in_state =
        move |s: StateKind| tokens.with(|t| t.iter().any(|t| t.id == id && t.state == s));
    let select = move || state.selected_flow.set(Some(id));
    view! {
        <g class=format!("flow-token kind-{}", k.shape)
            class:stuck=flag(move || in_state(StateKind::Stuck))
            class:complete=flag(move || in_state(StateKind::Complete))
            class:unseen=flag(move || in_state(StateKind::NotObservable))
            class:selected=flag(move || state.selected_flow.get() == Some(id))
            role="button" tabindex="0"
            data-testid="flow-token"
            data-flow-id=id.0
            data-kind=k.label
            data-shape=k.shape
            data-hop=text(move || read(|_, t| t.hop.map_or("sent", hop_key).to_owned()))
            data-state=text(move || read(|_, t| t.state.key().to_owned()))
            style=text(move || read(|lane, t| {
                let x = t.hop.map_or(SENT_X, hop_x);
                format!("transform:translate({x}px,{}px)", LANE_Y0 + lane as i32 * LANE_DY)
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
            {shape}
            <text class="letter" text-anchor="middle" dominant-baseline="central" font-size="16">{k.letter}</text>
            <g class="stuck-mark" data-testid="flow-token-stuck">
                <circle cx="16" cy="-16" r="9"/>
                <text x="16" y="-16" text-anchor="middle" dominant-baseline="central" font-size="14">"!"</text>
            </g>
        </g>
    }
}

#[component]
pub fn PipelineDiagram() -> impl IntoView {
    let state = use_state();
    let tokens = Memo::new(move |_| {
        state.flows.with(|f| {
            f.newest_first()
                .take(LANES)
                .map(Token::of)
                .collect::<Vec<_>>()
        })
    });
    let medians = Memo::new(move |_| {
        state.flows.with(|f| {
            let mut per_hop: [Vec<i64>; 5] = Default::default();
            for flow in f.newest_first().take(LATENCY_SAMPLE) {
                for s in &flow.stages {
                    per_hop[s.hop as usize].push(s.latency_ms);
                }
            }
            per_hop.map(|mut v| median(&mut v))
        })
    });
    let unseen = Memo::new(move |_| {
        state
            .flows
            .with(|f| Hop::ALL.map(|h| f.not_observable(h).map(|n| n.permission.clone())))
    });

    let hops = Hop::ALL
        .iter()
        .map(|&hop| {
            let x = hop_x(hop);
            let from = if hop == Hop::Api { SENT_X + 22 } else { x - HOP_DX + BOX_HALF };
            let to = x - BOX_HALF - 2;
            let i = hop as usize;
            let permission = move || unseen.with(|u| u[i].clone());
            view! {
                <g class="hop" class:unseen=flag(move || permission().is_some())
                    data-testid="diagram-hop" data-hop=hop_key(hop)
                    data-permission=text(move || permission().unwrap_or_default())>
                    <title>{text(move || match permission() {
                        Some(p) => format!("{}: not observable with these credentials; {p} would show it.", hop.label()),
                        None => hop.label().to_owned(),
                    })}</title>
                    <path class="edge" d=format!("M{from} {EDGE_Y}H{to}m-9 -6l9 6l-9 6")/>
                    <text class="latency" data-testid="diagram-latency" data-hop=hop_key(hop)
                        x=(from + to) / 2 y=EDGE_Y - 9 text-anchor="middle" font-size="15">
                        {text(move || medians.with(|m| m[i].map(latency_text).unwrap_or_default()))}
                    </text>
                    <line class="guide" x1=x y1=BOX_Y + BOX_H + 8 x2=x y2=HEIGHT - 4/>
                    <rect class="box" x=x - BOX_HALF y=BOX_Y width=BOX_HALF * 2 height=BOX_H rx="8"/>
                    <text class="hop-label" x=x y=EDGE_Y + 1 text-anchor="middle" dominant-baseline="central" font-size="17">{hop.label()}</text>
                    <text class="unseen-note" x=x y=BOX_Y + BOX_H + 18 text-anchor="middle" font-size="13"
                        data-testid="diagram-not-observable">
                        {text(move || permission().map(|p| format!("not observable: needs {p}")).unwrap_or_default())}
                    </text>
                </g>
            }
        })
        .collect_view();

    let lane_labels = (0..LANES)
        .map(|lane| {
            view! {
                <text class="lane-label" x="8" y=LANE_Y0 + lane as i32 * LANE_DY text-anchor="start"
                    dominant-baseline="central" font-size="14">
                    {text(move || tokens.with(|t| t.get(lane).map(|t| format!("#{}", t.id.0)).unwrap_or_default()))}
                </text>
            }
        })
        .collect_view();

    view! {
        <figure class="pipeline-diagram" data-testid="pipeline-diagram">
            <svg viewBox=format!("0 0 {WIDTH} {HEIGHT}") role="group" aria-labelledby="pipeline-title">
                <title id="pipeline-title">{format!(
                    "The pipeline, {}, with the {LANES} newest flows; the number on each edge is the median latency into the next hop.",
                    Hop::ALL.map(Hop::label).join(" → ")
                )}</title>
                <text class="sent-label" x=SENT_X y=EDGE_Y text-anchor="middle" dominant-baseline="central" font-size="15">"sent"</text>
                {hops}
                {lane_labels}
                <For each=move || tokens.with(|t| t.iter().map(|t| t.id).collect::<Vec<_>>())
                    key=|id| *id
                    children=move |id| token_view(tokens, id)/>
            </svg>
            <figcaption class="legend">
                <span><span class="glyph kind-circle" aria-hidden="true">"●"</span>" I = INSERT"</span>
                <span><span class="glyph kind-square" aria-hidden="true">"■"</span>" M = MODIFY"</span>
                <span><span class="glyph kind-diamond" aria-hidden="true">"◆"</span>" R = REMOVE"</span>
                <span><span class="glyph stuck-glyph" aria-hidden="true">"!"</span>" stuck where it stopped (hover or select for the reason)"</span>
            </figcaption>
        </figure>
    }
}
