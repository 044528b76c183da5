//! Sealing of stored secrets with AES-256-GCM under a master keyring.
//!
//! A sealed value is one self-describing string:
//! `v1:<master key id>:<nonce, base64>:<ciphertext and tag, base64>`.
//! The associated data binds the ciphertext to its organization and field, so a value copied
//! into another row or column does not decrypt.

use std::fmt;
use std::io::Write;
use std::path::{Path, PathBuf};

use aes_gcm::aead::{Aead, AeadCore, KeyInit, OsRng, Payload};
use aes_gcm::{Aes256Gcm, Key, Nonce};
use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};
use zeroize::{Zeroize, Zeroizing};

/// Length of a master key in bytes (AES-256).
pub const MASTER_KEY_LEN: usize = 32;
const FORMAT_V1: &str = "v1";
const AAD_LABEL: &str = "guardian-console/sealed-secret";
const KEY_ID_LABEL: &[u8] = b"guardian-console/master-key-id";

/// Errors from loading master keys.
#[derive(Debug, thiserror::Error)]
pub enum MasterKeyError {
    #[error(
        "the master key in {source_name} is not valid base64; generate one with `openssl rand -base64 32`"
    )]
    NotBase64 { source_name: String },
    #[error(
        "the master key in {source_name} is {len} bytes long but must be exactly {MASTER_KEY_LEN}; generate one with `openssl rand -base64 32`"
    )]
    WrongLength { source_name: String, len: usize },
    #[error("GUARDIAN_MASTER_KEYS is set but lists no key; give comma-separated base64 keys, the active one first")]
    EmptyList,
    #[error(
        "no master key is configured: set GUARDIAN_MASTER_KEYS or GUARDIAN_MASTER_KEY, or restore {path}"
    )]
    Missing { path: PathBuf },
    #[error("the master key file {path} could not be read or created: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// Errors from opening a sealed value. None of them carries key material or plaintext.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum OpenError {
    #[error("the sealed value is malformed")]
    Malformed,
    #[error("the sealed value uses unknown format version")]
    UnknownVersion,
    #[error("the master key {key_id} that sealed the value is not configured")]
    UnknownMasterKey { key_id: String },
    #[error("the sealed value failed authentication (wrong key, damaged value or moved row)")]
    Authentication,
}

/// One AES-256 master key and its id, which is derived from the key itself.
pub struct MasterKey {
    id: String,
    key: Zeroizing<[u8; MASTER_KEY_LEN]>,
}

impl fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MasterKey").field("id", &self.id).field("key", &"[REDACTED]").finish()
    }
}

impl MasterKey {
    /// Builds a master key from raw bytes.
    pub fn from_bytes(bytes: [u8; MASTER_KEY_LEN]) -> Self {
        let key = Zeroizing::new(bytes);
        let id = derive_key_id(&key[..]);
        Self { id, key }
    }

    /// Parses a base64 master key; `source_name` names the setting or file in errors.
    pub fn from_base64(text: &str, source_name: &str) -> Result<Self, MasterKeyError> {
        let mut decoded = BASE64.decode(text.trim().as_bytes()).map_err(|_| MasterKeyError::NotBase64 {
            source_name: source_name.to_owned(),
        })?;
        if decoded.len() != MASTER_KEY_LEN {
            let len = decoded.len();
            decoded.zeroize();
            return Err(MasterKeyError::WrongLength { source_name: source_name.to_owned(), len });
        }
        let mut bytes = [0u8; MASTER_KEY_LEN];
        bytes.copy_from_slice(&decoded);
        decoded.zeroize();
        let key = Self::from_bytes(bytes);
        bytes.zeroize();
        Ok(key)
    }

    /// Generates a key from the operating system's random source.
    pub fn generate() -> Self {
        let key = Aes256Gcm::generate_key(OsRng);
        let mut bytes = [0u8; MASTER_KEY_LEN];
        bytes.copy_from_slice(key.as_slice());
        Self::from_bytes(bytes)
    }

