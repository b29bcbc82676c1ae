//! The socket side: the accept loop, one thread per connection, reading requests (heads with
//! `httparse`, bodies by `Content-Length` or chunked), writing replies and carrying out the
//! delivery faults (drip, stall, slow head, close mid-frame).
//!
//! Every blocking read polls in [`POLL`] slices, checking the shutdown flag in between, and every
//! wait (a drip, a slow head) sleeps on a condition variable that shutdown signals, so shutdown
//! never waits on a client.
//!
//! The HTTPS listener, when configured, serves the same code path: its connections are a
//! [`MaybeTls::Tls`] (rustls' `StreamOwned` over the same `TcpStream`), and the socket's read
//! timeout surfaces through rustls unchanged (`WouldBlock`, the TLS state intact), so polling
//! works the same over TLS.

use std::collections::VecDeque;
use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use bedrock_core::http1::{ChunkedDecoder, ChunkedStep};
use rustls::{ServerConfig, ServerConnection};

use super::maybe_tls::MaybeTls;
use super::request::Request;
use super::rng::Rng;
use super::scenario::Fault;
use super::service::{self, BodyEnd, Reply, ReplyBody, Service};
use super::stream::{self, StreamEnd};
use super::tls::{self, Tls};
use super::{EmulatorConfig, EmulatorHandle, MAX_RECORDS, RequestRecord};

/// How often blocked reads look at the shutdown flag while few connections are open (see
/// [`Shared::read_slice`]); also the accept loop's pause after a failed accept.
const POLL: Duration = Duration::from_millis(50);
/// The longest read slice, with thousands of connections open.
const MAX_READ_SLICE: Duration = Duration::from_secs(1);
/// How long a write may block on a client that does not read.
const WRITE_TIMEOUT: Duration = Duration::from_secs(10);
/// Largest request head.
const MAX_HEAD: usize = 64 * 1024;
/// Largest request body.
const MAX_BODY: usize = 32 * 1024 * 1024;
/// Most header lines in a request head.
const MAX_HEADERS: usize = 100;
/// The listen backlog (the kernel caps it at `net.core.somaxconn`): std's fixed 128 drops the
/// SYNs of a burst of thousands of clients, which then wait a second to retry.
const LISTEN_BACKLOG: i32 = 4096;

/// State every thread shares.
#[derive(Debug)]
struct Shared {
    service: Service,
    shutting_down: AtomicBool,
    /// Wakes the threads in [`Shared::sleep`] when shutdown begins.
    wake: (Mutex<()>, Condvar),
    sequence: AtomicU64,
    records: Arc<Mutex<VecDeque<RequestRecord>>>,
    /// Client connections accepted whose thread has not ended yet.
    open: Arc<AtomicUsize>,
    /// Client connections accepted so far (either listener).
    accepted: Arc<AtomicUsize>,
}

impl Shared {
    fn is_shutting_down(&self) -> bool {
        self.shutting_down.load(Ordering::SeqCst)
    }

