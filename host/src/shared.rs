//! Where a call's credential comes from: [`CredentialSource`], one fixed credential
//! ([`StaticCredentials`]), or the route's credential list resolved with real I/O and cached
//! ([`HostCredentials`] over [`SharedCredentials`]).
//!
//! Resolving is runtime-neutral: [`CredentialSource::lookup`] answers with the credential, a
//! [`Resolution`] for this caller to drive, or a [`Waiter`] while another caller resolves. A
//! blocking caller drives and waits on threads ([`CredentialSource::auth_blocking`]); an async
//! caller answers the resolution's HTTP questions on its own sockets and waits on a timer.

use std::fmt;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use bedrock_core::auth::Auth;
use bedrock_core::credentials::{
    Answer, ChainConfig, CredentialCache, CredentialsError, Lookup, Machine, Problem, Refresh,
    ResolvedAuth, Step,
};
use bedrock_core::error::Error;
use bedrock_core::settings::{CredentialRef, Route};

use crate::{Host, clock::wall_clock};

/// Where a call's credential comes from.
pub trait CredentialSource: Send + Sync + fmt::Debug {
    /// One step towards the credential for a call to `route`.
    ///
    /// # Errors
    ///
    /// The resolution's error while no usable credential exists (within the failure backoff).
    fn lookup(&self, route: &Route) -> Result<CredentialLookup, Error>;

    /// A call to `route` failed with `error`: the core's cache decides whether the credential
    /// is forgotten ([`CredentialCache::handle_call_error`]).
    fn handle_call_error(&self, route: &Route, error: &Error) {
        let _ = (route, error);
    }

    /// The credential for a call to `route`, resolving on this thread and waiting for other
    /// threads' resolutions.
    ///
    /// # Errors
    ///
    /// As [`lookup`](Self::lookup), or the resolution's error.
    fn auth_blocking(&self, route: &Route) -> Result<Auth, Error> {
        loop {
            match self.lookup(route)? {
                CredentialLookup::Ready(auth) => return Ok(auth),
                CredentialLookup::Resolve(resolution) => return resolution.resolve_blocking(),
                CredentialLookup::Wait(waiter) => waiter.wait_blocking(),
            }
        }
    }
}

/// What [`CredentialSource::lookup`] answers.
#[derive(Debug)]
pub enum CredentialLookup {
    /// Use this credential.
    Ready(Auth),
    /// This caller resolves for everyone: drive the [`Resolution`], then
    /// [`finish`](Resolution::finish) it.
    Resolve(Resolution),
    /// Another caller is resolving: wait, then look up again.
    Wait(Waiter),
}

/// One fixed credential for every call.
#[derive(Clone, Debug)]
pub struct StaticCredentials(pub Auth);

impl CredentialSource for StaticCredentials {
    fn lookup(&self, _route: &Route) -> Result<CredentialLookup, Error> {
        Ok(CredentialLookup::Ready(self.0.clone()))
    }
}

/// Each route's credential list resolved with real I/O through a [`Host`]: one
/// [`SharedCredentials`] per distinct list and region, resolved the first time a call needs it
/// and refreshed before expiry.
///
/// The route's region reaches the chain ([`ChainConfig::with_region`], unless the chain was
/// given one): STS calls go to the route's region and partition, as botocore creates its STS
/// client in the region of the client that needs the credentials. A China or GovCloud
/// `base_url` gets credentials from that partition's STS, not from `sts.us-east-1`.
pub struct HostCredentials {
    host: Host,
    chain: ChainConfig,
    caches: Mutex<Vec<CacheEntry>>,
}

/// A credential list, the chain's STS region, and their cache.
type CacheEntry = (Vec<CredentialRef>, Option<String>, Arc<SharedCredentials>);

impl fmt::Debug for HostCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HostCredentials")
            .field("host", &self.host)
            .finish_non_exhaustive()
    }
}

