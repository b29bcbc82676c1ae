//! The Converse response as Bedrock sends it (`bedrock-wire.md` §1.3), and what the stream
//! accumulator rebuilds from ConverseStream events.
//!
//! Unknown members are ignored and unknown content-block kinds and stop reasons are kept, so a
//! response from a newer service version still decodes.

use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::fmt;

use base64::prelude::{BASE64_STANDARD, Engine as _};
use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

/// A Converse response body.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConverseResponse {
    /// The model's message.
    pub output: ConverseOutput,
    /// Why the model stopped.
    pub stop_reason: StopReason,
    /// Token counts.
    pub usage: TokenUsage,
    /// Latency.
    pub metrics: Metrics,
    /// Model-specific fields requested with `additionalModelResponseFieldPaths`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub additional_model_response_fields: Option<Value>,
    /// Guardrail and prompt-router trace, verbatim.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trace: Option<Value>,
    /// The latency mode used, verbatim (`{"latency": "optimized"}`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub performance_config: Option<Value>,
    /// The service tier used, verbatim (`{"type": "flex"}`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_tier: Option<Value>,
}

/// The `output` union; `message` is its only member today.
#[derive(Clone, Debug, PartialEq, Default, Serialize, Deserialize)]
pub struct ConverseOutput {
    /// The assistant message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<OutputMessage>,
}

/// A message: a role and content blocks.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OutputMessage {
    /// `assistant` in responses.
    pub role: String,
    /// The content blocks, in order.
    pub content: Vec<ContentBlock>,
}

/// Why the model stopped generating.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum StopReason {
    /// `end_turn`: the model finished its turn.
    EndTurn,
    /// `tool_use`: the model wants tool results.
    ToolUse,
    /// `max_tokens`: the output cap was hit.
    MaxTokens,
    /// `stop_sequence`: a stop sequence matched.
    StopSequence,
    /// `guardrail_intervened`.
    GuardrailIntervened,
    /// `content_filtered`.
    ContentFiltered,
    /// `malformed_model_output`.
    MalformedModelOutput,
    /// `malformed_tool_use`.
    MalformedToolUse,
    /// `model_context_window_exceeded`.
    ModelContextWindowExceeded,
    /// A value this version does not know, kept as sent.
    Other(String),
}

impl StopReason {
    /// The wire text.
    pub fn as_str(&self) -> &str {
        match self {
            Self::EndTurn => "end_turn",
            Self::ToolUse => "tool_use",
            Self::MaxTokens => "max_tokens",
            Self::StopSequence => "stop_sequence",
            Self::GuardrailIntervened => "guardrail_intervened",
            Self::ContentFiltered => "content_filtered",
            Self::MalformedModelOutput => "malformed_model_output",
            Self::MalformedToolUse => "malformed_tool_use",
            Self::ModelContextWindowExceeded => "model_context_window_exceeded",
            Self::Other(s) => s,
        }
    }

    /// Parses the wire text; unknown values become [`StopReason::Other`].
    pub fn from_wire(s: &str) -> Self {
        match s {
            "end_turn" => Self::EndTurn,
            "tool_use" => Self::ToolUse,
            "max_tokens" => Self::MaxTokens,
            "stop_sequence" => Self::StopSequence,
            "guardrail_intervened" => Self::GuardrailIntervened,
            "content_filtered" => Self::ContentFiltered,
            "malformed_model_output" => Self::MalformedModelOutput,
            "malformed_tool_use" => Self::MalformedToolUse,
            "model_context_window_exceeded" => Self::ModelContextWindowExceeded,
            other => Self::Other(other.into()),
        }
    }
}

impl fmt::Display for StopReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for StopReason {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for StopReason {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Ok(Self::from_wire(&s))
    }
}

/// Token counts exactly as Bedrock reports them: `inputTokens` already excludes tokens read from
/// or written to the prompt cache.
#[derive(Clone, Debug, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TokenUsage {
    /// Uncached input tokens.
    pub input_tokens: u64,
    /// Output tokens.
    pub output_tokens: u64,
    /// Total as reported.
    pub total_tokens: u64,
    /// Input tokens read from the prompt cache.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache_read_input_tokens: Option<u64>,
    /// Input tokens written to the prompt cache.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache_write_input_tokens: Option<u64>,
    /// Cache writes broken down by TTL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache_details: Option<Vec<CacheDetail>>,
}

/// Cache-write tokens for one TTL.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CacheDetail {
    /// `5m` or `1h`.
    pub ttl: String,
    /// Tokens written with that TTL.
    pub input_tokens: u64,
}

/// Service-side latency.
#[derive(Clone, Debug, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Metrics {
    /// Milliseconds.
    pub latency_ms: u64,
}

