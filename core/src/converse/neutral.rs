//! A Converse response → the neutral [`Response`](crate::model::Response).

use alloc::string::String;
use alloc::vec::Vec;

use base64::prelude::{BASE64_STANDARD, Engine as _};
use serde_json::{Map, Value};

use super::response::{ContentBlock, ConverseResponse, ReasoningBlock, StopReason as WireStop};
use super::stream::{BlockDelta, BlockStart, StreamEvent as WireEvent};
use crate::billing::cost_for;
use crate::catalog::ModelInfo;
use crate::model::{Part, Response, StopReason, StreamEvent};

/// Converts a Converse response (non-streaming, or accumulated from a stream) into the neutral
/// response: content parts, normalized and raw stop reason, usage, cost from `model`'s prices,
/// and the Bedrock extras (metrics, trace, additional fields, service tier) under
/// `provider_metadata.bedrock`.
pub fn to_neutral(
    response: ConverseResponse,
    model: &ModelInfo,
    request_id: Option<String>,
    warnings: Vec<String>,
) -> Response {
    let content = response
        .output
        .message
        .map(|m| m.content)
        .unwrap_or_default()
        .into_iter()
        .map(block_to_part)
        .collect();
    let usage = response.usage.to_usage();
    let cost = cost_for(&usage, model);

    let mut bedrock = Map::new();
    bedrock.insert(
        "metrics".into(),
        serde_json::to_value(&response.metrics).unwrap_or(Value::Null),
    );
    for (key, value) in [
        (
            "additionalModelResponseFields",
            response.additional_model_response_fields,
        ),
        ("trace", response.trace),
        ("performanceConfig", response.performance_config),
        ("serviceTier", response.service_tier),
    ] {
        if let Some(value) = value {
            bedrock.insert(key.into(), value);
        }
    }
    let mut provider_metadata = Map::new();
    provider_metadata.insert("bedrock".into(), Value::Object(bedrock));

    Response {
        model: model.id.clone(),
        content,
        stop_reason: normalize_stop(&response.stop_reason),
        raw_stop_reason: response.stop_reason.as_str().into(),
        usage,
        cost,
        request_id,
        warnings,
        provider_metadata,
    }
}

/// The normalized stop reason for a Converse one.
pub fn normalize_stop(reason: &WireStop) -> StopReason {
    match reason {
        WireStop::EndTurn => StopReason::EndTurn,
        WireStop::ToolUse => StopReason::ToolUse,
        WireStop::MaxTokens => StopReason::MaxTokens,
        WireStop::StopSequence => StopReason::StopSequence,
        WireStop::GuardrailIntervened | WireStop::ContentFiltered => StopReason::ContentFilter,
        WireStop::ModelContextWindowExceeded => StopReason::ContextWindowExceeded,
        WireStop::MalformedModelOutput | WireStop::MalformedToolUse => StopReason::Malformed,
        WireStop::Other(_) => StopReason::Other,
    }
}

fn block_to_part(block: ContentBlock) -> Part {
    match block {
        ContentBlock::Text(text) => Part::Text {
            text,
            citations: Vec::new(),
        },
        ContentBlock::ToolUse(tool) => Part::ToolCall {
            id: tool.tool_use_id,
            name: tool.name,
            arguments: Some(tool.input),
        },
        ContentBlock::Reasoning(ReasoningBlock::Text { text, signature }) => {
            Part::Reasoning { text, signature }
        }
        ContentBlock::Reasoning(ReasoningBlock::Redacted(bytes)) => Part::RedactedReasoning {
            data: BASE64_STANDARD.encode(bytes),
        },
        ContentBlock::Citations(block) => {
            let text = block
                .content
                .iter()
                .filter_map(|c| c.get("text").and_then(Value::as_str))
                .collect::<Vec<_>>()
                .concat();
            Part::Text {
                text,
                citations: block.citations,
            }
        }
        ContentBlock::TruncatedToolUse(t) => Part::TruncatedToolCall {
            id: t.tool_use_id,
            name: t.name,
            partial_arguments: t.partial_input,
        },
        other @ (ContentBlock::ToolResult(_)
        | ContentBlock::Image(_)
        | ContentBlock::Other { .. }) => Part::Bedrock {
            block: other.to_value(),
        },
    }
}

/// The neutral event for a text delta: what [`into_neutral_event`] makes of
/// `ContentBlockDelta { index, delta: BlockDelta::Text(text) }`, for a caller that has only the
/// parts.
#[inline]
pub(crate) fn text_delta_event(index: u32, text: String) -> StreamEvent {
    StreamEvent::TextDelta { index, text }
}

/// The neutral stream event for a ConverseStream event; `None` for events with nothing to show
/// as they arrive (`messageStart`, tool-result and image increments, unknown members — all of
/// which still reach the final response). By value: its strings move into the neutral event
/// (the accumulator has read the event by then).
pub fn into_neutral_event(event: WireEvent) -> Option<StreamEvent> {
    Some(match event {
        WireEvent::MessageStart { .. } => return None,
        WireEvent::ContentBlockStart { index, start } => match start {
            BlockStart::ToolUse {
                tool_use_id, name, ..
            } => StreamEvent::ToolCallStart {
                index,
                id: tool_use_id,
                name,
            },
            _ => return None,
        },
        WireEvent::ContentBlockDelta { index, delta } => match delta {
            BlockDelta::Text(text) => text_delta_event(index, text),
            BlockDelta::ToolUseInput(fragment) => StreamEvent::ToolCallDelta {
                index,
                arguments: fragment,
            },
            BlockDelta::ReasoningText(text) => StreamEvent::ReasoningDelta { index, text },
            BlockDelta::ReasoningSignature(signature) => {
                StreamEvent::ReasoningSignature { index, signature }
            }
            BlockDelta::ReasoningRedacted(bytes) => StreamEvent::RedactedReasoning {
                index,
                data: BASE64_STANDARD.encode(&bytes),
            },
            BlockDelta::Citation(citation) => StreamEvent::Citation { index, citation },
            BlockDelta::ToolResult(_) | BlockDelta::Image(_) | BlockDelta::Unknown(_) => {
                return None;
            }
        },
        WireEvent::ContentBlockStop { index } => StreamEvent::BlockStop { index },
        WireEvent::MessageStop { stop_reason, .. } => StreamEvent::MessageStop {
            stop_reason: normalize_stop(&stop_reason),
            raw_stop_reason: stop_reason.as_str().into(),
        },
        WireEvent::Metadata(metadata) => StreamEvent::Usage {
            usage: metadata.usage.to_usage(),
        },
    })
}
