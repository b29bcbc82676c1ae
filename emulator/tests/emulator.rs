//! The emulator, in process, over real loopback sockets: requests written with the core's
//! `http1::write_request`, responses read with its `ResponseReader`, streams decoded with its
//! event-stream decoder and accumulated with its stream accumulator.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use bedrock_core::converse::{
    ConverseResponse, EventError, StreamAccumulator, StreamEvent, parse_event,
};
use bedrock_core::eventstream::{DecodeError, Decoder};
use bedrock_core::http1::{EofPosition, HttpError, ResponseEvent, ResponseReader};
use bedrock_core::sigv4::{Credentials, SignableRequest, SigningParams, sign_headers};
use bedrock_core::time::UnixTime;
use bedrock_emulator::raw::{
    RawConnection, RawResponse, request_bytes, roundtrip, tls_client_config,
};
use bedrock_emulator::{
    AuthKind, Clock, DEFAULT_ACCESS_KEY_ID, DEFAULT_API_KEY, DEFAULT_SECRET_ACCESS_KEY, Emulator,
    EmulatorConfig, EmulatorHandle, Operation,
};
use serde_json::{Value, json};

const HOST: &str = "bedrock-runtime.us-east-1.amazonaws.com";

fn start() -> EmulatorHandle {
    Emulator::start(EmulatorConfig::default()).expect("emulator starts")
}

fn target(model: &str, operation: Operation) -> String {
    let mut path = String::from("/model/");
    bedrock_core::percent::encode(&mut path, model);
    path.push('/');
    path.push_str(operation.path_suffix());
    path
}

fn converse_body(text: &str) -> Vec<u8> {
    json!({"messages": [{"role": "user", "content": [{"text": text}]}]})
        .to_string()
        .into_bytes()
}

fn body_for(operation: Operation, text: &str) -> Vec<u8> {
    match operation {
        Operation::CountTokens => json!({"input": {"converse": {"messages": [
            {"role": "user", "content": [{"text": text}]}
        ]}}})
        .to_string()
        .into_bytes(),
        Operation::Converse | Operation::ConverseStream => converse_body(text),
    }
}

/// A request signed with the core's signer at `time`, with `extra` headers (unsigned).
fn signed_at(
    time: UnixTime,
    secret: &str,
    path: &str,
    body: &[u8],
    extra: &[(&str, &str)],
) -> Vec<u8> {
    let credentials = Credentials::new(DEFAULT_ACCESS_KEY_ID, secret).unwrap();
    let request = SignableRequest::new("POST", path)
        .header("host", HOST)
        .header("content-type", "application/json")
        .body(body);
    let params = SigningParams::new(&credentials, "us-east-1", "bedrock", time);
    let signature = sign_headers(&request, &params).unwrap();
    let length = body.len().to_string();
    let mut headers: Vec<(&str, &str)> = vec![
        ("Host", HOST),
        ("Content-Type", "application/json"),
        ("Content-Length", length.as_str()),
    ];
    for (name, value) in signature.headers() {
        headers.push((name, value));
    }
    headers.extend_from_slice(extra);
    request_bytes("POST", path, &headers, body)
}

fn signed(path: &str, body: &[u8]) -> Vec<u8> {
    signed_at(
        Clock::System.now(),
        DEFAULT_SECRET_ACCESS_KEY,
        path,
        body,
        &[],
    )
}

fn bearer(path: &str, body: &[u8], key: &str) -> Vec<u8> {
    let authorization = format!("Bearer {key}");
    let length = body.len().to_string();
    request_bytes(
        "POST",
        path,
        &[
            ("Host", HOST),
            ("Content-Type", "application/json"),
            ("Content-Length", &length),
            ("Authorization", &authorization),
        ],
        body,
    )
}

fn call(addr: SocketAddr, request: &[u8]) -> RawResponse {
    roundtrip(addr, request).expect("a response")
}

/// Decodes a ConverseStream body into events, stopping at the first error.
fn stream_events(body: &[u8]) -> (Vec<StreamEvent>, Result<(), String>) {
    let mut decoder = Decoder::new();
    let mut input = body;
    let mut events = Vec::new();
    loop {
        match decoder.decode(&mut input) {
            Ok(Some(message)) => match parse_event(&message) {
                Ok(Some(event)) => events.push(event),
                Ok(None) => {}
                Err(e) => return (events, Err(format!("event: {e}"))),
            },
            Ok(None) => break,
            Err(e) => return (events, Err(format!("decode: {e}"))),
        }
    }
    let end = decoder.finish().map_err(|e| format!("decode: {e}"));
    (events, end)
}

