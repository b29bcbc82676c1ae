//! The SigV4 default credential chain, in botocore's order (`create_credential_resolver`):
//! environment → assume role (profile `role_arn`) → web identity → SSO → shared credentials
//! file → `credential_process` → config file static keys → container → EC2 instance metadata.
//!
//! Every provider either finds credentials, reports why it found none (a note for the "tried"
//! list), or fails — a source that is configured but broken stops the chain, as in botocore, so
//! a typo in a profile never silently falls through to another identity.

use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::time::Duration;

use serde_json::Value;

use super::backoff::{self, Retry};
use super::engine::{Cx, Flow, Run};
use super::error::{CredentialsError, Problem};
use super::profile::{ProfileFiles, Props, nested, parse_ini, prop};
use super::protocol::{FileError, HttpFailureKind, HttpRequest, HttpResponse};
use super::sha1::sha1_hex;
use super::sso_oidc;
use super::sts::{self, AssumeRole, StsCredentials};
use super::url::{Url, is_loopback, same_ip};
use super::{ChainConfig, Resolved, SourceKind};
use crate::settings::ServiceEndpoint;
use crate::sigv4::Credentials;
use crate::time::UnixTime;

/// What one provider came up with.
enum Found {
    Yes(Resolved),
    /// Nothing; the note says what was looked at.
    No(String),
}

/// Runs the chain; nothing found is [`Problem::NotFound`] with a note per source.
pub(crate) fn resolve(cx: &mut Cx<'_>, config: &ChainConfig) -> Run<Resolved> {
    const PROFILE_SOURCES: [SourceKind; 5] = [
        SourceKind::AssumeRole,
        SourceKind::Sso,
        SourceKind::CredentialsFile,
        SourceKind::CredentialProcess,
        SourceKind::ConfigFile,
    ];
    let sources = config.sources();
    let mut tried = Vec::new();
    let mut loaded: Option<Profiles> = None;
    let mut profile_noted = false;
    for source in sources {
        if *source == SourceKind::Environment {
            // A profile chosen in code disables the environment keys (botocore:
            // `Session(profile=…)`).
            if config.profile().is_some() {
                tried.push("environment (skipped: a profile was chosen explicitly)".into());
                continue;
            }
            match environment(cx)? {
                Found::Yes(resolved) => return Ok(resolved),
                Found::No(note) => tried.push(note),
            }
            continue;
        }
        let profiles = match loaded.take() {
            Some(profiles) => profiles,
            None => {
                let profiles = load_profiles(cx, config)?;
                if profiles.explicit
                    && !profiles.files.has_profile(&profiles.name)
                    && sources.iter().any(|s| PROFILE_SOURCES.contains(s))
                {
                    return Err(fail(
                        None,
                        format!("profile '{}'", profiles.name),
                        Problem::ProfileNotFound {
                            profile: profiles.name.clone(),
                            config_path: profiles.files.config_path.clone(),
                            credentials_path: profiles.files.credentials_path.clone(),
                        },
                    ));
                }
                profiles
            }
        };
        let found = match source {
            SourceKind::AssumeRole => assume_role_provider(cx, config, &profiles)?,
            SourceKind::WebIdentity => web_identity(cx, config, &profiles, &profiles.name, true)?,
            SourceKind::Sso => sso(cx, &profiles.files, &profiles.name)?,
            SourceKind::CredentialsFile => credentials_file(cx, &profiles.files, &profiles.name)?,
            SourceKind::CredentialProcess => process(cx, &profiles.files, &profiles.name)?,
            SourceKind::ConfigFile => config_file(cx, &profiles.files, &profiles.name)?,
            SourceKind::Container => container(cx)?,
            SourceKind::InstanceMetadata => instance_metadata(cx, &profiles)?,
            SourceKind::Environment => {
                // Handled above; unreachable.
                loaded = Some(profiles);
                continue;
            }
        };
        match found {
            Found::Yes(resolved) => return Ok(resolved),
            // The profile-based providers all come up empty for the same reason: say it once.
            Found::No(note) if note.is_empty() => {
                if !profile_noted {
                    profile_noted = true;
                    tried.push(profile_note(&profiles));
                }
            }
            Found::No(note) => tried.push(note),
        }
        loaded = Some(profiles);
    }
    Err(not_found(tried))
}

/// The region for the default chain's STS calls and for callers without a `base_url` region:
/// `AWS_REGION`, `AWS_DEFAULT_REGION`, then the profile's `region`.
pub(crate) fn region(cx: &mut Cx<'_>, profile: Option<&str>) -> Run<Option<String>> {
    for name in ["AWS_REGION", "AWS_DEFAULT_REGION"] {
        if let Some(region) = cx.env(name)? {
            return Ok(Some(region));
        }
    }
    let config = ChainConfig {
        profile: profile.map(String::from),
        ..ChainConfig::default()
    };
    let profiles = load_profiles(cx, &config)?;
    Ok(prop(&profiles.files.merged(&profiles.name), "region").map(String::from))
}

/// A client setting as botocore's config store reads it: the environment variable `env`, else
/// the profile's `key` (e.g. `AWS_CA_BUNDLE` / `ca_bundle`).
pub(crate) fn setting(
    cx: &mut Cx<'_>,
    profile: Option<&str>,
    env: &str,
    key: &str,
) -> Run<Option<String>> {
    if let Some(value) = cx.env(env)? {
        return Ok(Some(value));
    }
    let config = ChainConfig {
        profile: profile.map(String::from),
        ..ChainConfig::default()
    };
    let profiles = load_profiles(cx, &config)?;
    Ok(prop(&profiles.files.merged(&profiles.name), key).map(String::from))
}

fn not_found(tried: Vec<String>) -> Flow {
    Flow::Fail(CredentialsError::new(None, "", Problem::NotFound { tried }))
}

fn fail(source: Option<SourceKind>, context: impl Into<String>, problem: Problem) -> Flow {
    Flow::Fail(CredentialsError::new(source, context, problem))
}

fn invalid(source: SourceKind, context: impl Into<String>, reason: impl Into<String>) -> Flow {
    fail(
        Some(source),
        context,
        Problem::InvalidConfig {
            reason: reason.into(),
        },
    )
}

/// Checks that credentials have not expired and wraps them.
fn resolved(
    cx: &mut Cx<'_>,
    credentials: Credentials,
    source: SourceKind,
    detail: String,
    account_id: Option<String>,
) -> Run<Resolved> {
    if let Some(expires_at) = credentials.expires_at()
        && expires_at <= cx.now()?
    {
        return Err(fail(
            Some(source),
            detail,
            Problem::Expired {
                expired_at: expires_at,
            },
        ));
    }
    Ok(Resolved {
        credentials,
        source,
        detail,
        account_id,
    })
}

fn found(
    cx: &mut Cx<'_>,
    credentials: Credentials,
    source: SourceKind,
    detail: String,
    account_id: Option<String>,
) -> Run<Found> {
    resolved(cx, credentials, source, detail, account_id).map(Found::Yes)
}

fn build_credentials(
    source: SourceKind,
    context: &str,
    access_key_id: &str,
    secret: &str,
    token: Option<&str>,
    expires_at: Option<UnixTime>,
) -> Run<Credentials> {
    let mut credentials = Credentials::new(access_key_id, secret).map_err(|e| {
        fail(
            Some(source),
            context,
            Problem::InvalidCredentials {
                reason: e.to_string(),
            },
        )
    })?;
    if let Some(token) = token {
        credentials = credentials.with_session_token(token);
    }
    if let Some(expires_at) = expires_at {
        credentials = credentials.with_expiry(expires_at);
    }
    Ok(credentials)
}

