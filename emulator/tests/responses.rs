//! The emulator's mantle route (`POST /openai/v1/responses`), in process, over real loopback
//! sockets: requests written with the core's `http1::write_request`, responses read with its
//! `ResponseReader`, event streams decoded with its SSE decoder.

use std::net::SocketAddr;

use bedrock_core::sse::{Decoder, End};
use bedrock_emulator::raw::{RawResponse, request_bytes, roundtrip};
use bedrock_emulator::{AuthKind, DEFAULT_API_KEY, Emulator, EmulatorConfig, EmulatorHandle};
use serde_json::{Value, json};

const HOST: &str = "bedrock-mantle.us-east-1.api.aws";
const PATH: &str = "/openai/v1/responses";

fn start() -> EmulatorHandle {
    Emulator::start(EmulatorConfig::default()).expect("emulator starts")
}

fn request(authorization: Option<&str>, path: &str, body: &Value) -> Vec<u8> {
    let body = body.to_string().into_bytes();
    let length = body.len().to_string();
    let mut headers = vec![
        ("Host", HOST),
        ("Content-Type", "application/json"),
        ("Content-Length", length.as_str()),
    ];
    if let Some(a) = authorization {
        headers.push(("Authorization", a));
    }
    request_bytes("POST", path, &headers, &body)
}

fn body(input: Value, stream: bool) -> Value {
    json!({"model": "openai.gpt-5.5", "input": input, "store": false, "stream": stream,
           "include": ["reasoning.encrypted_content"]})
}

fn call(addr: SocketAddr, body: &Value) -> RawResponse {
    let auth = format!("Bearer {DEFAULT_API_KEY}");
    roundtrip(addr, &request(Some(&auth), PATH, body)).expect("a response")
}

fn json_of(response: &RawResponse) -> Value {
    serde_json::from_slice(&response.body).expect("a JSON body")
}

/// Decodes an SSE body into (event, data JSON) pairs, checking that `type` repeats the event
/// name and that sequence numbers count from 0.
fn sse_events(body: &[u8]) -> (Vec<(String, Value)>, End) {
    let mut decoder = Decoder::new();
    let mut input = body;
    let mut out = Vec::new();
    while let Some(event) = decoder.decode(&mut input).expect("decodes") {
        let data: Value = serde_json::from_str(&event.data).expect("JSON data");
        assert_eq!(data["type"], event.event.as_str());
        assert_eq!(data["sequence_number"], out.len());
        out.push((event.event, data));
    }
    (out, decoder.finish().expect("finishes"))
}

fn kinds(events: &[(String, Value)]) -> Vec<&str> {
    events.iter().map(|(k, _)| k.as_str()).collect()
}

fn text_of(events: &[(String, Value)]) -> String {
    events
        .iter()
        .filter(|(k, _)| k == "response.output_text.delta")
        .filter_map(|(_, d)| d["delta"].as_str())
        .collect()
}

#[test]
fn text_as_json_and_as_events() {
    let emulator = start();
    let r = call(
        emulator.addr(),
        &body(json!("Hello there, emulator"), false),
    );
    assert_eq!(r.head.status, 200);
    assert!(
        r.head
            .header("x-request-id")
            .is_some_and(|id| id.starts_with("req_"))
    );
    assert!(r.head.header("x-amzn-requestid").is_none());
    let v = json_of(&r);
    assert_eq!(v["object"], "response");
    assert_eq!(v["status"], "completed");
    assert_eq!(v["store"], false);
    assert_eq!(
        v["output"][0]["content"][0]["text"],
        "Hello there, emulator"
    );
    assert!(v["id"].as_str().is_some_and(|id| id.len() == 57));

    let s = call(emulator.addr(), &body(json!("Hello there, emulator"), true));
    assert_eq!(s.head.status, 200);
    assert_eq!(
        s.head.header("content-type"),
        Some("text/event-stream; charset=utf-8")
    );
    let (events, end) = sse_events(&s.body);
    assert_eq!(end, End::Clean);
    assert_eq!(
        kinds(&events),
        [
            "response.created",
            "response.in_progress",
            "response.output_item.added",
            "response.content_part.added",
            "response.output_text.delta",
            "response.output_text.delta",
            "response.output_text.delta",
            "response.output_text.done",
            "response.content_part.done",
            "response.output_item.done",
            "response.completed",
        ]
    );
    assert_eq!(text_of(&events), "Hello there, emulator");
    let last = &events.last().unwrap().1["response"];
    assert_eq!(last["usage"], v["usage"]);
    // Ids differ (they come from the request bytes); the content does not.
    assert_eq!(last["output"][0]["content"], v["output"][0]["content"]);
    let records = emulator.requests();
    assert_eq!(records[0].auth, Some(AuthKind::Bearer));
    assert_eq!(records[0].model_id.as_deref(), Some("openai.gpt-5.5"));
}

#[test]
fn same_seed_same_bytes() {
    let emulator = start();
    let first = call(emulator.addr(), &body(json!("[long:20] x"), true));
    let second = call(emulator.addr(), &body(json!("[long:20] x"), true));
    assert_eq!(first.body, second.body);
}

