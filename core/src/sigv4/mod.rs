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
//! burst of requests costs one HMAC chain instead of four HMACs per request, and reuses its
//! buffers.
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

mod api_key;
mod canonical;
mod hmac;
mod inline;
mod key;

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;
use core::time::Duration;

use sha2::{Digest, Sha256};

pub use api_key::{
    API_KEY_HOST, API_KEY_PREFIX, DEFAULT_API_KEY_LIFETIME, MAX_API_KEY_LIFETIME, bedrock_api_key,
};
pub use key::{SigningKey, signing_key};

use crate::secret::Secret;
use crate::time::{AmzDate, DateStamp, UnixTime};
use canonical::{Additions, write_canonical_request};
use hmac::HmacSha256;
use inline::InlineVec;
use key::KeyCache;

/// The signing algorithm identifier.
pub const ALGORITHM: &str = "AWS4-HMAC-SHA256";
/// Hex SHA-256 of the empty payload.
pub const EMPTY_PAYLOAD_SHA256: &str =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
/// The payload hash that opts out of payload signing.
pub const UNSIGNED_PAYLOAD: &str = "UNSIGNED-PAYLOAD";
/// The longest lifetime a presigned SigV4 URL may have: seven days.
pub const MAX_PRESIGN_EXPIRY: Duration = Duration::from_secs(7 * 24 * 3600);

/// AWS credentials for SigV4: an access key id, a secret access key, and for temporary
/// credentials a session token and an expiry.
///
/// The secret and the token are [`Secret`]s: `Debug` never shows them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Credentials {
    access_key_id: String,
    secret_access_key: Secret<String>,
    session_token: Option<Secret<String>>,
    expires_at: Option<UnixTime>,
}

impl Credentials {
    /// Long-term credentials.
    ///
    /// # Errors
    ///
    /// [`SigningError::InvalidAccessKeyId`] for an empty id or one with characters that cannot
    /// appear in a `Credential=` scope (whitespace, `/`, `,`, `=`, control or non-ASCII bytes);
    /// [`SigningError::EmptySecretAccessKey`] for an empty secret.
    pub fn new(
        access_key_id: impl Into<String>,
        secret_access_key: impl Into<String>,
    ) -> Result<Self, SigningError> {
        let access_key_id = access_key_id.into();
        let secret_access_key = secret_access_key.into();
        if access_key_id.is_empty()
            || !access_key_id
                .bytes()
                .all(|b| b.is_ascii_graphic() && !matches!(b, b'/' | b',' | b'='))
        {
            return Err(SigningError::InvalidAccessKeyId);
        }
        if secret_access_key.is_empty() {
            return Err(SigningError::EmptySecretAccessKey);
        }
        Ok(Self {
            access_key_id,
            secret_access_key: Secret::new(secret_access_key),
            session_token: None,
            expires_at: None,
        })
    }

    /// Adds the session token of temporary credentials (an empty token means none).
    #[must_use]
    pub fn with_session_token(mut self, token: impl Into<String>) -> Self {
        let token = token.into();
        self.session_token = (!token.is_empty()).then(|| Secret::new(token));
        self
    }

    /// Records when temporary credentials expire.
    #[must_use]
    pub fn with_expiry(mut self, expires_at: UnixTime) -> Self {
        self.expires_at = Some(expires_at);
        self
    }

    /// The access key id (not a secret: it identifies the key and appears in every signature).
    pub fn access_key_id(&self) -> &str {
        &self.access_key_id
    }

    /// The secret access key.
    pub fn secret_access_key(&self) -> &Secret<String> {
        &self.secret_access_key
    }

    /// The session token, for temporary credentials.
    pub fn session_token(&self) -> Option<&Secret<String>> {
        self.session_token.as_ref()
    }

    /// When temporary credentials expire, if known.
    pub fn expires_at(&self) -> Option<UnixTime> {
        self.expires_at
    }
}

