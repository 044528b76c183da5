//! Error responses in the shape Bedrock Runtime uses: a status code, the error code in
//! `x-amzn-ErrorType`, a request ID in `x-amzn-RequestId` and a JSON body `{"message": …}`.

use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

/// Suffix AWS appends to errors raised by its request authentication layer.
const CORAL_NAMESPACE: &str = "http://internal.amazon.com/coral/com.amazon.coral.service/";
/// Suffix AWS appends to errors modelled by Bedrock itself.
const BEDROCK_NAMESPACE: &str = "http://internal.amazon.com/coral/com.amazon.bedrock/";

/// AWS's message when the recomputed signature differs from the one sent.
pub const SIGNATURE_MISMATCH_MESSAGE: &str = "The request signature we calculated does not match the signature you \
     provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.";

/// One AWS error: status, code and message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AwsError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
}

impl AwsError {
    pub fn missing_authentication_token() -> Self {
        Self::new(StatusCode::FORBIDDEN, "MissingAuthenticationTokenException", "Missing Authentication Token")
    }

    pub fn incomplete_signature(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "IncompleteSignatureException", message)
    }

    pub fn unrecognized_client() -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            "UnrecognizedClientException",
            "The security token included in the request is invalid.",
        )
    }

    pub fn invalid_signature(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "InvalidSignatureException", message)
    }

    pub fn access_denied(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "AccessDeniedException", message)
    }

    pub fn validation(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "ValidationException", message)
    }

    pub fn throttling() -> Self {
        Self::new(
            StatusCode::TOO_MANY_REQUESTS,
            "ThrottlingException",
            "Too many requests, please wait before trying again.",
        )
    }

    pub fn internal_server() -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "InternalServerException",
            "The system encountered an unexpected error during processing. Try your request again.",
        )
    }

    fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self { status, code, message: message.into() }
    }

    /// Builds the HTTP response carrying this error and `request_id`.
    pub fn into_response_with_id(self, request_id: &str) -> Response {
        let namespace = match self.code {
            "AccessDeniedException" | "ValidationException" | "ThrottlingException" | "InternalServerException" => {
                BEDROCK_NAMESPACE
            }
            _ => CORAL_NAMESPACE,
        };
        let body = serde_json::json!({ "message": self.message }).to_string();
        let mut response = (self.status, [("content-type", "application/json")], body).into_response();
        let headers = response.headers_mut();
        if let Ok(value) = HeaderValue::from_str(&format!("{}:{namespace}", self.code)) {
            headers.insert("x-amzn-ErrorType", value);
        }
        if let Ok(value) = HeaderValue::from_str(request_id) {
            headers.insert("x-amzn-RequestId", value);
        }
        response
    }
}

/// Rejects requests for paths other than the Converse operation as AWS does.
pub async fn unknown_operation() -> Response {
    let request_id = uuid::Uuid::new_v4().to_string();
    tracing::info!(%request_id, "rejected a request for an unknown operation");
    AwsError::new(StatusCode::NOT_FOUND, "UnknownOperationException", "Unknown operation.")
        .into_response_with_id(&request_id)
}
