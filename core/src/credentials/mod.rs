//! Sans-IO credential providers: the Bedrock API key / SigV4 selection of a route's credential
//! list, the AWS default credential chain, region resolution, and a refreshing cache.
//!
//! Credential sources need the outside world — environment variables, files, a
//! `credential_process`, HTTP to IMDS, a container endpoint, STS or the SSO portal — and the
//! core never touches it. Instead every source is a *machine* that asks its driver questions
//! ([`Need`]) and takes the answers ([`Answer`]) until it is done:
//!
//! ```text
//!   poll() ──▶ Step::Need(need) ──▶ driver does the I/O ──▶ provide(answer) ──┐
//!     ▲                                                                        │
//!     └────────────────────────────────────────────────────────────────────────┘
//!   poll() ──▶ Step::Done(Ok(resolved) | Err(CredentialsError))   (final; polling again repeats it)
//! ```
//!
//! | machine | answers with |
//! |---|---|
//! | [`AuthMachine`] | the first entry of a route's credential list that resolves: `env:NAME` / `vault:NAME` → a bearer key, `aws_sigv4` → the default chain ([`ResolvedAuth`]) |
//! | [`ChainMachine`] | SigV4 credentials from the default chain ([`Resolved`]) |
//! | [`RegionMachine`] | the ambient region: `AWS_REGION`, `AWS_DEFAULT_REGION`, the profile's `region` |
//! | [`SettingMachine`] | a client setting: an environment variable, else a profile key (`AWS_CA_BUNDLE` / `ca_bundle`) |
//! | [`EndpointMachine`] | the configured Bedrock Runtime endpoint, FIPS and dual-stack ([`EndpointConfig`]) |
//!
//! A driver is a loop — here a fake one answering from fixed data, as the tests do:
//!
//! ```
//! use bedrock_core::credentials::{
//!     Answer, ChainConfig, ChainMachine, CommandOutput, FileError, Machine, Need, SourceKind, Step,
//! };
//! use bedrock_core::time::UnixTime;
//!
//! let env = [("AWS_PROFILE", "dev")];
//! let config = "[profile dev]\ncredential_process = /usr/local/bin/get-creds --json\n";
//! let output = br#"{"Version": 1, "AccessKeyId": "ASIAEXAMPLE", "SecretAccessKey": "s3cr3t",
//!                   "SessionToken": "t0k3n", "Expiration": "2030-01-01T00:00:00Z"}"#;
//!
//! let mut machine = ChainMachine::new(ChainConfig::default());
//! let resolved = loop {
//!     let answer = match machine.poll() {
//!         Step::Done(result) => break result?,
//!         Step::Need(Need::Env(name)) => {
//!             Answer::env(env.iter().find(|(n, _)| *n == name).map(|(_, v)| *v))
//!         }
//!         Step::Need(Need::HomeDir) => Answer::HomeDir(Some("/home/me".into())),
//!         Step::Need(Need::File(path)) if path == "/home/me/.aws/config" => {
//!             Answer::File(Ok(config.into()))
//!         }
//!         Step::Need(Need::File(_)) => Answer::File(Err(FileError::NotFound)),
//!         Step::Need(Need::Command(line)) => {
//!             assert_eq!(line, "/usr/local/bin/get-creds --json");
//!             Answer::Command(Ok(CommandOutput { status: Some(0), stdout: output.to_vec(), stderr: Vec::new() }))
//!         }
//!         Step::Need(Need::Now) => Answer::Now(UnixTime::from_secs(1_700_000_000)?),
//!         Step::Need(other) => panic!("not expected here: {other:?}"),
//!     };
//!     machine.provide(answer);
//! };
//! assert_eq!(resolved.source, SourceKind::CredentialProcess);
//! assert_eq!(resolved.credentials.access_key_id(), "ASIAEXAMPLE");
//! assert_eq!(resolved.expires_at(), Some(UnixTime::parse_iso8601("2030-01-01T00:00:00Z")?));
//! assert!(!format!("{resolved:?}").contains("s3cr3t"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! [`drive`] is that loop for a driver written as a closure. The std crate `bedrock-host`
//! answers every question with real I/O; adapters only plug in their HTTPS client.
//!
//! # The SigV4 chain
//!
//! In the order of botocore's `create_credential_resolver` ([`SourceKind::DEFAULT_CHAIN`]):
//!
//! | source | configured by |
//! |---|---|
//! | environment | `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SECURITY_TOKEN` then `AWS_SESSION_TOKEN` (botocore's order), `AWS_CREDENTIAL_EXPIRATION`, `AWS_ACCOUNT_ID`; skipped when a profile is chosen in code ([`ChainConfig::with_profile`]) |
//! | assume role | profile `role_arn` with `source_profile` (chained, loops refused) or `credential_source` (`Environment`, `Ec2InstanceMetadata`, `EcsContainer`); `role_session_name`, `external_id`, `duration_seconds`; STS `AssumeRole`, SigV4-signed; a `source_profile` with `role_arn` + `web_identity_token_file` runs `AssumeRoleWithWebIdentity` first (EKS/IRSA → cross-account) |
//! | web identity | `AWS_WEB_IDENTITY_TOKEN_FILE` + `AWS_ROLE_ARN` (+ `AWS_ROLE_SESSION_NAME`), or profile `web_identity_token_file` + `role_arn`; STS `AssumeRoleWithWebIdentity`, unsigned |
//! | SSO | a profile with `sso_account_id` / `sso_role_name` (botocore's rule: other `sso_*` keys alone do not make an SSO profile), and `sso_session` (+ `[sso-session]` `sso_start_url`, `sso_region`) or legacy `sso_start_url` / `sso_region`; the AWS CLI's token cache `~/.aws/sso/cache/<sha1>.json`, refreshed for `sso_session` profiles with SSO OIDC `CreateToken` when under 15 min are left and the client registration is valid, and written back atomically (`Need::WriteFile`); portal `GetRoleCredentials` |
//! | credentials file | `[profile]` static keys in `AWS_SHARED_CREDENTIALS_FILE` (`~/.aws/credentials`); `aws_security_token` before `aws_session_token` (botocore); a secret without a key id skips the profile |
//! | `credential_process` | profile `credential_process`, run by the driver through the platform shell (`sh -c`, `cmd.exe /C`): its JSON output (`Version` 1), parsed as botocore parses it |
//! | config file | `[profile x]` static keys in `AWS_CONFIG_FILE` (`~/.aws/config`) |
//! | container | `AWS_CONTAINER_CREDENTIALS_RELATIVE_URI` (→ `http://169.254.170.2`) or `_FULL_URI` (https, or http to loopback / 169.254.170.2 / 169.254.170.23 / fd00:ec2::23); `Authorization` from `AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE` (re-read each fetch) or `AWS_CONTAINER_AUTHORIZATION_TOKEN` |
//! | EC2 instance metadata | IMDSv2 token (`PUT`, TTL 21600) then role and credentials; `AWS_EC2_METADATA_DISABLED`, `AWS_EC2_METADATA_SERVICE_ENDPOINT`, `…_ENDPOINT_MODE=IPv6`, `AWS_EC2_METADATA_V1_DISABLED` (and their profile keys) |
//!
//! The profile is [`ChainConfig::with_profile`], else `AWS_PROFILE`, else `AWS_DEFAULT_PROFILE`,
//! else `default`; a named profile that neither file has is an error. A source that is
//! configured but fails (a `credential_process` exiting non-zero, an STS error, an expired SSO
//! token) stops the chain with that error instead of falling through to another identity.
//! Instance metadata failures count as "not found", as in botocore.
//!
//! # Endpoints
//!
//! STS calls go to the region of the call's route ([`ChainConfig::with_region`]; the host
//! passes the route's region, as botocore's STS client takes the region of the client that
//! needs the credentials), else `AWS_REGION`, `AWS_DEFAULT_REGION`, the profile's `region`,
//! `us-east-1`; the SSO portal to the `sso_region`. Hosts come from the one partition table
//! (`aws`, `aws-cn`, `aws-us-gov`, `aws-iso`, `aws-iso-b`, `aws-iso-e`, `aws-iso-f`,
//! `aws-eusc`) as the services' endpoint rule sets compute them, with FIPS
//! (`AWS_USE_FIPS_ENDPOINT` / `use_fips_endpoint`) and dual-stack (`AWS_USE_DUALSTACK_ENDPOINT`
//! / `use_dualstack_endpoint`); GovCloud's STS and portal hosts are FIPS already. A configured
//! endpoint wins, in botocore's order: `AWS_ENDPOINT_URL_STS` / `_SSO`, `AWS_ENDPOINT_URL`, the
//! profile's `services = NAME` section (`[services NAME]` with `sts =` / `sso =` blocks holding
//! `endpoint_url`), the profile's `endpoint_url`; none of them with
//! `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS` / `ignore_configured_endpoint_urls`. A configured
//! endpoint must be https (plain http only to a loopback host) and is refused with FIPS or
//! dual-stack, as the rule sets refuse it. [`EndpointMachine`] applies the same order to the
//! Bedrock Runtime endpoint (`AWS_ENDPOINT_URL_BEDROCK_RUNTIME`, `bedrock_runtime =`).
//!
//! # Retries and timeouts
//!
//! Each HTTP source retries transient failures (5xx, throttling, timeouts once connected,
//! resets) before falling back or failing as described above, waiting between attempts by
//! asking the driver to sleep ([`Need::Sleep`]; jitter from one [`Need::Random`] seed per
//! resolution):
//!
//! | source | timeout per request | attempts | wait |
//! |---|---|---|---|
//! | EC2 instance metadata | 1 s (`AWS_METADATA_SERVICE_TIMEOUT` / `metadata_service_timeout`) | 3 (`AWS_METADATA_SERVICE_NUM_ATTEMPTS` / `metadata_service_num_attempts`) | standard backoff |
//! | container | 2 s | 3 | 1 s |
//! | STS, SSO portal, SSO OIDC | 30 s | 3 | standard backoff (1 s base after throttling, 50 ms otherwise, random fraction) |
//!
//! The timeout covers the whole exchange, connect included, in both adapters (never the
//! calls' 300 s timeouts). No connection within it is a connection failure: IMDS does not retry
//! it or fall back to IMDSv1 (only 403/404/405 and read timeouts on the token request do, which
//! is what hop-limited containers produce), so a machine without IMDS pays one connect
//! timeout per resolution, not one per attempt and fallback.
//!
//! Differences from botocore, on purpose: `credential_process` runs through the platform shell,
//! as the Rust, Go and Java SDKs run it (botocore splits it and runs the program directly), so
//! pipes and quoting work; IMDS makes 3 attempts by default (botocore 1, the Go
//! and Rust SDKs 3 and 4), so one 503 does not end the chain; container endpoints retry only
//! transient failures (botocore retries a 4xx too); no MFA prompt (`mfa_serial` is an
//! error saying so); an SSO token refresh keeps the old refresh token when SSO OIDC returns
//! none, and is attempted at most once per resolution (botocore: once a minute per provider); no
//! IMDS "static stability" extension of expired credentials; the default session name is
//! `bedrock-session-<epoch>`.
//!
//! # Where things are
//!
//! | file | what it holds |
//! |---|---|
//! | `chain.rs` | the chain's order and its "tried" notes; nothing source-specific |
//! | `source/environment.rs` | the environment source |
//! | `source/assume_role.rs` | assume role: `source_profile` chains, `credential_source`, STS `AssumeRole` |
//! | `source/web_identity.rs` | web identity: the token file, STS `AssumeRoleWithWebIdentity` |
//! | `source/sso.rs` | SSO: the token cache and its SHA-1 file name, the portal's `GetRoleCredentials` |
//! | `source/static_keys.rs` | static keys in the credentials file and the config file |
//! | `source/credential_process.rs` | `credential_process` and its JSON output |
//! | `source/container.rs` | container credentials (ECS, EKS Pod Identity) and the hosts plain HTTP may reach |
//! | `source/instance_metadata.rs` | EC2 instance metadata (IMDSv2, IMDSv1 fallback) |
//! | `source/mod.rs` | what the sources share: the expiry check, credential and error JSON |
//! | `profile.rs` | the shared files: paths, the profile name, the INI parser, env-or-profile settings |
//! | `endpoint.rs` | STS, SSO portal and SSO OIDC endpoints, the STS region, [`EndpointConfig`] |
//! | `sts.rs`, `xml.rs` | the STS client and the XML scanner for its responses |
//! | `sso_oidc.rs` | the SSO token refresh (`CreateToken`) and the cache write-back |
//! | `backoff.rs` | retries and waits of every HTTP source (the table above) |
//! | `engine.rs`, `protocol.rs` | the replay engine behind every machine; [`Need`], [`Answer`] and their shapes |
//! | `list.rs`, `cache.rs`, `error.rs` | [`AuthMachine`], [`CredentialCache`], [`CredentialsError`] |
//!
//! URLs (configured endpoints, the container URI, the IMDS endpoint) are parsed by the crate's
//! one URL parser, whose loopback rule (`localhost`, `127.0.0.0/8`, `::1` in any spelling; not
//! the IPv4-mapped `::ffff:127.0.0.1`) is also the one the settings apply to `base_url`.
//!
//! # Caching
//!
//! [`CredentialCache`] resolves once and hands out the result until it nears expiry: with less
//! than 15 minutes left (advisory) one caller refreshes while the others keep the old
//! credentials, and a failed refresh keeps them; under 10 minutes (mandatory) callers wait for
//! the refresh and a failure is an error. Concurrent callers share one resolution.
//!
//! Every type here keeps secrets out of `Debug` and `Display`.

