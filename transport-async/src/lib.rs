//! `bedrock-async`: the [`bedrock_core`] exchange's bytes driven over smol TCP and
//! futures-rustls (rustls 0.23 + ring; the OS trust store, else the web roots, or
//! `AWS_CA_BUNDLE`), with no other runtime or HTTP library.
//!
//! For async services: many calls share one thread, each waiting on its socket or an async-io
//! timer, never blocking the executor. It works under `smol::block_on`,
//! `futures_lite::future::block_on` and with many tasks on one `smol::Executor`. The core does
//! all of HTTP/1.1, signing, framing, event parsing, retry policy and deadlines; this crate is
//! the loop, the timer, the sockets (with a keep-alive pool and `HTTPS_PROXY` tunnels) and the
//! TLS configuration. [`Client::builder`], [`ClientSetup`] and [`StreamItem`] are the blocking
//! client's, from `bedrock-host`.
//!
//! ```no_run
//! use bedrock_async::{Client, Request, StreamEvent, StreamItem};
//! use smol::stream::StreamExt as _;
//!
//! smol::block_on(async {
//!     let client = Client::from_env()?;
//!     let request = Request::new("us.anthropic.claude-haiku-4-5")
//!         .system("You are terse.")
//!         .user("Name three prime numbers.");
//!     let mut stream = client.converse_stream(&request);
//!     while let Some(item) = stream.next().await {
//!         match item? {
//!             StreamItem::Event(StreamEvent::TextDelta { text, .. }) => print!("{text}"),
//!             StreamItem::Event(_) => {}
//!             StreamItem::Response(response) => println!("\n{} tokens", response.usage.total_tokens),
//!         }
//!     }
//!     Ok::<(), bedrock_async::Error>(())
//! })?;
//! # Ok::<(), bedrock_async::Error>(())
//! ```
//!
//! | connection rule | value |
//! |---|---|
//! | reuse | only when the exchange read the whole response and keep-alive holds |
//! | idle connections kept | 16 per (scheme, host, port), for 30 s |
//! | a dropped stream | closes its connection |
//! | read buffer | 16 KiB per thread, shared by the calls it polls |

#![forbid(unsafe_code)]

mod credentials;
mod net;

use std::cell::RefCell;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use bedrock_core::error::TransportFailure;
use bedrock_core::exchange::{Event, Exchange, Operation};
use bedrock_core::settings::Route;
use bedrock_host::Outcome;
use bedrock_host::clock::{now, std_instant};
use smol::future::FutureExt as _;
use smol::io::{AsyncRead, AsyncWriteExt as _};
use smol::stream::StreamExt as _;

use net::{Conn, Connector, Pool, Target};

pub use bedrock_host::exports::*;

/// Builds a [`Client`]: `Client::builder().settings(..).credentials(..).build()`.
pub type ClientBuilder = bedrock_host::ClientBuilder<Client>;

/// How long an idle keep-alive connection is kept.
const MAX_IDLE_AGE: Duration = Duration::from_secs(30);
/// Idle connections kept per (scheme, host, port).
const MAX_IDLE_PER_TARGET: usize = 16;
/// Bytes read from a socket at a time.
const READ_BUFFER: usize = 16 * 1024;

thread_local! {
    /// The read buffer of every call polled on this thread: a read hands its bytes to the
    /// exchange (which keeps what it needs) within the poll that read them, so a call waiting
    /// for bytes holds no buffer; ten thousand open streams share 16 KiB instead of 160 MiB.
    static SCRATCH: RefCell<Box<[u8]>> = RefCell::new(vec![0; READ_BUFFER].into_boxed_slice());
}

/// An async Bedrock client: its configuration, a connector and a keep-alive pool. Clones share
/// all three (and the retry quota and credential caches).
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    config: ClientConfig,
    connector: Connector,
    pool: Pool,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("config", &self.inner.config)
            .field("idle_connections", &self.inner.pool.idle_count())
            .finish_non_exhaustive()
    }
}

impl bedrock_host::FromConfig for Client {
    const USER_AGENT: &'static str = concat!("bedrock-async/", env!("CARGO_PKG_VERSION"));

    fn from_config(config: ClientConfig) -> Result<Self, Error> {
        let connector = Connector::new(
            config.ca_certificates()?,
            config.proxy.clone(),
            config.timeouts.connect,
        )
        .map_err(|e| Error::new(ErrorKind::Configuration, e))?;
        Ok(Self {
            inner: Arc::new(Inner {
                config,
                connector,
                pool: Pool::new(MAX_IDLE_AGE, MAX_IDLE_PER_TARGET),
            }),
        })
    }
}

impl Client {
    /// The configuration in use (its [`route`](ClientConfig::route) routes a model id).
    pub fn config(&self) -> &ClientConfig {
        &self.inner.config
    }

