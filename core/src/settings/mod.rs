//! `settings.toml`: providers, credential references, user models, and routing a model id to
//! an endpoint.
//!
//! The core never reads the file: the adapter reads it and hands the text to
//! [`Settings::parse`] (on every target with pointer-sized atomics; on `thumbv6m-none-eabi`, whose
//! `alloc` has no `Arc` for the `toml` crate, settings are built in code from
//! [`Settings::default`]). The result answers one question for the exchange,
//! [`Settings::route`]: for this model id, which provider, wire id, endpoint, SigV4 region and
//! signing name, and which credentials to try in which order.
//!
//! # Schema (`_version = 1`)
//!
//! ```toml
//! _version = 1                      # optional; a missing _version reads as 1, any other value is an error
//!
//! [llm.providers.bedrock]           # or bedrock-openai; no other provider ids exist
//! enabled = true                    # default false: both providers ship disabled
//! base_url = "https://bedrock-runtime.us-west-2.amazonaws.com"   # optional; the region is derived from it
//! region = "us-west-2"              # optional; wins over the region derived from base_url
//! timeouts = { connect = 10, first_byte = 3600, idle = 300 }      # optional, whole seconds; see below
//! [llm.providers.bedrock.auth]
//! credentials = ["env:AWS_BEARER_TOKEN_BEDROCK", "vault:BEDROCK_API_KEY", "aws_sigv4"]
//!
//! [llm.models."my-claude"]          # merged over the built-in catalog row of the same id, if any
//! provider = "bedrock"              # required for a new id
//! api_id = "arn:aws:bedrock:us-west-2:123456789012:application-inference-profile/abc"   # required for a new id
//! billing_policy = "anthropic"      # or "openai"
//! limits = { context_window = 200000, max_output = 64000 }
//! features = { tools = true, vision = true, reasoning = true, prompt_cache = true, sampling_params = true }
//! costs = { input = 3.0, output = 15.0, cache_read = 0.3 }          # USD per million tokens
//!
//! [llm.vault]
//! path = "/home/me/.local/share/bedrock/vault"   # the local secret vault (read by the host layer)
//! ```
//!
//! Every key outside this schema is an error naming the key and its 1-based line, at any depth.
//! Errors name keys, never values: a value in the wrong place may be a pasted secret.
//!
//! # Timeouts
//!
//! `timeouts` (an inline table, or a `[llm.providers.<id>.timeouts]` section) sets any of, in
//! whole seconds from 1 to 86400:
//!
//! | key | meaning | default |
//! |---|---|---|
//! | `connect` | TCP connect, TLS handshake and a proxy's `CONNECT` | 30 |
//! | `first_byte` | from sending to the first response byte of a Converse, which comes only once the whole answer is generated: the longest generation allowed. ConverseStream and CountTokens wait the smaller of `first_byte` and `idle` | 3600 |
//! | `idle` | the longest silence between response bytes (and a stream's wait for its first byte) | 300 |
//!
//! A Converse whose first byte does not come in time is not retried (the answer may already
//! be generated and billed). A program's own setting (the `bedrock` CLI's `--timeout`, a
//! client builder's timeouts) wins over the file.
//!
//! # Credential references
//!
//! `credentials` is an ordered list of `env:NAME`, `vault:NAME` and `aws_sigv4`, tried in order
//! by the auth layer; the first that resolves wins. `NAME` is `[A-Za-z_][A-Za-z0-9_]*`. Anything
//! else is rejected as a probable literal secret, and the error does not echo it. `aws_sigv4` is
//! valid only for `bedrock` (mantle's Responses API takes Bedrock API keys only). When
//! `credentials` is absent the defaults are [`CredentialRef::defaults`]:
//! `env:AWS_BEARER_TOKEN_BEDROCK`, `env:BEDROCK_API_KEY`, `vault:AWS_BEARER_TOKEN_BEDROCK`,
//! `vault:BEDROCK_API_KEY`, then `aws_sigv4` (the last for `bedrock` only).
//!
//! # User models
//!
//! An `[llm.models.<id>]` entry whose id is a built-in row overrides only the fields it sets.
//! A new id needs `provider` and `api_id`; what it leaves out gets deliberately conservative
//! defaults, so an unknown model is never sent something it may reject:
//!
//! | field | default for a new model |
//! |---|---|
//! | `family` | `custom` |
//! | `limits.context_window` | [`NEW_MODEL_CONTEXT_WINDOW`] (128 000) |
//! | `limits.max_output` | [`NEW_MODEL_MAX_OUTPUT`] (4 096, which every Bedrock text model accepts) |
//! | `features` | all `false` except `sampling_params = true` (no tools, vision, reasoning or cache points are assumed; temperature/top_p are passed as given) |
//! | `billing_policy` | `openai` (no cache-write surcharge) |
//! | `costs` | all 0: the cost of a call is reported as 0 until prices are set |
//!
//! # Routing
//!
//! [`Settings::route`] resolves, in this order:
//!
//! 1. the model: the merged catalog row; else, for an id shaped like a Bedrock model id,
//!    inference profile or ARN ([`is_bedrock_model_id`]), an uncataloged row (below); else
//!    [`SettingsProblem::UnknownModel`];
//! 2. its provider, which must be enabled, else [`SettingsProblem::ProviderDisabled`];
//! 3. endpoint and region:
//!
//! | provider settings | endpoint | signing region |
//! |---|---|---|
//! | `base_url` and `region` | `base_url` | `region` |
//! | `base_url` naming a region ([`region_from_host`]) | `base_url` | derived from the host |
//! | `base_url` on any other host (loopback, proxy) | `base_url` | error [`SettingsProblem::MissingRegion`] |
//! | no `base_url`; `region`, else the caller's region ([`RouteInputs::region`], e.g. `AWS_REGION`) | default endpoint of that region | that region |
//! | no `base_url`, no region anywhere | `bedrock`: error; `bedrock-openai`: `https://bedrock-mantle.us-east-1.api.aws/openai/v1` | `us-east-1` |
//!
//! Default endpoints are `https://bedrock-runtime.<region>.amazonaws.com` (`.amazonaws.com.cn`
//! for `cn-*`, the partition's suffix for the ISO and EU sovereign partitions) and
//! `https://bedrock-mantle.<region>.api.aws/openai/v1`.
//!
//! The caller's region does **not** apply to a custom host: `AWS_REGION` says where the user's
//! AWS work goes, not what a proxy or an emulator expects to verify, and guessing would turn a
//! configuration slip into signature failures that are hard to explain. The CLI's `--region`
//! ([`Settings::override_endpoint`]) counts as an explicit region.
//!
//! The SigV4 signing name is `bedrock` for Bedrock Runtime hosts and `bedrock-mantle` for mantle
//! hosts; for any other host it follows the provider (`bedrock` / `bedrock-mantle`).
//!
//! # Bedrock ids outside the catalog
//!
//! A model id in neither the catalog nor the settings that has the shape of a Bedrock id
//! (`anthropic.claude-3-5-sonnet-20240620-v1:0`, `us.`/`eu.`/`apac.`/`global.`… inference
//! profiles, `arn:aws:bedrock:…` ARNs; rules in [`is_bedrock_model_id`]) is routed to the
//! `bedrock` provider as it is (`api_id` = the id), as the AWS SDKs do, with the defaults of a
//! new user model (the table above), [`ModelInfo::uncataloged`](crate::catalog::ModelInfo::uncataloged) set, and a warning in
//! [`Route::warnings`] that every response of the call carries. Being uncataloged changes one
//! rule: `max_tokens` defaults to [`NEW_MODEL_MAX_OUTPUT`] but a larger value the caller sets is
//! sent as given, since the model's real limit is unknown. No cache points are placed, sampling
//! parameters pass, and the cost is unknown (no prices). An `[llm.models."<id>"]` entry makes
//! the id a user model with the limits and prices it sets.
//!
//! Plain `http://` is accepted only for loopback hosts (`localhost`, `127.0.0.0/8`, `[::1]`),
//! where [`Route::insecure_loopback`] is set: an emulator on this machine, never a network
//! where a bearer token would travel in clear.
//!
//! # Files
//!
//! | file | holds |
//! |---|---|
//! | `mod.rs` | [`Settings`], [`ProviderSettings`], [`TimeoutSettings`], building settings in code |
//! | `parse.rs` | [`Settings::parse`]: the TOML schema, keys and values checked with their lines |
//! | `credential_ref.rs` | [`CredentialRef`] |
//! | `models.rs` | user models merged over the catalog ([`Settings::model`], [`Settings::models`]) |
//! | `model_id.rs` | [`is_bedrock_model_id`]: ids routed as given |
//! | `route.rs` | [`Settings::route`], [`Route`], [`RouteInputs`] |
//! | `endpoint.rs` | base URLs, AWS hostnames and regions ([`region_from_host`], [`default_base_url`]) |
//! | `error.rs` | [`SettingsError`], [`SettingsProblem`] |

