//! Validation of questions to Guardian.

use super::normalize;

/// Longest question Guardian accepts, in characters.
pub const MAX_QUESTION_CHARS: usize = 2000;
/// Form field name of Guardian's question.
pub const QUESTION_FIELD: &str = "question";

/// Validates a question to Guardian and returns it trimmed.
pub fn validate_question(input: &str) -> Result<String, String> {
    let value = normalize(input);
    if value.is_empty() {
        return Err("Enter a question for Guardian.".into());
    }
    let length = value.chars().count();
    if length > MAX_QUESTION_CHARS {
        return Err(format!("The question has {length} characters; shorten it to at most {MAX_QUESTION_CHARS}."));
    }
    Ok(value.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn questions_are_trimmed_and_capped() {
        assert_eq!(validate_question("  Why is p99 up? ").as_deref(), Ok("Why is p99 up?"));
        assert!(validate_question(" \u{200B} ").unwrap_err().contains("Enter a question"));
        let long = "x".repeat(MAX_QUESTION_CHARS + 1);
        assert!(validate_question(&long).unwrap_err().contains("at most 2000"));
    }
}