// ---------------------------------------------------------------------------------------------
// Environment

fn environment(cx: &mut Cx<'_>) -> Run<Found> {
    const SOURCE: SourceKind = SourceKind::Environment;
    const CONTEXT: &str = "environment";
    let access_key_id = cx.env("AWS_ACCESS_KEY_ID")?;
    let secret = cx.env("AWS_SECRET_ACCESS_KEY")?;
    let (access_key_id, secret) = match (access_key_id, secret) {
        (Some(id), Some(secret)) => (id, secret),
        (Some(_), None) => {
            return Err(fail(
                Some(SOURCE),
                CONTEXT,
                Problem::PartialCredentials {
                    missing: "AWS_SECRET_ACCESS_KEY",
                },
            ));
        }
        (None, Some(_)) => {
            return Ok(Found::No(
                "environment (AWS_SECRET_ACCESS_KEY is set but AWS_ACCESS_KEY_ID is not)".into(),
            ));
        }
        (None, None) => return Ok(Found::No("environment (AWS_ACCESS_KEY_ID not set)".into())),
    };
    // botocore's `EnvProvider.TOKENS` is `['AWS_SECURITY_TOKEN', 'AWS_SESSION_TOKEN']`: the
    // legacy name wins when both are set. The other SDKs read only AWS_SESSION_TOKEN; we
    // follow botocore.
    let token = match cx.env("AWS_SECURITY_TOKEN")? {
        Some(token) => Some(token),
        None => cx.env("AWS_SESSION_TOKEN")?,
    };
    let expires_at = match cx.env("AWS_CREDENTIAL_EXPIRATION")? {
        Some(text) => Some(UnixTime::parse_iso8601(&text).map_err(|_| {
            invalid(
                SOURCE,
                CONTEXT,
                "AWS_CREDENTIAL_EXPIRATION is not an ISO-8601 time (e.g. 2030-01-01T00:00:00Z)",
            )
        })?),
        None => None,
    };
    let credentials = build_credentials(
        SOURCE,
        CONTEXT,
        &access_key_id,
        &secret,
        token.as_deref(),
        expires_at,
    )?;
    let account_id = cx.env("AWS_ACCOUNT_ID")?;
    found(cx, credentials, SOURCE, CONTEXT.into(), account_id)
}

// ---------------------------------------------------------------------------------------------
// Shared files

pub(crate) struct Profiles {
    pub(crate) name: String,
    /// Chosen by the caller or `AWS_PROFILE` / `AWS_DEFAULT_PROFILE`, not the `default` fallback.
    pub(crate) explicit: bool,
    pub(crate) files: ProfileFiles,
}

fn profile_note(profiles: &Profiles) -> String {
    if profiles.files.has_profile(&profiles.name) {
        format!(
            "profile '{}' (no credentials configured in it)",
            profiles.name
        )
    } else {
        format!(
            "shared files (no profile '{}' in {} or {})",
            profiles.name, profiles.files.config_path, profiles.files.credentials_path
        )
    }
}

/// `~` and `~/…` expanded with the home directory.
fn expand_home(cx: &mut Cx<'_>, path: &str) -> Run<String> {
    let rest = if path == "~" {
        ""
    } else if let Some(rest) = path.strip_prefix("~/").or_else(|| path.strip_prefix("~\\")) {
        rest
    } else {
        return Ok(path.into());
    };
    Ok(match cx.home()? {
        Some(home) => join(&home, rest),
        None => path.into(),
    })
}

fn join(dir: &str, rest: &str) -> String {
    let dir = dir.trim_end_matches(['/', '\\']);
    if rest.is_empty() {
        dir.into()
    } else {
        format!("{dir}/{rest}")
    }
}

/// The default path of a file under `~/.aws`, or an unreadable placeholder without a home.
fn aws_dir_path(cx: &mut Cx<'_>, rest: &str) -> Run<Option<String>> {
    Ok(cx.home()?.map(|home| join(&home, &format!(".aws/{rest}"))))
}

fn read_text(cx: &mut Cx<'_>, path: &str, source: Option<SourceKind>) -> Run<Option<String>> {
    match cx.file(path)? {
        Ok(bytes) => match String::from_utf8(bytes) {
            Ok(text) => Ok(Some(text)),
            Err(_) => Err(fail(
                source,
                "",
                Problem::Unreadable {
                    path: path.into(),
                    reason: "it is not valid UTF-8".into(),
                },
            )),
        },
        Err(FileError::NotFound) => Ok(None),
        Err(FileError::Unreadable(reason)) => Err(fail(
            source,
            "",
            Problem::Unreadable {
                path: path.into(),
                reason,
            },
        )),
    }
}

fn read_ini(cx: &mut Cx<'_>, path: Option<&str>) -> Run<Vec<(String, Props)>> {
    let Some(path) = path else {
        return Ok(Vec::new());
    };
    let Some(text) = read_text(cx, path, None)? else {
        return Ok(Vec::new());
    };
    parse_ini(&text).map_err(|e| {
        fail(
            None,
            "",
            Problem::MalformedFile {
                path: path.into(),
                line: e.line,
                reason: e.reason,
            },
        )
    })
}

pub(crate) fn load_profiles(cx: &mut Cx<'_>, config: &ChainConfig) -> Run<Profiles> {
    let (name, explicit) = match config.profile() {
        Some(name) => (name.to_string(), true),
        None => match cx.env("AWS_PROFILE")? {
            Some(name) => (name, true),
            None => match cx.env("AWS_DEFAULT_PROFILE")? {
                Some(name) => (name, true),
                None => ("default".to_string(), false),
            },
        },
    };
    let config_path = match cx.env("AWS_CONFIG_FILE")? {
        Some(path) => Some(expand_home(cx, &path)?),
        None => aws_dir_path(cx, "config")?,
    };
    let credentials_path = match cx.env("AWS_SHARED_CREDENTIALS_FILE")? {
        Some(path) => Some(expand_home(cx, &path)?),
        None => aws_dir_path(cx, "credentials")?,
    };
    let config_sections = read_ini(cx, config_path.as_deref())?;
    let credentials_sections = read_ini(cx, credentials_path.as_deref())?;
    let unknown = || "(no home directory)".to_string();
    Ok(Profiles {
        name,
        explicit,
        files: ProfileFiles::new(
            config_path.unwrap_or_else(unknown),
            config_sections,
            credentials_path.unwrap_or_else(unknown),
            credentials_sections,
        ),
    })
}

