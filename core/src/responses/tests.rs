use alloc::string::String;
use alloc::vec;
use alloc::vec::Vec;

use serde_json::{Value, json};

use super::*;
use crate::catalog;
use crate::catalog::ModelInfo;
use crate::error::RetryClass;
use crate::error::{Error, ErrorKind};
use crate::model::{Message, Part, Request, Response, StopReason, StreamEvent, Tool, ToolChoice};

fn gpt55() -> ModelInfo {
    catalog::find("openai.gpt-5.5").unwrap_or_else(|| panic!("catalog row"))
}

fn encode(request: &Request, stream: bool) -> EncodedRequest {
    encode_request(request, &gpt55(), stream).unwrap_or_else(|e| panic!("encode: {e}"))
}

#[test]
fn a_full_conversation_encodes_to_the_reference_shapes() {
    let request = Request::new("openai.gpt-5.5")
        .system("You are terse.")
        .user("Weather in Paris?")
        .assistant(vec![
            Part::Reasoning {
                text: String::new(),
                signature: Some("gAAAAenc1".into()),
            },
            Part::text("Checking."),
            Part::tool_call("call_1", "weather", json!({"city": "Paris"})),
        ])
        .user(vec![
            Part::tool_result("call_1", "18 C"),
            Part::text("Thanks"),
        ])
        .tool(Tool::new(
            "weather",
            "Current weather",
            json!({"properties": {"city": {"type": "string"}}}),
        ))
        .tool_choice(ToolChoice::Auto)
        .max_tokens(1000);
    let encoded = encode(&request, true);
    assert_eq!(
        encoded.body,
        json!({
          "model": "openai.gpt-5.5",
          "instructions": "You are terse.",
          "input": [
            {"role": "user", "content": [{"type": "input_text", "text": "Weather in Paris?"}]},
            {"type": "reasoning", "summary": [], "encrypted_content": "gAAAAenc1"},
            {"role": "assistant", "content": [{"type": "output_text", "text": "Checking.", "annotations": []}]},
            {"type": "function_call", "call_id": "call_1", "name": "weather", "arguments": "{\"city\":\"Paris\"}"},
            {"type": "function_call_output", "call_id": "call_1", "output": "18 C"},
            {"role": "user", "content": [{"type": "input_text", "text": "Thanks"}]}
          ],
          "tools": [{"type": "function", "name": "weather", "description": "Current weather",
                     "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
                     "strict": false}],
          "tool_choice": "auto",
          "max_output_tokens": 1000,
          "store": false,
          "include": ["reasoning.encrypted_content"],
          "stream": true
        })
    );
    assert!(encoded.warnings.is_empty(), "{:?}", encoded.warnings);
}

#[test]
fn store_is_false_whatever_the_caller_passes() {
    for key in ["bedrock-openai", "openai"] {
        let request =
            Request::new("openai.gpt-5.5")
                .user("hi")
                .provider_option(key, "store", json!(true));
        let encoded = encode(&request, false);
        assert_eq!(encoded.body["store"], json!(false));
        assert_eq!(encoded.body["stream"], json!(false));
        assert!(
            encoded.warnings.iter().any(|w| w.contains("store true")),
            "{:?}",
            encoded.warnings
        );
    }
    // Without the caller asking: false, no warning.
    let encoded = encode(&Request::new("m").user("hi"), false);
    assert_eq!(encoded.body["store"], json!(false));
    assert!(encoded.warnings.is_empty());
    // Also through the serialized bytes.
    let bytes = encoded.to_bytes();
    assert!(bytes.windows(13).any(|w| w == b"\"store\":false"));
}

#[test]
fn provider_options_merge_and_reasoning_effort() {
    let request = Request::new("openai.gpt-5.5")
        .user("hi")
        .provider_option(
            "openai",
            "reasoning",
            json!({"effort": "low", "summary": "auto"}),
        )
        .provider_option("bedrock-openai", "reasoning_effort", json!("high"))
        .provider_option(
            "bedrock-openai",
            "include",
            json!(["message.output_text.logprobs"]),
        )
        .provider_option("bedrock-openai", "text", json!({"verbosity": "low"}))
        .provider_option("bedrock-openai", "stream", json!(true));
    let encoded = encode(&request, false);
    assert_eq!(
        encoded.body["reasoning"],
        json!({"effort": "high", "summary": "auto"})
    );
    assert_eq!(
        encoded.body["include"],
        json!([
            "message.output_text.logprobs",
            "reasoning.encrypted_content"
        ])
    );
    assert_eq!(encoded.body["text"], json!({"verbosity": "low"}));
    assert_eq!(encoded.body["stream"], json!(false));
    assert_eq!(encoded.warnings.len(), 1, "{:?}", encoded.warnings);
}

