//! The OpenAI Responses API on bedrock-mantle (provider `bedrock-openai`): the neutral request
//! encoded as a Responses body, the non-streaming response and the stream events mapped to the
//! same neutral [`Response`] and [`StreamEvent`](crate::model::StreamEvent)s Converse gives, and OpenAI error bodies as typed
//! [`Error`]s. Wire reference: `mantle-responses.md`.
//!
//! Rules the encoder applies ([`encode_request`]):
//!
//! 1. `model` is the catalog row's `api_id`; the system prompt becomes `instructions`; user turns
//!    become `message` items (`input_text`, `input_image`, `input_file`), tool results
//!    `function_call_output` items, assistant turns `message` items (`output_text`),
//!    `function_call` items and `reasoning` items replayed with their `encrypted_content` (a
//!    reasoning part without one cannot be replayed under `store: false` and is dropped, with a
//!    warning).
//! 2. `max_output_tokens` defaults to the model's maximum output and is clamped to it, as for
//!    Converse; `temperature` / `top_p` are dropped with a warning unless the row allows sampling
//!    parameters; stop sequences do not exist in the Responses API and are dropped with a warning.
//! 3. `provider_options.openai` then `provider_options["bedrock-openai"]` members are merged into
//!    the top level (an object member one level deep, the caller's values winning);
//!    `reasoning_effort: "high"` is shorthand for `reasoning: {"effort": "high"}`.
//! 4. Then, whatever the caller passed: `store: false` (anything else is overridden, with a
//!    warning: a stored response is retained by AWS for 30 days), `include` holds
//!    `reasoning.encrypted_content` (needed to replay reasoning without stored state), and
//!    `stream` is the caller's argument.
//!
//! ```
//! use bedrock_core::catalog;
//! use bedrock_core::model::Request;
//! use bedrock_core::responses::{encode_request, to_neutral};
//!
//! let model = catalog::find("openai.gpt-5.5").unwrap();
//! let request = Request::new("openai.gpt-5.5").system("Be terse.").user("Hi");
//! let encoded = encode_request(&request, &model, false)?;
//! assert_eq!(encoded.body["store"], false);
//! assert_eq!(encoded.body["instructions"], "Be terse.");
//!
//! let body = br#"{"id":"resp_1","object":"response","status":"completed","model":"openai.gpt-5.5",
//!   "output":[{"type":"message","id":"msg_1","role":"assistant","status":"completed",
//!              "content":[{"type":"output_text","text":"Hello.","annotations":[]}]}],
//!   "usage":{"input_tokens":10,"input_tokens_details":{"cached_tokens":0},
//!            "output_tokens":3,"output_tokens_details":{"reasoning_tokens":0},"total_tokens":13}}"#;
//! let response = to_neutral(body, &model, None, encoded.warnings)?;
//! assert_eq!(response.text(), "Hello.");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod stream;

use alloc::borrow::ToOwned;
use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::fmt;

use serde_json::{Map, Value, json};

use crate::billing::{Usage, cost_for};
use crate::catalog::ModelInfo;
use crate::error::{Error, ErrorKind, Origin};
use crate::model::encoding::{error, merge_options, output_cap, sampling, tool_input_schema};
use crate::model::{Part, Request, Response, Role, StopReason, ToolChoice, ToolResultContent};
pub use crate::model::{EncodedRequest, RequestError};

pub use stream::StreamAccumulator;

/// The `provider_options` keys whose members are merged into the body, in merge order (the
/// later wins).
pub const PROVIDER_OPTION_KEYS: [&str; 2] = ["openai", "bedrock-openai"];

/// The key of this provider's extras in [`Response::provider_metadata`].
pub const METADATA_KEY: &str = "bedrock-openai";

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
    if let Some(temperature) = sampling.temperature {
        body.insert("temperature".into(), json!(temperature));
    }
    if let Some(top_p) = sampling.top_p {
        body.insert("top_p".into(), json!(top_p));
    }
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

/// A Responses error body or event that is not a Bedrock one: the source of the [`Error`]s this
/// module builds, with the OpenAI fields; [`Error::detail`] gives its [`kind`](Self::kind).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServiceError {
    /// The HTTP status (none for an error in a stream).
    pub status: Option<u16>,
    /// `error.code`, e.g. `invalid_api_key`, `rate_limit_exceeded`.
    pub code: Option<String>,
    /// `error.type`, e.g. `invalid_request_error`.
    pub error_type: Option<String>,
    /// `error.param`.
    pub param: Option<String>,
    /// `error.message`, or the raw body when it is not JSON.
    pub message: String,
}

