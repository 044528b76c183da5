//! Server functions of the organization's Bedrock keys and the types they return.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use super::SecretInput;
#[cfg(feature = "ssr")]
use super::server;
use crate::error::ApiError;

/// The state of an organization's saved keys, as pages show it. Never contains the secret.
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
    /// The Region and model of Guardian's Bedrock calls, shown so admins know where to enable model access.
    pub target: BedrockTarget,
    /// The latest connection check.
    pub last_check: Option<CheckView>,
    /// When Guardian last called Bedrock with the current keys.
    pub keys_last_used_at: Option<i64>,
    /// Age of the saved keys; `None` without keys.
    pub rotation: Option<RotationView>,
}

/// The result of a save or replace.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredKeys {
    pub state: KeyState,
    /// The access key ID that a replace took the place of, which should be deactivated in IAM.
    /// None after a save, and after a replace that kept the key ID with a new secret.
    pub previous_access_key_id: Option<String>,
}

/// The age of the saved keys against the rotation policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RotationView {
    pub age_days: i64,
    pub max_age_days: i64,
    /// Whether the keys are older than the policy allows.
    pub due: bool,
}

/// The Region and model that Guardian calls.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BedrockTarget {
    pub region: String,
    pub model_id: String,
}

/// The result of a connection check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckView {
    pub succeeded: bool,
    /// The outcome and the next step, for people.
    pub message: String,
    pub checked_at: i64,
    /// The credentials the check signed with, e.g. "your AWS keys (AKIA…)".
    pub credentials: String,
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

    let bedrock = server::bedrock()?;

    let guardian_core::keys::KeyOverview { status: state, onboarding_completed, last_check, keys_last_used_at } =
        keys.overview(org_id).await.map_err(server::map_error(org_id))?;
    let now = guardian_core::unix_now();
    let max_age_days = server::policy()?.rotation_days;
    let rotation = match &state {
        guardian_core::KeyStatus::Configured { saved_at, .. } | guardian_core::KeyStatus::Unreadable { saved_at, .. } => {
            let age_days = (now - saved_at).max(0) / 86_400;
            Some(RotationView { age_days, max_age_days, due: age_days > max_age_days })
        }
        guardian_core::KeyStatus::NotConfigured => None,
    };
    Ok(KeyStatusView {
        rotation,
        state: state.into(),
        can_manage: caller.is_admin(),
        onboarding_completed,
        target: BedrockTarget { region: bedrock.settings().region.clone(), model_id: bedrock.settings().model_id.clone() },
        last_check: last_check.map(CheckView::from),
        keys_last_used_at,
    })
}

/// Checks that the organization's credentials can call the configured model: one Converse
/// request for a single token, with the saved keys or, when none are saved, the default
/// credentials. Stores and returns the result; a failed check is a result, not an error.
#[server(prefix = "/api", endpoint = "keys/test")]
pub async fn test_connection() -> Result<CheckView, ApiError> {
    use guardian_core::checks::{CheckRecord, RateLimit};
    use guardian_core::CredentialSource;

    let caller = server::caller()?;
    caller.require_admin()?;
    let org_id = caller.org_id();
    server::take_rate_limit("connection-check", org_id, RateLimit { max_requests: 10, window_secs: 60 }, "connection checks").await?;
    let keys = server::keys()?;
    let checks = server::checks()?;
    let bedrock = server::bedrock()?;

    let client = bedrock.client_for(&keys, org_id).await.map_err(server::map_error(org_id))?;
    let started = std::time::Instant::now();
    let outcome = bedrock.check_connection(&client).await;
    let (credential_source, access_key_id) = match client.source() {
        CredentialSource::OrgKeys { access_key_id } => ("org_keys", Some(access_key_id.clone())),
        CredentialSource::Default => ("default", None),
    };
    let settings = bedrock.settings();
    let record = CheckRecord {
        outcome: outcome.kind().to_owned(),
        succeeded: outcome.is_success(),
        message: outcome.message(settings),
        credential_source: credential_source.to_owned(),
        access_key_id,
        checked_at: guardian_core::unix_now(),
    };
    checks.record(org_id, &record).await.map_err(server::map_error(org_id))?;
    let actor = server::actor(&caller);
    let event = guardian_core::audit::NewAuditEvent {
        org_id,
        actor: &actor,
        action: guardian_core::audit::AuditAction::Checked,
        access_key_id: record.access_key_id.as_deref(),
        previous_access_key_id: None,
        outcome: &record.outcome,
        occurred_at: record.checked_at,
    };
    server::audit_log()?.record(&event).await.map_err(server::map_error(org_id))?;
    tracing::info!(
        org_id,
        user_id = caller.user.id,
        outcome = record.outcome,
        credential_source,
        duration_ms = started.elapsed().as_millis() as u64,
        "connection check finished"
    );

    server::redirect_form_post("/settings/ai/api-keys");
    Ok(record.into())
}

