//! The Bedrock emulator: a loopback HTTP/1.1 server that answers like Amazon Bedrock Runtime
//! closely enough that boto3 accepts everything it sends, and that can inject every fault a real
//! network or service produces.
//!
//! It also serves the mantle endpoint's OpenAI Responses API (`POST /openai/v1/responses`,
//! JSON or server-sent events, bearer keys only, `store: false` required; `EMULATOR.md`,
//! "Responses (mantle)").
//!
//! It serves `POST /model/{modelId}/converse`, `/converse-stream` and `/count-tokens`, verifies
//! SigV4 (by recomputing the signature with the core's signer from the request as received) and
//! Bedrock API keys (`Authorization: Bearer`), validates bodies, and picks a deterministic
//! scenario from markers such as `[scenario:tool_use]`, `[throttle:2]` or `[drip:50]` in the
//! last user message or the model id. `emulator/EMULATOR.md` holds the full trigger table.
//!
//! It reuses the core's codecs and nothing is written twice: event-stream frames come from
//! [`bedrock_core::eventstream::Message::encode`], the Converse response JSON from
//! [`bedrock_core::converse::ConverseResponse`], signatures from
//! [`bedrock_core::sigv4::canonical_request`] and friends, chunked request bodies are de-framed by
//! [`bedrock_core::http1::ChunkedDecoder`], and request heads are parsed with `httparse`.
//!
//! ```no_run
//! use bedrock_emulator::{Emulator, EmulatorConfig};
//!
//! let emulator = Emulator::start(EmulatorConfig::default())?;
//! println!("point your client at {}", emulator.endpoint_url());
//! // ... drive requests; `emulator.requests()` says what the emulator saw and answered ...
//! emulator.shutdown();
//! # Ok::<(), std::io::Error>(())
//! ```
//!
//! ## HTTPS
//!
//! [`EmulatorConfig::with_tls`] adds a second listener that serves the same emulator (one
//! request log, one set of retry counters) over TLS 1.2/1.3. At start the emulator makes a
//! throwaway certificate authority and a server certificate for `127.0.0.1`, `::1` and
//! `localhost` signed by it; clients trust [`EmulatorHandle::ca_pem`] and call
//! [`EmulatorHandle::https_endpoint_url`]. Nothing is written to disk; the keys live as long as
//! the emulator. [`RequestRecord::tls`] says which listener a request came through.
//!
//! ```no_run
//! use bedrock_emulator::{Emulator, EmulatorConfig};
//!
//! let emulator = Emulator::start(EmulatorConfig::default().with_tls())?;
//! let url = emulator.https_endpoint_url().expect("TLS is on");   // "https://127.0.0.1:PORT"
//! let ca = emulator.ca_pem().expect("TLS is on");                // PEM, "-----BEGIN CERTIFICATE-----..."
//! # let _ = (url, ca);
//! # Ok::<(), std::io::Error>(())
//! ```
//!
//! ## Threads
//!
//! One accept thread per listener and one thread per connection (with a small stack,
//! [`EmulatorConfig::with_connection_stack_size`], so ten thousand open connections cost little
//! memory; the listen backlog is 4096); connections are kept alive between requests.
//! [`EmulatorHandle::open_connections`] counts the connections whose thread is still running,
//! which is how adapter tests prove that a dropped stream closed its socket. Every wait (an idle
//! keep-alive connection, a drip, a stall, a slow head) polls in short slices or sleeps until
//! shutdown signals it, so [`EmulatorHandle::shutdown`] (also run on drop) ends every thread
//! within a fraction of a second. A stalled response ends when the client disconnects or after
//! [`EmulatorConfig::with_stall_limit`].
//!
//! ## Defaults
//!
//! | setting | default |
//! |---|---|
//! | address | `127.0.0.1`, port 0 (any free port) |
//! | SigV4 access key id / secret | [`DEFAULT_ACCESS_KEY_ID`] / [`DEFAULT_SECRET_ACCESS_KEY`] (the AWS documentation pair) |
//! | session token | none (a request carrying one is rejected) |
//! | Bedrock API key | [`DEFAULT_API_KEY`] |
//! | region | any: taken from the request's credential scope |
//! | clock | the system clock; `x-amz-date` may differ from it by at most 5 minutes |
//! | stall limit | 120 s |
//! | silent connection closed after | 60 s |
//! | HTTPS | off ([`EmulatorConfig::with_tls`]) |
//! | connection thread stack | 512 KiB (of which a connection touches a few dozen) |

