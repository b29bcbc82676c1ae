//! Authentication: Bedrock API keys (`Authorization: Bearer <key>`) and SigV4, verified by
//! recomputing the signature with the core's signer from the request as received.
//!
//! Checks run in this order, each failing with the error AWS gives (all 403):
//!
//! | check | error type | message |
//! |---|---|---|
//! | an `Authorization` header | `MissingAuthenticationTokenException` | `Missing Authentication Token` |
//! | bearer key equals the configured key | `AccessDeniedException` | [`API_KEY_REJECTED`] |
//! | `AWS4-HMAC-SHA256` with `Credential`, `SignedHeaders`, `Signature`; an `X-Amz-Date` | `IncompleteSignatureException` | which part is missing |
//! | access key id known | `UnrecognizedClientException` | `The security token included in the request is invalid.` |
//! | session token present, equal and signed exactly when one is configured | `UnrecognizedClientException` | same |
//! | `X-Amz-Date` within the allowed skew of the clock | `InvalidSignatureException` | `Signature expired: ...` / `Signature not yet current: ...` |
//! | credential scope: date of `X-Amz-Date`, service `bedrock`, `aws4_request`; `host` signed | `InvalidSignatureException` | what is wrong |
//! | signature | `InvalidSignatureException` | the expected canonical request and string to sign |

use std::time::Duration;

use bedrock_core::sigv4::{
    self, Credentials, Payload, SignableRequest, SigningParams, UNSIGNED_PAYLOAD,
};
use bedrock_core::time::UnixTime;

use super::errors::{ServiceError, known};
use super::request::Request;
use super::{API_KEY_REJECTED, AuthKind, EmulatorConfig, SIGNING_SERVICE};

/// Authenticates `request` at `now`.
///
/// # Errors
///
/// The 403 answer for the first check that fails (see the module docs).
pub(crate) fn authenticate(
    config: &EmulatorConfig,
    now: UnixTime,
    request: &Request,
) -> Result<AuthKind, ServiceError> {
    let Some(authorization) = request.header("authorization") else {
        return Err(ServiceError::of(known(
            "MissingAuthenticationTokenException",
        )));
    };
    let authorization = authorization.trim();
    if let Some((scheme, key)) = authorization.split_once(' ')
        && scheme.eq_ignore_ascii_case("bearer")
    {
        return if key.trim() == config.api_key {
            Ok(AuthKind::Bearer)
        } else {
            Err(ServiceError::with_message(
                known("AccessDeniedException"),
                API_KEY_REJECTED,
            ))
        };
    }
    verify_sigv4(config, now, request, authorization)
}

/// The parts of an `AWS4-HMAC-SHA256` Authorization header (none of them secret).
#[derive(Debug)]
struct SigV4Header<'a> {
    credential: &'a str,
    signed_headers: &'a str,
    signature: &'a str,
}

fn incomplete(message: impl Into<String>) -> ServiceError {
    ServiceError::with_message(known("IncompleteSignatureException"), message)
}

fn invalid_signature(message: impl Into<String>) -> ServiceError {
    ServiceError::with_message(known("InvalidSignatureException"), message)
}

fn unrecognized_client() -> ServiceError {
    ServiceError::of(known("UnrecognizedClientException"))
}

