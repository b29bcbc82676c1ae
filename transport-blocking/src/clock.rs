//! The inputs the core takes from the outside world: time and randomness.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use bedrock_core::exchange::Clock;
use bedrock_core::time::{Instant, UnixTime};

/// Both clocks now: the wall clock for signing, and a monotonic clock (nanoseconds since this
/// process first asked) for deadlines.
pub fn now() -> Clock {
    static ORIGIN: OnceLock<std::time::Instant> = OnceLock::new();
    let origin = *ORIGIN.get_or_init(std::time::Instant::now);
    let since_epoch = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    Clock {
        wall: UnixTime::from_duration(since_epoch).unwrap_or(UnixTime::MAX),
        now: Instant::from_duration(origin.elapsed()),
    }
}

/// 32 unpredictable bytes for the invocation id and retry jitter, from std's per-process random
/// hash keys mixed with a counter and the time (not for cryptography; nothing here needs that).
pub fn entropy() -> [u8; 32] {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let state = RandomState::new();
    let count = COUNTER.fetch_add(1, Ordering::Relaxed);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    let mut out = [0u8; 32];
    for (i, chunk) in out.chunks_exact_mut(8).enumerate() {
        let mut hasher = state.build_hasher();
        hasher.write_u64(count);
        hasher.write_u128(nanos);
        hasher.write_usize(i);
        chunk.copy_from_slice(&hasher.finish().to_le_bytes());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entropy_differs_between_calls() {
        assert_ne!(entropy(), entropy());
    }

    #[test]
    fn monotonic_clock_does_not_go_back() {
        let a = now().now;
        let b = now().now;
        assert!(b >= a);
    }
}
