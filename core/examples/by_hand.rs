//! The core driven by hand: one Bedrock call over a plain `std::net::TcpStream`, with no adapter
//! crate. This is the loop to copy into your own runtime.
//!
//! ```sh
//! cargo run -p bedrock-conformance -- serve --port 8080 &
//! AWS_BEARER_TOKEN_BEDROCK=bedrock-api-key-emulator \
//!   cargo run -p bedrock-core --example by_hand -- \
//!   --base-url http://127.0.0.1:8080 --region us-east-1 --model us.anthropic.claude-haiku-4-5 "Hello there"
//! ```
//!
//! Credentials: `AWS_BEARER_TOKEN_BEDROCK` (a Bedrock API key), else `AWS_ACCESS_KEY_ID`,
//! `AWS_SECRET_ACCESS_KEY` and optionally `AWS_SESSION_TOKEN` (SigV4). The answer streams to
//! stdout as it arrives (ConverseStream); an error prints its kind and hint and exits 1.
//!
//! Writing the answer: each text delta goes into a buffered stdout, flushed right before every
//! socket read (the only place this loop waits) and at the end. Text appears as soon as it
//! arrives, and the deltas of one read cost one write, not one each.
//!
//! Plain HTTP only: TLS is the adapters' job (`bedrock-blocking`, `bedrock-async`). With your own
//! TLS, wrap the `TcpStream` and keep the loop. The end-to-end suite runs [`call`] itself (the
//! `by-hand` column of `cargo run -p bedrock-conformance`).
#![allow(
    clippy::disallowed_methods,
    clippy::disallowed_types,
    reason = "this is the outside world the core leaves to its driver: clock, environment, sockets"
)]

use std::hash::{BuildHasher, Hasher, RandomState};
use std::io::{ErrorKind as IoKind, Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::sync::OnceLock;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bedrock_core::auth::Auth;
use bedrock_core::catalog::Provider;
use bedrock_core::error::{Error, ErrorKind};
use bedrock_core::exchange::{Clock, Event, Exchange, ExchangeConfig, Operation};
use bedrock_core::model::{Request, StreamEvent};
use bedrock_core::settings::{Route, RouteInputs, Settings};
use bedrock_core::sigv4::Credentials;
use bedrock_core::time::{Instant, UnixTime};

/// One call (retries included) over plain TCP to `route`: each stream event goes to `on_event`
/// as soon as its frame arrives, and `before_read` runs right before each socket read (where
/// the loop may wait: the moment to flush what `on_event` wrote); the result is the final
/// event, [`Event::Response`] or [`Event::TokenCount`].
///
/// # Errors
///
/// The call's final error (connect and socket failures included, as [`ErrorKind::Io`]), after
/// every event that preceded it went to `on_event`.
#[expect(
    clippy::too_many_arguments,
    reason = "the loop's inputs and its two callbacks, each plain; a struct would only wrap them"
)]
pub fn call(
    route: &Route,
    request: &Request,
    operation: Operation,
    auth: Auth,
    config: &ExchangeConfig,
    connect_timeout: Duration,
    on_event: &mut dyn FnMut(StreamEvent),
    before_read: &mut dyn FnMut(),
) -> Result<Event, Error> {
    if !route.insecure_loopback {
        let message = "this loop speaks plain http:// only; TLS is the adapters' job";
        return Err(Error::new(ErrorKind::Configuration, message));
    }
    let mut ex = Exchange::new(route, request, operation, auth, config, now(), entropy())?;
    let mut socket: Option<TcpStream> = None;
    // The socket's read timeout as last set (`None`: not set on this socket).
    let mut read_timeout = None;
    let mut buf = vec![0u8; 64 * 1024];
    let mut last = None;
    loop {
        while let Some(bytes) = ex.poll_transmit() {
            let sent = match socket.as_mut() {
                Some(s) => s.write_all(&bytes),
                None => {
                    read_timeout = None;
                    connect(route, connect_timeout).and_then(|s| socket.insert(s).write_all(&bytes))
                }
            };
            if let Err(e) = sent {
                socket = None;
                let _ = ex.handle_transport_error(&e.to_string(), now().now);
            }
        }
        while let Some(event) = ex.poll_event() {
            match event {
                Event::Stream(event) => on_event(event),
                Event::Retry {
                    delay,
                    reuse_connection,
                    ..
                } => {
                    if !reuse_connection {
                        socket = None;
                    }
                    std::thread::sleep(delay);
                    ex.retry(now())?; // the next attempt's bytes come out of poll_transmit
                }
                Event::Head { .. } => {}
                done => last = Some(done),
            }
        }
        if ex.is_finished() {
            return match (ex.error(), last) {
                (Some(error), _) => Err(error.clone()),
                (None, Some(done)) => Ok(done),
                (None, None) => Err(Error::new(ErrorKind::Protocol, "finished without a result")),
            };
        }
        // Wait for bytes until the deadline; no deadline yet means a new attempt to send first.
        let Some((deadline, _)) = ex.poll_timeout() else {
            continue;
        };
        let wait = deadline.saturating_duration_since(now().now);
        let read = match socket.as_mut() {
            None => Err(std::io::Error::other("no connection")),
            Some(_) if wait.is_zero() => Err(IoKind::TimedOut.into()),
            Some(s) => {
                before_read();
                read_within(s, &mut buf, wait, &mut read_timeout)
            }
        };
        // A final error is kept in `ex.error()`, and the events decoded before it are still
        // queued: every outcome goes round the loop, which delivers them, then returns it.
        let _ = match read {
            Ok(0) => ex.handle_eof(now().now),
            Ok(n) => ex.handle_input(&buf[..n], now().now),
            Err(e) if matches!(e.kind(), IoKind::WouldBlock | IoKind::TimedOut) => {
                ex.handle_timeout(now().now)
            }
            Err(e) if e.kind() == IoKind::Interrupted => Ok(()),
            Err(e) => {
                socket = None;
                ex.handle_transport_error(&e.to_string(), now().now)
            }
        };
    }
}