fn static_keys(
    cx: &mut Cx<'_>,
    props: Option<&Props>,
    source: SourceKind,
    context: String,
) -> Run<Found> {
    let Some(props) = props else {
        return Ok(Found::No(String::new()));
    };
    let id = prop(props, "aws_access_key_id");
    let secret = prop(props, "aws_secret_access_key");
    let (id, secret) = match (id, secret) {
        (Some(id), Some(secret)) => (id, secret),
        (None, None) => return Ok(Found::No(String::new())),
        (Some(_), None) => {
            return Err(fail(
                Some(source),
                context,
                Problem::PartialCredentials {
                    missing: "aws_secret_access_key",
                },
            ));
        }
        // botocore's shared-file providers look only when `aws_access_key_id` is present: a
        // stray secret skips the profile and the chain moves on.
        (None, Some(_)) => {
            return Ok(Found::No(format!(
                "{context} (aws_secret_access_key without aws_access_key_id: skipped)"
            )));
        }
    };
    // botocore's `TOKENS = ['aws_security_token', 'aws_session_token']`: the legacy key wins
    // when both are set (the other SDKs read only aws_session_token; we follow botocore).
    let token = prop(props, "aws_security_token").or_else(|| prop(props, "aws_session_token"));
    let credentials = build_credentials(source, &context, id, secret, token, None)?;
    let account_id = prop(props, "aws_account_id").map(String::from);
    found(cx, credentials, source, context, account_id)
}

fn credentials_file(cx: &mut Cx<'_>, files: &ProfileFiles, name: &str) -> Run<Found> {
    let context = format!("profile '{name}' in {}", files.credentials_path);
    static_keys(
        cx,
        files.credentials_profile(name),
        SourceKind::CredentialsFile,
        context,
    )
}

fn config_file(cx: &mut Cx<'_>, files: &ProfileFiles, name: &str) -> Run<Found> {
    let context = format!("profile '{name}' in {}", files.config_path);
    static_keys(
        cx,
        files.config_profile(name),
        SourceKind::ConfigFile,
        context,
    )
}

fn has_static_keys(props: &Props) -> bool {
    prop(props, "aws_access_key_id").is_some()
}

/// A `role_arn` the assume-role provider serves: not one beside a `web_identity_token_file`
/// (botocore `_has_assume_role_config_vars`).
fn has_assume_role_config(props: &Props) -> bool {
    prop(props, "role_arn").is_some() && prop(props, "web_identity_token_file").is_none()
}

// ---------------------------------------------------------------------------------------------
// Assume role

fn assume_role_provider(cx: &mut Cx<'_>, config: &ChainConfig, profiles: &Profiles) -> Run<Found> {
    let props = profiles.files.merged(&profiles.name);
    // A web-identity profile also has role_arn; the web identity provider serves it.
    if !has_assume_role_config(&props) {
        return Ok(Found::No(String::new()));
    }
    let mut visited = alloc::vec![profiles.name.clone()];
    let resolved = assume_role_for(cx, config, profiles, &profiles.name, &mut visited)?;
    Ok(Found::Yes(resolved))
}

/// Assumes the role of profile `name`, resolving its source credentials first (recursively for
/// `source_profile` chains).
fn assume_role_for(
    cx: &mut Cx<'_>,
    config: &ChainConfig,
    profiles: &Profiles,
    name: &str,
    visited: &mut Vec<String>,
) -> Run<Resolved> {
    const SOURCE: SourceKind = SourceKind::AssumeRole;
    let context = format!("profile '{name}' (assume role)");
    let props = profiles.files.merged(name);
    let role_arn = prop(&props, "role_arn").unwrap_or_default().to_string();
    let source_profile = prop(&props, "source_profile").map(String::from);
    let credential_source = prop(&props, "credential_source").map(String::from);
    if prop(&props, "mfa_serial").is_some() {
        return Err(invalid(
            SOURCE,
            context,
            "mfa_serial needs an interactive MFA code, which this client does not prompt for: use \
             `aws configure export-credentials` through credential_process, or a profile without MFA",
        ));
    }
    let source_credentials = match (source_profile, credential_source) {
        (Some(_), Some(_)) => {
            return Err(invalid(
                SOURCE,
                context,
                "a profile may set source_profile or credential_source, not both",
            ));
        }
        (None, None) => {
            return Err(invalid(
                SOURCE,
                context,
                "role_arn needs source_profile or credential_source",
            ));
        }
        (None, Some(credential_source)) => {
            let found = match credential_source.as_str() {
                "Environment" => environment(cx)?,
                "Ec2InstanceMetadata" => instance_metadata(cx, profiles)?,
                "EcsContainer" => container(cx)?,
                other => {
                    return Err(invalid(
                        SOURCE,
                        context,
                        format!(
                            "credential_source '{other}' is not one of Environment, Ec2InstanceMetadata, EcsContainer"
                        ),
                    ));
                }
            };
            match found {
                Found::Yes(resolved) => resolved.credentials,
                Found::No(note) => {
                    return Err(invalid(
                        SOURCE,
                        context,
                        format!(
                            "credential_source {credential_source} found no credentials: {note}"
                        ),
                    ));
                }
            }
        }
        (Some(source_profile), None) => {
            if !profiles.files.has_profile(&source_profile) {
                return Err(fail(
                    Some(SOURCE),
                    context,
                    Problem::ProfileNotFound {
                        profile: source_profile,
                        config_path: profiles.files.config_path.clone(),
                        credentials_path: profiles.files.credentials_path.clone(),
                    },
                ));
            }
            let source_props = profiles.files.merged(&source_profile);
            let seen = visited.contains(&source_profile);
            // A profile may name itself as its source when it has static keys (botocore).
            let self_reference = source_profile == name && has_static_keys(&source_props);
            if seen && !self_reference {
                let mut chain = visited.clone();
                chain.push(source_profile);
                return Err(fail(
                    Some(SOURCE),
                    context,
                    Problem::SourceProfileLoop { chain },
                ));
            }
            // botocore `_resolve_credentials_from_profile`: a source profile with static keys,
            // or without assume-role settings, is served by the profile providers; a
            // `role_arn` next to a `web_identity_token_file` is web identity, not assume role
            // (`_has_assume_role_config_vars`), so EKS/IRSA → cross-account chains work.
            if self_reference
                || has_static_keys(&source_props)
                || !has_assume_role_config(&source_props)
            {
                match profile_credentials(cx, config, profiles, &source_profile)? {
                    Found::Yes(resolved) => resolved.credentials,
                    Found::No(_) => {
                        return Err(invalid(
                            SOURCE,
                            context,
                            format!("source profile '{source_profile}' has no credentials"),
                        ));
                    }
                }
            } else {
                visited.push(source_profile.clone());
                assume_role_for(cx, config, profiles, &source_profile, visited)?.credentials
            }
        }
    };

    let session_name = match prop(&props, "role_session_name") {
        Some(name) => name.to_string(),
        None => format!("bedrock-session-{}", cx.now()?.secs()),
    };
    let duration_seconds = match prop(&props, "duration_seconds") {
        Some(text) => Some(text.parse::<u32>().map_err(|_| {
            invalid(
                SOURCE,
                context.clone(),
                "duration_seconds is not a whole number of seconds",
            )
        })?),
        None => None,
    };
    let region = sts_region(cx, config, profiles)?;
    let endpoint = service_endpoint(
        cx,
        &profiles.files,
        &profiles.name,
        AwsService::STS,
        &region,
        Some(SOURCE),
        &context,
    )?;
    let params = AssumeRole {
        role_arn: &role_arn,
        session_name: &session_name,
        external_id: prop(&props, "external_id"),
        duration_seconds,
    };
    let StsCredentials {
        credentials,
        account_id,
    } = sts::assume_role(
        cx,
        &endpoint,
        &region,
        &source_credentials,
        &params,
        &context,
    )?;
    resolved(cx, credentials, SOURCE, context, account_id)
}

