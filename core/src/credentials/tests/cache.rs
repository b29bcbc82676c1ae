//! The refreshing cache with virtual time: one resolution per burst, advisory and mandatory
//! refresh windows, failure backoff.

use super::*;
use crate::settings::CredentialRef;

const MIN: u64 = 60;

/// A driver whose `credential_process` hands out credentials expiring at a moving time, or
/// fails when `fail` is set.
struct Source {
    fake: Fake,
    expires: u64,
    fail: bool,
    serial: u32,
}

impl Source {
    fn new(expires: u64) -> Self {
        Self {
            fake: Fake::new().config("[default]\ncredential_process = creds\n"),
            expires,
            fail: false,
            serial: 0,
        }
    }

    fn answer(&mut self, need: &Need) -> Answer {
        if let Need::Command(_) = need {
            self.serial += 1;
            let out = if self.fail {
                output(1, "", "network down")
            } else {
                output(
                    0,
                    &format!(
                        r#"{{"Version":1,"AccessKeyId":"ASIA{}","SecretAccessKey":"S3CR3T","SessionToken":"S3CR3T-t","Expiration":"{}"}}"#,
                        self.serial,
                        iso(self.expires)
                    ),
                    "",
                )
            };
            self.fake.commands.push_back(("creds".into(), out));
        }
        self.fake.answer(need)
    }

    /// How many times the chain was walked (each walk starts with `AWS_ACCESS_KEY_ID`).
    fn walks(&self) -> usize {
        self.fake.env_asks("AWS_ACCESS_KEY_ID")
    }
}

fn new_cache() -> CredentialCache {
    CredentialCache::new(&[CredentialRef::AwsSigV4], ChainConfig::default())
}

fn key_of(lookup: &Lookup<'_>) -> Option<String> {
    match lookup {
        Lookup::Ready(resolved) => match &resolved.auth {
            crate::auth::Auth::SigV4(c) => Some(c.access_key_id().into()),
            crate::auth::Auth::Bearer(_) => None,
        },
        _ => None,
    }
}

/// 100 concurrent calls: the first gets the refresh job, the rest get `ready` or `Wait`.
fn burst(cache: &mut CredentialCache, now: u64) -> (Vec<Refresh>, usize, Vec<String>) {
    let mut refreshes = Vec::new();
    let mut waits = 0;
    let mut ready = Vec::new();
    for _ in 0..100 {
        match cache.credentials(at(now)).unwrap() {
            Lookup::Refresh(refresh) => refreshes.push(refresh),
            Lookup::Wait => waits += 1,
            lookup @ Lookup::Ready(_) => ready.push(key_of(&lookup).unwrap()),
        }
    }
    (refreshes, waits, ready)
}

fn finish(
    cache: &mut CredentialCache,
    source: &mut Source,
    mut refresh: Refresh,
    now: u64,
) -> Result<String, crate::error::Error> {
    source.fake.now = now;
    let _ = drive(&mut refresh, |need| source.answer(need));
    cache.complete(refresh, at(now)).map(|r| match &r.auth {
        crate::auth::Auth::SigV4(c) => c.access_key_id().into(),
        crate::auth::Auth::Bearer(_) => String::new(),
    })
}

#[test]
fn a_burst_of_100_calls_walks_the_chain_once_and_refreshes_once() {
    let mut source = Source::new(T0 + 60 * MIN);
    let mut cache = new_cache();

    // Cold: one caller resolves, 99 wait.
    let (mut refreshes, waits, ready) = burst(&mut cache, T0);
    assert_eq!((refreshes.len(), waits, ready.len()), (1, 99, 0));
    assert!(cache.is_refreshing());
    assert_eq!(
        finish(&mut cache, &mut source, refreshes.remove(0), T0).unwrap(),
        "ASIA1"
    );
    // The 99 waiters come back and all get the same credentials.
    let (refreshes, waits, ready) = burst(&mut cache, T0 + 1);
    assert_eq!((refreshes.len(), waits), (0, 0));
    assert!(ready.iter().all(|k| k == "ASIA1"));
    assert_eq!((source.walks(), cache.resolutions()), (1, 1));

    // Still fresh 40 minutes later (20 left): no refresh.
    let (refreshes, _, _) = burst(&mut cache, T0 + 40 * MIN);
    assert!(refreshes.is_empty());

    // 14 minutes left (advisory): one caller refreshes, 99 keep the old credentials.
    source.expires = T0 + 120 * MIN;
    let now = T0 + 46 * MIN;
    let (mut refreshes, waits, ready) = burst(&mut cache, now);
    assert_eq!((refreshes.len(), waits, ready.len()), (1, 0, 99));
    assert!(ready.iter().all(|k| k == "ASIA1"));
    assert_eq!(
        finish(&mut cache, &mut source, refreshes.remove(0), now).unwrap(),
        "ASIA2"
    );
    let (refreshes, _, ready) = burst(&mut cache, now + 1);
    assert!(refreshes.is_empty());
    assert!(ready.iter().all(|k| k == "ASIA2"));
    assert_eq!(
        (source.walks(), cache.resolutions()),
        (2, 2),
        "one chain walk per resolution"
    );
    assert!(cache.last_error().is_none());
}

