//! `bedrock-blocking`: the [`bedrock_core`] exchange driven over blocking ureq 3 (rustls + ring;
//! the OS trust store, else the webpki roots, or `AWS_CA_BUNDLE`; the client's `HTTPS_PROXY` /
//! `NO_PROXY` handed to ureq).
//!
//! For synchronous programs and scripts: each call blocks its thread; a [`Client`] is shared by
//! reference across threads (one connection pool, one retry quota, one credential cache).
//! This crate is a loop, a sleep and ureq configuration; every protocol decision — signing,
//! encoding, framing, event parsing, retry policy, timeouts' meaning — is the core's, and the
//! client setup is `bedrock-host`'s.
//!
//! ```no_run
//! use bedrock_blocking::{Client, Request, StreamEvent, StreamItem};
//!
//! let client = Client::from_env()?;
//! let request = Request::new("us.anthropic.claude-haiku-4-5")
//!     .system("You are terse.")
//!     .user("Name three prime numbers.");
//! for item in client.converse_stream(&request)? {
//!     match item? {
//!         StreamItem::Event(StreamEvent::TextDelta { text, .. }) => print!("{text}"),
//!         StreamItem::Event(_) => {}
//!         StreamItem::Response(response) => println!("\n{} tokens", response.usage.total_tokens),
//!     }
//! }
//! # Ok::<(), bedrock_blocking::Error>(())
//! ```

#![forbid(unsafe_code)]

use std::io::Read;
use std::sync::OnceLock;
use std::time::Duration;

use bedrock_core::credentials::{HttpFailure, HttpFailureKind, HttpRequest, HttpResponse};
use bedrock_core::error::TransportFailure;
use bedrock_core::exchange::{Event, Exchange, Operation};
use bedrock_core::settings::Route;
use bedrock_host::clock::now;
use bedrock_host::{Outcome, TrustRoots};

pub use bedrock_host::exports::*;

/// Builds a [`Client`]: `Client::builder().settings(..).credentials(..).build()`.
pub type ClientBuilder = bedrock_host::ClientBuilder<Client>;

