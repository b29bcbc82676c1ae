//! What signing produces: the [`CanonicalRequest`] (stage 1), the [`Signature`] (stage 4), and
//! the signed request as headers ([`HeaderSignature`]) or as presigned query parameters
//! ([`QuerySignature`]).

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use super::ALGORITHM;
use crate::secret::Secret;
use crate::time::AmzDate;

/// A canonical request (SigV4 task 1) as text, with the signed-header list it ends with.
///
/// It contains the session token when one is signed, so `Debug` prints only its length.
#[derive(Clone, PartialEq, Eq)]
pub struct CanonicalRequest {
    pub(super) text: String,
    pub(super) signed_headers: core::ops::Range<usize>,
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
pub struct Signature(pub(super) [u8; 64]);

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
    pub(super) amz_date: AmzDate,
    pub(super) session_token: Option<&'c Secret<String>>,
    pub(super) content_sha256: Option<String>,
    pub(super) authorization: String,
    pub(super) signature: Signature,
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
    pub(super) credential: String,
    pub(super) amz_date: AmzDate,
    pub(super) expires: String,
    pub(super) signed_headers: String,
    pub(super) session_token: Option<&'c Secret<String>>,
    pub(super) signature: Signature,
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
