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
//! | read buffer | 64 KiB per thread, shared by the calls it polls |

#![forbid(unsafe_code)]

mod credentials;
mod net;

use std::cell::RefCell;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};
use std::time::Duration;

use bedrock_core::error::TransportFailure;
use bedrock_core::exchange::{Event, Exchange, Operation};
use bedrock_core::settings::Route;
use bedrock_host::Outcome;
use bedrock_host::clock::{now, std_instant};
use smol::io::{AsyncRead, AsyncWriteExt as _};

use net::{Conn, Connector, Pool, Target};

pub use bedrock_host::exports::*;

/// Builds a [`Client`]: `Client::builder().settings(..).credentials(..).build()`.
pub type ClientBuilder = bedrock_host::ClientBuilder<Client>;

/// How long an idle keep-alive connection is kept.
const MAX_IDLE_AGE: Duration = Duration::from_secs(30);
/// Idle connections kept per (scheme, host, port).
const MAX_IDLE_PER_TARGET: usize = 16;
/// Bytes read from a socket at a time: a stream arriving faster than it is read costs a
/// read (and a wakeup) per 64 KiB, not per 16. One buffer per thread (below), so the size is
/// cheap.
const READ_BUFFER: usize = 64 * 1024;

thread_local! {
    /// The read buffer of every call polled on this thread: a read hands its bytes to the
    /// exchange (which keeps what it needs) within the poll that read them, so a call waiting
    /// for bytes holds no buffer; ten thousand open streams share 64 KiB instead of 640 MiB.
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
        Stream {
            state: StreamState::New(Box::new((self.clone(), request.clone()))),
        }
    }

    /// A stream's start (credentials, signing), boxed: it runs once, and its future, the
    /// largest, would otherwise be part of every open stream for its whole life. Made at the
    /// first poll, so that a stream not yet polled holds only its request.
    fn start_stream(client: Client, request: Request) -> StartFuture {
        Box::pin(async move {
            let call = client.start(&request, Operation::ConverseStream).await?;
            Ok(Box::new(call))
        })
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
        let outcome = std::future::poll_fn(|cx| call.poll_next(cx, T::from_event)).await;
        outcome.unwrap_or_else(|| Err(T::missing()))
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
            wait: Wait::Idle,
        })
    }
}

/// A ConverseStream in progress: a [`futures_core::Stream`] of [`StreamItem`]s.
///
/// Items already decoded are returned without waiting; a poll returns `Pending` only when the
/// next item waits for the network (or a retry's timer). That is the moment to flush output
/// buffered from earlier items: poll in a `poll_fn` and flush when the poll returns `Pending`
/// (`examples/async-chat` does), and a read's worth of deltas costs one write.
pub struct Stream {
    state: StreamState,
}

/// A stream's boxed start: its call, ready to send.
type StartFuture = Pin<Box<dyn Future<Output = Result<Box<Call>, Error>> + Send>>;

/// Where a stream is. Written out rather than built from stream combinators (`unfold`,
/// `filter_map`, an `async` block per item), each of which added a poll and moved every item
/// once more on its way out: an event now goes from the exchange's queue to the caller
/// through one match.
enum StreamState {
    /// Not polled yet: the client and the request.
    New(Box<(Client, Request)>),
    /// Resolving credentials and signing: once, so boxed (see [`Client::start_stream`]).
    Start(StartFuture),
    /// The call, in its box from event to event.
    Running(Box<Call>),
    /// The response or an error was handed out, or the call ended without either.
    Done,
}

// A stream is `Send` and `Unpin` (as when it was a boxed `dyn Stream + Send`): a work-stealing
// executor may move it between threads, and `StreamExt::next` needs no pinning.
const _: fn() = || {
    fn send_unpin<T: Send + Unpin>() {}
    send_unpin::<Stream>();
};

impl std::fmt::Debug for Stream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Stream").finish_non_exhaustive()
    }
}

impl futures_core::Stream for Stream {
    type Item = Result<StreamItem, Error>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let state = &mut self.get_mut().state;
        if let StreamState::New(_) = state
            && let StreamState::New(new) = std::mem::replace(state, StreamState::Done)
        {
            let (client, request) = *new;
            *state = StreamState::Start(Client::start_stream(client, request));
        }
        if let StreamState::Start(start) = state {
            match ready!(start.as_mut().poll(cx)) {
                Ok(call) => *state = StreamState::Running(call),
                Err(error) => {
                    *state = StreamState::Done;
                    return Poll::Ready(Some(Err(error)));
                }
            }
        }
        let StreamState::Running(call) = state else {
            return Poll::Ready(None);
        };
        let poll = call.poll_next(cx, StreamItem::from_event);
        // Looked at in place: the item goes out as it came.
        if !matches!(
            poll,
            Poll::Pending | Poll::Ready(Some(Ok(StreamItem::Event(_))))
        ) {
            *state = StreamState::Done;
        }
        poll
    }
}

