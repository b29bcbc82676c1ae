//! The AWS event-stream binary format (`application/vnd.amazon.eventstream`): an incremental
//! decoder and a byte-exact encoder.
//!
//! ```text
//! offset 0   u32  total_length     whole message, both CRCs included (≥ 16)
//! offset 4   u32  headers_length
//! offset 8   u32  prelude_crc      CRC-32 of bytes 0..8
//! offset 12  headers              name_len u8 (1..=255) | name | type u8 | value
//!            payload              total_length - headers_length - 16 bytes
//! end - 4    u32  message_crc      CRC-32 of bytes 0..total_length-4
//! ```
//!
//! All integers are big-endian; CRC-32 is the IEEE polynomial (zlib's `crc32`).
//!
//! The [`Decoder`] is a push parser: hand it byte slices of any size as they arrive and take
//! complete messages out. It buffers at most one partial frame: a frame that arrives whole
//! inside one input slice is decoded in place without a copy. The prelude CRC is checked as soon
//! as the 12 prelude bytes are in, before a single payload byte is buffered; the message CRC when
//! the frame completes. Every error is final: the decoder stays failed and returns the same
//! error again.
//!
//! A frame's header block is parsed and validated once, when the frame is checked, into a table
//! the decoder keeps (names and string values as text) until a frame with a different block
//! arrives: a stream repeats a few blocks (ConverseStream: one per event type), so most frames
//! cost one comparison, and reading a header is a lookup with no UTF-8 check.
//!
//! ```
//! use bedrock_core::eventstream::{Decoder, Header, HeaderValue, Message};
//!
//! let mut frame = Vec::new();
//! Message::new(vec![Header::new(":event-type", HeaderValue::String("messageStart".into()))], br#"{"role":"assistant"}"#.to_vec())
//!     .encode(&mut frame)?;
//!
//! let mut decoder = Decoder::new();
//! let (first, second) = frame.split_at(7); // bytes arrive in pieces
//! let mut input = first;
//! assert!(decoder.decode(&mut input)?.is_none()); // incomplete is not an error
//! let mut input = second;
//! let message = decoder.decode(&mut input)?.expect("the frame is complete");
//! assert_eq!(message.header_str(":event-type"), Some("messageStart"));
//! assert_eq!(message.payload(), br#"{"role":"assistant"}"#);
//! decoder.finish()?; // the stream ended on a frame boundary
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! ## Limits
//!
//! The format's specification lets services cap payloads at 24 MiB and headers at 128 KiB but
//! forbids clients from rejecting messages on those grounds. [`Limits`] are therefore *local
//! safety limits*: they bound the memory one frame may make this decoder buffer, default to the
//! same values, are checked from the prelude before anything is buffered, and fail with the
//! distinct [`DecodeError::LimitExceeded`].
//!
//! | limit | default |
//! |---|---|
//! | payload bytes per message | 24 MiB |
//! | header bytes per message | 128 KiB |
//!
//! ## CRC speed
//!
//! `crc32fast` picks its SIMD (PCLMULQDQ) implementation at run time only when its `std`
//! feature is on; this crate is `no_std` and leaves it off. A std program gets the fast CRC by
//! enabling it anywhere in its dependency tree (the adapters do): `crc32fast = { version = "1",
//! features = ["std"] }`.
//!
//! The prelude's 8 bytes are not worth that set-up: [`prelude_crc`] does them in one slice-by-8
//! step (its docs give the measurement); the message CRC continues from it with `crc32fast`.

mod crc;
mod decoder;
mod headers;

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

pub use crc::prelude_crc;
pub use decoder::{DecodeError, Decoder, Limits};

use headers::HeaderTable;

/// Bytes of the prelude: total length, headers length, prelude CRC.
pub const PRELUDE_LEN: usize = 12;
/// Smallest possible message: prelude plus message CRC.
pub const MIN_MESSAGE_LEN: usize = 16;

