//! What a response becomes: Converse and CountTokens answers, typed errors from error bodies,
//! a success of the wrong media type, and the error-body limit.

use super::*;

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
    let response = final_response(&run).unwrap();
    // Handed out, not kept: the caller holds the only copy.
    assert!(ex.is_finished() && ex.response().is_none());
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
        kept = kept.max(kept_error_body(&ex));
    }
    assert_eq!(kept, MAX_ERROR_BODY, "kept exactly the limit");
    let error = ex.error().expect("403").clone();
    assert_eq!(error.status(), Some(403));
    assert!(error.message().len() <= 300, "{}", error.message().len());
}

/// How much of an error body the exchange holds.
fn kept_error_body(ex: &Exchange) -> usize {
    match &ex.state {
        State::ReadingBody {
            body: Body::Error(bytes),
            ..
        } => bytes.len(),
        _ => 0,
    }
}
