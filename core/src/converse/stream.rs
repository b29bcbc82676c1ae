//! ConverseStream events: one event-stream message in, one typed event (or exception) out.
//!
//! `:message-type` says what a message is: `event` (its `:event-type` names the event),
//! `exception` (its `:exception-type` names a modelled error; the payload is `{"message": ...}`)
//! or `error` (an unmodelled error in `:error-code` / `:error-message`). Names are matched
//! case-insensitively and PascalCase shape names are accepted too (`ThrottlingException` as well
//! as `throttlingException`), as the Go SDK does. Unknown event types are skipped and unknown
//! JSON members ignored: a newer service must not break an older client.

use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::fmt;

use base64::prelude::{BASE64_STANDARD, Engine as _};
use serde::Deserialize;
use serde_json::Value;

use super::response::{Metrics, StopReason, TokenUsage};
use crate::eventstream::MessageRef;

/// A ConverseStream event.
#[derive(Clone, Debug, PartialEq)]
pub enum StreamEvent {
    /// `messageStart`.
    MessageStart {
        /// `assistant`.
        role: String,
    },
    /// `contentBlockStart`: a block that carries a header (tool calls, tool results, images).
    ContentBlockStart {
        /// The block's index in the message.
        index: u32,
        /// What starts.
        start: BlockStart,
    },
    /// `contentBlockDelta`.
    ContentBlockDelta {
        /// The block's index in the message.
        index: u32,
        /// The increment.
        delta: BlockDelta,
    },
    /// `contentBlockStop`.
    ContentBlockStop {
        /// The block's index.
        index: u32,
    },
    /// `messageStop`.
    MessageStop {
        /// Why the model stopped.
        stop_reason: StopReason,
        /// Model-specific response fields, verbatim.
        additional_model_response_fields: Option<Value>,
    },
    /// `metadata`: usage and metrics, sent after `messageStop`.
    Metadata(StreamMetadata),
}

/// The header of a block that has one.
#[derive(Clone, Debug, PartialEq)]
pub enum BlockStart {
    /// A tool call begins; its input follows as JSON text fragments.
    ToolUse {
        /// The call's id.
        tool_use_id: String,
        /// The tool's name.
        name: String,
        /// `server_tool_use` for server-side tools.
        kind: Option<String>,
    },
    /// A server-side tool result begins.
    ToolResult {
        /// The id of the call it answers.
        tool_use_id: String,
        /// Its type, when given.
        kind: Option<String>,
        /// `success` or `error`, when given.
        status: Option<String>,
    },
    /// An image begins.
    Image {
        /// `png`, `jpeg`, ...
        format: String,
    },
    /// A start this version does not know: the union member name.
    Unknown(String),
}

/// A block increment.
#[derive(Clone, Debug, PartialEq)]
pub enum BlockDelta {
    /// Generated text.
    Text(String),
    /// A fragment of a tool call's JSON input, to concatenate.
    ToolUseInput(String),
    /// Tool-result content items (`{"text"}` / `{"json"}`), verbatim.
    ToolResult(Vec<Value>),
    /// Reasoning text.
    ReasoningText(String),
    /// The reasoning signature.
    ReasoningSignature(String),
    /// Redacted reasoning bytes (base64-decoded).
    ReasoningRedacted(Vec<u8>),
    /// A citation, verbatim.
    Citation(Value),
    /// An image increment, verbatim.
    Image(Value),
    /// A delta this version does not know: the union member name.
    Unknown(String),
}

/// The `metadata` event.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct StreamMetadata {
    /// Token counts.
    pub usage: TokenUsage,
    /// Latency.
    pub metrics: Metrics,
    /// Trace, verbatim.
    pub trace: Option<Value>,
    /// Performance configuration used, verbatim.
    pub performance_config: Option<Value>,
    /// Service tier used, verbatim.
    pub service_tier: Option<Value>,
}

/// A modelled exception the service sent inside the stream.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ExceptionKind {
    /// `internalServerException` (HTTP 500).
    InternalServer,
    /// `modelStreamErrorException` (HTTP 424): the model failed mid-stream.
    ModelStreamError,
    /// `validationException` (HTTP 400).
    Validation,
    /// `throttlingException` (HTTP 429).
    Throttling,
    /// `serviceUnavailableException` (HTTP 503).
    ServiceUnavailable,
    /// Any other `:exception-type`, or an unmodelled `:error-code`: the name as sent.
    Other(String),
}

impl ExceptionKind {
    /// The modelled HTTP status of this exception, if known.
    pub fn http_status(&self) -> Option<u16> {
        match self {
            Self::InternalServer => Some(500),
            Self::ModelStreamError => Some(424),
            Self::Validation => Some(400),
            Self::Throttling => Some(429),
            Self::ServiceUnavailable => Some(503),
            Self::Other(_) => None,
        }
    }

    /// The AWS error type name, e.g. `ThrottlingException`.
    pub fn error_type(&self) -> &str {
        match self {
            Self::InternalServer => "InternalServerException",
            Self::ModelStreamError => "ModelStreamErrorException",
            Self::Validation => "ValidationException",
            Self::Throttling => "ThrottlingException",
            Self::ServiceUnavailable => "ServiceUnavailableException",
            Self::Other(name) => name,
        }
    }

