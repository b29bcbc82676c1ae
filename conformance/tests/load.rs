//! The load test: many concurrent clients making many ConverseStream calls against the
//! emulator, with injected faults, for both adapters.
//!
//! - `async`: `bedrock_async::Client`, every client a task of one `smol::LocalExecutor` run by
//!   `smol::block_on` on the main thread;
//! - `blocking`: `bedrock_blocking::Client`, one thread per client.
//!
//! Every client has its own retry quota (a fresh [`RetryQuota`] in its `ExchangeConfig`) and
//! makes its calls one after another, so the level of its bucket after each call is known
//! exactly from the faults it met. Every call asks for `[long:N]` (N text deltas numbered
//! `Part i of a long answer. `) with its own `[id:...]` tag, and a deterministic 1 in `period`
//! of them also carries one fault marker ([`Fault`]): throttling or a 5xx the client retries to
//! a success, or a mid-stream exception, a cut stream or a dropped connection that must end in
//! its typed error. Asserted:
//!
//! - every call ends: each wait is bounded by the client's timeouts, and a watchdog fails the
//!   test if the whole run overstays its limit;
//! - no event is lost or duplicated: a successful call receives exactly the deltas 1..=N in
//!   order, and a response whose text is theirs; a failed call the gap-free prefix its fault
//!   lets through (1..=2 before a mid-stream exception, 1 before a dropped connection, all N
//!   before a cut), which its error's partial response holds;
//! - each call ends as its fault implies (a success, or the error kind), and the quota after it
//!   is what the AWS SDKs' standard mode gives ([`Bucket`]);
//! - the resident set after the run is at most 10% above the resident set after a warm-up (the
//!   same clients making a few calls first; for the blocking client on the same threads, which
//!   wait at a barrier while the resident set is read, so that thread stacks and per-thread
//!   allocator arenas are the same at both samples).
//!
//! `cargo test -p bedrock-conformance --test load` runs it sized down (20 clients × 10 calls
//! after 5 warm-up calls each, a fault every 10th call so that every kind occurs);
//! `BEDROCK_LOAD_FULL=1` (`bench/load.sh`) runs 100 clients × 100 calls after 10 warm-up calls
//! each, with 1% faults. It prints a summary either way.
//!
//! The emulator runs in a child process (this binary, re-executed with `BEDROCK_LOAD_EMULATOR=1`:
//! `bedrock_conformance::child`; it exits when its standard input closes, so also when this
//! process dies), so its memory is not in the resident set measured; this binary runs only this
//! test (`harness = false`).

use std::collections::BTreeMap;
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use bedrock_conformance::child::{self, EmulatorProcess};
use bedrock_conformance::emulator::{
    DEFAULT_ACCESS_KEY_ID, DEFAULT_SECRET_ACCESS_KEY, EmulatorConfig,
};
use bedrock_core::auth::Auth;
use bedrock_core::error::{Error, ErrorKind};
use bedrock_core::exchange::ExchangeConfig;
use bedrock_core::model::{Request, StopReason, StreamEvent};
use bedrock_core::retry::{INITIAL_RETRY_TOKENS, RETRY_COST, RetryQuota, THROTTLING_RETRY_COST};
use bedrock_core::settings::Settings;
use bedrock_core::sigv4::Credentials;
use bedrock_host::{StaticCredentials, StreamItem, Timeouts};
use smol::stream::StreamExt as _;

const FULL_VAR: &str = "BEDROCK_LOAD_FULL";
const EMULATOR_VAR: &str = "BEDROCK_LOAD_EMULATOR";
const MODEL: &str = "us.anthropic.claude-haiku-4-5";
/// The resident set after the run may exceed the one after the warm-up by this fraction.
const RSS_SLACK: f64 = 0.10;

/// How big a run is.
#[derive(Clone, Copy, Debug)]
struct Size {
    clients: usize,
    calls: usize,
    /// Calls per client in the warm-up run.
    warmup_calls: usize,
    /// One call in `period` carries a fault.
    period: usize,
    /// The watchdog's limit for the whole test.
    limit: Duration,
}

impl Size {
    fn from_env() -> Self {
        if std::env::var(FULL_VAR).is_ok_and(|v| v == "1") {
            Self {
                clients: 100,
                calls: 100,
                warmup_calls: 10,
                period: 100,
                limit: Duration::from_secs(1200),
            }
        } else {
            Self {
                clients: 20,
                calls: 10,
                warmup_calls: 5,
                period: 10,
                limit: Duration::from_secs(240),
            }
        }
    }
}

