//! The SSO (IAM Identity Center) source: the AWS CLI's token cache
//! (`~/.aws/sso/cache/<sha1 hex of the session name or start URL>.json`), refreshed with SSO
//! OIDC for `sso_session` profiles, and the portal's `GetRoleCredentials`.

use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::time::Duration;

use serde_json::Value;
use sha1::{Digest, Sha1};

use super::{Found, build_credentials, found, json_service_error};
use crate::credentials::SourceKind;
use crate::credentials::backoff::{self, Retry};
use crate::credentials::endpoint::{AwsService, service_endpoint};
use crate::credentials::engine::{Cx, Run};
use crate::credentials::error::{Problem, fail, invalid};
use crate::credentials::profile::{ProfileFiles, join, prop, read_text};
use crate::credentials::protocol::HttpRequest;
use crate::credentials::sso_oidc;
use crate::time::UnixTime;

/// The keys that make a profile an SSO credentials profile (botocore `SSOProvider`:
/// "Role name & Account ID indicate the cred provider should be used"); `sso_session` or
/// `sso_start_url` alone (a profile only used for `aws sso login`) do not.
const SSO_PROFILE_KEYS: [&str; 2] = ["sso_account_id", "sso_role_name"];

/// The SSO provider for profile `name`: [`Found::No`] unless it has `sso_account_id` or
/// `sso_role_name`.
pub(crate) fn sso(cx: &mut Cx<'_>, files: &ProfileFiles, name: &str) -> Run<Found> {
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
        &format!(".aws/sso/cache/{}.json", token_cache_hash(&cache_key)),
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
    let mut credentials_url = portal.join("federation/credentials");
    let target = &mut credentials_url.target;
    target.push_str("?role_name=");
    crate::percent::encode(target, role_name);
    target.push_str("&account_id=");
    crate::percent::encode(target, account_id);
    let mut request = HttpRequest::to("GET", &credentials_url, Duration::from_secs(30));
    request.headers.extend([
        ("Accept", "application/json".into()),
        ("x-amz-sso_bearer_token", access_token),
    ]);
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

/// The lowercase hex SHA-1 of `key` (the `sso_session` name, or a legacy profile's
/// `sso_start_url`): the AWS CLI names its token cache file `~/.aws/sso/cache/<this>.json`.
/// SHA-1 only names a file here; nothing relies on its collision resistance.
pub(crate) fn token_cache_hash(key: &str) -> String {
    let digest = Sha1::digest(key.as_bytes());
    let mut hex = [0u8; 40];
    crate::percent::hex_lower(&digest, &mut hex);
    hex.iter().copied().map(char::from).collect()
}
