//! Guardian's questions and answers: the code path through which every Guardian call to
//! Bedrock goes, with the organization's resolved credentials.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use super::server;
use crate::error::ApiError;

/// Longest answer Guardian generates, in model output tokens.
pub const MAX_ANSWER_TOKENS: i32 = 512;

/// Guardian's answer and the credentials that paid for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GuardianAnswer {
    pub answer: String,
    /// The credentials the call signed with, e.g. "your AWS keys (AKIA…)".
    pub credentials: String,
}

/// Asks Guardian a question with the organization's credentials.
#[server(prefix = "/api", endpoint = "guardian/ask")]
pub async fn ask_guardian(question: String) -> Result<GuardianAnswer, ApiError> {
    use crate::validation::{validate_question, FieldError, QUESTION_FIELD};
    use guardian_core::checks::RateLimit;
    use guardian_core::CredentialSource;

    let question = validate_question(&question)
        .map_err(|message| ApiError::Invalid { fields: vec![FieldError::new(QUESTION_FIELD, message)] })?;

    let caller = server::caller()?;
    let org_id = caller.org_id();
    server::take_rate_limit("guardian-question", org_id, RateLimit { max_requests: 20, window_secs: 60 }, "questions").await?;
    let keys = server::keys()?;
    let checks = server::checks()?;
    let bedrock = server::bedrock()?;

    let client = bedrock.client_for(&keys, org_id).await.map_err(server::map_error(org_id))?;
    let access_key_id = match client.source() {
        CredentialSource::OrgKeys { access_key_id } => Some(access_key_id.clone()),
        CredentialSource::Default => None,
    };
    let started = std::time::Instant::now();
    let result = bedrock.converse(&client, &question, MAX_ANSWER_TOKENS).await;
    if let Some(access_key_id) = &access_key_id {
        checks.mark_keys_used(org_id, access_key_id, guardian_core::unix_now()).await.map_err(server::map_error(org_id))?;
    }
    let settings = bedrock.settings();
    let credentials = super::credentials_label(access_key_id.as_deref());
    let answer = result.map_err(|outcome| {
        tracing::warn!(org_id, outcome = outcome.kind(), "Guardian could not answer");
        let advice = outcome.message(settings);
        ApiError::Bedrock(format!("Guardian could not answer with {credentials}. {advice}"))
    })?;
    tracing::info!(
        org_id,
        user_id = caller.user.id,
        credential_source = if access_key_id.is_some() { "org_keys" } else { "default" },
        duration_ms = started.elapsed().as_millis() as u64,
        "Guardian answered"
    );

    Ok(GuardianAnswer { answer, credentials })
}
