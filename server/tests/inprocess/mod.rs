//! Helpers for the tests that call the router in-process: the router on a test database, and
//! form bodies as browsers post them.

use std::path::Path;
use std::sync::Arc;

use app::api::server::Policy;
use axum::Router;
use guardian_core::accounts::Accounts;
use guardian_core::audit::AuditLog;
use guardian_core::checks::Checks;
use guardian_core::{Bedrock, BedrockSettings, Keys, Store};
use leptos::config::LeptosOptions;
use server::client_address::TrustedProxies;
use server::router::{self, AppState, SessionSettings};
use server::security::PublicOrigin;
use server::sessions::AnySessionStore;

/// The origin the test router serves, which same-origin form posts must name.
pub const PUBLIC_ORIGIN: &str = "http://127.0.0.1:3000";
/// Days after which saved keys are due for rotation, as the server's policy.
pub const ROTATION_DAYS: i64 = 90;
/// A Bedrock endpoint on the loopback discard port. Nothing listens there, so a call made by
/// mistake fails at once.
pub const BEDROCK_ENDPOINT: &str = "http://127.0.0.1:9";

/// Builds the server's router on the SQLite database in `dir`, with sessions in the same file.
pub async fn build_router(dir: &Path, keys: &Keys, accounts: &Accounts, checks: &Checks, audit: &AuditLog) -> Router {
    let session_store = AnySessionStore::open(&Store::sqlite_url(dir)).await.expect("open the session store");
    let bedrock_settings =
        BedrockSettings { endpoint: Some(BEDROCK_ENDPOINT.to_owned()), allow_instance_metadata: false, ..BedrockSettings::default() };
    let bedrock = Arc::new(Bedrock::new(bedrock_settings).await);

    let site_root = dir.join("site");
    let leptos_options = LeptosOptions::builder().output_name("guardian").site_root(site_root.display().to_string()).build();
    router::build(AppState {
        leptos_options,
        keys: keys.clone(),
        accounts: accounts.clone(),
        checks: checks.clone(),
        audit: audit.clone(),
        policy: Policy { rotation_days: ROTATION_DAYS },
        bedrock,
        public_origin: PublicOrigin(PUBLIC_ORIGIN.to_owned()),
        sessions: SessionSettings { store: session_store, idle_minutes: 60, secure_cookies: false },
        trusted_proxies: TrustedProxies::default(),
    })
}

/// Encodes form fields as `application/x-www-form-urlencoded`.
pub fn form(fields: &[(&str, &str)]) -> String {
    url::form_urlencoded::Serializer::new(String::new()).extend_pairs(fields).finish()
}

/// Encodes the key form's two fields.
pub fn key_form(access_key: &str, access_secret: &str) -> String {
    form(&[("access_key", access_key), ("access_secret", access_secret)])
}

/// Returns the decoded value of one query parameter of a URL.
#[allow(dead_code)] // Not every test file reads redirects.
pub fn query_param(url: &str, name: &str) -> Option<String> {
    let (_, query) = url.split_once('?')?;
    url::form_urlencoded::parse(query.as_bytes()).find(|(key, _)| key == name).map(|(_, value)| value.into_owned())
}
