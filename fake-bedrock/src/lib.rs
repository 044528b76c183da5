//! A local stand-in for the Converse operation of Amazon Bedrock Runtime
//! (`POST /model/{modelId}/converse`), for tests.
//!
//! It verifies each request's SigV4 signature against a table of key pairs. It then responds
//! with the outcome configured for the key: a Converse response, or one of the errors AWS returns
//! in AWS's shape (status code, `x-amzn-ErrorType`, `x-amzn-RequestId`, `{"message"}` body).
//! It binds to 127.0.0.1 only and never logs secrets or signatures.

pub mod sigv4;

mod converse;
mod errors;

use std::collections::HashMap;
use std::fmt;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::Path;
use std::sync::Arc;

use axum::routing::post;
use axum::Router;
use serde::Deserialize;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

/// Account ID that error messages put into IAM user ARNs unless the configuration names one.
pub const DEFAULT_ACCOUNT: &str = "123456789012";
/// IAM user name that error messages put into user ARNs unless the configuration names one.
pub const DEFAULT_USER_NAME: &str = "guardian-bedrock";
/// Text of every successful response unless the configuration names one.
pub const DEFAULT_ANSWER: &str = "Guardian test answer";

/// Response of the fake to requests correctly signed with one key pair.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// 200 with a Converse response.
    Success,
    /// 403 `UnrecognizedClientException`, as for a deleted or deactivated key.
    UnrecognizedClient,
    /// 403 `InvalidSignatureException` with AWS's signature mismatch message.
    InvalidSignature,
    /// 403 `InvalidSignatureException` saying the signature expired, as for a slow client clock.
    SignatureExpired,
    /// 403 `AccessDeniedException` naming the missing `bedrock:InvokeModel` permission.
    AccessDeniedInvoke,
    /// 403 `AccessDeniedException` for a model the account has not been given access to.
    AccessDeniedModelAccess,
    /// 400 `ValidationException` asking for an inference profile instead of a model ID.
    ValidationOnDemand,
    /// 400 `ValidationException` for an unknown model ID.
    ValidationModelId,
    /// 429 `ThrottlingException`.
    Throttling,
    /// Accepts the request and never responds.
    Hang,
    /// 500 `InternalServerException`.
    InternalError,
}

/// One key pair in the fake's table and the outcome of requests signed with it.
#[derive(Clone, Deserialize)]
pub struct KeyConfig {
    pub access_key_id: String,
    pub secret: String,
    pub outcome: Outcome,
}

impl fmt::Debug for KeyConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeyConfig")
            .field("access_key_id", &self.access_key_id)
            .field("secret", &"[REDACTED]")
            .field("outcome", &self.outcome)
            .finish()
    }
}

/// The fake's configuration, usually read from a JSON file.
#[derive(Debug, Clone, Deserialize)]
pub struct Config {
    #[serde(default)]
    pub keys: Vec<KeyConfig>,
    /// Account ID in the IAM user ARN of `AccessDeniedException` messages.
    #[serde(default = "default_account")]
    pub user_arn_account: String,
    /// IAM user name in the same ARN.
    #[serde(default = "default_user_name")]
    pub user_name: String,
    /// Text of successful responses, cut to the request's `maxTokens` words.
    #[serde(default = "default_answer")]
    pub answer: String,
    /// Region whose credential scope the fake accepts; any region when missing.
    #[serde(default)]
    pub region: Option<String>,
}

fn default_account() -> String {
    DEFAULT_ACCOUNT.to_owned()
}

fn default_user_name() -> String {
    DEFAULT_USER_NAME.to_owned()
}

fn default_answer() -> String {
    DEFAULT_ANSWER.to_owned()
}

impl Default for Config {
    fn default() -> Self {
        Self {
            keys: Vec::new(),
            user_arn_account: default_account(),
            user_name: default_user_name(),
            answer: default_answer(),
            region: None,
        }
    }
}

/// Errors from loading a configuration file.
#[derive(Debug)]
pub enum ConfigError {
    Read { path: String, source: std::io::Error },
    Parse { path: String, source: serde_json::Error },
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigError::Read { path, source } => write!(f, "could not read the configuration file {path}: {source}"),
            ConfigError::Parse { path, source } => write!(f, "the configuration file {path} is not valid: {source}"),
        }
    }
}

impl std::error::Error for ConfigError {}

impl Config {
    /// Adds a key pair with its outcome.
    pub fn with_key(mut self, access_key_id: &str, secret: &str, outcome: Outcome) -> Self {
        self.keys.push(KeyConfig { access_key_id: access_key_id.to_owned(), secret: secret.to_owned(), outcome });
        self
    }

    /// Reads a JSON configuration file.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let display = path.display().to_string();
        let text =
            std::fs::read_to_string(path).map_err(|source| ConfigError::Read { path: display.clone(), source })?;
        serde_json::from_str(&text).map_err(|source| ConfigError::Parse { path: display, source })
    }
}

/// Shared state of the request handlers.
#[derive(Debug)]
struct FakeState {
    config: Config,
    keys: HashMap<String, KeyConfig>,
}

/// Builds the router that serves the Converse operation with `config`.
pub fn router(config: Config) -> Router {
    let keys = config.keys.iter().map(|key| (key.access_key_id.clone(), key.clone())).collect();
    let state = Arc::new(FakeState { config, keys });
    Router::new()
        .route("/model/{model_id}/converse", post(converse::handle))
        .fallback(errors::unknown_operation)
        .with_state(state)
}

/// Binds 127.0.0.1 on a free port and serves `config` in a background task until the task is
/// aborted or the runtime stops. Returns the bound address and the task.
pub async fn spawn(config: Config) -> std::io::Result<(SocketAddr, JoinHandle<()>)> {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await?;
    let address = listener.local_addr()?;
    let app = router(config);
    let task = tokio::spawn(async move {
        if let Err(error) = axum::serve(listener, app).await {
            tracing::error!(%error, "fake Bedrock server stopped");
        }
    });
    Ok((address, task))
}
