//! Scripted-peer tests: recorded response bytes and virtual time, no sockets, no sleeps.

use alloc::string::{String, ToString};
use alloc::vec;
use alloc::vec::Vec;
use core::time::Duration;

use serde_json::json;

use super::doc_support::*;
use super::*;
use crate::model::StopReason;
use crate::retry::{INITIAL_RETRY_TOKENS, THROTTLING_RETRY_COST};

const ENTROPY: [u8; 32] = [7; 32];

fn clock(peer: &ScriptedPeer) -> Clock {
    Clock {
        wall: peer.wall(),
        now: peer.now(),
    }
}

fn new_exchange(operation: Operation, peer: &ScriptedPeer, config: &ExchangeConfig) -> Exchange {
    Exchange::new(
        &loopback_route(),
        &text_request("Hi"),
        operation,
        example_auth(),
        config,
        clock(peer),
        ENTROPY,
    )
    .unwrap()
}

/// Everything a drive produced.
#[derive(Debug, PartialEq)]
struct Run {
    events: Vec<Event>,
    error: Option<Error>,
}

/// Drives through the bytes entry until finished, following retries.
fn drive(ex: &mut Exchange, peer: &mut ScriptedPeer) -> Run {
    drive_with_pause(ex, peer, Duration::ZERO)
}

/// As [`drive`], spending `pause` more than the retry delay before each retry (a reconnect).
fn drive_with_pause(ex: &mut Exchange, peer: &mut ScriptedPeer, pause: Duration) -> Run {
    let mut events = Vec::new();
    let mut buf = [0u8; 4096];
    'call: for _ in 0..100_000 {
        while let Some(bytes) = ex.poll_transmit() {
            peer.write_all(&bytes);
        }
        while let Some(event) = ex.poll_event() {
            let retry_delay = match &event {
                Event::Retry { delay, .. } => Some(*delay),
                _ => None,
            };
            events.push(event);
            if let Some(delay) = retry_delay {
                peer.sleep(delay + pause);
                ex.retry(clock(peer)).unwrap();
                continue 'call;
            }
        }
        if ex.is_finished() {
            return Run {
                events,
                error: ex.error().cloned(),
            };
        }
        let result = match peer.read(&mut buf) {
            Some(0) => ex.handle_eof(peer.now()),
            Some(n) => ex.handle_input(&buf[..n], peer.now()),
            None => {
                // Nothing to read: jump to the deadline.
                let (deadline, _) = ex
                    .poll_timeout()
                    .expect("a waiting exchange has a deadline");
                let wait = deadline.saturating_duration_since(peer.now());
                peer.sleep(wait);
                ex.handle_timeout(peer.now())
            }
        };
        if result.is_err() {
            while let Some(event) = ex.poll_event() {
                events.push(event);
            }
            return Run {
                events,
                error: ex.error().cloned(),
            };
        }
    }
    panic!("the exchange never finished");
}

fn stream_response(frames: &[u8], chunk: usize) -> Vec<u8> {
    chunked_response(
        200,
        &[
            ("Content-Type", "application/vnd.amazon.eventstream"),
            ("x-amzn-RequestId", "req-1"),
        ],
        frames,
        chunk,
    )
}

fn final_text(run: &Run) -> Option<String> {
    run.events.iter().find_map(|e| match e {
        Event::Response(r) => Some(r.text()),
        _ => None,
    })
}

#[test]
fn a_stream_at_every_split_gives_the_same_events() {
    let bytes = stream_response(&text_stream_frames("Hello, world"), 50);
    let reference = {
        let mut peer = ScriptedPeer::new(vec![bytes.clone()], bytes.len());
        let mut ex = new_exchange(Operation::ConverseStream, &peer, &ExchangeConfig::default());
        drive(&mut ex, &mut peer)
    };
    assert_eq!(final_text(&reference).as_deref(), Some("Hello, world"));
    let deltas = reference
        .events
        .iter()
        .filter(|e| matches!(e, Event::Stream(StreamEvent::TextDelta { .. })))
        .count();
    assert_eq!(deltas, 4);
    for step in 1..=bytes.len() {
        let mut peer = ScriptedPeer::new(vec![bytes.clone()], step);
        let mut ex = new_exchange(Operation::ConverseStream, &peer, &ExchangeConfig::default());
        assert_eq!(
            drive(&mut ex, &mut peer),
            reference,
            "reading {step} bytes at a time"
        );
    }
}

#[test]
fn each_event_is_out_as_soon_as_its_frame_completes() {
    let frames = text_stream_frames("abcdef");
    let first_frame_len = event_frame("messageStart", &json!({"role": "assistant"})).len()
        + event_frame(
            "contentBlockDelta",
            &json!({"contentBlockIndex": 0, "delta": {"text": "abc"}}),
        )
        .len();
    let bytes = stream_response(&frames, frames.len());
    let mut peer = ScriptedPeer::new(vec![], 1);
    let mut ex = new_exchange(Operation::ConverseStream, &peer, &ExchangeConfig::default());
    peer.write_all(&ex.poll_transmit().unwrap());
    let head_end = bytes.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4;
    let chunk_line = bytes[head_end..]
        .windows(2)
        .position(|w| w == b"\r\n")
        .unwrap()
        + 2;
    let upto = head_end + chunk_line + first_frame_len;
    ex.handle_input(&bytes[..upto - 1], peer.now()).unwrap();
    let before: Vec<Event> = core::iter::from_fn(|| ex.poll_event()).collect();
    assert!(
        !before.iter().any(|e| matches!(e, Event::Stream(_))),
        "the delta frame is one byte short"
    );
    ex.handle_input(&bytes[upto - 1..upto], peer.now()).unwrap();
    assert!(
        matches!(ex.poll_event(), Some(Event::Stream(StreamEvent::TextDelta { text, .. })) if text == "abc")
    );
}

