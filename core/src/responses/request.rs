//! The neutral request → a Responses API body (rules 1 to 4 of the [module docs](super)).

use alloc::borrow::ToOwned;
use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;

use serde_json::{Map, Value, json};

use crate::catalog::ModelInfo;
use crate::model::encoding::{
    EncodedRequest, RequestError, error, merge_options, output_cap, sampling, tool_input_schema,
};
use crate::model::{Part, Request, Role, ToolChoice, ToolResultContent};

/// The `provider_options` keys whose members are merged into the body, in merge order (the
/// later wins).
pub const PROVIDER_OPTION_KEYS: [&str; 2] = ["openai", "bedrock-openai"];

/// Encodes `request` as a Responses API body for `model`; `stream` selects SSE.
///
/// # Errors
///
/// A [`RequestError`] naming the member that cannot be sent.
pub fn encode_request(
    request: &Request,
    model: &ModelInfo,
    stream: bool,
) -> Result<EncodedRequest, RequestError> {
    let mut warnings = Vec::new();
    let mut body = Map::new();
    body.insert("model".into(), Value::String(model.api_id.clone()));

    if let Some(system) = &request.system {
        let mut texts = Vec::new();
        for (i, part) in system.parts().into_iter().enumerate() {
            match part {
                Part::Text { text, .. } if text.is_empty() => {}
                Part::Text { text, .. } => texts.push(text),
                Part::CachePoint { .. } => warnings.push(format!(
                    "system[{i}]: cache_point dropped: {} caches prompts implicitly",
                    model.id
                )),
                _ => {
                    return Err(error(
                        format!("system[{i}]"),
                        "only text and cache_point parts may appear in the system prompt",
                    ));
                }
            }
        }
        if !texts.is_empty() {
            body.insert("instructions".into(), Value::String(texts.join("\n\n")));
        }
    }

    if request.messages.is_empty() {
        return Err(error("messages", "must contain at least one message"));
    }
    let mut input = Vec::new();
    for (m, message) in request.messages.iter().enumerate() {
        encode_message(
            message.role,
            &message.content.parts(),
            m,
            &mut input,
            &mut warnings,
        )?;
    }
    body.insert("input".into(), Value::Array(input));

    if !request.tools.is_empty() {
        let mut tools = Vec::with_capacity(request.tools.len());
        for (i, tool) in request.tools.iter().enumerate() {
            let parameters = tool_input_schema(i, tool)?;
            let mut spec = Map::new();
            spec.insert("type".into(), json!("function"));
            spec.insert("name".into(), Value::String(tool.name.clone()));
            if let Some(description) = tool.description.as_ref().filter(|d| !d.is_empty()) {
                spec.insert("description".into(), Value::String(description.clone()));
            }
            spec.insert("parameters".into(), parameters);
            // The Responses API defaults `strict` to true, which rejects most schemas (every
            // property required, `additionalProperties: false`): strict only when asked.
            spec.insert("strict".into(), Value::Bool(tool.strict.unwrap_or(false)));
            tools.push(Value::Object(spec));
        }
        body.insert("tools".into(), Value::Array(tools));
    }
    if let Some(choice) = &request.tool_choice {
        let choice = match choice {
            ToolChoice::Auto => json!("auto"),
            ToolChoice::Required => json!("required"),
            ToolChoice::None => json!("none"),
            ToolChoice::Named(name) => {
                if !request.tools.iter().any(|t| &t.name == name) {
                    return Err(error(
                        "tool_choice",
                        format!("names {name:?}, which is not in tools"),
                    ));
                }
                json!({"type": "function", "name": name})
            }
        };
        body.insert("tool_choice".into(), choice);
    }

    let max_tokens = output_cap(request, model, &mut warnings)?;
    // mantle reserves input + max_output_tokens against the input-TPM quota: always sent.
    body.insert("max_output_tokens".into(), json!(max_tokens));
    let why_dropped = format!("{} rejects sampling parameters", model.id);
    let sampling = sampling(request, model, 2.0, &why_dropped, &mut warnings)?;
    sampling.insert_into(&mut body, "temperature", "top_p");
    if !request.stop.is_empty() {
        warnings.push("stop dropped: the Responses API has no stop sequences".into());
    }

    for key in PROVIDER_OPTION_KEYS {
        let Some(options) = request.provider_options.get(key) else {
            continue;
        };
        let Value::Object(options) = options else {
            return Err(error(
                format!("provider_options.{key}"),
                "must be an object",
            ));
        };
        let mut options = options.clone();
        if let Some(effort) = options.remove("reasoning_effort") {
            let mut reasoning = Map::new();
            reasoning.insert("effort".into(), effort);
            merge_options(
                &mut body,
                &Map::from_iter([("reasoning".into(), reasoning.into())]),
            );
        }
        merge_options(&mut body, &options);
    }

    // Forced, whatever the caller passed.
    match body.get("store") {
        None | Some(Value::Bool(false)) => {}
        Some(other) => warnings.push(format!(
            "store {other} overridden to false: this client never stores responses on the service"
        )),
    }
    body.insert("store".into(), Value::Bool(false));
    let include = body
        .entry("include")
        .or_insert_with(|| Value::Array(Vec::new()));
    if !include.is_array() {
        return Err(error("provider_options.include", "must be an array"));
    }
    if let Value::Array(include) = include
        && !include.iter().any(|v| v == "reasoning.encrypted_content")
    {
        include.push(json!("reasoning.encrypted_content"));
    }
    if body
        .get("stream")
        .is_some_and(|s| s != &Value::Bool(stream))
    {
        warnings.push(format!(
            "stream from provider_options ignored: the call is {}",
            if stream { "streaming" } else { "not streaming" }
        ));
    }
    body.insert("stream".into(), Value::Bool(stream));
    Ok(EncodedRequest {
        body: Value::Object(body),
        warnings,
    })
}

