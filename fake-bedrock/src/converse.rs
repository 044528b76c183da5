//! The Converse handler: authenticates the request, then responds with the key's outcome.

use std::sync::Arc;
use std::time::Instant;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, Method, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};
use time::{Duration, OffsetDateTime, PrimitiveDateTime};

use crate::errors::{AwsError, SIGNATURE_MISMATCH_MESSAGE};
use crate::sigv4::{self, Authorization, SignedRequest, VerifyError};
use crate::{FakeState, KeyConfig, Outcome};

/// The signing service name of Bedrock Runtime.
const SIGNING_SERVICE: &str = "bedrock";
/// How far the signing time may be from the server's clock, as on AWS.
const MAX_CLOCK_SKEW: Duration = Duration::minutes(15);
/// Model ID prefixes of cross-Region inference profiles.
const INFERENCE_PROFILE_PREFIXES: [&str; 8] = ["us", "us-gov", "eu", "apac", "jp", "au", "ca", "global"];

/// Handles `POST /model/{modelId}/converse`.
pub async fn handle(
    State(state): State<Arc<FakeState>>,
    Path(model_id): Path<String>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let started = Instant::now();
    let request_id = uuid::Uuid::new_v4().to_string();
    let request =
        SignedRequest { method: method.as_str(), path: uri.path(), query: uri.query(), headers: &headers, body: &body };

    let (key, authorization) = match authenticate(&state, &request) {
        Ok(authenticated) => authenticated,
        Err((access_key_id, error)) => {
            tracing::info!(%request_id, access_key_id, %model_id, code = error.code, "rejected the request");
            return error.into_response_with_id(&request_id);
        }
    };

    tracing::info!(%request_id, access_key_id = %key.access_key_id, %model_id, outcome = ?key.outcome, "responding with the configured outcome");
    let region = authorization.region.as_str();
    let error = match key.outcome {
        Outcome::Success => return success(&state, &request_id, &body, started),
        Outcome::Hang => std::future::pending().await,
        Outcome::UnrecognizedClient => AwsError::unrecognized_client(),
        Outcome::InvalidSignature => AwsError::invalid_signature(SIGNATURE_MISMATCH_MESSAGE),
        Outcome::SignatureExpired => {
            let signed_at =
                sigv4::request_timestamp(&headers).and_then(parse_timestamp).unwrap_or_else(OffsetDateTime::now_utc);
            // Pretends that the server's clock is 20 minutes ahead of the client's.
            signature_expired(signed_at, signed_at + Duration::minutes(20))
        }
        Outcome::AccessDeniedInvoke => AwsError::access_denied(format!(
            "User: arn:aws:iam::{account}:user/{user} is not authorized to perform: bedrock:InvokeModel on resource: \
             {resource} because no identity-based policy allows the bedrock:InvokeModel action",
            account = state.config.user_arn_account,
            user = state.config.user_name,
            resource = model_resource_arn(region, &state.config.user_arn_account, &model_id),
        )),
        Outcome::AccessDeniedModelAccess => {
            AwsError::access_denied("You don't have access to the model with the specified model ID.")
        }
        Outcome::ValidationOnDemand => AwsError::validation(format!(
            "Invocation of model ID {model_id} with on-demand throughput isn't supported. Retry your request with \
             the ID or ARN of an inference profile that contains this model."
        )),
        Outcome::ValidationModelId => AwsError::validation("The provided model identifier is invalid."),
        Outcome::Throttling => AwsError::throttling(),
        Outcome::InternalError => AwsError::internal_server(),
    };
    error.into_response_with_id(&request_id)
}