impl HostCredentials {
    /// Resolves credentials with `host` and the default SigV4 chain.
    pub fn new(host: Host) -> Self {
        Self::with_chain(host, ChainConfig::default())
    }

    /// Resolves credentials with `host` and `chain` (a profile, a region for STS).
    pub fn with_chain(host: Host, chain: ChainConfig) -> Self {
        Self {
            host,
            chain,
            caches: Mutex::new(Vec::new()),
        }
    }

    /// The host answering the resolutions' questions.
    pub fn host(&self) -> &Host {
        &self.host
    }

    /// The cache for a credential list, with the chain as configured.
    pub fn shared(&self, references: &[CredentialRef]) -> Arc<SharedCredentials> {
        self.shared_in(references, None)
    }

    /// The cache for a credential list used in `region` (a route's region): its STS calls go
    /// there unless the chain was given a region.
    pub fn shared_in(
        &self,
        references: &[CredentialRef],
        region: Option<&str>,
    ) -> Arc<SharedCredentials> {
        let chain = match (self.chain.region(), region) {
            (None, Some(region)) if !region.is_empty() => self.chain.clone().with_region(region),
            _ => self.chain.clone(),
        };
        let region = chain.region().map(String::from);
        let mut caches = self.caches.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some((_, _, shared)) = caches
            .iter()
            .find(|(refs, r, _)| refs == references && *r == region)
        {
            return Arc::clone(shared);
        }
        let shared = Arc::new(SharedCredentials::new(CredentialCache::new(
            references, chain,
        )));
        caches.push((references.to_vec(), region, Arc::clone(&shared)));
        shared
    }
}

impl CredentialSource for HostCredentials {
    fn lookup(&self, route: &Route) -> Result<CredentialLookup, Error> {
        self.shared_in(&route.credentials, Some(&route.region))
            .lookup(&self.host)
    }

    fn handle_call_error(&self, route: &Route, error: &Error) {
        self.shared_in(&route.credentials, Some(&route.region))
            .handle_call_error(error);
    }
}

/// A [`CredentialCache`] shared by threads and tasks: the first caller that needs a resolution
/// drives it (without holding the lock), the others keep the old credentials (advisory window)
/// or wait, so a burst of calls costs one chain walk.
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

impl SharedCredentials {
    /// Shares `cache`.
    pub fn new(cache: CredentialCache) -> Self {
        Self {
            cache: Mutex::new(cache),
            changed: Condvar::new(),
        }
    }

    /// One step towards the credentials for a call; `host` answers the resolution's questions
    /// when this caller drives it.
    ///
    /// # Errors
    ///
    /// The last resolution's error while nothing usable exists.
    pub fn lookup(self: &Arc<Self>, host: &Host) -> Result<CredentialLookup, Error> {
        Ok(match self.lock().credentials(wall_clock())? {
            Lookup::Ready(resolved) => CredentialLookup::Ready(resolved.auth.clone()),
            Lookup::Refresh(refresh) => CredentialLookup::Resolve(Resolution {
                owner: Arc::clone(self),
                host: host.clone(),
                refresh: Some(refresh),
            }),
            Lookup::Wait => CredentialLookup::Wait(Waiter {
                owner: Arc::clone(self),
            }),
        })
    }

    /// The credentials for one call, resolving them on this thread or waiting for another's
    /// resolution.
    ///
    /// # Errors
    ///
    /// The resolution's error when no usable credentials exist.
    pub fn auth(self: &Arc<Self>, host: &Host) -> Result<ResolvedAuth, Error> {
        loop {
            let mut cache = self.lock();
            match cache.credentials(wall_clock())? {
                Lookup::Ready(resolved) => return Ok(resolved.clone()),
                Lookup::Refresh(refresh) => {
                    drop(cache);
                    return Resolution {
                        owner: Arc::clone(self),
                        host: host.clone(),
                        refresh: Some(refresh),
                    }
                    .resolve_blocking_resolved();
                }
                Lookup::Wait => {
                    drop(cache);
                    Waiter {
                        owner: Arc::clone(self),
                    }
                    .wait_blocking();
                }
            }
        }
    }

