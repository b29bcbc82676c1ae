//! HTTP/1.1 on the client side: request bytes out, response events in.
//!
//! [`write_request`] serializes a request. [`ResponseReader`] parses a response incrementally:
//! push any byte slices, pull [`ResponseEvent`]s — the head (parsed with `httparse` once its
//! terminator is seen, bounded by [`ResponseLimits::max_head_len`]), then body data de-framed from
//! `Content-Length`, chunked transfer coding (extensions and trailers handled) or
//! close-delimited framing, then the end. Body data is handed out as slices of the input, never
//! copied. Incomplete input is not an error; every error is final.
//!
//! ```text
//!   AwaitingHead ──head──▶ ReadingBody(len | chunked | until close) ──▶ Done
//!        │ 1xx: skip it, await the next head          │
//!        └────────────── malformed / over limit / EOF ─┴──▶ Failed
//! ```

mod chunked;
pub mod connect;

use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::fmt;

pub use chunked::{ChunkedDecoder, ChunkedStep};

/// Why a request cannot be written.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum RequestError {
    /// A header name is not an HTTP token.
    InvalidHeaderName {
        /// The name.
        name: String,
    },
    /// A header value contains CR, LF or NUL (a header-injection attempt or a corrupt value).
    InvalidHeaderValue {
        /// The header's name (never the value).
        name: String,
    },
    /// The method or target has characters a request line cannot hold.
    InvalidRequestLine,
}

impl fmt::Display for RequestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::InvalidHeaderName { name } => write!(f, "invalid header name {name:?}"),
            Self::InvalidHeaderValue { name } => {
                write!(f, "header {name:?} has CR, LF or NUL in its value")
            }
            Self::InvalidRequestLine => {
                f.write_str("method or request target has characters a request line cannot hold")
            }
        }
    }
}

impl core::error::Error for RequestError {}

/// Appends an HTTP/1.1 request: request line, headers in the order given, blank line, body.
///
/// # Errors
///
/// A [`RequestError`] for a header or request line that would be malformed on the wire; `out` is
/// left unchanged.
pub fn write_request(
    out: &mut Vec<u8>,
    method: &str,
    target: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Result<(), RequestError> {
    let line_ok = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_graphic());
    if !line_ok(method) || !line_ok(target) {
        return Err(RequestError::InvalidRequestLine);
    }
    for (name, value) in headers {
        if name.is_empty() || !name.bytes().all(is_tchar) {
            return Err(RequestError::InvalidHeaderName {
                name: (*name).into(),
            });
        }
        if value.bytes().any(|b| matches!(b, b'\r' | b'\n' | 0)) {
            return Err(RequestError::InvalidHeaderValue {
                name: (*name).into(),
            });
        }
    }
    let head_len: usize = headers.iter().map(|(n, v)| n.len() + v.len() + 4).sum();
    out.reserve(method.len() + target.len() + 13 + head_len + 2 + body.len());
    out.extend_from_slice(method.as_bytes());
    out.push(b' ');
    out.extend_from_slice(target.as_bytes());
    out.extend_from_slice(b" HTTP/1.1\r\n");
    for (name, value) in headers {
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(b": ");
        out.extend_from_slice(value.as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"\r\n");
    out.extend_from_slice(body);
    Ok(())
}

/// Whether an HTTP client library that is handed a URL and a body writes this header itself:
/// `Host` (from the URL) and `Content-Length` (from the body). The core lists both with the
/// values such a client produces; a client adds every other header and skips these.
pub fn is_written_by_client(name: &str) -> bool {
    name.eq_ignore_ascii_case("host") || name.eq_ignore_ascii_case("content-length")
}

fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// Local limits of the response reader.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ResponseLimits {
    /// Largest response head (status line and headers), default 64 KiB.
    pub max_head_len: usize,
    /// Most header lines in a head, default 100.
    pub max_headers: usize,
    /// Longest chunk-size line or trailer line, default 4 KiB.
    pub max_line_len: usize,
}

