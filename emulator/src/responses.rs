//! The OpenAI Responses API as Bedrock's mantle endpoint serves it: `POST /openai/v1/responses`,
//! a JSON body or (with `"stream": true`) server-sent events, OpenAI-style error bodies
//! (`{"error": {"message", "type", "code", "param"}}`), bearer keys only, `store: false`
//! required. The scenario markers are Converse's (`emulator/EMULATOR.md`, "Responses
//! (mantle)"); the answer comes from the same [`Script`], so both protocols say the same thing.

use std::time::Duration;

use bedrock_core::time::UnixTime;
use serde_json::{Map, Value, json};

use super::errors::ServiceError;
use super::request::Request;
use super::rng::Rng;
use super::scenario::{Content, Fault, Scenario};
use super::script::{Block, Script, estimate_tokens, string_chars};
use super::service::{BodyEnd, Reply, ReplyBody, Service};
use super::stream::{self, StreamPlan};
use super::{AuthKind, RequestRecord};

/// The path prefix of the mantle OpenAI surface.
pub(crate) const PREFIX: &str = "/openai/v1";

/// An OpenAI-style error: status and the members of `{"error": {...}}`.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct OpenAiError {
    pub(crate) status: u16,
    pub(crate) error_type: &'static str,
    pub(crate) code: Option<&'static str>,
    pub(crate) message: String,
    pub(crate) param: Option<String>,
}

impl OpenAiError {
    fn new(status: u16, error_type: &'static str, code: &'static str, message: String) -> Self {
        Self {
            status,
            error_type,
            code: Some(code),
            message,
            param: None,
        }
    }

    fn invalid(message: impl Into<String>, param: impl Into<String>) -> Self {
        Self {
            param: Some(param.into()),
            ..Self::new(
                400,
                "invalid_request_error",
                "invalid_value",
                message.into(),
            )
        }
    }

    fn value(&self) -> Value {
        json!({"error": {
            "message": self.message,
            "type": self.error_type,
            "param": self.param,
            "code": self.code,
        }})
    }

    /// A Converse error (from a marker) as mantle reports that condition.
    fn from_service(error: &ServiceError) -> Self {
        let message = error.message.clone();
        let (error_type, code) = match (error.status, error.error_type.as_str()) {
            (400, "ServiceQuotaExceededException") => ("insufficient_quota", "insufficient_quota"),
            (400, _) => ("invalid_request_error", "invalid_value"),
            (401, _) => ("permission_denied_error", "invalid_api_key"),
            (403, _) => ("permission_denied_error", "access_denied"),
            (404, _) => ("not_found_error", "model_not_found"),
            (408, _) => ("timeout_error", "timeout"),
            (429, _) => ("tokens", "rate_limit_exceeded"),
            (503, _) => ("service_unavailable_error", "service_unavailable"),
            _ => ("server_error", "server_error"),
        };
        Self::new(error.status, error_type, code, message)
    }

    fn reply(&self, rng: Rng, slow_head: Option<Duration>) -> Reply {
        Reply {
            status: self.status,
            error_type: self.code.map(str::to_string),
            content_type: "application/json",
            body: ReplyBody::Json {
                bytes: serde_json::to_vec(&self.value()).unwrap_or_default(),
                end: BodyEnd::Complete,
            },
            slow_head,
            head_fault: None,
            drip: None,
            rng,
            mantle: true,
        }
    }
}

/// The 401 mantle answers an invalid key with.
pub(crate) const INVALID_KEY: &str = "The security token included in the request is invalid.";

fn auth(service: &Service, request: &Request) -> Result<AuthKind, OpenAiError> {
    let denied = |message: &str| {
        OpenAiError::new(
            401,
            "permission_denied_error",
            "invalid_api_key",
            message.into(),
        )
    };
    let Some(authorization) = request.header("authorization").map(str::trim) else {
        return Err(denied(
            "Missing Authentication Token: send a Bedrock API key as Authorization: Bearer.",
        ));
    };
    match authorization.split_once(' ') {
        Some((scheme, key)) if scheme.eq_ignore_ascii_case("bearer") => {
            if key.trim() == service.config.api_key {
                Ok(AuthKind::Bearer)
            } else {
                Err(denied(INVALID_KEY))
            }
        }
        Some((scheme, _)) if scheme.starts_with("AWS4-") => Err(OpenAiError::new(
            403,
            "permission_denied_error",
            "access_denied",
            "The emulator's mantle route accepts only a Bedrock API key \
             (Authorization: Bearer); SigV4 signatures are not accepted."
                .into(),
        )),
        _ => Err(denied(INVALID_KEY)),
    }
}