mod credential_ref;
mod endpoint;
mod error;
mod model_id;
mod models;
#[cfg(target_has_atomic = "ptr")]
mod parse;
mod route;
#[cfg(test)]
mod tests;

use alloc::collections::BTreeMap;
use alloc::string::{String, ToString};
use alloc::vec::Vec;

pub use credential_ref::CredentialRef;
pub use error::{SettingsError, SettingsProblem, UrlProblem};
pub use model_id::{INFERENCE_PROFILE_PREFIXES, is_bedrock_model_id};
use models::ModelEntry;
pub use route::{Route, RouteInputs};

use crate::catalog::Provider;
pub(crate) use endpoint::ServiceEndpoint;
use endpoint::{Endpoint, parse_aws_host};

/// Context window (tokens) of a user model that is not in the built-in catalog and sets none.
pub const NEW_MODEL_CONTEXT_WINDOW: u32 = 128_000;

/// Largest output (tokens) of a user model that is not in the built-in catalog and sets none.
pub const NEW_MODEL_MAX_OUTPUT: u32 = 4_096;

/// The region `bedrock-openai` uses when neither its settings nor the caller name one.
pub const DEFAULT_MANTLE_REGION: &str = "us-east-1";

/// One provider's settings, after defaults.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProviderSettings {
    provider: Provider,
    /// `None` when the file does not say; see [`Settings::enable_all_unless_disabled`].
    enabled: Option<bool>,
    endpoint: Option<Endpoint>,
    region: Option<String>,
    credentials: Vec<CredentialRef>,
    timeouts: TimeoutSettings,
}

