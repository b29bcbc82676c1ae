//! AWS Signature Version 4: canonical request, string to sign, signature, `Authorization`
//! header, presigned URLs, and short-term Bedrock API keys.
//!
//! Each stage is public so conformance vectors can check it on its own:
//!
//! | stage | function |
//! |---|---|
//! | 1. canonical request | [`canonical_request`], [`presigned_canonical_request`] |
//! | 2. string to sign | [`string_to_sign`] |
//! | 3. signing key | [`signing_key`] |
//! | 4. signature | [`signature`] |
//! | signed request | [`Signer::sign_headers`] / [`sign_headers`], [`Signer::presign`] / [`presign`] |
//!
//! Bedrock signs with service name `bedrock` (not `bedrock-runtime`) and, like every AWS service
//! but S3, *double-encodes* the path: the wire path `/model/a%3Ab/converse` canonicalizes to
//! `/model/a%253Ab/converse`. [`UriEncoding::Single`] is S3's once-only mode.
//!
//! A [`Signer`] caches derived signing keys per (date, region, service, credentials), so a
//! burst of requests costs one HMAC chain instead of four HMACs per request; it also keeps the
//! canonical request of the last header-signed request, so the next request of the same shape
//! (method, target, headers, settings) only gets its date and payload hash written in, and
//! reuses its buffers.
//!
//! ```
//! use bedrock_core::sigv4::{Credentials, SignableRequest, Signer, SigningParams};
//! use bedrock_core::time::UnixTime;
//!
//! let credentials = Credentials::new("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")?;
//! let body = br#"{"messages":[{"role":"user","content":[{"text":"Hello"}]}]}"#;
//! let request = SignableRequest::new("POST", "/model/us.anthropic.claude-haiku-4-5-20251001-v1%3A0/converse")
//!     .header("host", "bedrock-runtime.us-west-2.amazonaws.com")
//!     .header("content-type", "application/json")
//!     .body(body);
//! let params = SigningParams::new(&credentials, "us-west-2", "bedrock", UnixTime::from_secs(1_440_938_160)?);
//! let mut signer = Signer::new();
//! let signed = signer.sign_headers(&request, &params)?;
//! let names: Vec<&str> = signed.headers().map(|(name, _)| name).collect();
//! assert_eq!(names, ["X-Amz-Date", "Authorization"]);
//! assert!(signed.authorization().starts_with(
//!     "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-west-2/bedrock/aws4_request, \
//!      SignedHeaders=content-type;host;x-amz-date, Signature="));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Files
//!
//! | file | what it holds |
//! |---|---|
//! | `mod.rs` | the constants and the staged functions ([`canonical_request`], [`string_to_sign`], [`signature`]) |
//! | `credentials.rs` | [`Credentials`] |
//! | `params.rs` | [`SigningParams`], [`SigningSettings`], [`UriEncoding`], [`SessionTokenPlacement`] |
//! | `request.rs` | [`SignableRequest`] and its [`Payload`] |
//! | `canonical.rs` | writing the canonical request (task 1): URI, query, headers |
//! | `key.rs` | [`SigningKey`] derivation (task 3), HMAC-SHA256 (the `hmac` crate), the derived-key cache with each scope's credential text |
//! | `signer.rs` | [`Signer`], [`sign_headers`], [`presign`] |
//! | `template.rs` | the last canonical request a [`Signer`] signed into headers, reused for the next one of the same shape |
//! | `output.rs` | [`CanonicalRequest`], [`Signature`], [`HeaderSignature`], [`QuerySignature`] |
//! | `error.rs` | [`SigningError`] |
//! | `api_key.rs` | short-term Bedrock API keys ([`bedrock_api_key`]) |
//! | `inline.rs` | a small-vector for the request's headers |

mod api_key;
mod canonical;
mod credentials;
mod error;
mod inline;
mod key;
mod output;
mod params;
mod request;
mod signer;
mod template;

use alloc::string::String;
use alloc::vec::Vec;
use core::time::Duration;

use hmac::Mac;
use sha2::{Digest, Sha256};

