//! What comes back: the neutral [`Response`], why the model stopped ([`StopReason`]), the
//! streaming increments ([`StreamEvent`]), and the response replayed as the next request's
//! assistant turn.

use alloc::string::String;
use alloc::vec::Vec;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::{Message, Part};
use crate::billing::{Cost, Usage};

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
