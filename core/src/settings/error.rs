//! [`SettingsError`]: what is wrong with a settings file or a routing request, and where.

use alloc::string::String;
use core::fmt;

use crate::catalog::Provider;

/// A settings or routing failure: a [`SettingsProblem`] and, for problems in the settings text,
/// the 1-based line it is on.
///
/// Display is one lowercase line without a trailing period, prefixed with `line N: ` when the
/// line is known. It names keys, never values: a value that failed validation may be a secret
/// pasted into the wrong place, so neither `Display` nor `Debug` ever contains one.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct SettingsError {
    problem: SettingsProblem,
    line: Option<usize>,
}

impl SettingsError {
    pub(crate) fn new(problem: SettingsProblem, line: Option<usize>) -> Self {
        Self { problem, line }
    }

    /// A stable, snake_case name for the error, which conformance vectors match on.
    pub fn kind(&self) -> &'static str {
        self.problem.kind()
    }

    /// The 1-based line of the settings text the problem is on, when it comes from the text.
    pub fn line(&self) -> Option<usize> {
        self.line
    }

    /// What is wrong, with its structured fields.
    pub fn problem(&self) -> &SettingsProblem {
        &self.problem
    }
}

impl fmt::Display for SettingsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(line) = self.line {
            write!(f, "line {line}: ")?;
        }
        fmt::Display::fmt(&self.problem, f)
    }
}

impl core::error::Error for SettingsError {}

/// What is wrong with the settings, or why a model cannot be routed.
///
/// `key` fields hold the dotted TOML path of the key (`llm.providers.bedrock.base_url`), never
/// the value found there.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum SettingsProblem {
    /// The text is not valid TOML; `message` is the parser's description (which never quotes
    /// the input).
    Syntax {
        /// The parser's description of the problem.
        message: String,
    },
    /// `_version` is present and is not `1`.
    UnsupportedVersion,
    /// A key the schema does not have (often a typo).
    UnknownKey {
        /// The dotted path of the key.
        key: String,
    },
    /// A value of the wrong TOML type.
    InvalidType {
        /// The dotted path of the key.
        key: String,
        /// What the schema expects, e.g. `a string`.
        expected: &'static str,
    },
    /// A value of the right type outside what the schema allows.
    InvalidValue {
        /// The dotted path of the key.
        key: String,
        /// What the schema expects, e.g. `a positive integer below 2^32`.
        expected: &'static str,
    },
    /// A provider id other than `bedrock` and `bedrock-openai`.
    UnknownProvider {
        /// The dotted path of the table or key that names it.
        key: String,
    },
    /// A user model that is not in the built-in catalog lacks a required key.
    MissingKey {
        /// The dotted path of the missing key.
        key: String,
    },
    /// A credential reference that is not `env:NAME`, `vault:NAME` or `aws_sigv4`: most likely
    /// a literal secret, which the settings file must not hold.
    LiteralSecret {
        /// The dotted path of the `credentials` key.
        key: String,
        /// The 1-based position of the entry in the list.
        index: usize,
    },
    /// An `env:` or `vault:` reference whose name is not an identifier (`[A-Za-z_][A-Za-z0-9_]*`).
    InvalidCredentialName {
        /// The dotted path of the `credentials` key.
        key: String,
        /// The 1-based position of the entry in the list.
        index: usize,
    },
    /// `aws_sigv4` in the credentials of a provider that accepts only API keys.
    SigV4NotSupported {
        /// The provider.
        provider: Provider,
    },
    /// A `base_url` (or an endpoint override) that is not a usable endpoint URL.
    InvalidUrl {
        /// The dotted path of the key, or `base_url override`.
        key: String,
        /// What is wrong with it.
        problem: UrlProblem,
    },
    /// A region that is not lowercase letters, digits and `-`.
    InvalidRegion {
        /// The dotted path of the key, or where the region came from (`region override`,
        /// `AWS_REGION`).
        key: String,
    },
    /// A model id that is neither built in nor defined in the settings.
    UnknownModel {
        /// The id asked for.
        model: String,
    },
    /// The model's provider is disabled.
    ProviderDisabled {
        /// The provider.
        provider: Provider,
    },
    /// No region is known for the model's provider.
    MissingRegion {
        /// The provider.
        provider: Provider,
        /// Whether the provider has an explicit `base_url` (whose host names no region); then
        /// only an explicit `region` setting helps, not `AWS_REGION`.
        custom_endpoint: bool,
    },
}

