//! The storage contract: every case runs once on a fresh SQLite file (`<case>::sqlite`) and once
//! on a fresh PostgreSQL database (`<case>::postgres`), so both engines must return the same
//! results for every query. The PostgreSQL half needs GUARDIAN_TEST_POSTGRES_URL; see `support`.

mod support;

use std::collections::HashSet;
use std::sync::Arc;

use guardian_core::audit::{Actor, AuditAction, AuditLog, AuditPageRows, NewAuditEvent};
use guardian_core::accounts::{Accounts, LoginError, LoginLimits, Role, User};
use guardian_core::checks::{CheckRecord, Checks, RateLimit};
use guardian_core::crypto::{Keyring, MasterKey};
use guardian_core::{Error, KeyStatus, Keys, DEFAULT_ORG_ID};
use secrecy::{ExposeSecret, SecretString};
use support::TestDb;

const ACCESS_KEY_ID: &str = "AKIAIOSFODNN7EXAMPLE";
const SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
const NEW_ACCESS_KEY_ID: &str = "AKIAI44QH8DHBEXAMPLE";
const NEW_SECRET: &str = "je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY";
const NOW: i64 = 1_700_000_000;
const PASSWORD: &str = "a long test passphrase";
const CLIENT_ADDRESS: &str = "127.0.0.1";
const SAVE_CONFLICT: &str = "Keys were saved in the meantime. Reload the page, then use Replace.";
const LAST_ADMIN: &str = "An organization needs at least one admin. Make another user an admin first.";
/// Replacements per task in the concurrency case.
const CONCURRENT_REPLACES: usize = 40;

contract!(
    keys_start_not_configured,
    keys_save_then_read_pair,
    keys_save_twice_conflicts,
    keys_replace_swaps_pair,
    keys_replace_without_keys_not_found,
    keys_delete_clears_pair,
    keys_other_master_key_unreadable,
    keys_scoped_by_organization,
    keys_concurrent_replaces_stay_whole,
    keys_concurrent_replaces_audit_chain,
    keys_rotation_reseals_every_org,
    onboarding_first_completion_counts,
    setup_token_creates_first_admin,
    setup_rejects_wrong_token,
    setup_rejects_taken_org_name,
    add_user_creates_organization,
    add_user_duplicate_email_conflicts,
    add_member_to_existing_org,
    login_checks_password,
    login_locks_account_after_failures,
    login_locks_address_after_failures,
    login_window_restarts_counting,
    set_role_keeps_last_admin,
    remove_user_keeps_last_admin,
    role_changes_scoped_by_organization,
    list_users_scoped_and_sorted,
    checks_record_and_replace,
    checks_mark_keys_used,
    overview_without_keys,
    overview_reads_every_fact,
    overview_unknown_org_not_found,
    key_changes_forget_last_check,
    save_completes_onboarding,
    audit_page_counts_and_clamps,
    rate_limit_counts_window,
    rate_limit_concurrent_requests_count,
    closed_pool_is_unavailable,
);

fn secret(text: &str) -> SecretString {
    SecretString::from(text.to_owned())
}

fn keyring(seed: u8) -> Arc<Keyring> {
    Arc::new(Keyring::new(vec![MasterKey::from_bytes([seed; 32])]))
}

fn keys(db: &TestDb) -> Keys {
    Keys::new(db.store.clone(), keyring(7))
}

fn accounts(db: &TestDb) -> Accounts {
    Accounts::new(db.store.clone(), LoginLimits::default())
}

fn configured(access_key_id: &str, saved_at: i64) -> KeyStatus {
    KeyStatus::Configured { access_key_id: access_key_id.to_owned(), saved_at }
}

async fn add_user(accounts: &Accounts, org_name: &str, email: &str, role: Role) -> User {
    accounts.add_user_to_org(org_name, email, &secret(PASSWORD), role, NOW).await.expect("add a user")
}

async fn read_pair(keys: &Keys, org_id: i64) -> Option<(String, String)> {
    let pair = keys.read_pair(org_id).await.expect("read the key pair");
    pair.map(|(access_key_id, secret)| (access_key_id, secret.expose_secret().to_owned()))
}

async fn count(db: &TestDb, query: &str) -> i64 {
    sqlx::query_scalar(query).fetch_one(db.store.pool()).await.expect("count rows")
}

// Keys

async fn keys_start_not_configured(db: TestDb) {
    let keys = keys(&db);

    assert_eq!(keys.status(DEFAULT_ORG_ID).await.unwrap(), KeyStatus::NotConfigured);
    assert_eq!(read_pair(&keys, DEFAULT_ORG_ID).await, None);
}

async fn keys_save_then_read_pair(db: TestDb) {
    let keys = keys(&db);

    let saved = keys.save(DEFAULT_ORG_ID, ACCESS_KEY_ID, &secret(SECRET), NOW).await.unwrap();

    assert_eq!(saved, configured(ACCESS_KEY_ID, NOW));
    assert_eq!(keys.status(DEFAULT_ORG_ID).await.unwrap(), configured(ACCESS_KEY_ID, NOW));
    assert_eq!(read_pair(&keys, DEFAULT_ORG_ID).await, Some((ACCESS_KEY_ID.to_owned(), SECRET.to_owned())));
    let sealed: String = sqlx::query_scalar("SELECT sealed_secret FROM bedrock_keys WHERE org_id = $1")
        .bind(DEFAULT_ORG_ID)
        .fetch_one(db.store.pool())
        .await
        .unwrap();
    assert!(!sealed.contains(SECRET), "the row stores the plaintext secret");
}

