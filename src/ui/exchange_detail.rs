//! One request in detail: what was sent, what was signed, what came back.

use labmate_core::command_line::{awscurl_command, curl_command, Secrets};
use labmate_core::guide::with_values;
use labmate_core::signing::{explain_later, SigningError};
use labmate_core::word;
use labmate_core::words::Lang;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::aws::client::{Exchange, Outcome};
use crate::browser::{self, NotCopied};
use crate::lang::use_lang;
use crate::state::use_state;
use crate::ui::copy_button::CopyByHand;
use crate::ui::guide_words::line;
use crate::ui::projector::masked;
use crate::ui::reactive::{flag, nothing, on_change, on_click, part, text};

const TOKEN_HEADER: &str = "x-amz-security-token";

/// A command the learner can copy.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Command {
    Curl,
    Awscurl,
}

/// What the last copy did.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Copied {
    Done(Command),
    /// The browser's reason, and the command, to copy by hand.
    Failed(NotCopied, String),
}

impl Copied {
    fn worded(&self, lang: Lang, v: &dyn Fn(&str) -> String) -> String {
        match self {
            Copied::Done(Command::Curl) => word!(lang, send.copied_curl).to_owned(),
            Copied::Done(Command::Awscurl) => word!(lang, send.copied_awscurl).to_owned(),
            Copied::Failed(e, _) => word!(lang, send.copy_failed)(&v(&e.words(lang))),
        }
    }
}

#[component]
pub fn ExchangeDetail() -> impl IntoView {
    let state = use_state();
    let lang = use_lang();
    let copied = RwSignal::new(None::<Copied>);
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
    let copy = move |text: String, what: Command| {
        spawn_local(async move {
            let outcome = browser::copy_to_clipboard(&text).await;
            copied.set(Some(match outcome {
                Ok(()) => Copied::Done(what),
                Err(e) => Copied::Failed(e, text),
            }));
        });
    };

    let detail = move |e: Exchange| {
        let shown = secrets();
        let l = lang.get();
        // Projector mode masks account and key ids in everything shown
        // (copies keep them: they go to the clipboard, not the wall).
        let m = move |t: String| masked(&state, t);
        let headers = e
            .signed
            .headers
            .iter()
            .map(|(n, v)| {
                let value = if n.eq_ignore_ascii_case(TOKEN_HEADER) && shown == Secrets::Masked {
                    word!(l, send.token_hidden)(v.len())
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
                <h4>{word!(l, send.canonical_request)}<span class="muted">{word!(l, send.canonical_request_note)}</span></h4>
                <pre class="code" data-testid="canonical-request">{m(x.canonical_request)}</pre>
                <h4>{word!(l, send.string_to_sign)}</h4>
                <pre class="code" data-testid="string-to-sign">{m(x.string_to_sign)}</pre>
                <dl class="identity">
                    <dt>{word!(l, send.scope)}</dt><dd class="mono">{x.credential_scope}</dd>
                    <dt>{word!(l, send.signed_headers)}</dt><dd class="mono" data-testid="signed-headers">{x.signed_headers}</dd>
                    <dt>{word!(l, send.signature)}</dt><dd class="mono" data-testid="signature">{x.signature}</dd>
                </dl>
            }
            .into_any(),
            Err(why) => view! {
                <p class="error" data-testid="explanation-unavailable">{line(with_values(|v| why.worded(l, v)), m)}</p>
                <dl class="identity">
                    <dt>{word!(l, send.signature)}</dt><dd class="mono" data-testid="signature">{e.signed.signature.clone()}</dd>
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
            Outcome::Pending => view! { <p class="muted">{word!(l, send.waiting_for_answer)}</p> }.into_any(),
            Outcome::Unreachable { error } => {
                view! { <p class="error" data-testid="exchange-error">{line(with_values(|v| error.worded(l, v)), m)}</p> }.into_any()
            }
            Outcome::Answered {
                status,
                body,
                request_id,
                elapsed_ms,
                error,
            } => view! {
                <h4>{word!(l, send.answer_heading)(status, elapsed_ms)}</h4>
                {request_id.map(|id| view! { <p class="mono">"x-amzn-RequestId: "{id}</p> })}
                {error.map(|e| view! { <p class="error" data-testid="exchange-error">{line(with_values(|v| e.worded(l, v)), m)}</p> })}
                <pre class="code" data-testid="response-body">{m(body)}</pre>
            }
            .into_any(),
        };
        view! {
            <div class="exchange-detail" data-testid="exchange-detail">
                <h3 class="mono">{m(format!("{} {}", e.signed.method, e.signed.url))}</h3>
                {e.sent_to.map(|to| view! {
                    <p class="muted" data-testid="sent-through">{word!(l, send.sent_through)(&to)}</p>
                })}
                <h4>{word!(l, send.headers_sent)}</h4>
                <pre class="code" data-testid="headers-sent">{headers}</pre>
                {explanation}
                <div class="row">
                    <button data-testid="copy-curl" on:click={let c = curl.clone(); on_click(move |_| copy(c.clone(), Command::Curl))}>{word!(l, send.copy_as_curl)}</button>
                    {awscurl.map(|a| view! {
                        <button data-testid="copy-awscurl" on:click=on_click(move |_| copy(a.clone(), Command::Awscurl))>{word!(l, send.copy_as_awscurl)}</button>
                    })}
                    <label class="toggle">
                        <input type="checkbox" data-testid="reveal-secrets"
                            prop:disabled=flag(move || state.projector.get())
                            prop:checked=flag(move || state.secrets_visible())
                            on:change=on_change(move |ev| state.reveal_secrets.set(event_target_checked(&ev)))/>
                        {text(move || {
                            let l = lang.get();
                            if state.projector.get() { word!(l, send.reveal_secrets_projector) } else { word!(l, send.reveal_secrets) }.to_owned()
                        })}
                    </label>
                    <span class="muted">{part(move || {
                        let l = lang.get();
                        match copied.get() {
                            Some(c) => line(with_values(|v| c.worded(l, v)), |t| t).into_any(),
                            None => nothing(),
                        }
                    })}</span>
                    {part(move || match copied.get() {
                        Some(Copied::Failed(_, command)) => view! { <CopyByHand text=command/> }.into_any(),
                        _ => nothing(),
                    })}
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
