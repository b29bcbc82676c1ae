//! What the exchange tells its driver: [`Event`]s from
//! [`poll_event`](super::Exchange::poll_event), and why a deadline from
//! [`poll_timeout`](super::Exchange::poll_timeout) exists.

use alloc::boxed::Box;
use alloc::string::String;
use core::time::Duration;

use crate::error::Error;
use crate::model::{Response, StreamEvent};

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
    ///
    /// [`Exchange::retry`]: super::Exchange::retry
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
    /// The final response (Converse and ConverseStream end with the same value). Boxed: it is
    /// the one large event, and every event is moved through the exchange's queue and the
    /// driver's loop at its enum's size.
    Response(Box<Response>),
    /// The result of CountTokens.
    TokenCount {
        /// Input tokens the request would use.
        input_tokens: u64,
    },
}