/// A blocking Bedrock client: its configuration and ureq agents (connection pools). Cheap to
/// share by reference across threads.
///
/// Calls to `http://` endpoints (an emulator, a local gateway) and to `https://` endpoints use
/// separate agents, each made at its first call: the OS trust store is read only when a TLS
/// connection is about to be made, never for a plain-http endpoint.
pub struct Client {
    /// For `http://` endpoints: trusts no certificate (no TLS is ever made through it).
    plain: OnceLock<ureq::Agent>,
    /// For `https://` endpoints: the CA bundle or the OS trust store.
    tls: OnceLock<ureq::Agent>,
    /// The CA bundle's certificates, checked when the client was built; `None`: the OS store.
    bundle: Option<ureq::tls::RootCerts>,
    config: ClientConfig,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl bedrock_host::FromConfig for Client {
    const USER_AGENT: &'static str = concat!("bedrock-blocking/", env!("CARGO_PKG_VERSION"));

    fn from_config(config: ClientConfig) -> Result<Self, Error> {
        // A CA bundle is parsed now, so that a broken one fails the build, not the first call.
        let bundle = config.ca_certificates()?.map(|certificates| {
            ureq::tls::RootCerts::from(
                certificates
                    .iter()
                    .map(|der| ureq::tls::Certificate::from_der(der).to_owned()),
            )
        });
        Ok(Self {
            plain: OnceLock::new(),
            tls: OnceLock::new(),
            bundle,
            config,
        })
    }

    /// Credential services over https (STS, the SSO portal) use the same agent setup, made at
    /// the first such request.
    fn credential_host(host: Host, timeouts: &Timeouts) -> Host {
        let proxy = ProxyConfig::from_env(host.env()).unwrap_or_default();
        host.with_https(UreqHttps {
            agent: OnceLock::new(),
            timeouts: *timeouts,
            proxy,
        })
    }
}

/// The OS trust store as ureq root certificates, borrowing the DER bytes the host reads once
/// per process ([`TrustRoots::platform_static`]): no copy per agent.
fn platform_roots() -> ureq::tls::RootCerts {
    match TrustRoots::platform_static() {
        TrustRoots::Certificates(certificates) => ureq::tls::RootCerts::from(
            certificates
                .iter()
                .map(|der| ureq::tls::Certificate::from_der(der)),
        ),
        _ => ureq::tls::RootCerts::WebPki,
    }
}

/// The largest response head accepted, as in the core's reader.
const MAX_RESPONSE_HEAD: usize = 64 * 1024;

/// The ureq agent: no redirects (a redirect would carry credentials elsewhere), HTTP error
/// statuses handed to the exchange, the core's timeouts as ureq's phase timeouts, `roots` as
/// the trusted certificate authorities.
fn agent(timeouts: &Timeouts, roots: ureq::tls::RootCerts, proxy: &ProxyConfig) -> ureq::Agent {
    let tls = ureq::tls::TlsConfig::builder().root_certs(roots);
    ureq::Agent::config_builder()
        .proxy(ureq_proxy(proxy))
        // ureq's 128 KiB defaults each way are most of a connection's memory: the response
        // head fits in the core's 64 KiB head limit, body bytes stream through, and a request
        // head is a few KiB (the body is written through the buffer). One KiB more than the
        // head limit: ureq reports a head as too large only once it holds more input than the
        // limit, and a full buffer exactly the limit's size reads as a peer that stopped
        // sending (an `Io` error, retried) instead.
        .input_buffer_size(MAX_RESPONSE_HEAD + 1024)
        .max_response_header_size(MAX_RESPONSE_HEAD)
        .output_buffer_size(16 * 1024)
        .http_status_as_error(false)
        .max_redirects(0)
        .user_agent("")
        .tls_config(tls.build())
        .timeout_connect(Some(timeouts.connect))
        .timeout_recv_response(Some(timeouts.first_byte))
        .timeout_per_read(Some(timeouts.idle))
        .build()
        .into()
}

/// The client's proxy as ureq's: the `https://` proxy, with each `NO_PROXY` entry matching
/// itself and its subdomains (ureq's `example.com` matches only itself, `.example.com` only
/// subdomains: both are given).
fn ureq_proxy(proxy: &ProxyConfig) -> Option<ureq::Proxy> {
    let https = proxy.https_proxy()?;
    let mut builder = ureq::Proxy::builder(ureq::ProxyProtocol::Http)
        .host(&https.host)
        .port(https.port);
    if let Some((user, password)) = https.credentials() {
        builder = builder.username(user);
        if let Some(password) = password {
            builder = builder.password(password);
        }
    }
    for rule in proxy.no_proxy() {
        builder = builder.no_proxy(rule);
        if rule != "*" {
            builder = builder.no_proxy(&format!(".{rule}"));
        }
    }
    builder.build().ok()
}

impl Client {
    /// A builder.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::new()
    }

    /// A client configured like the AWS SDKs and the `bedrock` CLI
    /// ([`ClientBuilder::from_env`](bedrock_host::ClientBuilder::from_env)).
    ///
    /// # Errors
    ///
    /// An unreadable or invalid settings file, endpoint override or proxy.
    pub fn from_env() -> Result<Self, Error> {
        ClientBuilder::from_env()?.build()
    }

    /// The agent for `url`: the plain one for `http://`, else the TLS one (each made at its
    /// first use).
    fn agent_for(&self, url: &str) -> &ureq::Agent {
        let (cell, roots): (_, fn(&Self) -> ureq::tls::RootCerts) = if url
            .get(..7)
            .is_some_and(|s| s.eq_ignore_ascii_case("http://"))
        {
            // No TLS goes through this agent (ureq's proxy here speaks plain HTTP): it
            // trusts nothing, so a TLS attempt could only fail.
            (&self.plain, |_| ureq::tls::RootCerts::new_with_certs(&[]))
        } else {
            (&self.tls, |client| {
                client.bundle.clone().unwrap_or_else(platform_roots)
            })
        };
        cell.get_or_init(|| agent(&self.config.timeouts, roots(self), &self.config.proxy))
    }

    /// The configuration in use.
    pub fn config(&self) -> &ClientConfig {
        &self.config
    }

    /// The settings in use.
    pub fn settings(&self) -> &Settings {
        &self.config.settings
    }

    /// The route for a model id.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Configuration`] for an unknown model, a disabled provider or a missing
    /// region.
    pub fn route(&self, model: &str) -> Result<Route, Error> {
        self.config.route(model)
    }