mod backoff;
mod cache;
mod chain;
mod endpoint;
mod engine;
mod error;
mod list;
mod profile;
mod protocol;
mod source;
mod sso_oidc;
mod sts;
mod xml;

#[cfg(test)]
mod tests;

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

pub use cache::{CredentialCache, Lookup, Refresh, RefreshPolicy};
pub use endpoint::EndpointConfig;
pub use engine::Step;
pub use error::{CredentialsError, Problem};
pub use list::{AuthMachine, ResolvedAuth};
pub use protocol::{
    Answer, CommandOutput, FileError, HttpFailure, HttpFailureKind, HttpRequest, HttpResponse,
    Need, ResponseCollector,
};

use engine::Engine;

use crate::sigv4::Credentials;
use crate::time::UnixTime;

/// A credential source of the SigV4 default chain.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum SourceKind {
    /// `AWS_ACCESS_KEY_ID` and friends.
    Environment,
    /// A profile's `role_arn` via STS `AssumeRole`.
    AssumeRole,
    /// A web identity token via STS `AssumeRoleWithWebIdentity`.
    WebIdentity,
    /// IAM Identity Center (SSO): the cached token and the portal.
    Sso,
    /// Static keys in the shared credentials file.
    CredentialsFile,
    /// A profile's `credential_process`.
    CredentialProcess,
    /// Static keys in the shared config file.
    ConfigFile,
    /// An ECS / EKS Pod Identity container credentials endpoint.
    Container,
    /// EC2 instance metadata (IMDSv2).
    InstanceMetadata,
}