#[test]
fn advisory_refresh_failure_keeps_the_old_credentials() {
    let mut source = Source::new(T0 + 60 * MIN);
    let mut cache = new_cache();
    let Lookup::Refresh(refresh) = cache.credentials(at(T0)).unwrap() else {
        panic!()
    };
    finish(&mut cache, &mut source, refresh, T0).unwrap();

    let now = T0 + 47 * MIN; // 13 minutes left
    source.fail = true;
    let Lookup::Refresh(refresh) = cache.credentials(at(now)).unwrap() else {
        panic!("advisory refresh")
    };
    // Another caller meanwhile still gets the old credentials.
    assert_eq!(
        key_of(&cache.credentials(at(now)).unwrap()).as_deref(),
        Some("ASIA1")
    );
    assert_eq!(
        finish(&mut cache, &mut source, refresh, now).unwrap(),
        "ASIA1",
        "old credentials kept"
    );
    let error = cache.last_error().unwrap();
    assert!(
        error
            .message()
            .contains("exited with status 1: network down"),
        "{error}"
    );
    assert_redacted(&format!("{cache:?}"));
    // No new attempt for `retry_interval` (60 s); then one.
    assert_eq!(
        key_of(&cache.credentials(at(now + 30)).unwrap()).as_deref(),
        Some("ASIA1")
    );
    source.fail = false;
    source.expires = T0 + 180 * MIN;
    let Lookup::Refresh(refresh) = cache.credentials(at(now + 61)).unwrap() else {
        panic!("retry")
    };
    assert_eq!(
        finish(&mut cache, &mut source, refresh, now + 61).unwrap(),
        "ASIA3"
    );
}

#[test]
fn mandatory_refresh_failure_is_an_error() {
    let mut source = Source::new(T0 + 60 * MIN);
    let mut cache = new_cache();
    let Lookup::Refresh(refresh) = cache.credentials(at(T0)).unwrap() else {
        panic!()
    };
    finish(&mut cache, &mut source, refresh, T0).unwrap();

    let now = T0 + 52 * MIN; // 8 minutes left: mandatory
    source.fail = true;
    let Lookup::Refresh(refresh) = cache.credentials(at(now)).unwrap() else {
        panic!("mandatory refresh")
    };
    // Others wait for it rather than use credentials this close to expiry.
    assert!(matches!(cache.credentials(at(now)).unwrap(), Lookup::Wait));
    let error = finish(&mut cache, &mut source, refresh, now).unwrap_err();
    assert_eq!(error.kind(), crate::error::ErrorKind::NoCredentials);
    assert!(
        error
            .message()
            .contains("credential_process (profile 'default'): exited with status 1")
    );
    // The waiters get the same error during the backoff, without another walk.
    let walks = source.walks();
    let again = cache.credentials(at(now + 2)).unwrap_err();
    assert_eq!(again, error);
    assert_eq!(source.walks(), walks);
    // After the backoff, a new attempt.
    source.fail = false;
    source.expires = now + 60 * MIN;
    let Lookup::Refresh(refresh) = cache.credentials(at(now + 6)).unwrap() else {
        panic!("after backoff")
    };
    assert_eq!(
        finish(&mut cache, &mut source, refresh, now + 6).unwrap(),
        "ASIA3"
    );
}

#[test]
fn expired_credentials_and_cold_failures() {
    // Cold failure: an error for everyone during the backoff.
    let mut source = Source::new(T0 + 60 * MIN);
    source.fail = true;
    let mut cache = new_cache();
    let Lookup::Refresh(refresh) = cache.credentials(at(T0)).unwrap() else {
        panic!()
    };
    assert!(finish(&mut cache, &mut source, refresh, T0).is_err());
    assert!(cache.credentials(at(T0 + 1)).is_err());
    assert!(matches!(
        cache.credentials(at(T0 + 5)).unwrap(),
        Lookup::Refresh(_)
    ));

    // Expired credentials are never handed out.
    let mut source = Source::new(T0 + 60 * MIN);
    let mut cache = new_cache();
    let Lookup::Refresh(refresh) = cache.credentials(at(T0)).unwrap() else {
        panic!()
    };
    finish(&mut cache, &mut source, refresh, T0).unwrap();
    let now = T0 + 61 * MIN;
    let Lookup::Refresh(refresh) = cache.credentials(at(now)).unwrap() else {
        panic!("expired")
    };
    assert!(matches!(cache.credentials(at(now)).unwrap(), Lookup::Wait));
    source.expires = now + 60 * MIN;
    assert_eq!(
        finish(&mut cache, &mut source, refresh, now).unwrap(),
        "ASIA2"
    );
}

