//! Operator subcommands of the server binary.

use std::io::BufRead;

use app::validation::{validate_email, validate_new_password, validate_org_name};
use guardian_core::accounts::Role;
use secrecy::SecretString;

use crate::config::Settings;
use crate::startup::{open_services, StartupError};

/// Errors of the operator commands.
#[derive(Debug, thiserror::Error)]
pub enum CommandError {
    #[error(transparent)]
    Startup(#[from] StartupError),
    #[error("invalid {field}: {message}")]
    Invalid { field: &'static str, message: String },
    #[error("could not read the password from standard input: {0}")]
    Stdin(#[source] std::io::Error),
    #[error("{0}")]
    Failed(String),
}

/// Adds a user, reading the password from the first line of standard input.
pub async fn add_user(settings: &Settings, org: &str, email: &str, role: &str) -> Result<(), CommandError> {
    let org = validate_org_name(org).map_err(|message| CommandError::Invalid { field: "--org", message })?;
    let email = validate_email(email).map_err(|message| CommandError::Invalid { field: "--email", message })?;
    let role = Role::parse(role).ok_or_else(|| CommandError::Invalid { field: "--role", message: "use admin or member".into() })?;
    let password = read_password()?;
    validate_new_password(secrecy::ExposeSecret::expose_secret(&password))
        .map_err(|message| CommandError::Invalid { field: "password", message })?;

    let services = open_services(settings, true).await?;
    let user = services
        .accounts
        .add_user_to_org(&org, &email, &password, role, guardian_core::unix_now())
        .await
        .map_err(|error| match error {
            guardian_core::Error::Conflict(message) => CommandError::Failed(message.to_owned()),
            other => CommandError::Failed(other.to_string()),
        })?;
    println!("added {} as {} of organization {:?} (user id {})", user.email, role.as_str(), user.org_name, user.id);
    Ok(())
}

fn read_password() -> Result<SecretString, CommandError> {
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line).map_err(CommandError::Stdin)?;
    let password = line.trim_end_matches(['\r', '\n']).to_owned();
    zeroize::Zeroize::zeroize(&mut line);
    Ok(SecretString::from(password))
}

/// Re-encrypts every stored secret with the active master key. Returns whether every value
/// could be read.
pub async fn rotate_keys(settings: &Settings) -> Result<bool, CommandError> {
    let services = open_services(settings, false).await?;
    let report = services.keys.rotate_all().await.map_err(|error| CommandError::Failed(error.to_string()))?;
    println!("re-encrypted: {}", report.reencrypted);
    if report.changed_meanwhile > 0 {
        println!("changed by users during the rotation (already under the active key): {}", report.changed_meanwhile);
    }
    println!("could not read: {}", report.unreadable.len());
    print_unreadable(&report.unreadable);
    Ok(report.unreadable.is_empty())
}

/// Checks that every stored secret decrypts. Returns whether all of them do.
pub async fn verify_keys(settings: &Settings) -> Result<bool, CommandError> {
    let services = open_services(settings, false).await?;
    let report = services.keys.verify_all().await.map_err(|error| CommandError::Failed(error.to_string()))?;
    println!("readable: {}", report.readable);
    println!("could not read: {}", report.unreadable.len());
    print_unreadable(&report.unreadable);
    Ok(report.unreadable.is_empty())
}

fn print_unreadable(values: &[guardian_core::keys::UnreadableValue]) {
    for value in values {
        println!("  organization {} access key {}: {}", value.org_id, value.access_key_id, value.reason);
    }
}