#[test]
fn catalog_rules_cap_output_and_drop_sampling() {
    let request = Request::new("openai.gpt-5.5")
        .user("hi")
        .max_tokens(1_000_000)
        .temperature(0.5)
        .top_p(0.9)
        .stop("END");
    let encoded = encode(&request, false);
    assert_eq!(encoded.body["max_output_tokens"], json!(128_000));
    assert!(encoded.body.get("temperature").is_none());
    assert!(encoded.body.get("top_p").is_none());
    assert_eq!(encoded.warnings.len(), 4, "{:?}", encoded.warnings);
    // Without max_tokens: the model's maximum.
    let encoded = encode(&Request::new("m").user("hi"), false);
    assert_eq!(encoded.body["max_output_tokens"], json!(128_000));
    // A model that allows sampling keeps them.
    let mut model = gpt55();
    model.features.sampling_params = true;
    let encoded = encode_request(
        &Request::new("m").user("hi").temperature(0.5),
        &model,
        false,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(encoded.body["temperature"], json!(0.5));
}

#[test]
fn tool_choice_and_media_mapping() {
    let tool = Tool::new("lookup", "Looks up", json!({"type": "object"})).strict(true);
    for (choice, wire) in [
        (ToolChoice::Required, json!("required")),
        (ToolChoice::None, json!("none")),
        (
            ToolChoice::named("lookup"),
            json!({"type": "function", "name": "lookup"}),
        ),
    ] {
        let request = Request::new("m")
            .user("hi")
            .tool(tool.clone())
            .tool_choice(choice);
        let encoded = encode(&request, false);
        assert_eq!(encoded.body["tool_choice"], wire);
        assert_eq!(encoded.body["tools"][0]["strict"], json!(true));
    }
    let bad = Request::new("m")
        .user("hi")
        .tool(tool)
        .tool_choice(ToolChoice::named("nope"));
    assert_eq!(
        encode_request(&bad, &gpt55(), false).map_err(|e| e.path),
        Err("tool_choice".into())
    );
    let request = Request::new("m").message(Message::user(vec![
        Part::text("see"),
        Part::image("png", "iVBOR"),
    ]));
    let encoded = encode(&request, false);
    assert_eq!(
        encoded.body["input"][0]["content"][1],
        json!({"type": "input_image", "image_url": "data:image/png;base64,iVBOR", "detail": "auto"})
    );
}

#[test]
fn reasoning_without_encrypted_content_is_dropped_with_a_warning() {
    let request = Request::new("m").user("hi").assistant(vec![
        Part::Reasoning {
            text: "thought".into(),
            signature: None,
        },
        Part::RedactedReasoning { data: "enc".into() },
        Part::Reasoning {
            text: "sum".into(),
            signature: Some("enc2".into()),
        },
        Part::text("answer"),
    ]);
    let encoded = encode(&request, false);
    assert_eq!(
        encoded.body["input"],
        json!([
          {"role": "user", "content": [{"type": "input_text", "text": "hi"}]},
          {"type": "reasoning", "summary": [], "encrypted_content": "enc"},
          {"type": "reasoning", "summary": [{"type": "summary_text", "text": "sum"}], "encrypted_content": "enc2"},
          {"role": "assistant", "content": [{"type": "output_text", "text": "answer", "annotations": []}]}
        ])
    );
    assert_eq!(encoded.warnings.len(), 1);
}

// A non-streaming body as bedrock-mantle returns it (reference §3).
const TOOL_BODY: &[u8] = br#"{"id":"resp_abc","object":"response","created_at":1760000000,"status":"completed",
"incomplete_details":null,"error":null,"model":"openai.gpt-5.5","service_tier":"default","store":false,
"output":[
 {"type":"reasoning","id":"rs_1","summary":[{"type":"summary_text","text":"Need weather."}],"encrypted_content":"gAAAAenc","status":"completed"},
 {"type":"message","id":"msg_1","status":"completed","role":"assistant","phase":"final_answer",
  "content":[{"type":"output_text","text":"Checking.","annotations":[],"logprobs":[]}]},
 {"type":"function_call","id":"fc_1","call_id":"call_1","name":"weather","arguments":"{\"city\":\"Paris\"}","status":"completed"}
],
"usage":{"input_tokens":177,"input_tokens_details":{"cached_tokens":100},
         "output_tokens":129,"output_tokens_details":{"reasoning_tokens":18},"total_tokens":306}}"#;