impl SourceKind {
    /// The default chain, in botocore's order.
    pub const DEFAULT_CHAIN: [Self; 9] = [
        Self::Environment,
        Self::AssumeRole,
        Self::WebIdentity,
        Self::Sso,
        Self::CredentialsFile,
        Self::CredentialProcess,
        Self::ConfigFile,
        Self::Container,
        Self::InstanceMetadata,
    ];

    /// A stable snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Environment => "environment",
            Self::AssumeRole => "assume_role",
            Self::WebIdentity => "web_identity",
            Self::Sso => "sso",
            Self::CredentialsFile => "credentials_file",
            Self::CredentialProcess => "credential_process",
            Self::ConfigFile => "config_file",
            Self::Container => "container",
            Self::InstanceMetadata => "instance_metadata",
        }
    }
}

impl fmt::Display for SourceKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How the default chain runs.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ChainConfig {
    profile: Option<String>,
    region: Option<String>,
    sources: Option<Vec<SourceKind>>,
}

impl ChainConfig {
    /// The default chain, profile from the environment.
    pub fn new() -> Self {
        Self::default()
    }

    /// Uses this profile (a `--profile` flag): it wins over `AWS_PROFILE` and, as in botocore,
    /// turns off the environment-key source.
    #[must_use]
    pub fn with_profile(mut self, profile: impl Into<String>) -> Self {
        self.profile = Some(profile.into());
        self
    }

