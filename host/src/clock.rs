//! The inputs the core takes from the outside world: time and randomness, read here once for
//! every adapter, the CLI and the emulator.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bedrock_core::exchange::Clock;
use bedrock_core::time::{Instant, UnixTime};

/// Both clocks now: the wall clock for signing, and a monotonic clock (time since this process
/// first asked) for deadlines.
pub fn now() -> Clock {
    Clock {
        wall: wall_clock(),
        now: Instant::from_duration(origin().elapsed()),
    }
}

/// The wall clock as the core's [`UnixTime`]; the epoch if the system clock is before 1970.
pub fn wall_clock() -> UnixTime {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .ok()
        .and_then(|d| UnixTime::from_duration(d).ok())
        .unwrap_or(UnixTime::UNIX_EPOCH)
}

/// The `std` instant a core [`Instant`] from [`now`] stands for: what a timer waits until.
pub fn std_instant(at: Instant) -> std::time::Instant {
    let origin = origin();
    origin
        .checked_add(Duration::from_nanos(at.as_nanos()))
        .unwrap_or_else(|| origin + Duration::from_secs(86_400 * 365))
}

/// The monotonic origin of [`now`]'s `Instant`s: the first time anything asked.
fn origin() -> std::time::Instant {
    static ORIGIN: OnceLock<std::time::Instant> = OnceLock::new();
    *ORIGIN.get_or_init(std::time::Instant::now)
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
    fn core_instants_map_back_to_std_instants() {
        let before = std::time::Instant::now();
        let at = now().now;
        let mapped = std_instant(at);
        assert!(
            mapped
                >= before
                    .checked_sub(Duration::from_millis(1))
                    .unwrap_or(before)
        );
        assert!(mapped <= std::time::Instant::now());
        let later = std_instant(at.saturating_add(Duration::from_secs(5)));
        assert_eq!(later.duration_since(mapped), Duration::from_secs(5));
    }
}
