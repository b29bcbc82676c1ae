//! The neutral request → the Converse body, with the catalog's rules applied.
//!
//! Rules, in the order they run:
//!
//! 1. Every part becomes its Converse content block; blobs are re-encoded as standard padded
//!    base64; a tool call without arguments sends `input: {}`; tool schemas get a top-level
//!    `"type": "object"` when they lack one.
//! 2. The conversation is made one Bedrock accepts, with a warning for each change: blank text
//!    parts are dropped (Bedrock's own answers hold `"\n"` blocks it then rejects), a message
//!    left with nothing is dropped, consecutive messages of one role are merged into one turn,
//!    and a request without tools whose history holds tool calls or results gets a `toolConfig`
//!    with a minimal spec (`{"type": "object"}` schema) per tool name called. What cannot be
//!    repaired is an error before sending: an empty message, a conversation that does not start
//!    with a user message, tool results that do not answer exactly the tool calls of the
//!    assistant turn before them, more than 4 cache points.
//! 3. `max_tokens` defaults to the model's maximum output; a larger value is clamped, with a
//!    warning, except for an uncataloged Bedrock id ([`ModelInfo::uncataloged`]), whose real
//!    limit is unknown: there it is sent as given.
//! 4. For models whose sampling Bedrock pins, `temperature` and `top_p` are dropped, with a
//!    warning each. (Rules 3 and 4 are the Responses encoder's too: one implementation, in
//!    `model/encoding.rs`.)
//! 5. For `prompt_cache` models, cache points are placed after the tool definitions, after the
//!    system prompt and at the end of the conversation prefix (the second-to-last user turn), in
//!    that tools → system → messages prefix order, never more than 4 in all counting the explicit
//!    ones, never directly after a reasoning block. For other models explicit cache points are
//!    dropped, with a warning.
//! 6. `provider_options.bedrock` members are merged into the top level of the body verbatim
//!    (an object member is merged one level deep, the caller's values winning), so
//!    `additionalModelRequestFields`, `guardrailConfig`, `serviceTier`, ... pass straight through.

use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;

use serde_json::{Map, Value, json};

use super::blocks::{encode_part, guard_content};
use super::cache_points::{
    MAX_CACHE_POINTS, cache_point, check_ttl, order_cache_ttls, place_automatic,
};
use crate::catalog::ModelInfo;
use crate::model::encoding::{
    EncodedRequest, RequestError, error, merge_options, output_cap, sampling, tool_input_schema,
};
use crate::model::{Part, Request, Role, ToolChoice};

/// Encodes `request` for the Converse (and ConverseStream) operation on `model`.
///
/// # Errors
///
/// A [`RequestError`] naming the member that cannot be sent.
pub fn encode_request(
    request: &Request,
    model: &ModelInfo,
) -> Result<EncodedRequest, RequestError> {
    let mut warnings = Vec::new();
    let mut body = Map::new();
    let parts = encode_parts(request, model, &mut warnings)?;
    body.insert("messages".into(), Value::Array(parts.messages));
    if !parts.system.is_empty() {
        body.insert("system".into(), Value::Array(parts.system));
    }
    if let Some(tool_config) = parts.tool_config {
        body.insert("toolConfig".into(), tool_config);
    }

    let mut inference = Map::new();
    let max_tokens = output_cap(request, model, &mut warnings)?;
    inference.insert("maxTokens".into(), json!(max_tokens));
    let why_dropped = format!("Bedrock pins sampling parameters for {}", model.id);
    let sampling = sampling(request, model, 1.0, &why_dropped, &mut warnings)?;
    sampling.insert_into(&mut inference, "temperature", "topP");
    if !request.stop.is_empty() {
        if let Some(i) = request.stop.iter().position(String::is_empty) {
            return Err(error(
                format!("stop[{i}]"),
                "stop sequences must not be empty",
            ));
        }
        inference.insert("stopSequences".into(), json!(request.stop));
    }
    body.insert("inferenceConfig".into(), Value::Object(inference));

    if let Some(options) = request.provider_options.get("bedrock") {
        let Value::Object(options) = options else {
            return Err(error("provider_options.bedrock", "must be an object"));
        };
        merge_options(&mut body, options);
    }
    Ok(EncodedRequest {
        body: Value::Object(body),
        warnings,
    })
}

