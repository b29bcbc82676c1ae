//! `bedrock-blocking`: the [`bedrock_core`] exchange driven over blocking ureq 3 (rustls + ring,
//! webpki roots; proxies from `HTTPS_PROXY` / `NO_PROXY` as ureq reads them).
//!
//! This crate is a loop, a clock, a sleep and ureq configuration; every protocol decision —
//! signing, encoding, framing, event parsing, retry policy, timeouts' meaning — is the core's.
//!
//! ```no_run
//! use bedrock_blocking::{Client, StreamItem};
//! use bedrock_core::model::{Request, StreamEvent};
//!
//! let client = Client::from_env()?;
//! let request: Request = serde_json::from_str(
//!     r#"{"model": "us.anthropic.claude-haiku-4-5", "messages": [{"role": "user", "content": "Hi"}]}"#,
//! ).expect("valid request JSON");
//! for item in client.converse_stream(&request)? {
//!     match item? {
//!         StreamItem::Event(StreamEvent::TextDelta { text, .. }) => print!("{text}"),
//!         StreamItem::Event(_) => {}
//!         StreamItem::Response(response) => println!("\n{} tokens", response.usage.total_tokens),
//!     }
//! }
//! # Ok::<(), bedrock_core::error::Error>(())
//! ```

#![forbid(unsafe_code)]

mod clock;

use std::collections::VecDeque;
use std::io::Read;
use std::sync::Arc;
use std::time::Duration;

use bedrock_core::auth::Auth;
use bedrock_core::catalog::Provider;
use bedrock_core::credentials::{
    ChainConfig, CredentialCache, HttpFailure, HttpFailureKind, HttpRequest, HttpResponse,
};
use bedrock_core::error::{Error, ErrorKind};
use bedrock_core::exchange::{Event, Exchange, ExchangeConfig, Operation};
use bedrock_core::model::{Request, Response, StreamEvent};
use bedrock_core::settings::CredentialRef;
use bedrock_core::settings::{Route, RouteInputs, Settings};
use bedrock_host::{Env, Host, SharedCredentials};

pub use clock::{entropy, now};

/// Connection timeouts of the blocking client.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Timeouts {
    /// TCP connect plus TLS handshake. Default 30 s.
    pub connect: Duration,
    /// From the end of sending to the response head. Default 300 s.
    pub first_byte: Duration,
    /// Longest wait for more body bytes. Default 300 s (a long reasoning pause is normal).
    pub idle: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Self {
            connect: Duration::from_secs(30),
            first_byte: Duration::from_secs(300),
            idle: Duration::from_secs(300),
        }
    }
}

/// Where a call's credential comes from.
pub trait CredentialSource: Send + Sync {
    /// The credential for a call to `route`.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::NoCredentials`] (with the hint) when nothing resolves.
    fn auth(&self, route: &Route) -> Result<Auth, Error>;

    /// The service rejected the credential `route` used (expired, revoked): forget it.
    fn invalidate(&self, route: &Route) {
        let _ = route;
    }
}

/// One fixed credential for every call.
#[derive(Clone, Debug)]
pub struct StaticCredentials(pub Auth);

impl CredentialSource for StaticCredentials {
    fn auth(&self, _route: &Route) -> Result<Auth, Error> {
        Ok(self.0.clone())
    }
}

/// A blocking Bedrock client: settings, a credential source, one ureq agent (connection pool),
/// and the retry-token bucket its calls share. Cheap to share by reference across threads.
pub struct Client {
    agent: ureq::Agent,
    settings: Settings,
    region: Option<String>,
    credentials: Arc<dyn CredentialSource>,
    config: ExchangeConfig,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("region", &self.region)
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

/// Builds a [`Client`].
#[derive(Default)]
pub struct ClientBuilder {
    settings: Settings,
    region: Option<String>,
    credentials: Option<Arc<dyn CredentialSource>>,
    timeouts: Timeouts,
    config: ExchangeConfig,
}

impl std::fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("region", &self.region)
            .field("timeouts", &self.timeouts)
            .finish_non_exhaustive()
    }
}