/// The providers that can serve a `source_profile` (botocore's profile provider builder, with
/// the environment variables off): web identity, SSO, credentials file, process, config file.
fn profile_credentials(
    cx: &mut Cx<'_>,
    config: &ChainConfig,
    profiles: &Profiles,
    name: &str,
) -> Run<Found> {
    if let found @ Found::Yes(_) = web_identity(cx, config, profiles, name, false)? {
        return Ok(found);
    }
    if let found @ Found::Yes(_) = sso(cx, &profiles.files, name)? {
        return Ok(found);
    }
    if let found @ Found::Yes(_) = credentials_file(cx, &profiles.files, name)? {
        return Ok(found);
    }
    if let found @ Found::Yes(_) = process(cx, &profiles.files, name)? {
        return Ok(found);
    }
    config_file(cx, &profiles.files, name)
}

/// The region of STS calls: [`ChainConfig::with_region`] (the host passes the region of the
/// call's route, as botocore creates its STS client in the region of the client that needs the
/// credentials: `Session._last_client_region_used`), else `AWS_REGION`, `AWS_DEFAULT_REGION`,
/// the profile's `region`, `us-east-1`.
fn sts_region(cx: &mut Cx<'_>, config: &ChainConfig, profiles: &Profiles) -> Run<String> {
    if let Some(region) = config.region() {
        return Ok(region.into());
    }
    for name in ["AWS_REGION", "AWS_DEFAULT_REGION"] {
        if let Some(region) = cx.env(name)? {
            return Ok(region);
        }
    }
    Ok(prop(&profiles.files.merged(&profiles.name), "region")
        .unwrap_or("us-east-1")
        .to_string())
}

/// An AWS service the chain (or a client) calls, named as the SDKs' configured-endpoint rules
/// name it: `AWS_ENDPOINT_URL_<env id>` and the `<config id> =` block of a `[services]`
/// section.
#[derive(Clone, Copy, Debug)]
pub(crate) struct AwsService {
    pub(crate) env_id: &'static str,
    pub(crate) config_id: &'static str,
    pub(crate) endpoint: ServiceEndpoint,
}

impl AwsService {
    pub(crate) const STS: Self = Self {
        env_id: "STS",
        config_id: "sts",
        endpoint: ServiceEndpoint::Sts,
    };
    pub(crate) const SSO: Self = Self {
        env_id: "SSO",
        config_id: "sso",
        endpoint: ServiceEndpoint::SsoPortal,
    };
    pub(crate) const BEDROCK_RUNTIME: Self = Self {
        env_id: "BEDROCK_RUNTIME",
        config_id: "bedrock_runtime",
        endpoint: ServiceEndpoint::BedrockRuntime,
    };
    /// SSO OIDC (botocore's service id "SSO OIDC": `AWS_ENDPOINT_URL_SSO_OIDC`, `sso_oidc`).
    pub(crate) const SSO_OIDC: Self = Self {
        env_id: "SSO_OIDC",
        config_id: "sso_oidc",
        endpoint: ServiceEndpoint::SsoOidc,
    };
}

/// How a service's endpoint is configured outside the code, found as botocore finds it: see
/// [`EndpointMachine`](super::EndpointMachine).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct EndpointConfig {
    /// A configured endpoint URL and where it was found (`AWS_ENDPOINT_URL_BEDROCK_RUNTIME`,
    /// `AWS_ENDPOINT_URL`, `[services NAME] bedrock_runtime endpoint_url`, `profile 'p'
    /// endpoint_url`), as `(origin, url)`.
    pub configured: Option<(String, String)>,
    /// `AWS_USE_FIPS_ENDPOINT` / `use_fips_endpoint`.
    pub fips: bool,
    /// `AWS_USE_DUALSTACK_ENDPOINT` / `use_dualstack_endpoint`.
    pub dual_stack: bool,
}

impl EndpointConfig {
    /// The Bedrock Runtime endpoint the rule set computes for `region` with these FIPS and
    /// dual-stack flags (`https://bedrock-runtime[-fips].<region>.<partition suffix>`).
    pub fn bedrock_runtime_url(&self, region: &str) -> String {
        ServiceEndpoint::BedrockRuntime.url(region, self.fips, self.dual_stack)
    }
}

/// The Bedrock Runtime endpoint configuration of `profile` (else `AWS_PROFILE`, …).
pub(crate) fn runtime_endpoint(cx: &mut Cx<'_>, profile: Option<&str>) -> Run<EndpointConfig> {
    let config = ChainConfig {
        profile: profile.map(String::from),
        ..ChainConfig::default()
    };
    let profiles = load_profiles(cx, &config)?;
    endpoint_config(
        cx,
        &profiles.files,
        &profiles.name,
        AwsService::BEDROCK_RUNTIME,
        None,
        "Bedrock Runtime endpoint",
    )
}

/// A boolean setting as botocore's config store reads it: the environment variable when set
/// (whatever its value), else the profile key; `true` (any case) is true, anything else false
/// (`utils.ensure_boolean`).
fn flag(cx: &mut Cx<'_>, props: &Props, env: &str, key: &str) -> Run<bool> {
    let value = match cx.env(env)? {
        Some(value) => Some(value),
        None => prop(props, key).map(String::from),
    };
    Ok(value.is_some_and(|v| v.eq_ignore_ascii_case("true")))
}

/// The endpoint configuration of `service` for `profile`, in botocore's order
/// (`ConfiguredEndpointProvider`): `AWS_ENDPOINT_URL_<SERVICE>`, `AWS_ENDPOINT_URL`, the
/// profile's `services = NAME` section's `<service> = endpoint_url = …`, the profile's
/// `endpoint_url`; none of them when `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS` /
/// `ignore_configured_endpoint_urls` is true.
///
/// # Errors
///
/// A profile naming a `[services NAME]` section that does not exist (botocore's
/// `InvalidConfigError`).
pub(crate) fn endpoint_config(
    cx: &mut Cx<'_>,
    files: &ProfileFiles,
    profile: &str,
    service: AwsService,
    source: Option<SourceKind>,
    context: &str,
) -> Run<EndpointConfig> {
    let props = files.merged(profile);
    let fips = flag(cx, &props, "AWS_USE_FIPS_ENDPOINT", "use_fips_endpoint")?;
    let dual_stack = flag(
        cx,
        &props,
        "AWS_USE_DUALSTACK_ENDPOINT",
        "use_dualstack_endpoint",
    )?;
    let ignore = flag(
        cx,
        &props,
        "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS",
        "ignore_configured_endpoint_urls",
    )?;
    let mut config = EndpointConfig {
        configured: None,
        fips,
        dual_stack,
    };
    if ignore {
        return Ok(config);
    }
    let specific = format!("AWS_ENDPOINT_URL_{}", service.env_id);
    if let Some(url) = cx.env(&specific)? {
        config.configured = Some((specific, url));
        return Ok(config);
    }
    if let Some(url) = cx.env("AWS_ENDPOINT_URL")? {
        config.configured = Some(("AWS_ENDPOINT_URL".into(), url));
        return Ok(config);
    }
    if let Some(section) = prop(&props, "services") {
        let Some(services) = files.services(section) else {
            return Err(fail(
                source,
                context,
                Problem::InvalidConfig {
                    reason: format!(
                        "profile '{profile}' uses services section '{section}', which {} does not have",
                        files.config_path
                    ),
                },
            ));
        };
        let block = services
            .get(service.config_id)
            .map(|value| nested(value))
            .unwrap_or_default();
        if let Some(url) = prop(&block, "endpoint_url") {
            config.configured = Some((
                format!("[services {section}] {} endpoint_url", service.config_id),
                url.into(),
            ));
            return Ok(config);
        }
    }
    if let Some(url) = prop(&props, "endpoint_url") {
        config.configured = Some((format!("profile '{profile}' endpoint_url"), url.into()));
    }
    Ok(config)
}

