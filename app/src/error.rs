//! The error that server functions return to the browser. Every message is safe to show: internal
//! details are logged on the server and replaced by a generic text here.

use http::StatusCode;
use serde::{Deserialize, Serialize};
use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};

use crate::validation::FieldError;

/// A server function's failure, as the browser sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum ApiError {
    /// One or more fields are invalid; each message sits next to its field.
    #[error("Check the highlighted fields.")]
    Invalid { fields: Vec<FieldError> },
    #[error("Sign in to continue.")]
    Unauthorized,
    /// Unknown email or wrong password; the response never reveals which.
    #[error("Invalid email or password.")]
    LoginFailed,
    /// Too many attempts; the text says how long to wait.
    #[error("{0}")]
    TooManyRequests(String),
    #[error("Only an administrator of this organization can do this.")]
    Forbidden,
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    #[error("The service is temporarily unavailable. Try again in a moment.")]
    Unavailable,
    /// A call to Bedrock failed; the text says why and what to change.
    #[error("{0}")]
    Bedrock(String),
    #[error("The stored keys cannot be read and must be entered again.")]
    KeysUnreadable,
    #[error("Something went wrong on the server. Try again; if it keeps failing, ask your operator to check the server log.")]
    Internal,
    /// The request could not be sent, or its body was malformed.
    #[error("{0}")]
    Request(String),
}

impl ApiError {
    /// Returns the HTTP status this error answers to fetch calls.
    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::Invalid { .. } | ApiError::Request(_) => StatusCode::BAD_REQUEST,
            ApiError::Unauthorized | ApiError::LoginFailed => StatusCode::UNAUTHORIZED,
            ApiError::TooManyRequests(_) => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Forbidden => StatusCode::FORBIDDEN,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::Conflict(_) | ApiError::KeysUnreadable => StatusCode::CONFLICT,
            ApiError::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Bedrock(_) => StatusCode::BAD_GATEWAY,
            ApiError::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// Returns the message for one field, if this error carries one.
    pub fn field_message(&self, field: &str) -> Option<String> {
        match self {
            ApiError::Invalid { fields } => {
                fields.iter().find(|error| error.field == field).map(|error| error.message.clone())
            }
            _ => None,
        }
    }
}

impl FromServerFnError for ApiError {
    type Encoder = JsonEncoding;

    // The framework's error texts may quote the request body, so none of them is passed on.
    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            ServerFnErrorErr::Request(_) => {
                ApiError::Request("Could not reach the server. Check your connection and try again.".into())
            }
            ServerFnErrorErr::Args(_) | ServerFnErrorErr::MissingArg(_) => {
                ApiError::Request("The form was incomplete or malformed. Reload the page and try again.".into())
            }
            _ => ApiError::Internal,
        }
    }
}

#[cfg(feature = "ssr")]
impl ApiError {
    /// Converts a library error, logging what the browser must not see.
    pub fn from_core(error: guardian_core::Error, org_id: i64) -> Self {
        use guardian_core::Error;
        match error {
            Error::Unauthorized => ApiError::Unauthorized,
            Error::Forbidden => ApiError::Forbidden,
            Error::NotFound(what) => ApiError::NotFound(format!("The {what} could not be found. Reload the page.")),
            Error::Conflict(message) => ApiError::Conflict(message.into()),
            Error::KeysUnreadable => ApiError::KeysUnreadable,
            Error::Unavailable(source) => {
                tracing::warn!(org_id, error = %source, "database unavailable");
                ApiError::Unavailable
            }
            Error::Internal(detail) => {
                tracing::error!(org_id, error = %detail, "server function failed");
                ApiError::Internal
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_errors_are_client_errors() {
        let errors = [
            ApiError::Invalid { fields: vec![] },
            ApiError::Unauthorized,
            ApiError::Forbidden,
            ApiError::NotFound("x".into()),
            ApiError::Conflict("x".into()),
            ApiError::Request("x".into()),
        ];
        for error in errors {
            assert!(error.status().is_client_error(), "{error:?}");
        }
    }

    #[test]
    fn framework_error_text_is_dropped() {
        let error = ApiError::from_server_fn_error(ServerFnErrorErr::Args("access_secret=wJalrXUtnFEMI".into()));
        assert!(!error.to_string().contains("wJalr"));
        assert_eq!(error.status(), StatusCode::BAD_REQUEST);
    }
}
