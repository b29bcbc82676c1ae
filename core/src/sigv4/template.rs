//! [`Template`]: the canonical request of the last header-signed request, reused when the next
//! request has the same shape.
//!
//! A client signs one request shape over and over: the same method, model path, headers and
//! settings, with only the time and the body changing. In the canonical request those two show
//! up as three values at fixed places: the `x-amz-date` header value, the payload hash on the
//! last line, and the `x-amz-content-sha256` header value when that header is enabled. The
//! template keeps the canonical request with the positions of those values; for a request of the
//! same shape, signing overwrites them in place instead of validating, sorting, trimming and
//! encoding everything again. It also keeps the SHA-256 state after the whole 64-byte blocks
//! that come before the first changing value (method, path and usually the first headers), so
//! the canonical request hash resumes from there.
//!
//! Two requests have the same shape when every input the canonical request is written from, other
//! than the time and the payload hash, is byte-for-byte equal: [`write_shape`] writes those
//! inputs out, each with its length, and the template compares that with the shape it was built
//! from. Equal inputs give the same canonical request, so a match also means the request was
//! already validated.

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use sha2::{Digest, Sha256};

use super::canonical::{Additions, write_canonical_request};
use super::{SignableRequest, SigningError, SigningParams, UriEncoding};

/// The canonical request of the last header-signed request and where its changing values sit.
#[derive(Default)]
pub(crate) struct Template {
    /// What the canonical request was built from ([`write_shape`]); empty before the first
    /// request, which no shape equals.
    shape: Vec<u8>,
    /// The canonical request, with the time and payload hash of the last signature.
    text: Vec<u8>,
    /// The signed-header list, e.g. `content-type;host;x-amz-date`, for the `Authorization`
    /// header.
    signed_headers: String,
    /// Where the `x-amz-date` value starts in `text`.
    amz_date: usize,
    /// Where the `x-amz-content-sha256` value starts in `text`, when the signer adds one.
    content_sha256: Option<usize>,
    /// SHA-256 state after `text[..hashed]`.
    prefix: Sha256,
    /// A multiple of 64 that comes before any changing value.
    hashed: usize,
}

impl Template {
    /// Whether the template holds the canonical request of a request with this shape
    /// ([`write_shape`]).
    pub(crate) fn has_shape(&self, shape: &[u8]) -> bool {
        // The empty shape before the first request equals no request's shape.
        self.shape == shape
    }

    /// Makes the template hold the canonical request of `request`, whose shape is `shape` (the
    /// request's [`write_shape`]). `shape` is left holding the previous shape or garbage: it is
    /// the caller's scratch.
    ///
    /// # Errors
    ///
    /// As [`write_canonical_request`], for a request that cannot be canonicalized.
    pub(crate) fn rebuild(
        &mut self,
        shape: &mut Vec<u8>,
        request: &SignableRequest<'_>,
        params: &SigningParams<'_>,
        additions: &Additions<'_>,
        payload_hash: &str,
    ) -> Result<(), SigningError> {
        // Forget the old shape first: should writing fail, no later request may match it.
        self.shape.clear();
        self.text.clear();
        let written = write_canonical_request(
            &mut self.text,
            request,
            &params.settings,
            additions,
            payload_hash,
        )?;
        let Some(amz_date) = written.amz_date else {
            // Header signing always adds `x-amz-date`; report rather than panic if it did not.
            return Err(SigningError::InvalidQuery);
        };
        self.signed_headers.clear();
        // Lower-cased header names, validated as ASCII tokens.
        self.signed_headers.push_str(
            self.text
                .get(written.signed_headers)
                .and_then(|names| core::str::from_utf8(names).ok())
                .unwrap_or_default(),
        );
        self.amz_date = amz_date;
        self.content_sha256 = written.content_sha256;
        let first_change = amz_date.min(written.content_sha256.unwrap_or(amz_date));
        self.hashed = first_change - first_change % 64;
        self.prefix = Sha256::new();
        self.prefix.update(&self.text[..self.hashed]);
        core::mem::swap(&mut self.shape, shape);
        Ok(())
    }

    /// Writes the time (`YYYYMMDDTHHMMSSZ`) and the payload hash into the canonical request and
    /// returns its SHA-256.
    pub(crate) fn hash(&mut self, amz_date: &[u8; 16], payload_hash: &[u8]) -> [u8; 32] {
        overwrite(&mut self.text, self.amz_date, amz_date);
        if let Some(at) = self.content_sha256 {
            overwrite(&mut self.text, at, payload_hash);
        }
        let last_line = self.text.len().saturating_sub(payload_hash.len());
        overwrite(&mut self.text, last_line, payload_hash);
        let mut hasher = self.prefix.clone();
        hasher.update(&self.text[self.hashed..]);
        hasher.finalize().into()
    }

    /// The signed-header list, e.g. `content-type;host;x-amz-date`.
    pub(crate) fn signed_headers(&self) -> &str {
        &self.signed_headers
    }
}

/// Copies `value` over `text` at `at`. The positions come from writing the same values, so they
/// always fit; a value that did not would be left out rather than panic.
pub(crate) fn overwrite(text: &mut [u8], at: usize, value: &[u8]) {
    if let Some(slot) = text.get_mut(at..at + value.len()) {
        slot.copy_from_slice(value);
    }
}

impl fmt::Debug for Template {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The text may hold a signed session token: lengths only.
        f.debug_struct("Template")
            .field("shape_len", &self.shape.len())
            .field("text_len", &self.text.len())
            .finish_non_exhaustive()
    }
}

/// Writes every input of a header-signed canonical request except the time and the payload
/// hash's value: the settings, then the lengths of the signed session token, the payload hash,
/// the method, the path, the query, the header count and every header's name and value, then
/// those pieces back to back. With every length written up front, different inputs never write
/// the same bytes, and the pieces go in as few copies as there are pieces (a shape is written for
/// every signature).
pub(crate) fn write_shape(
    out: &mut Vec<u8>,
    request: &SignableRequest<'_>,
    params: &SigningParams<'_>,
    session_token: Option<&str>,
    payload_hash_len: usize,
) {
    const WORD: usize = core::mem::size_of::<usize>();
    let settings = &params.settings;
    let token = session_token.unwrap_or_default();
    let headers = request.headers();
    let mut head = [0u8; 4 + 6 * WORD];
    head[..4].copy_from_slice(&[
        u8::from(settings.uri_encoding == UriEncoding::Double),
        u8::from(settings.normalize_path),
        u8::from(settings.content_sha256_header),
        u8::from(session_token.is_some()),
    ]);
    let lengths = [
        token.len(),
        payload_hash_len,
        request.method().len(),
        request.path().len(),
        request.query().len(),
        headers.len(),
    ];
    for (slot, len) in head[4..].chunks_exact_mut(WORD).zip(lengths) {
        slot.copy_from_slice(&len.to_le_bytes());
    }
    out.extend_from_slice(&head);
    for (name, value) in headers {
        let mut pair = [0u8; 2 * WORD];
        pair[..WORD].copy_from_slice(&name.len().to_le_bytes());
        pair[WORD..].copy_from_slice(&value.len().to_le_bytes());
        out.extend_from_slice(&pair);
    }
    for piece in [token, request.method(), request.path(), request.query()] {
        out.extend_from_slice(piece.as_bytes());
    }
    for (name, value) in headers {
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(value);
    }
}
