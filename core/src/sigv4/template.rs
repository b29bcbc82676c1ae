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
/// hash's value: the settings, the signed session token, the payload hash's length, the method,
/// the path, the query and the headers in order. Each piece is preceded by its length, so
/// different inputs never write the same bytes.
pub(crate) fn write_shape(
    out: &mut Vec<u8>,
    request: &SignableRequest<'_>,
    params: &SigningParams<'_>,
    session_token: Option<&str>,
    payload_hash_len: usize,
) {
    let settings = &params.settings;
    out.extend_from_slice(&[
        u8::from(settings.uri_encoding == UriEncoding::Double),
        u8::from(settings.normalize_path),
        u8::from(settings.content_sha256_header),
        u8::from(session_token.is_some()),
    ]);
    push_piece(out, session_token.unwrap_or_default().as_bytes());
    out.extend_from_slice(&payload_hash_len.to_le_bytes());
    push_piece(out, request.method().as_bytes());
    push_piece(out, request.path().as_bytes());
    push_piece(out, request.query().as_bytes());
    for (name, value) in request.headers() {
        push_piece(out, name.as_bytes());
        push_piece(out, value);
    }
}

fn push_piece(out: &mut Vec<u8>, piece: &[u8]) {
    out.extend_from_slice(&piece.len().to_le_bytes());
    out.extend_from_slice(piece);
}
