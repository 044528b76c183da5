//! Settings → AI Settings → API Keys: the organization's AWS Bedrock access credentials.

use leptos::ev::SubmitEvent;
use leptos::html;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use leptos_router::hooks::{use_navigate, use_query_map};

use crate::api::{key_status, DeleteKeys, KeyState, KeyStatusView, RotationView, StoredKeys, TestConnection};
use crate::components::audit::RecentAudit;
use crate::components::connection::{BedrockTargetNote, ConnectionCheck};
use crate::components::dialog::{close_dialog, open_dialog};
use crate::components::key_form::{FormError, KeyForm, KeyFormMode};
use crate::time::format_utc;

const PAGE_PATH: &str = "/settings/ai/api-keys";
const DELETE_PAGE_PATH: &str = "/settings/ai/api-keys/delete";

/// A confirmation shown above the credentials after an action. Replace and Delete remind the
/// admin to retire the old access key in IAM too, because it stays valid there.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Notice {
    Saved { previous_access_key_id: Option<String> },
    Deleted { access_key_id: String },
}

impl Notice {
    fn text(&self) -> String {
        match self {
            Notice::Saved { previous_access_key_id: None } => "Keys saved. Guardian now calls Bedrock with these keys.".to_owned(),
            Notice::Saved { previous_access_key_id: Some(previous) } => format!(
                "Keys replaced. Once the connection check passes, deactivate and then delete the old access key {previous} in AWS IAM (IAM → Users → Security credentials)."
            ),
            Notice::Deleted { access_key_id } => format!(
                "Keys deleted. Guardian now uses the default credentials. If nothing else uses the access key {access_key_id}, deactivate and delete it in AWS IAM too (IAM → Users → Security credentials)."
            ),
        }
    }

    fn is_save(&self) -> bool {
        matches!(self, Notice::Saved { .. })
    }

    /// Reads the notice that a form post without JavaScript redirected to.
    fn from_query(query: &leptos_router::params::ParamsMap) -> Option<Self> {
        let is_key_id = |value: &str| value.len() <= 128 && value.chars().all(|c| c.is_ascii_alphanumeric());
        if query.get_str("saved").is_some() {
            let previous_access_key_id = query.get("previous").filter(|previous| is_key_id(previous));
            Some(Notice::Saved { previous_access_key_id })
        } else {
            query.get("deleted").filter(|deleted| is_key_id(deleted)).map(|access_key_id| Notice::Deleted { access_key_id })
        }
    }
}

/// The API Keys page.
#[component]
pub fn ApiKeysPage() -> impl IntoView {
    let query = use_query_map();
    let notice = RwSignal::new(query.with_untracked(Notice::from_query));
    let replacing = RwSignal::new(query.with_untracked(|query| query.get_str("replace").is_some()));
    let refresh = RwSignal::new(0_u32);
    let status = Resource::new(move || refresh.get(), |_| key_status());
    let test = ServerAction::<TestConnection>::new();

    // Saving only stores the keys, so a check follows to show whether they work. The server
    // deletes the stored check result on every change, and the page clears its own.
    let after_change = Callback::new(move |change: Notice| {
        let saved = change.is_save();
        notice.set(Some(change));
        replacing.set(false);
        test.value().set(None);
        refresh.update(|count| *count += 1);
        if saved {
            test.dispatch(TestConnection {});
        }
    });

    view! {
        <Title text="API Keys"/>
        <h1>"API Keys"</h1>
        <section class="card" aria-labelledby="bedrock-credentials-heading">
            <h2 id="bedrock-credentials-heading">"AWS Bedrock Access Credentials"</h2>
            <p class="lead">
                "Guardian calls models on AWS Bedrock. It uses the platform's default AWS credentials unless you save an access key of your own here."
            </p>
            <NoticeBanner notice/>
            <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match status.await {
                        Ok(view) => view! { <CredentialsPanel status=view replacing after_change test/> }.into_any(),
                        Err(error) => view! { <p class="alert alert-error" role="alert">{error.to_string()}</p> }.into_any(),
                    }
                })}
            </Transition>
            // Outside the Transition, so that the entries load once per change rather than
            // once per render of the panel.
            <RecentAudit refresh=Signal::derive(move || test.version().get() + refresh.get() as usize)/>
        </section>
    }
}

#[component]
fn NoticeBanner(notice: RwSignal<Option<Notice>>) -> impl IntoView {
    view! {
        <div aria-live="polite">
            {move || notice.get().map(|notice| view! { <p class="alert alert-success">{notice.text()}</p> })}
        </div>
    }
}