/// A fault a call carries, by emulator marker.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Fault {
    /// `[throttle:1]`: one 429, retried.
    Throttle1,
    /// `[throttle:2]`: two 429s, retried twice.
    Throttle2,
    /// `[fail:1:ServiceUnavailable]`: one 503, retried.
    Unavailable1,
    /// `[fail:2:InternalServer]`: two 500s, retried twice.
    Internal2,
    /// `[midstream:throttling]`: two deltas, then a `throttlingException` frame.
    MidstreamThrottling,
    /// `[midstream:model_stream_error]`: two deltas, then a `modelStreamErrorException` frame.
    MidstreamModel,
    /// `[cut]`: every delta, then the body ends cleanly without the closing events.
    Cut,
    /// `[close]`: one delta, half a frame, then the connection closes.
    Close,
}

impl Fault {
    const ALL: [Self; 8] = [
        Self::Throttle1,
        Self::Throttle2,
        Self::Unavailable1,
        Self::Internal2,
        Self::MidstreamThrottling,
        Self::MidstreamModel,
        Self::Cut,
        Self::Close,
    ];

    fn marker(self) -> &'static str {
        match self {
            Self::Throttle1 => "[throttle:1]",
            Self::Throttle2 => "[throttle:2]",
            Self::Unavailable1 => "[fail:1:ServiceUnavailable]",
            Self::Internal2 => "[fail:2:InternalServer]",
            Self::MidstreamThrottling => "[midstream:throttling]",
            Self::MidstreamModel => "[midstream:model_stream_error]",
            Self::Cut => "[cut]",
            Self::Close => "[close]",
        }
    }

    /// What each retry of the call costs, in order (none for a fault met mid-stream: a stream
    /// is never retried once an event is out).
    fn retry_costs(self) -> &'static [u32] {
        match self {
            Self::Throttle1 => &[THROTTLING_RETRY_COST],
            Self::Throttle2 => &[THROTTLING_RETRY_COST, THROTTLING_RETRY_COST],
            Self::Unavailable1 => &[RETRY_COST],
            Self::Internal2 => &[RETRY_COST, RETRY_COST],
            _ => &[],
        }
    }

    /// How many of an answer's `deltas` arrive before the error the call ends in.
    fn deltas_before_error(self, deltas: u32) -> u32 {
        match self {
            Self::MidstreamThrottling | Self::MidstreamModel => deltas.min(2),
            Self::Close => deltas.min(1),
            _ => deltas,
        }
    }

    /// The error the call ends in, or `None` for a success.
    fn error(self) -> Option<ErrorKind> {
        match self {
            Self::Throttle1 | Self::Throttle2 | Self::Unavailable1 | Self::Internal2 => None,
            Self::MidstreamThrottling => Some(ErrorKind::Throttling),
            Self::MidstreamModel => Some(ErrorKind::ModelStreamError),
            Self::Cut | Self::Close => Some(ErrorKind::TruncatedStream),
        }
    }
}

/// A small deterministic mix (splitmix64's finalizer).
fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

/// What one call asks for.
#[derive(Clone, Copy, Debug)]
struct Plan {
    fault: Option<Fault>,
    deltas: u32,
}

/// The plan of call `call` of client `client`: the calls of a run, numbered client by client,
/// fall in blocks of `period`; each block has one fault, at a position and of a kind that
/// depend only on the block. The answer has 5 to 20 deltas.
fn plan(size: &Size, client: usize, call: usize) -> Plan {
    let index = (client * size.calls + call) as u64;
    let period = size.period as u64;
    let block = index / period;
    let fault = (index % period == mix(block) % period)
        .then(|| Fault::ALL[block as usize % Fault::ALL.len()]);
    Plan {
        fault,
        deltas: 5 + (mix(index ^ 0x5555) % 16) as u32,
    }
}

fn request(run: &str, client: usize, call: usize, plan: Plan) -> Request {
    let marker = plan.fault.map_or("", Fault::marker);
    Request::new(MODEL)
        .user(format!(
            "load [long:{}][id:{run}-{client}-{call}]{marker}",
            plan.deltas
        ))
        .max_tokens(1024)
}

