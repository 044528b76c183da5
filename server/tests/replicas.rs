//! Two server processes (replicas) on one PostgreSQL database with the same master key, called
//! over plain HTTP on 127.0.0.1. A session started on one replica works on the other, and
//! concurrent replaces on both leave one whole key pair. During a database outage requests fail
//! with 503 until the replicas reconnect by themselves.
//!
//! The PostgreSQL tests need GUARDIAN_TEST_POSTGRES_URL (`eval "$(scripts/postgres.sh start)"`).
//! Without it they fail under CI=true and are skipped otherwise. The outage test starts a
//! cluster of its own with `scripts/postgres.sh`, so stopping it disturbs no other test. One
//! test runs a single server on SQLite, the default engine, and needs nothing.

use std::io::Write;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use app::api::{KeyState, KeyStatusView};
use app::error::ApiError;
use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use guardian_core::crypto::{Keyring, MasterKey};
use guardian_core::{Keys, Store};
use reqwest::StatusCode;
use secrecy::ExposeSecret;
use server::auth::SESSION_COOKIE;
use sqlx::Connection;
use tempfile::TempDir;

const POSTGRES_URL_VAR: &str = "GUARDIAN_TEST_POSTGRES_URL";
const MASTER_KEY_BYTES: [u8; 32] = [42; 32];
/// The address users would reach through a load balancer. Both replicas are configured with it,
/// and every request carries its origin; nothing listens there.
const PUBLIC_URL: &str = "http://127.0.0.1:3000";
const PUBLIC_ORIGIN: &str = "http://127.0.0.1:3000";
const ORG_NAME: &str = "Replica Test Org";
const ADMIN_EMAIL: &str = "admin@example.com";
const PASSWORD: &str = "a long test passphrase";
const PAIRS: [(&str, &str); 2] = [
    ("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
    ("AKIAI44QH8DHBEXAMPLE", "je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY"),
];
/// Replaces that each replica runs in the concurrency test.
const REPLACES_PER_REPLICA: usize = 12;
const UNAVAILABLE_TEXT: &str = "temporarily unavailable";
/// Maximum wait for a started replica to return 200 on /healthz.
const STARTUP_TIMEOUT: Duration = Duration::from_secs(60);

/// Reads GUARDIAN_TEST_POSTGRES_URL; fails under CI=true when it is unset, else skips.
fn postgres_enabled() -> Option<String> {
    match std::env::var(POSTGRES_URL_VAR) {
        Ok(url) if !url.trim().is_empty() => Some(url),
        _ if std::env::var("CI").is_ok_and(|ci| ci == "true") => panic!(
            "{POSTGRES_URL_VAR} is not set, but CI=true requires the PostgreSQL replica tests. \
             Start a cluster with: eval \"$(scripts/postgres.sh start)\""
        ),
        _ => {
            eprintln!("note: skipping the replica tests because {POSTGRES_URL_VAR} is not set");
            None
        }
    }
}

/// Creates a database with a unique name on the cluster of `admin_url` and returns its URL. The
/// cluster is a throwaway one, so the database is not dropped.
async fn create_database(admin_url: &str, label: &str) -> String {
    let name = format!("replicas_{label}_{}", std::process::id());
    let mut connection = sqlx::PgConnection::connect(admin_url)
        .await
        .unwrap_or_else(|error| panic!("could not connect to {POSTGRES_URL_VAR}: {error}"));
    sqlx::query(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)")).execute(&mut connection).await.unwrap();
    sqlx::query(&format!("CREATE DATABASE \"{name}\"")).execute(&mut connection).await.unwrap();
    let _ = connection.close().await;
    let mut url = url::Url::parse(admin_url).expect("a valid PostgreSQL URL");
    url.set_path(&format!("/{name}"));
    url.to_string()
}

fn scripts_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../scripts")
}

/// A cluster of this test's own, started and stopped with scripts/postgres.sh.
struct PrivateCluster {
    state_file: PathBuf,
    url: String,
    _dir: TempDir,
}

