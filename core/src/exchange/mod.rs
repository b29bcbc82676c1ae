//! One logical API call — Converse, ConverseStream or CountTokens, retries included — as a
//! state machine that never touches a socket or a clock.
//!
//! The exchange turns a routed request, a credential and the time into signed HTTP/1.1 bytes,
//! then consumes whatever bytes the network delivers and yields [`Event`]s: the response head,
//! each stream event as soon as its frame completes, retry instructions, and the final
//! [`Response`].
//!
//! It speaks two protocols, chosen by the route's provider, with the same states, deadlines,
//! retries, events and entry points:
//!
//! | | `bedrock` (Bedrock Runtime) | `bedrock-openai` (OpenAI Responses API on bedrock-mantle) |
//! |---|---|---|
//! | request | `POST {path}/model/{id}/converse[-stream]`, [`converse`](crate::converse) body | `POST {path}/responses` (`/openai/v1/responses`), [`responses`](crate::responses) body, `stream` set for ConverseStream |
//! | auth | SigV4 or `Authorization: Bearer` | `Authorization: Bearer` only (a Bedrock API key) |
//! | stream | `application/vnd.amazon.eventstream` frames | `text/event-stream` ([`sse`](crate::sse)), each event through [`responses::StreamAccumulator`](crate::responses::StreamAccumulator) |
//! | request id | `x-amzn-RequestId` | `x-request-id`, else `x-amzn-RequestId` |
//! | retry delay | `x-amz-retry-after` (ms) | `x-amz-retry-after`, else `retry-after-ms`, else `retry-after` (seconds or HTTP date; over 120 s ignored); `x-should-retry: false` forbids a retry |
//! | errors | [`Error::from_response`] | [`responses::error_from_response`](crate::responses::error_from_response) |
//! | CountTokens | `POST …/count-tokens` | refused in [`Exchange::new`] (mantle has no equivalent) |
//!
//! Any runtime drives it with a short loop:
//!
//! ```
//! # use bedrock_core::exchange::doc_support::*;
//! use bedrock_core::exchange::{Clock, Event, Exchange, ExchangeConfig, Operation};
//!
//! # let (route, request, auth, mut peer) = scripted_text_stream("Hello");
//! let config = ExchangeConfig::default();
//! let mut now = peer.now();
//! let mut ex = Exchange::new(&route, &request, Operation::ConverseStream, auth, &config,
//!                            Clock { wall: peer.wall(), now }, [7; 32])?;
//! let mut text = String::new();
//! let mut response = None;
//! let mut buf = [0u8; 512];
//! 'call: loop {
//!     while let Some(bytes) = ex.poll_transmit() { peer.write_all(&bytes); }    // request bytes
//!     while let Some(event) = ex.poll_event() {                                  // drain every event
//!         match event {
//!             Event::Stream(bedrock_core::model::StreamEvent::TextDelta { text: t, .. }) => text.push_str(&t),
//!             Event::Response(r) => response = Some(r),         // the last event: the whole answer
//!             Event::Retry { delay, .. } => {
//!                 now = peer.sleep(delay);                  // (reconnect unless reuse_connection)
//!                 ex.retry(Clock { wall: peer.wall(), now })?;
//!                 continue 'call;                           // the new attempt has bytes to send
//!             }
//!             _ => {}
//!         }
//!     }
//!     if ex.is_finished() { break; }
//!     // Wait for bytes or for ex.poll_timeout(); then hand over what happened. An error here
//!     // is final and kept in ex.error(): go round once more to deliver the events decoded
//!     // before it, then the loop ends.
//!     let _ = match peer.read(&mut buf) {
//!         Some(0) => ex.handle_eof(peer.now()),
//!         Some(n) => ex.handle_input(&buf[..n], peer.now()),
//!         None => ex.handle_timeout(peer.now()),
//!     };
//! }
//! if let Some(error) = ex.error() { return Err(error.clone()); }
//! assert_eq!(text, "Hello");
//! assert_eq!(response.map(|r| r.text()), Some("Hello".to_string()));
//! # Ok::<(), bedrock_core::error::Error>(())
//! ```
//!
//! Polling order: after any `handle_*` call, drain [`poll_transmit`](Exchange::poll_transmit)
//! and [`poll_event`](Exchange::poll_event) until both are empty, then wait for bytes or the
//! deadline from [`poll_timeout`](Exchange::poll_timeout).
//!
//! HTTP clients that parse HTTP themselves (ureq) use the parts-level entry instead:
//! [`request_parts`](Exchange::request_parts) for method, URL, headers and body, then
//! [`handle_response_head`](Exchange::handle_response_head),
//! [`handle_body`](Exchange::handle_body) with de-framed body bytes,
//! [`handle_body_end`](Exchange::handle_body_end), or
//! [`handle_transport_error`](Exchange::handle_transport_error). The same bytes give the same
//! events through both entries.
//!
//! ```text
//!           new()                 head                 body end
//!   Sending ─────▶ AwaitingHead ───────▶ ReadingBody ───────────▶ Finished (Response)
//!      ▲               │ timeout, EOF,        │ error status, exception, truncation,
//!      │ retry()       │ transport error      │ idle timeout
//!      │               ▼                      ▼
//!   AwaitingRetry ◀── retryable, attempts and retry tokens left, no stream event yet
//!                     otherwise ──▶ Failed (every later call returns the error)
//! ```
//!
//! Retries follow [`crate::retry`]: the exchange emits [`Event::Retry`] with the delay; the
//! caller sleeps, reconnects (unless `reuse_connection`) and calls
//! [`retry`](Exchange::retry), which re-signs with the new time. A stream is never retried
//! once one of its events has been produced; one cut before any (EOF, a cut chunked body, a
//! reset) is retried as a transient failure. A `Signature expired` / `Signature not yet
//! current` / `RequestTimeTooSkewed` answer corrects the signing clock from the response's
//! `Date` once and retries at once; the offset is kept in [`ExchangeConfig::clock_skew`] for the
//! client's next calls.
//!
//! | limit | default |
//! |---|---|
//! | first byte after sending, Converse | 3600 s ([`ExchangeConfig::first_byte_timeout`]) |
//! | first byte after sending, ConverseStream and CountTokens | 300 s (the smaller of the two timeouts: [`ExchangeConfig::first_byte_timeout_for`]) |
//! | idle between body bytes | 300 s ([`ExchangeConfig::idle_timeout`]) |
//! | non-streaming success body | 32 MiB |
//! | error body kept | 64 KiB |
//! | response head | 64 KiB |
//! | event-stream frame | 24 MiB payload, 128 KiB headers |
//! | server-sent events (Responses streams) | 16 MiB line, 16 MiB event data ([`sse::Limits`](crate::sse::Limits)) |
//!
//! A Converse whose first byte does not come in time is not retried: Bedrock answers it only
//! once the whole answer is generated, so the model may have produced (and billed) the answer
//! already, and a retry would bill it again.