/// How the canonical URI encodes the request path.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum UriEncoding {
    /// Percent-encode the already-encoded wire path again (`%3A` → `%253A`): every AWS service
    /// but S3, Bedrock included.
    #[default]
    Double,
    /// Encode once: raw bytes outside the unreserved set are encoded and existing `%XX` escapes
    /// are kept. S3's mode, and the one the AWS signing test suite's `context.json` cases use.
    Single,
}

/// Where the session token of temporary credentials goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum SessionTokenPlacement {
    /// Added before signing and covered by the signature (what Bedrock and botocore do).
    #[default]
    Signed,
    /// Added after signing, outside the signature (a few services, such as IoT, require this).
    AfterSigning,
}

/// Signing options that vary between services.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SigningSettings {
    /// How the path is encoded; [`UriEncoding::Double`] by default.
    pub uri_encoding: UriEncoding,
    /// Whether `.`/`..` segments and repeated slashes are removed from the path before encoding
    /// (default `true`; S3 turns it off).
    pub normalize_path: bool,
    /// Whether an `x-amz-content-sha256` header carrying the payload hash is added and signed
    /// (default `false`: Bedrock does not need it, botocore does not send it).
    pub content_sha256_header: bool,
    /// Where the session token goes.
    pub session_token: SessionTokenPlacement,
}

impl Default for SigningSettings {
    fn default() -> Self {
        Self {
            uri_encoding: UriEncoding::Double,
            normalize_path: true,
            content_sha256_header: false,
            session_token: SessionTokenPlacement::Signed,
        }
    }
}

/// Who signs, for which scope, at what time.
#[derive(Clone, Copy, Debug)]
pub struct SigningParams<'a> {
    /// The credentials to sign with.
    pub credentials: &'a Credentials,
    /// The region of the credential scope, e.g. `us-east-1`.
    pub region: &'a str,
    /// The signing name of the service: `bedrock` for Bedrock Runtime, `bedrock-mantle` for the
    /// mantle endpoint, `sts` for STS.
    pub service: &'a str,
    /// The signing time (the wall clock, corrected for skew by the caller).
    pub time: UnixTime,
    /// Service-specific options.
    pub settings: SigningSettings,
}

impl<'a> SigningParams<'a> {
    /// Parameters with default settings (double URI encoding, path normalization, no
    /// `x-amz-content-sha256`, signed session token).
    pub fn new(
        credentials: &'a Credentials,
        region: &'a str,
        service: &'a str,
        time: UnixTime,
    ) -> Self {
        Self {
            credentials,
            region,
            service,
            time,
            settings: SigningSettings::default(),
        }
    }

    /// Replaces the settings.
    #[must_use]
    pub fn with_settings(mut self, settings: SigningSettings) -> Self {
        self.settings = settings;
        self
    }

    fn validate(&self) -> Result<(), SigningError> {
        let valid_scope_part = |s: &str| {
            !s.is_empty()
                && s.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        };
        if self.region.is_empty() {
            return Err(SigningError::EmptyRegion);
        }
        if !valid_scope_part(self.region) {
            return Err(SigningError::InvalidRegion);
        }
        if !valid_scope_part(self.service) {
            return Err(SigningError::InvalidService);
        }
        Ok(())
    }
}

/// The request body as the signature covers it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Payload<'a> {
    /// The body bytes; their SHA-256 is computed.
    Bytes(&'a [u8]),
    /// A SHA-256 already computed, as 64 lower-case hex digits.
    Sha256Hex(&'a str),
    /// `UNSIGNED-PAYLOAD`.
    Unsigned,
}

/// The parts of an HTTP request that SigV4 covers. Build it with [`SignableRequest::new`] and
/// the `header`/`body` methods.
///
/// `Debug` prints header names only: values may carry tokens.
#[derive(Clone)]
pub struct SignableRequest<'a> {
    method: &'a str,
    path: &'a str,
    query: &'a str,
    headers: InlineVec<(&'a str, &'a [u8]), 8>,
    payload: Payload<'a>,
}

