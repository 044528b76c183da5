use clap::Parser;

use server::config::{Cli, Command};

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    server::startup::init_tracing(cli.settings.log_format);

    let outcome = match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => server::startup::serve(&cli.settings).await,
    };
    match outcome {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            tracing::error!(%error, "the server stopped");
            eprintln!("error: {error}");
            std::process::ExitCode::FAILURE
        }
    }
}