/// A provider's `timeouts` from the file: whole seconds, `None` where the file does not say
/// (the client's defaults apply). See the [module docs](self#timeouts).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct TimeoutSettings {
    /// TCP connect, TLS handshake and a proxy's `CONNECT`.
    pub connect_secs: Option<u32>,
    /// From sending to a Converse's first response byte.
    pub first_byte_secs: Option<u32>,
    /// The longest silence between response bytes.
    pub idle_secs: Option<u32>,
}

/// The largest timeout the file accepts, in seconds (a day).
pub const MAX_TIMEOUT_SECS: u32 = 86_400;

impl ProviderSettings {
    fn new(provider: Provider) -> Self {
        Self {
            provider,
            enabled: None,
            endpoint: None,
            region: None,
            credentials: CredentialRef::defaults(provider),
            timeouts: TimeoutSettings::default(),
        }
    }

    /// The timeouts the file sets for this provider.
    pub fn timeouts(&self) -> TimeoutSettings {
        self.timeouts
    }

    /// The provider these settings are for.
    pub fn provider(&self) -> Provider {
        self.provider
    }

    /// Whether the provider is enabled (default `false`).
    pub fn is_enabled(&self) -> bool {
        self.enabled == Some(true)
    }

    /// Whether the settings say `enabled = false` explicitly.
    pub fn is_explicitly_disabled(&self) -> bool {
        self.enabled == Some(false)
    }

    /// The explicit endpoint, normalized (`scheme://host[:port][/path]`, no trailing slash).
    pub fn base_url(&self) -> Option<String> {
        self.endpoint.as_ref().map(ToString::to_string)
    }

    /// The explicit signing region.
    pub fn region(&self) -> Option<&str> {
        self.region.as_deref()
    }

    /// The credential references, in the order they are tried.
    pub fn credentials(&self) -> &[CredentialRef] {
        &self.credentials
    }
}

/// Parsed `settings.toml`: both providers (with defaults filled in), the user's model entries
/// and the vault location.
///
/// `Settings::default()` is what an empty file gives: both providers disabled with default
/// credentials, no user models.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Settings {
    bedrock: ProviderSettings,
    bedrock_openai: ProviderSettings,
    models: BTreeMap<String, ModelEntry>,
    vault_path: Option<String>,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            bedrock: ProviderSettings::new(Provider::Bedrock),
            bedrock_openai: ProviderSettings::new(Provider::BedrockOpenai),
            models: BTreeMap::new(),
            vault_path: None,
        }
    }
}

impl Settings {
    /// Parses the text of a `settings.toml`.
    ///
    /// # Errors
    ///
    /// A [`SettingsError`] with the 1-based line for invalid TOML, an unsupported `_version`,
    /// an unknown key or provider, a value of the wrong type or range, an invalid URL or
    /// region, a credential reference that is not `env:`/`vault:`/`aws_sigv4` (the value is not
    /// echoed), `aws_sigv4` on `bedrock-openai`, or a new user model without `provider` or
    /// `api_id`.
    ///
    /// Not available on targets without pointer-sized atomics (`thumbv6m-none-eabi`): the
    /// `toml` crate needs `alloc::sync::Arc` there (toml-rs/toml#1054). Build the settings in
    /// code instead ([`Settings::default`], [`Settings::set_enabled`],
    /// [`Settings::override_endpoint`]).
    #[cfg(target_has_atomic = "ptr")]
    pub fn parse(text: &str) -> Result<Self, SettingsError> {
        parse::parse(text)
    }

