//! Server-side library of the Guardian console: storage, sealing of secrets with the master
//! keyring, and the organization's Bedrock keys. It knows nothing of Leptos or HTTP.

pub mod accounts;
pub mod audit;
pub mod bedrock;
pub mod checks;
pub mod crypto;
pub mod error;
pub mod keys;
pub mod store;

pub use bedrock::{Bedrock, BedrockSettings, CheckOutcome, CredentialSource, ResolvedClient};
pub use error::{Error, Result};
pub use keys::{KeyStatus, Keys};
pub use store::Store;

/// The organization that owns all data until accounts exist.
pub const DEFAULT_ORG_ID: i64 = 1;

/// Returns the current time in whole seconds since the Unix epoch.
pub fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|elapsed| elapsed.as_secs() as i64)
        .unwrap_or(0)
}
