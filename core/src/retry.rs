//! The standard retry mode of the AWS SDKs (2026 constants, `bedrock-wire.md` §3.1), as a
//! policy: the exchange decides *whether* and *after how long*; the caller sleeps.
//!
//! | constant | value |
//! |---|---|
//! | attempts, first included | 3 |
//! | backoff | `rand × min(base × 2^(attempt-1), 20 s)`; base 1 s throttling, 50 ms otherwise |
//! | `x-amz-retry-after` (ms) | delay = `max(backoff, min(retry_after, backoff + 5 s))` |
//! | retry quota | 500 tokens per client; a retry costs 5 (throttling) or 14 (other) |
//! | refund | a first-attempt success returns 1; a retried success returns its last retry's cost (botocore: not the sum) |
//!
//! Randomness is an input: [`Jitter`] is a small generator the caller seeds once.

use core::time::Duration;

use crate::error::RetryClass;
use crate::shared::{Counter, Shared};

/// Retry settings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetryConfig {
    /// Attempts including the first; 1 disables retries.
    pub max_attempts: u32,
    /// Backoff base for throttling errors.
    pub throttling_base: Duration,
    /// Backoff base for other retryable errors.
    pub transient_base: Duration,
    /// Backoff cap.
    pub max_backoff: Duration,
}

impl Default for RetryConfig {
    fn default() -> Self {
        Self {
            max_attempts: 3,
            throttling_base: Duration::from_secs(1),
            transient_base: Duration::from_millis(50),
            max_backoff: Duration::from_secs(20),
        }
    }
}

impl RetryConfig {
    /// The delay before attempt `attempt + 1`, after attempt `attempt` (1-based) failed with an
    /// error of `class`; `unit` is a random number in `[0, 1)`; `retry_after` is the service's
    /// `x-amz-retry-after`.
    pub fn backoff(
        &self,
        class: RetryClass,
        attempt: u32,
        unit: f64,
        retry_after: Option<Duration>,
    ) -> Duration {
        let base = match class {
            RetryClass::Throttling => self.throttling_base,
            RetryClass::Transient | RetryClass::No => self.transient_base,
        };
        let exponent = attempt.saturating_sub(1).min(30);
        let ceiling = base.saturating_mul(1u32 << exponent).min(self.max_backoff);
        let unit = if unit.is_finite() {
            unit.clamp(0.0, 1.0)
        } else {
            0.0
        };
        let backoff = ceiling.mul_f64(unit);
        match retry_after {
            Some(after) => backoff.max(after.min(backoff.saturating_add(Duration::from_secs(5)))),
            None => backoff,
        }
    }
}

/// Tokens a client starts with.
pub const INITIAL_RETRY_TOKENS: u32 = 500;
/// What a retry after a throttling error costs.
pub const THROTTLING_RETRY_COST: u32 = 5;
/// What a retry after any other error costs.
pub const RETRY_COST: u32 = 14;

/// The retry-token bucket shared by every call of one client. Cloning shares the bucket.
///
/// When it runs dry, calls stop retrying until successes refill it, so an outage does not turn
/// into a retry storm.
///
/// The bucket is an `Arc<AtomicU32>` on every target with atomic compare-and-swap, so a quota is
/// `Send + Sync` and one client's calls may run on many threads. On targets without it
/// (`thumbv6m-none-eabi`, where `alloc::sync` does not exist) it is an `Rc<Cell<u32>>`: the
/// quota is then neither `Send` nor `Sync`, which suits those single-core targets.
#[derive(Clone, Debug)]
pub struct RetryQuota {
    tokens: Shared<Counter>,
    capacity: u32,
}

impl Default for RetryQuota {
    fn default() -> Self {
        Self::new(INITIAL_RETRY_TOKENS)
    }
}

impl RetryQuota {
    /// A bucket holding `capacity` tokens.
    pub fn new(capacity: u32) -> Self {
        Self {
            tokens: Shared::new(Counter::new(capacity)),
            capacity,
        }
    }

    /// Tokens left.
    pub fn available(&self) -> u32 {
        self.tokens.load()
    }

