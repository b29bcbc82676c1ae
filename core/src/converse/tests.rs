//! Stream scenarios: frames in, events and the accumulated response out, at every chunking.

use alloc::string::{String, ToString};
use alloc::vec;
use alloc::vec::Vec;

use serde_json::{Value, json};

use super::*;
use crate::eventstream::{Decoder, Header, HeaderValue, Message};

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

fn exception(name: &str, payload: Value) -> Vec<u8> {
    frame("exception", ":exception-type", name, &payload)
}

fn delta(index: u32, delta: Value) -> Vec<u8> {
    event(
        "contentBlockDelta",
        json!({"contentBlockIndex": index, "delta": delta}),
    )
}

fn stop(index: u32) -> Vec<u8> {
    event("contentBlockStop", json!({"contentBlockIndex": index}))
}

fn tail(stop_reason: &str, usage: Value) -> Vec<u8> {
    let mut out = event("messageStop", json!({"stopReason": stop_reason}));
    out.extend(event(
        "metadata",
        json!({"usage": usage, "metrics": {"latencyMs": 100}}),
    ));
    out
}

fn usage() -> Value {
    json!({"inputTokens": 10, "outputTokens": 5, "totalTokens": 15})
}

/// What a stream produced: every event in order, then the final result.
#[derive(Debug, PartialEq)]
struct Outcome {
    events: Vec<StreamEvent>,
    result: Result<ConverseResponse, String>,
}

/// Decodes `bytes` fed in the given chunks and accumulates.
fn run_chunks(bytes: &[u8], chunk_ends: &[usize]) -> Outcome {
    let mut decoder = Decoder::new();
    let mut acc = StreamAccumulator::new();
    let mut events = Vec::new();
    let mut start = 0;
    for &end in chunk_ends.iter().chain(core::iter::once(&bytes.len())) {
        let mut input = &bytes[start..end];
        start = end;
        loop {
            match decoder.decode(&mut input) {
                Ok(Some(message)) => match parse_event(&message) {
                    Ok(Some(event)) => {
                        if let Err(e) = acc.handle_event(&event) {
                            return Outcome {
                                events,
                                result: Err(e.to_string()),
                            };
                        }
                        events.push(event);
                    }
                    Ok(None) => {}
                    Err(e) => {
                        return Outcome {
                            events,
                            result: Err(e.to_string()),
                        };
                    }
                },
                Ok(None) => break,
                Err(e) => {
                    return Outcome {
                        events,
                        result: Err(e.to_string()),
                    };
                }
            }
        }
    }
    if let Err(e) = decoder.finish() {
        return Outcome {
            events,
            result: Err(e.to_string()),
        };
    }
    Outcome {
        events,
        result: acc.finish().map_err(|e| e.to_string()),
    }
}

/// Runs whole, byte by byte, and split at every position; all must agree. Returns the outcome.
fn run_everywhere(bytes: &[u8]) -> Outcome {
    let whole = run_chunks(bytes, &[]);
    let every_byte: Vec<usize> = (1..bytes.len()).collect();
    assert_eq!(run_chunks(bytes, &every_byte), whole, "byte by byte");
    for split in 0..=bytes.len() {
        assert_eq!(run_chunks(bytes, &[split]), whole, "split at {split}");
    }
    whole
}

fn content(outcome: &Outcome) -> Value {
    serde_json::to_value(outcome.result.as_ref().unwrap().content()).unwrap()
}

#[test]
fn plain_text_with_padding_fields() {
    let mut s = event(
        "messageStart",
        json!({"role": "assistant", "p": "abcdefgh"}),
    );
    s.extend(event(
        "contentBlockDelta",
        json!({"contentBlockIndex": 0, "delta": {"text": "Hel"}, "p": "abcdefghijklmnop"}),
    ));
    s.extend(delta(0, json!({"text": "lo"})));
    s.extend(stop(0));
    s.extend(tail("end_turn", usage()));
    let out = run_everywhere(&s);
    assert_eq!(content(&out), json!([{"text": "Hello"}]));
    let response = out.result.unwrap();
    assert_eq!(response.stop_reason, StopReason::EndTurn);
    assert_eq!(response.metrics.latency_ms, 100);
    assert_eq!(out.events.len(), 6);
}