/// One call in progress: the exchange (whose queue holds the events not yet handed out), its
/// connection, and what it waits for.
///
/// A state machine polled by hand ([`poll_next`](Self::poll_next)) rather than an
/// `async fn`: the future of an `async fn` would be created and dropped for every event, and
/// each event would be moved through its result and every layer awaiting it.
struct Call {
    client: Client,
    route: Route,
    target: Target,
    exchange: Exchange,
    conn: Option<Conn>,
    wait: Wait,
}

/// Type of the future that sends a request: connects (if needed) and writes, handing back the
/// connection, or the failure with its classification when there is one (a rejected
/// certificate).
type Sending =
    Pin<Box<dyn Future<Output = Result<Conn, (Option<TransportFailure>, String)>> + Send>>;

/// What a call waits for between two polls.
enum Wait {
    /// Nothing: the exchange says what comes next.
    Idle,
    /// A retry's delay.
    Retry(smol::Timer),
    /// The request being sent. Boxed: it happens once per attempt, and its future (connecting,
    /// TLS) would otherwise be part of every open call.
    Send(Sending),
    /// Bytes from the connection, until it closes or the exchange's deadline (the timer) passes.
    Read(Option<smol::Timer>),
}

impl Call {
    /// The next event for the caller, converted by `convert` (`Head` and `Retry` are handled
    /// here, events it turns down are skipped), the call's error, or `None` when the call is
    /// over. `Pending` only while the call waits for the network or a timer.
    ///
    /// Converted as it leaves the exchange's queue and returned in a stream's own item type
    /// (`Poll<Option<Result<..>>>`), so nothing between here and the caller rewraps it.
    #[inline]
    fn poll_next<T>(
        &mut self,
        cx: &mut Context<'_>,
        convert: impl Fn(Event) -> Option<T>,
    ) -> Poll<Option<Result<T, Error>>> {
        // Most polls find an event decoded by an earlier read: that path is kept small (the
        // rest, with its timers and connections, is a call away).
        if matches!(self.wait, Wait::Idle)
            && let Some(item) = self.next_queued(&convert)
        {
            return Poll::Ready(Some(Ok(item)));
        }
        self.poll_step(cx, convert)
    }

    /// [`poll_next`](Self::poll_next) when no event is queued: waits for what the call waits
    /// for, then moves the exchange on until it has an event for the caller.
    fn poll_step<T>(
        &mut self,
        cx: &mut Context<'_>,
        convert: impl Fn(Event) -> Option<T>,
    ) -> Poll<Option<Result<T, Error>>> {
        loop {
            match &mut self.wait {
                Wait::Idle => {}
                Wait::Retry(timer) => {
                    ready!(Pin::new(timer).poll(cx));
                    self.wait = Wait::Idle;
                    if let Err(error) = self.exchange.retry(now()) {
                        return Poll::Ready(Some(Err(error)));
                    }
                }
                Wait::Send(sending) => {
                    let sent = ready!(sending.as_mut().poll(cx));
                    self.wait = Wait::Idle;
                    match sent {
                        Ok(conn) => self.conn = Some(conn),
                        Err((failure, message)) => {
                            self.conn = None;
                            let _ = match failure {
                                Some(failure) => self.exchange.handle_transport_failure(
                                    failure,
                                    &message,
                                    now().now,
                                ),
                                None => self.exchange.handle_transport_error(&message, now().now),
                            };
                        }
                    }
                    self.release_connection();
                }
                Wait::Read(deadline) => {
                    let read = poll_read(self.conn.as_mut(), &mut self.exchange, cx);
                    let result = match read {
                        Poll::Ready(result) => Some(result),
                        // The bytes first, as they come; then the deadline.
                        Poll::Pending => {
                            let passed = deadline
                                .as_mut()
                                .is_some_and(|timer| Pin::new(timer).poll(cx).is_ready());
                            if !passed {
                                return Poll::Pending;
                            }
                            None
                        }
                    };
                    self.wait = Wait::Idle;
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
                    self.release_connection();
                }
            }
            if let Some(item) = self.next_queued(&convert) {
                return Poll::Ready(Some(Ok(item)));
            }
            if !matches!(self.wait, Wait::Idle) {
                // A retry's delay.
                continue;
            }
            if let Some(error) = self.exchange.error() {
                self.conn = None;
                let config = &self.client.inner.config;
                config.credentials.handle_call_error(&self.route, error);
                return Poll::Ready(Some(Err(error.clone())));
            }
            if self.exchange.is_finished() {
                return Poll::Ready(None);
            }
            self.advance();
        }
    }

