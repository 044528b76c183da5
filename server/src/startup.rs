//! Startup: logging, data directory, master key, database, and the listening socket.

use std::sync::Arc;

use guardian_core::crypto::{load_or_create_master_key, Keyring, MasterKeyError, MasterKeySource};
use guardian_core::store::StoreError;
use guardian_core::{Keys, Store};
use leptos::config::get_configuration;
use tracing_subscriber::EnvFilter;

use crate::config::{LogFormat, Settings};
use crate::router::{self, AppState};

/// Reasons the server cannot start.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error("could not create the data directory {path}: {source}")]
    DataDir { path: std::path::PathBuf, source: std::io::Error },
    #[error(transparent)]
    MasterKey(#[from] MasterKeyError),
    #[error(transparent)]
    Store(#[from] StoreError),
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

/// Opens the data directory, the master key and the migrated database, and builds the services.
pub async fn open_services(settings: &Settings) -> Result<Keys, StartupError> {
    std::fs::create_dir_all(&settings.data_dir)
        .map_err(|source| StartupError::DataDir { path: settings.data_dir.clone(), source })?;

    let env_key = std::env::var("GUARDIAN_MASTER_KEY").ok().filter(|value| !value.trim().is_empty());
    let (master_key, source) = load_or_create_master_key(env_key.as_deref(), &settings.master_key_path())?;
    match &source {
        MasterKeySource::Environment => tracing::info!(key_id = master_key.id(), "master key loaded from GUARDIAN_MASTER_KEY"),
        MasterKeySource::File(path) => tracing::info!(key_id = master_key.id(), path = %path.display(), "master key loaded from file"),
        MasterKeySource::GeneratedFile(path) => tracing::warn!(
            key_id = master_key.id(),
            path = %path.display(),
            "generated a new master key file; back it up, because stored keys cannot be decrypted without it"
        ),
    }
    let keyring = Arc::new(Keyring::new(vec![master_key]));

    let store = Store::connect(&settings.database_url()).await?;
    store.migrate().await?;
    Ok(Keys::new(store, keyring))
}

/// Serves the console until the process is stopped; SIGTERM and Ctrl-C finish requests in flight.
pub async fn serve(settings: &Settings) -> Result<(), StartupError> {
    let conf = get_configuration(None).map_err(|error| StartupError::Leptos(error.to_string()))?;
    let leptos_options = conf.leptos_options;
    let addr = leptos_options.site_addr;

    let keys = open_services(settings).await?;
    let app = router::build(AppState { leptos_options, keys });

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
