//! Guardian onboarding: Welcome, Access Keys, Done.

use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use leptos_router::hooks::use_navigate;

use crate::api::{key_status, KeyState, KeyStatusView, SkipOnboarding, StoredKeys, TestConnection};
use crate::components::connection::{BedrockTargetNote, ConnectionCheck};
use crate::components::key_form::{FormError, KeyForm, KeyFormMode};
use crate::pages::api_keys::SavedKeys;

const ACCESS_KEYS_PATH: &str = "/onboarding/access-keys";
const DONE_PATH: &str = "/onboarding/done";

/// The wizard's steps, in order, with their paths.
const STEPS: [(&str, &str); 3] = [("Welcome", "/onboarding"), ("Access Keys", ACCESS_KEYS_PATH), ("Done", DONE_PATH)];

/// The step list at the top of each onboarding page.
#[component]
fn Steps(current: usize) -> impl IntoView {
    let items = STEPS
        .iter()
        .enumerate()
        .map(|(index, (name, _))| {
            let state = if index < current { "done" } else if index == current { "current" } else { "todo" };
            let aria_current = (index == current).then_some("step");
            view! { <li class=state aria-current=aria_current>{*name}</li> }
        })
        .collect_view();
    view! { <ol class="steps" aria-label="Onboarding steps">{items}</ol> }
}

/// Step 1: what Guardian does with AWS credentials.
#[component]
pub fn OnboardingWelcome() -> impl IntoView {
    view! {
        <Title text="Set up Guardian"/>
        <Steps current=0/>
        <h1>"Set up Guardian"</h1>
        <section class="card">
            <p>
                "Guardian, your AI SRE assistant, calls models on AWS Bedrock. It works with the platform's default AWS credentials out of the box."
            </p>
            <p>
                "Bringing your own Bedrock keys is optional: with them, Guardian's calls run under your AWS account, its model access and its billing."
            </p>
            <a class="button primary" href=ACCESS_KEYS_PATH>"Get started"</a>
        </section>
    }
}

/// Step 2: the key form, with help on where the keys come from.
#[component]
pub fn OnboardingAccessKeys() -> impl IntoView {
    let status = Resource::new(|| (), |_| key_status());
    view! {
        <Title text="Access Keys"/>
        <Steps current=1/>
        <h1>"Access Keys"</h1>
        <div class="two-columns">
            <section class="card" aria-labelledby="access-keys-form-heading">
                <h2 id="access-keys-form-heading">"Your AWS Bedrock keys"</h2>
                <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
                    {move || Suspend::new(async move {
                        match status.await {
                            Ok(view) => view! { <AccessKeysStep status=view/> }.into_any(),
                            Err(error) => view! { <p class="alert alert-error" role="alert">{error.to_string()}</p> }.into_any(),
                        }
                    })}
                </Suspense>
            </section>
            <KeySourceHelp/>
        </div>
    }
}

#[component]
fn AccessKeysStep(status: KeyStatusView) -> impl IntoView {
    let navigate = use_navigate();
    let on_saved = Callback::new(move |_: StoredKeys| navigate(DONE_PATH, Default::default()));
    let mode = if matches!(status.state, KeyState::NotConfigured) { KeyFormMode::Save } else { KeyFormMode::Replace };
    let saved = match status.state {
        KeyState::Configured { access_key_id, saved_at } | KeyState::Unreadable { access_key_id, saved_at } => Some(view! {
            <p>"These keys are saved. Enter a new pair to replace them, or continue with them."</p>
            <SavedKeys access_key_id saved_at/>
        }),
        KeyState::NotConfigured => None,
    };
    let target = view! { <BedrockTargetNote target=status.target.clone()/> };
    if !status.can_manage {
        return view! {
            {target}
            {saved}
            <p>"Only an administrator of your organization can change Guardian's keys."</p>
        }
        .into_any();
    }
    view! {
        {target}
        {saved}
        <KeyForm mode on_saved/>
        <SkipForm/>
    }
    .into_any()
}

