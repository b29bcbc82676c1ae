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
//! | request | `POST {path}/model/{id}/converse[-stream]`, [`converse`] body | `POST {path}/responses` (`/openai/v1/responses`), [`responses`] body, `stream` set for ConverseStream |
//! | auth | SigV4 or `Authorization: Bearer` | `Authorization: Bearer` only (a Bedrock API key) |
//! | stream | `application/vnd.amazon.eventstream` frames | `text/event-stream` ([`sse`]), each event through [`responses::StreamAccumulator`] |
//! | request id | `x-amzn-RequestId` | `x-request-id`, else `x-amzn-RequestId` |
//! | retry delay | `x-amz-retry-after` (ms) | `x-amz-retry-after`, else `retry-after-ms`, else `retry-after` (seconds or HTTP date; over 120 s ignored); `x-should-retry: false` forbids a retry |
//! | errors | [`Error::from_response`] | [`responses::error_from_response`] |
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
//! let mut buf = [0u8; 512];
//! 'call: loop {
//!     while let Some(bytes) = ex.poll_transmit() { peer.write_all(&bytes); }    // request bytes
//!     while let Some(event) = ex.poll_event() {                                  // drain every event
//!         match event {
//!             Event::Stream(bedrock_core::model::StreamEvent::TextDelta { text: t, .. }) => text.push_str(&t),
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
//! assert_eq!(ex.response().map(|r| r.text()), Some("Hello".to_string()));
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
//! | server-sent events (Responses streams) | 16 MiB line, 16 MiB event data ([`sse::Limits`]) |
//!
//! A Converse whose first byte does not come in time is not retried: Bedrock answers it only
//! once the whole answer is generated, so the model may have produced (and billed) the answer
//! already, and a retry would bill it again.

#[doc(hidden)]
pub mod doc_support;

use alloc::collections::VecDeque;
use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::fmt;
use core::time::Duration;

use crate::auth::Auth;
use crate::catalog::{ModelInfo, Provider};
use crate::converse::{self, StreamAccumulator};
use crate::error::{Error, ErrorKind, Origin, RetryClass, TransportFailure};
use crate::eventstream::{self, Decoder};
use crate::http1::{self, ResponseEvent, ResponseHead, ResponseLimits, ResponseReader};
use crate::model::{Request, Response, StreamEvent};
use crate::responses;
use crate::retry::{Jitter, RETRY_COST, RetryConfig, RetryQuota, THROTTLING_RETRY_COST};
use crate::settings::Route;
use crate::shared::{Counter, Shared};
use crate::sigv4::{SignableRequest, Signer, SigningParams};
use crate::sse;
use crate::time::{Instant, UnixTime};

/// Which operation. On a bedrock-openai route, Converse and ConverseStream are both
/// `POST /openai/v1/responses` (`stream: false` / `true`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Operation {
    /// `POST /model/{id}/converse`.
    Converse,
    /// `POST /model/{id}/converse-stream`: event-stream frames (server-sent events on
    /// bedrock-openai).
    ConverseStream,
    /// `POST /model/{id}/count-tokens` (Bedrock Runtime only).
    CountTokens,
}

impl Operation {
    fn path(self) -> &'static str {
        match self {
            Self::Converse => "converse",
            Self::ConverseStream => "converse-stream",
            Self::CountTokens => "count-tokens",
        }
    }
}

/// Per-client settings of every exchange: `ExchangeConfig::default()`, then assign the fields
/// to change (the struct is `#[non_exhaustive]`, so it grows without breaking callers).
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct ExchangeConfig {
    /// From the end of sending to the first response byte of a Converse, which Bedrock sends
    /// only once the whole answer is generated: the longest generation allowed. Streaming calls
    /// and CountTokens wait at most the smaller of this and [`idle_timeout`](Self::idle_timeout)
    /// ([`first_byte_timeout_for`](Self::first_byte_timeout_for)).
    pub first_byte_timeout: Duration,
    /// Longest silence between response bytes once the response started.
    pub idle_timeout: Duration,
    /// The retry policy.
    pub retry: RetryConfig,
    /// The retry-token bucket shared by the client's calls.
    pub quota: RetryQuota,
    /// The signing-clock offset the client's calls learned from the service, shared like
    /// [`quota`](Self::quota): once one call was told its clock is off, the next signs on the
    /// corrected clock instead of first taking a 403.
    pub clock_skew: ClockSkew,
    /// The largest non-streaming success body accepted.
    pub max_body_len: usize,
    /// HTTP head limits.
    pub http_limits: ResponseLimits,
    /// Event-stream frame limits.
    pub frame_limits: eventstream::Limits,
    /// Appended to the `User-Agent` (e.g. the adapter's name and version).
    pub user_agent_suffix: Option<String>,
}

impl Default for ExchangeConfig {
    fn default() -> Self {
        Self {
            first_byte_timeout: Duration::from_secs(3600),
            idle_timeout: Duration::from_secs(300),
            retry: RetryConfig::default(),
            quota: RetryQuota::default(),
            clock_skew: ClockSkew::default(),
            max_body_len: 32 * 1024 * 1024,
            http_limits: ResponseLimits::default(),
            frame_limits: eventstream::Limits::default(),
            user_agent_suffix: None,
        }
    }
}

impl ExchangeConfig {
    /// How long `operation` waits for its first response byte: [`first_byte_timeout`] for a
    /// Converse (nothing comes until the whole answer exists); for ConverseStream, whose head
    /// and first events come as soon as generation starts, and for CountTokens, the smaller of
    /// [`first_byte_timeout`] and [`idle_timeout`] (300 s by default).
    ///
    /// [`first_byte_timeout`]: Self::first_byte_timeout
    /// [`idle_timeout`]: Self::idle_timeout
    pub fn first_byte_timeout_for(&self, operation: Operation) -> Duration {
        match operation {
            Operation::Converse => self.first_byte_timeout,
            Operation::ConverseStream | Operation::CountTokens => {
                self.first_byte_timeout.min(self.idle_timeout)
            }
        }
    }
}