    /// Returns the key's id: 16 hex digits of a labelled SHA-256 of the key.
    pub fn id(&self) -> &str {
        &self.id
    }

    fn to_base64(&self) -> Zeroizing<String> {
        Zeroizing::new(BASE64.encode(&self.key[..]))
    }
}

fn derive_key_id(key: &[u8]) -> String {
    let digest = Sha256::new().chain_update(KEY_ID_LABEL).chain_update(key).finalize();
    digest[..8].iter().map(|byte| format!("{byte:02x}")).collect()
}

/// The origin of the master keys, logged at startup (never the keys themselves).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MasterKeySource {
    /// The `GUARDIAN_MASTER_KEYS` list; the first key is active.
    EnvironmentList,
    /// The `GUARDIAN_MASTER_KEY` setting.
    Environment,
    /// An existing key file.
    File(PathBuf),
    /// A key file generated on this start.
    GeneratedFile(PathBuf),
}

/// Loads the keyring: from `key_list` (the comma-separated `GUARDIAN_MASTER_KEYS`, first key
/// active) when given, otherwise the single key of [`load_or_create_master_key`].
pub fn load_keyring(
    key_list: Option<&str>,
    single_key: Option<&str>,
    key_path: &Path,
    create: bool,
) -> Result<(Keyring, MasterKeySource), MasterKeyError> {
    if let Some(list) = key_list {
        let keys = list
            .split(',')
            .map(str::trim)
            .filter(|entry| !entry.is_empty())
            .enumerate()
            .map(|(index, entry)| MasterKey::from_base64(entry, &format!("GUARDIAN_MASTER_KEYS entry {}", index + 1)))
            .collect::<Result<Vec<_>, _>>()?;
        if keys.is_empty() {
            return Err(MasterKeyError::EmptyList);
        }
        return Ok((Keyring::new(keys), MasterKeySource::EnvironmentList));
    }
    let (key, source) = load_or_create_master_key(single_key, key_path, create)?;
    Ok((Keyring::new(vec![key]), source))
}

/// Loads the master key from `env_value` when given, otherwise from `key_path`. When that file
/// does not exist, `create` makes one with a fresh key (mode 0600); without it the call fails.
pub fn load_or_create_master_key(
    env_value: Option<&str>,
    key_path: &Path,
    create: bool,
) -> Result<(MasterKey, MasterKeySource), MasterKeyError> {
    if let Some(text) = env_value {
        let key = MasterKey::from_base64(text, "GUARDIAN_MASTER_KEY")?;
        return Ok((key, MasterKeySource::Environment));
    }

    let io_error = |source| MasterKeyError::Io { path: key_path.to_owned(), source };
    match std::fs::read_to_string(key_path) {
        Ok(text) => {
            let text = Zeroizing::new(text);
            let key = MasterKey::from_base64(&text, &key_path.display().to_string())?;
            Ok((key, MasterKeySource::File(key_path.to_owned())))
        }
        Err(error) if error.kind() == std::io::ErrorKind::NotFound && create => {
            let key = MasterKey::generate();
            match write_new_key_file(key_path, &key) {
                Ok(()) => Ok((key, MasterKeySource::GeneratedFile(key_path.to_owned()))),
                // Another process created the file first; its key is the one to use.
                Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => {
                    load_or_create_master_key(None, key_path, false)
                }
                Err(error) => Err(io_error(error)),
            }
        }
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Err(MasterKeyError::Missing { path: key_path.to_owned() }),
        Err(error) => Err(io_error(error)),
    }
}

/// Writes the key to a temporary file, then links it to `path`, so the key file never exists
/// half-written and two processes starting at once cannot both create it.
fn write_new_key_file(path: &Path, key: &MasterKey) -> std::io::Result<()> {
    let temporary = path.with_extension(format!("tmp-{}", std::process::id()));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let written = options.open(&temporary).and_then(|mut file| {
        let encoded = key.to_base64();
        file.write_all(encoded.as_bytes())?;
        file.write_all(b"\n")?;
        file.sync_all()
    });
    let linked = written.and_then(|()| std::fs::hard_link(&temporary, path));
    let _ = std::fs::remove_file(&temporary);
    linked
}

