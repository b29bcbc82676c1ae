//! SSO token refresh with SSO OIDC `CreateToken` (grant type `refresh_token`), as botocore's
//! `SSOTokenProvider` does for `sso_session` profiles.
//!
//! | rule (botocore `tokens.py`) | here |
//! |---|---|
//! | refresh when the cached access token has less than 15 min left (`_REFRESH_WINDOW`) | [`REFRESH_WINDOW_SECS`] |
//! | only with `refreshToken`, `clientId`, `clientSecret` and `registrationExpiresAt` in the cache, and the client registration not expired | [`refresh`] returns [`Refresh::NotRefreshed`] |
//! | `POST https://oidc.<sso_region>.<suffix>/token`, JSON `{grantType, clientId, clientSecret, refreshToken}`, unsigned | the same; `AWS_ENDPOINT_URL_SSO_OIDC` and the other endpoint settings apply |
//! | new cache: `startUrl`, `region`, `accessToken`, `expiresAt` = now + `expiresIn`, the registration, `refreshToken` if returned | the same, but the old `refreshToken` is kept when the response has none (botocore drops it, which makes the next refresh impossible) |
//! | a service error keeps the cached token (an expired one then asks for a login) | the same; a transport failure with an expired token is reported as such |
//! | the cache is written with a temporary file and `os.replace`, mode 0600 | [`Need::WriteFile`](super::Need::WriteFile); a failed write keeps the new token for this resolution (botocore raises) |
//!
//! botocore also refreshes at most once a minute per token provider (`_attempt_timeout`); a
//! machine here keeps no state between resolutions, and the credential cache resolves only
//! when the role credentials near their expiry, so at most one refresh is attempted per
//! resolution.

use alloc::string::{String, ToString};
use core::time::Duration;

use serde_json::{Map, Value};

use super::backoff::{self, Retry};
use super::engine::{Cx, Run};
use super::protocol::{HttpFailure, HttpRequest};
use crate::time::UnixTime;
use crate::url::Url;

/// Refresh when the access token has less than this left (botocore `_REFRESH_WINDOW`).
pub(crate) const REFRESH_WINDOW_SECS: u64 = 15 * 60;

/// What a refresh attempt came to.
pub(crate) enum Refresh {
    /// A new access token (already written back to the cache file).
    Refreshed {
        access_token: String,
        expires_at: UnixTime,
    },
    /// Not possible (no refresh token, an expired registration) or refused by the service:
    /// keep the cached token.
    NotRefreshed,
    /// SSO OIDC could not be reached.
    Unreachable(HttpFailure),
}

/// Refreshes the cached token `cache` (the JSON of the file at `path`) at `endpoint`.
pub(crate) fn refresh(
    cx: &mut Cx<'_>,
    endpoint: &Url,
    cache: &Value,
    start_url: &str,
    sso_region: &str,
    path: &str,
    now: UnixTime,
) -> Run<Refresh> {
    let text = |key: &str| {
        cache
            .get(key)
            .and_then(Value::as_str)
            .filter(|v| !v.is_empty())
    };
    let (Some(refresh_token), Some(client_id), Some(client_secret), Some(registration)) = (
        text("refreshToken"),
        text("clientId"),
        text("clientSecret"),
        text("registrationExpiresAt"),
    ) else {
        return Ok(Refresh::NotRefreshed);
    };
    match UnixTime::parse_iso8601(registration.trim()) {
        Ok(registration_expires) if registration_expires > now => {}
        _ => return Ok(Refresh::NotRefreshed),
    }

    let mut body = Map::new();
    for (key, value) in [
        ("grantType", "refresh_token"),
        ("clientId", client_id),
        ("clientSecret", client_secret),
        ("refreshToken", refresh_token),
    ] {
        body.insert(key.into(), Value::String(value.into()));
    }
    let body = serde_json::to_vec(&Value::Object(body)).unwrap_or_default();
    let url = endpoint.join("token");
    let mut request = HttpRequest::to("POST", &url, Duration::from_secs(30));
    request.headers.extend([
        ("Content-Type", "application/json".into()),
        ("Content-Length", body.len().to_string()),
    ]);
    request.body = body;
    let response = match backoff::send(cx, &request, &Retry::STANDARD)? {
        Ok(response) => response,
        Err(failure) => return Ok(Refresh::Unreachable(failure)),
    };
    if response.status != 200 {
        return Ok(Refresh::NotRefreshed);
    }
    let Ok(json) = serde_json::from_slice::<Value>(&response.body) else {
        return Ok(Refresh::NotRefreshed);
    };
    let access_token = json
        .get("accessToken")
        .and_then(Value::as_str)
        .filter(|t| !t.is_empty() && !t.bytes().any(|b| b.is_ascii_control()));
    let expires_in = json.get("expiresIn").and_then(Value::as_u64);
    let (Some(access_token), Some(expires_in)) = (access_token, expires_in) else {
        return Ok(Refresh::NotRefreshed);
    };
    let Ok(expires_at) = UnixTime::from_secs(now.secs().saturating_add(expires_in)) else {
        return Ok(Refresh::NotRefreshed);
    };
    let new_refresh_token = json
        .get("refreshToken")
        .and_then(Value::as_str)
        .filter(|t| !t.is_empty())
        .unwrap_or(refresh_token);

    let mut updated = Map::new();
    for (key, value) in [
        ("startUrl", start_url),
        ("region", sso_region),
        ("accessToken", access_token),
        ("expiresAt", &expires_at.to_iso8601()),
        ("clientId", client_id),
        ("clientSecret", client_secret),
        ("registrationExpiresAt", registration),
        ("refreshToken", new_refresh_token),
    ] {
        updated.insert(key.into(), Value::String(value.into()));
    }
    let bytes = serde_json::to_vec(&Value::Object(updated)).unwrap_or_default();
    // A failed write (a read-only cache directory) still uses the new token now; the next
    // resolution refreshes again.
    let _written = cx.write_file(path, bytes)?;
    Ok(Refresh::Refreshed {
        access_token: access_token.into(),
        expires_at,
    })
}
