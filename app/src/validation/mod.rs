//! Form validation shared by the browser (WASM) and the server functions, so both apply the
//! same rules and messages.
//!
//! Messages say what is wrong and how to fix it, and never quote the value: a secret pasted into
//! the wrong field must not end up in a page, a URL or a log.

use serde::{Deserialize, Serialize};

pub mod accounts;
pub mod csv;
pub mod guardian;
pub mod keys;

pub use accounts::*;
pub use guardian::*;
pub use keys::*;

/// A message attached to one form field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldError {
    /// The form field's `name`.
    pub field: String,
    /// The problem and how to fix it.
    pub message: String,
}

impl FieldError {
    /// Attaches a message to a field.
    pub fn new(field: &str, message: impl Into<String>) -> Self {
        Self { field: field.to_owned(), message: message.into() }
    }
}

/// Removes surrounding whitespace, including non-breaking and zero-width spaces that copying
/// from web pages and spreadsheets tends to bring along.
pub fn normalize(input: &str) -> &str {
    input.trim_matches(|c: char| c.is_whitespace() || matches!(c, '\u{200B}' | '\u{200C}' | '\u{200D}' | '\u{2060}' | '\u{FEFF}'))
}

/// Collects the errors of several field checks; `Ok` when every check passed.
pub fn collect_field_errors(checks: Vec<(&str, Option<String>)>) -> Result<(), Vec<FieldError>> {
    let errors: Vec<FieldError> = checks
        .into_iter()
        .filter_map(|(field, message)| message.map(|message| FieldError::new(field, message)))
        .collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}
