//! The `credential_process` source: a profile's command, run by the driver through the
//! platform shell, and its JSON output (`Version` 1) parsed as botocore parses it.

use alloc::format;
use alloc::string::{String, ToString};

use serde_json::Value;

use super::{Found, bounded, build_credentials, found};
use crate::credentials::SourceKind;
use crate::credentials::engine::{Cx, Flow, Run};
use crate::credentials::error::{Problem, fail};
use crate::credentials::profile::{ProfileFiles, prop};
use crate::time::UnixTime;

/// The `credential_process` provider for profile `name`.
pub(crate) fn credential_process(cx: &mut Cx<'_>, files: &ProfileFiles, name: &str) -> Run<Found> {
    const SOURCE: SourceKind = SourceKind::CredentialProcess;
    let props = files.merged(name);
    let Some(line) = prop(&props, "credential_process") else {
        return Ok(Found::No(String::new()));
    };
    let context = format!("credential_process (profile '{name}')");
    let output = cx.command(line)?.map_err(|reason| {
        fail(
            Some(SOURCE),
            context.as_str(),
            Problem::CommandNotRun { reason },
        )
    })?;
    if !output.success() {
        return Err(fail(
            Some(SOURCE),
            context,
            Problem::CommandFailed {
                status: output.status,
                stderr: bounded(&String::from_utf8_lossy(&output.stderr), 500),
            },
        ));
    }
    let bad = |reason: String| {
        fail(
            Some(SOURCE),
            context.as_str(),
            Problem::InvalidResponse { reason },
        )
    };
    // Never echo the output: it is full of secrets. serde_json's position is enough.
    let json: Value = serde_json::from_slice(&output.stdout).map_err(|e| {
        bad(format!(
            "its output is not valid JSON (line {}, column {})",
            e.line(),
            e.column()
        ))
    })?;
    match json.get("Version") {
        Some(Value::Number(n)) if n.as_u64() == Some(1) => {}
        Some(Value::Number(n)) => {
            return Err(fail(
                Some(SOURCE),
                context,
                Problem::UnsupportedVersion {
                    version: n.to_string(),
                },
            ));
        }
        Some(_) => {
            return Err(fail(
                Some(SOURCE),
                context,
                Problem::UnsupportedVersion {
                    version: "(not a number)".into(),
                },
            ));
        }
        None => {
            return Err(fail(
                Some(SOURCE),
                context,
                Problem::UnsupportedVersion {
                    version: "(missing)".into(),
                },
            ));
        }
    }
    let text = |field: &'static str| -> Result<Option<&str>, Flow> {
        match json.get(field) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.as_str())),
            Some(_) => Err(bad(format!("its {field} is not a string"))),
        }
    };
    let id = text("AccessKeyId")?.ok_or_else(|| bad("its output has no AccessKeyId".into()))?;
    let secret =
        text("SecretAccessKey")?.ok_or_else(|| bad("its output has no SecretAccessKey".into()))?;
    let token = text("SessionToken")?;
    let expires_at = match text("Expiration")? {
        Some(t) => Some(
            UnixTime::parse_iso8601(t.trim())
                .map_err(|_| bad("its Expiration is not an ISO-8601 time".into()))?,
        ),
        None => None,
    };
    let account_id = text("AccountId")?.map(String::from);
    let credentials = build_credentials(SOURCE, &context, id, secret, token, expires_at)?;
    found(cx, credentials, SOURCE, context, account_id)
}