impl ClientBuilder {
    /// The parsed settings (providers, models, credential lists).
    #[must_use]
    pub fn settings(mut self, settings: Settings) -> Self {
        self.settings = settings;
        self
    }

    /// The ambient region (`AWS_REGION` and friends) for providers without a `base_url`.
    #[must_use]
    pub fn region(mut self, region: Option<String>) -> Self {
        self.region = region.filter(|r| !r.is_empty());
        self
    }

    /// Where credentials come from.
    #[must_use]
    pub fn credentials(mut self, source: Arc<dyn CredentialSource>) -> Self {
        self.credentials = Some(source);
        self
    }

    /// Timeouts.
    #[must_use]
    pub fn timeouts(mut self, timeouts: Timeouts) -> Self {
        self.timeouts = timeouts;
        self
    }

    /// Exchange settings (retry policy, limits). Its timeouts are overwritten by
    /// [`timeouts`](Self::timeouts).
    #[must_use]
    pub fn exchange_config(mut self, config: ExchangeConfig) -> Self {
        self.config = config;
        self
    }

    /// The client.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::NoCredentials`] when no credential source was given.
    pub fn build(self) -> Result<Client, Error> {
        let credentials = self
            .credentials
            .ok_or_else(|| Error::no_credentials("no credential source configured"))?;
        let mut config = self.config;
        config.first_byte_timeout = self.timeouts.first_byte;
        config.idle_timeout = self.timeouts.idle;
        config.user_agent_suffix = Some(format!("bedrock-blocking/{}", env!("CARGO_PKG_VERSION")));
        Ok(Client {
            agent: agent(&self.timeouts),
            settings: self.settings,
            region: self.region,
            credentials,
            config,
        })
    }
}

/// The ureq agent: no redirects (a redirect would carry credentials elsewhere), HTTP error
/// statuses handed to the exchange, the core's timeouts as ureq's phase timeouts.
fn agent(timeouts: &Timeouts) -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .user_agent("")
        .timeout_connect(Some(timeouts.connect))
        .timeout_recv_response(Some(timeouts.first_byte))
        .timeout_per_read(Some(timeouts.idle))
        .build()
        .into()
}

impl Client {
    /// A builder.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// A client configured like the AWS SDKs and the `bedrock` CLI: the settings file
    /// (`BEDROCK_SETTINGS` or the platform config dir; both providers enabled unless it says
    /// `enabled = false`), the vault, the region (`AWS_REGION`, `AWS_DEFAULT_REGION`, the
    /// profile), `AWS_ENDPOINT_URL_BEDROCK_RUNTIME`, and each route's credential list
    /// (bearer keys from the environment or the vault, then the full SigV4 chain).
    ///
    /// # Errors
    ///
    /// An unreadable or invalid settings file, or an invalid endpoint override.
    pub fn from_env() -> Result<Self, Error> {
        let (host, mut settings) = Host::load(Env::process())?;
        settings.enable_all_unless_disabled();
        Self::from_host(host, settings, Timeouts::default())
    }

    /// A client on an explicit [`Host`] (environment, vault) and settings, with the SigV4 chain
    /// behind each route's credential list. `AWS_ENDPOINT_URL_BEDROCK_RUNTIME` in the host's
    /// environment overrides the `bedrock` provider's endpoint, as in the AWS SDKs.
    ///
    /// # Errors
    ///
    /// A malformed shared AWS config (for the region) or an invalid endpoint override.
    pub fn from_host(
        host: Host,
        mut settings: Settings,
        timeouts: Timeouts,
    ) -> Result<Self, Error> {
        let region = host.region(None).map_err(Error::from)?;
        if let Some(endpoint) = host.env().non_empty("AWS_ENDPOINT_URL_BEDROCK_RUNTIME") {
            settings
                .override_endpoint(Provider::Bedrock, Some(&endpoint), region.as_deref())
                .map_err(|e| {
                    Error::new(
                        ErrorKind::Configuration,
                        format!("AWS_ENDPOINT_URL_BEDROCK_RUNTIME: {e}"),
                    )
                })?;
        }
        let host = host.with_https(UreqHttps(agent(&timeouts)));
        Client::builder()
            .settings(settings)
            .region(region)
            .timeouts(timeouts)
            .credentials(Arc::new(HostCredentials::new(host)))
            .build()
    }