#[test]
fn zero_argument_tool_call_gets_an_empty_object() {
    let mut s = event("messageStart", json!({"role": "assistant"}));
    s.extend(event("contentBlockStart", json!({"contentBlockIndex": 0, "start": {"toolUse": {"toolUseId": "tooluse_1", "name": "get_time"}}})));
    s.extend(stop(0));
    s.extend(tail("tool_use", usage()));
    let out = run_everywhere(&s);
    assert_eq!(
        content(&out),
        json!([{"toolUse": {"toolUseId": "tooluse_1", "name": "get_time", "input": {}}}])
    );
}

#[test]
fn parallel_tool_calls_assemble_per_index() {
    let mut s = event("messageStart", json!({"role": "assistant"}));
    s.extend(delta(0, json!({"text": "Checking both."})));
    s.extend(stop(0));
    s.extend(event("contentBlockStart", json!({"contentBlockIndex": 1, "start": {"toolUse": {"toolUseId": "a", "name": "weather"}}})));
    s.extend(event("contentBlockStart", json!({"contentBlockIndex": 2, "start": {"toolUse": {"toolUseId": "b", "name": "weather"}}})));
    s.extend(delta(1, json!({"toolUse": {"input": "{\"city\":"}})));
    s.extend(delta(
        2,
        json!({"toolUse": {"input": "{\"city\": \"Oslo\"}"}}),
    ));
    s.extend(delta(1, json!({"toolUse": {"input": "\"Paris\"}"}})));
    s.extend(stop(2));
    s.extend(stop(1));
    s.extend(tail("tool_use", usage()));
    let out = run_everywhere(&s);
    assert_eq!(
        content(&out),
        json!([
            {"text": "Checking both."},
            {"toolUse": {"toolUseId": "a", "name": "weather", "input": {"city": "Paris"}}},
            {"toolUse": {"toolUseId": "b", "name": "weather", "input": {"city": "Oslo"}}}
        ])
    );
}

#[test]
fn reasoning_signature_and_redacted_are_byte_exact() {
    let mut s = event("messageStart", json!({"role": "assistant"}));
    s.extend(delta(0, json!({"reasoningContent": {"text": "Let me "}})));
    s.extend(delta(0, json!({"reasoningContent": {"text": "think."}})));
    s.extend(delta(
        0,
        json!({"reasoningContent": {"signature": "EqQBCkYIBxgCKkD+/=="}}),
    ));
    s.extend(stop(0));
    s.extend(delta(
        1,
        json!({"reasoningContent": {"redactedContent": "AAECAw=="}}),
    ));
    s.extend(delta(
        1,
        json!({"reasoningContent": {"redactedContent": "BAU="}}),
    ));
    s.extend(stop(1));
    s.extend(delta(2, json!({"text": "42"})));
    s.extend(stop(2));
    s.extend(tail("end_turn", usage()));
    let out = run_everywhere(&s);
    let response = out.result.unwrap();
    assert_eq!(
        response.content()[0],
        ContentBlock::Reasoning(ReasoningBlock::Text {
            text: "Let me think.".into(),
            signature: Some("EqQBCkYIBxgCKkD+/==".into())
        })
    );
    assert_eq!(
        response.content()[1],
        ContentBlock::Reasoning(ReasoningBlock::Redacted(vec![0, 1, 2, 3, 4, 5]))
    );
}

#[test]
fn citations_make_a_citations_block() {
    let mut s = event("messageStart", json!({"role": "assistant"}));
    s.extend(delta(0, json!({"text": "The sky is blue."})));
    s.extend(delta(0, json!({"citation": {"title": "doc", "location": {"documentChar": {"documentIndex": 0, "start": 0, "end": 10}}}})));
    s.extend(stop(0));
    s.extend(tail("end_turn", usage()));
    let out = run_everywhere(&s);
    assert_eq!(
        content(&out),
        json!([{"citationsContent": {
            "content": [{"text": "The sky is blue."}],
            "citations": [{"title": "doc", "location": {"documentChar": {"documentIndex": 0, "start": 0, "end": 10}}}]
        }}])
    );
}

