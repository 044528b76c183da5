//! Integration tests of `Bedrock` through the real AWS SDK against the fake Bedrock server on
//! 127.0.0.1, with a fresh SQLite file per test. No test reaches AWS: every client gets the
//! fake's endpoint, and no test allows instance metadata.

use std::net::SocketAddr;
use std::sync::{Arc, Once};
use std::time::{Duration, Instant};

use aws_config::meta::credentials::CredentialsProviderChain;
use aws_config::profile::ProfileFileCredentialsProvider;
use aws_credential_types::Credentials;
use aws_runtime::env_config::file::{EnvConfigFileKind, EnvConfigFiles};
use fake_bedrock::{Config, Outcome};
use guardian_core::bedrock::DEFAULT_MODEL_ID;
use guardian_core::crypto::{Keyring, MasterKey};
use guardian_core::{Bedrock, BedrockSettings, CheckOutcome, CredentialSource, Error, Keys, Store, DEFAULT_ORG_ID};
use secrecy::SecretString;
use tempfile::TempDir;

const SECRET: &str = "fakeSecretKey/ForGuardianTests+0000000000";
const OTHER_SECRET: &str = "anotherSecretKey/NotKnownToTheFake+000000";
const SAVED_AT: i64 = 1_700_000_000;
/// Time limit of the connection check in tests; long enough for a slow CI machine.
const TEST_TOTAL_TIMEOUT: Duration = Duration::from_secs(5);

/// Keeps the SDK away from the EC2 metadata endpoint in this process, as the scripts do.
fn disable_instance_metadata() {
    static DISABLE: Once = Once::new();
    DISABLE.call_once(|| std::env::set_var("AWS_EC2_METADATA_DISABLED", "true"));
}

/// A running fake and a migrated database in its own temporary directory.
struct Fixture {
    _dir: TempDir,
    keys: Keys,
    address: SocketAddr,
}

impl Fixture {
    /// Starts the fake with one key pair per outcome; the key ID names the outcome.
    async fn new() -> Self {
        disable_instance_metadata();
        let mut config = Config::default();
        for outcome in ALL_OUTCOMES {
            config = config.with_key(&key_id(outcome), SECRET, outcome);
        }
        let (address, _task) = fake_bedrock::spawn(config).await.expect("start the fake Bedrock server");

        let dir = tempfile::tempdir().expect("create a temporary directory");
        let store = Store::connect(&Store::sqlite_url(dir.path())).await.expect("open the SQLite file");
        store.migrate().await.expect("run the migrations");
        let keys = Keys::new(store, keyring([7; 32]));
        Self { _dir: dir, keys, address }
    }

    fn settings(&self) -> BedrockSettings {
        settings_for(&format!("http://{}", self.address))
    }

    /// Builds the service with default credentials that the fake does not know, so a test
    /// that expects the organization's keys fails if the default ones are used.
    fn bedrock(&self) -> Bedrock {
        Bedrock::with_default_credentials(self.settings(), static_credentials("AKIADEFAULTUNKNOWN01", SECRET))
    }

    async fn save_keys(&self, access_key_id: &str, secret: &str) {
        self.keys
            .save(DEFAULT_ORG_ID, access_key_id, &SecretString::from(secret.to_owned()), SAVED_AT)
            .await
            .expect("save the organization's keys");
    }

    /// Saves the key pair of `outcome` and runs the connection check with it.
    async fn check_with_org_keys(&self, outcome: Outcome) -> CheckOutcome {
        self.save_keys(&key_id(outcome), SECRET).await;
        let bedrock = self.bedrock();
        let client = bedrock.client_for(&self.keys, DEFAULT_ORG_ID).await.expect("resolve the client");
        assert_eq!(client.source(), &CredentialSource::OrgKeys { access_key_id: key_id(outcome) });
        bedrock.check_connection(&client).await
    }
}

const ALL_OUTCOMES: [Outcome; 11] = [
    Outcome::Success,
    Outcome::UnrecognizedClient,
    Outcome::InvalidSignature,
    Outcome::SignatureExpired,
    Outcome::AccessDeniedInvoke,
    Outcome::AccessDeniedModelAccess,
    Outcome::ValidationOnDemand,
    Outcome::ValidationModelId,
    Outcome::Throttling,
    Outcome::Hang,
    Outcome::InternalError,
];