/// How far the service's clock is from this machine's, in seconds (positive: the service is
/// ahead), learned from a `Signature expired` / `Signature not yet current` answer's `Date` and
/// shared by every exchange made with clones of one [`ExchangeConfig`].
///
/// Shared through the same types as [`RetryQuota`]: atomic where the target has compare-and-swap,
/// an `Rc<Cell<_>>` on `thumbv6m-none-eabi`. Kept within `i32` seconds (±68 years).
#[derive(Clone, Debug)]
pub struct ClockSkew(Shared<Counter>);

impl Default for ClockSkew {
    fn default() -> Self {
        Self(Shared::new(Counter::new(0)))
    }
}

impl ClockSkew {
    /// The learned offset in seconds (0 until a call learned one).
    pub fn secs(&self) -> i64 {
        // The counter holds the offset's i32 bits.
        i64::from(i32::from_ne_bytes(self.0.load().to_ne_bytes()))
    }

    /// Replaces the offset (clamped to ±`i32::MAX` seconds).
    pub fn set(&self, secs: i64) {
        let secs = i32::try_from(secs).unwrap_or(if secs < 0 { i32::MIN } else { i32::MAX });
        let bits = u32::from_ne_bytes(secs.to_ne_bytes());
        let _ = self.0.update(|_| Some(bits));
    }
}

/// The two clocks, as inputs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Clock {
    /// Wall-clock time, for signing.
    pub wall: UnixTime,
    /// Monotonic time, for deadlines.
    pub now: Instant,
}

/// Why a deadline exists.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum TimeoutReason {
    /// Waiting for the first response byte.
    FirstByte,
    /// Waiting for more body bytes.
    Idle,
}

/// What the exchange tells its driver.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum Event {
    /// A response head arrived.
    Head {
        /// The status.
        status: u16,
        /// `x-amzn-RequestId` (bedrock-openai: `x-request-id`, else `x-amzn-RequestId`).
        request_id: Option<String>,
    },
    /// A streaming increment (ConverseStream), out as soon as its frame or SSE event completes.
    Stream(StreamEvent),
    /// The attempt failed and will be retried: close the connection unless
    /// `reuse_connection`, wait `delay`, connect, then call [`Exchange::retry`].
    Retry {
        /// The attempt that failed (1-based).
        attempt: u32,
        /// How long to wait.
        delay: Duration,
        /// Whether the connection may carry the next attempt.
        reuse_connection: bool,
        /// Why.
        error: Error,
    },
    /// The final response (Converse and ConverseStream end with the same value).
    Response(Response),
    /// The result of CountTokens.
    TokenCount {
        /// Input tokens the request would use.
        input_tokens: u64,
    },
}

/// A request as parts, for HTTP clients that write HTTP themselves.
#[derive(Clone)]
#[non_exhaustive]
pub struct RequestParts {
    /// `POST`.
    pub method: &'static str,
    /// The full URL.
    pub url: String,
    /// Every header, signing headers included. `Host` and `Content-Length` are listed too; a
    /// client that sets them itself must produce the same values.
    pub headers: Vec<(&'static str, String)>,
    /// The body.
    pub body: Vec<u8>,
}

impl RequestParts {
    /// The headers an HTTP client library must add: all but `Host` and `Content-Length`,
    /// which it writes itself from the URL and the body ([`http1::is_written_by_client`]).
    pub fn client_headers(&self) -> impl Iterator<Item = (&'static str, &str)> + '_ {
        self.headers
            .iter()
            .filter(|(name, _)| !http1::is_written_by_client(name))
            .map(|(name, value)| (*name, value.as_str()))
    }
}

impl fmt::Debug for RequestParts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RequestParts")
            .field("method", &self.method)
            .field("url", &self.url)
            .field(
                "headers",
                &self.headers.iter().map(|(n, _)| *n).collect::<Vec<_>>(),
            )
            .field("body_len", &self.body.len())
            .finish()
    }
}

#[derive(Clone, Debug, PartialEq)]
enum State {
    /// The request of the current attempt has not been taken yet.
    Sending,
    AwaitingHead,
    ReadingBody,
    AwaitingRetry,
    Finished,
    Failed(Error),
}

/// What the current attempt's body is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum BodyMode {
    Success,
    ErrorBody,
}

/// Error bodies are kept up to this size; the rest is read and dropped.
const MAX_ERROR_BODY: usize = 64 * 1024;

/// One call. See the [module docs](self).
pub struct Exchange {
    operation: Operation,
    model: ModelInfo,
    scheme_host: String,
    host_header: String,
    target: String,
    region: String,
    signing_name: &'static str,
    auth: Auth,
    body: Vec<u8>,
    warnings: Vec<String>,
    config: ExchangeConfig,
    jitter: Jitter,
    invocation_id: String,

    attempt: u32,
    skew_secs: i64,
    skew_corrected: bool,
    /// What the latest retry took from the quota (0: no retry yet), refunded on success.
    last_retry_cost: u32,
    stream_started: bool,
    events: VecDeque<Event>,
    state: State,
    response: Option<Response>,

