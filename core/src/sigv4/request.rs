//! [`SignableRequest`]: the parts of an HTTP request that SigV4 covers, and its [`Payload`].

use core::fmt;

use sha2::{Digest, Sha256};

use super::inline::InlineVec;
use super::{SigningError, UNSIGNED_PAYLOAD};

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
    /// Four inline: Bedrock and STS requests sign two (`host`, `content-type`), and the builder
    /// moves the whole request at every call, so a smaller one is cheaper to build.
    headers: InlineVec<(&'a str, &'a [u8]), 4>,
    payload: Payload<'a>,
}

impl<'a> SignableRequest<'a> {
    /// A request with a method and a request target as it goes on the wire
    /// (`/path?query`, already percent-encoded; a `#fragment` is dropped), no headers and an
    /// empty body.
    #[inline]
    pub fn new(method: &'a str, target: &'a str) -> Self {
        // One search for both delimiters: the path ends at the first `?` or `#` (a `?` inside
        // the fragment starts no query). Both are ASCII, so every cut is a char boundary.
        let path_end = memchr::memchr2(b'?', b'#', target.as_bytes()).unwrap_or(target.len());
        let (path, rest) = target.split_at_checked(path_end).unwrap_or((target, ""));
        let query = rest.strip_prefix('?').map_or("", |query| {
            let query_end = memchr::memchr(b'#', query.as_bytes()).unwrap_or(query.len());
            query.get(..query_end).unwrap_or(query)
        });
        Self::from_parts(method, path, query)
    }

    /// A request from a method, a wire path and a raw query (without `?`), as an HTTP parser
    /// or a URL type hands them over.
    #[inline]
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
    #[inline]
    pub fn header(self, name: &'a str, value: &'a str) -> Self {
        self.header_bytes(name, value.as_bytes())
    }

    /// Adds a header whose value is raw bytes (as an HTTP parser hands them over); values must
    /// be UTF-8 without control characters other than tab, which signing checks.
    #[must_use]
    #[inline]
    pub fn header_bytes(mut self, name: &'a str, value: &'a [u8]) -> Self {
        self.headers.push((name, value));
        self
    }

    /// Adds a header in place.
    #[inline]
    pub fn push_header(&mut self, name: &'a str, value: &'a [u8]) {
        self.headers.push((name, value));
    }

    /// Sets the body bytes.
    #[must_use]
    #[inline]
    pub fn body(mut self, body: &'a [u8]) -> Self {
        self.payload = Payload::Bytes(body);
        self
    }

    /// Sets how the payload is covered.
    #[must_use]
    #[inline]
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

    pub(super) fn payload_hash(&self, out: &mut [u8; 64]) -> Result<usize, SigningError> {
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
