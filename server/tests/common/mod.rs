//! Helpers for tests that run the `server` binary as a child process on 127.0.0.1: a data
//! directory, the operator subcommands, a running server, and a browser-like HTTP client.
//!
//! Every child process gets AWS_EC2_METADATA_DISABLED=true and a Bedrock endpoint on a closed
//! local port, so no test reaches a host other than 127.0.0.1.

// Each test crate that includes this module uses only some of the helpers.
#![allow(dead_code)]

use std::fs::File;
use std::io::Write;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use app::api::{KeyState, KeyStatusView};
use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use rand::Rng;
use reqwest::StatusCode;
use server::auth::SESSION_COOKIE;
use tempfile::TempDir;

/// Maximum wait for a started server to return 200 on GET /healthz.
pub const STARTUP_TIMEOUT: Duration = Duration::from_secs(60);
/// Maximum run time of an operator subcommand such as `server keys verify`.
pub const COMMAND_TIMEOUT: Duration = Duration::from_secs(60);
/// Maximum wait for one HTTP response.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// Lines of the server log printed when a test fails.
const LOG_TAIL_LINES: usize = 120;

/// A Bedrock endpoint on a closed local port, so that no check leaves this machine.
const CLOSED_LOCAL_ENDPOINT: &str = "http://127.0.0.1:9";

/// Where the master keys of a server process come from.
#[derive(Debug, Clone)]
pub enum MasterKeys {
    /// GUARDIAN_MASTER_KEY, one base64 key.
    Single(String),
    /// GUARDIAN_MASTER_KEYS, comma-separated base64 keys, the active one first.
    List(String),
    /// Neither variable: the server reads `master.key` in the data directory and generates it
    /// when it is missing.
    File,
}

/// Returns the base64 text of a 32-byte master key.
pub fn encode_key(bytes: [u8; 32]) -> String {
    BASE64.encode(bytes)
}

/// A temporary directory with the server's data directory and a Leptos site root whose `pkg/`
/// is empty, so pages render on the server without the WASM bundle.
pub struct ServerDirs {
    root: TempDir,
    pub data: PathBuf,
    pub site: PathBuf,
}

impl ServerDirs {
    pub fn new() -> Self {
        let root = tempfile::tempdir().expect("create a temporary directory");
        let data = root.path().join("data");
        let site = root.path().join("site");
        std::fs::create_dir_all(&data).expect("create the data directory");
        std::fs::create_dir_all(site.join("pkg")).expect("create the site root");
        Self { root, data, site }
    }

    /// Returns the path of the SQLite database.
    pub fn database_path(&self) -> PathBuf {
        self.data.join("guardian.db")
    }

    /// Returns the URL of the SQLite database, as the server builds it.
    pub fn database_url(&self) -> String {
        guardian_core::Store::sqlite_url(&self.data)
    }

    /// Returns the path of the master key file that the server generates without key settings.
    pub fn master_key_file(&self) -> PathBuf {
        self.data.join("master.key")
    }

    /// Returns a new file path under the temporary directory, for logs and command output.
    fn scratch_file(&self, stem: &str) -> PathBuf {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let number = NEXT.fetch_add(1, Ordering::Relaxed);
        self.root.path().join(format!("{stem}-{number}.txt"))
    }
}

impl Default for ServerDirs {
    fn default() -> Self {
        Self::new()
    }
}

/// Builds a `server` command on `dirs` with `keys`, with every AWS call kept on this machine.
pub fn server_command(dirs: &ServerDirs, keys: &MasterKeys) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_server"));
    command
        .env("GUARDIAN_DATA_DIR", &dirs.data)
        .env_remove("DATABASE_URL")
        .env_remove("GUARDIAN_MASTER_KEY")
        .env_remove("GUARDIAN_MASTER_KEYS")
        .env("GUARDIAN_BEDROCK_ENDPOINT", CLOSED_LOCAL_ENDPOINT)
        .env("GUARDIAN_BEDROCK_INSTANCE_METADATA", "false")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_ENDPOINT_URL", CLOSED_LOCAL_ENDPOINT)
        .env("AWS_CONFIG_FILE", dirs.root.path().join("no-aws-config"))
        .env("AWS_SHARED_CREDENTIALS_FILE", dirs.root.path().join("no-aws-credentials"))
        .env("RUST_LOG", "info")
        .env_remove("GUARDIAN_LOG_FORMAT");
    for name in ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_ROLE_ARN", "AWS_WEB_IDENTITY_TOKEN_FILE"] {
        command.env_remove(name);
    }
    match keys {
        MasterKeys::Single(key) => {
            command.env("GUARDIAN_MASTER_KEY", key);
        }
        MasterKeys::List(keys) => {
            command.env("GUARDIAN_MASTER_KEYS", keys);
        }
        MasterKeys::File => {}
    }
    command
}

