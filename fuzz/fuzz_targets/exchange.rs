//! Arbitrary response bytes, in arbitrary chunks, into a ConverseStream exchange (and a Converse
//! one): no panic, a finished call is either a response or an error, a response only when the
//! stream completed, and timeouts always end a stuck call.
#![no_main]

use bedrock_core::exchange::doc_support::{example_auth, loopback_route, text_request};
use bedrock_core::exchange::{Clock, Event, Exchange, ExchangeConfig, Operation};
use bedrock_core::retry::RetryConfig;
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
    let chunk = usize::from(selector >> 1).max(1);
    let mut config = ExchangeConfig::default();
    config.retry = RetryConfig {
        max_attempts: 1,
        ..RetryConfig::default()
    };
    let clock = Clock {
        wall: UnixTime::from_secs(1_764_072_000).unwrap(),
        now: Instant::from_nanos(1),
    };
    let Ok(mut ex) = Exchange::new(
        &loopback_route(),
        &text_request("Hi"),
        operation,
        example_auth(),
        &config,
        clock,
        [3; 32],
    ) else {
        panic!("a valid request must encode");
    };
    let request = ex.poll_transmit().expect("the first attempt has bytes");
    assert!(request.starts_with(b"POST /model/"));
    let mut now = Instant::from_nanos(2);
    let mut responses = 0;
    for piece in rest.chunks(chunk) {
        if ex.handle_input(piece, now).is_err() {
            break;
        }
        now = now.saturating_add(core::time::Duration::from_millis(1));
        while let Some(event) = ex.poll_event() {
            if let Event::Response(_) = event {
                responses += 1;
            }
        }
    }
    if !ex.is_finished() {
        let _ = ex.handle_eof(now);
    }
    while let Some(event) = ex.poll_event() {
        if let Event::Response(_) = event {
            responses += 1;
        }
    }
    if !ex.is_finished() {
        // Nothing more can arrive: the deadline must end the call.
        let far = now.saturating_add(core::time::Duration::from_secs(100_000));
        let _ = ex.handle_timeout(far);
    }
    assert!(ex.is_finished(), "a closed connection ends the call");
    assert!(responses <= 1);
    assert_eq!(responses == 1, ex.response().is_some());
    assert!(ex.response().is_none() || ex.error().is_none());
});
