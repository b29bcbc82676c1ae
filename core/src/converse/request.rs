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
//!    warning each.
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
use core::fmt;

use base64::engine::general_purpose::{STANDARD_NO_PAD, URL_SAFE_NO_PAD};
use base64::prelude::{BASE64_STANDARD, Engine as _};
use serde_json::{Map, Value, json};

use crate::catalog::ModelInfo;
use crate::model::{Part, Request, Role, Tool, ToolChoice, ToolResultContent};

/// Bedrock's limit on cache points per request.
pub const MAX_CACHE_POINTS: usize = 4;

/// A request that cannot be expressed as a Converse call.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RequestError {
    /// Where in the request, e.g. `messages[2].content[0]`.
    pub path: String,
    /// What is wrong and how to fix it.
    pub message: String,
}

impl fmt::Display for RequestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "{}: {}", self.path, self.message)
        }
    }
}

impl core::error::Error for RequestError {}

fn error(path: impl Into<String>, message: impl Into<String>) -> RequestError {
    RequestError {
        path: path.into(),
        message: message.into(),
    }
}

/// Tool `i`'s name checked and its input schema as a JSON Schema object (`"type": "object"`
/// added when missing; none is an empty object): the rules Converse and the Responses API share
/// (both take names of 1 to 64 characters of `[a-zA-Z0-9_-]`).
///
/// # Errors
///
/// A bad name, or a schema that is not an object.
pub(crate) fn tool_input_schema(i: usize, tool: &Tool) -> Result<Value, RequestError> {
    if tool.name.is_empty()
        || tool.name.len() > 64
        || !tool
            .name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
    {
        return Err(error(
            format!("tools[{i}].name"),
            "tool names must be 1 to 64 characters of a-z, A-Z, 0-9, '_' and '-'",
        ));
    }
    match &tool.input_schema {
        None | Some(Value::Null) => Ok(json!({"type": "object", "properties": {}})),
        Some(Value::Object(schema)) => {
            let mut schema = schema.clone();
            schema
                .entry("type")
                .or_insert_with(|| Value::String("object".into()));
            Ok(Value::Object(schema))
        }
        Some(_) => Err(error(
            format!("tools[{i}].input_schema"),
            "must be a JSON Schema object",
        )),
    }
}

/// A Converse body and what the encoder changed on the way.
#[derive(Clone, Debug, PartialEq)]
pub struct EncodedRequest {
    /// The Converse request body (the model id goes in the URL, not here).
    pub body: Value,
    /// Changes made to the caller's request (dropped or clamped parameters, moved cache points).
    pub warnings: Vec<String>,
}

impl EncodedRequest {
    /// The body serialized.
    pub fn to_bytes(&self) -> Vec<u8> {
        serde_json::to_vec(&self.body).unwrap_or_default()
    }
}

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
    let max_tokens = match request.max_tokens {
        None => model.max_output,
        Some(0) => return Err(error("max_tokens", "must be at least 1")),
        Some(n) if n > model.max_output && !model.uncataloged => {
            warnings.push(format!(
                "max_tokens {n} exceeds the maximum output of {} ({}); clamped to {}",
                model.id, model.max_output, model.max_output
            ));
            model.max_output
        }
        Some(n) => n,
    };
    inference.insert("maxTokens".into(), json!(max_tokens));
    for (name, wire, value) in [
        ("temperature", "temperature", request.temperature),
        ("top_p", "topP", request.top_p),
    ] {
        let Some(value) = value else { continue };
        if !value.is_finite() || !(0.0..=1.0).contains(&value) {
            return Err(error(name, "must be between 0 and 1"));
        }
        if model.features.sampling_params {
            inference.insert(wire.into(), json!(value));
        } else {
            warnings.push(format!(
                "{name} dropped: Bedrock pins sampling parameters for {}",
                model.id
            ));
        }
    }
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

    // Automatic cache points, tools → system → messages, within the remaining budget.
    let mut budget = if cache_ok {
        MAX_CACHE_POINTS.saturating_sub(explicit_points)
    } else {
        0
    };
    if budget > 0 && !tools.is_empty() {
        tools.push(automatic_cache_point());
        budget -= 1;
    }
    if budget > 0 && !system.is_empty() && !is_cache_point(system.last()) {
        system.push(automatic_cache_point());
        budget -= 1;
    }
    if budget > 0 {
        // The conversation prefix ends with the second-to-last user turn: everything up to it is
        // what the next request will repeat.
        let mut user_turns = messages
            .iter()
            .enumerate()
            .filter(|(_, m)| m.get("role").and_then(Value::as_str) == Some("user"))
            .map(|(i, _)| i);
        let count = user_turns.clone().count();
        if let Some(prefix_end) = count.checked_sub(2).and_then(|n| user_turns.nth(n))
            && let Some(content) = messages[prefix_end]
                .get_mut("content")
                .and_then(Value::as_array_mut)
        {
            let last = content.last();
            if !is_cache_point(last) && last.is_none_or(|b| b.get("reasoningContent").is_none()) {
                content.push(automatic_cache_point());
            }
        }
    }

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

