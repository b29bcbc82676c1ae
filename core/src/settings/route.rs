//! Routing a model id ([`Settings::route`]): the model's row, its provider, endpoint, signing
//! region and name, and the credentials to try (rules in the [module docs](super#routing)).

use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;

use super::endpoint::{self, Endpoint, parse_aws_host};
use super::models::uncataloged_row;
use super::{
    CredentialRef, DEFAULT_MANTLE_REGION, Settings, SettingsError, SettingsProblem,
    is_bedrock_model_id, region_from_host,
};
use crate::catalog::{ModelInfo, Provider};

/// What the caller knows from outside the settings file when routing:
/// [`RouteInputs::with_region`], or `RouteInputs::default()` for nothing.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct RouteInputs<'a> {
    /// The ambient region (`AWS_REGION`, `AWS_DEFAULT_REGION` or the profile's `region`),
    /// resolved by the caller; used only for providers without a `base_url`. An empty string
    /// counts as none.
    pub region: Option<&'a str>,
}

impl<'a> RouteInputs<'a> {
    /// Inputs naming the caller's region (`None`: no ambient region).
    pub fn with_region(region: Option<&'a str>) -> Self {
        Self { region }
    }
}

/// Where and how to send a request for one model: the answer of [`Settings::route`].
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Route {
    /// The catalog row, with the user's settings merged in.
    pub model: ModelInfo,
    /// The provider (also `model.provider`).
    pub provider: Provider,
    /// `scheme://host[:port][/path]`, no trailing slash; operation paths are appended to it.
    pub base_url: String,
    /// The host, lowercase (an IPv6 address in brackets), without the port.
    pub host: String,
    /// The TCP port (443 / 80 when the URL gives none).
    pub port: u16,
    /// The base URL's path: empty or `/…` without a trailing slash (`/openai/v1` for mantle).
    pub path: String,
    /// The SigV4 signing region.
    pub region: String,
    /// The SigV4 signing name: `bedrock` (Bedrock Runtime) or `bedrock-mantle`.
    pub signing_name: &'static str,
    /// The credential references, in the order to try them.
    pub credentials: Vec<CredentialRef>,
    /// The endpoint is plain `http://` to a loopback host (an emulator); otherwise it is HTTPS.
    pub insecure_loopback: bool,
    /// What the caller should know about this route (a model id outside the catalog, routed
    /// as given); the exchange puts these first in its warnings and in the response's.
    pub warnings: Vec<String>,
}

impl Route {
    /// The `Host` header value: the host, with `:port` when it is not the scheme's default.
    pub fn host_header(&self) -> String {
        let default_port = if self.insecure_loopback { 80 } else { 443 };
        if self.port == default_port {
            self.host.clone()
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }
}

impl Settings {
    /// Routes `model_id` to its provider, wire id, endpoint, signing region and credentials
    /// (rules in the [module docs](super#routing)).
    ///
    /// A model id in neither the catalog nor the settings is routed to `bedrock` as given when it
    /// has the shape of a Bedrock id ([`is_bedrock_model_id`]), with conservative limits and a
    /// warning in [`Route::warnings`].
    ///
    /// # Errors
    ///
    /// [`SettingsProblem::UnknownModel`] (an id of no Bedrock shape),
    /// [`SettingsProblem::ProviderDisabled`], [`SettingsProblem::MissingRegion`], or
    /// [`SettingsProblem::InvalidRegion`] for a caller region that is not a region name. None
    /// carries a line.
    pub fn route(&self, model_id: &str, inputs: &RouteInputs<'_>) -> Result<Route, SettingsError> {
        let fail = |problem| SettingsError::new(problem, None);
        let mut warnings = Vec::new();
        let model = match self.model(model_id) {
            Some(model) => model,
            None if is_bedrock_model_id(model_id) => {
                let (model, warning) = uncataloged_row(model_id);
                warnings.push(warning);
                model
            }
            None => {
                return Err(fail(SettingsProblem::UnknownModel {
                    model: model_id.into(),
                }));
            }
        };
        let provider = model.provider;
        let settings = self.provider(provider);
        if !settings.is_enabled() {
            return Err(fail(SettingsProblem::ProviderDisabled { provider }));
        }

        let (endpoint, region) = match (&settings.endpoint, &settings.region) {
            (Some(endpoint), Some(region)) => (endpoint.clone(), region.clone()),
            (Some(endpoint), None) => match region_from_host(&endpoint.host) {
                Some(region) => (endpoint.clone(), region),
                // Bearer keys only: nothing is signed, so a custom mantle endpoint (a proxy, an
                // emulator) needs no region of its own; the ambient one, else mantle's default,
                // names it in errors and prices.
                None if provider == Provider::BedrockOpenai => {
                    let region = inputs
                        .region
                        .filter(|r| !r.is_empty())
                        .unwrap_or(DEFAULT_MANTLE_REGION);
                    (endpoint.clone(), region.to_string())
                }
                None => {
                    return Err(fail(SettingsProblem::MissingRegion {
                        provider,
                        custom_endpoint: true,
                    }));
                }
            },
            (None, region) => {
                let caller = inputs.region.filter(|r| !r.is_empty());
                if let Some(r) = caller
                    && region.is_none()
                    && !endpoint::is_valid_region(r)
                {
                    return Err(fail(SettingsProblem::InvalidRegion {
                        key: "AWS_REGION".into(),
                    }));
                }
                let region = match (region.as_deref(), caller, provider) {
                    (Some(r), _, _) | (None, Some(r), _) => r.to_string(),
                    (None, None, Provider::BedrockOpenai) => DEFAULT_MANTLE_REGION.into(),
                    (None, None, Provider::Bedrock) => {
                        return Err(fail(SettingsProblem::MissingRegion {
                            provider,
                            custom_endpoint: false,
                        }));
                    }
                };
                (Endpoint::default_for(provider, &region), region)
            }
        };

        let signing_name = match parse_aws_host(&endpoint.host) {
            Some((service, _)) => service.signing_name(),
            None => match provider {
                Provider::Bedrock => "bedrock",
                Provider::BedrockOpenai => "bedrock-mantle",
            },
        };
        Ok(Route {
            provider,
            base_url: endpoint.to_string(),
            port: endpoint.effective_port(),
            insecure_loopback: !endpoint.https,
            host: endpoint.host,
            path: endpoint.path,
            region,
            signing_name,
            credentials: settings.credentials.clone(),
            model,
            warnings,
        })
    }
}