/// The exit status and output of a finished subcommand.
#[derive(Debug)]
pub struct CommandOutput {
    pub status: ExitStatus,
    pub stdout: String,
    pub stderr: String,
}

impl CommandOutput {
    /// Returns the exit code, or `None` when a signal ended the process.
    pub fn code(&self) -> Option<i32> {
        self.status.code()
    }
}

/// Runs `server <args>` on `dirs`, writing `stdin` to its standard input, and kills it after
/// [`COMMAND_TIMEOUT`].
pub fn run_server_command(dirs: &ServerDirs, keys: &MasterKeys, args: &[&str], stdin: &str) -> CommandOutput {
    let stdout_path = dirs.scratch_file("command-stdout");
    let stderr_path = dirs.scratch_file("command-stderr");
    let mut child = server_command(dirs, keys)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(File::create(&stdout_path).expect("create the command output file"))
        .stderr(File::create(&stderr_path).expect("create the command error file"))
        .spawn()
        .unwrap_or_else(|error| panic!("could not start `server {}`: {error}", args.join(" ")));
    {
        let mut input = child.stdin.take().expect("a stdin pipe");
        input.write_all(stdin.as_bytes()).expect("write the command's standard input");
    }

    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("poll the command") {
            break status;
        }
        if started.elapsed() > COMMAND_TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "`server {}` did not finish within {COMMAND_TIMEOUT:?}:\n{}",
                args.join(" "),
                std::fs::read_to_string(&stderr_path).unwrap_or_default()
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    CommandOutput {
        status,
        stdout: std::fs::read_to_string(&stdout_path).unwrap_or_default(),
        stderr: std::fs::read_to_string(&stderr_path).unwrap_or_default(),
    }
}

/// Adds a user with `server user add`, the password on standard input, and panics on failure.
pub fn add_user(dirs: &ServerDirs, keys: &MasterKeys, org: &str, email: &str, role: &str, password: &str) {
    let output = run_server_command(dirs, keys, &["user", "add", "--org", org, "--email", email, "--role", role], &format!("{password}\n"));
    assert!(
        output.status.success(),
        "`server user add --org {org} --email {email}` failed with {}:\n{}\n{}",
        output.status,
        output.stdout,
        output.stderr
    );
}

/// Returns a port on 127.0.0.1 that was free a moment ago.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").expect("bind a free port").local_addr().expect("a local address").port()
}

/// One running server process on a fresh port. Its output is appended to `log_path`, and the
/// end of that log is printed when a test panics while the server is alive.
pub struct Server {
    pub base_url: String,
    child: Child,
    log_path: PathBuf,
    log_start: u64,
}

impl Server {
    /// Starts the server on `dirs` with `keys` and waits until GET /healthz returns 200.
    pub async fn start(dirs: &ServerDirs, keys: &MasterKeys) -> Self {
        Self::start_with_log(dirs, keys, &dirs.root.path().join("server.log")).await
    }

    /// Starts the server like [`Server::start`], appending its output to `log_path`.
    pub async fn start_with_log(dirs: &ServerDirs, keys: &MasterKeys, log_path: &Path) -> Self {
        Self::spawn(dirs, keys, log_path, &[]).await
    }

    /// Starts the server like [`Server::start`], with extra environment variables.
    pub async fn start_with_env(dirs: &ServerDirs, keys: &MasterKeys, env: &[(&str, &str)]) -> Self {
        Self::spawn(dirs, keys, &dirs.root.path().join("server.log"), env).await
    }

