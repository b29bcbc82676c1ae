//! The canonical request: task 1 of SigV4, written into a caller-owned buffer.
//!
//! ```text
//! <method>\n
//! <canonical URI>\n
//! <canonical query>\n
//! <name>:<trimmed values joined by ','>\n ...   (lower-case names, sorted)
//! \n
//! <signed header names joined by ';'>\n
//! <hex SHA-256 of the payload>
//! ```

use alloc::vec::Vec;
use core::cmp::Ordering;
use core::ops::Range;

use super::inline::InlineVec;
use super::{SignableRequest, SigningError, SigningSettings, UriEncoding};
use crate::percent::{decode_into, encode_component, encode_path_double, encode_path_single};

/// Headers never signed: hop-by-hop headers, headers proxies rewrite, tracing headers, and
/// `authorization` (it carries the signature). botocore's and the JS SDK's lists, merged.
const UNSIGNED_HEADERS: &[&str] = &[
    "authorization",
    "baggage",
    "connection",
    "expect",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "traceparent",
    "tracestate",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "user-agent",
    "x-amzn-trace-id",
];

/// What the signer adds to the canonical request besides the caller's request.
pub(crate) enum Additions<'x> {
    /// Signing into headers: these become signed headers.
    Headers {
        amz_date: &'x str,
        session_token: Option<&'x str>,
        content_sha256: Option<&'x str>,
    },
    /// Presigning: these become query parameters (`X-Amz-SignedHeaders` is computed here).
    Query {
        /// `<access key id>/<scope>`, not yet encoded.
        credential: &'x str,
        amz_date: &'x str,
        expires: &'x str,
        session_token: Option<&'x str>,
    },
}

/// Byte positions inside the written canonical request that later steps reuse.
pub(crate) struct Written {
    pub(crate) signed_headers: Range<usize>,
    /// Header signing: where the value of the signer's `x-amz-date` header starts.
    pub(crate) amz_date: Option<usize>,
    /// Header signing with an `x-amz-content-sha256` header: where the signer's value starts.
    pub(crate) content_sha256: Option<usize>,
}

/// One header as it enters the canonical form.
#[derive(Clone, Copy)]
struct Header<'r> {
    name: &'r [u8],
    value: &'r [u8],
}

/// Appends the canonical request for `req` to `out`.
pub(crate) fn write_canonical_request(
    out: &mut Vec<u8>,
    req: &SignableRequest<'_>,
    settings: &SigningSettings,
    additions: &Additions<'_>,
    payload_hash: &str,
) -> Result<Written, SigningError> {
    if req.method().is_empty() || !req.method().bytes().all(is_tchar) {
        return Err(SigningError::InvalidMethod);
    }
    if !req.path().is_empty() && !req.path().starts_with('/') || req.path().bytes().any(is_ctl) {
        return Err(SigningError::InvalidPath);
    }
    if req.query().bytes().any(is_ctl) {
        return Err(SigningError::InvalidQuery);
    }

    let headers = collect_headers(req, additions)?;

    out.extend_from_slice(req.method().as_bytes());
    out.push(b'\n');
    write_canonical_uri(out, req.path().as_bytes(), settings);
    out.push(b'\n');

    match additions {
        Additions::Headers { .. } => write_canonical_query(out, req.query(), &[]),
        Additions::Query {
            credential,
            amz_date,
            expires,
            session_token,
        } => {
            let mut signed = Vec::with_capacity(64);
            write_signed_header_names(&mut signed, headers.as_slice());
            // `signed` holds lower-cased header names, which were validated as tokens.
            let signed = core::str::from_utf8(&signed).map_err(|_| SigningError::InvalidQuery)?;
            let mut extra: Vec<(&str, &str)> = Vec::with_capacity(6);
            extra.extend([
                ("X-Amz-Algorithm", super::ALGORITHM),
                ("X-Amz-Credential", *credential),
                ("X-Amz-Date", *amz_date),
                ("X-Amz-Expires", *expires),
                ("X-Amz-SignedHeaders", signed),
            ]);
            if let Some(token) = session_token {
                extra.push(("X-Amz-Security-Token", token));
            }
            write_canonical_query(out, req.query(), &extra);
        }
    }
    out.push(b'\n');

    let values = write_canonical_headers(out, headers.as_slice());
    out.push(b'\n');
    let start = out.len();
    write_signed_header_names(out, headers.as_slice());
    let signed_headers = start..out.len();
    out.push(b'\n');
    out.extend_from_slice(payload_hash.as_bytes());
    // In header signing the caller's `x-amz-date` (and `x-amz-content-sha256` when the signer
    // adds its own) were dropped, so the values found are the signer's.
    let (amz_date, content_sha256) = match additions {
        Additions::Headers { content_sha256, .. } => {
            (values.amz_date, content_sha256.and(values.content_sha256))
        }
        Additions::Query { .. } => (None, None),
    };
    Ok(Written {
        signed_headers,
        amz_date,
        content_sha256,
    })
}

