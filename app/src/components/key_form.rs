//! The Access Key / Access Secret form, shared by onboarding and the API Keys page.
//!
//! Without JavaScript it is a plain form that posts to the server function. With JavaScript the
//! shared validation runs as the admin types or leaves a field, and the form is only sent when
//! both fields pass; a failed save keeps what was typed.

use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;

use crate::api::{ReplaceKeys, SaveKeys, SecretInput, StoredKeys};
use crate::error::ApiError;
use crate::validation::csv::{looks_like_key_csv, parse_key_csv};
use crate::components::field::{check_fields, FieldState, FormField};
use crate::validation::{validate_access_key, validate_access_secret, ACCESS_KEY_FIELD, ACCESS_SECRET_FIELD};

/// Largest file read as an access key CSV; the AWS console's files are under 1 KiB.
#[cfg(feature = "hydrate")]
const MAX_CSV_BYTES: f64 = 64.0 * 1024.0;

/// Whether the form saves a first pair or replaces the saved one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyFormMode {
    Save,
    Replace,
}

/// The key pair form. `on_saved` runs after the server stored the pair.
#[component]
pub fn KeyForm(
    mode: KeyFormMode,
    #[prop(into)] on_saved: Callback<StoredKeys>,
    /// Where the Cancel link leads; no Cancel link when absent.
    #[prop(optional)]
    cancel_href: Option<&'static str>,
    /// Runs instead of following the Cancel link when JavaScript is on.
    #[prop(optional, into)]
    on_cancel: Option<Callback<()>>,
    /// Moves focus to the Access Key field once the form is shown.
    #[prop(optional)]
    autofocus: bool,
) -> impl IntoView {
    let save = ServerAction::<SaveKeys>::new();
    let replace = ServerAction::<ReplaceKeys>::new();
    let (action_url, pending, result) = match mode {
        KeyFormMode::Save => (SaveKeys::PATH, save.pending(), save.value()),
        KeyFormMode::Replace => (ReplaceKeys::PATH, replace.pending(), replace.value()),
    };

    let key = FieldState::new();
    let secret = FieldState::new();
    let server_error = Signal::derive(move || result.get().and_then(Result::err));
    let key_error = key.error(ACCESS_KEY_FIELD, |value| validate_access_key(value).err(), server_error);
    let secret_error = secret.error(ACCESS_SECRET_FIELD, |value| validate_access_secret(value).err(), server_error);
    // Filling both fields from an AWS console CSV, whether dropped, picked or pasted.
    let csv_error = RwSignal::new(None::<String>);
    let fill_from_csv = Callback::new(move |text: String| match parse_key_csv(&text) {
        Ok((key_id, secret_key)) => {
            key.value.set(key_id);
            secret.value.set(secret_key);
            key.checked.set(true);
            secret.checked.set(true);
            csv_error.set(None);
        }
        Err(message) => csv_error.set(Some(message)),
    });
    let paste_handler = Callback::new(move |event: leptos::ev::ClipboardEvent| paste_csv(event, fill_from_csv));
    let form_error = Signal::derive(move || match server_error.get() {
        Some(ApiError::Invalid { .. }) | None => None,
        Some(error) => Some(error.to_string()),
    });

    Effect::new(move |_| {
        if let Some(Ok(stored)) = result.get() {
            key.clear();
            secret.clear();
            on_saved.run(stored);
        }
    });
    Effect::new(move |_| {
        if autofocus && key.input.get().is_some() {
            key.focus();
        }
    });

    let submit = move |event: SubmitEvent| {
        event.prevent_default();
        if !check_fields(&[(key, key_error), (secret, secret_error)]) {
            return;
        }
        let access_key = key.value.get_untracked();
        let access_secret = SecretInput::new(secret.value.get_untracked());
        match mode {
            KeyFormMode::Save => save.dispatch(SaveKeys { access_key, access_secret }),
            KeyFormMode::Replace => replace.dispatch(ReplaceKeys { access_key, access_secret }),
        };
    };

    view! {
        <form
            class="key-form"
            method="post"
            action=action_url
            on:submit=submit
            on:dragover=|event: leptos::ev::DragEvent| event.prevent_default()
            on:drop=move |event: leptos::ev::DragEvent| drop_csv(event, fill_from_csv, csv_error)
            novalidate
        >
            <FormError message=form_error/>
            <FormField
                id="access-key"
                name=ACCESS_KEY_FIELD
                label="Access Key"
                hint="The access key ID: 20 characters, starting with AKIA."
                input_type="text"
                autocomplete="off"
                state=key
                error=key_error
                autofocus=autofocus
                on_paste=paste_handler
            />
            <FormField
                id="access-secret"
                name=ACCESS_SECRET_FIELD
                label="Access Secret"
                hint="The secret access key: 40 characters, shown only once when the key was created."
                input_type="password"
                autocomplete="off"
                state=secret
                error=secret_error
                on_paste=paste_handler
            />
            <CsvImport on_csv=fill_from_csv error=csv_error/>
            <div class="form-actions">
                <button type="submit" class="primary" aria-busy=move || pending.get().to_string() disabled=move || pending.get()>
                    "Save"
                </button>
                <CancelLink href=cancel_href on_cancel=on_cancel/>
                <span class="progress" aria-live="polite">{move || pending.get().then_some("Saving…")}</span>
            </div>
        </form>
    }
}

