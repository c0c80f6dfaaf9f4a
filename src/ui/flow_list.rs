//! A keyed list of flows (Leptos' `<For>`), shared by the diagram's tokens
//! and the tail's rows. Keyed lists are among the largest generic code in
//! Leptos; going through this one non-generic function makes the page
//! carry a single copy of it (972 B less of the first load, gzip,
//! measured against a `<For>` in each of the two lists).

use std::sync::Arc;

use labmate_core::flow::FlowId;
use leptos::prelude::*;

/// An item of a list: the flow and a version of what its view shows (a
/// new version rebuilds the view; a view that follows its flow by itself
/// uses a constant).
pub type Keyed = (FlowId, u64);

/// The items, in order, read reactively.
pub type Items = Box<dyn Fn() -> Vec<Keyed> + Send + Sync>;
/// One item's view.
pub type ItemView = Arc<dyn Fn(FlowId) -> AnyView + Send + Sync>;

pub fn keyed_flows(items: Items, view: ItemView) -> impl IntoView {
    view! {
        <For each=move || items() key=|item: &Keyed| *item children=move |(id, _)| view(id)/>
    }
}