    /// Sleeps `duration`; `false` if shutdown began meanwhile. One wake-up per sleep, not one
    /// per [`POLL`] slice: ten thousand dripping connections would otherwise wake 200 000
    /// times a second and starve the clients under test of CPU.
    fn sleep(&self, duration: Duration) -> bool {
        let deadline = Instant::now() + duration;
        let (lock, condvar) = &self.wake;
        let mut guard = lock.lock().unwrap_or_else(PoisonError::into_inner);
        loop {
            // Checked under the lock that `begin_shutdown` takes to notify: no lost wake-up.
            if self.is_shutting_down() {
                return false;
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return true;
            }
            guard = condvar
                .wait_timeout(guard, left)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
    }

    /// How long a blocked read waits before looking at the shutdown flag again: [`POLL`] while
    /// fewer than 500 connections are open, one more `POLL` per 500 beyond, up to
    /// [`MAX_READ_SLICE`]. Ten thousand idle connections polling every 50 ms would wake 200 000
    /// times a second; at 1 s they wake 10 000 times, and shutdown still ends within a second.
    fn read_slice(&self) -> Duration {
        let open = u32::try_from(self.open.load(Ordering::Relaxed)).unwrap_or(u32::MAX);
        POLL.saturating_mul(1 + open / 500).min(MAX_READ_SLICE)
    }

    /// Sets the shutdown flag and wakes every sleeper.
    fn begin_shutdown(&self) {
        self.shutting_down.store(true, Ordering::SeqCst);
        let _guard = self.wake.0.lock().unwrap_or_else(PoisonError::into_inner);
        self.wake.1.notify_all();
    }

    fn record(&self, record: RequestRecord) {
        let mut records = self.records.lock().unwrap_or_else(PoisonError::into_inner);
        if records.len() == MAX_RECORDS {
            records.pop_front();
        }
        records.push_back(record);
    }
}

/// The running server behind an [`EmulatorHandle`].
#[derive(Debug)]
pub(crate) struct Server {
    /// Every listening address (plain, then TLS), to wake their accept threads at shutdown.
    addrs: Vec<SocketAddr>,
    shared: Arc<Shared>,
    accepts: Vec<JoinHandle<()>>,
    connections: Arc<Mutex<Vec<JoinHandle<()>>>>,
}

impl Server {
    /// Stops accepting, lets every connection thread notice, joins them all.
    pub(crate) fn shutdown(mut self) {
        self.shared.begin_shutdown();
        // Wake the blocking accepts.
        for addr in &self.addrs {
            drop(TcpStream::connect_timeout(addr, Duration::from_secs(1)));
        }
        for accept in self.accepts.drain(..) {
            let _ = accept.join();
        }
        let connections = std::mem::take(
            &mut *self
                .connections
                .lock()
                .unwrap_or_else(PoisonError::into_inner),
        );
        for connection in connections {
            let _ = connection.join();
        }
    }