/// Checks the `Authorization` header, the key, the credential scope, the signing time and the
/// signature, in that order. On failure returns the access key ID when known, and the error.
fn authenticate<'a>(
    state: &'a FakeState,
    request: &SignedRequest<'_>,
) -> Result<(&'a KeyConfig, Authorization), (String, AwsError)> {
    let unknown = |error| (String::new(), error);
    let header =
        request.headers.get("authorization").ok_or_else(|| unknown(AwsError::missing_authentication_token()))?;
    let header = header
        .to_str()
        .map_err(|_| unknown(AwsError::incomplete_signature("The Authorization header is not valid ASCII.")))?;
    let authorization =
        Authorization::parse(header).map_err(|error| unknown(AwsError::incomplete_signature(error.to_string())))?;

    let access_key_id = authorization.access_key_id.clone();
    let fail = |error| (access_key_id.clone(), error);
    let key = state.keys.get(&authorization.access_key_id).ok_or_else(|| fail(AwsError::unrecognized_client()))?;

    if authorization.service != SIGNING_SERVICE {
        return Err(fail(AwsError::invalid_signature(format!(
            "Credential should be scoped to correct service: '{SIGNING_SERVICE}'. "
        ))));
    }
    if authorization.terminator != "aws4_request" {
        return Err(fail(AwsError::invalid_signature(format!(
            "Credential should be scoped with a valid terminator: 'aws4_request', not '{}'. ",
            authorization.terminator
        ))));
    }
    if let Some(region) = &state.config.region {
        if &authorization.region != region {
            return Err(fail(AwsError::invalid_signature(format!(
                "Credential should be scoped to a valid region, not '{}'. ",
                authorization.region
            ))));
        }
    }

    let timestamp = sigv4::request_timestamp(request.headers).ok_or_else(|| {
        fail(AwsError::incomplete_signature(
            "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.",
        ))
    })?;
    let signed_at = parse_timestamp(timestamp).ok_or_else(|| {
        fail(AwsError::incomplete_signature(format!(
            "Date must be in ISO-8601 'basic format'. Got '{timestamp}'. See http://en.wikipedia.org/wiki/ISO_8601"
        )))
    })?;
    if authorization.scope_date != timestamp[..8] {
        return Err(fail(AwsError::invalid_signature(format!(
            "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '{}' != '{}', \
             from '{timestamp}'.",
            authorization.scope_date,
            &timestamp[..8]
        ))));
    }
    let now = OffsetDateTime::now_utc();
    if signed_at < now - MAX_CLOCK_SKEW {
        return Err(fail(signature_expired(signed_at, now)));
    }
    if signed_at > now + MAX_CLOCK_SKEW {
        return Err(fail(AwsError::invalid_signature(format!(
            "Signature not yet current: {} is still later than {} ({} + 15 min.)",
            format_timestamp(signed_at),
            format_timestamp(now + MAX_CLOCK_SKEW),
            format_timestamp(now)
        ))));
    }

    match sigv4::verify(request, &authorization, &key.secret) {
        Ok(()) => Ok((key, authorization)),
        Err(VerifyError::HostNotSigned) => Err(fail(AwsError::invalid_signature(
            "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.",
        ))),
        Err(VerifyError::MissingDate) => Err(fail(AwsError::incomplete_signature(
            "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.",
        ))),
        Err(VerifyError::PayloadHashMismatch) => Err(fail(AwsError::invalid_signature(
            "The provided 'x-amz-content-sha256' header does not match what was computed.",
        ))),
        Err(VerifyError::MissingSignedHeader(_) | VerifyError::SignatureMismatch) => {
            Err(fail(AwsError::invalid_signature(SIGNATURE_MISMATCH_MESSAGE)))
        }
    }
}

/// Builds AWS's error for a signing time more than 15 minutes before `now`.
fn signature_expired(signed_at: OffsetDateTime, now: OffsetDateTime) -> AwsError {
    AwsError::invalid_signature(format!(
        "Signature expired: {} is now earlier than {} ({} - 15 min.)",
        format_timestamp(signed_at),
        format_timestamp(now - MAX_CLOCK_SKEW),
        format_timestamp(now)
    ))
}