/// The configured master keys: the first seals, all of them open.
#[derive(Debug)]
pub struct Keyring {
    keys: Vec<MasterKey>,
}

impl Keyring {
    /// Builds a keyring whose first key is the active one.
    ///
    /// # Panics
    /// Panics when `keys` is empty, which is a programming error: startup always loads one key.
    pub fn new(keys: Vec<MasterKey>) -> Self {
        assert!(!keys.is_empty(), "a keyring needs at least one master key");
        Self { keys }
    }

    /// Returns the ids of all keys, the active one first.
    pub fn key_ids(&self) -> Vec<&str> {
        self.keys.iter().map(MasterKey::id).collect()
    }

    /// Returns the id of the key that seals new values.
    pub fn active_key_id(&self) -> &str {
        self.keys[0].id()
    }

    /// Encrypts `plaintext` for the given organization and field with the active key and a
    /// fresh random 96-bit nonce.
    pub fn seal(&self, plaintext: &SecretString, org_id: i64, field: &str) -> String {
        let master = &self.keys[0];
        let cipher = Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(&master.key[..]));
        let nonce = Aes256Gcm::generate_nonce(&mut OsRng);
        let aad = associated_data(org_id, field);
        let payload = Payload { msg: plaintext.expose_secret().as_bytes(), aad: aad.as_bytes() };
        // AES-GCM encryption only fails for messages longer than about 64 GiB.
        let ciphertext = cipher.encrypt(&nonce, payload).expect("AES-GCM encryption of a short secret");
        format!(
            "{FORMAT_V1}:{}:{}:{}",
            master.id(),
            BASE64.encode(nonce.as_slice()),
            BASE64.encode(&ciphertext)
        )
    }

    /// Decrypts a sealed value, picking the master key by the id stored in it.
    pub fn open(&self, sealed: &str, org_id: i64, field: &str) -> Result<SecretString, OpenError> {
        let mut parts = sealed.split(':');
        let (Some(version), Some(key_id), Some(nonce), Some(ciphertext), None) =
            (parts.next(), parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(OpenError::Malformed);
        };
        if version != FORMAT_V1 {
            return Err(OpenError::UnknownVersion);
        }
        let master = self
            .keys
            .iter()
            .find(|key| key.id() == key_id)
            .ok_or_else(|| OpenError::UnknownMasterKey { key_id: key_id.to_owned() })?;
        let nonce = BASE64.decode(nonce).map_err(|_| OpenError::Malformed)?;
        let ciphertext = BASE64.decode(ciphertext).map_err(|_| OpenError::Malformed)?;
        if nonce.len() != 12 {
            return Err(OpenError::Malformed);
        }

        let cipher = Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(&master.key[..]));
        let aad = associated_data(org_id, field);
        let payload = Payload { msg: &ciphertext, aad: aad.as_bytes() };
        let plaintext = Zeroizing::new(
            cipher.decrypt(Nonce::from_slice(&nonce), payload).map_err(|_| OpenError::Authentication)?,
        );
        let text = std::str::from_utf8(&plaintext).map_err(|_| OpenError::Malformed)?;
        Ok(SecretString::from(text.to_owned()))
    }

    /// Returns the id of the master key named in a sealed value, when the value is well formed.
    pub fn key_id_of(sealed: &str) -> Option<&str> {
        let mut parts = sealed.splitn(3, ':');
        match (parts.next(), parts.next()) {
            (Some(FORMAT_V1), Some(key_id)) => Some(key_id),
            _ => None,
        }
    }
}

fn associated_data(org_id: i64, field: &str) -> String {
    format!("{AAD_LABEL}|org:{org_id}|field:{field}")
}

#[cfg(test)]
mod tests {
    use super::*;

    const FIELD: &str = "aws_secret_access_key";

    fn secret() -> SecretString {
        SecretString::from("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY".to_owned())
    }

