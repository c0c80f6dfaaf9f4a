//! One request in detail: what was sent, what was signed, what came back.

use labmate_core::command_line::{awscurl_command, curl_command, Secrets};
use labmate_core::signing::{explain_later, SigningError};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::aws::client::{Exchange, Outcome};
use crate::browser;
use crate::state::use_state;
use crate::ui::projector::masked;
use crate::ui::reactive::{flag, nothing, on_change, on_click, part, text};

const TOKEN_HEADER: &str = "x-amz-security-token";

#[component]
pub fn ExchangeDetail() -> impl IntoView {
    let state = use_state();
    let copied = RwSignal::new(None::<String>);
    let selected = move || {
        let id = state.selected_exchange.get()?;
        state
            .exchanges
            .with(|x| x.iter().find(|e| e.id == id).cloned())
    };
    let secrets = move || {
        if state.secrets_visible() {
            Secrets::Revealed
        } else {
            Secrets::Masked
        }
    };
    let copy = move |text: String, what: &'static str| {
        spawn_local(async move {
            copied.set(Some(match browser::copy_to_clipboard(&text).await {
                Ok(()) => format!("{what} copied."),
                Err(e) => format!("Could not copy: {e}"),
            }));
        });
    };

    let detail = move |e: Exchange| {
        let shown = secrets();
        // Projector mode masks account and key ids in everything shown
        // (copies keep them: they go to the clipboard, not the wall).
        let m = move |t: String| masked(&state, t);
        let headers = e
            .signed
            .headers
            .iter()
            .map(|(n, v)| {
                let value = if n.eq_ignore_ascii_case(TOKEN_HEADER) && shown == Secrets::Masked {
                    format!("•••• ({} characters, hidden)", v.len())
                } else {
                    v.clone()
                };
                m(format!("{n}: {value}"))
            })
            .collect::<Vec<_>>()
            .join("\n");
        // A poller's request was signed without its explanation: it is
        // built now, by signing it again with the credentials the page
        // holds, and shown only if it gives the signature that was sent.
        let explained = state.credentials.with_untracked(|c| match c {
            Some(p) => explain_later(&e.signed, &p.credentials),
            None => Err(SigningError::CredentialsReplaced),
        });
        let explanation = match explained {
            Ok(x) => view! {
                <h4>"Canonical request"<span class="muted">" (from the signer; secrets redacted)"</span></h4>
                <pre class="code" data-testid="canonical-request">{m(x.canonical_request)}</pre>
                <h4>"String to sign"</h4>
                <pre class="code" data-testid="string-to-sign">{m(x.string_to_sign)}</pre>
                <dl class="identity">
                    <dt>"Scope"</dt><dd class="mono">{x.credential_scope}</dd>
                    <dt>"Signed headers"</dt><dd class="mono" data-testid="signed-headers">{x.signed_headers}</dd>
                    <dt>"Signature"</dt><dd class="mono" data-testid="signature">{x.signature}</dd>
                </dl>
            }
            .into_any(),
            Err(why) => view! {
                <p class="error" data-testid="explanation-unavailable">{m(why.to_string())}</p>
                <dl class="identity">
                    <dt>"Signature"</dt><dd class="mono" data-testid="signature">{e.signed.signature.clone()}</dd>
                </dl>
            }
            .into_any(),
        };
        let curl = curl_command(&e.signed, shown);
        let awscurl = state.credentials.with_untracked(|c| {
            c.as_ref().map(|p| {
                awscurl_command(
                    &e.signed,
                    e.service.signing_name(),
                    &e.region,
                    &p.credentials,
                    shown,
                )
            })
        });
        let outcome = match e.outcome.clone() {
            Outcome::Pending => view! { <p class="muted">"Waiting for the answer…"</p> }.into_any(),
            Outcome::Unreachable { message } => {
                view! { <p class="error" data-testid="exchange-error">{m(message)}</p> }.into_any()
            }
            Outcome::Answered {
                status,
                body,
                request_id,
                elapsed_ms,
                error,
            } => view! {
                <h4>{format!("Answer: {status} in {elapsed_ms} ms")}</h4>
                {request_id.map(|id| view! { <p class="mono">"x-amzn-RequestId: "{id}</p> })}
                {error.map(|t| view! { <p class="error" data-testid="exchange-error">{m(t)}</p> })}
                <pre class="code" data-testid="response-body">{m(body)}</pre>
            }
            .into_any(),
        };
        view! {
            <div class="exchange-detail" data-testid="exchange-detail">
                <h3 class="mono">{m(format!("{} {}", e.signed.method, e.signed.url))}</h3>
                {e.sent_to.map(|to| view! {
                    <p class="muted" data-testid="sent-through">"Sent through the same-origin route "<span class="mono">{to}</span>", signed for the host above."</p>
                })}
                <h4>"Headers sent"</h4>
                <pre class="code" data-testid="headers-sent">{headers}</pre>
                {explanation}
                <div class="row">
                    <button data-testid="copy-curl" on:click={let c = curl.clone(); on_click(move |_| copy(c.clone(), "curl command"))}>"Copy as curl"</button>
                    {awscurl.map(|a| view! {
                        <button data-testid="copy-awscurl" on:click=on_click(move |_| copy(a.clone(), "awscurl command"))>"Copy as awscurl"</button>
                    })}
                    <label class="toggle">
                        <input type="checkbox" data-testid="reveal-secrets"
                            prop:disabled=flag(move || state.projector.get())
                            prop:checked=flag(move || state.secrets_visible())
                            on:change=on_change(move |ev| state.reveal_secrets.set(event_target_checked(&ev)))/>
                        {text(move || if state.projector.get() { " Reveal secrets (off in projector mode)" } else { " Reveal secrets" }.to_owned())}
                    </label>
                    <span class="muted">{text(move || copied.get().unwrap_or_default())}</span>
                </div>
                <pre class="code" data-testid="curl-command">{m(curl.clone())}</pre>
                {outcome}
            </div>
        }
        .into_any()
    };
    part(move || match selected() {
        Some(e) => detail(e),
        None => nothing(),
    })
}
