//! Shared ownership on every target, including those without atomic compare-and-swap.
//!
//! `alloc::sync::Arc` exists only where the target has pointer-sized atomics
//! (`target_has_atomic = "ptr"`); `thumbv6m-none-eabi` (Cortex-M0/M0+) has none. There the core
//! shares through `alloc::rc::Rc` instead: those targets are single-core, and a type built on
//! [`Shared`] is then neither `Send` nor `Sync`, which the compiler enforces.
//!
//! | target has | [`Shared<T>`] | [`Counter`] |
//! |---|---|---|
//! | pointer-sized and 32-bit atomics (every std target, `thumbv7em`, `wasm32`) | `Arc<T>` | `AtomicU32` |
//! | no atomic read-modify-write (`thumbv6m-none-eabi`) | `Rc<T>` | `Cell<u32>` |

/// `Arc<T>` where the target has pointer-sized atomics, `Rc<T>` elsewhere.
#[cfg(target_has_atomic = "ptr")]
pub(crate) type Shared<T> = alloc::sync::Arc<T>;

/// `Arc<T>` where the target has pointer-sized atomics, `Rc<T>` elsewhere.
#[cfg(not(target_has_atomic = "ptr"))]
pub(crate) type Shared<T> = alloc::rc::Rc<T>;

/// A `u32` that several owners update through a shared reference: atomic where the target has
/// 32-bit compare-and-swap, a `Cell` elsewhere.
#[derive(Debug)]
pub(crate) struct Counter(
    #[cfg(target_has_atomic = "32")] core::sync::atomic::AtomicU32,
    #[cfg(not(target_has_atomic = "32"))] core::cell::Cell<u32>,
);

impl Counter {
    pub(crate) const fn new(value: u32) -> Self {
        #[cfg(target_has_atomic = "32")]
        let value = core::sync::atomic::AtomicU32::new(value);
        #[cfg(not(target_has_atomic = "32"))]
        let value = core::cell::Cell::new(value);
        Self(value)
    }

    /// The current value.
    pub(crate) fn load(&self) -> u32 {
        #[cfg(target_has_atomic = "32")]
        let value = self.0.load(core::sync::atomic::Ordering::Acquire);
        #[cfg(not(target_has_atomic = "32"))]
        let value = self.0.get();
        value
    }

    /// Replaces the value with `f(value)` unless `f` returns `None`; the previous value, or
    /// `Err(value)` when `f` declined. Atomic where the target has compare-and-swap; elsewhere
    /// the owners share one core and no interrupt handler touches the counter.
    pub(crate) fn update(&self, f: impl FnMut(u32) -> Option<u32>) -> Result<u32, u32> {
        #[cfg(target_has_atomic = "32")]
        let result = self.0.fetch_update(
            core::sync::atomic::Ordering::AcqRel,
            core::sync::atomic::Ordering::Acquire,
            f,
        );
        #[cfg(not(target_has_atomic = "32"))]
        let result = {
            let mut f = f;
            let old = self.0.get();
            match f(old) {
                Some(new) => {
                    self.0.set(new);
                    Ok(old)
                }
                None => Err(old),
            }
        };
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counter_updates_only_when_asked() {
        let counter = Shared::new(Counter::new(10));
        let other = Shared::clone(&counter);
        assert_eq!(counter.update(|v| v.checked_sub(4)), Ok(10));
        assert_eq!(other.load(), 6);
        assert_eq!(other.update(|v| v.checked_sub(7)), Err(6));
        assert_eq!(counter.load(), 6);
    }
}
