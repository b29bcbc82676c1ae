//! The exchange over the OpenAI Responses API (the bedrock-openai provider on bedrock-mantle):
//! the same scripted peer and virtual time as the Converse tests.

use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec;
use alloc::vec::Vec;
use core::time::Duration;

use super::{ENTROPY, Run, clock, drive, final_response, final_text, streamed_text};
use crate::auth::Auth;
use crate::catalog::Provider;
use crate::error::ErrorKind;
use crate::exchange::doc_support::*;
use crate::exchange::{Event, Exchange, ExchangeConfig, Operation};
use crate::model::{Request, StreamEvent};
use crate::settings::{Route, RouteInputs, Settings};

const KEY: &str = "bedrock-api-key-test";

fn mantle_route() -> Route {
    let mut settings = Settings::default();
    settings.set_enabled(Provider::BedrockOpenai, true);
    settings
        .override_endpoint(
            Provider::BedrockOpenai,
            Some("http://127.0.0.1:8080/openai/v1"),
            Some("us-east-1"),
        )
        .unwrap();
    settings
        .route("openai.gpt-5.5", &RouteInputs::default())
        .unwrap()
}

fn request() -> Request {
    serde_json::from_value(serde_json::json!({
        "model": "openai.gpt-5.5",
        "messages": [{"role": "user", "content": "Hi"}],
    }))
    .unwrap()
}

fn mantle_exchange(
    operation: Operation,
    peer: &ScriptedPeer,
    auth: Auth,
) -> Result<Exchange, crate::error::Error> {
    Exchange::new(
        &mantle_route(),
        &request(),
        operation,
        auth,
        &ExchangeConfig::default(),
        clock(peer),
        ENTROPY,
    )
}

fn new_mantle(operation: Operation, peer: &ScriptedPeer) -> Exchange {
    mantle_exchange(operation, peer, Auth::bearer(KEY)).unwrap()
}

fn sse_event(event: &str, data: &serde_json::Value) -> String {
    format!("event: {event}\ndata: {data}\n\n")
}

/// A text answer as Responses SSE events, `text` in deltas of 3 bytes; `terminal` ends it with
/// `response.completed` (otherwise the body just stops).
fn text_events(text: &str, terminal: bool) -> Vec<u8> {
    use serde_json::json;
    let mut out = sse_event(
        "response.created",
        &json!({"type": "response.created", "sequence_number": 0, "response": {"id": "resp_1", "status": "in_progress", "output": []}}),
    );
    out.push_str(&sse_event(
        "response.output_item.added",
        &json!({"type": "response.output_item.added", "output_index": 0, "item": {"type": "message", "id": "msg_1", "status": "in_progress", "role": "assistant", "content": []}}),
    ));
    for piece in text.as_bytes().chunks(3) {
        let piece = String::from_utf8_lossy(piece);
        out.push_str(&sse_event(
            "response.output_text.delta",
            &json!({"type": "response.output_text.delta", "item_id": "msg_1", "output_index": 0, "content_index": 0, "delta": piece}),
        ));
    }
    if terminal {
        out.push_str(&sse_event(
            "response.output_item.done",
            &json!({"type": "response.output_item.done", "output_index": 0, "item": {"type": "message", "id": "msg_1", "status": "completed", "role": "assistant", "content": [{"type": "output_text", "text": text, "annotations": []}]}}),
        ));
        out.push_str(&sse_event(
            "response.completed",
            &json!({"type": "response.completed", "response": {"id": "resp_1", "status": "completed", "output": [], "usage": {"input_tokens": 5, "output_tokens": 2, "total_tokens": 7}}}),
        ));
    }
    out.into_bytes()
}

fn sse_response(body: &[u8], chunk: usize) -> Vec<u8> {
    chunked_response(
        200,
        &[
            ("Content-Type", "text/event-stream; charset=utf-8"),
            ("x-request-id", "req_mantle"),
        ],
        body,
        chunk,
    )
}

fn retries(run: &Run) -> usize {
    run.events
        .iter()
        .filter(|e| matches!(e, Event::Retry { .. }))
        .count()
}

