#![expect(
    clippy::panic,
    reason = "doc and test support: fixed inputs, a panic is a bug in the support code"
)]

//! A scripted peer with virtual time, for the crate docs' drive loop and for tests: it records
//! what the client writes and answers with prepared response bytes, a few at a time, without
//! sockets or sleeps.
//!
//! Not part of the API: compiled for this crate's tests and with the `test-support` feature,
//! which the doc tests (through the crate's dev-dependency on itself), the conformance runner
//! and the fuzz targets turn on.

use alloc::string::String;
use alloc::vec::Vec;
use core::time::Duration;

use crate::auth::Auth;
use crate::catalog::Provider;
use crate::eventstream::{Header, HeaderValue, Message};
use crate::model::Request;
use crate::settings::{Route, RouteInputs, Settings};
use crate::sigv4::Credentials;
use crate::time::{Instant, UnixTime};

/// A loopback route to `us.anthropic.claude-haiku-4-5` in `us-east-1`.
pub fn loopback_route() -> Route {
    // Built in code rather than parsed, so that this also compiles where `Settings::parse` does
    // not exist (targets without pointer-sized atomics).
    let mut settings = Settings::default();
    settings.set_enabled(Provider::Bedrock, true);
    let route = settings
        .override_endpoint(
            Provider::Bedrock,
            Some("http://127.0.0.1:8080"),
            Some("us-east-1"),
        )
        .and_then(|()| settings.route("us.anthropic.claude-haiku-4-5", &RouteInputs::default()));
    match route {
        Ok(route) => route,
        Err(e) => panic!("doc support route: {e}"),
    }
}

/// The AWS documentation example credentials.
pub fn example_auth() -> Auth {
    match Credentials::new("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY") {
        Ok(credentials) => Auth::SigV4(credentials),
        Err(e) => panic!("doc support credentials: {e}"),
    }
}

/// A one-message request.
pub fn text_request(text: &str) -> Request {
    let json = serde_json::json!({"model": "us.anthropic.claude-haiku-4-5", "messages": [{"role": "user", "content": text}]});
    match serde_json::from_value(json) {
        Ok(request) => request,
        Err(e) => panic!("doc support request: {e}"),
    }
}

/// One ConverseStream event frame.
pub fn event_frame(event_type: &str, payload: &serde_json::Value) -> Vec<u8> {
    let headers = alloc::vec![
        Header::new(":event-type", HeaderValue::String(event_type.into())),
        Header::new(
            ":content-type",
            HeaderValue::String("application/json".into())
        ),
        Header::new(":message-type", HeaderValue::String("event".into())),
    ];
    let mut out = Vec::new();
    let body = serde_json::to_vec(payload).unwrap_or_default();
    if let Err(e) = Message::new(headers, body).encode(&mut out) {
        panic!("doc support frame: {e}");
    }
    out
}

/// The frames of a complete text answer.
pub fn text_stream_frames(text: &str) -> Vec<u8> {
    use serde_json::json;
    let mut out = event_frame("messageStart", &json!({"role": "assistant"}));
    for piece in text.as_bytes().chunks(3) {
        let piece = String::from_utf8_lossy(piece);
        out.extend(event_frame(
            "contentBlockDelta",
            &json!({"contentBlockIndex": 0, "delta": {"text": piece}}),
        ));
    }
    out.extend(event_frame(
        "contentBlockStop",
        &json!({"contentBlockIndex": 0}),
    ));
    out.extend(event_frame(
        "messageStop",
        &json!({"stopReason": "end_turn"}),
    ));
    out.extend(event_frame(
        "metadata",
        &json!({"usage": {"inputTokens": 5, "outputTokens": 2, "totalTokens": 7}, "metrics": {"latencyMs": 10}}),
    ));
    out
}