#[test]
fn converse_and_count_tokens() {
    let body = json!({
        "output": {"message": {"role": "assistant", "content": [{"text": "Hi there"}]}},
        "stopReason": "end_turn",
        "usage": {"inputTokens": 4, "outputTokens": 2, "totalTokens": 6},
        "metrics": {"latencyMs": 5}
    });
    let response = length_response(
        200,
        &[("x-amzn-RequestId", "r-9")],
        &serde_json::to_vec(&body).unwrap(),
    );
    let mut peer = ScriptedPeer::new(vec![response], 7);
    let mut ex = new_exchange(Operation::Converse, &peer, &ExchangeConfig::default());
    let run = drive(&mut ex, &mut peer);
    assert_eq!(final_text(&run).as_deref(), Some("Hi there"));
    let response = ex.response().unwrap();
    assert_eq!(response.request_id.as_deref(), Some("r-9"));
    assert_eq!(response.stop_reason, StopReason::EndTurn);
    assert!(response.cost.is_some(), "catalog prices give a cost");
    let request = String::from_utf8(peer.requests[0].clone()).unwrap();
    assert!(
        request.starts_with(
            "POST /model/us.anthropic.claude-haiku-4-5-20251001-v1%3A0/converse HTTP/1.1\r\n"
        ),
        "{request}"
    );
    assert!(request.contains("\r\nAccept: application/json\r\n"));

    let mut peer = ScriptedPeer::new(
        vec![length_response(200, &[], br#"{"inputTokens": 42}"#)],
        100,
    );
    let mut ex = new_exchange(Operation::CountTokens, &peer, &ExchangeConfig::default());
    let run = drive(&mut ex, &mut peer);
    assert!(run.events.contains(&Event::TokenCount { input_tokens: 42 }));
    let request = String::from_utf8(peer.requests[0].clone()).unwrap();
    assert!(
        request.starts_with(
            "POST /model/anthropic.claude-haiku-4-5-20251001-v1%3A0/count-tokens HTTP/1.1"
        ),
        "{request}"
    );
    assert!(
        request.ends_with(
            r#"{"input":{"converse":{"messages":[{"content":[{"text":"Hi"}],"role":"user"}]}}}"#
        ),
        "{request}"
    );
}

#[test]
fn every_bedrock_error_type_becomes_a_typed_error() {
    for (status, error_type, kind, retried) in [
        (403, "AccessDeniedException", ErrorKind::AccessDenied, false),
        (400, "ValidationException", ErrorKind::Validation, false),
        (429, "ThrottlingException", ErrorKind::Throttling, true),
        (
            429,
            "ModelNotReadyException",
            ErrorKind::ModelNotReady,
            true,
        ),
        (408, "ModelTimeoutException", ErrorKind::ModelTimeout, false),
        (
            503,
            "ServiceUnavailableException",
            ErrorKind::ServiceUnavailable,
            true,
        ),
        (
            500,
            "InternalServerException",
            ErrorKind::InternalServer,
            true,
        ),
        (
            404,
            "ResourceNotFoundException",
            ErrorKind::ResourceNotFound,
            false,
        ),
        (424, "ModelErrorException", ErrorKind::ModelError, false),
        (
            400,
            "ServiceQuotaExceededException",
            ErrorKind::ServiceQuotaExceeded,
            false,
        ),
    ] {
        let body = json!({"message": "something about it"}).to_string();
        let response = length_response(
            status,
            &[
                ("x-amzn-ErrorType", error_type),
                ("x-amzn-RequestId", "e-1"),
            ],
            body.as_bytes(),
        );
        let mut peer = ScriptedPeer::new(vec![response.clone(), response.clone(), response], 13);
        let mut ex = new_exchange(Operation::Converse, &peer, &ExchangeConfig::default());
        let run = drive(&mut ex, &mut peer);
        let error = run.error.expect("fails");
        assert_eq!(error.kind(), kind, "{error_type}");
        assert_eq!(error.status(), Some(status));
        assert_eq!(error.request_id(), Some("e-1"));
        assert_eq!(error.model_id(), Some("us.anthropic.claude-haiku-4-5"));
        assert_eq!(error.region(), Some("us-east-1"));
        let retries = run
            .events
            .iter()
            .filter(|e| matches!(e, Event::Retry { .. }))
            .count();
        assert_eq!(retries, if retried { 2 } else { 0 }, "{error_type}");
        assert_eq!(peer.requests.len(), if retried { 3 } else { 1 });
    }
}

#[test]
fn throttled_then_success_retries_with_a_new_signature_and_the_same_invocation_id() {
    let throttle = length_response(
        429,
        &[("x-amzn-ErrorType", "ThrottlingException")],
        br#"{"message":"slow down"}"#,
    );
    let ok = stream_response(&text_stream_frames("done"), 16);
    let mut peer = ScriptedPeer::new(vec![throttle, ok], 32);
    let config = ExchangeConfig::default();
    let mut ex = new_exchange(Operation::ConverseStream, &peer, &config);
    let run = drive_with_pause(&mut ex, &mut peer, Duration::from_secs(2));
    assert_eq!(final_text(&run).as_deref(), Some("done"));
    let Some(Event::Retry {
        attempt: 1,
        delay,
        error,
        reuse_connection: true,
    }) = run.events.iter().find(|e| matches!(e, Event::Retry { .. }))
    else {
        panic!("{:?}", run.events)
    };
    assert!(
        *delay <= Duration::from_secs(1),
        "throttling backoff base is 1 s: {delay:?}"
    );
    assert_eq!(error.kind(), ErrorKind::Throttling);
    let header = |request: &[u8], name: &str| {
        let text = String::from_utf8_lossy(request).into_owned();
        text.lines()
            .find_map(|l| l.strip_prefix(name).map(ToString::to_string))
            .unwrap_or_default()
    };
    let (first, second) = (&peer.requests[0], &peer.requests[1]);
    assert_eq!(
        header(first, "amz-sdk-invocation-id: "),
        header(second, "amz-sdk-invocation-id: ")
    );
    assert_eq!(header(first, "amz-sdk-request: "), "attempt=1; max=3");
    assert_eq!(header(second, "amz-sdk-request: "), "attempt=2; max=3");
    assert_ne!(
        header(first, "X-Amz-Date: "),
        header(second, "X-Amz-Date: "),
        "re-signed at the new time"
    );
    assert_ne!(
        header(first, "Authorization: "),
        header(second, "Authorization: ")
    );
    // The retry took 5 tokens and the retried success returned them.
    assert_eq!(config.quota.available(), INITIAL_RETRY_TOKENS);
}

#[test]
fn retry_after_is_honoured() {
    let throttle = length_response(
        429,
        &[
            ("x-amzn-ErrorType", "ThrottlingException"),
            ("x-amz-retry-after", "3000"),
        ],
        b"{}",
    );
    let mut peer = ScriptedPeer::new(
        vec![throttle, stream_response(&text_stream_frames("x"), 64)],
        64,
    );
    let mut ex = new_exchange(Operation::ConverseStream, &peer, &ExchangeConfig::default());
    let run = drive(&mut ex, &mut peer);
    let delay = run.events.iter().find_map(|e| match e {
        Event::Retry { delay, .. } => Some(*delay),
        _ => None,
    });
    assert!(delay.unwrap() >= Duration::from_secs(3));
}

#[test]
fn a_retried_success_refunds_only_its_last_retry() {
    // botocore's standard mode: each acquire overwrites `retry_quota_capacity`, and a success
    // releases that one amount, so two throttling retries (5 + 5) get 5 back, not 10.
    let throttle = || length_response(429, &[("x-amzn-ErrorType", "ThrottlingException")], b"{}");
    let ok = stream_response(&text_stream_frames("done"), 64);
    let mut peer = ScriptedPeer::new(vec![throttle(), throttle(), ok], 64);
    let config = ExchangeConfig::default();
    let mut ex = new_exchange(Operation::ConverseStream, &peer, &config);
    let run = drive(&mut ex, &mut peer);
    assert_eq!(final_text(&run).as_deref(), Some("done"));
    assert_eq!(peer.requests.len(), 3);
    assert_eq!(
        config.quota.available(),
        INITIAL_RETRY_TOKENS - THROTTLING_RETRY_COST
    );
}

#[test]
fn an_empty_quota_stops_retries() {
    let throttle = length_response(429, &[("x-amzn-ErrorType", "ThrottlingException")], b"{}");
    let config = ExchangeConfig {
        quota: RetryQuota::new(4),
        ..ExchangeConfig::default()
    };
    let mut peer = ScriptedPeer::new(vec![throttle], 64);
    let mut ex = new_exchange(Operation::Converse, &peer, &config);
    let run = drive(&mut ex, &mut peer);
    assert_eq!(run.error.unwrap().kind(), ErrorKind::Throttling);
    assert_eq!(peer.requests.len(), 1);
}

#[test]
fn mid_stream_exceptions_are_not_retried() {
    let mut frames = event_frame("messageStart", &json!({"role": "assistant"}));
    frames.extend(event_frame(
        "contentBlockDelta",
        &json!({"contentBlockIndex": 0, "delta": {"text": "partial"}}),
    ));
    let headers = vec![
        crate::eventstream::Header::new(
            ":exception-type",
            crate::eventstream::HeaderValue::String("throttlingException".into()),
        ),
        crate::eventstream::Header::new(
            ":content-type",
            crate::eventstream::HeaderValue::String("application/json".into()),
        ),
        crate::eventstream::Header::new(
            ":message-type",
            crate::eventstream::HeaderValue::String("exception".into()),
        ),
    ];
    crate::eventstream::Message::new(headers, br#"{"message":"Too many requests"}"#.to_vec())
        .encode(&mut frames)
        .unwrap();
    let mut peer = ScriptedPeer::new(vec![stream_response(&frames, 20)], 9);
    let mut ex = new_exchange(Operation::ConverseStream, &peer, &ExchangeConfig::default());
    let run = drive(&mut ex, &mut peer);
    let error = run.error.unwrap();
    assert_eq!(error.kind(), ErrorKind::Throttling);
    assert_eq!(error.request_id(), Some("req-1"));
    assert_eq!(peer.requests.len(), 1, "no retry after stream events");
    assert!(run.events.iter().any(
        |e| matches!(e, Event::Stream(StreamEvent::TextDelta { text, .. }) if text == "partial")
    ));
}

#[test]
fn premature_eof_in_head_chunk_and_frame() {
    let ok = stream_response(&text_stream_frames("complete answer"), 40);
    let head_end = ok.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4;
    // EOF in the head: a transport failure before any event, retried, then a success.
    let mut peer = ScriptedPeer::new(vec![ok[..head_end - 5].to_vec(), ok.clone()], 64);
    let mut ex = new_exchange(Operation::ConverseStream, &peer, &ExchangeConfig::default());
    let run = drive(&mut ex, &mut peer);
    assert_eq!(final_text(&run).as_deref(), Some("complete answer"));
    assert!(matches!(&run.events[0], Event::Retry { error, .. } if error.kind() == ErrorKind::Io));

    // EOF inside a chunk after events (`messageStart` and a text delta are complete): truncated,
    // never reported as success.
    let cut = head_end + 400;
    let mut peer = ScriptedPeer::new(vec![ok[..cut].to_vec()], 64);
    let mut ex = new_exchange(Operation::ConverseStream, &peer, &ExchangeConfig::default());
    let run = drive(&mut ex, &mut peer);
    assert_eq!(
        run.error.as_ref().unwrap().kind(),
        ErrorKind::TruncatedStream
    );
    assert!(final_text(&run).is_none());

    // The HTTP body complete but a frame cut short inside it.
    let frames = text_stream_frames("complete answer");
    let bytes = stream_response(&frames[..frames.len() - 7], 40);
    let mut peer = ScriptedPeer::new(vec![bytes], 64);
    let mut ex = new_exchange(Operation::ConverseStream, &peer, &ExchangeConfig::default());
    let run = drive(&mut ex, &mut peer);
    let error = run.error.unwrap();
    assert_eq!(error.kind(), ErrorKind::TruncatedStream, "{error}");

    // Frames complete but no messageStop / metadata.
    let mut frames = event_frame("messageStart", &json!({"role": "assistant"}));
    frames.extend(event_frame(
        "contentBlockDelta",
        &json!({"contentBlockIndex": 0, "delta": {"text": "x"}}),
    ));
    let mut peer = ScriptedPeer::new(vec![stream_response(&frames, 40)], 64);
    let mut ex = new_exchange(Operation::ConverseStream, &peer, &ExchangeConfig::default());
    assert_eq!(
        drive(&mut ex, &mut peer).error.unwrap().kind(),
        ErrorKind::TruncatedStream
    );
}

/// The text of every `TextDelta` a run handed out, joined.
fn streamed_text(run: &Run) -> String {
    run.events
        .iter()
        .filter_map(|e| match e {
            Event::Stream(StreamEvent::TextDelta { text, .. }) => Some(text.as_str()),
            _ => None,
        })
        .collect()
}

#[test]
fn a_truncated_stream_error_carries_the_text_received_so_far() {
    let no_retry = ExchangeConfig {
        retry: RetryConfig {
            max_attempts: 1,
            ..RetryConfig::default()
        },
        ..ExchangeConfig::default()
    };
    let ok = stream_response(&text_stream_frames("the whole answer, cut short"), 40);
    let head_end = ok.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4;
    let mut with_partial = 0;
    // The connection closes at every byte of the body: whatever was streamed is on the error.
    for cut in head_end..ok.len() - 5 {
        let mut peer = ScriptedPeer::new(vec![ok[..cut].to_vec()], 64);
        let mut ex = new_exchange(Operation::ConverseStream, &peer, &no_retry);
        let run = drive(&mut ex, &mut peer);
        let error = run.error.as_ref().expect("a cut stream fails");
        let streamed = streamed_text(&run);
        match error.partial_response() {
            Some(partial) => {
                with_partial += 1;
                assert_eq!(error.kind(), ErrorKind::TruncatedStream, "cut at {cut}");
                assert_eq!(partial.text(), streamed, "cut at {cut}");
                assert_eq!(partial.model, "us.anthropic.claude-haiku-4-5");
                assert_eq!(partial.request_id.as_deref(), Some("req-1"));
            }
            None => assert!(
                run.events.iter().all(|e| !matches!(e, Event::Stream(_))),
                "cut at {cut}: events were produced, so the error must carry them"
            ),
        }
    }
    assert!(
        with_partial > 100,
        "{with_partial} cuts after the first event"
    );

    // The body complete, but no messageStop / metadata: the same, through the accumulator.
    let mut frames = event_frame("messageStart", &json!({"role": "assistant"}));
    frames.extend(event_frame(
        "contentBlockDelta",
        &json!({"contentBlockIndex": 0, "delta": {"text": "half an ans"}}),
    ));
    let mut peer = ScriptedPeer::new(vec![stream_response(&frames, 40)], 64);
    let mut ex = new_exchange(Operation::ConverseStream, &peer, &ExchangeConfig::default());
    let error = drive(&mut ex, &mut peer).error.unwrap();
    assert_eq!(error.kind(), ErrorKind::TruncatedStream);
    assert_eq!(
        error.partial_response().map(Response::text).as_deref(),
        Some("half an ans")
    );
    // Debug tells how much there is, never what.
    let debug = alloc::format!("{error:?}");
    assert!(!debug.contains("half an ans"), "{debug}");
    assert!(debug.contains("partial_response_parts: Some(1)"), "{debug}");
    // Every later call returns the same error, partial included.
    assert_eq!(ex.handle_eof(peer.now()).unwrap_err(), error);
}

#[test]
fn mid_stream_failures_carry_the_partial_response_and_others_none() {
    // An exception frame after a delta.
    let mut frames = event_frame("messageStart", &json!({"role": "assistant"}));
    frames.extend(event_frame(
        "contentBlockDelta",
        &json!({"contentBlockIndex": 0, "delta": {"text": "so far"}}),
    ));
    let headers = vec![
        crate::eventstream::Header::new(
            ":exception-type",
            crate::eventstream::HeaderValue::String("modelStreamErrorException".into()),
        ),
        crate::eventstream::Header::new(
            ":message-type",
            crate::eventstream::HeaderValue::String("exception".into()),
        ),
    ];
    crate::eventstream::Message::new(headers, br#"{"message":"model failed"}"#.to_vec())
        .encode(&mut frames)
        .unwrap();
    let mut peer = ScriptedPeer::new(vec![stream_response(&frames, 20)], 9);
    let mut ex = new_exchange(Operation::ConverseStream, &peer, &ExchangeConfig::default());
    let error = drive(&mut ex, &mut peer).error.unwrap();
    assert_eq!(error.kind(), ErrorKind::ModelStreamError);
    assert_eq!(error.origin(), crate::error::Origin::Service);
    assert_eq!(
        error.partial_response().map(Response::text).as_deref(),
        Some("so far")
    );

    // The stream goes quiet after its first event: the idle timeout keeps what came.
    let config = ExchangeConfig {
        idle_timeout: Duration::from_secs(2),
        ..ExchangeConfig::default()
    };
    let ok = stream_response(&text_stream_frames("long answer here"), 400);
    let peer = ScriptedPeer::new(vec![], 64);
    let mut ex = new_exchange(Operation::ConverseStream, &peer, &config);
    ex.poll_transmit().unwrap();
    // Byte by byte until the first delta is out, then silence.
    let mut events = Vec::new();
    for byte in ok.chunks(1) {
        ex.handle_input(byte, peer.now()).unwrap();
        events.extend(core::iter::from_fn(|| ex.poll_event()));
        if events.iter().any(|e| matches!(e, Event::Stream(_))) {
            break;
        }
    }
    let (deadline, reason) = ex.poll_timeout().unwrap();
    assert_eq!(reason, TimeoutReason::Idle);
    let error = ex.handle_timeout(deadline).unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Timeout);
    assert_eq!(
        error.partial_response().map(Response::text).as_deref(),
        Some("lon")
    );

    // Failures that produced no event carry nothing: an error status on ConverseStream, and a
    // Converse error.
    let throttled = length_response(
        400,
        &[("x-amzn-ErrorType", "ValidationException")],
        br#"{"message":"bad"}"#,
    );
    for operation in [Operation::ConverseStream, Operation::Converse] {
        let mut peer = ScriptedPeer::new(vec![throttled.clone()], 64);
        let mut ex = new_exchange(operation, &peer, &ExchangeConfig::default());
        let error = drive(&mut ex, &mut peer).error.unwrap();
        assert_eq!(error.kind(), ErrorKind::Validation);
        assert!(error.partial_response().is_none(), "{operation:?}");
    }
    // A Converse body cut mid-way: not a stream, nothing partial.
    let body = br#"{"output":{"message":{"role":"assistant","content":[{"text":"abc"}]}}}"#;
    let ok = length_response(200, &[], body);
    let mut peer = ScriptedPeer::new(vec![ok[..ok.len() - 10].to_vec()], 64);
    let no_retry = ExchangeConfig {
        retry: RetryConfig {
            max_attempts: 1,
            ..RetryConfig::default()
        },
        ..ExchangeConfig::default()
    };
    let mut ex = new_exchange(Operation::Converse, &peer, &no_retry);
    let error = drive(&mut ex, &mut peer).error.unwrap();
    assert!(error.partial_response().is_none(), "{error}");
}

#[test]
fn idle_and_first_byte_timeouts() {
    let config = ExchangeConfig {
        first_byte_timeout: Duration::from_secs(10),
        idle_timeout: Duration::from_secs(2),
        retry: RetryConfig {
            max_attempts: 1,
            ..RetryConfig::default()
        },
        ..ExchangeConfig::default()
    };
    // A stream that stops after a few bytes and never closes.
    let ok = stream_response(&text_stream_frames("long answer here"), 40);
    let mut peer = ScriptedPeer::new(vec![], 64);
    let mut ex = new_exchange(Operation::ConverseStream, &peer, &config);
    peer.write_all(&ex.poll_transmit().unwrap());
    assert_eq!(ex.poll_timeout().unwrap().1, TimeoutReason::FirstByte);
    ex.handle_input(&ok[..150], peer.now()).unwrap();
    let (deadline, reason) = ex.poll_timeout().unwrap();
    assert_eq!(reason, TimeoutReason::Idle);
    assert_eq!(deadline, peer.now().saturating_add(Duration::from_secs(2)));
    // One nanosecond early: nothing happens.
    ex.handle_timeout(Instant::from_nanos(deadline.as_nanos() - 1))
        .unwrap();
    let error = ex.handle_timeout(deadline).unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Timeout);
    assert!(error.to_string().contains("stalled"));
    assert_eq!(
        ex.handle_input(b"more", deadline).unwrap_err(),
        error,
        "errors are final"
    );

    // No first byte at all: retried (a timeout before any event), then it fails for good.
    let config = ExchangeConfig {
        first_byte_timeout: Duration::from_secs(10),
        ..ExchangeConfig::default()
    };
    let mut peer = ScriptedPeer::new(vec![], 64);
    let mut ex = new_exchange(Operation::ConverseStream, &peer, &config);
    let run = drive(&mut ex, &mut peer);
    assert_eq!(run.error.unwrap().kind(), ErrorKind::Timeout);
    assert_eq!(peer.requests.len(), 3);
}

/// A Converse sends nothing until the whole answer exists: its first-byte deadline is the long
/// one (3600 s by default), and when it passes the call fails at once: the model may have
/// produced (and billed) the answer, so no retry. Streams and CountTokens wait the shorter
/// idle timeout for their first byte, and a stream's first-byte timeout is still retried.
#[test]
fn a_converse_first_byte_timeout_is_long_and_not_retried() {
    let defaults = ExchangeConfig::default();
    assert_eq!(defaults.first_byte_timeout, Duration::from_secs(3600));
    assert_eq!(defaults.idle_timeout, Duration::from_secs(300));
    for (operation, wait) in [
        (Operation::Converse, 3600),
        (Operation::ConverseStream, 300),
        (Operation::CountTokens, 300),
    ] {
        let peer = ScriptedPeer::new(vec![], 64);
        let mut ex = new_exchange(operation, &peer, &defaults);
        assert_eq!(ex.first_byte_timeout(), Duration::from_secs(wait));
        ex.poll_transmit().unwrap();
        let (deadline, reason) = ex.poll_timeout().unwrap();
        assert_eq!(reason, TimeoutReason::FirstByte);
        assert_eq!(
            deadline,
            peer.now().saturating_add(Duration::from_secs(wait)),
            "{operation:?}"
        );
    }

    let mut peer = ScriptedPeer::new(vec![], 64);
    let mut ex = new_exchange(Operation::Converse, &peer, &defaults);
    let run = drive(&mut ex, &mut peer);
    let error = run.error.unwrap();
    assert_eq!(error.kind(), ErrorKind::Timeout);
    assert_eq!(
        error.message(),
        "no response within 3600 s of sending the request"
    );
    assert_eq!(peer.requests.len(), 1, "one attempt, not three");

    // The same silence on a stream is retried (nothing was generated for it yet).
    let mut peer = ScriptedPeer::new(vec![], 64);
    let mut ex = new_exchange(Operation::ConverseStream, &peer, &defaults);
    let run = drive(&mut ex, &mut peer);
    let error = run.error.unwrap();
    assert_eq!(
        error.message(),
        "no response within 300 s of sending the request"
    );
    assert_eq!(peer.requests.len(), 3);
}

/// A rejected server certificate: a typed transport error (detail `tls_certificate`, the
/// `AWS_CA_BUNDLE` hint) that ends the call at once, since every attempt would meet the same
/// certificate. Other transport failures are still retried.
#[test]
fn a_rejected_certificate_is_typed_and_not_retried() {
    let peer = ScriptedPeer::new(vec![], 64);
    let mut ex = new_exchange(Operation::Converse, &peer, &ExchangeConfig::default());
    ex.poll_transmit().unwrap();
    let error = ex
        .handle_transport_failure(
            TransportFailure::TlsCertificate,
            "TLS with bedrock-runtime.us-east-1.amazonaws.com: invalid peer certificate: UnknownIssuer",
            peer.now(),
        )
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Io);
    assert_eq!(error.origin(), Origin::Transport);
    assert_eq!(error.detail(), Some("tls_certificate"));
    assert!(!error.is_retryable());
    assert!(error.hint().unwrap().contains("AWS_CA_BUNDLE"), "{error:?}");
    assert!(error.message().contains("UnknownIssuer"), "{error}");
    let events: Vec<Event> = core::iter::from_fn(|| ex.poll_event()).collect();
    assert!(
        !events.iter().any(|e| matches!(e, Event::Retry { .. })),
        "{events:?}"
    );
    assert!(ex.is_finished());

    // A plain connection failure is retried.
    let peer = ScriptedPeer::new(vec![], 64);
    let mut ex = new_exchange(Operation::Converse, &peer, &ExchangeConfig::default());
    ex.poll_transmit().unwrap();
    ex.handle_transport_error("connection refused", peer.now())
        .unwrap();
    assert!(matches!(ex.poll_event(), Some(Event::Retry { .. })));
}

/// A response the adapter's HTTP library found malformed (a head over its limit, a chunk line
/// that never ends): a `Protocol` error, as when the core reads the bytes, and not retried.
#[test]
fn a_malformed_response_from_the_transport_is_a_protocol_error() {
    let peer = ScriptedPeer::new(vec![], 64);
    let mut ex = new_exchange(Operation::ConverseStream, &peer, &ExchangeConfig::default());
    ex.poll_transmit().unwrap();
    let error = ex
        .handle_transport_failure(
            TransportFailure::MalformedResponse,
            "response header is too large",
            peer.now(),
        )
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Protocol);
    assert_eq!(error.origin(), Origin::Transport);
    assert_eq!(error.detail(), Some("malformed_response"));
    let events: Vec<Event> = core::iter::from_fn(|| ex.poll_event()).collect();
    assert!(
        !events.iter().any(|e| matches!(e, Event::Retry { .. })),
        "{events:?}"
    );
    assert!(ex.is_finished());
}