#[test]
fn the_default_mantle_route_and_the_request_bytes() {
    let mut settings = Settings::default();
    settings.set_enabled(Provider::BedrockOpenai, true);
    let route = settings
        .route("openai.gpt-5.5", &RouteInputs::default())
        .unwrap();
    assert_eq!(route.provider, Provider::BedrockOpenai);
    assert_eq!(
        route.base_url,
        "https://bedrock-mantle.us-east-1.api.aws/openai/v1"
    );
    assert_eq!(route.path, "/openai/v1");
    assert_eq!(route.signing_name, "bedrock-mantle");

    for (operation, accept, stream) in [
        (Operation::Converse, "application/json", false),
        (Operation::ConverseStream, "text/event-stream", true),
    ] {
        let peer = ScriptedPeer::new(vec![], 1);
        let mut ex = new_mantle(operation, &peer);
        let bytes = ex.poll_transmit().unwrap();
        let split = bytes.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4;
        let head = core::str::from_utf8(&bytes[..split]).unwrap();
        let body: serde_json::Value = serde_json::from_slice(&bytes[split..]).unwrap();
        let lines: Vec<&str> = head.split("\r\n").collect();
        assert_eq!(lines[0], "POST /openai/v1/responses HTTP/1.1");
        let expected: [String; 4] = [
            "Host: 127.0.0.1:8080".into(),
            "Content-Type: application/json".into(),
            format!("Content-Length: {}", bytes.len() - split),
            format!("Accept: {accept}"),
        ];
        assert_eq!(lines[1..5], expected, "{operation:?}");
        assert!(lines[5].starts_with("User-Agent: bedrock-core/"));
        assert_eq!(lines[6], format!("Authorization: Bearer {KEY}"));
        assert_eq!(lines[7..], ["", ""], "no AWS SDK or signing headers");
        assert_eq!(body["model"], "openai.gpt-5.5");
        assert_eq!(body["store"], false);
        assert_eq!(body["stream"], stream);
        assert_eq!(body["input"][0]["role"], "user");

        // The parts entry: the same request.
        let mut ex = new_mantle(operation, &peer);
        let parts = ex.request_parts().unwrap();
        assert_eq!(parts.url, "http://127.0.0.1:8080/openai/v1/responses");
        assert_eq!(parts.body, bytes[split..]);
        let added: Vec<&str> = parts.client_headers().map(|(n, _)| n).collect();
        assert_eq!(
            added,
            ["Content-Type", "Accept", "User-Agent", "Authorization"]
        );
        assert!(
            !format!("{ex:?} {parts:?}").contains(KEY),
            "Debug never shows the key"
        );
    }
}

#[test]
fn the_encoders_warnings_are_the_exchanges() {
    let mut request = request();
    request.temperature = Some(0.5);
    let peer = ScriptedPeer::new(vec![], 1);
    let ex = Exchange::new(
        &mantle_route(),
        &request,
        Operation::Converse,
        Auth::bearer(KEY),
        &ExchangeConfig::default(),
        clock(&peer),
        ENTROPY,
    )
    .unwrap();
    let expected = crate::responses::encode_request(&request, &mantle_route().model, false)
        .unwrap()
        .warnings;
    assert!(!expected.is_empty());
    assert!(ex.warnings().ends_with(&expected), "{:?}", ex.warnings());
}

#[test]
fn sigv4_and_count_tokens_are_refused_before_sending() {
    let peer = ScriptedPeer::new(vec![], 1);
    let err = mantle_exchange(Operation::ConverseStream, &peer, example_auth()).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Configuration);
    assert!(err.message().contains("takes a Bedrock API key"), "{err}");
    assert!(err.message().contains("AWS_BEARER_TOKEN_BEDROCK"), "{err}");
    assert!(err.hint().unwrap().contains("vault:BEDROCK_API_KEY"));
    assert_eq!(err.model_id(), Some("openai.gpt-5.5"));

    for auth in [Auth::bearer(KEY), example_auth()] {
        let err = mantle_exchange(Operation::CountTokens, &peer, auth).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidRequest);
        assert!(
            err.message()
                .contains("not supported by the bedrock-openai provider"),
            "{err}"
        );
    }
}