    fn from_name(name: &str) -> Self {
        let is = |expected: &str| name.eq_ignore_ascii_case(expected);
        if is("internalServerException") {
            Self::InternalServer
        } else if is("modelStreamErrorException") {
            Self::ModelStreamError
        } else if is("validationException") {
            Self::Validation
        } else if is("throttlingException") {
            Self::Throttling
        } else if is("serviceUnavailableException") {
            Self::ServiceUnavailable
        } else {
            Self::Other(name.into())
        }
    }
}

/// An error the service reported inside the stream.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StreamException {
    /// Which error.
    pub kind: ExceptionKind,
    /// The service's message.
    pub message: String,
    /// `modelStreamErrorException`: the status the model returned.
    pub original_status_code: Option<u16>,
    /// `modelStreamErrorException`: the model's own message.
    pub original_message: Option<String>,
}

impl fmt::Display for StreamException {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} in the stream: {}",
            self.kind.error_type(),
            self.message
        )?;
        if let Some(code) = self.original_status_code {
            write!(f, " (model returned {code}")?;
            if let Some(original) = &self.original_message {
                write!(f, ": {original}")?;
            }
            f.write_str(")")?;
        }
        Ok(())
    }
}

impl core::error::Error for StreamException {}

/// Why a message could not be read as a ConverseStream event.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum EventError {
    /// The service sent an exception or error frame.
    Exception(StreamException),
    /// A message without a `:message-type` header, or with one of an unknown kind.
    MissingMessageType,
    /// An event message without `:event-type`.
    MissingEventType,
    /// A known event whose payload is not the JSON it must be.
    Malformed {
        /// The event type.
        event_type: String,
        /// What is wrong.
        reason: String,
    },
}

impl fmt::Display for EventError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Exception(e) => e.fmt(f),
            Self::MissingMessageType => f.write_str("stream message has no known :message-type"),
            Self::MissingEventType => f.write_str("stream event has no :event-type"),
            Self::Malformed { event_type, reason } => {
                write!(f, "malformed {event_type} event: {reason}")
            }
        }
    }
}

impl core::error::Error for EventError {}

/// Reads one event-stream message as a ConverseStream event.
///
/// Returns `Ok(None)` for an event type this version does not know (skip it).
///
/// # Errors
///
/// [`EventError::Exception`] for exception and error frames; the other variants for messages
/// that are not ConverseStream events.
pub fn parse_event(message: &MessageRef<'_>) -> Result<Option<StreamEvent>, EventError> {
    // Nearly every event is a text delta in Bedrock's own layout: read first, exactly as the
    // general path would read it.
    if let Some((index, text)) = text_delta_message(message) {
        return Ok(Some(StreamEvent::ContentBlockDelta {
            index,
            delta: BlockDelta::Text(text),
        }));
    }
    parse_any_event(message)
}

/// The index and text of a message that is a text delta in Bedrock's own layout (see
/// [`bedrock_text_delta`]), which [`parse_event`] reads as
/// `ContentBlockDelta { index, delta: BlockDelta::Text(text) }`; `None` for any other message.
/// For a caller that only needs the parts: no event to build and move.
#[inline]
pub(crate) fn text_delta_message(message: &MessageRef<'_>) -> Option<(u32, String)> {
    if message.message_type() == Some("event") && message.event_type() == Some("contentBlockDelta")
    {
        bedrock_text_delta(message.payload())
    } else {
        None
    }
}

/// [`parse_event`] for any message.
fn parse_any_event(message: &MessageRef<'_>) -> Result<Option<StreamEvent>, EventError> {
    let message_type = message
        .message_type()
        .ok_or(EventError::MissingMessageType)?;
    // The exact spelling first: it is what Bedrock sends, and far cheaper than ignoring case.
    let is =
        |expected: &str| message_type == expected || message_type.eq_ignore_ascii_case(expected);
    if is("event") {
        let event_type = message.event_type().ok_or(EventError::MissingEventType)?;
        return parse_payload(event_type, message.payload());
    }
    if is("exception") {
        let name = message
            .header_str(":exception-type")
            .unwrap_or("UnknownException");
        return Err(EventError::Exception(exception(name, message.payload())));
    }
    if is("error") {
        let code = message.header_str(":error-code").unwrap_or("UnknownError");
        return Err(EventError::Exception(StreamException {
            kind: ExceptionKind::from_name(code),
            message: message
                .header_str(":error-message")
                .unwrap_or_default()
                .into(),
            original_status_code: None,
            original_message: None,
        }));
    }
    Err(EventError::MissingMessageType)
}

fn exception(name: &str, payload: &[u8]) -> StreamException {
    #[derive(Deserialize, Default)]
    #[serde(rename_all = "camelCase")]
    struct Body {
        #[serde(alias = "Message")]
        message: Option<String>,
        original_status_code: Option<u16>,
        original_message: Option<String>,
    }
    // A payload that is not JSON still makes a (less detailed) exception.
    let body: Body = serde_json::from_slice(payload).unwrap_or_default();
    StreamException {
        kind: ExceptionKind::from_name(name),
        message: body.message.unwrap_or_default(),
        original_status_code: body.original_status_code,
        original_message: body.original_message,
    }
}

