//! Fault tests of the server binary on SQLite: SIGKILL in the middle of key replaces, a database
//! locked by another connection, a changed or lost master key, and master-key rotation with the
//! `server keys` subcommands. Every server runs as a child process on 127.0.0.1.
//!
//! The SIGKILL test draws its kill moments and key pairs from a seed that it prints; set
//! GUARDIAN_TEST_SEED to that number to repeat a run.

mod common;

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use app::api::{AuditPage, KeyState};
use app::error::ApiError;
use common::{add_user, configured_id, encode_key, generate_pair, run_server_command, Client, MasterKeys, Server, ServerDirs};
use guardian_core::audit::AuditLog;
use guardian_core::crypto::{Keyring, MasterKey};
use guardian_core::{Keys, Store};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use reqwest::StatusCode;
use secrecy::{ExposeSecret, SecretString};
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{ConnectOptions, Connection};

const ADMIN_EMAIL: &str = "admin@example.com";
const OTHER_ADMIN_EMAIL: &str = "admin@other.example.com";
const PASSWORD: &str = "a long test passphrase";
const PAIRS: [(&str, &str); 2] = [
    ("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
    ("AKIAI44QH8DHBEXAMPLE", "je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY"),
];
const MASTER_KEY: [u8; 32] = [42; 32];
const OTHER_MASTER_KEY: [u8; 32] = [43; 32];
/// Master keys of the rotation test: the one rotated away from, the one rotated to, and one
/// that no setting lists.
const OLD_KEY: [u8; 32] = [1; 32];
const NEW_KEY: [u8; 32] = [2; 32];
const LOST_KEY: [u8; 32] = [3; 32];
const UNAVAILABLE_TEXT: &str = "temporarily unavailable";
const API_KEYS_PAGE: &str = "/settings/ai/api-keys";

/// Server restarts in the SIGKILL test.
const KILL_ROUNDS: usize = 50;
/// Range of the random delay, in milliseconds, between starting the replaces and SIGKILL.
const KILL_DELAY_MS: std::ops::RangeInclusive<u64> = 3..=200;
/// Most replaces one round sends; far more than fit into the longest kill delay.
const MAX_REPLACES_PER_ROUND: usize = 400;

/// Maximum time a request to the locked database may take to fail. The pool waits up to 5 s for
/// a connection and SQLite up to 5 s for the lock (sqlx's default busy timeout).
const LOCKED_REPLY_LIMIT: Duration = Duration::from_secs(20);

/// Returns the seed of the random choices: GUARDIAN_TEST_SEED, or one drawn from the clock.
fn test_seed() -> u64 {
    if let Ok(text) = std::env::var("GUARDIAN_TEST_SEED") {
        return text.trim().parse().unwrap_or_else(|_| panic!("GUARDIAN_TEST_SEED must be an unsigned integer, not {text:?}"));
    }
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|elapsed| elapsed.as_nanos() as u64).unwrap_or(1)
}

fn keyring(keys: &[[u8; 32]]) -> Arc<Keyring> {
    Arc::new(Keyring::new(keys.iter().map(|bytes| MasterKey::from_bytes(*bytes)).collect()))
}

/// Opens the database of `dirs` directly, as a second client next to any running server.
async fn open_store(dirs: &ServerDirs) -> Store {
    Store::connect(&dirs.database_url()).await.unwrap_or_else(|error| panic!("could not open {}: {error}", dirs.database_url()))
}

/// Returns the organization id of the user with `email`.
async fn org_id_of(store: &Store, email: &str) -> i64 {
    sqlx::query_scalar("SELECT org_id FROM users WHERE email = $1")
        .bind(email)
        .fetch_optional(store.pool())
        .await
        .expect("query the users table")
        .unwrap_or_else(|| panic!("no user {email}"))
}

/// Returns the sealed secret stored for an organization, exactly as it is in the database.
async fn sealed_secret_of(store: &Store, org_id: i64) -> Option<String> {
    sqlx::query_scalar("SELECT sealed_secret FROM bedrock_keys WHERE org_id = $1")
        .bind(org_id)
        .fetch_optional(store.pool())
        .await
        .expect("query the bedrock_keys table")
}