    /// The settings in use.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// The route for a model id.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Configuration`] for an unknown model, a disabled provider or a missing region.
    pub fn route(&self, model: &str) -> Result<Route, Error> {
        self.settings
            .route(
                model,
                &RouteInputs {
                    region: self.region.as_deref(),
                },
            )
            .map_err(|e| {
                Error::new(ErrorKind::Configuration, e.to_string()).with_context(Some(model), None)
            })
    }

    /// Converse: one request, one response.
    ///
    /// # Errors
    ///
    /// The call's [`Error`], after retries.
    pub fn converse(&self, request: &Request) -> Result<Response, Error> {
        let mut call = self.start(request, Operation::Converse)?;
        loop {
            match call.next_event()? {
                Some(Event::Response(response)) => return Ok(response),
                Some(_) => {}
                None => {
                    return Err(Error::new(
                        ErrorKind::Protocol,
                        "the call ended without a response",
                    ));
                }
            }
        }
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
        let mut call = self.start(request, Operation::CountTokens)?;
        loop {
            match call.next_event()? {
                Some(Event::TokenCount { input_tokens }) => return Ok(input_tokens),
                Some(_) => {}
                None => {
                    return Err(Error::new(
                        ErrorKind::Protocol,
                        "the call ended without a token count",
                    ));
                }
            }
        }
    }

    fn start(&self, request: &Request, operation: Operation) -> Result<Call<'_>, Error> {
        let route = self.route(&request.model)?;
        let route_for_call = route.clone();
        let auth = self
            .credentials
            .auth(&route)
            .map_err(|e| e.with_context(Some(&route.model.id), Some(&route.region)))?;
        let clock = now();
        let exchange = Exchange::new(
            &route,
            request,
            operation,
            auth,
            &self.config,
            clock,
            entropy(),
        )?;
        Ok(Call {
            client: self,
            route: route_for_call,
            exchange,
            body: None,
            events: VecDeque::new(),
            buf: vec![0; 16 * 1024],
        })
    }
}

/// One call in progress: the exchange, the response body being read, events not yet handed out.
struct Call<'c> {
    client: &'c Client,
    route: Route,
    exchange: Exchange,
    body: Option<ureq::BodyReader<'static>>,
    events: VecDeque<Event>,
    buf: Vec<u8>,
}

