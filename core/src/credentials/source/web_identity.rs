//! The web identity source (EKS IRSA and friends): a token file and a role ARN, from
//! `AWS_WEB_IDENTITY_TOKEN_FILE` / `AWS_ROLE_ARN` or the profile, exchanged with STS
//! `AssumeRoleWithWebIdentity` (unsigned).

use alloc::format;
use alloc::string::{String, ToString};

use super::{Found, found};
use crate::credentials::endpoint::sts_endpoint;
use crate::credentials::engine::{Cx, Run};
use crate::credentials::error::invalid;
use crate::credentials::profile::{Profiles, expand_home, prop, read_text};
use crate::credentials::sts::{self, StsCredentials};
use crate::credentials::{ChainConfig, SourceKind};

/// The web identity provider for profile `name`; `use_env` reads the `AWS_*` variables too
/// (not when serving a `source_profile`).
pub(crate) fn web_identity(
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
    let (_, endpoint) = sts_endpoint(cx, config, profiles, SOURCE, &context)?;
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