impl<'a> SignableRequest<'a> {
    /// A request with a method and a request target as it goes on the wire
    /// (`/path?query`, already percent-encoded; a `#fragment` is dropped), no headers and an
    /// empty body.
    pub fn new(method: &'a str, target: &'a str) -> Self {
        let target = target.split_once('#').map_or(target, |(before, _)| before);
        let (path, query) = target.split_once('?').unwrap_or((target, ""));
        Self::from_parts(method, path, query)
    }

    /// A request from a method, a wire path and a raw query (without `?`), as an HTTP parser
    /// or a URL type hands them over.
    pub fn from_parts(method: &'a str, path: &'a str, query: &'a str) -> Self {
        Self {
            method,
            path,
            query,
            headers: InlineVec::new(("", &[])),
            payload: Payload::Bytes(&[]),
        }
    }

    /// Adds a header. Repeated names are signed as one header with the values joined by `,`.
    #[must_use]
    pub fn header(self, name: &'a str, value: &'a str) -> Self {
        self.header_bytes(name, value.as_bytes())
    }

    /// Adds a header whose value is raw bytes (as an HTTP parser hands them over); values must
    /// be UTF-8 without control characters other than tab, which signing checks.
    #[must_use]
    pub fn header_bytes(mut self, name: &'a str, value: &'a [u8]) -> Self {
        self.headers.push((name, value));
        self
    }

    /// Adds a header in place.
    pub fn push_header(&mut self, name: &'a str, value: &'a [u8]) {
        self.headers.push((name, value));
    }

    /// Sets the body bytes.
    #[must_use]
    pub fn body(mut self, body: &'a [u8]) -> Self {
        self.payload = Payload::Bytes(body);
        self
    }

    /// Sets how the payload is covered.
    #[must_use]
    pub fn payload(mut self, payload: Payload<'a>) -> Self {
        self.payload = payload;
        self
    }

    /// The method.
    pub fn method(&self) -> &str {
        self.method
    }

    /// The wire path, without the query.
    pub fn path(&self) -> &str {
        self.path
    }

    /// The raw query string, without the `?`.
    pub fn query(&self) -> &str {
        self.query
    }

    /// The headers, in the order given.
    pub fn headers(&self) -> &[(&'a str, &'a [u8])] {
        self.headers.as_slice()
    }

    fn payload_hash(&self, out: &mut [u8; 64]) -> Result<usize, SigningError> {
        match self.payload {
            Payload::Bytes(body) => {
                crate::percent::hex_lower(&Sha256::digest(body), out);
                Ok(64)
            }
            Payload::Sha256Hex(hex) => {
                if hex.len() != 64 || !hex.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
                    return Err(SigningError::InvalidPayloadHash);
                }
                out.copy_from_slice(hex.as_bytes());
                Ok(64)
            }
            Payload::Unsigned => {
                out[..UNSIGNED_PAYLOAD.len()].copy_from_slice(UNSIGNED_PAYLOAD.as_bytes());
                Ok(UNSIGNED_PAYLOAD.len())
            }
        }
    }
}

impl fmt::Debug for SignableRequest<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SignableRequest")
            .field("method", &self.method)
            .field("path", &self.path)
            .field("query_len", &self.query.len())
            .field("header_names", &HeaderNames(self.headers.as_slice()))
            .finish_non_exhaustive()
    }
}

struct HeaderNames<'h, 'a>(&'h [(&'a str, &'a [u8])]);

impl fmt::Debug for HeaderNames<'_, '_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(self.0.iter().map(|(name, _)| name))
            .finish()
    }
}

/// A canonical request (SigV4 task 1) as text, with the signed-header list it ends with.
///
/// It contains the session token when one is signed, so `Debug` prints only its length.
#[derive(Clone, PartialEq, Eq)]
pub struct CanonicalRequest {
    text: String,
    signed_headers: core::ops::Range<usize>,
}

