//! The environment source: `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, the session token
//! (`AWS_SECURITY_TOKEN` before `AWS_SESSION_TOKEN`, as botocore reads them),
//! `AWS_CREDENTIAL_EXPIRATION` and `AWS_ACCOUNT_ID`.

use super::{Found, build_credentials, found};
use crate::credentials::SourceKind;
use crate::credentials::engine::{Cx, Run};
use crate::credentials::error::{Problem, fail, invalid};
use crate::time::UnixTime;

/// The environment provider.
pub(crate) fn environment(cx: &mut Cx<'_>) -> Run<Found> {
    const SOURCE: SourceKind = SourceKind::Environment;
    const CONTEXT: &str = "environment";
    let access_key_id = cx.env("AWS_ACCESS_KEY_ID")?;
    let secret = cx.env("AWS_SECRET_ACCESS_KEY")?;
    let (access_key_id, secret) = match (access_key_id, secret) {
        (Some(id), Some(secret)) => (id, secret),
        (Some(_), None) => {
            return Err(fail(
                Some(SOURCE),
                CONTEXT,
                Problem::PartialCredentials {
                    missing: "AWS_SECRET_ACCESS_KEY",
                },
            ));
        }
        (None, Some(_)) => {
            return Ok(Found::No(
                "environment (AWS_SECRET_ACCESS_KEY is set but AWS_ACCESS_KEY_ID is not)".into(),
            ));
        }
        (None, None) => return Ok(Found::No("environment (AWS_ACCESS_KEY_ID not set)".into())),
    };
    // botocore's `EnvProvider.TOKENS` is `['AWS_SECURITY_TOKEN', 'AWS_SESSION_TOKEN']`: the
    // legacy name wins when both are set. The other SDKs read only AWS_SESSION_TOKEN; we
    // follow botocore.
    let token = match cx.env("AWS_SECURITY_TOKEN")? {
        Some(token) => Some(token),
        None => cx.env("AWS_SESSION_TOKEN")?,
    };
    let expires_at = match cx.env("AWS_CREDENTIAL_EXPIRATION")? {
        Some(text) => Some(UnixTime::parse_iso8601(&text).map_err(|_| {
            invalid(
                SOURCE,
                CONTEXT,
                "AWS_CREDENTIAL_EXPIRATION is not an ISO-8601 time (e.g. 2030-01-01T00:00:00Z)",
            )
        })?),
        None => None,
    };
    let credentials = build_credentials(
        SOURCE,
        CONTEXT,
        &access_key_id,
        &secret,
        token.as_deref(),
        expires_at,
    )?;
    let account_id = cx.env("AWS_ACCOUNT_ID")?;
    found(cx, credentials, SOURCE, CONTEXT.into(), account_id)
}
