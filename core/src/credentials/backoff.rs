//! Retries of the credential services' requests: which failures are transient, how many
//! attempts, how long to wait between them. The machine asks its driver to wait
//! ([`Need::Sleep`](super::Need::Sleep)); jitter comes from one random seed per resolution
//! ([`Need::Random`](super::Need::Random)).
//!
//! | service | attempts | wait before a retry | retried |
//! |---|---|---|---|
//! | EC2 instance metadata | 3, or `AWS_METADATA_SERVICE_NUM_ATTEMPTS` / `metadata_service_num_attempts` | standard backoff | 5xx, 429, resets; read timeouts except on the token request (those fall back to IMDSv1) |
//! | container (ECS, EKS) | 3 | 1 s | 5xx, 429, connection failures, timeouts, resets |
//! | STS, SSO portal, SSO OIDC | 3 | standard backoff | 500/502/503/504, throttling and transient error codes, STS `IDPCommunicationError`, connection failures, timeouts, resets |
//!
//! "Standard backoff" is the standard retry mode's ([`RetryConfig`]): a random fraction of
//! `min(base × 2^(attempt-1), 20 s)`, base 1 s after throttling and 50 ms otherwise.
//!
//! Where the SDKs differ, and why:
//! - botocore's `InstanceMetadataFetcher` makes `metadata_service_num_attempts` attempts,
//!   1 by default, without waiting; the Go v2 and Rust SDKs retry IMDS with backoff (3 and 4
//!   attempts). One 503 from IMDS must not end the chain, so the default here is 3 with the
//!   standard backoff; the setting still wins when given. Connection failures (a laptop with no
//!   IMDS) are not retried, so such a machine pays one connect timeout, not three.
//! - botocore's `ContainerMetadataFetcher` retries every failure, 4xx included, 3 attempts with
//!   1 s sleeps; here a 4xx (a rejected authorization token) is final at once.
//! - STS and the SSO services use botocore's standard mode with its own client-wide quota; a
//!   resolution makes at most 3 attempts per request, so the quota never binds and is not kept.

use core::time::Duration;

use serde_json::Value;

use super::engine::{Cx, Run};
use super::protocol::{HttpFailure, HttpFailureKind, HttpRequest, HttpResponse};
use crate::error::{RetryClass, THROTTLING_CODES, TRANSIENT_CODES};
use crate::retry::RetryConfig;

/// How a credential request is retried.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Retry {
    /// Attempts, the first included (at least 1).
    pub(crate) attempts: u32,
    /// A fixed wait, or `None` for the standard backoff with jitter.
    pub(crate) fixed_wait: Option<Duration>,
    /// Whether a connection failure is retried.
    pub(crate) connect_failures: bool,
    /// Whether a timeout once connected is retried.
    pub(crate) timeouts: bool,
}

impl Retry {
    /// STS, the SSO portal and SSO OIDC: the standard retry mode.
    pub(crate) const STANDARD: Self = Self {
        attempts: 3,
        fixed_wait: None,
        connect_failures: true,
        timeouts: true,
    };

    /// Container endpoints: botocore's `ContainerMetadataFetcher` (3 attempts, 1 s apart).
    pub(crate) const CONTAINER: Self = Self {
        attempts: 3,
        fixed_wait: Some(Duration::from_secs(1)),
        connect_failures: true,
        timeouts: true,
    };

    /// The default number of IMDS attempts (see the module docs).
    pub(crate) const IMDS_ATTEMPTS: u32 = 3;

    /// IMDS requests, `attempts` in all; the token request does not retry timeouts.
    pub(crate) fn imds(attempts: u32, token_request: bool) -> Self {
        Self {
            attempts: attempts.max(1),
            fixed_wait: None,
            connect_failures: false,
            timeouts: !token_request,
        }
    }

    /// How the standard retry mode treats this outcome, within this policy.
    pub(crate) fn classify(&self, result: &Result<HttpResponse, HttpFailure>) -> RetryClass {
        match result {
            Ok(response) => classify_response(response),
            Err(failure) => match failure.kind {
                HttpFailureKind::Connect if self.connect_failures => RetryClass::Transient,
                HttpFailureKind::Timeout if self.timeouts => RetryClass::Transient,
                // A reset or a truncated response.
                HttpFailureKind::Other => RetryClass::Transient,
                _ => RetryClass::No,
            },
        }
    }
}

