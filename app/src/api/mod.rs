//! Server functions, grouped by feature, and the types they exchange with the browser.
//! Bodies stay thin: find the caller, validate, call the library, map its error.

use serde::{Deserialize, Serialize};
use zeroize::{Zeroize, ZeroizeOnDrop};

pub mod accounts;
pub mod audit;
pub mod guardian;
pub mod keys;
#[cfg(feature = "ssr")]
pub mod server;

pub use accounts::*;
pub use audit::*;
pub use guardian::*;
pub use keys::*;

/// A secret typed into a form. Its Debug output is redacted and its memory is wiped on drop.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize, Zeroize, ZeroizeOnDrop)]
#[serde(transparent)]
pub struct SecretInput(String);

impl SecretInput {
    /// Wraps a typed secret.
    pub fn new(value: String) -> Self {
        Self(value)
    }

    /// Returns the secret text, for validation and sealing only.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for SecretInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretInput([REDACTED])")
    }
}

