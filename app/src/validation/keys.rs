//! Validation of the AWS access key pair.

use super::{normalize, FieldError};

/// Inputs longer than this many characters are rejected before any other rule runs.
pub const MAX_INPUT_CHARS: usize = 256;
/// Length of an AWS access key ID.
pub const ACCESS_KEY_LEN: usize = 20;
/// Length of an AWS secret access key.
pub const SECRET_LEN: usize = 40;

/// Form field name and label of the access key ID.
pub const ACCESS_KEY_FIELD: &str = "access_key";
/// Form field name of the secret access key.
pub const ACCESS_SECRET_FIELD: &str = "access_secret";

/// Prefixes of IAM unique IDs that identify a user, role, group, policy or other entity.
const IAM_ENTITY_PREFIXES: [&str; 8] = ["AIDA", "AROA", "AGPA", "ANPA", "ANVA", "AIPA", "APKA", "ASCA"];

fn is_key_id_char(c: char) -> bool {
    c.is_ascii_uppercase() || c.is_ascii_digit()
}

fn is_secret_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '/' || c == '+'
}

/// Tells whether a value has the shape of an access key ID (long-term or temporary).
fn looks_like_key_id(value: &str) -> bool {
    value.chars().count() == ACCESS_KEY_LEN
        && (value.starts_with("AKIA") || value.starts_with("ASIA"))
        && value.chars().all(is_key_id_char)
}

/// Tells whether a value has the shape of a secret access key: 40 characters of the secret
/// alphabet with at least one character an access key ID cannot contain.
fn looks_like_secret(value: &str) -> bool {
    value.chars().count() == SECRET_LEN
        && value.chars().all(is_secret_char)
        && value.chars().any(|c| c.is_ascii_lowercase() || c == '/' || c == '+')
}

fn is_bedrock_api_key(value: &str) -> bool {
    value.starts_with("ABSK") || value.to_ascii_lowercase().starts_with("bedrock-api-key-")
}

/// Characters that take no space on screen, which copying from chat tools or documents can
/// leave inside a value.
fn is_invisible(c: char) -> bool {
    matches!(c, '\u{00AD}' | '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}')
}

/// Describes a copy-and-paste mistake that the field's own rules would report only as a wrong
/// length: quotation marks around the value, or an invisible character inside it.
fn paste_mistake(label: &str, value: &str) -> Option<String> {
    let quotes = ['"', '\'', '`', '\u{201C}', '\u{201D}', '\u{2018}', '\u{2019}'];
    if value.chars().count() > 1 && value.starts_with(quotes) && value.ends_with(quotes) {
        return Some(format!("{label} is wrapped in quotation marks. Remove them and keep only the key itself."));
    }
    if value.chars().any(is_invisible) {
        return Some(format!(
            "{label} contains an invisible character, such as a zero-width space, inside the key. Type the key again or copy it from the IAM console."
        ));
    }
    None
}

/// Validates the Access Key field and returns the normalized access key ID.
pub fn validate_access_key(input: &str) -> Result<String, String> {
    if input.chars().count() > MAX_INPUT_CHARS {
        return Err(format!("Access Key is too long. Paste only the access key ID, which is {ACCESS_KEY_LEN} characters."));
    }
    let value = normalize(input);
    if value.is_empty() {
        return Err("Enter the Access Key: the access key ID of the IAM user, starting with AKIA.".into());
    }
    if looks_like_secret(value) {
        return Err("This looks like the secret access key. Put it in Access Secret, and enter the access key ID (starting with AKIA) here.".into());
    }
    // Bedrock API keys are far longer than 20 characters and may be lowercase, so this rule runs
    // before the length and case rules; otherwise its specific advice could never be shown.
    if is_bedrock_api_key(value) {
        return Err("This is a Bedrock API key. Enter the access key of the IAM user behind it instead: in IAM, create an access key for that user and paste its access key ID here.".into());
    }
    if let Some(message) = paste_mistake("Access Key", value) {
        return Err(message);
    }
    let length = value.chars().count();
    if length != ACCESS_KEY_LEN {
        return Err(format!(
            "Access Key must be exactly {ACCESS_KEY_LEN} characters, but this has {length}. Copy the whole access key ID from the IAM console."
        ));
    }
    if value.chars().any(|c| c.is_lowercase()) {
        return Err("Access Key contains lowercase letters. Access key IDs use only uppercase letters and digits; copy it again from the IAM console.".into());
    }
    if value.starts_with("ASIA") {
        return Err("This is a temporary access key (starting with ASIA), which expires within hours. Create a long-term access key (starting with AKIA) for the IAM user instead.".into());
    }
    if IAM_ENTITY_PREFIXES.iter().any(|prefix| value.starts_with(prefix)) {
        return Err("This is an IAM unique ID of a user, role, group or policy, not an access key. Enter the access key ID, which starts with AKIA.".into());
    }
    if !value.chars().all(is_key_id_char) {
        return Err("Access Key may contain only uppercase letters A-Z and digits 0-9. Remove other characters, or copy it again from the IAM console.".into());
    }
    if !value.starts_with("AKIA") {
        return Err("Access Key must start with AKIA, as long-term access key IDs do. Check that you copied the access key ID.".into());
    }
    Ok(value.to_owned())
}

