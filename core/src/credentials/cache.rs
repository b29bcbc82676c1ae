//! [`CredentialCache`]: resolve once, refresh before expiry, share one resolution among
//! concurrent callers.

use alloc::boxed::Box;
use alloc::format;
use alloc::vec::Vec;
use core::fmt;
use core::time::Duration;

use super::error::{CredentialsError, Problem};
use super::list::{AuthMachine, ResolvedAuth};
use super::{Answer, ChainConfig, Machine, Step};
use crate::error::Error;
use crate::settings::CredentialRef;
use crate::time::UnixTime;

/// When the cache refreshes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RefreshPolicy {
    /// With less than this left, one caller refreshes while the others keep the current
    /// credentials; a failed refresh keeps them too. Default 15 minutes (botocore).
    pub advisory: Duration,
    /// With less than this left, callers wait for a refresh, and a failed refresh is an error.
    /// Default 10 minutes (botocore).
    pub mandatory: Duration,
    /// After a failed advisory refresh, or when fresh credentials already sit inside the
    /// advisory window (an IMDS role about to rotate), no new refresh starts for this long
    /// while the credentials are still valid. Default 60 s.
    pub retry_interval: Duration,
    /// A resolution that failed with no usable credentials left is returned to every caller
    /// for this long before the next attempt. Default 5 s.
    pub failure_backoff: Duration,
    /// A refresh not completed within this is presumed abandoned (its driver died) and another
    /// caller may start one. Default 5 minutes.
    pub stale_after: Duration,
}

impl Default for RefreshPolicy {
    fn default() -> Self {
        Self {
            advisory: Duration::from_secs(15 * 60),
            mandatory: Duration::from_secs(10 * 60),
            retry_interval: Duration::from_secs(60),
            failure_backoff: Duration::from_secs(5),
            stale_after: Duration::from_secs(5 * 60),
        }
    }
}

/// What [`CredentialCache::credentials`] tells a caller.
#[derive(Debug)]
pub enum Lookup<'a> {
    /// Use these.
    Ready(&'a ResolvedAuth),
    /// This caller resolves for everyone: drive the machine (it is a [`Machine`]), then hand it
    /// back with [`CredentialCache::complete`].
    Refresh(Refresh),
    /// Another caller is resolving and there is nothing usable meanwhile: wait until it
    /// completes (a condition variable, an event), then ask again.
    Wait,
}

/// A resolution handed to one caller. Drive it like any [`Machine`], then return it with
/// [`CredentialCache::complete`] (or [`CredentialCache::abandon`] its [`id`](Refresh::id) if the
/// driver gives up).
#[derive(Debug)]
pub struct Refresh {
    id: u64,
    machine: Box<AuthMachine>,
}

impl Refresh {
    /// Which resolution this is.
    pub fn id(&self) -> u64 {
        self.id
    }
}

impl Machine for Refresh {
    type Output = ResolvedAuth;

    fn poll(&mut self) -> Step<ResolvedAuth> {
        self.machine.poll()
    }