/// A content block of a response message.
///
/// Blocks this version does not model are kept verbatim in [`ContentBlock::Other`], so nothing
/// is lost on a round trip.
#[derive(Clone, Debug, PartialEq)]
pub enum ContentBlock {
    /// `text`.
    Text(String),
    /// `toolUse`: a tool call with its parsed JSON input.
    ToolUse(ToolUseBlock),
    /// `reasoningContent`: reasoning text with its signature, or redacted reasoning. Kept
    /// byte-exact: it must be sent back unchanged in the next turn.
    Reasoning(ReasoningBlock),
    /// `citationsContent`: generated text with the citations that support it.
    Citations(CitationsBlock),
    /// `toolResult` (server-side tools), verbatim.
    ToolResult(Value),
    /// `image` (image output), verbatim.
    Image(Value),
    /// Not a Bedrock block: a tool call the model did not finish because the output cap
    /// (`max_tokens`) cut it off. Serialized as `truncatedToolUse`; never sent back to Bedrock as
    /// a call.
    TruncatedToolUse(TruncatedToolUse),
    /// Any other block: its member name and value.
    Other {
        /// The union member name, e.g. `guardContent`.
        kind: String,
        /// The member's value.
        value: Value,
    },
}

/// A tool call.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ToolUseBlock {
    /// The id the tool result must echo.
    pub tool_use_id: String,
    /// The tool's name.
    pub name: String,
    /// The arguments: a JSON object (`{}` for a tool without arguments).
    pub input: Value,
    /// `server_tool_use` for tools Bedrock runs itself.
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
}

/// A tool call cut off by the output cap.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TruncatedToolUse {
    /// The call's id.
    pub tool_use_id: String,
    /// The tool's name.
    pub name: String,
    /// The JSON text received before the cut (not valid JSON).
    pub partial_input: String,
}

/// Reasoning content.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ReasoningBlock {
    /// Visible reasoning with the signature that authenticates it.
    Text {
        /// The reasoning text.
        text: String,
        /// The signature, when the model gave one.
        signature: Option<String>,
    },
    /// Encrypted reasoning (`redactedContent`, a blob on the wire).
    Redacted(Vec<u8>),
}

/// Text with citations.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CitationsBlock {
    /// The generated text pieces: `[{"text": ...}]`.
    pub content: Vec<Value>,
    /// The citations, verbatim.
    pub citations: Vec<Value>,
}

impl Serialize for ContentBlock {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.to_value().serialize(s)
    }
}

impl<'de> Deserialize<'de> for ContentBlock {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let value = Value::deserialize(d)?;
        Self::from_value(value).map_err(D::Error::custom)
    }
}

impl ContentBlock {
    /// The block as Converse JSON (a one-member object).
    pub fn to_value(&self) -> Value {
        let (kind, value) = match self {
            Self::Text(text) => ("text", Value::String(text.clone())),
            Self::ToolUse(tool) => ("toolUse", serde_json::to_value(tool).unwrap_or(Value::Null)),
            Self::Reasoning(ReasoningBlock::Text { text, signature }) => {
                let mut inner = Map::new();
                inner.insert("text".into(), Value::String(text.clone()));
                if let Some(sig) = signature {
                    inner.insert("signature".into(), Value::String(sig.clone()));
                }
                (
                    "reasoningContent",
                    one("reasoningText", Value::Object(inner)),
                )
            }
            Self::Reasoning(ReasoningBlock::Redacted(bytes)) => (
                "reasoningContent",
                one(
                    "redactedContent",
                    Value::String(BASE64_STANDARD.encode(bytes)),
                ),
            ),
            Self::Citations(block) => (
                "citationsContent",
                serde_json::to_value(block).unwrap_or(Value::Null),
            ),
            Self::ToolResult(v) => ("toolResult", v.clone()),
            Self::Image(v) => ("image", v.clone()),
            Self::TruncatedToolUse(t) => (
                "truncatedToolUse",
                serde_json::to_value(t).unwrap_or(Value::Null),
            ),
            Self::Other { kind, value } => return one(kind, value.clone()),
        };
        one(kind, value)
    }

    /// Parses a Converse content block.
    ///
    /// # Errors
    ///
    /// A message when the value is not a one-member object or a known member is malformed.
    pub fn from_value(value: Value) -> Result<Self, String> {
        let Value::Object(map) = value else {
            return Err("content block is not an object".into());
        };
        let mut members = map.into_iter();
        let (Some((kind, inner)), None) = (members.next(), members.next()) else {
            return Err("content block must have exactly one member".into());
        };
        let bad = |e: serde_json::Error| alloc::format!("{kind}: {e}");
        Ok(match kind.as_str() {
            "text" => match inner {
                Value::String(text) => Self::Text(text),
                _ => return Err("text: expected a string".into()),
            },
            "toolUse" => Self::ToolUse(serde_json::from_value(inner).map_err(bad)?),
            "reasoningContent" => Self::Reasoning(reasoning_from_value(inner)?),
            "citationsContent" => Self::Citations(serde_json::from_value(inner).map_err(bad)?),
            "toolResult" => Self::ToolResult(inner),
            "image" => Self::Image(inner),
            "truncatedToolUse" => {
                Self::TruncatedToolUse(serde_json::from_value(inner).map_err(bad)?)
            }
            _ => Self::Other { kind, value: inner },
        })
    }
}

