//! Amazon Bedrock access: which credentials a call uses, the connection check and Guardian's
//! answers through the Converse API.
//!
//! An organization's saved key pair wins. Without one, Guardian uses the platform's default
//! credentials: environment variables, then the shared profile files, then a web identity token.
//! The EC2 and ECS metadata endpoints are only asked when [`BedrockSettings::allow_instance_metadata`]
//! is set, so a machine without credentials reports that at once instead of waiting on a metadata
//! endpoint that does not exist.

use std::collections::HashMap;
use std::fmt;
use std::sync::Mutex;
use std::time::Duration;

use aws_config::default_provider::credentials::DefaultCredentialsChain;
use aws_config::environment::credentials::EnvironmentVariableCredentialsProvider;
use aws_config::meta::credentials::CredentialsProviderChain;
use aws_config::profile::ProfileFileCredentialsProvider;
use aws_config::provider_config::ProviderConfig;
use aws_config::web_identity_token::WebIdentityTokenCredentialsProvider;
use aws_credential_types::provider::error::CredentialsError;
use aws_credential_types::provider::{future, ProvideCredentials, SharedCredentialsProvider};
use aws_credential_types::Credentials;
use aws_sdk_bedrockruntime::config::retry::RetryConfig;
use aws_sdk_bedrockruntime::config::timeout::TimeoutConfig;
use aws_sdk_bedrockruntime::config::{BehaviorVersion, IdentityCache, Region, SharedAsyncSleep, SharedHttpClient};
use aws_sdk_bedrockruntime::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_bedrockruntime::operation::converse::{ConverseError, ConverseOutput};
use aws_sdk_bedrockruntime::operation::RequestId;
use aws_sdk_bedrockruntime::types::{
    ContentBlock, ConversationRole, ConverseOutput as ConverseContent, InferenceConfiguration, Message,
};
use aws_sdk_bedrockruntime::Client;
use aws_smithy_async::rt::sleep::TokioSleep;
use aws_smithy_http_client::tls::{self, rustls_provider::CryptoMode};
use secrecy::ExposeSecret;

use crate::{Error, Keys};

/// Region used when the settings name none.
pub const DEFAULT_REGION: &str = "us-east-1";
/// Model used when the settings name none: the US cross-Region inference profile of Claude
/// Sonnet 4, which must be called from a US Region such as the default us-east-1.
pub const DEFAULT_MODEL_ID: &str = "us.anthropic.claude-sonnet-4-20250514-v1:0";
/// Upper bound of the connection check, whatever [`BedrockSettings::total_timeout`] is set to,
/// so that a settings page never waits longer.
pub const MAX_CHECK_TIMEOUT: Duration = Duration::from_secs(15);
/// Prompt of the connection check, which requests one output token.
const CHECK_PROMPT: &str = "Reply with OK.";
/// Provider name recorded in credentials built from an organization's saved keys.
const ORG_KEYS_PROVIDER: &str = "GuardianOrganizationKeys";

/// Settings of Guardian's Bedrock calls: Region, model, endpoint, credential sources and time limits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BedrockSettings {
    /// AWS Region of the Bedrock Runtime endpoint, such as `us-east-1`.
    pub region: String,
    /// Model ID, inference profile ID or ARN passed to Converse.
    pub model_id: String,
    /// Endpoint URL that replaces the Region's Bedrock Runtime endpoint; tests use it.
    pub endpoint: Option<String>,
    /// Whether the default credentials may come from the EC2 instance metadata service or
    /// the ECS container endpoint.
    pub allow_instance_metadata: bool,
    /// Limit on opening the TCP and TLS connection.
    pub connect_timeout: Duration,
    /// Limit on one HTTP attempt, including reading the whole response.
    pub attempt_timeout: Duration,
    /// Limit on the connection check as a whole, capped at [`MAX_CHECK_TIMEOUT`].
    pub total_timeout: Duration,
    /// Limit on one call of [`Bedrock::converse`], which may generate many tokens.
    pub answer_timeout: Duration,
}

impl Default for BedrockSettings {
    fn default() -> Self {
        Self {
            region: DEFAULT_REGION.to_owned(),
            model_id: DEFAULT_MODEL_ID.to_owned(),
            endpoint: None,
            allow_instance_metadata: false,
            connect_timeout: Duration::from_secs(3),
            attempt_timeout: Duration::from_secs(15),
            total_timeout: MAX_CHECK_TIMEOUT,
            answer_timeout: Duration::from_secs(60),
        }
    }
}