/// Reads from `socket`, waiting at most `wait`. The timeout is a syscall to set, so it is set
/// only when the one in place could outlast `wait` or is far shorter, and then a little short
/// of `wait`: a stream whose deadline moves on with every read sets it once, not per read. A
/// read that times out early comes round the loop again, where the exchange sees its deadline
/// has not passed.
fn read_within(
    socket: &mut TcpStream,
    buf: &mut [u8],
    wait: Duration,
    timeout: &mut Option<Duration>,
) -> std::io::Result<usize> {
    if timeout.is_none_or(|t| t > wait || t < wait / 2) {
        let t = wait - wait / 8;
        socket.set_read_timeout(Some(t))?;
        *timeout = Some(t);
    }
    socket.read(buf)
}

/// Connects to the route's host and port.
fn connect(route: &Route, timeout: Duration) -> std::io::Result<TcpStream> {
    let host = route.host.trim_start_matches('[').trim_end_matches(']');
    let mut last = std::io::Error::new(IoKind::NotFound, format!("{host}: no address"));
    for addr in (host, route.port).to_socket_addrs()? {
        match TcpStream::connect_timeout(&addr, timeout) {
            Ok(s) => return s.set_nodelay(true).map(|()| s),
            Err(e) => last = e,
        }
    }
    Err(last)
}

/// The two clocks the core takes as inputs: wall time (signing) and a monotonic instant
/// (deadlines), here time since the first call.
pub fn now() -> Clock {
    static ORIGIN: OnceLock<std::time::Instant> = OnceLock::new();
    let since = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    Clock {
        wall: UnixTime::from_duration(since).unwrap_or(UnixTime::UNIX_EPOCH),
        now: Instant::from_duration(ORIGIN.get_or_init(std::time::Instant::now).elapsed()),
    }
}

