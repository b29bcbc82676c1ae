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
//!
//! # Building requests in Rust
//!
//! The same request, built with the typed constructors (every builder takes `impl Into<String>`
//! or `impl Into<Content>`, so `&str` and `String` both work):
//!
//! ```
//! use bedrock_core::model::{Message, Part, Request, Tool, ToolChoice};
//! use serde_json::json;
//!
//! let request = Request::new("us.anthropic.claude-sonnet-4-6")
//!     .system("You are terse.")
//!     .user("What is the weather in Paris?")
//!     .assistant(vec![Part::tool_call("t1", "weather", json!({"city": "Paris"}))])
//!     .message(Message::user(vec![Part::tool_result("t1", "18 °C, clear")]))
//!     .tool(Tool::new(
//!         "weather",
//!         "Current weather",
//!         json!({"properties": {"city": {"type": "string"}}}),
//!     ))
//!     .tool_choice(ToolChoice::Auto)
//!     .max_tokens(1024)
//!     .temperature(0.2)
//!     .provider_option("bedrock", "serviceTier", json!({"type": "flex"}));
//! assert_eq!(request.messages.len(), 3);
//! ```
//!
//! A multi-turn conversation appends each answer with [`Request::push_response`] (or
//! `Message::from(&response)`) and the next question with [`Request::user`].

use alloc::string::String;
use alloc::vec::Vec;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::billing::{Cost, Usage};

/// A request: deserialized from the JSON above ([`Request::from_json`]) or built with
/// [`Request::new`] and its builder methods.
#[derive(Clone, Debug, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct Request {
    /// The model id, resolved by [`Settings::route`](crate::settings::Settings::route): a catalog
    /// id ([`ModelInfo::id`](crate::catalog::ModelInfo::id)) or a user model id from settings;
    /// else any id shaped like a Bedrock model id, inference profile or ARN, sent to Bedrock as
    /// given with default limits and no prices
    /// ([`ModelInfo::uncataloged`](crate::catalog::ModelInfo::uncataloged)). A catalog row's wire
    /// id ([`ModelInfo::api_id`](crate::catalog::ModelInfo::api_id)) is not another name for the
    /// row: where it differs from the row's id it is such an uncataloged id.
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

/// A conversation turn ([`Message::user`], [`Message::assistant`]).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
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

/// A content part. The common ones have constructors: [`Part::text`], [`Part::tool_call`],
/// [`Part::tool_result`], [`Part::tool_error`], [`Part::json`], [`Part::image`],
/// [`Part::cache_point`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
#[non_exhaustive]
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

/// A tool definition ([`Tool::new`]).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
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
#[non_exhaustive]
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
#[non_exhaustive]
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
#[non_exhaustive]
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

    /// An empty request for `model` (a catalog id, a user model id from settings, or any
    /// Bedrock model id, inference profile or ARN); add at least one user turn.
    #[must_use]
    pub fn new(model: impl Into<String>) -> Self {
        Self {
            model: model.into(),
            ..Self::default()
        }
    }

    /// Sets the system prompt: a string, or parts (e.g. text then [`Part::cache_point`]).
    #[must_use]
    pub fn system(mut self, content: impl Into<Content>) -> Self {
        self.system = Some(content.into());
        self
    }

    /// Appends a user turn: a string, or parts (e.g. [`Part::tool_result`]s).
    #[must_use]
    pub fn user(self, content: impl Into<Content>) -> Self {
        self.message(Message::user(content))
    }

    /// Appends an assistant turn: a string, or parts (e.g. [`Part::tool_call`]s).
    #[must_use]
    pub fn assistant(self, content: impl Into<Content>) -> Self {
        self.message(Message::assistant(content))
    }

    /// Appends a turn.
    #[must_use]
    pub fn message(mut self, message: Message) -> Self {
        self.messages.push(message);
        self
    }

    /// Appends the model's answer as an assistant turn, for the next call of a multi-turn
    /// conversation (see [`Message::from`]`(&Response)` for what is kept).
    pub fn push_response(&mut self, response: &Response) {
        self.messages.push(Message::from(response));
    }

    /// Adds a tool the model may call.
    #[must_use]
    pub fn tool(mut self, tool: Tool) -> Self {
        self.tools.push(tool);
        self
    }

    /// Sets whether and which tool the model must call.
    #[must_use]
    pub fn tool_choice(mut self, choice: ToolChoice) -> Self {
        self.tool_choice = Some(choice);
        self
    }

    /// Sets the output cap (defaults to the model's maximum output).
    #[must_use]
    pub fn max_tokens(mut self, max_tokens: u32) -> Self {
        self.max_tokens = Some(max_tokens);
        self
    }

    /// Sets the sampling temperature (0 to 1).
    #[must_use]
    pub fn temperature(mut self, temperature: f64) -> Self {
        self.temperature = Some(temperature);
        self
    }

    /// Sets nucleus sampling (0 to 1).
    #[must_use]
    pub fn top_p(mut self, top_p: f64) -> Self {
        self.top_p = Some(top_p);
        self
    }

    /// Adds a stop sequence.
    #[must_use]
    pub fn stop(mut self, sequence: impl Into<String>) -> Self {
        self.stop.push(sequence.into());
        self
    }

    /// Sets `provider_options.<provider>.<key>` to `value`, e.g.
    /// `.provider_option("bedrock", "serviceTier", json!({"type": "flex"}))`; for `bedrock` the
    /// member is merged into the top level of the Converse body. A non-object value already
    /// under `provider` is replaced by an object.
    #[must_use]
    pub fn provider_option(
        mut self,
        provider: impl Into<String>,
        key: impl Into<String>,
        value: Value,
    ) -> Self {
        let options = self
            .provider_options
            .entry(provider.into())
            .or_insert_with(|| Value::Object(Map::new()));
        if !options.is_object() {
            *options = Value::Object(Map::new());
        }
        if let Value::Object(options) = options {
            options.insert(key.into(), value);
        }
        self
    }
}

