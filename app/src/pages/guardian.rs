//! `/guardian`: ask Guardian a question; the answer names the credentials that were used.

use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;

use crate::api::AskGuardian;
use crate::components::key_form::FormError;
use crate::error::ApiError;
use crate::validation::{validate_question, MAX_QUESTION_CHARS, QUESTION_FIELD};

/// The Guardian page.
#[component]
pub fn GuardianPage() -> impl IntoView {
    let ask = ServerAction::<AskGuardian>::new();
    let question = RwSignal::new(String::new());
    let checked = RwSignal::new(false);
    let server_error = Signal::derive(move || ask.value().get().and_then(Result::err));
    let question_error = Signal::derive(move || {
        if checked.get() {
            question.with(|value| validate_question(value).err())
        } else {
            server_error.with(|error| error.as_ref().and_then(|error| error.field_message(QUESTION_FIELD)))
        }
    });
    let form_error = Signal::derive(move || match server_error.get() {
        Some(ApiError::Invalid { .. }) | None => None,
        Some(error) => Some(error.to_string()),
    });
    let submit = move |event: SubmitEvent| {
        event.prevent_default();
        checked.set(true);
        if question.with_untracked(|value| validate_question(value).is_ok()) {
            ask.dispatch(AskGuardian { question: question.get_untracked() });
        }
    };

    view! {
        <Title text="Guardian"/>
        <h1>"Guardian"</h1>
        <section class="card" aria-labelledby="ask-heading">
            <h2 id="ask-heading">"Ask Guardian"</h2>
            <form method="post" action=AskGuardian::PATH on:submit=submit novalidate>
                <FormError message=form_error/>
                <div class="field" class:field-invalid=move || question_error.with(Option::is_some)>
                    <label for="question">"Question"</label>
                    <textarea
                        id="question"
                        name=QUESTION_FIELD
                        rows="4"
                        aria-invalid=move || question_error.with(Option::is_some).to_string()
                        aria-describedby="question-hint question-error"
                        prop:value=move || question.get()
                        on:input=move |event| question.set(event_target_value(&event))
                    ></textarea>
                    <p id="question-hint" class="hint">{format!("At most {MAX_QUESTION_CHARS} characters.")}</p>
                    <p id="question-error" class="field-error" aria-live="polite">{move || question_error.get()}</p>
                </div>
                <div class="form-actions">
                    <button type="submit" class="primary" disabled=move || ask.pending().get()>"Ask Guardian"</button>
                    <Show when=move || ask.pending().get()>
                        <span class="progress" role="status">"Guardian is thinking…"</span>
                    </Show>
                </div>
            </form>
        </section>
        {move || ask.value().get().and_then(Result::ok).map(|answer| view! {
            <section class="card" aria-labelledby="answer-heading">
                <h2 id="answer-heading">"Answer"</h2>
                <p class="answer">{answer.answer}</p>
                <p class="muted">"Answered with " {answer.credentials} "."</p>
            </section>
        })}
    }
}
