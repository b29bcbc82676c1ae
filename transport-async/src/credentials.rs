//! Credentials without blocking the executor: the host's resolution machine driven by a task,
//! its HTTP questions (IMDS, ECS/EKS, STS, the SSO portal) answered on this crate's sockets,
//! file reads and `credential_process` on smol's blocking pool.

use std::time::Duration;

use bedrock_core::auth::Auth;
use bedrock_core::credentials::{
    Answer, HttpFailure, HttpFailureKind, HttpRequest, HttpResponse, Machine, Need,
    ResponseCollector, Step,
};
use bedrock_core::error::Error;
use bedrock_core::settings::Route;
use bedrock_host::{CredentialLookup, CredentialSource, Resolution, Waiter};
use smol::future::FutureExt as _;
use smol::io::{AsyncReadExt as _, AsyncWriteExt as _};

use crate::net::{Conn, Connector, Target};

/// The credential for a call to `route`.
pub(crate) async fn auth(
    source: &dyn CredentialSource,
    route: &Route,
    connector: &Connector,
) -> Result<Auth, Error> {
    loop {
        match source.lookup(route)? {
            CredentialLookup::Ready(auth) => return Ok(auth),
            CredentialLookup::Resolve(mut resolution) => {
                drive(&mut resolution, connector).await;
                return resolution.finish();
            }
            CredentialLookup::Wait(_) => {
                smol::Timer::after(Waiter::POLL_INTERVAL).await;
            }
        }
    }
}

/// Answers the resolution's questions until it is done (the outcome stays in it).
async fn drive(resolution: &mut Resolution, connector: &Connector) {
    loop {
        let need = match resolution.poll() {
            Step::Done(_) => return,
            Step::Need(need) => need,
        };
        let answer = match &need {
            Need::Http(request) => Answer::Http(send(connector, request).await),
            // A retry's backoff: wait on a timer, never block the executor.
            Need::Sleep(delay) => {
                smol::Timer::after(*delay).await;
                Answer::Slept
            }
            Need::File(_) | Need::Command(_) | Need::Vault(_) | Need::WriteFile { .. } => {
                let host = resolution.host().clone();
                smol::unblock(move || host.answer(&need)).await
            }
            _ => resolution.host().answer(&need),
        };
        resolution.provide(answer);
    }
}

/// The timeout when a request carries none.
const FALLBACK_TIMEOUT: Duration = Duration::from_secs(30);

/// One credential-service exchange on a new connection, within `request.timeout`. No
/// connection within it is a `Connect` failure (IMDS then stops at once: no retry, no IMDSv1
/// fallback), as the host's `send_plain` reports it.
async fn send(connector: &Connector, request: &HttpRequest) -> Result<HttpResponse, HttpFailure> {
    let timeout = if request.timeout.is_zero() {
        FALLBACK_TIMEOUT
    } else {
        request.timeout
    };
    let deadline = std::time::Instant::now() + timeout;
    let url = request.url();
    let target = Target::new(request.https, &request.host, request.port);
    let connect = async {
        connector
            .connect(&target)
            .await
            .map_err(|e| match e.kind() {
                std::io::ErrorKind::TimedOut => {
                    HttpFailure::connect(format!("{url}: timed out connecting: {e}"))
                }
                _ => HttpFailure::connect(format!("{url}: {e}")),
            })
    };
    let conn = connect
        .or(expire(deadline, HttpFailureKind::Connect, &url, timeout))
        .await?;
    exchange(conn, request)
        .or(expire(deadline, HttpFailureKind::Timeout, &url, timeout))
        .await
}

/// Fails with `kind` at `deadline`.
async fn expire<T>(
    deadline: std::time::Instant,
    kind: HttpFailureKind,
    url: &str,
    timeout: Duration,
) -> Result<T, HttpFailure> {
    smol::Timer::at(deadline).await;
    Err(HttpFailure::new(
        kind,
        format!("{url}: no answer within {} ms", timeout.as_millis()),
    ))
}

async fn exchange(mut conn: Conn, request: &HttpRequest) -> Result<HttpResponse, HttpFailure> {
    let url = request.url();
    let failure = |e: std::io::Error| {
        let kind = match e.kind() {
            std::io::ErrorKind::TimedOut => HttpFailureKind::Timeout,
            _ => HttpFailureKind::Other,
        };
        HttpFailure::new(kind, format!("{url}: {e}"))
    };
    let bytes = request
        .to_http1()
        .map_err(|e| HttpFailure::new(HttpFailureKind::Other, e.to_string()))?;
    conn.write_all(&bytes).await.map_err(failure)?;
    conn.flush().await.map_err(failure)?;
    let mut collector = ResponseCollector::new();
    let mut buf = [0u8; 4096];
    loop {
        match conn.read(&mut buf).await.map_err(failure)? {
            0 => {
                collector.handle_eof()?;
                break;
            }
            n => {
                if collector.handle_input(&buf[..n])? {
                    break;
                }
            }
        }
    }
    collector.finish()
}