fn tool_response() -> Response {
    to_neutral(TOOL_BODY, &gpt55(), Some("req_1".into()), Vec::new())
        .unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn the_non_streaming_body_maps_to_the_neutral_response() {
    let response = tool_response();
    assert_eq!(
        response.content,
        vec![
            Part::Reasoning {
                text: "Need weather.".into(),
                signature: Some("gAAAAenc".into()),
            },
            Part::text("Checking."),
            Part::tool_call("call_1", "weather", json!({"city": "Paris"})),
        ]
    );
    assert_eq!(response.stop_reason, StopReason::ToolUse);
    assert_eq!(response.raw_stop_reason, "completed");
    assert_eq!(response.usage.input_tokens, 77);
    assert_eq!(response.usage.cache_read_tokens, 100);
    assert_eq!(response.usage.output_tokens, 129);
    assert_eq!(response.usage.reasoning_tokens, 18);
    assert_eq!(response.usage.total_tokens, 306);
    // $5.50/M × 77 + $0.55/M × 100 + $33/M × 129
    let cost = response.cost.unwrap_or_else(|| panic!("priced"));
    assert_eq!(
        cost.total.0,
        77 * 5_500_000 + 100 * 550_000 + 129 * 33_000_000
    );
    assert_eq!(response.request_id.as_deref(), Some("req_1"));
    assert_eq!(
        response.provider_metadata[METADATA_KEY]["id"],
        json!("resp_abc")
    );
    // Replaying the response gives back the reference's replay items.
    let next = Request::new("m")
        .user("Weather?")
        .message(Message::from(&response))
        .user(Part::tool_result("call_1", "18 C"));
    let encoded = encode(&next, false);
    assert_eq!(
        encoded.body["input"][1],
        json!({"type": "reasoning", "summary": [{"type": "summary_text", "text": "Need weather."}], "encrypted_content": "gAAAAenc"})
    );
    assert_eq!(
        encoded.body["input"][3]["arguments"],
        json!("{\"city\":\"Paris\"}")
    );
}

#[test]
fn incomplete_reasons_and_plain_answers() {
    let body = br#"{"id":"r","status":"incomplete","incomplete_details":{"reason":"max_output_tokens"},
      "output":[{"type":"function_call","call_id":"c","name":"f","arguments":"{\"a\":","status":"incomplete"}],
      "usage":{"input_tokens":5,"output_tokens":16,"total_tokens":21}}"#;
    let response = to_neutral(body, &gpt55(), None, Vec::new()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(response.stop_reason, StopReason::MaxTokens);
    assert_eq!(response.raw_stop_reason, "max_output_tokens");
    assert_eq!(
        response.content,
        vec![Part::TruncatedToolCall {
            id: "c".into(),
            name: "f".into(),
            partial_arguments: "{\"a\":".into()
        }]
    );
    let body =
        br#"{"status":"incomplete","incomplete_details":{"reason":"content_filter"},"output":[]}"#;
    let response = to_neutral(body, &gpt55(), None, Vec::new()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(response.stop_reason, StopReason::ContentFilter);
    let body = br#"{"status":"completed","output":[{"type":"message","role":"assistant","content":[{"type":"output_text","text":"Hi"}]}]}"#;
    let response = to_neutral(body, &gpt55(), None, Vec::new()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(response.stop_reason, StopReason::EndTurn);
    assert_eq!(response.text(), "Hi");
}

/// The tool-call turn as SSE events (reference §4.2 order).
fn tool_stream() -> Vec<(&'static str, &'static [u8])> {
    vec![
        ("response.created", br#"{"type":"response.created","sequence_number":0,"response":{"id":"resp_abc","status":"in_progress","output":[]}}"#),
        ("response.in_progress", br#"{"type":"response.in_progress","sequence_number":1,"response":{"id":"resp_abc","status":"in_progress","output":[]}}"#),
        ("response.output_item.added", br#"{"type":"response.output_item.added","sequence_number":2,"output_index":0,"item":{"type":"reasoning","id":"rs_1","summary":[]}}"#),
        ("response.reasoning_summary_part.added", br#"{"type":"response.reasoning_summary_part.added","sequence_number":3,"item_id":"rs_1","output_index":0,"summary_index":0,"part":{"type":"summary_text","text":""}}"#),
        ("response.reasoning_summary_text.delta", br#"{"type":"response.reasoning_summary_text.delta","sequence_number":4,"item_id":"rs_1","output_index":0,"summary_index":0,"delta":"Need weather."}"#),
        ("response.reasoning_summary_text.done", br#"{"type":"response.reasoning_summary_text.done","sequence_number":5,"item_id":"rs_1","output_index":0,"summary_index":0,"text":"Need weather."}"#),
        ("response.output_item.done", br#"{"type":"response.output_item.done","sequence_number":6,"output_index":0,"item":{"type":"reasoning","id":"rs_1","summary":[{"type":"summary_text","text":"Need weather."}],"encrypted_content":"gAAAAenc","status":"completed"}}"#),
        ("response.output_item.added", br#"{"type":"response.output_item.added","sequence_number":7,"output_index":1,"item":{"type":"message","id":"msg_1","status":"in_progress","role":"assistant","content":[]}}"#),
        ("response.content_part.added", br#"{"type":"response.content_part.added","sequence_number":8,"item_id":"msg_1","output_index":1,"content_index":0,"part":{"type":"output_text","text":"","annotations":[]}}"#),
        ("response.output_text.delta", br#"{"type":"response.output_text.delta","sequence_number":9,"item_id":"msg_1","output_index":1,"content_index":0,"delta":"Check","logprobs":[],"obfuscation":"x"}"#),
        ("response.output_text.delta", br#"{"type":"response.output_text.delta","sequence_number":10,"item_id":"msg_1","output_index":1,"content_index":0,"delta":"ing.","logprobs":[]}"#),
        ("response.output_text.done", br#"{"type":"response.output_text.done","sequence_number":11,"item_id":"msg_1","output_index":1,"content_index":0,"text":"Checking.","logprobs":[]}"#),
        ("response.content_part.done", br#"{"type":"response.content_part.done","sequence_number":12,"item_id":"msg_1","output_index":1,"content_index":0,"part":{"type":"output_text","text":"Checking.","annotations":[]}}"#),
        ("response.output_item.done", br#"{"type":"response.output_item.done","sequence_number":13,"output_index":1,"item":{"type":"message","id":"msg_1","status":"completed","role":"assistant","phase":"final_answer","content":[{"type":"output_text","text":"Checking.","annotations":[],"logprobs":[]}]}}"#),
        ("response.output_item.added", br#"{"type":"response.output_item.added","sequence_number":14,"output_index":2,"item":{"type":"function_call","id":"fc_1","call_id":"call_1","name":"weather","arguments":"","status":"in_progress"}}"#),
        ("response.function_call_arguments.delta", br#"{"type":"response.function_call_arguments.delta","sequence_number":15,"item_id":"fc_1","output_index":2,"delta":"{\"city\":"}"#),
        ("response.function_call_arguments.delta", br#"{"type":"response.function_call_arguments.delta","sequence_number":16,"item_id":"fc_1","output_index":2,"delta":"\"Paris\"}"}"#),
        ("response.function_call_arguments.done", br#"{"type":"response.function_call_arguments.done","sequence_number":17,"item_id":"fc_1","output_index":2,"arguments":"{\"city\":\"Paris\"}"}"#),
        ("response.output_item.done", br#"{"type":"response.output_item.done","sequence_number":18,"output_index":2,"item":{"type":"function_call","id":"fc_1","call_id":"call_1","name":"weather","arguments":"{\"city\":\"Paris\"}","status":"completed"}}"#),
        ("response.completed", br#"{"type":"response.completed","sequence_number":19,"response":{"id":"resp_abc","object":"response","created_at":1760000000,"status":"completed","incomplete_details":null,"error":null,"model":"openai.gpt-5.5","service_tier":"default","store":false,"output":[],"usage":{"input_tokens":177,"input_tokens_details":{"cached_tokens":100},"output_tokens":129,"output_tokens_details":{"reasoning_tokens":18},"total_tokens":306}}}"#),
    ]
}

fn run(events: &[(&str, &[u8])]) -> (StreamAccumulator, Vec<StreamEvent>, Option<Error>) {
    let mut acc = StreamAccumulator::new(&gpt55(), Some("req_1".into()), Vec::new());
    let mut out = Vec::new();
    for (kind, data) in events {
        match acc.handle_event(kind, data) {
            Ok(events) => out.extend(events),
            Err(e) => return (acc, out, Some(e)),
        }
    }
    (acc, out, None)
}

#[test]
fn stream_events_map_to_neutral_events_and_accumulate_to_the_same_response() {
    let (acc, events, error) = run(&tool_stream());
    assert!(error.is_none());
    assert!(acc.is_finished());
    let usage = tool_response().usage;
    assert_eq!(
        events,
        vec![
            StreamEvent::ReasoningDelta {
                index: 0,
                text: "Need weather.".into()
            },
            StreamEvent::ReasoningSignature {
                index: 0,
                signature: "gAAAAenc".into()
            },
            StreamEvent::BlockStop { index: 0 },
            StreamEvent::TextDelta {
                index: 1,
                text: "Check".into()
            },
            StreamEvent::TextDelta {
                index: 1,
                text: "ing.".into()
            },
            StreamEvent::BlockStop { index: 1 },
            StreamEvent::ToolCallStart {
                index: 2,
                id: "call_1".into(),
                name: "weather".into()
            },
            StreamEvent::ToolCallDelta {
                index: 2,
                arguments: "{\"city\":".into()
            },
            StreamEvent::ToolCallDelta {
                index: 2,
                arguments: "\"Paris\"}".into()
            },
            StreamEvent::BlockStop { index: 2 },
            StreamEvent::MessageStop {
                stop_reason: StopReason::ToolUse,
                raw_stop_reason: "completed".into()
            },
            StreamEvent::Usage { usage },
        ]
    );
    let streamed = acc.finish().unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(streamed, tool_response());
}

#[test]
fn the_terminal_events_output_is_used_when_no_item_done_arrived() {
    let completed: &[u8] = br#"{"type":"response.completed","response":{"status":"completed","output":[{"type":"message","role":"assistant","content":[{"type":"output_text","text":"Hi"}]}]}}"#;
    let (acc, _, error) = run(&[("response.completed", completed)]);
    assert!(error.is_none());
    assert_eq!(acc.finish().map(|r| r.text()), Ok("Hi".into()));
}

#[test]
fn a_stream_without_a_terminal_event_is_truncated_and_keeps_the_partial_output() {
    let events = tool_stream();
    // Cut in the middle of the function call's arguments.
    let (acc, _, error) = run(&events[..16]);
    assert!(error.is_none());
    let error = acc.finish().err().unwrap_or_else(|| panic!("truncated"));
    assert_eq!(error.kind(), ErrorKind::TruncatedStream);
    assert!(error.hint().is_some());
    let partial = error
        .partial_response()
        .unwrap_or_else(|| panic!("partial"));
    assert_eq!(
        partial.content,
        vec![
            Part::Reasoning {
                text: "Need weather.".into(),
                signature: Some("gAAAAenc".into())
            },
            Part::text("Checking."),
            Part::TruncatedToolCall {
                id: "call_1".into(),
                name: "weather".into(),
                partial_arguments: "{\"city\":".into()
            },
        ]
    );
    // Cut mid-text: the text so far.
    let (acc, _, _) = run(&events[..10]);
    let error = acc.finish().err().unwrap_or_else(|| panic!("truncated"));
    assert_eq!(
        error.partial_response().map(Response::text),
        Some("Check".into())
    );
}

#[test]
fn response_failed_and_error_events_are_typed_errors() {
    let mut events = tool_stream();
    events.truncate(19);
    events.push(("response.failed", br#"{"type":"response.failed","sequence_number":19,"response":{"id":"resp_abc","status":"failed","error":{"code":"server_error","message":"The server had an error while processing your request"},"output":[]}}"#));
    let (acc, _, error) = run(&events);
    let error = error.unwrap_or_else(|| panic!("failed"));
    assert_eq!(error.kind(), ErrorKind::InternalServer);
    assert_eq!(error.error_type(), Some("server_error"));
    assert_eq!(error.retry_class(), RetryClass::Transient);
    // The complete call received before the failure is kept.
    let partial = error
        .partial_response()
        .unwrap_or_else(|| panic!("partial"));
    assert_eq!(partial.content.len(), 3);
    assert_eq!(acc.finish(), Err(error));

    // Both `error` event shapes: nested (production) and flat (documented).
    for data in [
        &br#"{"type":"error","sequence_number":3,"error":{"type":"tokens","code":"rate_limit_exceeded","message":"Rate limit reached. Please try again in 2s.","param":null}}"#[..],
        &br#"{"type":"error","sequence_number":3,"code":"rate_limit_exceeded","message":"Rate limit reached.","param":null}"#[..],
    ] {
        let (_, _, error) = run(&[("error", data)]);
        let error = error.unwrap_or_else(|| panic!("error event"));
        assert_eq!(error.kind(), ErrorKind::Throttling);
        assert_eq!(error.retry_class(), RetryClass::Throttling);
        assert_eq!(error.detail(), Some("mantle_quota"));
    }
    let (_, _, error) = run(&[("response.failed", &br#"{"type":"response.failed","response":{"status":"failed","error":{"code":"context_length_exceeded","message":"Your input exceeds the context window of this model."}}}"#[..])]);
    let error = error.unwrap_or_else(|| panic!("failed"));
    assert_eq!(error.kind(), ErrorKind::Validation);
    assert!(!error.is_retryable());
    assert!(error.hint().is_some_and(|h| h.contains("context window")));
    // A non-streaming body with status failed.
    let body =
        br#"{"status":"failed","error":{"code":"server_error","message":"boom"},"output":[]}"#;
    assert_eq!(
        to_neutral(body, &gpt55(), None, Vec::new()).map_err(|e| e.kind()),
        Err(ErrorKind::InternalServer)
    );
}

#[test]
fn http_error_bodies_are_typed_with_retry_classes_and_hints() {
    type Case = (
        u16,
        &'static [u8],
        ErrorKind,
        RetryClass,
        Option<&'static str>,
    );
    let cases: [Case; 7] = [
        (401, br#"{"error":{"code":"invalid_api_key","message":"The security token included in the request is invalid.","param":null,"type":"permission_denied_error"}}"#,
         ErrorKind::Authentication, RetryClass::No, Some("bedrock-mantle rejected the key")),
        (401, br#"{"error":{"code":"access_denied","message":"Your subscription to the model is being set up..."}}"#,
         ErrorKind::AccessDenied, RetryClass::No, Some("bedrock-mantle denied access")),
        (403, br#"{"error":{"message":"denied","type":"permission_denied_error"}}"#,
         ErrorKind::AccessDenied, RetryClass::No, Some("bedrock-mantle denied access")),
        (400, br#"{"error":{"code":"invalid_value","message":"Invalid value: 'verbose'. Supported values are: 'concise', 'detailed', and 'auto'."}}"#,
         ErrorKind::Validation, RetryClass::No, None),
        (429, br#"{"error":{"message":"Too many tokens","type":"rate_limit_error","code":null}}"#,
         ErrorKind::Throttling, RetryClass::Throttling, Some("input-tokens-per-minute")),
        (500, br#"{"error":{"message":"Internal server error","type":"server_error"}}"#,
         ErrorKind::InternalServer, RetryClass::Transient, None),
        (503, b"Service Unavailable", ErrorKind::ServiceUnavailable, RetryClass::Transient, None),
    ];
    for (status, body, kind, class, hint) in cases {
        let error = error_from_response(status, Some("req_x"), body);
        assert_eq!(error.kind(), kind, "{status} {error}");
        assert_eq!(error.retry_class(), class, "{status}");
        assert_eq!(error.status(), Some(status));
        assert_eq!(error.request_id(), Some("req_x"));
        if let Some(hint) = hint {
            assert!(
                error.hint().is_some_and(|h| h.contains(hint)),
                "{status}: {:?}",
                error.hint()
            );
        }
    }
    let error = error_from_response(
        401,
        None,
        b"Signature expired: 20260609T133205Z is now earlier than 20260614T062525Z",
    );
    assert_eq!(error.kind(), ErrorKind::Authentication);
    assert!(error.message().starts_with("Signature expired"));
    // The reverse case: the runtime rejects a mantle-scoped key (a Converse error) keeps its row.
    let runtime = Error::from_response(
        403,
        None,
        None,
        br#"{"message":"Authentication failed: Please make sure your API Key is valid."}"#,
    );
    assert!(runtime.hint().is_some_and(|h| h.contains("bedrock-mantle")));
}

#[test]
fn done_sentinel_unknown_events_and_events_after_the_end_are_ignored() {
    let mut acc = StreamAccumulator::new(&gpt55(), None, Vec::new());
    assert_eq!(acc.handle_event("", b"[DONE]"), Ok(Vec::new()));
    assert_eq!(
        acc.handle_event(
            "response.something_new",
            br#"{"type":"response.something_new"}"#
        ),
        Ok(Vec::new())
    );
    assert_eq!(
        acc.handle_event("response.output_text.delta", b"{not json")
            .map_err(|e| e.kind()),
        Err(ErrorKind::Protocol)
    );
    let completed: &[u8] =
        br#"{"type":"response.completed","response":{"status":"completed","output":[]}}"#;
    assert_eq!(
        acc.handle_event("response.completed", completed)
            .map(|e| e.len()),
        Ok(2)
    );
    assert_eq!(
        acc.handle_event("response.completed", completed),
        Ok(Vec::new())
    );
    let _: Value = json!(null);
}

#[test]
fn a_stream_cut_by_the_output_cap_keeps_the_open_call_as_truncated() {
    let events: Vec<(&str, &[u8])> = vec![
        ("response.output_item.added", br#"{"type":"response.output_item.added","output_index":0,"item":{"type":"function_call","id":"fc_1","call_id":"call_1","name":"f","arguments":"","status":"in_progress"}}"#),
        ("response.function_call_arguments.delta", br#"{"type":"response.function_call_arguments.delta","item_id":"fc_1","output_index":0,"delta":"{\"a\":"}"#),
        ("response.incomplete", br#"{"type":"response.incomplete","response":{"id":"r","status":"incomplete","incomplete_details":{"reason":"max_output_tokens"},"output":[],"usage":{"input_tokens":5,"output_tokens":16,"total_tokens":21}}}"#),
    ];
    let (acc, events, error) = run(&events);
    assert!(error.is_none());
    assert!(events.contains(&StreamEvent::MessageStop {
        stop_reason: StopReason::MaxTokens,
        raw_stop_reason: "max_output_tokens".into()
    }));
    let response = acc.finish().unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        response.content,
        vec![Part::TruncatedToolCall {
            id: "call_1".into(),
            name: "f".into(),
            partial_arguments: "{\"a\":".into()
        }]
    );
}

#[test]
fn tools_follow_the_shared_name_and_schema_rules() {
    let named = |name: &str| {
        Request::new("openai.gpt-5.5").user("hi").tool(Tool::new(
            name,
            "d",
            json!({"properties": {}}),
        ))
    };
    let e = encode_request(&named("get weather"), &gpt55(), false).unwrap_err();
    assert_eq!(e.path, "tools[0].name");
    assert!(encode_request(&named(&"x".repeat(65)), &gpt55(), false).is_err());
    let body = encode(&named("get_weather-2"), false).body;
    assert_eq!(body["tools"][0]["parameters"]["type"], json!("object"));
    let schema =
        Request::new("openai.gpt-5.5")
            .user("hi")
            .tool(Tool::new("t", "d", json!("not a schema")));
    let e = encode_request(&schema, &gpt55(), false).unwrap_err();
    assert_eq!(e.path, "tools[0].input_schema");
}
