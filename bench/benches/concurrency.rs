//! Many concurrent ConverseStreams against the Bedrock emulator: the async client with every
//! stream a task on one `smol::LocalExecutor` on one thread, and the blocking client with one
//! thread per stream. For each client and N it measures the client process's CPU time per
//! stream event and its memory per open stream.
//!
//! Run with `cargo bench -p bedrock-bench --bench concurrency` (about a minute once built).
//! Arguments filter the rows by `client N`: `… --bench concurrency -- async` runs the async rows,
//! `-- "TLS 1000"` one row, `-- breakdown` only the breakdown. `BENCH_DRIP_MS=T` overrides the
//! drip interval (for a slower machine, where the last streams open late).
//!
//! | rows | N |
//! |---|---|
//! | `async`: `bedrock_async::Client`, plain HTTP, every stream a task of one `smol::LocalExecutor` run by `smol::block_on` on the main thread | 100, 1 000, 10 000 |
//! | `async TLS`: the same over the emulator's HTTPS listener (its CA trusted with `ca_bundle`) | 100, 1 000, 10 000 |
//! | `blocking`: `bedrock_blocking::Client`, plain HTTP, one thread per stream | 100, 1 000 |
//!
//! The emulator runs in a child process (this binary, re-executed with
//! `BEDROCK_BENCH_EMULATOR=1`: `bedrock_conformance::child`, the emulator with its HTTPS listener),
//! so neither its memory nor its CPU time is counted. The benchmark raises `RLIMIT_NOFILE` to its
//! hard limit first (the child inherits it): 10 000 streams need 10 000 sockets on each side.
//!
//! Every stream sends the same 8-word prompt with `[drip:T]`: the emulator sends the response
//! head and `messageStart` at once, then one frame every T ms (12 frames, 11 stream events), so
//! each stream stays open for 11 T. T grows with N (100 ms up to N = 100, 400 ms up to 1 000,
//! 1.5 s beyond) so that the last stream has its first event long before the first one ends. The
//! clients sign with SigV4 (the emulator's default key pair).
//!
//! | column | how |
//! |---|---|
//! | events | stream events received (`StreamItem::Event`; the final `Response` is not counted) |
//! | wall | from the first stream started to the last one ended |
//! | CPU per event | this process's user + system CPU time (`getrusage(RUSAGE_SELF)`, every thread) over the whole row, divided by the events: connect, TLS, signing, the request, parsing and the per-stream setup are all in it |
//! | heap per open stream | live heap bytes (a counting `#[global_allocator]` around `System`) when every stream has received its first event and none has ended, minus the bytes live before the first stream started, divided by N |
//! | RSS per open stream | the same difference of `VmRSS` (`/proc/self/status`), divided by N; freed memory is returned to the system (`malloc_trim`) before the baseline |
//!
//! Before the rows, one stream per client warms up what is created once (the reactor, the TLS
//! configuration, lazily built tables). A row whose streams did not all stay open at the sample,
//! or that saw errors, says so below the table.
//!
//! After the table, the async client's heap per open plain-HTTP stream (N = 1 000) is split into
//! its parts: its executor task, the core `Exchange` (one exchange driven by hand over a std
//! `TcpStream` to the same point: signed, request handed out, first event taken) and the rest
//! (the adapter's boxed call around the exchange, the socket); and what a stream holds before
//! its first poll (its copy of the request), freed when it starts.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::{Cell, RefCell};
use std::io::Write as _;
use std::rc::Rc;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use bedrock_conformance::child::{self, EmulatorProcess};
use bedrock_conformance::emulator::{
    DEFAULT_ACCESS_KEY_ID, DEFAULT_SECRET_ACCESS_KEY, EmulatorConfig,
};
use bedrock_core::auth::Auth;
use bedrock_core::settings::Settings;
use bedrock_core::sigv4::Credentials;
use bedrock_host::{StaticCredentials, StreamItem, Timeouts};
use smol::stream::StreamExt as _;

/// Live heap bytes, counted by [`Counting`].
static LIVE: AtomicUsize = AtomicUsize::new(0);

