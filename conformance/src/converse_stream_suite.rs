//! The recorded-ConverseStream suite: whole ConverseStream HTTP bodies in, the accumulated
//! Converse response (or the error) out.
//!
//! A folder is a suite folder when it holds `expected.json` whose top-level object has a
//! `"streams"` key. Every entry of `streams` is one case, named `<folder>/<file>`, and says what
//! the body in the file of that name must give:
//!
//! ```json
//! { "streams": {
//!     "text_plain": { "response": { "output": { "message": { ... } }, "stopReason": "end_turn",
//!                                   "usage": { ... }, "metrics": { ... } },
//!                     "events": 12 },
//!     "throttled": { "error": { "kind": "exception",
//!                               "message_contains": "Too many tokens",
//!                               "events_before_error": 4 },
//!                    "partial": { ... } } } }
//! ```
//!
//! - A success gives `"response"`, the Converse response JSON exactly as the non-streaming call
//!   returns it (compared with `serde_json::to_value` of the accumulated [`ConverseResponse`] for
//!   equality), and `"events"`, the number of ConverseStream events [`parse_event`] returns
//!   (frames of unknown event types are skipped and not counted).
//! - A failure gives `"error"`: its `"kind"` (see [`KINDS`]), `"message_contains"` (a string, or a
//!   list of strings that must all occur in the error's message) and `"events_before_error"`;
//!   and optionally `"partial"`, the response as far as it got: the one carried by
//!   [`AccumulateError::TruncatedStream`], otherwise [`StreamAccumulator::partial`].
//!
//! Keys starting with `_` are comments; any other key is an error, so a misspelt expectation
//! cannot be silently ignored.
//!
//! Each file is fed through [`Decoder`] → [`parse_event`] → [`StreamAccumulator`] whole, one
//! byte at a time and split into two chunks at every position; every chunking must give the same
//! events and the same outcome (a difference is shown as a diff of the runs rendered as text),
//! which must then match the expectation. A file in the folder that `expected.json` does not
//! list is a failure (`README.md`, `*.py` and dot files excepted), and so is a listed file that
//! is missing.

use bedrock_core::exchange::{Clock, Event, Exchange, ExchangeConfig, Operation, doc_support};
use bedrock_core::retry::RetryConfig;
use bedrock_core::time::{Instant, UnixTime};
use std::fmt::Write as _;
use std::fs;
use std::path::Path;

use bedrock_core::converse::{
    AccumulateError, ConverseResponse, EventError, StreamAccumulator, StreamEvent, parse_event,
};
use bedrock_core::eventstream::{DecodeError, Decoder};
use serde_json::{Map, Value};

use crate::listed_suite::{self, check_keys};
use crate::report::{CaseReport, Outcome, check_stage};

/// The file describing a suite folder.
pub use crate::listed_suite::EXPECTED_FILE;

/// The error kinds an expectation may name.
///
/// | kind | raised by |
/// |---|---|
/// | `decode` | the event-stream [`Decoder`] ([`DecodeError`]) |
/// | `exception` | an exception or error frame ([`EventError::Exception`]) |
/// | `malformed_event` | any other [`EventError`]: a frame that is not a ConverseStream event |
/// | `out_of_order` | [`AccumulateError::OutOfOrder`] |
/// | `truncated_stream` | [`AccumulateError::TruncatedStream`] |
/// | `invalid_tool_input` | [`AccumulateError::InvalidToolInput`] |
/// | `accumulate` | an [`AccumulateError`] variant this runner does not know yet |
pub const KINDS: &[&str] = &[
    "decode",
    "exception",
    "malformed_event",
    "out_of_order",
    "truncated_stream",
    "invalid_tool_input",
    "accumulate",
];

/// Whether `dir` is a ConverseStream suite folder: it holds an `expected.json` whose top-level
/// object has a `"streams"` key.
pub fn is_suite(dir: &Path) -> bool {
    listed_suite::is_suite(dir, "streams")
}

