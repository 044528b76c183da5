//! A labelled form input whose error is computed by the shared validation in the browser and
//! announced to screen readers.

use leptos::html;
use leptos::prelude::*;

use crate::error::ApiError;

/// One field's state: its value, whether its own validation shows yet, and its input element.
#[derive(Clone, Copy)]
pub struct FieldState {
    pub value: RwSignal<String>,
    /// Set once the field was left with a value or the form was submitted; from then on its
    /// message follows every keystroke.
    pub checked: RwSignal<bool>,
    pub input: NodeRef<html::Input>,
}

impl FieldState {
    /// Creates an empty field.
    pub fn new() -> Self {
        Self { value: RwSignal::new(String::new()), checked: RwSignal::new(false), input: NodeRef::new() }
    }

    /// Builds the message shown under the field: the browser's own validation once the field
    /// is checked, otherwise the server's message for `name` from the last submit.
    pub fn error(
        self,
        name: &'static str,
        validate: impl Fn(&str) -> Option<String> + Send + Sync + 'static,
        server_error: Signal<Option<ApiError>>,
    ) -> Signal<Option<String>> {
        Signal::derive(move || {
            if self.checked.get() {
                self.value.with(|value| validate(value))
            } else {
                server_error.with(|error| error.as_ref().and_then(|error| error.field_message(name)))
            }
        })
    }

    /// Empties the field after a successful submit.
    pub fn clear(self) {
        self.value.set(String::new());
        self.checked.set(false);
    }

    /// Moves keyboard focus to the field.
    pub fn focus(self) {
        if let Some(input) = self.input.get_untracked() {
            let _ = input.focus();
        }
    }
}

impl Default for FieldState {
    fn default() -> Self {
        Self::new()
    }
}

/// The labelled input with its hint and error.
#[component]
pub fn FormField(
    id: &'static str,
    name: &'static str,
    label: &'static str,
    #[prop(optional)] hint: Option<&'static str>,
    input_type: &'static str,
    autocomplete: &'static str,
    state: FieldState,
    error: Signal<Option<String>>,
    #[prop(optional)] autofocus: bool,
    /// Runs on paste, e.g. to read a whole file's text pasted into one field.
    #[prop(optional)]
    on_paste: Option<Callback<leptos::ev::ClipboardEvent>>,
) -> impl IntoView {
    let hint_id = format!("{id}-hint");
    let error_id = format!("{id}-error");
    let described_by = if hint.is_some() { format!("{hint_id} {error_id}") } else { error_id.clone() };
    let invalid = move || error.with(Option::is_some).to_string();

    view! {
        <div class="field" class:field-invalid=move || error.with(Option::is_some)>
            <label for=id>{label}</label>
            <input
                id=id
                name=name
                type=input_type
                autocomplete=autocomplete
                autocapitalize="off"
                spellcheck="false"
                autofocus=autofocus
                aria-invalid=invalid
                aria-describedby=described_by
                node_ref=state.input
                prop:value=move || state.value.get()
                on:input=move |event| state.value.set(event_target_value(&event))
                on:blur=move |_| {
                    if !state.value.with_untracked(String::is_empty) {
                        state.checked.set(true);
                    }
                }
                on:paste=move |event| {
                    if let Some(on_paste) = on_paste {
                        on_paste.run(event);
                    }
                }
            />
            {hint.map(|hint| view! { <p id=hint_id class="hint">{hint}</p> })}
            <p id=error_id class="field-error" aria-live="polite">{move || error.get()}</p>
        </div>
    }
}

/// Marks every field checked and focuses the first one with an error. Returns whether all
/// fields are valid.
pub fn check_fields(fields: &[(FieldState, Signal<Option<String>>)]) -> bool {
    for (state, _) in fields {
        state.checked.set(true);
    }
    match fields.iter().find(|(_, error)| error.with_untracked(Option::is_some)) {
        Some((state, _)) => {
            state.focus();
            false
        }
        None => true,
    }
}