fn media_type(format: &str) -> Option<&'static str> {
    Some(match format {
        "png" => "image/png",
        "jpeg" | "jpg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "pdf" => "application/pdf",
        "txt" => "text/plain",
        "md" => "text/markdown",
        "html" => "text/html",
        "csv" => "text/csv",
        _ => return None,
    })
}

fn encode_message(
    role: Role,
    parts: &[Part],
    m: usize,
    input: &mut Vec<Value>,
    warnings: &mut Vec<String>,
) -> Result<(), RequestError> {
    if parts.is_empty() {
        return Err(error(format!("messages[{m}].content"), "must not be empty"));
    }
    let (role_name, text_type) = match role {
        Role::User => ("user", "input_text"),
        Role::Assistant => ("assistant", "output_text"),
    };
    // Consecutive content parts form one message item; calls, results and reasoning are items
    // of their own, in order.
    let mut content: Vec<Value> = Vec::new();
    let flush = |content: &mut Vec<Value>, input: &mut Vec<Value>| {
        if !content.is_empty() {
            input.push(json!({"role": role_name, "content": core::mem::take(content)}));
        }
    };
    for (i, part) in parts.iter().enumerate() {
        let path = format!("messages[{m}].content[{i}]");
        match (role, part) {
            (_, Part::Text { text, .. }) => {
                let mut block = json!({"type": text_type, "text": text});
                if role == Role::Assistant {
                    block["annotations"] = json!([]);
                }
                content.push(block);
            }
            (_, Part::CachePoint { .. }) => {
                warnings.push(format!(
                    "{path}: cache_point dropped: the Responses API caches prompts implicitly"
                ));
            }
            (Role::User, Part::Image { format, data, .. }) => {
                let (Some(data), Some(mime)) = (data, media_type(format)) else {
                    return Err(error(
                        path,
                        "images must be inline (data) png, jpeg, gif or webp",
                    ));
                };
                content.push(json!({"type": "input_image", "image_url": format!("data:{mime};base64,{data}"), "detail": "auto"}));
            }
            (
                Role::User,
                Part::Document {
                    format, name, data, ..
                },
            ) => {
                let (Some(data), Some(mime)) = (data, media_type(format)) else {
                    return Err(error(
                        path,
                        "documents must be inline (data) pdf, txt, md, html or csv",
                    ));
                };
                content.push(json!({"type": "input_file", "filename": name, "file_data": format!("data:{mime};base64,{data}")}));
            }
            (
                Role::User,
                Part::ToolResult {
                    tool_call_id,
                    content: result,
                    ..
                },
            ) => {
                flush(&mut content, input);
                let output = match result {
                    ToolResultContent::Text(text) => text.clone(),
                    ToolResultContent::Parts(parts) => {
                        let mut out = String::new();
                        for (j, p) in parts.iter().enumerate() {
                            match p {
                                Part::Text { text, .. } => out.push_str(text),
                                Part::Json { json } => out.push_str(&json.to_string()),
                                _ => {
                                    return Err(error(
                                        format!("{path}.content[{j}]"),
                                        "tool results sent to the Responses API hold text and json parts only",
                                    ));
                                }
                            }
                        }
                        out
                    }
                };
                input.push(json!({"type": "function_call_output", "call_id": tool_call_id, "output": output}));
            }
            (
                Role::Assistant,
                Part::ToolCall {
                    id,
                    name,
                    arguments,
                },
            ) => {
                flush(&mut content, input);
                let arguments = match arguments {
                    None => "{}".to_owned(),
                    Some(value) => value.to_string(),
                };
                input.push(json!({"type": "function_call", "call_id": id, "name": name, "arguments": arguments}));
            }
            (Role::Assistant, Part::TruncatedToolCall { .. }) => {
                warnings.push(format!(
                    "{path}: truncated tool call dropped (it cannot be replayed)"
                ));
            }
            (Role::Assistant, Part::Reasoning { text, signature }) => {
                let Some(encrypted) = signature else {
                    warnings.push(format!(
                        "{path}: reasoning without encrypted content dropped (store is false, so the service cannot look it up)"
                    ));
                    continue;
                };
                flush(&mut content, input);
                input.push(reasoning_item(text, encrypted));
            }
            (Role::Assistant, Part::RedactedReasoning { data }) => {
                flush(&mut content, input);
                input.push(reasoning_item("", data));
            }
            _ => {
                return Err(error(
                    path,
                    format!(
                        "this part cannot appear in a {role_name} turn sent to the Responses API"
                    ),
                ));
            }
        }
    }
    flush(&mut content, input);
    Ok(())
}

/// A reasoning item for replay: `summary` is required (may be empty); the item id is left out,
/// since under `store: false` there is nothing stored to refer to.
fn reasoning_item(summary: &str, encrypted: &str) -> Value {
    let summary = if summary.is_empty() {
        json!([])
    } else {
        json!([{"type": "summary_text", "text": summary}])
    };
    json!({"type": "reasoning", "summary": summary, "encrypted_content": encrypted})
}