    fn provide(&mut self, answer: Answer) {
        self.machine.provide(answer);
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Freshness {
    /// No expiry, or more than `advisory` left.
    Fresh,
    Advisory,
    Mandatory,
    Expired,
}

#[derive(Clone, Copy, Debug)]
struct Flight {
    id: u64,
    started: UnixTime,
}

/// A route's credentials, resolved once and refreshed before they expire.
///
/// Sans-IO like the machines: [`credentials`](Self::credentials) takes the wall-clock time and
/// either hands out the cached [`ResolvedAuth`], or hands *one* caller a [`Refresh`] machine to
/// drive (the others keep the old credentials in the advisory window, or [`Lookup::Wait`]), so
/// a burst of calls costs one chain walk. The cache holds no lock; share it behind the
/// runtime's mutex and release the mutex while driving a refresh:
///
/// ```
/// use bedrock_core::credentials::{
///     Answer, ChainConfig, CredentialCache, FileError, Lookup, Machine, Need, drive,
/// };
/// use bedrock_core::settings::CredentialRef;
/// use bedrock_core::time::UnixTime;
///
/// let refs = CredentialRef::defaults(bedrock_core::catalog::Provider::Bedrock);
/// let mut cache = CredentialCache::new(&refs, ChainConfig::default());
/// let now = UnixTime::from_secs(1_700_000_000)?;
/// let driver = |need: &Need| match need {
///     Need::Env(name) if name == "AWS_BEARER_TOKEN_BEDROCK" => Answer::env(Some("ABSKexample")),
///     Need::Env(_) => Answer::Env(None),
///     other => panic!("not needed: {other:?}"),
/// };
/// let auth = match cache.credentials(now)? {
///     Lookup::Ready(resolved) => resolved.auth.clone(),
///     Lookup::Refresh(mut refresh) => {
///         // (release the lock here; the I/O happens in the driver)
///         let _ = drive(&mut refresh, driver);
///         cache.complete(refresh, now)?.auth.clone()
///     }
///     Lookup::Wait => unreachable!("nobody else is resolving"),
/// };
/// assert_eq!(auth.scheme(), "bearer");
/// assert!(matches!(cache.credentials(now)?, Lookup::Ready(_)));   // no second resolution
/// assert_eq!(cache.resolutions(), 1);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// | remaining lifetime | no refresh running | a refresh running elsewhere |
/// |---|---|---|
/// | no expiry, or > advisory (15 min) | `Ready` | `Ready` |
/// | advisory..mandatory | `Refresh` (once per `retry_interval`), else `Ready` | `Ready` |
/// | < mandatory (10 min) | `Refresh` (once per `retry_interval`), else `Ready` | `Wait` |
/// | expired / none yet | `Refresh`, or the last failure during `failure_backoff` | `Wait` |
pub struct CredentialCache {
    references: Vec<CredentialRef>,
    chain: ChainConfig,
    policy: RefreshPolicy,
    current: Option<ResolvedAuth>,
    flight: Option<Flight>,
    next_id: u64,
    /// No new refresh starts before this while the current credentials are valid.
    quiet_until: Option<UnixTime>,
    failure: Option<(Error, UnixTime)>,
    last_error: Option<Error>,
}

impl fmt::Debug for CredentialCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CredentialCache")
            .field("references", &self.references)
            .field(
                "current",
                &self
                    .current
                    .as_ref()
                    .map(|c| (c.auth.scheme(), c.expires_at())),
            )
            .field("refreshing", &self.flight.map(|f| f.id))
            .field("resolutions", &self.next_id)
            .finish_non_exhaustive()
    }
}

impl CredentialCache {
    /// An empty cache for a route's credential list.
    pub fn new(references: &[CredentialRef], chain: ChainConfig) -> Self {
        Self {
            references: references.into(),
            chain,
            policy: RefreshPolicy::default(),
            current: None,
            flight: None,
            next_id: 0,
            quiet_until: None,
            failure: None,
            last_error: None,
        }
    }

    /// Replaces the refresh policy.
    #[must_use]
    pub fn with_policy(mut self, policy: RefreshPolicy) -> Self {
        self.policy = policy;
        self
    }