#[test]
fn clock_skew_is_corrected_once() {
    let mut peer = ScriptedPeer::new(vec![], 64);
    // The server is 20 minutes ahead of the client.
    let server = peer.wall().checked_add(Duration::from_secs(1200)).unwrap();
    let date = http_date(server);
    let expired = length_response(
        403,
        &[("x-amzn-ErrorType", "InvalidSignatureException"), ("Date", &date)],
        br#"{"message":"Signature expired: 20251125T120000Z is now earlier than 20251125T121500Z"}"#,
    );
    peer = ScriptedPeer::new(
        vec![
            expired.clone(),
            stream_response(&text_stream_frames("ok"), 64),
        ],
        64,
    );
    let mut ex = new_exchange(Operation::ConverseStream, &peer, &ExchangeConfig::default());
    let run = drive(&mut ex, &mut peer);
    assert_eq!(final_text(&run).as_deref(), Some("ok"));
    let date_of = |request: &[u8]| {
        let text = String::from_utf8_lossy(request).into_owned();
        let value = text
            .lines()
            .find_map(|l| l.strip_prefix("X-Amz-Date: ").map(ToString::to_string))
            .unwrap();
        UnixTime::parse_amz_date(&value).unwrap()
    };
    let shifted = date_of(&peer.requests[1]).secs() - date_of(&peer.requests[0]).secs();
    assert!(
        (1199..=1201).contains(&shifted),
        "second attempt signed on the server's clock: {shifted}"
    );

    // A second skew answer is not corrected again.
    let mut peer = ScriptedPeer::new(vec![expired.clone(), expired.clone(), expired], 64);
    let mut ex = new_exchange(Operation::Converse, &peer, &ExchangeConfig::default());
    let run = drive(&mut ex, &mut peer);
    assert_eq!(run.error.unwrap().kind(), ErrorKind::Authentication);
    assert_eq!(peer.requests.len(), 2);
}