fn accumulate(events: &[StreamEvent]) -> Result<ConverseResponse, String> {
    let mut accumulator = StreamAccumulator::new();
    for event in events {
        accumulator.handle_event(event).map_err(|e| e.to_string())?;
    }
    accumulator.finish().map_err(|e| e.to_string())
}

// --- SigV4 --------------------------------------------------------------------------------

#[test]
fn signature_checks_answer_like_aws() {
    let emulator = start();
    let path = target("m", Operation::Converse);
    let body = converse_body("hi");

    let ok = call(emulator.addr(), &signed(&path, &body));
    assert_eq!(ok.head.status, 200);
    assert!(ok.head.header("date").is_some_and(|d| d.ends_with(" GMT")));
    assert!(ok.head.header("x-amzn-requestid").is_some());

    let wrong_secret = signed_at(Clock::System.now(), "not-the-secret", &path, &body, &[]);
    let response = call(emulator.addr(), &wrong_secret);
    assert_eq!(
        (response.head.status, response.error_type()),
        (403, Some("InvalidSignatureException"))
    );

    let stale = Clock::System
        .now()
        .checked_sub(Duration::from_secs(600))
        .unwrap();
    let response = call(
        emulator.addr(),
        &signed_at(stale, DEFAULT_SECRET_ACCESS_KEY, &path, &body, &[]),
    );
    assert_eq!(response.error_type(), Some("InvalidSignatureException"));
    let message = response.message().unwrap();
    assert!(message.starts_with("Signature expired: "), "{message}");
    assert!(message.ends_with(" - 5 min.)"), "{message}");
    assert!(response.head.header("date").is_some());

    let future = Clock::System
        .now()
        .checked_add(Duration::from_secs(600))
        .unwrap();
    let response = call(
        emulator.addr(),
        &signed_at(future, DEFAULT_SECRET_ACCESS_KEY, &path, &body, &[]),
    );
    assert!(
        response
            .message()
            .unwrap()
            .starts_with("Signature not yet current: ")
    );

    let unknown_key = String::from_utf8(signed(&path, &body))
        .unwrap()
        .replace("Credential=AKIDEXAMPLE/", "Credential=AKIDOTHER/");
    let response = call(emulator.addr(), unknown_key.as_bytes());
    assert_eq!(response.error_type(), Some("UnrecognizedClientException"));
    assert_eq!(
        response.message().as_deref(),
        Some("The security token included in the request is invalid.")
    );

    let unsigned = request_bytes(
        "POST",
        &path,
        &[("Host", HOST), ("Content-Length", "2")],
        b"{}",
    );
    let response = call(emulator.addr(), &unsigned);
    assert_eq!(
        response.error_type(),
        Some("MissingAuthenticationTokenException")
    );
}

#[test]
fn a_configured_session_token_must_be_present() {
    let emulator = Emulator::start(EmulatorConfig::default().with_session_token("TOKEN")).unwrap();
    let path = target("m", Operation::Converse);
    let response = call(emulator.addr(), &signed(&path, &converse_body("hi")));
    assert_eq!(response.error_type(), Some("UnrecognizedClientException"));
}

#[test]
fn bearer_keys() {
    let emulator = start();
    let path = target("m", Operation::Converse);
    let body = converse_body("hi");
    let ok = call(emulator.addr(), &bearer(&path, &body, DEFAULT_API_KEY));
    assert_eq!(ok.head.status, 200);
    let bad = call(
        emulator.addr(),
        &bearer(&path, &body, "bedrock-api-key-wrong"),
    );
    assert_eq!(bad.head.status, 403);
    assert_eq!(bad.error_type(), Some("AccessDeniedException"));
    assert_eq!(
        bad.message().as_deref(),
        Some("Authentication failed: Please make sure your API Key is valid.")
    );
    assert_eq!(emulator.requests()[0].auth, Some(AuthKind::Bearer));
}

// --- Operations and scenarios ----------------------------------------------------------------

