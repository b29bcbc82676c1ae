//! The assume-role source: a profile's `role_arn` with its source credentials from a
//! `source_profile` (followed recursively, loops refused) or a `credential_source`
//! (`Environment`, `Ec2InstanceMetadata`, `EcsContainer`), exchanged with STS `AssumeRole`.

use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;

use super::{Found, container, environment, instance_metadata, resolved};
use crate::credentials::chain::profile_credentials;
use crate::credentials::endpoint::sts_endpoint;
use crate::credentials::engine::{Cx, Run};
use crate::credentials::error::{Problem, fail, invalid};
use crate::credentials::profile::{Profiles, Props, prop};
use crate::credentials::sts::{self, AssumeRole, StsCredentials};
use crate::credentials::{ChainConfig, Resolved, SourceKind};

fn has_static_keys(props: &Props) -> bool {
    prop(props, "aws_access_key_id").is_some()
}

/// A `role_arn` the assume-role provider serves: not one beside a `web_identity_token_file`
/// (botocore `_has_assume_role_config_vars`).
fn has_assume_role_config(props: &Props) -> bool {
    prop(props, "role_arn").is_some() && prop(props, "web_identity_token_file").is_none()
}

/// The assume-role provider for the chosen profile: [`Found::No`] unless it has a `role_arn`
/// the web identity provider does not serve.
pub(crate) fn assume_role(
    cx: &mut Cx<'_>,
    config: &ChainConfig,
    profiles: &Profiles,
) -> Run<Found> {
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
    let (region, endpoint) = sts_endpoint(cx, config, profiles, SOURCE, &context)?;
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