/// Returns a 20-character access key ID unique to `outcome`.
fn key_id(outcome: Outcome) -> String {
    let index = ALL_OUTCOMES.iter().position(|candidate| *candidate == outcome).expect("outcome is listed");
    format!("AKIAGUARDIANTEST{index:04}")
}

fn keyring(bytes: [u8; 32]) -> Arc<Keyring> {
    Arc::new(Keyring::new(vec![MasterKey::from_bytes(bytes)]))
}

fn settings_for(endpoint: &str) -> BedrockSettings {
    BedrockSettings {
        endpoint: Some(endpoint.to_owned()),
        total_timeout: TEST_TOTAL_TIMEOUT,
        ..BedrockSettings::default()
    }
}

fn static_credentials(access_key_id: &str, secret: &str) -> Credentials {
    Credentials::new(access_key_id, secret, None, None, "test")
}

/// Builds a profile provider over empty profile files, as on a machine without credentials.
fn provider_without_credentials(dir: &TempDir) -> CredentialsProviderChain {
    let config = dir.path().join("config");
    let credentials = dir.path().join("credentials");
    std::fs::write(&config, "").expect("write an empty config file");
    std::fs::write(&credentials, "").expect("write an empty credentials file");
    let files = EnvConfigFiles::builder()
        .with_file(EnvConfigFileKind::Config, config)
        .with_file(EnvConfigFileKind::Credentials, credentials)
        .build();
    let profile = ProfileFileCredentialsProvider::builder().profile_files(files).build();
    CredentialsProviderChain::first_try("Profile", profile)
}

#[tokio::test]
async fn check_succeeds_with_org_keys() {
    let fixture = Fixture::new().await;
    assert_eq!(fixture.check_with_org_keys(Outcome::Success).await, CheckOutcome::Success);
}

#[tokio::test]
async fn converse_returns_answer_text() {
    let fixture = Fixture::new().await;
    fixture.save_keys(&key_id(Outcome::Success), SECRET).await;
    let bedrock = fixture.bedrock();
    let client = bedrock.client_for(&fixture.keys, DEFAULT_ORG_ID).await.unwrap();

    let answer = bedrock.converse(&client, "What is Guardian?", 100).await;
    assert_eq!(answer, Ok(fake_bedrock::DEFAULT_ANSWER.to_owned()));

    let short_answer = bedrock.converse(&client, "What is Guardian?", 1).await;
    assert_eq!(short_answer, Ok("Guardian".to_owned()));
}

#[tokio::test]
async fn converse_maps_errors_like_check() {
    let fixture = Fixture::new().await;
    fixture.save_keys(&key_id(Outcome::Throttling), SECRET).await;
    let bedrock = fixture.bedrock();
    let client = bedrock.client_for(&fixture.keys, DEFAULT_ORG_ID).await.unwrap();
    assert_eq!(bedrock.converse(&client, "What is Guardian?", 100).await, Err(CheckOutcome::Throttled));
}

#[tokio::test]
async fn unknown_key_id_is_unrecognized() {
    let fixture = Fixture::new().await;
    fixture.save_keys("AKIANOTKNOWNTOFAKE01", SECRET).await;
    let bedrock = fixture.bedrock();
    let client = bedrock.client_for(&fixture.keys, DEFAULT_ORG_ID).await.unwrap();
    assert_eq!(bedrock.check_connection(&client).await, CheckOutcome::UnrecognizedKey);
}

#[tokio::test]
async fn deactivated_key_is_unrecognized() {
    let fixture = Fixture::new().await;
    assert_eq!(fixture.check_with_org_keys(Outcome::UnrecognizedClient).await, CheckOutcome::UnrecognizedKey);
}

#[tokio::test]
async fn wrong_secret_is_signature_mismatch() {
    let fixture = Fixture::new().await;
    fixture.save_keys(&key_id(Outcome::Success), OTHER_SECRET).await;
    let bedrock = fixture.bedrock();
    let client = bedrock.client_for(&fixture.keys, DEFAULT_ORG_ID).await.unwrap();
    assert_eq!(bedrock.check_connection(&client).await, CheckOutcome::SignatureMismatch);
}

#[tokio::test]
async fn invalid_signature_outcome_is_mismatch() {
    let fixture = Fixture::new().await;
    assert_eq!(fixture.check_with_org_keys(Outcome::InvalidSignature).await, CheckOutcome::SignatureMismatch);
}

#[tokio::test]
async fn expired_signature_is_clock_skew() {
    let fixture = Fixture::new().await;
    assert_eq!(fixture.check_with_org_keys(Outcome::SignatureExpired).await, CheckOutcome::ClockSkew);
}

