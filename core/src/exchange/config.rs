//! What the caller chooses: the operation, the per-client settings of every exchange, and the
//! two clocks given as inputs.

use alloc::string::String;
use core::time::Duration;

use super::skew::ClockSkew;
use crate::eventstream;
use crate::http1::ResponseLimits;
use crate::retry::{RetryConfig, RetryQuota};
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
    /// The last segment of the Bedrock Runtime path.
    pub(super) fn path(self) -> &'static str {
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
    /// Whether a stream's final response repeats the text its events delivered. Off, its
    /// text parts (and those of an error's partial response) are empty, and a stream holds
    /// memory bounded by its largest frame or event instead of by the answer's length: for a
    /// caller that prints or forwards text as it arrives. Reasoning, signatures, tool calls,
    /// usage and the stop reason are kept either way. On by default.
    pub keep_streamed_text: bool,
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
            keep_streamed_text: true,
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

/// The two clocks, as inputs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Clock {
    /// Wall-clock time, for signing.
    pub wall: UnixTime,
    /// Monotonic time, for deadlines.
    pub now: Instant,
}