/// The caller's headers that get signed, plus the signer's own, validated and sorted by
/// lower-case name (stable, so repeated headers keep their order).
fn collect_headers<'r>(
    req: &SignableRequest<'r>,
    additions: &Additions<'r>,
) -> Result<InlineVec<Header<'r>, 12>, SigningError> {
    let mut headers = InlineVec::new(Header {
        name: b"",
        value: b"",
    });
    let mut has_host = false;
    for (index, &(name, value)) in req.headers().iter().enumerate() {
        if name.is_empty() || !name.bytes().all(is_tchar) {
            return Err(SigningError::InvalidHeaderName { index });
        }
        // Fast path: printable ASCII and tabs are valid; only other bytes need the full checks.
        if !value
            .iter()
            .all(|&b| (0x20..0x7f).contains(&b) || b == b'\t')
        {
            if value.iter().any(|&b| is_ctl(b) && b != b'\t') {
                return Err(SigningError::InvalidHeaderValue { name: name.into() });
            }
            if core::str::from_utf8(value).is_err() {
                return Err(SigningError::NonUtf8HeaderValue { name: name.into() });
            }
        }
        let replaced_by_signer = match additions {
            Additions::Headers {
                session_token,
                content_sha256,
                ..
            } => {
                name.eq_ignore_ascii_case("x-amz-date")
                    || (session_token.is_some()
                        && name.eq_ignore_ascii_case("x-amz-security-token"))
                    || (content_sha256.is_some()
                        && name.eq_ignore_ascii_case("x-amz-content-sha256"))
            }
            Additions::Query { .. } => false,
        };
        if replaced_by_signer
            || UNSIGNED_HEADERS
                .iter()
                .any(|h| name.eq_ignore_ascii_case(h))
        {
            continue;
        }
        has_host |= name.eq_ignore_ascii_case("host");
        headers.push(Header {
            name: name.as_bytes(),
            value,
        });
    }
    if !has_host {
        return Err(SigningError::MissingHost);
    }
    if let Additions::Headers {
        amz_date,
        session_token,
        content_sha256,
    } = additions
    {
        headers.push(Header {
            name: b"x-amz-date",
            value: amz_date.as_bytes(),
        });
        if let Some(token) = session_token {
            headers.push(Header {
                name: b"x-amz-security-token",
                value: token.as_bytes(),
            });
        }
        if let Some(hash) = content_sha256 {
            headers.push(Header {
                name: b"x-amz-content-sha256",
                value: hash.as_bytes(),
            });
        }
    }
    // Stable: repeated headers keep their order. Small slices sort without allocating.
    headers
        .as_mut_slice()
        .sort_by(|a, b| cmp_ignore_case(a.name, b.name));
    Ok(headers)
}

/// Writes the canonical URI. SigV4: "normalize URI paths according to RFC 3986. Remove
/// redundant and relative path components", then URI-encode; every service but S3 encodes the
/// already-encoded wire path a second time.
fn write_canonical_uri(out: &mut Vec<u8>, path: &[u8], settings: &SigningSettings) {
    let encode = match settings.uri_encoding {
        UriEncoding::Double => encode_path_double,
        UriEncoding::Single => encode_path_single,
    };
    let start = out.len();
    if !settings.normalize_path {
        encode(out, path);
    } else {
        for segment in path.split(|&b| b == b'/') {
            match segment {
                b"" | b"." => {}
                b".." => {
                    // Drop the last segment written, if any.
                    let written = &out[start..];
                    let cut = written.iter().rposition(|&b| b == b'/').unwrap_or(0);
                    out.truncate(start + cut);
                }
                _ => {
                    out.push(b'/');
                    encode(out, segment);
                }
            }
        }
        let ends_with_slash = [&b"/"[..], b"/.", b"/..", b"/./", b"/../"]
            .iter()
            .any(|tail| path.ends_with(tail));
        if ends_with_slash && out.len() > start && out.last() != Some(&b'/') {
            out.push(b'/');
        }
    }
    if out.len() == start {
        out.push(b'/');
    }
}