impl Message {
    /// A turn of `role`.
    pub fn new(role: Role, content: impl Into<Content>) -> Self {
        Self {
            role,
            content: content.into(),
        }
    }

    /// A user turn: a string, or parts (text, media, [`Part::tool_result`]s).
    pub fn user(content: impl Into<Content>) -> Self {
        Self::new(Role::User, content)
    }

    /// An assistant turn: a string, or parts (text, [`Part::tool_call`]s, reasoning).
    pub fn assistant(content: impl Into<Content>) -> Self {
        Self::new(Role::Assistant, content)
    }
}

/// The assistant turn that replays a response in the next request: every part of its content,
/// in order, except [`Part::TruncatedToolCall`]s, which were cut off by the output cap and cannot
/// be sent back as calls. Reasoning parts keep their signatures byte-exact.
impl From<&Response> for Message {
    fn from(response: &Response) -> Self {
        let parts = response
            .content
            .iter()
            .filter(|part| !matches!(part, Part::TruncatedToolCall { .. }))
            .cloned()
            .collect::<Vec<_>>();
        Self::assistant(parts)
    }
}

impl From<String> for Content {
    fn from(text: String) -> Self {
        Self::Text(text)
    }
}

impl From<&str> for Content {
    fn from(text: &str) -> Self {
        Self::Text(text.into())
    }
}

impl From<Vec<Part>> for Content {
    fn from(parts: Vec<Part>) -> Self {
        Self::Parts(parts)
    }
}

impl From<Part> for Content {
    fn from(part: Part) -> Self {
        Self::Parts(alloc::vec![part])
    }
}

impl From<String> for ToolResultContent {
    fn from(text: String) -> Self {
        Self::Text(text)
    }
}

impl From<&str> for ToolResultContent {
    fn from(text: &str) -> Self {
        Self::Text(text.into())
    }
}

impl From<Vec<Part>> for ToolResultContent {
    fn from(parts: Vec<Part>) -> Self {
        Self::Parts(parts)
    }
}

impl From<Part> for ToolResultContent {
    fn from(part: Part) -> Self {
        Self::Parts(alloc::vec![part])
    }
}

impl Part {
    /// A text part.
    pub fn text(text: impl Into<String>) -> Self {
        Self::Text {
            text: text.into(),
            citations: Vec::new(),
        }
    }

    /// A tool call the model made (assistant turns): `arguments` is a JSON object.
    pub fn tool_call(id: impl Into<String>, name: impl Into<String>, arguments: Value) -> Self {
        Self::ToolCall {
            id: id.into(),
            name: name.into(),
            arguments: Some(arguments),
        }
    }