/// The endpoint of an AWS service the chain calls: a configured one ([`endpoint_config`]), else
/// the service's host in `region` and its partition, FIPS and dual-stack as configured. A
/// configured endpoint must be https, or plain http to a loopback host (a local emulator):
/// these requests carry tokens.
fn service_endpoint(
    cx: &mut Cx<'_>,
    files: &ProfileFiles,
    profile: &str,
    service: AwsService,
    region: &str,
    source: Option<SourceKind>,
    context: &str,
) -> Run<Url> {
    let config = endpoint_config(cx, files, profile, service, source, context)?;
    let invalid = |reason: String| fail(source, context, Problem::InvalidConfig { reason });
    let Some((origin, text)) = config.configured else {
        let default = service.endpoint.url(region, config.fips, config.dual_stack);
        return Url::parse(&default).map_err(|reason| invalid(reason.into()));
    };
    // The endpoint rule sets: "Invalid Configuration: FIPS and custom endpoint are not
    // supported" (and the same for dual-stack).
    if config.fips || config.dual_stack {
        return Err(invalid(format!(
            "{origin} sets a custom endpoint, which cannot be combined with FIPS or dual-stack \
             (AWS_USE_FIPS_ENDPOINT / AWS_USE_DUALSTACK_ENDPOINT)"
        )));
    }
    let url =
        Url::parse(&text).map_err(|reason| invalid(format!("{origin} is not usable: {reason}")))?;
    if !url.https && !is_loopback(&url.host) {
        return Err(invalid(format!(
            "{origin} must be https (plain http is allowed only to a loopback host)"
        )));
    }
    Ok(url)
}

// ---------------------------------------------------------------------------------------------
// Web identity

fn web_identity(
    cx: &mut Cx<'_>,
    config: &ChainConfig,
    profiles: &Profiles,
    name: &str,
    use_env: bool,
) -> Run<Found> {
    const SOURCE: SourceKind = SourceKind::WebIdentity;
    let props = profiles.files.merged(name);
    let setting = |cx: &mut Cx<'_>, env: &str, key: &str| -> Run<Option<String>> {
        if use_env && let Some(value) = cx.env(env)? {
            return Ok(Some(value));
        }
        Ok(prop(&props, key).map(String::from))
    };
    let Some(token_file) = setting(cx, "AWS_WEB_IDENTITY_TOKEN_FILE", "web_identity_token_file")?
    else {
        return Ok(Found::No(if use_env {
            "web identity (AWS_WEB_IDENTITY_TOKEN_FILE not set)".into()
        } else {
            String::new()
        }));
    };
    let context = "web identity".to_string();
    let role_arn = setting(cx, "AWS_ROLE_ARN", "role_arn")?.ok_or_else(|| {
        invalid(
            SOURCE,
            context.as_str(),
            "a web identity token file is set but no role ARN (AWS_ROLE_ARN or role_arn)",
        )
    })?;
    let session_name = match setting(cx, "AWS_ROLE_SESSION_NAME", "role_session_name")? {
        Some(name) => name,
        None => format!("bedrock-session-{}", cx.now()?.secs()),
    };
    let token_path = expand_home(cx, &token_file)?;
    let token = match read_text(cx, &token_path, Some(SOURCE))? {
        Some(token) => token.trim().to_string(),
        None => {
            return Err(invalid(
                SOURCE,
                context,
                format!("the web identity token file {token_path} does not exist"),
            ));
        }
    };
    if token.is_empty() {
        return Err(invalid(
            SOURCE,
            context,
            format!("the web identity token file {token_path} is empty"),
        ));
    }
    let region = sts_region(cx, config, profiles)?;
    let endpoint = service_endpoint(
        cx,
        &profiles.files,
        &profiles.name,
        AwsService::STS,
        &region,
        Some(SOURCE),
        &context,
    )?;
    let context = format!("web identity (role {role_arn})");
    let StsCredentials {
        credentials,
        account_id,
    } = sts::assume_role_with_web_identity(
        cx,
        &endpoint,
        &role_arn,
        &session_name,
        &token,
        &context,
    )?;
    found(cx, credentials, SOURCE, context, account_id)
}

// ---------------------------------------------------------------------------------------------
// SSO

/// The keys that make a profile an SSO credentials profile (botocore `SSOProvider`:
/// "Role name & Account ID indicate the cred provider should be used"); `sso_session` or
/// `sso_start_url` alone (a profile only used for `aws sso login`) do not.
const SSO_PROFILE_KEYS: [&str; 2] = ["sso_account_id", "sso_role_name"];