/// Credential source of a [`ResolvedClient`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CredentialSource {
    /// The organization's saved key pair.
    OrgKeys { access_key_id: String },
    /// The platform's default credentials.
    Default,
}

/// A Bedrock Runtime client bound to one credential source.
#[derive(Clone)]
pub struct ResolvedClient {
    client: Client,
    source: CredentialSource,
}

impl ResolvedClient {
    /// Returns the SDK client.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// Returns the credential source the client signs with.
    pub fn source(&self) -> &CredentialSource {
        &self.source
    }
}

impl fmt::Debug for ResolvedClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ResolvedClient").field("source", &self.source).finish_non_exhaustive()
    }
}

/// Result of one call to Bedrock, named by what the operator must fix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CheckOutcome {
    /// The model returned a response.
    Success,
    /// AWS does not know the access key ID (`UnrecognizedClientException`).
    UnrecognizedKey,
    /// The secret access key does not match the access key ID (`InvalidSignatureException`).
    SignatureMismatch,
    /// The signing time is more than 15 minutes from AWS's clock (`InvalidSignatureException`
    /// saying the signature expired or is not yet current).
    ClockSkew,
    /// The identity may not call `bedrock:InvokeModel` (`AccessDeniedException`). The ARN is the
    /// IAM identity AWS named, given only for an organization's own keys.
    MissingInvokePermission { user_arn: Option<String> },
    /// The account has not been given access to the model (`AccessDeniedException`).
    ModelAccessDenied,
    /// The model must be called through an inference profile (`ValidationException`).
    NeedsInferenceProfile,
    /// The model ID is invalid or the model is not offered in the Region.
    ModelNotAvailable,
    /// The account's request quota is used up for now (`ThrottlingException`).
    Throttled,
    /// No connection to the endpoint could be opened.
    Unreachable,
    /// The endpoint did not respond within the time limit.
    TimedOut,
    /// No keys are saved and the platform has no default credentials.
    NoDefaultCredentials,
    /// Any other failure; the full error is in the server log.
    Other { code: Option<String>, request_id: Option<String> },
}

impl CheckOutcome {
    /// Tells whether the model returned a response.
    pub fn is_success(&self) -> bool {
        matches!(self, CheckOutcome::Success)
    }

