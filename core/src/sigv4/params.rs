//! [`SigningParams`]: who signs, for which scope, at what time, and the per-service
//! [`SigningSettings`].

use super::{Credentials, SigningError};
use crate::time::UnixTime;

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

    pub(super) fn validate(&self) -> Result<(), SigningError> {
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