#[tokio::test]
async fn invoke_denial_names_user_for_org_keys() {
    let fixture = Fixture::new().await;
    assert_eq!(
        fixture.check_with_org_keys(Outcome::AccessDeniedInvoke).await,
        CheckOutcome::MissingInvokePermission {
            user_arn: Some("arn:aws:iam::123456789012:user/guardian-bedrock".to_owned())
        }
    );
}

#[tokio::test]
async fn invoke_denial_hides_user_for_default_credentials() {
    let fixture = Fixture::new().await;
    let bedrock = Bedrock::with_default_credentials(
        fixture.settings(),
        static_credentials(&key_id(Outcome::AccessDeniedInvoke), SECRET),
    );
    let client = bedrock.client_for(&fixture.keys, DEFAULT_ORG_ID).await.unwrap();
    assert_eq!(client.source(), &CredentialSource::Default);
    assert_eq!(bedrock.check_connection(&client).await, CheckOutcome::MissingInvokePermission { user_arn: None });
}

#[tokio::test]
async fn model_access_denial_is_reported() {
    let fixture = Fixture::new().await;
    assert_eq!(fixture.check_with_org_keys(Outcome::AccessDeniedModelAccess).await, CheckOutcome::ModelAccessDenied);
}

#[tokio::test]
async fn on_demand_model_needs_inference_profile() {
    let fixture = Fixture::new().await;
    assert_eq!(fixture.check_with_org_keys(Outcome::ValidationOnDemand).await, CheckOutcome::NeedsInferenceProfile);
}

#[tokio::test]
async fn invalid_model_id_is_not_available() {
    let fixture = Fixture::new().await;
    assert_eq!(fixture.check_with_org_keys(Outcome::ValidationModelId).await, CheckOutcome::ModelNotAvailable);
}

#[tokio::test]
async fn throttling_is_reported() {
    let fixture = Fixture::new().await;
    assert_eq!(fixture.check_with_org_keys(Outcome::Throttling).await, CheckOutcome::Throttled);
}

#[tokio::test]
async fn internal_error_keeps_code_and_request_id() {
    let fixture = Fixture::new().await;
    let outcome = fixture.check_with_org_keys(Outcome::InternalError).await;
    let CheckOutcome::Other { code, request_id } = outcome else {
        panic!("expected CheckOutcome::Other, got {outcome:?}");
    };
    assert_eq!(code.as_deref(), Some("InternalServerException"));
    let request_id = request_id.expect("the fake sends x-amzn-RequestId");
    assert_eq!(request_id.len(), 36, "request ID {request_id} is not a UUID");
}

#[tokio::test]
async fn closed_port_is_unreachable() {
    let fixture = Fixture::new().await;
    fixture.save_keys(&key_id(Outcome::Success), SECRET).await;
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind a free port");
    let closed = listener.local_addr().unwrap();
    drop(listener);

    let bedrock = Bedrock::with_default_credentials(
        settings_for(&format!("http://{closed}")),
        static_credentials("AKIAUNUSED0000000001", SECRET),
    );
    let client = bedrock.client_for(&fixture.keys, DEFAULT_ORG_ID).await.unwrap();
    assert_eq!(bedrock.check_connection(&client).await, CheckOutcome::Unreachable);
}

#[tokio::test]
async fn silent_endpoint_times_out_in_time() {
    let fixture = Fixture::new().await;
    fixture.save_keys(&key_id(Outcome::Hang), SECRET).await;
    let settings = BedrockSettings { total_timeout: Duration::from_millis(500), ..fixture.settings() };
    let bedrock = Bedrock::with_default_credentials(settings, static_credentials("AKIAUNUSED0000000001", SECRET));
    let client = bedrock.client_for(&fixture.keys, DEFAULT_ORG_ID).await.unwrap();

    let started = Instant::now();
    let outcome = bedrock.check_connection(&client).await;
    let elapsed = started.elapsed();
    assert_eq!(outcome, CheckOutcome::TimedOut);
    assert!(elapsed >= Duration::from_millis(400), "returned after {elapsed:?}, before the time limit");
    assert!(elapsed < Duration::from_secs(3), "returned after {elapsed:?}, long past the 500 ms limit");
}