/// Reads and decrypts an organization's pair with the library, panicking when it is missing or
/// does not decrypt.
async fn read_pair(store: &Store, ring: Arc<Keyring>, org_id: i64) -> (String, String) {
    let keys = Keys::new(store.clone(), ring);
    let (access_key_id, secret) = keys
        .read_pair(org_id)
        .await
        .unwrap_or_else(|error| panic!("the pair of organization {org_id} does not decrypt: {error}"))
        .unwrap_or_else(|| panic!("organization {org_id} has no stored pair"));
    (access_key_id, secret.expose_secret().to_owned())
}

/// Reads the first page of the caller's audit trail, newest entry first.
async fn audit_trail(client: &Client, server: &Server) -> AuditPage {
    let reply = client.post(server, "/api/keys/audit", &[("page", "1"), ("page_size", "100")]).await;
    assert_eq!(reply.status, StatusCode::OK, "POST /api/keys/audit failed: {}", reply.body);
    serde_json::from_str(&reply.body).unwrap_or_else(|error| panic!("unexpected audit body {}: {error}", reply.body))
}

fn api_error(body: &str) -> ApiError {
    serde_json::from_str(body).unwrap_or_else(|error| panic!("the body is not an ApiError ({error}): {body}"))
}

/// Returns the message a browser shows for an error body: the text of a server function's
/// `ApiError`, or the plain text that middleware returns.
fn shown_message(body: &str) -> String {
    serde_json::from_str::<ApiError>(body).map(|error| error.to_string()).unwrap_or_else(|_| body.to_owned())
}

/// What the replacing task of one SIGKILL round did before the server went away.
#[derive(Debug)]
struct ReplaceRun {
    /// Replaces that returned 200. They ran one after another, so these are the first ones.
    acknowledged: usize,
    /// Requests sent, including one that may have been in flight at the kill.
    sent: usize,
}

