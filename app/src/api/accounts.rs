//! Server functions of first-run setup, sign-in and sign-out, and Settings → Members.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use super::SecretInput;
#[cfg(feature = "ssr")]
use super::server;
use crate::error::ApiError;

/// The signed-in user, as the header and the pages show them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserView {
    pub id: i64,
    pub email: String,
    pub org_name: String,
    pub is_admin: bool,
}

/// A user listed on the Members page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberView {
    pub id: i64,
    pub email: String,
    pub is_admin: bool,
}

/// The Members page: the organization's users and whether the caller may manage them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MembersView {
    pub members: Vec<MemberView>,
    pub can_manage: bool,
    pub caller_id: i64,
}

#[cfg(feature = "ssr")]
impl From<guardian_core::accounts::User> for UserView {
    fn from(user: guardian_core::accounts::User) -> Self {
        Self {
            id: user.id,
            is_admin: user.role == guardian_core::accounts::Role::Admin,
            email: user.email,
            org_name: user.org_name,
        }
    }
}

/// Returns the signed-in user, or `None` for anonymous visitors.
#[server(prefix = "/api", endpoint = "auth/me")]
pub async fn current_user() -> Result<Option<UserView>, ApiError> {
    Ok(server::signed_in_user().map(UserView::from))
}

/// Tells whether first-run setup is still open, that is, whether no user exists yet.
#[server(prefix = "/api", endpoint = "setup/status")]
pub async fn setup_open() -> Result<bool, ApiError> {
    let accounts = server::accounts()?;
    let users = accounts.user_count().await.map_err(server::map_error(0))?;
    Ok(users == 0)
}

/// Creates the first organization and its admin with the one-time setup token, then signs
/// the admin in.
#[server(prefix = "/api", endpoint = "setup")]
pub async fn complete_setup(
    setup_token: SecretInput,
    org_name: String,
    email: String,
    password: SecretInput,
    password_confirm: SecretInput,
) -> Result<String, ApiError> {
    use crate::validation::*;

    let token = validate_setup_token(setup_token.expose());
    let org = validate_org_name(&org_name);
    let address = validate_email(&email);
    let new_password = validate_new_password(password.expose());
    let confirmation = validate_password_confirmation(password.expose(), password_confirm.expose());
    collect_field_errors(vec![
        (SETUP_TOKEN_FIELD, token.clone().err()),
        (ORG_NAME_FIELD, org.clone().err()),
        (EMAIL_FIELD, address.clone().err()),
        (PASSWORD_FIELD, new_password.err()),
        (PASSWORD_CONFIRM_FIELD, confirmation.err()),
    ])
    .map_err(|fields| ApiError::Invalid { fields })?;
    let (Ok(token), Ok(org), Ok(address)) = (token, org, address) else {
        return Err(ApiError::Internal);
    };

    let accounts = server::accounts()?;
    let user = accounts
        .complete_setup(&secret(token), &org, &address, &secret(password.expose().to_owned()), guardian_core::unix_now())
        .await
        .map_err(|error| match error {
            guardian_core::Error::Forbidden => ApiError::Invalid {
                fields: vec![FieldError::new(
                    SETUP_TOKEN_FIELD,
                    "This setup token is not valid or was already used. Copy the token from the latest server log.",
                )],
            },
            other => ApiError::from_core(other, 0),
        })?;
    tracing::info!(user_id = user.id, org_id = user.org_id, "first-run setup complete");

    start_session(user.id).await?;
    let destination = "/onboarding".to_owned();
    server::redirect_form_post(&destination);
    Ok(destination)
}

/// Signs in with email and password, and returns the page to go to next.
#[server(prefix = "/api", endpoint = "auth/login")]
pub async fn login(email: String, password: SecretInput, next: Option<String>) -> Result<String, ApiError> {
    use crate::validation::*;
    use guardian_core::accounts::LoginError;

    let address = validate_email(&email);
    let password_check = validate_login_password(password.expose());
    collect_field_errors(vec![(EMAIL_FIELD, address.clone().err()), (PASSWORD_FIELD, password_check.err())])
        .map_err(|fields| ApiError::Invalid { fields })?;
    let Ok(address) = address else {
        return Err(ApiError::Internal);
    };

    let accounts = server::accounts()?;
    let client = server::client_address();
    let now = guardian_core::unix_now();
    let user = match accounts.login(&address, &secret(password.expose().to_owned()), &client, now).await {
        Ok(user) => user,
        Err(LoginError::InvalidCredentials) => {
            tracing::info!(client, "sign-in failed");
            return Err(ApiError::LoginFailed);
        }
        Err(LoginError::Throttled { retry_after_secs }) => {
            tracing::warn!(client, retry_after_secs, "sign-in refused: too many failures");
            let minutes = (retry_after_secs + 59) / 60;
            return Err(ApiError::TooManyRequests(format!(
                "Too many failed sign-in attempts. Wait {minutes} minute(s), then try again."
            )));
        }
        Err(LoginError::Other(error)) => return Err(ApiError::from_core(error, 0)),
    };
    tracing::info!(user_id = user.id, org_id = user.org_id, "signed in");
    start_session(user.id).await?;

    let destination = match next.filter(|next| is_safe_return_path(next)) {
        Some(next) => next,
        None => landing_page(&user).await?,
    };
    server::redirect_form_post(&destination);
    Ok(destination)
}