/// Answers a request whose path starts with [`PREFIX`].
pub(crate) fn handle(
    service: &Service,
    request: &Request,
    now: UnixTime,
    record: &mut RequestRecord,
    rng: &mut Rng,
) -> Reply {
    match answer(service, request, now, record, rng) {
        Ok(reply) => reply,
        Err((error, slow_head)) => error.reply(rng.clone(), slow_head),
    }
}

type Failure = (OpenAiError, Option<Duration>);

fn answer(
    service: &Service,
    request: &Request,
    now: UnixTime,
    record: &mut RequestRecord,
    rng: &mut Rng,
) -> Result<Reply, Failure> {
    record.auth = Some(auth(service, request).map_err(|e| (e, None))?);
    let path = request.path();
    if request.method != "POST" || path != "/openai/v1/responses" {
        return Err((
            OpenAiError::new(
                404,
                "invalid_request_error",
                "unknown_url",
                format!(
                    "Unknown request URL: {} {path}. The emulator's mantle route serves \
                     POST /openai/v1/responses.",
                    request.method
                ),
            ),
            None,
        ));
    }
    let body = parse_body(&request.body).map_err(|e| (e, None))?;
    let model = body
        .get("model")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    record.model_id = Some(model.clone());
    let turn = last_turn(body.get("input"));

    let mut scenario = Scenario::default();
    let marker_error = |e: ServiceError| (OpenAiError::invalid(e.message, "input"), None);
    scenario.apply_markers(&model).map_err(marker_error)?;
    let echo = scenario.apply_markers(&turn.text).map_err(marker_error)?;
    let slow_head = scenario.slow_head;
    let fail = |error: &ServiceError| (OpenAiError::from_service(error), slow_head);
    if let Some(error) = &scenario.error {
        return Err(fail(error));
    }
    if let Some(fail_first) = &scenario.fail_first {
        let key = format!(
            "responses|{}|{}",
            scenario.id.as_deref().unwrap_or_default(),
            fail_first.marker
        );
        if service.count_attempt(key, fail_first.times) {
            return Err(fail(&ServiceError::of(fail_first.error)));
        }
    }
    let stream = body.get("stream").and_then(Value::as_bool) == Some(true);
    if !stream && let Some(Fault::MidStream(exception)) = scenario.fault {
        return Err(fail(&ServiceError::of(exception.error)));
    }
    let echo = if echo.trim().is_empty() {
        turn.tool_results
    } else {
        echo
    };
    if scenario.html {
        return Ok(Reply::html_page(slow_head, rng, true));
    }
    let input_tokens = estimate_tokens(
        ["input", "instructions", "tools"]
            .iter()
            .filter_map(|m| body.get(*m))
            .map(string_chars)
            .sum(),
    );
    let script = Script::new(scenario.content, &echo, input_tokens);
    let answer = Answer::new(&script, scenario.content, &body, rng, now);
    let mut reply = if stream {
        let events = answer.events();
        Reply {
            status: 200,
            error_type: None,
            content_type: "text/event-stream; charset=utf-8",
            body: ReplyBody::Stream(StreamPlan {
                chunk_per_frame: scenario.chunk_per_frame,
                ..plan(&events, scenario.fault, &answer)
            }),
            slow_head,
            head_fault: None,
            drip: scenario.drip,
            rng: rng.clone(),
            mantle: true,
        }
    } else {
        let bytes = serde_json::to_vec(&answer.response(answer.status())).unwrap_or_default();
        let end = BodyEnd::for_fault(scenario.fault, bytes.len());
        Reply {
            status: 200,
            error_type: None,
            content_type: "application/json",
            body: ReplyBody::Json { bytes, end },
            slow_head,
            head_fault: None,
            drip: None,
            rng: rng.clone(),
            mantle: true,
        }
    };
    reply.slow_head = slow_head;
    reply.head_fault = scenario.fault.filter(|f| f.in_head());
    Ok(reply)
}