    /// The credentials to use at `now`, or the job of refreshing them. See the
    /// [type docs](Self).
    ///
    /// # Errors
    ///
    /// The last resolution's error while no usable credentials exist and the failure backoff
    /// has not passed.
    pub fn credentials(&mut self, now: UnixTime) -> Result<Lookup<'_>, Error> {
        if let Some(flight) = self.flight
            && flight
                .started
                .checked_add(self.policy.stale_after)
                .is_some_and(|deadline| now >= deadline)
        {
            self.flight = None;
        }
        let quiet = self.quiet_until.is_some_and(|until| now < until);
        let refreshing = self.flight.is_some();
        match self.freshness(now) {
            Some(Freshness::Fresh) => self.ready(),
            Some(Freshness::Advisory) => {
                if refreshing || quiet {
                    self.ready()
                } else {
                    Ok(Lookup::Refresh(self.start(now)))
                }
            }
            Some(Freshness::Mandatory) => {
                if refreshing {
                    Ok(Lookup::Wait)
                } else if quiet {
                    match &self.failure {
                        Some((error, _)) => Err(error.clone()),
                        None => self.ready(),
                    }
                } else {
                    Ok(Lookup::Refresh(self.start(now)))
                }
            }
            Some(Freshness::Expired) | None => {
                if refreshing {
                    return Ok(Lookup::Wait);
                }
                if let Some((error, until)) = &self.failure
                    && now < *until
                {
                    return Err(error.clone());
                }
                Ok(Lookup::Refresh(self.start(now)))
            }
        }
    }

    /// Takes back a driven [`Refresh`] and returns the credentials to use now: the new ones, or
    /// — when the refresh failed in the advisory window — the old ones.
    ///
    /// # Errors
    ///
    /// The resolution's error when no usable credentials remain (none yet, expired, or inside
    /// the mandatory window); callers asking within `failure_backoff` get it too.
    pub fn complete(
        &mut self,
        mut refresh: Refresh,
        now: UnixTime,
    ) -> Result<&ResolvedAuth, Error> {
        let current_flight = self.flight.is_some_and(|f| f.id == refresh.id);
        if current_flight {
            self.flight = None;
        }
        let outcome = refresh.machine.take_outcome().unwrap_or_else(|| {
            Err(CredentialsError::new(
                None,
                "",
                Problem::Driver {
                    reason: "the refresh was returned before it finished".into(),
                },
            ))
        });
        match outcome {
            Ok(resolved) => {
                self.failure = None;
                self.last_error = None;
                self.current = Some(resolved);
                self.quiet_until = match self.freshness(now) {
                    Some(Freshness::Fresh) => None,
                    _ => now.checked_add(self.policy.retry_interval),
                };
                self.ready_ref()
            }
            Err(e) => {
                let error = Error::from(e);
                self.last_error = Some(error.clone());
                match self.freshness(now) {
                    Some(Freshness::Fresh | Freshness::Advisory) => {
                        // Advisory: keep what works, try again later.
                        self.quiet_until = now.checked_add(self.policy.retry_interval);
                        self.ready_ref()
                    }
                    _ => {
                        if current_flight {
                            let until = now.checked_add(self.policy.failure_backoff).unwrap_or(now);
                            self.failure = Some((error.clone(), until));
                            self.quiet_until = Some(until);
                        }
                        Err(error)
                    }
                }
            }
        }
    }

    /// Gives up a refresh whose driver failed without finishing it; the next caller starts
    /// another.
    pub fn abandon(&mut self, id: u64) {
        if self.flight.is_some_and(|f| f.id == id) {
            self.flight = None;
        }
    }

    /// Forgets the credentials (e.g. after the service answered `ExpiredToken`), so the next
    /// call resolves again.
    pub fn invalidate(&mut self) {
        self.current = None;
        self.quiet_until = None;
        self.failure = None;
    }

    /// A call made with this cache's credentials failed with `error`. An authentication
    /// failure (`ExpiredToken`, a revoked key, a bad signature) means the credentials are no
    /// longer good: they are forgotten, so the next call resolves afresh instead of reusing them
    /// until their stated expiry. Other failures say nothing about the credentials.
    ///
    /// Returns whether the credentials were forgotten.
    pub fn handle_call_error(&mut self, error: &Error) -> bool {
        if error.kind() == crate::error::ErrorKind::Authentication {
            self.invalidate();
            true
        } else {
            false
        }
    }

    /// The cached credentials, whatever their age.
    pub fn current(&self) -> Option<&ResolvedAuth> {
        self.current.as_ref()
    }

    /// The error of the last failed refresh (kept after an advisory failure, for logging);
    /// cleared by a successful one.
    pub fn last_error(&self) -> Option<&Error> {
        self.last_error.as_ref()
    }

    /// How many resolutions this cache has started.
    pub fn resolutions(&self) -> u64 {
        self.next_id
    }

    /// Whether a refresh is running.
    pub fn is_refreshing(&self) -> bool {
        self.flight.is_some()
    }

    fn freshness(&self, now: UnixTime) -> Option<Freshness> {
        let current = self.current.as_ref()?;
        let Some(expires_at) = current.expires_at() else {
            return Some(Freshness::Fresh);
        };
        if expires_at <= now {
            return Some(Freshness::Expired);
        }
        let remaining = expires_at.saturating_duration_since(now);
        Some(if remaining > self.policy.advisory {
            Freshness::Fresh
        } else if remaining > self.policy.mandatory {
            Freshness::Advisory
        } else {
            Freshness::Mandatory
        })
    }

    fn start(&mut self, now: UnixTime) -> Refresh {
        self.next_id += 1;
        self.flight = Some(Flight {
            id: self.next_id,
            started: now,
        });
        Refresh {
            id: self.next_id,
            machine: Box::new(AuthMachine::new(&self.references, self.chain.clone())),
        }
    }

    fn ready(&self) -> Result<Lookup<'_>, Error> {
        self.ready_ref().map(Lookup::Ready)
    }

    fn ready_ref(&self) -> Result<&ResolvedAuth, Error> {
        self.current.as_ref().ok_or_else(|| {
            Error::from(CredentialsError::new(
                None,
                "",
                Problem::Driver {
                    reason: format!("no credentials cached (cache state {self:?})"),
                },
            ))
        })
    }
}