impl Default for ResponseLimits {
    fn default() -> Self {
        Self {
            max_head_len: 64 * 1024,
            max_headers: 100,
            max_line_len: 4 * 1024,
        }
    }
}

/// A parsed response head.
#[derive(Clone, PartialEq, Eq)]
pub struct ResponseHead {
    /// The status code.
    pub status: u16,
    /// The reason phrase.
    pub reason: String,
    /// `1` for HTTP/1.1, `0` for HTTP/1.0.
    pub minor_version: u8,
    /// Headers in order: names as sent, values as raw bytes.
    pub headers: Vec<(String, Vec<u8>)>,
}

impl fmt::Debug for ResponseHead {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ResponseHead")
            .field("status", &self.status)
            .field(
                "headers",
                &self
                    .headers
                    .iter()
                    .map(|(n, _)| n.as_str())
                    .collect::<Vec<_>>(),
            )
            .finish_non_exhaustive()
    }
}

impl ResponseHead {
    /// The first value of a header, case-insensitively, if it is UTF-8.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .and_then(|(_, v)| core::str::from_utf8(v).ok())
            .map(str::trim)
    }

    /// Every value of a header, case-insensitively.
    pub fn header_values<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a [u8]> + 'a {
        self.headers
            .iter()
            .filter(move |(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_slice())
    }

    /// Whether the connection stays open after this response (HTTP/1.1 unless `Connection:
    /// close`; HTTP/1.0 only with `Connection: keep-alive`). Close-delimited bodies always end the
    /// connection.
    pub fn keep_alive(&self) -> bool {
        let tokens = |token: &str| {
            self.header_values("connection").any(|v| {
                v.split(|&b| b == b',')
                    .any(|t| t.trim_ascii().eq_ignore_ascii_case(token.as_bytes()))
            })
        };
        if self.minor_version == 0 {
            tokens("keep-alive")
        } else {
            !tokens("close")
        }
    }
}

/// How the body is framed (RFC 9112 §6.3).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BodyFraming {
    /// No body: 1xx, 204, 304.
    None,
    /// `Content-Length`.
    Length(u64),
    /// `Transfer-Encoding: chunked`.
    Chunked,
    /// Until the server closes the connection.
    UntilClose,
}

impl BodyFraming {
    fn for_head(head: &ResponseHead) -> Result<Self, HttpError> {
        if head.status == 204 || head.status == 304 || (100..200).contains(&head.status) {
            return Ok(Self::None);
        }
        let mut te = head.header_values("transfer-encoding").peekable();
        if te.peek().is_some() {
            // The final transfer coding decides: chunked, or read until close.
            let last = te
                .flat_map(|v| v.split(|&b| b == b','))
                .map(<[u8]>::trim_ascii)
                .filter(|t| !t.is_empty())
                .last()
                .unwrap_or_default();
            return Ok(if last.eq_ignore_ascii_case(b"chunked") {
                Self::Chunked
            } else {
                Self::UntilClose
            });
        }
        let mut length: Option<u64> = None;
        for value in head.header_values("content-length") {
            for part in value.split(|&b| b == b',') {
                let part = part.trim_ascii();
                let parsed = parse_decimal(part).ok_or(HttpError::InvalidContentLength)?;
                if length.is_some_and(|l| l != parsed) {
                    return Err(HttpError::InvalidContentLength);
                }
                length = Some(parsed);
            }
        }
        Ok(length.map_or(Self::UntilClose, Self::Length))
    }
}

fn parse_decimal(digits: &[u8]) -> Option<u64> {
    if digits.is_empty() || digits.len() > 19 {
        return None;
    }
    digits.iter().try_fold(0u64, |acc, &b| {
        b.is_ascii_digit()
            .then(|| acc.checked_mul(10)?.checked_add(u64::from(b - b'0')))
            .flatten()
    })
}

/// Where the input ended too early.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EofPosition {
    /// Before the head was complete.
    Head,
    /// Inside a `Content-Length` body.
    Body {
        /// Body bytes received.
        received: u64,
        /// Body bytes announced.
        expected: u64,
    },
    /// Inside a chunked body (a size line, chunk data or trailers).
    Chunk,
}