/// Marks a cache point the encoder placed itself; [`order_cache_ttls`] removes the marker.
const AUTOMATIC: &str = "__automatic";

fn automatic_cache_point() -> Value {
    json!({"cachePoint": {"type": "default", AUTOMATIC: true}})
}

fn check_ttl(ttl: Option<&str>, path: &str) -> Result<(), RequestError> {
    match ttl {
        None | Some("5m" | "1h") => Ok(()),
        Some(_) => Err(error(
            format!("{path}.ttl"),
            "cache point ttl must be \"5m\" or \"1h\"",
        )),
    }
}

/// Bedrock reads cache points in prefix order (tools, system, messages) and rejects a longer
/// TTL after a shorter one. Explicit points in that order are an error; an automatic point takes
/// the `1h` TTL when any later point has it, so placing points never breaks the rule.
fn order_cache_ttls(
    tools: &mut [Value],
    system: &mut [Value],
    messages: &mut [Value],
) -> Result<(), RequestError> {
    let message_blocks = messages
        .iter_mut()
        .filter_map(|m| m.get_mut("content").and_then(Value::as_array_mut))
        .flat_map(|content| content.iter_mut());
    let mut points: Vec<&mut Map<String, Value>> = tools
        .iter_mut()
        .chain(system.iter_mut())
        .chain(message_blocks)
        .filter_map(|block| block.get_mut("cachePoint").and_then(Value::as_object_mut))
        .collect();
    let mut later_one_hour = false;
    for point in points.iter_mut().rev() {
        let automatic = point.remove(AUTOMATIC).is_some();
        let one_hour = point.get("ttl").and_then(Value::as_str) == Some("1h");
        if automatic {
            if later_one_hour {
                point.insert("ttl".into(), Value::String("1h".into()));
            }
        } else if one_hour {
            later_one_hour = true;
        } else if later_one_hour {
            return Err(error(
                "",
                "a cache point with ttl \"1h\" may not follow one with a shorter ttl (Bedrock reads them in tools, system, messages order)",
            ));
        }
    }
    Ok(())
}

fn cache_point(ttl: Option<&str>) -> Value {
    match ttl {
        Some(ttl) => json!({"cachePoint": {"type": "default", "ttl": ttl}}),
        None => json!({"cachePoint": {"type": "default"}}),
    }
}

fn is_cache_point(block: Option<&Value>) -> bool {
    block.is_some_and(|b| b.get("cachePoint").is_some())
}

fn guard_content(text: &str, qualifiers: &[String]) -> Value {
    let mut inner = Map::new();
    inner.insert("text".into(), Value::String(text.into()));
    if !qualifiers.is_empty() {
        inner.insert("qualifiers".into(), json!(qualifiers));
    }
    json!({"guardContent": {"text": inner}})
}