fn parse_header(authorization: &str) -> Result<SigV4Header<'_>, ServiceError> {
    let params = match authorization.split_once(' ') {
        Some((algorithm, params)) if algorithm == sigv4::ALGORITHM => params,
        _ => {
            return Err(incomplete(format!(
                "Authorization header requires '{}' or 'Bearer' authorization. Authorization={}",
                sigv4::ALGORITHM,
                authorization.split(' ').next().unwrap_or_default()
            )));
        }
    };
    let (mut credential, mut signed_headers, mut signature) = (None, None, None);
    for part in params.split(',') {
        match part.trim().split_once('=') {
            Some(("Credential", v)) => credential = Some(v.trim()),
            Some(("SignedHeaders", v)) => signed_headers = Some(v.trim()),
            Some(("Signature", v)) => signature = Some(v.trim()),
            _ => {}
        }
    }
    let mut missing = String::new();
    for (name, value) in [
        ("Credential", credential),
        ("Signature", signature),
        ("SignedHeaders", signed_headers),
    ] {
        if value.is_none_or(str::is_empty) {
            missing.push_str(&format!(
                "Authorization header requires '{name}' parameter. "
            ));
        }
    }
    if !missing.is_empty() {
        return Err(incomplete(missing.trim_end().to_string()));
    }
    Ok(SigV4Header {
        credential: credential.unwrap_or_default(),
        signed_headers: signed_headers.unwrap_or_default(),
        signature: signature.unwrap_or_default(),
    })
}

fn verify_sigv4(
    config: &EmulatorConfig,
    now: UnixTime,
    request: &Request,
    authorization: &str,
) -> Result<AuthKind, ServiceError> {
    let header = parse_header(authorization)?;
    let Some(amz_date) = request.header("x-amz-date").map(str::trim) else {
        return Err(incomplete(
            "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' \
             header.",
        ));
    };
    let signed_at = UnixTime::parse_amz_date(amz_date).map_err(|_| {
        incomplete(format!(
            "Date must be in ISO-8601 'basic format'. Got '{amz_date}'. See \
             http://en.wikipedia.org/wiki/ISO_8601"
        ))
    })?;
    let scope: Vec<&str> = header.credential.split('/').collect();
    let [access_key_id, scope_date, region, service, terminator] = scope.as_slice() else {
        return Err(incomplete(format!(
            "Credential must have exactly 5 slash-delimited elements, e.g. \
             keyid/date/region/service/term, got '{}'",
            header.credential
        )));
    };
    if *access_key_id != config.access_key_id {
        return Err(unrecognized_client());
    }
    let signed: Vec<&str> = header.signed_headers.split(';').collect();
    let token = request.header("x-amz-security-token");
    let token_signed = signed.contains(&"x-amz-security-token");
    match (&config.session_token, token) {
        (None, None) => {}
        (Some(expected), Some(got)) if got == expected && token_signed => {}
        _ => return Err(unrecognized_client()),
    }
    if let Some(skew) = config.max_skew {
        check_skew(signed_at, now, skew)?;
    }
    let date_stamp = signed_at.date_stamp();
    if *scope_date != date_stamp.as_str() {
        return Err(invalid_signature(format!(
            "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date \
             from HTTP: '{scope_date}' != '{}', from '{amz_date}'.",
            date_stamp.as_str()
        )));
    }
    if *terminator != "aws4_request" {
        return Err(incomplete(format!(
            "Credential should be scoped with a valid terminator: 'aws4_request', not \
             '{terminator}'."
        )));
    }
    if *service != SIGNING_SERVICE {
        return Err(invalid_signature(format!(
            "Credential should be scoped to correct service: '{SIGNING_SERVICE}'. "
        )));
    }
    if region.is_empty()
        || !region
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    {
        return Err(invalid_signature(
            "Credential should be scoped to a valid region. ",
        ));
    }
    if !signed.contains(&"host") {
        return Err(invalid_signature(
            "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.",
        ));
    }

    // The request as received: method, raw path and query, the headers the client says it
    // signed (the signer adds x-amz-date and the session token itself), the body's hash.
    let mut signable =
        SignableRequest::from_parts(&request.method, request.path(), request.query());
    for (name, value) in &request.headers {
        let lower = name.to_ascii_lowercase();
        if signed.contains(&lower.as_str())
            && lower != "x-amz-date"
            && lower != "x-amz-security-token"
        {
            signable.push_header(name, value);
        }
    }
    let unsigned_payload = request.header("x-amz-content-sha256") == Some(UNSIGNED_PAYLOAD);
    let signable = if unsigned_payload {
        signable.payload(Payload::Unsigned)
    } else {
        signable.body(&request.body)
    };
    let mut credentials = Credentials::new(*access_key_id, config.secret_access_key.clone())
        .map_err(|e| incomplete(e.to_string()))?;
    if let Some(token) = &config.session_token {
        credentials = credentials.with_session_token(token.clone());
    }
    let params = SigningParams::new(&credentials, region, SIGNING_SERVICE, signed_at);
    let canonical =
        sigv4::canonical_request(&signable, &params).map_err(|e| incomplete(e.to_string()))?;
    let string_to_sign = sigv4::string_to_sign(
        signed_at,
        region,
        SIGNING_SERVICE,
        canonical.as_str().as_bytes(),
    );
    let key = sigv4::signing_key(
        &config.secret_access_key,
        date_stamp,
        region,
        SIGNING_SERVICE,
    );
    let expected = sigv4::signature(&key, string_to_sign.as_bytes());
    if expected.as_str() != header.signature {
        return Err(invalid_signature(format!(
            "The request signature we calculated does not match the signature you provided. \
             Check your AWS Secret Access Key and signing method. Consult the service \
             documentation for details.\n\nThe Canonical String for this request should have \
             been\n'{}'\n\nThe String-to-Sign should have been\n'{string_to_sign}'\n",
            canonical.as_str()
        )));
    }
    Ok(AuthKind::SigV4 {
        region: (*region).to_string(),
    })
}