impl CanonicalRequest {
    /// The canonical request text.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The signed-header list, e.g. `content-type;host;x-amz-date`.
    pub fn signed_headers(&self) -> &str {
        self.text
            .get(self.signed_headers.clone())
            .unwrap_or_default()
    }
}

impl fmt::Debug for CanonicalRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CanonicalRequest")
            .field("len", &self.text.len())
            .field("signed_headers", &self.signed_headers())
            .finish()
    }
}

/// A hex SHA-256 HMAC signature: 64 lower-case hex digits.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Signature([u8; 64]);

impl Signature {
    /// The hex text.
    pub fn as_str(&self) -> &str {
        // Only lower-case hex digits are ever written.
        core::str::from_utf8(&self.0).unwrap_or_default()
    }
}

impl fmt::Debug for Signature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl fmt::Display for Signature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The headers that sign a request: add every pair from [`HeaderSignature::headers`] to it.
#[derive(Clone, Debug)]
pub struct HeaderSignature<'c> {
    amz_date: AmzDate,
    session_token: Option<&'c Secret<String>>,
    content_sha256: Option<String>,
    authorization: String,
    signature: Signature,
}

impl<'c> HeaderSignature<'c> {
    /// The headers to add, in this order: `X-Amz-Date`, `X-Amz-Security-Token` (temporary
    /// credentials), `x-amz-content-sha256` (when enabled), `Authorization`.
    pub fn headers(&self) -> impl Iterator<Item = (&'static str, &str)> + '_ {
        let date = Some(("X-Amz-Date", self.amz_date.as_str()));
        let token = self
            .session_token
            .map(|t| ("X-Amz-Security-Token", t.expose().as_str()));
        let hash = self
            .content_sha256
            .as_deref()
            .map(|h| ("x-amz-content-sha256", h));
        let auth = Some(("Authorization", self.authorization.as_str()));
        [date, token, hash, auth].into_iter().flatten()
    }

    /// The `Authorization` header value.
    pub fn authorization(&self) -> &str {
        &self.authorization
    }

    /// The signature alone.
    pub fn signature(&self) -> Signature {
        self.signature
    }

    /// The `X-Amz-Date` value.
    pub fn amz_date(&self) -> AmzDate {
        self.amz_date
    }
}

/// The query parameters that presign a request: append [`QuerySignature::to_query_string`]
/// to its query (after a `&` when it already has one).
#[derive(Clone, Debug)]
pub struct QuerySignature<'c> {
    credential: String,
    amz_date: AmzDate,
    expires: String,
    signed_headers: String,
    session_token: Option<&'c Secret<String>>,
    signature: Signature,
}

impl QuerySignature<'_> {
    /// The parameters, unencoded, in botocore's order: `X-Amz-Algorithm`, `X-Amz-Credential`,
    /// `X-Amz-Date`, `X-Amz-Expires`, `X-Amz-SignedHeaders`, `X-Amz-Security-Token`,
    /// `X-Amz-Signature`. (Order does not matter to the service: it sorts before verifying.)
    pub fn params(&self) -> impl Iterator<Item = (&'static str, &str)> + '_ {
        [
            Some(("X-Amz-Algorithm", ALGORITHM)),
            Some(("X-Amz-Credential", self.credential.as_str())),
            Some(("X-Amz-Date", self.amz_date.as_str())),
            Some(("X-Amz-Expires", self.expires.as_str())),
            Some(("X-Amz-SignedHeaders", self.signed_headers.as_str())),
            self.session_token
                .map(|t| ("X-Amz-Security-Token", t.expose().as_str())),
            Some(("X-Amz-Signature", self.signature.as_str())),
        ]
        .into_iter()
        .flatten()
    }

    /// The parameters percent-encoded and joined with `&`.
    ///
    /// The result embeds the session token, if any: treat it as a secret.
    pub fn to_query_string(&self) -> String {
        let mut out = Vec::with_capacity(256);
        for (i, (name, value)) in self.params().enumerate() {
            if i > 0 {
                out.push(b'&');
            }
            crate::percent::encode_component(&mut out, name.as_bytes());
            out.push(b'=');
            crate::percent::encode_component(&mut out, value.as_bytes());
        }
        // Percent-encoding produces ASCII only.
        String::from_utf8(out).unwrap_or_default()
    }

    /// The signature alone.
    pub fn signature(&self) -> Signature {
        self.signature
    }
}

