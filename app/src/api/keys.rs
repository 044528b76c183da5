//! Server functions of the organization's Bedrock keys and the types they return.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use super::SecretInput;
#[cfg(feature = "ssr")]
use super::server;
use crate::error::ApiError;

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
    let org_id = caller.org_id();

    let state = keys.status(org_id).await.map_err(server::map_error(org_id))?;
    let onboarding_completed = keys.onboarding_completed(org_id).await.map_err(server::map_error(org_id))?;
    Ok(KeyStatusView { state: state.into(), can_manage: caller.is_admin(), onboarding_completed })
}

/// Saves the organization's first access key pair.
#[server(prefix = "/api", endpoint = "keys/save")]
pub async fn save_keys(access_key: String, access_secret: SecretInput) -> Result<KeyState, ApiError> {
    store_keys(&access_key, &access_secret, SaveMode::Save).await
}

/// Replaces the organization's access key pair with a new one, in one step.
#[server(prefix = "/api", endpoint = "keys/replace")]
pub async fn replace_keys(access_key: String, access_secret: SecretInput) -> Result<KeyState, ApiError> {
    store_keys(&access_key, &access_secret, SaveMode::Replace).await
}

/// Deletes the organization's access key pair; Guardian then uses the default credentials.
#[server(prefix = "/api", endpoint = "keys/delete")]
pub async fn delete_keys() -> Result<(), ApiError> {
    let caller = server::caller()?;
    caller.require_admin()?;
    let keys = server::keys()?;
    let org_id = caller.org_id();

    keys.delete(org_id).await.map_err(server::map_error(org_id))?;
    tracing::info!(org_id, user_id = caller.user.id, "Bedrock keys deleted");
    server::redirect_form_post("/settings/ai/api-keys?deleted=1");
    Ok(())
}

/// Finishes onboarding without saving keys, so Guardian keeps the default credentials.
#[server(prefix = "/api", endpoint = "onboarding/skip")]
pub async fn skip_onboarding() -> Result<(), ApiError> {
    let caller = server::caller()?;
    caller.require_admin()?;
    let keys = server::keys()?;
    let org_id = caller.org_id();

    keys.complete_onboarding(org_id, guardian_core::unix_now()).await.map_err(server::map_error(org_id))?;
    server::redirect_form_post("/onboarding/done");
    Ok(())
}

/// Whether a save creates the first pair or replaces the current one.
#[cfg(feature = "ssr")]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SaveMode {
    Save,
    Replace,
}

/// Validates and stores a key pair for the caller's organization.
#[cfg(feature = "ssr")]
async fn store_keys(access_key: &str, access_secret: &SecretInput, mode: SaveMode) -> Result<KeyState, ApiError> {
    use crate::validation::validate_key_pair;

    let (access_key_id, secret) =
        validate_key_pair(access_key, access_secret.expose()).map_err(|fields| ApiError::Invalid { fields })?;
    let secret = secrecy::SecretString::from(secret);

    let caller = server::caller()?;
    caller.require_admin()?;
    let keys = server::keys()?;
    let org_id = caller.org_id();

    let now = guardian_core::unix_now();
    let stored = match mode {
        SaveMode::Save => keys.save(org_id, &access_key_id, &secret, now).await,
        SaveMode::Replace => keys.replace(org_id, &access_key_id, &secret, now).await,
    };
    let status = stored.map_err(server::map_error(org_id))?;
    keys.complete_onboarding(org_id, now).await.map_err(server::map_error(org_id))?;
    tracing::info!(org_id, user_id = caller.user.id, access_key_id, ?mode, "Bedrock keys stored");

    let destination =
        if server::referer_path().starts_with("/onboarding") { "/onboarding/done" } else { "/settings/ai/api-keys?saved=1" };
    server::redirect_form_post(destination);
    Ok(status.into())
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