    fn keyring() -> Keyring {
        Keyring::new(vec![MasterKey::from_bytes([7; 32])])
    }

    /// Replaces one colon-separated part of a sealed value.
    fn with_part(sealed: &str, index: usize, change: impl Fn(&str) -> String) -> String {
        let mut parts: Vec<String> = sealed.split(':').map(str::to_owned).collect();
        parts[index] = change(&parts[index]);
        parts.join(":")
    }

    fn flip_first_byte(part: &str) -> String {
        let mut bytes = BASE64.decode(part).unwrap();
        bytes[0] ^= 0x01;
        BASE64.encode(bytes)
    }

    fn flip_last_byte(part: &str) -> String {
        let mut bytes = BASE64.decode(part).unwrap();
        let last = bytes.len() - 1;
        bytes[last] ^= 0x80;
        BASE64.encode(bytes)
    }

    #[test]
    fn seal_then_open_round_trips() {
        let ring = keyring();
        let sealed = ring.seal(&secret(), 1, FIELD);
        let opened = ring.open(&sealed, 1, FIELD).unwrap();
        assert_eq!(opened.expose_secret(), secret().expose_secret());
    }

    #[test]
    fn sealed_value_names_version_and_key() {
        let ring = keyring();
        let sealed = ring.seal(&secret(), 1, FIELD);
        assert!(sealed.starts_with(&format!("v1:{}:", ring.active_key_id())));
        assert!(!sealed.contains("EXAMPLEKEY"));
        assert_eq!(Keyring::key_id_of(&sealed), Some(ring.active_key_id()));
    }

    #[test]
    fn two_seals_of_one_secret_differ() {
        let ring = keyring();
        let first = ring.seal(&secret(), 1, FIELD);
        let second = ring.seal(&secret(), 1, FIELD);
        assert_ne!(first, second);
    }

    #[test]
    fn wrong_master_key_fails() {
        let sealed = keyring().seal(&secret(), 1, FIELD);
        let other = Keyring::new(vec![MasterKey::from_bytes([8; 32])]);
        assert!(matches!(other.open(&sealed, 1, FIELD), Err(OpenError::UnknownMasterKey { .. })));
    }

    #[test]
    fn wrong_key_under_same_id_fails_authentication() {
        let ring = keyring();
        let sealed = ring.seal(&secret(), 1, FIELD);
        let other = Keyring::new(vec![MasterKey::from_bytes([8; 32])]);
        let relabelled = with_part(&sealed, 1, |_| other.active_key_id().to_owned());
        assert_eq!(other.open(&relabelled, 1, FIELD).unwrap_err(), OpenError::Authentication);
    }

    #[test]
    fn tampered_nonce_fails() {
        let ring = keyring();
        let sealed = with_part(&ring.seal(&secret(), 1, FIELD), 2, flip_first_byte);
        assert_eq!(ring.open(&sealed, 1, FIELD).unwrap_err(), OpenError::Authentication);
    }

    #[test]
    fn tampered_ciphertext_fails() {
        let ring = keyring();
        let sealed = with_part(&ring.seal(&secret(), 1, FIELD), 3, flip_first_byte);
        assert_eq!(ring.open(&sealed, 1, FIELD).unwrap_err(), OpenError::Authentication);
    }

    #[test]
    fn tampered_tag_fails() {
        let ring = keyring();
        let sealed = with_part(&ring.seal(&secret(), 1, FIELD), 3, flip_last_byte);
        assert_eq!(ring.open(&sealed, 1, FIELD).unwrap_err(), OpenError::Authentication);
    }

    #[test]
    fn other_organization_fails() {
        let ring = keyring();
        let sealed = ring.seal(&secret(), 1, FIELD);
        assert_eq!(ring.open(&sealed, 2, FIELD).unwrap_err(), OpenError::Authentication);
    }

    #[test]
    fn other_field_fails() {
        let ring = keyring();
        let sealed = ring.seal(&secret(), 1, FIELD);
        assert_eq!(ring.open(&sealed, 1, "other_field").unwrap_err(), OpenError::Authentication);
    }