    transmit: Option<Vec<u8>>,
    attempt_headers: Vec<(&'static str, String)>,
    signed_at: UnixTime,
    reader: ResponseReader,
    body_mode: BodyMode,
    head: Option<HeadInfo>,
    body_buf: Vec<u8>,
    decoder: Decoder,
    accumulator: StreamAccumulator,
    /// The route speaks the OpenAI Responses API (bedrock-openai on bedrock-mantle).
    responses_api: bool,
    /// Responses streams: the SSE decoder and, once a 2xx head gave the request id, the
    /// accumulator.
    sse_decoder: sse::Decoder,
    sse_accumulator: Option<responses::StreamAccumulator>,
    deadline: Option<(Instant, TimeoutReason)>,
    keep_alive: bool,
    /// The failure at hand must end the call (a Converse's first-byte timeout).
    retry_forbidden: bool,
}

#[derive(Clone, Debug)]
struct HeadInfo {
    status: u16,
    request_id: Option<String>,
    error_type: Option<String>,
    date: Option<UnixTime>,
    retry_after: Option<Duration>,
    /// `x-should-retry` (the Responses API): the server's own word on retrying.
    should_retry: Option<bool>,
}

impl fmt::Debug for Exchange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Exchange")
            .field("operation", &self.operation)
            .field("model", &self.model.id)
            .field("target", &self.target)
            .field("auth", &self.auth.scheme())
            .field("attempt", &self.attempt)
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
        let context = |e: Error| e.with_context(Some(&route.model.id), Some(&route.region));
        let responses_api = route.provider == Provider::BedrockOpenai;
        if responses_api {
            if operation == Operation::CountTokens {
                return Err(context(Error::new(
                    ErrorKind::InvalidRequest,
                    format!(
                        "count-tokens is not supported by the {} provider: the Responses API on bedrock-mantle has no token-counting operation",
                        route.provider
                    ),
                )));
            }
            if matches!(auth, Auth::SigV4(_)) {
                return Err(context(Error::new(
                    ErrorKind::Configuration,
                    format!(
                        "{} is served by the {} provider, which takes a Bedrock API key, not AWS SigV4 credentials: set AWS_BEARER_TOKEN_BEDROCK (or BEDROCK_API_KEY), or store the key in the vault (vault:BEDROCK_API_KEY)",
                        route.model.id, route.provider
                    ),
                )));
            }
        }
        let scheme = if route.insecure_loopback {
            "http"
        } else {
            "https"
        };
        if route.base_url.starts_with("http://") && !route.insecure_loopback {
            return Err(context(Error::new(
                ErrorKind::Configuration,
                "refusing to send credentials over plain http:// to a host that is not loopback; use https://",
            )));
        }
        let (body, encoder_warnings) = match operation {
            Operation::Converse | Operation::ConverseStream if responses_api => {
                let encoded = responses::encode_request(
                    request,
                    &route.model,
                    operation == Operation::ConverseStream,
                )
                .map_err(|e| context(e.into()))?;
                (encoded.to_bytes(), encoded.warnings)
            }
            Operation::CountTokens => {
                let body = converse::encode_count_tokens(request, &route.model)
                    .map_err(|e| context(e.into()))?;
                (serde_json::to_vec(&body).unwrap_or_default(), Vec::new())
            }
            Operation::Converse | Operation::ConverseStream => {
                let encoded = converse::encode_request(request, &route.model)
                    .map_err(|e| context(e.into()))?;
                (encoded.to_bytes(), encoded.warnings)
            }
        };
        // The route's warnings (a model id outside the catalog) come first.
        let mut warnings = route.warnings.clone();
        warnings.extend(encoder_warnings);
        let wire_id = match operation {
            Operation::CountTokens => converse::count_tokens_model_id(&route.model.api_id),
            _ => &route.model.api_id,
        };
        let mut target = String::with_capacity(route.path.len() + wire_id.len() * 3 + 32);
        target.push_str(&route.path);
        if responses_api {
            // `POST {base}/responses`: the model travels in the body.
            target.push_str("/responses");
        } else {
            target.push_str("/model/");
            crate::percent::encode(&mut target, wire_id);
            target.push('/');
            target.push_str(operation.path());
        }

