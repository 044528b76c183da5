//! Tests of the keys server functions, pages and health checks through the real router. Each
//! test runs on a fresh SQLite file and, unless it tests otherwise, as a signed-in admin of the
//! default organization. Every response is checked for the secret and the security headers.

use std::sync::{Arc, Mutex};

use app::api::{DeleteKeys, KeyStatusView, ReplaceKeys, SaveKeys, SkipOnboarding};
use app::error::ApiError;
use app::validation::validate_key_pair;
use axum::body::{to_bytes, Body};
use axum::http::{header, HeaderMap, Request, StatusCode};
use axum::Router;
use base64::engine::general_purpose::URL_SAFE;
use base64::Engine;
use guardian_core::accounts::{Accounts, LoginLimits, Role};
use guardian_core::audit::AuditLog;
use guardian_core::checks::Checks;
use guardian_core::crypto::{Keyring, MasterKey};
use guardian_core::{KeyStatus, Keys, Store, DEFAULT_ORG_ID};
use leptos::server_fn::ServerFn;
use secrecy::{ExposeSecret, SecretString};
use serde_json::{json, Value};
use server::auth::SESSION_COOKIE;
use server::router::MAX_BODY_BYTES;
use tempfile::TempDir;
use tower::ServiceExt;

mod inprocess;
use inprocess::{build_router, form, key_form, query_param, PUBLIC_ORIGIN, ROTATION_DAYS};

const ACCESS_KEY_ID: &str = "AKIAIOSFODNN7EXAMPLE";
const SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
const NEW_ACCESS_KEY_ID: &str = "AKIAI44QH8DHBEXAMPLE";
const NEW_SECRET: &str = "je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY";
/// Parts of the secrets that survive percent-encoding unchanged, so a search for them also finds
/// an encoded copy in a URL.
const SECRET_FRAGMENTS: [&str; 6] = ["wJalrXUtnFEMI", "K7MDENG", "bPxRfiCYEXAMPLEKEY", "je7MtGbClwBF", "2Zp9Utk", "h3yCo8nvbEXAMPLEKEY"];

const STATUS_PATH: &str = "/api/keys/status";
const SAVE_PATH: &str = "/api/keys/save";
const REPLACE_PATH: &str = "/api/keys/replace";
const DELETE_PATH: &str = "/api/keys/delete";
const SKIP_PATH: &str = "/api/onboarding/skip";
const AUDIT_PATH: &str = "/api/keys/audit";
const SETTINGS_PAGE: &str = "/settings/ai/api-keys";
const ONBOARDING_PAGE: &str = "/onboarding/access-keys";
const ADMIN_EMAIL: &str = "admin@example.com";
const MEMBER_EMAIL: &str = "member@example.com";
const PASSWORD: &str = "a long test passphrase";
const SETTINGS_REFERER: &str = "http://127.0.0.1:3000/settings/ai/api-keys";
const ONBOARDING_REFERER: &str = "http://127.0.0.1:3000/onboarding/access-keys";

const CONFLICT_MESSAGE: &str = "Keys were saved in the meantime. Reload the page, then use Replace.";
const NOT_FOUND_MESSAGE: &str = "The saved keys could not be found. Reload the page.";
const MALFORMED_FORM_MESSAGE: &str = "The form was incomplete or malformed. Reload the page and try again.";

/// The router on its own SQLite file, the services behind it for checking what is stored, and the
/// session cookie of the signed-in user, if any.
struct TestApp {
    dir: TempDir,
    keys: Keys,
    accounts: Accounts,
    router: Router,
    session_cookie: Option<String>,
}

impl TestApp {
    /// Builds the app on a fresh database and signs in as an admin of the default organization.
    async fn new() -> Self {
        let mut app = Self::signed_out().await;
        app.add_user("default", ADMIN_EMAIL, Role::Admin).await;
        app.sign_in(ADMIN_EMAIL).await;
        app
    }

    /// Builds the app on a fresh database without users or a session.
    async fn signed_out() -> Self {
        let dir = tempfile::tempdir().expect("create a temporary directory");
        let store = Store::connect(&Store::sqlite_url(dir.path())).await.expect("open the SQLite file");
        store.migrate().await.expect("run the migrations");
        Self::with_store(dir, store, MasterKey::from_bytes([7; 32]), None).await
    }

    /// Builds the router on an existing database with the given master key and session cookie.
    async fn with_store(dir: TempDir, store: Store, master_key: MasterKey, session_cookie: Option<String>) -> Self {
        let keys = Keys::new(store.clone(), Arc::new(Keyring::new(vec![master_key])));
        let accounts = Accounts::new(store.clone(), LoginLimits::default());
        let checks = Checks::new(store.clone());
        let audit = AuditLog::new(store);

        let router = build_router(dir.path(), &keys, &accounts, &checks, &audit).await;
        Self { dir, keys, accounts, router, session_cookie }
    }

    async fn add_user(&self, org_name: &str, email: &str, role: Role) -> i64 {
        let password = SecretString::from(PASSWORD.to_owned());
        let user = self.accounts.add_user_to_org(org_name, email, &password, role, 0).await.expect("add a user");
        user.org_id
    }