    /// A call failed with `error`: forgets the credentials when the core's policy says so.
    pub fn handle_call_error(&self, error: &Error) {
        self.lock().handle_call_error(error);
    }

    /// Forgets the cached credentials.
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

/// A resolution handed to one caller: a [`Machine`] to drive (answering its questions with
/// [`Host::answer`](crate::Host::answer) or the caller's own HTTP), then
/// [`finish`](Self::finish). Dropped unfinished, it is abandoned and the next caller resolves.
pub struct Resolution {
    owner: Arc<SharedCredentials>,
    host: Host,
    refresh: Option<Refresh>,
}

impl fmt::Debug for Resolution {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Resolution")
            .field("id", &self.refresh.as_ref().map(Refresh::id))
            .finish_non_exhaustive()
    }
}

impl Machine for Resolution {
    type Output = ResolvedAuth;

    fn poll(&mut self) -> Step<ResolvedAuth> {
        match self.refresh.as_mut() {
            Some(refresh) => refresh.poll(),
            None => Step::Done(Err(CredentialsError::new(
                None,
                "",
                Problem::Driver {
                    reason: "the resolution was already finished".into(),
                },
            ))),
        }
    }

    fn provide(&mut self, answer: Answer) {
        if let Some(refresh) = self.refresh.as_mut() {
            refresh.provide(answer);
        }
    }
}

impl Resolution {
    /// The host that answers questions other than HTTP (environment, files, commands, the
    /// vault, the clock).
    pub fn host(&self) -> &Host {
        &self.host
    }

    /// Hands the driven machine back to the cache: the credential to use now.
    ///
    /// # Errors
    ///
    /// The resolution's error when no usable credentials remain.
    pub fn finish(self) -> Result<Auth, Error> {
        self.finish_resolved().map(|resolved| resolved.auth)
    }

    /// Drives the machine on this thread with [`Host::answer`](crate::Host::answer), then
    /// finishes.
    ///
    /// # Errors
    ///
    /// As [`finish`](Self::finish).
    pub fn resolve_blocking(self) -> Result<Auth, Error> {
        self.resolve_blocking_resolved()
            .map(|resolved| resolved.auth)
    }

    fn resolve_blocking_resolved(mut self) -> Result<ResolvedAuth, Error> {
        let host = self.host.clone();
        // The outcome stays in the machine; `finish` reads it.
        let _ = host.drive(&mut self);
        self.finish_resolved()
    }

    fn finish_resolved(mut self) -> Result<ResolvedAuth, Error> {
        let Some(refresh) = self.refresh.take() else {
            return Err(Error::no_credentials("the resolution was already finished"));
        };
        let result = self.owner.lock().complete(refresh, wall_clock()).cloned();
        self.owner.changed.notify_all();
        result
    }
}

impl Drop for Resolution {
    fn drop(&mut self) {
        if let Some(refresh) = self.refresh.take() {
            self.owner.lock().abandon(refresh.id());
            self.owner.changed.notify_all();
        }
    }
}

/// Another caller is resolving.
#[derive(Debug)]
pub struct Waiter {
    owner: Arc<SharedCredentials>,
}

impl Waiter {
    /// How long an async caller sleeps before looking up again (it has no condition variable).
    pub const POLL_INTERVAL: Duration = Duration::from_millis(10);

    /// Blocks this thread until the resolution completes (at most a second; then look again:
    /// a resolution abandoned without notice is noticed by the cache's staleness rule).
    pub fn wait_blocking(self) {
        let cache = self.owner.lock();
        let _ = self
            .owner
            .changed
            .wait_timeout(cache, Duration::from_secs(1))
            .unwrap_or_else(PoisonError::into_inner);
    }
}