/// Encodes `request` as a CountTokens body: `{"input": {"converse": {...}}}` with the messages,
/// system prompt, tools and `additionalModelRequestFields` the Converse call would send.
///
/// # Errors
///
/// As [`encode_request`].
pub fn encode_count_tokens(request: &Request, model: &ModelInfo) -> Result<Value, RequestError> {
    let encoded = encode_request(request, model)?;
    let Value::Object(mut body) = encoded.body else {
        return Err(error("", "internal: body is not an object"));
    };
    let mut converse = Map::new();
    for key in [
        "messages",
        "system",
        "toolConfig",
        "additionalModelRequestFields",
    ] {
        if let Some(v) = body.remove(key) {
            converse.insert(key.into(), v);
        }
    }
    Ok(json!({"input": {"converse": converse}}))
}

/// The model id CountTokens takes: a foundation-model id, so a cross-region inference-profile
/// prefix (`us.`, `eu.`, `apac.`, `global.`, ...) is removed from a plain id. ARNs pass unchanged.
pub fn count_tokens_model_id(api_id: &str) -> &str {
    if api_id.starts_with("arn:") {
        return api_id;
    }
    for prefix in crate::settings::INFERENCE_PROFILE_PREFIXES {
        if let Some(rest) = api_id
            .strip_prefix(prefix)
            .and_then(|rest| rest.strip_prefix('.'))
        {
            return rest;
        }
    }
    api_id
}

struct EncodedParts {
    messages: Vec<Value>,
    system: Vec<Value>,
    tool_config: Option<Value>,
}