/// Runs every case of the suite folder `dir`; `folder` is the folder's display name, which
/// prefixes each case name. Reports come in name order.
pub fn run_suite(dir: &Path, folder: &str) -> Vec<CaseReport> {
    listed_suite::run(dir, folder, "streams", "ConverseStream", run_case)
}

/// What one entry of `streams` expects.
#[derive(Debug, PartialEq)]
enum Expectation {
    /// The stream accumulates to exactly this response, from this many events.
    Success { response: Value, events: usize },
    /// The stream fails.
    Failure {
        kind: String,
        message_contains: Vec<String>,
        events_before_error: usize,
        partial: Option<Value>,
    },
}

fn parse_expectation(entry: &Value) -> Result<Expectation, String> {
    let what = "expected.json entry";
    let object = entry
        .as_object()
        .ok_or_else(|| format!("{what} is not a JSON object"))?;
    check_keys(object, &["response", "events", "error", "partial"], what)?;
    let count = |object: &Map<String, Value>, key: &str, what: &str| {
        object
            .get(key)
            .and_then(Value::as_u64)
            .and_then(|n| usize::try_from(n).ok())
            .ok_or_else(|| format!("{what}: {key:?} is missing or not a non-negative integer"))
    };
    match (object.get("response"), object.get("error")) {
        (Some(response), None) => {
            if object.contains_key("partial") {
                return Err(format!("{what}: a success cannot have a \"partial\""));
            }
            Ok(Expectation::Success {
                response: response.clone(),
                events: count(object, "events", what)?,
            })
        }
        (None, Some(error)) => {
            if object.contains_key("events") {
                return Err(format!(
                    "{what}: a failure counts \"events_before_error\" inside \"error\", not \"events\""
                ));
            }
            let what = "expected.json \"error\"";
            let error = error
                .as_object()
                .ok_or_else(|| format!("{what} is not a JSON object"))?;
            check_keys(
                error,
                &["kind", "message_contains", "events_before_error"],
                what,
            )?;
            let kind = error
                .get("kind")
                .and_then(Value::as_str)
                .ok_or_else(|| format!("{what}: \"kind\" is missing or not a string"))?;
            if !KINDS.contains(&kind) {
                return Err(format!(
                    "{what}: unknown kind {kind:?} (known: {})",
                    KINDS.join(", ")
                ));
            }
            let message_contains = match error.get("message_contains") {
                Some(Value::String(part)) => vec![part.clone()],
                Some(Value::Array(parts)) if !parts.is_empty() => parts
                    .iter()
                    .map(|p| p.as_str().map(str::to_string))
                    .collect::<Option<Vec<_>>>()
                    .ok_or_else(|| format!("{what}: \"message_contains\" has a non-string"))?,
                _ => {
                    return Err(format!(
                        "{what}: \"message_contains\" is missing or not a string or a non-empty list"
                    ));
                }
            };
            Ok(Expectation::Failure {
                kind: kind.to_string(),
                message_contains,
                events_before_error: count(error, "events_before_error", what)?,
                partial: object.get("partial").cloned(),
            })
        }
        _ => Err(format!(
            "{what}: give exactly one of \"response\" and \"error\""
        )),
    }
}

/// How feeding one chunking of a body ended.
#[derive(Debug, PartialEq)]
enum Ending {
    /// Every frame decoded and the accumulator finished.
    Complete(Box<ConverseResponse>),
    /// A layer failed; `partial` is the response as far as it got.
    Failed {
        kind: &'static str,
        message: String,
        partial: Box<ConverseResponse>,
    },
}

/// What one chunking of a body gave: the events in order, then the ending.
#[derive(Debug, PartialEq)]
struct Run {
    events: Vec<StreamEvent>,
    ending: Ending,
}