    /// Signs in through the login server function and keeps the session cookie.
    async fn sign_in(&mut self, email: &str) {
        self.session_cookie = None;
        let response = self.call("/api/auth/login", &form(&[("email", email), ("password", PASSWORD)])).await;
        assert_eq!(response.status, StatusCode::OK, "sign-in failed: {}", response.body);
        let set_cookie = response.header(header::SET_COOKIE).expect("a session cookie");
        let cookie = set_cookie.split(';').next().expect("a cookie pair");
        assert!(cookie.starts_with(&format!("{SESSION_COOKIE}=")), "unexpected cookie: {set_cookie}");
        self.session_cookie = Some(cookie.to_owned());
    }

    /// Rebuilds the router on the same database with another master key, keeping the session.
    async fn with_master_key(self, master_key: MasterKey) -> Self {
        let store = self.keys.store().clone();
        Self::with_store(self.dir, store, master_key, self.session_cookie).await
    }

    /// Sends a request and checks the response for the secret and the security headers.
    async fn send(&self, mut request: Request<Body>) -> TestResponse {
        if let Some(cookie) = &self.session_cookie {
            request.headers_mut().insert(header::COOKIE, cookie.parse().expect("a valid cookie header"));
        }
        let description = format!("{} {}", request.method(), request.uri());
        let response = self.router.clone().oneshot(request).await.expect("the router is infallible");
        let (parts, body) = response.into_parts();
        let body = to_bytes(body, usize::MAX).await.expect("read the response body");
        let response = TestResponse {
            status: parts.status,
            headers: parts.headers,
            body: String::from_utf8(body.to_vec()).expect("a UTF-8 response body"),
        };
        assert_no_secret(&response, &description);
        assert_security_headers(&response, &description);
        response
    }

    async fn get(&self, path: &str) -> TestResponse {
        let request = Request::get(path).header(header::ACCEPT, "text/html").body(Body::empty()).unwrap();
        self.send(request).await
    }

    /// Posts a form the way the WASM client calls a server function.
    async fn call(&self, path: &str, form_body: &str) -> TestResponse {
        self.send(form_request(path, form_body).body(Body::from(form_body.to_owned())).unwrap()).await
    }

    /// Posts a form the way a browser without JavaScript submits it from the page `referer`.
    async fn submit(&self, path: &str, form_body: &str, referer: &str) -> TestResponse {
        let request = form_request(path, form_body)
            .header(header::ACCEPT, "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8")
            .header(header::REFERER, referer)
            .body(Body::from(form_body.to_owned()))
            .unwrap();
        self.send(request).await
    }

    async fn save(&self, access_key_id: &str, secret: &str) {
        let response = self.call(SAVE_PATH, &key_form(access_key_id, secret)).await;
        assert_eq!(response.status, StatusCode::OK, "save failed: {}", response.body);
    }

    async fn stored(&self) -> KeyStatus {
        self.keys.status(DEFAULT_ORG_ID).await.expect("read the key status")
    }

    async fn stored_secret(&self) -> Option<String> {
        let pair = self.keys.read_pair(DEFAULT_ORG_ID).await.expect("read the key pair");
        pair.map(|(_, secret): (String, SecretString)| secret.expose_secret().to_owned())
    }

    async fn onboarding_completed(&self) -> bool {
        self.keys.onboarding_completed(DEFAULT_ORG_ID).await.expect("read the onboarding flag")
    }
}

struct TestResponse {
    status: StatusCode,
    headers: HeaderMap,
    body: String,
}

impl TestResponse {
    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|error| panic!("body is not JSON ({error}): {}", self.body))
    }

    fn location(&self) -> &str {
        self.headers
            .get(header::LOCATION)
            .expect("a Location header")
            .to_str()
            .expect("a visible-ASCII Location header")
    }

    fn header(&self, name: header::HeaderName) -> Option<&str> {
        self.headers.get(name).map(|value| value.to_str().expect("a visible-ASCII header"))
    }
}

/// Starts a same-origin form post, with the `Origin` header that browsers send on posts.
fn form_request(path: &str, form_body: &str) -> axum::http::request::Builder {
    Request::post(path)
        .header(header::ORIGIN, PUBLIC_ORIGIN)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::CONTENT_LENGTH, form_body.len())
}

/// Decodes the server function error that a failed plain form post carries in its redirect.
fn redirect_error(location: &str) -> ApiError {
    let encoded = query_param(location, "__err").unwrap_or_else(|| panic!("no __err in {location}"));
    let bytes = URL_SAFE.decode(encoded).expect("__err is URL-safe base64");
    serde_json::from_slice(&bytes).expect("__err contains an ApiError")
}

fn contains_secret(text: &str) -> bool {
    SECRET_FRAGMENTS.iter().any(|fragment| text.contains(fragment))
}

fn assert_no_secret(response: &TestResponse, description: &str) {
    assert!(!contains_secret(&response.body), "{description}: the body contains a secret: {}", response.body);
    for (name, value) in &response.headers {
        let value = String::from_utf8_lossy(value.as_bytes());
        assert!(!contains_secret(&value), "{description}: header {name} contains a secret");
    }
    if let Some(location) = response.headers.get(header::LOCATION).and_then(|value| value.to_str().ok()) {
        if query_param(location, "__err").is_some() {
            let error = serde_json::to_string(&redirect_error(location)).unwrap();
            assert!(!contains_secret(&error), "{description}: the redirect's error contains a secret");
        }
    }
}

