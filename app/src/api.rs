//! Server functions of the keys feature and the types they return. Bodies stay thin: find the
//! caller, validate, call the library, map its error.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use zeroize::{Zeroize, ZeroizeOnDrop};

use crate::error::ApiError;

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

/// What an organization has saved, as the pages show it. Never contains the secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum KeyState {
    NotConfigured,
    Configured { access_key_id: String, saved_at: i64 },
    /// Saved, but the secret cannot be decrypted with the server's master keys.
    Unreadable { access_key_id: String, saved_at: i64 },
}

/// The key status with what the caller may do about it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyStatusView {
    pub state: KeyState,
    /// Whether the caller may save, replace and delete keys.
    pub can_manage: bool,
    /// Whether the organization finished or skipped onboarding.
    pub onboarding_completed: bool,
}

impl KeyStatusView {
    /// Returns the saved access key ID, readable or not.
    pub fn access_key_id(&self) -> Option<&str> {
        match &self.state {
            KeyState::NotConfigured => None,
            KeyState::Configured { access_key_id, .. } | KeyState::Unreadable { access_key_id, .. } => {
                Some(access_key_id)
            }
        }
    }
}

/// Reads whether the caller's organization has keys, and their access key ID.
#[server(prefix = "/api", endpoint = "keys/status")]
pub async fn key_status() -> Result<KeyStatusView, ApiError> {
    let caller = server::caller()?;
    let keys = server::keys()?;

    let state = keys.status(caller.org_id).await.map_err(|error| ApiError::from_core(error, caller.org_id))?;
    let onboarding_completed =
        keys.onboarding_completed(caller.org_id).await.map_err(|error| ApiError::from_core(error, caller.org_id))?;
    Ok(KeyStatusView { state: state.into(), can_manage: caller.is_admin, onboarding_completed })
}

/// Saves the organization's first access key pair.
#[server(prefix = "/api", endpoint = "keys/save")]
pub async fn save_keys(access_key: String, access_secret: SecretInput) -> Result<KeyState, ApiError> {
    server::store_keys(&access_key, &access_secret, server::SaveMode::Save).await
}

/// Replaces the organization's access key pair with a new one, in one step.
#[server(prefix = "/api", endpoint = "keys/replace")]
pub async fn replace_keys(access_key: String, access_secret: SecretInput) -> Result<KeyState, ApiError> {
    server::store_keys(&access_key, &access_secret, server::SaveMode::Replace).await
}

/// Deletes the organization's access key pair; Guardian then uses the default credentials.
#[server(prefix = "/api", endpoint = "keys/delete")]
pub async fn delete_keys() -> Result<(), ApiError> {
    let caller = server::caller()?;
    caller.require_admin()?;
    let keys = server::keys()?;

    keys.delete(caller.org_id).await.map_err(|error| ApiError::from_core(error, caller.org_id))?;
    tracing::info!(org_id = caller.org_id, "Bedrock keys deleted");
    server::redirect_form_post("/settings/ai/api-keys?deleted=1");
    Ok(())
}

/// Finishes onboarding without saving keys, so Guardian keeps the default credentials.
#[server(prefix = "/api", endpoint = "onboarding/skip")]
pub async fn skip_onboarding() -> Result<(), ApiError> {
    let caller = server::caller()?;
    caller.require_admin()?;
    let keys = server::keys()?;

    keys.complete_onboarding(caller.org_id, guardian_core::unix_now())
        .await
        .map_err(|error| ApiError::from_core(error, caller.org_id))?;
    server::redirect_form_post("/onboarding/done");
    Ok(())
}

#[cfg(feature = "ssr")]
impl From<guardian_core::KeyStatus> for KeyState {
    fn from(status: guardian_core::KeyStatus) -> Self {
        use guardian_core::KeyStatus;
        match status {
            KeyStatus::NotConfigured => KeyState::NotConfigured,
            KeyStatus::Configured { access_key_id, saved_at } => KeyState::Configured { access_key_id, saved_at },
            KeyStatus::Unreadable { access_key_id, saved_at } => KeyState::Unreadable { access_key_id, saved_at },
        }
    }
}

/// Server-side helpers of the server functions.
#[cfg(feature = "ssr")]
pub mod server {
    use guardian_core::Keys;
    use leptos::prelude::*;
    use secrecy::SecretString;

    use super::{KeyState, SecretInput};
    use crate::error::ApiError;
    use crate::validation::validate_key_pair;

    /// Who is calling and for which organization.
    #[derive(Debug, Clone, Copy)]
    pub struct Caller {
        pub org_id: i64,
        pub is_admin: bool,
    }

    impl Caller {
        /// Fails unless the caller administers their organization.
        pub fn require_admin(&self) -> Result<(), ApiError> {
            if self.is_admin {
                Ok(())
            } else {
                Err(ApiError::Forbidden)
            }
        }
    }

    /// Returns the caller of the current request.
    // TODO: accounts do not exist yet, so every caller acts as an admin of the default organization.
    pub fn caller() -> Result<Caller, ApiError> {
        Ok(Caller { org_id: guardian_core::DEFAULT_ORG_ID, is_admin: true })
    }

    /// Returns the keys service that the server provides as context.
    pub fn keys() -> Result<Keys, ApiError> {
        use_context::<Keys>().ok_or_else(|| {
            tracing::error!("the keys service is missing from the server function context");
            ApiError::Internal
        })
    }

    /// Whether a save creates the first pair or replaces the current one.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum SaveMode {
        Save,
        Replace,
    }

    /// Validates and stores a key pair for the caller's organization.
    pub async fn store_keys(access_key: &str, access_secret: &SecretInput, mode: SaveMode) -> Result<KeyState, ApiError> {
        let (access_key_id, secret) =
            validate_key_pair(access_key, access_secret.expose()).map_err(|fields| ApiError::Invalid { fields })?;
        let secret = SecretString::from(secret);

        let caller = caller()?;
        caller.require_admin()?;
        let keys = keys()?;

        let now = guardian_core::unix_now();
        let stored = match mode {
            SaveMode::Save => keys.save(caller.org_id, &access_key_id, &secret, now).await,
            SaveMode::Replace => keys.replace(caller.org_id, &access_key_id, &secret, now).await,
        };
        let status = stored.map_err(|error| ApiError::from_core(error, caller.org_id))?;
        keys.complete_onboarding(caller.org_id, now).await.map_err(|error| ApiError::from_core(error, caller.org_id))?;
        tracing::info!(org_id = caller.org_id, access_key_id, ?mode, "Bedrock keys stored");

        let destination =
            if referer_path().starts_with("/onboarding") { "/onboarding/done" } else { "/settings/ai/api-keys?saved=1" };
        redirect_form_post(destination);
        Ok(status.into())
    }

    /// Redirects a plain form post (a browser without JavaScript) to `path`. Calls from the
    /// WASM client get the result instead and update the page themselves.
    pub fn redirect_form_post(path: &str) {
        if accepts_html() {
            leptos_axum::redirect(path);
        }
    }

    fn accepts_html() -> bool {
        use_context::<http::request::Parts>()
            .and_then(|parts| parts.headers.get(http::header::ACCEPT)?.to_str().ok().map(|accept| accept.contains("text/html")))
            .unwrap_or(false)
    }

    fn referer_path() -> String {
        use_context::<http::request::Parts>()
            .and_then(|parts| {
                let referer = parts.headers.get(http::header::REFERER)?.to_str().ok()?;
                let uri: http::Uri = referer.parse().ok()?;
                Some(uri.path().to_owned())
            })
            .unwrap_or_default()
    }
}