    /// Converse: one request, one response.
    ///
    /// # Errors
    ///
    /// The call's [`Error`], after retries.
    pub fn converse(&self, request: &Request) -> Result<Response, Error> {
        self.call(request)
    }

    /// ConverseStream: an iterator that yields each event as its bytes arrive and ends with the
    /// accumulated response (the same value [`converse`](Self::converse) returns).
    ///
    /// # Errors
    ///
    /// Configuration, credential and encoding errors; call errors come through the iterator.
    pub fn converse_stream(&self, request: &Request) -> Result<Stream<'_>, Error> {
        Ok(Stream {
            call: self.start(request, Operation::ConverseStream)?,
            done: false,
        })
    }

    /// CountTokens: how many input tokens the request would use.
    ///
    /// # Errors
    ///
    /// The call's [`Error`], after retries.
    pub fn count_tokens(&self, request: &Request) -> Result<u64, Error> {
        self.call(request)
    }

    fn call<T: Outcome>(&self, request: &Request) -> Result<T, Error> {
        let mut call = self.start(request, T::OPERATION)?;
        while let Some(event) = call.next_event()? {
            if let Some(outcome) = T::from_event(event) {
                return Ok(outcome);
            }
        }
        Err(T::missing())
    }

    fn start(&self, request: &Request, operation: Operation) -> Result<Call<'_>, Error> {
        let route = self.route(&request.model)?;
        let auth = self
            .config
            .credentials
            .auth_blocking(&route)
            .map_err(|e| e.with_context(Some(&route.model.id), Some(&route.region)))?;
        let exchange = self.config.exchange(&route, request, operation, auth)?;
        Ok(Call {
            client: self,
            route,
            exchange,
            body: None,
            retry: None,
            buf: Vec::new(),
        })
    }
}

/// The size of each read of a response body.
const READ_SIZE: usize = 16 * 1024;

/// One call in progress: the exchange and the response body being read.
struct Call<'c> {
    client: &'c Client,
    route: Route,
    exchange: Exchange,
    body: Option<ureq::BodyReader<'static>>,
    /// The delay of a retry the exchange asked for, not yet slept.
    retry: Option<Duration>,
    /// Body bytes as read (allocated at the first read).
    buf: Vec<u8>,
}

/// What a call can do next without I/O.
enum Ready {
    /// An event for the caller.
    Event(Event),
    /// The call failed.
    Failed(Error),
    /// The call is over.
    Finished,
    /// Nothing without I/O: a request to send, body bytes to read, or a retry to wait for.
    Io,
}

