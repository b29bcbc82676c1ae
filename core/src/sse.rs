//! Server-sent events (`text/event-stream`): an incremental parser, per the WHATWG HTML
//! standard's "event stream interpretation" (§9.2.6), for the Responses API's streams.
//!
//! ```text
//!  stream   = [ BOM ] *event *line-without-blank-line
//!  event    = *( comment / field ) end-of-line
//!  comment  = ":" *any-char end-of-line
//!  field    = name [ ":" [ " " ] value ] end-of-line
//!  end-of-line = CRLF / LF / CR
//! ```
//!
//! The [`Decoder`] is a push parser like [`eventstream::Decoder`](crate::eventstream::Decoder):
//! hand it byte slices of any size as they arrive and take complete [`Event`]s out. It buffers at
//! most one unterminated line and the fields of one undispatched event, and scans each input byte
//! once (never the buffer again). The rules it follows, each tested beside the code:
//!
//! - Lines end at `\r\n`, `\n` or `\r`; a `\r` ending one input slice and a `\n` starting the next
//!   are one line end.
//! - A leading UTF-8 byte-order mark is stripped, once per stream.
//! - A line starting with `:` is a comment and ignored.
//! - `name: value` sets a field; one space after the colon is stripped; a line without a colon is
//!   a field with an empty value; unknown fields are ignored.
//! - `event` sets the event type (`"message"` when unset or empty); `data` lines are joined with
//!   `\n`; `id` sets the last event id, which persists across events (ignored if it contains NUL);
//!   `retry` sets the reconnection time when it is all ASCII digits.
//! - A blank line dispatches the event; an event whose data buffer is empty is not dispatched.
//! - At the end of the stream an incomplete event is discarded; [`Decoder::finish`] says whether
//!   one was, so a caller can call a cut stream truncated.
//! - Bytes that are not UTF-8 are decoded lossily (U+FFFD), as the standard's UTF-8 decode does.
//!
//! ```
//! use bedrock_core::sse::{Decoder, End};
//!
//! let mut decoder = Decoder::new();
//! let mut input: &[u8] = b"event: response.created\ndata: {\"type\":";
//! assert!(decoder.decode(&mut input)?.is_none()); // incomplete is not an error
//! let mut input: &[u8] = b"\"response.created\"}\n\n";
//! let event = decoder.decode(&mut input)?.expect("a blank line dispatches");
//! assert_eq!(event.event, "response.created");
//! assert_eq!(event.data, r#"{"type":"response.created"}"#);
//! assert!(decoder.decode(&mut input)?.is_none()); // call again until None
//! assert_eq!(decoder.finish()?, End::Clean); // the stream ended between events
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! ## Limits
//!
//! The standard sets no limits; these are local safety limits that bound what a peer can make
//! this decoder buffer. Each is checked before bytes are buffered and fails with its own
//! [`DecodeError`]. The defaults are generous because a Responses stream's terminal
//! `response.completed` event carries the whole response (output text, encrypted reasoning) on
//! one `data:` line.
//!
//! | limit | default |
//! |---|---|
//! | [`Limits::max_line_len`]: bytes in one line, its line end excluded | 16 MiB |
//! | [`Limits::max_data_len`]: bytes of one event's data, `\n` joins included | 16 MiB |

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

/// Local memory limits (see the [module docs](self#limits)).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Longest line accepted, in bytes, its line end excluded. Default 16 MiB.
    pub max_line_len: usize,
    /// Longest data accepted for one event, in bytes (after lossy UTF-8 decoding, the `\n`
    /// between `data` lines included). Default 16 MiB.
    pub max_data_len: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_line_len: 16 * 1024 * 1024,
            max_data_len: 16 * 1024 * 1024,
        }
    }
}

/// Why the decoder stopped. Every error is final: the decoder returns it again on every later
/// call.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum DecodeError {
    /// A line is longer than [`Limits::max_line_len`]; the bytes past the limit were not
    /// buffered.
    LineTooLong {
        /// The configured limit.
        limit: usize,
    },
    /// An event's data is longer than [`Limits::max_data_len`].
    DataTooLong {
        /// The configured limit.
        limit: usize,
    },
}