/// The standard retry mode's quota, as a client's calls one after another must leave it:
/// each retry takes its cost; a success returns 1 when it was not retried, else the cost of
/// its last retry; a call failing without a retry takes and returns nothing. Capped at the
/// initial 500.
///
/// The costs are botocore's standard mode as of 1.44.8, which hard-enables the 2026 rules
/// (`../shared/reference/bedrock-wire.md` §3.1, `core/src/retry.rs`): 5 after throttling, 14
/// after any other error. Before them a retry cost 5, and 10 after a connect or read timeout;
/// the fault mix here has no timeout. A call met by `[throttle:N]` or `[fail:N:...]` succeeds
/// only after exactly N retries (the emulator fails its first N attempts; 3 attempts at most),
/// so checking the level after every call checks that the retries happened and were charged.
struct Bucket(u32);

impl Bucket {
    fn after(&mut self, fault: Option<Fault>) {
        let costs = fault.map_or(&[][..], Fault::retry_costs);
        for cost in costs {
            self.0 -= cost;
        }
        if fault.and_then(Fault::error).is_none() {
            let refund = costs.last().copied().unwrap_or(1);
            self.0 = (self.0 + refund).min(INITIAL_RETRY_TOKENS);
        }
    }
}

/// The number `i` of a delta `Part i of a long answer. `.
fn part_number(text: &str) -> Option<u32> {
    text.strip_prefix("Part ")?
        .strip_suffix(" of a long answer. ")?
        .parse()
        .ok()
}

/// What a run counts; merged over clients.
#[derive(Default)]
struct Tally {
    calls: u64,
    successes: u64,
    deltas: u64,
    faults: BTreeMap<&'static str, u64>,
    retries: u64,
    errors: BTreeMap<&'static str, u64>,
    /// The sum over clients of their quota's level at the end.
    quota_left: u64,
    /// The longest call, from its start to its last item.
    longest: Duration,
    violations: u64,
    examples: Vec<String>,
}

impl Tally {
    fn violation(&mut self, message: String) {
        self.violations += 1;
        if self.examples.len() < 20 {
            self.examples.push(message);
        }
    }

    fn merge(&mut self, other: Self) {
        self.calls += other.calls;
        self.successes += other.successes;
        self.deltas += other.deltas;
        for (k, v) in other.faults {
            *self.faults.entry(k).or_default() += v;
        }
        self.retries += other.retries;
        for (k, v) in other.errors {
            *self.errors.entry(k).or_default() += v;
        }
        self.quota_left += other.quota_left;
        self.longest = self.longest.max(other.longest);
        self.violations += other.violations;
        for e in other.examples {
            if self.examples.len() < 20 {
                self.examples.push(e);
            }
        }
    }
}

/// One client's calls, checked as their items arrive.
struct ClientRun {
    client: usize,
    size: Size,
    quota: RetryQuota,
    bucket: Bucket,
    tally: Tally,
}

/// One call in progress.
struct Call {
    started: Instant,
    /// The phase's tag (`async-warm`, `blocking`, ...).
    phase: &'static str,
    call: usize,
    plan: Plan,
    /// The last delta number received.
    last: u32,
    text: String,
    end: Option<Result<bedrock_core::model::Response, Error>>,
}

impl ClientRun {
    fn new(client: usize, size: Size) -> Self {
        Self {
            client,
            size,
            quota: RetryQuota::default(),
            bucket: Bucket(INITIAL_RETRY_TOKENS),
            tally: Tally::default(),
        }
    }

    fn builder<C: bedrock_host::FromConfig>(&self, url: &str) -> bedrock_host::ClientBuilder<C> {
        let settings = Settings::parse(&format!(
            "[llm.providers.bedrock]\nenabled = true\nbase_url = \"{url}\"\nregion = \"us-east-1\"\n"
        ))
        .expect("settings");
        let credentials = Credentials::new(DEFAULT_ACCESS_KEY_ID, DEFAULT_SECRET_ACCESS_KEY)
            .expect("the emulator's key pair");
        let mut exchange = ExchangeConfig::default();
        exchange.quota = self.quota.clone();
        bedrock_host::ClientBuilder::new()
            .settings(settings)
            .credentials(Arc::new(StaticCredentials(Auth::SigV4(credentials))))
            .exchange_config(exchange)
            .timeouts(Timeouts::new(
                Duration::from_secs(10),
                Duration::from_secs(20),
                Duration::from_secs(20),
            ))
    }