impl ServiceError {
    /// A stable name for what the hint table keys on: `mantle_authentication`,
    /// `mantle_access_denied`, `mantle_quota`, `mantle_context_length`, or `mantle_other`.
    pub fn kind(&self) -> &'static str {
        match (self.status, self.code.as_deref()) {
            (_, Some("context_length_exceeded")) => "mantle_context_length",
            (_, Some("insufficient_quota" | "rate_limit_exceeded")) | (Some(429), _) => {
                "mantle_quota"
            }
            (_, Some("access_denied")) | (Some(403), _) => "mantle_access_denied",
            (_, Some("invalid_api_key")) | (Some(401), _) => "mantle_authentication",
            _ => "mantle_other",
        }
    }

    fn error_kind(&self) -> ErrorKind {
        let by_code = match self.code.as_deref() {
            Some("rate_limit_exceeded") => Some(ErrorKind::Throttling),
            Some("insufficient_quota") => Some(ErrorKind::ServiceQuotaExceeded),
            Some("access_denied") => Some(ErrorKind::AccessDenied),
            Some("invalid_api_key") => Some(ErrorKind::Authentication),
            Some("server_error") => Some(ErrorKind::InternalServer),
            Some("context_length_exceeded" | "invalid_value" | "validation_error") => {
                Some(ErrorKind::Validation)
            }
            _ => None,
        };
        // "Map by HTTP status, then code; never by type alone."
        match self.status {
            Some(429) => by_code
                .filter(|k| *k == ErrorKind::ServiceQuotaExceeded)
                .unwrap_or(ErrorKind::Throttling),
            Some(401) if by_code == Some(ErrorKind::AccessDenied) => ErrorKind::AccessDenied,
            Some(401) => ErrorKind::Authentication,
            Some(403) => ErrorKind::AccessDenied,
            Some(400 | 422) => ErrorKind::Validation,
            Some(404) => ErrorKind::ResourceNotFound,
            Some(408) => ErrorKind::ModelTimeout,
            Some(500) => ErrorKind::InternalServer,
            Some(502..=504) => ErrorKind::ServiceUnavailable,
            _ => by_code.unwrap_or(ErrorKind::Service),
        }
    }

    /// The typed error, with status, `code` as the error type and `request_id`.
    pub fn into_error(self, request_id: Option<&str>) -> Error {
        let kind = self.error_kind();
        let status = self.status;
        let error_type = self.code.clone().or_else(|| self.error_type.clone());
        let message = self.message.clone();
        let mut error =
            Error::with_source(kind, Origin::Service, message, self).with_request_id(request_id);
        if let Some(status) = status {
            error = error.with_status(status);
        }
        if let Some(t) = error_type {
            error = error.with_error_type(t);
        }
        error
    }

    /// Reads `{"error": {...}}`, a bare `{"code", "message", ...}` or a plain-text body.
    pub fn from_body(status: Option<u16>, body: &[u8]) -> Self {
        match serde_json::from_slice::<Value>(body) {
            Ok(json) => Self::from_json(status, &json),
            Err(_) => {
                let text = String::from_utf8_lossy(body);
                let text = text.trim();
                let mut end = text.len().min(300);
                while !text.is_char_boundary(end) {
                    end -= 1;
                }
                Self {
                    status,
                    code: None,
                    error_type: None,
                    param: None,
                    message: if text.is_empty() {
                        format!("HTTP {} with an empty body", status.unwrap_or(0))
                    } else {
                        text[..end].to_string()
                    },
                }
            }
        }
    }

    fn from_json(status: Option<u16>, json: &Value) -> Self {
        let object = match json.get("error") {
            Some(inner @ Value::Object(_)) => inner,
            _ => json,
        };
        let field = |name: &str| object.get(name).and_then(Value::as_str).map(String::from);
        Self {
            status,
            code: field("code"),
            error_type: field("type").filter(|t| t != "error"),
            param: field("param"),
            message: field("message").unwrap_or_else(|| match status {
                Some(status) => format!("HTTP {status} without an error message"),
                None => "the stream reported an error without a message".into(),
            }),
        }
    }
}

impl fmt::Display for ServiceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message.trim_end_matches('.'))?;
        if let Some(code) = &self.code {
            write!(f, " ({code})")?;
        }
        Ok(())
    }
}

impl core::error::Error for ServiceError {}

/// The typed error for a non-2xx Responses API answer (`{"error": {"message", "type", "code",
/// "param"}}`, or plain text from the AWS layer).
pub fn error_from_response(status: u16, request_id: Option<&str>, body: &[u8]) -> Error {
    ServiceError::from_body(Some(status), body).into_error(request_id)
}

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
fn item_to_parts(item: &Value, out: &mut Vec<Part>) {
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

#[cfg(test)]
mod tests;