/// Validates the Access Secret field and returns the normalized secret access key.
pub fn validate_access_secret(input: &str) -> Result<String, String> {
    if input.chars().count() > MAX_INPUT_CHARS {
        return Err(format!("Access Secret is too long. Paste only the secret access key, which is {SECRET_LEN} characters."));
    }
    let value = normalize(input);
    if value.is_empty() {
        return Err("Enter the Access Secret: the secret access key shown once when the access key was created.".into());
    }
    if looks_like_key_id(value) {
        return Err("This looks like the access key ID. Put it in Access Key, and enter the secret access key here.".into());
    }
    if is_bedrock_api_key(value) {
        return Err("This is a Bedrock API key, not a secret access key. In IAM, create an access key for the IAM user behind it and paste its secret access key here.".into());
    }
    if let Some(message) = paste_mistake("Access Secret", value) {
        return Err(message);
    }
    let length = value.chars().count();
    if length != SECRET_LEN {
        return Err(format!(
            "Access Secret must be exactly {SECRET_LEN} characters, but this has {length}. Copy the whole secret access key."
        ));
    }
    if !value.chars().all(is_secret_char) {
        return Err("Access Secret may contain only letters, digits, / and +. Remove other characters, or copy it again.".into());
    }
    Ok(value.to_owned())
}