impl PrivateCluster {
    fn start() -> Self {
        let dir = tempfile::tempdir().expect("create a temporary directory");
        let state_file = dir.path().join("postgres.env");
        let output = Self::script(&state_file, "start");
        let url = output
            .lines()
            .find_map(|line| line.strip_prefix(&format!("export {POSTGRES_URL_VAR}=")))
            .unwrap_or_else(|| panic!("scripts/postgres.sh start printed no URL: {output}"))
            .to_owned();
        Self { state_file, url, _dir: dir }
    }

    /// Stops the server and keeps its data, as an outage does.
    fn down(&self) {
        Self::script(&self.state_file, "down");
    }

    fn up(&self) {
        Self::script(&self.state_file, "up");
    }

    fn script(state_file: &Path, command: &str) -> String {
        let output = Command::new(scripts_dir().join("postgres.sh"))
            .arg(command)
            .env("GUARDIAN_POSTGRES_STATE", state_file)
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .stderr(Stdio::inherit())
            .output()
            .unwrap_or_else(|error| panic!("could not run scripts/postgres.sh {command}: {error}"));
        assert!(output.status.success(), "scripts/postgres.sh {command} failed: {}", output.status);
        String::from_utf8(output.stdout).expect("UTF-8 output")
    }
}

impl Drop for PrivateCluster {
    fn drop(&mut self) {
        let _ = Command::new(scripts_dir().join("postgres.sh"))
            .arg("stop")
            .env("GUARDIAN_POSTGRES_STATE", &self.state_file)
            .status();
    }
}

/// Environment shared by every server process of a test: one database and one master key, and
/// every AWS call kept on this machine.
fn server_command(database_url: &str, data_dir: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_server"));
    command
        .env("DATABASE_URL", database_url)
        .env("GUARDIAN_MASTER_KEY", BASE64.encode(MASTER_KEY_BYTES))
        .env_remove("GUARDIAN_MASTER_KEYS")
        .env("GUARDIAN_DATA_DIR", data_dir)
        .env("GUARDIAN_PUBLIC_URL", PUBLIC_URL)
        .env("GUARDIAN_BEDROCK_ENDPOINT", "http://127.0.0.1:9")
        .env("GUARDIAN_BEDROCK_INSTANCE_METADATA", "false")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
        .env("AWS_CONFIG_FILE", data_dir.join("no-aws-config"))
        .env("AWS_SHARED_CREDENTIALS_FILE", data_dir.join("no-aws-credentials"))
        .env("RUST_LOG", "info")
        .env_remove("GUARDIAN_LOG_FORMAT");
    for name in ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_ROLE_ARN", "AWS_WEB_IDENTITY_TOKEN_FILE"] {
        command.env_remove(name);
    }
    command
}