fn http_date(t: UnixTime) -> String {
    let dt = t.to_datetime();
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    alloc::format!(
        "Mon, {:02} {} {} {:02}:{:02}:{:02} GMT",
        dt.day,
        MONTHS[usize::from(dt.month - 1)],
        dt.year,
        dt.hour,
        dt.minute,
        dt.second
    )
}

#[test]
fn parts_entry_gives_the_same_events_as_bytes() {
    let frames = text_stream_frames("same either way");
    let bytes = stream_response(&frames, 25);
    let mut peer = ScriptedPeer::new(vec![bytes], 33);
    let mut by_bytes = new_exchange(Operation::ConverseStream, &peer, &ExchangeConfig::default());
    let reference = drive(&mut by_bytes, &mut peer);

    let peer = ScriptedPeer::new(vec![], 1);
    let mut ex = new_exchange(Operation::ConverseStream, &peer, &ExchangeConfig::default());
    let parts = ex.request_parts().unwrap();
    assert_eq!(
        parts.url,
        "http://127.0.0.1:8080/model/us.anthropic.claude-haiku-4-5-20251001-v1%3A0/converse-stream"
    );
    assert!(
        parts.headers.iter().any(|(n, v)| *n == "Authorization"
            && v.starts_with("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/"))
    );
    let added: Vec<&str> = parts.client_headers().map(|(n, _)| n).collect();
    assert!(added.contains(&"Authorization") && added.contains(&"Content-Type"));
    assert!(
        !added
            .iter()
            .any(|n| n.eq_ignore_ascii_case("host") || n.eq_ignore_ascii_case("content-length")),
        "a client writes Host and Content-Length itself: {added:?}"
    );
    assert_eq!(added.len(), parts.headers.len() - 2);
    assert!(ex.poll_transmit().is_none(), "one entry per attempt");
    let headers: Vec<(&str, &[u8])> = vec![
        (
            "Content-Type",
            b"application/vnd.amazon.eventstream".as_slice(),
        ),
        ("x-amzn-RequestId", b"req-1".as_slice()),
    ];
    ex.handle_response_head(200, &headers, peer.now()).unwrap();
    for piece in frames.chunks(11) {
        ex.handle_body(piece, peer.now()).unwrap();
    }
    ex.handle_body_end(peer.now()).unwrap();
    let events: Vec<Event> = core::iter::from_fn(|| ex.poll_event()).collect();
    assert_eq!(events, reference.events);
}