impl Run {
    /// The run as text, one event a line, then the response or the error and the partial
    /// response: the form in which chunkings are compared and diffed.
    fn render(&self) -> String {
        let mut out = String::new();
        for (i, event) in self.events.iter().enumerate() {
            let _ = writeln!(out, "event {}: {event:?}", i + 1);
        }
        match &self.ending {
            Ending::Complete(response) => {
                let _ = write!(out, "response:\n{}", pretty_response(response));
            }
            Ending::Failed {
                kind,
                message,
                partial,
            } => {
                let _ = write!(
                    out,
                    "error {kind}: {message}\npartial:\n{}",
                    pretty_response(partial)
                );
            }
        }
        out
    }
}

fn response_json(response: &ConverseResponse) -> Result<Value, String> {
    serde_json::to_value(response).map_err(|e| format!("serializing the response: {e}"))
}

fn pretty_response(response: &ConverseResponse) -> String {
    match response_json(response) {
        Ok(json) => pretty(&json),
        Err(e) => e,
    }
}

/// JSON with every object's keys sorted, so that member order never shows in a diff.
fn sorted(value: &Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            Value::Object(
                keys.into_iter()
                    .map(|k| (k.clone(), sorted(&map[k])))
                    .collect(),
            )
        }
        Value::Array(items) => Value::Array(items.iter().map(sorted).collect()),
        other => other.clone(),
    }
}

fn pretty(value: &Value) -> String {
    serde_json::to_string_pretty(&sorted(value)).unwrap_or_else(|e| format!("unprintable: {e}"))
}

/// Compares two JSON values for equality; on mismatch returns a diff of their sorted forms.
///
/// # Errors
///
/// The diff when the values differ.
fn check_json(stage: &str, expected: &Value, actual: &Value) -> Result<(), String> {
    if expected == actual {
        return Ok(());
    }
    check_stage(stage, &pretty(expected), &pretty(actual))?;
    Err(format!(
        "{stage} differs only where the text does not show it (number types?):\n{}",
        pretty(actual)
    ))
}

/// The expectation kind of a decoder error.
fn decode_kind(_: &DecodeError) -> &'static str {
    "decode"
}

/// The expectation kind of an event error.
fn event_error_kind(error: &EventError) -> &'static str {
    match error {
        EventError::Exception(_) => "exception",
        _ => "malformed_event",
    }
}

/// The expectation kind of an accumulator error.
fn accumulate_kind(error: &AccumulateError) -> &'static str {
    match error {
        AccumulateError::TruncatedStream { .. } => "truncated_stream",
        AccumulateError::InvalidToolInput { .. } => "invalid_tool_input",
        AccumulateError::OutOfOrder { .. } => "out_of_order",
        _ => "accumulate",
    }
}

/// Feeds `chunks` in order through the decoder, the event parser and the accumulator, stopping
/// at the first error; at the end of input finishes the decoder, then the accumulator.
///
/// # Errors
///
/// A message when the decoder breaks its own contract (returns `None` with input left, or
/// loops); a failure of the stream is a normal result, in [`Ending::Failed`].
fn run_chunks<'c>(chunks: impl IntoIterator<Item = &'c [u8]>) -> Result<Run, String> {
    let mut decoder = Decoder::new();
    let mut accumulator = StreamAccumulator::new();
    let mut events = Vec::new();
    let mut frames = 0usize;
    let mut fed = 0usize;
    let failed = |events, kind, message: String, accumulator: &StreamAccumulator| Run {
        events,
        ending: Ending::Failed {
            kind,
            message,
            partial: Box::new(accumulator.partial()),
        },
    };
    for chunk in chunks {
        fed += chunk.len();
        let mut input = chunk;
        loop {
            let message = match decoder.decode(&mut input) {
                Ok(Some(message)) => message,
                Ok(None) => break,
                Err(e) => return Ok(failed(events, decode_kind(&e), e.to_string(), &accumulator)),
            };
            frames += 1;
            // Every frame is at least 16 bytes: more frames than that is a decoder loop.
            if frames > fed / 16 + 1 {
                return Err(format!(
                    "the decoder produced {frames} frames from {fed} bytes"
                ));
            }
            let event = match parse_event(&message) {
                Ok(Some(event)) => event,
                Ok(None) => continue,
                Err(e) => {
                    return Ok(failed(
                        events,
                        event_error_kind(&e),
                        e.to_string(),
                        &accumulator,
                    ));
                }
            };
            if let Err(e) = accumulator.handle_event(&event) {
                return Ok(failed(
                    events,
                    accumulate_kind(&e),
                    e.to_string(),
                    &accumulator,
                ));
            }
            events.push(event);
        }
        if !input.is_empty() {
            return Err(format!(
                "decode() returned None with {} bytes of its input unconsumed",
                input.len()
            ));
        }
    }
    if let Err(e) = decoder.finish() {
        return Ok(failed(events, decode_kind(&e), e.to_string(), &accumulator));
    }
    let ending = match accumulator.finish() {
        Ok(response) => Ending::Complete(Box::new(response)),
        Err(e) => {
            let kind = accumulate_kind(&e);
            let message = e.to_string();
            let partial = match e {
                AccumulateError::TruncatedStream { partial, .. } => partial,
                _ => Box::new(accumulator.partial()),
            };
            Ending::Failed {
                kind,
                message,
                partial,
            }
        }
    };
    Ok(Run { events, ending })
}