/// A header value, by wire type.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HeaderValue {
    /// Types 0 (`true`) and 1 (`false`).
    Bool(bool),
    /// Type 2: a signed byte.
    Byte(i8),
    /// Type 3: a signed 16-bit integer.
    Short(i16),
    /// Type 4: a signed 32-bit integer.
    Int(i32),
    /// Type 5: a signed 64-bit integer.
    Long(i64),
    /// Type 6: up to 65 535 bytes on the wire; the encoder writes up to 32 767.
    Bytes(Vec<u8>),
    /// Type 7: up to 65 535 bytes of UTF-8 on the wire; the encoder writes up to 32 767.
    String(String),
    /// Type 8: milliseconds since the Unix epoch.
    Timestamp(i64),
    /// Type 9: 16 raw bytes.
    Uuid([u8; 16]),
}

/// A borrowed header value, as the decoder hands it out without copying.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HeaderValueRef<'a> {
    /// Types 0 and 1.
    Bool(bool),
    /// Type 2.
    Byte(i8),
    /// Type 3.
    Short(i16),
    /// Type 4.
    Int(i32),
    /// Type 5.
    Long(i64),
    /// Type 6.
    Bytes(&'a [u8]),
    /// Type 7.
    String(&'a str),
    /// Type 8, milliseconds since the Unix epoch.
    Timestamp(i64),
    /// Type 9.
    Uuid([u8; 16]),
}

impl HeaderValueRef<'_> {
    /// An owned copy.
    pub fn to_owned(self) -> HeaderValue {
        match self {
            Self::Bool(v) => HeaderValue::Bool(v),
            Self::Byte(v) => HeaderValue::Byte(v),
            Self::Short(v) => HeaderValue::Short(v),
            Self::Int(v) => HeaderValue::Int(v),
            Self::Long(v) => HeaderValue::Long(v),
            Self::Bytes(v) => HeaderValue::Bytes(v.to_vec()),
            Self::String(v) => HeaderValue::String(v.into()),
            Self::Timestamp(v) => HeaderValue::Timestamp(v),
            Self::Uuid(v) => HeaderValue::Uuid(v),
        }
    }
}

impl HeaderValue {
    /// A borrowed view.
    pub fn as_ref(&self) -> HeaderValueRef<'_> {
        match self {
            Self::Bool(v) => HeaderValueRef::Bool(*v),
            Self::Byte(v) => HeaderValueRef::Byte(*v),
            Self::Short(v) => HeaderValueRef::Short(*v),
            Self::Int(v) => HeaderValueRef::Int(*v),
            Self::Long(v) => HeaderValueRef::Long(*v),
            Self::Bytes(v) => HeaderValueRef::Bytes(v),
            Self::String(v) => HeaderValueRef::String(v),
            Self::Timestamp(v) => HeaderValueRef::Timestamp(*v),
            Self::Uuid(v) => HeaderValueRef::Uuid(*v),
        }
    }

    /// The wire type id, 0..=9.
    pub fn type_id(&self) -> u8 {
        match self {
            Self::Bool(true) => 0,
            Self::Bool(false) => 1,
            Self::Byte(_) => 2,
            Self::Short(_) => 3,
            Self::Int(_) => 4,
            Self::Long(_) => 5,
            Self::Bytes(_) => 6,
            Self::String(_) => 7,
            Self::Timestamp(_) => 8,
            Self::Uuid(_) => 9,
        }
    }
}

/// A header: a name (1..=255 bytes of UTF-8) and a value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Header {
    /// The name.
    pub name: String,
    /// The value.
    pub value: HeaderValue,
}

impl Header {
    /// A header.
    pub fn new(name: impl Into<String>, value: HeaderValue) -> Self {
        Self {
            name: name.into(),
            value,
        }
    }
}

/// An owned event-stream message: headers in wire order and a payload.
///
/// `Debug` prints header names and the payload length, not payload bytes.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Message {
    /// Headers, in the order they are (or were) on the wire.
    pub headers: Vec<Header>,
    /// The payload.
    pub payload: Vec<u8>,
}

impl fmt::Debug for Message {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Message")
            .field(
                "headers",
                &self
                    .headers
                    .iter()
                    .map(|h| h.name.as_str())
                    .collect::<Vec<_>>(),
            )
            .field("payload_len", &self.payload.len())
            .finish()
    }
}