#[test]
fn bearer_keys_and_plain_http() {
    let peer = ScriptedPeer::new(vec![], 1);
    let mut ex = Exchange::new(
        &loopback_route(),
        &text_request("Hi"),
        Operation::Converse,
        Auth::bearer(" bedrock-api-key-abc \n"),
        &ExchangeConfig::default(),
        clock(&peer),
        ENTROPY,
    )
    .unwrap();
    let request = String::from_utf8(ex.poll_transmit().unwrap()).unwrap();
    assert!(request.contains("\r\nAuthorization: Bearer bedrock-api-key-abc\r\n"));
    assert!(!request.contains("X-Amz-Date"));
    assert!(
        !alloc::format!("{ex:?}").contains("bedrock-api-key-abc"),
        "Debug never shows the key"
    );

    let mut remote = loopback_route();
    remote.base_url = "http://bedrock.example.com".into();
    remote.insecure_loopback = false;
    let err = Exchange::new(
        &remote,
        &text_request("Hi"),
        Operation::Converse,
        example_auth(),
        &ExchangeConfig::default(),
        clock(&peer),
        ENTROPY,
    )
    .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Configuration);
    assert!(err.message().contains("plain http"));
}

#[test]
fn invocation_id_is_a_v4_uuid() {
    let id = uuid_v4(&[0xff; 32]);
    assert_eq!(id, "ffffffff-ffff-4fff-bfff-ffffffffffff");
    assert_eq!(uuid_v4(&[0; 32]), "00000000-0000-4000-8000-000000000000");
}