/// What the exchange made of one chunking of an HTTP response: its events and its ending.
#[derive(Debug, PartialEq)]
struct ExchangeRun {
    events: Vec<Event>,
    response: Option<bedrock_core::model::Response>,
    error: Option<bedrock_core::error::Error>,
}

/// Feeds `http` to a ConverseStream exchange cut at `cuts`, then the connection closes.
fn run_exchange(http: &[u8], cuts: &[usize]) -> ExchangeRun {
    let mut config = ExchangeConfig::default();
    config.retry = RetryConfig {
        max_attempts: 1,
        ..RetryConfig::default()
    };
    let clock = Clock {
        wall: UnixTime::from_secs(1_764_072_000).unwrap_or(UnixTime::UNIX_EPOCH),
        now: Instant::from_nanos(1),
    };
    let mut events = Vec::new();
    let exchange = Exchange::new(
        &doc_support::loopback_route(),
        &doc_support::text_request("Hi"),
        Operation::ConverseStream,
        doc_support::example_auth(),
        &config,
        clock,
        [1; 32],
    );
    let mut ex = match exchange {
        Ok(ex) => ex,
        Err(error) => {
            return ExchangeRun {
                events,
                response: None,
                error: Some(error),
            };
        }
    };
    let _ = ex.poll_transmit();
    let mut start = 0;
    for &end in cuts.iter().chain(std::iter::once(&http.len())) {
        if ex.handle_input(&http[start..end], clock.now).is_err() {
            break;
        }
        start = end;
        events.extend(std::iter::from_fn(|| ex.poll_event()));
    }
    if !ex.is_finished() {
        let _ = ex.handle_eof(clock.now);
    }
    events.extend(std::iter::from_fn(|| ex.poll_event()));
    ExchangeRun {
        response: events.iter().find_map(|event| match event {
            Event::Response(response) => Some((**response).clone()),
            _ => None,
        }),
        events,
        error: ex.error().cloned(),
    }
}