/// A message for the whole form, such as an unavailable database.
#[component]
pub fn FormError(message: Signal<Option<String>>) -> impl IntoView {
    view! {
        <Show when=move || message.with(Option::is_some)>
            <p class="alert alert-error" role="alert">{move || message.get()}</p>
        </Show>
    }
}

#[component]
fn CancelLink(href: Option<&'static str>, on_cancel: Option<Callback<()>>) -> impl IntoView {
    href.map(|href| {
        let click = move |event: leptos::ev::MouseEvent| {
            if let Some(on_cancel) = on_cancel {
                event.prevent_default();
                on_cancel.run(());
            }
        };
        view! { <a class="button secondary" href=href on:click=click>"Cancel"</a> }
    })
}

/// The file picker for the AWS console's CSV, with its message. The input has no `name`, so
/// a form post never uploads the file.
#[component]
fn CsvImport(on_csv: Callback<String>, error: RwSignal<Option<String>>) -> impl IntoView {
    view! {
        <div class="csv-import">
            <label for="key-csv">"Or import the .csv file from the AWS console"</label>
            <input
                id="key-csv"
                type="file"
                accept=".csv,text/csv"
                aria-describedby="key-csv-hint key-csv-error"
                on:change=move |event: leptos::ev::Event| pick_csv(event, on_csv, error)
            />
            <p id="key-csv-hint" class="hint">
                "You can also drop the file on this form, or paste its text into either field. The file is read in your browser and never uploaded."
            </p>
            <p id="key-csv-error" class="field-error" role="alert">{move || error.get()}</p>
        </div>
    }
}

/// Fills the form when the pasted text is an access key CSV; other text is pasted as usual.
fn paste_csv(event: leptos::ev::ClipboardEvent, on_csv: Callback<String>) {
    #[cfg(feature = "hydrate")]
    {
        let text = event.clipboard_data().and_then(|data| data.get_data("text").ok()).unwrap_or_default();
        if looks_like_key_csv(&text) {
            event.prevent_default();
            on_csv.run(text);
        }
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (event, on_csv, looks_like_key_csv);
}

fn drop_csv(event: leptos::ev::DragEvent, on_csv: Callback<String>, error: RwSignal<Option<String>>) {
    event.prevent_default();
    #[cfg(feature = "hydrate")]
    {
        let file = event.data_transfer().and_then(|data| data.files()).and_then(|files| files.get(0));
        if let Some(file) = file {
            read_csv_file(file, on_csv, error);
        }
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (on_csv, error);
}

fn pick_csv(event: leptos::ev::Event, on_csv: Callback<String>, error: RwSignal<Option<String>>) {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsCast;
        let Some(input) = event.target().and_then(|target| target.dyn_into::<web_sys::HtmlInputElement>().ok()) else {
            return;
        };
        if let Some(file) = input.files().and_then(|files| files.get(0)) {
            read_csv_file(file, on_csv, error);
        }
        // Picking the same file again after fixing it must fire `change` again.
        input.set_value("");
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (event, on_csv, error);
}

#[cfg(feature = "hydrate")]
fn read_csv_file(file: web_sys::File, on_csv: Callback<String>, error: RwSignal<Option<String>>) {
    if file.size() > MAX_CSV_BYTES {
        error.set(Some("This file is too large to be an access key CSV. Use the .csv that the AWS console downloads when it creates an access key.".into()));
        return;
    }
    leptos::task::spawn_local(async move {
        match wasm_bindgen_futures::JsFuture::from(file.text()).await {
            Ok(text) => on_csv.run(text.as_string().unwrap_or_default()),
            Err(_) => error.set(Some("The file could not be read. Pick it again, or paste its text into a field.".into())),
        }
    });
}