/// Why a request could not be signed.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum SigningError {
    /// The method is empty or not an HTTP token.
    InvalidMethod,
    /// The path does not start with `/` or contains control characters.
    InvalidPath,
    /// The query contains control characters.
    InvalidQuery,
    /// The header at `index` has an empty name or one that is not an HTTP token.
    InvalidHeaderName {
        /// Position of the header in the request.
        index: usize,
    },
    /// A header value contains a control character (CR, LF, NUL, ...) other than tab.
    InvalidHeaderValue {
        /// The header's name (never its value).
        name: String,
    },
    /// A header value is not valid UTF-8.
    NonUtf8HeaderValue {
        /// The header's name (never its value).
        name: String,
    },
    /// The request has no `host` header, which SigV4 requires.
    MissingHost,
    /// The region is empty.
    EmptyRegion,
    /// The region has characters outside `a-z 0-9 -`.
    InvalidRegion,
    /// The service name is empty or has characters outside `a-z 0-9 -`.
    InvalidService,
    /// The access key id is empty or has characters that cannot appear in a credential scope.
    InvalidAccessKeyId,
    /// The secret access key is empty.
    EmptySecretAccessKey,
    /// A precomputed payload hash is not 64 lower-case hex digits.
    InvalidPayloadHash,
    /// A presigned URL's lifetime is zero or longer than allowed.
    InvalidExpiry {
        /// The requested lifetime in seconds.
        requested_secs: u64,
        /// The longest allowed lifetime in seconds.
        max_secs: u64,
    },
}

impl SigningError {
    /// A stable, snake_case name for the error, which conformance vectors match on.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::InvalidMethod => "invalid_method",
            Self::InvalidPath => "invalid_path",
            Self::InvalidQuery => "invalid_query",
            Self::InvalidHeaderName { .. } => "invalid_header_name",
            Self::InvalidHeaderValue { .. } => "invalid_header_value",
            Self::NonUtf8HeaderValue { .. } => "non_utf8_header_value",
            Self::MissingHost => "missing_host",
            Self::EmptyRegion => "empty_region",
            Self::InvalidRegion => "invalid_region",
            Self::InvalidService => "invalid_service",
            Self::InvalidAccessKeyId => "invalid_access_key_id",
            Self::EmptySecretAccessKey => "empty_secret_access_key",
            Self::InvalidPayloadHash => "invalid_payload_hash",
            Self::InvalidExpiry { .. } => "invalid_expiry",
        }
    }
}

impl fmt::Display for SigningError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::InvalidMethod => f.write_str("request method is empty or not an HTTP token"),
            Self::InvalidPath => {
                f.write_str("request path must start with '/' and contain no control characters")
            }
            Self::InvalidQuery => f.write_str("request query contains control characters"),
            Self::InvalidHeaderName { index } => {
                write!(f, "header #{index} has an empty or invalid name")
            }
            Self::InvalidHeaderValue { name } => {
                write!(f, "header {name:?} has a control character in its value")
            }
            Self::NonUtf8HeaderValue { name } => write!(f, "header {name:?} is not valid UTF-8"),
            Self::MissingHost => f.write_str("request has no host header, which SigV4 signs"),
            Self::EmptyRegion => f.write_str("signing region is empty; set a region"),
            Self::InvalidRegion => f.write_str("signing region may contain only a-z, 0-9 and '-'"),
            Self::InvalidService => f.write_str(
                "signing service name is empty or has characters other than a-z, 0-9 and '-'",
            ),
            Self::InvalidAccessKeyId => f.write_str(
                "access key id is empty or contains whitespace, '/', ',', '=' or non-ASCII",
            ),
            Self::EmptySecretAccessKey => f.write_str("secret access key is empty"),
            Self::InvalidPayloadHash => {
                f.write_str("payload hash must be 64 lower-case hex digits")
            }
            Self::InvalidExpiry {
                requested_secs,
                max_secs,
            } => write!(
                f,
                "presigned lifetime of {requested_secs} s is outside 1..={max_secs} s"
            ),
        }
    }
}

