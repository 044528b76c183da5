//! Credential resolution of one Bedrock call (`Bedrock::client_for`): read the organization's
//! stored key pair from a SQLite file and return its SDK client. The target is under 100 µs per
//! call. `bench/run.sh` runs this with a short measurement time.
//!
//! `client_for` reuses the client it built while the stored value stays the same, which is
//! the steady state. `client_for_changed` measures the call right after a replace, when it
//! also decrypts the secret and builds a new client; the replace itself is not timed. The steps
//! inside are measured too: `read_pair` (the query plus decryption) and `keyring_open`
//! (decryption alone).
//!
//! Nothing here opens a connection: the endpoint is 127.0.0.1:9 and no request is sent.

use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};

use aws_credential_types::Credentials;
use criterion::{criterion_group, criterion_main, Criterion};
use guardian_core::crypto::{Keyring, MasterKey};
use guardian_core::keys::SECRET_FIELD;
use guardian_core::{Bedrock, BedrockSettings, CredentialSource, Keys, Store, DEFAULT_ORG_ID};
use secrecy::SecretString;
use tempfile::TempDir;

const ACCESS_KEY_ID: &str = "AKIAIOSFODNN7EXAMPLE";
const SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
const SAVED_AT: i64 = 1_700_000_000;
/// Endpoint on loopback port 9 (discard), where nothing listens. The benchmark sends no request.
const UNUSED_ENDPOINT: &str = "http://127.0.0.1:9";

/// A migrated SQLite file containing one saved key pair, and the services that read it.
struct Fixture {
    _dir: TempDir,
    keyring: Arc<Keyring>,
    keys: Keys,
    bedrock: Bedrock,
    sealed: String,
}

async fn fixture() -> Fixture {
    let dir = tempfile::tempdir().expect("create a temporary directory");
    let store = Store::connect(&Store::sqlite_url(dir.path())).await.expect("open the SQLite file");
    store.migrate().await.expect("run the migrations");

    let keyring = Arc::new(Keyring::new(vec![MasterKey::from_bytes([7; 32])]));
    let keys = Keys::new(store.clone(), keyring.clone());
    let secret = SecretString::from(SECRET.to_owned());
    keys.save(DEFAULT_ORG_ID, ACCESS_KEY_ID, &secret, SAVED_AT).await.expect("save the key pair");
    let sealed: String = sqlx::query_scalar("SELECT sealed_secret FROM bedrock_keys WHERE org_id = $1")
        .bind(DEFAULT_ORG_ID)
        .fetch_one(store.pool())
        .await
        .expect("read the sealed secret");

    let settings = BedrockSettings { endpoint: Some(UNUSED_ENDPOINT.to_owned()), ..BedrockSettings::default() };
    let default_credentials = Credentials::new("AKIADEFAULTUNUSED001", SECRET, None, None, "bench");
    let bedrock = Bedrock::with_default_credentials(settings, default_credentials);
    Fixture { _dir: dir, keyring, keys, bedrock, sealed }
}

fn resolve(c: &mut Criterion) {
    // Keeps the AWS SDK away from the EC2 metadata endpoint, as the scripts do. Set before the
    // runtime starts, while this is the only thread.
    std::env::set_var("AWS_EC2_METADATA_DISABLED", "true");
    let runtime = tokio::runtime::Runtime::new().expect("start the Tokio runtime");
    let fixture = runtime.block_on(fixture());

    // Fails here, not in the figures, if the stored keys are not the ones resolved.
    let resolved = runtime.block_on(fixture.bedrock.client_for(&fixture.keys, DEFAULT_ORG_ID)).expect("resolve the client");
    assert_eq!(resolved.source(), &CredentialSource::OrgKeys { access_key_id: ACCESS_KEY_ID.to_owned() });

    let mut group = c.benchmark_group("resolve");
    group.bench_function("client_for", |b| {
        b.to_async(&runtime).iter(|| async {
            let client = fixture.bedrock.client_for(&fixture.keys, DEFAULT_ORG_ID).await.expect("resolve the client");
            black_box(client)
        })
    });
    group.bench_function("read_pair", |b| {
        b.to_async(&runtime).iter(|| async {
            let pair = fixture.keys.read_pair(DEFAULT_ORG_ID).await.expect("read the key pair");
            black_box(pair)
        })
    });
    group.bench_function("keyring_open", |b| {
        b.iter(|| {
            let secret = fixture.keyring.open(black_box(&fixture.sealed), DEFAULT_ORG_ID, SECRET_FIELD).expect("decrypt");
            black_box(secret)
        })
    });
    group.finish();

    // Each iteration replaces the keys first (about a millisecond, untimed), so this group
    // measures for a shorter time to keep the run short.
    let mut changed = c.benchmark_group("resolve_changed");
    changed.measurement_time(Duration::from_millis(500)).sample_size(10);
    let secret = SecretString::from(SECRET.to_owned());
    changed.bench_function("client_for_changed", |b| {
        b.to_async(&runtime).iter_custom(|iterations| {
            let (keys, bedrock, secret) = (&fixture.keys, &fixture.bedrock, &secret);
            async move {
                let mut timed = Duration::ZERO;
                for _ in 0..iterations {
                    keys.replace(DEFAULT_ORG_ID, ACCESS_KEY_ID, secret, SAVED_AT).await.expect("replace the key pair");
                    let started = Instant::now();
                    let client = bedrock.client_for(keys, DEFAULT_ORG_ID).await.expect("resolve the client");
                    timed += started.elapsed();
                    black_box(client);
                }
                timed
            }
        })
    });
    changed.finish();
}

criterion_group!(benches, resolve);
criterion_main!(benches);