/// Why a response cannot be read. Every error is final.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum HttpError {
    /// The head is not valid HTTP/1.x.
    MalformedHead {
        /// What `httparse` reported.
        reason: &'static str,
    },
    /// The head exceeds [`ResponseLimits::max_head_len`].
    HeadTooLarge {
        /// The limit.
        limit: usize,
    },
    /// The head has more header lines than [`ResponseLimits::max_headers`].
    TooManyHeaders {
        /// The limit.
        limit: usize,
    },
    /// `Content-Length` is not a number, or differs between repeated headers.
    InvalidContentLength,
    /// A chunk-size line is not hexadecimal, or the size overflows.
    InvalidChunkSize,
    /// Chunk data is not followed by CRLF.
    MissingChunkCrlf,
    /// A chunk-size or trailer line exceeds [`ResponseLimits::max_line_len`].
    LineTooLong {
        /// The limit.
        limit: usize,
    },
    /// The connection closed before the response was complete.
    UnexpectedEof(EofPosition),
}

impl HttpError {
    /// A stable, snake_case name for vectors.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::MalformedHead { .. } => "malformed_head",
            Self::HeadTooLarge { .. } => "head_too_large",
            Self::TooManyHeaders { .. } => "too_many_headers",
            Self::InvalidContentLength => "invalid_content_length",
            Self::InvalidChunkSize => "invalid_chunk_size",
            Self::MissingChunkCrlf => "missing_chunk_crlf",
            Self::LineTooLong { .. } => "line_too_long",
            Self::UnexpectedEof(_) => "unexpected_eof",
        }
    }
}

impl fmt::Display for HttpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::MalformedHead { reason } => write!(f, "malformed response head: {reason}"),
            Self::HeadTooLarge { limit } => write!(f, "response head exceeds {limit} bytes"),
            Self::TooManyHeaders { limit } => {
                write!(f, "response head has more than {limit} headers")
            }
            Self::InvalidContentLength => f.write_str("invalid or conflicting Content-Length"),
            Self::InvalidChunkSize => f.write_str("invalid chunk size"),
            Self::MissingChunkCrlf => f.write_str("chunk data not followed by CRLF"),
            Self::LineTooLong { limit } => write!(f, "chunk or trailer line exceeds {limit} bytes"),
            Self::UnexpectedEof(EofPosition::Head) => {
                f.write_str("connection closed before the response head")
            }
            Self::UnexpectedEof(EofPosition::Body { received, expected }) => write!(
                f,
                "connection closed after {received} of {expected} body bytes"
            ),
            Self::UnexpectedEof(EofPosition::Chunk) => {
                f.write_str("connection closed inside a chunked body")
            }
        }
    }
}

impl core::error::Error for HttpError {}

/// What the reader produced.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ResponseEvent<'a> {
    /// The (final, non-1xx) response head.
    Head(ResponseHead),
    /// De-framed body bytes, borrowed from the input.
    Data(&'a [u8]),
    /// The response is complete.
    End,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum State {
    AwaitingHead,
    Length {
        remaining: u64,
        total: u64,
    },
    Chunked(ChunkedDecoder),
    UntilClose,
    /// The body is complete; `End` not yet handed out.
    Ending,
    Done,
    Failed(HttpError),
}

/// Incremental HTTP/1.1 response parser. See the [module docs](self).
#[derive(Clone)]
pub struct ResponseReader {
    limits: ResponseLimits,
    state: State,
    head: Vec<u8>,
    /// Where the head-terminator search resumes (never re-scan from byte 0).
    scan_from: usize,
    keep_alive: bool,
}

impl fmt::Debug for ResponseReader {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ResponseReader")
            .field("state", &self.state)
            .field("buffered_head", &self.head.len())
            .finish()
    }
}

impl Default for ResponseReader {
    fn default() -> Self {
        Self::new(ResponseLimits::default())
    }
}