impl Call<'_> {
    /// The next event for the caller (`Head` and `Retry` are handled here), or `None` when the
    /// call is over.
    fn next_event(&mut self) -> Result<Option<Event>, Error> {
        loop {
            match self.ready() {
                Ready::Event(event) => return Ok(Some(event)),
                Ready::Failed(error) => return Err(error),
                Ready::Finished => return Ok(None),
                Ready::Io => {}
            }
            if let Some(delay) = self.retry.take() {
                self.body = None;
                std::thread::sleep(delay);
                self.exchange.retry(now())?;
            } else {
                self.advance();
            }
        }
    }

    /// What the exchange holds already: an event (`Head` skipped, `Retry` noted for
    /// [`next_event`](Self::next_event)), its error, its end, or the need for I/O.
    fn ready(&mut self) -> Ready {
        if self.retry.is_some() {
            return Ready::Io;
        }
        while let Some(event) = self.exchange.poll_event() {
            match event {
                Event::Head { .. } => {}
                Event::Retry { delay, .. } => {
                    self.retry = Some(delay);
                    return Ready::Io;
                }
                other => return Ready::Event(other),
            }
        }
        if let Some(error) = self.exchange.error() {
            self.client
                .config
                .credentials
                .handle_call_error(&self.route, error);
            return Ready::Failed(error.clone());
        }
        if self.exchange.is_finished() {
            return Ready::Finished;
        }
        Ready::Io
    }

    /// Moves the exchange one step: send the pending request, or read more of the body. Errors
    /// are recorded in the exchange (which decides about retries).
    fn advance(&mut self) {
        if let Some(parts) = self.exchange.request_parts() {
            // This call's first-byte timeout (a Converse waits for its whole answer, a stream
            // only as long as its idle timeout). ureq's per-read timeout also bounds each read
            // while waiting for the head, so it must not be shorter; a Converse's body, which
            // follows its head at once, is read under the same longer limit.
            let first_byte = self.exchange.first_byte_timeout();
            let idle = self.client.config.timeouts.idle;
            let mut request = self
                .client
                .agent_for(&parts.url)
                .post(&parts.url)
                .config()
                .timeout_recv_response(Some(first_byte))
                .timeout_per_read(Some(first_byte.max(idle)))
                .build();
            for (name, value) in parts.client_headers() {
                request = request.header(name, value);
            }
            match request.send(&parts.body[..]) {
                Ok(response) => {
                    let headers: Vec<(&str, &[u8])> = response
                        .headers()
                        .iter()
                        .map(|(n, v)| (n.as_str(), v.as_bytes()))
                        .collect();
                    let status = response.status().as_u16();
                    let _ = self
                        .exchange
                        .handle_response_head(status, &headers, now().now);
                    self.body = Some(response.into_body().into_reader());
                }
                Err(ureq::Error::Timeout(ureq::Timeout::Connect | ureq::Timeout::Resolve)) => {
                    // No connection yet: nothing was sent, so not the first-byte deadline.
                    let message =
                        connect_timeout_message(&parts.url, self.client.config.timeouts.connect);
                    let _ = self.exchange.handle_transport_error(&message, now().now);
                }
                Err(ureq::Error::Timeout(_)) => {
                    // ureq's response timeout is the exchange's first-byte deadline.
                    let _ = self.exchange.handle_deadline_passed(now().now);
                }
                Err(e) if is_certificate_error(&e) => {
                    let _ = self.exchange.handle_transport_failure(
                        TransportFailure::TlsCertificate,
                        &transport_message(&e),
                        now().now,
                    );
                }
                Err(e) if is_malformed(&e) => {
                    let _ = self.exchange.handle_transport_failure(
                        TransportFailure::MalformedResponse,
                        &transport_message(&e),
                        now().now,
                    );
                }
                Err(e) => {
                    let _ = self
                        .exchange
                        .handle_transport_error(&transport_message(&e), now().now);
                }
            }
            return;
        }
        let Some(body) = self.body.as_mut() else {
            // Nothing to send and no body: the exchange waits for something this loop cannot
            // give; treat it as a closed connection.
            let _ = self.exchange.handle_eof(now().now);
            return;
        };
        if self.buf.is_empty() {
            self.buf = vec![0; READ_SIZE];
        }
        match body.read(&mut self.buf) {
            Ok(0) => {
                self.body = None;
                let _ = self.exchange.handle_body_end(now().now);
            }
            Ok(n) => {
                let _ = self.exchange.handle_body(&self.buf[..n], now().now);
            }
            Err(e) if is_timeout(&e) => {
                // ureq's per-read timeout is the exchange's idle deadline.
                self.body = None;
                let _ = self.exchange.handle_deadline_passed(now().now);
            }
            Err(e)
                if e.get_ref()
                    .and_then(|inner| inner.downcast_ref::<ureq::Error>())
                    .is_some_and(is_malformed) =>
            {
                self.body = None;
                let _ = self.exchange.handle_transport_failure(
                    TransportFailure::MalformedResponse,
                    &format!("reading the response: {e}"),
                    now().now,
                );
            }
            Err(e) => {
                self.body = None;
                let _ = self
                    .exchange
                    .handle_transport_error(&format!("reading the response: {e}"), now().now);
            }
        }
    }
}

/// Whether a body read failed because ureq's per-read timeout fired (ureq wraps its own error in
/// the `io::Error` its reader returns).
fn is_timeout(e: &std::io::Error) -> bool {
    e.kind() == std::io::ErrorKind::TimedOut
        || e.get_ref()
            .and_then(|inner| inner.downcast_ref::<ureq::Error>())
            .is_some_and(|inner| matches!(inner, ureq::Error::Timeout(_)))
}

/// Whether ureq refused the answer's HTTP/1.1 framing: a head over its limit, a malformed head
/// or chunk. (A chunk-size line longer than its buffer it reports as a stalled body, as it does
/// a connection closed inside one: that stays a truncation.)
fn is_malformed(e: &ureq::Error) -> bool {
    matches!(
        e,
        ureq::Error::LargeResponseHeader(..) | ureq::Error::Protocol(_)
    )
}