    fn start(&self, phase: &'static str, call: usize) -> (Call, Request) {
        let plan = plan(&self.size, self.client, call);
        let call = Call {
            started: Instant::now(),
            phase,
            call,
            plan,
            last: 0,
            text: String::new(),
            end: None,
        };
        let request = request(phase, self.client, call.call, plan);
        (call, request)
    }

    /// Takes one item of the call's stream; false once the call has ended.
    fn item(&mut self, call: &mut Call, item: Result<StreamItem, Error>) -> bool {
        match item {
            Ok(StreamItem::Event(StreamEvent::TextDelta { text, .. })) => {
                match part_number(&text) {
                    Some(i) if i == call.last + 1 => call.last = i,
                    _ => self.violation(call, format!("delta {text:?} after part {}", call.last)),
                }
                call.text.push_str(&text);
                true
            }
            Ok(StreamItem::Event(_)) => true,
            Ok(StreamItem::Response(response)) => {
                call.end = Some(Ok(*response));
                false
            }
            Err(error) => {
                call.end = Some(Err(error));
                false
            }
        }
    }

    fn violation(&mut self, call: &Call, message: String) {
        self.tally.violation(format!(
            "{} client {} call {} ({:?}, {} deltas): {message}",
            call.phase, self.client, call.call, call.plan.fault, call.plan.deltas
        ));
    }

    /// Checks how the call ended and the quota after it.
    fn finish(&mut self, call: Call) {
        let t = &mut self.tally;
        t.calls += 1;
        t.longest = t.longest.max(call.started.elapsed());
        t.deltas += u64::from(call.last);
        if let Some(fault) = call.plan.fault {
            *t.faults.entry(fault.marker()).or_default() += 1;
            t.retries += fault.retry_costs().len() as u64;
        }
        let expected = call.plan.fault.and_then(Fault::error);
        match (&call.end, expected) {
            (Some(Ok(response)), None) => {
                self.tally.successes += 1;
                if call.last != call.plan.deltas {
                    self.violation(&call, format!("a success with {} deltas", call.last));
                }
                if response.text() != call.text {
                    self.violation(&call, "the response's text is not the deltas'".into());
                }
                if response.stop_reason != StopReason::EndTurn {
                    self.violation(&call, format!("stop reason {:?}", response.stop_reason));
                }
            }
            (Some(Err(error)), Some(kind)) => {
                *self.tally.errors.entry(error.kind().as_str()).or_default() += 1;
                if error.kind() != kind {
                    self.violation(&call, format!("expected {kind:?}, got {error}"));
                }
                let before = call
                    .plan
                    .fault
                    .map_or(0, |f| f.deltas_before_error(call.plan.deltas));
                if call.last != before {
                    self.violation(
                        &call,
                        format!("failed after {} deltas, not {before}", call.last),
                    );
                }
                let partial = error.partial_response().map(|r| r.text());
                if call.last > 0 && partial.as_deref() != Some(call.text.as_str()) {
                    self.violation(
                        &call,
                        format!("partial response {partial:?} after {:?}", call.text),
                    );
                }
            }
            (Some(Err(error)), None) => {
                *self.tally.errors.entry(error.kind().as_str()).or_default() += 1;
                self.violation(&call, format!("expected a success, got {error}"));
            }
            (Some(Ok(_)), Some(kind)) => {
                self.tally.successes += 1;
                self.violation(&call, format!("expected {kind:?}, got a success"));
            }
            (None, _) => self.violation(&call, "the stream ended without a response".into()),
        }
        self.bucket.after(call.plan.fault);
        let level = self.quota.available();
        if level != self.bucket.0 {
            let expected = self.bucket.0;
            self.violation(&call, format!("quota {level}, expected {expected}"));
            self.bucket.0 = level;
        }
    }

    fn build_failed(&mut self, error: &Error) {
        let message = format!("client {}: build: {error}", self.client);
        self.tally.violation(message);
    }

    /// What the calls so far counted; the next phase counts afresh.
    fn take_tally(&mut self) -> Tally {
        std::mem::take(&mut self.tally)
    }

    fn quota_level(&self) -> u64 {
        u64::from(self.quota.available())
    }
}