impl core::error::Error for SigningError {}

/// Signs requests, caching derived keys and reusing its buffers.
///
/// One `Signer` per client is the intended use; it holds no credentials of its own beyond the
/// derived keys of the last few scopes.
#[derive(Default)]
pub struct Signer {
    keys: KeyCache,
    scratch: Vec<u8>,
}

impl fmt::Debug for Signer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Signer")
            .field("keys", &self.keys)
            .finish_non_exhaustive()
    }
}

impl Signer {
    /// A signer with an empty key cache.
    pub fn new() -> Self {
        Self::default()
    }

    /// Signs `request` into headers ([`HeaderSignature`]).
    ///
    /// An `X-Amz-Date` header in the request (and `X-Amz-Security-Token` /
    /// `x-amz-content-sha256` when the signer adds its own) is replaced by the signer's.
    ///
    /// # Errors
    ///
    /// A [`SigningError`] for invalid parameters or a request that cannot be canonicalized.
    pub fn sign_headers<'c>(
        &mut self,
        request: &SignableRequest<'_>,
        params: &SigningParams<'c>,
    ) -> Result<HeaderSignature<'c>, SigningError> {
        self.scratch.clear();
        let prepared = write_canonical(&mut self.scratch, request, params, None)?;
        let signature = self.sign_scratch(params, &prepared.amz_date);

        let signed_headers = self
            .scratch
            .get(prepared.signed_headers.clone())
            .unwrap_or_default();
        let mut authorization = String::with_capacity(
            ALGORITHM.len()
                + " Credential=".len()
                + params.credentials.access_key_id().len()
                + "/YYYYMMDD///aws4_request".len()
                + params.region.len()
                + params.service.len()
                + ", SignedHeaders=".len()
                + signed_headers.len()
                + ", Signature=".len()
                + 64,
        );
        authorization.push_str(ALGORITHM);
        authorization.push_str(" Credential=");
        authorization.push_str(params.credentials.access_key_id());
        authorization.push('/');
        push_scope(&mut authorization, prepared.amz_date.date_stamp(), params);
        authorization.push_str(", SignedHeaders=");
        // Header names were validated as ASCII tokens.
        authorization.push_str(core::str::from_utf8(signed_headers).unwrap_or_default());
        authorization.push_str(", Signature=");
        authorization.push_str(signature.as_str());
        self.scratch.clear();

        Ok(HeaderSignature {
            amz_date: prepared.amz_date,
            session_token: params.credentials.session_token(),
            content_sha256: params
                .settings
                .content_sha256_header
                .then(|| prepared.payload_hash().into()),
            authorization,
            signature,
        })
    }

    /// Presigns `request` for `expires_in` ([`QuerySignature`]): the signature travels in the
    /// query, so the URL alone authorizes the request until it expires.
    ///
    /// # Errors
    ///
    /// [`SigningError::InvalidExpiry`] for a zero lifetime or one over
    /// [`MAX_PRESIGN_EXPIRY`]; any other [`SigningError`] as for [`Signer::sign_headers`].
    pub fn presign<'c>(
        &mut self,
        request: &SignableRequest<'_>,
        params: &SigningParams<'c>,
        expires_in: Duration,
    ) -> Result<QuerySignature<'c>, SigningError> {
        self.scratch.clear();
        let prepared = write_canonical(&mut self.scratch, request, params, Some(expires_in))?;
        let signed_headers = self
            .scratch
            .get(prepared.signed_headers.clone())
            .unwrap_or_default();
        let signed_headers = String::from_utf8_lossy(signed_headers).into_owned();
        let signature = self.sign_scratch(params, &prepared.amz_date);
        self.scratch.clear();
        Ok(QuerySignature {
            credential: prepared.credential,
            amz_date: prepared.amz_date,
            expires: prepared.expires,
            signed_headers,
            session_token: params.credentials.session_token(),
            signature,
        })
    }

    /// Signs the canonical request in `self.scratch`: hash it, build the string to sign, HMAC
    /// it with the cached keyed state.
    fn sign_scratch(&mut self, params: &SigningParams<'_>, amz_date: &AmzDate) -> Signature {
        let mut creq_hash = [0u8; 64];
        crate::percent::hex_lower(&Sha256::digest(&self.scratch), &mut creq_hash);
        let date = amz_date.date_stamp();
        // Build the string to sign after the canonical request in the same buffer and MAC it in
        // one call (a dozen tiny updates cost more than the copy).
        let start = self.scratch.len();
        feed_string_to_sign(
            &mut |bytes| self.scratch.extend_from_slice(bytes),
            amz_date.as_str(),
            date.as_str(),
            params.region,
            params.service,
            &creq_hash,
        );
        let mut mac: HmacSha256 = self
            .keys
            .keyed_mac(params.credentials, date, params.region, params.service)
            .clone();
        mac.update(&self.scratch[start..]);
        let mut out = [0u8; 64];
        crate::percent::hex_lower(&mac.finalize(), &mut out);
        Signature(out)
    }
}

