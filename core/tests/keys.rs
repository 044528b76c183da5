//! Integration tests of `Keys` on a fresh SQLite file per test.

use std::path::Path;
use std::sync::Arc;

use guardian_core::crypto::{Keyring, MasterKey};
use guardian_core::{Error, KeyStatus, Keys, Store, DEFAULT_ORG_ID};
use secrecy::{ExposeSecret, SecretString};
use tempfile::TempDir;

const ACCESS_KEY_ID: &str = "AKIAIOSFODNN7EXAMPLE";
const SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
const NEW_ACCESS_KEY_ID: &str = "AKIAI44QH8DHBEXAMPLE";
const NEW_SECRET: &str = "je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY";
const OTHER_ORG_ID: i64 = 2;
const SAVED_AT: i64 = 1_700_000_000;

fn master_key() -> MasterKey {
    MasterKey::from_bytes([7; 32])
}

fn keyring(key: MasterKey) -> Arc<Keyring> {
    Arc::new(Keyring::new(vec![key]))
}

fn secret(text: &str) -> SecretString {
    SecretString::from(text.to_owned())
}

/// A migrated database in its own temporary directory, which lives as long as the value.
struct TestDb {
    dir: TempDir,
    store: Store,
}

impl TestDb {
    async fn new() -> Self {
        let dir = tempfile::tempdir().expect("create a temporary directory");
        let store = Store::connect(&Store::sqlite_url(dir.path())).await.expect("open the SQLite file");
        store.migrate().await.expect("run the migrations");
        Self { dir, store }
    }

    fn keys(&self) -> Keys {
        Keys::new(self.store.clone(), keyring(master_key()))
    }

    fn keys_with(&self, key: MasterKey) -> Keys {
        Keys::new(self.store.clone(), keyring(key))
    }

    async fn insert_organization(&self, id: i64, name: &str) {
        sqlx::query("INSERT INTO organizations (id, name, created_at) VALUES ($1, $2, 0)")
            .bind(id)
            .bind(name)
            .execute(self.store.pool())
            .await
            .expect("insert an organization");
    }

    async fn sealed_secret(&self, org_id: i64) -> String {
        sqlx::query_scalar("SELECT sealed_secret FROM bedrock_keys WHERE org_id = $1")
            .bind(org_id)
            .fetch_one(self.store.pool())
            .await
            .expect("read the sealed secret")
    }

    async fn key_row_count(&self) -> i64 {
        sqlx::query_scalar("SELECT COUNT(*) FROM bedrock_keys")
            .fetch_one(self.store.pool())
            .await
            .expect("count key rows")
    }

    /// Reads the database file and its `-wal` and `-shm` companions, those that exist.
    fn database_files(&self) -> Vec<(String, Vec<u8>)> {
        ["guardian.db", "guardian.db-wal", "guardian.db-shm"]
            .into_iter()
            .map(|name| (name, self.dir.path().join(name)))
            .filter(|(_, path)| path.exists())
            .map(|(name, path)| (name.to_owned(), read_file(&path)))
            .collect()
    }
}

fn read_file(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|error| panic!("read {}: {error}", path.display()))
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack.windows(needle.len()).any(|window| window == needle.as_bytes())
}

fn configured(access_key_id: &str, saved_at: i64) -> KeyStatus {
    KeyStatus::Configured { access_key_id: access_key_id.to_owned(), saved_at }
}

fn unreadable(access_key_id: &str, saved_at: i64) -> KeyStatus {
    KeyStatus::Unreadable { access_key_id: access_key_id.to_owned(), saved_at }
}

#[tokio::test]
async fn status_without_keys_is_not_configured() {
    let db = TestDb::new().await;
    let keys = db.keys();

    assert_eq!(keys.status(DEFAULT_ORG_ID).await.unwrap(), KeyStatus::NotConfigured);
    assert!(keys.read_pair(DEFAULT_ORG_ID).await.unwrap().is_none());
}

