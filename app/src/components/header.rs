//! The site header: the console's name, main navigation, and the signed-in user with Sign out.

use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;

use crate::api::{current_user, Logout, UserView};

/// The header at the top of every page.
#[component]
pub fn SiteHeader() -> impl IntoView {
    let user = Resource::new(|| (), |_| current_user());
    view! {
        <header class="site-header">
            <a class="brand" href="/">"Guardian console"</a>
            <Suspense>
                {move || Suspend::new(async move {
                    user.await.ok().flatten().map(|user| view! { <SignedInNav user/> })
                })}
            </Suspense>
        </header>
    }
}

#[component]
fn SignedInNav(user: UserView) -> impl IntoView {
    let logout = ServerAction::<Logout>::new();
    Effect::new(move |_| {
        if let Some(Ok(())) = logout.value().get() {
            #[cfg(feature = "hydrate")]
            {
                let _ = window().location().assign("/login");
            }
        }
    });
    let submit = move |event: SubmitEvent| {
        event.prevent_default();
        logout.dispatch(Logout {});
    };
    view! {
        <nav aria-label="Main">
            <a href="/guardian">"Guardian"</a>
            <a href="/settings/ai/api-keys">"Settings"</a>
        </nav>
        <div class="account">
            <span class="account-name">{user.email} " · " {user.org_name}</span>
            <form method="post" action=Logout::PATH on:submit=submit>
                <button type="submit" class="link-button">"Sign out"</button>
            </form>
        </div>
    }
}
