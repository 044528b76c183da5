//! Command line and settings of the server binary. Every setting can come from the environment.

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

/// The Guardian console server.
#[derive(Debug, Parser)]
#[command(name = "server", version, about = "Serves the Guardian console")]
pub struct Cli {
    #[command(flatten)]
    pub settings: Settings,
    /// The subcommand; without one the server serves, as cargo-leptos starts it.
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Subcommands of the server binary.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the console on `LEPTOS_SITE_ADDR` (the default).
    Serve,
    /// Manage users.
    #[command(subcommand)]
    User(UserCommand),
    /// Maintain the stored secrets under the master keys.
    #[command(subcommand)]
    Keys(KeysCommand),
}

/// `keys` subcommands.
#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// Re-encrypt every stored secret with the active master key (the first of
    /// GUARDIAN_MASTER_KEYS). Values that cannot be read are reported and kept.
    Rotate,
    /// Check that every stored secret decrypts, listing those that do not. Changes nothing.
    Verify,
}

/// `user` subcommands.
#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Add a user, reading the password from standard input (one line). Creates the
    /// organization when no organization has that name.
    Add {
        /// Organization name.
        #[arg(long)]
        org: String,
        /// The user's email address, used to sign in.
        #[arg(long)]
        email: String,
        /// admin or member.
        #[arg(long, value_parser = ["admin", "member"])]
        role: String,
    },
}

/// Settings shared by every subcommand.
#[derive(Debug, Clone, clap::Args)]
pub struct Settings {
    /// Directory for the SQLite database and the generated master key file.
    #[arg(long, env = "GUARDIAN_DATA_DIR", default_value = "./data")]
    pub data_dir: PathBuf,
    /// Database URL; defaults to `guardian.db` in the data directory.
    #[arg(long, env = "DATABASE_URL")]
    pub database_url: Option<String>,
    /// The address users reach the console at. Its origin is the only one accepted on form posts
    /// without `Sec-Fetch-Site: same-origin`, and an https URL makes session cookies `Secure`.
    #[arg(long, env = "GUARDIAN_PUBLIC_URL", default_value = "http://127.0.0.1:3000")]
    pub public_url: url::Url,
    /// Minutes without a request after which a session expires.
    #[arg(long, env = "GUARDIAN_SESSION_IDLE_MINUTES", default_value_t = 480, value_parser = clap::value_parser!(u32).range(1..=43_200))]
    pub session_idle_minutes: u32,
    /// AWS Region of the Bedrock endpoint that Guardian calls.
    #[arg(long, env = "GUARDIAN_BEDROCK_REGION", default_value = guardian_core::bedrock::DEFAULT_REGION)]
    pub bedrock_region: String,
    /// Model ID or inference profile ID that Guardian calls.
    #[arg(long, env = "GUARDIAN_BEDROCK_MODEL_ID", default_value = guardian_core::bedrock::DEFAULT_MODEL_ID)]
    pub bedrock_model_id: String,
    /// Endpoint URL that replaces the Region's Bedrock Runtime endpoint (tests point it at a
    /// local fake).
    #[arg(long, env = "GUARDIAN_BEDROCK_ENDPOINT")]
    pub bedrock_endpoint: Option<String>,
    /// Let the default credentials come from the EC2 instance metadata service or the ECS
    /// container endpoint. Off by default, so a machine without AWS credentials reports that at
    /// once instead of waiting for a metadata endpoint.
    #[arg(long, env = "GUARDIAN_BEDROCK_INSTANCE_METADATA", default_value_t = false)]
    pub bedrock_instance_metadata: bool,
    /// Seconds a connection check may take in all, at most 15.
    #[arg(long, env = "GUARDIAN_BEDROCK_CHECK_TIMEOUT_SECS", default_value_t = 15, value_parser = clap::value_parser!(u64).range(1..=15))]
    pub bedrock_check_timeout_secs: u64,
    /// Saved keys older than this many days get a rotation reminder on the API Keys page.
    #[arg(long, env = "GUARDIAN_KEY_ROTATION_DAYS", default_value_t = 90, value_parser = clap::value_parser!(i64).range(1..=3650))]
    pub key_rotation_days: i64,
    /// Reverse proxies whose `X-Forwarded-For` names the client, as comma-separated addresses or
    /// networks (`10.0.0.0/8`). Without it the sign-in throttle counts per TCP peer, which
    /// behind a proxy is the proxy for every user.
    #[arg(long, env = "GUARDIAN_TRUSTED_PROXIES", value_parser = crate::client_address::TrustedProxies::parse)]
    pub trusted_proxies: Option<crate::client_address::TrustedProxies>,
    /// Log format of the server's standard output.
    #[arg(long, env = "GUARDIAN_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
}

impl Settings {
    /// Returns the database URL, defaulting to the SQLite file in the data directory.
    pub fn database_url(&self) -> String {
        self.database_url.clone().unwrap_or_else(|| guardian_core::Store::sqlite_url(&self.data_dir))
    }

    /// Returns the path of the generated master key file.
    pub fn master_key_path(&self) -> PathBuf {
        self.data_dir.join("master.key")
    }
}

/// Log output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

impl Settings {
    /// Returns the origin (scheme, host and port) of the public URL, as browsers send it in `Origin`.
    pub fn public_origin(&self) -> String {
        self.public_url.origin().ascii_serialization()
    }

    /// Tells whether cookies must be `Secure`, because users reach the console over https.
    pub fn secure_cookies(&self) -> bool {
        self.public_url.scheme() == "https"
    }
}

impl Settings {
    /// Builds the Bedrock settings from the command line and environment.
    pub fn bedrock(&self) -> guardian_core::BedrockSettings {
        let check_timeout = std::time::Duration::from_secs(self.bedrock_check_timeout_secs);
        guardian_core::BedrockSettings {
            region: self.bedrock_region.clone(),
            model_id: self.bedrock_model_id.clone(),
            endpoint: self.bedrock_endpoint.clone().filter(|endpoint| !endpoint.trim().is_empty()),
            allow_instance_metadata: self.bedrock_instance_metadata,
            total_timeout: check_timeout,
            attempt_timeout: check_timeout,
            ..guardian_core::BedrockSettings::default()
        }
    }
}
