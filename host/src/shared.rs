//! [`SharedCredentials`]: the core's [`CredentialCache`] for threads.

use std::fmt;
use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use bedrock_core::credentials::{CredentialCache, Lookup, ResolvedAuth};
use bedrock_core::error::Error;

use crate::{Host, wall_clock};

/// A [`CredentialCache`] shared by threads: the first caller that needs a resolution drives it
/// (without holding the lock), the others keep the old credentials (advisory window) or wait on
/// a condition variable, so a burst of calls costs one chain walk.
pub struct SharedCredentials {
    cache: Mutex<CredentialCache>,
    changed: Condvar,
}

impl fmt::Debug for SharedCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("SharedCredentials")
            .field(&*self.lock())
            .finish()
    }
}

/// Abandons a refresh whose driver unwound, so waiters do not wait for `stale_after`.
struct Flight<'a> {
    owner: &'a SharedCredentials,
    id: Option<u64>,
}

impl Drop for Flight<'_> {
    fn drop(&mut self) {
        if let Some(id) = self.id {
            self.owner.lock().abandon(id);
            self.owner.changed.notify_all();
        }
    }
}

impl SharedCredentials {
    /// Shares `cache`.
    pub fn new(cache: CredentialCache) -> Self {
        Self {
            cache: Mutex::new(cache),
            changed: Condvar::new(),
        }
    }

    /// The credentials for one call, resolving or refreshing them with `host` when needed.
    ///
    /// # Errors
    ///
    /// The resolution's error when no usable credentials exist.
    pub fn auth(&self, host: &Host) -> Result<ResolvedAuth, Error> {
        let mut cache = self.lock();
        let mut refresh = loop {
            match cache.credentials(wall_clock())? {
                Lookup::Ready(resolved) => return Ok(resolved.clone()),
                Lookup::Refresh(refresh) => break refresh,
                Lookup::Wait => {}
            }
            // Bounded, so a refresh abandoned without notice is noticed by the cache's
            // staleness rule.
            cache = self
                .changed
                .wait_timeout(cache, Duration::from_secs(1))
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        };
        drop(cache);
        let mut flight = Flight {
            owner: self,
            id: Some(refresh.id()),
        };
        // The outcome stays in the machine; `complete` reads it.
        let _ = host.drive(&mut refresh);
        flight.id = None;
        let result = self.lock().complete(refresh, wall_clock()).cloned();
        self.changed.notify_all();
        result
    }

    /// Forgets the cached credentials (after the service rejected them as expired).
    pub fn invalidate(&self) {
        self.lock().invalidate();
    }

    /// How many resolutions have started.
    pub fn resolutions(&self) -> u64 {
        self.lock().resolutions()
    }

    fn lock(&self) -> MutexGuard<'_, CredentialCache> {
        self.cache.lock().unwrap_or_else(PoisonError::into_inner)
    }
}