async fn keys_save_twice_conflicts(db: TestDb) {
    let keys = keys(&db);
    keys.save(DEFAULT_ORG_ID, ACCESS_KEY_ID, &secret(SECRET), NOW).await.unwrap();

    let second = keys.save(DEFAULT_ORG_ID, NEW_ACCESS_KEY_ID, &secret(NEW_SECRET), NOW + 1).await;

    assert!(matches!(second, Err(Error::Conflict(SAVE_CONFLICT))), "{second:?}");
    assert_eq!(read_pair(&keys, DEFAULT_ORG_ID).await, Some((ACCESS_KEY_ID.to_owned(), SECRET.to_owned())));
    assert_eq!(count(&db, "SELECT COUNT(*) FROM bedrock_keys").await, 1);
}

async fn keys_replace_swaps_pair(db: TestDb) {
    let keys = keys(&db);
    keys.save(DEFAULT_ORG_ID, ACCESS_KEY_ID, &secret(SECRET), NOW).await.unwrap();

    let replaced = keys.replace(DEFAULT_ORG_ID, NEW_ACCESS_KEY_ID, &secret(NEW_SECRET), NOW + 5).await.unwrap();

    assert_eq!(replaced, configured(NEW_ACCESS_KEY_ID, NOW + 5));
    assert_eq!(keys.status(DEFAULT_ORG_ID).await.unwrap(), configured(NEW_ACCESS_KEY_ID, NOW + 5));
    assert_eq!(read_pair(&keys, DEFAULT_ORG_ID).await, Some((NEW_ACCESS_KEY_ID.to_owned(), NEW_SECRET.to_owned())));
}

async fn keys_replace_without_keys_not_found(db: TestDb) {
    let keys = keys(&db);

    let replaced = keys.replace(DEFAULT_ORG_ID, NEW_ACCESS_KEY_ID, &secret(NEW_SECRET), NOW).await;

    assert!(matches!(replaced, Err(Error::NotFound(_))), "{replaced:?}");
    assert_eq!(keys.status(DEFAULT_ORG_ID).await.unwrap(), KeyStatus::NotConfigured);
}

async fn keys_delete_clears_pair(db: TestDb) {
    let keys = keys(&db);
    let missing = keys.delete(DEFAULT_ORG_ID).await;
    assert!(matches!(missing, Err(Error::NotFound(_))), "{missing:?}");
    keys.save(DEFAULT_ORG_ID, ACCESS_KEY_ID, &secret(SECRET), NOW).await.unwrap();

    keys.delete(DEFAULT_ORG_ID).await.unwrap();

    assert_eq!(keys.status(DEFAULT_ORG_ID).await.unwrap(), KeyStatus::NotConfigured);
    assert_eq!(read_pair(&keys, DEFAULT_ORG_ID).await, None);
    // Saving works again after a delete.
    keys.save(DEFAULT_ORG_ID, NEW_ACCESS_KEY_ID, &secret(NEW_SECRET), NOW + 1).await.unwrap();
    assert_eq!(keys.status(DEFAULT_ORG_ID).await.unwrap(), configured(NEW_ACCESS_KEY_ID, NOW + 1));
}

async fn keys_other_master_key_unreadable(db: TestDb) {
    keys(&db).save(DEFAULT_ORG_ID, ACCESS_KEY_ID, &secret(SECRET), NOW).await.unwrap();
    let other = Keys::new(db.store.clone(), keyring(9));

    let status = other.status(DEFAULT_ORG_ID).await.unwrap();
    let pair = other.read_pair(DEFAULT_ORG_ID).await;

    assert_eq!(status, KeyStatus::Unreadable { access_key_id: ACCESS_KEY_ID.to_owned(), saved_at: NOW });
    assert!(matches!(pair, Err(Error::KeysUnreadable)), "{pair:?}");
}

async fn keys_scoped_by_organization(db: TestDb) {
    let keys = keys(&db);
    let other_org = add_user(&accounts(&db), "Other Org", "other@example.com", Role::Admin).await.org_id;
    assert_ne!(other_org, DEFAULT_ORG_ID);

    keys.save(DEFAULT_ORG_ID, ACCESS_KEY_ID, &secret(SECRET), NOW).await.unwrap();
    keys.save(other_org, NEW_ACCESS_KEY_ID, &secret(NEW_SECRET), NOW).await.unwrap();
    keys.delete(DEFAULT_ORG_ID).await.unwrap();

    assert_eq!(keys.status(DEFAULT_ORG_ID).await.unwrap(), KeyStatus::NotConfigured);
    assert_eq!(read_pair(&keys, other_org).await, Some((NEW_ACCESS_KEY_ID.to_owned(), NEW_SECRET.to_owned())));
    // A sealed secret moved to another organization's row does not decrypt there.
    sqlx::query("UPDATE bedrock_keys SET org_id = $1 WHERE org_id = $2")
        .bind(DEFAULT_ORG_ID)
        .bind(other_org)
        .execute(db.store.pool())
        .await
        .unwrap();
    assert!(matches!(keys.status(DEFAULT_ORG_ID).await.unwrap(), KeyStatus::Unreadable { .. }));
}