/// AWS: a signature is valid only within the skew window around the service's clock.
fn check_skew(signed_at: UnixTime, now: UnixTime, skew: Duration) -> Result<(), ServiceError> {
    let minutes = skew.as_secs() / 60;
    let amz = |t: UnixTime| t.amz_date().as_str().to_string();
    if let Some(earliest) = now.checked_sub(skew)
        && signed_at < earliest
    {
        return Err(invalid_signature(format!(
            "Signature expired: {} is now earlier than {} ({} - {minutes} min.)",
            amz(signed_at),
            amz(earliest),
            amz(now)
        )));
    }
    if let Some(latest) = now.checked_add(skew)
        && signed_at > latest
    {
        return Err(invalid_signature(format!(
            "Signature not yet current: {} is still later than {} ({} + {minutes} min.)",
            amz(signed_at),
            amz(latest),
            amz(now)
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(date: &str) -> UnixTime {
        UnixTime::parse_amz_date(date).unwrap()
    }

    #[test]
    fn skew_messages_match_aws() {
        let now = at("20240101T001000Z");
        let five = Duration::from_secs(300);
        let early = check_skew(at("20240101T000000Z"), now, five).unwrap_err();
        assert_eq!(
            early.message,
            "Signature expired: 20240101T000000Z is now earlier than 20240101T000500Z \
             (20240101T001000Z - 5 min.)"
        );
        let late = check_skew(at("20240101T002000Z"), now, five).unwrap_err();
        assert_eq!(
            late.message,
            "Signature not yet current: 20240101T002000Z is still later than 20240101T001500Z \
             (20240101T001000Z + 5 min.)"
        );
        assert!(check_skew(at("20240101T000500Z"), now, five).is_ok());
        assert!(check_skew(at("20240101T001500Z"), now, five).is_ok());
    }

    #[test]
    fn header_parts_are_required() {
        let error = parse_header("AWS4-HMAC-SHA256 Credential=a/b/c/d/e").unwrap_err();
        assert_eq!(error.error_type, "IncompleteSignatureException");
        assert_eq!(
            error.message,
            "Authorization header requires 'Signature' parameter. Authorization header requires \
             'SignedHeaders' parameter."
        );
        assert!(parse_header("Basic abc").is_err());
        let ok = parse_header(
            "AWS4-HMAC-SHA256 Credential=AKID/20150830/us-east-1/bedrock/aws4_request,SignedHeaders=host;x-amz-date, Signature=abc",
        )
        .unwrap();
        assert_eq!(ok.signed_headers, "host;x-amz-date");
        assert_eq!(ok.signature, "abc");
    }
}