    /// Returns a stable snake_case name of the variant, for logs and the web layer.
    pub fn kind(&self) -> &'static str {
        match self {
            CheckOutcome::Success => "success",
            CheckOutcome::UnrecognizedKey => "unrecognized_key",
            CheckOutcome::SignatureMismatch => "signature_mismatch",
            CheckOutcome::ClockSkew => "clock_skew",
            CheckOutcome::MissingInvokePermission { .. } => "missing_invoke_permission",
            CheckOutcome::ModelAccessDenied => "model_access_denied",
            CheckOutcome::NeedsInferenceProfile => "needs_inference_profile",
            CheckOutcome::ModelNotAvailable => "model_not_available",
            CheckOutcome::Throttled => "throttled",
            CheckOutcome::Unreachable => "unreachable",
            CheckOutcome::TimedOut => "timed_out",
            CheckOutcome::NoDefaultCredentials => "no_default_credentials",
            CheckOutcome::Other { .. } => "other",
        }
    }

    /// Describes what went wrong and what the operator should do next, for the settings page.
    pub fn message(&self, settings: &BedrockSettings) -> String {
        let (region, model_id) = (&settings.region, &settings.model_id);
        // An endpoint setting replaces the Region's endpoint, so the messages name what was called.
        let endpoint = match &settings.endpoint {
            Some(endpoint) => endpoint.clone(),
            None => format!("bedrock-runtime.{region}.amazonaws.com"),
        };
        let connections = match &settings.endpoint {
            Some(_) => "open connections to it",
            None => "open HTTPS connections to it on port 443",
        };
        match self {
            CheckOutcome::Success => format!("Connected: the model {model_id} responded in {region}."),
            CheckOutcome::UnrecognizedKey => "AWS does not recognize the access key ID. Check that the whole key ID \
                 was copied and that the key is shown as Active under Security credentials of the IAM user. If the key \
                 was deleted or deactivated, create a new access key and save it here."
                .to_owned(),
            CheckOutcome::SignatureMismatch => "AWS rejected the request signature, so the secret access key does \
                 not belong to this access key ID. Paste the secret access key again exactly as it was shown when \
                 the key was created. AWS shows a secret only once, so create a new access key if it is lost."
                .to_owned(),
            CheckOutcome::ClockSkew => "AWS rejected the request because this server's clock differs from AWS's \
                 clock by more than 15 minutes. Synchronize the server's clock with NTP (for example with chrony or \
                 systemd-timesyncd), then check again."
                .to_owned(),
            CheckOutcome::MissingInvokePermission { user_arn } => {
                let identity = match user_arn {
                    Some(arn) => format!("The IAM identity {arn}"),
                    None => "The IAM identity behind these credentials".to_owned(),
                };
                format!(
                    "{identity} is not allowed to call bedrock:InvokeModel on {model_id} in {region}. Attach an IAM \
                     policy that allows bedrock:InvokeModel and bedrock:InvokeModelWithResponseStream on the model, \
                     or on the inference profile and the foundation models it routes to. Check also that no \
                     permissions boundary or service control policy denies these actions, then check again."
                )
            }
            CheckOutcome::ModelAccessDenied => format!(
                "The AWS account has no access to the model {model_id} in {region}. Open Model access in the Amazon \
                 Bedrock console for {region} and request access to the model. For Anthropic models, submit the use \
                 case details first. Wait until the model shows Access granted, then check again. The identity also \
                 needs aws-marketplace:Subscribe and aws-marketplace:ViewSubscriptions the first time a model is used."
            ),
            CheckOutcome::NeedsInferenceProfile => format!(
                "The model {model_id} cannot be called on demand by its model ID in {region}. Use the ID of an \
                 inference profile that contains the model instead, such as the ID with the us., eu. or apac. \
                 prefix of your Region's geography. The Cross-region inference page of the Amazon Bedrock console \
                 lists the profiles."
            ),
            CheckOutcome::ModelNotAvailable => format!(
                "The model ID {model_id} is invalid or the model is not offered in {region}. Compare the ID with the \
                 model catalog of the Amazon Bedrock console for {region}, and use an inference profile whose prefix \
                 (us., eu., apac.) matches the Region."
            ),
            CheckOutcome::Throttled => format!(
                "Amazon Bedrock throttled the request because the account's quota for {model_id} in {region} is used \
                 up for now. Wait a minute and check again. If this persists, request a higher quota in the Service \
                 Quotas console."
            ),
            CheckOutcome::Unreachable => format!(
                "Could not connect to Amazon Bedrock at {endpoint}. Check that this server resolves the name and can \
                 {connections} (DNS, firewall, proxy), and that the Region {region} is correct."
            ),
            CheckOutcome::TimedOut => format!(
                "Amazon Bedrock at {endpoint} did not answer in time. Check the network path to it (proxy, firewall) \
                 and try again. If this persists, look for Amazon Bedrock events in {region} on the AWS Health \
                 Dashboard."
            ),
            // The message also shows on onboarding's last step, which has no key form.
            CheckOutcome::NoDefaultCredentials => "No keys are saved and this server has no default AWS \
                 credentials. Save an access key pair under Settings → AI Settings → API Keys, or give the \
                 server credentials through the AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY environment \
                 variables or a profile in ~/.aws/credentials, then check again."
                .to_owned(),
            CheckOutcome::Other { code, request_id } => {
                let mut message = match code {
                    Some(code) => format!("Amazon Bedrock returned an unexpected error ({code})."),
                    None => "The call to Amazon Bedrock failed unexpectedly.".to_owned(),
                };
                message.push_str(" The server log has the details. Try again later");
                match request_id {
                    Some(request_id) => message
                        .push_str(&format!(", and if this persists, give AWS Support the request ID {request_id}.")),
                    None => message.push('.'),
                }
                message
            }
        }
    }
}

/// Bedrock access shared by every request: the settings, one HTTP client for all SDK clients
/// and the platform's default credentials.
pub struct Bedrock {
    settings: BedrockSettings,
    http_client: SharedHttpClient,
    default_credentials: SharedCredentialsProvider,
    default_client: Client,
    // Building an SDK client costs more than reading the stored row, so each organization's
    // client is kept until its stored ciphertext changes (replace, delete or key rotation, also
    // on another replica).
    org_clients: Mutex<HashMap<i64, CachedClient>>,
}

/// An organization's client and the stored value it was built from.
struct CachedClient {
    sealed: String,
    client: ResolvedClient,
}