#[tokio::test]
async fn silent_endpoint_times_out_converse() {
    let fixture = Fixture::new().await;
    fixture.save_keys(&key_id(Outcome::Hang), SECRET).await;
    let settings = BedrockSettings { answer_timeout: Duration::from_millis(500), ..fixture.settings() };
    let bedrock = Bedrock::with_default_credentials(settings, static_credentials("AKIAUNUSED0000000001", SECRET));
    let client = bedrock.client_for(&fixture.keys, DEFAULT_ORG_ID).await.unwrap();

    let started = Instant::now();
    let answer = bedrock.converse(&client, "What is Guardian?", 100).await;
    let elapsed = started.elapsed();
    assert_eq!(answer, Err(CheckOutcome::TimedOut));
    assert!(elapsed < Duration::from_secs(3), "returned after {elapsed:?}, long past the 500 ms limit");
}

#[tokio::test]
async fn default_credentials_used_without_keys() {
    let fixture = Fixture::new().await;
    let bedrock =
        Bedrock::with_default_credentials(fixture.settings(), static_credentials(&key_id(Outcome::Success), SECRET));

    let client = bedrock.client_for(&fixture.keys, DEFAULT_ORG_ID).await.unwrap();
    assert_eq!(client.source(), &CredentialSource::Default);
    assert_eq!(bedrock.check_connection(&client).await, CheckOutcome::Success);
    assert!(bedrock.has_default_credentials().await);
}

#[tokio::test]
async fn saved_keys_win_over_default_credentials() {
    let fixture = Fixture::new().await;
    fixture.save_keys(&key_id(Outcome::Throttling), SECRET).await;
    let bedrock =
        Bedrock::with_default_credentials(fixture.settings(), static_credentials(&key_id(Outcome::Success), SECRET));

    let client = bedrock.client_for(&fixture.keys, DEFAULT_ORG_ID).await.unwrap();
    assert_eq!(client.source(), &CredentialSource::OrgKeys { access_key_id: key_id(Outcome::Throttling) });
    assert_eq!(bedrock.check_connection(&client).await, CheckOutcome::Throttled);
}

#[tokio::test]
async fn missing_default_credentials_reported_at_once() {
    let fixture = Fixture::new().await;
    let empty_home = tempfile::tempdir().unwrap();
    let bedrock = Bedrock::with_default_credentials(fixture.settings(), provider_without_credentials(&empty_home));
    let client = bedrock.client_for(&fixture.keys, DEFAULT_ORG_ID).await.unwrap();
    assert_eq!(client.source(), &CredentialSource::Default);

    let started = Instant::now();
    let outcome = bedrock.check_connection(&client).await;
    assert_eq!(outcome, CheckOutcome::NoDefaultCredentials);
    assert!(started.elapsed() < Duration::from_secs(2), "took {:?}", started.elapsed());
    assert!(!bedrock.has_default_credentials().await);
}

/// Runs the real default chain, whose result depends on this machine's environment: either it
/// finds credentials, which the fake does not know, or it reports that there are none. Either
/// way it must return quickly because the metadata providers are left out.
#[tokio::test]
async fn platform_chain_answers_quickly() {
    let fixture = Fixture::new().await;
    let bedrock = Bedrock::new(fixture.settings()).await;
    let client = bedrock.client_for(&fixture.keys, DEFAULT_ORG_ID).await.unwrap();

    let started = Instant::now();
    let has_credentials = bedrock.has_default_credentials().await;
    let outcome = bedrock.check_connection(&client).await;
    let elapsed = started.elapsed();

    assert!(elapsed < Duration::from_secs(3), "the default chain took {elapsed:?}");
    if has_credentials {
        assert_eq!(outcome, CheckOutcome::UnrecognizedKey);
    } else {
        assert_eq!(outcome, CheckOutcome::NoDefaultCredentials);
    }
}

#[tokio::test]
async fn replaced_keys_get_new_client() {
    let fixture = Fixture::new().await;
    fixture.save_keys(&key_id(Outcome::Success), SECRET).await;
    let bedrock = fixture.bedrock();
    let first = bedrock.client_for(&fixture.keys, DEFAULT_ORG_ID).await.unwrap();
    assert_eq!(bedrock.check_connection(&first).await, CheckOutcome::Success);

    // The same Bedrock service, so a client kept from before the replace would sign with the old pair.
    let new_key_id = key_id(Outcome::AccessDeniedInvoke);
    fixture.keys.replace(DEFAULT_ORG_ID, &new_key_id, &SecretString::from(SECRET.to_owned()), SAVED_AT + 1).await.unwrap();
    let second = bedrock.client_for(&fixture.keys, DEFAULT_ORG_ID).await.unwrap();

    assert_eq!(second.source(), &CredentialSource::OrgKeys { access_key_id: new_key_id });
    assert!(matches!(bedrock.check_connection(&second).await, CheckOutcome::MissingInvokePermission { .. }));
}