#[test]
fn bad_requests_fail_before_sending() {
    let peer = ScriptedPeer::new(vec![], 1);
    let mut request = text_request("Hi");
    request.tool_choice = Some(crate::model::ToolChoice::None);
    request.tools = vec![crate::model::Tool {
        name: "t".into(),
        description: None,
        input_schema: None,
        strict: None,
    }];
    let err = Exchange::new(
        &loopback_route(),
        &request,
        Operation::Converse,
        example_auth(),
        &ExchangeConfig::default(),
        clock(&peer),
        ENTROPY,
    )
    .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidRequest);
    assert_eq!(err.model_id(), Some("us.anthropic.claude-haiku-4-5"));
}

#[test]
fn no_secret_reaches_display_or_debug() {
    use crate::sigv4::{Credentials, SignableRequest, SigningParams, presign, sign_headers};
    const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
    const TOKEN: &str = "SESSION-TOKEN-VALUE-0123456789";
    const KEY: &str = "bedrock-api-key-SECRETVALUE";
    let credentials = Credentials::new("AKIDEXAMPLE", SECRET)
        .unwrap()
        .with_session_token(TOKEN);
    let peer = ScriptedPeer::new(vec![], 1);
    let mut texts: Vec<String> = Vec::new();
    let mut push = |text: String| texts.push(text);

    push(alloc::format!("{credentials:?}"));
    let sigv4 = Auth::SigV4(credentials.clone());
    let bearer = Auth::bearer(KEY);
    push(alloc::format!("{sigv4:?} {bearer:?}"));
    let mut ex = Exchange::new(
        &loopback_route(),
        &text_request("Hi"),
        Operation::Converse,
        sigv4.clone(),
        &ExchangeConfig::default(),
        clock(&peer),
        ENTROPY,
    )
    .unwrap();
    push(alloc::format!("{ex:?}"));
    let parts = ex.request_parts().unwrap();
    push(alloc::format!("{parts:?}"));
    let mut bearer_ex = Exchange::new(
        &loopback_route(),
        &text_request("Hi"),
        Operation::Converse,
        bearer,
        &ExchangeConfig::default(),
        clock(&peer),
        ENTROPY,
    )
    .unwrap();
    push(alloc::format!(
        "{bearer_ex:?} {:?}",
        bearer_ex.request_parts().unwrap()
    ));
    let request = SignableRequest::new("POST", "/")
        .header("host", "h")
        .header("x-amz-security-token", TOKEN);
    let params = SigningParams::new(&credentials, "us-east-1", "bedrock", peer.wall());
    push(alloc::format!("{request:?}"));
    push(alloc::format!(
        "{:?}",
        sign_headers(&request, &params).unwrap()
    ));
    push(alloc::format!(
        "{:?}",
        presign(&request, &params, Duration::from_secs(60)).unwrap()
    ));
    push(alloc::format!(
        "{:?}",
        crate::sigv4::canonical_request(&request, &params).unwrap()
    ));
    let key = crate::sigv4::bedrock_api_key(
        &credentials,
        "us-east-1",
        peer.wall(),
        Duration::from_secs(60),
    )
    .unwrap();
    push(alloc::format!("{key:?} {key}"));
    let settings_error = crate::settings::Settings::parse(&alloc::format!(
        "[llm.providers.bedrock.auth]\ncredentials = [\"{KEY}\"]\n"
    ))
    .unwrap_err();
    push(alloc::format!("{settings_error} {settings_error:?}"));
    let errors = [
        Error::from_response(403, Some("AccessDeniedException"), Some("r"), b"{}"),
        Error::no_credentials("tried env:AWS_BEARER_TOKEN_BEDROCK"),
        Error::from(crate::sigv4::SigningError::InvalidHeaderValue {
            name: "x-amz-security-token".into(),
        }),
    ];
    for e in &errors {
        push(alloc::format!("{e} {e:?} {:?}", e.hint()));
    }
    for text in &texts {
        for secret in [SECRET, TOKEN, KEY, "SECRETVALUE"] {
            assert!(!text.contains(secret), "{secret} leaked in: {text}");
        }
    }
    // The wire needs them, and only the wire gets them.
    let wire = String::from_utf8(ex.poll_transmit().unwrap_or_default()).unwrap_or_default();
    assert!(
        wire.is_empty() || !wire.contains(SECRET),
        "the secret key itself is never sent"
    );
}