/// Parses and checks the body: a JSON object with a `model`, `store: false`, an `input` of a
/// string or well-formed items, function tools, and the typed optional members.
pub(crate) fn parse_body(bytes: &[u8]) -> Result<Map<String, Value>, OpenAiError> {
    let value: Value = serde_json::from_slice(bytes).map_err(|e| OpenAiError {
        param: None,
        ..OpenAiError::invalid(
            format!(
                "We could not parse the JSON body of your request. ({e}) The OpenAI API \
                     expects a JSON payload."
            ),
            "",
        )
    })?;
    let Value::Object(body) = value else {
        return Err(OpenAiError {
            param: None,
            ..OpenAiError::invalid("The request body must be a JSON object.", "")
        });
    };
    let missing = |name: &str| OpenAiError {
        code: Some("missing_required_parameter"),
        ..OpenAiError::invalid(format!("Missing required parameter: '{name}'."), name)
    };
    match body.get("model") {
        Some(Value::String(m)) if !m.is_empty() => {}
        None => return Err(missing("model")),
        Some(_) => return Err(bad_type("model", "a non-empty string")),
    }
    match body.get("store") {
        Some(Value::Bool(false)) => {}
        Some(Value::Bool(true)) | None => {
            return Err(OpenAiError::invalid(
                "store must be false: responses are not stored on this endpoint. \
                 Send \"store\": false and replay the conversation (with reasoning \
                 encrypted_content) on every request.",
                "store",
            ));
        }
        Some(_) => return Err(bad_type("store", "a boolean")),
    }
    for (name, kind) in [
        ("stream", "boolean"),
        ("instructions", "string"),
        ("include", "array"),
        ("tools", "array"),
        ("max_output_tokens", "integer"),
        ("parallel_tool_calls", "boolean"),
        ("reasoning", "object"),
        ("metadata", "object"),
    ] {
        let ok = match (body.get(name), kind) {
            (None | Some(Value::Null), _) => true,
            (Some(Value::Bool(_)), "boolean")
            | (Some(Value::String(_)), "string")
            | (Some(Value::Array(_)), "array")
            | (Some(Value::Object(_)), "object") => true,
            (Some(Value::Number(n)), "integer") => n.as_u64().is_some_and(|n| n >= 16),
            _ => false,
        };
        if !ok {
            let wanted = if kind == "integer" {
                "an integer of at least 16".to_string()
            } else {
                format!("a {kind}")
            };
            return Err(bad_type(name, &wanted));
        }
    }
    match body.get("input") {
        None => return Err(missing("input")),
        Some(Value::String(_)) => {}
        Some(Value::Array(items)) => {
            for (i, item) in items.iter().enumerate() {
                check_item(item, &format!("input[{i}]"))?;
            }
        }
        Some(_) => return Err(bad_type("input", "a string or an array of input items")),
    }
    if let Some(Value::Array(tools)) = body.get("tools") {
        for (i, tool) in tools.iter().enumerate() {
            let param = format!("tools[{i}]");
            match tool.get("type").and_then(Value::as_str) {
                Some("function") => {}
                Some(other) => {
                    return Err(OpenAiError::invalid(
                        format!("Tool type '{other}' is not supported on this endpoint."),
                        format!("{param}.type"),
                    ));
                }
                None => return Err(missing(&format!("{param}.type"))),
            }
            if !tool.get("name").is_some_and(Value::is_string) {
                return Err(missing(&format!("{param}.name")));
            }
            if tool.get("function").is_some() {
                return Err(OpenAiError::invalid(
                    format!(
                        "Unknown parameter: '{param}.function'. Responses function tools are \
                         flat: name, description and parameters at the top level."
                    ),
                    format!("{param}.function"),
                ));
            }
        }
    }
    Ok(body)
}

fn bad_type(param: &str, wanted: &str) -> OpenAiError {
    OpenAiError {
        code: Some("invalid_type"),
        ..OpenAiError::invalid(
            format!("Invalid type for '{param}': expected {wanted}."),
            param,
        )
    }
}

fn str_member(item: &Value, name: &str, param: &str) -> Result<(), OpenAiError> {
    match item.get(name) {
        Some(Value::String(_)) => Ok(()),
        None => Err(OpenAiError {
            code: Some("missing_required_parameter"),
            ..OpenAiError::invalid(
                format!("Missing required parameter: '{param}.{name}'."),
                format!("{param}.{name}"),
            )
        }),
        Some(_) => Err(bad_type(&format!("{param}.{name}"), "a string")),
    }
}