fn encode_parts(
    request: &Request,
    model: &ModelInfo,
    warnings: &mut Vec<String>,
) -> Result<EncodedParts, RequestError> {
    if request.messages.is_empty() {
        return Err(error("messages", "must contain at least one message"));
    }
    if request.messages[0].role != Role::User {
        return Err(error(
            "messages[0]",
            "a conversation must start with a user message",
        ));
    }
    let cache_ok = model.features.prompt_cache;
    let mut explicit_points = 0usize;
    let mut dropped_points = 0usize;

    let mut system = Vec::new();
    if let Some(content) = &request.system {
        for (i, part) in content.parts().into_iter().enumerate() {
            let path = format!("system[{i}]");
            match part {
                // An empty system prompt means none (Bedrock rejects empty text blocks).
                Part::Text { text, .. } if text.is_empty() => {}
                Part::Text { text, .. } => system.push(json!({"text": text})),
                Part::CachePoint { ttl } => {
                    check_ttl(ttl.as_deref(), &path)?;
                    if cache_ok {
                        explicit_points += 1;
                        system.push(cache_point(ttl.as_deref()));
                    } else {
                        dropped_points += 1;
                    }
                }
                Part::GuardContent { text, qualifiers } => {
                    system.push(guard_content(&text, &qualifiers))
                }
                Part::Bedrock { block } => system.push(block),
                _ => {
                    return Err(error(
                        path,
                        "only text, cache_point, guard_content and bedrock parts may appear in the system prompt",
                    ));
                }
            }
        }
    }

    let mut messages: Vec<Value> = Vec::with_capacity(request.messages.len());
    // The request path of every block sent, message by message: errors found after merging
    // still name the caller's message and part.
    let mut block_paths: Vec<Vec<String>> = Vec::with_capacity(request.messages.len());
    for (m, message) in request.messages.iter().enumerate() {
        let mut content = Vec::new();
        let mut paths = Vec::new();
        let parts = message.content.parts();
        let had_parts = !parts.is_empty();
        for (i, part) in parts.into_iter().enumerate() {
            let path = format!("messages[{m}].content[{i}]");
            // Bedrock rejects blank text ("The text field in the ContentBlock object at
            // messages.N.content.M is blank"), yet its own answers hold blank blocks ("\n"):
            // dropped, so a replayed answer is accepted.
            if let Part::Text { text, .. } = &part
                && text.trim().is_empty()
            {
                warnings.push(format!("{path}: blank text dropped (Bedrock rejects it)"));
                continue;
            }
            if let Part::CachePoint { ttl } = &part {
                check_ttl(ttl.as_deref(), &path)?;
                let after_reasoning = content
                    .last()
                    .is_some_and(|b: &Value| b.get("reasoningContent").is_some());
                if !cache_ok {
                    dropped_points += 1;
                } else if after_reasoning {
                    warnings.push(format!(
                        "{path}: cache_point directly after a reasoning block is not allowed by Bedrock; dropped"
                    ));
                } else {
                    explicit_points += 1;
                    content.push(cache_point(ttl.as_deref()));
                    paths.push(path);
                }
                continue;
            }
            content.push(encode_part(part, message.role, &path)?);
            paths.push(path);
        }
        if !had_parts {
            return Err(error(format!("messages[{m}].content"), "must not be empty"));
        }
        if content.is_empty() {
            warnings.push(format!("messages[{m}]: dropped, it held only blank text"));
            continue;
        }
        let role = match message.role {
            Role::User => "user",
            Role::Assistant => "assistant",
        };
        // Bedrock: "A conversation must alternate between user and assistant roles". Two turns
        // of one role in a row are one turn, as the peers (LiteLLM, Vercel, Portkey) merge them.
        let previous = messages
            .last_mut()
            .filter(|p| p.get("role").and_then(Value::as_str) == Some(role))
            .and_then(|p| p.get_mut("content"))
            .and_then(Value::as_array_mut);
        if let Some(previous) = previous {
            warnings.push(format!(
                "messages[{m}]: merged into the {role} message before it (Bedrock requires alternating roles)"
            ));
            previous.extend(content);
            if let Some(last) = block_paths.last_mut() {
                last.extend(paths);
            }
            continue;
        }
        messages.push(json!({"role": role, "content": content}));
        block_paths.push(paths);
    }
    if messages
        .first()
        .and_then(|m| m.get("role"))
        .and_then(Value::as_str)
        != Some("user")
    {
        return Err(error(
            "messages",
            "a conversation must start with a user message with content (the first user message held only blank text)",
        ));
    }
    check_tool_results(&messages, &block_paths)?;
    if dropped_points > 0 {
        warnings.push(format!(
            "{dropped_points} cache_point part(s) dropped: {} does not support prompt caching",
            model.id
        ));
    }
    if explicit_points > MAX_CACHE_POINTS {
        return Err(error(
            "",
            format!(
                "the request has {explicit_points} cache points; Bedrock allows at most {MAX_CACHE_POINTS}"
            ),
        ));
    }

    let mut tools = Vec::with_capacity(request.tools.len());
    for (i, tool) in request.tools.iter().enumerate() {
        let schema = tool_input_schema(i, tool)?;
        let mut spec = Map::new();
        spec.insert("name".into(), Value::String(tool.name.clone()));
        if let Some(description) = tool.description.as_ref().filter(|d| !d.is_empty()) {
            spec.insert("description".into(), Value::String(description.clone()));
        }
        spec.insert("inputSchema".into(), json!({"json": schema}));
        if let Some(strict) = tool.strict {
            spec.insert("strict".into(), Value::Bool(strict));
        }
        tools.push(json!({"toolSpec": spec}));
    }
    let tool_choice = match &request.tool_choice {
        None => None,
        Some(_) if tools.is_empty() => {
            return Err(error("tool_choice", "is set but the request has no tools"));
        }
        Some(ToolChoice::Auto) => Some(json!({"auto": {}})),
        Some(ToolChoice::Required) => Some(json!({"any": {}})),
        Some(ToolChoice::Named(name)) => {
            if !request.tools.iter().any(|t| &t.name == name) {
                return Err(error(
                    "tool_choice",
                    format!("names {name:?}, which is not in tools"),
                ));
            }
            Some(json!({"tool": {"name": name}}))
        }
        Some(ToolChoice::None) => {
            return Err(error(
                "tool_choice",
                "\"none\" cannot be expressed in Converse; leave the tools out of the request instead",
            ));
        }
    };

    let budget = if cache_ok {
        MAX_CACHE_POINTS.saturating_sub(explicit_points)
    } else {
        0
    };
    place_automatic(budget, &mut tools, &mut system, &mut messages);
    order_cache_ttls(&mut tools, &mut system, &mut messages)?;

    if tools.is_empty() {
        // Bedrock: "The toolConfig field must be defined when using toolUse and toolResult
        // content blocks". A request without tools whose history holds tool calls gets one
        // minimal spec per tool name called, as LiteLLM and Vercel's provider do (LiteLLM adds
        // one dummy tool; naming the called tools keeps the history meaningful to the model).
        let mut names: Vec<&str> = Vec::new();
        let mut any_tool_block = false;
        for block in messages
            .iter()
            .filter_map(|m| m.get("content").and_then(Value::as_array))
            .flatten()
        {
            any_tool_block |= block.get("toolUse").is_some() || block.get("toolResult").is_some();
            if let Some(name) = block
                .get("toolUse")
                .and_then(|u| u.get("name"))
                .and_then(Value::as_str)
                && !names.contains(&name)
            {
                names.push(name);
            }
        }
        if any_tool_block {
            warnings.push(format!(
                "toolConfig added for the tools the conversation used ({}): Bedrock requires one when messages hold tool calls or results",
                names.join(", ")
            ));
            tools = names
                .into_iter()
                .map(|name| {
                    json!({"toolSpec": {"name": name, "inputSchema": {"json": {"type": "object"}}}})
                })
                .collect();
        }
    }
    let tool_config = (!tools.is_empty()).then(|| {
        let mut config = Map::new();
        config.insert("tools".into(), Value::Array(tools));
        if let Some(choice) = tool_choice {
            config.insert("toolChoice".into(), choice);
        }
        Value::Object(config)
    });
    Ok(EncodedParts {
        messages,
        system,
        tool_config,
    })
}

