//! The Guardian console's pages, components and server functions. Compiled to WASM for the
//! browser (`hydrate`) and for the server (`ssr`).

#![recursion_limit = "256"]

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags, Stylesheet, Title};
use leptos_router::components::{ParentRoute, Redirect, Route, Router, Routes};
use leptos_router::{path, SsrMode};

pub mod api;
pub mod components;
pub mod error;
pub mod hydration;
pub mod pages;
pub mod time;
pub mod validation;

use components::audit::AuditTrailPage;
use components::header::SiteHeader;
use hydration::HydrationLoader;
use pages::api_keys::{ApiKeysPage, DeleteKeysPage};
use pages::auth::{LoginPage, SetupPage};
use pages::guardian::GuardianPage;
use pages::members::MembersPage;
use pages::onboarding::{OnboardingAccessKeys, OnboardingDone, OnboardingWelcome};
use pages::settings::SettingsLayout;

/// The HTML document around the app, rendered on the server.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    #[cfg(feature = "ssr")]
    set_content_security_policy();
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <link rel="icon" type="image/svg+xml" href="/favicon.svg"/>
                <AutoReload options=options.clone()/>
                <HydrationLoader options/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

/// The app: header, routes and pages.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();

    view! {
        <Stylesheet id="leptos" href="/pkg/guardian.css"/>
        <Title formatter=|text: String| format!("{text} · Guardian console")/>
        <Router>
            <a class="skip-link" href="#main">"Skip to content"</a>
            <SiteHeader/>
            <main id="main">
                // Async rendering sends each page complete, with its data, so forms and results
                // work in browsers without JavaScript; streamed parts would need a script.
                <Routes fallback=NotFound>
                    <Route path=path!("/") view=|| view! { <Redirect path="/settings/ai/api-keys"/> }/>
                    <Route path=path!("/login") view=LoginPage ssr=SsrMode::Async/>
                    <Route path=path!("/setup") view=SetupPage ssr=SsrMode::Async/>
                    <Route path=path!("/guardian") view=GuardianPage ssr=SsrMode::Async/>
                    <Route path=path!("/onboarding") view=OnboardingWelcome ssr=SsrMode::Async/>
                    <Route path=path!("/onboarding/access-keys") view=OnboardingAccessKeys ssr=SsrMode::Async/>
                    <Route path=path!("/onboarding/done") view=OnboardingDone ssr=SsrMode::Async/>
                    <ParentRoute path=path!("/settings") view=SettingsLayout ssr=SsrMode::Async>
                        <Route path=path!("") view=|| view! { <Redirect path="/settings/ai/api-keys"/> }/>
                        <Route path=path!("ai/api-keys") view=ApiKeysPage ssr=SsrMode::Async/>
                        <Route path=path!("ai/api-keys/delete") view=DeleteKeysPage ssr=SsrMode::Async/>
                        <Route path=path!("ai/api-keys/audit") view=AuditTrailPage ssr=SsrMode::Async/>
                        <Route path=path!("members") view=MembersPage ssr=SsrMode::Async/>
                    </ParentRoute>
                </Routes>
            </main>
        </Router>
    }
}

/// Sends a Content-Security-Policy that allows only this response's nonced scripts and the
/// WebAssembly compilation that hydration needs.
#[cfg(feature = "ssr")]
fn set_content_security_policy() {
    let (Some(nonce), Some(response)) = (leptos::nonce::use_nonce(), use_context::<leptos_axum::ResponseOptions>()) else {
        return;
    };
    let policy = format!(
        "default-src 'self'; script-src 'nonce-{}' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self' data:; \
         connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
        nonce.as_inner()
    );
    if let Ok(value) = http::HeaderValue::from_str(&policy) {
        response.insert_header(http::header::CONTENT_SECURITY_POLICY, value);
    }
}

#[component]
fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(http::StatusCode::NOT_FOUND);
    }
    view! {
        <Title text="Page not found"/>
        <h1>"Page not found"</h1>
        <p>"There is no page at this address. " <a href="/settings/ai/api-keys">"Go to API Keys"</a></p>
    }
}