    /// The settings of `provider`.
    pub fn provider(&self, provider: Provider) -> &ProviderSettings {
        match provider {
            Provider::Bedrock => &self.bedrock,
            Provider::BedrockOpenai => &self.bedrock_openai,
        }
    }

    fn provider_mut(&mut self, provider: Provider) -> &mut ProviderSettings {
        match provider {
            Provider::Bedrock => &mut self.bedrock,
            Provider::BedrockOpenai => &mut self.bedrock_openai,
        }
    }

    /// Enables or disables `provider`, whatever the file says.
    pub fn set_enabled(&mut self, provider: Provider, enabled: bool) {
        self.provider_mut(provider).enabled = Some(enabled);
    }

    /// Enables every provider whose settings do not say `enabled = false`.
    ///
    /// The library ships both providers disabled; the `bedrock` CLI is a Bedrock tool, so it
    /// calls this: both providers are on unless the settings file turns one off.
    pub fn enable_all_unless_disabled(&mut self) {
        for provider in [Provider::Bedrock, Provider::BedrockOpenai] {
            let settings = self.provider_mut(provider);
            if settings.enabled.is_none() {
                settings.enabled = Some(true);
            }
        }
    }

    /// Overrides `provider`'s endpoint and/or region (the CLI's `--base-url` and `--region`);
    /// `None` leaves a value as it is. An explicit region wins over the one derived from the
    /// host, as a `region` setting does.
    ///
    /// # Errors
    ///
    /// [`SettingsProblem::InvalidUrl`] or [`SettingsProblem::InvalidRegion`] (no line); on error
    /// nothing is changed.
    pub fn override_endpoint(
        &mut self,
        provider: Provider,
        base_url: Option<&str>,
        region: Option<&str>,
    ) -> Result<(), SettingsError> {
        let endpoint = base_url
            .map(|url| {
                Endpoint::parse(url).map_err(|problem| {
                    SettingsError::new(
                        SettingsProblem::InvalidUrl {
                            key: "base_url override".into(),
                            problem,
                        },
                        None,
                    )
                })
            })
            .transpose()?;
        if let Some(region) = region
            && !endpoint::is_valid_region(region)
        {
            return Err(SettingsError::new(
                SettingsProblem::InvalidRegion {
                    key: "region override".into(),
                },
                None,
            ));
        }
        let settings = self.provider_mut(provider);
        if let Some(endpoint) = endpoint {
            settings.endpoint = Some(endpoint);
        }
        if let Some(region) = region {
            settings.region = Some(region.into());
        }
        Ok(())
    }

    /// The path of the local secret vault (`[llm.vault] path`), if set.
    pub fn vault_path(&self) -> Option<&str> {
        self.vault_path.as_deref()
    }
}

/// The AWS region a Bedrock hostname names, or `None` for any other host.
///
/// Recognised (case-insensitive, one trailing dot allowed), with the suffix checked against the
/// region's partition:
///
/// - `bedrock-runtime.<region>.amazonaws.com`, `bedrock-runtime-fips.<region>.amazonaws.com`
///   (GovCloud `us-gov-*` included), `….amazonaws.com.cn` for `cn-*`, and the ISO / EU sovereign
///   partition suffixes;
/// - dual-stack `bedrock-runtime[-fips].<region>.api.aws` (`api.amazonwebservices.com.cn` in
///   China);
/// - mantle `bedrock-mantle.<region>.api.aws`;
/// - PrivateLink `vpce-<id>-<suffix>[-<az>].bedrock-runtime.<region>.vpce.amazonaws.com` (also
///   `bedrock-mantle`, and `vpce.amazonaws.com.cn`).
///
/// Loopback addresses, `localhost`, proxies, and look-alikes such as
/// `bedrock-runtime.us-east-1.amazonaws.com.evil.com` give `None`.
pub fn region_from_host(host: &str) -> Option<String> {
    parse_aws_host(host).map(|(_, region)| region)
}

/// The default base URL of `provider` in `region` (see the [module docs](self)).
pub fn default_base_url(provider: Provider, region: &str) -> String {
    Endpoint::default_for(provider, region).to_string()
}
