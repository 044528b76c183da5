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
    /// The value sent with the last submit, which the server's message for the field is about.
    pub submitted: RwSignal<Option<String>>,
    pub input: NodeRef<html::Input>,
}

impl FieldState {
    /// Creates an empty field.
    pub fn new() -> Self {
        Self {
            value: RwSignal::new(String::new()),
            checked: RwSignal::new(false),
            submitted: RwSignal::new(None),
            input: NodeRef::new(),
        }
    }

    /// Builds the message shown under the field. Once the field is checked, the browser's own
    /// validation comes first. The server's message for `name` from the last submit shows when
    /// that validation passes (a wrong setup token, a taken email) until the value is edited.
    pub fn error(
        self,
        name: &'static str,
        validate: impl Fn(&str) -> Option<String> + Send + Sync + 'static,
        server_error: Signal<Option<ApiError>>,
    ) -> Signal<Option<String>> {
        Signal::derive(move || {
            let server_message = || server_error.with(|error| error.as_ref().and_then(|error| error.field_message(name)));
            if !self.checked.get() {
                return server_message();
            }
            if let Some(message) = self.value.with(|value| validate(value)) {
                return Some(message);
            }
            let unchanged = self.value.with(|value| self.submitted.with(|submitted| submitted.as_deref() == Some(value.as_str())));
            if unchanged {
                server_message()
            } else {
                None
            }
        })
    }

    /// Empties the field after a successful submit.
    pub fn clear(self) {
        self.value.set(String::new());
        self.checked.set(false);
        self.submitted.set(None);
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
                // Removing a focused input fires blur too, after a successful submit has
                // disposed the field's signals, so this handler must not assume they exist.
                on:blur=move |_| {
                    if state.value.try_with_untracked(|value| !value.is_empty()) == Some(true) {
                        state.checked.try_set(true);
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

/// Marks every field checked and focuses the first one that fails validation. Returns whether
/// all fields pass, and then records their values as the ones being submitted.
pub fn check_fields(fields: &[(FieldState, Signal<Option<String>>)]) -> bool {
    // Forgetting the last submitted values hides the server's messages, so only the browser's
    // own validation can stop this submit.
    for (state, _) in fields {
        state.checked.set(true);
        state.submitted.set(None);
    }
    if let Some((state, _)) = fields.iter().find(|(_, error)| error.with_untracked(Option::is_some)) {
        state.focus();
        return false;
    }
    for (state, _) in fields {
        state.submitted.set(Some(state.value.get_untracked()));
    }
    true
}