mod auth;
mod errors;
mod maybe_tls;
pub mod raw;
mod request;
mod responses;
mod rng;
mod scenario;
mod script;
pub mod secrets;
pub mod serve;
mod server;
mod service;
mod stream;
mod tls;
mod validate;

use std::collections::VecDeque;
use std::fmt;
use std::io;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use bedrock_core::time::UnixTime;

/// The access key id the emulator accepts by default (the AWS documentation example).
pub const DEFAULT_ACCESS_KEY_ID: &str = "AKIDEXAMPLE";
/// The secret access key the emulator accepts by default (the AWS documentation example).
pub const DEFAULT_SECRET_ACCESS_KEY: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
/// The Bedrock API key the emulator accepts by default.
pub const DEFAULT_API_KEY: &str = "bedrock-api-key-emulator";
/// The SigV4 signing name of Bedrock Runtime.
pub const SIGNING_SERVICE: &str = "bedrock";
/// The message Bedrock answers a rejected API key with (403).
pub const API_KEY_REJECTED: &str = "Authentication failed: Please make sure your API Key is valid.";

/// Where the emulator's "now" comes from, for the `x-amz-date` skew check and the `Date` header.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Clock {
    /// The system clock.
    #[default]
    System,
    /// A fixed instant, for replaying requests signed at a known time (conformance vectors).
    Fixed(UnixTime),
    /// The system clock this many seconds ahead (negative: behind): a server whose clock is
    /// skewed against the client's, for the `Date`-header skew correction.
    Offset(i64),
}

impl Clock {
    /// The current time by this clock.
    pub fn now(self) -> UnixTime {
        match self {
            // As `bedrock_host::wall_clock` (the emulator does not depend on the host crate):
            // the epoch if the system clock is before 1970.
            Self::System => std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .ok()
                .and_then(|since| UnixTime::from_duration(since).ok())
                .unwrap_or(UnixTime::UNIX_EPOCH),
            Self::Fixed(time) => time,
            Self::Offset(secs) => {
                let now = Self::System.now();
                let by = Duration::from_secs(secs.unsigned_abs());
                if secs >= 0 {
                    now.checked_add(by)
                } else {
                    now.checked_sub(by)
                }
                .unwrap_or(now)
            }
        }
    }
}

/// How the emulator is set up. Start from [`EmulatorConfig::default`] and change what you need
/// with the `with_*` methods.
///
/// `Debug` prints the access key id but neither the secret, the session token nor the API key.
#[derive(Clone)]
pub struct EmulatorConfig {
    port: u16,
    access_key_id: String,
    secret_access_key: String,
    session_token: Option<String>,
    api_key: String,
    clock: Clock,
    max_skew: Option<Duration>,
    seed: u64,
    stall_limit: Duration,
    idle_timeout: Duration,
    tls_port: Option<u16>,
    connection_stack_size: usize,
}

/// The stack of each connection thread. The deepest code on it is `serde_json` parsing a request
/// body nested to its recursion limit (128 levels): about 240 KiB in an unoptimized build, far
/// less optimized (a test runs it at this size). Only the pages a thread touches cost memory.
const DEFAULT_CONNECTION_STACK: usize = 512 * 1024;

impl Default for EmulatorConfig {
    fn default() -> Self {
        Self {
            port: 0,
            access_key_id: DEFAULT_ACCESS_KEY_ID.into(),
            secret_access_key: DEFAULT_SECRET_ACCESS_KEY.into(),
            session_token: None,
            api_key: DEFAULT_API_KEY.into(),
            clock: Clock::System,
            max_skew: Some(Duration::from_secs(5 * 60)),
            seed: 0x5EED_BED0_C0DE,
            stall_limit: Duration::from_secs(120),
            idle_timeout: Duration::from_secs(60),
            tls_port: None,
            connection_stack_size: DEFAULT_CONNECTION_STACK,
        }
    }
}

impl fmt::Debug for EmulatorConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EmulatorConfig")
            .field("port", &self.port)
            .field("access_key_id", &self.access_key_id)
            .field(
                "session_token",
                &self.session_token.as_ref().map(|_| "** redacted **"),
            )
            .field("clock", &self.clock)
            .field("max_skew", &self.max_skew)
            .field("seed", &self.seed)
            .field("stall_limit", &self.stall_limit)
            .field("idle_timeout", &self.idle_timeout)
            .field("tls_port", &self.tls_port)
            .field("connection_stack_size", &self.connection_stack_size)
            .finish_non_exhaustive()
    }
}