/// Validates both fields and returns the normalized pair, or one error per failing field.
pub fn validate_key_pair(access_key: &str, access_secret: &str) -> Result<(String, String), Vec<FieldError>> {
    match (validate_access_key(access_key), validate_access_secret(access_secret)) {
        (Ok(key), Ok(secret)) => Ok((key, secret)),
        (key, secret) => Err(super::collect_field_errors(vec![
            (ACCESS_KEY_FIELD, key.err()),
            (ACCESS_SECRET_FIELD, secret.err()),
        ])
        .unwrap_err()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "AKIAIOSFODNN7EXAMPLE";
    const SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

    #[test]
    fn good_access_keys_are_accepted() {
        let cases = [
            (KEY, KEY),
            ("  AKIAIOSFODNN7EXAMPLE\t\n", KEY),
            ("\u{00A0}AKIAIOSFODNN7EXAMPLE\u{200B}", KEY),
            ("\u{FEFF}AKIAIOSFODNN7EXAMPLE\u{2060}", KEY),
            ("AKIA0123456789ABCDEF", "AKIA0123456789ABCDEF"),
        ];
        for (input, expected) in cases {
            assert_eq!(validate_access_key(input).as_deref(), Ok(expected), "input {input:?}");
        }
    }

    #[test]
    fn bad_access_keys_get_their_message() {
        let long = "A".repeat(MAX_INPUT_CHARS + 1);
        let cases: [(&str, &str); 19] = [
            ("", "Enter the Access Key"),
            (" \t\u{00A0}\u{200B} ", "Enter the Access Key"),
            (&long, "too long"),
            (SECRET, "looks like the secret access key"),
            ("ABSKQmVkcm9ja0FQSUtleS1leGFtcGxlLWtleS1mb3ItdGVzdHM=", "Bedrock API key"),
            ("bedrock-api-key-YmVkcm9jay5hbWF6b25hd3MuY29t", "Bedrock API key"),
            ("AKIAIOSFODNN7EXAMPL", "exactly 20 characters, but this has 19"),
            ("AKIAIOSFODNN7EXAMPLEX", "exactly 20 characters, but this has 21"),
            ("akiaiosfodnn7example", "lowercase"),
            ("AKIAIOSFODNn7EXAMPLE", "lowercase"),
            ("ASIAIOSFODNN7EXAMPLE", "temporary access key"),
            ("AIDAIOSFODNN7EXAMPLE", "IAM unique ID"),
            ("AROAIOSFODNN7EXAMPLE", "IAM unique ID"),
            ("AKIAIOSF ODNN7EXAMPL", "only uppercase letters A-Z and digits"),
            ("AKIAIOSF-ODNN7EXAMPL", "only uppercase letters A-Z and digits"),
            ("BKIAIOSFODNN7EXAMPLE", "must start with AKIA"),
            ("\"AKIAIOSFODNN7EXAMPLE\"", "quotation marks"),
            ("\u{201C}AKIAIOSFODNN7EXAMPLE\u{201D}", "quotation marks"),
            ("AKIAIOSF\u{200B}ODNN7EXAMPLE", "invisible character"),
        ];
        for (input, expected) in cases {
            let message = validate_access_key(input).expect_err(input);
            assert!(message.contains(expected), "input {input:?}: {message}");
        }
    }

    #[test]
    fn first_failing_access_key_rule_wins() {
        // Wrong length and lowercase: length is reported.
        let message = validate_access_key("akia").unwrap_err();
        assert!(message.contains("exactly 20"), "{message}");
        // Lowercase and temporary: lowercase is reported.
        let message = validate_access_key("ASIAIOSFODNN7EXAMPLe").unwrap_err();
        assert!(message.contains("lowercase"), "{message}");
        // Temporary and invalid characters: temporary is reported.
        let message = validate_access_key("ASIAIOSFODNN7EXAMP-E").unwrap_err();
        assert!(message.contains("temporary"), "{message}");
    }

    #[test]
    fn good_secrets_are_accepted() {
        let cases = [
            (SECRET, SECRET),
            ("\n wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY \u{00A0}", SECRET),
            ("0123456789+/abcdefghijABCDEFGHIJ01234567", "0123456789+/abcdefghijABCDEFGHIJ01234567"),
        ];
        for (input, expected) in cases {
            assert_eq!(validate_access_secret(input).as_deref(), Ok(expected), "input {input:?}");
        }
    }

    #[test]
    fn bad_secrets_get_their_message() {
        let long = "a".repeat(MAX_INPUT_CHARS + 1);
        let cases: [(&str, &str); 10] = [
            ("", "Enter the Access Secret"),
            ("\u{200B}", "Enter the Access Secret"),
            (&long, "too long"),
            (KEY, "looks like the access key ID"),
            ("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKE", "exactly 40 characters, but this has 39"),
            ("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEYY", "exactly 40 characters, but this has 41"),
            ("wJalrXUtnFEMI/K7MDENG-bPxRfiCYEXAMPLEKEY", "only letters, digits, / and +"),
            ("ABSKQmVkcm9ja0FQSUtleS1leGFtcGxlLWtleS1mb3ItdGVzdHM=", "Bedrock API key"),
            ("'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY'", "quotation marks"),
            ("wJalrXUtnFEMI/K7MDENG\u{200D}/bPxRfiCYEXAMPLEKEY", "invisible character"),
        ];
        for (input, expected) in cases {
            let message = validate_access_secret(input).expect_err(input);
            assert!(message.contains(expected), "input {input:?}: {message}");
        }
    }

    #[test]
    fn messages_never_quote_the_input() {
        let inputs = [SECRET, "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKE", "AKIAIOSFODNN7EXAMPL", "ASIAIOSFODNN7EXAMPLE"];
        for input in inputs {
            for result in [validate_access_key(input), validate_access_secret(input)] {
                if let Err(message) = result {
                    assert!(!message.contains(input), "message quotes {input:?}: {message}");
                }
            }
        }
    }

    #[test]
    fn pair_reports_each_failing_field() {
        assert_eq!(validate_key_pair(KEY, SECRET), Ok((KEY.to_owned(), SECRET.to_owned())));

        let errors = validate_key_pair(SECRET, KEY).unwrap_err();
        assert_eq!(errors.len(), 2);
        assert_eq!(errors[0].field, ACCESS_KEY_FIELD);
        assert!(errors[0].message.contains("secret access key"));
        assert_eq!(errors[1].field, ACCESS_SECRET_FIELD);
        assert!(errors[1].message.contains("access key ID"));

        let errors = validate_key_pair(KEY, "").unwrap_err();
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].field, ACCESS_SECRET_FIELD);
    }
}
