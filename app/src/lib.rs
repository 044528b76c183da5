//! The Guardian console's pages, components and server functions. Compiled to WASM for the
//! browser (`hydrate`) and for the server (`ssr`).

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags, Stylesheet, Title};
use leptos_router::components::{ParentRoute, Redirect, Route, Router, Routes};
use leptos_router::path;

pub mod api;
pub mod components;
pub mod error;
pub mod pages;
pub mod time;
pub mod validation;

use pages::api_keys::{ApiKeysPage, DeleteKeysPage};
use pages::onboarding::{OnboardingAccessKeys, OnboardingDone, OnboardingWelcome};
use pages::settings::SettingsLayout;

/// The HTML document around the app, rendered on the server.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <AutoReload options=options.clone()/>
                <HydrationScripts options/>
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
            <header class="site-header">
                <a class="brand" href="/">"Guardian console"</a>
                <nav aria-label="Main">
                    <a href="/onboarding">"Onboarding"</a>
                    <a href="/settings/ai/api-keys">"Settings"</a>
                </nav>
            </header>
            <main id="main">
                <Routes fallback=NotFound>
                    <Route path=path!("/") view=|| view! { <Redirect path="/settings/ai/api-keys"/> }/>
                    <Route path=path!("/onboarding") view=OnboardingWelcome/>
                    <Route path=path!("/onboarding/access-keys") view=OnboardingAccessKeys/>
                    <Route path=path!("/onboarding/done") view=OnboardingDone/>
                    <ParentRoute path=path!("/settings") view=SettingsLayout>
                        <Route path=path!("") view=|| view! { <Redirect path="/settings/ai/api-keys"/> }/>
                        <Route path=path!("ai/api-keys") view=ApiKeysPage/>
                        <Route path=path!("ai/api-keys/delete") view=DeleteKeysPage/>
                    </ParentRoute>
                </Routes>
            </main>
        </Router>
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