impl ResponseReader {
    /// A reader for one response.
    pub fn new(limits: ResponseLimits) -> Self {
        Self {
            limits,
            state: State::AwaitingHead,
            head: Vec::new(),
            scan_from: 0,
            keep_alive: false,
        }
    }

    /// Reads the next event from `input`, consuming what it uses. Call again until it returns
    /// `Ok(None)` (more input needed) or the response is done.
    ///
    /// # Errors
    ///
    /// An [`HttpError`]; the reader then stays failed.
    pub fn read<'i>(
        &mut self,
        input: &mut &'i [u8],
    ) -> Result<Option<ResponseEvent<'i>>, HttpError> {
        let result = self.step(input);
        if let Err(e) = &result {
            self.state = State::Failed(e.clone());
            self.head = Vec::new();
        }
        result
    }

    /// Signals that the connection closed.
    ///
    /// Returns `Ok(Some(End))` when that ends a close-delimited body, `Ok(None)` when the
    /// response was already complete.
    ///
    /// # Errors
    ///
    /// [`HttpError::UnexpectedEof`] when the response was incomplete (the reader then stays
    /// failed), or the error the reader already failed with.
    pub fn finish(&mut self) -> Result<Option<ResponseEvent<'static>>, HttpError> {
        let position = match &self.state {
            State::Failed(e) => return Err(e.clone()),
            State::Done => return Ok(None),
            State::Ending | State::UntilClose => {
                self.state = State::Done;
                self.keep_alive = false;
                return Ok(Some(ResponseEvent::End));
            }
            State::AwaitingHead => EofPosition::Head,
            State::Length { remaining, total } => EofPosition::Body {
                received: total - remaining,
                expected: *total,
            },
            State::Chunked(_) => EofPosition::Chunk,
        };
        let e = HttpError::UnexpectedEof(position);
        self.state = State::Failed(e.clone());
        Err(e)
    }

    /// Whether the response is complete and `End` was handed out.
    pub fn is_done(&self) -> bool {
        self.state == State::Done
    }

    /// Whether the head has been read.
    pub fn has_head(&self) -> bool {
        !matches!(self.state, State::AwaitingHead | State::Failed(_))
    }

    /// Whether the connection can carry another request after this response: the head allowed
    /// it and the body was not close-delimited. Meaningful once [`is_done`](Self::is_done).
    pub fn keep_alive(&self) -> bool {
        self.keep_alive
    }

    fn step<'i>(&mut self, input: &mut &'i [u8]) -> Result<Option<ResponseEvent<'i>>, HttpError> {
        loop {
            match &mut self.state {
                State::Failed(e) => return Err(e.clone()),
                State::Done => return Ok(None),
                State::Ending => {
                    self.state = State::Done;
                    return Ok(Some(ResponseEvent::End));
                }
                State::AwaitingHead => {
                    let Some(head) = self.take_head(input)? else {
                        return Ok(None);
                    };
                    let framing = BodyFraming::for_head(&head)?;
                    if (100..200).contains(&head.status) {
                        // An interim response (100 Continue, 103 Early Hints): the real one follows.
                        continue;
                    }
                    self.keep_alive = head.keep_alive() && framing != BodyFraming::UntilClose;
                    self.state = match framing {
                        BodyFraming::None | BodyFraming::Length(0) => State::Ending,
                        BodyFraming::Length(n) => State::Length {
                            remaining: n,
                            total: n,
                        },
                        BodyFraming::Chunked => {
                            State::Chunked(ChunkedDecoder::new(self.limits.max_line_len))
                        }
                        BodyFraming::UntilClose => State::UntilClose,
                    };
                    return Ok(Some(ResponseEvent::Head(head)));
                }
                State::Length { remaining, .. } => {
                    if input.is_empty() {
                        return Ok(None);
                    }
                    let take = usize::try_from(*remaining)
                        .unwrap_or(usize::MAX)
                        .min(input.len());
                    let (data, rest) = input.split_at(take);
                    *input = rest;
                    *remaining -= take as u64;
                    if *remaining == 0 {
                        self.state = State::Ending;
                    }
                    return Ok(Some(ResponseEvent::Data(data)));
                }
                State::UntilClose => {
                    if input.is_empty() {
                        return Ok(None);
                    }
                    let data = *input;
                    *input = &[];
                    return Ok(Some(ResponseEvent::Data(data)));
                }
                State::Chunked(decoder) => match decoder.decode(input)? {
                    ChunkedStep::NeedMore => return Ok(None),
                    ChunkedStep::Data(data) => return Ok(Some(ResponseEvent::Data(data))),
                    ChunkedStep::Done => {
                        self.state = State::Done;
                        return Ok(Some(ResponseEvent::End));
                    }
                },
            }
        }
    }

    /// Buffers head bytes until the blank line; returns the parsed head and leaves the bytes after
    /// it in `input`.
    fn take_head(&mut self, input: &mut &[u8]) -> Result<Option<ResponseHead>, HttpError> {
        let room = self.limits.max_head_len.saturating_sub(self.head.len());
        let take = input.len().min(room.saturating_add(4));
        let before = self.head.len();
        self.head.extend_from_slice(&input[..take]);
        let Some(end) = find_head_end(&self.head, self.scan_from) else {
            if self.head.len() > self.limits.max_head_len {
                return Err(HttpError::HeadTooLarge {
                    limit: self.limits.max_head_len,
                });
            }
            self.scan_from = self.head.len().saturating_sub(3);
            *input = &input[take..];
            return Ok(None);
        };
        if end > self.limits.max_head_len {
            return Err(HttpError::HeadTooLarge {
                limit: self.limits.max_head_len,
            });
        }
        // Bytes past the head's end came from this input: give them back.
        *input = &input[end - before..];
        let head = parse_head(&self.head[..end], self.limits.max_headers)?;
        self.head.clear();
        self.scan_from = 0;
        Ok(Some(head))
    }
}

