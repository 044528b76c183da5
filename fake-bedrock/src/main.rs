//! Command-line entry of the fake Bedrock server. The first line on standard output is
//! `listening on 127.0.0.1:PORT`; logs go to standard error.

use std::io::Write;
use std::net::Ipv4Addr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use fake_bedrock::Config;

/// A local stand-in for Amazon Bedrock Runtime's Converse operation, for tests.
#[derive(Debug, Parser)]
#[command(version)]
struct Args {
    /// TCP port to listen on at 127.0.0.1; 0 picks a free port.
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// JSON file with the key pairs and their outcomes; without it every key is unrecognized.
    #[arg(long)]
    config: Option<PathBuf>,
}

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()))
        .init();

    let args = Args::parse();
    let config = match &args.config {
        Some(path) => match Config::load(path) {
            Ok(config) => config,
            Err(error) => {
                eprintln!("fake-bedrock: {error}");
                return ExitCode::FAILURE;
            }
        },
        None => Config::default(),
    };

    let listener = match tokio::net::TcpListener::bind((Ipv4Addr::LOCALHOST, args.port)).await {
        Ok(listener) => listener,
        Err(error) => {
            eprintln!("fake-bedrock: could not listen on 127.0.0.1:{}: {error}", args.port);
            return ExitCode::FAILURE;
        }
    };
    let address = match listener.local_addr() {
        Ok(address) => address,
        Err(error) => {
            eprintln!("fake-bedrock: could not read the bound address: {error}");
            return ExitCode::FAILURE;
        }
    };

    let mut stdout = std::io::stdout();
    let _ = writeln!(stdout, "listening on {address}");
    let _ = stdout.flush();
    tracing::info!(%address, keys = config.keys.len(), "fake Bedrock server started");

    if let Err(error) = axum::serve(listener, fake_bedrock::router(config)).await {
        tracing::error!(%error, "fake Bedrock server stopped");
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}