// The module's files, by what they hold:
//
// | file          |                                                                           |
// |---------------|---------------------------------------------------------------------------|
// | `mod.rs`      | `Exchange`: its states and the `handle_*` / `poll_*` entries              |
// | `config.rs`   | `Operation`, `ExchangeConfig`, `Clock`                                    |
// | `event.rs`    | `Event`, `TimeoutReason`                                                  |
// | `request.rs`  | the body and path encoded once per call; each attempt's headers, signed;  |
// |               | `RequestParts`                                                            |
// | `attempt.rs`  | one try: its number, signing time, response reader, connection reuse      |
// | `response.rs` | the response head; the body by kind (JSON, error, event stream,           |
// |               | server-sent events) and what each becomes                                 |
// | `retry.rs`    | how an attempt ends: success, retry, or the call's failure with its       |
// |               | partial response                                                          |
// | `skew.rs`     | `ClockSkew`: the signing-clock correction after a skew answer             |

mod attempt;
mod config;
#[cfg(any(test, feature = "test-support"))]
#[doc(hidden)]
pub mod doc_support;
mod event;
mod request;
mod response;
mod retry;
mod skew;

use alloc::boxed::Box;
use alloc::collections::VecDeque;
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;
use core::mem;
use core::time::Duration;

use crate::auth::Auth;
use crate::error::{Error, ErrorKind, Origin, TransportFailure};
use crate::http1::{ResponseEvent, ResponseHead};
use crate::model::{Request, Response};
use crate::retry::Jitter;
use crate::settings::Route;
use crate::sigv4::Signer;
use crate::time::Instant;

use attempt::Attempt;
pub use config::{Clock, ExchangeConfig, Operation};
pub use event::{Event, TimeoutReason};
pub use request::RequestParts;
use request::{Call, SignedRequest};
use response::{Body, Head};
use retry::Retry;
pub use skew::ClockSkew;