/// The index just past the head terminator (`\r\n\r\n`, or a bare `\n\n`), searching from `from`.
fn find_head_end(buf: &[u8], from: usize) -> Option<usize> {
    let mut i = from;
    while i < buf.len() {
        if buf[i] == b'\n' {
            if buf.get(i + 1) == Some(&b'\n') {
                return Some(i + 2);
            }
            if buf.get(i + 1) == Some(&b'\r') && buf.get(i + 2) == Some(&b'\n') {
                return Some(i + 3);
            }
        }
        i += 1;
    }
    None
}

fn parse_head(bytes: &[u8], max_headers: usize) -> Result<ResponseHead, HttpError> {
    let mut storage = alloc::vec![httparse::EMPTY_HEADER; max_headers];
    let mut response = httparse::Response::new(&mut storage);
    match response.parse(bytes) {
        Ok(httparse::Status::Complete(_)) => {}
        Ok(httparse::Status::Partial) => {
            return Err(HttpError::MalformedHead {
                reason: "incomplete head",
            });
        }
        Err(httparse::Error::TooManyHeaders) => {
            return Err(HttpError::TooManyHeaders { limit: max_headers });
        }
        Err(e) => {
            return Err(HttpError::MalformedHead {
                reason: httparse_reason(e),
            });
        }
    }
    Ok(ResponseHead {
        status: response.code.unwrap_or_default(),
        reason: response.reason.unwrap_or_default().to_string(),
        minor_version: response.version.unwrap_or(1),
        headers: response
            .headers
            .iter()
            .map(|h| (h.name.to_string(), h.value.to_vec()))
            .collect(),
    })
}

fn httparse_reason(e: httparse::Error) -> &'static str {
    match e {
        httparse::Error::HeaderName => "invalid header name",
        httparse::Error::HeaderValue => "invalid header value",
        httparse::Error::NewLine => "invalid line ending",
        httparse::Error::Status => "invalid status code",
        httparse::Error::Token => "invalid token",
        httparse::Error::TooManyHeaders => "too many headers",
        httparse::Error::Version => "invalid HTTP version",
    }
}

#[cfg(test)]
mod tests;