/// An HTTP/1.1 response with a chunked body split into chunks of `chunk` bytes.
pub fn chunked_response(
    status: u16,
    headers: &[(&str, &str)],
    body: &[u8],
    chunk: usize,
) -> Vec<u8> {
    let mut out = Vec::new();
    out.extend_from_slice(alloc::format!("HTTP/1.1 {status} X\r\n").as_bytes());
    for (name, value) in headers {
        out.extend_from_slice(alloc::format!("{name}: {value}\r\n").as_bytes());
    }
    out.extend_from_slice(b"Transfer-Encoding: chunked\r\n\r\n");
    for piece in body.chunks(chunk.max(1)) {
        out.extend_from_slice(alloc::format!("{:x}\r\n", piece.len()).as_bytes());
        out.extend_from_slice(piece);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"0\r\n\r\n");
    out
}

/// An HTTP/1.1 response with a `Content-Length` body.
pub fn length_response(status: u16, headers: &[(&str, &str)], body: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    out.extend_from_slice(alloc::format!("HTTP/1.1 {status} X\r\n").as_bytes());
    for (name, value) in headers {
        out.extend_from_slice(alloc::format!("{name}: {value}\r\n").as_bytes());
    }
    out.extend_from_slice(alloc::format!("Content-Length: {}\r\n\r\n", body.len()).as_bytes());
    out.extend_from_slice(body);
    out
}

/// A scripted peer: one prepared response per request it receives, handed out `step` bytes
/// per read, with virtual time advancing 1 ms per read.
#[derive(Debug)]
pub struct ScriptedPeer {
    responses: Vec<Vec<u8>>,
    current: Option<(Vec<u8>, usize)>,
    /// Every request the client wrote, in order.
    pub requests: Vec<Vec<u8>>,
    step: usize,
    wall: UnixTime,
    now: Instant,
}

impl ScriptedPeer {
    /// A peer answering the requests it receives with `responses`, in order.
    pub fn new(responses: Vec<Vec<u8>>, step: usize) -> Self {
        Self {
            responses,
            current: None,
            requests: Vec::new(),
            step: step.max(1),
            wall: UnixTime::from_secs(1_764_072_000).unwrap_or(UnixTime::UNIX_EPOCH),
            now: Instant::from_nanos(1_000_000_000),
        }
    }

    /// Virtual monotonic time.
    pub fn now(&self) -> Instant {
        self.now
    }

    /// Virtual wall time.
    pub fn wall(&self) -> UnixTime {
        self.wall
    }

    /// Advances both clocks.
    pub fn sleep(&mut self, d: Duration) -> Instant {
        self.now = self.now.saturating_add(d);
        self.wall = self.wall.checked_add(d).unwrap_or(self.wall);
        self.now
    }

    /// The client wrote a request: the next prepared response starts.
    pub fn write_all(&mut self, bytes: &[u8]) {
        self.requests.push(bytes.to_vec());
        if !self.responses.is_empty() {
            self.current = Some((self.responses.remove(0), 0));
        }
    }

    /// Up to `step` response bytes into `buf`: `Some(0)` once the response is over (the
    /// connection closes), `None` when there is nothing to read (time passes to the deadline).
    pub fn read(&mut self, buf: &mut [u8]) -> Option<usize> {
        self.sleep(Duration::from_millis(1));
        let (bytes, pos) = self.current.as_mut()?;
        let n = (bytes.len() - *pos).min(self.step).min(buf.len());
        buf[..n].copy_from_slice(&bytes[*pos..*pos + n]);
        *pos += n;
        if n == 0 {
            self.current = None;
        }
        Some(n)
    }
}

/// Everything the crate docs' drive loop needs: a route, a request, credentials, and a peer
/// that streams `text` back.
pub fn scripted_text_stream(text: &str) -> (Route, Request, Auth, ScriptedPeer) {
    let body = text_stream_frames(text);
    let response = chunked_response(
        200,
        &[
            ("Content-Type", "application/vnd.amazon.eventstream"),
            ("x-amzn-RequestId", "req-1"),
        ],
        &body,
        37,
    );
    (
        loopback_route(),
        text_request("Hi"),
        example_auth(),
        ScriptedPeer::new(alloc::vec![response], 64),
    )
}