/// Responds to a valid Converse request with the configured text, cut to `maxTokens` words.
fn success(state: &FakeState, request_id: &str, body: &[u8], started: Instant) -> Response {
    let request: Value = match serde_json::from_slice(body) {
        Ok(request) => request,
        Err(_) => return AwsError::validation("The request body is not valid JSON.").into_response_with_id(request_id),
    };
    let messages = request.get("messages").and_then(Value::as_array);
    let Some(messages) = messages.filter(|messages| !messages.is_empty()) else {
        return AwsError::validation(
            "A conversation must start with a user message. Try again with a conversation that starts with a user message.",
        )
        .into_response_with_id(request_id);
    };
    let max_tokens = request.pointer("/inferenceConfig/maxTokens").and_then(Value::as_i64);
    if let Some(max_tokens) = max_tokens.filter(|&max_tokens| max_tokens < 1) {
        return AwsError::validation(format!(
            "1 validation error detected: Value '{max_tokens}' at 'inferenceConfig.maxTokens' failed to satisfy \
             constraint: Member must have value greater than or equal to 1"
        ))
        .into_response_with_id(request_id);
    }

    let words: Vec<&str> = state.config.answer.split_whitespace().collect();
    let limit = max_tokens.map_or(words.len(), |max_tokens| words.len().min(max_tokens as usize));
    let stop_reason = if limit < words.len() { "max_tokens" } else { "end_turn" };
    let input_tokens: usize = messages
        .iter()
        .filter_map(|message| message.get("content").and_then(Value::as_array))
        .flatten()
        .filter_map(|block| block.get("text").and_then(Value::as_str))
        .map(|text| text.split_whitespace().count())
        .sum();

    let response_body = json!({
        "output": { "message": { "role": "assistant", "content": [ { "text": words[..limit].join(" ") } ] } },
        "stopReason": stop_reason,
        "usage": { "inputTokens": input_tokens, "outputTokens": limit, "totalTokens": input_tokens + limit },
        "metrics": { "latencyMs": started.elapsed().as_millis() as u64 },
    });
    let mut response = ([("content-type", "application/json")], response_body.to_string()).into_response();
    if let Ok(value) = HeaderValue::from_str(request_id) {
        response.headers_mut().insert("x-amzn-RequestId", value);
    }
    response
}

/// Returns the ARN that AWS names as the resource of an `InvokeModel` permission check.
fn model_resource_arn(region: &str, account: &str, model_id: &str) -> String {
    if model_id.starts_with("arn:") {
        return model_id.to_owned();
    }
    let is_profile = model_id.split_once('.').is_some_and(|(prefix, _)| INFERENCE_PROFILE_PREFIXES.contains(&prefix));
    if is_profile {
        format!("arn:aws:bedrock:{region}:{account}:inference-profile/{model_id}")
    } else {
        format!("arn:aws:bedrock:{region}::foundation-model/{model_id}")
    }
}

/// Parses a SigV4 timestamp, `YYYYMMDDTHHMMSSZ`, in UTC.
fn parse_timestamp(text: &str) -> Option<OffsetDateTime> {
    let format = time::macros::format_description!("[year][month][day]T[hour][minute][second]Z");
    PrimitiveDateTime::parse(text, format).ok().map(PrimitiveDateTime::assume_utc)
}

/// Formats a time as a SigV4 timestamp.
fn format_timestamp(at: OffsetDateTime) -> String {
    let format = time::macros::format_description!("[year][month][day]T[hour][minute][second]Z");
    at.format(format).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_round_trip() {
        let parsed = parse_timestamp("20240101T000000Z").unwrap();
        assert_eq!(parsed.unix_timestamp(), 1_704_067_200);
        assert_eq!(format_timestamp(parsed), "20240101T000000Z");
        assert!(parse_timestamp("2024-01-01T00:00:00Z").is_none());
    }

    #[test]
    fn expired_message_names_both_times() {
        let signed_at = parse_timestamp("20240101T000000Z").unwrap();
        let error = signature_expired(signed_at, signed_at + Duration::minutes(20));
        assert_eq!(error.code, "InvalidSignatureException");
        assert_eq!(
            error.message,
            "Signature expired: 20240101T000000Z is now earlier than 20240101T000500Z (20240101T002000Z - 15 min.)"
        );
    }

    #[test]
    fn resource_arn_depends_on_model_kind() {
        assert_eq!(
            model_resource_arn("us-east-1", "123456789012", "anthropic.claude-3-haiku-20240307-v1:0"),
            "arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-3-haiku-20240307-v1:0"
        );
        assert_eq!(
            model_resource_arn("us-east-1", "123456789012", "us.anthropic.claude-sonnet-4-20250514-v1:0"),
            "arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-sonnet-4-20250514-v1:0"
        );
    }
}
