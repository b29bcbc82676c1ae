//! [`Signer`]: signs requests into headers or presigned URLs, with a derived-key cache and
//! reused buffers; the free functions [`sign_headers`] and [`presign`] use a fresh one.

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;
use core::time::Duration;

use hmac::Mac;
use sha2::{Digest, Sha256};

use super::canonical::{Additions, write_canonical_request};
use super::key::{HmacSha256, KeyCache, Scope};
use super::template::{Template, write_shape};
use super::{
    CanonicalRequest, HeaderSignature, MAX_PRESIGN_EXPIRY, QuerySignature, SessionTokenPlacement,
    SignableRequest, Signature, SigningError, SigningParams, push_scope,
};
use crate::time::AmzDate;

/// Signs requests, caching derived keys, the canonical request of the last header-signed
/// request, and its buffers.
///
/// One `Signer` per client is the intended use: a client signs one request shape over and over,
/// and a reused signer then does little beyond hashing the body, re-hashing the canonical
/// request from its cached prefix and one HMAC. It holds no credentials of its own beyond the
/// derived keys of the last few scopes, and the last canonical request (which includes a signed
/// session token; `Debug` prints neither).
#[derive(Default)]
pub struct Signer {
    pub(super) keys: KeyCache,
    /// The canonical request of the last header-signed request, for the next one of its shape.
    template: Template,
    scratch: Vec<u8>,
}

impl fmt::Debug for Signer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Signer")
            .field("keys", &self.keys)
            .field("template", &self.template)
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
        params.validate()?;
        let amz_date = params.time.amz_date();
        let mut payload_hash = [0u8; 64];
        let payload_hash_len = request.payload_hash(&mut payload_hash)?;
        let payload_hash = &payload_hash[..payload_hash_len];
        let session_token = signed_session_token(params);
        let content_sha256 = params.settings.content_sha256_header;

        // The canonical request: the template's when the request has the shape of the last
        // one (the usual case for a client), with the date and payload hash written in.
        self.scratch.clear();
        write_shape(
            &mut self.scratch,
            request,
            params,
            session_token,
            payload_hash.len(),
        );
        if !self.template.has_shape(&self.scratch) {
            let additions = Additions::Headers {
                amz_date: amz_date.as_str(),
                session_token,
                content_sha256: content_sha256.then_some(ascii(payload_hash)),
            };
            self.template.rebuild(
                &mut self.scratch,
                request,
                params,
                &additions,
                ascii(payload_hash),
            )?;
        }
        let creq_hash = self.template.hash(amz_date.as_bytes(), payload_hash);
        let scope = self.keys.scope(
            params.credentials,
            amz_date.date_stamp(),
            params.region,
            params.service,
        );
        let signature = sign_string(scope, &amz_date, &creq_hash);

        // `AWS4-HMAC-SHA256 Credential=<id>/<scope>, SignedHeaders=` is the scope's, built once.
        let prefix = scope.authorization_prefix();
        let signed_headers = self.template.signed_headers();
        let mut authorization =
            String::with_capacity(prefix.len() + signed_headers.len() + ", Signature=".len() + 64);
        authorization.push_str(prefix);
        authorization.push_str(signed_headers);
        authorization.push_str(", Signature=");
        authorization.push_str(signature.as_str());

        Ok(HeaderSignature {
            amz_date,
            session_token: params.credentials.session_token(),
            content_sha256: content_sha256.then(|| ascii(payload_hash).into()),
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
        let scope = self.keys.scope(
            params.credentials,
            prepared.amz_date.date_stamp(),
            params.region,
            params.service,
        );
        let creq_hash = Sha256::digest(&self.scratch).into();
        let signature = sign_string(scope, &prepared.amz_date, &creq_hash);
        Ok(QuerySignature {
            credential: prepared.credential,
            amz_date: prepared.amz_date,
            expires: prepared.expires,
            signed_headers,
            session_token: params.credentials.session_token(),
            signature,
        })
    }
}

/// Signs the string to sign for a canonical request hashing to `creq_hash` at `amz_date`, with
/// the scope's keyed HMAC. The scope keeps the string to sign whole, with only the time and the
/// hash to write in, so it is MACed in one call rather than a dozen tiny updates.
fn sign_string(scope: &mut Scope, amz_date: &AmzDate, creq_hash: &[u8; 32]) -> Signature {
    let mut creq_hash_hex = [0u8; 64];
    crate::percent::hex_lower(creq_hash, &mut creq_hash_hex);
    let mut mac: HmacSha256 = scope.mac().clone();
    mac.update(scope.string_to_sign(amz_date.as_bytes(), &creq_hash_hex));
    let mut out = [0u8; 64];
    crate::percent::hex_lower(&super::key::finalize(mac), &mut out);
    Signature(out)
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

/// What writing a canonical request derived on the way, for the signed output.
pub(super) struct Prepared {
    amz_date: AmzDate,
    payload_hash: [u8; 64],
    payload_hash_len: usize,
    /// Presigning only: `<access key id>/<scope>`.
    credential: String,
    /// Presigning only: the lifetime in seconds.
    expires: String,
    pub(super) signed_headers: core::ops::Range<usize>,
}

impl Prepared {
    fn payload_hash(&self) -> &str {
        ascii(&self.payload_hash[..self.payload_hash_len])
    }
}

/// Validates the parameters and appends the canonical request to `out`: for header signing when
/// `presign` is `None`, for a presigned URL of that lifetime otherwise.
pub(super) fn write_canonical(
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
            params.region,
            params.service,
        );
    }
    prepared.payload_hash_len = request.payload_hash(&mut prepared.payload_hash)?;
    let payload_hash = prepared.payload_hash();
    let session_token = signed_session_token(params);
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

/// A payload hash as text: hex digits or `UNSIGNED-PAYLOAD`, both ASCII, so the check never
/// fails. Checked only where text is needed, not on every signature.
fn ascii(payload_hash: &[u8]) -> &str {
    core::str::from_utf8(payload_hash).unwrap_or_default()
}

/// The session token the canonical request covers: none for long-term credentials or when the
/// token is added after signing.
fn signed_session_token<'a>(params: &SigningParams<'a>) -> Option<&'a str> {
    match params.settings.session_token {
        SessionTokenPlacement::Signed => params
            .credentials
            .session_token()
            .map(|t| t.expose().as_str()),
        SessionTokenPlacement::AfterSigning => None,
    }
}

pub(super) fn into_canonical(
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

/// `value` in decimal, without the formatting machinery.
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
