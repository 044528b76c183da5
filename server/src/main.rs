use clap::Parser;

use server::config::{Cli, Command, KeysCommand, UserCommand};

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    server::startup::init_tracing(cli.settings.log_format);

    let outcome = match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => server::startup::serve(&cli.settings).await.map_err(|error| error.to_string()),
        Command::User(UserCommand::Add { org, email, role }) => {
            server::commands::add_user(&cli.settings, &org, &email, &role).await.map_err(|error| error.to_string())
        }
        Command::Keys(command) => {
            let checked = match command {
                KeysCommand::Rotate => server::commands::rotate_keys(&cli.settings).await,
                KeysCommand::Verify => server::commands::verify_keys(&cli.settings).await,
            };
            match checked {
                // Exit status 2 tells scripts that some values could not be read.
                Ok(false) => return std::process::ExitCode::from(2),
                other => other.map(|_| ()).map_err(|error| error.to_string()),
            }
        }
    };
    match outcome {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            std::process::ExitCode::FAILURE
        }
    }
}