#[test]
fn every_error_scenario_answers_its_status_and_type_on_every_operation() {
    let emulator = start();
    let errors = [
        ("AccessDeniedException", 403),
        ("ValidationException", 400),
        ("ThrottlingException", 429),
        ("ModelNotReadyException", 429),
        ("ModelTimeoutException", 408),
        ("ServiceUnavailableException", 503),
        ("InternalServerException", 500),
        ("ResourceNotFoundException", 404),
        ("ModelErrorException", 424),
        ("ServiceQuotaExceededException", 400),
    ];
    for operation in [
        Operation::Converse,
        Operation::ConverseStream,
        Operation::CountTokens,
    ] {
        for (error, status) in errors {
            let body = body_for(operation, &format!("hi [error:{error}]"));
            let response = call(emulator.addr(), &signed(&target("m", operation), &body));
            assert_eq!(response.head.status, status, "{operation:?} {error}");
            assert_eq!(response.error_type(), Some(error), "{operation:?}");
            assert!(response.message().is_some_and(|m| !m.is_empty()));
            assert_eq!(
                response.head.header("content-type"),
                Some("application/json")
            );
        }
    }
    // A custom message, and the model id as the trigger.
    let body =
        converse_body("[error:ValidationException:The provided model identifier is invalid.]");
    let response = call(
        emulator.addr(),
        &signed(&target("m", Operation::Converse), &body),
    );
    assert_eq!(
        response.message().as_deref(),
        Some("The provided model identifier is invalid.")
    );
    let response = call(
        emulator.addr(),
        &signed(
            &target("emulator[error:throttling]", Operation::Converse),
            &converse_body("hi"),
        ),
    );
    assert_eq!(response.head.status, 429);
    let extra: Value = {
        let body = converse_body("[error:ModelErrorException]");
        let response = call(
            emulator.addr(),
            &signed(&target("m1", Operation::Converse), &body),
        );
        serde_json::from_slice(&response.body).unwrap()
    };
    assert_eq!(extra["originalStatusCode"], 500);
    assert_eq!(extra["resourceName"], "m1");
}

#[test]
fn validation_names_the_member() {
    let emulator = start();
    let path = target("m", Operation::Converse);
    for (body, expected) in [
        (&b"{\"messages\": ["[..], "Malformed input request"),
        (b"{}", "at 'messages' failed to satisfy constraint: Member must not be null"),
        (
            br#"{"messages":[{"role":"user","content":[{"text":"x"}]}],"inferenceConfig":{"temperature":2}}"#,
            "'inferenceConfig.temperature'",
        ),
    ] {
        let response = call(emulator.addr(), &signed(&path, body));
        assert_eq!(response.head.status, 400);
        assert_eq!(response.error_type(), Some("ValidationException"));
        let message = response.message().unwrap();
        assert!(message.contains(expected), "{message}");
    }
    let response = call(
        emulator.addr(),
        &signed(&path, &converse_body("[scenario:nope]")),
    );
    assert!(
        response
            .message()
            .unwrap()
            .contains("emulator marker [scenario:nope]")
    );
}

#[test]
fn streams_accumulate_to_the_converse_response_for_every_content_scenario() {
    let emulator = start();
    for scenario in [
        "",
        "[long:40]",
        "[scenario:tool_use]",
        "[scenario:parallel_tools]",
        "[scenario:tool_no_args]",
        "[scenario:reasoning]",
        "[scenario:redacted_reasoning]",
        "[scenario:citations]",
        "[scenario:cache_write]",
        "[scenario:cache_read]",
        "[scenario:cache_mixed]",
        "[scenario:guardrail]",
        "[scenario:max_tokens]",
    ] {
        let body = converse_body(&format!("Tell me something nice {scenario}"));
        let converse = call(
            emulator.addr(),
            &signed(&target("m", Operation::Converse), &body),
        );
        assert_eq!(converse.head.status, 200, "{scenario}");
        let expected = ConverseResponse::from_json(&converse.body).unwrap();

        let stream = call(
            emulator.addr(),
            &signed(&target("m", Operation::ConverseStream), &body),
        );
        assert_eq!(stream.head.status, 200);
        assert_eq!(
            stream.head.header("content-type"),
            Some("application/vnd.amazon.eventstream")
        );
        assert_eq!(stream.head.header("transfer-encoding"), Some("chunked"));
        let (events, end) = stream_events(&stream.body);
        end.unwrap_or_else(|e| panic!("{scenario}: {e}"));
        let accumulated = accumulate(&events).unwrap_or_else(|e| panic!("{scenario}: {e}"));
        assert_eq!(accumulated, expected, "{scenario}");

        let count = call(
            emulator.addr(),
            &signed(
                &target("m", Operation::CountTokens),
                &body_for(
                    Operation::CountTokens,
                    &format!("Tell me something nice {scenario}"),
                ),
            ),
        );
        let tokens: Value = serde_json::from_slice(&count.body).unwrap();
        assert_eq!(
            tokens["inputTokens"].as_u64(),
            Some(expected.usage.input_tokens),
            "{scenario}"
        );
    }
}

