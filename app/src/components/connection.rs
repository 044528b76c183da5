//! The connection check: where Guardian's calls go, the latest result, and the Test connection
//! button with its progress.

use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;

use crate::api::{BedrockTarget, CheckView, TestConnection};
use crate::time::format_utc;

/// The Region and model Guardian calls, read-only.
#[component]
pub fn BedrockTargetNote(target: BedrockTarget) -> impl IntoView {
    view! {
        <p class="muted target">
            "Guardian calls the model " <code>{target.model_id}</code> " in the AWS Region " <code>{target.region}</code>
            ". Access to this model must be enabled in the Bedrock console of that Region."
        </p>
    }
}

/// The latest check result, the Test connection button and its progress. `action` belongs to
/// the page, so a check started right after a save shows here too.
#[component]
pub fn ConnectionCheck(
    action: ServerAction<TestConnection>,
    /// The stored result when the page loaded.
    last_check: Option<CheckView>,
    can_test: bool,
) -> impl IntoView {
    let current = Signal::derive(move || match action.value().get() {
        Some(Ok(check)) => Some(check),
        _ => last_check.clone(),
    });
    let error = Signal::derive(move || action.value().get().and_then(Result::err).map(|error| error.to_string()));
    let pending = action.pending();
    let submit = move |event: SubmitEvent| {
        event.prevent_default();
        action.dispatch(TestConnection {});
    };

    view! {
        <div class="connection-check" aria-live="polite">
            <h3>"Connection"</h3>
            <CheckResult check=current/>
            <Show when=move || pending.get()>
                <p class="progress" role="status">"Testing connection… this takes at most 15 seconds."</p>
            </Show>
            {move || error.get().map(|message| view! { <p class="alert alert-error" role="alert">{message}</p> })}
            {can_test.then(|| view! {
                <form method="post" action=TestConnection::PATH on:submit=submit>
                    <button type="submit" class="secondary" disabled=move || pending.get()>"Test connection"</button>
                </form>
            })}
        </div>
    }
}

#[component]
fn CheckResult(check: Signal<Option<CheckView>>) -> impl IntoView {
    move || match check.get() {
        None => view! { <p class="muted">"Not checked yet."</p> }.into_any(),
        Some(check) => {
            let (class, role, label) =
                if check.succeeded { ("alert alert-success", "status", "Connected") } else { ("alert alert-error", "alert", "Connection failed") };
            view! {
                <div class=class role=role>
                    <p class="check-title">
                        "Last checked " <time>{format_utc(check.checked_at)}</time> " with " {check.credentials} ": "
                        <strong>{label}</strong>
                    </p>
                    <p class="check-message">{check.message}</p>
                </div>
            }
            .into_any()
        }
    }
}
