//! The incremental event-stream decoder.
//!
//! ```text
//!            decode(input)                        frame complete, CRCs valid
//!  Idle ──────────────────────▶ ReadingPrelude ──▶ ReadingFrame ──────────────▶ Idle (message out)
//!    │                              │                   │
//!    │ whole frame in input         │ bad prelude CRC,  │ bad message CRC,
//!    └──▶ message out, no copy      │ bad lengths,      │ bad headers
//!                                   ▼ over a limit      ▼
//!                                 Failed ◀──────────────┘   (every later call returns the error)
//! ```

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use super::crc::prelude_crc;
use super::headers::HeaderTable;
use super::{MIN_MESSAGE_LEN, MessageRef, PRELUDE_LEN};

/// Local memory limits for one frame (see the module docs: the format forbids clients from
/// rejecting on the specification's own limits, so these only protect this process).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Largest payload accepted, in bytes. Default 24 MiB.
    pub max_payload_len: usize,
    /// Largest header block accepted, in bytes. Default 128 KiB.
    pub max_headers_len: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_payload_len: 24 * 1024 * 1024,
            max_headers_len: 128 * 1024,
        }
    }
}

/// Which local limit a frame exceeded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LimitKind {
    /// [`Limits::max_payload_len`].
    Payload,
    /// [`Limits::max_headers_len`].
    Headers,
}

/// Why the byte stream is not a valid sequence of event-stream messages. Every error is final.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum DecodeError {
    /// The prelude's CRC does not match its first 8 bytes.
    PreludeCrc {
        /// The CRC carried in the prelude.
        expected: u32,
        /// The CRC computed over the prelude.
        actual: u32,
    },
    /// The message CRC does not match the frame.
    MessageCrc {
        /// The CRC carried at the end of the frame.
        expected: u32,
        /// The CRC computed over the frame.
        actual: u32,
    },
    /// `total_length` is below the 16-byte minimum.
    TotalLengthTooSmall {
        /// The total length in the prelude.
        total_length: u32,
    },
    /// `headers_length` does not fit in `total_length - 16`.
    HeadersLengthTooLarge {
        /// The headers length in the prelude.
        headers_length: u32,
        /// The total length in the prelude.
        total_length: u32,
    },
    /// A frame exceeds a local [`Limits`] value; nothing of it was buffered.
    LimitExceeded {
        /// Which limit.
        kind: LimitKind,
        /// The length the prelude announced.
        length: u64,
        /// The configured limit.
        limit: usize,
    },
    /// A header name has length 0.
    EmptyHeaderName {
        /// Offset of the header within the header block.
        offset: usize,
    },
    /// A header name is not valid UTF-8.
    HeaderNameNotUtf8 {
        /// Offset of the header within the header block.
        offset: usize,
    },
    /// Two headers share a name.
    DuplicateHeader {
        /// The repeated name.
        name: String,
    },
    /// A header's type byte is not one of 0..=9.
    UnknownHeaderType {
        /// The header's name.
        name: String,
        /// The type byte.
        type_id: u8,
    },
    /// A string header's value is not valid UTF-8.
    HeaderValueNotUtf8 {
        /// The header's name.
        name: String,
    },
    /// A header runs past the end of the header block (`headers_length` cuts it off).
    HeaderOverrun {
        /// Offset of the header within the header block.
        offset: usize,
    },
    /// The input ended inside a frame.
    Truncated {
        /// Bytes of the frame received.
        received: usize,
        /// Bytes the frame needs (12 while the prelude itself is incomplete).
        expected: usize,
    },
}

