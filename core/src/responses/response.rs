//! A Responses body (or a stream's terminal `response`) → the neutral [`Response`]: output items
//! as parts, stop reason, usage and cost, and the provider's extras.

use alloc::borrow::ToOwned;
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use serde_json::{Map, Value};

use super::{METADATA_KEY, ServiceError};
use crate::billing::{Usage, cost_for};
use crate::catalog::ModelInfo;
use crate::error::{Error, ErrorKind};
use crate::model::{Part, Response, StopReason};

/// Parses a non-streaming Responses body into the neutral response; `warnings` are the
/// encoder's.
///
/// # Errors
///
/// A [`ErrorKind::Protocol`] error for a body that is not a response object; the typed service
/// error for `status: "failed"`.
pub fn to_neutral(
    body: &[u8],
    model: &ModelInfo,
    request_id: Option<String>,
    warnings: Vec<String>,
) -> Result<Response, Error> {
    let json: Value = serde_json::from_slice(body).map_err(|e| {
        Error::new(
            ErrorKind::Protocol,
            format!("the Responses body is not JSON: {e}"),
        )
    })?;
    response_from_value(&json, model, request_id, warnings)
}

/// [`to_neutral`] for an already-parsed response object (also the `response` of the terminal
/// stream events).
///
/// # Errors
///
/// As [`to_neutral`].
pub fn response_from_value(
    json: &Value,
    model: &ModelInfo,
    request_id: Option<String>,
    warnings: Vec<String>,
) -> Result<Response, Error> {
    let Some(object) = json.as_object() else {
        return Err(Error::new(
            ErrorKind::Protocol,
            "the Responses body is not a JSON object",
        ));
    };
    let status = object
        .get("status")
        .and_then(Value::as_str)
        .unwrap_or("completed");
    if status == "failed" {
        let error = object.get("error").cloned().unwrap_or(Value::Null);
        return Err(ServiceError::from_json(None, &error).into_error(request_id.as_deref()));
    }
    let items = object
        .get("output")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default();
    let mut content = Vec::new();
    for item in items {
        item_to_parts(item, &mut content);
    }
    let has_calls = content.iter().any(|p| matches!(p, Part::ToolCall { .. }));
    let (stop_reason, raw_stop_reason) = stop_reason(object, status, has_calls);
    let usage = object.get("usage").map(usage_from).unwrap_or_default();
    let cost = cost_for(&usage, model);
    let mut metadata = Map::new();
    for key in ["id", "status", "service_tier", "incomplete_details"] {
        if let Some(value) = object.get(key).filter(|v| !v.is_null()) {
            metadata.insert(key.into(), value.clone());
        }
    }
    let mut provider_metadata = Map::new();
    provider_metadata.insert(METADATA_KEY.into(), Value::Object(metadata));
    Ok(Response {
        model: model.id.clone(),
        content,
        stop_reason,
        raw_stop_reason,
        usage,
        cost,
        request_id,
        warnings,
        provider_metadata,
    })
}

fn stop_reason(object: &Map<String, Value>, status: &str, has_calls: bool) -> (StopReason, String) {
    match status {
        "completed" if has_calls => (StopReason::ToolUse, "completed".into()),
        "completed" => (StopReason::EndTurn, "completed".into()),
        "incomplete" => {
            let reason = object
                .get("incomplete_details")
                .and_then(|d| d.get("reason"))
                .and_then(Value::as_str)
                .unwrap_or("incomplete");
            let normalized = match reason {
                "max_output_tokens" => StopReason::MaxTokens,
                "content_filter" => StopReason::ContentFilter,
                _ => StopReason::Other,
            };
            (normalized, reason.into())
        }
        other => (StopReason::Other, other.into()),
    }
}

/// The Responses `usage` → [`Usage`]: `input_tokens` counts cached tokens, which [`Usage`]
/// keeps apart.
pub fn usage_from(usage: &Value) -> Usage {
    let number = |v: Option<&Value>| v.and_then(Value::as_u64).unwrap_or(0);
    let input = number(usage.get("input_tokens"));
    let cached = number(usage.pointer("/input_tokens_details/cached_tokens")).min(input);
    let output = number(usage.get("output_tokens"));
    Usage {
        input_tokens: input - cached,
        cache_read_tokens: cached,
        output_tokens: output,
        total_tokens: usage
            .get("total_tokens")
            .and_then(Value::as_u64)
            .unwrap_or(input + output),
        reasoning_tokens: number(usage.pointer("/output_tokens_details/reasoning_tokens")),
        ..Usage::default()
    }
}

/// The parts one output item contributes. A function call whose arguments do not parse (cut
/// off by the output cap, or malformed) is a [`Part::TruncatedToolCall`]: never sent back.
pub(super) fn item_to_parts(item: &Value, out: &mut Vec<Part>) {
    let text = |v: &Value, key: &str| v.get(key).and_then(Value::as_str).unwrap_or("").to_owned();
    match item.get("type").and_then(Value::as_str) {
        Some("message") => {
            for part in item
                .get("content")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                match part.get("type").and_then(Value::as_str) {
                    Some("output_text") => out.push(Part::Text {
                        text: text(part, "text"),
                        citations: part
                            .get("annotations")
                            .and_then(Value::as_array)
                            .cloned()
                            .unwrap_or_default(),
                    }),
                    Some("refusal") => out.push(Part::text(text(part, "refusal"))),
                    _ => {}
                }
            }
        }
        Some("function_call") => {
            let id = text(item, "call_id");
            let name = text(item, "name");
            let raw = text(item, "arguments");
            if raw.trim().is_empty() {
                out.push(Part::ToolCall {
                    id,
                    name,
                    arguments: None,
                });
                return;
            }
            match serde_json::from_str::<Value>(&raw) {
                Ok(arguments) => out.push(Part::ToolCall {
                    id,
                    name,
                    arguments: Some(arguments),
                }),
                Err(_) => out.push(Part::TruncatedToolCall {
                    id,
                    name,
                    partial_arguments: raw,
                }),
            }
        }
        Some("reasoning") => {
            let summary = item
                .get("summary")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|s| s.get("text").and_then(Value::as_str))
                .collect::<Vec<_>>()
                .join("\n\n");
            let encrypted = item
                .get("encrypted_content")
                .and_then(Value::as_str)
                .map(String::from);
            if summary.is_empty() && encrypted.is_none() {
                return;
            }
            out.push(Part::Reasoning {
                text: summary,
                signature: encrypted,
            });
        }
        // custom tool calls and hosted-tool items: verbatim.
        Some(_) => out.push(Part::Bedrock {
            block: item.clone(),
        }),
        None => {}
    }
}
