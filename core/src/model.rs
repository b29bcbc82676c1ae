//! The provider-neutral request and response: the JSON users send to this library and get back,
//! whichever provider serves the model.
//!
//! ```json
//! {
//!   "model": "us.anthropic.claude-sonnet-4-6",
//!   "system": "You are terse.",
//!   "messages": [
//!     {"role": "user", "content": "What is the weather in Paris?"},
//!     {"role": "assistant", "content": [
//!       {"type": "tool_call", "id": "t1", "name": "weather", "arguments": {"city": "Paris"}}]},
//!     {"role": "user", "content": [
//!       {"type": "tool_result", "tool_call_id": "t1", "content": "18 °C, clear"}]}
//!   ],
//!   "tools": [{"name": "weather", "description": "Current weather",
//!              "input_schema": {"properties": {"city": {"type": "string"}}}}],
//!   "tool_choice": "auto",
//!   "max_tokens": 1024,
//!   "temperature": 0.2,
//!   "provider_options": {"bedrock": {"serviceTier": {"type": "flex"}}}
//! }
//! ```
//!
//! Unknown members are rejected with an error naming them: a typo such as `max_token` must not
//! silently fall back to a default.

use alloc::string::String;
use alloc::vec::Vec;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::billing::{Cost, Usage};

/// A request.
#[derive(Clone, Debug, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Request {
    /// The model id: a catalog id, a user model id from settings, or a wire id.
    pub model: String,
    /// The conversation, oldest first; it starts with a user message.
    pub messages: Vec<Message>,
    /// The system prompt: a string or a list of system parts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub system: Option<Content>,
    /// Tools the model may call.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tools: Vec<Tool>,
    /// Whether and which tool the model must call.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool_choice: Option<ToolChoice>,
    /// The output cap; defaults to the model's maximum output.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_tokens: Option<u32>,
    /// Sampling temperature.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub temperature: Option<f64>,
    /// Nucleus sampling.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub top_p: Option<f64>,
    /// Stop sequences.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub stop: Vec<String>,
    /// Per-provider options, passed through: `{"bedrock": {...}}` members are merged into the
    /// top level of the Converse body.
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub provider_options: Map<String, Value>,
}

/// A conversation turn.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Message {
    /// Who speaks.
    pub role: Role,
    /// What they say: a string (one text part) or a list of parts.
    pub content: Content,
}

/// A speaker.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// The user (and tool results).
    User,
    /// The model.
    Assistant,
}

/// Message or system content: a plain string or a list of parts.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Content {
    /// One text part.
    Text(String),
    /// Parts in order.
    Parts(Vec<Part>),
}

/// Reads "a string or a list of parts" so that an error inside a part (an unknown member, a
/// missing field) is reported as such, not as "did not match any variant".
fn text_or_parts<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<Result<String, Vec<Part>>, D::Error> {
    use serde::de::Error;
    match Value::deserialize(d)? {
        Value::String(text) => Ok(Ok(text)),
        parts @ Value::Array(_) => serde_json::from_value(parts)
            .map(Err)
            .map_err(D::Error::custom),
        _ => Err(D::Error::custom("expected a string or a list of parts")),
    }
}

impl<'de> Deserialize<'de> for Content {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(match text_or_parts(d)? {
            Ok(text) => Self::Text(text),
            Err(parts) => Self::Parts(parts),
        })
    }
}

impl<'de> Deserialize<'de> for ToolResultContent {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(match text_or_parts(d)? {
            Ok(text) => Self::Text(text),
            Err(parts) => Self::Parts(parts),
        })
    }
}

impl Content {
    /// The content as parts.
    pub fn parts(&self) -> Vec<Part> {
        match self {
            Self::Text(text) => alloc::vec![Part::Text {
                text: text.clone(),
                citations: Vec::new(),
            }],
            Self::Parts(parts) => parts.clone(),
        }
    }
}