impl DecodeError {
    /// A stable, snake_case name for the error, which conformance vectors match on.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::PreludeCrc { .. } => "prelude_crc",
            Self::MessageCrc { .. } => "message_crc",
            Self::TotalLengthTooSmall { .. } => "total_length_too_small",
            Self::HeadersLengthTooLarge { .. } => "headers_length_too_large",
            Self::LimitExceeded { .. } => "limit_exceeded",
            Self::EmptyHeaderName { .. } => "empty_header_name",
            Self::HeaderNameNotUtf8 { .. } => "header_name_not_utf8",
            Self::DuplicateHeader { .. } => "duplicate_header",
            Self::UnknownHeaderType { .. } => "unknown_header_type",
            Self::HeaderValueNotUtf8 { .. } => "header_value_not_utf8",
            Self::HeaderOverrun { .. } => "header_overrun",
            Self::Truncated { .. } => "truncated",
        }
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::PreludeCrc { expected, actual } => {
                write!(
                    f,
                    "prelude CRC mismatch: frame says {expected:#010x}, computed {actual:#010x}"
                )
            }
            Self::MessageCrc { expected, actual } => {
                write!(
                    f,
                    "message CRC mismatch: frame says {expected:#010x}, computed {actual:#010x}"
                )
            }
            Self::TotalLengthTooSmall { total_length } => {
                write!(
                    f,
                    "message length {total_length} is below the 16-byte minimum"
                )
            }
            Self::HeadersLengthTooLarge {
                headers_length,
                total_length,
            } => write!(
                f,
                "headers length {headers_length} does not fit in a {total_length}-byte message"
            ),
            Self::LimitExceeded {
                kind,
                length,
                limit,
            } => {
                let what = match kind {
                    LimitKind::Payload => "payload",
                    LimitKind::Headers => "headers",
                };
                write!(
                    f,
                    "{what} of {length} bytes exceeds the local limit of {limit} bytes"
                )
            }
            Self::EmptyHeaderName { offset } => {
                write!(f, "empty header name at header offset {offset}")
            }
            Self::HeaderNameNotUtf8 { offset } => {
                write!(f, "header name at header offset {offset} is not UTF-8")
            }
            Self::DuplicateHeader { name } => write!(f, "duplicate header {name:?}"),
            Self::UnknownHeaderType { name, type_id } => {
                write!(f, "header {name:?} has unknown value type {type_id}")
            }
            Self::HeaderValueNotUtf8 { name } => write!(f, "string header {name:?} is not UTF-8"),
            Self::HeaderOverrun { offset } => {
                write!(
                    f,
                    "header at header offset {offset} runs past the header block"
                )
            }
            Self::Truncated { received, expected } => write!(
                f,
                "stream ended inside a frame: {received} of {expected} bytes received"
            ),
        }
    }
}

impl core::error::Error for DecodeError {}

/// What the decoder waits for.
#[derive(Clone, Debug, PartialEq, Eq)]
enum State {
    /// Between frames; nothing buffered.
    Idle,
    /// Fewer than 12 bytes of the next frame are buffered.
    ReadingPrelude,
    /// The prelude was valid; buffering the rest of a `total`-byte frame.
    ReadingFrame { total: usize },
    /// The buffer holds a complete frame handed out by the last call; cleared on the next.
    Delivered,
    /// A fatal error happened.
    Failed(DecodeError),
}

/// Buffer capacity kept across frames; a larger buffer (left by an unusually large frame) is
/// released once that frame is delivered.
const RETAINED_CAPACITY: usize = 64 * 1024;

/// Incremental event-stream decoder. See the [module docs](super).
#[derive(Clone)]
pub struct Decoder {
    limits: Limits,
    state: State,
    buf: Vec<u8>,
    /// The most bytes buffered before the buffer was last emptied (see
    /// [`Decoder::peak_buffered`]).
    peak_buffered: usize,
    /// The header block of the last frame checked, parsed: messages read their headers from it.
    headers: HeaderTable,
}

impl fmt::Debug for Decoder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Decoder")
            .field("state", &self.state)
            .field("buffered", &self.buf.len())
            .field("limits", &self.limits)
            .finish()
    }
}

impl Default for Decoder {
    fn default() -> Self {
        Self::new()
    }
}

impl Decoder {
    /// A decoder with default [`Limits`].
    pub fn new() -> Self {
        Self::with_limits(Limits::default())
    }

    /// A decoder with the given limits.
    pub fn with_limits(limits: Limits) -> Self {
        Self {
            limits,
            state: State::Idle,
            buf: Vec::new(),
            peak_buffered: 0,
            headers: HeaderTable::default(),
        }
    }