#[test]
fn scenario_contents_are_what_the_table_says() {
    let emulator = start();
    let converse = |text: &str| {
        let response = call(
            emulator.addr(),
            &signed(&target("m", Operation::Converse), &converse_body(text)),
        );
        serde_json::from_slice::<Value>(&response.body).unwrap()
    };
    let echo = converse("Hello, emulator! [id:abc]");
    assert_eq!(
        echo["output"]["message"]["content"],
        json!([{"text": "Hello, emulator!"}])
    );
    assert_eq!(echo["stopReason"], "end_turn");
    let tools = converse("[scenario:parallel_tools]");
    assert_eq!(tools["stopReason"], "tool_use");
    assert_eq!(
        tools["output"]["message"]["content"][2]["toolUse"]["name"],
        "get_time"
    );
    let cache = converse("[scenario:cache_write]");
    assert_eq!(cache["usage"]["cacheWriteInputTokens"], 1024);
    assert_eq!(
        cache["usage"]["cacheDetails"],
        json!([{"ttl": "5m", "inputTokens": 1024}])
    );
    let guard = converse("[scenario:guardrail]");
    assert_eq!(guard["stopReason"], "guardrail_intervened");
    assert!(guard["trace"]["guardrail"]["inputAssessment"].is_object());
    let long = converse("[long:7]");
    let text = long["output"]["message"]["content"][0]["text"]
        .as_str()
        .unwrap();
    assert!(text.starts_with("Part 1 of a long answer. ") && text.contains("Part 7 "));
}

/// Reads a whole `Connection: close` response off the socket and counts the chunks the body came
/// in (each `Data` event of the reader is at most one chunk).
#[test]
fn stream_frames_straddle_chunk_boundaries() {
    let emulator = start();
    let body = converse_body("one two three four five six [scenario:tool_use]");
    let path = target("m", Operation::ConverseStream);
    let request = signed_at(
        Clock::System.now(),
        DEFAULT_SECRET_ACCESS_KEY,
        &path,
        &body,
        &[("Connection", "close")],
    );
    let mut connection =
        RawConnection::connect(emulator.addr(), Some(Duration::from_secs(10))).unwrap();
    connection.send(&request).unwrap();
    let response = connection.read_response().unwrap();
    assert!(response.end.is_ok());
    assert_eq!(response.head.header("connection"), Some("close"));
    assert!(
        connection
            .is_closed_by_peer(Duration::from_secs(2))
            .unwrap()
    );

    // Count chunks from the raw bytes.
    let raw = {
        use std::io::{Read, Write};
        let mut stream = std::net::TcpStream::connect(emulator.addr()).unwrap();
        stream.write_all(&request).unwrap();
        let mut raw = Vec::new();
        stream.read_to_end(&mut raw).unwrap();
        raw
    };
    let mut reader = ResponseReader::default();
    let mut input = raw.as_slice();
    let mut data_events = 0;
    let mut decoded = Vec::new();
    while let Some(event) = reader.read(&mut input).unwrap() {
        match event {
            ResponseEvent::Data(d) => {
                data_events += 1;
                decoded.extend_from_slice(d);
            }
            ResponseEvent::End => break,
            ResponseEvent::Head(_) => {}
        }
    }
    let (events, end) = stream_events(&decoded);
    end.unwrap();
    assert!(
        data_events > events.len(),
        "{data_events} chunks for {} frames",
        events.len()
    );
    // Same request, same bytes: the chunking is seeded.
    assert!(
        decoded == response.body,
        "the same request got different bytes"
    );
}

#[test]
fn keep_alive_serves_two_requests_on_one_connection() {
    let emulator = start();
    let mut connection =
        RawConnection::connect(emulator.addr(), Some(Duration::from_secs(10))).unwrap();
    let first = signed(
        &target("m", Operation::ConverseStream),
        &converse_body("first"),
    );
    let second = signed(&target("m", Operation::Converse), &converse_body("second"));
    connection.send(&first).unwrap();
    let a = connection.read_response().unwrap();
    assert!(a.end.is_ok() && !a.closed);
    connection.send(&second).unwrap();
    let b = connection.read_response().unwrap();
    assert_eq!(b.head.status, 200);
    assert!(String::from_utf8_lossy(&b.body).contains("second"));
    // Pipelined: both requests written before either response is read.
    connection
        .send(&[first.clone(), second.clone()].concat())
        .unwrap();
    assert_eq!(connection.read_response().unwrap().head.status, 200);
    assert_eq!(connection.read_response().unwrap().head.status, 200);
    assert!(
        !connection
            .is_closed_by_peer(Duration::from_millis(100))
            .unwrap()
    );
}

