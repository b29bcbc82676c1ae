//! STS `AssumeRole` (SigV4-signed) and `AssumeRoleWithWebIdentity` (unsigned): Query-protocol
//! `POST /` with a form body, XML responses.

use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::time::Duration;

use super::SourceKind;
use super::backoff::{self, Retry};
use super::engine::{Cx, Flow, Run};
use super::error::{CredentialsError, Problem};
use super::protocol::{HttpRequest, HttpResponse};
use super::xml;
use crate::sigv4::{Credentials, SignableRequest, Signer, SigningParams};
use crate::time::UnixTime;
use crate::url::Url;

/// STS calls may take a while (the service itself calls out to identity providers).
const STS_TIMEOUT: Duration = Duration::from_secs(30);
const FORM: &str = "application/x-www-form-urlencoded; charset=utf-8";

/// Parameters of `AssumeRole`.
pub(crate) struct AssumeRole<'a> {
    pub(crate) role_arn: &'a str,
    pub(crate) session_name: &'a str,
    pub(crate) external_id: Option<&'a str>,
    pub(crate) duration_seconds: Option<u32>,
}

/// Credentials from STS and the account id from the assumed role's ARN.
pub(crate) struct StsCredentials {
    pub(crate) credentials: Credentials,
    pub(crate) account_id: Option<String>,
}

/// Calls `AssumeRole` at `endpoint`, signed with `source` for `region`.
pub(crate) fn assume_role(
    cx: &mut Cx<'_>,
    endpoint: &Url,
    region: &str,
    source: &Credentials,
    params: &AssumeRole<'_>,
    context: &str,
) -> Run<StsCredentials> {
    let duration = params.duration_seconds.map(|d| d.to_string());
    let mut pairs: Vec<(&str, &str)> = alloc::vec![
        ("Action", "AssumeRole"),
        ("Version", "2011-06-15"),
        ("RoleArn", params.role_arn),
        ("RoleSessionName", params.session_name),
    ];
    if let Some(external_id) = params.external_id {
        pairs.push(("ExternalId", external_id));
    }
    if let Some(duration) = &duration {
        pairs.push(("DurationSeconds", duration));
    }
    let body = form_encode(&pairs);
    let now = cx.now()?;
    let mut request = HttpRequest::to("POST", endpoint, STS_TIMEOUT);
    let host = endpoint.authority();
    let fail = |reason: String| {
        Flow::Fail(CredentialsError::new(
            Some(SourceKind::AssumeRole),
            context,
            Problem::InvalidConfig { reason },
        ))
    };
    let signable = SignableRequest::new("POST", &endpoint.target)
        .header("host", &host)
        .header("content-type", FORM)
        .body(body.as_bytes());
    let signing = SigningParams::new(source, region, "sts", now);
    let signature = Signer::new()
        .sign_headers(&signable, &signing)
        .map_err(|e| fail(format!("cannot sign the STS request: {e}")))?;
    request.headers.push(("Content-Type", FORM.into()));
    request
        .headers
        .extend(signature.headers().map(|(n, v)| (n, v.to_string())));
    request
        .headers
        .push(("Content-Length", body.len().to_string()));
    request.body = body.into_bytes();
    let response = backoff::send(cx, &request, &Retry::STANDARD)?.map_err(|failure| {
        Flow::Fail(CredentialsError::new(
            Some(SourceKind::AssumeRole),
            context,
            Problem::Transport(failure),
        ))
    })?;
    parse(&response, SourceKind::AssumeRole, context).map_err(Flow::Fail)
}