async fn keys_concurrent_replaces_stay_whole(db: TestDb) {
    let keys = keys(&db);
    keys.save(DEFAULT_ORG_ID, ACCESS_KEY_ID, &secret(SECRET), NOW).await.unwrap();

    let pairs = [(ACCESS_KEY_ID, SECRET), (NEW_ACCESS_KEY_ID, NEW_SECRET)];
    let tasks: Vec<_> = pairs
        .iter()
        .map(|&(access_key_id, secret_text)| {
            let keys = keys.clone();
            tokio::spawn(async move {
                for round in 0..CONCURRENT_REPLACES {
                    keys.replace(DEFAULT_ORG_ID, access_key_id, &secret(secret_text), NOW + round as i64)
                        .await
                        .unwrap_or_else(|error| panic!("replace with {access_key_id} in round {round} failed: {error}"));
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.expect("a replacing task panicked");
    }

    let (access_key_id, stored_secret) = read_pair(&keys, DEFAULT_ORG_ID).await.expect("a stored pair");
    assert!(
        pairs.iter().any(|&(id, text)| id == access_key_id && text == stored_secret),
        "the stored pair mixes two submissions: {access_key_id} with a secret of another pair"
    );
    assert_eq!(count(&db, "SELECT COUNT(*) FROM bedrock_keys").await, 1);
}

async fn keys_concurrent_replaces_audit_chain(db: TestDb) {
    let keys = keys(&db);
    keys.save(DEFAULT_ORG_ID, ACCESS_KEY_ID, &secret(SECRET), NOW).await.unwrap();

    // Every replacement gets its own key ID, so each audit entry names the one it overwrote.
    let tasks: Vec<_> = ["AKIATASKA", "AKIATASKB"]
        .into_iter()
        .map(|prefix| {
            let keys = keys.clone();
            tokio::spawn(async move {
                for round in 0..CONCURRENT_REPLACES {
                    let access_key_id = format!("{prefix}{round:011}");
                    keys.replace(DEFAULT_ORG_ID, &access_key_id, &secret(NEW_SECRET), NOW + round as i64)
                        .await
                        .unwrap_or_else(|error| panic!("replace with {access_key_id} failed: {error}"));
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.expect("a replacing task panicked");
    }

    let mut events = AuditLog::new(db.store.clone()).list(DEFAULT_ORG_ID, 1_000, 0).await.unwrap();
    events.retain(|event| event.action == "replaced");
    events.reverse();
    assert_eq!(events.len(), 2 * CONCURRENT_REPLACES);
    let mut expected_previous = ACCESS_KEY_ID.to_owned();
    for event in &events {
        assert_eq!(
            event.previous_access_key_id.as_deref(),
            Some(expected_previous.as_str()),
            "entry {} names the wrong overwritten key",
            event.id
        );
        expected_previous = event.access_key_id.clone().expect("a replaced entry names the new key");
    }
    let (stored_id, _) = read_pair(&keys, DEFAULT_ORG_ID).await.expect("a stored pair");
    assert_eq!(stored_id, expected_previous, "the newest entry names the stored key");
}

async fn keys_rotation_reseals_every_org(db: TestDb) {
    let other_org = add_user(&accounts(&db), "Other Org", "other@example.com", Role::Admin).await.org_id;
    let old_keys = keys(&db);
    old_keys.save(DEFAULT_ORG_ID, ACCESS_KEY_ID, &secret(SECRET), NOW).await.unwrap();
    old_keys.save(other_org, NEW_ACCESS_KEY_ID, &secret(NEW_SECRET), NOW).await.unwrap();
    // The new key is active (first); the old one still opens what it sealed.
    let both = Keys::new(db.store.clone(), Arc::new(Keyring::new(vec![MasterKey::from_bytes([9; 32]), MasterKey::from_bytes([7; 32])])));

    let report = both.rotate_all().await.unwrap();

    assert_eq!(report.reencrypted, 2);
    assert_eq!(report.changed_meanwhile, 0);
    assert!(report.unreadable.is_empty(), "{:?}", report.unreadable);
    let new_only = Keys::new(db.store.clone(), keyring(9));
    let verified = new_only.verify_all().await.unwrap();
    assert_eq!(verified.readable, 2);
    assert!(verified.unreadable.is_empty(), "{:?}", verified.unreadable);
    assert_eq!(read_pair(&new_only, other_org).await, Some((NEW_ACCESS_KEY_ID.to_owned(), NEW_SECRET.to_owned())));
    let unreadable = old_keys.verify_all().await.unwrap().unreadable;
    assert_eq!(unreadable.len(), 2, "the old key alone opens nothing after the rotation");
}

async fn onboarding_first_completion_counts(db: TestDb) {
    let keys = keys(&db);
    assert!(!keys.onboarding_completed(DEFAULT_ORG_ID).await.unwrap());

    keys.complete_onboarding(DEFAULT_ORG_ID, NOW).await.unwrap();
    keys.complete_onboarding(DEFAULT_ORG_ID, NOW + 100).await.unwrap();

    assert!(keys.onboarding_completed(DEFAULT_ORG_ID).await.unwrap());
    let completed_at: Option<i64> = sqlx::query_scalar("SELECT onboarding_completed_at FROM organizations WHERE id = $1")
        .bind(DEFAULT_ORG_ID)
        .fetch_one(db.store.pool())
        .await
        .unwrap();
    assert_eq!(completed_at, Some(NOW));
    let unknown = keys.onboarding_completed(9_999).await;
    assert!(matches!(unknown, Err(Error::NotFound("organization"))), "{unknown:?}");
}

// Accounts

async fn setup_token_creates_first_admin(db: TestDb) {
    let accounts = accounts(&db);
    assert_eq!(accounts.user_count().await.unwrap(), 0);
    let first = accounts.issue_setup_token(NOW).await.unwrap().expect("a token while no user exists");
    let second = accounts.issue_setup_token(NOW + 1).await.unwrap().expect("a second token");
    assert_ne!(first, second);

    let admin = accounts
        .complete_setup(&secret(&second), "Acme", "admin@example.com", &secret(PASSWORD), NOW)
        .await
        .unwrap();

    assert_eq!(admin.org_id, DEFAULT_ORG_ID);
    assert_eq!(admin.org_name, "Acme");
    assert_eq!(admin.role, Role::Admin);
    assert_eq!(accounts.find_user(admin.id).await.unwrap(), Some(admin.clone()));
    assert_eq!(accounts.user_count().await.unwrap(), 1);
    assert_eq!(count(&db, "SELECT COUNT(*) FROM setup_tokens").await, 0, "every setup token is spent");
    assert_eq!(accounts.issue_setup_token(NOW).await.unwrap(), None);
    let again = accounts.complete_setup(&secret(&first), "Other", "other@example.com", &secret(PASSWORD), NOW).await;
    assert!(matches!(again, Err(Error::Conflict(_))), "{again:?}");
}

async fn setup_rejects_wrong_token(db: TestDb) {
    let accounts = accounts(&db);
    accounts.issue_setup_token(NOW).await.unwrap().expect("a token");

    let attempt = accounts.complete_setup(&secret("not-the-token"), "Acme", "admin@example.com", &secret(PASSWORD), NOW).await;

    assert!(matches!(attempt, Err(Error::Forbidden)), "{attempt:?}");
    assert_eq!(accounts.user_count().await.unwrap(), 0);
    assert_eq!(count(&db, "SELECT COUNT(*) FROM setup_tokens").await, 1, "a failed attempt spends no token");
}

async fn setup_rejects_taken_org_name(db: TestDb) {
    let accounts = accounts(&db);
    sqlx::query("INSERT INTO organizations (name, created_at) VALUES ($1, $2)")
        .bind("Taken")
        .bind(NOW)
        .execute(db.store.pool())
        .await
        .unwrap();
    let token = accounts.issue_setup_token(NOW).await.unwrap().expect("a token");

    let attempt = accounts.complete_setup(&secret(&token), "Taken", "admin@example.com", &secret(PASSWORD), NOW).await;

    assert!(matches!(attempt, Err(Error::Conflict("An organization with this name already exists."))), "{attempt:?}");
    assert_eq!(accounts.user_count().await.unwrap(), 0);
    assert_eq!(count(&db, "SELECT COUNT(*) FROM setup_tokens").await, 1, "the rolled-back setup spends no token");
}

async fn add_user_creates_organization(db: TestDb) {
    let accounts = accounts(&db);

    let first = add_user(&accounts, "Acme", "first@example.com", Role::Admin).await;
    let second = add_user(&accounts, "Acme", "second@example.com", Role::Member).await;
    let third = add_user(&accounts, "Globex", "third@example.com", Role::Admin).await;

    assert_eq!(first.org_id, second.org_id);
    assert_ne!(first.org_id, DEFAULT_ORG_ID, "a new organization gets a new id, not the default one");
    assert_ne!(third.org_id, first.org_id);
    assert_eq!(HashSet::from([first.id, second.id, third.id]).len(), 3);
    assert_eq!(second.role, Role::Member);
    assert_eq!(accounts.find_user(second.id).await.unwrap(), Some(second));
    assert_eq!(accounts.find_user(third.id + 1_000).await.unwrap(), None);
    assert_eq!(accounts.user_count().await.unwrap(), 3);
}

async fn add_user_duplicate_email_conflicts(db: TestDb) {
    let accounts = accounts(&db);
    add_user(&accounts, "Acme", "same@example.com", Role::Admin).await;

    let duplicate = accounts.add_user_to_org("Globex", "same@example.com", &secret(PASSWORD), Role::Admin, NOW).await;

    assert!(matches!(duplicate, Err(Error::Conflict("A user with this email already exists."))), "{duplicate:?}");
    assert_eq!(accounts.user_count().await.unwrap(), 1);
    assert_eq!(count(&db, "SELECT COUNT(*) FROM organizations WHERE name = 'Globex'").await, 0, "the failed add is rolled back");
}

async fn add_member_to_existing_org(db: TestDb) {
    let accounts = accounts(&db);
    let admin = add_user(&accounts, "Acme", "admin@example.com", Role::Admin).await;

    let member = accounts.add_member(admin.org_id, "member@example.com", &secret(PASSWORD), Role::Member, NOW).await.unwrap();

    assert_eq!(member.org_id, admin.org_id);
    assert_eq!(member.org_name, "Acme");
    assert_eq!(member.role, Role::Member);
    let duplicate = accounts.add_member(admin.org_id, "member@example.com", &secret(PASSWORD), Role::Member, NOW).await;
    assert!(matches!(duplicate, Err(Error::Conflict(_))), "{duplicate:?}");
}

async fn login_checks_password(db: TestDb) {
    let accounts = accounts(&db);
    let admin = add_user(&accounts, "Acme", "admin@example.com", Role::Admin).await;

    let signed_in = accounts.login("admin@example.com", &secret(PASSWORD), CLIENT_ADDRESS, NOW).await.unwrap();
    let wrong_password = accounts.login("admin@example.com", &secret("wrong password!"), CLIENT_ADDRESS, NOW).await;
    let unknown_email = accounts.login("nobody@example.com", &secret(PASSWORD), CLIENT_ADDRESS, NOW).await;

    assert_eq!(signed_in, admin);
    assert!(matches!(wrong_password, Err(LoginError::InvalidCredentials)), "{wrong_password:?}");
    assert!(matches!(unknown_email, Err(LoginError::InvalidCredentials)), "{unknown_email:?}");
    assert_eq!(count(&db, "SELECT COUNT(*) FROM login_failures").await, 3, "two accounts and one address");
}

/// Limits small enough that a case needs few Argon2 verifications.
fn small_limits() -> LoginLimits {
    LoginLimits { max_account_failures: 3, max_address_failures: 4, window_secs: 600 }
}

async fn login_locks_account_after_failures(db: TestDb) {
    let accounts = Accounts::new(db.store.clone(), small_limits());
    add_user(&accounts, "Acme", "admin@example.com", Role::Admin).await;
    for attempt in 0..3 {
        let address = format!("10.0.0.{attempt}");
        let failed = accounts.login("admin@example.com", &secret("wrong password!"), &address, NOW + attempt).await;
        assert!(matches!(failed, Err(LoginError::InvalidCredentials)), "attempt {attempt}: {failed:?}");
    }

    let locked = accounts.login("admin@example.com", &secret(PASSWORD), "10.0.0.9", NOW + 10).await;
    let after_lock = accounts.login("admin@example.com", &secret(PASSWORD), "10.0.0.9", NOW + 2 + 600).await;

    assert!(matches!(locked, Err(LoginError::Throttled { retry_after_secs: 592 })), "{locked:?}");
    assert!(after_lock.is_ok(), "the lock ends after the window: {after_lock:?}");
}

async fn login_locks_address_after_failures(db: TestDb) {
    let accounts = Accounts::new(db.store.clone(), small_limits());
    add_user(&accounts, "Acme", "admin@example.com", Role::Admin).await;
    for attempt in 0..4 {
        let email = format!("guess{attempt}@example.com");
        let failed = accounts.login(&email, &secret(PASSWORD), CLIENT_ADDRESS, NOW).await;
        assert!(matches!(failed, Err(LoginError::InvalidCredentials)), "attempt {attempt}: {failed:?}");
    }

    let from_locked_address = accounts.login("admin@example.com", &secret(PASSWORD), CLIENT_ADDRESS, NOW + 1).await;
    let from_other_address = accounts.login("admin@example.com", &secret(PASSWORD), "10.0.0.1", NOW + 1).await;

    assert!(matches!(from_locked_address, Err(LoginError::Throttled { retry_after_secs: 599 })), "{from_locked_address:?}");
    assert!(from_other_address.is_ok(), "{from_other_address:?}");
}

async fn login_window_restarts_counting(db: TestDb) {
    let accounts = Accounts::new(db.store.clone(), small_limits());
    add_user(&accounts, "Acme", "admin@example.com", Role::Admin).await;
    let fail = |now: i64| {
        let accounts = accounts.clone();
        async move { accounts.login("admin@example.com", &secret("wrong password!"), &format!("10.0.1.{}", now % 200), now).await }
    };

    // Two failures, then two more after the window ended: never three within one window.
    for now in [NOW, NOW + 1, NOW + 700, NOW + 701] {
        assert!(matches!(fail(now).await, Err(LoginError::InvalidCredentials)), "failure at {now}");
    }
    let failures: i64 = sqlx::query_scalar("SELECT failures FROM login_failures WHERE scope_key = $1")
        .bind("account:admin@example.com")
        .fetch_one(db.store.pool())
        .await
        .unwrap();
    assert_eq!(failures, 2);

    let signed_in = accounts.login("admin@example.com", &secret(PASSWORD), "10.0.0.9", NOW + 702).await;
    assert!(signed_in.is_ok(), "{signed_in:?}");
    assert_eq!(count(&db, "SELECT COUNT(*) FROM login_failures WHERE scope_key = 'account:admin@example.com'").await, 0);
}

async fn set_role_keeps_last_admin(db: TestDb) {
    let accounts = accounts(&db);
    let first = add_user(&accounts, "Acme", "first@example.com", Role::Admin).await;
    let second = add_user(&accounts, "Acme", "second@example.com", Role::Member).await;

    let demote_last = accounts.set_role(first.org_id, first.id, Role::Member).await;
    assert!(matches!(demote_last, Err(Error::Conflict(LAST_ADMIN))), "{demote_last:?}");

    accounts.set_role(first.org_id, second.id, Role::Admin).await.unwrap();
    accounts.set_role(first.org_id, first.id, Role::Member).await.unwrap();

    assert_eq!(accounts.find_user(first.id).await.unwrap().unwrap().role, Role::Member);
    assert_eq!(accounts.find_user(second.id).await.unwrap().unwrap().role, Role::Admin);
    let demote_new_last = accounts.set_role(first.org_id, second.id, Role::Member).await;
    assert!(matches!(demote_new_last, Err(Error::Conflict(LAST_ADMIN))), "{demote_new_last:?}");
    // Promoting an admin again changes nothing and is allowed.
    accounts.set_role(first.org_id, second.id, Role::Admin).await.unwrap();
}

async fn remove_user_keeps_last_admin(db: TestDb) {
    let accounts = accounts(&db);
    let admin = add_user(&accounts, "Acme", "admin@example.com", Role::Admin).await;
    let member = add_user(&accounts, "Acme", "member@example.com", Role::Member).await;

    let remove_last = accounts.remove_user(admin.org_id, admin.id).await;
    assert!(matches!(remove_last, Err(Error::Conflict(LAST_ADMIN))), "{remove_last:?}");

    accounts.remove_user(admin.org_id, member.id).await.unwrap();
    assert_eq!(accounts.find_user(member.id).await.unwrap(), None);
    let second_admin = add_user(&accounts, "Acme", "second@example.com", Role::Admin).await;
    accounts.remove_user(admin.org_id, admin.id).await.unwrap();

    assert_eq!(accounts.find_user(admin.id).await.unwrap(), None);
    assert_eq!(accounts.list_users(admin.org_id).await.unwrap(), vec![second_admin]);
    let removed_again = accounts.remove_user(admin.org_id, admin.id).await;
    assert!(matches!(removed_again, Err(Error::NotFound("user"))), "{removed_again:?}");
}

async fn role_changes_scoped_by_organization(db: TestDb) {
    let accounts = accounts(&db);
    let acme_admin = add_user(&accounts, "Acme", "admin@acme.example", Role::Admin).await;
    let globex_admin = add_user(&accounts, "Globex", "admin@globex.example", Role::Admin).await;
    let globex_member = add_user(&accounts, "Globex", "member@globex.example", Role::Member).await;

    let promote = accounts.set_role(acme_admin.org_id, globex_member.id, Role::Admin).await;
    let remove = accounts.remove_user(acme_admin.org_id, globex_admin.id).await;

    assert!(matches!(promote, Err(Error::NotFound("user"))), "{promote:?}");
    assert!(matches!(remove, Err(Error::NotFound("user"))), "{remove:?}");
    assert_eq!(accounts.find_user(globex_member.id).await.unwrap().unwrap().role, Role::Member);
    assert!(accounts.find_user(globex_admin.id).await.unwrap().is_some());
}

async fn list_users_scoped_and_sorted(db: TestDb) {
    let accounts = accounts(&db);
    let zed = add_user(&accounts, "Acme", "zed@example.com", Role::Admin).await;
    let amy = add_user(&accounts, "Acme", "amy@example.com", Role::Member).await;
    add_user(&accounts, "Globex", "bob@example.com", Role::Admin).await;

    let acme_users = accounts.list_users(zed.org_id).await.unwrap();

    assert_eq!(acme_users, vec![amy, zed]);
    assert_eq!(accounts.list_users(DEFAULT_ORG_ID).await.unwrap(), vec![]);
}

// Checks

fn check_record(succeeded: bool, access_key_id: Option<&str>, checked_at: i64) -> CheckRecord {
    CheckRecord {
        outcome: if succeeded { "success".into() } else { "unrecognized_key".into() },
        succeeded,
        message: "Bedrock answered.".into(),
        credential_source: if access_key_id.is_some() { "org_keys".into() } else { "default".into() },
        access_key_id: access_key_id.map(str::to_owned),
        checked_at,
    }
}

async fn checks_record_and_replace(db: TestDb) {
    let checks = Checks::new(db.store.clone());
    assert_eq!(checks.latest(DEFAULT_ORG_ID).await.unwrap(), None);

    let failed = check_record(false, Some(ACCESS_KEY_ID), NOW);
    checks.record(DEFAULT_ORG_ID, &failed).await.unwrap();
    assert_eq!(checks.latest(DEFAULT_ORG_ID).await.unwrap(), Some(failed));

    let succeeded = check_record(true, None, NOW + 60);
    checks.record(DEFAULT_ORG_ID, &succeeded).await.unwrap();
    assert_eq!(checks.latest(DEFAULT_ORG_ID).await.unwrap(), Some(succeeded));
    assert_eq!(count(&db, "SELECT COUNT(*) FROM connection_checks").await, 1);
}

async fn checks_mark_keys_used(db: TestDb) {
    let keys = keys(&db);
    let checks = Checks::new(db.store.clone());
    checks.mark_keys_used(DEFAULT_ORG_ID, ACCESS_KEY_ID, NOW).await.unwrap();
    assert_eq!(checks.keys_last_used(DEFAULT_ORG_ID).await.unwrap(), None, "no keys, nothing to mark");

    keys.save(DEFAULT_ORG_ID, ACCESS_KEY_ID, &secret(SECRET), NOW).await.unwrap();
    assert_eq!(checks.keys_last_used(DEFAULT_ORG_ID).await.unwrap(), None);
    checks.mark_keys_used(DEFAULT_ORG_ID, ACCESS_KEY_ID, NOW + 10).await.unwrap();
    assert_eq!(checks.keys_last_used(DEFAULT_ORG_ID).await.unwrap(), Some(NOW + 10));

    // A call that signed with the replaced pair does not mark the new one.
    keys.replace(DEFAULT_ORG_ID, NEW_ACCESS_KEY_ID, &secret(NEW_SECRET), NOW + 20).await.unwrap();
    checks.mark_keys_used(DEFAULT_ORG_ID, ACCESS_KEY_ID, NOW + 30).await.unwrap();
    let last_used = checks.keys_last_used(DEFAULT_ORG_ID).await.unwrap();
    assert_ne!(last_used, Some(NOW + 30));
    checks.mark_keys_used(DEFAULT_ORG_ID, NEW_ACCESS_KEY_ID, NOW + 40).await.unwrap();
    assert_eq!(checks.keys_last_used(DEFAULT_ORG_ID).await.unwrap(), Some(NOW + 40));
}

// Overview of the API Keys page

async fn overview_without_keys(db: TestDb) {
    let overview = keys(&db).overview(DEFAULT_ORG_ID).await.unwrap();

    assert_eq!(overview.status, KeyStatus::NotConfigured);
    assert!(!overview.onboarding_completed);
    assert_eq!(overview.last_check, None);
    assert_eq!(overview.keys_last_used_at, None);
}

async fn overview_reads_every_fact(db: TestDb) {
    let keys = keys(&db);
    let checks = Checks::new(db.store.clone());
    keys.save(DEFAULT_ORG_ID, ACCESS_KEY_ID, &secret(SECRET), NOW).await.unwrap();
    let check = check_record(false, Some(ACCESS_KEY_ID), NOW + 5);
    checks.record(DEFAULT_ORG_ID, &check).await.unwrap();
    checks.mark_keys_used(DEFAULT_ORG_ID, ACCESS_KEY_ID, NOW + 10).await.unwrap();

    let overview = keys.overview(DEFAULT_ORG_ID).await.unwrap();

    assert_eq!(overview.status, configured(ACCESS_KEY_ID, NOW));
    assert!(overview.onboarding_completed);
    assert_eq!(overview.last_check, Some(check));
    assert_eq!(overview.keys_last_used_at, Some(NOW + 10));
    let unreadable = Keys::new(db.store.clone(), keyring(8)).overview(DEFAULT_ORG_ID).await.unwrap();
    assert_eq!(unreadable.status, KeyStatus::Unreadable { access_key_id: ACCESS_KEY_ID.to_owned(), saved_at: NOW });
}

async fn overview_unknown_org_not_found(db: TestDb) {
    let overview = keys(&db).overview(9_999).await;

    assert!(matches!(overview, Err(Error::NotFound("organization"))), "{overview:?}");
}

async fn key_changes_forget_last_check(db: TestDb) {
    let keys = keys(&db);
    let checks = Checks::new(db.store.clone());
    let last_check = || async { checks.latest(DEFAULT_ORG_ID).await.unwrap() };

    checks.record(DEFAULT_ORG_ID, &check_record(false, None, NOW)).await.unwrap();
    keys.save(DEFAULT_ORG_ID, ACCESS_KEY_ID, &secret(SECRET), NOW + 1).await.unwrap();
    assert_eq!(last_check().await, None, "save");

    checks.record(DEFAULT_ORG_ID, &check_record(false, Some(ACCESS_KEY_ID), NOW + 2)).await.unwrap();
    keys.replace(DEFAULT_ORG_ID, ACCESS_KEY_ID, &secret(NEW_SECRET), NOW + 3).await.unwrap();
    assert_eq!(last_check().await, None, "replace");

    checks.record(DEFAULT_ORG_ID, &check_record(true, Some(ACCESS_KEY_ID), NOW + 4)).await.unwrap();
    keys.delete(DEFAULT_ORG_ID).await.unwrap();
    assert_eq!(last_check().await, None, "delete");
}

async fn save_completes_onboarding(db: TestDb) {
    let keys = keys(&db);

    keys.save(DEFAULT_ORG_ID, ACCESS_KEY_ID, &secret(SECRET), NOW).await.unwrap();

    assert!(keys.onboarding_completed(DEFAULT_ORG_ID).await.unwrap());
}

async fn audit_page_counts_and_clamps(db: TestDb) {
    let audit = AuditLog::new(db.store.clone());
    let other_org = add_user(&accounts(&db), "Other", "admin@other.example", Role::Admin).await.org_id;
    let actor = Actor::system();
    for (org_id, entries) in [(DEFAULT_ORG_ID, 5), (other_org, 3)] {
        for occurred_at in NOW..NOW + entries {
            let event = NewAuditEvent {
                org_id,
                actor: &actor,
                action: AuditAction::Checked,
                access_key_id: None,
                previous_access_key_id: None,
                outcome: "ok",
                occurred_at,
            };
            audit.record(&event).await.unwrap();
        }
    }

    let first = audit.page(DEFAULT_ORG_ID, 1, 2).await.unwrap();
    assert_eq!(occurred_at(&first), [NOW + 4, NOW + 3]);
    assert_eq!((first.page, first.total), (1, 5));

    let last = audit.page(DEFAULT_ORG_ID, 3, 2).await.unwrap();
    assert_eq!(occurred_at(&last), [NOW]);
    assert_eq!((last.page, last.total), (3, 5));

    let past_end = audit.page(DEFAULT_ORG_ID, i64::MAX, 2).await.unwrap();
    assert_eq!(past_end, last, "a page past the end gives the last page");

    let below_one = audit.page(DEFAULT_ORG_ID, -4, 2).await.unwrap();
    assert_eq!(below_one, first, "a page below 1 gives the first page");

    let other = audit.page(other_org, 1, 20).await.unwrap();
    assert_eq!((other.events.len(), other.total), (3, 3));

    let empty_org = add_user(&accounts(&db), "Empty", "admin@empty.example", Role::Admin).await.org_id;
    let empty = audit.page(empty_org, 7, 20).await.unwrap();
    assert_eq!(empty.events, []);
    assert_eq!((empty.page, empty.total), (1, 0));
}

fn occurred_at(rows: &AuditPageRows) -> Vec<i64> {
    rows.events.iter().map(|event| event.occurred_at).collect()
}

async fn rate_limit_counts_window(db: TestDb) {
    let checks = Checks::new(db.store.clone());
    let limit = RateLimit { max_requests: 3, window_secs: 60 };

    for request in 0..3 {
        assert_eq!(checks.take_rate_limit("check:1", limit, NOW + request).await.unwrap(), None, "request {request}");
    }
    assert_eq!(checks.take_rate_limit("check:1", limit, NOW + 10).await.unwrap(), Some(50));
    assert_eq!(checks.take_rate_limit("check:2", limit, NOW + 10).await.unwrap(), None, "scopes count apart");
    assert_eq!(checks.take_rate_limit("check:1", limit, NOW + 59).await.unwrap(), Some(1));
    assert_eq!(checks.take_rate_limit("check:1", limit, NOW + 60).await.unwrap(), None, "a new window starts");
    let requests: i64 = sqlx::query_scalar("SELECT requests FROM rate_limits WHERE scope_key = $1")
        .bind("check:1")
        .fetch_one(db.store.pool())
        .await
        .unwrap();
    assert_eq!(requests, 1);
}

async fn rate_limit_concurrent_requests_count(db: TestDb) {
    let checks = Checks::new(db.store.clone());
    let limit = RateLimit { max_requests: 10, window_secs: 60 };

    let tasks: Vec<_> = (0..24)
        .map(|_| {
            let checks = checks.clone();
            tokio::spawn(async move { checks.take_rate_limit("question:1", limit, NOW).await })
        })
        .collect();
    let mut allowed = 0;
    for task in tasks {
        if task.await.expect("a task panicked").expect("take the rate limit").is_none() {
            allowed += 1;
        }
    }

    assert_eq!(allowed, 10, "exactly max_requests of the concurrent requests pass");
}

async fn closed_pool_is_unavailable(db: TestDb) {
    let keys = keys(&db);
    db.store.pool().close().await;

    let status = keys.status(DEFAULT_ORG_ID).await;

    assert!(matches!(status, Err(Error::Unavailable(_))), "{status:?}");
}

/// PostgreSQL only: connections that the server ended (as a restart does) are replaced without
/// an error, because every connection is pinged before use.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_pool_replaces_ended_connections() {
    let Some(db) = TestDb::postgres("ended_connections").await else {
        return;
    };
    let keys = keys(&db);
    keys.save(DEFAULT_ORG_ID, ACCESS_KEY_ID, &secret(SECRET), NOW).await.unwrap();
    let url = db.postgres_url().expect("a PostgreSQL database");
    let database: String = sqlx::query_scalar("SELECT current_database()::text").fetch_one(db.store.pool()).await.unwrap();

    let admin_url = support::postgres_url().expect("the cluster URL");
    let mut admin = <sqlx::PgConnection as sqlx::Connection>::connect(&admin_url).await.unwrap();
    let ended: Vec<bool> = sqlx::query_scalar(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()",
    )
    .bind(&database)
    .fetch_all(&mut admin)
    .await
    .unwrap();
    assert!(!ended.is_empty(), "the pool of {url} held no connection to end");

    assert_eq!(keys.status(DEFAULT_ORG_ID).await.unwrap(), configured(ACCESS_KEY_ID, NOW));
}

/// PostgreSQL only: a connection that the server ends in the middle of a transaction (as a
/// shutdown or restart does) fails with an error that maps to `Unavailable`, not `Internal`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_ended_connection_is_unavailable() {
    let Some(db) = TestDb::postgres("ended_transaction").await else {
        return;
    };
    let mut transaction = db.store.pool().begin().await.unwrap();
    let backend_pid: i64 = sqlx::query_scalar("SELECT pg_backend_pid()").fetch_one(&mut *transaction).await.unwrap();

    let admin_url = support::postgres_url().expect("the cluster URL");
    let mut admin = <sqlx::PgConnection as sqlx::Connection>::connect(&admin_url).await.unwrap();
    let ended: bool = sqlx::query_scalar("SELECT pg_terminate_backend($1)")
        .bind(backend_pid as i32)
        .fetch_one(&mut admin)
        .await
        .unwrap();
    assert!(ended, "backend {backend_pid} was not ended");

    let failed = sqlx::query("SELECT 1").execute(&mut *transaction).await.expect_err("the ended connection still answered");
    let error = Error::from(failed);

    assert!(matches!(error, Error::Unavailable(_)), "{error:?}");
}
