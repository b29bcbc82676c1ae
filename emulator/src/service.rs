//! One request in, one [`Reply`] out: routing, authentication, validation, scenario markers,
//! injected errors and the answer itself. No socket code here; the server writes the reply.
//!
//! Order of checks, as Bedrock's front door does it: authentication, then the route, then the
//! body, then the scenario (an `[error:...]` marker answers only a well-formed, authenticated
//! request).

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use bedrock_core::percent::decode as percent_decode;
use bedrock_core::time::UnixTime;
use serde_json::{Value, json};

use super::auth;
use super::errors::{ServiceError, known};
use super::request::Request;
use super::responses;
use super::rng::Rng;
use super::scenario::{Fault, Scenario};
use super::script::{Script, estimate_tokens, string_chars};
use super::stream::{self, StreamPlan};
use super::validate;
use super::{EmulatorConfig, Operation, RequestRecord};

/// How a non-streaming body ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum BodyEnd {
    /// The whole body.
    Complete,
    /// This many bytes of it, then the connection closes.
    CloseAfter(usize),
    /// This many bytes of it, then silence until the client leaves or the stall limit.
    StallAfter(usize),
}

impl BodyEnd {
    /// How a body of `len` bytes ends under `fault`: the framing faults that have a meaning for
    /// a `Content-Length` body cut it in half.
    pub(crate) fn for_fault(fault: Option<Fault>, len: usize) -> Self {
        match fault {
            Some(Fault::CloseMidFrame) => Self::CloseAfter(len / 2),
            Some(Fault::Stall) => Self::StallAfter(len / 2),
            _ => Self::Complete,
        }
    }
}

/// A response body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum ReplyBody {
    /// A `Content-Length` JSON body.
    Json { bytes: Vec<u8>, end: BodyEnd },
    /// A chunked event stream.
    Stream(StreamPlan),
}

/// Everything the server needs to answer one request.
#[derive(Clone, Debug)]
pub(crate) struct Reply {
    pub(crate) status: u16,
    pub(crate) error_type: Option<String>,
    pub(crate) content_type: &'static str,
    pub(crate) body: ReplyBody,
    /// `[slow_head:T]`: wait before the head.
    pub(crate) slow_head: Option<Duration>,
    /// `[cut_head]`, `[oversize_head]`: how the head is damaged.
    pub(crate) head_fault: Option<Fault>,
    /// `[drip:T]`: wait between frames.
    pub(crate) drip: Option<Duration>,
    /// Chooses chunk sizes when the body is written.
    pub(crate) rng: Rng,
    /// The mantle surface: `x-request-id: req_...` instead of the `x-amzn-` headers.
    pub(crate) mantle: bool,
}

impl Reply {
    fn error(error: &ServiceError, rng: Rng) -> Self {
        Self {
            status: error.status,
            error_type: Some(error.error_type.clone()),
            content_type: "application/json",
            body: ReplyBody::Json {
                bytes: error.body(),
                end: BodyEnd::Complete,
            },
            slow_head: None,
            head_fault: None,
            drip: None,
            rng,
            mantle: false,
        }
    }

    fn json(value: &Value, rng: Rng) -> Self {
        Self {
            status: 200,
            error_type: None,
            content_type: "application/json",
            body: ReplyBody::Json {
                bytes: serde_json::to_vec(value).unwrap_or_default(),
                end: BodyEnd::Complete,
            },
            slow_head: None,
            head_fault: None,
            drip: None,
            rng,
            mantle: false,
        }
    }

    /// What a proxy or captive portal answers in Bedrock's place: a 200 HTML page (`[html]`).
    pub(crate) fn html_page(slow_head: Option<Duration>, rng: &Rng, mantle: bool) -> Self {
        Self {
            status: 200,
            error_type: None,
            content_type: "text/html; charset=utf-8",
            body: ReplyBody::Json {
                bytes: HTML_PAGE.as_bytes().to_vec(),
                end: BodyEnd::Complete,
            },
            slow_head,
            head_fault: None,
            drip: None,
            rng: rng.clone(),
            mantle,
        }
    }
}

/// State shared by every connection.
#[derive(Debug)]
pub(crate) struct Service {
    pub(crate) config: EmulatorConfig,
    /// Attempts seen per `[throttle]` / `[fail]` key.
    attempts: Mutex<HashMap<String, u32>>,
}

impl Service {
    pub(crate) fn new(config: EmulatorConfig) -> Self {
        Self {
            config,
            attempts: Mutex::new(HashMap::new()),
        }
    }

    /// Counts one attempt under `key`; `true` while fewer than `times` attempts were counted
    /// before it (the attempt fails).
    pub(crate) fn count_attempt(&self, key: String, times: u32) -> bool {
        let mut attempts = self.attempts.lock().unwrap_or_else(PoisonError::into_inner);
        let seen = attempts.entry(key).or_insert(0);
        if *seen < times {
            *seen += 1;
            true
        } else {
            false
        }
    }