/// Replaces the pair with each of `pairs` in turn until the server stops responding. Any
/// response other than 200 fails the test, because the server is healthy until it is killed.
async fn replace_until_killed(client: Client, base_url: String, pairs: Vec<(String, String)>, sent: Arc<AtomicUsize>) -> ReplaceRun {
    let mut acknowledged = 0;
    for (access_key_id, secret) in &pairs {
        sent.fetch_add(1, Ordering::SeqCst);
        let fields = [("access_key", access_key_id.as_str()), ("access_secret", secret.as_str())];
        match client.try_post(&base_url, "/api/keys/replace", &fields).await {
            Ok(reply) if reply.status == StatusCode::OK => acknowledged += 1,
            Ok(reply) => panic!("replace with {access_key_id} returned {} before the kill: {}", reply.status, reply.body),
            Err(_killed) => break,
        }
    }
    ReplaceRun { acknowledged, sent: sent.load(Ordering::SeqCst) }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_during_replaces_keeps_a_whole_pair() {
    let test_started = Instant::now();
    let seed = test_seed();
    eprintln!("seed {seed}; repeat with GUARDIAN_TEST_SEED={seed}");
    let mut rng = StdRng::seed_from_u64(seed);
    let dirs = ServerDirs::new();
    let master_keys = MasterKeys::Single(encode_key(MASTER_KEY));
    add_user(&dirs, &master_keys, "Acme", ADMIN_EMAIL, "admin", PASSWORD);

    let mut server = Server::start(&dirs, &master_keys).await;
    let mut client = Client::new();
    client.sign_in(&server, ADMIN_EMAIL, PASSWORD).await;
    let saved = client.store_keys(&server, "/api/keys/save", PAIRS[0]).await;
    assert_eq!(saved.status, StatusCode::OK, "the first save failed: {}", saved.body);
    let store = open_store(&dirs).await;
    let org_id = org_id_of(&store, ADMIN_EMAIL).await;

    // Every pair ever submitted, by access key ID: its secret and its position in the sequence.
    let mut submitted: HashMap<String, (usize, String)> = HashMap::new();
    submitted.insert(PAIRS[0].0.to_owned(), (0, PAIRS[0].1.to_owned()));
    let mut sequence_length = 1;
    let mut current = 0;
    let mut committed_replaces = 0;
    // Rounds whose kill came while a replace was in flight, and how many of those committed it.
    let mut in_flight_rounds = 0;
    let mut in_flight_committed = 0;

    for round in 0..KILL_ROUNDS {
        let pairs: Vec<(String, String)> = (0..MAX_REPLACES_PER_ROUND).map(|_| generate_pair(&mut rng)).collect();
        let first_position = sequence_length;
        for (offset, (access_key_id, secret)) in pairs.iter().enumerate() {
            submitted.insert(access_key_id.clone(), (first_position + offset, secret.clone()));
        }
        sequence_length += pairs.len();

        let sent = Arc::new(AtomicUsize::new(0));
        let task = tokio::spawn(replace_until_killed(client.clone(), server.base_url.clone(), pairs, sent.clone()));
        let delay = Duration::from_millis(rng.gen_range(KILL_DELAY_MS));
        tokio::time::sleep(delay).await;
        let pid = server.pid();
        let sent_at_kill = sent.load(Ordering::SeqCst);
        server.kill();
        let run = tokio::time::timeout(Duration::from_secs(30), task)
            .await
            .unwrap_or_else(|_| panic!("round {round}: the replacing task did not stop after the kill"))
            .unwrap_or_else(|error| panic!("round {round}: the replacing task failed: {error}"));
        assert!(run.sent >= sent_at_kill, "round {round}: the sent counter went back");
        assert!(run.sent < MAX_REPLACES_PER_ROUND, "round {round}: all {MAX_REPLACES_PER_ROUND} replaces finished before the kill; raise MAX_REPLACES_PER_ROUND");

        server = Server::start(&dirs, &master_keys).await;
        let (stored_id, stored_secret) = read_pair(&store, keyring(&[MASTER_KEY]), org_id).await;
        let (position, expected_secret) = submitted
            .get(&stored_id)
            .unwrap_or_else(|| panic!("round {round} (seed {seed}): the stored access key ID {stored_id} was never submitted"));
        assert_eq!(
            &stored_secret, expected_secret,
            "round {round} (seed {seed}): the stored secret does not belong to the stored access key ID {stored_id}"
        );

        // Replaces ran one after another, so the store contains the last acknowledged pair or the
        // one in flight at the kill, never an older one.
        let last_acknowledged = if run.acknowledged == 0 { current } else { first_position + run.acknowledged - 1 };
        let last_sent = if run.sent == 0 { current } else { first_position + run.sent - 1 };
        assert!(
            *position == last_acknowledged || *position == last_sent,
            "round {round} (seed {seed}, pid {pid}, kill after {delay:?}): the store contains pair {position}, but the last \
             acknowledged pair is {last_acknowledged} and the last sent is {last_sent} ({run:?})"
        );
        if run.sent > run.acknowledged {
            in_flight_rounds += 1;
            if *position == last_sent {
                in_flight_committed += 1;
            }
        }
        committed_replaces += if *position == current { 0 } else { position - first_position + 1 };
        current = *position;

        let status = client.status(&server).await;
        assert_eq!(configured_id(&status), Some(stored_id.as_str()), "round {round}: the server's status differs from the store");
        let entries = AuditLog::new(store.clone()).list(org_id, 1, 0).await.expect("read the audit trail");
        let newest = entries.first().expect("an audit entry");
        assert_eq!(
            newest.access_key_id.as_deref(),
            Some(stored_id.as_str()),
            "round {round}: the newest audit entry ({newest:?}) does not name the stored pair; the change and its entry were not committed together"
        );
    }

    let replaced_entries: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM audit_events WHERE org_id = $1 AND action = 'replaced'")
        .bind(org_id)
        .fetch_one(store.pool())
        .await
        .expect("count the audit entries");
    assert_eq!(
        replaced_entries, committed_replaces as i64,
        "the audit trail has {replaced_entries} replace entries for {committed_replaces} committed replaces"
    );
    let verify = run_server_command(&dirs, &master_keys, &["keys", "verify"], "");
    assert_eq!(verify.code(), Some(0), "`server keys verify` failed after the kills:\n{}\n{}", verify.stdout, verify.stderr);
    assert!(in_flight_rounds > 0, "no kill came while a replace was in flight, so the test checked nothing about interrupted writes");
    eprintln!(
        "{KILL_ROUNDS} kill rounds, {committed_replaces} committed replaces, {in_flight_rounds} kills with a replace in flight \
         ({in_flight_committed} of them committed), in {:?}",
        test_started.elapsed()
    );
}

/// Holds `BEGIN EXCLUSIVE` on the database from a connection of its own. In WAL mode readers
/// still proceed, but every writer waits for the lock and then fails with SQLITE_BUSY.
struct ExclusiveLock {
    connection: sqlx::SqliteConnection,
}

impl ExclusiveLock {
    async fn take(dirs: &ServerDirs) -> Self {
        let mut connection = SqliteConnectOptions::new()
            .filename(dirs.database_path())
            .busy_timeout(Duration::from_secs(10))
            .connect()
            .await
            .expect("open a second connection to the database");
        sqlx::raw_sql("BEGIN EXCLUSIVE").execute(&mut connection).await.expect("take the exclusive lock");
        Self { connection }
    }

    async fn release(mut self) {
        sqlx::raw_sql("ROLLBACK").execute(&mut self.connection).await.expect("release the exclusive lock");
        self.connection.close().await.expect("close the locking connection");
    }
}

/// Checks a reply to a write while the database is locked: 503 with the unavailable message,
/// within [`LOCKED_REPLY_LIMIT`].
fn assert_unavailable(request_name: &str, reply: &common::Reply, elapsed: Duration) {
    assert_eq!(reply.status, StatusCode::SERVICE_UNAVAILABLE, "{request_name} while locked: {}", reply.body);
    // NOTE: the body is the JSON `ApiError::Unavailable` when the server function fails, but
    // plain text when the authentication middleware cannot load the user first (its pool wait
    // timed out). The WASM client decodes error bodies as JSON `ApiError`, so for the plain text
    // it shows its generic "Something went wrong" message instead.
    let message = shown_message(&reply.body);
    assert!(message.contains(UNAVAILABLE_TEXT), "{request_name} while locked shows: {message}");
    assert!(elapsed < LOCKED_REPLY_LIMIT, "{request_name} took {elapsed:?} to fail while locked");
}

/// Checks a read while the database is locked: it may succeed or return 503, but never 500.
fn assert_not_internal_error(request_name: &str, reply: &common::Reply) {
    assert!(
        reply.status == StatusCode::OK || reply.status == StatusCode::SERVICE_UNAVAILABLE,
        "{request_name} while locked returned {}: {}",
        reply.status,
        reply.body
    );
    if reply.status == StatusCode::SERVICE_UNAVAILABLE {
        let message = shown_message(&reply.body);
        assert!(message.contains(UNAVAILABLE_TEXT), "{request_name} returned 503 without the unavailable message: {message}");
    }
}

async fn timed<T>(request: impl std::future::Future<Output = T>) -> (T, Duration) {
    let started = Instant::now();
    let output = request.await;
    (output, started.elapsed())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn locked_sqlite_gives_unavailable_then_recovers() {
    let dirs = ServerDirs::new();
    let master_keys = MasterKeys::Single(encode_key(MASTER_KEY));
    add_user(&dirs, &master_keys, "Acme", ADMIN_EMAIL, "admin", PASSWORD);
    let server = Server::start(&dirs, &master_keys).await;
    let mut client = Client::new();
    client.sign_in(&server, ADMIN_EMAIL, PASSWORD).await;
    let saved = client.store_keys(&server, "/api/keys/save", PAIRS[0]).await;
    assert_eq!(saved.status, StatusCode::OK, "the first save failed: {}", saved.body);
    let entries_before = audit_trail(&client, &server).await.entries;

    let anonymous = Client::new();
    let lock = ExclusiveLock::take(&dirs).await;
    let (replace, save, delete, check, sign_in, sign_out, status, page, audit_page) = tokio::join!(
        timed(client.store_keys(&server, "/api/keys/replace", PAIRS[1])),
        timed(client.store_keys(&server, "/api/keys/save", PAIRS[1])),
        timed(client.post(&server, "/api/keys/delete", &[])),
        timed(client.post(&server, "/api/keys/test", &[])),
        timed(anonymous.post(&server, "/api/auth/login", &[("email", ADMIN_EMAIL), ("password", PASSWORD)])),
        timed(client.post(&server, "/api/auth/logout", &[])),
        client.post(&server, "/api/keys/status", &[]),
        client.get(&server, API_KEYS_PAGE),
        client.get(&server, "/settings/ai/api-keys/audit"),
    );
    eprintln!(
        "while locked: replace failed after {:?}, save {:?}, delete {:?}, connection check {:?}, sign-in {:?}, sign-out {:?}",
        replace.1, save.1, delete.1, check.1, sign_in.1, sign_out.1
    );
    eprintln!("while locked: status returned {}, the API Keys page {}, the audit page {}", status.status, page.status, audit_page.status);
    assert_unavailable("replace", &replace.0, replace.1);
    assert_unavailable("save", &save.0, save.1);
    assert_unavailable("delete", &delete.0, delete.1);
    assert_unavailable("connection check", &check.0, check.1);
    assert_unavailable("sign-in", &sign_in.0, sign_in.1);
    assert!(sign_in.0.set_cookie.is_none(), "the failed sign-in set a cookie: {:?}", sign_in.0.set_cookie);
    assert_unavailable("sign-out", &sign_out.0, sign_out.1);
    assert_not_internal_error("POST /api/keys/status", &status);
    assert_not_internal_error(&format!("GET {API_KEYS_PAGE}"), &page);
    assert_not_internal_error("GET /settings/ai/api-keys/audit", &audit_page);
    let log_while_locked = server.log();
    lock.release().await;

    let status = client.status(&server).await;
    assert_eq!(configured_id(&status), Some(PAIRS[0].0), "the failed writes changed the keys");
    let store = open_store(&dirs).await;
    let org_id = org_id_of(&store, ADMIN_EMAIL).await;
    let (access_key_id, secret) = read_pair(&store, keyring(&[MASTER_KEY]), org_id).await;
    assert_eq!((access_key_id.as_str(), secret.as_str()), PAIRS[0], "the stored pair changed while the writes failed");
    let entries_after = audit_trail(&client, &server).await.entries;
    assert_eq!(entries_after, entries_before, "the failed writes left audit entries");

    let (replaced, elapsed) = timed(client.store_keys(&server, "/api/keys/replace", PAIRS[1])).await;
    assert_eq!(replaced.status, StatusCode::OK, "the replace after the lock was released failed: {}", replaced.body);
    assert!(elapsed < Duration::from_secs(5), "the replace after the lock was released took {elapsed:?}");
    assert_eq!(configured_id(&client.status(&server).await), Some(PAIRS[1].0));
    let newest = audit_trail(&client, &server).await.entries.into_iter().next().expect("an audit entry");
    assert_eq!(newest.action, "replaced");
    assert_eq!(newest.access_key_id.as_deref(), Some(PAIRS[1].0));
    assert_eq!(newest.previous_access_key_id.as_deref(), Some(PAIRS[0].0));

    assert!(log_while_locked.contains("database unavailable"), "the server did not log the locked database:\n{log_while_locked}");
    let log = server.log();
    for (access_key_id, secret) in PAIRS {
        assert!(!log.contains(secret), "the server logged the secret of {access_key_id}");
    }

    // The sign-out that failed while locked kept the session, so signing out works now.
    let sign_out = client.post(&server, "/api/auth/logout", &[]).await;
    assert_eq!(sign_out.status, StatusCode::OK, "sign-out after the lock was released: {}", sign_out.body);
    let after_sign_out = client.post(&server, "/api/keys/status", &[]).await;
    assert_eq!(after_sign_out.status, StatusCode::UNAUTHORIZED, "the session outlived the sign-out: {}", after_sign_out.body);
}

/// More writers than the pool has connections (8), so that blocked writers hold every
/// connection and later requests wait for one.
const WRITERS_BEYOND_POOL: usize = 12;
const READERS_WHILE_POOL_FULL: usize = 4;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn locked_sqlite_with_full_pool_never_answers_500() {
    let dirs = ServerDirs::new();
    let master_keys = MasterKeys::Single(encode_key(MASTER_KEY));
    add_user(&dirs, &master_keys, "Acme", ADMIN_EMAIL, "admin", PASSWORD);
    let server = Server::start(&dirs, &master_keys).await;
    let mut client = Client::new();
    client.sign_in(&server, ADMIN_EMAIL, PASSWORD).await;
    let saved = client.store_keys(&server, "/api/keys/save", PAIRS[0]).await;
    assert_eq!(saved.status, StatusCode::OK, "the first save failed: {}", saved.body);
    let entries_before = audit_trail(&client, &server).await.entries;

    let lock = ExclusiveLock::take(&dirs).await;
    let writers: Vec<_> = (0..WRITERS_BEYOND_POOL)
        .map(|_| {
            let (client, base_url) = (client.clone(), server.base_url.clone());
            tokio::spawn(async move { timed(client.store_keys(&base_url, "/api/keys/replace", PAIRS[1])).await })
        })
        .collect();
    // The readers start once the writers hold the pool's connections.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let readers: Vec<_> = (0..READERS_WHILE_POOL_FULL)
        .map(|index| {
            let (client, base_url) = (client.clone(), server.base_url.clone());
            tokio::spawn(async move {
                if index % 2 == 0 {
                    (format!("GET {API_KEYS_PAGE}"), client.get(&base_url, API_KEYS_PAGE).await)
                } else {
                    ("POST /api/keys/status".to_owned(), client.post(&base_url, "/api/keys/status", &[]).await)
                }
            })
        })
        .collect();
    for (index, writer) in writers.into_iter().enumerate() {
        let (reply, elapsed) = writer.await.expect("a writer task panicked");
        assert_unavailable(&format!("replace {index} of {WRITERS_BEYOND_POOL}"), &reply, elapsed);
    }
    for reader in readers {
        let (request_name, reply) = reader.await.expect("a reader task panicked");
        assert_not_internal_error(&request_name, &reply);
    }
    lock.release().await;

    assert_eq!(configured_id(&client.status(&server).await), Some(PAIRS[0].0), "the failed replaces changed the keys");
    assert_eq!(audit_trail(&client, &server).await.entries, entries_before, "the failed replaces left audit entries");
    let replaced = client.store_keys(&server, "/api/keys/replace", PAIRS[1]).await;
    assert_eq!(replaced.status, StatusCode::OK, "the replace after the lock was released failed: {}", replaced.body);
    assert_eq!(configured_id(&client.status(&server).await), Some(PAIRS[1].0));
}

/// Checks every view of keys whose secret the server cannot decrypt: the page and the status
/// report that they must be entered again, a connection check and a save are rejected without a 500, and a
/// replace then stores a readable pair.
async fn assert_unreadable_then_replace(client: &Client, server: &Server, label: &str) {
    let page = client.get(server, API_KEYS_PAGE).await;
    assert_eq!(page.status, StatusCode::OK, "{label}: GET {API_KEYS_PAGE} failed: {}", page.body);
    assert!(page.body.contains("The stored keys cannot be read"), "{label}: the page does not say the keys cannot be read:\n{}", page.body);
    assert!(page.body.contains("Enter the keys again"), "{label}: the page does not ask to enter the keys again:\n{}", page.body);
    assert!(page.body.contains(PAIRS[0].0), "{label}: the page does not name the unreadable access key ID");
    for path in ["/", "/onboarding", "/onboarding/access-keys", "/guardian", "/settings/ai/api-keys/delete", "/settings/ai/api-keys/audit", "/settings/members"] {
        let other = client.get(server, path).await;
        assert!(!other.status.is_server_error(), "{label}: GET {path} returned {}: {}", other.status, other.body);
    }

    let status = client.status(server).await;
    assert!(
        matches!(&status.state, KeyState::Unreadable { access_key_id, .. } if access_key_id == PAIRS[0].0),
        "{label}: the status is {:?}, not Unreadable",
        status.state
    );

    let check = client.post(server, "/api/keys/test", &[]).await;
    assert_eq!(check.status, StatusCode::CONFLICT, "{label}: a connection check with unreadable keys: {}", check.body);
    assert_eq!(api_error(&check.body), ApiError::KeysUnreadable, "{label}: connection check");
    let save = client.store_keys(server, "/api/keys/save", PAIRS[1]).await;
    assert_eq!(save.status, StatusCode::CONFLICT, "{label}: a save over unreadable keys: {}", save.body);

    let audit = audit_trail(client, server).await;
    assert!(
        audit.entries.iter().any(|entry| entry.action == "unreadable" && entry.access_key_id.as_deref() == Some(PAIRS[0].0)),
        "{label}: the audit trail does not record the unreadable keys: {:?}",
        audit.entries
    );

    let replaced = client.store_keys(server, "/api/keys/replace", PAIRS[1]).await;
    assert_eq!(replaced.status, StatusCode::OK, "{label}: replacing unreadable keys failed: {}", replaced.body);
    assert_eq!(configured_id(&client.status(server).await), Some(PAIRS[1].0), "{label}: status after the replace");
    let page = client.get(server, API_KEYS_PAGE).await;
    assert_eq!(page.status, StatusCode::OK, "{label}: GET {API_KEYS_PAGE} after the replace: {}", page.body);
    assert!(!page.body.contains("The stored keys cannot be read"), "{label}: the page still says the keys cannot be read");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn changed_master_key_pages_say_reenter() {
    // A different GUARDIAN_MASTER_KEY.
    let dirs = ServerDirs::new();
    let first_key = MasterKeys::Single(encode_key(MASTER_KEY));
    let second_key = MasterKeys::Single(encode_key(OTHER_MASTER_KEY));
    add_user(&dirs, &first_key, "Acme", ADMIN_EMAIL, "admin", PASSWORD);
    let server = Server::start(&dirs, &first_key).await;
    let mut client = Client::new();
    client.sign_in(&server, ADMIN_EMAIL, PASSWORD).await;
    let saved = client.store_keys(&server, "/api/keys/save", PAIRS[0]).await;
    assert_eq!(saved.status, StatusCode::OK, "the first save failed: {}", saved.body);
    server.kill();

    let server = Server::start(&dirs, &second_key).await;
    assert_unreadable_then_replace(&client, &server, "changed GUARDIAN_MASTER_KEY").await;
    let log = server.log();
    assert!(log.contains("stored Bedrock keys cannot be decrypted"), "the server did not log the unreadable keys:\n{log}");
    for (access_key_id, secret) in PAIRS {
        assert!(!log.contains(secret), "the server logged the secret of {access_key_id}");
    }
    server.kill();
    let store = open_store(&dirs).await;
    let org_id = org_id_of(&store, ADMIN_EMAIL).await;
    let (access_key_id, secret) = read_pair(&store, keyring(&[OTHER_MASTER_KEY]), org_id).await;
    assert_eq!((access_key_id.as_str(), secret.as_str()), PAIRS[1], "the replaced pair under the new master key");

    // The generated master.key file deleted, so the server generates another one.
    let dirs = ServerDirs::new();
    add_user(&dirs, &MasterKeys::File, "Acme", ADMIN_EMAIL, "admin", PASSWORD);
    let server = Server::start(&dirs, &MasterKeys::File).await;
    let mut client = Client::new();
    client.sign_in(&server, ADMIN_EMAIL, PASSWORD).await;
    let saved = client.store_keys(&server, "/api/keys/save", PAIRS[0]).await;
    assert_eq!(saved.status, StatusCode::OK, "the first save failed: {}", saved.body);
    server.kill();
    let lost_key = std::fs::read_to_string(dirs.master_key_file()).expect("the generated master.key");
    std::fs::remove_file(dirs.master_key_file()).expect("delete master.key");

    let server = Server::start(&dirs, &MasterKeys::File).await;
    assert!(server.log().contains("generated a new master key file"), "the server did not generate a new key:\n{}", server.log());
    let new_key = std::fs::read_to_string(dirs.master_key_file()).expect("the new master.key");
    assert_ne!(new_key.trim(), lost_key.trim(), "the new master.key repeats the deleted one");
    assert_unreadable_then_replace(&client, &server, "deleted master.key").await;
    server.kill();

    // The replaced pair is sealed under the new file's key, so a restart reads it.
    let server = Server::start(&dirs, &MasterKeys::File).await;
    assert!(!server.log().contains("generated a new master key file"), "the restart generated yet another master key");
    assert_eq!(configured_id(&client.status(&server).await), Some(PAIRS[1].0), "status after a restart with the new master.key");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keys_rotate_then_drop_old_key_keeps_secrets_readable() {
    let old = encode_key(OLD_KEY);
    let new = encode_key(NEW_KEY);
    let old_only = MasterKeys::List(old.clone());
    let new_then_old = MasterKeys::List(format!("{new},{old}"));
    let new_only = MasterKeys::List(new.clone());

    let dirs = ServerDirs::new();
    add_user(&dirs, &old_only, "Acme", ADMIN_EMAIL, "admin", PASSWORD);
    add_user(&dirs, &old_only, "Other", OTHER_ADMIN_EMAIL, "admin", PASSWORD);
    let server = Server::start(&dirs, &old_only).await;
    let mut acme = Client::new();
    acme.sign_in(&server, ADMIN_EMAIL, PASSWORD).await;
    let mut other = Client::new();
    other.sign_in(&server, OTHER_ADMIN_EMAIL, PASSWORD).await;
    for (client, pair) in [(&acme, PAIRS[0]), (&other, PAIRS[1])] {
        let saved = client.store_keys(&server, "/api/keys/save", pair).await;
        assert_eq!(saved.status, StatusCode::OK, "saving {} failed: {}", pair.0, saved.body);
    }
    server.kill();

    let rotate = run_server_command(&dirs, &new_then_old, &["keys", "rotate"], "");
    assert_eq!(rotate.code(), Some(0), "`keys rotate` with new,old failed:\n{}\n{}", rotate.stdout, rotate.stderr);
    assert!(rotate.stdout.contains("re-encrypted: 2"), "`keys rotate` output:\n{}", rotate.stdout);
    assert!(rotate.stdout.contains("could not read: 0"), "`keys rotate` output:\n{}", rotate.stdout);

    let verify = run_server_command(&dirs, &new_only, &["keys", "verify"], "");
    assert_eq!(verify.code(), Some(0), "`keys verify` with only the new key failed:\n{}\n{}", verify.stdout, verify.stderr);
    assert!(verify.stdout.contains("readable: 2"), "`keys verify` output:\n{}", verify.stdout);
    assert!(verify.stdout.contains("could not read: 0"), "`keys verify` output:\n{}", verify.stdout);

    let store = open_store(&dirs).await;
    let acme_org = org_id_of(&store, ADMIN_EMAIL).await;
    let other_org = org_id_of(&store, OTHER_ADMIN_EMAIL).await;
    let new_key_id = MasterKey::from_bytes(NEW_KEY).id().to_owned();
    for (org_id, pair) in [(acme_org, PAIRS[0]), (other_org, PAIRS[1])] {
        let sealed = sealed_secret_of(&store, org_id).await.expect("a stored value");
        assert_eq!(Keyring::key_id_of(&sealed), Some(new_key_id.as_str()), "organization {org_id} is not sealed under the new key");
        let (access_key_id, secret) = read_pair(&store, keyring(&[NEW_KEY]), org_id).await;
        assert_eq!((access_key_id.as_str(), secret.as_str()), pair, "organization {org_id} after the rotation");
    }

    let server = Server::start(&dirs, &new_only).await;
    assert_eq!(configured_id(&acme.status(&server).await), Some(PAIRS[0].0), "Acme's status with only the new key");
    assert_eq!(configured_id(&other.status(&server).await), Some(PAIRS[1].0), "Other's status with only the new key");
    server.kill();

    // A value sealed under a master key that none of the settings lists.
    add_user(&dirs, &new_only, "Lost", "admin@lost.example.com", "admin", PASSWORD);
    let lost_org = org_id_of(&store, "admin@lost.example.com").await;
    let lost_keys = Keys::new(store.clone(), keyring(&[LOST_KEY]));
    let lost_secret = SecretString::from(PAIRS[0].1.to_owned());
    lost_keys.save(lost_org, PAIRS[0].0, &lost_secret, guardian_core::unix_now()).await.expect("seal a value under the lost key");
    let lost_sealed = sealed_secret_of(&store, lost_org).await.expect("the lost organization's value");

    let verify = run_server_command(&dirs, &new_only, &["keys", "verify"], "");
    assert_eq!(verify.code(), Some(2), "`keys verify` must exit with 2 for an unreadable value:\n{}\n{}", verify.stdout, verify.stderr);
    assert!(verify.stdout.contains("readable: 2"), "`keys verify` output:\n{}", verify.stdout);
    assert!(verify.stdout.contains("could not read: 1"), "`keys verify` output:\n{}", verify.stdout);
    assert!(
        verify.stdout.contains(&format!("organization {lost_org} access key {}", PAIRS[0].0)),
        "`keys verify` does not name the unreadable value:\n{}",
        verify.stdout
    );
    assert!(verify.stdout.contains("is not configured"), "`keys verify` does not name the missing master key:\n{}", verify.stdout);

    let rotate = run_server_command(&dirs, &new_only, &["keys", "rotate"], "");
    assert_eq!(rotate.code(), Some(2), "`keys rotate` must exit with 2 for an unreadable value:\n{}\n{}", rotate.stdout, rotate.stderr);
    assert!(rotate.stdout.contains("re-encrypted: 2"), "`keys rotate` output:\n{}", rotate.stdout);
    assert!(rotate.stdout.contains("could not read: 1"), "`keys rotate` output:\n{}", rotate.stdout);
    assert_eq!(
        sealed_secret_of(&store, lost_org).await.as_deref(),
        Some(lost_sealed.as_str()),
        "`keys rotate` deleted or changed the value it could not read"
    );
    let (access_key_id, secret) = read_pair(&store, keyring(&[LOST_KEY]), lost_org).await;
    assert_eq!((access_key_id.as_str(), secret.as_str()), PAIRS[0], "the unreadable value still opens with its own key");
    for (org_id, pair) in [(acme_org, PAIRS[0]), (other_org, PAIRS[1])] {
        let (access_key_id, secret) = read_pair(&store, keyring(&[NEW_KEY]), org_id).await;
        assert_eq!((access_key_id.as_str(), secret.as_str()), pair, "organization {org_id} after the second rotation");
    }
}