impl Call<'_> {
    /// The next event for the caller (`Head` and `Retry` are handled here), or `None` when the
    /// call is over.
    fn next_event(&mut self) -> Result<Option<Event>, Error> {
        loop {
            while let Some(event) = self.events.pop_front() {
                match event {
                    Event::Head { .. } => {}
                    Event::Retry { delay, .. } => {
                        self.body = None;
                        std::thread::sleep(delay);
                        self.exchange.retry(now())?;
                    }
                    other => return Ok(Some(other)),
                }
            }
            if let Some(error) = self.exchange.error() {
                if error.kind() == ErrorKind::Authentication {
                    // Expired or revoked: the next call resolves afresh.
                    self.client.credentials.invalidate(&self.route);
                }
                return Err(error.clone());
            }
            if self.exchange.is_finished() {
                return Ok(None);
            }
            self.advance();
            self.events
                .extend(std::iter::from_fn(|| self.exchange.poll_event()));
        }
    }

    /// Moves the exchange one step: send the pending request, or read more of the body. Errors
    /// are recorded in the exchange (which decides about retries).
    fn advance(&mut self) {
        if let Some(parts) = self.exchange.request_parts() {
            let mut request = self.client.agent.post(&parts.url);
            for (name, value) in &parts.headers {
                // ureq writes Host and Content-Length itself, with the same values.
                if !name.eq_ignore_ascii_case("host")
                    && !name.eq_ignore_ascii_case("content-length")
                {
                    request = request.header(*name, value.as_str());
                }
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
                Err(ureq::Error::Timeout(_)) => {
                    // ureq's response timeout is the exchange's first-byte deadline.
                    let _ = self.exchange.handle_deadline_passed(now().now);
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

fn transport_message(e: &ureq::Error) -> String {
    match e {
        ureq::Error::Timeout(which) => format!("timed out ({which})"),
        ureq::Error::HostNotFound => "host not found".into(),
        ureq::Error::ConnectionFailed => "connection failed".into(),
        other => other.to_string(),
    }
}

/// What a stream yields.
#[derive(Clone, Debug, PartialEq)]
pub enum StreamItem {
    /// An increment, as soon as its frame arrived.
    Event(StreamEvent),
    /// The accumulated response; the last item.
    Response(Response),
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

impl Iterator for Stream<'_> {
    type Item = Result<StreamItem, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        match self.call.next_event() {
            Ok(Some(Event::Stream(event))) => Some(Ok(StreamItem::Event(event))),
            Ok(Some(Event::Response(response))) => {
                self.done = true;
                Some(Ok(StreamItem::Response(response)))
            }
            Ok(Some(_)) => self.next(),
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

/// Credentials through the host: each distinct credential list (per route) gets one shared,
/// refreshing cache, resolved with real I/O the first time a call needs it.
pub struct HostCredentials {
    host: Host,
    caches: std::sync::Mutex<Vec<(Vec<CredentialRef>, Arc<SharedCredentials>)>>,
}

impl std::fmt::Debug for HostCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HostCredentials")
            .field("host", &self.host)
            .finish_non_exhaustive()
    }
}

impl HostCredentials {
    /// Resolves credentials with `host`.
    pub fn new(host: Host) -> Self {
        Self {
            host,
            caches: std::sync::Mutex::new(Vec::new()),
        }
    }

    fn shared(&self, references: &[CredentialRef]) -> Arc<SharedCredentials> {
        let mut caches = self
            .caches
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some((_, shared)) = caches.iter().find(|(refs, _)| refs == references) {
            return Arc::clone(shared);
        }
        let shared = Arc::new(SharedCredentials::new(CredentialCache::new(
            references,
            ChainConfig::default(),
        )));
        caches.push((references.to_vec(), Arc::clone(&shared)));
        shared
    }
}

impl CredentialSource for HostCredentials {
    fn auth(&self, route: &Route) -> Result<Auth, Error> {
        Ok(self.shared(&route.credentials).auth(&self.host)?.auth)
    }

    fn invalidate(&self, route: &Route) {
        self.shared(&route.credentials).invalidate();
    }
}

/// The host's HTTPS transport for credential services (STS, the SSO portal): the same ureq
/// agent configuration as the calls.
struct UreqHttps(ureq::Agent);

impl bedrock_host::HttpsTransport for UreqHttps {
    fn send(&self, request: &HttpRequest) -> Result<HttpResponse, HttpFailure> {
        let url = request.url();
        let mut builder = ureq::http::Request::builder()
            .method(request.method)
            .uri(&url);
        for (name, value) in &request.headers {
            if !name.eq_ignore_ascii_case("host") && !name.eq_ignore_ascii_case("content-length") {
                builder = builder.header(*name, value.as_str());
            }
        }
        let http_request = builder
            .body(request.body.clone())
            .map_err(|e| HttpFailure::new(HttpFailureKind::Other, format!("{url}: {e}")))?;
        let response = self.0.run(http_request).map_err(|e| {
            let kind = match e {
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