    async fn spawn(dirs: &ServerDirs, keys: &MasterKeys, log_path: &Path, env: &[(&str, &str)]) -> Self {
        let log = std::fs::OpenOptions::new().create(true).append(true).open(log_path).expect("open the server log");
        let log_start = log.metadata().map(|metadata| metadata.len()).unwrap_or(0);
        let port = free_port();
        let base_url = format!("http://127.0.0.1:{port}");

        let child = server_command(dirs, keys)
            .env("GUARDIAN_PUBLIC_URL", &base_url)
            .env("LEPTOS_OUTPUT_NAME", "guardian")
            .env("LEPTOS_SITE_ROOT", &dirs.site)
            .env("LEPTOS_SITE_PKG_DIR", "pkg")
            .env("LEPTOS_SITE_ADDR", format!("127.0.0.1:{port}"))
            .env("LEPTOS_ENV", "PROD")
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("clone the log file"))
            .stderr(log)
            .spawn()
            .expect("start the server");
        let mut server = Self { base_url, child, log_path: log_path.to_owned(), log_start };
        server.wait_until_healthy().await;
        server
    }

    async fn wait_until_healthy(&mut self) {
        let client = reqwest::Client::builder().timeout(Duration::from_secs(2)).build().expect("build the HTTP client");
        let started = Instant::now();
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("the server exited with {status} during startup:\n{}", self.log());
            }
            let health = client.get(format!("{}/healthz", self.base_url)).send().await;
            if health.is_ok_and(|response| response.status() == StatusCode::OK) {
                return;
            }
            assert!(started.elapsed() < STARTUP_TIMEOUT, "the server did not answer /healthz within {STARTUP_TIMEOUT:?}:\n{}", self.log());
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }

    /// Returns the process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Sends SIGKILL and waits until the process is gone.
    pub fn kill(mut self) {
        self.kill_now();
    }

    fn kill_now(&mut self) {
        // On Unix, `Child::kill` sends SIGKILL.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Returns what this process wrote to its log.
    pub fn log(&self) -> String {
        let text = std::fs::read(&self.log_path).unwrap_or_default();
        let start = usize::try_from(self.log_start).unwrap_or(0).min(text.len());
        String::from_utf8_lossy(&text[start..]).into_owned()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill_now();
        if std::thread::panicking() {
            let log = self.log();
            let lines: Vec<&str> = log.lines().collect();
            let tail = &lines[lines.len().saturating_sub(LOG_TAIL_LINES)..];
            eprintln!("--- end of the log of the server at {} ---\n{}", self.base_url, tail.join("\n"));
        }
    }
}

/// Something a [`Client`] can send requests to: a running [`Server`], or its base URL, which a
/// task can own while the test keeps the process to kill it.
pub trait Endpoint {
    /// Returns the base URL, which is also the origin the server accepts on form posts.
    fn base_url(&self) -> &str;
}

impl Endpoint for Server {
    fn base_url(&self) -> &str {
        &self.base_url
    }
}

impl Endpoint for String {
    fn base_url(&self) -> &str {
        self
    }
}

/// A response's status and body.
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub body: String,
    pub set_cookie: Option<String>,
}

/// A browser-like client of one user: it keeps the session cookie and sends the server's origin.
#[derive(Clone)]
pub struct Client {
    http: reqwest::Client,
    session_cookie: Option<String>,
}

impl Client {
    pub fn new() -> Self {
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(REQUEST_TIMEOUT)
            .build()
            .expect("build the HTTP client");
        Self { http, session_cookie: None }
    }