impl SettingsProblem {
    /// A stable, snake_case name for the problem.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Syntax { .. } => "syntax",
            Self::UnsupportedVersion => "unsupported_version",
            Self::UnknownKey { .. } => "unknown_key",
            Self::InvalidType { .. } => "invalid_type",
            Self::InvalidValue { .. } => "invalid_value",
            Self::UnknownProvider { .. } => "unknown_provider",
            Self::MissingKey { .. } => "missing_key",
            Self::LiteralSecret { .. } => "literal_secret",
            Self::InvalidCredentialName { .. } => "invalid_credential_name",
            Self::SigV4NotSupported { .. } => "sigv4_not_supported",
            Self::InvalidUrl { .. } => "invalid_url",
            Self::InvalidRegion { .. } => "invalid_region",
            Self::UnknownModel { .. } => "unknown_model",
            Self::ProviderDisabled { .. } => "provider_disabled",
            Self::MissingRegion { .. } => "missing_region",
        }
    }
}

impl fmt::Display for SettingsProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Syntax { message } => write!(f, "invalid TOML: {message}"),
            Self::UnsupportedVersion => {
                f.write_str("unsupported settings _version; this build reads _version = 1")
            }
            Self::UnknownKey { key } => write!(f, "unknown key {key}"),
            Self::InvalidType { key, expected } => write!(f, "{key} must be {expected}"),
            Self::InvalidValue { key, expected } => write!(f, "{key} must be {expected}"),
            Self::UnknownProvider { key } => write!(
                f,
                "unknown provider at {key}; providers are \"bedrock\" and \"bedrock-openai\""
            ),
            Self::MissingKey { key } => write!(
                f,
                "{key} is required for a model that is not in the built-in catalog"
            ),
            Self::LiteralSecret { key, index } => write!(
                f,
                "entry {index} of {key} is not env:NAME, vault:NAME or aws_sigv4; a literal secret is \
                 not allowed in the settings file: put it in an environment variable (env:NAME) or \
                 the vault (vault:NAME)"
            ),
            Self::InvalidCredentialName { key, index } => write!(
                f,
                "entry {index} of {key} names an invalid variable; names are letters, digits and '_', \
                 not starting with a digit"
            ),
            Self::SigV4NotSupported { provider } => write!(
                f,
                "aws_sigv4 is not a credential for provider {provider}, which accepts only Bedrock API \
                 keys; remove it from llm.providers.{provider}.auth.credentials"
            ),
            Self::InvalidUrl { key, problem } => {
                write!(f, "{key} is not a usable endpoint URL: {problem}")
            }
            Self::InvalidRegion { key } => write!(
                f,
                "{key} is not a region name (lowercase letters, digits and '-', e.g. us-east-1)"
            ),
            Self::UnknownModel { model } => write!(
                f,
                "unknown model {model:?}; pick one from `bedrock model list` or add it to settings.toml \
                 as [llm.models.\"{model}\"] with provider and api_id"
            ),
            Self::ProviderDisabled { provider } => write!(
                f,
                "provider {provider} is disabled; set enabled = true in [llm.providers.{provider}]"
            ),
            Self::MissingRegion {
                provider,
                custom_endpoint: true,
            } => write!(
                f,
                "no region for provider {provider}: its base_url host does not name one; set region in \
                 [llm.providers.{provider}]"
            ),
            Self::MissingRegion {
                provider,
                custom_endpoint: false,
            } => write!(
                f,
                "no region for provider {provider}; set region in [llm.providers.{provider}] or AWS_REGION"
            ),
        }
    }
}

/// What is wrong with an endpoint URL.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum UrlProblem {
    /// The scheme is not `https://` or `http://`.
    Scheme,
    /// There is no host.
    MissingHost,
    /// The URL has a `user:password@` part; credentials belong in `auth.credentials`.
    Userinfo,
    /// The URL has a `?query` or a `#fragment`.
    QueryOrFragment,
    /// The host is not a DNS name, an IPv4 address or a bracketed IPv6 address.
    InvalidHost,
    /// The port is not a number in 1..=65535.
    InvalidPort,
    /// The path has whitespace, control or non-ASCII characters.
    InvalidPath,
    /// Plain `http://` to a host other than a loopback one (credentials would travel in clear).
    PlainHttpToRemoteHost,
}

impl fmt::Display for UrlProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Scheme => "it must start with https:// (or http:// for a loopback host)",
            Self::MissingHost => "it has no host",
            Self::Userinfo => {
                "it has a user:password@ part; credentials belong in auth.credentials"
            }
            Self::QueryOrFragment => "it may not have a ?query or #fragment",
            Self::InvalidHost => {
                "its host is not a DNS name, an IPv4 address or a bracketed IPv6 address"
            }
            Self::InvalidPort => "its port is not a number in 1..=65535",
            Self::InvalidPath => "its path has whitespace, control or non-ASCII characters",
            Self::PlainHttpToRemoteHost => {
                "plain http:// is allowed only to a loopback host (localhost, 127.0.0.0/8, [::1])"
            }
        })
    }
}
