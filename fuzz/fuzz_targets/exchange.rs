//! Arbitrary response bytes, in arbitrary chunks, into an exchange of either protocol: Bedrock's
//! ConverseStream / Converse (event-stream frames, JSON) and bedrock-openai's streamed /
//! non-streamed Responses call (SSE, JSON). No panic, a finished call is either a response or an
//! error, a response only when the stream completed, and timeouts always end a stuck call.
#![no_main]

use bedrock_core::auth::Auth;
use bedrock_core::catalog::Provider;
use bedrock_core::exchange::doc_support::{example_auth, loopback_route, text_request};
use bedrock_core::exchange::{Clock, Event, Exchange, ExchangeConfig, Operation};
use bedrock_core::model::Request;
use bedrock_core::retry::RetryConfig;
use bedrock_core::settings::{Route, RouteInputs, Settings};
use bedrock_core::time::{Instant, UnixTime};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let operation = if selector & 1 == 0 {
        Operation::ConverseStream
    } else {
        Operation::Converse
    };
    // Bit 1 picks the protocol: the Responses API on bedrock-mantle (bearer key) or Converse.
    let responses_api = selector & 2 != 0;
    // Bit 2: a client that does not keep streamed text (its final response has none).
    let keep_text = selector & 4 == 0;
    let chunk = usize::from(selector >> 3).max(1);
    let mut config = ExchangeConfig::default();
    config.keep_streamed_text = keep_text;
    config.retry = RetryConfig {
        max_attempts: 1,
        ..RetryConfig::default()
    };
    let clock = Clock {
        wall: UnixTime::from_secs(1_764_072_000).unwrap(),
        now: Instant::from_nanos(1),
    };
    let (route, request, auth) = if responses_api {
        (
            mantle_route(),
            mantle_request(),
            Auth::bearer("bedrock-api-key-fuzz"),
        )
    } else {
        (loopback_route(), text_request("Hi"), example_auth())
    };
    let Ok(mut ex) = Exchange::new(&route, &request, operation, auth, &config, clock, [3; 32])
    else {
        panic!("a valid request must encode");
    };
    let request = ex.poll_transmit().expect("the first attempt has bytes");
    let path: &[u8] = if responses_api {
        b"POST /openai/v1/responses"
    } else {
        b"POST /model/"
    };
    assert!(request.starts_with(path));
    let mut now = Instant::from_nanos(2);
    let mut responses = 0;
    for piece in rest.chunks(chunk) {
        if ex.handle_input(piece, now).is_err() {
            break;
        }
        now = now.saturating_add(core::time::Duration::from_millis(1));
        while let Some(event) = ex.poll_event() {
            if let Event::Response(response) = event {
                responses += 1;
                assert!(
                    keep_text || operation == Operation::Converse || response.text().is_empty()
                );
            }
        }
    }
    if !ex.is_finished() {
        let _ = ex.handle_eof(now);
    }
    while let Some(event) = ex.poll_event() {
        if let Event::Response(response) = event {
            responses += 1;
            assert!(keep_text || operation == Operation::Converse || response.text().is_empty());
        }
    }
    if !ex.is_finished() {
        // Nothing more can arrive: the deadline must end the call.
        let far = now.saturating_add(core::time::Duration::from_secs(100_000));
        let _ = ex.handle_timeout(far);
    }
    assert!(ex.is_finished(), "a closed connection ends the call");
    assert!(responses <= 1);
    // A finished call is a response or an error, never both; the response left the exchange
    // with its event.
    assert_eq!(responses == 1, ex.error().is_none());
    assert!(ex.response().is_none());
});

/// A bedrock-openai route to GPT-5.5 on a loopback mantle endpoint.
fn mantle_route() -> Route {
    let mut settings = Settings::default();
    settings.set_enabled(Provider::BedrockOpenai, true);
    settings
        .override_endpoint(
            Provider::BedrockOpenai,
            Some("http://127.0.0.1:8080/openai/v1"),
            Some("us-east-1"),
        )
        .and_then(|()| settings.route("openai.gpt-5.5", &RouteInputs::default()))
        .expect("the mantle route")
}

fn mantle_request() -> Request {
    serde_json::from_value(serde_json::json!({
        "model": "openai.gpt-5.5",
        "messages": [{"role": "user", "content": "Hi"}],
    }))
    .expect("a valid request")
}