impl fmt::Debug for Bedrock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Bedrock").field("settings", &self.settings).finish_non_exhaustive()
    }
}

impl Bedrock {
    /// Builds the shared HTTP client and the default credential chain: environment variables,
    /// shared profile files and web identity token, plus the ECS and EC2 metadata providers
    /// only when `settings.allow_instance_metadata` is set.
    pub async fn new(settings: BedrockSettings) -> Self {
        let http_client = https_client();
        let default_credentials = if settings.allow_instance_metadata {
            // NOTE: no test covers this branch, because it would contact the metadata endpoints.
            let chain = DefaultCredentialsChain::builder()
                .configure(provider_config(&settings, &http_client))
                .region(Region::new(settings.region.clone()))
                .build()
                .await;
            SharedCredentialsProvider::new(chain)
        } else {
            SharedCredentialsProvider::new(chain_without_instance_metadata(&settings, &http_client))
        };
        Self::build(settings, http_client, default_credentials)
    }

    /// Builds the service with `default_credentials` in place of the platform's chain, for tests
    /// and for embedders that resolve credentials themselves.
    pub fn with_default_credentials(
        settings: BedrockSettings,
        default_credentials: impl ProvideCredentials + 'static,
    ) -> Self {
        Self::build(settings, https_client(), SharedCredentialsProvider::new(default_credentials))
    }

    fn build(
        settings: BedrockSettings,
        http_client: SharedHttpClient,
        default_credentials: SharedCredentialsProvider,
    ) -> Self {
        // The default client keeps the SDK's lazy identity cache, so temporary credentials from a
        // profile or web identity are fetched once and refreshed before they expire.
        let config = config_builder(&settings, &http_client).credentials_provider(default_credentials.clone()).build();
        Self {
            default_client: Client::from_conf(config),
            settings,
            http_client,
            default_credentials,
            org_clients: Mutex::default(),
        }
    }

    /// Returns the settings.
    pub fn settings(&self) -> &BedrockSettings {
        &self.settings
    }

    /// Tells whether the default credential chain currently finds credentials. The lookup is
    /// bounded by the check's time limit.
    pub async fn has_default_credentials(&self) -> bool {
        let lookup = self.default_credentials.provide_credentials();
        matches!(tokio::time::timeout(self.check_timeout(), lookup).await, Ok(Ok(_)))
    }

    /// Builds the client for an organization: with its saved keys when there are some, otherwise
    /// with the default credentials. Fails with [`Error::KeysUnreadable`] when saved keys cannot be
    /// decrypted, and never falls back to the default credentials then.
    pub async fn client_for(&self, keys: &Keys, org_id: i64) -> Result<ResolvedClient, Error> {
        let Some(pair) = keys.sealed_pair(org_id).await? else {
            self.cached_clients().remove(&org_id);
            return Ok(ResolvedClient { client: self.default_client.clone(), source: CredentialSource::Default });
        };
        if let Some(cached) = self.cached_clients().get(&org_id).filter(|cached| cached.sealed == pair.sealed()) {
            return Ok(cached.client.clone());
        }

        let secret = keys.open_pair(org_id, &pair).await?;
        let credentials =
            Credentials::new(pair.access_key_id.clone(), secret.expose_secret(), None, None, ORG_KEYS_PROVIDER);
        let config =
            self.config_builder().credentials_provider(credentials).identity_cache(IdentityCache::no_cache()).build();
        let client = ResolvedClient {
            client: Client::from_conf(config),
            source: CredentialSource::OrgKeys { access_key_id: pair.access_key_id.clone() },
        };
        self.cached_clients().insert(org_id, CachedClient { sealed: pair.sealed().to_owned(), client: client.clone() });
        Ok(client)
    }

    fn cached_clients(&self) -> std::sync::MutexGuard<'_, HashMap<i64, CachedClient>> {
        // The map holds no invariant that a panic elsewhere could break, so a poisoned lock is
        // still usable.
        self.org_clients.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Sends one Converse request for a single output token to the configured model, without
    /// retries, and names the result. Returns within [`BedrockSettings::total_timeout`], capped
    /// at [`MAX_CHECK_TIMEOUT`].
    pub async fn check_connection(&self, client: &ResolvedClient) -> CheckOutcome {
        let message = match user_message(CHECK_PROMPT) {
            Ok(message) => message,
            Err(outcome) => return outcome,
        };
        let request = client
            .client
            .converse()
            .model_id(&self.settings.model_id)
            .messages(message)
            .inference_config(InferenceConfiguration::builder().max_tokens(1).build())
            .send();

        let outcome = match tokio::time::timeout(self.check_timeout(), request).await {
            Ok(Ok(_output)) => CheckOutcome::Success,
            Ok(Err(error)) => classify_error(&error, &client.source),
            Err(_elapsed) => CheckOutcome::TimedOut,
        };
        self.log_outcome("connection check", &outcome, &client.source);
        outcome
    }