/// Whether the TLS handshake rejected the server's certificate (ureq reports rustls's error
/// itself, or inside an `io::Error`).
fn is_certificate_error(e: &ureq::Error) -> bool {
    let rustls_error = match e {
        ureq::Error::Rustls(inner) => Some(inner),
        ureq::Error::Io(io) => io
            .get_ref()
            .and_then(|inner| inner.downcast_ref::<rustls::Error>()),
        _ => None,
    };
    matches!(rustls_error, Some(rustls::Error::InvalidCertificate(_)))
}

/// "connecting to HOST timed out after N s" for the URL's authority.
fn connect_timeout_message(url: &str, timeout: std::time::Duration) -> String {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let authority = rest.split(['/', '?']).next().unwrap_or(rest);
    let after = if timeout.subsec_millis() == 0 {
        format!("{} s", timeout.as_secs())
    } else {
        format!("{} ms", timeout.as_millis())
    };
    format!("connecting to {authority} timed out after {after}")
}

fn transport_message(e: &ureq::Error) -> String {
    match e {
        ureq::Error::Timeout(which) => format!("timed out ({which})"),
        ureq::Error::HostNotFound => "host not found".into(),
        ureq::Error::ConnectionFailed => "connection failed".into(),
        other => other.to_string(),
    }
}

/// A ConverseStream in progress: an iterator of [`StreamItem`]s.
pub struct Stream<'c> {
    call: Call<'c>,
    done: bool,
}

impl std::fmt::Debug for Stream<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Stream")
            .field("done", &self.done)
            .finish_non_exhaustive()
    }
}

impl Stream<'_> {
    /// The next item if it can be produced without I/O: from body bytes already read, without
    /// reading from the network or sleeping before a retry. `None` when the next item needs
    /// I/O (call [`next`](Iterator::next), which waits for it) or when the stream is over.
    ///
    /// For a program that writes each text delta to a buffered output: flush the output when
    /// this returns `None`, right before calling `next`. Text still shows as soon as it
    /// arrives, but deltas that arrived together are written together. Items come in the
    /// same order whichever of the two methods takes them; an error from either ends the
    /// stream.
    ///
    /// ```no_run
    /// # use std::io::Write;
    /// # use bedrock_blocking::{Client, Request, StreamEvent, StreamItem};
    /// # let client = Client::from_env()?;
    /// # let request = Request::new("us.anthropic.claude-haiku-4-5").user("Hi");
    /// let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    /// let mut stream = client.converse_stream(&request)?;
    /// loop {
    ///     let item = match stream.next_buffered() {
    ///         Some(item) => item,
    ///         None => {
    ///             out.flush()?;
    ///             match stream.next() {
    ///                 Some(item) => item,
    ///                 None => break,
    ///             }
    ///         }
    ///     };
    ///     if let StreamItem::Event(StreamEvent::TextDelta { text, .. }) = item? {
    ///         out.write_all(text.as_bytes())?;
    ///     }
    /// }
    /// out.flush()?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn next_buffered(&mut self) -> Option<Result<StreamItem, Error>> {
        loop {
            if self.done {
                return None;
            }
            let item = match self.call.ready() {
                Ready::Event(event) => Ok(Some(event)),
                Ready::Failed(error) => Err(error),
                Ready::Finished => Ok(None),
                Ready::Io => return None,
            };
            if let Some(item) = self.item(item) {
                return Some(item);
            }
        }
    }

    /// The item for an event of the call (`None`: an event with no item, or the end), marking
    /// the stream done after the response, an error or the end.
    fn item(&mut self, event: Result<Option<Event>, Error>) -> Option<Result<StreamItem, Error>> {
        match event {
            Ok(Some(event)) => {
                let item = StreamItem::from_event(event)?;
                self.done = matches!(item, StreamItem::Response(_));
                Some(Ok(item))
            }
            Ok(None) => {
                self.done = true;
                None
            }
            Err(e) => {
                self.done = true;
                Some(Err(e))
            }
        }
    }
}

impl Iterator for Stream<'_> {
    type Item = Result<StreamItem, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        while !self.done {
            let event = self.call.next_event();
            if let Some(item) = self.item(event) {
                return Some(item);
            }
        }
        None
    }
}