/// Adds the admin with `server user add`, the password on standard input.
fn add_admin(database_url: &str) {
    let data_dir = tempfile::tempdir().expect("create a temporary directory");
    let mut child = server_command(database_url, data_dir.path())
        .args(["user", "add", "--org", ORG_NAME, "--email", ADMIN_EMAIL, "--role", "admin"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start `server user add`");
    writeln!(child.stdin.take().expect("a stdin pipe"), "{PASSWORD}").expect("write the password");
    let output = child.wait_with_output().expect("wait for `server user add`");
    assert!(
        output.status.success(),
        "`server user add` failed: {}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").expect("bind a free port").local_addr().expect("a local address").port()
}

/// One running server process. Its output goes to `server.log` in its data directory, which is
/// printed when a test fails.
struct Replica {
    name: &'static str,
    base_url: String,
    child: Child,
    log_path: PathBuf,
    _data_dir: TempDir,
}

impl Replica {
    async fn start(name: &'static str, database_url: &str) -> Self {
        let data_dir = tempfile::tempdir().expect("create a temporary directory");
        let site_root = data_dir.path().join("site");
        std::fs::create_dir_all(site_root.join("pkg")).expect("create the site root");
        let log_path = data_dir.path().join("server.log");
        let log = std::fs::File::create(&log_path).expect("create the server log");
        let port = free_port();

        let child = server_command(database_url, data_dir.path())
            .env("LEPTOS_OUTPUT_NAME", "guardian")
            .env("LEPTOS_SITE_ROOT", &site_root)
            .env("LEPTOS_SITE_PKG_DIR", "pkg")
            .env("LEPTOS_SITE_ADDR", format!("127.0.0.1:{port}"))
            .env("LEPTOS_ENV", "PROD")
            .stdout(log.try_clone().expect("clone the log file"))
            .stderr(log)
            .spawn()
            .expect("start the server");
        let mut replica = Self { name, base_url: format!("http://127.0.0.1:{port}"), child, log_path, _data_dir: data_dir };
        replica.wait_until_healthy().await;
        replica
    }

    async fn wait_until_healthy(&mut self) {
        let client = reqwest::Client::new();
        let started = Instant::now();
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("replica {} exited with {status} during startup:\n{}", self.name, self.log());
            }
            let healthy = client.get(format!("{}/healthz", self.base_url)).send().await;
            if healthy.is_ok_and(|response| response.status() == StatusCode::OK) {
                return;
            }
            assert!(started.elapsed() < STARTUP_TIMEOUT, "replica {} did not start:\n{}", self.name, self.log());
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    fn log(&self) -> String {
        std::fs::read_to_string(&self.log_path).unwrap_or_default()
    }
}

impl Drop for Replica {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if std::thread::panicking() {
            eprintln!("--- log of replica {} ---\n{}", self.name, self.log());
        }
    }
}

/// A response's status and body.
#[derive(Debug)]
struct Reply {
    status: StatusCode,
    body: String,
    set_cookie: Option<String>,
}

/// A browser-like client of one user: it keeps the session cookie and sends the public origin.
#[derive(Clone)]
struct Client {
    http: reqwest::Client,
    session_cookie: Option<String>,
}

impl Client {
    fn new() -> Self {
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(30))
            .build()
            .expect("build the HTTP client");
        Self { http, session_cookie: None }
    }

    /// Posts form fields to a server function on `replica`.
    async fn post(&self, replica: &Replica, path: &str, fields: &[(&str, &str)]) -> Reply {
        let body: String = url::form_urlencoded::Serializer::new(String::new()).extend_pairs(fields).finish();
        let mut request = self
            .http
            .post(format!("{}{path}", replica.base_url))
            .header("origin", PUBLIC_ORIGIN)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body);
        if let Some(cookie) = &self.session_cookie {
            request = request.header("cookie", cookie);
        }
        let response = request.send().await.unwrap_or_else(|error| panic!("POST {path} to replica {} failed: {error}", replica.name));
        let status = response.status();
        let set_cookie = response.headers().get("set-cookie").and_then(|value| value.to_str().ok()).map(str::to_owned);
        let body = response.text().await.expect("read the response body");
        Reply { status, body, set_cookie }
    }

    async fn sign_in(&mut self, replica: &Replica) {
        let reply = self.post(replica, "/api/auth/login", &[("email", ADMIN_EMAIL), ("password", PASSWORD)]).await;
        assert_eq!(reply.status, StatusCode::OK, "sign-in on replica {} failed: {}", replica.name, reply.body);
        let set_cookie = reply.set_cookie.expect("a session cookie");
        let cookie = set_cookie.split(';').next().expect("a cookie pair");
        assert!(cookie.starts_with(&format!("{SESSION_COOKIE}=")), "unexpected cookie: {set_cookie}");
        self.session_cookie = Some(cookie.to_owned());
    }

    async fn status(&self, replica: &Replica) -> KeyStatusView {
        let reply = self.post(replica, "/api/keys/status", &[]).await;
        assert_eq!(reply.status, StatusCode::OK, "status on replica {} failed: {}", replica.name, reply.body);
        serde_json::from_str(&reply.body).unwrap_or_else(|error| panic!("unexpected status body {}: {error}", reply.body))
    }

    async fn store_keys(&self, replica: &Replica, path: &str, (access_key_id, secret): (&str, &str)) -> Reply {
        self.post(replica, path, &[("access_key", access_key_id), ("access_secret", secret)]).await
    }
}

/// Reads the test organization's key pair from the database directly, with the replicas'
/// master key.
async fn stored_pair(database_url: &str) -> (String, String) {
    let store = Store::connect(database_url).await.expect("open the database");
    let org_id: i64 = sqlx::query_scalar("SELECT id FROM organizations WHERE name = $1")
        .bind(ORG_NAME)
        .fetch_one(store.pool())
        .await
        .expect("find the test organization");
    let keys = Keys::new(store, Arc::new(Keyring::new(vec![MasterKey::from_bytes(MASTER_KEY_BYTES)])));
    let (access_key_id, secret) = keys.read_pair(org_id).await.expect("read the pair").expect("a stored pair");
    (access_key_id, secret.expose_secret().to_owned())
}