    /// Asks the configured model `question` and returns the text of its answer, bounded by
    /// [`BedrockSettings::answer_timeout`]. Failures map to the outcomes of the check.
    pub async fn converse(
        &self,
        client: &ResolvedClient,
        question: &str,
        max_tokens: i32,
    ) -> Result<String, CheckOutcome> {
        let message = user_message(question)?;
        let timeouts = TimeoutConfig::builder()
            .connect_timeout(self.settings.connect_timeout)
            .operation_attempt_timeout(self.settings.answer_timeout)
            .operation_timeout(self.settings.answer_timeout)
            .build();
        let request = client
            .client
            .converse()
            .model_id(&self.settings.model_id)
            .messages(message)
            .inference_config(InferenceConfiguration::builder().max_tokens(max_tokens).build())
            .customize()
            .config_override(aws_sdk_bedrockruntime::Config::builder().timeout_config(timeouts))
            .send();

        let result = match tokio::time::timeout(self.settings.answer_timeout, request).await {
            Ok(Ok(output)) => answer_text(&output),
            Ok(Err(error)) => Err(classify_error(&error, &client.source)),
            Err(_elapsed) => Err(CheckOutcome::TimedOut),
        };
        if let Err(outcome) = &result {
            self.log_outcome("answer", outcome, &client.source);
        }
        result
    }

    fn check_timeout(&self) -> Duration {
        check_timeout(&self.settings)
    }

    fn config_builder(&self) -> aws_sdk_bedrockruntime::config::Builder {
        config_builder(&self.settings, &self.http_client)
    }

    fn log_outcome(&self, operation: &str, outcome: &CheckOutcome, source: &CredentialSource) {
        let (source_name, access_key_id) = match source {
            CredentialSource::OrgKeys { access_key_id } => ("organization keys", access_key_id.as_str()),
            CredentialSource::Default => ("default credentials", ""),
        };
        let model_id = self.settings.model_id.as_str();
        let region = self.settings.region.as_str();
        if outcome.is_success() {
            tracing::info!(operation, source = source_name, access_key_id, model_id, region, "Bedrock call succeeded");
        } else {
            tracing::warn!(
                operation,
                source = source_name,
                access_key_id,
                model_id,
                region,
                outcome = outcome.kind(),
                "Bedrock call failed"
            );
        }
    }
}

fn check_timeout(settings: &BedrockSettings) -> Duration {
    settings.total_timeout.min(MAX_CHECK_TIMEOUT)
}

/// Starts an SDK configuration with the Region, endpoint, shared HTTP client, time limits and
/// no retries; the caller adds the credentials.
fn config_builder(
    settings: &BedrockSettings,
    http_client: &SharedHttpClient,
) -> aws_sdk_bedrockruntime::config::Builder {
    let timeouts = TimeoutConfig::builder()
        .connect_timeout(settings.connect_timeout)
        .operation_attempt_timeout(settings.attempt_timeout)
        .operation_timeout(check_timeout(settings))
        .build();
    let mut builder = aws_sdk_bedrockruntime::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(settings.region.clone()))
        .http_client(http_client.clone())
        .sleep_impl(SharedAsyncSleep::new(TokioSleep::new()))
        .timeout_config(timeouts)
        .retry_config(RetryConfig::disabled());
    if let Some(endpoint) = &settings.endpoint {
        builder = builder.endpoint_url(endpoint);
    }
    builder
}

/// Builds the HTTPS client that every SDK client shares: hyper 1 with rustls on aws-lc-rs,
/// the AWS SDK's default stack. Plain `http://` endpoints work as well.
fn https_client() -> SharedHttpClient {
    aws_smithy_http_client::Builder::new().tls_provider(tls::Provider::Rustls(CryptoMode::AwsLc)).build_https()
}