    /// Answers one request; `sequence` numbers requests for the request id.
    pub(crate) fn handle(&self, request: &Request, sequence: u64) -> (Reply, RequestRecord) {
        let now = self.config.clock.now();
        // Padding and chunk sizes depend only on the seed and the body, so the same request
        // always gets the same bytes; request ids differ per request.
        let mut rng = Rng::for_bytes(self.config.seed, &request.body);
        let request_id = Rng::new(self.config.seed ^ (sequence.wrapping_add(1) << 17)).uuid();
        if request.path().starts_with(responses::PREFIX) {
            let mut record = RequestRecord {
                request_id,
                operation: None,
                model_id: None,
                auth: None,
                status: 0,
                error_type: None,
                sdk_attempt: request
                    .header("x-stainless-retry-count")
                    .map(str::to_string),
                tls: false,
            };
            let reply = responses::handle(self, request, now, &mut record, &mut rng);
            record.status = reply.status;
            record.error_type.clone_from(&reply.error_type);
            return (reply, record);
        }
        let route = route(request);
        let mut record = RequestRecord {
            request_id,
            operation: route.as_ref().map(|(op, _)| *op),
            model_id: route.as_ref().map(|(_, id)| id.clone()),
            auth: None,
            status: 0,
            error_type: None,
            sdk_attempt: request.header("amz-sdk-request").map(str::to_string),
            // Set by the connection, which knows.
            tls: false,
        };
        let reply = match self.answer(request, now, route, &mut record, &mut rng) {
            Ok(reply) => reply,
            Err((error, slow_head)) => Reply {
                slow_head,
                ..Reply::error(&error, rng)
            },
        };
        record.status = reply.status;
        record.error_type.clone_from(&reply.error_type);
        (reply, record)
    }

    fn answer(
        &self,
        request: &Request,
        now: UnixTime,
        route: Option<(Operation, String)>,
        record: &mut RequestRecord,
        rng: &mut Rng,
    ) -> Result<Reply, (ServiceError, Option<Duration>)> {
        let auth = auth::authenticate(&self.config, now, request).map_err(|e| (e, None))?;
        record.auth = Some(auth);
        let Some((operation, model_id)) = route else {
            let error = ServiceError {
                error_type: "UnknownOperationException".into(),
                status: 404,
                message: format!(
                    "The Bedrock emulator serves POST /model/{{modelId}}/converse, \
                     /converse-stream and /count-tokens, not {} {}",
                    request.method,
                    request.path()
                ),
                extra: serde_json::Map::new(),
            };
            return Err((error, None));
        };
        let body = validate::parse_body(operation, &request.body).map_err(|e| (e, None))?;
        let conversation = validate::conversation(operation, &body);
        let turn = LastUserTurn::of(conversation);

        let mut scenario = Scenario::default();
        scenario.apply_markers(&model_id).map_err(|e| (e, None))?;
        let echo = scenario.apply_markers(&turn.text).map_err(|e| (e, None))?;
        let slow_head = scenario.slow_head;
        let fail = |error: ServiceError| (error, slow_head);

        if let Some(error) = scenario.error.clone() {
            return Err(fail(with_error_members(error, &model_id)));
        }
        if let Some(fail_first) = &scenario.fail_first {
            let key = format!(
                "{}|{}|{}",
                operation.path_suffix(),
                scenario.id.as_deref().unwrap_or_default(),
                fail_first.marker
            );
            let mut attempts = self.attempts.lock().unwrap_or_else(PoisonError::into_inner);
            let seen = attempts.entry(key).or_insert(0);
            if *seen < fail_first.times {
                *seen += 1;
                let error = ServiceError::of(fail_first.error);
                return Err(fail(with_error_members(error, &model_id)));
            }
        }
        if operation != Operation::ConverseStream
            && let Some(Fault::MidStream(exception)) = scenario.fault
        {
            // Without a stream, the failure is the call's error.
            let error = ServiceError::of(exception.error);
            return Err(fail(with_error_members(error, &model_id)));
        }

        let input_tokens = match operation {
            Operation::CountTokens => estimate_tokens(body.get("input").map_or(0, string_chars)),
            Operation::Converse | Operation::ConverseStream => estimate_tokens(
                ["messages", "system", "toolConfig"]
                    .iter()
                    .filter_map(|m| body.get(*m))
                    .map(string_chars)
                    .sum(),
            ),
        };
        let echo = if echo.trim().is_empty() {
            turn.tool_results
        } else {
            echo
        };
        if scenario.html {
            return Ok(Reply::html_page(slow_head, rng, false));
        }
        let mut reply = match operation {
            Operation::CountTokens => {
                Reply::json(&json!({"inputTokens": input_tokens}), rng.clone())
            }
            Operation::Converse => {
                let script = Script::new(scenario.content, &echo, input_tokens);
                let response = serde_json::to_value(script.response()).unwrap_or_default();
                Reply::json(&response, rng.clone())
            }
            Operation::ConverseStream => {
                let script = Script::new(scenario.content, &echo, input_tokens);
                let mut plan = stream::plan(&script.events(), scenario.fault, rng);
                plan.chunk_per_frame = scenario.chunk_per_frame;
                Reply {
                    status: 200,
                    error_type: None,
                    content_type: "application/vnd.amazon.eventstream",
                    body: ReplyBody::Stream(plan),
                    slow_head: None,
                    head_fault: None,
                    drip: scenario.drip,
                    rng: rng.clone(),
                    mantle: false,
                }
            }
        };
        if let ReplyBody::Json { bytes, end } = &mut reply.body {
            *end = BodyEnd::for_fault(scenario.fault, bytes.len());
        }
        reply.slow_head = slow_head;
        reply.head_fault = scenario.fault.filter(|f| f.in_head());
        Ok(reply)
    }
}