#[tokio::test]
async fn save_then_status_is_configured() {
    let db = TestDb::new().await;
    let keys = db.keys();

    let saved = keys.save(DEFAULT_ORG_ID, ACCESS_KEY_ID, &secret(SECRET), SAVED_AT).await.unwrap();

    assert_eq!(saved, configured(ACCESS_KEY_ID, SAVED_AT));
    assert_eq!(keys.status(DEFAULT_ORG_ID).await.unwrap(), configured(ACCESS_KEY_ID, SAVED_AT));
    let (access_key_id, stored_secret) = keys.read_pair(DEFAULT_ORG_ID).await.unwrap().expect("a saved pair");
    assert_eq!(access_key_id, ACCESS_KEY_ID);
    assert_eq!(stored_secret.expose_secret(), SECRET);
}

#[tokio::test]
async fn saved_secret_is_sealed_in_its_row() {
    let db = TestDb::new().await;
    let keys = db.keys();

    keys.save(DEFAULT_ORG_ID, ACCESS_KEY_ID, &secret(SECRET), SAVED_AT).await.unwrap();

    let sealed = db.sealed_secret(DEFAULT_ORG_ID).await;
    assert!(!sealed.contains(SECRET), "the row stores the plaintext secret");
    assert!(sealed.starts_with(&format!("v1:{}:", master_key().id())), "unexpected sealed format: {sealed}");
}

#[tokio::test]
async fn save_twice_is_conflict() {
    let db = TestDb::new().await;
    let keys = db.keys();
    keys.save(DEFAULT_ORG_ID, ACCESS_KEY_ID, &secret(SECRET), SAVED_AT).await.unwrap();

    let second = keys.save(DEFAULT_ORG_ID, NEW_ACCESS_KEY_ID, &secret(NEW_SECRET), SAVED_AT + 1).await;

    assert!(matches!(second, Err(Error::Conflict(_))), "{second:?}");
    assert_eq!(keys.status(DEFAULT_ORG_ID).await.unwrap(), configured(ACCESS_KEY_ID, SAVED_AT));
    let (_, stored_secret) = keys.read_pair(DEFAULT_ORG_ID).await.unwrap().unwrap();
    assert_eq!(stored_secret.expose_secret(), SECRET);
}

#[tokio::test]
async fn replace_without_keys_is_not_found() {
    let db = TestDb::new().await;
    let keys = db.keys();

    let replaced = keys.replace(DEFAULT_ORG_ID, ACCESS_KEY_ID, &secret(SECRET), SAVED_AT).await;

    assert!(matches!(replaced, Err(Error::NotFound(_))), "{replaced:?}");
    assert_eq!(keys.status(DEFAULT_ORG_ID).await.unwrap(), KeyStatus::NotConfigured);
    assert_eq!(db.key_row_count().await, 0);
}

#[tokio::test]
async fn replace_swaps_the_pair() {
    let db = TestDb::new().await;
    let keys = db.keys();
    keys.save(DEFAULT_ORG_ID, ACCESS_KEY_ID, &secret(SECRET), SAVED_AT).await.unwrap();

    let replaced = keys.replace(DEFAULT_ORG_ID, NEW_ACCESS_KEY_ID, &secret(NEW_SECRET), SAVED_AT + 60).await.unwrap();

    assert_eq!(replaced, configured(NEW_ACCESS_KEY_ID, SAVED_AT + 60));
    assert_eq!(keys.status(DEFAULT_ORG_ID).await.unwrap(), configured(NEW_ACCESS_KEY_ID, SAVED_AT + 60));
    let (access_key_id, stored_secret) = keys.read_pair(DEFAULT_ORG_ID).await.unwrap().unwrap();
    assert_eq!(access_key_id, NEW_ACCESS_KEY_ID);
    assert_eq!(stored_secret.expose_secret(), NEW_SECRET);
    assert_eq!(db.key_row_count().await, 1);
}

