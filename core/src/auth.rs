//! How a call authenticates: a Bedrock API key (bearer) or SigV4 credentials.
//!
//! Which one a route uses comes from its ordered credential list (`env:NAME`, `vault:NAME`,
//! `aws_sigv4`), resolved sans-IO by [`crate::credentials::AuthMachine`] and cached by
//! [`crate::credentials::CredentialCache`].

use alloc::string::String;

use crate::secret::Secret;
use crate::sigv4::Credentials;
use crate::time::UnixTime;

/// The credential one call signs with. `Debug` shows the scheme and, for SigV4, the access key
/// id; never a key, secret or token.
#[derive(Clone, PartialEq, Eq)]
pub enum Auth {
    /// A Bedrock API key, sent as `Authorization: Bearer <key>` (long-term `ABSK…` keys and
    /// short-term `bedrock-api-key-…` keys alike).
    Bearer(Secret<String>),
    /// AWS credentials for SigV4.
    SigV4(Credentials),
}

impl core::fmt::Debug for Auth {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::Bearer(_) => f.write_str("Auth::Bearer(** redacted **)"),
            Self::SigV4(credentials) => f
                .debug_tuple("Auth::SigV4")
                .field(&credentials.access_key_id())
                .finish(),
        }
    }
}

impl Auth {
    /// A bearer key; surrounding whitespace is trimmed (keys pasted from a console often carry a
    /// newline).
    pub fn bearer(key: &str) -> Self {
        Self::Bearer(Secret::new(String::from(key.trim())))
    }

    /// A bearer key from an environment variable or vault entry: trimmed, and a blank value
    /// counts as absent (`None`).
    pub fn bearer_from_value(value: &str) -> Option<Self> {
        let key = value.trim();
        (!key.is_empty()).then(|| Self::bearer(key))
    }

    /// When the credential expires: SigV4 session credentials with a known expiry. Bearer keys
    /// report none (a short-term key's lifetime is inside its opaque text).
    pub fn expires_at(&self) -> Option<UnixTime> {
        match self {
            Self::Bearer(_) => None,
            Self::SigV4(credentials) => credentials.expires_at(),
        }
    }

    /// `bearer` or `sigv4`, for logs and errors.
    pub fn scheme(&self) -> &'static str {
        match self {
            Self::Bearer(_) => "bearer",
            Self::SigV4(_) => "sigv4",
        }
    }
}

impl From<Credentials> for Auth {
    fn from(credentials: Credentials) -> Self {
        Self::SigV4(credentials)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::format;

    #[test]
    fn bearer_values_are_trimmed_and_blank_is_absent() {
        assert_eq!(Auth::bearer_from_value("  \n"), None);
        let auth = Auth::bearer_from_value(" ABSKsecretkey\n").unwrap();
        assert_eq!(auth, Auth::bearer("ABSKsecretkey"));
        assert_eq!(auth.expires_at(), None);
        assert!(!format!("{auth:?}").contains("ABSKsecretkey"));
    }

    #[test]
    fn sigv4_expiry_is_the_credentials_expiry() {
        let at = UnixTime::from_secs(1_800_000_000).unwrap();
        let credentials = Credentials::new("AKID", "wJalrSECRET")
            .unwrap()
            .with_expiry(at);
        let auth = Auth::from(credentials);
        assert_eq!(auth.scheme(), "sigv4");
        assert_eq!(auth.expires_at(), Some(at));
        assert!(!format!("{auth:?}").contains("wJalrSECRET"));
    }
}