/// The page `[html]` serves.
const HTML_PAGE: &str = "<!DOCTYPE html>\n<html><head><title>Sign in to continue</title></head>\n\
<body><h1>Network login required</h1><p>Sign in to the proxy to reach the Internet.</p></body></html>\n";

/// Adds the members some error shapes carry besides `message`.
fn with_error_members(error: ServiceError, model_id: &str) -> ServiceError {
    match error.error_type.as_str() {
        "ModelErrorException" => error
            .with_member("originalStatusCode", Value::from(500))
            .with_member("resourceName", Value::from(model_id)),
        "ModelStreamErrorException" => error
            .with_member("originalStatusCode", Value::from(500))
            .with_member(
                "originalMessage",
                Value::from("The model server failed while generating the response."),
            ),
        _ => error,
    }
}

/// `POST /model/{modelId}/{operation}` → the operation and the percent-decoded model id.
fn route(request: &Request) -> Option<(Operation, String)> {
    if request.method != "POST" {
        return None;
    }
    let rest = request.path().strip_prefix("/model/")?;
    let (model_id, suffix) = rest.rsplit_once('/')?;
    let operation = Operation::from_path_suffix(suffix)?;
    if model_id.is_empty() || model_id.contains('/') {
        return None;
    }
    Some((operation, percent_decode(model_id)))
}

/// The last `user` message: its text (where markers live) and what its tool results say.
#[derive(Debug, Default)]
struct LastUserTurn {
    text: String,
    tool_results: String,
}

impl LastUserTurn {
    fn of(conversation: Option<&Value>) -> Self {
        let last = conversation
            .and_then(|c| c.get("messages"))
            .and_then(Value::as_array)
            .and_then(|messages| {
                messages
                    .iter()
                    .rev()
                    .find(|m| m.get("role").and_then(Value::as_str) == Some("user"))
            });
        let Some(content) = last
            .and_then(|m| m.get("content"))
            .and_then(Value::as_array)
        else {
            return Self::default();
        };
        let texts: Vec<&str> = content
            .iter()
            .filter_map(|block| block.get("text").and_then(Value::as_str))
            .collect();
        let results: Vec<String> = content
            .iter()
            .filter_map(|block| block.get("toolResult")?.get("content")?.as_array())
            .flatten()
            .filter_map(|item| match (item.get("text"), item.get("json")) {
                (Some(Value::String(text)), _) => Some(text.clone()),
                (_, Some(json)) => Some(json.to_string()),
                _ => None,
            })
            .collect();
        Self {
            text: texts.join("\n"),
            tool_results: if results.is_empty() {
                String::new()
            } else {
                format!("The tool returned: {}", results.join(" "))
            },
        }
    }
}

/// A 400 for a request the server could not even parse (the connection then closes).
pub(crate) fn bad_request(message: &str, rng: Rng) -> Reply {
    Reply::error(
        &ServiceError::with_message(known("ValidationException"), message),
        rng,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn last_user_turn_reads_text_and_tool_results() {
        let body = json!({"messages": [
            {"role": "user", "content": [{"text": "first"}]},
            {"role": "assistant", "content": [{"text": "x"}]},
            {"role": "user", "content": [
                {"toolResult": {"toolUseId": "t", "content": [{"text": "18 C"}, {"json": {"ok": true}}]}}
            ]}
        ]});
        let turn = LastUserTurn::of(Some(&body));
        assert_eq!(turn.text, "");
        assert_eq!(turn.tool_results, "The tool returned: 18 C {\"ok\":true}");
    }
}