#[tokio::test]
async fn delete_then_second_delete_is_not_found() {
    let db = TestDb::new().await;
    let keys = db.keys();
    keys.save(DEFAULT_ORG_ID, ACCESS_KEY_ID, &secret(SECRET), SAVED_AT).await.unwrap();

    keys.delete(DEFAULT_ORG_ID).await.unwrap();

    assert_eq!(keys.status(DEFAULT_ORG_ID).await.unwrap(), KeyStatus::NotConfigured);
    assert!(keys.read_pair(DEFAULT_ORG_ID).await.unwrap().is_none());
    let second = keys.delete(DEFAULT_ORG_ID).await;
    assert!(matches!(second, Err(Error::NotFound(_))), "{second:?}");
}

#[tokio::test]
async fn save_after_delete_succeeds() {
    let db = TestDb::new().await;
    let keys = db.keys();
    keys.save(DEFAULT_ORG_ID, ACCESS_KEY_ID, &secret(SECRET), SAVED_AT).await.unwrap();
    keys.delete(DEFAULT_ORG_ID).await.unwrap();

    keys.save(DEFAULT_ORG_ID, NEW_ACCESS_KEY_ID, &secret(NEW_SECRET), SAVED_AT + 1).await.unwrap();

    assert_eq!(keys.status(DEFAULT_ORG_ID).await.unwrap(), configured(NEW_ACCESS_KEY_ID, SAVED_AT + 1));
}

#[tokio::test]
async fn delete_without_keys_is_not_found() {
    let db = TestDb::new().await;

    let deleted = db.keys().delete(DEFAULT_ORG_ID).await;

    assert!(matches!(deleted, Err(Error::NotFound(_))), "{deleted:?}");
}

#[tokio::test]
async fn organizations_are_isolated() {
    let db = TestDb::new().await;
    db.insert_organization(OTHER_ORG_ID, "other").await;
    let keys = db.keys();

    keys.save(OTHER_ORG_ID, NEW_ACCESS_KEY_ID, &secret(NEW_SECRET), SAVED_AT).await.unwrap();

    assert_eq!(keys.status(DEFAULT_ORG_ID).await.unwrap(), KeyStatus::NotConfigured);
    assert!(keys.read_pair(DEFAULT_ORG_ID).await.unwrap().is_none());
    let replaced = keys.replace(DEFAULT_ORG_ID, ACCESS_KEY_ID, &secret(SECRET), SAVED_AT).await;
    assert!(matches!(replaced, Err(Error::NotFound(_))), "{replaced:?}");
    let deleted = keys.delete(DEFAULT_ORG_ID).await;
    assert!(matches!(deleted, Err(Error::NotFound(_))), "{deleted:?}");

    keys.save(DEFAULT_ORG_ID, ACCESS_KEY_ID, &secret(SECRET), SAVED_AT + 1).await.unwrap();
    keys.delete(DEFAULT_ORG_ID).await.unwrap();

    assert_eq!(keys.status(OTHER_ORG_ID).await.unwrap(), configured(NEW_ACCESS_KEY_ID, SAVED_AT));
    let (access_key_id, stored_secret) = keys.read_pair(OTHER_ORG_ID).await.unwrap().unwrap();
    assert_eq!(access_key_id, NEW_ACCESS_KEY_ID);
    assert_eq!(stored_secret.expose_secret(), NEW_SECRET);
}

#[tokio::test]
async fn sealed_value_copied_to_other_organization_is_unreadable() {
    let db = TestDb::new().await;
    db.insert_organization(OTHER_ORG_ID, "other").await;
    let keys = db.keys();
    keys.save(DEFAULT_ORG_ID, ACCESS_KEY_ID, &secret(SECRET), SAVED_AT).await.unwrap();
    keys.save(OTHER_ORG_ID, NEW_ACCESS_KEY_ID, &secret(NEW_SECRET), SAVED_AT).await.unwrap();

    let sealed = db.sealed_secret(DEFAULT_ORG_ID).await;
    sqlx::query("UPDATE bedrock_keys SET sealed_secret = $1 WHERE org_id = $2")
        .bind(&sealed)
        .bind(OTHER_ORG_ID)
        .execute(db.store.pool())
        .await
        .unwrap();

    assert_eq!(keys.status(OTHER_ORG_ID).await.unwrap(), unreadable(NEW_ACCESS_KEY_ID, SAVED_AT));
    let read = keys.read_pair(OTHER_ORG_ID).await;
    assert!(matches!(read, Err(Error::KeysUnreadable)), "{:?}", read.map(|pair| pair.map(|(id, _)| id)));
    // The source row still opens for its own organization.
    assert_eq!(keys.status(DEFAULT_ORG_ID).await.unwrap(), configured(ACCESS_KEY_ID, SAVED_AT));
}