        let host_header = route.host_header();
        let mut exchange = Self {
            operation,
            model: route.model.clone(),
            scheme_host: format!("{scheme}://{host_header}"),
            host_header,
            target,
            region: route.region.clone(),
            signing_name: route.signing_name,
            auth,
            body,
            warnings,
            config: config.clone(),
            jitter: Jitter::new(u64::from_le_bytes(
                entropy[16..24].try_into().unwrap_or([1; 8]),
            )),
            invocation_id: uuid_v4(&entropy),
            attempt: 1,
            skew_secs: config.clock_skew.secs(),
            skew_corrected: false,
            last_retry_cost: 0,
            stream_started: false,
            events: VecDeque::new(),
            state: State::Sending,
            response: None,
            transmit: None,
            attempt_headers: Vec::new(),
            signed_at: clock.wall,
            reader: ResponseReader::new(config.http_limits),
            body_mode: BodyMode::Success,
            head: None,
            body_buf: Vec::new(),
            decoder: Decoder::with_limits(config.frame_limits),
            accumulator: StreamAccumulator::new(),
            responses_api,
            sse_decoder: sse::Decoder::new(),
            sse_accumulator: None,
            deadline: None,
            keep_alive: false,
            retry_forbidden: false,
        };
        exchange.start_attempt(clock)?;
        Ok(exchange)
    }

    /// The request bytes of the current attempt, once.
    pub fn poll_transmit(&mut self) -> Option<Vec<u8>> {
        let bytes = self.transmit.take()?;
        if self.state == State::Sending {
            self.state = State::AwaitingHead;
        }
        // Only `request_parts` reads them, and not once this attempt's bytes are out: an open
        // stream need not keep its signed headers (about 1 KiB).
        self.attempt_headers = Vec::new();
        Some(bytes)
    }

    /// The request of the current attempt as parts, once (instead of
    /// [`poll_transmit`](Self::poll_transmit)).
    pub fn request_parts(&mut self) -> Option<RequestParts> {
        if self.state != State::Sending {
            return None;
        }
        self.transmit = None;
        self.state = State::AwaitingHead;
        Some(RequestParts {
            method: "POST",
            url: format!("{}{}", self.scheme_host, self.target),
            headers: self.attempt_headers.clone(),
            body: self.body.clone(),
        })
    }

    /// The next event.
    pub fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }

    /// The next deadline: call [`handle_timeout`](Self::handle_timeout) when it passes.
    pub fn poll_timeout(&self) -> Option<(Instant, TimeoutReason)> {
        match self.state {
            State::AwaitingHead | State::ReadingBody => self.deadline,
            _ => None,
        }
    }

    /// Whether the call is over (a response, or a final error).
    pub fn is_finished(&self) -> bool {
        matches!(self.state, State::Finished | State::Failed(_))
    }

    /// The final response, once finished successfully.
    pub fn response(&self) -> Option<&Response> {
        self.response.as_ref()
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
        self.attempt
    }

    /// Whether the connection can carry another request once the response is complete.
    pub fn keep_alive(&self) -> bool {
        self.keep_alive
    }

    /// The `amz-sdk-invocation-id` of this call (the same for every attempt).
    pub fn invocation_id(&self) -> &str {
        &self.invocation_id
    }

    /// The route's warnings (a model id outside the catalog, routed as given), then the
    /// changes the encoder made to the request (dropped parameters, clamped `max_tokens`, ...).
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }

    /// Response bytes from the connection.
    ///
    /// # Errors
    ///
    /// The final error when this input ends the call with one (it is also kept:
    /// [`error`](Self::error)); the same error again on every later call.
    pub fn handle_input(&mut self, mut input: &[u8], now: Instant) -> Result<(), Error> {
        self.check_live()?;
        if !matches!(self.state, State::AwaitingHead | State::ReadingBody) {
            // Bytes for an attempt that is over (a retry is pending): not ours to read.
            return Ok(());
        }
        self.touch(now);
        loop {
            match self.reader.read(&mut input) {
                Ok(Some(ResponseEvent::Head(head))) => self.on_head(&head, now),
                Ok(Some(ResponseEvent::Data(data))) => self.on_data(data, now),
                Ok(Some(ResponseEvent::End)) => {
                    self.keep_alive = self.reader.keep_alive();
                    self.on_end(now);
                }
                Ok(None) => break,
                Err(e) => self.fail(
                    Error::with_source(
                        ErrorKind::Protocol,
                        Origin::Protocol,
                        format!("HTTP: {e}"),
                        e,
                    ),
                    now,
                ),
            }
            if !matches!(self.state, State::AwaitingHead | State::ReadingBody) {
                break;
            }
        }
        self.result()
    }

    /// The connection closed.
    ///
    /// # Errors
    ///
    /// As [`handle_input`](Self::handle_input).
    pub fn handle_eof(&mut self, now: Instant) -> Result<(), Error> {
        self.check_live()?;
        if !matches!(self.state, State::AwaitingHead | State::ReadingBody) {
            return Ok(());
        }
        match self.reader.finish() {
            Ok(Some(ResponseEvent::End)) => {
                self.keep_alive = false;
                self.on_end(now);
            }
            Ok(_) => {}
            Err(e) => {
                let error = if self.head.is_none() {
                    Error::new(
                        ErrorKind::Io,
                        "the connection closed before the response head",
                    )
                } else {
                    let kind = self.cut_kind();
                    Error::with_source(kind, kind.default_origin(), format!("HTTP: {e}"), e)
                };
                self.fail(error, now);
            }
        }
        self.result()
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
    pub fn handle_deadline_passed(&mut self, now: Instant) -> Result<(), Error> {
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
            self.keep_alive = false;
            // A Converse is answered only once generated: the model may be done (and have
            // billed the answer) by now, so a retry could bill it again.
            self.retry_forbidden =
                reason == TimeoutReason::FirstByte && self.operation == Operation::Converse;
            self.fail(Error::new(ErrorKind::Timeout, message), now);
        }
        self.result()
    }

    /// How long this call waits for its first response byte after sending
    /// ([`ExchangeConfig::first_byte_timeout_for`]): adapters with their own response timer
    /// set it to this.
    pub fn first_byte_timeout(&self) -> Duration {
        self.config.first_byte_timeout_for(self.operation)
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
        if self.state != State::AwaitingHead {
            return Ok(());
        }
        self.touch(now);
        let head = ResponseHead {
            status,
            reason: String::new(),
            minor_version: 1,
            headers: headers
                .iter()
                .map(|(n, v)| ((*n).to_string(), v.to_vec()))
                .collect(),
        };
        self.on_head(&head, now);
        self.result()
    }

    /// Parts-level entry: de-framed body bytes.
    ///
    /// # Errors
    ///
    /// As [`handle_input`](Self::handle_input).
    pub fn handle_body(&mut self, data: &[u8], now: Instant) -> Result<(), Error> {
        self.check_live()?;
        if self.state != State::ReadingBody {
            return Ok(());
        }
        self.touch(now);
        if !data.is_empty() {
            self.on_data(data, now);
        }
        self.result()
    }

    /// Parts-level entry: the body is complete.
    ///
    /// # Errors
    ///
    /// As [`handle_input`](Self::handle_input).
    pub fn handle_body_end(&mut self, now: Instant) -> Result<(), Error> {
        self.check_live()?;
        if self.state != State::ReadingBody {
            return Ok(());
        }
        self.on_end(now);
        self.result()
    }

    /// Parts-level entry (or a failed connect / write with either entry): the transport failed.
    ///
    /// # Errors
    ///
    /// As [`handle_input`](Self::handle_input).
    pub fn handle_transport_error(&mut self, message: &str, now: Instant) -> Result<(), Error> {
        self.check_live()?;
        if !matches!(
            self.state,
            State::Sending | State::AwaitingHead | State::ReadingBody
        ) {
            return Ok(());
        }
        self.keep_alive = false;
        let kind = if self.head.is_some() {
            self.cut_kind()
        } else {
            ErrorKind::Io
        };
        self.fail(Error::new(kind, message), now);
        self.result()
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
        now: Instant,
    ) -> Result<(), Error> {
        self.check_live()?;
        if !matches!(
            self.state,
            State::Sending | State::AwaitingHead | State::ReadingBody
        ) {
            return Ok(());
        }
        self.keep_alive = false;
        // Neither a rejected certificate nor a malformed answer changes on a retry.
        self.retry_forbidden = true;
        let kind = match failure {
            TransportFailure::TlsCertificate => ErrorKind::Io,
            TransportFailure::MalformedResponse => ErrorKind::Protocol,
        };
        let error = Error::with_source(kind, Origin::Transport, message, failure);
        self.fail(error, now);
        self.result()
    }

    /// Starts the next attempt after an [`Event::Retry`], signing at `clock.wall`.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Configuration`] if the request can no longer be signed; calling it when no
    /// retry is pending returns the state's error, or does nothing.
    pub fn retry(&mut self, clock: Clock) -> Result<(), Error> {
        self.check_live()?;
        if self.state != State::AwaitingRetry {
            return Ok(());
        }
        self.attempt += 1;
        self.start_attempt(clock)
    }

    /// How a connection lost mid-response is classed: a cut event stream is a truncated stream
    /// (retried only while none of its events is out); a cut JSON body is an I/O failure, retried.
    fn cut_kind(&self) -> ErrorKind {
        if self.operation == Operation::ConverseStream && self.body_mode == BodyMode::Success {
            ErrorKind::TruncatedStream
        } else {
            ErrorKind::Io
        }
    }

    fn check_live(&self) -> Result<(), Error> {
        match &self.state {
            State::Failed(e) => Err(e.clone()),
            _ => Ok(()),
        }
    }

    fn result(&self) -> Result<(), Error> {
        self.check_live()
    }

    fn touch(&mut self, now: Instant) {
        if matches!(self.state, State::ReadingBody) {
            self.deadline = Some((
                now.saturating_add(self.config.idle_timeout),
                TimeoutReason::Idle,
            ));
        }
    }

    /// Resets per-attempt state and signs the attempt's request.
    fn start_attempt(&mut self, clock: Clock) -> Result<(), Error> {
        self.reader = ResponseReader::new(self.config.http_limits);
        self.decoder = Decoder::with_limits(self.config.frame_limits);
        self.accumulator = StreamAccumulator::new();
        self.sse_decoder = sse::Decoder::new();
        self.sse_accumulator = None;
        self.head = None;
        self.body_buf = Vec::new();
        self.body_mode = BodyMode::Success;
        self.keep_alive = false;
        self.signed_at = shift(clock.wall, self.skew_secs);
        self.deadline = Some((
            clock.now.saturating_add(self.first_byte_timeout()),
            TimeoutReason::FirstByte,
        ));
        let headers = self.sign()?;
        let borrowed: Vec<(&str, &str)> = headers.iter().map(|(n, v)| (*n, v.as_str())).collect();
        let mut bytes = Vec::with_capacity(self.body.len() + 1024);
        http1::write_request(&mut bytes, "POST", &self.target, &borrowed, &self.body).map_err(
            |e| {
                Error::new(
                    ErrorKind::Configuration,
                    format!("cannot write the request: {e}"),
                )
                .with_context(Some(&self.model.id), Some(&self.region))
            },
        )?;
        self.transmit = Some(bytes);
        self.attempt_headers = headers;
        self.state = State::Sending;
        Ok(())
    }

    /// Builds the header list and signs it at `self.signed_at`.
    fn sign(&mut self) -> Result<Vec<(&'static str, String)>, Error> {
        let mut headers: Vec<(&'static str, String)> = Vec::with_capacity(12);
        headers.push(("Host", self.host_header.clone()));
        headers.push(("Content-Type", "application/json".into()));
        headers.push(("Content-Length", self.body.len().to_string()));
        headers.push((
            "Accept",
            match self.operation {
                Operation::ConverseStream if self.responses_api => "text/event-stream".into(),
                Operation::ConverseStream => "application/vnd.amazon.eventstream".into(),
                _ => "application/json".into(),
            },
        ));
        let mut agent = format!("bedrock-core/{}", env!("CARGO_PKG_VERSION"));
        if let Some(suffix) = &self.config.user_agent_suffix {
            agent.push(' ');
            agent.push_str(suffix);
        }
        headers.push(("User-Agent", agent));
        if self.responses_api {
            // Bearer only (checked in `new`): no AWS SDK headers, nothing to sign.
            if let Auth::Bearer(key) = &self.auth {
                headers.push(("Authorization", format!("Bearer {}", key.expose())));
            }
            return Ok(headers);
        }
        headers.push(("amz-sdk-invocation-id", self.invocation_id.clone()));
        headers.push((
            "amz-sdk-request",
            format!(
                "attempt={}; max={}",
                self.attempt, self.config.retry.max_attempts
            ),
        ));
        match &self.auth {
            Auth::Bearer(key) => {
                headers.push(("Authorization", format!("Bearer {}", key.expose())))
            }
            Auth::SigV4(credentials) => {
                // Like botocore: sign Content-Type and Host (and the date and token); the
                // amz-sdk-* and length headers travel unsigned.
                let request = SignableRequest::new("POST", &self.target)
                    .header("host", &self.host_header)
                    .header("content-type", "application/json")
                    .body(&self.body);
                let params = SigningParams::new(
                    credentials,
                    &self.region,
                    self.signing_name,
                    self.signed_at,
                );
                // A signer per attempt, not per exchange: its key cache and scratch (about
                // 2 KiB) would stay with every open stream, to save a retry four HMACs.
                let mut signer = Signer::new();
                let signed = signer.sign_headers(&request, &params).map_err(|e| {
                    Error::from(e).with_context(Some(&self.model.id), Some(&self.region))
                })?;
                for (name, value) in signed.headers() {
                    headers.push((name, value.to_string()));
                }
            }
        }
        Ok(headers)
    }

    fn on_head(&mut self, head: &ResponseHead, now: Instant) {
        let request_id = if self.responses_api {
            head.header("x-request-id")
                .or_else(|| head.header("x-amzn-RequestId"))
        } else {
            head.header("x-amzn-RequestId")
        }
        .map(ToString::to_string);
        let retry_after = head
            .header("x-amz-retry-after")
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(Duration::from_millis);
        let retry_after = if self.responses_api {
            retry_after.or_else(|| openai_retry_after(head))
        } else {
            retry_after
        };
        let info = HeadInfo {
            status: head.status,
            request_id: request_id.clone(),
            error_type: head.header("x-amzn-ErrorType").map(ToString::to_string),
            date: head
                .header("date")
                .and_then(|d| UnixTime::parse_http_date(d).ok()),
            retry_after,
            should_retry: head.header("x-should-retry").and_then(|v| match v.trim() {
                v if v.eq_ignore_ascii_case("true") => Some(true),
                v if v.eq_ignore_ascii_case("false") => Some(false),
                _ => None,
            }),
        };
        self.body_mode = if (200..300).contains(&head.status) {
            BodyMode::Success
        } else {
            BodyMode::ErrorBody
        };
        if self.responses_api
            && self.body_mode == BodyMode::Success
            && self.operation == Operation::ConverseStream
        {
            self.sse_accumulator = Some(responses::StreamAccumulator::new(
                &self.model,
                request_id.clone(),
                self.warnings.clone(),
            ));
        }
        self.head = Some(info);
        self.state = State::ReadingBody;
        self.deadline = Some((
            now.saturating_add(self.config.idle_timeout),
            TimeoutReason::Idle,
        ));
        self.events.push_back(Event::Head {
            status: head.status,
            request_id,
        });
        if self.body_mode == BodyMode::Success
            && let Some(error) = self.check_content_type(head.header("content-type"))
        {
            self.keep_alive = false;
            self.fail(error, now);
        }
    }

    /// A success whose `Content-Type` is not the operation's (a proxy's or captive portal's
    /// HTML page answering 200) is refused by its type, before its bytes reach a decoder that
    /// would only say "prelude CRC mismatch". A missing header is let through: the body's own
    /// checks still apply.
    fn check_content_type(&self, content_type: Option<&str>) -> Option<Error> {
        let expected = match self.operation {
            Operation::ConverseStream if self.responses_api => "text/event-stream",
            Operation::ConverseStream => "application/vnd.amazon.eventstream",
            Operation::Converse | Operation::CountTokens => "application/json",
        };
        let media_type = content_type?.split(';').next().unwrap_or_default().trim();
        if media_type.eq_ignore_ascii_case(expected) {
            return None;
        }
        Some(Error::new(
            ErrorKind::Protocol,
            format!(
                "the 200 response is {media_type:?}, not {expected}: something other than Bedrock answered (a proxy, a captive portal or a wrong base_url?)"
            ),
        ))
    }

    fn on_data(&mut self, data: &[u8], now: Instant) {
        match (self.body_mode, self.operation) {
            (BodyMode::Success, Operation::ConverseStream) if self.responses_api => {
                self.on_sse(data, now)
            }
            (BodyMode::Success, Operation::ConverseStream) => self.on_frames(data, now),
            (BodyMode::Success, _) => {
                if self.body_buf.len() + data.len() > self.config.max_body_len {
                    self.fail(
                        Error::new(
                            ErrorKind::Protocol,
                            format!("response body exceeds {} bytes", self.config.max_body_len),
                        ),
                        now,
                    );
                } else {
                    self.body_buf.extend_from_slice(data);
                }
            }
            (BodyMode::ErrorBody, _) => {
                let room = MAX_ERROR_BODY.saturating_sub(self.body_buf.len());
                self.body_buf
                    .extend_from_slice(&data[..data.len().min(room)]);
            }
        }
    }

    /// Decodes event-stream frames from stream body bytes, handing out each event as its frame
    /// completes.
    fn on_frames(&mut self, mut data: &[u8], now: Instant) {
        loop {
            let message = match self.decoder.decode(&mut data) {
                Ok(Some(message)) => converse::parse_event(&message),
                Ok(None) => return,
                Err(e) => {
                    self.fail(e.into(), now);
                    return;
                }
            };
            match message {
                Ok(Some(event)) => {
                    if let Err(e) = self.accumulator.handle_event(&event) {
                        self.fail(e.into(), now);
                        return;
                    }
                    // Anything past `messageStart` is the model's output, delivered: a server-side
                    // tool's start and result blocks too (they have no neutral event, but the
                    // tool ran and may have billed), so a cut after them is never retried.
                    if !matches!(event, converse::StreamEvent::MessageStart { .. }) {
                        self.stream_started = true;
                    }
                    if let Some(neutral) = converse::to_neutral_event(&event) {
                        self.events.push_back(Event::Stream(neutral));
                    }
                }
                Ok(None) => {}
                Err(e) => {
                    self.fail(e.into(), now);
                    return;
                }
            }
        }
    }

    /// Decodes server-sent events from Responses stream body bytes, handing out the neutral
    /// events of each SSE event as soon as it completes.
    fn on_sse(&mut self, mut data: &[u8], now: Instant) {
        loop {
            let event = match self.sse_decoder.decode(&mut data) {
                Ok(Some(event)) => event,
                Ok(None) => return,
                Err(e) => {
                    self.fail(
                        Error::with_source(
                            ErrorKind::Protocol,
                            Origin::Protocol,
                            format!("server-sent events: {e}"),
                            e,
                        ),
                        now,
                    );
                    return;
                }
            };
            let Some(accumulator) = self.sse_accumulator.as_mut() else {
                return;
            };
            match accumulator.handle_event(&event.event, event.data.as_bytes()) {
                Ok(neutral) => {
                    // Any neutral event is the model's output, delivered: a cut after it is
                    // never retried (`response.created` / `.in_progress` produce none).
                    if !neutral.is_empty() {
                        self.stream_started = true;
                    }
                    self.events.extend(neutral.into_iter().map(Event::Stream));
                }
                Err(e) => {
                    self.fail(e, now);
                    return;
                }
            }
        }
    }

    fn on_end(&mut self, now: Instant) {
        let Some(head) = self.head.clone() else {
            return;
        };
        if self.body_mode == BodyMode::ErrorBody {
            let error = if self.responses_api {
                responses::error_from_response(
                    head.status,
                    head.request_id.as_deref(),
                    &self.body_buf,
                )
            } else {
                Error::from_response(
                    head.status,
                    head.error_type.as_deref(),
                    head.request_id.as_deref(),
                    &self.body_buf,
                )
            }
            .with_retry_after_ms(
                head.retry_after
                    .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX)),
            );
            // Bearer requests are not signed: no clock to correct.
            if !self.responses_api && self.try_correct_skew(&error, &head) {
                return;
            }
            if head.should_retry == Some(false) {
                // "x-should-retry: false": the server says a retry cannot help.
                self.retry_forbidden = true;
            }
            self.fail(error, now);
            return;
        }
        let result = match self.operation {
            Operation::ConverseStream if self.responses_api => self.finish_sse(),
            Operation::Converse if self.responses_api => responses::to_neutral(
                &self.body_buf,
                &self.model,
                head.request_id.clone(),
                self.warnings.clone(),
            ),
            Operation::ConverseStream => self.finish_stream(),
            Operation::Converse => converse::ConverseResponse::from_json(&self.body_buf)
                .map_err(|e| Error::new(ErrorKind::Protocol, format!("Converse response: {e}")))
                .map(|r| self.neutral(r, &head)),
            Operation::CountTokens => {
                let parsed: Result<serde_json::Value, _> = serde_json::from_slice(&self.body_buf);
                match parsed
                    .ok()
                    .and_then(|v| v.get("inputTokens").and_then(serde_json::Value::as_u64))
                {
                    Some(input_tokens) => {
                        self.succeed(Event::TokenCount { input_tokens });
                        return;
                    }
                    None => Err(Error::new(
                        ErrorKind::Protocol,
                        "CountTokens response has no inputTokens number",
                    )),
                }
            }
        };
        match result {
            Ok(response) => {
                self.response = Some(response.clone());
                self.succeed(Event::Response(response));
            }
            Err(e) => self.fail(e, now),
        }
    }

    fn finish_stream(&mut self) -> Result<Response, Error> {
        self.decoder.finish().map_err(Error::from)?;
        let head = self.head.clone();
        match self.accumulator.finish() {
            Ok(response) => Ok(match &head {
                Some(head) => self.neutral(response, head),
                None => converse::to_neutral(response, &self.model, None, self.warnings.clone()),
            }),
            Err(e) => Err(e.into()),
        }
    }

    /// The end of a Responses stream: the response of its terminal event, or the stream's error
    /// (truncated, with what arrived, when no terminal event came).
    fn finish_sse(&mut self) -> Result<Response, Error> {
        // An event cut off at the end is discarded ("any pending data must be discarded"); the
        // accumulator then sees no terminal event and says the stream was truncated.
        self.sse_decoder.finish().map_err(|e| {
            Error::with_source(
                ErrorKind::Protocol,
                Origin::Protocol,
                format!("server-sent events: {e}"),
                e,
            )
        })?;
        match self.sse_accumulator.take() {
            Some(accumulator) => accumulator.finish(),
            None => Err(Error::new(
                ErrorKind::TruncatedStream,
                "the stream closed before response.completed",
            )),
        }
    }

    fn neutral(&self, response: converse::ConverseResponse, head: &HeadInfo) -> Response {
        converse::to_neutral(
            response,
            &self.model,
            head.request_id.clone(),
            self.warnings.clone(),
        )
    }

    fn succeed(&mut self, event: Event) {
        // Standard mode refunds (botocore `RetryQuotaChecker.release_retry_quota`): a
        // first-attempt success returns 1 token, a retried success returns the cost of its last
        // retry only (`retry_quota_capacity` is overwritten by each acquire), not the sum.
        let refund = if self.last_retry_cost == 0 {
            1
        } else {
            self.last_retry_cost
        };
        self.config.quota.release(refund);
        self.events.push_back(event);
        self.state = State::Finished;
        self.deadline = None;
    }

    /// A `Signature expired` / `Signature not yet current` / `RequestTimeTooSkewed` answer (a
    /// clock behind or ahead of the service's by more than its 5 minutes): take the server's
    /// clock from its `Date` header, keep the offset for the client's next calls
    /// ([`ExchangeConfig::clock_skew`]) and retry at once, once per call.
    fn try_correct_skew(&mut self, error: &Error, head: &HeadInfo) -> bool {
        let error_type = error.error_type().unwrap_or_default();
        let message = error.message().to_ascii_lowercase();
        let skew_error = error_type.eq_ignore_ascii_case("RequestTimeTooSkewed")
            || error_type.eq_ignore_ascii_case("RequestExpired")
            || message.contains("signature expired")
            || message.contains("signature not yet current");
        let Some(server) = head.date else {
            return false;
        };
        if !skew_error || self.skew_corrected || self.attempt >= self.config.retry.max_attempts {
            return false;
        }
        // Local wall time at signing = signed_at - old skew; the server's time ≈ `Date`.
        let local = shift(self.signed_at, -self.skew_secs);
        let skew = i64::try_from(server.secs()).unwrap_or(i64::MAX)
            - i64::try_from(local.secs()).unwrap_or(i64::MAX);
        self.skew_secs = skew;
        self.skew_corrected = true;
        self.config.clock_skew.set(skew);
        let reuse_connection = self.reader.is_done() && self.reader.keep_alive();
        self.state = State::AwaitingRetry;
        self.deadline = None;
        self.events.push_back(Event::Retry {
            attempt: self.attempt,
            delay: Duration::ZERO,
            reuse_connection,
            error: error
                .clone()
                .with_context(Some(&self.model.id), Some(&self.region)),
        });
        true
    }

    /// Ends the attempt with `error`: schedules a retry when allowed, otherwise fails the call.
    fn fail(&mut self, error: Error, _now: Instant) {
        if self.is_finished() || self.state == State::AwaitingRetry {
            return;
        }
        let mut error = error.with_context(Some(&self.model.id), Some(&self.region));
        if error.request_id().is_none() {
            let id = self.head.as_ref().and_then(|h| h.request_id.clone());
            error = error.with_request_id(id.as_deref());
        }
        // A stream cut before any of its output (EOF, a cut chunked body, a reset, a body that
        // ends with no frame) delivered nothing: retried like the transient failure it is.
        let class = if error.kind() == ErrorKind::TruncatedStream && !self.stream_started {
            RetryClass::Transient
        } else {
            error.retry_class()
        };
        let cost = if class == RetryClass::Throttling {
            THROTTLING_RETRY_COST
        } else {
            RETRY_COST
        };
        let retry = class != RetryClass::No
            && !self.retry_forbidden
            && !self.stream_started
            && self.attempt < self.config.retry.max_attempts
            && self.config.quota.try_acquire(cost);
        if !retry {
            // What the caller has already seen stays reachable from the error: a stream is
            // never retried once an event is out, so this is the call's final word.
            if self.operation == Operation::ConverseStream && self.stream_started {
                let request_id = self.head.as_ref().and_then(|h| h.request_id.clone());
                if self.responses_api {
                    if let Some(accumulator) = &self.sse_accumulator {
                        error = error.with_partial_response(accumulator.partial());
                    }
                    self.state = State::Failed(error);
                    self.deadline = None;
                    self.transmit = None;
                    return;
                }
                let partial = converse::to_neutral(
                    self.accumulator.partial(),
                    &self.model,
                    request_id,
                    self.warnings.clone(),
                );
                error = error.with_partial_response(partial);
            }
            self.state = State::Failed(error);
            self.deadline = None;
            self.transmit = None;
            return;
        }
        self.last_retry_cost = cost;
        let delay = self.config.retry.backoff(
            class,
            self.attempt,
            self.jitter.next_unit(),
            error.retry_after_ms().map(Duration::from_millis),
        );
        let reuse_connection = self.reader.is_done() && self.reader.keep_alive();
        self.keep_alive = reuse_connection;
        self.state = State::AwaitingRetry;
        self.deadline = None;
        self.events.push_back(Event::Retry {
            attempt: self.attempt,
            delay,
            reuse_connection,
            error,
        });
    }
}