/// One call. See the [module docs](self).
pub struct Exchange {
    /// What every attempt sends.
    call: Call,
    config: ExchangeConfig,
    jitter: Jitter,
    /// The signing-clock offset this call signs with (seconds; the service's clock ahead).
    skew_secs: i64,
    /// A skew answer was corrected already (once per call).
    skew_corrected: bool,
    /// What the latest retry took from the quota (0: no retry yet), refunded on success.
    last_retry_cost: u32,
    /// Some of the model's output reached the caller: the call is never retried from here.
    stream_started: bool,
    events: VecDeque<Event>,
    /// The current attempt, replaced whole when one starts.
    attempt: Attempt,
    state: State,
}

/// Where the call is, with what that state needs. The first three are the current attempt's.
#[expect(
    clippy::large_enum_variant,
    reason = "one per exchange, inline in it: boxing the body would add an allocation per attempt to save nothing"
)]
enum State {
    /// The attempt's signed request waits to be taken. Its first-byte deadline already runs
    /// (from signing), but [`Exchange::poll_timeout`] reports it only once the request is out.
    Sending {
        request: SignedRequest,
        deadline: Instant,
    },
    /// The request is out; waiting for the response head until the first-byte deadline.
    AwaitingHead { deadline: Instant },
    /// The head came; reading the body until it ends or the idle deadline passes (every
    /// input moves it on).
    ReadingBody {
        head: Head,
        body: Body,
        deadline: Instant,
    },
    /// The attempt failed; [`Event::Retry`] is out, waiting for [`Exchange::retry`].
    AwaitingRetry,
    /// The call succeeded: the response (except for CountTokens) until
    /// [`poll_event`](Exchange::poll_event) hands it out, after every other event.
    Finished { response: Option<Box<Response>> },
    /// The call failed; every later call returns the error.
    Failed(Error),
}

// By name only: the signed request carries credentials and the bodies the model's output.
impl fmt::Debug for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Sending { .. } => f.write_str("Sending"),
            Self::AwaitingHead { .. } => f.write_str("AwaitingHead"),
            Self::ReadingBody { head, .. } => f
                .debug_struct("ReadingBody")
                .field("status", &head.status)
                .finish_non_exhaustive(),
            Self::AwaitingRetry => f.write_str("AwaitingRetry"),
            Self::Finished { .. } => f.write_str("Finished"),
            Self::Failed(error) => f.debug_tuple("Failed").field(error).finish(),
        }
    }
}

impl fmt::Debug for Exchange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Exchange")
            .field("operation", &self.call.operation)
            .field("model", &self.call.model.id)
            .field("target", &self.call.target)
            .field("auth", &self.call.auth.scheme())
            .field("attempt", &self.attempt.number)
            .field("state", &self.state)
            .finish_non_exhaustive()
    }
}

impl Exchange {
    /// Encodes and signs the first attempt of a call.
    ///
    /// `entropy` must come from a real random source: it makes the `amz-sdk-invocation-id` and
    /// seeds the retry jitter.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::InvalidRequest`] when the request cannot be encoded, or for CountTokens on
    /// a bedrock-openai route (the Responses API has no token count);
    /// [`ErrorKind::Configuration`] for credentials over plain HTTP to a non-loopback host,
    /// credentials that cannot sign, or SigV4 credentials on a bedrock-openai route (it takes a
    /// Bedrock API key only: AWS_BEARER_TOKEN_BEDROCK, BEDROCK_API_KEY or the vault).
    pub fn new(
        route: &Route,
        request: &Request,
        operation: Operation,
        auth: Auth,
        config: &ExchangeConfig,
        clock: Clock,
        entropy: [u8; 32],
    ) -> Result<Self, Error> {
        let mut signer = Signer::new();
        Self::new_with_signer(
            route,
            request,
            operation,
            auth,
            config,
            clock,
            entropy,
            &mut signer,
        )
    }