    /// Posts form fields to `path`, returning the transport error instead of panicking, for
    /// requests that a killed server may never respond to.
    pub async fn try_post(&self, endpoint: &(impl Endpoint + ?Sized), path: &str, fields: &[(&str, &str)]) -> Result<Reply, reqwest::Error> {
        let body: String = url::form_urlencoded::Serializer::new(String::new()).extend_pairs(fields).finish();
        let mut request = self
            .http
            .post(format!("{}{path}", endpoint.base_url()))
            .header("origin", endpoint.base_url())
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body);
        if let Some(cookie) = &self.session_cookie {
            request = request.header("cookie", cookie);
        }
        let response = request.send().await?;
        Self::reply(response).await
    }

    /// Posts form fields to a server function.
    pub async fn post(&self, endpoint: &(impl Endpoint + ?Sized), path: &str, fields: &[(&str, &str)]) -> Reply {
        self.try_post(endpoint, path, fields).await.unwrap_or_else(|error| panic!("POST {path} failed: {error}"))
    }

    /// Loads a page as a browser does.
    pub async fn get(&self, endpoint: &(impl Endpoint + ?Sized), path: &str) -> Reply {
        let mut request = self.http.get(format!("{}{path}", endpoint.base_url())).header("accept", "text/html");
        if let Some(cookie) = &self.session_cookie {
            request = request.header("cookie", cookie);
        }
        let response = request.send().await.unwrap_or_else(|error| panic!("GET {path} failed: {error}"));
        Self::reply(response).await.unwrap_or_else(|error| panic!("reading the body of GET {path} failed: {error}"))
    }

    async fn reply(response: reqwest::Response) -> Result<Reply, reqwest::Error> {
        let status = response.status();
        let set_cookie = response.headers().get("set-cookie").and_then(|value| value.to_str().ok()).map(str::to_owned);
        let body = response.text().await?;
        Ok(Reply { status, body, set_cookie })
    }

    /// Signs in and keeps the session cookie. Sessions live in the database, so the cookie stays
    /// valid after the server restarts on the same data directory.
    pub async fn sign_in(&mut self, endpoint: &(impl Endpoint + ?Sized), email: &str, password: &str) {
        let reply = self.post(endpoint, "/api/auth/login", &[("email", email), ("password", password)]).await;
        assert_eq!(reply.status, StatusCode::OK, "sign-in of {email} failed: {}", reply.body);
        let set_cookie = reply.set_cookie.unwrap_or_else(|| panic!("sign-in of {email} set no cookie"));
        let cookie = set_cookie.split(';').next().expect("a cookie pair");
        assert!(cookie.starts_with(&format!("{SESSION_COOKIE}=")), "unexpected cookie after sign-in: {set_cookie}");
        self.session_cookie = Some(cookie.to_owned());
    }

    /// Reads the key status, panicking unless it returns 200.
    pub async fn status(&self, endpoint: &(impl Endpoint + ?Sized)) -> KeyStatusView {
        let reply = self.post(endpoint, "/api/keys/status", &[]).await;
        assert_eq!(reply.status, StatusCode::OK, "POST /api/keys/status failed: {}", reply.body);
        serde_json::from_str(&reply.body).unwrap_or_else(|error| panic!("unexpected key status body {}: {error}", reply.body))
    }

    /// Posts a key pair to /api/keys/save or /api/keys/replace.
    pub async fn store_keys(&self, endpoint: &(impl Endpoint + ?Sized), path: &str, pair: (&str, &str)) -> Reply {
        self.post(endpoint, path, &[("access_key", pair.0), ("access_secret", pair.1)]).await
    }
}

impl Default for Client {
    fn default() -> Self {
        Self::new()
    }
}

/// Returns the access key ID of a readable saved pair.
pub fn configured_id(view: &KeyStatusView) -> Option<&str> {
    match &view.state {
        KeyState::Configured { access_key_id, .. } => Some(access_key_id),
        _ => None,
    }
}

const KEY_ID_ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
const SECRET_ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789/+";

/// Generates a key pair that passes the form's validation: `AKIA` and 16 uppercase letters or
/// digits, and a 40-character secret with at least one lowercase letter.
pub fn generate_pair(rng: &mut impl Rng) -> (String, String) {
    let mut pick = |alphabet: &[u8], count: usize| -> String {
        (0..count).map(|_| char::from(alphabet[rng.gen_range(0..alphabet.len())])).collect()
    };
    let access_key_id = format!("AKIA{}", pick(KEY_ID_ALPHABET, 16));
    // The fixed lowercase letter keeps the secret from looking like an access key ID.
    let secret = format!("k{}", pick(SECRET_ALPHABET, 39));
    (access_key_id, secret)
}