impl EmulatorConfig {
    /// The TCP port on 127.0.0.1 (0, the default, picks a free one).
    #[must_use]
    pub fn with_port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }

    /// The SigV4 credentials accepted.
    #[must_use]
    pub fn with_credentials(
        mut self,
        access_key_id: impl Into<String>,
        secret_access_key: impl Into<String>,
    ) -> Self {
        self.access_key_id = access_key_id.into();
        self.secret_access_key = secret_access_key.into();
        self
    }

    /// Requires this session token (`X-Amz-Security-Token`, signed) on every SigV4 request.
    #[must_use]
    pub fn with_session_token(mut self, token: impl Into<String>) -> Self {
        self.session_token = Some(token.into());
        self
    }

    /// The Bedrock API key accepted as `Authorization: Bearer <key>`.
    #[must_use]
    pub fn with_api_key(mut self, key: impl Into<String>) -> Self {
        self.api_key = key.into();
        self
    }

    /// The clock; [`Clock::Fixed`] replays requests signed at a known instant.
    #[must_use]
    pub fn with_clock(mut self, clock: Clock) -> Self {
        self.clock = clock;
        self
    }

    /// Accepts any `x-amz-date`, however far from the clock (the signature must still match).
    #[must_use]
    pub fn accept_any_date(mut self) -> Self {
        self.max_skew = None;
        self
    }

    /// The most `x-amz-date` may differ from the clock (default 5 minutes, as AWS).
    #[must_use]
    pub fn with_max_skew(mut self, skew: Duration) -> Self {
        self.max_skew = Some(skew);
        self
    }

    /// The seed of the pseudo-random chunk boundaries, padding lengths and request ids. The same
    /// seed and the same request give byte-identical responses.
    #[must_use]
    pub fn with_seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// How long a `[stall]` response holds its connection at most when the client does not
    /// disconnect first (default 120 s).
    #[must_use]
    pub fn with_stall_limit(mut self, limit: Duration) -> Self {
        self.stall_limit = limit;
        self
    }

    /// How long a connection may stay silent while the emulator waits for a request or the rest
    /// of one (default 60 s); then it is closed.
    #[must_use]
    pub fn with_idle_timeout(mut self, timeout: Duration) -> Self {
        self.idle_timeout = timeout;
        self
    }

    /// Also serves HTTPS, on another free port of 127.0.0.1, with a certificate from a throwaway
    /// CA made at start (see [HTTPS](self#https)).
    #[must_use]
    pub fn with_tls(self) -> Self {
        self.with_tls_port(0)
    }

    /// Also serves HTTPS on this port of 127.0.0.1 (0 picks a free one).
    #[must_use]
    pub fn with_tls_port(mut self, port: u16) -> Self {
        self.tls_port = Some(port);
        self
    }

    /// The stack size of each connection thread (default 512 KiB; at least 64 KiB is used).
    #[must_use]
    pub fn with_connection_stack_size(mut self, bytes: usize) -> Self {
        self.connection_stack_size = bytes.max(64 * 1024);
        self
    }
}

/// A Bedrock Runtime operation the emulator serves.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Operation {
    /// `POST /model/{modelId}/converse`.
    Converse,
    /// `POST /model/{modelId}/converse-stream`.
    ConverseStream,
    /// `POST /model/{modelId}/count-tokens`.
    CountTokens,
}

impl Operation {
    /// The last path segment, e.g. `converse-stream`.
    pub fn path_suffix(self) -> &'static str {
        match self {
            Self::Converse => "converse",
            Self::ConverseStream => "converse-stream",
            Self::CountTokens => "count-tokens",
        }
    }

    fn from_path_suffix(suffix: &str) -> Option<Self> {
        [Self::Converse, Self::ConverseStream, Self::CountTokens]
            .into_iter()
            .find(|op| op.path_suffix() == suffix)
    }
}

/// How a request authenticated.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AuthKind {
    /// A valid Bedrock API key.
    Bearer,
    /// A valid SigV4 signature, for the region of its credential scope.
    SigV4 {
        /// The region of the credential scope.
        region: String,
    },
}