fn sso(cx: &mut Cx<'_>, files: &ProfileFiles, name: &str) -> Run<Found> {
    const SOURCE: SourceKind = SourceKind::Sso;
    let props = files.merged(name);
    if SSO_PROFILE_KEYS.iter().all(|k| prop(&props, k).is_none()) {
        return Ok(Found::No(String::new()));
    }
    let context = format!("profile '{name}' (SSO)");
    let login = if name == "default" {
        String::new()
    } else {
        format!(" --profile {name}")
    };
    let (start_url, sso_region, cache_key) = match prop(&props, "sso_session") {
        Some(session) => {
            let session_props = files.sso_session(session).ok_or_else(|| {
                invalid(
                    SOURCE,
                    context.as_str(),
                    format!(
                        "sso_session '{session}' has no [sso-session {session}] section in {}",
                        files.config_path
                    ),
                )
            })?;
            let start_url = prop(session_props, "sso_start_url");
            let region = prop(session_props, "sso_region");
            for (key, value) in [("sso_start_url", start_url), ("sso_region", region)] {
                if let (Some(profile_value), Some(session_value)) = (prop(&props, key), value)
                    && profile_value != session_value
                {
                    return Err(invalid(
                        SOURCE,
                        context,
                        format!("the profile's {key} differs from sso-session '{session}'"),
                    ));
                }
            }
            (start_url, region, session.to_string())
        }
        None => {
            let start_url = prop(&props, "sso_start_url");
            (
                start_url,
                prop(&props, "sso_region"),
                start_url.unwrap_or_default().to_string(),
            )
        }
    };
    let account_id = prop(&props, "sso_account_id");
    let role_name = prop(&props, "sso_role_name");
    let missing: Vec<&str> = [
        ("sso_start_url", start_url),
        ("sso_region", sso_region),
        ("sso_account_id", account_id),
        ("sso_role_name", role_name),
    ]
    .into_iter()
    .filter(|(_, v)| v.is_none())
    .map(|(k, _)| k)
    .collect();
    let (Some(sso_region), Some(account_id), Some(role_name), true) =
        (sso_region, account_id, role_name, missing.is_empty())
    else {
        return Err(invalid(
            SOURCE,
            context,
            format!(
                "the profile is configured for SSO but lacks {}",
                missing.join(", ")
            ),
        ));
    };

    // The AWS CLI's token cache: ~/.aws/sso/cache/<sha1 hex of the session name or start URL>.json
    let Some(home) = cx.home()? else {
        return Err(invalid(
            SOURCE,
            context,
            "no home directory to find the SSO token cache in",
        ));
    };
    let path = join(
        &home,
        &format!(".aws/sso/cache/{}.json", sha1_hex(cache_key.as_bytes())),
    );
    let Some(text) = read_text(cx, &path, Some(SOURCE))? else {
        return Err(fail(
            Some(SOURCE),
            context,
            Problem::SsoTokenMissing { path, login },
        ));
    };
    let bad_cache = |what: &str| {
        fail(
            Some(SOURCE),
            context.as_str(),
            Problem::InvalidResponse {
                reason: format!("the SSO token cache file {path} {what}"),
            },
        )
    };
    let cache: Value = serde_json::from_str(&text).map_err(|_| bad_cache("is not valid JSON"))?;
    let mut access_token = cache
        .get("accessToken")
        .and_then(Value::as_str)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| bad_cache("has no accessToken"))?
        .to_string();
    let mut expires_at = cache
        .get("expiresAt")
        .and_then(Value::as_str)
        .and_then(|t| UnixTime::parse_iso8601(t.trim()).ok())
        .ok_or_else(|| bad_cache("has no valid expiresAt"))?;
    let now = cx.now()?;
    // An `sso_session` profile refreshes its token with SSO OIDC inside botocore's window
    // (`SSOTokenProvider`); a legacy profile (`sso_start_url` in the profile) never does.
    if let Some(session) = prop(&props, "sso_session")
        && expires_at.secs() < now.secs().saturating_add(sso_oidc::REFRESH_WINDOW_SECS)
    {
        let oidc = service_endpoint(
            cx,
            files,
            name,
            AwsService::SSO_OIDC,
            sso_region,
            Some(SOURCE),
            &context,
        )?;
        let start_url = start_url.unwrap_or_default();
        match sso_oidc::refresh(cx, &oidc, &cache, start_url, sso_region, &path, now)? {
            sso_oidc::Refresh::Refreshed {
                access_token: token,
                expires_at: expiry,
            } => {
                access_token = token;
                expires_at = expiry;
            }
            sso_oidc::Refresh::NotRefreshed => {}
            sso_oidc::Refresh::Unreachable(failure) if expires_at <= now => {
                return Err(fail(
                    Some(SOURCE),
                    format!("{context}: refreshing the token of sso-session '{session}'"),
                    Problem::Transport(failure),
                ));
            }
            sso_oidc::Refresh::Unreachable(_) => {}
        }
    }
    if expires_at <= now {
        return Err(fail(
            Some(SOURCE),
            context,
            Problem::SsoTokenExpired {
                expired_at: expires_at,
                login,
            },
        ));
    }
    if access_token.bytes().any(|b| b.is_ascii_control()) {
        return Err(bad_cache("has an accessToken with control characters"));
    }

    // The portal of the token's region, in that region's partition.
    let portal = service_endpoint(
        cx,
        files,
        name,
        AwsService::SSO,
        sso_region,
        Some(SOURCE),
        &context,
    )?;
    let mut target = portal.join("federation/credentials").target;
    target.push_str("?role_name=");
    crate::percent::encode(&mut target, role_name);
    target.push_str("&account_id=");
    crate::percent::encode(&mut target, account_id);
    let mut request = HttpRequest {
        method: "GET",
        https: portal.https,
        host: portal.host.clone(),
        port: portal.port,
        target,
        headers: Vec::new(),
        body: Vec::new(),
        timeout: Duration::from_secs(30),
    };
    request.headers = alloc::vec![
        ("Host", request.host_header()),
        ("Accept", "application/json".into()),
        ("x-amz-sso_bearer_token", access_token),
    ];
    let response = backoff::send(cx, &request, &Retry::STANDARD)?
        .map_err(|failure| fail(Some(SOURCE), context.as_str(), Problem::Transport(failure)))?;
    if response.status != 200 {
        return Err(fail(Some(SOURCE), context, json_service_error(&response)));
    }
    let body: Value = serde_json::from_slice(&response.body).map_err(|_| {
        fail(
            Some(SOURCE),
            context.as_str(),
            Problem::InvalidResponse {
                reason: "the SSO portal's response is not JSON".into(),
            },
        )
    })?;
    let role = body.get("roleCredentials").unwrap_or(&Value::Null);
    let field = |name: &'static str| {
        role.get(name)
            .and_then(Value::as_str)
            .filter(|v| !v.is_empty())
            .ok_or_else(|| {
                fail(
                    Some(SOURCE),
                    context.as_str(),
                    Problem::InvalidResponse {
                        reason: format!("the SSO portal's response has no roleCredentials.{name}"),
                    },
                )
            })
    };
    let id = field("accessKeyId")?;
    let secret = field("secretAccessKey")?;
    let token = field("sessionToken")?;
    let expiration = role
        .get("expiration")
        .and_then(Value::as_u64)
        .and_then(|ms| UnixTime::from_millis(ms).ok())
        .ok_or_else(|| {
            fail(
                Some(SOURCE),
                context.as_str(),
                Problem::InvalidResponse {
                    reason: "the SSO portal's response has no valid roleCredentials.expiration"
                        .into(),
                },
            )
        })?;
    let credentials =
        build_credentials(SOURCE, &context, id, secret, Some(token), Some(expiration))?;
    found(cx, credentials, SOURCE, context, Some(account_id.into()))
}

/// A JSON error body (`{"message": …}` with the type in `x-amzn-ErrorType`, `__type` or
/// `code`) as a [`Problem::Service`].
fn json_service_error(response: &HttpResponse) -> Problem {
    let json: Option<Value> = serde_json::from_slice(&response.body).ok();
    let text = |names: &[&str]| {
        json.as_ref().and_then(|j| {
            names
                .iter()
                .find_map(|n| j.get(*n).and_then(Value::as_str))
                .map(String::from)
        })
    };
    let code = response
        .header("x-amzn-ErrorType")
        .map(String::from)
        .or_else(|| text(&["__type", "code", "Code"]))
        .map(|c| crate::error::sanitize_error_type(&c))
        .filter(|c| !c.is_empty());
    let message = text(&["message", "Message"]).unwrap_or_default();
    Problem::Service {
        status: response.status,
        code,
        message: bounded(&message, 300),
        request_id: response.header("x-amzn-RequestId").map(String::from),
    }
}