impl DecodeError {
    /// A stable, snake_case name for the error, which conformance vectors match on.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::LineTooLong { .. } => "line_too_long",
            Self::DataTooLong { .. } => "data_too_long",
        }
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::LineTooLong { limit } => write!(
                f,
                "server-sent events line exceeds the local limit of {limit} bytes"
            ),
            Self::DataTooLong { limit } => write!(
                f,
                "server-sent event data exceeds the local limit of {limit} bytes"
            ),
        }
    }
}

impl core::error::Error for DecodeError {}

/// One dispatched event.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Event {
    /// The event type: the last `event` field's value, or `"message"` when there was none or it
    /// was empty.
    pub event: String,
    /// The `data` fields' values joined with `\n`.
    pub data: String,
    /// The last event id when the event was dispatched: the last `id` field of this or an
    /// earlier event (empty when none was ever set, or an `id` field with no value reset it).
    pub id: String,
}

/// How the stream ended, from [`Decoder::finish`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum End {
    /// The stream ended between events: nothing was discarded.
    Clean,
    /// The stream ended inside an event, which was discarded (the standard says an incomplete
    /// event is not dispatched): a caller that expected more calls the stream truncated.
    Truncated {
        /// Bytes of an unterminated last line.
        partial_line: usize,
        /// Whether field lines of an undispatched event had been read.
        partial_event: bool,
    },
}

/// Line buffer capacity kept across lines; a larger buffer (left by an unusually long line) is
/// released once that line is processed.
const RETAINED_CAPACITY: usize = 64 * 1024;

const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Incremental server-sent-events decoder. See the [module docs](self).
#[derive(Clone)]
pub struct Decoder {
    limits: Limits,
    /// The bytes of an unterminated line (those before the first line end in later input).
    line: Vec<u8>,
    /// The last input ended with `\r`: a `\n` starting the next input belongs to that line end.
    after_cr: bool,
    /// No line of this stream has ended yet: a byte-order mark may still lead it.
    first_line: bool,
    /// The standard's data buffer: each `data` value followed by `\n`.
    data: String,
    /// The standard's event type buffer.
    event_type: String,
    /// The standard's last event ID buffer (set by `id`, survives dispatch).
    id_buffer: String,
    /// The last event ID string, set from the buffer at each dispatch.
    last_event_id: String,
    /// The reconnection time, in milliseconds, from the last valid `retry` field.
    retry: Option<u64>,
    /// A field line was read since the last blank line.
    in_event: bool,
    failed: Option<DecodeError>,
}