#[test]
fn chunked_request_bodies_are_accepted() {
    let emulator = start();
    let path = target("m", Operation::Converse);
    let body = converse_body("chunked hello");
    // Sign the body, then send it chunked instead of with a Content-Length.
    let signed_request = String::from_utf8(signed(&path, &body)).unwrap();
    let (head, _) = signed_request.split_once("\r\n\r\n").unwrap();
    let head = head.replace(
        &format!("Content-Length: {}", body.len()),
        "Transfer-Encoding: chunked",
    );
    let (a, b) = body.split_at(10);
    let mut request = format!("{head}\r\n\r\n").into_bytes();
    request.extend_from_slice(format!("{:x};ext=1\r\n", a.len()).as_bytes());
    request.extend_from_slice(a);
    request.extend_from_slice(format!("\r\n{:x}\r\n", b.len()).as_bytes());
    request.extend_from_slice(b);
    request.extend_from_slice(b"\r\n0\r\n\r\n");
    let response = call(emulator.addr(), &request);
    assert_eq!(response.head.status, 200, "{:?}", response.message());
    assert!(String::from_utf8_lossy(&response.body).contains("chunked hello"));
}

#[test]
fn throttle_n_times_then_succeed_counts_per_id() {
    let emulator = start();
    let path = target("m", Operation::Converse);
    let statuses = |text: &str, n: usize| -> Vec<u16> {
        (0..n)
            .map(|_| {
                call(emulator.addr(), &signed(&path, &converse_body(text)))
                    .head
                    .status
            })
            .collect()
    };
    assert_eq!(statuses("hi [throttle:2][id:a]", 4), [429, 429, 200, 200]);
    assert_eq!(statuses("hi [throttle:2][id:b]", 3), [429, 429, 200]);
    assert_eq!(statuses("[fail:1:ServiceUnavailable][id:c]", 2), [503, 200]);
    // The same marker on another operation has its own count.
    let stream = call(
        emulator.addr(),
        &signed(
            &target("m", Operation::ConverseStream),
            &converse_body("hi [throttle:2][id:a]"),
        ),
    );
    assert_eq!(stream.head.status, 429);
}

#[test]
fn mid_stream_exception_crc_and_cut() {
    let emulator = start();
    let path = target("m", Operation::ConverseStream);
    let text = "one two three four five";

    let response = call(
        emulator.addr(),
        &signed(
            &path,
            &converse_body(&format!("{text} [midstream:modelStreamErrorException]")),
        ),
    );
    assert_eq!(response.head.status, 200);
    let (events, end) = stream_events(&response.body);
    assert_eq!(events.len(), 3, "messageStart and two deltas");
    let error = end.unwrap_err();
    assert!(error.contains("ModelStreamErrorException"), "{error}");
    let mut decoder = Decoder::new();
    let mut input = response.body.as_slice();
    let mut last = None;
    while let Some(message) = decoder.decode(&mut input).unwrap() {
        last = Some(parse_event(&message));
    }
    assert!(matches!(
        last,
        Some(Err(EventError::Exception(e))) if e.original_status_code == Some(500)
    ));

    let response = call(
        emulator.addr(),
        &signed(&path, &converse_body(&format!("{text} [crc]"))),
    );
    let mut decoder = Decoder::new();
    let mut input = response.body.as_slice();
    assert!(decoder.decode(&mut input).unwrap().is_some());
    assert!(matches!(
        decoder.decode(&mut input),
        Err(DecodeError::MessageCrc { .. })
    ));

    let response = call(
        emulator.addr(),
        &signed(&path, &converse_body(&format!("{text} [cut]"))),
    );
    assert!(response.end.is_ok(), "a clean chunked end");
    let (events, end) = stream_events(&response.body);
    end.unwrap();
    assert!(matches!(
        events.last(),
        Some(StreamEvent::ContentBlockDelta { .. })
    ));
    assert!(accumulate(&events).unwrap_err().contains("messageStop"));

    // Non-streaming: the mid-stream error is the call's error.
    let response = call(
        emulator.addr(),
        &signed(
            &target("m", Operation::Converse),
            &converse_body("[midstream:throttling]"),
        ),
    );
    assert_eq!(
        (response.head.status, response.error_type()),
        (429, Some("ThrottlingException"))
    );
}

