//! Deadlines: the first-byte and idle timeouts, and why a Converse's first-byte timeout is long
//! and final.

use super::*;

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
