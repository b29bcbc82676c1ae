//! How an attempt ends: a success refunds the retry quota and finishes the call; a failure
//! schedules a retry ([`Event::Retry`]) when the error's class, the attempts and the retry
//! tokens left allow it (a stream never once its output is out), and otherwise fails the call
//! with what the caller already saw attached. The policy itself (classes, backoff, quota) is
//! [`crate::retry`].

use core::time::Duration;

use super::{Event, Exchange, Operation, State};
use crate::error::{Error, ErrorKind, RetryClass};
use crate::retry::{RETRY_COST, THROTTLING_RETRY_COST};

/// Whether the failure at hand may be retried at all (the policy still decides).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Retry {
    /// As the error's class, the attempts and the quota allow.
    Allowed,
    /// Never: the failure must end the call (a Converse's first-byte timeout, a rejected
    /// certificate, `x-should-retry: false`).
    Forbidden,
}

impl Exchange {
    /// The call succeeded with `event`.
    pub(super) fn succeed(&mut self, event: Event) {
        // Standard mode refunds (botocore `RetryQuotaChecker.release_retry_quota`): a
        // first-attempt success returns 1 token, a retried success returns the cost of its last
        // retry only (`retry_quota_capacity` is overwritten by each acquire), not the sum.
        let refund = if self.last_retry_cost == 0 {
            1
        } else {
            self.last_retry_cost
        };
        self.config.quota.release(refund);
        // The response waits in the state, behind every queued event (see `poll_event`).
        let response = match event {
            Event::Response(response) => Some(response),
            other => {
                self.events.push_back(other);
                None
            }
        };
        self.state = State::Finished { response };
    }

    /// Ends the attempt with `error`: schedules a retry when allowed, otherwise fails the call.
    pub(super) fn fail(&mut self, error: Error) {
        self.fail_with(error, Retry::Allowed);
    }

    /// As [`fail`](Self::fail), with `retry` saying whether this failure may be retried at all.
    pub(super) fn fail_with(&mut self, error: Error, retry: Retry) {
        if self.is_finished() || matches!(self.state, State::AwaitingRetry) {
            return;
        }
        let head = match &self.state {
            State::ReadingBody { head, .. } => Some(head),
            _ => None,
        };
        let mut error = self.call.with_context(error);
        if error.request_id().is_none() {
            let id = head.and_then(|h| h.request_id.clone());
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
            && retry == Retry::Allowed
            && !self.stream_started
            && self.attempt.number < self.config.retry.max_attempts
            && self.config.quota.try_acquire(cost);
        if !retry {
            // What the caller has already seen stays reachable from the error: a stream is
            // never retried once an event is out, so this is the call's final word.
            if self.call.operation == Operation::ConverseStream
                && self.stream_started
                && let State::ReadingBody { head, body, .. } = &self.state
                && let Some(partial) = body.partial(&self.call, head)
            {
                error = error.with_partial_response(partial);
            }
            self.state = State::Failed(error);
            return;
        }
        self.last_retry_cost = cost;
        let delay = self.config.retry.backoff(
            class,
            self.attempt.number,
            self.jitter.next_unit(),
            error.retry_after_ms().map(Duration::from_millis),
        );
        let reuse_connection = self.attempt.can_reuse_connection();
        self.attempt.keep_alive = reuse_connection;
        self.state = State::AwaitingRetry;
        self.events.push_back(Event::Retry {
            attempt: self.attempt.number,
            delay,
            reuse_connection,
            error,
        });
    }
}
