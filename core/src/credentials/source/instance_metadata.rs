//! The EC2 instance metadata source: IMDSv2 (a session token, then the role and its
//! credentials), with botocore's IMDSv1 fallback and its settings (`AWS_EC2_METADATA_*`,
//! `metadata_service_timeout`, `metadata_service_num_attempts`).

use alloc::format;
use alloc::string::{String, ToString};
use core::time::Duration;

use super::{Found, credentials_json, found};
use crate::credentials::SourceKind;
use crate::credentials::backoff::{self, Retry};
use crate::credentials::endpoint::parse_url;
use crate::credentials::engine::{Cx, Flow, Run};
use crate::credentials::error::invalid;
use crate::credentials::profile::{Profiles, prop};
use crate::credentials::protocol::{HttpFailureKind, HttpRequest};
use crate::url::Url;

const IMDS_TIMEOUT: Duration = Duration::from_secs(1);
const IMDS_CREDENTIALS_PATH: &str = "latest/meta-data/iam/security-credentials/";

/// The EC2 instance metadata provider; every failure to reach IMDS or find a role is
/// [`Found::No`], as in botocore.
pub(crate) fn instance_metadata(cx: &mut Cx<'_>, profiles: &Profiles) -> Run<Found> {
    const SOURCE: SourceKind = SourceKind::InstanceMetadata;
    let context = "EC2 instance metadata";
    let props = profiles.files.merged(&profiles.name);
    let is_true = |v: Option<String>| v.is_some_and(|v| v.eq_ignore_ascii_case("true"));
    if is_true(cx.env("AWS_EC2_METADATA_DISABLED")?) {
        return Ok(Found::No(
            "EC2 instance metadata (disabled by AWS_EC2_METADATA_DISABLED)".into(),
        ));
    }
    let setting = |cx: &mut Cx<'_>, env: &str, key: &str| -> Run<Option<String>> {
        Ok(cx.env(env)?.or_else(|| prop(&props, key).map(String::from)))
    };
    let base = match setting(
        cx,
        "AWS_EC2_METADATA_SERVICE_ENDPOINT",
        "ec2_metadata_service_endpoint",
    )? {
        Some(endpoint) => endpoint,
        None => match setting(
            cx,
            "AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE",
            "ec2_metadata_service_endpoint_mode",
        )?
        .map(|m| m.to_ascii_lowercase())
        .as_deref()
        {
            None | Some("ipv4") => "http://169.254.169.254".into(),
            Some("ipv6") => "http://[fd00:ec2::254]".into(),
            Some(_) => {
                return Err(invalid(
                    SOURCE,
                    context,
                    "the IMDS endpoint mode must be IPv4 or IPv6",
                ));
            }
        },
    };
    let base = parse_url(&base).map_err(|reason| {
        invalid(
            SOURCE,
            context,
            format!("the IMDS endpoint is not usable: {reason}"),
        )
    })?;
    let v1_disabled = is_true(setting(
        cx,
        "AWS_EC2_METADATA_V1_DISABLED",
        "ec2_metadata_v1_disabled",
    )?);
    // botocore's `metadata_service_num_attempts` and `metadata_service_timeout` (seconds); the
    // default attempts differ from botocore's 1 (see `backoff`).
    let attempts = match setting(
        cx,
        "AWS_METADATA_SERVICE_NUM_ATTEMPTS",
        "metadata_service_num_attempts",
    )? {
        Some(text) => text
            .parse::<u32>()
            .ok()
            .filter(|n| *n >= 1)
            .ok_or_else(|| {
                invalid(
                    SOURCE,
                    context,
                    "metadata_service_num_attempts must be a whole number of at least 1",
                )
            })?,
        None => Retry::IMDS_ATTEMPTS,
    };
    let timeout = match setting(
        cx,
        "AWS_METADATA_SERVICE_TIMEOUT",
        "metadata_service_timeout",
    )? {
        Some(text) => text
            .parse::<f64>()
            .ok()
            .filter(|t| t.is_finite() && *t > 0.0 && *t <= 3600.0)
            .map(Duration::from_secs_f64)
            .ok_or_else(|| {
                invalid(
                    SOURCE,
                    context,
                    "metadata_service_timeout must be a number of seconds",
                )
            })?,
        None => IMDS_TIMEOUT,
    };
    let imds_request = |url: &Url, method| imds_request(url, method, timeout);
    let context = format!("EC2 instance metadata at {}", base.origin());
    let no = |why: &str| Ok(Found::No(format!("EC2 instance metadata ({why})")));

    // IMDSv2 token. botocore: 200 → token; 403/404/405 or a read timeout → no token (IMDSv1,
    // which a container with hop limit 1 needs); 400 → give up. 5xx, 429 and resets are
    // retried first. A connection failure (including a connect timeout: no IMDS here) is
    // final at once, so a laptop pays one connect timeout, not one per attempt and fallback.
    let token_url = base.join("latest/api/token");
    let mut request = imds_request(&token_url, "PUT");
    request
        .headers
        .push(("x-aws-ec2-metadata-token-ttl-seconds", "21600".into()));
    let token = match backoff::send(cx, &request, &Retry::imds(attempts, true))? {
        Ok(response) if response.status == 200 => {
            let token = String::from_utf8_lossy(&response.body).trim().to_string();
            if token.is_empty() || token.bytes().any(|b| b.is_ascii_control()) {
                return no("the token response was empty or malformed");
            }
            Some(token)
        }
        Ok(response) if matches!(response.status, 403..=405) => None,
        Ok(response) if response.status == 400 => {
            return no("the token request was refused with HTTP 400");
        }
        Ok(response) => {
            return no(&format!(
                "the token request failed with HTTP {}",
                response.status
            ));
        }
        Err(failure) if failure.kind == HttpFailureKind::Timeout => None,
        Err(failure) => return no(&format!("unreachable: {failure}")),
    };
    if token.is_none() && v1_disabled {
        return no("no IMDSv2 token and IMDSv1 is disabled by AWS_EC2_METADATA_V1_DISABLED");
    }

    let role_url = base.join(IMDS_CREDENTIALS_PATH);
    let get = Retry::imds(attempts, false);
    let role_request = with_token(imds_request(&role_url, "GET"), token.as_deref());
    let role = match backoff::send(cx, &role_request, &get)? {
        Ok(response) if response.status == 200 => {
            let text = String::from_utf8_lossy(&response.body);
            let role = text.lines().next().unwrap_or_default().trim().to_string();
            if role.is_empty() {
                return no("no IAM role is attached to the instance");
            }
            role
        }
        Ok(response) if response.status == 404 => {
            return no("no IAM role is attached to the instance");
        }
        Ok(response) => {
            return no(&format!(
                "the role request failed with HTTP {}",
                response.status
            ));
        }
        Err(failure) => return no(&format!("unreachable: {failure}")),
    };
    let mut path = String::from(IMDS_CREDENTIALS_PATH);
    crate::percent::encode(&mut path, &role);
    let credentials_url = base.join(&path);
    let credentials_request = with_token(imds_request(&credentials_url, "GET"), token.as_deref());
    let response = match backoff::send(cx, &credentials_request, &get)? {
        Ok(response) if response.status == 200 => response,
        Ok(response) => {
            return no(&format!(
                "the credentials request failed with HTTP {}",
                response.status
            ));
        }
        Err(failure) => return no(&format!("unreachable: {failure}")),
    };
    // A 200 can carry an error document ({"Code": "...", "Message": ...}): botocore treats
    // missing fields as "no credentials", and so do we.
    match credentials_json(&response.body, "Token", SOURCE, &context) {
        Ok((credentials, account_id)) => found(
            cx,
            credentials,
            SOURCE,
            format!("{context} (role {role})"),
            account_id,
        ),
        Err(Flow::Fail(e)) => no(&format!("role {role}: {}", e.into_problem())),
        Err(need) => Err(need),
    }
}

fn imds_request(url: &Url, method: &'static str, timeout: Duration) -> HttpRequest {
    let mut request = HttpRequest::to(method, url, timeout);
    if method == "PUT" {
        request.headers.push(("Content-Length", "0".into()));
    }
    request
}

fn with_token(mut request: HttpRequest, token: Option<&str>) -> HttpRequest {
    if let Some(token) = token {
        request
            .headers
            .push(("x-aws-ec2-metadata-token", token.into()));
    }
    request
}