    /// Takes `cost` tokens if that many are left.
    pub fn try_acquire(&self, cost: u32) -> bool {
        self.tokens.update(|t| t.checked_sub(cost)).is_ok()
    }

    /// Returns `amount` tokens, up to the capacity.
    pub fn release(&self, amount: u32) {
        let capacity = self.capacity;
        let _ = self
            .tokens
            .update(|t| Some(t.saturating_add(amount).min(capacity)));
    }
}

/// A small, fast pseudo-random generator (xorshift64*) for backoff jitter, seeded by the caller
/// from a real random source. Not for anything security-relevant.
#[derive(Clone, Debug)]
pub struct Jitter(u64);

impl Jitter {
    /// A generator from a seed (a zero seed is replaced by a fixed odd constant).
    pub fn new(seed: u64) -> Self {
        Self(if seed == 0 {
            0x9E37_79B9_7F4A_7C15
        } else {
            seed
        })
    }

    /// The next number in `[0, 1)`.
    pub fn next_unit(&mut self) -> f64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        let bits = x.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11;
        // 53 random bits over 2^53: exactly representable, in [0, 1).
        #[expect(
            clippy::cast_precision_loss,
            reason = "53 bits fit an f64 mantissa exactly"
        )]
        let unit = bits as f64 / (1u64 << 53) as f64;
        unit
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_caps() {
        let config = RetryConfig::default();
        assert_eq!(
            config.backoff(RetryClass::Throttling, 1, 1.0, None),
            Duration::from_secs(1)
        );
        assert_eq!(
            config.backoff(RetryClass::Throttling, 2, 1.0, None),
            Duration::from_secs(2)
        );
        assert_eq!(
            config.backoff(RetryClass::Transient, 3, 1.0, None),
            Duration::from_millis(200)
        );
        assert_eq!(
            config.backoff(RetryClass::Throttling, 40, 1.0, None),
            Duration::from_secs(20)
        );
        assert_eq!(
            config.backoff(RetryClass::Throttling, 1, 0.5, None),
            Duration::from_millis(500)
        );
        assert_eq!(
            config.backoff(RetryClass::Transient, 1, 0.0, None),
            Duration::ZERO
        );
        assert_eq!(
            config.backoff(RetryClass::Transient, 1, f64::NAN, None),
            Duration::ZERO
        );
    }

    #[test]
    fn retry_after_is_honoured_within_five_seconds_of_the_backoff() {
        let config = RetryConfig::default();
        // backoff 0.5 s; retry-after 3 s → 3 s.
        assert_eq!(
            config.backoff(RetryClass::Throttling, 1, 0.5, Some(Duration::from_secs(3))),
            Duration::from_secs(3)
        );
        // retry-after 60 s is capped at backoff + 5 s.
        assert_eq!(
            config.backoff(
                RetryClass::Throttling,
                1,
                0.5,
                Some(Duration::from_secs(60))
            ),
            Duration::from_millis(5500)
        );
        // A retry-after shorter than the backoff does not shorten it.
        assert_eq!(
            config.backoff(
                RetryClass::Throttling,
                1,
                0.5,
                Some(Duration::from_millis(10))
            ),
            Duration::from_millis(500)
        );
    }

    #[test]
    fn quota_is_shared_and_bounded() {
        let quota = RetryQuota::new(20);
        let shared = quota.clone();
        assert!(quota.try_acquire(RETRY_COST));
        assert_eq!(shared.available(), 6);
        assert!(!shared.try_acquire(RETRY_COST), "not enough left");
        assert!(shared.try_acquire(THROTTLING_RETRY_COST));
        shared.release(100);
        assert_eq!(quota.available(), 20, "never above capacity");
    }

    #[test]
    fn jitter_is_deterministic_and_in_range() {
        let mut a = Jitter::new(42);
        let mut b = Jitter::new(42);
        for _ in 0..1000 {
            let x = a.next_unit();
            assert_eq!(x, b.next_unit());
            assert!((0.0..1.0).contains(&x));
        }
        assert_ne!(Jitter::new(1).next_unit(), Jitter::new(2).next_unit());
        assert!((0.0..1.0).contains(&Jitter::new(0).next_unit()));
    }
}