/// The saved keys, or the form when none are saved, then the connection check.
#[component]
fn CredentialsPanel(
    status: KeyStatusView,
    replacing: RwSignal<bool>,
    after_change: Callback<Notice>,
    test: ServerAction<TestConnection>,
) -> impl IntoView {
    let can_manage = status.can_manage;
    let keys_last_used_at = status.keys_last_used_at;
    let configured = status.access_key_id().is_some();
    let rotation = status.rotation.clone();
    view! {
        <BedrockTargetNote target=status.target.clone()/>
        {rotation.map(|rotation| view! { <RotationNote rotation/> })}
        <KeysState status=status.clone() replacing after_change/>
        {configured.then(|| view! { <LastUsed at=keys_last_used_at/> })}
        <ConnectionCheck action=test last_check=status.last_check can_test=can_manage/>
    }
}

/// The keys' age, and past the rotation policy a reminder with the rotation steps.
#[component]
fn RotationNote(rotation: RotationView) -> impl IntoView {
    let age = match rotation.age_days {
        0 => "saved today".to_owned(),
        1 => "saved 1 day ago".to_owned(),
        days => format!("saved {days} days ago"),
    };
    if !rotation.due {
        return view! { <p class="muted">"These keys were " {age} "."</p> }.into_any();
    }
    view! {
        <div class="alert alert-warning" role="status">
            <p><strong>"Time to rotate these keys: they were " {age} ", more than " {rotation.max_age_days} " days."</strong></p>
            <ol>
                <li>"In AWS IAM, create a new access key for the same IAM user."</li>
                <li>"Replace the keys here with the new pair."</li>
                <li>"Test the connection."</li>
                <li>"Deactivate the old access key in IAM, then delete it once nothing fails."</li>
            </ol>
        </div>
    }
    .into_any()
}

/// When Guardian last called Bedrock with the saved keys.
#[component]
fn LastUsed(at: Option<i64>) -> impl IntoView {
    let text = match at {
        Some(at) => format!("Guardian last used these keys at {}.", format_utc(at)),
        None => "Guardian has not used these keys yet.".to_owned(),
    };
    view! { <p class="muted">{text}</p> }
}

#[component]
fn KeysState(status: KeyStatusView, replacing: RwSignal<bool>, after_change: Callback<Notice>) -> impl IntoView {
    let can_manage = status.can_manage;
    let on_saved = Callback::new(move |stored: StoredKeys| {
        after_change.run(Notice::Saved { previous_access_key_id: stored.previous_access_key_id })
    });
    match status.state {
        KeyState::NotConfigured => view! {
            <p class="status-line">"Guardian is using the default credentials."</p>
            {can_manage.then(|| view! { <KeyForm mode=KeyFormMode::Save on_saved/> })}
        }
        .into_any(),
        KeyState::Configured { access_key_id, saved_at } => view! {
            <SavedKeys access_key_id saved_at/>
            {can_manage.then(|| view! { <ManageKeys replacing on_saved after_change/> })}
        }
        .into_any(),
        KeyState::Unreadable { access_key_id, saved_at } => view! {
            <p class="alert alert-error" role="alert">
                "The stored keys cannot be read, so Guardian cannot use them. Enter the keys again with Replace, or delete them."
            </p>
            <SavedKeys access_key_id saved_at/>
            {can_manage.then(|| view! { <ManageKeys replacing on_saved after_change/> })}
        }
        .into_any(),
    }
}

/// The Access Key ID and when it was saved. The secret is never shown.
#[component]
pub fn SavedKeys(access_key_id: String, saved_at: i64) -> impl IntoView {
    view! {
        <dl class="saved-keys">
            <div>
                <dt>"Access Key ID"</dt>
                <dd><code class="key-id">{access_key_id}</code></dd>
            </div>
            <div>
                <dt>"Access Secret"</dt>
                <dd>"Stored encrypted; it is never shown again."</dd>
            </div>
            <div>
                <dt>"Saved"</dt>
                <dd><time>{format_utc(saved_at)}</time></dd>
            </div>
        </dl>
    }
}