#[test]
fn cache_usage_and_guardrail_stop() {
    let mut s = event("messageStart", json!({"role": "assistant"}));
    s.extend(delta(0, json!({"text": "Sorry."})));
    s.extend(stop(0));
    s.extend(event(
        "messageStop",
        json!({"stopReason": "guardrail_intervened"}),
    ));
    s.extend(event("metadata", json!({
        "usage": {"inputTokens": 3, "outputTokens": 2, "totalTokens": 1505, "cacheReadInputTokens": 1000,
                  "cacheWriteInputTokens": 500, "cacheDetails": [{"ttl": "1h", "inputTokens": 500}]},
        "metrics": {"latencyMs": 7},
        "trace": {"guardrail": {"actionReason": "blocked"}},
        "serviceTier": {"type": "priority"}
    })));
    let response = run_everywhere(&s).result.unwrap();
    assert_eq!(response.stop_reason, StopReason::GuardrailIntervened);
    assert_eq!(response.usage.cache_read_input_tokens, Some(1000));
    assert_eq!(response.usage.cache_details.as_ref().unwrap()[0].ttl, "1h");
    assert_eq!(
        response.trace.unwrap()["guardrail"]["actionReason"],
        "blocked"
    );
    assert_eq!(response.service_tier, Some(json!({"type": "priority"})));
}

#[test]
fn mid_stream_exceptions_are_typed_errors() {
    let mut s = event("messageStart", json!({"role": "assistant"}));
    s.extend(delta(0, json!({"text": "partial"})));
    let mut throttled = s.clone();
    throttled.extend(exception(
        "throttlingException",
        json!({"message": "Too many requests"}),
    ));
    let out = run_everywhere(&throttled);
    assert_eq!(
        out.events.len(),
        2,
        "events before the exception were delivered"
    );
    assert_eq!(
        out.result.unwrap_err(),
        "ThrottlingException in the stream: Too many requests"
    );

    let mut model_error = s.clone();
    model_error.extend(exception(
        "ModelStreamErrorException",
        json!({"message": "model failed", "originalStatusCode": 500, "originalMessage": "boom"}),
    ));
    let mut decoder = Decoder::new();
    let mut input = model_error.as_slice();
    let mut last = None;
    while let Some(message) = decoder.decode(&mut input).unwrap() {
        last = Some(parse_event(&message));
    }
    let Some(Err(EventError::Exception(e))) = last else {
        panic!("{last:?}")
    };
    assert_eq!(e.kind, ExceptionKind::ModelStreamError);
    assert_eq!(e.kind.http_status(), Some(424));
    assert_eq!(e.original_status_code, Some(500));
    assert_eq!(e.original_message.as_deref(), Some("boom"));
}

#[test]
fn unmodelled_error_frames_use_their_headers() {
    let headers = vec![
        Header::new(":message-type", HeaderValue::String("error".into())),
        Header::new(":error-code", HeaderValue::String("InternalFailure".into())),
        Header::new(":error-message", HeaderValue::String("it broke".into())),
    ];
    let mut bytes = Vec::new();
    Message::new(headers, vec![]).encode(&mut bytes).unwrap();
    let mut decoder = Decoder::new();
    let mut input = bytes.as_slice();
    let message = decoder.decode(&mut input).unwrap().unwrap();
    let Err(EventError::Exception(e)) = parse_event(&message) else {
        panic!()
    };
    assert_eq!(e.kind, ExceptionKind::Other("InternalFailure".into()));
    assert_eq!(e.message, "it broke");
}

#[test]
fn a_stream_without_message_stop_is_truncated_with_the_partial_response() {
    let mut s = event("messageStart", json!({"role": "assistant"}));
    s.extend(delta(0, json!({"text": "Once upon"})));
    let out = run_everywhere(&s);
    assert_eq!(
        out.result.unwrap_err(),
        "stream ended before messageStop: the response is incomplete"
    );
    let mut acc = StreamAccumulator::new();
    for e in &out.events {
        acc.handle_event(e).unwrap();
    }
    let Err(AccumulateError::TruncatedStream { missing, partial }) = acc.finish() else {
        panic!()
    };
    assert_eq!(missing, "messageStop");
    assert_eq!(partial.content(), [ContentBlock::Text("Once upon".into())]);

    let mut no_metadata = s.clone();
    no_metadata.extend(stop(0));
    no_metadata.extend(event("messageStop", json!({"stopReason": "end_turn"})));
    assert_eq!(
        run_everywhere(&no_metadata).result.unwrap_err(),
        "stream ended before metadata: the response is incomplete"
    );
}