#[test]
fn a_stream_at_every_split_and_through_the_parts_entry_gives_the_same_events() {
    let body = text_events("Hello, world", true);
    let bytes = sse_response(&body, 50);
    let reference = {
        let mut peer = ScriptedPeer::new(vec![bytes.clone()], bytes.len());
        let mut ex = new_mantle(Operation::ConverseStream, &peer);
        drive(&mut ex, &mut peer)
    };
    assert_eq!(reference.error, None);
    assert_eq!(final_text(&reference).as_deref(), Some("Hello, world"));
    assert_eq!(streamed_text(&reference), "Hello, world");
    assert!(matches!(
        &reference.events[0],
        Event::Head { status: 200, request_id: Some(id) } if id == "req_mantle"
    ));
    let response = reference
        .events
        .iter()
        .find_map(|e| match e {
            Event::Response(r) => Some(r),
            _ => None,
        })
        .unwrap();
    assert_eq!(response.request_id.as_deref(), Some("req_mantle"));
    assert_eq!(response.usage.output_tokens, 2);
    for step in 1..=bytes.len() {
        let mut peer = ScriptedPeer::new(vec![bytes.clone()], step);
        let mut ex = new_mantle(Operation::ConverseStream, &peer);
        assert_eq!(
            drive(&mut ex, &mut peer),
            reference,
            "reading {step} bytes at a time"
        );
    }

    // The parts entry, the body split at every point.
    for split in 0..=body.len() {
        let peer = ScriptedPeer::new(vec![], 1);
        let mut ex = new_mantle(Operation::ConverseStream, &peer);
        ex.request_parts().unwrap();
        let headers: Vec<(&str, &[u8])> = vec![
            (
                "Content-Type",
                b"text/event-stream; charset=utf-8".as_slice(),
            ),
            ("x-request-id", b"req_mantle".as_slice()),
        ];
        ex.handle_response_head(200, &headers, peer.now()).unwrap();
        ex.handle_body(&body[..split], peer.now()).unwrap();
        ex.handle_body(&body[split..], peer.now()).unwrap();
        ex.handle_body_end(peer.now()).unwrap();
        let events: Vec<Event> = core::iter::from_fn(|| ex.poll_event()).collect();
        assert_eq!(events, reference.events, "split at {split}");
    }
}

#[test]
fn each_delta_is_out_as_soon_as_its_event_completes() {
    let body = text_events("abcdef", true);
    let peer = ScriptedPeer::new(vec![], 1);
    let mut ex = new_mantle(Operation::ConverseStream, &peer);
    ex.request_parts().unwrap();
    let headers: Vec<(&str, &[u8])> = vec![("Content-Type", b"text/event-stream".as_slice())];
    ex.handle_response_head(200, &headers, peer.now()).unwrap();
    // The third event is the first delta.
    let first_delta_end = body
        .windows(2)
        .enumerate()
        .filter(|(_, w)| *w == b"\n\n")
        .nth(2)
        .unwrap()
        .0
        + 2;
    ex.handle_body(&body[..first_delta_end - 1], peer.now())
        .unwrap();
    assert!(
        !core::iter::from_fn(|| ex.poll_event()).any(|e| matches!(e, Event::Stream(_))),
        "the delta event is one byte short"
    );
    ex.handle_body(&body[first_delta_end - 1..first_delta_end], peer.now())
        .unwrap();
    assert!(
        matches!(ex.poll_event(), Some(Event::Stream(StreamEvent::TextDelta { text, .. })) if text == "abc")
    );
}

#[test]
fn a_non_streaming_call() {
    let body = serde_json::json!({
        "id": "resp_1", "object": "response", "status": "completed", "model": "openai.gpt-5.5",
        "output": [{"type": "message", "id": "msg_1", "role": "assistant", "status": "completed",
                    "content": [{"type": "output_text", "text": "Hello", "annotations": []}]}],
        "usage": {"input_tokens": 5, "output_tokens": 1, "total_tokens": 6}
    })
    .to_string();
    // x-request-id first; x-amzn-RequestId when mantle gives only that.
    for (header, id) in [("x-request-id", "req_a"), ("x-amzn-RequestId", "req_b")] {
        let response = length_response(
            200,
            &[("Content-Type", "application/json"), (header, id)],
            body.as_bytes(),
        );
        let mut peer = ScriptedPeer::new(vec![response], 17);
        let mut ex = new_mantle(Operation::Converse, &peer);
        let run = drive(&mut ex, &mut peer);
        assert_eq!(run.error, None);
        let response = final_response(&run).unwrap();
        assert_eq!(response.text(), "Hello");
        assert_eq!(response.request_id.as_deref(), Some(id));
        assert_eq!(response.usage.output_tokens, 1);
        assert!(!run.events.iter().any(|e| matches!(e, Event::Stream(_))));
    }
}