/// Saves the organization's first access key pair.
#[server(prefix = "/api", endpoint = "keys/save")]
pub async fn save_keys(access_key: String, access_secret: SecretInput) -> Result<StoredKeys, ApiError> {
    store_keys(&access_key, &access_secret, SaveMode::Save).await
}

/// Replaces the organization's access key pair with a new one, in one step.
#[server(prefix = "/api", endpoint = "keys/replace")]
pub async fn replace_keys(access_key: String, access_secret: SecretInput) -> Result<StoredKeys, ApiError> {
    store_keys(&access_key, &access_secret, SaveMode::Replace).await
}

/// Deletes the organization's access key pair and returns its access key ID; Guardian then
/// uses the default credentials.
#[server(prefix = "/api", endpoint = "keys/delete")]
pub async fn delete_keys() -> Result<String, ApiError> {
    let caller = server::caller()?;
    caller.require_admin()?;
    let keys = server::keys()?;
    let org_id = caller.org_id();

    let deleted = keys.delete_by(org_id, &server::actor(&caller), guardian_core::unix_now()).await.map_err(server::map_error(org_id))?;
    tracing::info!(org_id, user_id = caller.user.id, access_key_id = deleted, "Bedrock keys deleted");
    server::redirect_form_post(&format!("/settings/ai/api-keys?deleted={deleted}"));
    Ok(deleted)
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
async fn store_keys(access_key: &str, access_secret: &SecretInput, mode: SaveMode) -> Result<StoredKeys, ApiError> {
    use crate::validation::validate_key_pair;

    let (access_key_id, secret) =
        validate_key_pair(access_key, access_secret.expose()).map_err(|fields| ApiError::Invalid { fields })?;
    let secret = secrecy::SecretString::from(secret);

    let caller = server::caller()?;
    caller.require_admin()?;
    let keys = server::keys()?;
    let org_id = caller.org_id();

    let now = guardian_core::unix_now();
    let actor = server::actor(&caller);
    let stored = match mode {
        SaveMode::Save => keys.save_by(org_id, &actor, &access_key_id, &secret, now).await.map(|status| (status, None)),
        SaveMode::Replace => keys
            .replace_by(org_id, &actor, &access_key_id, &secret, now)
            .await
            .map(|replaced| {
                // A new secret for the same key ID leaves no old access key to retire in IAM.
                let previous = Some(replaced.previous_access_key_id).filter(|previous| *previous != access_key_id);
                (replaced.status, previous)
            }),
    };
    let (status, previous_access_key_id) = stored.map_err(server::map_error(org_id))?;
    tracing::info!(org_id, user_id = caller.user.id, access_key_id, ?mode, "Bedrock keys stored");

    let destination = if server::referer_path().starts_with("/onboarding") {
        "/onboarding/done".to_owned()
    } else {
        match &previous_access_key_id {
            Some(previous) => format!("/settings/ai/api-keys?saved=1&previous={previous}"),
            None => "/settings/ai/api-keys?saved=1".to_owned(),
        }
    };
    server::redirect_form_post(&destination);
    Ok(StoredKeys { state: status.into(), previous_access_key_id })
}

#[cfg(feature = "ssr")]
impl From<guardian_core::checks::CheckRecord> for CheckView {
    fn from(record: guardian_core::checks::CheckRecord) -> Self {
        let credentials = credentials_label(record.access_key_id.as_deref());
        Self { succeeded: record.succeeded, message: record.message, checked_at: record.checked_at, credentials }
    }
}

/// Names a credential source for people: the organization's key ID, or the defaults.
pub fn credentials_label(access_key_id: Option<&str>) -> String {
    match access_key_id {
        Some(access_key_id) => format!("your AWS keys ({access_key_id})"),
        None => "the default credentials".to_owned(),
    }
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