#[tokio::test]
async fn unreadable_keys_can_be_replaced_and_deleted() {
    let db = TestDb::new().await;
    db.keys().save(DEFAULT_ORG_ID, ACCESS_KEY_ID, &secret(SECRET), SAVED_AT).await.unwrap();
    let keys = db.keys_with(MasterKey::from_bytes([8; 32]));
    assert_eq!(keys.status(DEFAULT_ORG_ID).await.unwrap(), unreadable(ACCESS_KEY_ID, SAVED_AT));

    keys.replace(DEFAULT_ORG_ID, NEW_ACCESS_KEY_ID, &secret(NEW_SECRET), SAVED_AT + 1).await.unwrap();
    assert_eq!(keys.status(DEFAULT_ORG_ID).await.unwrap(), configured(NEW_ACCESS_KEY_ID, SAVED_AT + 1));

    keys.delete(DEFAULT_ORG_ID).await.unwrap();
    assert_eq!(keys.status(DEFAULT_ORG_ID).await.unwrap(), KeyStatus::NotConfigured);
}

#[tokio::test]
async fn wrong_master_key_is_unreadable() {
    let db = TestDb::new().await;
    db.keys().save(DEFAULT_ORG_ID, ACCESS_KEY_ID, &secret(SECRET), SAVED_AT).await.unwrap();

    let keys = db.keys_with(MasterKey::from_bytes([8; 32]));

    assert_eq!(keys.status(DEFAULT_ORG_ID).await.unwrap(), unreadable(ACCESS_KEY_ID, SAVED_AT));
    let read = keys.read_pair(DEFAULT_ORG_ID).await;
    assert!(matches!(read, Err(Error::KeysUnreadable)), "{:?}", read.map(|pair| pair.map(|(id, _)| id)));
    // A second call takes the already-reported path and returns the same status.
    assert_eq!(keys.status(DEFAULT_ORG_ID).await.unwrap(), unreadable(ACCESS_KEY_ID, SAVED_AT));
}

#[tokio::test]
async fn damaged_sealed_value_is_unreadable() {
    let db = TestDb::new().await;
    let keys = db.keys();
    keys.save(DEFAULT_ORG_ID, ACCESS_KEY_ID, &secret(SECRET), SAVED_AT).await.unwrap();

    for damaged in ["", "not sealed", "v1:abc", "v2:a:b:c", "v1:0000000000000000:AAAA:AAAA"] {
        sqlx::query("UPDATE bedrock_keys SET sealed_secret = $1 WHERE org_id = $2")
            .bind(damaged)
            .bind(DEFAULT_ORG_ID)
            .execute(db.store.pool())
            .await
            .unwrap();

        assert_eq!(keys.status(DEFAULT_ORG_ID).await.unwrap(), unreadable(ACCESS_KEY_ID, SAVED_AT), "{damaged:?}");
        let read = keys.read_pair(DEFAULT_ORG_ID).await;
        assert!(matches!(read, Err(Error::KeysUnreadable)), "{damaged:?}");
    }
}

#[tokio::test]
async fn retired_master_key_still_opens() {
    let db = TestDb::new().await;
    db.keys().save(DEFAULT_ORG_ID, ACCESS_KEY_ID, &secret(SECRET), SAVED_AT).await.unwrap();

    let rotated = Arc::new(Keyring::new(vec![MasterKey::from_bytes([8; 32]), master_key()]));
    let keys = Keys::new(db.store.clone(), rotated);

    assert_eq!(keys.status(DEFAULT_ORG_ID).await.unwrap(), configured(ACCESS_KEY_ID, SAVED_AT));
    let (_, stored_secret) = keys.read_pair(DEFAULT_ORG_ID).await.unwrap().unwrap();
    assert_eq!(stored_secret.expose_secret(), SECRET);
}