/// One adapter's run: the warm-up calls, then the measured ones, by the same clients.
struct Report {
    client: &'static str,
    warm: Tally,
    tally: Tally,
    wall: Duration,
    /// This process's CPU time during the run.
    cpu: Duration,
    rss_warm: u64,
    rss_end: u64,
}

/// Every client a task of one `LocalExecutor` on this thread. The clients live through both
/// phases; the resident set is sampled between them and after the second, with every client
/// still alive (but idle).
fn run_async(size: Size, url: &str) -> Report {
    let executor = smol::LocalExecutor::new();
    let mut clients: Vec<_> = (0..size.clients)
        .map(|client| {
            let state = ClientRun::new(client, size);
            let built = state.builder::<bedrock_async::Client>(url).build();
            (state, built)
        })
        .collect();
    let mut phase = |tag: &'static str, calls: usize| {
        let (tally, back) = smol::block_on(executor.run(async {
            let tasks: Vec<_> = clients
                .drain(..)
                .map(|(mut state, built)| {
                    executor.spawn(async move {
                        match &built {
                            Ok(client) => {
                                for index in 0..calls {
                                    let (mut call, request) = state.start(tag, index);
                                    let mut stream = client.converse_stream(&request);
                                    while let Some(item) = stream.next().await {
                                        if !state.item(&mut call, item) {
                                            break;
                                        }
                                    }
                                    state.finish(call);
                                }
                            }
                            Err(error) => state.build_failed(error),
                        }
                        (state.take_tally(), state, built)
                    })
                })
                .collect();
            let mut tally = Tally::default();
            let mut back = Vec::new();
            for task in tasks {
                let (t, state, built) = task.await;
                tally.merge(t);
                back.push((state, built));
            }
            (tally, back)
        }));
        clients = back;
        tally
    };
    let warm = phase("async-warm", size.warmup_calls);
    let rss_warm = child::rss();
    let started = Instant::now();
    let cpu_start = child::cpu_time();
    let mut tally = phase("async", size.calls);
    let wall = started.elapsed();
    let cpu = child::cpu_time().saturating_sub(cpu_start);
    let rss_end = child::rss();
    tally.quota_left = clients.iter().map(|(state, _)| state.quota_level()).sum();
    Report {
        client: "async",
        warm,
        tally,
        wall,
        cpu,
        rss_warm,
        rss_end,
    }
}

/// One thread per client. The threads (and their clients) live through both phases; the
/// resident set is sampled between them and after the second, every thread waiting at a
/// barrier.
fn run_blocking(size: Size, url: &str) -> Report {
    let barrier = Barrier::new(size.clients + 1);
    std::thread::scope(|scope| {
        let threads: Vec<_> = (0..size.clients)
            .map(|client| {
                let barrier = &barrier;
                scope.spawn(move || {
                    let mut state = ClientRun::new(client, size);
                    let built = state.builder::<bedrock_blocking::Client>(url).build();
                    let mut phase = |tag: &'static str, calls: usize| {
                        match &built {
                            Ok(client) => {
                                for index in 0..calls {
                                    let (mut call, request) = state.start(tag, index);
                                    match client.converse_stream(&request) {
                                        Ok(stream) => {
                                            for item in stream {
                                                if !state.item(&mut call, item) {
                                                    break;
                                                }
                                            }
                                        }
                                        Err(error) => {
                                            state.item(&mut call, Err(error));
                                        }
                                    }
                                    state.finish(call);
                                }
                            }
                            Err(error) => state.build_failed(error),
                        }
                        state.take_tally()
                    };
                    let warm = phase("blocking-warm", size.warmup_calls);
                    barrier.wait(); // warm-up done: sampled
                    barrier.wait(); // the run starts
                    let mut tally = phase("blocking", size.calls);
                    barrier.wait(); // the run done: sampled
                    barrier.wait();
                    tally.quota_left = state.quota_level();
                    (warm, tally)
                })
            })
            .collect();
        barrier.wait();
        let rss_warm = child::rss();
        let started = Instant::now();
        let cpu_start = child::cpu_time();
        barrier.wait();
        barrier.wait();
        let wall = started.elapsed();
        let cpu = child::cpu_time().saturating_sub(cpu_start);
        let rss_end = child::rss();
        barrier.wait();
        let mut warm = Tally::default();
        let mut tally = Tally::default();
        for thread in threads {
            match thread.join() {
                Ok((w, t)) => {
                    warm.merge(w);
                    tally.merge(t);
                }
                Err(_) => tally.violation("a client thread panicked".into()),
            }
        }
        Report {
            client: "blocking",
            warm,
            tally,
            wall,
            cpu,
            rss_warm,
            rss_end,
        }
    })
}