#[test]
fn a_throttled_call_honours_retry_after_ms_and_retry_after() {
    let body = br#"{"error":{"message":"Rate limit reached","type":"tokens","code":"rate_limit_exceeded","param":null}}"#;
    for (header, value, expected) in [
        ("retry-after-ms", "1500", Duration::from_millis(1500)),
        ("retry-after", "3", Duration::from_secs(3)),
    ] {
        let throttle = length_response(
            429,
            &[
                ("Content-Type", "application/json"),
                ("x-request-id", "req_t"),
                (header, value),
            ],
            body,
        );
        let mut peer = ScriptedPeer::new(
            vec![throttle, sse_response(&text_events("ok", true), 64)],
            64,
        );
        let mut ex = new_mantle(Operation::ConverseStream, &peer);
        let run = drive(&mut ex, &mut peer);
        assert_eq!(run.error, None, "{header}");
        assert_eq!(final_text(&run).as_deref(), Some("ok"));
        let (delay, error) = run
            .events
            .iter()
            .find_map(|e| match e {
                Event::Retry { delay, error, .. } => Some((*delay, error)),
                _ => None,
            })
            .unwrap();
        assert_eq!(delay, expected, "{header}");
        assert_eq!(error.kind(), ErrorKind::Throttling);
        assert_eq!(error.request_id(), Some("req_t"));
        assert_eq!(peer.requests.len(), 2);
    }
}

#[test]
fn x_should_retry_false_and_client_errors_are_not_retried() {
    let server: &[u8] = br#"{"error":{"message":"The server had an error","type":"server_error","code":"server_error"}}"#;
    let unauthorized: &[u8] = br#"{"error":{"code":"invalid_api_key","message":"The security token included in the request is invalid.","param":null,"type":"permission_denied_error"}}"#;
    type Case<'a> = (u16, &'a [(&'a str, &'a str)], &'a [u8], ErrorKind);
    let cases: [Case<'_>; 2] = [
        (
            500,
            &[("x-should-retry", "false")],
            server,
            ErrorKind::InternalServer,
        ),
        (401, &[], unauthorized, ErrorKind::Authentication),
    ];
    for (status, headers, body, kind) in cases {
        let mut peer = ScriptedPeer::new(
            vec![
                length_response(status, headers, body),
                sse_response(&text_events("x", true), 64),
            ],
            64,
        );
        let mut ex = new_mantle(Operation::ConverseStream, &peer);
        let run = drive(&mut ex, &mut peer);
        let error = run.error.clone().unwrap();
        assert_eq!(error.kind(), kind, "{status}");
        assert_eq!(retries(&run), 0, "{status}");
        assert_eq!(peer.requests.len(), 1);
    }
    // Without the header a 500 is retried.
    let mut peer = ScriptedPeer::new(
        vec![
            length_response(500, &[], server),
            sse_response(&text_events("x", true), 64),
        ],
        64,
    );
    let mut ex = new_mantle(Operation::ConverseStream, &peer);
    let run = drive(&mut ex, &mut peer);
    assert_eq!(run.error, None);
    assert_eq!(retries(&run), 1);
}

#[test]
fn a_cut_stream_is_truncated_with_its_partial_output_and_not_retried() {
    // The body ends cleanly but without a terminal event; the connection is cut mid-body.
    let body = text_events("Hello there", false);
    let clean = sse_response(&body, 40);
    let mut cut = sse_response(&body, 40);
    cut.truncate(cut.len() - 30);
    for response in [clean, cut] {
        let mut peer = ScriptedPeer::new(
            vec![response, sse_response(&text_events("again", true), 64)],
            23,
        );
        let mut ex = new_mantle(Operation::ConverseStream, &peer);
        let run = drive(&mut ex, &mut peer);
        let error = run.error.clone().unwrap();
        assert_eq!(error.kind(), ErrorKind::TruncatedStream, "{error}");
        assert_eq!(retries(&run), 0);
        assert_eq!(peer.requests.len(), 1);
        let streamed = streamed_text(&run);
        assert!(!streamed.is_empty() && "Hello there".starts_with(&streamed));
        let partial = error.partial_response().unwrap();
        assert_eq!(partial.text(), streamed);
        assert_eq!(partial.request_id.as_deref(), Some("req_mantle"));
    }
}

#[test]
fn a_stream_cut_before_any_event_is_retried() {
    // Only `response.created` (no neutral event), then the body ends.
    let created = sse_event(
        "response.created",
        &serde_json::json!({"type": "response.created", "response": {"id": "r", "status": "in_progress", "output": []}}),
    );
    let mut peer = ScriptedPeer::new(
        vec![
            sse_response(created.as_bytes(), 64),
            sse_response(&text_events("second", true), 64),
        ],
        64,
    );
    let mut ex = new_mantle(Operation::ConverseStream, &peer);
    let run = drive(&mut ex, &mut peer);
    assert_eq!(run.error, None);
    assert_eq!(retries(&run), 1);
    assert_eq!(final_text(&run).as_deref(), Some("second"));
    assert_eq!(streamed_text(&run), "second");
}