/// Signs `request` into headers with a fresh [`Signer`] (no key cache across calls).
///
/// # Errors
///
/// As [`Signer::sign_headers`].
pub fn sign_headers<'c>(
    request: &SignableRequest<'_>,
    params: &SigningParams<'c>,
) -> Result<HeaderSignature<'c>, SigningError> {
    Signer::new().sign_headers(request, params)
}

/// Presigns `request` with a fresh [`Signer`].
///
/// # Errors
///
/// As [`Signer::presign`].
pub fn presign<'c>(
    request: &SignableRequest<'_>,
    params: &SigningParams<'c>,
    expires_in: Duration,
) -> Result<QuerySignature<'c>, SigningError> {
    Signer::new().presign(request, params, expires_in)
}

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

/// What writing a canonical request derived on the way, for the signed output.
struct Prepared {
    amz_date: AmzDate,
    payload_hash: [u8; 64],
    payload_hash_len: usize,
    /// Presigning only: `<access key id>/<scope>`.
    credential: String,
    /// Presigning only: the lifetime in seconds.
    expires: String,
    signed_headers: core::ops::Range<usize>,
}

impl Prepared {
    fn payload_hash(&self) -> &str {
        // Hex digits or UNSIGNED-PAYLOAD, both ASCII.
        core::str::from_utf8(&self.payload_hash[..self.payload_hash_len]).unwrap_or_default()
    }
}