#[test]
fn connection_closed_mid_frame_really_closes_mid_frame() {
    let emulator = start();
    let path = target("m", Operation::ConverseStream);
    let mut connection =
        RawConnection::connect(emulator.addr(), Some(Duration::from_secs(10))).unwrap();
    connection
        .send(&signed(&path, &converse_body("one two three [close]")))
        .unwrap();
    let response = connection.read_response().unwrap();
    assert!(response.closed);
    assert_eq!(
        response.end,
        Err(HttpError::UnexpectedEof(EofPosition::Chunk))
    );
    let mut decoder = Decoder::new();
    let mut input = response.body.as_slice();
    let mut complete = 0;
    while decoder.decode(&mut input).unwrap().is_some() {
        complete += 1;
    }
    assert_eq!(complete, 2, "messageStart and the first delta");
    assert!(
        matches!(decoder.finish(), Err(DecodeError::Truncated { .. })),
        "ends inside a frame"
    );

    // The non-streaming form: half a Content-Length body, then close.
    let response = call(
        emulator.addr(),
        &signed(
            &target("m", Operation::Converse),
            &converse_body("x [close]"),
        ),
    );
    assert!(matches!(
        response.end,
        Err(HttpError::UnexpectedEof(EofPosition::Body { .. }))
    ));
}

