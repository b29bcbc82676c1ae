//! The signing clock's offset from the service's: learned from a `Signature expired` /
//! `Signature not yet current` / `RequestTimeTooSkewed` answer's `Date`, corrected once per call
//! and kept in [`ClockSkew`] for the client's next calls.

use core::time::Duration;

use super::response::Head;
use super::{Event, Exchange, State};
use crate::error::Error;
use crate::shared::{Counter, Shared};
use crate::time::UnixTime;

/// How far the service's clock is from this machine's, in seconds (positive: the service is
/// ahead), learned from a `Signature expired` / `Signature not yet current` answer's `Date` and
/// shared by every exchange made with clones of one [`ExchangeConfig`](super::ExchangeConfig).
///
/// Shared through the same types as [`RetryQuota`](crate::retry::RetryQuota): atomic where the
/// target has compare-and-swap, an `Rc<Cell<_>>` on `thumbv6m-none-eabi`. Kept within `i32`
/// seconds (±68 years).
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

impl Exchange {
    /// A `Signature expired` / `Signature not yet current` / `RequestTimeTooSkewed` answer (a
    /// clock behind or ahead of the service's by more than its 5 minutes): take the server's
    /// clock from its `Date` header, keep the offset for the client's next calls
    /// ([`ExchangeConfig::clock_skew`](super::ExchangeConfig::clock_skew)) and retry at once,
    /// once per call. Whether it did.
    pub(super) fn try_correct_skew(&mut self, error: &Error, head: &Head) -> bool {
        let error_type = error.error_type().unwrap_or_default();
        let message = error.message().to_ascii_lowercase();
        let skew_error = error_type.eq_ignore_ascii_case("RequestTimeTooSkewed")
            || error_type.eq_ignore_ascii_case("RequestExpired")
            || message.contains("signature expired")
            || message.contains("signature not yet current");
        let Some(server) = head.date else {
            return false;
        };
        if !skew_error
            || self.skew_corrected
            || self.attempt.number >= self.config.retry.max_attempts
        {
            return false;
        }
        // Local wall time at signing = signed_at - old skew; the server's time ≈ `Date`.
        let local = shift(self.attempt.signed_at, -self.skew_secs);
        let skew = i64::try_from(server.secs()).unwrap_or(i64::MAX)
            - i64::try_from(local.secs()).unwrap_or(i64::MAX);
        self.skew_secs = skew;
        self.skew_corrected = true;
        self.config.clock_skew.set(skew);
        let reuse_connection = self.attempt.can_reuse_connection();
        self.state = State::AwaitingRetry;
        self.events.push_back(Event::Retry {
            attempt: self.attempt.number,
            delay: Duration::ZERO,
            reuse_connection,
            error: self.call.with_context(error.clone()),
        });
        true
    }
}

/// `time` moved by `secs` (negative: earlier), clamped to the representable range.
pub(super) fn shift(time: UnixTime, secs: i64) -> UnixTime {
    let d = Duration::from_secs(secs.unsigned_abs());
    let moved = if secs >= 0 {
        time.checked_add(d)
    } else {
        time.checked_sub(d)
    };
    moved.unwrap_or(time)
}