/// What the emulator saw and answered, one per request, in arrival order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RequestRecord {
    /// The `x-amzn-RequestId` answered.
    pub request_id: String,
    /// The operation, when the path named one.
    pub operation: Option<Operation>,
    /// The decoded model id, when the path had one.
    pub model_id: Option<String>,
    /// How the request authenticated; `None` when it did not.
    pub auth: Option<AuthKind>,
    /// The HTTP status answered.
    pub status: u16,
    /// The `x-amzn-ErrorType` answered, for errors.
    pub error_type: Option<String>,
    /// The `amz-sdk-request` header (`attempt=N; max=M`), when the client sent one.
    pub sdk_attempt: Option<String>,
    /// Whether it came through the HTTPS listener.
    pub tls: bool,
}

/// The emulator; see the [module docs](self).
#[derive(Debug)]
pub struct Emulator;

impl Emulator {
    /// Binds `127.0.0.1:<port>` (and the HTTPS port when configured) and starts serving on
    /// background threads.
    ///
    /// # Errors
    ///
    /// The bind error (port in use, ...), or a failure to make the TLS certificates.
    pub fn start(config: EmulatorConfig) -> io::Result<EmulatorHandle> {
        server::start(config)
    }
}

/// Most request records kept; older ones are dropped so a long-running `serve` stays bounded.
const MAX_RECORDS: usize = 10_000;

/// A running emulator. Dropping it shuts it down.
#[derive(Debug)]
pub struct EmulatorHandle {
    addr: SocketAddr,
    /// The HTTPS listener's address and the CA certificate (PEM) clients must trust.
    tls: Option<(SocketAddr, String)>,
    server: Option<server::Server>,
    records: Arc<Mutex<VecDeque<RequestRecord>>>,
    open: Arc<AtomicUsize>,
    accepted: Arc<AtomicUsize>,
}

impl EmulatorHandle {
    /// The address it listens on (always `127.0.0.1`).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:<port>`: the `endpoint_url` to give a client.
    pub fn endpoint_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The HTTPS listener's address (`127.0.0.1`), when [`EmulatorConfig::with_tls`] is set.
    pub fn tls_addr(&self) -> Option<SocketAddr> {
        self.tls.as_ref().map(|(addr, _)| *addr)
    }

    /// `https://127.0.0.1:<port>`, when [`EmulatorConfig::with_tls`] is set. The certificate
    /// also names `localhost` and `::1`, but only 127.0.0.1 listens.
    pub fn https_endpoint_url(&self) -> Option<String> {
        self.tls_addr().map(|addr| format!("https://{addr}"))
    }

    /// The PEM of this run's throwaway CA certificate, which a client must trust to reach
    /// [`https_endpoint_url`](Self::https_endpoint_url); `None` without TLS.
    pub fn ca_pem(&self) -> Option<&str> {
        self.tls.as_ref().map(|(_, pem)| pem.as_str())
    }

    /// Client connections (either listener) accepted and not yet over: a connection counts
    /// until its thread has closed the socket, which it does within a fraction of a second of
    /// the client closing (sooner when it is reading; a response being written notices at its
    /// next write, a drip or stall at its next wait slice).
    pub fn open_connections(&self) -> usize {
        self.open.load(Ordering::SeqCst)
    }

    /// Client connections (either listener) accepted so far, including those whose TLS
    /// handshake then failed: a client's connection attempts when no request arrives.
    pub fn accepted_connections(&self) -> usize {
        self.accepted.load(Ordering::SeqCst)
    }

    /// Waits until [`open_connections`](Self::open_connections) is at most `n`, polling every
    /// 10 ms; `false` if `timeout` passed first.
    pub fn wait_open_connections_at_most(&self, n: usize, timeout: Duration) -> bool {
        let deadline = std::time::Instant::now() + timeout;
        loop {
            if self.open_connections() <= n {
                return true;
            }
            if std::time::Instant::now() >= deadline {
                return false;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// Every request answered so far (at most the last 10 000), in arrival order.
    pub fn requests(&self) -> Vec<RequestRecord> {
        let records = self.records.lock().unwrap_or_else(PoisonError::into_inner);
        records.iter().cloned().collect()
    }

    /// Stops accepting, ends every connection and joins every thread.
    pub fn shutdown(mut self) {
        if let Some(server) = self.server.take() {
            server.shutdown();
        }
    }

    /// Serves until the process ends: blocks on the accept threads, which only a shutdown stops
    /// (the `serve` command).
    pub fn wait(mut self) {
        if let Some(server) = self.server.take() {
            server.wait();
        }
    }
}

impl Drop for EmulatorHandle {
    fn drop(&mut self) {
        if let Some(server) = self.server.take() {
            server.shutdown();
        }
    }
}