/// The frames wrapped in a chunked HTTP 200, fed to the exchange whole, byte by byte and split
/// at every position: every chunking must give the same events and ending, and the ending must
/// agree with the expectation (the response the accumulator path gives, or a failure of the
/// matching kind).
fn check_through_exchange(frames: &[u8], expectation: &Expectation) -> Result<(), String> {
    let http = doc_support::chunked_response(
        200,
        &[
            ("Content-Type", "application/vnd.amazon.eventstream"),
            ("x-amzn-RequestId", "fixture"),
        ],
        frames,
        113,
    );
    let whole = run_exchange(&http, &[]);
    let every: Vec<usize> = (1..http.len()).collect();
    if run_exchange(&http, &every) != whole {
        return Err("exchange: byte by byte differs from whole".into());
    }
    for split in 1..http.len() {
        if run_exchange(&http, &[split]) != whole {
            return Err(format!(
                "exchange: split at byte {split} differs from whole"
            ));
        }
    }
    match (expectation, &whole.response, &whole.error) {
        (Expectation::Success { response, .. }, Some(actual), None) => {
            let bytes = serde_json::to_vec(response).map_err(|e| e.to_string())?;
            let parsed = ConverseResponse::from_json(&bytes).map_err(|e| e.to_string())?;
            let route = doc_support::loopback_route();
            let expected = bedrock_core::converse::to_neutral(
                parsed,
                &route.model,
                Some("fixture".into()),
                vec![],
            );
            check_json(
                "exchange response",
                &serde_json::to_value(&expected).map_err(|e| e.to_string())?,
                &serde_json::to_value(actual).map_err(|e| e.to_string())?,
            )
        }
        (Expectation::Failure { kind, .. }, None, Some(error)) => {
            use bedrock_core::error::ErrorKind;
            let ok = match kind.as_str() {
                "truncated_stream" => error.kind() == ErrorKind::TruncatedStream,
                "exception" => error.status().is_some(),
                _ => error.kind() == ErrorKind::Protocol,
            };
            if ok {
                Ok(())
            } else {
                Err(format!(
                    "exchange: expected a {kind} failure, got {} ({error})",
                    error.kind()
                ))
            }
        }
        (_, response, error) => Err(format!(
            "exchange ended with response {:?} and error {:?}, which does not match the expectation",
            response.as_ref().map(bedrock_core::model::Response::text),
            error.as_ref().map(ToString::to_string)
        )),
    }
}

fn run_case(path: &Path, entry: &Value) -> Outcome {
    match try_run_case(path, entry) {
        Ok(outcome) => outcome,
        Err(message) => Outcome::Fail(message),
    }
}