/// At most `max` characters, control characters replaced by spaces.
fn bounded(text: &str, max: usize) -> String {
    text.trim()
        .chars()
        .take(max)
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// credential_process

fn process(cx: &mut Cx<'_>, files: &ProfileFiles, name: &str) -> Run<Found> {
    const SOURCE: SourceKind = SourceKind::CredentialProcess;
    let props = files.merged(name);
    let Some(line) = prop(&props, "credential_process") else {
        return Ok(Found::No(String::new()));
    };
    let context = format!("credential_process (profile '{name}')");
    let output = cx.command(line)?.map_err(|reason| {
        fail(
            Some(SOURCE),
            context.as_str(),
            Problem::CommandNotRun { reason },
        )
    })?;
    if !output.success() {
        return Err(fail(
            Some(SOURCE),
            context,
            Problem::CommandFailed {
                status: output.status,
                stderr: bounded(&String::from_utf8_lossy(&output.stderr), 500),
            },
        ));
    }
    let bad = |reason: String| {
        fail(
            Some(SOURCE),
            context.as_str(),
            Problem::InvalidResponse { reason },
        )
    };
    // Never echo the output: it is full of secrets. serde_json's position is enough.
    let json: Value = serde_json::from_slice(&output.stdout).map_err(|e| {
        bad(format!(
            "its output is not valid JSON (line {}, column {})",
            e.line(),
            e.column()
        ))
    })?;
    match json.get("Version") {
        Some(Value::Number(n)) if n.as_u64() == Some(1) => {}
        Some(Value::Number(n)) => {
            return Err(fail(
                Some(SOURCE),
                context,
                Problem::UnsupportedVersion {
                    version: n.to_string(),
                },
            ));
        }
        Some(_) => {
            return Err(fail(
                Some(SOURCE),
                context,
                Problem::UnsupportedVersion {
                    version: "(not a number)".into(),
                },
            ));
        }
        None => {
            return Err(fail(
                Some(SOURCE),
                context,
                Problem::UnsupportedVersion {
                    version: "(missing)".into(),
                },
            ));
        }
    }
    let text = |field: &'static str| -> Result<Option<&str>, Flow> {
        match json.get(field) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.as_str())),
            Some(_) => Err(bad(format!("its {field} is not a string"))),
        }
    };
    let id = text("AccessKeyId")?.ok_or_else(|| bad("its output has no AccessKeyId".into()))?;
    let secret =
        text("SecretAccessKey")?.ok_or_else(|| bad("its output has no SecretAccessKey".into()))?;
    let token = text("SessionToken")?;
    let expires_at = match text("Expiration")? {
        Some(t) => Some(
            UnixTime::parse_iso8601(t.trim())
                .map_err(|_| bad("its Expiration is not an ISO-8601 time".into()))?,
        ),
        None => None,
    };
    let account_id = text("AccountId")?.map(String::from);
    let credentials = build_credentials(SOURCE, &context, id, secret, token, expires_at)?;
    found(cx, credentials, SOURCE, context, account_id)
}

// ---------------------------------------------------------------------------------------------
// Container (ECS task role, EKS Pod Identity)

const ECS_HOST: &str = "169.254.170.2";
/// Hosts plain HTTP may reach besides loopback: ECS, EKS Pod Identity (IPv4 and IPv6).
const CONTAINER_HOSTS: [&str; 3] = [ECS_HOST, "169.254.170.23", "fd00:ec2::23"];

fn container(cx: &mut Cx<'_>) -> Run<Found> {
    const SOURCE: SourceKind = SourceKind::Container;
    let context = "container credentials endpoint";
    let url = if let Some(relative) = cx.env("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI")? {
        // It must stay a path on the ECS agent: `/v2/…`, never `.evil.example/…`.
        let parsed = Url::parse(&format!("http://{ECS_HOST}{relative}"))
            .ok()
            .filter(|url| relative.starts_with('/') && url.host == ECS_HOST);
        parsed.ok_or_else(|| {
            invalid(
                SOURCE,
                context,
                "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI must be a path starting with '/'",
            )
        })?
    } else if let Some(full) = cx.env("AWS_CONTAINER_CREDENTIALS_FULL_URI")? {
        let url = Url::parse(&full).map_err(|reason| {
            invalid(
                SOURCE,
                context,
                format!("AWS_CONTAINER_CREDENTIALS_FULL_URI is not usable: {reason}"),
            )
        })?;
        let allowed = url.https
            || is_loopback(&url.host)
            || CONTAINER_HOSTS.iter().any(|h| same_ip(&url.host, h));
        if !allowed {
            return Err(fail(
                Some(SOURCE),
                context,
                Problem::DisallowedHost { host: url.host },
            ));
        }
        url
    } else {
        return Ok(Found::No(
            "container (AWS_CONTAINER_CREDENTIALS_RELATIVE_URI / _FULL_URI not set)".into(),
        ));
    };

    // The token file wins and is re-read on every fetch (EKS rotates it).
    let token = if let Some(path) = cx.env("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE")? {
        match read_text(cx, &path, Some(SOURCE))? {
            Some(token) => Some(token.trim().to_string()),
            None => {
                return Err(invalid(
                    SOURCE,
                    context,
                    format!(
                        "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE names {path}, which does not exist"
                    ),
                ));
            }
        }
    } else {
        cx.env("AWS_CONTAINER_AUTHORIZATION_TOKEN")?
    };
    if token.as_deref().is_some_and(|t| t.contains(['\r', '\n'])) {
        return Err(invalid(
            SOURCE,
            context,
            "the container authorization token contains CR or LF",
        ));
    }
    let mut request = HttpRequest {
        method: "GET",
        https: url.https,
        host: url.host.clone(),
        port: url.port,
        target: url.target.clone(),
        headers: Vec::new(),
        body: Vec::new(),
        timeout: Duration::from_secs(2),
    };
    request.headers.push(("Host", request.host_header()));
    request.headers.push(("Accept", "application/json".into()));
    if let Some(token) = token.filter(|t| !t.is_empty()) {
        request.headers.push(("Authorization", token));
    }
    let context = format!("container credentials endpoint {}", url.origin());
    let response = backoff::send(cx, &request, &Retry::CONTAINER)?
        .map_err(|failure| fail(Some(SOURCE), context.as_str(), Problem::Transport(failure)))?;
    if response.status != 200 {
        return Err(fail(Some(SOURCE), context, json_service_error(&response)));
    }
    let (credentials, account_id) = credentials_json(&response.body, "Token", SOURCE, &context)?;
    found(cx, credentials, SOURCE, context, account_id)
}

/// `{AccessKeyId, SecretAccessKey, <token field>, Expiration, AccountId?}` (container and IMDS).
fn credentials_json(
    body: &[u8],
    token_field: &str,
    source: SourceKind,
    context: &str,
) -> Run<(Credentials, Option<String>)> {
    let bad = |reason: String| fail(Some(source), context, Problem::InvalidResponse { reason });
    let json: Value =
        serde_json::from_slice(body).map_err(|_| bad("the response is not JSON".into()))?;
    let field = |name: &str| {
        json.get(name)
            .and_then(Value::as_str)
            .filter(|v| !v.is_empty())
            .ok_or_else(|| bad(format!("the response has no {name}")))
    };
    let id = field("AccessKeyId")?;
    let secret = field("SecretAccessKey")?;
    let token = field(token_field)?;
    let expires_at = UnixTime::parse_iso8601(field("Expiration")?.trim())
        .map_err(|_| bad("the response's Expiration is not an ISO-8601 time".into()))?;
    let credentials =
        build_credentials(source, context, id, secret, Some(token), Some(expires_at))?;
    let account_id = json
        .get("AccountId")
        .and_then(Value::as_str)
        .map(String::from);
    Ok((credentials, account_id))
}

// ---------------------------------------------------------------------------------------------
// EC2 instance metadata (IMDSv2 with botocore's IMDSv1 fallback)

const IMDS_TIMEOUT: Duration = Duration::from_secs(1);
const IMDS_CREDENTIALS_PATH: &str = "latest/meta-data/iam/security-credentials/";

