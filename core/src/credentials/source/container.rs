//! The container source (ECS task roles, EKS Pod Identity):
//! `AWS_CONTAINER_CREDENTIALS_RELATIVE_URI` on the ECS agent or `_FULL_URI` (https, or plain
//! http only to a loopback or container-agent host), with an optional `Authorization` token.

use alloc::format;
use alloc::string::ToString;
use core::time::Duration;

use super::{Found, credentials_json, found, json_service_error};
use crate::credentials::SourceKind;
use crate::credentials::backoff::{self, Retry};
use crate::credentials::endpoint::parse_url;
use crate::credentials::engine::{Cx, Run};
use crate::credentials::error::{Problem, fail, invalid};
use crate::credentials::profile::read_text;
use crate::credentials::protocol::HttpRequest;
use crate::url::{is_loopback, same_ip};

const ECS_HOST: &str = "169.254.170.2";
/// Hosts plain HTTP may reach besides loopback: ECS, EKS Pod Identity (IPv4 and IPv6).
const CONTAINER_HOSTS: [&str; 3] = [ECS_HOST, "169.254.170.23", "fd00:ec2::23"];

/// The container provider: [`Found::No`] unless `AWS_CONTAINER_CREDENTIALS_RELATIVE_URI` or
/// `_FULL_URI` is set.
pub(crate) fn container(cx: &mut Cx<'_>) -> Run<Found> {
    const SOURCE: SourceKind = SourceKind::Container;
    let context = "container credentials endpoint";
    let url = if let Some(relative) = cx.env("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI")? {
        // It must stay a path on the ECS agent: `/v2/…`, never `.evil.example/…`.
        let parsed = parse_url(&format!("http://{ECS_HOST}{relative}"))
            .ok()
            .filter(|url| relative.starts_with('/') && url.host == ECS_HOST);
        parsed.ok_or_else(|| {
            invalid(
                SOURCE,
                context,
                "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI must be a path starting with '/'",
            )
        })?
    } else if let Some(full) = cx.env("AWS_CONTAINER_CREDENTIALS_FULL_URI")? {
        let url = parse_url(&full).map_err(|reason| {
            invalid(
                SOURCE,
                context,
                format!("AWS_CONTAINER_CREDENTIALS_FULL_URI is not usable: {reason}"),
            )
        })?;
        let allowed = url.https
            || is_loopback(&url.host)
            || CONTAINER_HOSTS.iter().any(|h| same_ip(&url.host, h));
        if !allowed {
            return Err(fail(
                Some(SOURCE),
                context,
                Problem::DisallowedHost { host: url.host },
            ));
        }
        url
    } else {
        return Ok(Found::No(
            "container (AWS_CONTAINER_CREDENTIALS_RELATIVE_URI / _FULL_URI not set)".into(),
        ));
    };

    // The token file wins and is re-read on every fetch (EKS rotates it).
    let token = if let Some(path) = cx.env("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE")? {
        match read_text(cx, &path, Some(SOURCE))? {
            Some(token) => Some(token.trim().to_string()),
            None => {
                return Err(invalid(
                    SOURCE,
                    context,
                    format!(
                        "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE names {path}, which does not exist"
                    ),
                ));
            }
        }
    } else {
        cx.env("AWS_CONTAINER_AUTHORIZATION_TOKEN")?
    };
    if token.as_deref().is_some_and(|t| t.contains(['\r', '\n'])) {
        return Err(invalid(
            SOURCE,
            context,
            "the container authorization token contains CR or LF",
        ));
    }
    let mut request = HttpRequest::to("GET", &url, Duration::from_secs(2));
    request.headers.push(("Accept", "application/json".into()));
    if let Some(token) = token.filter(|t| !t.is_empty()) {
        request.headers.push(("Authorization", token));
    }
    let context = format!("container credentials endpoint {}", url.origin());
    let response = backoff::send(cx, &request, &Retry::CONTAINER)?
        .map_err(|failure| fail(Some(SOURCE), context.as_str(), Problem::Transport(failure)))?;
    if response.status != 200 {
        return Err(fail(Some(SOURCE), context, json_service_error(&response)));
    }
    let (credentials, account_id) = credentials_json(&response.body, "Token", SOURCE, &context)?;
    found(cx, credentials, SOURCE, context, account_id)
}