/// Encodes one message part.
fn encode_part(part: Part, role: Role, path: &str) -> Result<Value, RequestError> {
    Ok(match part {
        Part::Text { text, citations } => {
            if citations.is_empty() {
                json!({"text": text})
            } else {
                json!({"citationsContent": {"content": [{"text": text}], "citations": citations}})
            }
        }
        Part::Image {
            format,
            data,
            s3_uri,
            s3_bucket_owner,
        } => {
            json!({"image": {"format": format, "source": media_source(path, data, s3_uri, s3_bucket_owner)?}})
        }
        Part::Video {
            format,
            data,
            s3_uri,
            s3_bucket_owner,
        } => {
            json!({"video": {"format": format, "source": media_source(path, data, s3_uri, s3_bucket_owner)?}})
        }
        Part::Audio {
            format,
            data,
            s3_uri,
            s3_bucket_owner,
        } => {
            json!({"audio": {"format": format, "source": media_source(path, data, s3_uri, s3_bucket_owner)?}})
        }
        Part::Document {
            format,
            name,
            data,
            s3_uri,
            s3_bucket_owner,
            citations,
            context,
        } => {
            let mut document = Map::new();
            document.insert("format".into(), Value::String(format));
            document.insert("name".into(), Value::String(name));
            document.insert(
                "source".into(),
                media_source(path, data, s3_uri, s3_bucket_owner)?,
            );
            if let Some(context) = context {
                document.insert("context".into(), Value::String(context));
            }
            if let Some(enabled) = citations {
                document.insert("citations".into(), json!({"enabled": enabled}));
            }
            json!({"document": document})
        }
        Part::ToolCall {
            id,
            name,
            arguments,
        } => {
            if role != Role::Assistant {
                return Err(error(path, "tool_call parts belong in assistant messages"));
            }
            let input = match arguments {
                None | Some(Value::Null) => json!({}),
                Some(Value::Object(args)) => Value::Object(args),
                Some(_) => return Err(error(format!("{path}.arguments"), "must be a JSON object")),
            };
            json!({"toolUse": {"toolUseId": id, "name": name, "input": input}})
        }
        Part::TruncatedToolCall { .. } => {
            return Err(error(
                path,
                "a truncated_tool_call was cut off by max_tokens and cannot be sent back as a call; drop it or raise max_tokens",
            ));
        }
        Part::ToolResult {
            tool_call_id,
            content,
            is_error,
        } => {
            if role != Role::User {
                return Err(error(path, "tool_result parts belong in user messages"));
            }
            let items = match content {
                ToolResultContent::Text(text) => alloc::vec![json!({"text": text})],
                ToolResultContent::Parts(parts) => {
                    let mut items = Vec::with_capacity(parts.len());
                    for (j, part) in parts.into_iter().enumerate() {
                        let item_path = format!("{path}.content[{j}]");
                        items.push(match part {
                            Part::Json { json } => json!({"json": json}),
                            Part::Text { text, .. } => json!({"text": text}),
                            media @ (Part::Image { .. } | Part::Document { .. } | Part::Video { .. } | Part::Bedrock { .. }) => {
                                encode_part(media, role, &item_path)?
                            }
                            _ => {
                                return Err(error(
                                    item_path,
                                    "tool results may hold text, json, image, document, video and bedrock parts",
                                ));
                            }
                        });
                    }
                    items
                }
            };
            let mut result = Map::new();
            result.insert("toolUseId".into(), Value::String(tool_call_id));
            result.insert("content".into(), Value::Array(items));
            if is_error {
                result.insert("status".into(), Value::String("error".into()));
            }
            json!({"toolResult": result})
        }
        Part::Reasoning { text, signature } => {
            let mut inner = Map::new();
            inner.insert("text".into(), Value::String(text));
            if let Some(signature) = signature {
                inner.insert("signature".into(), Value::String(signature));
            }
            json!({"reasoningContent": {"reasoningText": inner}})
        }
        Part::RedactedReasoning { data } => {
            let bytes = decode_base64(&data)
                .ok_or_else(|| error(format!("{path}.data"), "is not valid base64"))?;
            json!({"reasoningContent": {"redactedContent": BASE64_STANDARD.encode(bytes)}})
        }
        Part::GuardContent { text, qualifiers } => guard_content(&text, &qualifiers),
        Part::Json { .. } => return Err(error(path, "json parts belong inside a tool_result")),
        Part::Bedrock { block } => {
            if !matches!(&block, Value::Object(m) if m.len() == 1) {
                return Err(error(
                    format!("{path}.block"),
                    "must be a Converse content block (a one-member object)",
                ));
            }
            block
        }
        Part::CachePoint { .. } => {
            return Err(error(
                path,
                "internal: cache points are handled by the caller",
            ));
        }
    })
}

fn media_source(
    path: &str,
    data: Option<String>,
    s3_uri: Option<String>,
    bucket_owner: Option<String>,
) -> Result<Value, RequestError> {
    match (data, s3_uri) {
        (Some(data), None) => {
            let bytes = decode_base64(&data)
                .ok_or_else(|| error(format!("{path}.data"), "is not valid base64"))?;
            Ok(json!({"bytes": BASE64_STANDARD.encode(bytes)}))
        }
        (None, Some(uri)) => {
            if !uri.starts_with("s3://") {
                return Err(error(format!("{path}.s3_uri"), "must start with s3://"));
            }
            let mut location = Map::new();
            location.insert("uri".into(), Value::String(uri));
            if let Some(owner) = bucket_owner {
                location.insert("bucketOwner".into(), Value::String(owner));
            }
            Ok(json!({"s3Location": location}))
        }
        (Some(_), Some(_)) => Err(error(path, "give either data or s3_uri, not both")),
        (None, None) => Err(error(path, "needs data (base64) or s3_uri")),
    }
}

/// Decodes base64 in any common form: standard or URL-safe alphabet (not mixed), padded or not.
/// Padding, when present, must complete the last quantum (`Zg==`, not `Zg=`), and set bits past
/// the last whole byte are refused (`Zh==`): only a canonical encoding decodes.
fn decode_base64(text: &str) -> Option<Vec<u8>> {
    let text = text.trim();
    let body = text.trim_end_matches('=');
    let padding = text.len() - body.len();
    if padding > 0 && (padding > 2 || !text.len().is_multiple_of(4)) {
        return None;
    }
    let engine = if body.contains(['-', '_']) {
        &URL_SAFE_NO_PAD
    } else {
        &STANDARD_NO_PAD
    };
    engine.decode(body).ok()
}

/// Merges `provider_options.bedrock` into the body: new members are added, an object member
/// that exists on both sides is merged one level deep, anything else is replaced.
fn merge_options(body: &mut Map<String, Value>, options: &Map<String, Value>) {
    for (key, value) in options {
        match (body.get_mut(key), value) {
            (Some(Value::Object(existing)), Value::Object(extra)) => {
                for (k, v) in extra {
                    existing.insert(k.clone(), v.clone());
                }
            }
            _ => {
                body.insert(key.clone(), value.clone());
            }
        }
    }
}

impl From<serde_json::Error> for RequestError {
    fn from(e: serde_json::Error) -> Self {
        error("", e.to_string())
    }
}

#[cfg(test)]
mod tests;