    /// The region for STS calls (else `AWS_REGION`, `AWS_DEFAULT_REGION`, the profile's
    /// `region`, `us-east-1`).
    #[must_use]
    pub fn with_region(mut self, region: impl Into<String>) -> Self {
        self.region = Some(region.into());
        self
    }

    /// Runs only these sources, in this order.
    #[must_use]
    pub fn with_sources(mut self, sources: &[SourceKind]) -> Self {
        self.sources = Some(sources.into());
        self
    }

    /// The explicit profile.
    pub fn profile(&self) -> Option<&str> {
        self.profile.as_deref()
    }

    /// The explicit STS region.
    pub fn region(&self) -> Option<&str> {
        self.region.as_deref()
    }

    /// The sources, in order.
    pub fn sources(&self) -> &[SourceKind] {
        self.sources
            .as_deref()
            .unwrap_or(&SourceKind::DEFAULT_CHAIN)
    }
}

/// SigV4 credentials and where they came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Resolved {
    /// The credentials (their expiry, if any, is [`Credentials::expires_at`]).
    pub credentials: Credentials,
    /// The source.
    pub source: SourceKind,
    /// Which profile, role, file or endpoint, in words (no secrets).
    pub detail: String,
    /// The AWS account, when the source said.
    pub account_id: Option<String>,
}