#[tokio::test]
async fn deleted_keys_get_default_client() {
    let fixture = Fixture::new().await;
    fixture.save_keys(&key_id(Outcome::Success), SECRET).await;
    let bedrock = fixture.bedrock();
    bedrock.client_for(&fixture.keys, DEFAULT_ORG_ID).await.unwrap();

    fixture.keys.delete(DEFAULT_ORG_ID).await.unwrap();
    let client = bedrock.client_for(&fixture.keys, DEFAULT_ORG_ID).await.unwrap();

    assert_eq!(client.source(), &CredentialSource::Default);
}

#[tokio::test]
async fn unreadable_keys_never_fall_back() {
    let fixture = Fixture::new().await;
    fixture.save_keys(&key_id(Outcome::Success), SECRET).await;
    // The same database opened with another master key cannot decrypt the saved secret.
    let other_keys = Keys::new(fixture.keys.store().clone(), keyring([8; 32]));
    let bedrock =
        Bedrock::with_default_credentials(fixture.settings(), static_credentials(&key_id(Outcome::Success), SECRET));

    let result = bedrock.client_for(&other_keys, DEFAULT_ORG_ID).await;
    assert!(matches!(result, Err(Error::KeysUnreadable)), "expected KeysUnreadable, got {result:?}");
}

#[tokio::test]
async fn debug_output_hides_secret() {
    let fixture = Fixture::new().await;
    fixture.save_keys(&key_id(Outcome::Success), SECRET).await;
    let bedrock =
        Bedrock::with_default_credentials(fixture.settings(), static_credentials("AKIADEFAULT000000001", OTHER_SECRET));
    let client = bedrock.client_for(&fixture.keys, DEFAULT_ORG_ID).await.unwrap();

    let printed = format!("{client:?} {bedrock:?} {:?}", client.client());
    assert!(printed.contains(&key_id(Outcome::Success)), "{printed}");
    assert!(!printed.contains(SECRET), "{printed}");
    assert!(!printed.contains(OTHER_SECRET), "{printed}");
}

#[test]
fn default_settings_are_safe() {
    let settings = BedrockSettings::default();
    assert_eq!(settings.region, "us-east-1");
    assert_eq!(settings.model_id, DEFAULT_MODEL_ID);
    assert_eq!(settings.endpoint, None);
    assert!(!settings.allow_instance_metadata);
    assert!(settings.total_timeout <= Duration::from_secs(15));
}

#[test]
fn every_outcome_has_a_message() {
    let outcomes = [
        CheckOutcome::Success,
        CheckOutcome::UnrecognizedKey,
        CheckOutcome::SignatureMismatch,
        CheckOutcome::ClockSkew,
        CheckOutcome::MissingInvokePermission { user_arn: Some("arn:aws:iam::123456789012:user/x".to_owned()) },
        CheckOutcome::MissingInvokePermission { user_arn: None },
        CheckOutcome::ModelAccessDenied,
        CheckOutcome::NeedsInferenceProfile,
        CheckOutcome::ModelNotAvailable,
        CheckOutcome::Throttled,
        CheckOutcome::Unreachable,
        CheckOutcome::TimedOut,
        CheckOutcome::NoDefaultCredentials,
        CheckOutcome::Other { code: None, request_id: None },
    ];
    let settings = BedrockSettings::default();
    for outcome in outcomes {
        let message = outcome.message(&settings);
        assert!(message.ends_with('.'), "{outcome:?}: {message}");
        assert_eq!(outcome.is_success(), outcome == CheckOutcome::Success, "{outcome:?}");
    }
}

#[test]
fn unreachable_message_names_the_configured_endpoint() {
    let default = CheckOutcome::Unreachable.message(&BedrockSettings::default());
    assert!(default.contains("bedrock-runtime.us-east-1.amazonaws.com"), "{default}");

    let custom = settings_for("http://127.0.0.1:9");
    for outcome in [CheckOutcome::Unreachable, CheckOutcome::TimedOut] {
        let message = outcome.message(&custom);
        assert!(message.contains("http://127.0.0.1:9"), "{outcome:?}: {message}");
        assert!(!message.contains("amazonaws.com"), "{outcome:?}: {message}");
    }
}
