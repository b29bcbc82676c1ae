//! Retries: new signatures under one invocation id, `x-amz-retry-after`, the retry quota,
//! failures that are never retried, and the clock-skew correction.

use super::*;

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
