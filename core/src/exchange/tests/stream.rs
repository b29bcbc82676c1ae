//! ConverseStream through the exchange: the same events at every chunking, each out as its
//! frame completes, and how a stream cut or failed midway ends (retried only before any output,
//! otherwise with the partial response).

use super::*;

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

#[test]
fn without_kept_text_the_events_carry_the_answer_and_the_final_response_the_rest() {
    let discarding = ExchangeConfig {
        keep_streamed_text: false,
        retry: RetryConfig {
            max_attempts: 1,
            ..RetryConfig::default()
        },
        ..ExchangeConfig::default()
    };
    // Text, then a tool call, then the end: the text is the events' alone, the tool call and
    // usage are in the final response as ever.
    let mut frames = event_frame("messageStart", &json!({"role": "assistant"}));
    for piece in ["Let me ", "check."] {
        frames.extend(event_frame(
            "contentBlockDelta",
            &json!({"contentBlockIndex": 0, "delta": {"text": piece}}),
        ));
    }
    frames.extend(event_frame(
        "contentBlockStop",
        &json!({"contentBlockIndex": 0}),
    ));
    frames.extend(event_frame(
        "contentBlockStart",
        &json!({"contentBlockIndex": 1, "start": {"toolUse": {"toolUseId": "t1", "name": "get_weather"}}}),
    ));
    frames.extend(event_frame(
        "contentBlockDelta",
        &json!({"contentBlockIndex": 1, "delta": {"toolUse": {"input": "{\"city\":\"Paris\"}"}}}),
    ));
    frames.extend(event_frame(
        "contentBlockStop",
        &json!({"contentBlockIndex": 1}),
    ));
    frames.extend(event_frame(
        "messageStop",
        &json!({"stopReason": "tool_use"}),
    ));
    frames.extend(event_frame(
        "metadata",
        &json!({"usage": {"inputTokens": 5, "outputTokens": 9, "totalTokens": 14}, "metrics": {"latencyMs": 10}}),
    ));
    let bytes = stream_response(&frames, 40);

    let mut peer = ScriptedPeer::new(vec![bytes.clone()], 64);
    let mut ex = new_exchange(Operation::ConverseStream, &peer, &discarding);
    let run = drive(&mut ex, &mut peer);
    assert_eq!(streamed_text(&run), "Let me check.");
    let response = final_response(&run).expect("the stream completes");
    assert_eq!(response.text(), "");
    assert_eq!(
        response.content,
        vec![
            crate::model::Part::text(""),
            crate::model::Part::ToolCall {
                id: "t1".into(),
                name: "get_weather".into(),
                arguments: Some(json!({"city": "Paris"})),
            },
        ]
    );
    assert_eq!(response.usage.output_tokens, 9);
    assert_eq!(response.raw_stop_reason, "tool_use");

    // The same stream with the text kept differs in the text alone.
    let mut peer = ScriptedPeer::new(vec![bytes.clone()], 64);
    let mut ex = new_exchange(Operation::ConverseStream, &peer, &ExchangeConfig::default());
    let kept = drive(&mut ex, &mut peer);
    assert_eq!(kept.events.len(), run.events.len());
    let mut kept_response = final_response(&kept).unwrap().clone();
    assert_eq!(kept_response.text(), "Let me check.");
    kept_response.content[0] = crate::model::Part::text("");
    assert_eq!(&kept_response, response);

    // Cut after the text: the partial response has no text either (it came as events).
    let tool_start = bytes.windows(5).position(|w| w == b"toolU").unwrap();
    let mut peer = ScriptedPeer::new(vec![bytes[..tool_start].to_vec()], 64);
    let mut ex = new_exchange(Operation::ConverseStream, &peer, &discarding);
    let cut = drive(&mut ex, &mut peer);
    assert!(!streamed_text(&cut).is_empty());
    let error = cut.error.expect("a cut stream fails");
    assert_eq!(error.kind(), ErrorKind::TruncatedStream);
    assert_eq!(
        error.partial_response().map(Response::text).as_deref(),
        Some("")
    );
}

#[test]
fn text_deltas_in_bedrock_layout_give_what_the_general_path_gives() {
    // Each stream twice: its deltas in Bedrock's exact layout (read by the exchange's fast
    // path) and with one space more (read by the general path). Events, response and errors
    // (a delta for a stopped block) must be the same.
    let frame = |event_type: &str, payload: &[u8]| {
        let headers = vec![
            crate::eventstream::Header::new(
                ":event-type",
                crate::eventstream::HeaderValue::String(event_type.into()),
            ),
            crate::eventstream::Header::new(
                ":content-type",
                crate::eventstream::HeaderValue::String("application/json".into()),
            ),
            crate::eventstream::Header::new(
                ":message-type",
                crate::eventstream::HeaderValue::String("event".into()),
            ),
        ];
        let mut out = Vec::new();
        crate::eventstream::Message::new(headers, payload.to_vec())
            .encode(&mut out)
            .unwrap();
        out
    };
    let deltas: [&[&str]; 3] = [
        &[
            r#"{"contentBlockIndex":0,"delta":{"text":"Hello "},"p":"abcdef"}"#,
            r#"{"contentBlockIndex":0,"delta":{"text":"wörld"}}"#,
            r#"{"contentBlockIndex":1,"delta":{"text":""},"p":"x"}"#,
            r#"{"contentBlockIndex":1,"delta":{"text":"second block"},"p":"abcdefghijklmnop"}"#,
        ],
        &[
            r#"{"contentBlockIndex":0,"delta":{"text":"before stop"},"p":"ab"}"#,
            "stop 0",
            r#"{"contentBlockIndex":0,"delta":{"text":"after stop"},"p":"ab"}"#,
        ],
        &[r#"{"contentBlockIndex":4294967295,"delta":{"text":"far"}}"#],
    ];
    for stream in deltas {
        let runs: Vec<Run> = [false, true]
            .into_iter()
            .map(|spaced| {
                let mut frames = event_frame("messageStart", &json!({"role": "assistant"}));
                for delta in stream {
                    if let Some(index) = delta.strip_prefix("stop ") {
                        let payload = alloc::format!(r#"{{"contentBlockIndex":{index}}}"#);
                        frames.extend(frame("contentBlockStop", payload.as_bytes()));
                        continue;
                    }
                    let payload = if spaced {
                        delta.replacen('{', "{ ", 1)
                    } else {
                        String::from(*delta)
                    };
                    frames.extend(frame("contentBlockDelta", payload.as_bytes()));
                }
                frames.extend(event_frame(
                    "messageStop",
                    &json!({"stopReason": "end_turn"}),
                ));
                frames.extend(event_frame(
                    "metadata",
                    &json!({"usage": {"inputTokens": 5, "outputTokens": 2, "totalTokens": 7}}),
                ));
                let mut peer = ScriptedPeer::new(vec![stream_response(&frames, 40)], 64);
                let mut ex =
                    new_exchange(Operation::ConverseStream, &peer, &ExchangeConfig::default());
                drive(&mut ex, &mut peer)
            })
            .collect();
        assert_eq!(runs[0], runs[1], "{stream:?}");
        // Only the delta after its block's stop fails.
        assert_eq!(runs[0].error.is_some(), stream.contains(&"stop 0"));
        assert!(streamed_text(&runs[0]).len() > 2, "{stream:?}");
    }
}
