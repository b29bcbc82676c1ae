//! Scripted-peer tests: recorded response bytes and virtual time, no sockets, no sleeps.

use alloc::string::{String, ToString};
use alloc::vec;
use alloc::vec::Vec;
use core::time::Duration;

use serde_json::json;

use super::doc_support::*;
use super::request::uuid_v4;
use super::response::{Body, MAX_ERROR_BODY};
use super::*;
use crate::auth::Auth;
use crate::catalog::Provider;
use crate::error::{Error, ErrorKind, TransportFailure};
use crate::model::{StopReason, StreamEvent};
use crate::retry::{INITIAL_RETRY_TOKENS, RetryConfig, RetryQuota, THROTTLING_RETRY_COST};
use crate::time::{Instant, UnixTime};

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

/// The run's final response (its `Event::Response`).
fn final_response(run: &Run) -> Option<&Response> {
    run.events.iter().find_map(|e| match e {
        Event::Response(r) => Some(&**r),
        _ => None,
    })
}

/// The text of the run's final response.
fn final_text(run: &Run) -> Option<String> {
    run.events.iter().find_map(|e| match e {
        Event::Response(r) => Some(r.text()),
        _ => None,
    })
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

mod request;
mod response;
mod responses_api;
mod retry;
mod stream;
mod timeouts;