    /// Decodes the next message, consuming bytes from the front of `input`.
    ///
    /// Returns `Ok(Some(message))` when a frame completed (the rest of `input` is left for the
    /// next call: call again until it returns `Ok(None)`), `Ok(None)` when `input` is used up
    /// in the middle of a frame (its bytes are buffered) or empty. Incomplete input is never an
    /// error.
    ///
    /// # Errors
    ///
    /// A [`DecodeError`] for a malformed frame or one over a limit. The decoder then stays
    /// failed and returns the same error on every later call.
    #[inline]
    pub fn decode<'r, 'i: 'r>(
        &'r mut self,
        input: &mut &'i [u8],
    ) -> Result<Option<MessageRef<'r>>, DecodeError> {
        // The middle of a buffered frame, the common case for small chunks: inlined into the
        // caller, one copy and no state-machine walk for a chunk that does not complete it.
        if let State::ReadingFrame { total } = self.state
            && input.len() < total - self.buf.len()
        {
            // The buffer only grows inside a frame: its peak is recorded when it is cleared.
            self.buf.extend_from_slice(input);
            *input = &[];
            return Ok(None);
        }
        // Between frames with the input used up, the call that ends a caller's loop after the
        // frames its input held: nothing to do.
        if input.is_empty() && matches!(self.state, State::Idle) {
            return Ok(None);
        }
        self.decode_slow(input)
    }

    #[inline(never)]
    fn decode_slow<'r, 'i: 'r>(
        &'r mut self,
        input: &mut &'i [u8],
    ) -> Result<Option<MessageRef<'r>>, DecodeError> {
        if let State::Failed(e) = &self.state {
            return Err(e.clone());
        }
        if matches!(self.state, State::Delivered) {
            self.release();
            if self.buf.capacity() > RETAINED_CAPACITY {
                self.buf.shrink_to(RETAINED_CAPACITY);
            }
            self.state = State::Idle;
        }
        match self.step(input) {
            Ok(Step::NeedMore) => Ok(None),
            Ok(Step::InInput(frame)) => Ok(Some(split_frame(frame, &self.headers))),
            Ok(Step::InBuffer) => {
                self.state = State::Delivered;
                Ok(Some(split_frame(&self.buf, &self.headers)))
            }
            Err(e) => {
                self.release();
                self.buf = Vec::new();
                self.state = State::Failed(e.clone());
                Err(e)
            }
        }
    }

    /// Signals the end of the input.
    ///
    /// # Errors
    ///
    /// [`DecodeError::Truncated`] when the input ended inside a frame (the decoder then stays
    /// failed), or the error the decoder already failed with.
    pub fn finish(&mut self) -> Result<(), DecodeError> {
        let expected = match &self.state {
            State::Idle | State::Delivered => return Ok(()),
            State::Failed(e) => return Err(e.clone()),
            State::ReadingPrelude => PRELUDE_LEN,
            State::ReadingFrame { total } => *total,
        };
        let e = DecodeError::Truncated {
            received: self.buf.len(),
            expected,
        };
        self.release();
        self.buf = Vec::new();
        self.state = State::Failed(e.clone());
        Err(e)
    }

    /// Empties the buffer, recording its length as a candidate peak first.
    fn release(&mut self) {
        self.peak_buffered = self.peak_buffered.max(self.buf.len());
        self.buf.clear();
    }

    /// Whether part of a frame is buffered (an end of input now would be a truncation).
    pub fn is_mid_frame(&self) -> bool {
        matches!(
            self.state,
            State::ReadingPrelude | State::ReadingFrame { .. }
        )
    }

    /// Whether the decoder has failed.
    pub fn is_failed(&self) -> bool {
        matches!(self.state, State::Failed(_))
    }

    /// Bytes currently buffered.
    pub fn buffered(&self) -> usize {
        self.buf.len()
    }

    /// The most bytes ever buffered at once: never more than the largest frame seen.
    pub fn peak_buffered(&self) -> usize {
        self.peak_buffered.max(self.buf.len())
    }

    /// The limits in force.
    pub fn limits(&self) -> Limits {
        self.limits
    }

    fn step<'a>(&mut self, input: &mut &'a [u8]) -> Result<Step<'a>, DecodeError> {
        if matches!(self.state, State::Idle) {
            if input.is_empty() {
                return Ok(Step::NeedMore);
            }
            let data: &'a [u8] = input;
            if let Some(prelude) = data.first_chunk::<PRELUDE_LEN>() {
                let total = self.check_prelude(prelude)?;
                if let Some((frame, rest)) = data.split_at_checked(total) {
                    // The whole frame is in the input: decode it in place.
                    check_frame(frame, &mut self.headers)?;
                    *input = rest;
                    return Ok(Step::InInput(frame));
                }
                self.state = State::ReadingFrame { total };
                self.buffer(input, total);
                return Ok(Step::NeedMore);
            }
            self.state = State::ReadingPrelude;
        }
        if matches!(self.state, State::ReadingPrelude) {
            self.buffer(input, PRELUDE_LEN);
            let Some(prelude) = self.buf.first_chunk::<PRELUDE_LEN>() else {
                return Ok(Step::NeedMore);
            };
            let prelude = *prelude;
            let total = self.check_prelude(&prelude)?;
            self.state = State::ReadingFrame { total };
        }
        if let State::ReadingFrame { total } = self.state {
            self.buffer(input, total);
            if self.buf.len() < total {
                return Ok(Step::NeedMore);
            }
            check_frame(&self.buf, &mut self.headers)?;
            return Ok(Step::InBuffer);
        }
        Ok(Step::NeedMore)
    }

    /// Moves bytes from `input` into the buffer until it holds `upto` bytes.
    fn buffer(&mut self, input: &mut &[u8], upto: usize) {
        let want = upto.saturating_sub(self.buf.len());
        let take = want.min(input.len());
        if self.buf.capacity() < upto {
            // `upto` is within the limits checked from the prelude.
            self.buf.reserve_exact(upto - self.buf.len());
        }
        self.buf.extend_from_slice(&input[..take]);
        *input = &input[take..];
    }

    /// Validates a prelude and returns the frame's total length.
    fn check_prelude(&self, prelude: &[u8; PRELUDE_LEN]) -> Result<usize, DecodeError> {
        let total_length = be_u32(&prelude[0..4]);
        let headers_length = be_u32(&prelude[4..8]);
        let expected = be_u32(&prelude[8..12]);
        let actual = prelude_crc(prelude.first_chunk::<8>().unwrap_or(&[0; 8]));
        if expected != actual {
            return Err(DecodeError::PreludeCrc { expected, actual });
        }
        let total = u64::from(total_length);
        let headers = u64::from(headers_length);
        if total < MIN_MESSAGE_LEN as u64 {
            return Err(DecodeError::TotalLengthTooSmall { total_length });
        }
        let Some(payload) = total.checked_sub(MIN_MESSAGE_LEN as u64 + headers) else {
            return Err(DecodeError::HeadersLengthTooLarge {
                headers_length,
                total_length,
            });
        };
        if headers > self.limits.max_headers_len as u64 {
            return Err(DecodeError::LimitExceeded {
                kind: LimitKind::Headers,
                length: headers,
                limit: self.limits.max_headers_len,
            });
        }
        if payload > self.limits.max_payload_len as u64 {
            return Err(DecodeError::LimitExceeded {
                kind: LimitKind::Payload,
                length: payload,
                limit: self.limits.max_payload_len,
            });
        }
        // Both parts are within `usize` limits, so their sum is too.
        usize::try_from(total).map_err(|_| DecodeError::LimitExceeded {
            kind: LimitKind::Payload,
            length: payload,
            limit: self.limits.max_payload_len,
        })
    }
}