#[test]
fn unknown_events_and_deltas_are_skipped() {
    let mut s = event("messageStart", json!({"role": "assistant"}));
    s.extend(event("someFutureEvent", json!({"whatever": 1})));
    s.extend(delta(0, json!({"hologram": {"x": 1}})));
    s.extend(delta(0, json!({"text": "ok"})));
    s.extend(stop(0));
    s.extend(tail("a_future_reason", usage()));
    let out = run_everywhere(&s);
    let response = out.result.unwrap();
    assert_eq!(response.content(), [ContentBlock::Text("ok".into())]);
    assert_eq!(
        response.stop_reason,
        StopReason::Other("a_future_reason".into())
    );
}

#[test]
fn invalid_tool_json_is_an_error_naming_the_tool() {
    let mut s = event("messageStart", json!({"role": "assistant"}));
    s.extend(event("contentBlockStart", json!({"contentBlockIndex": 0, "start": {"toolUse": {"toolUseId": "t9", "name": "search"}}})));
    s.extend(delta(
        0,
        json!({"toolUse": {"input": "{\"q\": \"unterminated"}}),
    ));
    s.extend(stop(0));
    let mut ended = s.clone();
    ended.extend(tail("tool_use", usage()));
    let err = run_everywhere(&ended).result.unwrap_err();
    assert!(
        err.starts_with("tool call \"search\" (t9) has input that is not valid JSON"),
        "{err}"
    );

    // The same cut under max_tokens is a truncated call, not an error and not `{}`.
    let mut capped = s.clone();
    capped.extend(tail("max_tokens", usage()));
    let out = run_everywhere(&capped);
    assert_eq!(
        content(&out),
        json!([{"truncatedToolUse": {"toolUseId": "t9", "name": "search", "partialInput": "{\"q\": \"unterminated"}}])
    );
}

#[test]
fn a_tool_block_never_stopped_under_max_tokens_is_truncated() {
    let mut s = event("messageStart", json!({"role": "assistant"}));
    s.extend(event(
        "contentBlockStart",
        json!({"contentBlockIndex": 0, "start": {"toolUse": {"toolUseId": "t1", "name": "write"}}}),
    ));
    s.extend(delta(0, json!({"toolUse": {"input": "{\"text\": \"lo"}})));
    s.extend(tail("max_tokens", usage()));
    let out = run_everywhere(&s);
    assert!(matches!(
        out.result.unwrap().content()[0],
        ContentBlock::TruncatedToolUse(_)
    ));
}

#[test]
fn malformed_known_events_are_errors_not_silence() {
    for (name, payload) in [
        ("contentBlockDelta", json!({"delta": {"text": "x"}})),
        (
            "contentBlockDelta",
            json!({"contentBlockIndex": -1, "delta": {"text": "x"}}),
        ),
        (
            "contentBlockDelta",
            json!({"contentBlockIndex": 0, "delta": {"text": 5}}),
        ),
        (
            "contentBlockStart",
            json!({"contentBlockIndex": 0, "start": {"toolUse": {"name": "x"}}}),
        ),
        ("messageStop", json!({})),
        ("metadata", json!({"metrics": {"latencyMs": 1}})),
    ] {
        let bytes = event(name, payload.clone());
        let mut decoder = Decoder::new();
        let mut input = bytes.as_slice();
        let message = decoder.decode(&mut input).unwrap().unwrap();
        assert!(
            matches!(parse_event(&message), Err(EventError::Malformed { .. })),
            "{name} {payload}"
        );
    }
    let not_json = frame("event", ":event-type", "contentBlockStop", &Value::Null);
    let mut decoder = Decoder::new();
    let mut input = not_json.as_slice();
    let message = decoder.decode(&mut input).unwrap().unwrap();
    assert!(matches!(
        parse_event(&message),
        Err(EventError::Malformed { .. })
    ));
}