#[test]
fn an_uncataloged_bedrock_id_is_sent_as_given_with_a_warning() {
    let id = "anthropic.claude-3-5-sonnet-20240620-v1:0";
    let mut settings = crate::settings::Settings::default();
    settings.set_enabled(Provider::Bedrock, true);
    settings
        .override_endpoint(
            Provider::Bedrock,
            Some("http://127.0.0.1:8080"),
            Some("us-east-1"),
        )
        .unwrap();
    let route = settings
        .route(id, &crate::settings::RouteInputs::default())
        .unwrap();
    let body = json!({
        "output": {"message": {"role": "assistant", "content": [{"text": "Hi"}]}},
        "stopReason": "end_turn",
        "usage": {"inputTokens": 4, "outputTokens": 2, "totalTokens": 6},
        "metrics": {"latencyMs": 5}
    });
    for (max_tokens, sent) in [(None, 4096), (Some(10_000), 10_000)] {
        let mut request = crate::model::Request::new(id).user("Hi");
        request.max_tokens = max_tokens;
        let response = length_response(200, &[], &serde_json::to_vec(&body).unwrap());
        let mut peer = ScriptedPeer::new(vec![response], 64);
        let mut ex = Exchange::new(
            &route,
            &request,
            Operation::Converse,
            example_auth(),
            &ExchangeConfig::default(),
            clock(&peer),
            ENTROPY,
        )
        .unwrap();
        let run = drive(&mut ex, &mut peer);
        assert_eq!(final_text(&run).as_deref(), Some("Hi"));
        let wire = String::from_utf8(peer.requests[0].clone()).unwrap();
        assert!(
            wire.starts_with(
                "POST /model/anthropic.claude-3-5-sonnet-20240620-v1%3A0/converse HTTP/1.1\r\n"
            ),
            "{wire}"
        );
        assert!(
            wire.contains(&alloc::format!("\"maxTokens\":{sent}")),
            "{wire}"
        );
        let response = ex.response().unwrap();
        assert_eq!(response.warnings, ex.warnings());
        assert_eq!(response.warnings.len(), 1, "{:?}", response.warnings);
        assert!(
            response.warnings[0].contains("not in the catalog or settings"),
            "{:?}",
            response.warnings
        );
        assert_eq!(response.cost, None, "no prices: cost unknown");
    }
}

/// A stream whose attempt ends before any of its output reached the caller: retried, then the
/// second attempt's answer is the call's.
#[test]
fn a_stream_cut_before_any_event_is_retried() {
    let ok = stream_response(&text_stream_frames("second try"), 40);
    let frames = text_stream_frames("first try");
    let start = event_frame("messageStart", &json!({"role": "assistant"}));
    let full = stream_response(&frames, 40);
    let head_end = full.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4;
    assert!(frames.len() > 100);
    let cases: Vec<(&str, Vec<u8>)> = vec![
        // EOF inside the first chunk, before the first frame completes.
        ("EOF in the first frame", full[..head_end + 20].to_vec()),
        // EOF after `messageStart`, which carries no output.
        ("EOF after messageStart", {
            let bytes = chunked_response(
                200,
                &[("Content-Type", "application/vnd.amazon.eventstream")],
                &start,
                4096,
            );
            // Without the final `0` chunk.
            bytes[..bytes.len() - 5].to_vec()
        }),
        // A clean end of an empty body.
        (
            "empty body",
            chunked_response(
                200,
                &[("Content-Type", "application/vnd.amazon.eventstream")],
                b"",
                40,
            ),
        ),
    ];
    for (name, first) in cases {
        let mut peer = ScriptedPeer::new(vec![first, ok.clone()], 64);
        let mut ex = new_exchange(Operation::ConverseStream, &peer, &ExchangeConfig::default());
        let run = drive(&mut ex, &mut peer);
        assert_eq!(run.error, None, "{name}");
        assert_eq!(final_text(&run).as_deref(), Some("second try"), "{name}");
        assert!(
            matches!(&run.events[1], Event::Retry { error, .. } if error.kind() == ErrorKind::TruncatedStream),
            "{name}: {:?}",
            run.events
        );
        assert_eq!(peer.requests.len(), 2, "{name}");
        assert_eq!(
            streamed_text(&run),
            "second try",
            "{name}: nothing from the cut attempt"
        );
    }

    // A reset through the parts entry after the head, before any event: retried too.
    let mut peer = ScriptedPeer::new(vec![], 64);
    let mut ex = new_exchange(Operation::ConverseStream, &peer, &ExchangeConfig::default());
    ex.request_parts().unwrap();
    ex.handle_response_head(
        200,
        &[("content-type", b"application/vnd.amazon.eventstream")],
        peer.now(),
    )
    .unwrap();
    ex.handle_body(&start, peer.now()).unwrap();
    ex.handle_transport_error("connection reset by peer", peer.now())
        .unwrap();
    let events: Vec<Event> = core::iter::from_fn(|| ex.poll_event()).collect();
    assert!(
        matches!(events.last(), Some(Event::Retry { error, .. }) if error.kind() == ErrorKind::TruncatedStream),
        "{events:?}"
    );
    let _ = peer.sleep(Duration::ZERO);
}

/// Once output is out, a cut is final: text, and a server-side tool's blocks (which have no
/// neutral event but ran, and may have billed).
#[test]
fn a_stream_cut_after_output_or_server_tool_events_is_not_retried() {
    let mut server_tool = event_frame("messageStart", &json!({"role": "assistant"}));
    server_tool.extend(event_frame(
        "contentBlockStart",
        &json!({"contentBlockIndex": 0, "start": {"toolResult": {"toolUseId": "srv-1", "type": "web_search_result"}}}),
    ));
    let mut text = event_frame("messageStart", &json!({"role": "assistant"}));
    text.extend(event_frame(
        "contentBlockDelta",
        &json!({"contentBlockIndex": 0, "delta": {"text": "half"}}),
    ));
    for (name, frames) in [("server tool result", server_tool), ("text", text)] {
        let bytes = chunked_response(
            200,
            &[("Content-Type", "application/vnd.amazon.eventstream")],
            &frames,
            4096,
        );
        // EOF before the final chunk.
        let cut = bytes.len() - 5;
        let ok = stream_response(&text_stream_frames("again"), 40);
        let mut peer = ScriptedPeer::new(vec![bytes[..cut].to_vec(), ok], 64);
        let mut ex = new_exchange(Operation::ConverseStream, &peer, &ExchangeConfig::default());
        let run = drive(&mut ex, &mut peer);
        assert_eq!(
            run.error.as_ref().map(Error::kind),
            Some(ErrorKind::TruncatedStream),
            "{name}"
        );
        assert_eq!(peer.requests.len(), 1, "{name}: never retried silently");
    }
}