    /// [`new`](Self::new), signing with the caller's `signer` (SigV4 only; API keys and the
    /// bedrock-openai route sign nothing).
    ///
    /// A client that keeps one [`Signer`] for its calls skips most of the signing work: the
    /// signer caches the day's derived key and the canonical request of the last request it
    /// signed, so the next call of the same shape only hashes its body and rewrites the date
    /// (see [`Signer`]). The exchange does not keep the signer:
    /// a retry signs with a fresh one, and an open stream holds none of its caches.
    ///
    /// # Errors
    ///
    /// As [`new`](Self::new).
    #[expect(
        clippy::too_many_arguments,
        reason = "new's arguments and the signer; a parameter struct would only rename them"
    )]
    pub fn new_with_signer(
        route: &Route,
        request: &Request,
        operation: Operation,
        auth: Auth,
        config: &ExchangeConfig,
        clock: Clock,
        entropy: [u8; 32],
        signer: &mut Signer,
    ) -> Result<Self, Error> {
        let call = Call::new(route, request, operation, auth, request::uuid_v4(&entropy))?;
        let mut exchange = Self {
            call,
            config: config.clone(),
            jitter: Jitter::new(u64::from_le_bytes(
                entropy[16..24].try_into().unwrap_or([1; 8]),
            )),
            skew_secs: config.clock_skew.secs(),
            skew_corrected: false,
            last_retry_cost: 0,
            stream_started: false,
            events: VecDeque::new(),
            attempt: Attempt::new(1, clock.wall, config.http_limits),
            // The first attempt starts the way every retry does.
            state: State::AwaitingRetry,
        };
        exchange.start_attempt(1, clock, signer)?;
        Ok(exchange)
    }

    /// The request bytes of the current attempt, once.
    pub fn poll_transmit(&mut self) -> Option<Vec<u8>> {
        let State::Sending { request, deadline } = &mut self.state else {
            return None;
        };
        // The signed headers go with the state: only `request_parts` reads them, and an open
        // stream need not keep them (about 1 KiB).
        let bytes = mem::take(&mut request.bytes);
        self.state = State::AwaitingHead {
            deadline: *deadline,
        };
        Some(bytes)
    }

    /// The request of the current attempt as parts, once (instead of
    /// [`poll_transmit`](Self::poll_transmit)).
    pub fn request_parts(&mut self) -> Option<RequestParts> {
        let State::Sending { request, deadline } = &mut self.state else {
            return None;
        };
        let headers = mem::take(&mut request.headers);
        self.state = State::AwaitingHead {
            deadline: *deadline,
        };
        Some(self.call.parts(headers))
    }

    /// The next event.
    pub fn poll_event(&mut self) -> Option<Event> {
        if let Some(event) = self.events.pop_front() {
            return Some(event);
        }
        // The final response leaves the exchange rather than being copied out of it: a long
        // answer would otherwise be held twice (hundreds of KiB) until the exchange is dropped.
        match &mut self.state {
            State::Finished { response } => response.take().map(Event::Response),
            _ => None,
        }
    }

    /// The next deadline: call [`handle_timeout`](Self::handle_timeout) when it passes.
    pub fn poll_timeout(&self) -> Option<(Instant, TimeoutReason)> {
        match self.state {
            State::AwaitingHead { deadline } => Some((deadline, TimeoutReason::FirstByte)),
            State::ReadingBody { deadline, .. } => Some((deadline, TimeoutReason::Idle)),
            _ => None,
        }
    }

    /// Whether the call is over (a response, or a final error).
    pub fn is_finished(&self) -> bool {
        matches!(self.state, State::Finished { .. } | State::Failed(_))
    }

    /// The final response, once finished successfully, until [`poll_event`](Self::poll_event)
    /// hands it out as [`Event::Response`] (the last event of a successful call): from then on
    /// the caller holds the only copy.
    pub fn response(&self) -> Option<&Response> {
        match &self.state {
            State::Finished { response } => response.as_deref(),
            _ => None,
        }
    }

    /// The final error, if the call failed.
    pub fn error(&self) -> Option<&Error> {
        match &self.state {
            State::Failed(e) => Some(e),
            _ => None,
        }
    }

    /// The attempt in progress (1-based).
    pub fn attempt(&self) -> u32 {
        self.attempt.number
    }

    /// Whether the connection can carry another request once the response is complete.
    pub fn keep_alive(&self) -> bool {
        self.attempt.keep_alive
    }

    /// The `amz-sdk-invocation-id` of this call (the same for every attempt).
    pub fn invocation_id(&self) -> &str {
        &self.call.invocation_id
    }

    /// The route's warnings (a model id outside the catalog, routed as given), then the
    /// changes the encoder made to the request (dropped parameters, clamped `max_tokens`, ...).
    pub fn warnings(&self) -> &[String] {
        &self.call.warnings
    }

    /// Response bytes from the connection.
    ///
    /// # Errors
    ///
    /// The final error when this input ends the call with one (it is also kept:
    /// [`error`](Self::error)); the same error again on every later call.
    pub fn handle_input(&mut self, mut input: &[u8], now: Instant) -> Result<(), Error> {
        self.check_live()?;
        if !self.is_receiving() {
            // Bytes for an attempt that is over (a retry is pending): not ours to read.
            return Ok(());
        }
        self.touch(now);
        loop {
            match self.attempt.reader.read(&mut input) {
                Ok(Some(ResponseEvent::Head(head))) => self.on_head(&head, now),
                Ok(Some(ResponseEvent::Data(data))) => self.on_data(data),
                Ok(Some(ResponseEvent::End)) => {
                    self.attempt.keep_alive = self.attempt.reader.keep_alive();
                    self.on_end();
                }
                Ok(None) => break,
                Err(e) => self.fail(Error::with_source(
                    ErrorKind::Protocol,
                    Origin::Protocol,
                    format!("HTTP: {e}"),
                    e,
                )),
            }
            if !self.is_receiving() {
                break;
            }
        }
        self.check_live()
    }

    /// The connection closed.
    ///
    /// # Errors
    ///
    /// As [`handle_input`](Self::handle_input).
    pub fn handle_eof(&mut self, _now: Instant) -> Result<(), Error> {
        self.check_live()?;
        if !self.is_receiving() {
            return Ok(());
        }
        match self.attempt.reader.finish() {
            Ok(Some(ResponseEvent::End)) => {
                self.attempt.keep_alive = false;
                self.on_end();
            }
            Ok(_) => {}
            Err(e) => {
                let error = if matches!(self.state, State::ReadingBody { .. }) {
                    let kind = self.cut_kind();
                    Error::with_source(kind, kind.default_origin(), format!("HTTP: {e}"), e)
                } else {
                    Error::new(
                        ErrorKind::Io,
                        "the connection closed before the response head",
                    )
                };
                self.fail(error);
            }
        }
        self.check_live()
    }

    /// A deadline from [`poll_timeout`](Self::poll_timeout) may have passed.
    ///
    /// # Errors
    ///
    /// As [`handle_input`](Self::handle_input).
    pub fn handle_timeout(&mut self, now: Instant) -> Result<(), Error> {
        self.check_live()?;
        match self.poll_timeout() {
            Some((deadline, _)) if now >= deadline => self.handle_deadline_passed(now),
            _ => Ok(()),
        }
    }

    /// The transport's own timer for the current deadline fired (an HTTP client with read and
    /// response timeouts set from [`ExchangeConfig`]): the deadline has passed, whatever `now`
    /// says.
    ///
    /// # Errors
    ///
    /// As [`handle_input`](Self::handle_input).
    pub fn handle_deadline_passed(&mut self, _now: Instant) -> Result<(), Error> {
        self.check_live()?;
        if let Some((_, reason)) = self.poll_timeout() {
            let message = match reason {
                TimeoutReason::FirstByte => format!(
                    "no response within {} s of sending the request",
                    self.first_byte_timeout().as_secs()
                ),
                TimeoutReason::Idle => format!(
                    "the response stalled: no bytes for {} s",
                    self.config.idle_timeout.as_secs()
                ),
            };
            self.attempt.keep_alive = false;
            // A Converse is answered only once generated: the model may be done (and have
            // billed the answer) by now, so a retry could bill it again.
            let retry = if reason == TimeoutReason::FirstByte
                && self.call.operation == Operation::Converse
            {
                Retry::Forbidden
            } else {
                Retry::Allowed
            };
            self.fail_with(Error::new(ErrorKind::Timeout, message), retry);
        }
        self.check_live()
    }

    /// How long this call waits for its first response byte after sending
    /// ([`ExchangeConfig::first_byte_timeout_for`]): adapters with their own response timer
    /// set it to this.
    pub fn first_byte_timeout(&self) -> Duration {
        self.config.first_byte_timeout_for(self.call.operation)
    }

    /// Parts-level entry: the response status and headers.
    ///
    /// # Errors
    ///
    /// As [`handle_input`](Self::handle_input).
    pub fn handle_response_head(
        &mut self,
        status: u16,
        headers: &[(&str, &[u8])],
        now: Instant,
    ) -> Result<(), Error> {
        self.check_live()?;
        if !matches!(self.state, State::AwaitingHead { .. }) {
            return Ok(());
        }
        let head = ResponseHead {
            status,
            reason: String::new(),
            minor_version: 1,
            headers: headers
                .iter()
                .map(|(n, v)| ((*n).into(), v.to_vec()))
                .collect(),
        };
        self.on_head(&head, now);
        self.check_live()
    }

    /// Parts-level entry: de-framed body bytes.
    ///
    /// # Errors
    ///
    /// As [`handle_input`](Self::handle_input).
    pub fn handle_body(&mut self, data: &[u8], now: Instant) -> Result<(), Error> {
        self.check_live()?;
        if !matches!(self.state, State::ReadingBody { .. }) {
            return Ok(());
        }
        self.touch(now);
        if !data.is_empty() {
            self.on_data(data);
        }
        self.check_live()
    }

    /// Parts-level entry: the body is complete.
    ///
    /// # Errors
    ///
    /// As [`handle_input`](Self::handle_input).
    pub fn handle_body_end(&mut self, _now: Instant) -> Result<(), Error> {
        self.check_live()?;
        if !matches!(self.state, State::ReadingBody { .. }) {
            return Ok(());
        }
        self.on_end();
        self.check_live()
    }

    /// Parts-level entry (or a failed connect / write with either entry): the transport failed.
    ///
    /// # Errors
    ///
    /// As [`handle_input`](Self::handle_input).
    pub fn handle_transport_error(&mut self, message: &str, _now: Instant) -> Result<(), Error> {
        self.check_live()?;
        if !self.is_attempting() {
            return Ok(());
        }
        self.attempt.keep_alive = false;
        self.fail(Error::new(self.cut_kind(), message));
        self.check_live()
    }

    /// The transport failed in a way it could classify ([`TransportFailure`]), with its own
    /// `message`: the error carries the failure as its source (its [`Error::detail`]), and a
    /// [`TransportFailure`] ends the call without a retry (a malformed response is an
    /// [`ErrorKind::Protocol`], as when the core reads the bytes itself).
    ///
    /// # Errors
    ///
    /// As [`handle_input`](Self::handle_input).
    pub fn handle_transport_failure(
        &mut self,
        failure: TransportFailure,
        message: &str,
        _now: Instant,
    ) -> Result<(), Error> {
        self.check_live()?;
        if !self.is_attempting() {
            return Ok(());
        }
        self.attempt.keep_alive = false;
        // Neither a rejected certificate nor a malformed answer changes on a retry.
        let kind = match failure {
            TransportFailure::TlsCertificate => ErrorKind::Io,
            TransportFailure::MalformedResponse => ErrorKind::Protocol,
        };
        let error = Error::with_source(kind, Origin::Transport, message, failure);
        self.fail_with(error, Retry::Forbidden);
        self.check_live()
    }

    /// Starts the next attempt after an [`Event::Retry`], signing at `clock.wall`.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Configuration`] if the request can no longer be signed; calling it when no
    /// retry is pending returns the state's error, or does nothing.
    pub fn retry(&mut self, clock: Clock) -> Result<(), Error> {
        self.check_live()?;
        if !matches!(self.state, State::AwaitingRetry) {
            return Ok(());
        }
        // A fresh signer: retries are rare, and keeping one here would keep its caches (about
        // 2.5 KiB) with every open stream.
        self.start_attempt(self.attempt.number + 1, clock, &mut Signer::new())
    }

    /// Whether an attempt is in progress (its request out or not).
    fn is_attempting(&self) -> bool {
        matches!(
            self.state,
            State::Sending { .. } | State::AwaitingHead { .. } | State::ReadingBody { .. }
        )
    }

    /// Whether the attempt's request is out and its response is being read.
    fn is_receiving(&self) -> bool {
        matches!(
            self.state,
            State::AwaitingHead { .. } | State::ReadingBody { .. }
        )
    }

    /// How a connection lost mid-response is classed: a cut stream is a truncated stream
    /// (retried only while none of its events is out); a cut JSON body, or a connection lost
    /// before any answer, is an I/O failure, retried.
    fn cut_kind(&self) -> ErrorKind {
        match &self.state {
            State::ReadingBody { body, .. } if body.is_stream() => ErrorKind::TruncatedStream,
            _ => ErrorKind::Io,
        }
    }

    fn check_live(&self) -> Result<(), Error> {
        match &self.state {
            State::Failed(e) => Err(e.clone()),
            _ => Ok(()),
        }
    }

    /// Bytes arrived: a body being read gets its idle deadline moved on.
    fn touch(&mut self, now: Instant) {
        if let State::ReadingBody { deadline, .. } = &mut self.state {
            *deadline = now.saturating_add(self.config.idle_timeout);
        }
    }
}

#[cfg(test)]
mod tests;