fn assert_security_headers(response: &TestResponse, description: &str) {
    assert_eq!(response.header(header::CACHE_CONTROL), Some("no-store"), "{description}: Cache-Control");
    assert_eq!(response.header(header::X_CONTENT_TYPE_OPTIONS), Some("nosniff"), "{description}: X-Content-Type-Options");
    assert_eq!(response.header(header::REFERRER_POLICY), Some("same-origin"), "{description}: Referrer-Policy");
}

fn invalid_json(access_key: &str, access_secret: &str) -> Value {
    let fields = validate_key_pair(access_key, access_secret).expect_err("an invalid pair");
    serde_json::to_value(ApiError::Invalid { fields }).unwrap()
}

fn configured_json(access_key_id: &str, saved_at: i64) -> Value {
    json!({ "Configured": { "access_key_id": access_key_id, "saved_at": saved_at } })
}

/// Builds the `StoredKeys` body of a save or replace.
fn stored_json(access_key_id: &str, saved_at: i64, previous_access_key_id: Option<&str>) -> Value {
    json!({ "state": configured_json(access_key_id, saved_at), "previous_access_key_id": previous_access_key_id })
}

/// Builds the `KeyStatusView` body of the admin of an organization without connection checks.
fn status_json(state: Value, onboarding_completed: bool, rotation: Value) -> Value {
    json!({
        "state": state,
        "can_manage": true,
        "onboarding_completed": onboarding_completed,
        "target": { "region": guardian_core::bedrock::DEFAULT_REGION, "model_id": guardian_core::bedrock::DEFAULT_MODEL_ID },
        "last_check": null,
        "keys_last_used_at": null,
        "rotation": rotation,
    })
}

/// Returns `saved_at` of a `StoredKeys` body after checking it lies in `range`.
fn saved_at_in(body: &Value, range: std::ops::RangeInclusive<i64>) -> i64 {
    let saved_at =
        body["state"]["Configured"]["saved_at"].as_i64().unwrap_or_else(|| panic!("no saved_at in {body}"));
    assert!(range.contains(&saved_at), "saved_at {saved_at} is outside {range:?}");
    saved_at
}

#[test]
fn server_function_paths_match() {
    assert_eq!(<app::api::KeyStatus as ServerFn>::PATH, STATUS_PATH);
    assert_eq!(SaveKeys::PATH, SAVE_PATH);
    assert_eq!(ReplaceKeys::PATH, REPLACE_PATH);
    assert_eq!(DeleteKeys::PATH, DELETE_PATH);
    assert_eq!(SkipOnboarding::PATH, SKIP_PATH);
}

#[tokio::test]
async fn status_without_keys_is_not_configured() {
    let app = TestApp::new().await;

    let response = app.call(STATUS_PATH, "").await;

    assert_eq!(response.status, StatusCode::OK);
    assert_eq!(response.json(), status_json(json!("NotConfigured"), false, Value::Null));
    let view: KeyStatusView = serde_json::from_str(&response.body).unwrap();
    assert_eq!(view.access_key_id(), None);
}

#[tokio::test]
async fn save_returns_state_without_secret() {
    let app = TestApp::new().await;
    let before = guardian_core::unix_now();

    let response = app.call(SAVE_PATH, &key_form(ACCESS_KEY_ID, SECRET)).await;

    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
    let body = response.json();
    let saved_at = saved_at_in(&body, before..=guardian_core::unix_now());
    assert_eq!(body, stored_json(ACCESS_KEY_ID, saved_at, None));
    assert_eq!(app.stored().await, KeyStatus::Configured { access_key_id: ACCESS_KEY_ID.into(), saved_at });
    assert_eq!(app.stored_secret().await.as_deref(), Some(SECRET));
    assert!(app.onboarding_completed().await);
}

#[tokio::test]
async fn status_after_save_is_configured() {
    let app = TestApp::new().await;
    app.save(ACCESS_KEY_ID, SECRET).await;

    let response = app.call(STATUS_PATH, "").await;

    assert_eq!(response.status, StatusCode::OK);
    let body = response.json();
    let KeyStatus::Configured { saved_at, .. } = app.stored().await else { panic!("keys not stored") };
    let rotation = json!({ "age_days": 0, "max_age_days": ROTATION_DAYS, "due": false });
    assert_eq!(body, status_json(configured_json(ACCESS_KEY_ID, saved_at), true, rotation));
}

#[tokio::test]
async fn save_trims_pasted_whitespace() {
    let app = TestApp::new().await;

    let response = app.call(SAVE_PATH, &key_form(" AKIAIOSFODNN7EXAMPLE\n", "\twJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY ")).await;

    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
    assert_eq!(response.json()["state"]["Configured"]["access_key_id"], ACCESS_KEY_ID);
    assert_eq!(app.stored_secret().await.as_deref(), Some(SECRET));
}