    /// The result of tool call `tool_call_id` (user turns): a string, or parts (text, image,
    /// document, [`Part::json`]).
    pub fn tool_result(
        tool_call_id: impl Into<String>,
        content: impl Into<ToolResultContent>,
    ) -> Self {
        Self::ToolResult {
            tool_call_id: tool_call_id.into(),
            content: content.into(),
            is_error: false,
        }
    }

    /// A failed tool call's result (`is_error`), e.g. the error message.
    pub fn tool_error(
        tool_call_id: impl Into<String>,
        content: impl Into<ToolResultContent>,
    ) -> Self {
        Self::ToolResult {
            tool_call_id: tool_call_id.into(),
            content: content.into(),
            is_error: true,
        }
    }

    /// A JSON value (inside tool results).
    pub fn json(json: Value) -> Self {
        Self::Json { json }
    }

    /// An inline image: `format` is `png`, `jpeg`, `gif` or `webp`; `base64` its bytes.
    pub fn image(format: impl Into<String>, base64: impl Into<String>) -> Self {
        Self::Image {
            format: format.into(),
            data: Some(base64.into()),
            s3_uri: None,
            s3_bucket_owner: None,
        }
    }

    /// A prompt-cache breakpoint with the default (5-minute) TTL.
    pub fn cache_point() -> Self {
        Self::CachePoint { ttl: None }
    }
}

impl Tool {
    /// A tool: its name, what it does, and the JSON Schema of its arguments (a top-level
    /// `"type": "object"` is added when missing).
    pub fn new(
        name: impl Into<String>,
        description: impl Into<String>,
        input_schema: Value,
    ) -> Self {
        Self {
            name: name.into(),
            description: Some(description.into()),
            input_schema: Some(input_schema),
            strict: None,
        }
    }

    /// Asks the model to follow the schema strictly.
    #[must_use]
    pub fn strict(mut self, strict: bool) -> Self {
        self.strict = Some(strict);
        self
    }
}

impl ToolChoice {
    /// The model must call the tool named `name`.
    pub fn named(name: impl Into<String>) -> Self {
        Self::Named(name.into())
    }
}

/// A streaming increment, normalized across providers. The final [`Response`] follows the last
/// one and holds everything they carried.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
#[non_exhaustive]
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

#[cfg(test)]
mod tests {
    use alloc::string::ToString;
    use alloc::vec;

    use serde_json::json;

    use super::*;
    use crate::billing::Usage;

    /// The builder's request serializes to the bytes the hand-written JSON reads back to.
    fn assert_same_json(built: &Request, hand_written: &Value) {
        let parsed = Request::from_json(hand_written.to_string().as_bytes())
            .unwrap_or_else(|e| panic!("hand-written JSON does not parse: {e}"));
        assert_eq!(built, &parsed);
        let built_json = serde_json::to_string(built).unwrap_or_default();
        assert_eq!(
            built_json,
            serde_json::to_string(&parsed).unwrap_or_default()
        );
        assert_eq!(
            serde_json::from_str::<Value>(&built_json).ok().as_ref(),
            Some(hand_written)
        );
    }

    #[test]
    fn builder_matches_the_module_doc_json() {
        let built = Request::new("us.anthropic.claude-sonnet-4-6")
            .system("You are terse.")
            .user("What is the weather in Paris?")
            .assistant(vec![Part::tool_call(
                "t1",
                "weather",
                json!({"city": "Paris"}),
            )])
            .user(Part::tool_result("t1", "18 °C, clear"))
            .tool(Tool::new(
                "weather",
                "Current weather",
                json!({"properties": {"city": {"type": "string"}}}),
            ))
            .tool_choice(ToolChoice::Auto)
            .max_tokens(1024)
            .temperature(0.2)
            .provider_option("bedrock", "serviceTier", json!({"type": "flex"}));
        let hand_written = json!({
          "model": "us.anthropic.claude-sonnet-4-6",
          "system": "You are terse.",
          "messages": [
            {"role": "user", "content": "What is the weather in Paris?"},
            {"role": "assistant", "content": [
              {"type": "tool_call", "id": "t1", "name": "weather", "arguments": {"city": "Paris"}}]},
            {"role": "user", "content": [
              {"type": "tool_result", "tool_call_id": "t1", "content": "18 °C, clear"}]}
          ],
          "tools": [{"name": "weather", "description": "Current weather",
                     "input_schema": {"properties": {"city": {"type": "string"}}}}],
          "tool_choice": "auto",
          "max_tokens": 1024,
          "temperature": 0.2,
          "provider_options": {"bedrock": {"serviceTier": {"type": "flex"}}}
        });
        assert_same_json(&built, &hand_written);
    }

