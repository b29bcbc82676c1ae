//! [`SigningError`]: why a request could not be signed.

use alloc::string::String;
use core::fmt;

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
