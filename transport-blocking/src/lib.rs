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
use bedrock_core::error::{Error, ErrorKind};
use bedrock_core::exchange::{Event, Exchange, ExchangeConfig, Operation};
use bedrock_core::model::{Request, Response, StreamEvent};
use bedrock_core::settings::{Route, RouteInputs, Settings};

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

    /// A client configured from the environment: `AWS_REGION` / `AWS_DEFAULT_REGION`, and
    /// credentials from `AWS_BEARER_TOKEN_BEDROCK`, `BEDROCK_API_KEY` or the SigV4 environment
    /// keys, with both providers enabled.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::NoCredentials`] when the environment holds none.
    pub fn from_env() -> Result<Self, Error> {
        let mut settings = Settings::default();
        settings.enable_all_unless_disabled();
        let region = std::env::var("AWS_REGION")
            .ok()
            .or_else(|| std::env::var("AWS_DEFAULT_REGION").ok());
        Client::builder()
            .settings(settings)
            .region(region)
            .credentials(Arc::new(EnvCredentials))
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
            Err(e) => {
                self.body = None;
                let _ = self
                    .exchange
                    .handle_transport_error(&format!("reading the response: {e}"), now().now);
            }
        }
    }
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

/// Credentials from the environment alone: a bearer key (`AWS_BEARER_TOKEN_BEDROCK`, then
/// `BEDROCK_API_KEY`; trimmed, blank is absent), else SigV4 keys (`AWS_ACCESS_KEY_ID`,
/// `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`).
#[derive(Clone, Copy, Debug, Default)]
pub struct EnvCredentials;

impl CredentialSource for EnvCredentials {
    fn auth(&self, route: &Route) -> Result<Auth, Error> {
        let var = |name: &str| {
            std::env::var(name)
                .ok()
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
        };
        for name in ["AWS_BEARER_TOKEN_BEDROCK", "BEDROCK_API_KEY"] {
            if let Some(key) = var(name) {
                return Ok(Auth::bearer(&key));
            }
        }
        if route.provider == bedrock_core::catalog::Provider::Bedrock
            && let (Some(id), Some(secret)) =
                (var("AWS_ACCESS_KEY_ID"), var("AWS_SECRET_ACCESS_KEY"))
        {
            let mut credentials = bedrock_core::sigv4::Credentials::new(id, secret)?;
            if let Some(token) = var("AWS_SESSION_TOKEN") {
                credentials = credentials.with_session_token(token);
            }
            return Ok(Auth::SigV4(credentials));
        }
        Err(Error::no_credentials(
            "tried AWS_BEARER_TOKEN_BEDROCK, BEDROCK_API_KEY, AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY",
        ))
    }
}