    #[test]
    fn builder_covers_every_request_member() {
        let built = Request::new("m")
            .system(vec![Part::text("sys"), Part::cache_point()])
            .message(Message::user(vec![
                Part::text("look"),
                Part::image("png", "iVBORw0KGgo="),
            ]))
            .tool(Tool::new("lookup", "Looks things up", json!({"type": "object"})).strict(true))
            .tool_choice(ToolChoice::named("lookup"))
            .top_p(0.9)
            .stop("END")
            .stop(String::from("STOP"))
            .provider_option("bedrock", "a", json!(1))
            .provider_option("bedrock", "b", json!({"c": true}))
            .provider_option("other", "x", json!("y"));
        let hand_written = json!({
          "model": "m",
          "system": [{"type": "text", "text": "sys"}, {"type": "cache_point"}],
          "messages": [{"role": "user", "content": [
            {"type": "text", "text": "look"},
            {"type": "image", "format": "png", "data": "iVBORw0KGgo="}]}],
          "tools": [{"name": "lookup", "description": "Looks things up",
                     "input_schema": {"type": "object"}, "strict": true}],
          "tool_choice": {"name": "lookup"},
          "top_p": 0.9,
          "stop": ["END", "STOP"],
          "provider_options": {"bedrock": {"a": 1, "b": {"c": true}}, "other": {"x": "y"}}
        });
        assert_same_json(&built, &hand_written);
    }

    #[test]
    fn a_tool_round_trip_built_in_rust_matches_its_json() {
        // Turn 1: the user asks with a tool defined; the model answers with a call.
        let mut request = Request::new("us.anthropic.claude-haiku-4-5")
            .tool(Tool::new(
                "add",
                "Adds two numbers",
                json!({"type": "object", "properties": {"a": {"type": "number"}, "b": {"type": "number"}}}),
            ))
            .user("What is 2 + 3?");
        let response = Response {
            model: "us.anthropic.claude-haiku-4-5".into(),
            content: vec![
                Part::text("Let me add."),
                Part::tool_call("call-1", "add", json!({"a": 2, "b": 3})),
                Part::TruncatedToolCall {
                    id: "call-2".into(),
                    name: "add".into(),
                    partial_arguments: "{\"a\":".into(),
                },
            ],
            stop_reason: StopReason::ToolUse,
            raw_stop_reason: "tool_use".into(),
            usage: Usage::default(),
            cost: None,
            request_id: None,
            warnings: Vec::new(),
            provider_metadata: Map::new(),
        };
        // Turn 2: the answer replayed (the truncated call dropped), then the results.
        request.push_response(&response);
        let request = request.user(vec![
            Part::tool_result("call-1", vec![Part::json(json!({"sum": 5}))]),
            Part::tool_error("call-0", "no such call"),
        ]);
        let hand_written = json!({
          "model": "us.anthropic.claude-haiku-4-5",
          "messages": [
            {"role": "user", "content": "What is 2 + 3?"},
            {"role": "assistant", "content": [
              {"type": "text", "text": "Let me add."},
              {"type": "tool_call", "id": "call-1", "name": "add", "arguments": {"a": 2, "b": 3}}]},
            {"role": "user", "content": [
              {"type": "tool_result", "tool_call_id": "call-1",
               "content": [{"type": "json", "json": {"sum": 5}}]},
              {"type": "tool_result", "tool_call_id": "call-0", "content": "no such call",
               "is_error": true}]}
          ],
          "tools": [{"name": "add", "description": "Adds two numbers",
                     "input_schema": {"type": "object", "properties": {"a": {"type": "number"}, "b": {"type": "number"}}}}]
        });
        assert_same_json(&request, &hand_written);
        assert_eq!(Message::from(&response), request.messages[1]);
    }

    #[test]
    fn provider_option_replaces_a_non_object() {
        let mut request = Request::new("m");
        request
            .provider_options
            .insert("bedrock".into(), json!("not an object"));
        let request = request.provider_option("bedrock", "k", json!(1));
        assert_eq!(
            request.provider_options.get("bedrock"),
            Some(&json!({"k": 1}))
        );
    }
}