#[tokio::test]
async fn database_files_never_contain_secret() {
    let db = TestDb::new().await;
    let keys = db.keys();

    keys.save(DEFAULT_ORG_ID, ACCESS_KEY_ID, &secret(SECRET), SAVED_AT).await.unwrap();
    let after_save = db.database_files();
    keys.replace(DEFAULT_ORG_ID, NEW_ACCESS_KEY_ID, &secret(NEW_SECRET), SAVED_AT + 1).await.unwrap();
    let after_replace = db.database_files();

    for (stage, files) in [("save", &after_save), ("replace", &after_replace)] {
        assert!(files.iter().any(|(name, _)| name == "guardian.db-wal"), "no WAL file after {stage}");
        for (name, bytes) in files {
            assert!(!contains(bytes, SECRET), "{name} contains the first secret after {stage}");
            assert!(!contains(bytes, NEW_SECRET), "{name} contains the second secret after {stage}");
        }
    }
    // The scan can see stored text: the access key IDs, which are not secret, are in the files.
    let saved_text = |files: &[(String, Vec<u8>)], text: &str| files.iter().any(|(_, bytes)| contains(bytes, text));
    assert!(saved_text(&after_save, ACCESS_KEY_ID), "the access key ID is not in the database files");
    assert!(saved_text(&after_replace, NEW_ACCESS_KEY_ID), "the new access key ID is not in the database files");

    // Closing the pool checkpoints the WAL into the main file, which must still contain no secret.
    db.store.pool().close().await;
    for (name, bytes) in db.database_files() {
        assert!(!contains(&bytes, SECRET), "{name} contains the first secret after close");
        assert!(!contains(&bytes, NEW_SECRET), "{name} contains the second secret after close");
    }
}

#[tokio::test]
async fn onboarding_starts_incomplete() {
    let db = TestDb::new().await;

    assert!(!db.keys().onboarding_completed(DEFAULT_ORG_ID).await.unwrap());
}

#[tokio::test]
async fn onboarding_completion_keeps_first_time() {
    let db = TestDb::new().await;
    let keys = db.keys();

    keys.complete_onboarding(DEFAULT_ORG_ID, SAVED_AT).await.unwrap();
    keys.complete_onboarding(DEFAULT_ORG_ID, SAVED_AT + 100).await.unwrap();

    assert!(keys.onboarding_completed(DEFAULT_ORG_ID).await.unwrap());
    let completed_at: Option<i64> =
        sqlx::query_scalar("SELECT onboarding_completed_at FROM organizations WHERE id = $1")
            .bind(DEFAULT_ORG_ID)
            .fetch_one(db.store.pool())
            .await
            .unwrap();
    assert_eq!(completed_at, Some(SAVED_AT));
}

#[tokio::test]
async fn onboarding_is_per_organization() {
    let db = TestDb::new().await;
    db.insert_organization(OTHER_ORG_ID, "other").await;
    let keys = db.keys();

    keys.complete_onboarding(OTHER_ORG_ID, SAVED_AT).await.unwrap();

    assert!(!keys.onboarding_completed(DEFAULT_ORG_ID).await.unwrap());
    assert!(keys.onboarding_completed(OTHER_ORG_ID).await.unwrap());
}

#[tokio::test]
async fn onboarding_of_unknown_organization_is_not_found() {
    let db = TestDb::new().await;

    let completed = db.keys().onboarding_completed(99).await;

    assert!(matches!(completed, Err(Error::NotFound("organization"))), "{completed:?}");
}

#[tokio::test]
async fn save_for_unknown_organization_fails() {
    let db = TestDb::new().await;
    let keys = db.keys();

    let saved = keys.save(99, ACCESS_KEY_ID, &secret(SECRET), SAVED_AT).await;

    assert!(saved.is_err(), "saved keys for an organization that does not exist");
    assert_eq!(db.key_row_count().await, 0);
}