enum Step<'a> {
    NeedMore,
    InInput(&'a [u8]),
    InBuffer,
}

fn be_u32(b: &[u8]) -> u32 {
    let mut word = [0u8; 4];
    word.copy_from_slice(&b[..4]);
    u32::from_be_bytes(word)
}

/// The headers length of a frame whose prelude was validated (so it fits in the frame, and in
/// `usize`).
fn headers_len(frame: &[u8]) -> usize {
    usize::try_from(be_u32(&frame[4..8])).unwrap_or(usize::MAX)
}

/// Checks a complete frame whose prelude was validated: the message CRC, then the header
/// block, which is loaded into `headers`.
fn check_frame(frame: &[u8], headers: &mut HeaderTable) -> Result<(), DecodeError> {
    let crc_at = frame.len() - 4;
    let expected = be_u32(&frame[crc_at..]);
    // The message CRC covers the prelude too: continue from the prelude's CRC (checked equal
    // to the one in bytes 8..12) instead of hashing its 8 bytes again.
    let mut hasher = crc32fast::Hasher::new_with_initial(be_u32(&frame[8..12]));
    hasher.update(&frame[8..crc_at]);
    let actual = hasher.finalize();
    if expected != actual {
        return Err(DecodeError::MessageCrc { expected, actual });
    }
    headers.load(&frame[PRELUDE_LEN..PRELUDE_LEN + headers_len(frame)])
}

/// The message of a checked frame whose header block is loaded in `headers`.
fn split_frame<'a>(frame: &'a [u8], headers: &'a HeaderTable) -> MessageRef<'a> {
    let payload = &frame[PRELUDE_LEN + headers_len(frame)..frame.len() - 4];
    MessageRef { headers, payload }
}

#[cfg(test)]
mod tests;