impl Resolved {
    /// When the credentials expire; `None` for long-term keys.
    pub fn expires_at(&self) -> Option<UnixTime> {
        self.credentials.expires_at()
    }
}

/// A credential machine: poll it, answer what it needs, until it is done.
pub trait Machine {
    /// What it resolves to.
    type Output;

    /// The next question, or the result. Polling again without answering repeats the question;
    /// polling after the result repeats the result.
    fn poll(&mut self) -> Step<Self::Output>;

    /// Answers the question the last [`poll`](Machine::poll) asked. An answer of the wrong kind,
    /// or one given when nothing was asked, fails the machine ([`Problem::Driver`]).
    fn provide(&mut self, answer: Answer);
}

/// Drives `machine` to the end, answering each question with `answer`.
///
/// # Errors
///
/// The machine's [`CredentialsError`].
pub fn drive<M: Machine + ?Sized>(
    machine: &mut M,
    mut answer: impl FnMut(&Need) -> Answer,
) -> Result<M::Output, CredentialsError> {
    loop {
        match machine.poll() {
            Step::Need(need) => {
                let reply = answer(&need);
                machine.provide(reply);
            }
            Step::Done(result) => return result,
        }
    }
}

/// The SigV4 default credential chain as a machine. See the [module docs](self).
#[derive(Debug)]
pub struct ChainMachine {
    config: ChainConfig,
    engine: Engine<Resolved>,
}

impl ChainMachine {
    /// A machine that walks the chain once.
    pub fn new(config: ChainConfig) -> Self {
        Self {
            config,
            engine: Engine::default(),
        }
    }
}