/// Writes the canonical query: every `key=value` pair decoded, re-encoded with the unreserved
/// set, sorted by key then value, joined with `&`; `extra` pairs are given unencoded.
fn write_canonical_query(out: &mut Vec<u8>, query: &str, extra: &[(&str, &str)]) {
    if query.is_empty() && extra.is_empty() {
        return;
    }
    let mut pairs: Vec<(Vec<u8>, Vec<u8>)> = Vec::new();
    let mut scratch = Vec::new();
    for piece in query.split('&').filter(|p| !p.is_empty()) {
        let (key, value) = piece.split_once('=').unwrap_or((piece, ""));
        let mut encoded_key = Vec::with_capacity(key.len());
        let mut encoded_value = Vec::with_capacity(value.len());
        scratch.clear();
        decode_into(&mut scratch, key.as_bytes());
        encode_component(&mut encoded_key, &scratch);
        scratch.clear();
        decode_into(&mut scratch, value.as_bytes());
        encode_component(&mut encoded_value, &scratch);
        pairs.push((encoded_key, encoded_value));
    }
    for (key, value) in extra {
        let mut encoded_key = Vec::with_capacity(key.len());
        let mut encoded_value = Vec::with_capacity(value.len() + 8);
        encode_component(&mut encoded_key, key.as_bytes());
        encode_component(&mut encoded_value, value.as_bytes());
        pairs.push((encoded_key, encoded_value));
    }
    pairs.sort_unstable();
    for (i, (key, value)) in pairs.iter().enumerate() {
        if i > 0 {
            out.push(b'&');
        }
        out.extend_from_slice(key);
        out.push(b'=');
        out.extend_from_slice(value);
    }
}

/// Where [`write_canonical_headers`] wrote the values of the headers the signer may add.
#[derive(Default)]
struct ValuePositions {
    amz_date: Option<usize>,
    content_sha256: Option<usize>,
}

/// Writes `name:value[,value...]\n` per distinct header name, values trimmed with inner runs of
/// spaces and tabs collapsed to one space.
fn write_canonical_headers(out: &mut Vec<u8>, headers: &[Header<'_>]) -> ValuePositions {
    let mut positions = ValuePositions::default();
    let mut i = 0;
    while i < headers.len() {
        let name = headers[i].name;
        push_lowercase(out, name);
        out.push(b':');
        if name.eq_ignore_ascii_case(b"x-amz-date") {
            positions.amz_date = Some(out.len());
        } else if name.eq_ignore_ascii_case(b"x-amz-content-sha256") {
            positions.content_sha256 = Some(out.len());
        }
        write_trimmed_value(out, headers[i].value);
        i += 1;
        while i < headers.len() && headers[i].name.eq_ignore_ascii_case(name) {
            out.push(b',');
            write_trimmed_value(out, headers[i].value);
            i += 1;
        }
        out.push(b'\n');
    }
    positions
}

fn write_trimmed_value(out: &mut Vec<u8>, value: &[u8]) {
    let is_space = |b: &u8| *b == b' ' || *b == b'\t';
    // Fast path: nothing to trim or collapse (no tab, no double space, no space at either end).
    let clean = value.first().is_none_or(|b| !is_space(b))
        && value.last().is_none_or(|b| !is_space(b))
        && !value.contains(&b'\t')
        && !value.windows(2).any(|w| w == b"  ");
    if clean {
        out.extend_from_slice(value);
        return;
    }
    let mut pending_space = false;
    let start = value
        .iter()
        .position(|b| !is_space(b))
        .unwrap_or(value.len());
    for &b in &value[start..] {
        if is_space(&b) {
            pending_space = true;
        } else {
            if pending_space {
                out.push(b' ');
                pending_space = false;
            }
            out.push(b);
        }
    }
}

/// Writes the distinct lower-case header names joined by `;`.
fn write_signed_header_names(out: &mut Vec<u8>, headers: &[Header<'_>]) {
    let mut previous: Option<&[u8]> = None;
    for header in headers {
        if previous.is_some_and(|p| p.eq_ignore_ascii_case(header.name)) {
            continue;
        }
        if previous.is_some() {
            out.push(b';');
        }
        push_lowercase(out, header.name);
        previous = Some(header.name);
    }
}

fn push_lowercase(out: &mut Vec<u8>, name: &[u8]) {
    let start = out.len();
    out.extend_from_slice(name);
    out[start..].make_ascii_lowercase();
}

fn cmp_ignore_case(a: &[u8], b: &[u8]) -> Ordering {
    a.iter()
        .map(u8::to_ascii_lowercase)
        .cmp(b.iter().map(u8::to_ascii_lowercase))
}

/// RFC 9110 `tchar`: the bytes allowed in a method or header name.
fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

fn is_ctl(b: u8) -> bool {
    b < 0x20 || b == 0x7f
}
