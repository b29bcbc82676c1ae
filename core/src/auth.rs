//! How a call authenticates: a Bedrock API key (bearer) or SigV4 credentials.

use alloc::string::String;

use crate::secret::Secret;
use crate::sigv4::Credentials;

/// The credential one call signs with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Auth {
    /// A Bedrock API key, sent as `Authorization: Bearer <key>` (long-term `ABSK…` keys and
    /// short-term `bedrock-api-key-…` keys alike).
    Bearer(Secret<String>),
    /// AWS credentials for SigV4.
    SigV4(Credentials),
}

impl Auth {
    /// A bearer key; surrounding whitespace is trimmed (keys pasted from a console often carry a
    /// newline).
    pub fn bearer(key: &str) -> Self {
        Self::Bearer(Secret::new(String::from(key.trim())))
    }

    /// `bearer` or `sigv4`, for logs and errors.
    pub fn scheme(&self) -> &'static str {
        match self {
            Self::Bearer(_) => "bearer",
            Self::SigV4(_) => "sigv4",
        }
    }
}