fn mib(bytes: u64) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

/// `name 3, other 1`.
fn counts<K: std::fmt::Display>(map: &BTreeMap<K, u64>) -> String {
    let parts: Vec<_> = map.iter().map(|(k, v)| format!("{k} {v}")).collect();
    if parts.is_empty() {
        "none".into()
    } else {
        parts.join(", ")
    }
}

fn print_report(size: &Size, report: &Report) {
    let t = &report.tally;
    let faults: u64 = t.faults.values().sum();
    let clients = size.clients as u64;
    println!(
        "{}: {} calls ({} clients × {}, after {} warm-up calls each), {} succeeded, {} deltas; \
         wall {:.2} s, CPU {:.2} s (user + sys, the clients' process), longest call {:.2} s\n  \
         faults injected: {faults} ({})\n  \
         retries: {}; errors: {}\n  \
         retry quota left: {} of {} (mean {:.2}; every client's level checked after every call)\n  \
         RSS: {:.1} MiB after the warm-up, {:.1} MiB after the run ({:+.1}%)",
        report.client,
        t.calls,
        size.clients,
        size.calls,
        size.warmup_calls,
        t.successes,
        t.deltas,
        report.wall.as_secs_f64(),
        report.cpu.as_secs_f64(),
        t.longest.as_secs_f64(),
        counts(&t.faults),
        t.retries,
        counts(&t.errors),
        t.quota_left,
        u64::from(INITIAL_RETRY_TOKENS) * clients,
        t.quota_left as f64 / clients as f64,
        mib(report.rss_warm),
        mib(report.rss_end),
        (report.rss_end as f64 / report.rss_warm as f64 - 1.0) * 100.0,
    );
}

fn main() {
    if std::env::var_os(EMULATOR_VAR).is_some() {
        child::serve(EmulatorConfig::default());
        return;
    }
    let size = Size::from_env();
    let watchdog_limit = size.limit;
    std::thread::spawn(move || {
        std::thread::sleep(watchdog_limit);
        eprintln!("load test: the watchdog's {watchdog_limit:?} passed: a call did not end");
        std::process::exit(2);
    });
    let emulator = EmulatorProcess::start(EMULATOR_VAR);
    let mut failures = Vec::new();
    for run in [run_async as fn(Size, &str) -> Report, run_blocking] {
        let report = run(size, &emulator.http);
        print_report(&size, &report);
        let client = report.client;
        let (warm, t) = (&report.warm, &report.tally);
        for (phase, tally) in [("warm-up", warm), ("run", t)] {
            if tally.violations > 0 {
                failures.push(format!(
                    "{client} {phase}: {} violations: {:#?}",
                    tally.violations, tally.examples
                ));
            }
        }
        if warm.calls != (size.clients * size.warmup_calls) as u64 {
            failures.push(format!("{client}: {} warm-up calls ended", warm.calls));
        }
        let expected_calls = (size.clients * size.calls) as u64;
        if t.calls != expected_calls {
            failures.push(format!(
                "{client}: {} calls ended of {expected_calls}",
                t.calls
            ));
        }
        let faults: u64 = t.faults.values().sum();
        if faults != expected_calls / size.period as u64 {
            failures.push(format!(
                "{client}: {faults} faults for {expected_calls} calls"
            ));
        }
        if t.faults.len() != Fault::ALL.len() {
            failures.push(format!(
                "{client}: not every fault kind occurred: {:?}",
                t.faults
            ));
        }
        let limit = report.rss_warm as f64 * (1.0 + RSS_SLACK);
        if report.rss_end as f64 > limit {
            failures.push(format!(
                "{client}: RSS grew from {:.1} MiB after the warm-up to {:.1} MiB",
                mib(report.rss_warm),
                mib(report.rss_end)
            ));
        }
    }
    drop(emulator);
    if !failures.is_empty() {
        for failure in &failures {
            eprintln!("load test failed: {failure}");
        }
        std::process::exit(1);
    }
    println!("load test: ok");
}
