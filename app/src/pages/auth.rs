//! Sign-in at `/login` and first-run setup at `/setup`.

use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::api::{setup_open, CompleteSetup, Login, SecretInput};
use crate::components::field::{check_fields, FieldState, FormField};
use crate::components::key_form::FormError;
use crate::error::ApiError;
use crate::validation::*;

/// Loads `destination` as a full page, so the header and every resource see the new session.
fn go_to(destination: &str) {
    #[cfg(feature = "hydrate")]
    {
        let _ = window().location().assign(destination);
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = destination;
}

/// The form-level message of a failed submit: everything but per-field errors.
fn form_message(error: Signal<Option<ApiError>>) -> Signal<Option<String>> {
    Signal::derive(move || match error.get() {
        Some(ApiError::Invalid { fields }) if !fields.is_empty() => None,
        Some(error) => Some(error.to_string()),
        None => None,
    })
}

/// The sign-in page.
#[component]
pub fn LoginPage() -> impl IntoView {
    let query = use_query_map();
    let next = query.with_untracked(|query| query.get("next")).filter(|next| is_safe_return_path(next));
    let login = ServerAction::<Login>::new();
    let server_error = Signal::derive(move || login.value().get().and_then(Result::err));
    let setup = Resource::new(|| (), |_| setup_open());

    let email = FieldState::new();
    let password = FieldState::new();
    let email_error = email.error(EMAIL_FIELD, |value| validate_email(value).err(), server_error);
    let password_error = password.error(PASSWORD_FIELD, |value| validate_login_password(value).err(), server_error);

    Effect::new(move |_| {
        if let Some(Ok(destination)) = login.value().get() {
            go_to(&destination);
        }
    });
    let submit = {
        let next = next.clone();
        move |event: SubmitEvent| {
            event.prevent_default();
            if check_fields(&[(email, email_error), (password, password_error)]) {
                login.dispatch(Login {
                    email: email.value.get_untracked(),
                    password: SecretInput::new(password.value.get_untracked()),
                    next: next.clone(),
                });
            }
        }
    };

    view! {
        <Title text="Sign in"/>
        <section class="card narrow" aria-labelledby="login-heading">
            <h1 id="login-heading">"Sign in"</h1>
            <form method="post" action=Login::PATH on:submit=submit novalidate>
                <FormError message=form_message(server_error)/>
                <FormField id="login-email" name=EMAIL_FIELD label="Email" input_type="email" autocomplete="username" state=email error=email_error autofocus=true/>
                <FormField id="login-password" name=PASSWORD_FIELD label="Password" input_type="password" autocomplete="current-password" state=password error=password_error/>
                {next.map(|next| view! { <input type="hidden" name="next" value=next/> })}
                <div class="form-actions">
                    <button type="submit" class="primary" disabled=move || login.pending().get()>"Sign in"</button>
                </div>
            </form>
            <Suspense>
                {move || Suspend::new(async move {
                    matches!(setup.await, Ok(true)).then(|| view! {
                        <p class="muted">"No accounts exist yet. " <a href="/setup">"Set up the first admin"</a> " with the setup token from the server log."</p>
                    })
                })}
            </Suspense>
        </section>
    }
}

/// First-run setup: the first organization and its admin.
#[component]
pub fn SetupPage() -> impl IntoView {
    let open = Resource::new(|| (), |_| setup_open());
    view! {
        <Title text="Set up the console"/>
        <section class="card narrow" aria-labelledby="setup-heading">
            <h1 id="setup-heading">"Set up the console"</h1>
            <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match open.await {
                        Ok(true) => view! { <SetupForm/> }.into_any(),
                        Ok(false) => view! {
                            <p>"Setup is complete. " <a href="/login">"Sign in"</a> " instead."</p>
                        }.into_any(),
                        Err(error) => view! { <p class="alert alert-error" role="alert">{error.to_string()}</p> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}

#[component]
fn SetupForm() -> impl IntoView {
    let setup = ServerAction::<CompleteSetup>::new();
    let server_error = Signal::derive(move || setup.value().get().and_then(Result::err));

    let token = FieldState::new();
    let org = FieldState::new();
    let email = FieldState::new();
    let password = FieldState::new();
    let confirmation = FieldState::new();
    let token_error = token.error(SETUP_TOKEN_FIELD, |value| validate_setup_token(value).err(), server_error);
    let org_error = org.error(ORG_NAME_FIELD, |value| validate_org_name(value).err(), server_error);
    let email_error = email.error(EMAIL_FIELD, |value| validate_email(value).err(), server_error);
    let password_error = password.error(PASSWORD_FIELD, |value| validate_new_password(value).err(), server_error);
    let confirmation_error = confirmation.error(
        PASSWORD_CONFIRM_FIELD,
        move |value| password.value.with_untracked(|password| validate_password_confirmation(password, value).err()),
        server_error,
    );

    Effect::new(move |_| {
        if let Some(Ok(destination)) = setup.value().get() {
            go_to(&destination);
        }
    });
    let submit = move |event: SubmitEvent| {
        event.prevent_default();
        let fields =
            [(token, token_error), (org, org_error), (email, email_error), (password, password_error), (confirmation, confirmation_error)];
        if check_fields(&fields) {
            setup.dispatch(CompleteSetup {
                setup_token: SecretInput::new(token.value.get_untracked()),
                org_name: org.value.get_untracked(),
                email: email.value.get_untracked(),
                password: SecretInput::new(password.value.get_untracked()),
                password_confirm: SecretInput::new(confirmation.value.get_untracked()),
            });
        }
    };

    view! {
        <p>"Create your organization and its first admin. The server printed a one-time setup token to its log when it started."</p>
        <form method="post" action=CompleteSetup::PATH on:submit=submit novalidate>
            <FormError message=form_message(server_error)/>
            <FormField id="setup-token" name=SETUP_TOKEN_FIELD label="Setup token" input_type="password" autocomplete="off" state=token error=token_error autofocus=true/>
            <FormField id="setup-org" name=ORG_NAME_FIELD label="Organization name" input_type="text" autocomplete="organization" state=org error=org_error/>
            <FormField id="setup-email" name=EMAIL_FIELD label="Email" input_type="email" autocomplete="username" state=email error=email_error/>
            <FormField id="setup-password" name=PASSWORD_FIELD label="Password" hint="At least 12 characters." input_type="password" autocomplete="new-password" state=password error=password_error/>
            <FormField id="setup-password-confirm" name=PASSWORD_CONFIRM_FIELD label="Confirm password" input_type="password" autocomplete="new-password" state=confirmation error=confirmation_error/>
            <div class="form-actions">
                <button type="submit" class="primary" disabled=move || setup.pending().get()>"Create admin"</button>
            </div>
        </form>
    }
}