/// The event types, matched case-insensitively (the exact spelling tried first: it is what
/// Bedrock sends, and far cheaper).
fn event_kind(name: &str) -> Option<&'static str> {
    // Most frequent first: nearly every event is a delta.
    const KINDS: [&str; 6] = [
        "contentBlockDelta",
        "messageStart",
        "contentBlockStart",
        "contentBlockStop",
        "messageStop",
        "metadata",
    ];
    KINDS.into_iter().find(|known| *known == name).or_else(|| {
        KINDS
            .into_iter()
            .find(|known| known.eq_ignore_ascii_case(name))
    })
}

fn parse_payload(event_type: &str, payload: &[u8]) -> Result<Option<StreamEvent>, EventError> {
    let Some(kind) = event_kind(event_type) else {
        return Ok(None);
    };
    if kind == "contentBlockDelta" {
        if let Some((index, text)) = bedrock_text_delta(payload) {
            return Ok(Some(StreamEvent::ContentBlockDelta {
                index,
                delta: BlockDelta::Text(text),
            }));
        }
        if let Some(event) = text_delta(payload) {
            return Ok(Some(event));
        }
    }
    parse_json_payload(kind, payload).map(Some)
}

/// Any event payload, through a `serde_json::Value` tree.
fn parse_json_payload(kind: &'static str, payload: &[u8]) -> Result<StreamEvent, EventError> {
    let malformed = |reason: String| EventError::Malformed {
        event_type: kind.into(),
        reason,
    };
    let json: Value = serde_json::from_slice(payload).map_err(|e| malformed(e.to_string()))?;
    let Value::Object(mut body) = json else {
        return Err(malformed("payload is not a JSON object".into()));
    };
    let index = |body: &serde_json::Map<String, Value>| -> Result<u32, EventError> {
        body.get("contentBlockIndex")
            .and_then(Value::as_u64)
            .and_then(|i| u32::try_from(i).ok())
            .ok_or_else(|| {
                malformed("contentBlockIndex is missing or not a non-negative integer".into())
            })
    };
    let text = |v: &Value, what: &str| -> Result<String, EventError> {
        v.as_str()
            .map(ToString::to_string)
            .ok_or_else(|| malformed(alloc::format!("{what} is not a string")))
    };
    let event = match kind {
        "messageStart" => StreamEvent::MessageStart {
            role: body
                .get("role")
                .and_then(Value::as_str)
                .unwrap_or("assistant")
                .into(),
        },
        "contentBlockStart" => {
            let index = index(&body)?;
            let start = body
                .remove("start")
                .ok_or_else(|| malformed("start is missing".into()))?;
            let (member, inner) = single_member(start)
                .ok_or_else(|| malformed("start is not a one-member union".into()))?;
            let field = |name: &str| {
                inner
                    .get(name)
                    .and_then(Value::as_str)
                    .map(ToString::to_string)
            };
            let start = match member.as_str() {
                "toolUse" => BlockStart::ToolUse {
                    tool_use_id: field("toolUseId")
                        .ok_or_else(|| malformed("toolUse.toolUseId is missing".into()))?,
                    name: field("name")
                        .ok_or_else(|| malformed("toolUse.name is missing".into()))?,
                    kind: field("type"),
                },
                "toolResult" => BlockStart::ToolResult {
                    tool_use_id: field("toolUseId")
                        .ok_or_else(|| malformed("toolResult.toolUseId is missing".into()))?,
                    kind: field("type"),
                    status: field("status"),
                },
                "image" => BlockStart::Image {
                    format: field("format").unwrap_or_default(),
                },
                _ => BlockStart::Unknown(member),
            };
            StreamEvent::ContentBlockStart { index, start }
        }
        "contentBlockDelta" => {
            let index = index(&body)?;
            let delta = body
                .remove("delta")
                .ok_or_else(|| malformed("delta is missing".into()))?;
            let (member, inner) = single_member(delta)
                .ok_or_else(|| malformed("delta is not a one-member union".into()))?;
            let delta = match member.as_str() {
                "text" => BlockDelta::Text(text(&inner, "delta.text")?),
                "toolUse" => BlockDelta::ToolUseInput(text(
                    inner.get("input").unwrap_or(&Value::Null),
                    "delta.toolUse.input",
                )?),
                "toolResult" => match inner {
                    Value::Array(items) => BlockDelta::ToolResult(items),
                    _ => return Err(malformed("delta.toolResult is not a list".into())),
                },
                "reasoningContent" => {
                    let (part, value) = single_member(inner).ok_or_else(|| {
                        malformed("delta.reasoningContent is not a one-member union".into())
                    })?;
                    match part.as_str() {
                        "text" => BlockDelta::ReasoningText(text(&value, "reasoningContent.text")?),
                        "signature" => BlockDelta::ReasoningSignature(text(
                            &value,
                            "reasoningContent.signature",
                        )?),
                        "redactedContent" => {
                            let b64 = text(&value, "reasoningContent.redactedContent")?;
                            let bytes = BASE64_STANDARD.decode(b64).map_err(|_| {
                                malformed("reasoningContent.redactedContent is not base64".into())
                            })?;
                            BlockDelta::ReasoningRedacted(bytes)
                        }
                        _ => BlockDelta::Unknown(alloc::format!("reasoningContent.{part}")),
                    }
                }
                "citation" => BlockDelta::Citation(inner),
                "image" => BlockDelta::Image(inner),
                _ => BlockDelta::Unknown(member),
            };
            StreamEvent::ContentBlockDelta { index, delta }
        }
        "contentBlockStop" => StreamEvent::ContentBlockStop {
            index: index(&body)?,
        },
        "messageStop" => StreamEvent::MessageStop {
            stop_reason: StopReason::from_wire(
                body.get("stopReason")
                    .and_then(Value::as_str)
                    .ok_or_else(|| malformed("stopReason is missing".into()))?,
            ),
            additional_model_response_fields: body.remove("additionalModelResponseFields"),
        },
        _ => {
            let usage = body
                .remove("usage")
                .ok_or_else(|| malformed("usage is missing".into()))?;
            StreamEvent::Metadata(StreamMetadata {
                usage: serde_json::from_value(usage)
                    .map_err(|e| malformed(alloc::format!("usage: {e}")))?,
                metrics: body
                    .remove("metrics")
                    .map(serde_json::from_value)
                    .transpose()
                    .map_err(|e| malformed(alloc::format!("metrics: {e}")))?
                    .unwrap_or_default(),
                trace: body.remove("trace"),
                performance_config: body.remove("performanceConfig"),
                service_tier: body.remove("serviceTier"),
            })
        }
    };
    Ok(event)
}

