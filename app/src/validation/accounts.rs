//! Validation of sign-in, first-run setup and member forms.

use super::normalize;

/// Shortest password accepted for new accounts.
pub const MIN_PASSWORD_CHARS: usize = 12;
/// Longest password accepted; longer input is rejected before hashing.
pub const MAX_PASSWORD_CHARS: usize = 256;
/// Longest email address (RFC 5321 path limit).
pub const MAX_EMAIL_CHARS: usize = 254;
/// Longest organization name.
pub const MAX_ORG_NAME_CHARS: usize = 100;

/// Form field names of the account forms.
pub const EMAIL_FIELD: &str = "email";
pub const PASSWORD_FIELD: &str = "password";
pub const PASSWORD_CONFIRM_FIELD: &str = "password_confirm";
pub const ORG_NAME_FIELD: &str = "org_name";
pub const SETUP_TOKEN_FIELD: &str = "setup_token";
pub const ROLE_FIELD: &str = "role";

/// Validates an email address and returns it trimmed and lowercased.
pub fn validate_email(input: &str) -> Result<String, String> {
    if input.chars().count() > MAX_EMAIL_CHARS {
        return Err(format!("Email is too long. Use an address of at most {MAX_EMAIL_CHARS} characters."));
    }
    let value = normalize(input).to_lowercase();
    if value.is_empty() {
        return Err("Enter an email address.".into());
    }
    let Some((local, domain)) = value.split_once('@') else {
        return Err("Email must contain @, as in name@example.com.".into());
    };
    let valid_domain = domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains('@')
        && domain.chars().all(|c| c.is_alphanumeric() || c == '.' || c == '-');
    if local.is_empty() || !valid_domain || value.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err("Email is not a valid address. Use the form name@example.com.".into());
    }
    Ok(value)
}

/// Validates a new password.
pub fn validate_new_password(input: &str) -> Result<(), String> {
    let length = input.chars().count();
    if length == 0 {
        return Err("Enter a password.".into());
    }
    if length > MAX_PASSWORD_CHARS {
        return Err(format!("Password is too long. Use at most {MAX_PASSWORD_CHARS} characters."));
    }
    if length < MIN_PASSWORD_CHARS {
        return Err(format!("Password must be at least {MIN_PASSWORD_CHARS} characters. A passphrase of several words works well."));
    }
    Ok(())
}

/// Checks that the confirmation repeats the password.
pub fn validate_password_confirmation(password: &str, confirmation: &str) -> Result<(), String> {
    if confirmation.is_empty() {
        return Err("Enter the password again to confirm it.".into());
    }
    if password != confirmation {
        return Err("The two passwords do not match. Type the same password in both fields.".into());
    }
    Ok(())
}

/// Validates a password typed at sign-in, where only presence and size are checked.
pub fn validate_login_password(input: &str) -> Result<(), String> {
    if input.is_empty() {
        return Err("Enter your password.".into());
    }
    if input.chars().count() > MAX_PASSWORD_CHARS {
        return Err(format!("Password is too long. Passwords have at most {MAX_PASSWORD_CHARS} characters."));
    }
    Ok(())
}

/// Validates an organization name and returns it trimmed.
pub fn validate_org_name(input: &str) -> Result<String, String> {
    let value = normalize(input);
    if value.is_empty() {
        return Err("Enter the organization's name.".into());
    }
    if value.chars().count() > MAX_ORG_NAME_CHARS {
        return Err(format!("Organization name is too long. Use at most {MAX_ORG_NAME_CHARS} characters."));
    }
    if value.chars().any(char::is_control) {
        return Err("Organization name contains control characters. Use letters, digits, spaces and punctuation.".into());
    }
    Ok(value.to_owned())
}

/// Validates the setup token and returns it trimmed.
pub fn validate_setup_token(input: &str) -> Result<String, String> {
    let value = normalize(input);
    if value.is_empty() {
        return Err("Enter the setup token that the server printed to its log at startup.".into());
    }
    if value.chars().count() > 128 {
        return Err("Setup token is too long. Copy only the token from the server log.".into());
    }
    Ok(value.to_owned())
}

/// Validates a role name: `admin` or `member`.
pub fn validate_role(input: &str) -> Result<String, String> {
    match normalize(input) {
        "admin" => Ok("admin".into()),
        "member" => Ok("member".into()),
        _ => Err("Choose a role: admin or member.".into()),
    }
}

/// Tells whether `next` is a path on this site that sign-in may return to. Only relative paths
/// starting with a single `/` qualify, so a crafted link cannot send the user to another site.
pub fn is_safe_return_path(next: &str) -> bool {
    next.starts_with('/')
        && !next.starts_with("//")
        && !next.starts_with("/\\")
        && !next.chars().any(|c| c.is_control() || c == '\\')
        && next.len() <= 512
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_normalized() {
        assert_eq!(validate_email("  Admin@Example.COM ").as_deref(), Ok("admin@example.com"));
        assert_eq!(validate_email("a.b+c@sub.example.org").as_deref(), Ok("a.b+c@sub.example.org"));
    }

    #[test]
    fn bad_emails_get_their_message() {
        let long = format!("{}@example.com", "a".repeat(250));
        let cases = [
            ("", "Enter an email"),
            ("admin.example.com", "must contain @"),
            ("@example.com", "not a valid address"),
            ("admin@example", "not a valid address"),
            ("admin@@example.com", "not a valid address"),
            ("ad min@example.com", "not a valid address"),
            (long.as_str(), "too long"),
        ];
        for (input, expected) in cases {
            let message = validate_email(input).expect_err(input);
            assert!(message.contains(expected), "{input:?}: {message}");
        }
    }

    #[test]
    fn passwords_need_length() {
        assert!(validate_new_password("correct horse battery").is_ok());
        assert!(validate_new_password("").unwrap_err().contains("Enter a password"));
        assert!(validate_new_password("short").unwrap_err().contains("at least 12"));
        assert!(validate_new_password(&"x".repeat(300)).unwrap_err().contains("too long"));
        assert!(validate_password_confirmation("abc", "abd").unwrap_err().contains("do not match"));
        assert!(validate_password_confirmation("abc", "").unwrap_err().contains("again"));
    }

    #[test]
    fn org_names_and_roles() {
        assert_eq!(validate_org_name("  Acme SRE ").as_deref(), Ok("Acme SRE"));
        assert!(validate_org_name(" ").is_err());
        assert!(validate_org_name(&"x".repeat(101)).is_err());
        assert_eq!(validate_role("member").as_deref(), Ok("member"));
        assert!(validate_role("owner").is_err());
    }

    #[test]
    fn return_paths_stay_on_site() {
        for good in ["/", "/settings/ai/api-keys", "/onboarding?step=2"] {
            assert!(is_safe_return_path(good), "{good}");
        }
        for bad in ["", "https://evil.example", "//evil.example", "/\\evil.example", "settings", "javascript:alert(1)"] {
            assert!(!is_safe_return_path(bad), "{bad}");
        }
    }
}
