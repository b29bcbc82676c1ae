//! What is sent: the parts-level entry, bearer keys and plain HTTP, the invocation id, requests
//! refused before sending, secrets kept out of Display and Debug, uncataloged model ids.

use super::*;

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
        let response = final_response(&run).unwrap();
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