/// "Signature not yet current" (the client's clock ahead) is corrected like "Signature
/// expired" (behind), and the offset learned by one call is used by the next call of the same
/// client (the same `ExchangeConfig`), which then needs no 403 first.
#[test]
fn clock_skew_both_ways_is_kept_for_the_next_call() {
    for (ahead_secs, message) in [
        (
            -1200i64,
            "Signature not yet current: 20251125T122000Z is still later than 20251125T120500Z (20251125T120000Z + 5 min.)",
        ),
        (
            1200,
            "Signature expired: 20251125T120000Z is now earlier than 20251125T121500Z (20251125T122000Z - 5 min.)",
        ),
    ] {
        let peer = ScriptedPeer::new(vec![], 64);
        let server = if ahead_secs >= 0 {
            peer.wall()
                .checked_add(Duration::from_secs(ahead_secs.unsigned_abs()))
        } else {
            peer.wall()
                .checked_sub(Duration::from_secs(ahead_secs.unsigned_abs()))
        }
        .unwrap();
        let body = alloc::format!("{{\"message\":\"{message}\"}}");
        let rejected = length_response(
            403,
            &[
                ("x-amzn-ErrorType", "InvalidSignatureException"),
                ("Date", &http_date(server)),
            ],
            body.as_bytes(),
        );
        let ok = || stream_response(&text_stream_frames("ok"), 64);
        let config = ExchangeConfig::default();
        let mut peer = ScriptedPeer::new(vec![rejected, ok()], 64);
        let mut ex = new_exchange(Operation::ConverseStream, &peer, &config);
        let run = drive(&mut ex, &mut peer);
        assert_eq!(final_text(&run).as_deref(), Some("ok"), "{message}");
        assert_eq!(peer.requests.len(), 2);
        let learned = config.clock_skew.secs();
        assert!(
            (ahead_secs - 1..=ahead_secs + 1).contains(&learned),
            "{message}: learned {learned}"
        );

        // The next call of this client signs on the corrected clock at once: one request.
        let mut next = ScriptedPeer::new(vec![ok()], 64);
        let mut ex = new_exchange(Operation::ConverseStream, &next, &config.clone());
        let run = drive(&mut ex, &mut next);
        assert_eq!(final_text(&run).as_deref(), Some("ok"));
        assert_eq!(next.requests.len(), 1);
        let signed = String::from_utf8_lossy(&next.requests[0])
            .lines()
            .find_map(|l| l.strip_prefix("X-Amz-Date: ").map(ToString::to_string))
            .unwrap();
        let signed = UnixTime::parse_amz_date(&signed).unwrap();
        let offset =
            i64::try_from(signed.secs()).unwrap() - i64::try_from(next.wall().secs()).unwrap();
        assert!(
            (ahead_secs - 1..=ahead_secs + 1).contains(&offset),
            "signed {offset} s off the local clock"
        );
        // Another client (a fresh config) has learned nothing.
        assert_eq!(ExchangeConfig::default().clock_skew.secs(), 0);
    }
}

/// A 200 carrying the wrong media type (a proxy's HTML page) is refused by its type, for
/// streams and JSON operations alike; parameters and case do not matter.
#[test]
fn a_success_with_the_wrong_content_type_names_the_type() {
    let html = b"<html><body>Please log in to the proxy</body></html>";
    for operation in [
        Operation::ConverseStream,
        Operation::Converse,
        Operation::CountTokens,
    ] {
        let response = length_response(200, &[("Content-Type", "text/html; charset=utf-8")], html);
        let mut peer = ScriptedPeer::new(vec![response], 64);
        let mut ex = new_exchange(operation, &peer, &ExchangeConfig::default());
        let run = drive(&mut ex, &mut peer);
        let error = run.error.expect("refused");
        assert_eq!(error.kind(), ErrorKind::Protocol, "{operation:?}");
        let text = error.to_string();
        assert!(text.contains("\"text/html\""), "{text}");
        assert!(!text.contains("CRC"), "{text}");
        assert_eq!(peer.requests.len(), 1, "not retried");
    }
    // The expected types pass, whatever their parameters or case.
    let response = chunked_response(
        200,
        &[(
            "Content-Type",
            "Application/VND.Amazon.EventStream; charset=binary",
        )],
        &text_stream_frames("fine"),
        40,
    );
    let mut peer = ScriptedPeer::new(vec![response], 64);
    let mut ex = new_exchange(Operation::ConverseStream, &peer, &ExchangeConfig::default());
    assert_eq!(
        final_text(&drive(&mut ex, &mut peer)).as_deref(),
        Some("fine")
    );
    let response = length_response(
        200,
        &[("Content-Type", "application/json;charset=UTF-8")],
        br#"{"inputTokens": 7}"#,
    );
    let mut peer = ScriptedPeer::new(vec![response], 64);
    let mut ex = new_exchange(Operation::CountTokens, &peer, &ExchangeConfig::default());
    let run = drive(&mut ex, &mut peer);
    assert!(run.events.contains(&Event::TokenCount { input_tokens: 7 }));
}

/// An error body is kept up to 64 KiB and the rest read and dropped: a huge HTML error page
/// neither grows memory nor stops the call from ending with its status.
#[test]
fn error_bodies_are_read_up_to_the_limit() {
    let page = alloc::format!("<html>{}</html>", "x".repeat(1024 * 1024));
    let response = chunked_response(403, &[("Content-Type", "text/html")], page.as_bytes(), 8192);
    let mut peer = ScriptedPeer::new(vec![response], 4096);
    let mut ex = new_exchange(Operation::Converse, &peer, &ExchangeConfig::default());
    let mut buf = [0u8; 4096];
    let mut kept = 0;
    peer.write_all(&ex.poll_transmit().unwrap());
    while !ex.is_finished() {
        match peer.read(&mut buf) {
            Some(0) | None => {
                let _ = ex.handle_eof(peer.now());
                break;
            }
            Some(n) => {
                let _ = ex.handle_input(&buf[..n], peer.now());
            }
        }
        kept = kept.max(ex.body_buf.len());
    }
    assert_eq!(kept, MAX_ERROR_BODY, "kept exactly the limit");
    let error = ex.error().expect("403").clone();
    assert_eq!(error.status(), Some(403));
    assert!(error.message().len() <= 300, "{}", error.message().len());
}

mod responses_api;