    /// A builder.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::new()
    }

    /// A client configured like the AWS SDKs and the `bedrock` CLI
    /// ([`ClientBuilder::from_env`](bedrock_host::ClientBuilder::from_env)); credentials are
    /// resolved without blocking the executor. Reads the settings files on the calling thread.
    ///
    /// # Errors
    ///
    /// An unreadable or invalid settings file, endpoint override or proxy.
    pub fn from_env() -> Result<Self, Error> {
        ClientBuilder::from_env()?.build()
    }

    /// Converse: one request, one response.
    ///
    /// # Errors
    ///
    /// The call's [`Error`], after retries.
    pub async fn converse(&self, request: &Request) -> Result<Response, Error> {
        self.call(request).await
    }

    /// ConverseStream: a [`futures_core::Stream`] that yields each event as its bytes arrive and
    /// ends with the accumulated response (the same value [`converse`](Self::converse)
    /// returns), or with the call's error. Nothing is sent until it is first polled; dropping it
    /// closes its connection.
    pub fn converse_stream(&self, request: &Request) -> Stream {
        let client = self.clone();
        let request = request.clone();
        let items = smol::stream::unfold(
            StreamState::Start(client, Box::new(request)),
            |state| async move {
                let (item, next) = match state {
                    // Boxed: the start (credentials, signing) runs once, and its future, the
                    // largest, would otherwise be part of every open stream for its whole life.
                    StreamState::Start(client, request) => {
                        // Boxed within this statement: a `Call` (2 KiB) kept as the match's
                        // temporary would have a slot in this state machine for good.
                        let call = Box::pin(client.start(&request, Operation::ConverseStream))
                            .await
                            .map(Box::new);
                        match call {
                            Ok(call) => next_item(call).await,
                            Err(error) => (Some(Err(error)), StreamState::Done),
                        }
                    }
                    StreamState::Running(call) => next_item(call).await,
                    StreamState::Done => return None,
                };
                Some((item, next))
            },
        )
        .filter_map(|item| item);
        Stream {
            items: Box::pin(items),
        }
    }

    /// CountTokens: how many input tokens the request would use.
    ///
    /// # Errors
    ///
    /// The call's [`Error`], after retries.
    pub async fn count_tokens(&self, request: &Request) -> Result<u64, Error> {
        self.call(request).await
    }

    async fn call<T: Outcome>(&self, request: &Request) -> Result<T, Error> {
        let mut call = self.start(request, T::OPERATION).await?;
        while let Some(event) = call.next_event().await? {
            if let Some(outcome) = T::from_event(event) {
                return Ok(outcome);
            }
        }
        Err(T::missing())
    }

    async fn start(&self, request: &Request, operation: Operation) -> Result<Call, Error> {
        let config = &self.inner.config;
        let route = config.route(&request.model)?;
        let auth = credentials::auth(&*config.credentials, &route, &self.inner.connector)
            .await
            .map_err(|e| e.with_context(Some(&route.model.id), Some(&route.region)))?;
        let exchange = config.exchange(&route, request, operation, auth)?;
        Ok(Call {
            client: self.clone(),
            target: Target::new(!route.insecure_loopback, &route.host, route.port),
            route,
            exchange,
            conn: None,
        })
    }
}

enum StreamState {
    Start(Client, Box<Request>),
    Running(Box<Call>),
    Done,
}

/// The next item of a stream: `Ok(None)` for events the caller does not see. The call stays in
/// its box from event to event.
async fn next_item(mut call: Box<Call>) -> (Option<Result<StreamItem, Error>>, StreamState) {
    match call.next_event().await {
        Ok(Some(event)) => match StreamItem::from_event(event) {
            Some(item @ StreamItem::Response(_)) => (Some(Ok(item)), StreamState::Done),
            item => (item.map(Ok), StreamState::Running(call)),
        },
        Ok(None) => (None, StreamState::Done),
        Err(error) => (Some(Err(error)), StreamState::Done),
    }
}

/// A ConverseStream in progress: a [`futures_core::Stream`] of [`StreamItem`]s.
///
/// Items already decoded are returned without waiting; a poll returns `Pending` only when the
/// next item waits for the network (or a retry's timer). That is the moment to flush output
/// buffered from earlier items: poll once, flush on `Pending`, then await the same `next()`
/// (`examples/async-chat` does), and a read's worth of deltas costs one write.
pub struct Stream {
    items: Pin<Box<dyn futures_core::Stream<Item = Result<StreamItem, Error>> + Send>>,
}

impl std::fmt::Debug for Stream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Stream").finish_non_exhaustive()
    }
}

impl futures_core::Stream for Stream {
    type Item = Result<StreamItem, Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.items.as_mut().poll_next(cx)
    }
}

/// One call in progress: the exchange (whose queue holds the events not yet handed out) and
/// its connection.
struct Call {
    client: Client,
    route: Route,
    target: Target,
    exchange: Exchange,
    conn: Option<Conn>,
}