#[test]
fn drip_slow_head_and_stall() {
    let emulator =
        Emulator::start(EmulatorConfig::default().with_stall_limit(Duration::from_millis(300)))
            .unwrap();
    let path = target("m", Operation::ConverseStream);

    let started = Instant::now();
    let response = call(
        emulator.addr(),
        &signed(&path, &converse_body("a b c [drip:40]")),
    );
    let (events, end) = stream_events(&response.body);
    end.unwrap();
    let frames = events.len() as u32;
    assert!(
        started.elapsed() >= Duration::from_millis(40) * (frames - 1),
        "{:?}",
        started.elapsed()
    );

    let started = Instant::now();
    let response = call(
        emulator.addr(),
        &signed(
            &target("m", Operation::Converse),
            &converse_body("hi [slow_head:250]"),
        ),
    );
    assert_eq!(response.head.status, 200);
    assert!(started.elapsed() >= Duration::from_millis(250));

    // Stall: the head and the first frames arrive, then nothing; the stall limit ends it.
    let mut connection =
        RawConnection::connect(emulator.addr(), Some(Duration::from_secs(10))).unwrap();
    connection
        .send(&signed(&path, &converse_body("a b c [stall]")))
        .unwrap();
    let started = Instant::now();
    let response = connection.read_response().unwrap();
    assert_eq!(response.head.status, 200);
    assert_eq!(
        response.end,
        Err(HttpError::UnexpectedEof(EofPosition::Chunk))
    );
    assert!(
        started.elapsed() >= Duration::from_millis(250),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(stream_events(&response.body).0.len(), 2);
}

#[test]
fn a_stalled_response_ends_when_the_client_leaves() {
    let emulator = start(); // stall limit 120 s
    let path = target("m", Operation::ConverseStream);
    let mut connection =
        RawConnection::connect(emulator.addr(), Some(Duration::from_millis(300))).unwrap();
    connection
        .send(&signed(&path, &converse_body("a b [stall]")))
        .unwrap();
    // The client's idle timeout fires: nothing more arrives.
    let error = connection.read_response().unwrap_err();
    assert!(matches!(
        error.kind(),
        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
    ));
    connection.close();
    // The server thread notices the disconnect; shutdown joins it promptly.
    std::thread::sleep(Duration::from_millis(200));
    let started = Instant::now();
    emulator.shutdown();
    assert!(started.elapsed() < Duration::from_secs(2));
}

#[test]
fn unknown_routes_are_404_and_shutdown_is_prompt() {
    let emulator = start();
    let response = call(emulator.addr(), &signed("/model/m/invoke", b"{}"));
    assert_eq!(
        (response.head.status, response.error_type()),
        (404, Some("UnknownOperationException"))
    );
    let record = emulator.requests().pop().unwrap();
    assert_eq!(record.operation, None);
    // An idle keep-alive connection does not hold shutdown up.
    let _idle = RawConnection::connect(emulator.addr(), None).unwrap();
    let started = Instant::now();
    emulator.shutdown();
    assert!(started.elapsed() < Duration::from_secs(2));
}

#[test]
fn silent_connections_are_closed_after_the_idle_timeout() {
    let config = EmulatorConfig::default().with_idle_timeout(Duration::from_millis(200));
    let emulator = Emulator::start(config).unwrap();
    let mut silent = RawConnection::connect(emulator.addr(), None).unwrap();
    assert!(silent.is_closed_by_peer(Duration::from_secs(2)).unwrap());
    // Half a request head counts as silence too.
    let mut partial = RawConnection::connect(emulator.addr(), None).unwrap();
    partial
        .send(b"POST /model/m/converse HTTP/1.1\r\nHost: x\r\n")
        .unwrap();
    assert!(partial.is_closed_by_peer(Duration::from_secs(2)).unwrap());
}

// ---------------------------------------------------------------------------------------------
// HTTPS, open connections, thread stacks

fn start_tls() -> EmulatorHandle {
    Emulator::start(EmulatorConfig::default().with_tls()).expect("emulator starts with TLS")
}

fn tls_connection(emulator: &EmulatorHandle, ca_pem: &str) -> RawConnection {
    let config = tls_client_config(ca_pem).expect("the CA PEM parses");
    let addr = emulator.tls_addr().expect("TLS is on");
    RawConnection::connect_tls(addr, config, Some(Duration::from_secs(10))).expect("connects")
}

#[test]
fn https_converse_and_stream_with_a_client_trusting_the_ca() {
    let emulator = start_tls();
    let ca = emulator.ca_pem().expect("TLS is on").to_string();
    assert!(ca.starts_with("-----BEGIN CERTIFICATE-----"), "{ca}");
    let url = emulator.https_endpoint_url().expect("TLS is on");
    assert_eq!(url, format!("https://{}", emulator.tls_addr().unwrap()));
    assert!(url.starts_with("https://127.0.0.1:"), "{url}");
    // The plain listener still serves, on its own port.
    assert_ne!(emulator.addr(), emulator.tls_addr().unwrap());
    assert_eq!(
        call(
            emulator.addr(),
            &signed(&target("m", Operation::Converse), &converse_body("plain"))
        )
        .head
        .status,
        200
    );

    let mut connection = tls_connection(&emulator, &ca);
    connection
        .send(&signed(
            &target("m", Operation::Converse),
            &converse_body("Hello over TLS"),
        ))
        .expect("the handshake and the request succeed");
    let response = connection.read_response().unwrap();
    assert_eq!(response.head.status, 200);
    let parsed: Value = serde_json::from_slice(&response.body).unwrap();
    assert_eq!(
        parsed["output"]["message"]["content"],
        json!([{"text": "Hello over TLS"}])
    );
    // Keep-alive over TLS: a stream on the same connection, frames straddling TLS records.
    connection
        .send(&bearer(
            &target("m", Operation::ConverseStream),
            &converse_body("streamed over TLS [long:50]"),
            DEFAULT_API_KEY,
        ))
        .unwrap();
    let response = connection.read_response().unwrap();
    assert!(response.end.is_ok() && !response.closed);
    let (events, end) = stream_events(&response.body);
    end.unwrap();
    let accumulated = accumulate(&events).unwrap();
    assert_eq!(
        serde_json::to_value(&accumulated.stop_reason).unwrap(),
        json!("end_turn")
    );
    let deltas = events
        .iter()
        .filter(|e| matches!(e, StreamEvent::ContentBlockDelta { .. }))
        .count();
    assert_eq!(deltas, 50);
    connection.close();

    let records = emulator.requests();
    let tls: Vec<(Option<Operation>, bool, Option<AuthKind>)> = records
        .iter()
        .map(|r| (r.operation, r.tls, r.auth.clone()))
        .collect();
    assert_eq!(
        tls,
        vec![
            (
                Some(Operation::Converse),
                false,
                Some(AuthKind::SigV4 {
                    region: "us-east-1".into()
                })
            ),
            (
                Some(Operation::Converse),
                true,
                Some(AuthKind::SigV4 {
                    region: "us-east-1".into()
                })
            ),
            (
                Some(Operation::ConverseStream),
                true,
                Some(AuthKind::Bearer)
            ),
        ]
    );
}

#[test]
fn https_faults_truncate_without_close_notify() {
    let emulator = start_tls();
    let ca = emulator.ca_pem().unwrap().to_string();
    let mut connection = tls_connection(&emulator, &ca);
    connection
        .send(&signed(
            &target("m", Operation::ConverseStream),
            &converse_body("one two three four [close]"),
        ))
        .unwrap();
    let response = connection.read_response().unwrap();
    assert_eq!(response.head.status, 200);
    assert!(response.closed);
    assert!(
        matches!(response.end, Err(HttpError::UnexpectedEof { .. })),
        "{:?}",
        response.end
    );
}

#[test]
fn a_client_not_trusting_the_ca_fails_the_handshake() {
    let emulator = start_tls();
    // Another run's CA: a valid certificate authority, just not this emulator's.
    let other = start_tls();
    let wrong_ca = other.ca_pem().unwrap().to_string();
    assert_ne!(emulator.ca_pem().unwrap(), wrong_ca);
    let mut connection = tls_connection(&emulator, &wrong_ca);
    let error = connection
        .send(&signed(
            &target("m", Operation::Converse),
            &converse_body("hello"),
        ))
        .and_then(|()| connection.read_response().map(|_| ()))
        .expect_err("the handshake must fail");
    let message = error.to_string();
    assert!(
        message.contains("certificate") && message.contains("UnknownIssuer"),
        "{message}"
    );
    // The emulator answered nothing.
    assert!(emulator.requests().is_empty());
    // A plain-HTTP client talking to the HTTPS port gets no HTTP answer either.
    let mut plain =
        RawConnection::connect(emulator.tls_addr().unwrap(), Some(Duration::from_secs(5))).unwrap();
    plain
        .send(&signed(
            &target("m", Operation::Converse),
            &converse_body("hi"),
        ))
        .unwrap();
    assert!(plain.read_response().is_err());
    assert!(emulator.requests().is_empty());
}

#[test]
fn open_connections_count_up_and_back_to_zero() {
    let emulator = start_tls();
    assert_eq!(emulator.open_connections(), 0);
    let ca = emulator.ca_pem().unwrap().to_string();
    let mut plain: Vec<RawConnection> = (0..3)
        .map(|_| RawConnection::connect(emulator.addr(), Some(Duration::from_secs(10))).unwrap())
        .collect();
    let mut tls: Vec<RawConnection> = (0..2).map(|_| tls_connection(&emulator, &ca)).collect();
    // One request on each, so every connection has surely been accepted.
    for connection in plain.iter_mut().chain(tls.iter_mut()) {
        connection
            .send(&signed(
                &target("m", Operation::Converse),
                &converse_body("hi"),
            ))
            .unwrap();
        assert_eq!(connection.read_response().unwrap().head.status, 200);
    }
    assert_eq!(emulator.open_connections(), 5);
    // A plain close, a TLS close with close_notify, a TLS socket dropped without one.
    plain.pop().unwrap().close();
    tls.pop().unwrap().close();
    drop(tls.pop());
    assert!(
        emulator.wait_open_connections_at_most(2, Duration::from_secs(5)),
        "{} open",
        emulator.open_connections()
    );
    drop(plain);
    assert!(
        emulator.wait_open_connections_at_most(0, Duration::from_secs(5)),
        "{} open",
        emulator.open_connections()
    );
    // A client that leaves in the middle of a dripping stream closes its connection too.
    let mut dripping =
        RawConnection::connect(emulator.addr(), Some(Duration::from_secs(10))).unwrap();
    dripping
        .send(&signed(
            &target("m", Operation::ConverseStream),
            &converse_body("a b c d e f g h i j k l [drip:100]"),
        ))
        .unwrap();
    assert!(emulator.wait_open_connections_at_most(1, Duration::from_secs(1)));
    std::thread::sleep(Duration::from_millis(150));
    assert_eq!(emulator.open_connections(), 1);
    drop(dripping);
    assert!(
        emulator.wait_open_connections_at_most(0, Duration::from_secs(5)),
        "the dripping connection is still open"
    );
}

#[test]
fn a_body_nested_to_the_json_recursion_limit_fits_the_default_stack() {
    // Connection threads have small stacks; serde_json's recursion limit (128) bounds the
    // deepest parse, which must fit unoptimized (an overflow would abort this test process).
    let emulator = start();
    for depth in [120, 127, 200] {
        let nested = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
        let body = format!(
            r#"{{"messages": [{{"role": "user", "content": [{{"text": "deep"}}]}}], "additionalModelRequestFields": {nested}}}"#
        );
        let response = call(
            emulator.addr(),
            &signed(&target("m", Operation::Converse), body.as_bytes()),
        );
        assert!(
            matches!(response.head.status, 200 | 400),
            "depth {depth}: {}",
            response.head.status
        );
    }
    // And a raw nested array as the whole body.
    let nested = format!("{}{}", "[".repeat(127), "]".repeat(127));
    let response = call(
        emulator.addr(),
        &signed(&target("m", Operation::Converse), nested.as_bytes()),
    );
    assert_eq!(response.head.status, 400);
}