fn provider_config(settings: &BedrockSettings, http_client: &SharedHttpClient) -> ProviderConfig {
    ProviderConfig::default()
        .with_http_client(http_client.clone())
        .with_sleep_impl(TokioSleep::new())
        .with_region(Some(Region::new(settings.region.clone())))
}

/// Builds the default chain without the ECS and EC2 metadata providers. Profiles that name
/// `credential_source = Ec2InstanceMetadata` or `EcsContainer` get a provider that fails with a
/// configuration error instead of contacting the metadata endpoint.
fn chain_without_instance_metadata(
    settings: &BedrockSettings,
    http_client: &SharedHttpClient,
) -> CredentialsProviderChain {
    let provider_config = provider_config(settings, http_client);
    let profile = ProfileFileCredentialsProvider::builder()
        .configure(&provider_config)
        .with_custom_provider("Ec2InstanceMetadata", InstanceMetadataDisabled)
        .with_custom_provider("EcsContainer", InstanceMetadataDisabled)
        .build();
    let web_identity = WebIdentityTokenCredentialsProvider::builder().configure(&provider_config).build();
    CredentialsProviderChain::first_try("Environment", EnvironmentVariableCredentialsProvider::new())
        .or_else("Profile", profile)
        .or_else("WebIdentityToken", web_identity)
}

/// Credential source that replaces the metadata providers while they are disabled.
#[derive(Debug)]
struct InstanceMetadataDisabled;

impl ProvideCredentials for InstanceMetadataDisabled {
    fn provide_credentials<'a>(&'a self) -> future::ProvideCredentials<'a>
    where
        Self: 'a,
    {
        future::ProvideCredentials::ready(Err(CredentialsError::invalid_configuration(
            "the profile takes credentials from instance or container metadata, which Guardian does not use unless \
             instance metadata is allowed in its settings",
        )))
    }
}

fn user_message(text: &str) -> Result<Message, CheckOutcome> {
    Message::builder().role(ConversationRole::User).content(ContentBlock::Text(text.to_owned())).build().map_err(
        |error| {
            tracing::error!(%error, "failed to build the Converse message");
            CheckOutcome::Other { code: None, request_id: None }
        },
    )
}