/// Bedrock requires the tool results of a user turn to answer the tool calls of the assistant
/// turn before it, all of them and nothing else ("Expected toolResult blocks at
/// messages.N.content for the following Ids: ...", "The number of toolResult blocks at
/// messages.N.content exceeds the number of toolUse blocks of previous turn"). Runs on the
/// merged conversation; errors name the caller's parts.
fn check_tool_results(messages: &[Value], block_paths: &[Vec<String>]) -> Result<(), RequestError> {
    let blocks = |i: usize| {
        messages[i]
            .get("content")
            .and_then(Value::as_array)
            .map(Vec::as_slice)
            .unwrap_or_default()
    };
    let id_of = |block: &Value, member: &str| -> Option<String> {
        block
            .get(member)?
            .get("toolUseId")?
            .as_str()
            .map(ToString::to_string)
    };
    for i in 0..messages.len() {
        let calls: Vec<(String, usize)> = blocks(i)
            .iter()
            .enumerate()
            .filter_map(|(b, block)| id_of(block, "toolUse").map(|id| (id, b)))
            .collect();
        let answered: Vec<(String, usize)> = if i + 1 < messages.len() {
            blocks(i + 1)
                .iter()
                .enumerate()
                .filter_map(|(b, block)| id_of(block, "toolResult").map(|id| (id, b)))
                .collect()
        } else {
            Vec::new()
        };
        let path = |m: usize, b: usize| {
            block_paths
                .get(m)
                .and_then(|p| p.get(b))
                .cloned()
                .unwrap_or_default()
        };
        // Results in the user turn after this one must each answer a call made here.
        if i + 1 < messages.len() {
            for (id, b) in &answered {
                if !calls.iter().any(|(call, _)| call == id) {
                    return Err(error(
                        path(i + 1, *b),
                        format!(
                            "tool_result answers {id:?}, which no tool_call of the assistant message just before it made"
                        ),
                    ));
                }
            }
            for (id, b) in &calls {
                if !answered.iter().any(|(answer, _)| answer == id) {
                    return Err(error(
                        path(i, *b),
                        format!(
                            "tool_call {id:?} has no tool_result in the next user message; Bedrock requires every call to be answered"
                        ),
                    ));
                }
            }
        }
        // Results in the first message answer nothing.
        if i == 0
            && let Some(b) = blocks(0)
                .iter()
                .position(|block| block.get("toolResult").is_some())
        {
            return Err(error(
                path(0, b),
                "tool_result in the first message answers no tool_call",
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests;
