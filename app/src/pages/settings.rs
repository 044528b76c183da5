//! The settings layout: a left navigation whose sections render in the outlet beside it.

use leptos::prelude::*;
use leptos_router::components::{Outlet, A};

/// Settings with its navigation. Later sections add a link here and a route in `App`.
#[component]
pub fn SettingsLayout() -> impl IntoView {
    view! {
        <div class="settings">
            <nav class="settings-nav" aria-label="Settings">
                <p class="nav-title">"Settings"</p>
                <p class="nav-group" id="nav-ai-settings">"AI Settings"</p>
                <ul aria-labelledby="nav-ai-settings">
                    <li><A href="/settings/ai/api-keys">"API Keys"</A></li>
                </ul>
                <p class="nav-group" id="nav-organization">"Organization"</p>
                <ul aria-labelledby="nav-organization">
                    <li><A href="/settings/members">"Members"</A></li>
                </ul>
                <p class="nav-group" id="nav-guardian">"Guardian"</p>
                <ul aria-labelledby="nav-guardian">
                    <li><A href="/onboarding">"Onboarding"</A></li>
                </ul>
            </nav>
            <div class="settings-content">
                <Outlet/>
            </div>
        </div>
    }
}