/// Joins the text blocks of the assistant's message.
fn answer_text(output: &ConverseOutput) -> Result<String, CheckOutcome> {
    let text: Vec<&str> = match output.output() {
        Some(ConverseContent::Message(message)) => message
            .content()
            .iter()
            .filter_map(|block| match block {
                ContentBlock::Text(text) => Some(text.as_str()),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    };
    if text.is_empty() {
        let request_id = output.request_id().map(str::to_owned);
        tracing::warn!(?request_id, stop_reason = ?output.stop_reason(), "Bedrock returned a response without text");
        return Err(CheckOutcome::Other { code: None, request_id });
    }
    Ok(text.concat())
}

/// Names the failure of a Converse call and logs the full SDK error, which contains no secret
/// access key: the SDK's `Credentials` redact it in their `Debug` output.
fn classify_error(
    error: &SdkError<ConverseError, aws_smithy_runtime_api::client::orchestrator::HttpResponse>,
    source: &CredentialSource,
) -> CheckOutcome {
    let outcome = match error {
        SdkError::ServiceError(context) => {
            let service_error = context.err();
            classify_service_error(
                service_error.code(),
                service_error.message().unwrap_or_default(),
                service_error.request_id(),
                source,
            )
        }
        SdkError::TimeoutError(_) => CheckOutcome::TimedOut,
        SdkError::DispatchFailure(failure) => match credentials_error(error) {
            Some(CredentialsError::CredentialsNotLoaded(_)) => CheckOutcome::NoDefaultCredentials,
            Some(_) => CheckOutcome::Other { code: None, request_id: None },
            None if failure.is_timeout() => CheckOutcome::TimedOut,
            None if failure.is_user() => CheckOutcome::Other { code: None, request_id: None },
            None => CheckOutcome::Unreachable,
        },
        _ => match credentials_error(error) {
            Some(CredentialsError::CredentialsNotLoaded(_)) => CheckOutcome::NoDefaultCredentials,
            _ => CheckOutcome::Other {
                code: error.code().map(str::to_owned),
                request_id: error.request_id().map(str::to_owned),
            },
        },
    };
    // The caller logs every failure with its outcome, so the full error is a warning only when
    // it is needed to tell what went wrong.
    if matches!(outcome, CheckOutcome::Other { .. }) {
        tracing::warn!(outcome = outcome.kind(), error = %DisplayErrorContext(error), "Bedrock Converse call failed");
    } else {
        tracing::debug!(outcome = outcome.kind(), error = %DisplayErrorContext(error), "Bedrock Converse call failed");
    }
    outcome
}

/// Maps an error code and message from Bedrock to an outcome.
fn classify_service_error(
    code: Option<&str>,
    message: &str,
    request_id: Option<&str>,
    source: &CredentialSource,
) -> CheckOutcome {
    let lowercase = message.to_ascii_lowercase();
    match code {
        Some("UnrecognizedClientException") => CheckOutcome::UnrecognizedKey,
        Some("InvalidSignatureException")
            if lowercase.contains("signature expired") || lowercase.contains("signature not yet current") =>
        {
            CheckOutcome::ClockSkew
        }
        Some("InvalidSignatureException") => CheckOutcome::SignatureMismatch,
        Some("AccessDeniedException")
            if lowercase.contains("bedrock:invokemodel") || lowercase.contains("is not authorized to perform") =>
        {
            let user_arn = match source {
                CredentialSource::OrgKeys { .. } => user_arn_from_message(message),
                CredentialSource::Default => None,
            };
            CheckOutcome::MissingInvokePermission { user_arn }
        }
        Some("AccessDeniedException")
            if lowercase.contains("access to the model")
                || lowercase.contains("model access")
                || lowercase.contains("aws-marketplace") =>
        {
            CheckOutcome::ModelAccessDenied
        }
        Some("ValidationException") if lowercase.contains("on-demand throughput") => {
            CheckOutcome::NeedsInferenceProfile
        }
        Some("ValidationException")
            if lowercase.contains("model identifier")
                || lowercase.contains("model id")
                || lowercase.contains("end of its life") =>
        {
            CheckOutcome::ModelNotAvailable
        }
        Some("ResourceNotFoundException") => CheckOutcome::ModelNotAvailable,
        Some("ThrottlingException" | "ServiceQuotaExceededException" | "TooManyRequestsException") => {
            CheckOutcome::Throttled
        }
        _ => CheckOutcome::Other { code: code.map(str::to_owned), request_id: request_id.map(str::to_owned) },
    }
}

/// Finds a credential provider's error in the source chain of an SDK error.
fn credentials_error<'a>(error: &'a (dyn std::error::Error + 'static)) -> Option<&'a CredentialsError> {
    let mut current = Some(error);
    while let Some(error) = current {
        if let Some(credentials_error) = error.downcast_ref::<CredentialsError>() {
            return Some(credentials_error);
        }
        current = error.source();
    }
    None
}

/// Reads the IAM identity from AWS's "User: ARN is not authorized to perform: …" message.
fn user_arn_from_message(message: &str) -> Option<String> {
    let rest = message.strip_prefix("User: ")?;
    let (arn, _) = rest.split_once(" is not authorized")?;
    (arn.starts_with("arn:") && !arn.contains(char::is_whitespace)).then(|| arn.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    const DEFAULT_SOURCE: CredentialSource = CredentialSource::Default;

    fn org_keys() -> CredentialSource {
        CredentialSource::OrgKeys { access_key_id: "AKIAEXAMPLE".to_owned() }
    }

    #[test]
    fn user_arn_is_read_from_access_denied_message() {
        let message = "User: arn:aws:iam::123456789012:user/guardian-bedrock is not authorized to perform: \
                       bedrock:InvokeModel on resource: arn:aws:bedrock:us-east-1::foundation-model/m";
        assert_eq!(user_arn_from_message(message).as_deref(), Some("arn:aws:iam::123456789012:user/guardian-bedrock"));
        assert_eq!(user_arn_from_message("You don't have access to the model with the specified model ID."), None);
        assert_eq!(user_arn_from_message("User: someone is not authorized"), None);
    }

    #[test]
    fn invoke_denial_names_arn_for_org_keys_only() {
        let message = "User: arn:aws:iam::123456789012:user/x is not authorized to perform: bedrock:InvokeModel";
        assert_eq!(
            classify_service_error(Some("AccessDeniedException"), message, None, &org_keys()),
            CheckOutcome::MissingInvokePermission { user_arn: Some("arn:aws:iam::123456789012:user/x".to_owned()) }
        );
        assert_eq!(
            classify_service_error(Some("AccessDeniedException"), message, None, &DEFAULT_SOURCE),
            CheckOutcome::MissingInvokePermission { user_arn: None }
        );
    }

    #[test]
    fn service_errors_map_to_outcomes() {
        let cases = [
            (
                "UnrecognizedClientException",
                "The security token included in the request is invalid.",
                CheckOutcome::UnrecognizedKey,
            ),
            (
                "InvalidSignatureException",
                "The request signature we calculated does not match",
                CheckOutcome::SignatureMismatch,
            ),
            (
                "InvalidSignatureException",
                "Signature expired: 20240101T000000Z is now earlier than",
                CheckOutcome::ClockSkew,
            ),
            (
                "InvalidSignatureException",
                "Signature not yet current: 20300101T000000Z is still later than",
                CheckOutcome::ClockSkew,
            ),
            (
                "AccessDeniedException",
                "You don't have access to the model with the specified model ID.",
                CheckOutcome::ModelAccessDenied,
            ),
            (
                "ValidationException",
                "Invocation of model ID m with on-demand throughput isn’t supported.",
                CheckOutcome::NeedsInferenceProfile,
            ),
            ("ValidationException", "The provided model identifier is invalid.", CheckOutcome::ModelNotAvailable),
            ("ResourceNotFoundException", "Model not found.", CheckOutcome::ModelNotAvailable),
            ("ThrottlingException", "Too many requests, please wait before trying again.", CheckOutcome::Throttled),
        ];
        for (code, message, expected) in cases {
            assert_eq!(
                classify_service_error(Some(code), message, None, &DEFAULT_SOURCE),
                expected,
                "{code}: {message}"
            );
        }
    }

    #[test]
    fn unknown_errors_keep_code_and_request_id() {
        assert_eq!(
            classify_service_error(Some("InternalServerException"), "boom", Some("req-1"), &DEFAULT_SOURCE),
            CheckOutcome::Other {
                code: Some("InternalServerException".to_owned()),
                request_id: Some("req-1".to_owned())
            }
        );
        assert_eq!(
            classify_service_error(Some("ValidationException"), "messages must not be empty", None, &DEFAULT_SOURCE),
            CheckOutcome::Other { code: Some("ValidationException".to_owned()), request_id: None }
        );
    }

    #[test]
    fn messages_name_region_and_model() {
        let model = "eu.anthropic.claude-sonnet-4-20250514-v1:0";
        let settings = BedrockSettings { region: "eu-west-1".to_owned(), model_id: model.to_owned(), ..BedrockSettings::default() };
        assert!(CheckOutcome::ModelAccessDenied.message(&settings).contains(model));
        assert!(CheckOutcome::Throttled.message(&settings).contains("eu-west-1"));
        let unreachable = CheckOutcome::Unreachable.message(&settings);
        assert!(unreachable.contains("bedrock-runtime.eu-west-1.amazonaws.com"), "{unreachable}");
        assert!(unreachable.contains("port 443"), "{unreachable}");
        let other = CheckOutcome::Other {
            code: Some("InternalServerException".to_owned()),
            request_id: Some("req-1".to_owned()),
        };
        assert!(other.message(&settings).contains("req-1"));
        assert!(other.message(&settings).contains("InternalServerException"));
    }

    #[test]
    fn messages_name_endpoint_setting() {
        let settings = BedrockSettings { endpoint: Some("https://bedrock.internal.example:8443".to_owned()), ..BedrockSettings::default() };

        let unreachable = CheckOutcome::Unreachable.message(&settings);
        let timed_out = CheckOutcome::TimedOut.message(&settings);

        assert!(unreachable.contains("https://bedrock.internal.example:8443"), "{unreachable}");
        assert!(!unreachable.contains("amazonaws.com"), "{unreachable}");
        assert!(!unreachable.contains("port 443"), "{unreachable}");
        assert!(timed_out.contains("https://bedrock.internal.example:8443"), "{timed_out}");
    }

    #[test]
    fn resolved_client_debug_hides_client() {
        let client = Client::from_conf(
            aws_sdk_bedrockruntime::Config::builder()
                .behavior_version(BehaviorVersion::latest())
                .credentials_provider(Credentials::new("AKIAEXAMPLE", "secret-value-123", None, None, "test"))
                .build(),
        );
        let resolved = ResolvedClient { client, source: org_keys() };
        let printed = format!("{resolved:?}");
        assert!(printed.contains("AKIAEXAMPLE"));
        assert!(!printed.contains("secret-value-123"));
    }
}