#[test]
fn tool_calls_and_reasoning_stream_their_pieces() {
    let emulator = start();
    let s = call(emulator.addr(), &body(json!("[scenario:tool_use]"), true));
    let (events, _) = sse_events(&s.body);
    let args: String = events
        .iter()
        .filter(|(k, _)| k == "response.function_call_arguments.delta")
        .filter_map(|(_, d)| d["delta"].as_str())
        .collect();
    let args: Value = serde_json::from_str(&args).unwrap();
    assert_eq!(args, json!({"city": "Paris", "unit": "celsius"}));
    assert!(kinds(&events).contains(&"response.function_call_arguments.done"));

    let s = call(
        emulator.addr(),
        &body(json!("hi [scenario:reasoning]"), true),
    );
    let (events, _) = sse_events(&s.body);
    assert!(kinds(&events).contains(&"response.reasoning_summary_text.delta"));
    let done = events
        .iter()
        .find(|(k, d)| k == "response.output_item.done" && d["item"]["type"] == "reasoning")
        .unwrap();
    assert!(done.1["item"]["encrypted_content"].is_string());
}

#[test]
fn bearer_key_only() {
    let emulator = start();
    let b = body(json!("hi"), false);
    let r = roundtrip(emulator.addr(), &request(None, PATH, &b)).unwrap();
    assert_eq!(r.head.status, 401);
    let r = roundtrip(emulator.addr(), &request(Some("Bearer nope"), PATH, &b)).unwrap();
    assert_eq!(r.head.status, 401);
    let e = json_of(&r);
    assert_eq!(e["error"]["code"], "invalid_api_key");
    assert_eq!(e["error"]["type"], "permission_denied_error");
    let sigv4 = "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260101/us-east-1/bedrock-mantle/\
                 aws4_request, SignedHeaders=host, Signature=00";
    let r = roundtrip(emulator.addr(), &request(Some(sigv4), PATH, &b)).unwrap();
    assert_eq!(r.head.status, 403);
    assert_eq!(json_of(&r)["error"]["code"], "access_denied");
}

#[test]
fn store_false_and_item_shapes_are_required() {
    let emulator = start();
    let r = call(
        emulator.addr(),
        &json!({"model": "openai.gpt-5.5", "input": "hi"}),
    );
    assert_eq!(r.head.status, 400);
    assert_eq!(json_of(&r)["error"]["param"], "store");
    let r = call(
        emulator.addr(),
        &body(json!([{"type": "function_call", "name": "f"}]), false),
    );
    assert_eq!(r.head.status, 400);
    assert_eq!(json_of(&r)["error"]["param"], "input[0].call_id");
}

#[test]
fn error_markers_answer_openai_bodies() {
    let emulator = start();
    for (marker, status, code) in [
        ("validation", 400, "invalid_value"),
        ("access_denied", 403, "access_denied"),
        ("resource_not_found", 404, "model_not_found"),
        ("throttling", 429, "rate_limit_exceeded"),
        ("internal_server", 500, "server_error"),
        ("service_unavailable", 503, "service_unavailable"),
    ] {
        let r = call(
            emulator.addr(),
            &body(json!(format!("[error:{marker}]")), true),
        );
        assert_eq!(r.head.status, status, "{marker}");
        let e = json_of(&r);
        assert_eq!(e["error"]["code"], code, "{marker}");
        assert!(e["error"]["message"].is_string());
    }
    let b = body(json!("x [throttle:1][id:responses-test]"), false);
    assert_eq!(call(emulator.addr(), &b).head.status, 429);
    assert_eq!(call(emulator.addr(), &b).head.status, 200);
}

#[test]
fn stream_faults() {
    let emulator = start();
    let r = call(
        emulator.addr(),
        &body(json!("one two three [midstream:internal_server]"), true),
    );
    let (events, _) = sse_events(&r.body);
    let (kind, data) = events.last().unwrap();
    assert_eq!(kind, "response.failed");
    assert_eq!(data["response"]["error"]["code"], "server_error");
    assert_eq!(text_of(&events), "one two ");

    let r = call(emulator.addr(), &body(json!("one two three [cut]"), true));
    let (events, end) = sse_events(&r.body);
    assert_eq!(events.last().unwrap().0, "response.output_text.delta");
    assert_eq!(end, End::Clean);

    let r = call(emulator.addr(), &body(json!("one two three [close]"), true));
    assert!(r.end.is_err());
    let mut decoder = Decoder::new();
    let mut input = r.body.as_slice();
    while decoder.decode(&mut input).unwrap().is_some() {}
    assert!(matches!(decoder.finish().unwrap(), End::Truncated { .. }));
}

#[test]
fn unknown_paths_are_404() {
    let emulator = start();
    let auth = format!("Bearer {DEFAULT_API_KEY}");
    let r = roundtrip(
        emulator.addr(),
        &request(Some(&auth), "/openai/v1/models", &json!({})),
    )
    .unwrap();
    assert_eq!(r.head.status, 404);
    assert_eq!(json_of(&r)["error"]["code"], "unknown_url");
}
