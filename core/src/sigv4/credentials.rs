//! [`Credentials`]: the access key id, secret access key and session token that sign.

use alloc::string::String;

use super::SigningError;
use crate::secret::Secret;
use crate::time::UnixTime;

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