/// The "Use default credentials" button, which finishes onboarding without saving keys.
#[component]
fn SkipForm() -> impl IntoView {
    let skip = ServerAction::<SkipOnboarding>::new();
    let navigate = use_navigate();
    let error = Signal::derive(move || skip.value().get().and_then(Result::err).map(|error| error.to_string()));
    Effect::new(move |_| {
        if let Some(Ok(())) = skip.value().get() {
            navigate(DONE_PATH, Default::default());
        }
    });
    let submit = move |event: SubmitEvent| {
        event.prevent_default();
        skip.dispatch(SkipOnboarding {});
    };
    view! {
        <form class="skip-form" method="post" action=SkipOnboarding::PATH on:submit=submit>
            <FormError message=error/>
            <p class="muted">"Not now? Guardian keeps using the platform's default credentials, and you can add keys later in Settings."</p>
            <button type="submit" class="secondary">"Use default credentials"</button>
        </form>
    }
}

/// Where an admin finds the access key pair in AWS.
#[component]
fn KeySourceHelp() -> impl IntoView {
    view! {
        <aside class="card help" aria-labelledby="key-help-heading">
            <h2 id="key-help-heading">"Where the keys come from"</h2>
            <ol>
                <li>"Creating a Bedrock API key in the AWS console creates an IAM user for it. Open that user in IAM, or use a dedicated IAM user with the bedrock:InvokeModel permission."</li>
                <li>"Under Security credentials, create an access key and choose the \"Third-party service\" use case."</li>
                <li>"Copy the access key ID into Access Key and the secret access key into Access Secret. The AWS console shows the secret only once, when the key is created."</li>
            </ol>
        </aside>
    }
}

/// Step 3: which credentials Guardian will use.
#[component]
pub fn OnboardingDone() -> impl IntoView {
    let status = Resource::new(|| (), |_| key_status());
    view! {
        <Title text="Setup complete"/>
        <Steps current=2/>
        <h1>"Setup complete"</h1>
        <section class="card" aria-labelledby="ready-credentials-heading">
            // The connection check below has an h3, so this h2 keeps the heading levels in order.
            <h2 id="ready-credentials-heading">"AWS Bedrock credentials"</h2>
            <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match status.await {
                        Ok(view) => view! { <CredentialsSummary status=view/> }.into_any(),
                        Err(error) => view! { <p class="alert alert-error" role="alert">{error.to_string()}</p> }.into_any(),
                    }
                })}
            </Suspense>
            <a class="button primary" href="/settings/ai/api-keys">"Go to API Keys settings"</a>
        </section>
    }
}

/// Which credentials Guardian will use, then a connection check that starts by itself for
/// admins, so they see at once whether Guardian works.
#[component]
fn CredentialsSummary(status: KeyStatusView) -> impl IntoView {
    let test = ServerAction::<TestConnection>::new();
    let can_test = status.can_manage;
    Effect::new(move |_| {
        if can_test {
            test.dispatch(TestConnection {});
        }
    });
    view! {
        <CredentialsChoice status=status.clone()/>
        <BedrockTargetNote target=status.target/>
        <ConnectionCheck action=test last_check=None can_test/>
    }
}

#[component]
fn CredentialsChoice(status: KeyStatusView) -> impl IntoView {
    match status.state {
        KeyState::Configured { access_key_id, .. } => view! {
            <p>"Guardian will call Bedrock with your AWS keys, access key ID " <code class="key-id">{access_key_id}</code> "."</p>
        }
        .into_any(),
        KeyState::Unreadable { access_key_id, .. } => view! {
            <p class="alert alert-error" role="alert">
                "The stored keys for access key ID " <code class="key-id">{access_key_id}</code>
                " cannot be read. Enter them again on the API Keys page."
            </p>
        }
        .into_any(),
        KeyState::NotConfigured => view! {
            <p>"Guardian will call Bedrock with the platform's default credentials. You can add your own keys at any time."</p>
        }
        .into_any(),
    }
}