/// Sends `request`, again while the outcome is retryable and attempts remain, waiting between
/// attempts; returns the last outcome (the caller falls back or fails on it as before).
pub(crate) fn send(
    cx: &mut Cx<'_>,
    request: &HttpRequest,
    retry: &Retry,
) -> Run<Result<HttpResponse, HttpFailure>> {
    let mut attempt = 1;
    loop {
        let result = cx.http(request.clone())?;
        let class = retry.classify(&result);
        if class == RetryClass::No || attempt >= retry.attempts {
            return Ok(result);
        }
        let wait = match retry.fixed_wait {
            Some(wait) => wait,
            None => RetryConfig::default().backoff(class, attempt, cx.jitter()?, None),
        };
        cx.sleep(wait)?;
        attempt += 1;
    }
}

/// A response's retry class: throttling codes (and an unmodelled 429), transient codes and
/// 500/502/503/504, STS's `IDPCommunicationError` (botocore retries it for web identity).
fn classify_response(response: &HttpResponse) -> RetryClass {
    if (200..300).contains(&response.status) {
        return RetryClass::No;
    }
    let code = error_code(response).unwrap_or_default();
    let is = |codes: &[&str]| codes.iter().any(|c| c.eq_ignore_ascii_case(&code));
    if is(THROTTLING_CODES) || (response.status == 429 && code.is_empty()) {
        RetryClass::Throttling
    } else if is(TRANSIENT_CODES)
        || code.eq_ignore_ascii_case("IDPCommunicationError")
        || matches!(response.status, 500 | 502 | 503 | 504)
    {
        RetryClass::Transient
    } else if response.status == 429 {
        RetryClass::Throttling
    } else {
        RetryClass::No
    }
}

/// The error code of an AWS error response: `x-amzn-ErrorType`, an XML `<Code>`, or a JSON
/// `__type` / `code`.
fn error_code(response: &HttpResponse) -> Option<alloc::string::String> {
    let raw = if let Some(header) = response.header("x-amzn-ErrorType") {
        alloc::string::String::from(header)
    } else if let Ok(text) = core::str::from_utf8(&response.body)
        && let Some(start) = text.find("<Code>")
    {
        let rest = &text[start + "<Code>".len()..];
        alloc::string::String::from(&rest[..rest.find("</Code>")?])
    } else {
        let json: Value = serde_json::from_slice(&response.body).ok()?;
        ["__type", "code", "Code"]
            .iter()
            .find_map(|n| json.get(*n).and_then(Value::as_str))
            .map(alloc::string::String::from)?
    };
    Some(crate::error::sanitize_error_type(raw.trim())).filter(|c| !c.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn response(status: u16, headers: &[(&str, &str)], body: &str) -> HttpResponse {
        HttpResponse {
            status,
            headers: headers
                .iter()
                .map(|(n, v)| ((*n).into(), (*v).into()))
                .collect(),
            body: body.as_bytes().to_vec(),
        }
    }

    #[test]
    fn responses_are_classified_as_the_standard_mode_does() {
        let sts = |code: &str| {
            alloc::format!("<ErrorResponse><Error><Code>{code}</Code></Error></ErrorResponse>")
        };
        for (r, class) in [
            (response(200, &[], ""), RetryClass::No),
            (response(503, &[], ""), RetryClass::Transient),
            (response(500, &[], "oops"), RetryClass::Transient),
            (response(501, &[], ""), RetryClass::No),
            (response(429, &[], ""), RetryClass::Throttling),
            (
                response(400, &[], &sts("Throttling")),
                RetryClass::Throttling,
            ),
            (
                response(400, &[], &sts("IDPCommunicationError")),
                RetryClass::Transient,
            ),
            (response(403, &[], &sts("AccessDenied")), RetryClass::No),
            (
                response(
                    429,
                    &[("x-amzn-ErrorType", "TooManyRequestsException:http://x")],
                    "{}",
                ),
                RetryClass::Throttling,
            ),
            (
                response(
                    400,
                    &[],
                    r#"{"__type":"com.amazon#RequestTimeoutException"}"#,
                ),
                RetryClass::Transient,
            ),
            (
                response(401, &[], r#"{"error":"invalid_grant"}"#),
                RetryClass::No,
            ),
        ] {
            assert_eq!(classify_response(&r), class, "{r:?}");
        }
        let connect = Err(HttpFailure::connect("refused"));
        let timeout = Err(HttpFailure::timeout("1 s"));
        assert_eq!(Retry::STANDARD.classify(&connect), RetryClass::Transient);
        assert_eq!(Retry::imds(3, false).classify(&connect), RetryClass::No);
        assert_eq!(Retry::imds(3, true).classify(&timeout), RetryClass::No);
        assert_eq!(
            Retry::imds(3, false).classify(&timeout),
            RetryClass::Transient
        );
    }
}
