//! Static keys in a profile: the shared credentials file (`~/.aws/credentials`) and the
//! config file (`~/.aws/config`) sources, which botocore runs at different places in the
//! chain but reads the same way.

use alloc::format;
use alloc::string::String;

use super::{Found, build_credentials, found};
use crate::credentials::SourceKind;
use crate::credentials::engine::{Cx, Run};
use crate::credentials::error::{Problem, fail};
use crate::credentials::profile::{ProfileFiles, Props, prop};

fn static_keys(
    cx: &mut Cx<'_>,
    props: Option<&Props>,
    source: SourceKind,
    context: String,
) -> Run<Found> {
    let Some(props) = props else {
        return Ok(Found::No(String::new()));
    };
    let id = prop(props, "aws_access_key_id");
    let secret = prop(props, "aws_secret_access_key");
    let (id, secret) = match (id, secret) {
        (Some(id), Some(secret)) => (id, secret),
        (None, None) => return Ok(Found::No(String::new())),
        (Some(_), None) => {
            return Err(fail(
                Some(source),
                context,
                Problem::PartialCredentials {
                    missing: "aws_secret_access_key",
                },
            ));
        }
        // botocore's shared-file providers look only when `aws_access_key_id` is present: a
        // stray secret skips the profile and the chain moves on.
        (None, Some(_)) => {
            return Ok(Found::No(format!(
                "{context} (aws_secret_access_key without aws_access_key_id: skipped)"
            )));
        }
    };
    // botocore's `TOKENS = ['aws_security_token', 'aws_session_token']`: the legacy key wins
    // when both are set (the other SDKs read only aws_session_token; we follow botocore).
    let token = prop(props, "aws_security_token").or_else(|| prop(props, "aws_session_token"));
    let credentials = build_credentials(source, &context, id, secret, token, None)?;
    let account_id = prop(props, "aws_account_id").map(String::from);
    found(cx, credentials, source, context, account_id)
}

/// Static keys of profile `name` in the shared credentials file.
pub(crate) fn credentials_file(cx: &mut Cx<'_>, files: &ProfileFiles, name: &str) -> Run<Found> {
    let context = format!("profile '{name}' in {}", files.credentials_path);
    static_keys(
        cx,
        files.credentials_profile(name),
        SourceKind::CredentialsFile,
        context,
    )
}

/// Static keys of profile `name` in the config file.
pub(crate) fn config_file(cx: &mut Cx<'_>, files: &ProfileFiles, name: &str) -> Run<Found> {
    let context = format!("profile '{name}' in {}", files.config_path);
    static_keys(
        cx,
        files.config_profile(name),
        SourceKind::ConfigFile,
        context,
    )
}