    /// The next queued event `convert` takes, straight from the exchange's queue (a second
    /// queue here would cost every open stream its capacity: four events, 1 KiB). `Head` is
    /// skipped; `Retry` stops the call for its delay, and `None` comes back.
    #[inline]
    fn next_queued<T>(&mut self, convert: &impl Fn(Event) -> Option<T>) -> Option<T> {
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
                    self.wait = Wait::Retry(smol::Timer::after(delay));
                    return None;
                }
                other => {
                    if let Some(item) = convert(other) {
                        return Some(item);
                    }
                }
            }
        }
        None
    }

    /// Moves the exchange one step: starts sending the pending request bytes, or starts
    /// reading from the socket until bytes arrive, it closes, or the exchange's deadline
    /// passes. Failures are recorded in the exchange (which decides about retries).
    fn advance(&mut self) {
        if let Some(bytes) = self.exchange.poll_transmit() {
            let send = send(
                self.client.clone(),
                self.target.clone(),
                self.conn.take(),
                bytes,
            );
            self.wait = Wait::Send(Box::pin(send));
            return;
        }
        if self.conn.is_none() {
            // Nothing to send and no connection: the exchange waits for bytes that cannot
            // come; a closed connection is the truth.
            let _ = self.exchange.handle_eof(now().now);
            self.release_connection();
            return;
        }
        let deadline = self.exchange.poll_timeout();
        self.wait =
            Wait::Read(deadline.map(|(deadline, _)| smol::Timer::at(std_instant(deadline))));
    }

    /// After a step: a call that read its whole response puts its connection back in the
    /// pool (when keep-alive holds) before the last event is handed out, since the caller may
    /// drop the call then.
    fn release_connection(&mut self) {
        if self.exchange.is_finished()
            && self.exchange.error().is_none()
            && let Some(conn) = self.conn.take()
            && self.exchange.keep_alive()
        {
            self.client.inner.pool.put(self.target.clone(), conn);
        }
    }
}

/// One read from the connection (none: its end), handed to the exchange within the poll
/// that read it.
fn poll_read(
    conn: Option<&mut Conn>,
    exchange: &mut Exchange,
    cx: &mut Context<'_>,
) -> Poll<std::io::Result<usize>> {
    let Some(conn) = conn else {
        return Poll::Ready(Ok(0));
    };
    let mut read_into = |buf: &mut [u8]| match Pin::new(&mut *conn).poll_read(cx, buf) {
        Poll::Ready(Ok(n)) if n > 0 => {
            let _ = exchange.handle_input(&buf[..n], now().now);
            Poll::Ready(Ok(n))
        }
        other => other,
    };
    SCRATCH
        .try_with(|scratch| read_into(&mut scratch.borrow_mut()))
        // The thread is exiting and its buffer is gone: one for this read alone.
        .unwrap_or_else(|_| read_into(&mut [0; 512]))
}

/// Writes the request on `conn`, an idle pooled connection, or a new one, and hands the
/// connection back. A failure comes with its classification when there is one (a rejected
/// certificate).
async fn send(
    client: Client,
    target: Target,
    conn: Option<Conn>,
    bytes: Vec<u8>,
) -> Result<Conn, (Option<TransportFailure>, String)> {
    let inner = &client.inner;
    let mut conn = match conn {
        Some(conn) => conn,
        None => match inner.pool.take(&target) {
            Some(conn) => conn,
            None => inner.connector.connect(&target).await.map_err(|e| {
                let failure =
                    net::is_certificate_error(&e).then_some(TransportFailure::TlsCertificate);
                (failure, e.to_string())
            })?,
        },
    };
    let sending = |e: std::io::Error| (None, format!("sending the request: {e}"));
    conn.write_all(&bytes).await.map_err(sending)?;
    conn.flush().await.map_err(sending)?;
    Ok(conn)
}