#[tokio::test]
async fn invalid_save_is_bad_request() {
    let cases = [
        ("", ""),
        (SECRET, ACCESS_KEY_ID),
        ("akiaiosfodnn7example", SECRET),
        ("ASIAIOSFODNN7EXAMPLE", SECRET),
        (ACCESS_KEY_ID, "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKE"),
        (ACCESS_KEY_ID, "wJalrXUtnFEMI-K7MDENG/bPxRfiCYEXAMPLEKEY"),
    ];
    for (access_key, access_secret) in cases {
        let app = TestApp::new().await;

        let response = app.call(SAVE_PATH, &key_form(access_key, access_secret)).await;

        let case = format!("access_key {access_key:?}, access_secret {access_secret:?}");
        assert_eq!(response.status, StatusCode::BAD_REQUEST, "{case}");
        assert_eq!(response.json(), invalid_json(access_key, access_secret), "{case}");
        assert_eq!(app.stored().await, KeyStatus::NotConfigured, "{case}");
        assert!(!app.onboarding_completed().await, "{case}");
    }
}

#[tokio::test]
async fn invalid_save_names_each_field() {
    let app = TestApp::new().await;

    let response = app.call(SAVE_PATH, &key_form(SECRET, ACCESS_KEY_ID)).await;

    assert_eq!(response.status, StatusCode::BAD_REQUEST);
    let error: ApiError = serde_json::from_str(&response.body).unwrap();
    let ApiError::Invalid { fields } = &error else { panic!("not an Invalid error: {error:?}") };
    assert_eq!(fields.len(), 2);
    assert_eq!(fields[0].field, "access_key");
    assert!(error.field_message("access_key").unwrap().contains("looks like the secret access key"));
    assert_eq!(fields[1].field, "access_secret");
    assert!(error.field_message("access_secret").unwrap().contains("looks like the access key ID"));
}

#[tokio::test]
async fn invalid_replace_is_bad_request() {
    let app = TestApp::new().await;
    app.save(ACCESS_KEY_ID, SECRET).await;

    let response = app.call(REPLACE_PATH, &key_form(NEW_ACCESS_KEY_ID, "short")).await;

    assert_eq!(response.status, StatusCode::BAD_REQUEST);
    assert_eq!(response.json(), invalid_json(NEW_ACCESS_KEY_ID, "short"));
    assert_eq!(app.stored_secret().await.as_deref(), Some(SECRET));
}

#[tokio::test]
async fn save_when_configured_is_conflict() {
    let app = TestApp::new().await;
    app.save(ACCESS_KEY_ID, SECRET).await;

    let response = app.call(SAVE_PATH, &key_form(NEW_ACCESS_KEY_ID, NEW_SECRET)).await;

    assert_eq!(response.status, StatusCode::CONFLICT);
    assert_eq!(response.json(), json!({ "Conflict": CONFLICT_MESSAGE }));
    let KeyStatus::Configured { access_key_id, .. } = app.stored().await else { panic!("keys not stored") };
    assert_eq!(access_key_id, ACCESS_KEY_ID);
    assert_eq!(app.stored_secret().await.as_deref(), Some(SECRET));
}

#[tokio::test]
async fn replace_without_keys_is_not_found() {
    let app = TestApp::new().await;

    let response = app.call(REPLACE_PATH, &key_form(ACCESS_KEY_ID, SECRET)).await;

    assert_eq!(response.status, StatusCode::NOT_FOUND);
    assert_eq!(response.json(), json!({ "NotFound": NOT_FOUND_MESSAGE }));
    assert_eq!(app.stored().await, KeyStatus::NotConfigured);
}

#[tokio::test]
async fn replace_swaps_keys() {
    let app = TestApp::new().await;
    app.save(ACCESS_KEY_ID, SECRET).await;
    let before = guardian_core::unix_now();

    let response = app.call(REPLACE_PATH, &key_form(NEW_ACCESS_KEY_ID, NEW_SECRET)).await;

    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
    let body = response.json();
    let saved_at = saved_at_in(&body, before..=guardian_core::unix_now());
    assert_eq!(body, stored_json(NEW_ACCESS_KEY_ID, saved_at, Some(ACCESS_KEY_ID)));
    assert_eq!(app.stored().await, KeyStatus::Configured { access_key_id: NEW_ACCESS_KEY_ID.into(), saved_at });
    assert_eq!(app.stored_secret().await.as_deref(), Some(NEW_SECRET));
}

#[tokio::test]
async fn replace_with_same_key_id_names_no_previous() {
    let app = TestApp::new().await;
    app.save(ACCESS_KEY_ID, SECRET).await;
    let before = guardian_core::unix_now();

    let response = app.call(REPLACE_PATH, &key_form(ACCESS_KEY_ID, NEW_SECRET)).await;
    let form_post = app.submit(REPLACE_PATH, &key_form(ACCESS_KEY_ID, SECRET), SETTINGS_REFERER).await;

    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
    let body = response.json();
    let saved_at = saved_at_in(&body, before..=guardian_core::unix_now());
    assert_eq!(body, stored_json(ACCESS_KEY_ID, saved_at, None));
    assert_eq!(form_post.location(), "/settings/ai/api-keys?saved=1");
    assert_eq!(app.stored_secret().await.as_deref(), Some(SECRET));
}

#[tokio::test]
async fn delete_without_keys_is_not_found() {
    let app = TestApp::new().await;

    let response = app.call(DELETE_PATH, "").await;

    assert_eq!(response.status, StatusCode::NOT_FOUND);
    assert_eq!(response.json(), json!({ "NotFound": NOT_FOUND_MESSAGE }));
}