/// Validates the parameters and appends the canonical request to `out`: for header signing when
/// `presign` is `None`, for a presigned URL of that lifetime otherwise.
fn write_canonical(
    out: &mut Vec<u8>,
    request: &SignableRequest<'_>,
    params: &SigningParams<'_>,
    presign: Option<Duration>,
) -> Result<Prepared, SigningError> {
    params.validate()?;
    let mut prepared = Prepared {
        amz_date: params.time.amz_date(),
        payload_hash: [0u8; 64],
        payload_hash_len: 0,
        credential: String::new(),
        expires: String::new(),
        signed_headers: 0..0,
    };
    if let Some(expires_in) = presign {
        let requested_secs = expires_in.as_secs();
        if requested_secs == 0 || expires_in > MAX_PRESIGN_EXPIRY {
            return Err(SigningError::InvalidExpiry {
                requested_secs,
                max_secs: MAX_PRESIGN_EXPIRY.as_secs(),
            });
        }
        prepared.expires = u64_to_string(requested_secs);
        prepared.credential = String::with_capacity(80);
        prepared
            .credential
            .push_str(params.credentials.access_key_id());
        prepared.credential.push('/');
        push_scope(
            &mut prepared.credential,
            prepared.amz_date.date_stamp(),
            params,
        );
    }
    prepared.payload_hash_len = request.payload_hash(&mut prepared.payload_hash)?;
    let payload_hash = prepared.payload_hash();
    let session_token = match params.settings.session_token {
        SessionTokenPlacement::Signed => params
            .credentials
            .session_token()
            .map(|t| t.expose().as_str()),
        SessionTokenPlacement::AfterSigning => None,
    };
    let additions = match presign {
        None => Additions::Headers {
            amz_date: prepared.amz_date.as_str(),
            session_token,
            content_sha256: params
                .settings
                .content_sha256_header
                .then_some(payload_hash),
        },
        Some(_) => Additions::Query {
            credential: &prepared.credential,
            amz_date: prepared.amz_date.as_str(),
            expires: &prepared.expires,
            session_token,
        },
    };
    let written =
        write_canonical_request(out, request, &params.settings, &additions, payload_hash)?;
    prepared.signed_headers = written.signed_headers;
    Ok(prepared)
}

fn into_canonical(
    text: Vec<u8>,
    signed_headers: core::ops::Range<usize>,
) -> Result<CanonicalRequest, SigningError> {
    // Header values were checked to be UTF-8 and everything else written is ASCII or copied
    // from `&str`, so this cannot fail; report rather than panic if it ever did.
    let text = String::from_utf8(text).map_err(|_| SigningError::InvalidQuery)?;
    Ok(CanonicalRequest {
        text,
        signed_headers,
    })
}

/// Stage 2: the string to sign for a canonical request.
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
    let mut out = Vec::with_capacity(128);
    feed_string_to_sign(
        &mut |bytes| out.extend_from_slice(bytes),
        time.amz_date().as_str(),
        time.date_stamp().as_str(),
        region,
        service,
        &creq_hash,
    );
    String::from_utf8_lossy(&out).into_owned()
}

/// Stage 4: the hex HMAC-SHA256 of the string to sign under the signing key.
pub fn signature(key: &SigningKey, string_to_sign: &[u8]) -> Signature {
    let mut mac = key::keyed(key);
    mac.update(string_to_sign);
    let mut out = [0u8; 64];
    crate::percent::hex_lower(&mac.finalize(), &mut out);
    Signature(out)
}

/// Feeds the string to sign to `sink` in pieces, so the signer can HMAC it without building it.
fn feed_string_to_sign(
    sink: &mut dyn FnMut(&[u8]),
    amz_date: &str,
    date: &str,
    region: &str,
    service: &str,
    creq_hash: &[u8; 64],
) {
    sink(ALGORITHM.as_bytes());
    sink(b"\n");
    sink(amz_date.as_bytes());
    sink(b"\n");
    sink(date.as_bytes());
    sink(b"/");
    sink(region.as_bytes());
    sink(b"/");
    sink(service.as_bytes());
    sink(b"/aws4_request\n");
    sink(creq_hash);
}

/// Appends the credential scope `<date>/<region>/<service>/aws4_request`.
fn push_scope(out: &mut String, date: DateStamp, params: &SigningParams<'_>) {
    out.push_str(date.as_str());
    out.push('/');
    out.push_str(params.region);
    out.push('/');
    out.push_str(params.service);
    out.push_str("/aws4_request");
}

fn u64_to_string(mut value: u64) -> String {
    let mut digits = [0u8; 20];
    let mut i = digits.len();
    loop {
        i -= 1;
        let digit = (value % 10) as u8;
        digits[i] = b'0' + digit;
        value /= 10;
        if value == 0 {
            break;
        }
    }
    digits[i..].iter().map(|&b| char::from(b)).collect()
}

#[cfg(test)]
mod tests;