impl Machine for ChainMachine {
    type Output = Resolved;

    fn poll(&mut self) -> Step<Resolved> {
        let config = &self.config;
        self.engine.poll(|cx| chain::resolve(cx, config))
    }

    fn provide(&mut self, answer: Answer) {
        self.engine.provide(answer);
    }
}

/// The ambient region as a machine: `AWS_REGION`, `AWS_DEFAULT_REGION`, then the profile's
/// `region` in the shared config files. Resolves to `None` when none is set.
#[derive(Debug)]
pub struct RegionMachine {
    profile: Option<String>,
    engine: Engine<Option<String>>,
}

impl RegionMachine {
    /// A machine for `profile` (else `AWS_PROFILE`, `AWS_DEFAULT_PROFILE`, `default`).
    pub fn new(profile: Option<&str>) -> Self {
        Self {
            profile: profile.map(String::from),
            engine: Engine::default(),
        }
    }
}

impl Machine for RegionMachine {
    type Output = Option<String>;

    fn poll(&mut self) -> Step<Option<String>> {
        let profile = self.profile.as_deref();
        self.engine.poll(|cx| profile::region(cx, profile))
    }

    fn provide(&mut self, answer: Answer) {
        self.engine.provide(answer);
    }
}

/// A client setting as a machine, read as botocore's config store reads it: an environment
/// variable, else a key of the profile in the shared config files (`AWS_CA_BUNDLE` /
/// `ca_bundle`). Resolves to `None` when neither is set.
#[derive(Debug)]
pub struct SettingMachine {
    profile: Option<String>,
    env: &'static str,
    key: &'static str,
    engine: Engine<Option<String>>,
}

impl SettingMachine {
    /// A machine for `env`, then `key` of `profile` (else `AWS_PROFILE`, `AWS_DEFAULT_PROFILE`,
    /// `default`).
    pub fn new(profile: Option<&str>, env: &'static str, key: &'static str) -> Self {
        Self {
            profile: profile.map(String::from),
            env,
            key,
            engine: Engine::default(),
        }
    }
}

impl Machine for SettingMachine {
    type Output = Option<String>;

    fn poll(&mut self) -> Step<Option<String>> {
        let (profile, env, key) = (self.profile.as_deref(), self.env, self.key);
        self.engine
            .poll(|cx| profile::setting(cx, profile, &[env], key))
    }

    fn provide(&mut self, answer: Answer) {
        self.engine.provide(answer);
    }
}

/// The Bedrock Runtime endpoint configuration as a machine, in botocore's order
/// (`ConfiguredEndpointProvider`): `AWS_ENDPOINT_URL_BEDROCK_RUNTIME`, `AWS_ENDPOINT_URL`, the
/// profile's `services = NAME` section's `bedrock_runtime = endpoint_url = …`, the profile's
/// `endpoint_url` (none of them with `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS` /
/// `ignore_configured_endpoint_urls` true); and the FIPS and dual-stack flags
/// (`AWS_USE_FIPS_ENDPOINT` / `use_fips_endpoint`, `AWS_USE_DUALSTACK_ENDPOINT` /
/// `use_dualstack_endpoint`) for the computed endpoint.
#[derive(Debug)]
pub struct EndpointMachine {
    profile: Option<String>,
    engine: Engine<EndpointConfig>,
}

impl EndpointMachine {
    /// A machine for `profile` (else `AWS_PROFILE`, `AWS_DEFAULT_PROFILE`, `default`).
    pub fn new(profile: Option<&str>) -> Self {
        Self {
            profile: profile.map(String::from),
            engine: Engine::default(),
        }
    }
}

impl Machine for EndpointMachine {
    type Output = EndpointConfig;

    fn poll(&mut self) -> Step<EndpointConfig> {
        let profile = self.profile.as_deref();
        self.engine
            .poll(|cx| endpoint::runtime_endpoint(cx, profile))
    }

    fn provide(&mut self, answer: Answer) {
        self.engine.provide(answer);
    }
}