pub use api_key::{
    API_KEY_HOST, API_KEY_PREFIX, DEFAULT_API_KEY_LIFETIME, MAX_API_KEY_LIFETIME, bedrock_api_key,
};
pub use credentials::Credentials;
pub use error::SigningError;
pub use key::{SigningKey, signing_key};
pub use output::{CanonicalRequest, HeaderSignature, QuerySignature, Signature};
pub use params::{SessionTokenPlacement, SigningParams, SigningSettings, UriEncoding};
pub use request::{Payload, SignableRequest};
pub use signer::{Signer, presign, sign_headers};

use crate::time::{DateStamp, UnixTime};
use signer::{into_canonical, write_canonical};

/// The signing algorithm identifier.
pub const ALGORITHM: &str = "AWS4-HMAC-SHA256";
/// Hex SHA-256 of the empty payload.
pub const EMPTY_PAYLOAD_SHA256: &str =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
/// The payload hash that opts out of payload signing.
pub const UNSIGNED_PAYLOAD: &str = "UNSIGNED-PAYLOAD";
/// The longest lifetime a presigned SigV4 URL may have: seven days.
pub const MAX_PRESIGN_EXPIRY: Duration = Duration::from_secs(7 * 24 * 3600);

/// Stage 1, header signing: the canonical request `sign_headers` would sign, including the
/// headers the signer adds (`x-amz-date`, a signed session token, `x-amz-content-sha256`).
///
/// # Errors
///
/// As [`Signer::sign_headers`].
pub fn canonical_request(
    request: &SignableRequest<'_>,
    params: &SigningParams<'_>,
) -> Result<CanonicalRequest, SigningError> {
    let mut out = Vec::with_capacity(512);
    let prepared = write_canonical(&mut out, request, params, None)?;
    into_canonical(out, prepared.signed_headers)
}

/// Stage 1, presigning: the canonical request `presign` would sign, with the `X-Amz-*` query
/// parameters.
///
/// # Errors
///
/// As [`Signer::presign`].
pub fn presigned_canonical_request(
    request: &SignableRequest<'_>,
    params: &SigningParams<'_>,
    expires_in: Duration,
) -> Result<CanonicalRequest, SigningError> {
    let mut out = Vec::with_capacity(512);
    let prepared = write_canonical(&mut out, request, params, Some(expires_in))?;
    into_canonical(out, prepared.signed_headers)
}

///
/// ```text
/// AWS4-HMAC-SHA256
/// 20150830T123600Z
/// 20150830/us-east-1/service/aws4_request
/// <hex SHA-256 of the canonical request>
/// ```
pub fn string_to_sign(
    time: UnixTime,
    region: &str,
    service: &str,
    canonical_request: &[u8],
) -> String {
    let mut creq_hash = [0u8; 64];
    crate::percent::hex_lower(&Sha256::digest(canonical_request), &mut creq_hash);
    let mut scope = String::with_capacity(48);
    push_scope(&mut scope, time.date_stamp(), region, service);
    let mut out = Vec::with_capacity(128);
    feed_string_to_sign(
        &mut |bytes| out.extend_from_slice(bytes),
        time.amz_date().as_str(),
        &scope,
        &creq_hash,
    );
    String::from_utf8_lossy(&out).into_owned()
}

/// Stage 4: the hex HMAC-SHA256 of the string to sign under the signing key.
pub fn signature(key: &SigningKey, string_to_sign: &[u8]) -> Signature {
    let mut mac = key::keyed(key);
    mac.update(string_to_sign);
    let mut out = [0u8; 64];
    crate::percent::hex_lower(&key::finalize(mac), &mut out);
    Signature(out)
}

/// Feeds the string to sign to `sink` in pieces, so the signer can HMAC it without building it.
fn feed_string_to_sign(
    sink: &mut dyn FnMut(&[u8]),
    amz_date: &str,
    credential_scope: &str,
    creq_hash: &[u8; 64],
) {
    sink(ALGORITHM.as_bytes());
    sink(b"\n");
    sink(amz_date.as_bytes());
    sink(b"\n");
    sink(credential_scope.as_bytes());
    sink(b"\n");
    sink(creq_hash);
}

/// Appends the credential scope `<date>/<region>/<service>/aws4_request`.
fn push_scope(out: &mut String, date: DateStamp, region: &str, service: &str) {
    out.push_str(date.as_str());
    out.push('/');
    out.push_str(region);
    out.push('/');
    out.push_str(service);
    out.push_str("/aws4_request");
}

#[cfg(test)]
mod tests;