/// The host's HTTPS transport for credential services (STS, the SSO portal): the same ureq
/// agent configuration as the calls (proxy, no redirects, the OS trust store), with each
/// request's own [`HttpRequest::timeout`] instead of the call timeouts. The agent (and the
/// trust store) is made at the first request: most runs never make one.
struct UreqHttps {
    agent: OnceLock<ureq::Agent>,
    timeouts: Timeouts,
    proxy: ProxyConfig,
}

impl UreqHttps {
    fn agent(&self) -> &ureq::Agent {
        self.agent
            .get_or_init(|| agent(&self.timeouts, platform_roots(), &self.proxy))
    }
}

/// The timeout of a credential request that carries none (as the host's `send_plain`).
const CREDENTIAL_FALLBACK_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

impl bedrock_host::HttpsTransport for UreqHttps {
    fn send(&self, request: &HttpRequest) -> Result<HttpResponse, HttpFailure> {
        let url = request.url();
        let mut builder = ureq::http::Request::builder()
            .method(request.method)
            .uri(&url);
        for (name, value) in request.client_headers() {
            builder = builder.header(name, value);
        }
        let http_request = builder
            .body(request.body.clone())
            .map_err(|e| HttpFailure::new(HttpFailureKind::Other, format!("{url}: {e}")))?;
        // The credential service's own timeout (STS and the SSO services 30 s, an https
        // container endpoint 2 s), not the call agent's first-byte and idle timeouts: one
        // deadline for the whole exchange, connect included.
        let timeout = if request.timeout.is_zero() {
            CREDENTIAL_FALLBACK_TIMEOUT
        } else {
            request.timeout
        };
        let agent = self.agent();
        let http_request = agent
            .configure_request(http_request)
            .timeout_global(Some(timeout))
            .timeout_connect(Some(timeout))
            .timeout_recv_response(Some(timeout))
            .timeout_per_read(Some(timeout))
            .build();
        let response = agent.run(http_request).map_err(|e| {
            let kind = match e {
                // No connection in time: a connection failure, as the host's plain-http
                // sender reports it.
                ureq::Error::Timeout(ureq::Timeout::Connect | ureq::Timeout::Resolve) => {
                    HttpFailureKind::Connect
                }
                ureq::Error::Timeout(_) => HttpFailureKind::Timeout,
                ureq::Error::ConnectionFailed | ureq::Error::HostNotFound => {
                    HttpFailureKind::Connect
                }
                _ => HttpFailureKind::Other,
            };
            HttpFailure::new(kind, format!("{url}: {}", transport_message(&e)))
        })?;
        let status = response.status().as_u16();
        let headers = response
            .headers()
            .iter()
            .map(|(n, v)| {
                (
                    n.as_str().to_string(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect();
        let mut body = Vec::new();
        response
            .into_body()
            .into_reader()
            .take(1024 * 1024)
            .read_to_end(&mut body)
            .map_err(|e| HttpFailure::new(HttpFailureKind::Other, format!("{url}: {e}")))?;
        Ok(HttpResponse {
            status,
            headers,
            body,
        })
    }
}

#[cfg(test)]
mod tests {
    use std::io::Read as _;
    use std::net::TcpListener;
    use std::time::{Duration, Instant};

    use bedrock_host::HttpsTransport as _;

    use super::*;

    /// A credential request carries its own timeout (IMDS 1 s, container 2 s): the credential
    /// transport honours it instead of the call agent's 300 s first-byte timeout.
    #[test]
    fn credential_requests_use_their_own_timeout() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        // Accepts and reads, never answers.
        let server = std::thread::spawn(move || {
            let (mut stream, _) = listener.accept().unwrap();
            let mut buf = [0u8; 1024];
            while matches!(stream.read(&mut buf), Ok(n) if n > 0) {}
        });
        let transport = UreqHttps {
            agent: OnceLock::new(),
            timeouts: Timeouts::default(),
            proxy: ProxyConfig::default(),
        };
        let mut request = HttpRequest {
            method: "GET",
            https: false,
            host: "127.0.0.1".into(),
            port,
            target: "/creds".into(),
            headers: Vec::new(),
            body: Vec::new(),
            timeout: Duration::from_millis(300),
        };
        request.headers.push(("Host", request.host_header()));
        let started = Instant::now();
        let failure = transport.send(&request).unwrap_err();
        assert_eq!(failure.kind, HttpFailureKind::Timeout, "{failure}");
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "{:?}",
            started.elapsed()
        );
        drop(server);
    }
}