impl Call {
    /// The next event for the caller (`Head` and `Retry` are handled here), or `None` when the
    /// call is over.
    async fn next_event(&mut self) -> Result<Option<Event>, Error> {
        loop {
            // Straight from the exchange's queue: a second queue here would cost every open
            // stream its capacity (four events, 1 KiB).
            while let Some(event) = self.exchange.poll_event() {
                match event {
                    Event::Head { .. } => {}
                    Event::Retry {
                        delay,
                        reuse_connection,
                        ..
                    } => {
                        if !reuse_connection {
                            self.conn = None;
                        }
                        smol::Timer::after(delay).await;
                        self.exchange.retry(now())?;
                    }
                    other => return Ok(Some(other)),
                }
            }
            if let Some(error) = self.exchange.error() {
                self.conn = None;
                let config = &self.client.inner.config;
                config.credentials.handle_call_error(&self.route, error);
                return Err(error.clone());
            }
            if self.exchange.is_finished() {
                return Ok(None);
            }
            self.advance().await;
            if self.exchange.is_finished() && self.exchange.error().is_none() {
                // Before the last event is handed out: the caller may drop the call then.
                if let Some(conn) = self.conn.take()
                    && self.exchange.keep_alive()
                {
                    self.client.inner.pool.put(self.target.clone(), conn);
                }
            }
        }
    }

    /// Moves the exchange one step: send the pending request bytes, or read from the socket
    /// until bytes arrive, it closes, or the exchange's deadline passes. Failures are recorded
    /// in the exchange (which decides about retries).
    async fn advance(&mut self) {
        if let Some(bytes) = self.exchange.poll_transmit() {
            if let Err((failure, message)) = self.send(&bytes).await {
                self.conn = None;
                let _ = match failure {
                    Some(failure) => {
                        self.exchange
                            .handle_transport_failure(failure, &message, now().now)
                    }
                    None => self.exchange.handle_transport_error(&message, now().now),
                };
            }
            return;
        }
        let Some(conn) = self.conn.as_mut() else {
            // Nothing to send and no connection: the exchange waits for bytes that cannot
            // come; a closed connection is the truth.
            let _ = self.exchange.handle_eof(now().now);
            return;
        };
        let deadline = self.exchange.poll_timeout();
        let exchange = &mut self.exchange;
        // The bytes go to the exchange within the poll that read them.
        let read = std::future::poll_fn(|cx| {
            let mut read_into = |buf: &mut [u8]| match Pin::new(&mut *conn).poll_read(cx, buf) {
                Poll::Ready(Ok(n)) if n > 0 => {
                    let _ = exchange.handle_input(&buf[..n], now().now);
                    Poll::Ready(Some(Ok(n)))
                }
                Poll::Ready(result) => Poll::Ready(Some(result)),
                Poll::Pending => Poll::Pending,
            };
            SCRATCH
                .try_with(|scratch| read_into(&mut scratch.borrow_mut()))
                // The thread is exiting and its buffer is gone: one for this read alone.
                .unwrap_or_else(|_| read_into(&mut [0; 512]))
        });
        let result = match deadline {
            Some((deadline, _)) => {
                read.or(async {
                    smol::Timer::at(std_instant(deadline)).await;
                    None
                })
                .await
            }
            None => read.await,
        };
        let at = now().now;
        let _ = match result {
            None => self.exchange.handle_timeout(at),
            Some(Ok(0)) => {
                self.conn = None;
                self.exchange.handle_eof(at)
            }
            // Already handed to the exchange.
            Some(Ok(_)) => Ok(()),
            Some(Err(e)) => {
                self.conn = None;
                self.exchange
                    .handle_transport_error(&format!("reading the response: {e}"), at)
            }
        };
    }

    /// Writes the request on the current connection, an idle pooled one, or a new one.
    /// Connects if needed and writes the request; a failure comes with its classification
    /// when there is one (a rejected certificate).
    async fn send(&mut self, bytes: &[u8]) -> Result<(), (Option<TransportFailure>, String)> {
        let inner = &self.client.inner;
        let mut conn = match self.conn.take() {
            Some(conn) => conn,
            None => match inner.pool.take(&self.target) {
                Some(conn) => conn,
                // Boxed, as the start: connecting (TLS included) happens once per connection.
                None => Box::pin(inner.connector.connect(&self.target))
                    .await
                    .map_err(|e| {
                        let failure = net::is_certificate_error(&e)
                            .then_some(TransportFailure::TlsCertificate);
                        (failure, e.to_string())
                    })?,
            },
        };
        let sending = |e: std::io::Error| (None, format!("sending the request: {e}"));
        conn.write_all(bytes).await.map_err(sending)?;
        conn.flush().await.map_err(sending)?;
        self.conn = Some(conn);
        Ok(())
    }
}