fn try_run_case(path: &Path, entry: &Value) -> Result<Outcome, String> {
    let expectation = parse_expectation(entry)?;
    let bytes = fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;

    // The same body in every chunking must give the same events and the same outcome.
    let whole = run_chunks([bytes.as_slice()])?;
    let whole_text = whole.render();
    // Rendering every run would cost more than the runs themselves: compare the values and
    // render only to show a difference.
    let check_same = |stage: &str, run: Run| -> Result<(), String> {
        if run == whole {
            return Ok(());
        }
        check_stage(stage, &whole_text, &run.render())?;
        Err(format!(
            "{stage}: the runs differ where their text does not show it"
        ))
    };
    check_same("one byte at a time vs whole", run_chunks(bytes.chunks(1))?)?;
    for split in 1..bytes.len() {
        let (head, tail) = bytes.split_at(split);
        check_same(
            &format!("split at byte {split} vs whole"),
            run_chunks([head, tail])?,
        )?;
    }
    let mut checks = vec!["whole", "byte by byte", "every split"];

    match (&expectation, &whole.ending) {
        (Expectation::Success { response, events }, Ending::Complete(actual)) => {
            check_stage(
                "event count",
                &events.to_string(),
                &whole.events.len().to_string(),
            )?;
            checks.push("events");
            check_json("response", response, &response_json(actual)?)?;
            checks.push("response");
        }
        (Expectation::Success { .. }, Ending::Failed { kind, message, .. }) => {
            return Err(format!(
                "expected a response, but the stream failed after {} events with {kind}: {message}",
                whole.events.len()
            ));
        }
        (Expectation::Failure { kind, .. }, Ending::Complete(actual)) => {
            return Err(format!(
                "expected an error of kind {kind}, but the stream accumulated to a response:\n{}",
                pretty_response(actual)
            ));
        }
        (
            Expectation::Failure {
                kind,
                message_contains,
                events_before_error,
                partial,
            },
            Ending::Failed {
                kind: actual_kind,
                message,
                partial: actual_partial,
            },
        ) => {
            if kind != *actual_kind {
                return Err(format!(
                    "error kind differs: expected {kind}, got {actual_kind} after {} events: \
                     {message}",
                    whole.events.len()
                ));
            }
            checks.push("error kind");
            if let Some(part) = message_contains
                .iter()
                .find(|p| !message.contains(p.as_str()))
            {
                return Err(format!(
                    "the error message does not contain {part:?}: {message}"
                ));
            }
            checks.push("message");
            check_stage(
                "events before the error",
                &events_before_error.to_string(),
                &whole.events.len().to_string(),
            )?;
            checks.push("events before error");
            if let Some(partial) = partial {
                check_json("partial response", partial, &response_json(actual_partial)?)?;
                checks.push("partial");
            }
        }
    }
    // Last: the same body through the whole exchange, once the expectation itself has been
    // checked against the accumulator (so a wrong expectation is reported as such).
    check_through_exchange(&bytes, &expectation)?;
    checks.push("exchange over chunked HTTP at every split");
    Ok(Outcome::Pass {
        checks,
        notes: vec![],
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use bedrock_core::eventstream::{Header, HeaderValue, Message};
    use serde_json::json;

    fn frame(message_type: &str, type_header: &str, name: &str, payload: &Value) -> Vec<u8> {
        let headers = vec![
            Header::new(type_header, HeaderValue::String(name.into())),
            Header::new(
                ":content-type",
                HeaderValue::String("application/json".into()),
            ),
            Header::new(":message-type", HeaderValue::String(message_type.into())),
        ];
        let mut out = Vec::new();
        Message::new(headers, serde_json::to_vec(payload).unwrap())
            .encode(&mut out)
            .unwrap();
        out
    }

    fn event(name: &str, payload: Value) -> Vec<u8> {
        frame("event", ":event-type", name, &payload)
    }

    /// messageStart and two text deltas: a body that has not finished.
    fn opening() -> Vec<u8> {
        let mut body = event("messageStart", json!({"role": "assistant"}));
        for text in ["Hel", "lo"] {
            body.extend(event(
                "contentBlockDelta",
                json!({"contentBlockIndex": 0, "delta": {"text": text}}),
            ));
        }
        body
    }

    fn complete() -> Vec<u8> {
        let mut body = opening();
        body.extend(event("contentBlockStop", json!({"contentBlockIndex": 0})));
        body.extend(event("messageStop", json!({"stopReason": "end_turn"})));
        body.extend(event(
            "metadata",
            json!({"usage": {"inputTokens": 1, "outputTokens": 2, "totalTokens": 3},
                   "metrics": {"latencyMs": 4}}),
        ));
        body
    }

    fn response() -> Value {
        json!({
            "output": {"message": {"role": "assistant", "content": [{"text": "Hello"}]}},
            "stopReason": "end_turn",
            "usage": {"inputTokens": 1, "outputTokens": 2, "totalTokens": 3},
            "metrics": {"latencyMs": 4}
        })
    }

    fn failure_kind(run: &Run) -> Option<&'static str> {
        match &run.ending {
            Ending::Failed { kind, .. } => Some(kind),
            Ending::Complete(_) => None,
        }
    }

    #[test]
    fn a_complete_body_accumulates_in_every_chunking() {
        let body = complete();
        let whole = run_chunks([body.as_slice()]).unwrap();
        assert_eq!(whole.events.len(), 6);
        let Ending::Complete(actual) = &whole.ending else {
            panic!("{}", whole.render())
        };
        assert_eq!(response_json(actual).unwrap(), response());
        assert_eq!(run_chunks(body.chunks(1)).unwrap().render(), whole.render());
        let (head, tail) = body.split_at(50);
        assert_eq!(run_chunks([head, tail]).unwrap().render(), whole.render());
        assert!(whole.render().starts_with("event 1: MessageStart"));
    }

    #[test]
    fn failures_keep_the_events_before_them_and_a_partial_response() {
        let mut throttled = opening();
        throttled.extend(frame(
            "exception",
            ":exception-type",
            "throttlingException",
            &json!({"message": "slow down"}),
        ));
        throttled.extend(complete());
        let run = run_chunks([throttled.as_slice()]).unwrap();
        assert_eq!(failure_kind(&run), Some("exception"));
        assert_eq!(run.events.len(), 3);
        let Ending::Failed {
            message, partial, ..
        } = &run.ending
        else {
            unreachable!()
        };
        assert!(message.contains("slow down"), "{message}");
        assert_eq!(
            serde_json::to_value(partial.content()).unwrap(),
            json!([{"text": "Hello"}])
        );

        let truncated = run_chunks([opening().as_slice()]).unwrap();
        assert_eq!(failure_kind(&truncated), Some("truncated_stream"));
        assert_eq!(truncated.events.len(), 3);

        let mut cut = complete();
        cut.truncate(cut.len() - 3);
        let run = run_chunks([cut.as_slice()]).unwrap();
        assert_eq!(failure_kind(&run), Some("decode"));
        assert_eq!(run.events.len(), 5);

        let malformed = event("messageStop", json!({}));
        let run = run_chunks([malformed.as_slice()]).unwrap();
        assert_eq!(failure_kind(&run), Some("malformed_event"));

        let mut twice = complete();
        twice.extend(event("messageStop", json!({"stopReason": "end_turn"})));
        let run = run_chunks([twice.as_slice()]).unwrap();
        assert_eq!(failure_kind(&run), Some("out_of_order"));
        assert_eq!(run.events.len(), 6);
    }

    #[test]
    fn unknown_event_types_are_skipped_and_not_counted() {
        let mut body = event("someFutureEvent", json!({"x": 1}));
        body.extend(complete());
        let run = run_chunks([body.as_slice()]).unwrap();
        assert_eq!(run.events.len(), 6);
        assert!(matches!(run.ending, Ending::Complete(_)));
    }

    #[test]
    fn expectations_are_parsed_strictly() {
        assert_eq!(
            parse_expectation(&json!({"response": {"a": 1}, "events": 3, "_description": "x"}))
                .unwrap(),
            Expectation::Success {
                response: json!({"a": 1}),
                events: 3
            }
        );
        assert_eq!(
            parse_expectation(
                &json!({"error": {"kind": "exception", "message_contains": "m",
                                                 "events_before_error": 2}})
            )
            .unwrap(),
            Expectation::Failure {
                kind: "exception".into(),
                message_contains: vec!["m".into()],
                events_before_error: 2,
                partial: None
            }
        );
        assert_eq!(
            parse_expectation(
                &json!({"error": {"kind": "decode", "message_contains": ["a", "b"],
                                                 "events_before_error": 0},
                                       "partial": {"p": 1}})
            )
            .unwrap(),
            Expectation::Failure {
                kind: "decode".into(),
                message_contains: vec!["a".into(), "b".into()],
                events_before_error: 0,
                partial: Some(json!({"p": 1}))
            }
        );
        let error = json!({"kind": "exception", "message_contains": "m", "events_before_error": 1});
        for bad in [
            json!({"response": {}}),
            json!({"response": {}, "events": -1}),
            json!({"response": {}, "events": 1, "partial": {}}),
            json!({"response": {}, "events": 1, "error": error}),
            json!({"response": {}, "events": 1, "reponse": {}}),
            json!({"error": error, "events": 1}),
            json!({"error": {"kind": "nope", "message_contains": "m", "events_before_error": 1}}),
            json!({"error": {"kind": "decode", "message_contains": [], "events_before_error": 1}}),
            json!({"error": {"kind": "decode", "message_contains": [1], "events_before_error": 1}}),
            json!({"error": {"kind": "decode", "message_contains": "m"}}),
            json!({"error": {"kind": "decode", "message_contains": "m", "events_before_error": 1,
                             "extra": 1}}),
            json!({}),
            json!([]),
        ] {
            assert!(parse_expectation(&bad).is_err(), "{bad} accepted");
        }
    }

    #[test]
    fn json_is_compared_by_value_and_diffed_with_sorted_keys() {
        let a = json!({"b": [1, {"d": 2, "c": 3}], "a": "x"});
        let b: Value = serde_json::from_str(r#"{"a": "x", "b": [1, {"c": 3, "d": 2}]}"#).unwrap();
        assert!(check_json("s", &a, &b).is_ok());
        assert_eq!(
            pretty(&a),
            "{\n  \"a\": \"x\",\n  \"b\": [\n    1,\n    {\n      \"c\": 3,\n      \"d\": 2\n    }\n  ]\n}"
        );
        let diff = check_json("s", &a, &json!({"a": "y", "b": [1, {"c": 3, "d": 2}]})).unwrap_err();
        assert!(diff.contains("-   \"a\": \"x\","), "{diff}");
        assert!(diff.contains("+   \"a\": \"y\","), "{diff}");
        let numbers = check_json("s", &json!(1), &json!(1.0)).unwrap_err();
        assert!(numbers.contains("s differs"), "{numbers}");
    }

    #[test]
    fn cases_check_every_part_of_the_expectation() {
        let dir = std::env::temp_dir().join(format!(
            "bedrock-converse-stream-suite-{}",
            std::process::id()
        ));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        fs::write(dir.join("complete"), complete()).unwrap();
        fs::write(dir.join("cut"), opening()).unwrap();
        fs::write(dir.join("stray"), b"").unwrap();
        fs::write(dir.join("README.md"), b"docs").unwrap();
        let expected = json!({"_comment": "test", "streams": {
            "complete": {"response": response(), "events": 6},
            "cut": {"error": {"kind": "truncated_stream",
                              "message_contains": ["messageStop", "incomplete"],
                              "events_before_error": 3},
                    "partial": {"output": {"message": {"role": "assistant",
                                                       "content": [{"text": "Hello"}]}},
                                "stopReason": "",
                                "usage": {"inputTokens": 0, "outputTokens": 0, "totalTokens": 0},
                                "metrics": {"latencyMs": 0}}},
            "missing": {"response": response(), "events": 6}
        }});
        fs::write(dir.join(EXPECTED_FILE), expected.to_string()).unwrap();
        assert!(is_suite(&dir));
        let reports = run_suite(&dir, "f");
        let outcomes: Vec<(&str, bool)> = reports
            .iter()
            .map(|r| (r.name.as_str(), matches!(r.outcome, Outcome::Pass { .. })))
            .collect();
        assert_eq!(
            outcomes,
            [
                ("f/complete", true),
                ("f/cut", true),
                ("f/missing", false),
                ("f/stray", false)
            ],
            "{reports:#?}"
        );

        // Each mismatch is reported.
        for (entry, wanted) in [
            (json!({"response": response(), "events": 5}), "event count"),
            (
                json!({"response": {"stopReason": "end_turn"}, "events": 6}),
                "response differs",
            ),
            (
                json!({"error": {"kind": "exception", "message_contains": "x",
                                 "events_before_error": 6}}),
                "expected an error of kind exception",
            ),
        ] {
            let Outcome::Fail(message) = run_case(&dir.join("complete"), &entry) else {
                panic!("{entry} passed")
            };
            assert!(message.contains(wanted), "{message}");
        }
        for (entry, wanted) in [
            (
                json!({"error": {"kind": "decode", "message_contains": "messageStop",
                                 "events_before_error": 3}}),
                "error kind differs",
            ),
            (
                json!({"error": {"kind": "truncated_stream", "message_contains": "metadata",
                                 "events_before_error": 3}}),
                "does not contain \"metadata\"",
            ),
            (
                json!({"error": {"kind": "truncated_stream", "message_contains": "messageStop",
                                 "events_before_error": 2}}),
                "events before the error",
            ),
            (
                json!({"error": {"kind": "truncated_stream", "message_contains": "messageStop",
                                 "events_before_error": 3}, "partial": {}}),
                "partial response differs",
            ),
            (
                json!({"response": response(), "events": 3}),
                "expected a response",
            ),
        ] {
            let Outcome::Fail(message) = run_case(&dir.join("cut"), &entry) else {
                panic!("{entry} passed")
            };
            assert!(message.contains(wanted), "{message}");
        }
        fs::remove_dir_all(&dir).unwrap();
    }
}