fn configured_id(view: &KeyStatusView) -> Option<&str> {
    match &view.state {
        KeyState::Configured { access_key_id, .. } => Some(access_key_id),
        _ => None,
    }
}

/// The same session checks on the default engine, which needs no PostgreSQL: one replica, since
/// a SQLite file serves one process.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_server_keeps_sessions() {
    let database_dir = tempfile::tempdir().expect("create a temporary directory");
    let database_url = Store::sqlite_url(database_dir.path());
    add_admin(&database_url);
    let replica = Replica::start("SQLite", &database_url).await;

    let mut client = Client::new();
    client.sign_in(&replica).await;
    assert_eq!(client.status(&replica).await.state, KeyState::NotConfigured);
    let saved = client.store_keys(&replica, "/api/keys/save", PAIRS[0]).await;
    assert_eq!(saved.status, StatusCode::OK, "save failed: {}", saved.body);
    assert_eq!(configured_id(&client.status(&replica).await), Some(PAIRS[0].0));

    let signed_out = client.post(&replica, "/api/auth/logout", &[]).await;
    assert_eq!(signed_out.status, StatusCode::OK, "sign-out failed: {}", signed_out.body);
    let after_sign_out = client.post(&replica, "/api/keys/status", &[]).await;
    assert_eq!(after_sign_out.status, StatusCode::UNAUTHORIZED, "{}", after_sign_out.body);
    let sessions: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM sessions")
        .fetch_one(Store::connect(&database_url).await.expect("open the database").pool())
        .await
        .expect("count the stored sessions");
    assert_eq!(sessions, 0, "sign-out deletes the stored session");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replicas_share_sessions_and_keys() {
    let Some(admin_url) = postgres_enabled() else {
        return;
    };
    let database_url = create_database(&admin_url, "sessions").await;
    add_admin(&database_url);
    let (replica_a, replica_b) = tokio::join!(Replica::start("A", &database_url), Replica::start("B", &database_url));

    let anonymous = Client::new().post(&replica_b, "/api/keys/status", &[]).await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED, "{}", anonymous.body);

    let mut client = Client::new();
    client.sign_in(&replica_a).await;
    let status_on_b = client.status(&replica_b).await;
    assert_eq!(status_on_b.state, KeyState::NotConfigured);
    assert!(status_on_b.can_manage, "the admin signed in on A is an admin on B");

    let saved = client.store_keys(&replica_b, "/api/keys/save", PAIRS[0]).await;
    assert_eq!(saved.status, StatusCode::OK, "save on B failed: {}", saved.body);
    assert!(!saved.body.contains(PAIRS[0].1), "the response contains the secret");
    assert_eq!(configured_id(&client.status(&replica_a).await), Some(PAIRS[0].0));
    let second_save = client.store_keys(&replica_a, "/api/keys/save", PAIRS[1]).await;
    assert_eq!(second_save.status, StatusCode::CONFLICT, "a second save on A must conflict: {}", second_save.body);

    let signed_out = client.post(&replica_b, "/api/auth/logout", &[]).await;
    assert_eq!(signed_out.status, StatusCode::OK, "sign-out on B failed: {}", signed_out.body);
    let after_sign_out = client.post(&replica_a, "/api/keys/status", &[]).await;
    assert_eq!(after_sign_out.status, StatusCode::UNAUTHORIZED, "the session ended on B is still valid on A: {}", after_sign_out.body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_replaces_on_replicas_leave_one_pair() {
    let Some(admin_url) = postgres_enabled() else {
        return;
    };
    let database_url = create_database(&admin_url, "replaces").await;
    add_admin(&database_url);
    let (replica_a, replica_b) = tokio::join!(Replica::start("A", &database_url), Replica::start("B", &database_url));
    let mut client = Client::new();
    client.sign_in(&replica_a).await;
    let saved = client.store_keys(&replica_a, "/api/keys/save", PAIRS[0]).await;
    assert_eq!(saved.status, StatusCode::OK, "save failed: {}", saved.body);

    let replica_a = Arc::new(replica_a);
    let replica_b = Arc::new(replica_b);
    let tasks: Vec<_> = [(replica_a.clone(), PAIRS[1]), (replica_b.clone(), PAIRS[0])]
        .into_iter()
        .map(|(replica, pair)| {
            let client = client.clone();
            tokio::spawn(async move {
                for round in 0..REPLACES_PER_REPLICA {
                    let reply = client.store_keys(&replica, "/api/keys/replace", pair).await;
                    assert_eq!(reply.status, StatusCode::OK, "replace {round} on replica {} failed: {}", replica.name, reply.body);
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.expect("a replacing task panicked");
    }

    let (access_key_id, secret) = stored_pair(&database_url).await;
    assert!(
        PAIRS.iter().any(|&(id, text)| id == access_key_id && text == secret),
        "the stored pair mixes two submissions: {access_key_id} with the secret of another pair"
    );
    assert_eq!(configured_id(&client.status(&replica_a).await), Some(access_key_id.as_str()));
    assert_eq!(configured_id(&client.status(&replica_b).await), Some(access_key_id.as_str()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn database_outage_answers_503_then_heals() {
    if postgres_enabled().is_none() {
        return;
    }
    let cluster = PrivateCluster::start();
    add_admin(&cluster.url);
    let (replica_a, replica_b) = tokio::join!(Replica::start("A", &cluster.url), Replica::start("B", &cluster.url));
    let mut client = Client::new();
    client.sign_in(&replica_a).await;
    let saved = client.store_keys(&replica_b, "/api/keys/save", PAIRS[0]).await;
    assert_eq!(saved.status, StatusCode::OK, "save failed: {}", saved.body);

    cluster.down();
    for replica in [&replica_a, &replica_b] {
        let status = client.post(replica, "/api/keys/status", &[]).await;
        assert_eq!(status.status, StatusCode::SERVICE_UNAVAILABLE, "status on {} while the database is down: {}", replica.name, status.body);
        // The session check fails first and answers server-function calls with the JSON error.
        let status_error: ApiError =
            serde_json::from_str(&status.body).unwrap_or_else(|error| panic!("unexpected body on {}: {}: {error}", replica.name, status.body));
        assert_eq!(status_error, ApiError::Unavailable);

        // Server functions return the error as JSON, and the page shows its message.
        let sign_in = Client::new().post(replica, "/api/auth/login", &[("email", ADMIN_EMAIL), ("password", PASSWORD)]).await;
        assert_eq!(sign_in.status, StatusCode::SERVICE_UNAVAILABLE, "sign-in on {} while the database is down: {}", replica.name, sign_in.body);
        let error: ApiError = serde_json::from_str(&sign_in.body).unwrap_or_else(|error| panic!("unexpected body {}: {error}", sign_in.body));
        assert_eq!(error, ApiError::Unavailable);
        assert!(error.to_string().contains(UNAVAILABLE_TEXT), "{error}");
    }
    let readiness = reqwest::get(format!("{}/readyz", replica_a.base_url)).await.expect("GET /readyz");
    assert_eq!(readiness.status(), StatusCode::SERVICE_UNAVAILABLE);

    cluster.up();
    // The first requests after the restart already succeed: no replica needs a restart.
    assert_eq!(configured_id(&client.status(&replica_a).await), Some(PAIRS[0].0));
    assert_eq!(configured_id(&client.status(&replica_b).await), Some(PAIRS[0].0));
    let replaced = client.store_keys(&replica_b, "/api/keys/replace", PAIRS[1]).await;
    assert_eq!(replaced.status, StatusCode::OK, "replace after the restart failed: {}", replaced.body);
    assert_eq!(configured_id(&client.status(&replica_a).await), Some(PAIRS[1].0));

    for replica in [&replica_a, &replica_b] {
        let log = replica.log();
        assert!(
            log.contains("could not read the session") && log.contains("database unavailable"),
            "replica {} did not log the outage:\n{log}",
            replica.name
        );
        for (_, secret) in PAIRS {
            assert!(!log.contains(secret), "replica {} logged a secret", replica.name);
        }
    }
}
