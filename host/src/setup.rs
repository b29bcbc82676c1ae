//! [`ClientSetup`]: everything a client takes from its environment, composed once for both
//! adapters and the CLI.

use bedrock_core::catalog::Provider;
use bedrock_core::error::{Error, ErrorKind};
use bedrock_core::settings::Settings;

use crate::proxy::ProxyConfig;
use crate::{Env, Host};

/// Explicit choices that win over the environment (the CLI's global options).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Overrides {
    /// The settings file, instead of `BEDROCK_SETTINGS` or the default location.
    pub settings: Option<String>,
    /// The endpoint of `model`'s provider.
    pub base_url: Option<String>,
    /// The region of `model`'s provider.
    pub region: Option<String>,
    /// The model whose provider `base_url` and `region` apply to (`bedrock` when unknown).
    pub model: Option<String>,
}

impl Overrides {
    /// No overrides.
    pub fn new() -> Self {
        Self::default()
    }

    /// Uses the settings file at `path`.
    #[must_use]
    pub fn settings(mut self, path: impl Into<String>) -> Self {
        self.settings = Some(path.into());
        self
    }

    /// Sends `model`'s calls to `base_url` and/or signs them for `region`.
    #[must_use]
    pub fn endpoint(
        mut self,
        model: impl Into<String>,
        base_url: Option<String>,
        region: Option<String>,
    ) -> Self {
        self.model = Some(model.into());
        self.base_url = base_url;
        self.region = region;
        self
    }
}

/// What a client needs from its environment, found the way the AWS SDKs find it.
///
/// | what | from |
/// |---|---|
/// | settings | `--settings` ([`Overrides::settings`]), `BEDROCK_SETTINGS`, `<config dir>/bedrock/settings.toml`; both providers enabled unless the file says `enabled = false` |
/// | vault | `[llm.vault] path`, else `<config dir>/bedrock/vault.toml` |
/// | region | `AWS_REGION`, `AWS_DEFAULT_REGION`, the profile's `region` |
/// | bedrock endpoint | [`Overrides::base_url`]; else, in botocore's order, `AWS_ENDPOINT_URL_BEDROCK_RUNTIME`, `AWS_ENDPOINT_URL`, the profile's `services = NAME` section (`bedrock_runtime =` / `  endpoint_url = …`), the profile's `endpoint_url` (all skipped with `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS` / `ignore_configured_endpoint_urls`); else the settings file's `base_url`; else computed from the region, `AWS_USE_FIPS_ENDPOINT` / `use_fips_endpoint` and `AWS_USE_DUALSTACK_ENDPOINT` / `use_dualstack_endpoint` (`bedrock-runtime-fips.<region>.api.aws`, …) |
/// | proxies | `HTTPS_PROXY`, `NO_PROXY`, … ([`ProxyConfig`]) |
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct ClientSetup {
    /// The environment and the vault: answers the credential chain's questions.
    pub host: Host,
    /// Providers, models, credential lists.
    pub settings: Settings,
    /// The ambient region, for providers without a `base_url`.
    pub region: Option<String>,
    /// Forward proxies.
    pub proxy: ProxyConfig,
    /// The CA bundle to trust instead of the OS store (a path): `AWS_CA_BUNDLE`, else the
    /// profile's `ca_bundle`; read when the client is built.
    pub ca_bundle: Option<String>,
}

impl ClientSetup {
    /// The setup from the process environment.
    ///
    /// # Errors
    ///
    /// An unreadable or invalid settings file, shared AWS config, endpoint override or proxy.
    pub fn from_env() -> Result<Self, Error> {
        Self::load(Env::process(), &Overrides::default())
    }

    /// The setup from `env`, with `overrides` applied.
    ///
    /// # Errors
    ///
    /// As [`from_env`](Self::from_env).
    pub fn load(env: Env, overrides: &Overrides) -> Result<Self, Error> {
        let env = match &overrides.settings {
            Some(path) => env.with("BEDROCK_SETTINGS", path.clone()),
            None => env,
        };
        let (host, mut settings) = Host::load(env)?;
        settings.enable_all_unless_disabled();
        Self::with_settings(host, settings, overrides)
    }

    /// The setup for explicit settings (already enabled as wanted) on `host`: region discovery,
    /// the configured Bedrock Runtime endpoint, proxies, `overrides`, then FIPS / dual-stack for
    /// a computed endpoint.
    ///
    /// # Errors
    ///
    /// A malformed shared AWS config, an invalid endpoint override or proxy.
    pub fn with_settings(
        host: Host,
        mut settings: Settings,
        overrides: &Overrides,
    ) -> Result<Self, Error> {
        let region = host.region(None).map_err(Error::from)?;
        let config = |what: &str, e: &dyn std::fmt::Display| {
            Error::new(ErrorKind::Configuration, format!("{what}: {e}"))
        };
        let endpoint = host.runtime_endpoint(None).map_err(Error::from)?;
        if let Some((origin, url)) = &endpoint.configured {
            // The rule set: "Invalid Configuration: FIPS and custom endpoint are not supported".
            if endpoint.fips || endpoint.dual_stack {
                return Err(config(
                    origin,
                    &"a custom endpoint cannot be combined with AWS_USE_FIPS_ENDPOINT / \
                      AWS_USE_DUALSTACK_ENDPOINT (or their profile keys)",
                ));
            }
            settings
                .override_endpoint(Provider::Bedrock, Some(url), region.as_deref())
                .map_err(|e| config(origin, &e))?;
        }
        if overrides.base_url.is_some() || overrides.region.is_some() {
            let provider = overrides
                .model
                .as_deref()
                .and_then(|model| settings.model(model))
                .map_or(Provider::Bedrock, |m| m.provider);
            settings
                .override_endpoint(
                    provider,
                    overrides.base_url.as_deref(),
                    overrides.region.as_deref(),
                )
                .map_err(|e| config("--base-url / --region", &e))?;
        }
        // FIPS / dual-stack change the endpoint computed from the region: only when no
        // endpoint is given (settings file, configured, or --base-url).
        let bedrock = settings.provider(Provider::Bedrock);
        if (endpoint.fips || endpoint.dual_stack) && bedrock.base_url().is_none() {
            let region = bedrock
                .region()
                .map(String::from)
                .or_else(|| region.clone());
            if let Some(region) = region {
                settings
                    .override_endpoint(
                        Provider::Bedrock,
                        Some(&endpoint.bedrock_runtime_url(&region)),
                        None,
                    )
                    .map_err(|e| {
                        config("AWS_USE_FIPS_ENDPOINT / AWS_USE_DUALSTACK_ENDPOINT", &e)
                    })?;
            }
        }
        let proxy = ProxyConfig::from_env(host.env()).map_err(|e| config("proxy", &e))?;
        let ca_bundle = host.ca_bundle(None).map_err(Error::from)?;
        Ok(Self {
            host,
            settings,
            region,
            proxy,
            ca_bundle,
        })
    }
}