    /// Blocks on the accept threads (which run until shutdown).
    pub(crate) fn wait(mut self) {
        for accept in self.accepts.drain(..) {
            let _ = accept.join();
        }
    }
}

/// A listening socket on `127.0.0.1:port` with a [`LISTEN_BACKLOG`] backlog.
fn listen(port: u16) -> io::Result<TcpListener> {
    use socket2::{Domain, Protocol, Socket, Type};
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let socket = Socket::new(Domain::IPV4, Type::STREAM, Some(Protocol::TCP))?;
    // As std does on Unix: a restarted `serve` can rebind its port at once.
    #[cfg(unix)]
    socket.set_reuse_address(true)?;
    socket.bind(&addr.into())?;
    socket.listen(LISTEN_BACKLOG)?;
    Ok(socket.into())
}

/// Binds (the plain listener, and the TLS one when configured) and starts the accept threads.
pub(crate) fn start(config: EmulatorConfig) -> io::Result<EmulatorHandle> {
    let listener = listen(config.port)?;
    let addr = listener.local_addr()?;
    let tls = match config.tls_port {
        Some(port) => {
            let listener = listen(port)?;
            let addr = listener.local_addr()?;
            Some((listener, addr, tls::generate()?))
        }
        None => None,
    };
    let records = Arc::new(Mutex::new(VecDeque::new()));
    let open = Arc::new(AtomicUsize::new(0));
    let accepted = Arc::new(AtomicUsize::new(0));
    let stack_size = config.connection_stack_size;
    let shared = Arc::new(Shared {
        service: Service::new(config),
        shutting_down: AtomicBool::new(false),
        wake: (Mutex::new(()), Condvar::new()),
        sequence: AtomicU64::new(0),
        records: Arc::clone(&records),
        open: Arc::clone(&open),
        accepted: Arc::clone(&accepted),
    });
    let connections: Arc<Mutex<Vec<JoinHandle<()>>>> = Arc::default();
    let mut listeners = vec![(listener, None)];
    let mut addrs = vec![addr];
    let mut tls_info = None;
    if let Some((listener, tls_addr, Tls { ca_pem, config })) = tls {
        listeners.push((listener, Some(config)));
        addrs.push(tls_addr);
        tls_info = Some((tls_addr, ca_pem));
    }
    let mut accepts = Vec::new();
    for (listener, tls_config) in listeners {
        let thread_shared = Arc::clone(&shared);
        let thread_connections = Arc::clone(&connections);
        let accept = thread::Builder::new()
            .name("bedrock-emulator-accept".into())
            .spawn(move || {
                accept_loop(
                    &listener,
                    &thread_shared,
                    &thread_connections,
                    tls_config.as_ref(),
                    stack_size,
                );
            });
        match accept {
            Ok(accept) => accepts.push(accept),
            Err(e) => {
                // Stop the threads already running before reporting.
                Server {
                    addrs,
                    shared,
                    accepts,
                    connections,
                }
                .shutdown();
                return Err(e);
            }
        }
    }
    Ok(EmulatorHandle {
        addr,
        tls: tls_info,
        server: Some(Server {
            addrs,
            shared,
            accepts,
            connections,
        }),
        records,
        open,
        accepted,
    })
}

/// Decrements the open-connection count when a connection thread ends, however it ends.
struct OpenGuard(Arc<Shared>);

impl Drop for OpenGuard {
    fn drop(&mut self) {
        self.0.open.fetch_sub(1, Ordering::SeqCst);
    }
}

fn accept_loop(
    listener: &TcpListener,
    shared: &Arc<Shared>,
    connections: &Mutex<Vec<JoinHandle<()>>>,
    tls: Option<&Arc<ServerConfig>>,
    stack_size: usize,
) {
    // Finished threads are pruned when the list has doubled since the last pruning: amortized
    // constant work per accept, however many connections are open.
    let mut prune_at = 64;
    for stream in listener.incoming() {
        if shared.is_shutting_down() {
            return;
        }
        let stream = match stream {
            Ok(stream) => stream,
            Err(_) => {
                // Out of file descriptors or an aborted handshake: try again shortly.
                thread::sleep(POLL);
                continue;
            }
        };
        let tls = tls.map(Arc::clone);
        shared.open.fetch_add(1, Ordering::SeqCst);
        shared.accepted.fetch_add(1, Ordering::SeqCst);
        let guard = OpenGuard(Arc::clone(shared));
        let spawned = thread::Builder::new()
            .name("bedrock-emulator-conn".into())
            .stack_size(stack_size)
            .spawn(move || {
                let shared = Arc::clone(&guard.0);
                // The stream is dropped (closed) inside, before the guard counts it out.
                serve_connection(stream, tls, &shared);
                drop(guard);
            });
        // A failed spawn dropped the closure, its stream and its guard.
        if let Ok(handle) = spawned {
            let mut list = connections.lock().unwrap_or_else(PoisonError::into_inner);
            if list.len() >= prune_at {
                list.retain(|h| !h.is_finished());
                prune_at = (list.len() * 2).max(64);
            }
            list.push(handle);
        }
    }
}

/// A client connection: plain TCP, or TLS over it.
type Connection = MaybeTls<ServerConnection>;

/// Why a connection stops reading requests.
enum ReadOutcome {
    /// A complete request.
    Request(Request),
    /// The client closed, went idle too long, or the server is shutting down.
    Closed,
    /// The bytes are not an acceptable request: answer this and close.
    Bad(u16, String),
}

fn serve_connection(tcp: TcpStream, tls: Option<Arc<ServerConfig>>, shared: &Shared) {
    let _ = tcp.set_nodelay(true);
    let _ = tcp.set_read_timeout(Some(shared.read_slice()));
    let _ = tcp.set_write_timeout(Some(WRITE_TIMEOUT));
    let mut stream = match tls {
        None => Connection::Plain(tcp),
        // The handshake runs inside the first read, polled like any other.
        Some(config) => match ServerConnection::new(config) {
            Ok(conn) => Connection::tls(conn, tcp),
            Err(_) => return,
        },
    };
    serve_requests(&mut stream, shared);
    // The end of a connection that closes normally: TLS says `close_notify` first.
    stream.send_close_notify();
}

/// Answers requests until the connection is to close.
fn serve_requests(stream: &mut Connection, shared: &Shared) {
    let mut buffer = Vec::new();
    loop {
        let request = match read_request(stream, &mut buffer, shared) {
            ReadOutcome::Request(request) => request,
            ReadOutcome::Closed => return,
            ReadOutcome::Bad(status, message) => {
                let sequence = shared.sequence.fetch_add(1, Ordering::SeqCst);
                let mut reply = service::bad_request(&message, Rng::new(sequence));
                reply.status = status;
                let request_id = Rng::new(!sequence).uuid();
                let _ = write_reply(stream, shared, reply, true, &request_id);
                return;
            }
        };
        let sequence = shared.sequence.fetch_add(1, Ordering::SeqCst);
        let (reply, mut record) = shared.service.handle(&request, sequence);
        record.tls = stream.is_tls();
        let request_id = record.request_id.clone();
        shared.record(record);
        let close = request.wants_close();
        match write_reply(stream, shared, reply, close, &request_id) {
            Ok(true) => {}
            Ok(false) | Err(_) => return,
        }
    }
}

/// Reads one request into `buffer` (which keeps any bytes of the next, pipelined request).
fn read_request(stream: &mut Connection, buffer: &mut Vec<u8>, shared: &Shared) -> ReadOutcome {
    let (head_len, mut request, framing) = loop {
        // Heads are a few hundred bytes: parsing the buffer again after each read is simpler
        // than keeping parser state, and bounded by MAX_HEAD.
        let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
        let mut parsed = httparse::Request::new(&mut headers);
        match parsed.parse(buffer) {
            Ok(httparse::Status::Complete(len)) => {
                let request = Request {
                    method: parsed.method.unwrap_or_default().to_string(),
                    target: parsed.path.unwrap_or_default().to_string(),
                    minor_version: parsed.version.unwrap_or(1),
                    headers: parsed
                        .headers
                        .iter()
                        .map(|h| (h.name.to_string(), h.value.to_vec()))
                        .collect(),
                    body: Vec::new(),
                };
                match body_framing(&request) {
                    Ok(framing) => break (len, request, framing),
                    Err(message) => return ReadOutcome::Bad(400, message),
                }
            }
            Ok(httparse::Status::Partial) => {
                if buffer.len() > MAX_HEAD {
                    return ReadOutcome::Bad(431, "request head too large".into());
                }
            }
            Err(e) => return ReadOutcome::Bad(400, format!("malformed request head: {e}")),
        }
        match read_more(stream, buffer, shared) {
            Ok(true) => {}
            Ok(false) | Err(_) => return ReadOutcome::Closed,
        }
    };
    buffer.drain(..head_len);
    if request
        .header("expect")
        .is_some_and(|v| v.eq_ignore_ascii_case("100-continue"))
        && stream.write_all(b"HTTP/1.1 100 Continue\r\n\r\n").is_err()
    {
        return ReadOutcome::Closed;
    }
    let body = match framing {
        Framing::Length(len) => {
            while buffer.len() < len {
                match read_more(stream, buffer, shared) {
                    Ok(true) => {}
                    Ok(false) | Err(_) => return ReadOutcome::Closed,
                }
            }
            buffer.drain(..len).collect()
        }
        Framing::Chunked => match read_chunked(stream, buffer, shared) {
            Ok(Some(body)) => body,
            Ok(None) => return ReadOutcome::Closed,
            Err(message) => return ReadOutcome::Bad(400, message),
        },
    };
    request.body = body;
    ReadOutcome::Request(request)
}

/// How a request body is delimited (RFC 9112 §6.3: a request without either has none).
enum Framing {
    Length(usize),
    Chunked,
}

fn body_framing(request: &Request) -> Result<Framing, String> {
    if let Some(te) = request.header("transfer-encoding") {
        return if te
            .rsplit(',')
            .next()
            .is_some_and(|last| last.trim().eq_ignore_ascii_case("chunked"))
        {
            Ok(Framing::Chunked)
        } else {
            Err(format!("unsupported transfer-encoding {te:?}"))
        };
    }
    let Some(length) = request.header("content-length") else {
        return Ok(Framing::Length(0));
    };
    match length.trim().parse::<usize>() {
        Ok(len) if len <= MAX_BODY => Ok(Framing::Length(len)),
        Ok(len) => Err(format!("request body of {len} bytes exceeds {MAX_BODY}")),
        Err(_) => Err(format!("invalid content-length {length:?}")),
    }
}

/// De-frames a chunked request body with the core's [`ChunkedDecoder`], reading until it is
/// complete; what follows it (a pipelined request) stays in `buffer`. `Ok(None)` when the
/// connection ended first.
fn read_chunked(
    stream: &mut Connection,
    buffer: &mut Vec<u8>,
    shared: &Shared,
) -> Result<Option<Vec<u8>>, String> {
    let mut decoder = ChunkedDecoder::default();
    let mut body = Vec::new();
    loop {
        let mut input = buffer.as_slice();
        let done = loop {
            match decoder.decode(&mut input) {
                Ok(ChunkedStep::Data(data)) => body.extend_from_slice(data),
                Ok(ChunkedStep::NeedMore) => break false,
                Ok(ChunkedStep::Done) => break true,
                Err(e) => return Err(format!("malformed chunked body: {e}")),
            }
        };
        let consumed = buffer.len() - input.len();
        buffer.drain(..consumed);
        if body.len() > MAX_BODY {
            return Err(format!("request body exceeds {MAX_BODY} bytes"));
        }
        if done {
            return Ok(Some(body));
        }
        match read_more(stream, buffer, shared) {
            Ok(true) => {}
            Ok(false) | Err(_) => return Ok(None),
        }
    }
}

/// Reads whatever arrives into `buffer`. `Ok(false)` on end of stream, on shutdown, or when
/// nothing arrived for the configured idle timeout (a silent client never holds a thread).
fn read_more(stream: &mut Connection, buffer: &mut Vec<u8>, shared: &Shared) -> io::Result<bool> {
    let idle_limit = shared.service.config.idle_timeout;
    let since = Instant::now();
    let mut chunk = [0u8; 16 * 1024];
    loop {
        if shared.is_shutting_down() {
            return Ok(false);
        }
        match stream.read(&mut chunk) {
            Ok(0) => return Ok(false),
            Ok(n) => {
                buffer.extend_from_slice(&chunk[..n]);
                return Ok(true);
            }
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                ) =>
            {
                if since.elapsed() >= idle_limit {
                    return Ok(false);
                }
                // The slice follows the number of open connections.
                let _ = stream.tcp().set_read_timeout(Some(shared.read_slice()));
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        400 => "Bad Request",
        403 => "Forbidden",
        404 => "Not Found",
        408 => "Request Timeout",
        424 => "Failed Dependency",
        429 => "Too Many Requests",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        _ => "Unknown",
    }
}

/// Writes `reply`; `Ok(true)` when the connection can carry another request.
fn write_reply(
    stream: &mut Connection,
    shared: &Shared,
    mut reply: Reply,
    close: bool,
    request_id: &str,
) -> io::Result<bool> {
    if let Some(delay) = reply.slow_head
        && !shared.sleep(delay)
    {
        return Ok(false);
    }
    let now = shared.service.config.clock.now();
    let id_header = if reply.mantle {
        format!("x-request-id: req_{}", request_id.replace('-', ""))
    } else {
        format!("x-amzn-RequestId: {request_id}")
    };
    let mut head = format!(
        "HTTP/1.1 {} {}\r\nDate: {}\r\n{id_header}\r\nContent-Type: {}\r\n",
        reply.status,
        reason(reply.status),
        now.to_http_date(),
        reply.content_type,
    );
    if let Some(error_type) = reply.error_type.as_ref().filter(|_| !reply.mantle) {
        head.push_str(&format!("x-amzn-ErrorType: {error_type}\r\n"));
    }
    let ends_early = match &reply.body {
        ReplyBody::Json { end, .. } => *end != BodyEnd::Complete,
        ReplyBody::Stream(plan) => plan.end != StreamEnd::Complete,
    };
    let close = close || ends_early || reply.head_fault == Some(Fault::CutHead);
    match &reply.body {
        ReplyBody::Json { bytes, .. } => {
            head.push_str(&format!("Content-Length: {}\r\n", bytes.len()));
        }
        ReplyBody::Stream(_) => head.push_str("Transfer-Encoding: chunked\r\n"),
    }
    if close {
        head.push_str("Connection: close\r\n");
    }
    match reply.head_fault {
        Some(Fault::CutHead) => {
            stream.write_all(&head.as_bytes()[..head.len() / 2])?;
            stream.flush()?;
            stream.abort();
            return Ok(false);
        }
        Some(Fault::OversizeHead) => {
            // 40 lines of 2 000 bytes: each under the 4 KiB line limits of clients, together
            // over their 64 KiB head limit.
            for i in 0..40 {
                head.push_str(&format!("x-emulator-padding-{i}: {}\r\n", "p".repeat(2000)));
            }
        }
        _ => {}
    }
    head.push_str("\r\n");

    match &reply.body {
        ReplyBody::Json { bytes, end } => {
            let mut out = head.into_bytes();
            match *end {
                BodyEnd::Complete => {
                    out.extend_from_slice(bytes);
                    stream.write_all(&out)?;
                }
                BodyEnd::CloseAfter(n) => {
                    out.extend_from_slice(&bytes[..n]);
                    stream.write_all(&out)?;
                    stream.flush()?;
                    stream.abort();
                }
                BodyEnd::StallAfter(n) => {
                    out.extend_from_slice(&bytes[..n]);
                    stream.write_all(&out)?;
                    stall(stream, shared);
                }
            }
        }
        ReplyBody::Stream(plan) => {
            stream.write_all(head.as_bytes())?;
            let rng = &mut reply.rng;
            match reply.drip {
                Some(delay) => {
                    for (i, frame) in plan.frames.iter().enumerate() {
                        if i > 0 && !shared.sleep(delay) {
                            return Ok(false);
                        }
                        let mut out = Vec::new();
                        stream::push_frame(&mut out, frame, plan.chunk_per_frame, rng);
                        stream.write_all(&out)?;
                    }
                }
                None if plan.chunk_per_frame => {
                    let mut out = Vec::new();
                    for frame in &plan.frames {
                        stream::push_frame(&mut out, frame, true, rng);
                    }
                    stream.write_all(&out)?;
                }
                None => {
                    let mut out = Vec::new();
                    stream::push_chunks(&mut out, &plan.frames.concat(), rng);
                    stream.write_all(&out)?;
                }
            }
            match &plan.end {
                StreamEnd::Complete => stream.write_all(stream::LAST_CHUNK)?,
                StreamEnd::CloseMidFrame(half) => {
                    let mut out = Vec::new();
                    stream::push_chunks(&mut out, half, rng);
                    stream.write_all(&out)?;
                    stream.flush()?;
                    stream.abort();
                }
                StreamEnd::Stall => stall(stream, shared),
                StreamEnd::CloseInChunkSize => {
                    stream.write_all(b"1")?;
                    stream.flush()?;
                    stream.abort();
                }
                StreamEnd::CloseInChunkData(frame) => {
                    let mut out = format!("{:x}\r\n", frame.len()).into_bytes();
                    out.extend_from_slice(&frame[..frame.len() / 2]);
                    stream.write_all(&out)?;
                    stream.flush()?;
                    stream.abort();
                }
                StreamEnd::Oversize(frame) => {
                    let mut out = format!("{:x}\r\n", frame.len()).into_bytes();
                    out.extend_from_slice(frame);
                    out.extend_from_slice(b"\r\n");
                    // The client may stop reading (and close) at any point of it.
                    let _ = stream.write_all(&out).and_then(|()| stream.flush());
                    stream.abort();
                }
                StreamEnd::EndlessChunk => {
                    // A chunk size, then a chunk extension that never ends: 1 MiB of it, or until
                    // the client stops reading.
                    let extension = [b'x'; 8 * 1024];
                    let mut sent = stream.write_all(b"10;");
                    for _ in 0..128 {
                        if sent.is_err() || shared.is_shutting_down() {
                            break;
                        }
                        sent = stream.write_all(&extension);
                    }
                    let _ = stream.flush();
                    stream.abort();
                }
            }
        }
    }
    stream.flush()?;
    Ok(!close)
}

/// Holds the connection open and silent until the client disconnects, the stall limit passes or
/// the server shuts down; then closes it (no final chunk: the body stays incomplete).
fn stall(stream: &mut Connection, shared: &Shared) {
    let _ = stream.flush();
    let limit = shared.service.config.stall_limit;
    let started = Instant::now();
    let mut scratch = [0u8; 1024];
    while started.elapsed() < limit && !shared.is_shutting_down() {
        match stream.read(&mut scratch) {
            // The client gave up.
            Ok(0) => break,
            // The client sent more (a pipelined request): ignore it, we never answer.
            Ok(_) => {}
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                ) => {}
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(_) => break,
        }
    }
    stream.abort();
}