/// Signs out and ends the session.
#[server(prefix = "/api", endpoint = "auth/logout")]
pub async fn logout() -> Result<(), ApiError> {
    let session = server::session()?;
    session.flush().await.map_err(|error| {
        tracing::error!(%error, "could not end the session");
        ApiError::Unavailable
    })?;
    server::redirect_form_post("/login");
    Ok(())
}

/// Lists the users of the caller's organization.
#[server(prefix = "/api", endpoint = "members/list")]
pub async fn list_members() -> Result<MembersView, ApiError> {
    let caller = server::caller()?;
    let accounts = server::accounts()?;
    let org_id = caller.org_id();

    let users = accounts.list_users(org_id).await.map_err(server::map_error(org_id))?;
    let members = users
        .into_iter()
        .map(|user| MemberView { id: user.id, is_admin: user.role == guardian_core::accounts::Role::Admin, email: user.email })
        .collect();
    Ok(MembersView { members, can_manage: caller.is_admin(), caller_id: caller.user.id })
}

/// Adds a user to the caller's organization with an initial password.
#[server(prefix = "/api", endpoint = "members/add")]
pub async fn add_member(email: String, role: String, password: SecretInput) -> Result<MemberView, ApiError> {
    use crate::validation::*;

    let address = validate_email(&email);
    let role = validate_role(&role);
    let new_password = validate_new_password(password.expose());
    collect_field_errors(vec![
        (EMAIL_FIELD, address.clone().err()),
        (ROLE_FIELD, role.clone().err()),
        (PASSWORD_FIELD, new_password.err()),
    ])
    .map_err(|fields| ApiError::Invalid { fields })?;
    let (Ok(address), Some(role)) = (address, role.ok().as_deref().and_then(guardian_core::accounts::Role::parse)) else {
        return Err(ApiError::Internal);
    };

    let caller = server::caller()?;
    caller.require_admin()?;
    let accounts = server::accounts()?;
    let org_id = caller.org_id();

    let user = accounts
        .add_member(org_id, &address, &secret(password.expose().to_owned()), role, guardian_core::unix_now())
        .await
        .map_err(|error| match error {
            guardian_core::Error::Conflict(message) => {
                ApiError::Invalid { fields: vec![FieldError::new(EMAIL_FIELD, message)] }
            }
            other => ApiError::from_core(other, org_id),
        })?;
    tracing::info!(org_id, user_id = caller.user.id, added_user_id = user.id, role = role.as_str(), "member added");
    server::redirect_form_post("/settings/members");
    Ok(MemberView { id: user.id, is_admin: role == guardian_core::accounts::Role::Admin, email: user.email })
}

/// Changes the role of a user of the caller's organization.
#[server(prefix = "/api", endpoint = "members/role")]
pub async fn change_role(user_id: i64, role: String) -> Result<(), ApiError> {
    let role = crate::validation::validate_role(&role)
        .ok()
        .as_deref()
        .and_then(guardian_core::accounts::Role::parse)
        .ok_or_else(|| ApiError::Request("Choose a role: admin or member.".into()))?;

    let caller = server::caller()?;
    caller.require_admin()?;
    let accounts = server::accounts()?;
    let org_id = caller.org_id();

    accounts.set_role(org_id, user_id, role).await.map_err(server::map_error(org_id))?;
    tracing::info!(org_id, user_id = caller.user.id, changed_user_id = user_id, role = role.as_str(), "role changed");
    server::redirect_form_post("/settings/members");
    Ok(())
}

/// Removes a user of the caller's organization.
#[server(prefix = "/api", endpoint = "members/remove")]
pub async fn remove_member(user_id: i64) -> Result<(), ApiError> {
    let caller = server::caller()?;
    caller.require_admin()?;
    let accounts = server::accounts()?;
    let org_id = caller.org_id();

    accounts.remove_user(org_id, user_id).await.map_err(server::map_error(org_id))?;
    tracing::info!(org_id, user_id = caller.user.id, removed_user_id = user_id, "member removed");
    server::redirect_form_post("/settings/members");
    Ok(())
}

#[cfg(feature = "ssr")]
fn secret(value: String) -> secrecy::SecretString {
    secrecy::SecretString::from(value)
}

/// Stores the user in a fresh session. A new session id at every sign-in defeats session
/// fixation.
#[cfg(feature = "ssr")]
async fn start_session(user_id: i64) -> Result<(), ApiError> {
    let session = server::session()?;
    let result = async {
        session.cycle_id().await?;
        session.insert(SESSION_USER_KEY, user_id).await
    };
    result.await.map_err(|error| {
        tracing::error!(%error, user_id, "could not store the session");
        ApiError::Unavailable
    })
}

/// Session key under which the signed-in user's id is stored.
pub const SESSION_USER_KEY: &str = "user_id";

/// Returns where a user lands after signing in without a requested page: admins of an
/// organization that has not finished onboarding go there first.
#[cfg(feature = "ssr")]
async fn landing_page(user: &guardian_core::accounts::User) -> Result<String, ApiError> {
    let keys = server::keys()?;
    let onboarded = keys.onboarding_completed(user.org_id).await.map_err(server::map_error(user.org_id))?;
    let page = if user.role == guardian_core::accounts::Role::Admin && !onboarded { "/onboarding" } else { "/settings/ai/api-keys" };
    Ok(page.to_owned())
}