/// Checks one input item's shape (reference §2.2).
fn check_item(item: &Value, param: &str) -> Result<(), OpenAiError> {
    if !item.is_object() {
        return Err(bad_type(param, "an object"));
    }
    match item.get("type").and_then(Value::as_str) {
        None | Some("message") => {
            let role = item.get("role").and_then(Value::as_str);
            let role = match role {
                Some(r @ ("user" | "system" | "developer" | "assistant")) => r,
                _ => {
                    return Err(OpenAiError::invalid(
                        format!(
                            "Invalid value for '{param}.role': expected one of 'user', \
                             'system', 'developer' or 'assistant'."
                        ),
                        format!("{param}.role"),
                    ));
                }
            };
            match item.get("content") {
                Some(Value::String(_)) => Ok(()),
                Some(Value::Array(parts)) => {
                    for (j, part) in parts.iter().enumerate() {
                        check_part(role, part, &format!("{param}.content[{j}]"))?;
                    }
                    Ok(())
                }
                _ => Err(bad_type(
                    &format!("{param}.content"),
                    "a string or an array of content parts",
                )),
            }
        }
        Some("function_call") => {
            for name in ["call_id", "name", "arguments"] {
                str_member(item, name, param)?;
            }
            Ok(())
        }
        Some("function_call_output") => {
            str_member(item, "call_id", param)?;
            match item.get("output") {
                Some(Value::String(_) | Value::Array(_)) => Ok(()),
                _ => Err(bad_type(&format!("{param}.output"), "a string")),
            }
        }
        Some("reasoning") => {
            if !item.get("summary").is_some_and(Value::is_array) {
                return Err(OpenAiError {
                    code: Some("missing_required_parameter"),
                    ..OpenAiError::invalid(
                        format!("Missing required parameter: '{param}.summary'."),
                        format!("{param}.summary"),
                    )
                });
            }
            if item
                .get("encrypted_content")
                .and_then(Value::as_str)
                .is_none()
            {
                let id = item.get("id").and_then(Value::as_str).unwrap_or_default();
                return Err(OpenAiError {
                    status: 404,
                    error_type: "invalid_request_error",
                    code: None,
                    message: format!(
                        "Item with id '{id}' not found. Items are not persisted when `store` \
                         is set to false. Try again with `store` set to true, or remove this \
                         item from your input."
                    ),
                    param: Some("input".into()),
                });
            }
            Ok(())
        }
        Some(other) => Err(OpenAiError::invalid(
            format!("Invalid value: '{other}'. Unsupported input item type."),
            format!("{param}.type"),
        )),
    }
}