/// The text delta exactly as Bedrock lays it out, read with fixed-prefix compares:
/// `{"contentBlockIndex":N,"delta":{"text":"T"}}`, or with Bedrock's padding member,
/// `{"contentBlockIndex":N,"delta":{"text":"T"},"p":"P"}`; no whitespace, `N` written as JSON
/// writes a `u32`, `T` and `P` without escapes or control characters, `P` ASCII. Nearly every
/// event of a stream is one of these, and [`text_delta`] spends most of its time finding the
/// member names this layout fixes. Only the text is checked for UTF-8: every other byte of such
/// a payload is ASCII. The index and the text; `None` for any other payload, which
/// [`text_delta`] and then the general path read, errors and all: this only ever answers what
/// they would.
#[inline]
fn bedrock_text_delta(payload: &[u8]) -> Option<(u32, String)> {
    let rest = payload.strip_prefix(br#"{"contentBlockIndex":"#)?;
    let digits = rest.iter().position(|b| !b.is_ascii_digit())?;
    let (digits, rest) = rest.split_at(digits);
    // No leading zero: `01` is not JSON.
    let index = match digits {
        [b'0'] => 0,
        [b'1'..=b'9', ..] => digits.iter().try_fold(0u32, |value, &d| {
            value.checked_mul(10)?.checked_add(u32::from(d - b'0'))
        })?,
        _ => return None,
    };
    let rest = rest.strip_prefix(br#","delta":{"text":""#)?;
    // The text ends at the first quote; a backslash or a control character before it stops
    // the scan there too, and then `"}` does not follow.
    let (text, rest) = rest.split_at(plain_len(rest));
    let rest = rest.strip_prefix(br#""}"#)?;
    if rest != b"}" {
        let padding = rest.strip_prefix(br#","p":""#)?.strip_suffix(br#""}"#)?;
        if !is_plain_ascii(padding) {
            return None;
        }
    }
    let text = core::str::from_utf8(text).ok()?;
    Some((index, String::from(text)))
}

/// The common case, a text delta, read straight into its event: most of a stream's events are
/// these, and going through a `serde_json::Value` tree costs a map and an allocation per member.
/// Read by hand, in one pass over the payload: `{"contentBlockIndex":N,"delta":{"text":"..."}}`
/// in any member order, with any whitespace, and any string-valued members besides (Bedrock's
/// `"p"` padding); a text with escapes goes to `serde_json` for just that string. `None` for
/// anything else (other deltas, a member of another type, a duplicate, a member name with
/// escapes, a malformed payload), which the general path then reads, errors and all.
fn text_delta(payload: &[u8]) -> Option<StreamEvent> {
    // Validated once, so every string sliced between two ASCII quotes is valid UTF-8.
    let payload = core::str::from_utf8(payload).ok()?;
    let mut json = Scan {
        text: payload,
        at: 0,
    };
    let (mut index, mut text) = (None, None);
    json.expect(b'{')?;
    loop {
        let (key, escaped) = json.string()?;
        json.expect(b':')?;
        match (key, escaped) {
            ("contentBlockIndex", false) if index.is_none() => index = Some(json.index()?),
            ("delta", false) if text.is_none() => {
                json.expect(b'{')?;
                if json.string()? != ("text", false) {
                    return None;
                }
                json.expect(b':')?;
                text = Some(match json.string()? {
                    (text, false) => String::from(text),
                    // The quotes around it included: a JSON string of its own.
                    (text, true) => {
                        serde_json::from_str(&payload[json.at - text.len() - 2..json.at]).ok()?
                    }
                });
                json.expect(b'}')?;
            }
            ("contentBlockIndex" | "delta", false) => return None,
            // A name with escapes may decode to one of the two above (a duplicate, which the
            // general path resolves its own way).
            (_, true) => return None,
            _ => {
                // An escape may be invalid (`\x`, a lone surrogate): read with the quotes
                // around it, as the general path reads it.
                if let (value, true) = json.string()? {
                    let quoted = &payload[json.at - value.len() - 2..json.at];
                    serde_json::from_str::<String>(quoted).ok()?;
                }
            }
        }
        match json.next()? {
            b',' => {}
            b'}' => break,
            _ => return None,
        }
    }
    if json.next().is_some() {
        return None;
    }
    Some(StreamEvent::ContentBlockDelta {
        index: index?,
        delta: BlockDelta::Text(text?),
    })
}

/// A cursor over a JSON text, for [`text_delta`].
struct Scan<'a> {
    text: &'a str,
    at: usize,
}

impl<'a> Scan<'a> {
    /// The next byte that is not JSON whitespace, consumed.
    fn next(&mut self) -> Option<u8> {
        while let Some(&b) = self.text.as_bytes().get(self.at) {
            self.at += 1;
            if !matches!(b, b' ' | b'\t' | b'\n' | b'\r') {
                return Some(b);
            }
        }
        None
    }

    fn expect(&mut self, byte: u8) -> Option<()> {
        (self.next()? == byte).then_some(())
    }

    /// A string: its raw contents between the quotes, and whether they hold escapes.
    fn string(&mut self) -> Option<(&'a str, bool)> {
        self.expect(b'"')?;
        let start = self.at;
        let mut escaped = false;
        loop {
            self.at += plain_len(self.text.as_bytes().get(self.at..)?);
            match self.text.as_bytes().get(self.at)? {
                b'"' => break,
                b'\\' => {
                    escaped = true;
                    self.at += 2;
                }
                // A control character must be escaped: not JSON.
                _ => return None,
            }
        }
        // Between two ASCII quotes: on character boundaries.
        let raw = self.text.get(start..self.at)?;
        self.at += 1;
        Some((raw, escaped))
    }

    /// A `u32` written as JSON writes an integer: no sign, no leading zero, no fraction or
    /// exponent.
    fn index(&mut self) -> Option<u32> {
        let first = self.next()?;
        let mut value = u32::from(first.checked_sub(b'0').filter(|d| *d <= 9)?);
        while let Some(&b) = self.text.as_bytes().get(self.at) {
            match b {
                b'0'..=b'9' if first != b'0' => {
                    value = value.checked_mul(10)?.checked_add(u32::from(b - b'0'))?;
                }
                b'0'..=b'9' | b'.' | b'e' | b'E' => return None,
                _ => break,
            }
            self.at += 1;
        }
        Some(value)
    }
}

/// How many bytes of `bytes` come before the first `"`, `\` or control character (all of them
/// when there is none): eight at a time (see [`special_bytes`]), the last few as the last eight
/// (or, in a shorter slice, in a word filled up with plain bytes).
#[inline]
fn plain_len(bytes: &[u8]) -> usize {
    let mut rest = bytes;
    while let Some((word, after)) = rest.split_first_chunk::<8>() {
        let special = special_bytes(u64::from_le_bytes(*word));
        if special != 0 {
            return bytes.len() - rest.len() + first_flagged(special);
        }
        rest = after;
    }
    if rest.is_empty() {
        return bytes.len();
    }
    // The bytes before `rest` are plain: the first special byte of the last word is in `rest`.
    let (start, word) = last_word(bytes);
    match special_bytes(word) {
        0 => bytes.len(),
        special => (start + first_flagged(special)).min(bytes.len()),
    }
}

/// Whether `bytes` is ASCII with no `"`, `\` or control character: the contents of a JSON
/// string that holds no escapes, and valid UTF-8 without a check of its own.
#[inline]
fn is_plain_ascii(bytes: &[u8]) -> bool {
    const HIGH: u64 = u64::from_le_bytes([0x80; 8]);
    let plain = |word: u64| (special_bytes(word) | (word & HIGH)) == 0;
    let mut rest = bytes;
    while let Some((word, after)) = rest.split_first_chunk::<8>() {
        if !plain(u64::from_le_bytes(*word)) {
            return false;
        }
        rest = after;
    }
    rest.is_empty() || plain(last_word(bytes).1)
}

/// The index of the byte the lowest flag of a [`special_bytes`] mask stands for.
#[inline]
fn first_flagged(special: u64) -> usize {
    special.trailing_zeros() as usize / 8
}

/// The last eight bytes of `bytes` as a little-endian word, and where they start; a shorter
/// slice is filled up with plain bytes (`a`).
#[inline]
fn last_word(bytes: &[u8]) -> (usize, u64) {
    if let Some(word) = bytes.last_chunk::<8>() {
        return (bytes.len() - 8, u64::from_le_bytes(*word));
    }
    let mut word = u64::from_le_bytes([b'a'; 8]);
    for (i, &b) in bytes.iter().enumerate() {
        let shift = 8 * i;
        word = (word & !(0xff << shift)) | (u64::from(b) << shift);
    }
    (0, word)
}

/// The high bit of each byte of `x` that may be a `"`, `\` or control character: zero exactly
/// when there is none (the has-a-zero-byte and has-a-byte-below-n tricks; a borrow may also
/// flag bytes above a true one, never below).
#[inline]
fn special_bytes(x: u64) -> u64 {
    const ONES: u64 = u64::from_le_bytes([1; 8]);
    const HIGH: u64 = u64::from_le_bytes([0x80; 8]);
    let quote = x ^ (ONES * u64::from(b'"'));
    let backslash = x ^ (ONES * u64::from(b'\\'));
    ((quote.wrapping_sub(ONES) & !quote)
        | (backslash.wrapping_sub(ONES) & !backslash)
        | (x.wrapping_sub(ONES * 0x20) & !x))
        & HIGH
}

/// The member name and value of a one-member JSON object.
fn single_member(value: Value) -> Option<(String, Value)> {
    let Value::Object(map) = value else {
        return None;
    };
    let mut members = map.into_iter();
    match (members.next(), members.next()) {
        (Some(member), None) => Some(member),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn plain_len_stops_at_the_first_quote_backslash_or_control_character() {
        // Around the specials: bytes next to them in value (a borrow in the word tricks would
        // flag them wrongly), UTF-8 lead and continuation bytes, DEL.
        let fillers = [b'a', b' ', b'!', b'#', b'[', b']', 0x7f, 0x80, 0xc3, 0xff];
        for len in 0..40 {
            for filler in fillers {
                let mut bytes = alloc::vec![filler; len];
                assert_eq!(plain_len(&bytes), len);
                assert_eq!(is_plain_ascii(&bytes), len == 0 || filler.is_ascii());
                for at in 0..len {
                    for special in [b'"', b'\\', 0x00, 0x1f] {
                        bytes[at] = special;
                        assert_eq!(plain_len(&bytes), at, "{bytes:?}");
                        assert!(!is_plain_ascii(&bytes), "{bytes:?}");
                        // A second special further on changes nothing.
                        for later in at + 1..len {
                            bytes[later] = special;
                            assert_eq!(plain_len(&bytes), at, "{bytes:?}");
                            bytes[later] = filler;
                        }
                        bytes[at] = filler;
                    }
                    if filler.is_ascii() {
                        bytes[at] = 0x80;
                        assert!(!is_plain_ascii(&bytes), "{bytes:?}");
                        bytes[at] = filler;
                    }
                }
            }
        }
    }

    /// What [`parse_payload`] answers for a `contentBlockDelta` payload must be what the
    /// general path answers, results and errors alike.
    fn assert_agrees(payload: &[u8]) {
        assert_eq!(
            parse_payload("contentBlockDelta", payload),
            parse_json_payload("contentBlockDelta", payload).map(Some),
            "{:?}",
            String::from_utf8_lossy(payload)
        );
    }

    #[test]
    fn the_bedrock_layout_fast_path_agrees_with_the_general_one() {
        let indexes: [&[u8]; 14] = [
            b"0",
            b"7",
            b"12",
            b"4294967295",
            b"4294967296",
            b"99999999999999999999",
            b"01",
            b"00",
            b"-1",
            b"1.0",
            b"1e2",
            b" 3",
            b"",
            b"\"1\"",
        ];
        let texts: [&[u8]; 14] = [
            b"Part 12 of a long ",
            b"",
            "caf\u{e9} \u{1f980} \u{4e2d}".as_bytes(),
            br"caf\u00e9",
            br#"a\"b"#,
            br"a\\",
            b"a\tb",
            b"a\x7fb",
            b"a\xffb",
            b"\xe2\x82",
            b"abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ",
            b"abcdefg\"",
            b"\"",
            b"\\",
        ];
        let tails: [&[u8]; 22] = [
            b"}",
            br#","p":"abcdefghijklmnopqrstu"}"#,
            br#","p":"a"}"#,
            br#","p":""}"#,
            br#","p":"abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXY"}"#,
            br#","p":"ab\"c"}"#,
            br#","p":"ab\u0041"}"#,
            b",\"p\":\"abc\xffdefgh\"}",
            b",\"p\":\"abcdefgh\xc3\"}",
            ",\"p\":\"\u{e9}\"}".as_bytes(),
            b",\"p\":\"a\tb\"}",
            b",\"p\":\"a\x7fb\"}",
            br#","p":1}"#,
            br#","p":"a"} "#,
            br#","p":"a"}}"#,
            br#","p":"a","q":"b"}"#,
            br#","p":"a","p":"b"}"#,
            br#","p":"a""#,
            br#","delta":{"text":"x"}}"#,
            br#","contentBlockIndex":1}"#,
            b"} ",
            b"",
        ];
        let mut fast = 0;
        for index in indexes {
            for text in texts {
                for tail in tails {
                    let payload = [
                        br#"{"contentBlockIndex":"#,
                        index,
                        br#","delta":{"text":""#,
                        text,
                        br#""}"#,
                        tail,
                    ]
                    .concat();
                    assert_agrees(&payload);
                    fast += usize::from(bedrock_text_delta(&payload).is_some());
                    // The same members in another order, or spaced out: never the fast path.
                    let reordered = [
                        br#"{"delta":{"text":""#,
                        text,
                        br#""},"contentBlockIndex":"#,
                        index,
                        tail,
                    ]
                    .concat();
                    assert_agrees(&reordered);
                    assert_eq!(bedrock_text_delta(&reordered), None);
                    let spaced = [
                        br#"{ "contentBlockIndex": "#,
                        index,
                        br#", "delta": {"text": ""#,
                        text,
                        br#""}"#,
                        tail,
                    ]
                    .concat();
                    assert_agrees(&spaced);
                    assert_eq!(bedrock_text_delta(&spaced), None);
                }
            }
        }
        // 4 clean indexes, 5 texts without escapes, control characters or bad UTF-8 (DEL is
        // allowed), 6 clean tails.
        assert_eq!(fast, 4 * 5 * 6);
    }

    #[test]
    fn parse_event_reads_text_deltas_as_the_general_path_does_whatever_the_headers() {
        use crate::eventstream::{Decoder, Header, HeaderValue, Message};
        let payloads: [&[u8]; 4] = [
            br#"{"contentBlockIndex":0,"delta":{"text":"Hi"},"p":"abc"}"#,
            br#"{"contentBlockIndex":0,"delta":{"text":"Hi"}}"#,
            br#"{"contentBlockIndex":0,"delta":{"text":"Hi"},"p":"a"} "#,
            br#"{"message":"slow down"}"#,
        ];
        let string = |name: &str, value: &str| Header::new(name, HeaderValue::String(value.into()));
        let message_types = [
            Some(string(":message-type", "event")),
            Some(string(":message-type", "Event")),
            Some(string(":message-type", "exception")),
            Some(Header::new(
                ":message-type",
                HeaderValue::Bytes(b"event".to_vec()),
            )),
            None,
        ];
        let event_types = [
            Some(string(":event-type", "contentBlockDelta")),
            Some(string(":event-type", "ContentBlockDelta")),
            Some(string(":event-type", "contentBlockStop")),
            Some(string(":event-type", "contentBlockDeltaX")),
            Some(Header::new(":event-type", HeaderValue::Int(0))),
            None,
        ];
        let mut fast = 0;
        for payload in payloads {
            for message_type in &message_types {
                for event_type in &event_types {
                    let headers = [event_type.clone(), message_type.clone()];
                    let message =
                        Message::new(headers.into_iter().flatten().collect(), payload.to_vec());
                    let mut frame = Vec::new();
                    message.encode(&mut frame).unwrap();
                    let mut decoder = Decoder::new();
                    let mut input = frame.as_slice();
                    let message = decoder.decode(&mut input).unwrap().unwrap();
                    let expected = parse_any_event(&message);
                    fast += usize::from(matches!(
                        expected,
                        Ok(Some(StreamEvent::ContentBlockDelta { .. }))
                    ));
                    assert_eq!(parse_event(&message), expected, "{message:?}");
                }
            }
        }
        // Three payloads under two spellings of each header read as a delta (`contentBlockStop`
        // reads them too, as another event).
        assert_eq!(fast, 3 * 2 * 2);
    }

    #[test]
    fn escapes_outside_the_text_are_left_to_the_general_path() {
        // Each was once read by `text_delta` as a valid text delta: invalid escapes in a
        // skipped member, and names that decode to a member already read (the general path
        // keeps the last of duplicate names).
        let payloads: [&[u8]; 5] = [
            br#"{"contentBlockIndex":1,"delta":{"text":"a"},"\p":"x"}"#,
            br#"{"contentBlockIndex":1,"delta":{"text":"a"},"p":"\x"}"#,
            br#"{"contentBlockIndex":1,"delta":{"text":"a"},"p":"\ud800"}"#,
            br#"{"contentBlockIndex":1,"delta":{"text":"a"},"contentBlock\u0049ndex":"x"}"#,
            br#"{"contentBlockIndex":1,"delta":{"text":"a"},"d\u0065lta":"x"}"#,
        ];
        for payload in payloads {
            assert_eq!(text_delta(payload), None);
            assert!(parse_payload("contentBlockDelta", payload).is_err());
            assert_agrees(payload);
        }
        // Valid escapes in a skipped member: the same event either way.
        let payload = br#"{"contentBlockIndex":1,"delta":{"text":"a"},"p":"\u0041\ud83e\udd80"}"#;
        assert!(text_delta(payload).is_some());
        assert_agrees(payload);
    }

    #[test]
    fn the_bedrock_layout_fast_path_agrees_after_any_one_byte_edit() {
        let payloads: [&[u8]; 3] = [
            br#"{"contentBlockIndex":10,"delta":{"text":"Part 12 of a long "},"p":"abcdefghijklmnopqrstu"}"#,
            "{\"contentBlockIndex\":0,\"delta\":{\"text\":\"\u{e9}t\u{e9}\"}}".as_bytes(),
            br#"{"contentBlockIndex":3,"delta":{"text":""},"p":"a"}"#,
        ];
        let bytes = [
            b'"', b'\\', b'{', b'}', b',', b':', b' ', b'0', b'9', b'a', b'p', 0x00, 0x1f, 0x7f,
            0x80, 0xc3, 0xff,
        ];
        for payload in payloads {
            assert!(bedrock_text_delta(payload).is_some());
            for at in 0..=payload.len() {
                // Delete the byte at `at`, replace it, insert one before it.
                if at < payload.len() {
                    assert_agrees(&[&payload[..at], &payload[at + 1..]].concat());
                }
                for b in bytes {
                    if at < payload.len() {
                        assert_agrees(&[&payload[..at], &[b], &payload[at + 1..]].concat());
                    }
                    assert_agrees(&[&payload[..at], &[b], &payload[at..]].concat());
                }
            }
        }
    }

    proptest::proptest! {
        #[test]
        fn the_bedrock_layout_fast_path_agrees_on_generated_payloads(
            index in proptest::prop_oneof![
                (0u64..20).prop_map(|i| i.to_string()),
                proptest::num::u64::ANY.prop_map(|i| i.to_string()),
                "[0-9\\-.eE+ ]{0,12}",
            ],
            text in proptest::prop_oneof![
                "[a-zA-Z0-9 .,!?]{0,40}",
                "\\PC{0,20}",
                proptest::collection::vec(proptest::num::u8::ANY, 0..20)
                    .prop_map(|b| String::from_utf8_lossy(&b).into_owned()),
            ],
            raw_text in proptest::collection::vec(proptest::num::u8::ANY, 0..12),
            padding in proptest::option::of(proptest::prop_oneof![
                "[a-zA-Z0-9]{1,61}",
                proptest::collection::vec(proptest::num::u8::ANY, 0..70)
                    .prop_map(|b| String::from_utf8_lossy(&b).into_owned()),
            ]),
            raw_padding in proptest::collection::vec(proptest::num::u8::ANY, 0..12),
            use_raw in 0u8..4,
        ) {
            let text = if use_raw & 1 == 1 { raw_text } else { text.into_bytes() };
            let tail = match padding {
                None => alloc::vec![b'}'],
                Some(padding) => {
                    let padding = if use_raw & 2 == 2 {
                        raw_padding
                    } else {
                        padding.into_bytes()
                    };
                    [br#","p":""#, padding.as_slice(), br#""}"#].concat()
                }
            };
            let payload = [
                br#"{"contentBlockIndex":"#,
                index.as_bytes(),
                br#","delta":{"text":""#,
                &text,
                br#""}"#,
                &tail,
            ]
            .concat();
            let fast = bedrock_text_delta(&payload);
            prop_assert_eq!(
                parse_payload("contentBlockDelta", &payload),
                parse_json_payload("contentBlockDelta", &payload).map(Some)
            );
            if let Some((index, text)) = fast {
                let fast = StreamEvent::ContentBlockDelta { index, delta: BlockDelta::Text(text) };
                prop_assert_eq!(Ok(fast), parse_json_payload("contentBlockDelta", &payload));
            }
        }
    }

    #[test]
    fn the_text_delta_fast_path_agrees_with_the_general_one() {
        let payloads: [&[u8]; 15] = [
            br#"{"contentBlockIndex":0,"delta":{"text":"Hello"},"p":"abcdefgh"}"#,
            br#"{"delta":{"text":"caf\u00e9 \"quoted\""},"contentBlockIndex":7}"#,
            b" {\"contentBlockIndex\" :12 ,\r\n\"delta\":{ \"text\":\"a\\nb\"},\"p\":\"x\\\"y\" }\t",
            br#"{"contentBlockIndex":0,"delta":{"text":"a","extra":1}}"#,
            br#"{"contentBlockIndex":0,"contentBlockIndex":1,"delta":{"text":"a"}}"#,
            br#"{"contentBlockIndex":0,"delta":{"text":"a"},"delta":{"text":"b"}}"#,
            br#"{"contentBlockIndex":-1,"delta":{"text":"a"}}"#,
            br#"{"contentBlockIndex":1.0,"delta":{"text":"a"}}"#,
            br#"{"contentBlockIndex":0,"delta":{"text":7}}"#,
            br#"{"contentBlockIndex":0,"delta":{"toolUse":{"input":"{"}}}"#,
            br#"{"contentBlockIndex":01,"delta":{"text":"a"}}"#,
            br#"{"contentBlockIndex":4294967296,"delta":{"text":"a"}}"#,
            br#"{"contentBlockIndex":0,"delta":{"text":"a"},"p":1}"#,
            br#"{"contentBlockIndex":0,"delta":{"text":"a"}} x"#,
            b"{\"contentBlockIndex\":0,\"delta\":{\"text\":\"a\tb\"}}",
        ];
        // The first three take the fast path and read exactly as the general one does; the rest
        // (an unknown or a duplicate member, a wrong type or number, another delta, trailing
        // bytes, an unescaped control character) fall through to it.
        for (i, payload) in payloads.iter().enumerate() {
            let fast = text_delta(payload);
            assert_eq!(fast.is_some(), i < 3, "{payload:?}");
            if let Some(fast) = fast {
                assert_eq!(Ok(fast), parse_json_payload("contentBlockDelta", payload));
            }
        }
    }
}