/// The Responses API's retry delay: `retry-after-ms` (milliseconds), else `retry-after` (seconds
/// or an HTTP date, measured from the response's `Date`), as the OpenAI SDK reads them. Delays
/// over 120 s are the SDK's "don't wait this long" and are ignored (the backoff caps the wait).
fn openai_retry_after(head: &ResponseHead) -> Option<Duration> {
    const MAX: Duration = Duration::from_secs(120);
    let delay = if let Some(ms) = head.header("retry-after-ms") {
        let ms = ms
            .trim()
            .parse::<f64>()
            .ok()
            .filter(|ms| (0.0..=120_000.0).contains(ms))?;
        Duration::from_secs_f64(ms / 1000.0)
    } else {
        let value = head.header("retry-after")?.trim();
        match value.parse::<u64>() {
            Ok(secs) => Duration::from_secs(secs),
            Err(_) => {
                let at = UnixTime::parse_http_date(value).ok()?;
                let date = UnixTime::parse_http_date(head.header("date")?).ok()?;
                Duration::from_secs(at.secs().saturating_sub(date.secs()))
            }
        }
    };
    (delay <= MAX).then_some(delay)
}

/// `time` moved by `secs` (negative: earlier), clamped to the representable range.
fn shift(time: UnixTime, secs: i64) -> UnixTime {
    let d = Duration::from_secs(secs.unsigned_abs());
    let moved = if secs >= 0 {
        time.checked_add(d)
    } else {
        time.checked_sub(d)
    };
    moved.unwrap_or(time)
}

/// An RFC 4122 version-4 UUID from the first 16 bytes of `entropy`.
fn uuid_v4(entropy: &[u8; 32]) -> String {
    let mut b = [0u8; 16];
    b.copy_from_slice(&entropy[..16]);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let mut out = String::with_capacity(36);
    for (i, byte) in b.iter().enumerate() {
        if matches!(i, 4 | 6 | 8 | 10) {
            out.push('-');
        }
        let _ = fmt::Write::write_fmt(&mut out, format_args!("{byte:02x}"));
    }
    out
}

#[cfg(test)]
mod tests;