#[test]
fn short_lived_credentials_are_not_refreshed_on_every_call() {
    // The source hands out credentials with 8 minutes left (an instance role about to rotate).
    let mut source = Source::new(T0 + 8 * MIN);
    let mut cache = new_cache();
    let Lookup::Refresh(refresh) = cache.credentials(at(T0)).unwrap() else {
        panic!()
    };
    finish(&mut cache, &mut source, refresh, T0).unwrap();
    for second in 1..60 {
        assert!(matches!(
            cache.credentials(at(T0 + second)).unwrap(),
            Lookup::Ready(_)
        ));
    }
    assert!(matches!(
        cache.credentials(at(T0 + 60)).unwrap(),
        Lookup::Refresh(_)
    ));
}

#[test]
fn abandoned_and_stale_refreshes_and_invalidation() {
    let mut source = Source::new(T0 + 60 * MIN);
    let mut cache = new_cache();
    let Lookup::Refresh(first) = cache.credentials(at(T0)).unwrap() else {
        panic!()
    };
    cache.abandon(first.id());
    let Lookup::Refresh(second) = cache.credentials(at(T0)).unwrap() else {
        panic!("abandoned")
    };
    // A driver that died: after `stale_after` another caller takes over.
    assert!(matches!(
        cache.credentials(at(T0 + 299)).unwrap(),
        Lookup::Wait
    ));
    let Lookup::Refresh(third) = cache.credentials(at(T0 + 300)).unwrap() else {
        panic!("stale")
    };
    assert_eq!((second.id(), third.id()), (2, 3));
    // Returning a refresh that was never driven is an error, not a panic.
    assert!(cache.complete(second, at(T0 + 300)).is_err());
    assert_eq!(
        finish(&mut cache, &mut source, third, T0 + 300).unwrap(),
        "ASIA1"
    );

    cache.invalidate();
    assert!(cache.current().is_none());
    assert!(matches!(
        cache.credentials(at(T0 + 301)).unwrap(),
        Lookup::Refresh(_)
    ));

    // Bearer keys never expire: never refreshed.
    let mut cache = CredentialCache::new(
        &[CredentialRef::Env("BEDROCK_API_KEY".into())],
        ChainConfig::default(),
    )
    .with_policy(RefreshPolicy::default());
    let Lookup::Refresh(mut refresh) = cache.credentials(at(T0)).unwrap() else {
        panic!()
    };
    let mut fake = Fake::new().env("BEDROCK_API_KEY", "ABSKS3CR3T");
    drive(&mut refresh, |need| fake.answer(need)).unwrap();
    cache.complete(refresh, at(T0)).unwrap();
    assert!(matches!(
        cache.credentials(at(T0 + 365 * 24 * 3600)).unwrap(),
        Lookup::Ready(_)
    ));
    assert_redacted(&format!("{cache:?}"));
}

#[test]
fn an_authentication_failure_forgets_the_credentials_and_nothing_else_does() {
    use crate::error::{Error, ErrorKind};
    let mut source = Source::new(T0 + 60 * MIN);
    let mut cache = new_cache();
    let Lookup::Refresh(refresh) = cache.credentials(at(T0)).unwrap() else {
        panic!()
    };
    finish(&mut cache, &mut source, refresh, T0).unwrap();

    for kind in [
        ErrorKind::Throttling,
        ErrorKind::AccessDenied,
        ErrorKind::Validation,
        ErrorKind::Io,
        ErrorKind::TruncatedStream,
    ] {
        assert!(!cache.handle_call_error(&Error::new(kind, "x")), "{kind}");
        assert!(matches!(
            cache.credentials(at(T0 + 1)).unwrap(),
            Lookup::Ready(_)
        ));
    }
    let expired = Error::from_response(
        403,
        Some("ExpiredTokenException"),
        None,
        br#"{"message":"The security token included in the request is expired"}"#,
    );
    assert!(cache.handle_call_error(&expired));
    assert!(cache.current().is_none());
    let Lookup::Refresh(refresh) = cache.credentials(at(T0 + 2)).unwrap() else {
        panic!("the next call resolves afresh")
    };
    assert_eq!(
        finish(&mut cache, &mut source, refresh, T0 + 2).unwrap(),
        "ASIA2"
    );
}