/// A content part.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum Part {
    /// Text, with the citations that support it (responses from citation-enabled documents).
    Text {
        /// The text.
        text: String,
        /// Citations, verbatim.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        citations: Vec<Value>,
    },
    /// An image.
    Image {
        /// `png`, `jpeg`, `gif` or `webp`.
        format: String,
        /// The bytes, base64 (standard or URL-safe alphabet, padded or not).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        data: Option<String>,
        /// An `s3://bucket/key` URI instead of inline bytes.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        s3_uri: Option<String>,
        /// The account that owns the S3 bucket, when it is not the caller's.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        s3_bucket_owner: Option<String>,
    },
    /// A document.
    Document {
        /// `pdf`, `csv`, `doc`, `docx`, `xls`, `xlsx`, `html`, `txt` or `md`.
        format: String,
        /// A name for the document (Bedrock requires one).
        name: String,
        /// The bytes, base64 (standard or URL-safe alphabet, padded or not).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        data: Option<String>,
        /// An `s3://bucket/key` URI instead of inline bytes.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        s3_uri: Option<String>,
        /// The account that owns the S3 bucket, when it is not the caller's.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        s3_bucket_owner: Option<String>,
        /// Whether the model should cite it.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        citations: Option<bool>,
        /// Context about the document.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        context: Option<String>,
    },
    /// A video.
    Video {
        /// `mp4`, `mov`, `mkv`, `webm`, ...
        format: String,
        /// The bytes, base64 (standard or URL-safe alphabet, padded or not).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        data: Option<String>,
        /// An `s3://bucket/key` URI instead of inline bytes.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        s3_uri: Option<String>,
        /// The account that owns the S3 bucket, when it is not the caller's.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        s3_bucket_owner: Option<String>,
    },
    /// Audio.
    Audio {
        /// `mp3`, `wav`, `flac`, `ogg`, ...
        format: String,
        /// The bytes, base64 (standard or URL-safe alphabet, padded or not).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        data: Option<String>,
        /// An `s3://bucket/key` URI instead of inline bytes.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        s3_uri: Option<String>,
        /// The account that owns the S3 bucket, when it is not the caller's.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        s3_bucket_owner: Option<String>,
    },
    /// A tool call the model made (assistant turns).
    ToolCall {
        /// The call id, echoed by the result.
        id: String,
        /// The tool's name.
        name: String,
        /// The arguments, a JSON object; absent means none (`{}` on the wire).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        arguments: Option<Value>,
    },
    /// A tool call cut off by the output cap (responses only; never sent back as a call).
    TruncatedToolCall {
        /// The call id.
        id: String,
        /// The tool's name.
        name: String,
        /// The JSON text received before the cut.
        partial_arguments: String,
    },
    /// The result of a tool call (user turns).
    ToolResult {
        /// The id of the call it answers.
        tool_call_id: String,
        /// The result: a string, or a list of parts (text, image, document, or `{"type":
        /// "json", "json": ...}`).
        content: ToolResultContent,
        /// Whether the tool failed.
        #[serde(default, skip_serializing_if = "core::ops::Not::not")]
        is_error: bool,
    },
    /// Model reasoning, with the signature that must accompany it on replay.
    Reasoning {
        /// The reasoning text.
        text: String,
        /// The signature, byte-exact.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        signature: Option<String>,
    },
    /// Encrypted reasoning, replayed byte-exact.
    RedactedReasoning {
        /// The bytes, base64.
        data: String,
    },
    /// A prompt-cache breakpoint: everything before it may be cached.
    CachePoint {
        /// `5m` (the default) or `1h`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        ttl: Option<String>,
    },
    /// Content a guardrail should evaluate.
    GuardContent {
        /// The text.
        text: String,
        /// `grounding_source`, `query`, `guard_content`.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        qualifiers: Vec<String>,
    },
    /// A JSON value (tool results only).
    Json {
        /// The value.
        json: Value,
    },
    /// A provider-specific block passed through verbatim, e.g. a Converse `searchResult`.
    Bedrock {
        /// The Converse content block (a one-member object).
        block: Value,
    },
}

/// A tool result's content.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(untagged)]
pub enum ToolResultContent {
    /// Plain text.
    Text(String),
    /// Parts.
    Parts(Vec<Part>),
}

/// A tool definition.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tool {
    /// The name the model calls it by.
    pub name: String,
    /// What it does.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// JSON Schema of the arguments; a top-level `"type": "object"` is added when missing.
    #[serde(default, alias = "parameters", skip_serializing_if = "Option::is_none")]
    pub input_schema: Option<Value>,
    /// Whether the model must follow the schema strictly.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub strict: Option<bool>,
}

/// Which tool use is allowed or required.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ToolChoice {
    /// The model decides.
    Auto,
    /// The model must call some tool.
    Required,
    /// The model must not call tools.
    None,
    /// The model must call this tool.
    Named(String),
}