fn instance_metadata(cx: &mut Cx<'_>, profiles: &Profiles) -> Run<Found> {
    const SOURCE: SourceKind = SourceKind::InstanceMetadata;
    let context = "EC2 instance metadata";
    let props = profiles.files.merged(&profiles.name);
    let is_true = |v: Option<String>| v.is_some_and(|v| v.eq_ignore_ascii_case("true"));
    if is_true(cx.env("AWS_EC2_METADATA_DISABLED")?) {
        return Ok(Found::No(
            "EC2 instance metadata (disabled by AWS_EC2_METADATA_DISABLED)".into(),
        ));
    }
    let setting = |cx: &mut Cx<'_>, env: &str, key: &str| -> Run<Option<String>> {
        Ok(cx.env(env)?.or_else(|| prop(&props, key).map(String::from)))
    };
    let base = match setting(
        cx,
        "AWS_EC2_METADATA_SERVICE_ENDPOINT",
        "ec2_metadata_service_endpoint",
    )? {
        Some(endpoint) => endpoint,
        None => match setting(
            cx,
            "AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE",
            "ec2_metadata_service_endpoint_mode",
        )?
        .map(|m| m.to_ascii_lowercase())
        .as_deref()
        {
            None | Some("ipv4") => "http://169.254.169.254".into(),
            Some("ipv6") => "http://[fd00:ec2::254]".into(),
            Some(_) => {
                return Err(invalid(
                    SOURCE,
                    context,
                    "the IMDS endpoint mode must be IPv4 or IPv6",
                ));
            }
        },
    };
    let base = Url::parse(&base).map_err(|reason| {
        invalid(
            SOURCE,
            context,
            format!("the IMDS endpoint is not usable: {reason}"),
        )
    })?;
    let v1_disabled = is_true(setting(
        cx,
        "AWS_EC2_METADATA_V1_DISABLED",
        "ec2_metadata_v1_disabled",
    )?);
    // botocore's `metadata_service_num_attempts` and `metadata_service_timeout` (seconds); the
    // default attempts differ from botocore's 1 (see `backoff`).
    let attempts = match setting(
        cx,
        "AWS_METADATA_SERVICE_NUM_ATTEMPTS",
        "metadata_service_num_attempts",
    )? {
        Some(text) => text
            .parse::<u32>()
            .ok()
            .filter(|n| *n >= 1)
            .ok_or_else(|| {
                invalid(
                    SOURCE,
                    context,
                    "metadata_service_num_attempts must be a whole number of at least 1",
                )
            })?,
        None => Retry::IMDS_ATTEMPTS,
    };
    let timeout = match setting(
        cx,
        "AWS_METADATA_SERVICE_TIMEOUT",
        "metadata_service_timeout",
    )? {
        Some(text) => text
            .parse::<f64>()
            .ok()
            .filter(|t| t.is_finite() && *t > 0.0 && *t <= 3600.0)
            .map(Duration::from_secs_f64)
            .ok_or_else(|| {
                invalid(
                    SOURCE,
                    context,
                    "metadata_service_timeout must be a number of seconds",
                )
            })?,
        None => IMDS_TIMEOUT,
    };
    let imds_request = |url: &Url, method| imds_request(url, method, timeout);
    let context = format!("EC2 instance metadata at {}", base.origin());
    let no = |why: &str| Ok(Found::No(format!("EC2 instance metadata ({why})")));

    // IMDSv2 token. botocore: 200 → token; 403/404/405 or a read timeout → no token (IMDSv1,
    // which a container with hop limit 1 needs); 400 → give up. 5xx, 429 and resets are
    // retried first. A connection failure (including a connect timeout: no IMDS here) is
    // final at once, so a laptop pays one connect timeout, not one per attempt and fallback.
    let token_url = base.join("latest/api/token");
    let mut request = imds_request(&token_url, "PUT");
    request
        .headers
        .push(("x-aws-ec2-metadata-token-ttl-seconds", "21600".into()));
    let token = match backoff::send(cx, &request, &Retry::imds(attempts, true))? {
        Ok(response) if response.status == 200 => {
            let token = String::from_utf8_lossy(&response.body).trim().to_string();
            if token.is_empty() || token.bytes().any(|b| b.is_ascii_control()) {
                return no("the token response was empty or malformed");
            }
            Some(token)
        }
        Ok(response) if matches!(response.status, 403..=405) => None,
        Ok(response) if response.status == 400 => {
            return no("the token request was refused with HTTP 400");
        }
        Ok(response) => {
            return no(&format!(
                "the token request failed with HTTP {}",
                response.status
            ));
        }
        Err(failure) if failure.kind == HttpFailureKind::Timeout => None,
        Err(failure) => return no(&format!("unreachable: {failure}")),
    };
    if token.is_none() && v1_disabled {
        return no("no IMDSv2 token and IMDSv1 is disabled by AWS_EC2_METADATA_V1_DISABLED");
    }

    let role_url = base.join(IMDS_CREDENTIALS_PATH);
    let get = Retry::imds(attempts, false);
    let role_request = with_token(imds_request(&role_url, "GET"), token.as_deref());
    let role = match backoff::send(cx, &role_request, &get)? {
        Ok(response) if response.status == 200 => {
            let text = String::from_utf8_lossy(&response.body);
            let role = text.lines().next().unwrap_or_default().trim().to_string();
            if role.is_empty() {
                return no("no IAM role is attached to the instance");
            }
            role
        }
        Ok(response) if response.status == 404 => {
            return no("no IAM role is attached to the instance");
        }
        Ok(response) => {
            return no(&format!(
                "the role request failed with HTTP {}",
                response.status
            ));
        }
        Err(failure) => return no(&format!("unreachable: {failure}")),
    };
    let mut path = String::from(IMDS_CREDENTIALS_PATH);
    crate::percent::encode(&mut path, &role);
    let credentials_url = base.join(&path);
    let credentials_request = with_token(imds_request(&credentials_url, "GET"), token.as_deref());
    let response = match backoff::send(cx, &credentials_request, &get)? {
        Ok(response) if response.status == 200 => response,
        Ok(response) => {
            return no(&format!(
                "the credentials request failed with HTTP {}",
                response.status
            ));
        }
        Err(failure) => return no(&format!("unreachable: {failure}")),
    };
    // A 200 can carry an error document ({"Code": "...", "Message": ...}): botocore treats
    // missing fields as "no credentials", and so do we.
    match credentials_json(&response.body, "Token", SOURCE, &context) {
        Ok((credentials, account_id)) => found(
            cx,
            credentials,
            SOURCE,
            format!("{context} (role {role})"),
            account_id,
        ),
        Err(Flow::Fail(e)) => no(&format!("role {role}: {}", e.into_problem())),
        Err(need) => Err(need),
    }
}

fn imds_request(url: &Url, method: &'static str, timeout: Duration) -> HttpRequest {
    let mut request = HttpRequest {
        method,
        https: url.https,
        host: url.host.clone(),
        port: url.port,
        target: url.target.clone(),
        headers: Vec::new(),
        body: Vec::new(),
        timeout,
    };
    request.headers.push(("Host", request.host_header()));
    if method == "PUT" {
        request.headers.push(("Content-Length", "0".into()));
    }
    request
}

fn with_token(mut request: HttpRequest, token: Option<&str>) -> HttpRequest {
    if let Some(token) = token {
        request
            .headers
            .push(("x-aws-ec2-metadata-token", token.into()));
    }
    request
}