impl fmt::Debug for Decoder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Decoder")
            .field("buffered_line", &self.line.len())
            .field("buffered_data", &self.data.len())
            .field("in_event", &self.in_event)
            .field("retry", &self.retry)
            .field("failed", &self.failed)
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
            line: Vec::new(),
            after_cr: false,
            first_line: true,
            data: String::new(),
            event_type: String::new(),
            id_buffer: String::new(),
            last_event_id: String::new(),
            retry: None,
            in_event: false,
            failed: None,
        }
    }

    /// Decodes the next event, consuming bytes from the front of `input`.
    ///
    /// Returns `Ok(Some(event))` when a blank line dispatched an event (the rest of `input` is
    /// left for the next call: call again until it returns `Ok(None)`), `Ok(None)` when `input`
    /// is used up without completing one (an unterminated line is buffered). Incomplete input is
    /// never an error.
    ///
    /// # Errors
    ///
    /// A [`DecodeError`] when a line or an event's data exceeds a [`Limits`] value. The decoder
    /// then stays failed and returns the same error on every later call.
    pub fn decode(&mut self, input: &mut &[u8]) -> Result<Option<Event>, DecodeError> {
        if let Some(e) = &self.failed {
            return Err(e.clone());
        }
        match self.step(input) {
            Ok(event) => Ok(event),
            Err(e) => {
                self.line = Vec::new();
                self.data = String::new();
                self.failed = Some(e.clone());
                Err(e)
            }
        }
    }

    fn step(&mut self, input: &mut &[u8]) -> Result<Option<Event>, DecodeError> {
        loop {
            if self.after_cr {
                // "CRLF" is one line end even when the two bytes arrive in different slices.
                let Some((&first, rest)) = input.split_first() else {
                    return Ok(None);
                };
                if first == b'\n' {
                    *input = rest;
                }
                self.after_cr = false;
            }
            let bytes: &[u8] = input;
            let Some(end) = bytes.iter().position(|&b| b == b'\n' || b == b'\r') else {
                // No line end: buffer the partial line, if it fits.
                self.check_line_len(bytes.len())?;
                self.line.extend_from_slice(bytes);
                *input = &[];
                return Ok(None);
            };
            self.check_line_len(end)?;
            let (content, rest) = bytes.split_at(end);
            // `rest` starts with the line end.
            *input = match rest {
                [b'\r', b'\n', rest @ ..] => rest,
                [b'\r'] => {
                    self.after_cr = true;
                    &[]
                }
                [_, rest @ ..] => rest,
                [] => &[],
            };
            let event = if self.line.is_empty() {
                self.handle_line(content)?
            } else {
                // The line began in earlier input: finish it in the buffer.
                let mut line = core::mem::take(&mut self.line);
                line.extend_from_slice(content);
                let event = self.handle_line(&line);
                line.clear();
                if line.capacity() > RETAINED_CAPACITY {
                    line.shrink_to(RETAINED_CAPACITY);
                }
                self.line = line;
                event?
            };
            if event.is_some() {
                return Ok(event);
            }
        }
    }

    /// Fails when `more` bytes added to the buffered partial line would exceed the limit.
    fn check_line_len(&self, more: usize) -> Result<(), DecodeError> {
        let limit = self.limits.max_line_len;
        if self.line.len().saturating_add(more) > limit {
            return Err(DecodeError::LineTooLong { limit });
        }
        Ok(())
    }

    /// Interprets one complete line (its line end removed).
    fn handle_line(&mut self, mut line: &[u8]) -> Result<Option<Event>, DecodeError> {
        if self.first_line {
            // The UTF-8 decode strips one leading byte-order mark from the stream.
            self.first_line = false;
            line = line.strip_prefix(BOM).unwrap_or(line);
        }
        // "If the line is empty (a blank line): Dispatch the event."
        if line.is_empty() {
            return Ok(self.dispatch());
        }
        // "If the line starts with a U+003A COLON character (:): Ignore the line."
        if line[0] == b':' {
            return Ok(None);
        }
        self.in_event = true;
        // "If the line contains a U+003A COLON character (:)": the field name is what precedes
        // the first colon, the value what follows it, less one leading U+0020 SPACE. "Otherwise,
        // the string is not empty but does not contain a U+003A COLON character": the whole line
        // is the field name and the value is empty.
        let (name, value) = match line.iter().position(|&b| b == b':') {
            Some(colon) => {
                let value = &line[colon + 1..];
                (&line[..colon], value.strip_prefix(b" ").unwrap_or(value))
            }
            None => (line, &[][..]),
        };
        match name {
            b"event" => {
                self.event_type.clear();
                self.event_type.push_str(&String::from_utf8_lossy(value));
            }
            b"data" => {
                // "Append the field value to the data buffer, then append a single U+000A LINE
                // FEED (LF) character to the data buffer."
                let value = String::from_utf8_lossy(value);
                let limit = self.limits.max_data_len;
                // The data buffer's last `\n` is removed at dispatch: the dispatched data is the
                // buffer plus this value.
                if self.data.len().saturating_add(value.len()) > limit {
                    return Err(DecodeError::DataTooLong { limit });
                }
                self.data.push_str(&value);
                self.data.push('\n');
            }
            // "If the field value does not contain U+0000 NULL, then set the last event ID
            // buffer to the field value. Otherwise, ignore the field."
            b"id" if !value.contains(&0) => {
                self.id_buffer.clear();
                self.id_buffer.push_str(&String::from_utf8_lossy(value));
            }
            // "If the field value consists of only ASCII digits, then interpret the field value
            // as an integer in base ten, and set the event stream's reconnection time to that
            // integer. Otherwise, ignore the field." A value too large for u64 saturates.
            b"retry" if !value.is_empty() && value.iter().all(u8::is_ascii_digit) => {
                let ms = value.iter().fold(0u64, |n, &d| {
                    n.saturating_mul(10).saturating_add(u64::from(d - b'0'))
                });
                self.retry = Some(ms);
            }
            // "Otherwise: The field is ignored." (So are `id` with NUL and `retry` with a
            // non-digit.)
            _ => {}
        }
        Ok(None)
    }

    /// The standard's "dispatch the event".
    fn dispatch(&mut self) -> Option<Event> {
        self.in_event = false;
        // "Set the last event ID string of the event source to the value of the last event ID
        // buffer."
        if self.last_event_id != self.id_buffer {
            self.last_event_id.clone_from(&self.id_buffer);
        }
        // "If the data buffer is an empty string, set the data buffer and the event type buffer
        // to the empty string and return."
        if self.data.is_empty() {
            self.event_type.clear();
            return None;
        }
        // "If the data buffer's last character is a U+000A LINE FEED (LF) character, then remove
        // the last character from the data buffer."
        let mut data = core::mem::take(&mut self.data);
        if data.ends_with('\n') {
            data.pop();
        }
        let event = if self.event_type.is_empty() {
            String::from("message")
        } else {
            core::mem::take(&mut self.event_type)
        };
        Some(Event {
            event,
            data,
            id: self.last_event_id.clone(),
        })
    }

    /// Signals the end of the stream: discards an incomplete event and says whether there was
    /// one. The last event id and the reconnection time are kept; the decoder is then ready for
    /// a new stream (a reconnection), byte-order mark included.
    ///
    /// # Errors
    ///
    /// The error the decoder already failed with.
    pub fn finish(&mut self) -> Result<End, DecodeError> {
        if let Some(e) = &self.failed {
            return Err(e.clone());
        }
        // A stream of nothing but a byte-order mark is an empty stream.
        let partial_line = match self.line.strip_prefix(BOM) {
            Some(rest) if self.first_line => rest.len(),
            _ => self.line.len(),
        };
        let end = if partial_line == 0 && !self.in_event {
            End::Clean
        } else {
            End::Truncated {
                partial_line,
                partial_event: self.in_event,
            }
        };
        // "Once the end of the file is reached, any pending data must be discarded."
        self.line = Vec::new();
        self.data = String::new();
        self.event_type.clear();
        self.after_cr = false;
        self.first_line = true;
        self.in_event = false;
        Ok(end)
    }

    /// The last event id: the id buffer's value at the last dispatch (what a reconnection sends
    /// as `Last-Event-ID`), empty when none.
    pub fn last_event_id(&self) -> &str {
        &self.last_event_id
    }

    /// The reconnection time in milliseconds from the last valid `retry` field, if any.
    pub fn retry(&self) -> Option<u64> {
        self.retry
    }

    /// Whether part of an event is buffered (an end of input now would discard it).
    pub fn is_mid_event(&self) -> bool {
        !self.line.is_empty() || self.in_event
    }

    /// Whether the decoder has failed.
    pub fn is_failed(&self) -> bool {
        self.failed.is_some()
    }

    /// Bytes currently buffered: an unterminated line and an undispatched event's data.
    pub fn buffered(&self) -> usize {
        self.line.len() + self.data.len()
    }

    /// The limits in force.
    pub fn limits(&self) -> Limits {
        self.limits
    }
}

#[cfg(test)]
mod tests;
