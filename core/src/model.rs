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
//!
//! | file | holds |
//! |---|---|
//! | `model.rs` | the request: [`Request`], [`Message`], [`Role`], [`Content`], [`Tool`], [`ToolChoice`] and their builders |
//! | `model/part.rs` | [`Part`] and its constructors |
//! | `model/response.rs` | [`Response`], [`StopReason`], [`StreamEvent`], a response replayed as a [`Message`] |
//! | `model/encoding.rs` | what the Converse and Responses encoders share: [`RequestError`], [`EncodedRequest`], the output cap, sampling parameters, tool names and schemas, option merging |

pub(crate) mod encoding;
mod part;
mod response;
#[cfg(test)]
mod tests;

use alloc::string::String;
use alloc::vec::Vec;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

pub use encoding::{EncodedRequest, RequestError};
pub use part::Part;
pub use response::{Response, StopReason, StreamEvent};

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

/// Message, system or tool-result content: a plain string or a list of parts.
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
impl<'de> Deserialize<'de> for Content {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        match Value::deserialize(d)? {
            Value::String(text) => Ok(Self::Text(text)),
            parts @ Value::Array(_) => serde_json::from_value(parts)
                .map(Self::Parts)
                .map_err(D::Error::custom),
            _ => Err(D::Error::custom("expected a string or a list of parts")),
        }
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

/// A tool result's content ([`Part::ToolResult`]): a string or a list of parts, as any
/// [`Content`].
pub type ToolResultContent = Content;

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