impl Serialize for ToolChoice {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::Auto => s.serialize_str("auto"),
            Self::Required => s.serialize_str("required"),
            Self::None => s.serialize_str("none"),
            Self::Named(name) => {
                let mut map = Map::new();
                map.insert("name".into(), Value::String(name.clone()));
                Value::Object(map).serialize(s)
            }
        }
    }
}

impl<'de> Deserialize<'de> for ToolChoice {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Named {
            name: String,
        }
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Word(String),
            Named(Named),
        }
        match Raw::deserialize(d)? {
            Raw::Word(word) => match word.as_str() {
                "auto" => Ok(Self::Auto),
                "required" | "any" => Ok(Self::Required),
                "none" => Ok(Self::None),
                other => Err(D::Error::custom(alloc::format!(
                    "unknown tool_choice {other:?}: expected \"auto\", \"required\", \"none\" or {{\"name\": ...}}"
                ))),
            },
            Raw::Named(named) => Ok(Self::Named(named.name)),
        }
    }
}

/// Why the model stopped, normalized across providers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StopReason {
    /// The model finished.
    EndTurn,
    /// The model wants tool results.
    ToolUse,
    /// The output cap was hit.
    MaxTokens,
    /// A stop sequence matched.
    StopSequence,
    /// A guardrail or content filter intervened.
    ContentFilter,
    /// The conversation no longer fits the context window.
    ContextWindowExceeded,
    /// The model produced malformed output or a malformed tool call.
    Malformed,
    /// A reason this version does not know; see the raw reason.
    Other,
}

/// A response.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Response {
    /// The model id the request named.
    pub model: String,
    /// What the model produced.
    pub content: Vec<Part>,
    /// Why it stopped, normalized.
    pub stop_reason: StopReason,
    /// Why it stopped, exactly as the provider said.
    pub raw_stop_reason: String,
    /// Token counts.
    pub usage: Usage,
    /// Cost from catalog prices, when the model has prices.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cost: Option<Cost>,
    /// The provider's request id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    /// Things the client changed in the request, e.g. a dropped `temperature`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
    /// Provider extras, verbatim: `{"bedrock": {"trace": ..., "metrics": ..., ...}}`.
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub provider_metadata: Map<String, Value>,
}

impl Response {
    /// The text parts joined.
    pub fn text(&self) -> String {
        let mut out = String::new();
        for part in &self.content {
            if let Part::Text { text, .. } = part {
                out.push_str(text);
            }
        }
        out
    }
}

impl Request {
    /// Parses a request, naming any unknown member in the error.
    ///
    /// # Errors
    ///
    /// The JSON error, e.g. ``unknown field `max_token`, expected one of ...``.
    pub fn from_json(json: &[u8]) -> Result<Self, serde_json::Error> {
        serde_json::from_slice(json)
    }
}

/// A streaming increment, normalized across providers. The final [`Response`] follows the last
/// one and holds everything they carried.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum StreamEvent {
    /// Text for content block `index`.
    TextDelta {
        /// The content block.
        index: u32,
        /// The text.
        text: String,
    },
    /// Reasoning text.
    ReasoningDelta {
        /// The content block.
        index: u32,
        /// The text.
        text: String,
    },
    /// The reasoning block's signature.
    ReasoningSignature {
        /// The content block.
        index: u32,
        /// The signature (or a piece of it).
        signature: String,
    },
    /// Redacted reasoning bytes, base64.
    RedactedReasoning {
        /// The content block.
        index: u32,
        /// The bytes, base64.
        data: String,
    },
    /// A tool call begins.
    ToolCallStart {
        /// The content block.
        index: u32,
        /// The call id.
        id: String,
        /// The tool's name.
        name: String,
    },
    /// A fragment of a tool call's JSON arguments.
    ToolCallDelta {
        /// The content block.
        index: u32,
        /// The fragment (not valid JSON on its own).
        arguments: String,
    },
    /// A citation for content block `index`.
    Citation {
        /// The content block.
        index: u32,
        /// The citation, verbatim.
        citation: Value,
    },
    /// Content block `index` is complete.
    BlockStop {
        /// The content block.
        index: u32,
    },
    /// The model stopped.
    MessageStop {
        /// Why, normalized.
        stop_reason: StopReason,
        /// Why, as the provider said.
        raw_stop_reason: String,
    },
    /// Token counts for the call.
    Usage {
        /// The counts.
        usage: Usage,
    },
}