/// Why a message could not be encoded.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum EncodeError {
    /// A header name is empty or longer than 255 bytes.
    HeaderNameLength {
        /// The name's length in bytes.
        len: usize,
    },
    /// A string or bytes header value is longer than [`MAX_HEADER_VALUE_LEN`] (32 767) bytes.
    HeaderValueTooLong {
        /// The header's name.
        name: String,
        /// The value's length in bytes.
        len: usize,
    },
    /// The message would be longer than 4 GiB - 1, the most a `u32` length can say.
    MessageTooLong,
}

impl fmt::Display for EncodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::HeaderNameLength { len } => {
                write!(f, "header name of {len} bytes is outside 1..=255")
            }
            Self::HeaderValueTooLong { name, len } => {
                write!(
                    f,
                    "header {name:?} value of {len} bytes exceeds {MAX_HEADER_VALUE_LEN}"
                )
            }
            Self::MessageTooLong => f.write_str("message length exceeds u32::MAX"),
        }
    }
}

impl core::error::Error for EncodeError {}

impl Message {
    /// A message.
    pub fn new(headers: Vec<Header>, payload: Vec<u8>) -> Self {
        Self { headers, payload }
    }

    /// The first header with this name.
    pub fn header(&self, name: &str) -> Option<&HeaderValue> {
        self.headers
            .iter()
            .find(|h| h.name == name)
            .map(|h| &h.value)
    }

    /// Appends the message's frame to `out`. Decoding the frame and encoding the result gives
    /// back the same bytes.
    ///
    /// # Errors
    ///
    /// An [`EncodeError`] for a header that cannot be represented or an oversized message;
    /// `out` is left as it was.
    pub fn encode(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        let mut headers_len = 0usize;
        for header in &self.headers {
            let name_len = header.name.len();
            if name_len == 0 || name_len > 255 {
                return Err(EncodeError::HeaderNameLength { len: name_len });
            }
            let value_len = match &header.value {
                HeaderValue::Bool(_) => 0,
                HeaderValue::Byte(_) => 1,
                HeaderValue::Short(_) => 2,
                HeaderValue::Int(_) => 4,
                HeaderValue::Long(_) | HeaderValue::Timestamp(_) => 8,
                HeaderValue::Uuid(_) => 16,
                HeaderValue::Bytes(v) => variable_len(&header.name, v.len())?,
                HeaderValue::String(v) => variable_len(&header.name, v.len())?,
            };
            headers_len += 2 + name_len + value_len;
        }
        let total = MIN_MESSAGE_LEN
            .checked_add(headers_len)
            .and_then(|n| n.checked_add(self.payload.len()))
            .ok_or(EncodeError::MessageTooLong)?;
        let total_u32 = u32::try_from(total).map_err(|_| EncodeError::MessageTooLong)?;
        let headers_u32 = u32::try_from(headers_len).map_err(|_| EncodeError::MessageTooLong)?;

        let start = out.len();
        out.reserve(total);
        out.extend_from_slice(&total_u32.to_be_bytes());
        out.extend_from_slice(&headers_u32.to_be_bytes());
        let prelude = out[start..].first_chunk::<8>().unwrap_or(&[0; 8]);
        out.extend_from_slice(&prelude_crc(prelude).to_be_bytes());
        for header in &self.headers {
            // Lengths were checked above.
            out.push(u8::try_from(header.name.len()).unwrap_or(u8::MAX));
            out.extend_from_slice(header.name.as_bytes());
            out.push(header.value.type_id());
            match &header.value {
                HeaderValue::Bool(_) => {}
                HeaderValue::Byte(v) => out.extend_from_slice(&v.to_be_bytes()),
                HeaderValue::Short(v) => out.extend_from_slice(&v.to_be_bytes()),
                HeaderValue::Int(v) => out.extend_from_slice(&v.to_be_bytes()),
                HeaderValue::Long(v) | HeaderValue::Timestamp(v) => {
                    out.extend_from_slice(&v.to_be_bytes())
                }
                HeaderValue::Bytes(v) => put_variable(out, v),
                HeaderValue::String(v) => put_variable(out, v.as_bytes()),
                HeaderValue::Uuid(v) => out.extend_from_slice(v),
            }
        }
        out.extend_from_slice(&self.payload);
        let message_crc = crc32fast::hash(&out[start..]);
        out.extend_from_slice(&message_crc.to_be_bytes());
        Ok(())
    }
}

