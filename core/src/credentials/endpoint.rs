//! Where the chain's STS, SSO portal and SSO OIDC calls go, and the Bedrock Runtime endpoint
//! configuration ([`EndpointConfig`]): a configured endpoint in botocore's order
//! (`AWS_ENDPOINT_URL_<SERVICE>`, `AWS_ENDPOINT_URL`, a `[services]` section, the profile's
//! `endpoint_url`), else the service's host in the region's partition, FIPS and dual-stack as
//! configured. The STS region is chosen here too.

use alloc::format;
use alloc::string::{String, ToString};

use super::engine::{Cx, Run};
use super::error::{Problem, fail};
use super::profile::{ProfileFiles, Profiles, Props, load_profiles, nested, prop};
use super::{ChainConfig, SourceKind};
use crate::settings::ServiceEndpoint;
use crate::url::{Query, Url, UrlError};

/// The region and endpoint of the chain's STS calls for `profiles` ([`sts_region`],
/// [`service_endpoint`]).
pub(crate) fn sts_endpoint(
    cx: &mut Cx<'_>,
    config: &ChainConfig,
    profiles: &Profiles,
    source: SourceKind,
    context: &str,
) -> Run<(String, Url)> {
    let region = sts_region(cx, config, profiles)?;
    let endpoint = service_endpoint(
        cx,
        &profiles.files,
        &profiles.name,
        AwsService::STS,
        &region,
        Some(source),
        context,
    )?;
    Ok((region, endpoint))
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
pub(crate) fn service_endpoint(
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
        return parse_url(&default).map_err(|reason| invalid(reason.to_string()));
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
        parse_url(&text).map_err(|reason| invalid(format!("{origin} is not usable: {reason}")))?;
    if !url.https && !url.is_loopback() {
        return Err(invalid(format!(
            "{origin} must be https (plain http is allowed only to a loopback host)"
        )));
    }
    Ok(url)
}

/// A URL from configuration or the environment (surrounding whitespace ignored, a query kept,
/// a fragment dropped), parsed by the crate's one parser.
pub(crate) fn parse_url(text: &str) -> Result<Url, UrlError> {
    Url::parse(text.trim(), Query::Allow)
}