/// Calls `AssumeRoleWithWebIdentity` at `endpoint` (unsigned: the token is the credential).
pub(crate) fn assume_role_with_web_identity(
    cx: &mut Cx<'_>,
    endpoint: &Url,
    role_arn: &str,
    session_name: &str,
    token: &str,
    context: &str,
) -> Run<StsCredentials> {
    let body = form_encode(&[
        ("Action", "AssumeRoleWithWebIdentity"),
        ("Version", "2011-06-15"),
        ("RoleArn", role_arn),
        ("RoleSessionName", session_name),
        ("WebIdentityToken", token),
    ]);
    let mut request = HttpRequest::to("POST", endpoint, STS_TIMEOUT);
    request.headers.extend([
        ("Content-Type", String::from(FORM)),
        ("Content-Length", body.len().to_string()),
    ]);
    request.body = body.into_bytes();
    let response = backoff::send(cx, &request, &Retry::STANDARD)?.map_err(|failure| {
        Flow::Fail(CredentialsError::new(
            Some(SourceKind::WebIdentity),
            context,
            Problem::Transport(failure),
        ))
    })?;
    parse(&response, SourceKind::WebIdentity, context).map_err(Flow::Fail)
}

/// `application/x-www-form-urlencoded` body from pairs, percent-encoding everything outside
/// `A-Z a-z 0-9 - . _ ~` (botocore's `percent_encode_sequence`).
fn form_encode(pairs: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(256);
    for (i, (name, value)) in pairs.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        crate::percent::encode(&mut out, name);
        out.push('=');
        crate::percent::encode(&mut out, value);
    }
    out
}

/// Parses an STS response: credentials from a 200, a typed error from `<ErrorResponse>`.
pub(crate) fn parse(
    response: &HttpResponse,
    source: SourceKind,
    context: &str,
) -> Result<StsCredentials, CredentialsError> {
    let error = |problem| CredentialsError::new(Some(source), context, problem);
    let text = core::str::from_utf8(&response.body).unwrap_or_default();
    let leaves = xml::leaves(text);
    if response.status != 200 {
        let (code, message, request_id) = match &leaves {
            Ok(leaves) => (
                leaves.get("Error/Code").map(String::from),
                leaves.get("Error/Message").unwrap_or_default().to_string(),
                leaves
                    .get("RequestId")
                    .map(String::from)
                    .or_else(|| response.header("x-amzn-requestid").map(String::from)),
            ),
            Err(_) => (
                None,
                String::from("the response is not an STS error document"),
                response.header("x-amzn-requestid").map(String::from),
            ),
        };
        return Err(error(Problem::Service {
            status: response.status,
            code,
            message,
            request_id,
        }));
    }
    let leaves = leaves.map_err(|e| {
        error(Problem::InvalidResponse {
            reason: format!("the STS response is not valid XML ({e:?})"),
        })
    })?;
    let field = |name: &'static str| {
        leaves.get(name).filter(|v| !v.is_empty()).ok_or_else(|| {
            error(Problem::InvalidResponse {
                reason: format!("the STS response has no {name}"),
            })
        })
    };
    let access_key_id = field("Credentials/AccessKeyId")?;
    let secret = field("Credentials/SecretAccessKey")?;
    let token = field("Credentials/SessionToken")?;
    let expiration = field("Credentials/Expiration")?;
    let expires_at = UnixTime::parse_iso8601(expiration.trim()).map_err(|_| {
        error(Problem::InvalidResponse {
            reason: "the STS response's Expiration is not an ISO-8601 time".into(),
        })
    })?;
    let credentials = Credentials::new(access_key_id, secret)
        .map_err(|e| {
            error(Problem::InvalidCredentials {
                reason: e.to_string(),
            })
        })?
        .with_session_token(token)
        .with_expiry(expires_at);
    let account_id = leaves.get("AssumedRoleUser/Arn").and_then(account_of_arn);
    Ok(StsCredentials {
        credentials,
        account_id,
    })
}

/// The account id of an ARN (`arn:aws:sts::123456789012:assumed-role/…`).
pub(crate) fn account_of_arn(arn: &str) -> Option<String> {
    let account = arn.split(':').nth(4)?;
    (account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit())).then(|| account.into())
}

#[cfg(test)]
mod tests {
    use super::form_encode;

    #[test]
    fn form_encodes() {
        assert_eq!(
            form_encode(&[
                ("Action", "AssumeRole"),
                ("RoleArn", "arn:aws:iam::1:role/a b+c")
            ]),
            "Action=AssumeRole&RoleArn=arn%3Aaws%3Aiam%3A%3A1%3Arole%2Fa%20b%2Bc"
        );
    }
}
