//! The sign-in throttle per client address behind a trusted reverse proxy: the server process
//! runs with `GUARDIAN_TRUSTED_PROXIES=127.0.0.1`, and the test posts as a proxy would, with the
//! client's address in `X-Forwarded-For`.

mod common;

use common::{add_user, encode_key, MasterKeys, Server, ServerDirs, REQUEST_TIMEOUT};
use reqwest::StatusCode;

const ADMIN_EMAIL: &str = "admin@example.com";
const PASSWORD: &str = "a long test passphrase";
const MASTER_KEY: [u8; 32] = [3; 32];
/// Failed sign-ins per client address before the address is locked (`LoginLimits::default`).
const MAX_ADDRESS_FAILURES: usize = 20;
const NOISY_CLIENT: &str = "198.51.100.1";
const OTHER_CLIENT: &str = "198.51.100.2";

/// Posts a sign-in through the "proxy" for `client`, returning the status.
async fn sign_in_from(http: &reqwest::Client, server: &Server, client: &str, email: &str, password: &str) -> StatusCode {
    let body = url::form_urlencoded::Serializer::new(String::new()).extend_pairs([("email", email), ("password", password)]).finish();
    http.post(format!("{}/api/auth/login", server.base_url))
        .header("origin", &server.base_url)
        .header("content-type", "application/x-www-form-urlencoded")
        .header("x-forwarded-for", format!("203.0.113.50, {client}"))
        .body(body)
        .send()
        .await
        .expect("post the sign-in")
        .status()
}

#[tokio::test]
async fn throttle_counts_forwarded_client_address() {
    let dirs = ServerDirs::new();
    let master_keys = MasterKeys::Single(encode_key(MASTER_KEY));
    add_user(&dirs, &master_keys, "Acme", ADMIN_EMAIL, "admin", PASSWORD);
    let server = Server::start_with_env(&dirs, &master_keys, &[("GUARDIAN_TRUSTED_PROXIES", "127.0.0.1")]).await;
    let http = reqwest::Client::builder().timeout(REQUEST_TIMEOUT).build().expect("build the HTTP client");

    // Each failure names another unknown account, so only the address limit can trip.
    for attempt in 0..MAX_ADDRESS_FAILURES {
        let status = sign_in_from(&http, &server, NOISY_CLIENT, &format!("nobody{attempt}@example.com"), PASSWORD).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "failure {attempt}");
    }
    let locked = sign_in_from(&http, &server, NOISY_CLIENT, ADMIN_EMAIL, PASSWORD).await;
    let other = sign_in_from(&http, &server, OTHER_CLIENT, ADMIN_EMAIL, PASSWORD).await;

    assert_eq!(locked, StatusCode::TOO_MANY_REQUESTS, "the noisy client is not locked");
    assert_eq!(other, StatusCode::OK, "another client behind the same proxy is locked too");
}
