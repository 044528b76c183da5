//! The keys' audit trail: the latest entries on the API Keys page and the full, paginated list.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::api::{audit_trail, AuditEntryView, AuditPage};
use crate::time::format_utc;

/// Entries shown on the API Keys page.
const RECENT_ENTRIES: i64 = 5;
/// Path of the full audit trail.
pub const AUDIT_PATH: &str = "/settings/ai/api-keys/audit";

/// The latest entries, reloaded whenever `refresh` changes.
#[component]
pub fn RecentAudit(#[prop(into)] refresh: Signal<usize>) -> impl IntoView {
    let recent = Resource::new(move || refresh.get(), |_| audit_trail(1, Some(RECENT_ENTRIES)));
    view! {
        <div class="audit">
            <h3>"Recent activity"</h3>
            <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match recent.await {
                        Ok(page) => view! { <AuditTable entries=page.entries/> }.into_any(),
                        Err(error) => view! { <p class="alert alert-error" role="alert">{error.to_string()}</p> }.into_any(),
                    }
                })}
            </Transition>
            <a href=AUDIT_PATH>"Full audit trail"</a>
        </div>
    }
}

/// The full audit trail at `/settings/ai/api-keys/audit?page=N`.
#[component]
pub fn AuditTrailPage() -> impl IntoView {
    let query = use_query_map();
    let page_number = move || query.with(|query| query.get("page").and_then(|page| page.parse::<i64>().ok()).unwrap_or(1));
    let page = Resource::new(page_number, |page| audit_trail(page, None));
    view! {
        <Title text="Audit trail"/>
        <h1>"Audit trail"</h1>
        <section class="card" aria-labelledby="audit-heading">
            <h2 id="audit-heading">"Changes and checks of the AWS Bedrock keys"</h2>
            <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match page.await {
                        Ok(page) => view! { <AuditPageView page/> }.into_any(),
                        Err(error) => view! { <p class="alert alert-error" role="alert">{error.to_string()}</p> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

#[component]
fn AuditPageView(page: AuditPage) -> impl IntoView {
    let previous = (page.page > 1).then(|| format!("{AUDIT_PATH}?page={}", page.page - 1));
    let next = (page.page < page.total_pages).then(|| format!("{AUDIT_PATH}?page={}", page.page + 1));
    view! {
        <AuditTable entries=page.entries/>
        <nav class="pagination" aria-label="Audit trail pages">
            {previous.map(|href| view! { <a href=href rel="prev">"Newer entries"</a> })}
            <span>{format!("Page {} of {}", page.page, page.total_pages)}</span>
            {next.map(|href| view! { <a href=href rel="next">"Older entries"</a> })}
        </nav>
    }
}

#[component]
fn AuditTable(entries: Vec<AuditEntryView>) -> impl IntoView {
    if entries.is_empty() {
        return view! { <p class="muted">"Nothing has happened to the keys yet."</p> }.into_any();
    }
    let rows = entries.into_iter().map(|entry| view! { <AuditRow entry/> }).collect_view();
    view! {
        // Focusable, so that keyboard users can scroll the table on a narrow screen.
        <div class="table-scroll" tabindex="0" role="region" aria-label="Audit entries">
            <table class="audit-table">
                <thead>
                    <tr>
                        <th scope="col">"When (UTC)"</th>
                        <th scope="col">"Who"</th>
                        <th scope="col">"What"</th>
                        <th scope="col">"Access Key ID"</th>
                        <th scope="col">"Outcome"</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
    .into_any()
}

#[component]
fn AuditRow(entry: AuditEntryView) -> impl IntoView {
    let key = match (&entry.access_key_id, &entry.previous_access_key_id) {
        (Some(key), Some(previous)) => format!("{key} (was {previous})"),
        (Some(key), None) => key.clone(),
        (None, _) => "default credentials".to_owned(),
    };
    view! {
        <tr>
            <td><time>{format_utc(entry.occurred_at)}</time></td>
            <td>{entry.actor}</td>
            <td>{entry.action}</td>
            <td><code class="key-id">{key}</code></td>
            // Outcomes are stored as codes such as `missing_invoke_permission`.
            <td>{entry.outcome.replace('_', " ")}</td>
        </tr>
    }
}