    #[test]
    fn malformed_values_fail() {
        let ring = keyring();
        for sealed in ["", "v1", "v1:abc", "v1:a:b:c:d", "v2:a:b:c"] {
            assert!(ring.open(sealed, 1, FIELD).is_err(), "{sealed:?} opened");
        }
    }

    #[test]
    fn key_id_is_derived_from_key() {
        let first = MasterKey::from_bytes([7; 32]);
        let again = MasterKey::from_base64(&BASE64.encode([7u8; 32]), "test").unwrap();
        let other = MasterKey::from_bytes([8; 32]);
        assert_eq!(first.id(), again.id());
        assert_ne!(first.id(), other.id());
        assert_eq!(first.id().len(), 16);
    }

    #[test]
    fn master_key_debug_is_redacted() {
        let key = MasterKey::from_bytes([7; 32]);
        let printed = format!("{key:?}");
        assert!(printed.contains("REDACTED"));
        assert!(!printed.contains(&BASE64.encode([7u8; 32])));
    }

    #[test]
    fn malformed_master_keys_are_rejected() {
        assert!(matches!(MasterKey::from_base64("not base64!", "X"), Err(MasterKeyError::NotBase64 { .. })));
        let short = BASE64.encode([1u8; 16]);
        assert!(matches!(
            MasterKey::from_base64(&short, "X"),
            Err(MasterKeyError::WrongLength { len: 16, .. })
        ));
    }

    #[test]
    fn key_file_is_created_once_with_private_mode() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("master.key");
        let (created, source) = load_or_create_master_key(None, &path, true).unwrap();
        assert_eq!(source, MasterKeySource::GeneratedFile(path.clone()));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let (loaded, source) = load_or_create_master_key(None, &path, false).unwrap();
        assert_eq!(source, MasterKeySource::File(path));
        assert_eq!(created.id(), loaded.id());
    }

    #[test]
    fn key_list_wins_and_first_key_is_active() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("master.key");
        let list = format!("{}, {}", BASE64.encode([1u8; 32]), BASE64.encode([2u8; 32]));
        let single = BASE64.encode([3u8; 32]);
        let (ring, source) = load_keyring(Some(&list), Some(&single), &path, true).unwrap();
        assert_eq!(source, MasterKeySource::EnvironmentList);
        assert_eq!(ring.active_key_id(), MasterKey::from_bytes([1; 32]).id());
        assert_eq!(ring.key_ids().len(), 2);
        assert!(!path.exists());
    }

    #[test]
    fn old_key_in_list_still_opens() {
        let old = Keyring::new(vec![MasterKey::from_bytes([1; 32])]);
        let sealed = old.seal(&secret(), 1, FIELD);
        let rotated = Keyring::new(vec![MasterKey::from_bytes([2; 32]), MasterKey::from_bytes([1; 32])]);
        assert_eq!(rotated.open(&sealed, 1, FIELD).unwrap().expose_secret(), secret().expose_secret());
        assert!(rotated.seal(&secret(), 1, FIELD).contains(rotated.active_key_id()));
    }

    #[test]
    fn empty_or_bad_key_list_is_rejected() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("master.key");
        assert!(matches!(load_keyring(Some(" , "), None, &path, true), Err(MasterKeyError::EmptyList)));
        assert!(matches!(load_keyring(Some("abc"), None, &path, true), Err(MasterKeyError::NotBase64 { .. })));
    }

    #[test]
    fn missing_key_file_is_not_created_on_request() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("master.key");
        assert!(matches!(load_keyring(None, None, &path, false), Err(MasterKeyError::Missing { .. })));
        assert!(!path.exists());
    }

    #[test]
    fn environment_key_wins_over_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("master.key");
        let encoded = BASE64.encode([9u8; 32]);
        let (key, source) = load_or_create_master_key(Some(&encoded), &path, true).unwrap();
        assert_eq!(source, MasterKeySource::Environment);
        assert_eq!(key.id(), MasterKey::from_bytes([9; 32]).id());
        assert!(!path.exists());
    }
}
