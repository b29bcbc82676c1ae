//! The credential sources of the SigV4 default chain, one file each; [`chain`](super::chain)
//! runs them in order.
//!
//! | file | source |
//! |---|---|
//! | `environment.rs` | `AWS_ACCESS_KEY_ID` / `AWS_SECRET_ACCESS_KEY` / session token variables |
//! | `assume_role.rs` | a profile's `role_arn` with `source_profile` or `credential_source`, via STS `AssumeRole` |
//! | `web_identity.rs` | a web identity token file and role, via STS `AssumeRoleWithWebIdentity` |
//! | `sso.rs` | IAM Identity Center: the AWS CLI's token cache (refreshed via SSO OIDC) and the portal's `GetRoleCredentials` |
//! | `static_keys.rs` | static keys of a profile in the shared credentials file or the config file |
//! | `credential_process.rs` | a profile's `credential_process` and its JSON output |
//! | `container.rs` | the ECS / EKS Pod Identity container credentials endpoint |
//! | `instance_metadata.rs` | EC2 instance metadata (IMDSv2, IMDSv1 fallback) |
//!
//! This file holds what several sources share: the [`Found`] result, the expiry check, and
//! the JSON shapes of credential responses and service errors.

mod assume_role;
mod container;
mod credential_process;
mod environment;
mod instance_metadata;
mod sso;
mod static_keys;
mod web_identity;

use alloc::format;
use alloc::string::{String, ToString};

use serde_json::Value;

use super::engine::{Cx, Run};
use super::error::{Problem, fail};
use super::protocol::HttpResponse;
use super::{Resolved, SourceKind};
use crate::sigv4::Credentials;
use crate::time::UnixTime;

pub(crate) use assume_role::assume_role;
pub(crate) use container::container;
pub(crate) use credential_process::credential_process;
pub(crate) use environment::environment;
pub(crate) use instance_metadata::instance_metadata;
pub(crate) use sso::sso;
#[cfg(test)]
pub(crate) use sso::token_cache_hash;
pub(crate) use static_keys::{config_file, credentials_file};
pub(crate) use web_identity::web_identity;

/// What one provider came up with.
pub(crate) enum Found {
    Yes(Resolved),
    /// Nothing; the note says what was looked at.
    No(String),
}

/// Checks that credentials have not expired and wraps them.
pub(crate) fn resolved(
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

/// [`resolved`] as a [`Found::Yes`].
pub(crate) fn found(
    cx: &mut Cx<'_>,
    credentials: Credentials,
    source: SourceKind,
    detail: String,
    account_id: Option<String>,
) -> Run<Found> {
    resolved(cx, credentials, source, detail, account_id).map(Found::Yes)
}

/// [`Credentials`] from a source's fields, a bad key id or secret as
/// [`Problem::InvalidCredentials`].
pub(crate) fn build_credentials(
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

/// `{AccessKeyId, SecretAccessKey, <token field>, Expiration, AccountId?}` (container and IMDS).
pub(crate) fn credentials_json(
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

/// A JSON error body (`{"message": …}` with the type in `x-amzn-ErrorType`, `__type` or
/// `code`) as a [`Problem::Service`].
pub(crate) fn json_service_error(response: &HttpResponse) -> Problem {
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
pub(crate) fn bounded(text: &str, max: usize) -> String {
    text.trim()
        .chars()
        .take(max)
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}