/// The longest string or bytes header value the encoder writes. The length field is a `uint16`,
/// but the event-stream spec (`smithy` `amazon-eventstream.rst`) limits string and byte-array
/// header values to 32,767 bytes (2^15 - 1): a longer value is an error, never a frame that a
/// conforming peer may refuse. The decoder still reads up to 65,535 (clients must not validate).
pub const MAX_HEADER_VALUE_LEN: usize = i16::MAX as usize;

fn variable_len(name: &str, len: usize) -> Result<usize, EncodeError> {
    if len > MAX_HEADER_VALUE_LEN {
        return Err(EncodeError::HeaderValueTooLong {
            name: name.into(),
            len,
        });
    }
    Ok(2 + len)
}

fn put_variable(out: &mut Vec<u8>, bytes: &[u8]) {
    out.extend_from_slice(&u16::try_from(bytes.len()).unwrap_or(u16::MAX).to_be_bytes());
    out.extend_from_slice(bytes);
}

/// A decoded message borrowed from the decoder: its headers were parsed and validated once, when
/// the frame was checked, and are handed out without copying or checking them again; the
/// payload is a slice of the decoder's input or buffer.
#[derive(Clone, Copy)]
pub struct MessageRef<'a> {
    headers: &'a HeaderTable,
    payload: &'a [u8],
}

impl PartialEq for MessageRef<'_> {
    fn eq(&self, other: &Self) -> bool {
        // The header block says everything the table holds.
        self.headers.block() == other.headers.block() && self.payload == other.payload
    }
}

impl Eq for MessageRef<'_> {}

impl fmt::Debug for MessageRef<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MessageRef")
            .field(
                "headers",
                &self.headers().map(|(n, _)| n).collect::<Vec<_>>(),
            )
            .field("payload_len", &self.payload.len())
            .finish()
    }
}

impl<'a> MessageRef<'a> {
    /// The headers, in wire order.
    pub fn headers(&self) -> HeaderIter<'a> {
        HeaderIter {
            inner: self.headers.iter(),
        }
    }

    /// The value of the header with this name (names are unique in a valid message).
    #[inline]
    pub fn header(&self, name: &str) -> Option<HeaderValueRef<'a>> {
        self.headers.get(name)
    }

    /// The value of a string header with this name.
    #[inline]
    pub fn header_str(&self, name: &str) -> Option<&'a str> {
        match self.header(name)? {
            HeaderValueRef::String(s) => Some(s),
            _ => None,
        }
    }

    /// `header_str(":message-type")`, looked up once per distinct header block.
    #[inline]
    pub(crate) fn message_type(&self) -> Option<&'a str> {
        match self.headers.message_type()? {
            HeaderValueRef::String(s) => Some(s),
            _ => None,
        }
    }

    /// `header_str(":event-type")`, looked up once per distinct header block.
    #[inline]
    pub(crate) fn event_type(&self) -> Option<&'a str> {
        match self.headers.event_type()? {
            HeaderValueRef::String(s) => Some(s),
            _ => None,
        }
    }

    /// The payload.
    pub fn payload(&self) -> &'a [u8] {
        self.payload
    }

    /// An owned copy.
    pub fn to_owned(&self) -> Message {
        Message {
            headers: self
                .headers()
                .map(|(name, value)| Header::new(name, value.to_owned()))
                .collect(),
            payload: self.payload.to_vec(),
        }
    }
}

/// Iterator over the headers of a [`MessageRef`].
#[derive(Clone, Debug)]
pub struct HeaderIter<'a> {
    inner: headers::Iter<'a>,
}

impl<'a> Iterator for HeaderIter<'a> {
    type Item = (&'a str, HeaderValueRef<'a>);

    fn next(&mut self) -> Option<Self::Item> {
        self.inner.next()
    }
}