#[test]
fn exception_names_match_case_insensitively() {
    for name in [
        "throttlingException",
        "ThrottlingException",
        "THROTTLINGEXCEPTION",
    ] {
        let bytes = exception(name, json!({"Message": "slow down"}));
        let mut decoder = Decoder::new();
        let mut input = bytes.as_slice();
        let message = decoder.decode(&mut input).unwrap().unwrap();
        let Err(EventError::Exception(e)) = parse_event(&message) else {
            panic!()
        };
        assert_eq!(e.kind, ExceptionKind::Throttling, "{name}");
        assert_eq!(e.message, "slow down");
    }
}

#[test]
fn streamed_and_non_streamed_responses_are_equal() {
    // The non-streaming body for the same turn.
    let body = json!({
        "output": {"message": {"role": "assistant", "content": [
            {"text": "Let me check."},
            {"toolUse": {"toolUseId": "t1", "name": "weather", "input": {"city": "Paris"}}}
        ]}},
        "stopReason": "tool_use",
        "usage": {"inputTokens": 10, "outputTokens": 5, "totalTokens": 15},
        "metrics": {"latencyMs": 100}
    });
    let non_streamed = ConverseResponse::from_json(&serde_json::to_vec(&body).unwrap()).unwrap();
    let mut s = event("messageStart", json!({"role": "assistant"}));
    s.extend(delta(0, json!({"text": "Let me "})));
    s.extend(delta(0, json!({"text": "check."})));
    s.extend(stop(0));
    s.extend(event("contentBlockStart", json!({"contentBlockIndex": 1, "start": {"toolUse": {"toolUseId": "t1", "name": "weather"}}})));
    s.extend(delta(1, json!({"toolUse": {"input": "{\"city\": \"Par"}})));
    s.extend(delta(1, json!({"toolUse": {"input": "is\"}"}})));
    s.extend(stop(1));
    s.extend(tail("tool_use", usage()));
    assert_eq!(run_everywhere(&s).result.unwrap(), non_streamed);
}

#[test]
fn out_of_order_events_are_errors() {
    let mut acc = StreamAccumulator::new();
    acc.handle_event(&StreamEvent::ContentBlockStop { index: 0 })
        .unwrap();
    assert!(
        acc.handle_event(&StreamEvent::ContentBlockStop { index: 0 })
            .is_err()
    );
    assert!(
        acc.handle_event(&StreamEvent::ContentBlockDelta {
            index: 0,
            delta: BlockDelta::Text("x".into())
        })
        .is_err()
    );
    let stop_event = StreamEvent::MessageStop {
        stop_reason: StopReason::EndTurn,
        additional_model_response_fields: None,
    };
    acc.handle_event(&stop_event).unwrap();
    assert!(acc.handle_event(&stop_event).is_err());
}

#[test]
fn blocks_of_unknown_kind_do_not_become_empty_text() {
    let mut s = event("messageStart", json!({"role": "assistant"}));
    s.extend(event(
        "contentBlockStart",
        json!({"contentBlockIndex": 0, "start": {"hologram": {"id": "h"}}}),
    ));
    s.extend(delta(0, json!({"hologram": {"frame": 1}})));
    s.extend(stop(0));
    s.extend(delta(1, json!({"text": ""})));
    s.extend(stop(1));
    s.extend(tail("end_turn", usage()));
    let out = run_everywhere(&s);
    assert_eq!(content(&out), json!([{"text": ""}]));
}

#[test]
fn only_the_last_block_can_be_cut_by_the_cap() {
    let mut s = event("messageStart", json!({"role": "assistant"}));
    s.extend(event(
        "contentBlockStart",
        json!({"contentBlockIndex": 0, "start": {"toolUse": {"toolUseId": "a", "name": "first"}}}),
    ));
    s.extend(delta(0, json!({"toolUse": {"input": "{broken"}})));
    s.extend(stop(0));
    s.extend(event(
        "contentBlockStart",
        json!({"contentBlockIndex": 1, "start": {"toolUse": {"toolUseId": "b", "name": "second"}}}),
    ));
    s.extend(delta(1, json!({"toolUse": {"input": "{\"x\": "}})));
    s.extend(stop(1));
    s.extend(tail("max_tokens", usage()));
    let err = run_everywhere(&s).result.unwrap_err();
    assert!(err.starts_with("tool call \"first\" (a)"), "{err}");
}