#[tokio::test]
async fn delete_removes_keys() {
    let app = TestApp::new().await;
    app.save(ACCESS_KEY_ID, SECRET).await;

    let response = app.call(DELETE_PATH, "").await;

    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
    assert_eq!(response.json(), json!(ACCESS_KEY_ID));
    assert_eq!(app.stored().await, KeyStatus::NotConfigured);
    let second = app.call(DELETE_PATH, "").await;
    assert_eq!(second.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn skip_onboarding_completes_it() {
    let app = TestApp::new().await;

    let response = app.call(SKIP_PATH, "").await;

    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
    assert!(app.onboarding_completed().await);
    assert_eq!(app.stored().await, KeyStatus::NotConfigured);
    let status = app.call(STATUS_PATH, "").await;
    assert_eq!(status.json()["onboarding_completed"], true);
}

#[tokio::test]
async fn oversized_body_is_payload_too_large() {
    let app = TestApp::new().await;
    let padding = "x".repeat(MAX_BODY_BYTES);
    let body = form(&[("access_key", ACCESS_KEY_ID), ("access_secret", SECRET), ("padding", &padding)]);
    assert!(body.len() > 16 * 1024);

    let response = app.call(SAVE_PATH, &body).await;

    assert_eq!(response.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(app.stored().await, KeyStatus::NotConfigured);
}

#[tokio::test]
async fn oversized_streamed_body_is_rejected() {
    let app = TestApp::new().await;
    let padding = "x".repeat(MAX_BODY_BYTES);
    let body = form(&[("access_key", ACCESS_KEY_ID), ("access_secret", SECRET), ("padding", &padding)]);
    // A body without Content-Length, as a chunked upload sends it, arrives in pieces.
    let chunks: Vec<Result<String, std::io::Error>> =
        body.as_bytes().chunks(1024).map(|chunk| Ok(String::from_utf8(chunk.to_vec()).unwrap())).collect();
    let request = Request::post(SAVE_PATH)
        .header(header::ORIGIN, PUBLIC_ORIGIN)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from_stream(futures_util::stream::iter(chunks)))
        .unwrap();

    let response = app.send(request).await;

    assert_eq!(response.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", response.body);
    assert_eq!(app.stored().await, KeyStatus::NotConfigured);
}

#[tokio::test]
async fn body_at_limit_is_accepted() {
    let app = TestApp::new().await;
    let fields = key_form(ACCESS_KEY_ID, SECRET);
    let padding = "x".repeat(MAX_BODY_BYTES - fields.len() - "&padding=".len());
    let body = format!("{fields}&padding={padding}");
    assert_eq!(body.len(), MAX_BODY_BYTES);

    let response = app.call(SAVE_PATH, &body).await;

    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
}

#[tokio::test]
async fn missing_fields_are_bad_request() {
    let cases = [
        (SAVE_PATH, String::new()),
        (SAVE_PATH, form(&[("access_key", ACCESS_KEY_ID)])),
        (SAVE_PATH, form(&[("access_secret", SECRET)])),
        (SAVE_PATH, form(&[("key", ACCESS_KEY_ID), ("secret", SECRET)])),
        (REPLACE_PATH, form(&[("access_key", ACCESS_KEY_ID)])),
        (REPLACE_PATH, form(&[("access_secret", SECRET)])),
    ];
    for (path, body) in cases {
        let app = TestApp::new().await;

        let response = app.call(path, &body).await;

        assert_eq!(response.status, StatusCode::BAD_REQUEST, "{path} {body:?}: {}", response.body);
        assert_eq!(response.json(), json!({ "Request": MALFORMED_FORM_MESSAGE }), "{path} {body:?}");
        assert_eq!(app.stored().await, KeyStatus::NotConfigured, "{path} {body:?}");
    }
}

#[tokio::test]
async fn json_body_is_bad_request() {
    let app = TestApp::new().await;
    let body = json!({ "access_key": ACCESS_KEY_ID, "access_secret": SECRET }).to_string();
    let request = Request::post(SAVE_PATH)
        .header(header::ORIGIN, PUBLIC_ORIGIN)
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::CONTENT_LENGTH, body.len())
        .body(Body::from(body))
        .unwrap();

    let response = app.send(request).await;

    assert_eq!(response.status, StatusCode::BAD_REQUEST, "{}", response.body);
    assert_eq!(app.stored().await, KeyStatus::NotConfigured);
}

#[tokio::test]
async fn form_save_redirects_to_settings() {
    let app = TestApp::new().await;

    let response = app.submit(SAVE_PATH, &key_form(ACCESS_KEY_ID, SECRET), SETTINGS_REFERER).await;

    assert_eq!(response.status, StatusCode::FOUND, "{}", response.body);
    assert_eq!(response.location(), "/settings/ai/api-keys?saved=1");
    assert_eq!(app.stored_secret().await.as_deref(), Some(SECRET));
}

#[tokio::test]
async fn form_save_from_onboarding_redirects_to_done() {
    let app = TestApp::new().await;

    let response = app.submit(SAVE_PATH, &key_form(ACCESS_KEY_ID, SECRET), ONBOARDING_REFERER).await;

    assert_eq!(response.status, StatusCode::FOUND, "{}", response.body);
    assert_eq!(response.location(), "/onboarding/done");
    assert!(app.onboarding_completed().await);
}

#[tokio::test]
async fn form_replace_redirects_to_settings() {
    let app = TestApp::new().await;
    app.save(ACCESS_KEY_ID, SECRET).await;
    let referer = format!("{SETTINGS_REFERER}?replace=1");

    let response = app.submit(REPLACE_PATH, &key_form(NEW_ACCESS_KEY_ID, NEW_SECRET), &referer).await;

    assert_eq!(response.status, StatusCode::FOUND, "{}", response.body);
    assert_eq!(response.location(), format!("/settings/ai/api-keys?saved=1&previous={ACCESS_KEY_ID}"));
    assert_eq!(app.stored_secret().await.as_deref(), Some(NEW_SECRET));
}

#[tokio::test]
async fn form_delete_redirects_to_settings() {
    let app = TestApp::new().await;
    app.save(ACCESS_KEY_ID, SECRET).await;

    let response = app.submit(DELETE_PATH, "", "http://127.0.0.1:3000/settings/ai/api-keys/delete").await;

    assert_eq!(response.status, StatusCode::FOUND, "{}", response.body);
    assert_eq!(response.location(), format!("/settings/ai/api-keys?deleted={ACCESS_KEY_ID}"));
    assert_eq!(app.stored().await, KeyStatus::NotConfigured);
}

#[tokio::test]
async fn form_skip_redirects_to_done() {
    let app = TestApp::new().await;

    let response = app.submit(SKIP_PATH, "", ONBOARDING_REFERER).await;

    assert_eq!(response.status, StatusCode::FOUND, "{}", response.body);
    assert_eq!(response.location(), "/onboarding/done");
    assert!(app.onboarding_completed().await);
}

#[tokio::test]
async fn invalid_form_post_redirects_with_error() {
    let app = TestApp::new().await;

    let response = app.submit(SAVE_PATH, &key_form(SECRET, ACCESS_KEY_ID), SETTINGS_REFERER).await;

    assert_eq!(response.status, StatusCode::FOUND, "{}", response.body);
    let location = response.location();
    assert!(location.starts_with(&format!("{SETTINGS_REFERER}?")), "{location}");
    assert_eq!(query_param(location, "__path").as_deref(), Some(SAVE_PATH));
    let fields = validate_key_pair(SECRET, ACCESS_KEY_ID).unwrap_err();
    assert_eq!(redirect_error(location), ApiError::Invalid { fields });
    assert_eq!(app.stored().await, KeyStatus::NotConfigured);
}

#[tokio::test]
async fn conflicting_form_post_redirects_with_error() {
    let app = TestApp::new().await;
    app.save(ACCESS_KEY_ID, SECRET).await;

    let response = app.submit(SAVE_PATH, &key_form(NEW_ACCESS_KEY_ID, NEW_SECRET), ONBOARDING_REFERER).await;

    assert_eq!(response.status, StatusCode::FOUND, "{}", response.body);
    let location = response.location();
    assert!(location.starts_with(&format!("{ONBOARDING_REFERER}?")), "{location}");
    assert_eq!(redirect_error(location), ApiError::Conflict(CONFLICT_MESSAGE.into()));
    assert_eq!(app.stored_secret().await.as_deref(), Some(SECRET));
}

#[tokio::test]
async fn form_delete_without_keys_redirects_with_error() {
    let app = TestApp::new().await;
    let referer = "http://127.0.0.1:3000/settings/ai/api-keys/delete";

    let response = app.submit(DELETE_PATH, "", referer).await;

    assert_eq!(response.status, StatusCode::FOUND, "{}", response.body);
    let location = response.location();
    assert!(location.starts_with(&format!("{referer}?")), "{location}");
    assert_eq!(redirect_error(location), ApiError::NotFound(NOT_FOUND_MESSAGE.into()));
}

#[tokio::test]
async fn incomplete_form_post_redirects_with_error() {
    let app = TestApp::new().await;

    let response = app.submit(SAVE_PATH, &form(&[("access_key", ACCESS_KEY_ID)]), SETTINGS_REFERER).await;

    assert_eq!(response.status, StatusCode::FOUND, "{}", response.body);
    assert_eq!(redirect_error(response.location()), ApiError::Request(MALFORMED_FORM_MESSAGE.into()));
    assert_eq!(app.stored().await, KeyStatus::NotConfigured);
}

#[tokio::test]
async fn pages_render() {
    let app = TestApp::new().await;

    for path in [SETTINGS_PAGE, ONBOARDING_PAGE, "/onboarding", "/onboarding/done", "/settings/ai/api-keys/delete"] {
        let response = app.get(path).await;

        assert_eq!(response.status, StatusCode::OK, "{path}");
        let content_type = response.header(header::CONTENT_TYPE).unwrap_or_default();
        assert!(content_type.starts_with("text/html"), "{path}: {content_type}");
        assert!(response.body.contains("</html>"), "{path}: the page is incomplete");
    }
}

#[tokio::test]
async fn audit_trail_pages_newest_first() {
    let app = TestApp::new().await;
    app.save(ACCESS_KEY_ID, SECRET).await;
    let response = app.call(REPLACE_PATH, &key_form(NEW_ACCESS_KEY_ID, NEW_SECRET)).await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.body);

    let first = app.call(AUDIT_PATH, &form(&[("page", "1"), ("page_size", "1")])).await;
    let past_end = app.call(AUDIT_PATH, &form(&[("page", "9223372036854775807"), ("page_size", "1")])).await;

    assert_eq!(first.status, StatusCode::OK, "{}", first.body);
    let first = first.json();
    assert_eq!(first["entries"][0]["action"], "replaced");
    assert_eq!((first["page"].as_i64(), first["total_pages"].as_i64()), (Some(1), Some(2)));
    assert_eq!(past_end.status, StatusCode::OK, "{}", past_end.body);
    let past_end = past_end.json();
    assert_eq!(past_end["entries"][0]["action"], "saved");
    assert_eq!((past_end["page"].as_i64(), past_end["total_pages"].as_i64()), (Some(2), Some(2)));
    let page = app.get("/settings/ai/api-keys/audit?page=9223372036854775807").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Page 1 of 1"), "{}", page.body);
}

#[tokio::test]
async fn settings_page_without_keys_shows_form() {
    let app = TestApp::new().await;

    let response = app.get(SETTINGS_PAGE).await;

    assert_eq!(response.status, StatusCode::OK);
    assert!(response.body.contains("Guardian is using the default credentials."), "{}", response.body);
    assert!(response.body.contains(r#"action="/api/keys/save""#), "{}", response.body);
}

#[tokio::test]
async fn settings_page_shows_saved_key_id() {
    let app = TestApp::new().await;
    app.save(ACCESS_KEY_ID, SECRET).await;

    for path in [SETTINGS_PAGE, "/settings/ai/api-keys?saved=1", ONBOARDING_PAGE, "/settings/ai/api-keys/delete"] {
        let response = app.get(path).await;

        assert_eq!(response.status, StatusCode::OK, "{path}");
        assert!(response.body.contains(ACCESS_KEY_ID), "{path}: the key ID is missing");
    }
    let saved = app.get("/settings/ai/api-keys?saved=1").await;
    assert!(saved.body.contains("Keys saved."), "the saved notice is missing");
}

#[tokio::test]
async fn redirect_error_shows_on_page() {
    let app = TestApp::new().await;
    let failed = app.submit(SAVE_PATH, &key_form(SECRET, ACCESS_KEY_ID), SETTINGS_REFERER).await;
    let location = failed.location();
    let page = location.strip_prefix(PUBLIC_ORIGIN).expect("a redirect to the referer");

    let response = app.get(page).await;

    assert_eq!(response.status, StatusCode::OK);
    let fields = validate_key_pair(SECRET, ACCESS_KEY_ID).unwrap_err();
    for field in fields {
        assert!(response.body.contains(&field.message), "the page lacks the {} message", field.field);
    }
}

#[tokio::test]
async fn unreadable_keys_show_in_status() {
    let app = TestApp::new().await;
    app.save(ACCESS_KEY_ID, SECRET).await;
    let KeyStatus::Configured { saved_at, .. } = app.stored().await else { panic!("keys not stored") };
    let app = app.with_master_key(MasterKey::from_bytes([8; 32])).await;

    let response = app.call(STATUS_PATH, "").await;

    assert_eq!(response.status, StatusCode::OK);
    assert_eq!(
        response.json()["state"],
        json!({ "Unreadable": { "access_key_id": ACCESS_KEY_ID, "saved_at": saved_at } })
    );
    let page = app.get(SETTINGS_PAGE).await;
    assert!(page.body.contains("The stored keys cannot be read"), "the page lacks the unreadable notice");

    let replaced = app.call(REPLACE_PATH, &key_form(NEW_ACCESS_KEY_ID, NEW_SECRET)).await;
    assert_eq!(replaced.status, StatusCode::OK, "{}", replaced.body);
    assert_eq!(app.stored_secret().await.as_deref(), Some(NEW_SECRET));
}

#[tokio::test]
async fn signed_out_calls_are_unauthorized() {
    let app = TestApp::signed_out().await;

    for (path, body) in [
        (STATUS_PATH, String::new()),
        (SAVE_PATH, key_form(ACCESS_KEY_ID, SECRET)),
        (REPLACE_PATH, key_form(ACCESS_KEY_ID, SECRET)),
        (DELETE_PATH, String::new()),
        (SKIP_PATH, String::new()),
    ] {
        let response = app.call(path, &body).await;

        assert_eq!(response.status, StatusCode::UNAUTHORIZED, "{path}: {}", response.body);
        assert_eq!(response.json(), json!("Unauthorized"), "{path}");
    }
    assert_eq!(app.stored().await, KeyStatus::NotConfigured);
    assert!(!app.onboarding_completed().await);
}

#[tokio::test]
async fn signed_out_page_redirects_to_login() {
    let app = TestApp::signed_out().await;

    for path in [SETTINGS_PAGE, ONBOARDING_PAGE] {
        let response = app.get(path).await;

        assert!(response.status.is_redirection(), "{path}: {}", response.status);
        assert_eq!(query_param(&response.location(), "next").as_deref(), Some(path), "{path}");
        assert!(response.location().starts_with("/login?next=%2F"), "{path}: {}", response.location());
    }
}

#[tokio::test]
async fn member_cannot_change_keys() {
    let mut app = TestApp::new().await;
    app.save(ACCESS_KEY_ID, SECRET).await;
    app.add_user("default", MEMBER_EMAIL, Role::Member).await;
    app.sign_in(MEMBER_EMAIL).await;

    for (path, body) in [
        (SAVE_PATH, key_form(NEW_ACCESS_KEY_ID, NEW_SECRET)),
        (REPLACE_PATH, key_form(NEW_ACCESS_KEY_ID, NEW_SECRET)),
        (DELETE_PATH, String::new()),
        (SKIP_PATH, String::new()),
    ] {
        let response = app.call(path, &body).await;

        assert_eq!(response.status, StatusCode::FORBIDDEN, "{path}: {}", response.body);
        assert_eq!(response.json(), json!("Forbidden"), "{path}");
    }
    assert_eq!(app.stored_secret().await.as_deref(), Some(SECRET));

    let status = app.call(STATUS_PATH, "").await;
    assert_eq!(status.status, StatusCode::OK);
    assert_eq!(status.json()["can_manage"], false);
    assert_eq!(status.json()["state"]["Configured"]["access_key_id"], ACCESS_KEY_ID);
}

#[tokio::test]
async fn other_organization_sees_no_keys() {
    let mut app = TestApp::new().await;
    app.save(ACCESS_KEY_ID, SECRET).await;
    let other_org_id = app.add_user("other", "admin@other.example.com", Role::Admin).await;
    assert_ne!(other_org_id, DEFAULT_ORG_ID);
    app.sign_in("admin@other.example.com").await;

    let status = app.call(STATUS_PATH, "").await;
    let replaced = app.call(REPLACE_PATH, &key_form(NEW_ACCESS_KEY_ID, NEW_SECRET)).await;
    let deleted = app.call(DELETE_PATH, "").await;
    let page = app.get(SETTINGS_PAGE).await;

    assert_eq!(status.json()["state"], "NotConfigured");
    assert_eq!(replaced.status, StatusCode::NOT_FOUND);
    assert_eq!(deleted.status, StatusCode::NOT_FOUND);
    assert!(!page.body.contains(ACCESS_KEY_ID), "the other organization's key ID is on the page");
    assert_eq!(app.stored_secret().await.as_deref(), Some(SECRET));
}

#[tokio::test]
async fn cross_site_post_is_forbidden() {
    let app = TestApp::new().await;
    let body = key_form(ACCESS_KEY_ID, SECRET);

    for origin in [None, Some("https://evil.example"), Some("http://127.0.0.1:3001")] {
        let mut request = Request::post(SAVE_PATH)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::CONTENT_LENGTH, body.len());
        if let Some(origin) = origin {
            request = request.header(header::ORIGIN, origin);
        }

        let response = app.send(request.body(Body::from(body.clone())).unwrap()).await;

        assert_eq!(response.status, StatusCode::FORBIDDEN, "Origin {origin:?}: {}", response.body);
    }
    assert_eq!(app.stored().await, KeyStatus::NotConfigured);
}

#[tokio::test]
async fn unknown_page_is_not_found() {
    let app = TestApp::new().await;

    let response = app.get("/no-such-page").await;

    assert_eq!(response.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn health_checks_answer() {
    let app = TestApp::new().await;

    let health = app.send(Request::get("/healthz").body(Body::empty()).unwrap()).await;
    let ready = app.send(Request::get("/readyz").body(Body::empty()).unwrap()).await;

    assert_eq!(health.status, StatusCode::OK);
    assert_eq!(health.body, "ok");
    assert_eq!(ready.status, StatusCode::OK);
    assert_eq!(ready.body, "ready");
}

#[tokio::test]
async fn readiness_fails_without_database() {
    // Probes send no session cookie, so only the readiness check itself touches the database.
    let app = TestApp::signed_out().await;
    app.keys.store().pool().close().await;

    let ready = app.send(Request::get("/readyz").body(Body::empty()).unwrap()).await;

    assert_eq!(ready.status, StatusCode::SERVICE_UNAVAILABLE);
}

/// A log writer that keeps everything written to it.
#[derive(Clone, Default)]
struct CapturedLog(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for CapturedLog {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn logs_never_contain_secret() {
    let log = CapturedLog::default();
    let writer = log.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    let app = TestApp::new().await;

    app.call(SAVE_PATH, &key_form(SECRET, ACCESS_KEY_ID)).await;
    app.submit(SAVE_PATH, &key_form(ACCESS_KEY_ID, SECRET), SETTINGS_REFERER).await;
    app.call(SAVE_PATH, &key_form(ACCESS_KEY_ID, SECRET)).await;
    app.call(REPLACE_PATH, &key_form(NEW_ACCESS_KEY_ID, NEW_SECRET)).await;
    app.get(SETTINGS_PAGE).await;

    let log = String::from_utf8_lossy(&log.0.lock().unwrap()).into_owned();
    assert!(log.contains("Bedrock keys stored"), "nothing was captured: {log}");
    assert!(!contains_secret(&log), "the log contains a secret");
}