/// 32 unpredictable bytes (invocation id, retry jitter) from std's randomly keyed hasher.
pub fn entropy() -> [u8; 32] {
    let state = RandomState::new();
    let mut out = [0u8; 32];
    for (i, chunk) in out.chunks_exact_mut(8).enumerate() {
        let mut hasher = state.build_hasher();
        hasher.write_usize(i);
        chunk.copy_from_slice(&hasher.finish().to_le_bytes());
    }
    out
}

/// `AWS_BEARER_TOKEN_BEDROCK`, else SigV4 keys from the environment.
fn auth_from_env() -> Result<Auth, String> {
    let var = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
    if let Some(auth) = var("AWS_BEARER_TOKEN_BEDROCK").and_then(|k| Auth::bearer_from_value(&k)) {
        return Ok(auth);
    }
    let (Some(id), Some(secret)) = (var("AWS_ACCESS_KEY_ID"), var("AWS_SECRET_ACCESS_KEY")) else {
        return Err(
            "set AWS_BEARER_TOKEN_BEDROCK, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY".into(),
        );
    };
    let credentials = Credentials::new(id, secret).map_err(|e| e.to_string())?;
    Ok(Auth::SigV4(credentials.with_session_token(
        var("AWS_SESSION_TOKEN").unwrap_or_default(),
    )))
}

/// The route to `model` at `base_url`, signing for `region` (a loopback host names none).
fn route(base_url: &str, region: &str, model: &str) -> Result<Route, String> {
    let mut settings = Settings::default();
    settings.set_enabled(Provider::Bedrock, true);
    settings
        .override_endpoint(Provider::Bedrock, Some(base_url), Some(region))
        .map_err(|e| e.to_string())?;
    settings
        .route(model, &RouteInputs::default())
        .map_err(|e| e.to_string())
}

fn main() -> std::process::ExitCode {
    let usage = "usage: by_hand --base-url http://HOST:PORT --region R --model ID PROMPT";
    let (mut base_url, mut region, mut model, mut prompt) = (None, None, None, None);
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let slot = match arg.as_str() {
            "--base-url" => &mut base_url,
            "--region" => &mut region,
            "--model" => &mut model,
            _ if prompt.is_none() && !arg.starts_with('-') => {
                prompt = Some(arg);
                continue;
            }
            _ => {
                eprintln!("by_hand: unexpected argument {arg:?}\n{usage}");
                return std::process::ExitCode::from(2);
            }
        };
        *slot = args.next();
    }
    let (Some(base_url), Some(region), Some(model), Some(prompt)) =
        (base_url, region, model, prompt)
    else {
        eprintln!("{usage}");
        return std::process::ExitCode::from(2);
    };
    let setup = route(&base_url, &region, &model).and_then(|r| Ok((r, auth_from_env()?)));
    let (route, auth) = match setup {
        Ok(setup) => setup,
        Err(message) => {
            eprintln!("by_hand: {message}");
            return std::process::ExitCode::from(2);
        }
    };
    let request = Request::new(model).user(prompt);
    let stdout = std::cell::RefCell::new(std::io::BufWriter::new(std::io::stdout().lock()));
    let mut print = |event: StreamEvent| {
        if let StreamEvent::TextDelta { text, .. } = event {
            let _ = stdout.borrow_mut().write_all(text.as_bytes());
        }
    };
    let mut flush = || {
        let _ = stdout.borrow_mut().flush();
    };
    // The text is printed as it arrives, so the final response need not repeat it.
    let mut config = ExchangeConfig::default();
    config.keep_streamed_text = false;
    let result = call(
        &route,
        &request,
        Operation::ConverseStream,
        auth,
        &config,
        Duration::from_secs(10),
        &mut print,
        &mut flush,
    );
    let mut stdout = stdout.into_inner();
    let _ = writeln!(stdout).and_then(|()| stdout.flush());
    match result {
        Ok(_) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error ({:?}): {error}", error.kind());
            if let Some(hint) = error.hint() {
                eprintln!("hint: {hint}");
            }
            std::process::ExitCode::FAILURE
        }
    }
}