fn reasoning_from_value(value: Value) -> Result<ReasoningBlock, String> {
    let Value::Object(map) = value else {
        return Err("reasoningContent: expected an object".into());
    };
    if let Some(text) = map.get("reasoningText") {
        let text_field = text
            .get("text")
            .and_then(Value::as_str)
            .ok_or("reasoningText.text is missing")?;
        let signature = text
            .get("signature")
            .and_then(Value::as_str)
            .map(ToString::to_string);
        return Ok(ReasoningBlock::Text {
            text: text_field.into(),
            signature,
        });
    }
    if let Some(blob) = map.get("redactedContent") {
        let b64 = blob
            .as_str()
            .ok_or("redactedContent: expected a base64 string")?;
        let bytes = BASE64_STANDARD
            .decode(b64)
            .map_err(|_| String::from("redactedContent: invalid base64"))?;
        return Ok(ReasoningBlock::Redacted(bytes));
    }
    Err("reasoningContent has neither reasoningText nor redactedContent".into())
}

fn one(key: &str, value: Value) -> Value {
    let mut map = Map::new();
    map.insert(key.into(), value);
    Value::Object(map)
}

impl ConverseResponse {
    /// Parses a Converse response body.
    ///
    /// # Errors
    ///
    /// The JSON error when the body is not a Converse response.
    pub fn from_json(body: &[u8]) -> Result<Self, serde_json::Error> {
        serde_json::from_slice(body)
    }

    /// The content blocks of the output message (empty when there is none).
    pub fn content(&self) -> &[ContentBlock] {
        self.output.message.as_ref().map_or(&[], |m| &m.content)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn parses_a_response_with_every_modelled_block() {
        let body = json!({
            "output": {"message": {"role": "assistant", "content": [
                {"reasoningContent": {"reasoningText": {"text": "think", "signature": "sig=="}}},
                {"reasoningContent": {"redactedContent": "iVBORw=="}},
                {"text": "Hello"},
                {"toolUse": {"toolUseId": "t1", "name": "get_weather", "input": {"city": "Paris"}}},
                {"citationsContent": {"content": [{"text": "cited"}], "citations": [{"title": "doc"}]}},
                {"guardContent": {"text": {"text": "x"}}}
            ]}},
            "stopReason": "tool_use",
            "usage": {"inputTokens": 3, "outputTokens": 5, "totalTokens": 20,
                      "cacheReadInputTokens": 12, "cacheWriteInputTokens": 0, "futureField": 1},
            "metrics": {"latencyMs": 42},
            "serviceTier": {"type": "flex"},
            "brandNewMember": true
        });
        let parsed: ConverseResponse = serde_json::from_value(body.clone()).unwrap();
        assert_eq!(parsed.stop_reason, StopReason::ToolUse);
        assert_eq!(parsed.usage.cache_read_input_tokens, Some(12));
        let content = parsed.content();
        assert_eq!(
            content[1],
            ContentBlock::Reasoning(ReasoningBlock::Redacted(b"\x89PNG".to_vec()))
        );
        assert!(
            matches!(&content[3], ContentBlock::ToolUse(t) if t.input == json!({"city": "Paris"}))
        );
        assert!(matches!(&content[5], ContentBlock::Other { kind, .. } if kind == "guardContent"));
        // Serializing gives back every block byte-for-byte in meaning.
        let again = serde_json::to_value(&parsed).unwrap();
        assert_eq!(again["output"], body["output"]);
    }

    #[test]
    fn unknown_stop_reasons_are_kept() {
        assert_eq!(
            StopReason::from_wire("brand_new"),
            StopReason::Other("brand_new".into())
        );
        for known in [
            "end_turn",
            "tool_use",
            "max_tokens",
            "stop_sequence",
            "guardrail_intervened",
            "content_filtered",
            "malformed_model_output",
            "malformed_tool_use",
            "model_context_window_exceeded",
        ] {
            let reason = StopReason::from_wire(known);
            assert!(!matches!(reason, StopReason::Other(_)), "{known}");
            assert_eq!(reason.as_str(), known);
        }
    }

    #[test]
    fn malformed_blocks_are_errors() {
        assert!(ContentBlock::from_value(json!({"text": 1})).is_err());
        assert!(ContentBlock::from_value(json!({"text": "a", "image": {}})).is_err());
        assert!(ContentBlock::from_value(json!([])).is_err());
        assert!(
            ContentBlock::from_value(json!({"reasoningContent": {"redactedContent": "!!"}}))
                .is_err()
        );
    }
}