fn check_part(role: &str, part: &Value, param: &str) -> Result<(), OpenAiError> {
    let kind = part.get("type").and_then(Value::as_str).unwrap_or_default();
    let allowed: &[&str] = if role == "assistant" {
        &["output_text", "refusal"]
    } else {
        &["input_text", "input_image", "input_file"]
    };
    if !allowed.contains(&kind) {
        return Err(OpenAiError::invalid(
            format!(
                "Invalid value: '{kind}'. Supported values for role '{role}' are: {}.",
                allowed
                    .iter()
                    .map(|k| format!("'{k}'"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            format!("{param}.type"),
        ));
    }
    match kind {
        "input_text" | "output_text" => str_member(part, "text", param),
        "refusal" => str_member(part, "refusal", param),
        "input_image" => {
            if part.get("image_url").is_some_and(Value::is_string)
                || part.get("file_id").is_some_and(Value::is_string)
            {
                Ok(())
            } else {
                str_member(part, "image_url", param)
            }
        }
        _ => Ok(()),
    }
}

/// The last user message's text (where markers live) and the tool results after it.
#[derive(Debug, Default)]
struct Turn {
    text: String,
    tool_results: String,
}

fn last_turn(input: Option<&Value>) -> Turn {
    match input {
        Some(Value::String(text)) => Turn {
            text: text.clone(),
            tool_results: String::new(),
        },
        Some(Value::Array(items)) => {
            let text = items
                .iter()
                .rev()
                .find(|i| i.get("role").and_then(Value::as_str) == Some("user"))
                .map(|m| match m.get("content") {
                    Some(Value::String(s)) => s.clone(),
                    Some(Value::Array(parts)) => parts
                        .iter()
                        .filter_map(|p| p.get("text").and_then(Value::as_str))
                        .collect::<Vec<_>>()
                        .join("\n"),
                    _ => String::new(),
                })
                .unwrap_or_default();
            let results: Vec<String> = items
                .iter()
                .rev()
                .take_while(|i| i.get("role").and_then(Value::as_str) != Some("user"))
                .filter(|i| i.get("type").and_then(Value::as_str) == Some("function_call_output"))
                .filter_map(|i| match i.get("output") {
                    Some(Value::String(s)) => Some(s.clone()),
                    Some(other) => Some(other.to_string()),
                    None => None,
                })
                .collect();
            Turn {
                // Tool results after the last user message answer that turn: echo them.
                text: if results.is_empty() {
                    text
                } else {
                    String::new()
                },
                tool_results: if results.is_empty() {
                    String::new()
                } else {
                    let mut results = results;
                    results.reverse();
                    format!("The tool returned: {}", results.join(" "))
                },
            }
        }
        _ => Turn::default(),
    }
}

/// One output item and the pieces it streams in.
#[derive(Clone, Debug)]
enum Item {
    Message {
        id: String,
        deltas: Vec<String>,
    },
    Call {
        id: String,
        call_id: String,
        name: String,
        arguments: String,
        deltas: Vec<String>,
    },
    Reasoning {
        id: String,
        summary: Vec<String>,
        encrypted: String,
    },
}

/// One SSE event: its type and JSON (without `sequence_number`, added when framed).
struct SseEvent {
    kind: &'static str,
    data: Value,
}

/// The answer of one request, as output items plus what the response object echoes.
struct Answer {
    id: String,
    created_at: u64,
    model: String,
    items: Vec<Item>,
    incomplete: Option<&'static str>,
    usage: Value,
    encrypted: bool,
    echo: Map<String, Value>,
}

fn base32_id(rng: &mut Rng, prefix: &str) -> String {
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz234567";
    let mut out = String::from(prefix);
    for _ in 0..52 {
        out.push(ALPHABET[rng.range(0, 31)] as char);
    }
    out
}

impl Answer {
    fn new(
        script: &Script,
        content: Content,
        body: &Map<String, Value>,
        rng: &mut Rng,
        now: UnixTime,
    ) -> Self {
        // Ids come from their own generator so the chunking stays as for the same seed.
        let mut ids = Rng::new(rng.clone().next_u64());
        let mut items = Vec::new();
        let mut reasoning_chars = 0;
        for block in &script.blocks {
            match block {
                Block::Text(deltas) | Block::Citations { deltas, .. } => {
                    // Consecutive text blocks make one message.
                    if let Some(Item::Message { deltas: d, .. }) = items.last_mut() {
                        d.extend(deltas.iter().cloned());
                    } else {
                        items.push(Item::Message {
                            id: base32_id(&mut ids, "msg_"),
                            deltas: deltas.clone(),
                        });
                    }
                }
                Block::ToolUse {
                    id,
                    name,
                    input,
                    fragments,
                } => items.push(Item::Call {
                    id: base32_id(&mut ids, "fc_"),
                    call_id: id.replace("tooluse_", "call_"),
                    name: name.clone(),
                    arguments: input.to_string(),
                    deltas: if fragments.is_empty() {
                        vec![input.to_string()]
                    } else {
                        fragments.clone()
                    },
                }),
                Block::Reasoning { deltas, signature } => {
                    reasoning_chars += deltas.iter().map(|d| d.chars().count()).sum::<usize>();
                    items.push(Item::Reasoning {
                        id: base32_id(&mut ids, "rs_"),
                        summary: deltas.clone(),
                        encrypted: format!("gAAAAAB{signature}"),
                    });
                }
                Block::Redacted(_) => {
                    reasoning_chars += 40;
                    items.push(Item::Reasoning {
                        id: base32_id(&mut ids, "rs_"),
                        summary: Vec::new(),
                        encrypted: "gAAAAABlbXVsYXRvci1yZWRhY3RlZC1yZWFzb25pbmc=".into(),
                    });
                }
            }
        }
        let reasoning_tokens = if reasoning_chars > 0 {
            estimate_tokens(reasoning_chars)
        } else {
            0
        };
        let input_tokens = script.usage.input_tokens;
        let output_tokens = script.usage.output_tokens;
        let cached = match content {
            Content::CacheRead | Content::CacheMixed => 1024.min(input_tokens),
            _ => 0,
        };
        let usage = json!({
            "input_tokens": input_tokens,
            "input_tokens_details": {"cached_tokens": cached},
            "output_tokens": output_tokens,
            "output_tokens_details": {"reasoning_tokens": reasoning_tokens},
            "total_tokens": input_tokens + output_tokens,
        });
        let incomplete = match content {
            Content::MaxTokens => Some("max_output_tokens"),
            Content::Guardrail => Some("content_filter"),
            _ => None,
        };
        let encrypted = body
            .get("include")
            .and_then(Value::as_array)
            .is_some_and(|i| {
                i.iter()
                    .any(|v| v.as_str() == Some("reasoning.encrypted_content"))
            });
        let mut echo = Map::new();
        for (name, default) in [
            ("instructions", Value::Null),
            ("max_output_tokens", Value::Null),
            ("metadata", json!({})),
            ("parallel_tool_calls", Value::Bool(true)),
            ("previous_response_id", Value::Null),
            ("reasoning", json!({"effort": "medium", "summary": null})),
            ("temperature", json!(1.0)),
            (
                "text",
                json!({"format": {"type": "text"}, "verbosity": "medium"}),
            ),
            ("tool_choice", json!("auto")),
            ("tools", json!([])),
            ("top_p", json!(1.0)),
        ] {
            let value = body.get(name).cloned().unwrap_or(default);
            echo.insert(name.into(), value);
        }
        Self {
            id: base32_id(&mut ids, "resp_"),
            created_at: now.secs(),
            model: body
                .get("model")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .into(),
            items,
            incomplete,
            usage,
            encrypted,
            echo,
        }
    }

    fn status(&self) -> &'static str {
        if self.incomplete.is_some() {
            "incomplete"
        } else {
            "completed"
        }
    }

    /// The item as `output_item.done` and the final response carry it.
    fn item_done(&self, item: &Item) -> Value {
        match item {
            Item::Message { id, deltas } => json!({
                "type": "message", "id": id, "status": "completed", "role": "assistant",
                "phase": "final_answer",
                "content": [{"type": "output_text", "text": deltas.concat(),
                             "annotations": [], "logprobs": []}],
            }),
            Item::Call {
                id,
                call_id,
                name,
                arguments,
                ..
            } => json!({
                "type": "function_call", "id": id, "call_id": call_id, "name": name,
                "arguments": arguments, "status": "completed",
            }),
            Item::Reasoning {
                id,
                summary,
                encrypted,
            } => {
                let summary: Vec<Value> = if summary.is_empty() {
                    Vec::new()
                } else {
                    vec![json!({"type": "summary_text", "text": summary.concat()})]
                };
                let mut item = json!({"type": "reasoning", "id": id, "summary": summary});
                if self.encrypted {
                    item["encrypted_content"] = Value::from(encrypted.as_str());
                }
                item
            }
        }
    }

    fn item_added(item: &Item) -> Value {
        match item {
            Item::Message { id, .. } => json!({
                "type": "message", "id": id, "status": "in_progress", "role": "assistant",
                "phase": "final_answer", "content": [],
            }),
            Item::Call {
                id, call_id, name, ..
            } => json!({
                "type": "function_call", "id": id, "call_id": call_id, "name": name,
                "arguments": "", "status": "in_progress",
            }),
            Item::Reasoning { id, .. } => json!({"type": "reasoning", "id": id, "summary": []}),
        }
    }

    /// The response object with this status (`in_progress` carries no output and no usage).
    fn response(&self, status: &str) -> Value {
        let done = status != "in_progress";
        let mut response = json!({
            "id": self.id,
            "object": "response",
            "created_at": self.created_at,
            "status": status,
            "error": null,
            "incomplete_details": null,
            "model": self.model,
            "output": [],
            "service_tier": "default",
            "store": false,
            "truncation": "disabled",
            "user": null,
            "usage": null,
        });
        for (name, value) in &self.echo {
            response[name] = value.clone();
        }
        if done {
            response["completed_at"] = Value::from(self.created_at);
            response["output"] =
                Value::Array(self.items.iter().map(|i| self.item_done(i)).collect());
            response["usage"] = self.usage.clone();
            if let Some(reason) = self.incomplete {
                response["incomplete_details"] = json!({"reason": reason});
            }
        }
        response
    }

    /// Every event of the stream, in order.
    fn events(&self) -> Vec<SseEvent> {
        let ev = |kind: &'static str, data: Value| SseEvent { kind, data };
        let mut out = vec![
            ev(
                "response.created",
                json!({"response": self.response("in_progress")}),
            ),
            ev(
                "response.in_progress",
                json!({"response": self.response("in_progress")}),
            ),
        ];
        for (index, item) in self.items.iter().enumerate() {
            out.push(ev(
                "response.output_item.added",
                json!({"output_index": index, "item": Self::item_added(item)}),
            ));
            match item {
                Item::Message { id, deltas } => {
                    let at = json!({"item_id": id, "output_index": index, "content_index": 0});
                    let with = |extra: Value| {
                        let mut v = at.clone();
                        if let (Some(v), Value::Object(extra)) = (v.as_object_mut(), extra) {
                            v.extend(extra);
                        }
                        v
                    };
                    let empty = json!({"type": "output_text", "text": "", "annotations": [], "logprobs": []});
                    out.push(ev(
                        "response.content_part.added",
                        with(json!({"part": empty})),
                    ));
                    for delta in deltas {
                        out.push(ev(
                            "response.output_text.delta",
                            with(json!({"delta": delta, "logprobs": []})),
                        ));
                    }
                    let text = deltas.concat();
                    out.push(ev(
                        "response.output_text.done",
                        with(json!({"text": text, "logprobs": []})),
                    ));
                    out.push(ev(
                        "response.content_part.done",
                        with(json!({"part": {"type": "output_text", "text": text,
                                             "annotations": [], "logprobs": []}})),
                    ));
                }
                Item::Call {
                    id,
                    name,
                    arguments,
                    deltas,
                    ..
                } => {
                    for delta in deltas {
                        out.push(ev(
                            "response.function_call_arguments.delta",
                            json!({"item_id": id, "output_index": index, "delta": delta}),
                        ));
                    }
                    out.push(ev(
                        "response.function_call_arguments.done",
                        json!({"item_id": id, "output_index": index, "name": name,
                               "arguments": arguments}),
                    ));
                }
                Item::Reasoning { id, summary, .. } if !summary.is_empty() => {
                    let at = json!({"item_id": id, "output_index": index, "summary_index": 0});
                    let with = |extra: Value| {
                        let mut v = at.clone();
                        if let (Some(v), Value::Object(extra)) = (v.as_object_mut(), extra) {
                            v.extend(extra);
                        }
                        v
                    };
                    out.push(ev(
                        "response.reasoning_summary_part.added",
                        with(json!({"part": {"type": "summary_text", "text": ""}})),
                    ));
                    for delta in summary {
                        out.push(ev(
                            "response.reasoning_summary_text.delta",
                            with(json!({"delta": delta})),
                        ));
                    }
                    let text = summary.concat();
                    out.push(ev(
                        "response.reasoning_summary_text.done",
                        with(json!({"text": text})),
                    ));
                    out.push(ev(
                        "response.reasoning_summary_part.done",
                        with(json!({"part": {"type": "summary_text", "text": text}})),
                    ));
                }
                Item::Reasoning { .. } => {}
            }
            out.push(ev(
                "response.output_item.done",
                json!({"output_index": index, "item": self.item_done(item)}),
            ));
        }
        let terminal = if self.incomplete.is_some() {
            "response.incomplete"
        } else {
            "response.completed"
        };
        out.push(ev(
            terminal,
            json!({"response": self.response(self.status())}),
        ));
        out
    }

    /// The `response.failed` event (or, for a validation failure, the `error` event) a
    /// `[midstream]` fault sends.
    fn failure(&self, error: &ServiceError) -> SseEvent {
        let mapped = OpenAiError::from_service(error);
        if error.status == 400 {
            return SseEvent {
                kind: "error",
                data: json!({"error": {"type": mapped.error_type, "code": mapped.code,
                                       "message": mapped.message, "param": null}}),
            };
        }
        let code = if error.status == 429 {
            "rate_limit_exceeded"
        } else {
            "server_error"
        };
        let mut response = self.response("failed");
        response["error"] = json!({"code": code, "message": mapped.message});
        response["usage"] = Value::Null;
        SseEvent {
            kind: "response.failed",
            data: json!({"response": response}),
        }
    }
}

/// `event: TYPE` / `data: JSON` / blank line, with the sequence number.
fn frame(event: &SseEvent, sequence: usize) -> Vec<u8> {
    let mut data = Map::new();
    data.insert("type".into(), Value::from(event.kind));
    if let Value::Object(members) = &event.data {
        data.extend(members.clone());
    }
    data.insert("sequence_number".into(), Value::from(sequence));
    format!("event: {}\ndata: {}\n\n", event.kind, Value::Object(data)).into_bytes()
}

fn is_delta(kind: &str) -> bool {
    kind.ends_with(".delta")
}

/// The stream's frames (one per event) with `fault` applied, as for ConverseStream:
///
/// | fault | events sent | end |
/// |---|---|---|
/// | none | all | final chunk |
/// | `[midstream:T]` | up to the 2nd delta, then `response.failed` (`error` for a validation type) | final chunk |
/// | `[cut]` | up to the last delta | final chunk |
/// | `[crc]` | all; the 1st delta's `data:` JSON is cut short | final chunk |
/// | `[close]` | up to the 1st delta | half of the next event, then close |
/// | `[stall]` | up to the 1st delta | none |
/// | `[cut_chunk]`, `[endless_chunk]` | up to the 1st delta | as for ConverseStream |
/// | `[oversize_frame]` | up to the 1st delta | a `data:` line over 16 MiB, then close |
fn plan(events: &[SseEvent], fault: Option<Fault>, answer: &Answer) -> StreamPlan {
    let frames: Vec<Vec<u8>> = events
        .iter()
        .enumerate()
        .map(|(i, e)| frame(e, i))
        .collect();
    let deltas: Vec<usize> = events
        .iter()
        .enumerate()
        .filter(|(_, e)| is_delta(e.kind))
        .map(|(i, _)| i)
        .collect();
    // Without deltas, cuts fall after `response.created` and `response.in_progress`.
    stream::apply_fault(
        frames,
        &deltas,
        2,
        fault,
        stream::FaultFrames {
            exception: &|exception, at| {
                frame(&answer.failure(&ServiceError::of(exception.error)), at)
            },
            corrupt: &|frame| {
                frame.truncate(frame.len() / 2);
                frame.extend_from_slice(b"\n\n");
            },
            oversize: &oversize_event,
        },
    )
}

/// The length of the `data:` line an `[oversize_frame]` sends: over the 16 MiB line limit of
/// the core's SSE parser.
const OVERSIZE_EVENT_LEN: usize = 16 * 1024 * 1024 + 64 * 1024;

/// The start of an event whose `data:` line is [`OVERSIZE_EVENT_LEN`] bytes long and never ends.
fn oversize_event() -> Vec<u8> {
    let mut out = b"event: response.output_text.delta\ndata: ".to_vec();
    out.resize(out.len() + OVERSIZE_EVENT_LEN, b'x');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(value: Value) -> Result<Map<String, Value>, OpenAiError> {
        parse_body(value.to_string().as_bytes())
    }

    #[test]
    fn store_false_is_required() {
        let e = body(json!({"model": "m", "input": "hi"})).unwrap_err();
        assert_eq!((e.status, e.param.as_deref()), (400, Some("store")));
        let e = body(json!({"model": "m", "input": "hi", "store": true})).unwrap_err();
        assert_eq!(e.param.as_deref(), Some("store"));
        assert!(body(json!({"model": "m", "input": "hi", "store": false})).is_ok());
    }

    #[test]
    fn input_items_are_checked() {
        let with = |items: Value| body(json!({"model": "m", "store": false, "input": items}));
        assert!(
            with(json!([
                {"role": "user", "content": [{"type": "input_text", "text": "a"}]},
                {"type": "reasoning", "id": "rs_1", "summary": [], "encrypted_content": "x"},
                {"type": "function_call", "call_id": "c", "name": "f", "arguments": "{}"},
                {"type": "function_call_output", "call_id": "c", "output": "ok"},
                {"role": "assistant", "content": [{"type": "output_text", "text": "b"}]}
            ]))
            .is_ok()
        );
        let e =
            with(json!([{"role": "assistant", "content": [{"type": "input_text", "text": "a"}]}]))
                .unwrap_err();
        assert_eq!(e.param.as_deref(), Some("input[0].content[0].type"));
        let e = with(json!([{"type": "function_call", "call_id": "c", "name": "f"}])).unwrap_err();
        assert_eq!(e.param.as_deref(), Some("input[0].arguments"));
        let e = with(json!([{"type": "reasoning", "id": "rs_9", "summary": []}])).unwrap_err();
        assert_eq!(e.status, 404);
        assert!(e.message.contains("rs_9"));
        let e = with(json!([{"type": "bogus"}])).unwrap_err();
        assert_eq!(e.param.as_deref(), Some("input[0].type"));
    }

    #[test]
    fn tool_results_after_the_last_user_message_are_echoed() {
        let turn = last_turn(Some(&json!([
            {"role": "user", "content": "weather? [scenario:tool_use]"},
            {"type": "function_call", "call_id": "c", "name": "f", "arguments": "{}"},
            {"type": "function_call_output", "call_id": "c", "output": "18 C"}
        ])));
        assert_eq!(turn.text, "");
        assert_eq!(turn.tool_results, "The tool returned: 18 C");
    }

    #[test]
    fn stream_events_are_numbered_and_typed() {
        let mut rng = Rng::new(3);
        let script = Script::new(Content::ToolUse, "x", 3);
        let body = body(json!({"model": "m", "store": false, "input": "x"})).unwrap();
        let answer = Answer::new(
            &script,
            Content::ToolUse,
            &body,
            &mut rng,
            UnixTime::from_secs(1).unwrap(),
        );
        let plan = plan(&answer.events(), None, &answer);
        for (i, frame) in plan.frames.iter().enumerate() {
            let text = String::from_utf8(frame.clone()).unwrap();
            let (head, data) = text.split_once("\ndata: ").unwrap();
            let kind = head.strip_prefix("event: ").unwrap();
            let data: Value = serde_json::from_str(data.trim_end()).unwrap();
            assert_eq!(data["type"], kind);
            assert_eq!(data["sequence_number"], i);
        }
        let last = String::from_utf8(plan.frames.last().unwrap().clone()).unwrap();
        assert!(last.starts_with("event: response.completed\n"));
    }
}