#[test]
fn response_failed_mid_stream_is_a_typed_error_not_retried() {
    let mut body = text_events("Partial", false);
    body.extend(
        sse_event(
            "response.failed",
            &serde_json::json!({"type": "response.failed", "response": {"id": "resp_1", "status": "failed", "error": {"code": "server_error", "message": "The server had an error while processing your request"}, "output": []}}),
        )
        .into_bytes(),
    );
    let mut peer = ScriptedPeer::new(
        vec![
            sse_response(&body, 31),
            sse_response(&text_events("x", true), 64),
        ],
        19,
    );
    let mut ex = new_mantle(Operation::ConverseStream, &peer);
    let run = drive(&mut ex, &mut peer);
    let error = run.error.clone().unwrap();
    assert_eq!(error.kind(), ErrorKind::InternalServer);
    assert_eq!(error.error_type(), Some("server_error"));
    assert_eq!(retries(&run), 0, "a stream with output is never retried");
    assert_eq!(peer.requests.len(), 1);
    assert_eq!(streamed_text(&run), "Partial");
    assert_eq!(error.partial_response().unwrap().text(), "Partial");
    assert_eq!(error.request_id(), Some("req_mantle"));
}

#[test]
fn a_stream_answered_with_another_content_type_is_refused() {
    let response = chunked_response(200, &[("Content-Type", "text/html")], b"<html></html>", 64);
    let mut peer = ScriptedPeer::new(vec![response], 64);
    let mut ex = new_mantle(Operation::ConverseStream, &peer);
    let run = drive(&mut ex, &mut peer);
    let error = run.error.unwrap();
    assert_eq!(error.kind(), ErrorKind::Protocol);
    assert!(error.message().contains("text/event-stream"), "{error}");
}

#[test]
fn without_kept_text_the_events_carry_the_answer_and_the_final_response_the_rest() {
    let discarding = ExchangeConfig {
        keep_streamed_text: false,
        ..ExchangeConfig::default()
    };
    let run_with = |config: &ExchangeConfig, body: &[u8]| {
        let mut peer = ScriptedPeer::new(vec![sse_response(body, 40)], 23);
        let mut ex = Exchange::new(
            &mantle_route(),
            &request(),
            Operation::ConverseStream,
            Auth::bearer(KEY),
            config,
            clock(&peer),
            ENTROPY,
        )
        .unwrap();
        drive(&mut ex, &mut peer)
    };
    let body = text_events("Hello there", true);
    let run = run_with(&discarding, &body);
    assert_eq!(streamed_text(&run), "Hello there");
    // The server repeats the text in `output_item.done`; it is dropped there too.
    let response = final_response(&run).expect("the stream completes");
    assert_eq!(response.text(), "");
    assert_eq!(response.usage.output_tokens, 2);
    let kept = run_with(&ExchangeConfig::default(), &body);
    let mut kept_response = final_response(&kept).unwrap().clone();
    assert_eq!(kept_response.text(), "Hello there");
    for part in &mut kept_response.content {
        if let crate::model::Part::Text { text, .. } = part {
            text.clear();
        }
    }
    assert_eq!(&kept_response, response);

    // Only the terminal event's output (no item events): emptied as well.
    let terminal_only = sse_event(
        "response.completed",
        &serde_json::json!({"type": "response.completed", "response": {"id": "resp_1", "status": "completed", "output": [{"type": "message", "id": "msg_1", "status": "completed", "role": "assistant", "content": [{"type": "output_text", "text": "all at once", "annotations": []}]}], "usage": {"input_tokens": 5, "output_tokens": 3, "total_tokens": 8}}}),
    );
    let run = run_with(&discarding, terminal_only.as_bytes());
    assert_eq!(final_response(&run).unwrap().text(), "");
    let run = run_with(&ExchangeConfig::default(), terminal_only.as_bytes());
    assert_eq!(final_response(&run).unwrap().text(), "all at once");

    // Cut: the partial response holds no text.
    let run = run_with(&discarding, &text_events("Hello there", false));
    let error = run.error.clone().unwrap();
    assert_eq!(error.kind(), ErrorKind::TruncatedStream);
    assert_eq!(streamed_text(&run), "Hello there");
    assert_eq!(
        error
            .partial_response()
            .map(crate::model::Response::text)
            .as_deref(),
        Some("")
    );
}