/// `System`, counting the bytes it hands out and takes back.
struct Counting;

#[global_allocator]
static ALLOCATOR: Counting = Counting;

// SAFETY: every method forwards its arguments unchanged to `System`, which upholds the
// `GlobalAlloc` contract; the counter is only arithmetic on the sizes.
#[allow(unsafe_code, reason = "a global allocator is an unsafe trait")]
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller's contract is `System.alloc`'s.
        let ptr = unsafe { System.alloc(layout) };
        if !ptr.is_null() {
            LIVE.fetch_add(layout.size(), Ordering::Relaxed);
        }
        ptr
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: as `alloc`.
        let ptr = unsafe { System.alloc_zeroed(layout) };
        if !ptr.is_null() {
            LIVE.fetch_add(layout.size(), Ordering::Relaxed);
        }
        ptr
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` and `layout` come from this allocator, that is from `System`.
        unsafe { System.dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: as `dealloc`, and the caller's contract is `System.realloc`'s.
        let new = unsafe { System.realloc(ptr, layout, new_size) };
        if !new.is_null() {
            LIVE.fetch_add(new_size, Ordering::Relaxed);
            LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        }
        new
    }
}

fn live_heap() -> usize {
    LIVE.load(Ordering::Relaxed)
}

/// This process's user + system CPU time, every thread.
fn cpu_time() -> Duration {
    // SAFETY: `getrusage` writes one `rusage` into the zeroed value it is given.
    #[allow(unsafe_code, reason = "libc call")]
    let usage = unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        libc::getrusage(libc::RUSAGE_SELF, &mut usage);
        usage
    };
    let time = |t: libc::timeval| {
        Duration::from_secs(u64::try_from(t.tv_sec).unwrap_or(0))
            + Duration::from_micros(u64::try_from(t.tv_usec).unwrap_or(0))
    };
    time(usage.ru_utime) + time(usage.ru_stime)
}

/// Returns freed heap memory to the system, so that an RSS baseline is not lowered by memory
/// a previous row freed but the allocator kept.
fn trim_heap() {
    #[cfg(target_env = "gnu")]
    // SAFETY: `malloc_trim` only releases free memory.
    #[allow(unsafe_code, reason = "libc call")]
    unsafe {
        libc::malloc_trim(0);
    }
}

/// Raises the soft limit on open files to the hard limit; returns the limit in force.
fn raise_file_limit() -> u64 {
    // SAFETY: `getrlimit`/`setrlimit` read and write one `rlimit`.
    #[allow(unsafe_code, reason = "libc calls")]
    unsafe {
        let mut limit: libc::rlimit = std::mem::zeroed();
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) != 0 {
            return 1024;
        }
        limit.rlim_cur = limit.rlim_max;
        libc::setrlimit(libc::RLIMIT_NOFILE, &limit);
        libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit);
        limit.rlim_cur
    }
}

const EMULATOR_VAR: &str = "BEDROCK_BENCH_EMULATOR";
const MODEL: &str = "us.anthropic.claude-haiku-4-5";
/// Eight words; the emulator echoes them one per delta.
const PROMPT: &str = "one two three four five six seven eight";
/// Longest a row may wait for all its streams to have their first event.
const OPEN_LIMIT: Duration = Duration::from_secs(60);

fn settings(url: &str) -> Settings {
    Settings::parse(&format!(
        "[llm.providers.bedrock]\nenabled = true\nbase_url = \"{url}\"\nregion = \"us-east-1\"\n"
    ))
    .expect("settings")
}

/// The builder both adapters share: the emulator's endpoint, SigV4 with its default key pair,
/// generous timeouts (a row's last streams wait behind thousands of others).
fn builder<C: bedrock_host::FromConfig>(
    url: &str,
    ca_pem: Option<&str>,
) -> bedrock_host::ClientBuilder<C> {
    let credentials = Credentials::new(DEFAULT_ACCESS_KEY_ID, DEFAULT_SECRET_ACCESS_KEY)
        .expect("the emulator's key pair");
    let timeout = Duration::from_secs(120);
    let builder = bedrock_host::ClientBuilder::new()
        .settings(settings(url))
        .credentials(Arc::new(StaticCredentials(Auth::SigV4(credentials))))
        .timeouts(Timeouts::new(timeout, timeout, timeout));
    match ca_pem {
        Some(pem) => builder.ca_bundle(pem),
        None => builder,
    }
}

fn request(drip: Duration) -> bedrock_core::model::Request {
    bedrock_core::model::Request::new(MODEL)
        .user(format!("{PROMPT} [drip:{}]", drip.as_millis()))
        .max_tokens(256)
}

/// The drip interval for N streams: each stream lasts 11 intervals, and the last stream to
/// start must get its first event well before the first one ends.
fn drip_for(n: usize) -> Duration {
    if let Some(ms) = std::env::var("BENCH_DRIP_MS")
        .ok()
        .and_then(|v| v.parse().ok())
    {
        return Duration::from_millis(ms);
    }
    match n {
        0..=100 => Duration::from_millis(100),
        101..=1_000 => Duration::from_millis(400),
        _ => Duration::from_millis(1_500),
    }
}

/// What a row counts while it runs.
#[derive(Default)]
struct Progress {
    first: usize,
    finished: usize,
    failed: usize,
    events: u64,
    errors: Vec<String>,
}

/// One measured row.
struct Row {
    client: &'static str,
    n: usize,
    events: u64,
    wall: Duration,
    cpu: Duration,
    heap_per_stream: f64,
    rss_per_stream: f64,
    /// When every stream had its first event (the sample).
    opened: Duration,
    notes: Vec<String>,
}

/// The counters sampled before a row starts.
struct Baseline {
    heap: usize,
    rss: u64,
    cpu: Duration,
    at: Instant,
}

impl Baseline {
    fn take() -> Self {
        trim_heap();
        Self {
            heap: live_heap(),
            rss: child::rss(),
            cpu: cpu_time(),
            at: Instant::now(),
        }
    }
}

/// The counters at the moment every stream is open, per stream.
fn per_stream(baseline: &Baseline, n: usize) -> (f64, f64, Duration) {
    let heap = live_heap().saturating_sub(baseline.heap) as f64 / n as f64;
    let rss = child::rss().saturating_sub(baseline.rss) as f64 / n as f64;
    (heap, rss, baseline.at.elapsed())
}

/// `n` streams as tasks of one `LocalExecutor` on this thread.
fn run_async(
    client: &bedrock_async::Client,
    label: &'static str,
    n: usize,
    request: &bedrock_core::model::Request,
) -> Row {
    let progress = Rc::new(RefCell::new(Progress::default()));
    let executor = smol::LocalExecutor::new();
    let baseline = Baseline::take();
    let mut sample = None;
    let mut notes = Vec::new();
    smol::block_on(executor.run(async {
        let tasks: Vec<_> = (0..n)
            .map(|_| {
                let progress = Rc::clone(&progress);
                let mut stream = client.converse_stream(request);
                executor.spawn(async move {
                    let mut seen_first = false;
                    while let Some(item) = stream.next().await {
                        let mut p = progress.borrow_mut();
                        match item {
                            Ok(StreamItem::Event(_)) => {
                                p.events += 1;
                                if !seen_first {
                                    seen_first = true;
                                    p.first += 1;
                                }
                            }
                            Ok(StreamItem::Response(_)) => {}
                            Err(error) => {
                                p.failed += 1;
                                if p.errors.len() < 3 {
                                    p.errors.push(error.to_string());
                                }
                                return;
                            }
                        }
                    }
                    progress.borrow_mut().finished += 1;
                })
            })
            .collect();
        let waited = Instant::now();
        loop {
            let (ready, p) = {
                let p = progress.borrow();
                (p.first + p.failed >= n, (p.first, p.finished, p.failed))
            };
            if ready || waited.elapsed() > OPEN_LIMIT {
                sample = Some(per_stream(&baseline, n));
                let open = p.0 - p.1;
                if open < n {
                    notes.push(format!(
                        "{label} N={n}: {open} of {n} streams open at the sample ({} ended, {} failed)",
                        p.1, p.2
                    ));
                }
                break;
            }
            smol::Timer::after(Duration::from_millis(2)).await;
        }
        for task in tasks {
            task.await;
        }
    }));
    finish_row(label, n, &baseline, sample, &progress.borrow(), notes)
}

/// `n` streams, one thread each.
fn run_blocking(
    client: &bedrock_blocking::Client,
    label: &'static str,
    n: usize,
    request: &bedrock_core::model::Request,
) -> Row {
    let progress = std::sync::Mutex::new(Progress::default());
    // Streams with a first event, and those of them that have ended.
    let first = AtomicUsize::new(0);
    let closed = AtomicUsize::new(0);
    let baseline = Baseline::take();
    let mut sample = None;
    let mut notes = Vec::new();
    std::thread::scope(|scope| {
        for _ in 0..n {
            let (progress, first, closed) = (&progress, &first, &closed);
            scope.spawn(move || {
                let mut events = 0;
                let mut error = None;
                match client.converse_stream(request) {
                    Ok(stream) => {
                        for item in stream {
                            match item {
                                Ok(StreamItem::Event(_)) => {
                                    if events == 0 {
                                        first.fetch_add(1, Ordering::SeqCst);
                                    }
                                    events += 1;
                                }
                                Ok(StreamItem::Response(_)) => {}
                                Err(e) => {
                                    error = Some(e.to_string());
                                    break;
                                }
                            }
                        }
                    }
                    Err(e) => error = Some(e.to_string()),
                }
                if events > 0 {
                    closed.fetch_add(1, Ordering::SeqCst);
                }
                let mut p = progress.lock().unwrap_or_else(|e| e.into_inner());
                p.events += events;
                match error {
                    Some(e) => {
                        p.failed += 1;
                        if p.errors.len() < 3 {
                            p.errors.push(e);
                        }
                    }
                    None => p.finished += 1,
                }
            });
        }
        let waited = Instant::now();
        loop {
            let failed = progress.lock().unwrap_or_else(|e| e.into_inner()).failed;
            let started = first.load(Ordering::SeqCst);
            if started + failed >= n || waited.elapsed() > OPEN_LIMIT {
                sample = Some(per_stream(&baseline, n));
                let open = started - closed.load(Ordering::SeqCst).min(started);
                if open < n {
                    notes.push(format!(
                        "{label} N={n}: {open} of {n} streams open at the sample"
                    ));
                }
                break;
            }
            std::thread::sleep(Duration::from_millis(2));
        }
    });
    let progress = progress.into_inner().unwrap_or_else(|e| e.into_inner());
    finish_row(label, n, &baseline, sample, &progress, notes)
}

fn finish_row(
    client: &'static str,
    n: usize,
    baseline: &Baseline,
    sample: Option<(f64, f64, Duration)>,
    progress: &Progress,
    mut notes: Vec<String>,
) -> Row {
    let wall = baseline.at.elapsed();
    let cpu = cpu_time().saturating_sub(baseline.cpu);
    if progress.failed > 0 {
        notes.push(format!(
            "{client} N={n}: {} streams failed, e.g. {:?}",
            progress.failed, progress.errors
        ));
    }
    let (heap_per_stream, rss_per_stream, opened) =
        sample.unwrap_or((f64::NAN, f64::NAN, Duration::ZERO));
    Row {
        client,
        n,
        events: progress.events,
        wall,
        cpu,
        heap_per_stream,
        rss_per_stream,
        opened,
        notes,
    }
}

/// Where the async client's heap per open stream goes, on plain HTTP: `n` streams created
/// (not yet polled), then as executor tasks, then open (first event received); and the core's
/// exchange alone, driven by hand over a std `TcpStream` to the same point.
fn async_breakdown(
    client: &bedrock_async::Client,
    endpoint: &str,
    n: usize,
    request: &bedrock_core::model::Request,
) {
    let executor = smol::LocalExecutor::new();
    let first = Rc::new(Cell::new(0usize));
    trim_heap();
    let base = live_heap();
    let streams: Vec<_> = (0..n).map(|_| client.converse_stream(request)).collect();
    let created = live_heap().saturating_sub(base);
    let mut spawned = 0;
    let mut open = 0;
    smol::block_on(executor.run(async {
        let tasks: Vec<_> = streams
            .into_iter()
            .map(|mut stream| {
                let first = Rc::clone(&first);
                executor.spawn(async move {
                    let mut counted = false;
                    while let Some(item) = stream.next().await {
                        if !counted && matches!(item, Ok(StreamItem::Event(_))) {
                            counted = true;
                            first.set(first.get() + 1);
                        }
                        if item.is_err() {
                            return;
                        }
                    }
                })
            })
            .collect();
        spawned = live_heap().saturating_sub(base);
        let waited = Instant::now();
        while first.get() < n && waited.elapsed() < OPEN_LIMIT {
            smol::Timer::after(Duration::from_millis(2)).await;
        }
        open = live_heap().saturating_sub(base);
        for task in tasks {
            task.await;
        }
    }));
    let (new, sent, exchange_open) = exchange_heap(client, endpoint, request);
    let before_copy = live_heap();
    let copy = request.clone();
    let request_copy = live_heap().saturating_sub(before_copy);
    drop(copy);
    let exchange = std::mem::size_of::<bedrock_core::exchange::Exchange>() + exchange_open;
    // Before its first poll a stream also holds a boxed copy of the request, dropped once the
    // call starts: not part of an open stream.
    let request_box = std::mem::size_of::<bedrock_core::model::Request>() + request_copy;
    let kib = |bytes: usize| bytes as f64 / 1024.0;
    let per = |bytes: usize| kib(bytes) / n as f64;
    let task = per(spawned.saturating_sub(created));
    println!(
        "Where the async client's heap per open stream goes (plain HTTP, N={n}, {} open):",
        first.get()
    );
    println!();
    println!("| part | KiB per open stream |");
    println!("|---|---|");
    println!("| its executor task (holding the stream) | {task:.2} |");
    println!(
        "| the core `Exchange`: {} B inline (in the adapter's boxed call) + its heap (*) | {:.2} |",
        exchange - exchange_open,
        kib(exchange)
    );
    println!(
        "| the rest: the adapter's boxed call beyond the exchange (route, target, wait state), the socket and its reactor registration, the deadline timer | {:.2} |",
        per(open) - task - kib(exchange)
    );
    println!("| total | {:.2} |", per(open));
    println!();
    println!(
        "(*) One exchange driven by hand to the same point over a std TcpStream. Its heap: \
         {:.2} KiB signed (request body, signed headers, request bytes), {:.2} KiB once the \
         request bytes are handed out, {:.2} KiB open. Before its first poll a stream holds \
         {:.2} KiB instead: its copy of the request ({:.2} KiB) and the client; the start \
         (credentials, signing) is boxed at the first poll and freed when the call starts.",
        kib(new),
        kib(sent),
        kib(exchange_open),
        per(created),
        kib(request_box)
    );
}

/// The heap of one ConverseStream exchange (beyond its inline size), driven by hand over a std
/// `TcpStream`: when signed, once the request bytes are handed out and sent, and when open (the
/// first stream event taken).
fn exchange_heap(
    client: &bedrock_async::Client,
    endpoint: &str,
    request: &bedrock_core::model::Request,
) -> (usize, usize, usize) {
    use bedrock_core::exchange::{Event, Operation};
    let route = client.config().route(MODEL).expect("route");
    let credentials = Credentials::new(DEFAULT_ACCESS_KEY_ID, DEFAULT_SECRET_ACCESS_KEY)
        .expect("the emulator's key pair");
    let mut buf = [0u8; 4096];
    let address = endpoint.trim_start_matches("http://").to_string();
    let mut socket = std::net::TcpStream::connect(address.as_str()).expect("connect");
    let base = live_heap();
    let mut exchange = client
        .config()
        .exchange(
            &route,
            request,
            Operation::ConverseStream,
            Auth::SigV4(credentials),
        )
        .expect("exchange");
    let new = live_heap().saturating_sub(base);
    let bytes = exchange.poll_transmit().expect("request bytes");
    socket.write_all(&bytes).expect("send");
    drop(bytes);
    let sent = live_heap().saturating_sub(base);
    let mut open = 0;
    'read: while let Ok(n) = std::io::Read::read(&mut socket, &mut buf) {
        if n == 0
            || exchange
                .handle_input(&buf[..n], bedrock_host::clock::now().now)
                .is_err()
        {
            break;
        }
        while let Some(event) = exchange.poll_event() {
            if matches!(event, Event::Stream(_)) {
                drop(event);
                open = live_heap().saturating_sub(base);
                break 'read;
            }
        }
    }
    (new, sent, open)
}

fn main() {
    if std::env::var_os(EMULATOR_VAR).is_some() {
        child::serve(EmulatorConfig::default().with_tls());
        return;
    }
    let filters: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    let wanted = |name: &str| filters.is_empty() || filters.iter().any(|f| name.contains(f));
    let files = raise_file_limit();
    let emulator = EmulatorProcess::start(EMULATOR_VAR);
    println!(
        "emulator (child process {}): {} and {}; open files limit {files}",
        emulator.id(),
        emulator.http,
        emulator.https
    );

    let plain_async: bedrock_async::Client =
        builder(&emulator.http, None).build().expect("async client");
    let tls_async: bedrock_async::Client = builder(&emulator.https, Some(&emulator.ca_pem))
        .build()
        .expect("async TLS client");
    let plain_blocking: bedrock_blocking::Client = builder(&emulator.http, None)
        .build()
        .expect("blocking client");

    // Warm-up: what is made once per process or client.
    let warm = request(Duration::from_millis(1));
    for client in [&plain_async, &tls_async] {
        smol::block_on(async {
            let mut stream = client.converse_stream(&warm);
            while let Some(item) = stream.next().await {
                item.expect("warm-up stream");
            }
        });
    }
    for item in plain_blocking.converse_stream(&warm).expect("warm-up") {
        item.expect("warm-up stream");
    }

    let plan: [(&'static str, usize); 8] = [
        ("async", 100),
        ("async", 1_000),
        ("async", 10_000),
        ("async TLS", 100),
        ("async TLS", 1_000),
        ("async TLS", 10_000),
        ("blocking", 100),
        ("blocking", 1_000),
    ];
    let mut rows = Vec::new();
    for (label, n) in plan {
        if !wanted(&format!("{label} {n}")) {
            continue;
        }
        // Each stream needs a socket here (and one in the emulator, which has the same limit).
        if (n as u64) + 64 > files {
            println!("skipping {label} N={n}: the open files limit is {files}");
            continue;
        }
        let request = request(drip_for(n));
        let row = match label {
            "async" => run_async(&plain_async, label, n, &request),
            "async TLS" => run_async(&tls_async, label, n, &request),
            _ => run_blocking(&plain_blocking, label, n, &request),
        };
        eprintln!(
            "{label} N={n}: all open after {:.2} s, {} events in {:.1} s",
            row.opened.as_secs_f64(),
            row.events,
            row.wall.as_secs_f64()
        );
        rows.push(row);
    }

    println!();
    println!(
        "| client | N | events | wall | CPU per event | heap per open stream | RSS per open stream |"
    );
    println!("|---|---|---|---|---|---|---|");
    for row in &rows {
        println!(
            "| {} | {} | {} | {:.1} s | {:.1} µs | {:.1} KiB | {:.1} KiB |",
            row.client,
            row.n,
            row.events,
            row.wall.as_secs_f64(),
            row.cpu.as_secs_f64() * 1e6 / row.events.max(1) as f64,
            row.heap_per_stream / 1024.0,
            row.rss_per_stream / 1024.0,
        );
    }
    for note in rows.iter().flat_map(|r| &r.notes) {
        println!("note: {note}");
    }
    if wanted("breakdown") {
        println!();
        async_breakdown(
            &plain_async,
            &emulator.http,
            1_000,
            &request(drip_for(1_000)),
        );
    }
    drop(emulator);
}
