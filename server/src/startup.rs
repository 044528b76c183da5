//! Startup: logging, data directory, master key, database, and the listening socket.

use std::sync::Arc;

use guardian_core::crypto::{load_keyring, MasterKeyError, MasterKeySource};
use guardian_core::store::StoreError;
use guardian_core::accounts::{Accounts, LoginLimits};
use app::api::server::Policy;
use guardian_core::audit::AuditLog;
use guardian_core::checks::Checks;
use guardian_core::{Bedrock, Keys, Store};
use tower_sessions::session_store::ExpiredDeletion;
use leptos::config::get_configuration;
use tracing_subscriber::EnvFilter;

use crate::config::{LogFormat, Settings};
use crate::router::{self, AppState, SessionSettings};
use crate::security::PublicOrigin;
use crate::sessions::AnySessionStore;

/// Reasons the server cannot start.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error("could not create the data directory {path}: {source}")]
    DataDir { path: std::path::PathBuf, source: std::io::Error },
    #[error(transparent)]
    MasterKey(#[from] MasterKeyError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("could not set up the session store: {0}")]
    Sessions(String),
    #[error("invalid Leptos configuration: {0}")]
    Leptos(String),
    #[error("could not listen on {addr}: {source}")]
    Listen { addr: std::net::SocketAddr, source: std::io::Error },
    #[error("the server failed: {0}")]
    Serve(#[source] std::io::Error),
}

/// Installs the global tracing subscriber; `RUST_LOG` overrides the default `info` level.
pub fn init_tracing(format: LogFormat) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter);
    match format {
        LogFormat::Text => builder.init(),
        LogFormat::Json => builder.json().init(),
    }
}

/// The services built at startup.
pub struct Services {
    pub keys: Keys,
    pub accounts: Accounts,
    pub checks: Checks,
    pub audit: AuditLog,
    pub session_store: AnySessionStore,
}

/// Creates the data directory when it is missing, readable only by the server's user, because
/// the database in it contains password hashes, sessions and the encrypted keys. An existing
/// directory keeps its permissions.
fn create_data_dir(path: &std::path::Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(path)
}

/// Opens the data directory, the master key and the migrated database, and builds the services.
/// `create_key_file` lets a missing key file be generated; the master-key maintenance commands
/// pass `false`, so a forgotten setting never leaves a stray new key behind.
pub async fn open_services(settings: &Settings, create_key_file: bool) -> Result<Services, StartupError> {
    create_data_dir(&settings.data_dir).map_err(|source| StartupError::DataDir { path: settings.data_dir.clone(), source })?;

    let setting = |name: &str| std::env::var(name).ok().filter(|value| !value.trim().is_empty());
    let (keyring, source) = load_keyring(
        setting("GUARDIAN_MASTER_KEYS").as_deref(),
        setting("GUARDIAN_MASTER_KEY").as_deref(),
        &settings.master_key_path(),
        create_key_file,
    )?;
    let key_ids = keyring.key_ids().join(",");
    match &source {
        MasterKeySource::EnvironmentList => tracing::info!(key_ids, "master keys loaded from GUARDIAN_MASTER_KEYS"),
        MasterKeySource::Environment => tracing::info!(key_ids, "master key loaded from GUARDIAN_MASTER_KEY"),
        MasterKeySource::File(path) => tracing::info!(key_ids, path = %path.display(), "master key loaded from file"),
        MasterKeySource::GeneratedFile(path) => tracing::warn!(
            key_ids,
            path = %path.display(),
            "generated a new master key file; back it up, because stored keys cannot be decrypted without it"
        ),
    }
    let keyring = Arc::new(keyring);

    let database_url = settings.database_url();
    let store = Store::connect(&database_url).await?;
    store.migrate().await?;

    let session_store = AnySessionStore::open(&database_url).await.map_err(|error| StartupError::Sessions(error.to_string()))?;

    let accounts = Accounts::new(store.clone(), LoginLimits::default());
    let checks = Checks::new(store.clone());
    let audit = AuditLog::new(store.clone());
    Ok(Services { keys: Keys::new(store, keyring), accounts, checks, audit, session_store })
}

/// Logs a one-time setup token while no user exists, so the operator can create the first admin.
async fn announce_setup(accounts: &Accounts, public_url: &url::Url) {
    match accounts.issue_setup_token(guardian_core::unix_now()).await {
        Ok(Some(token)) => tracing::warn!(
            setup_token = %token,
            "no users exist yet: open {public_url}setup and enter this one-time setup token to create the first admin"
        ),
        Ok(None) => {}
        Err(error) => tracing::error!(%error, "could not create a setup token"),
    }
}

/// Serves the console until the process is stopped; SIGTERM and Ctrl-C finish requests in flight.
pub async fn serve(settings: &Settings) -> Result<(), StartupError> {
    let conf = get_configuration(None).map_err(|error| StartupError::Leptos(error.to_string()))?;
    let leptos_options = conf.leptos_options;
    let addr = leptos_options.site_addr;

    let services = open_services(settings, true).await?;
    announce_setup(&services.accounts, &settings.public_url).await;
    // Expired sessions are deleted hourly; an expired session is never accepted in between.
    tokio::spawn(services.session_store.clone().continuously_delete_expired(tokio::time::Duration::from_secs(3600)));

    let bedrock_settings = settings.bedrock();
    tracing::info!(
        region = bedrock_settings.region,
        model_id = bedrock_settings.model_id,
        endpoint = bedrock_settings.endpoint.as_deref().unwrap_or("AWS"),
        instance_metadata = bedrock_settings.allow_instance_metadata,
        "Bedrock settings"
    );
    let bedrock = Arc::new(Bedrock::new(bedrock_settings).await);

    let app = router::build(AppState {
        leptos_options,
        keys: services.keys,
        accounts: services.accounts,
        checks: services.checks,
        audit: services.audit,
        policy: Policy { rotation_days: settings.key_rotation_days },
        bedrock,
        public_origin: PublicOrigin(settings.public_origin()),
        sessions: SessionSettings {
            store: services.session_store,
            idle_minutes: settings.session_idle_minutes,
            secure_cookies: settings.secure_cookies(),
        },
        trusted_proxies: settings.trusted_proxies.clone().unwrap_or_default(),
    });

    let listener = tokio::net::TcpListener::bind(addr).await.map_err(|source| StartupError::Listen { addr, source })?;
    tracing::info!(%addr, "listening on http://{addr}");
    axum::serve(listener, app.into_make_service_with_connect_info::<std::net::SocketAddr>())
        .with_graceful_shutdown(shutdown_signal())
        .await
        .map_err(StartupError::Serve)
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(error) => {
                tracing::warn!(%error, "could not listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
    tracing::info!("shutting down; finishing requests in flight");
}

#[cfg(all(test, unix))]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::create_data_dir;

    #[test]
    fn new_data_dir_is_private() {
        let parent = tempfile::tempdir().expect("create a temporary directory");
        let data_dir = parent.path().join("nested").join("data");

        create_data_dir(&data_dir).expect("create the data directory");

        let mode = std::fs::metadata(&data_dir).expect("read the directory's metadata").permissions().mode();
        assert_eq!(mode & 0o777, 0o700);
    }
}
