//! HTTP for the credential sources: plain `http://` over a `std` socket (IMDS, container
//! endpoints, loopback emulators), `https://` through a transport the adapter supplies.

use std::io::{ErrorKind, Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::{Duration, Instant};

use bedrock_core::credentials::{
    HttpFailure, HttpFailureKind, HttpRequest, HttpResponse, ResponseCollector,
};

/// Sends an `https://` credential request (STS, the SSO portal, an https container endpoint).
///
/// The host has no TLS of its own: each adapter plugs in its client (ureq for the blocking
/// adapter). `request.headers` already holds `Host` and `Content-Length`; a client that sets
/// them itself must send the same values, because the STS signature covers `Host`.
/// Honour [`HttpRequest::timeout`] and report failures with the matching
/// [`HttpFailureKind`].
///
/// Closures `Fn(&HttpRequest) -> Result<HttpResponse, HttpFailure>` implement it.
pub trait HttpsTransport: Send + Sync {
    /// Performs the exchange.
    ///
    /// # Errors
    ///
    /// An [`HttpFailure`] when no response arrived.
    fn send(&self, request: &HttpRequest) -> Result<HttpResponse, HttpFailure>;
}

impl<F> HttpsTransport for F
where
    F: Fn(&HttpRequest) -> Result<HttpResponse, HttpFailure> + Send + Sync,
{
    fn send(&self, request: &HttpRequest) -> Result<HttpResponse, HttpFailure> {
        self(request)
    }
}

/// Sends a plain-`http` request over a new TCP connection and reads the whole response with
/// the core's HTTP/1.1 reader, within `request.timeout` overall.
///
/// # Errors
///
/// [`HttpFailureKind::Unsupported`] for an `https` request; `Connect` when no address
/// accepted in time; `Timeout` when the deadline passed once connected; `Other` for a reset or malformed response.
pub fn send_plain(request: &HttpRequest) -> Result<HttpResponse, HttpFailure> {
    if request.https {
        return Err(HttpFailure::new(
            HttpFailureKind::Unsupported,
            "https needs the adapter's TLS transport",
        ));
    }
    let timeout = if request.timeout.is_zero() {
        FALLBACK_TIMEOUT
    } else {
        request.timeout
    };
    let deadline = Instant::now() + timeout;
    let remaining = || {
        deadline
            .checked_duration_since(Instant::now())
            .filter(|d| !d.is_zero())
            .ok_or_else(|| HttpFailure::timeout(format!("after {timeout:?}")))
    };
    let addresses = (request.host.as_str(), request.port)
        .to_socket_addrs()
        .map_err(|e| HttpFailure::connect(format!("cannot resolve {}: {e}", request.host)))?;
    let mut last_error = HttpFailure::connect(format!("{} has no address", request.host));
    let mut stream = None;
    for address in addresses {
        let left = remaining().map_err(|_| {
            HttpFailure::connect(format!("timed out connecting to {}", request.host))
        })?;
        match TcpStream::connect_timeout(&address, left) {
            Ok(s) => {
                stream = Some(s);
                break;
            }
            Err(e) if e.kind() == ErrorKind::TimedOut => {
                // No connection within the timeout is a connection failure, not a read
                // timeout: IMDS then stops at once instead of retrying or falling back.
                last_error = HttpFailure::connect(format!("timed out connecting to {address}"));
            }
            Err(e) => last_error = HttpFailure::connect(format!("{address}: {e}")),
        }
    }
    let mut stream = stream.ok_or(last_error)?;
    let _ = stream.set_nodelay(true);

    let bytes = request
        .to_http1()
        .map_err(|e| HttpFailure::new(HttpFailureKind::Other, e.to_string()))?;
    stream
        .set_write_timeout(Some(remaining()?))
        .map_err(other)?;
    stream.write_all(&bytes).map_err(io_failure)?;

    let mut collector = ResponseCollector::new();
    let mut buf = [0u8; 8192];
    loop {
        stream.set_read_timeout(Some(remaining()?)).map_err(other)?;
        match stream.read(&mut buf) {
            Ok(0) => {
                collector.handle_eof()?;
                break;
            }
            Ok(n) => {
                if collector.handle_input(&buf[..n])? {
                    break;
                }
            }
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) => return Err(io_failure(e)),
        }
    }
    collector.finish()
}

fn io_failure(e: std::io::Error) -> HttpFailure {
    match e.kind() {
        ErrorKind::TimedOut | ErrorKind::WouldBlock => HttpFailure::timeout(e.to_string()),
        _ => other(e),
    }
}

fn other(e: std::io::Error) -> HttpFailure {
    HttpFailure::new(HttpFailureKind::Other, e.to_string())
}

/// The timeout the host applies when a request carries none.
const FALLBACK_TIMEOUT: Duration = Duration::from_secs(30);