/// The Replace and Delete controls, or the replace form while replacing.
#[component]
fn ManageKeys(replacing: RwSignal<bool>, on_saved: Callback<StoredKeys>, after_change: Callback<Notice>) -> impl IntoView {
    let open_replace = move |event: SubmitEvent| {
        event.prevent_default();
        replacing.set(true);
    };
    let cancel = Callback::new(move |()| replacing.set(false));

    view! {
        <Show
            when=move || replacing.get()
            fallback=move || view! {
                <div class="form-actions">
                    <form method="get" action=PAGE_PATH on:submit=open_replace>
                        <input type="hidden" name="replace" value="1"/>
                        <button type="submit" class="secondary">"Replace"</button>
                    </form>
                    <DeleteKeysControl after_change/>
                </div>
            }
        >
            <h3>"Replace the saved keys"</h3>
            <p class="muted">"The new pair takes the place of the old one in one step."</p>
            <KeyForm mode=KeyFormMode::Replace on_saved cancel_href=PAGE_PATH on_cancel=cancel autofocus=true/>
        </Show>
    }
}

/// The Delete button and its confirmation dialog. Without JavaScript the button leads to the
/// confirmation page instead.
#[component]
fn DeleteKeysControl(after_change: Callback<Notice>) -> impl IntoView {
    let dialog = NodeRef::<html::Dialog>::new();
    let delete = ServerAction::<DeleteKeys>::new();
    let error = Signal::derive(move || delete.value().get().and_then(Result::err).map(|error| error.to_string()));

    let open = move |event: SubmitEvent| {
        event.prevent_default();
        open_dialog(dialog);
    };
    let confirm = move |event: SubmitEvent| {
        event.prevent_default();
        delete.dispatch(DeleteKeys {});
    };
    Effect::new(move |_| {
        if let Some(Ok(access_key_id)) = delete.value().get() {
            close_dialog(dialog);
            after_change.run(Notice::Deleted { access_key_id });
        }
    });

    view! {
        <form method="get" action=DELETE_PAGE_PATH on:submit=open>
            <button type="submit" class="danger">"Delete"</button>
        </form>
        <dialog node_ref=dialog class="dialog" aria-labelledby="delete-keys-title" aria-describedby="delete-keys-description">
            <h2 id="delete-keys-title">"Delete the saved keys?"</h2>
            <p id="delete-keys-description">
                "Guardian will stop using these keys and call Bedrock with the platform's default credentials."
            </p>
            <FormError message=error/>
            <form method="post" action=DeleteKeys::PATH on:submit=confirm class="form-actions">
                <button type="button" class="secondary" autofocus on:click=move |_| close_dialog(dialog)>"Cancel"</button>
                <button type="submit" class="danger" disabled=move || delete.pending().get()>"Delete keys"</button>
            </form>
        </dialog>
    }
}

/// The confirmation page that Delete leads to without JavaScript.
#[component]
pub fn DeleteKeysPage() -> impl IntoView {
    let status = Resource::new(|| (), |_| key_status());
    view! {
        <Title text="Delete keys"/>
        <h1>"Delete keys"</h1>
        <section class="card" aria-labelledby="delete-heading">
            <h2 id="delete-heading">"Delete the saved AWS Bedrock keys?"</h2>
            <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match status.await {
                        Ok(view) => view! { <DeleteConfirmation status=view/> }.into_any(),
                        Err(error) => view! { <p class="alert alert-error" role="alert">{error.to_string()}</p> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}

#[component]
fn DeleteConfirmation(status: KeyStatusView) -> impl IntoView {
    let delete = ServerAction::<DeleteKeys>::new();
    let error = Signal::derive(move || delete.value().get().and_then(Result::err).map(|error| error.to_string()));
    let navigate = use_navigate();
    Effect::new(move |_| {
        if let Some(Ok(access_key_id)) = delete.value().get() {
            navigate(&format!("{PAGE_PATH}?deleted={access_key_id}"), Default::default());
        }
    });
    let confirm = move |event: SubmitEvent| {
        event.prevent_default();
        delete.dispatch(DeleteKeys {});
    };

    let Some(access_key_id) = status.access_key_id().map(str::to_owned) else {
        return view! {
            <p>"No keys are saved. Guardian is using the default credentials."</p>
            <a href=PAGE_PATH>"Back to API Keys"</a>
        }
        .into_any();
    };
    view! {
        <p>
            "Guardian will stop using the access key " <code class="key-id">{access_key_id}</code>
            " and call Bedrock with the platform's default credentials."
        </p>
        {(!status.can_manage).then(|| view! { <p class="muted">"Only an administrator of your organization can delete Guardian's keys."</p> })}
        <FormError message=error/>
        <form method="post" action=DeleteKeys::PATH on:submit=confirm class="form-actions">
            <button type="submit" class="danger" disabled=!status.can_manage>"Delete keys"</button>
            <a class="button secondary" href=PAGE_PATH>"Cancel"</a>
        </form>
    }
    .into_any()
}
