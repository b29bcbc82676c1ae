//! The end-to-end suite: every scenario of the [emulator](crate::emulator), driven through each
//! client transport this workspace has, over real loopback sockets.
//!
//! [`run`] starts an emulator in process (127.0.0.1, any free port), runs every [`scenarios`]
//! entry through every [`Transport`] in turn and returns an [`E2eReport`]: one
//! [`Outcome`] per scenario × transport, which [`E2eReport::table`] renders as
//!
//! ```text
//! scenario                           blocking
//! stream: text echo                  pass
//! stall: idle timeout                FAIL: expected ErrorKind::Timeout, got truncated_stream ...
//! ```
//!
//! The fault matrix ([`faults`]: every emulator fault × ConverseStream, Converse, Responses
//! streamed and not) is part of the same table, as rows `matrix: <fault> | <protocol>`, which
//! [`E2eReport::matrix`] prints as faults × protocols per transport. Every client a scenario
//! builds has its outputs scanned for secrets (`secrets`); a leak fails the scenario.
//!
//! Each scenario asserts the outcome precisely (the text, the tool arguments, the typed error
//! with its status and hint, the attempts the emulator's request log shows, the timing), not just
//! that nothing crashed. The runner (`cargo run -p bedrock-conformance`) runs this suite after the
//! vectors; `conformance/tests/e2e.rs` runs it under `cargo test`.
//!
//! # Adding a transport
//!
//! Implement [`Transport`] (build a client from a [`ClientSpec`]) and [`TransportClient`]
//! (Converse, ConverseStream with each event's arrival time, CountTokens) and add it to
//! [`TRANSPORTS`]: one line. An async transport implements the same synchronous trait by
//! blocking on its runtime inside each method.

mod async_client;
mod blocking;
mod by_hand;
mod faults;
mod scenarios;
mod secrets;

use std::fmt::Write as _;
use std::time::{Duration, Instant};

use bedrock_core::auth::Auth;
use bedrock_core::error::Error;
use bedrock_core::model::{Request, Response, StreamEvent};
use bedrock_core::retry::RetryConfig;
use bedrock_core::settings::Settings;
use bedrock_core::sigv4::Credentials;

use crate::emulator::{
    DEFAULT_ACCESS_KEY_ID, DEFAULT_SECRET_ACCESS_KEY, Emulator, EmulatorConfig, EmulatorHandle,
    RequestRecord,
};
use crate::report::Outcome;

pub use async_client::Async;
pub use blocking::Blocking;
pub use by_hand::ByHand;
pub use faults::{PROTOCOLS, Protocol};
pub use scenarios::{Check, MODEL, Run, Scenario, scenarios};

/// Every transport the suite runs through, in table-column order: the adapters, then the core
/// driven by hand (`core/examples/by_hand.rs`).
pub const TRANSPORTS: &[&dyn Transport] = &[&Blocking, &Async, &ByHand];

/// The signing region every client uses (a loopback endpoint names none).
pub const REGION: &str = "us-east-1";

/// A way of calling Bedrock: builds clients for the suite.
pub trait Transport: Sync {
    /// The column name, e.g. `blocking`.
    fn name(&self) -> &'static str;

    /// A client configured as `spec` says.
    ///
    /// # Errors
    ///
    /// Why the client cannot be built (it fails every scenario that needs it).
    fn client(&self, spec: &ClientSpec) -> Result<Box<dyn TransportClient>, String>;

    /// Whether the `tls: …` rows run through this transport: clients for an `https://`
    /// endpoint trusting [`ClientSpec::ca_pem`]. The others show `skip: no TLS`.
    fn supports_tls(&self) -> bool {
        false
    }
}

/// One client of a [`Transport`]. Each method is one logical call, retries included.
pub trait TransportClient {
    /// Converse: the response or the call's error.
    ///
    /// # Errors
    ///
    /// The call's [`Error`].
    fn converse(&self, request: &Request) -> Result<Response, Error>;

    /// ConverseStream, consumed to its end: each event with the time it reached the caller, and
    /// how the stream ended.
    fn converse_stream(&self, request: &Request) -> StreamRun;

    /// CountTokens.
    ///
    /// # Errors
    ///
    /// The call's [`Error`].
    fn count_tokens(&self, request: &Request) -> Result<u64, Error>;
}

/// How a suite client is configured: the emulator's endpoint, the region, the credential,
/// timeouts and the retry policy (the suite shortens the backoff so retries take milliseconds).
#[derive(Clone, Debug)]
pub struct ClientSpec {
    /// `http://127.0.0.1:PORT`.
    pub endpoint: String,
    /// The signing region.
    pub region: String,
    /// The credential every call uses.
    pub auth: Auth,
    /// Connect / first-byte / idle timeouts.
    pub timeouts: Timeouts,
    /// The retry policy.
    pub retry: RetryConfig,
    /// PEM certificates to trust instead of the web roots (the emulator's throwaway CA, for its
    /// `https://` endpoint), as `AWS_CA_BUNDLE` sets them.
    pub ca_pem: Option<String>,
    /// Whether a stream's final response repeats its text (`ExchangeConfig::keep_streamed_text`).
    pub keep_streamed_text: bool,
}

/// Client timeouts, transport-neutral.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Timeouts {
    /// TCP connect.
    pub connect: Duration,
    /// From the end of sending to the response head.
    pub first_byte: Duration,
    /// Longest wait for more body bytes.
    pub idle: Duration,
}

impl Default for Timeouts {
    /// Generous enough for a loaded CI machine, short enough that a hang fails in seconds.
    fn default() -> Self {
        Self {
            connect: Duration::from_secs(5),
            first_byte: Duration::from_secs(10),
            idle: Duration::from_secs(10),
        }
    }
}

impl ClientSpec {
    /// SigV4 with the emulator's default credentials, default suite timeouts, the standard retry
    /// mode (3 attempts) with millisecond backoff bases.
    pub fn new(endpoint: impl Into<String>) -> Self {
        let credentials = Credentials::new(DEFAULT_ACCESS_KEY_ID, DEFAULT_SECRET_ACCESS_KEY)
            .expect("the default emulator credentials are valid");
        Self {
            endpoint: endpoint.into(),
            region: REGION.into(),
            auth: Auth::SigV4(credentials),
            timeouts: Timeouts::default(),
            retry: fast_retry(),
            ca_pem: None,
            keep_streamed_text: true,
        }
    }

    /// The same with streams whose final response does not repeat their text.
    #[must_use]
    pub fn without_streamed_text(mut self) -> Self {
        self.keep_streamed_text = false;
        self
    }

    /// The same trusting the certificates of `pem` (instead of the web roots).
    #[must_use]
    pub fn with_ca_pem(mut self, pem: impl Into<String>) -> Self {
        self.ca_pem = Some(pem.into());
        self
    }

    /// The same with another credential.
    #[must_use]
    pub fn with_auth(mut self, auth: Auth) -> Self {
        self.auth = auth;
        self
    }

    /// The same with other timeouts.
    #[must_use]
    pub fn with_timeouts(mut self, timeouts: Timeouts) -> Self {
        self.timeouts = timeouts;
        self
    }

    /// `settings.toml` text routing the `bedrock` provider to the endpoint and `bedrock-openai`
    /// to its `/openai/v1`, with the region.
    pub fn settings_toml(&self) -> String {
        format!(
            "[llm.providers.bedrock]\nenabled = true\nbase_url = \"{0}\"\nregion = \"{1}\"\n\
             [llm.providers.bedrock-openai]\nenabled = true\nbase_url = \"{0}/openai/v1\"\nregion = \"{1}\"\n",
            self.endpoint, self.region
        )
    }

    /// The parsed settings.
    ///
    /// # Errors
    ///
    /// The settings error, as text.
    pub fn settings(&self) -> Result<Settings, String> {
        Settings::parse(&self.settings_toml()).map_err(|e| format!("settings: {e}"))
    }
}

/// The builder both adapters share (`bedrock_host::ClientBuilder`), configured from `spec`:
/// settings routing to the emulator, the region, a fixed credential, timeouts, retry policy.
///
/// # Errors
///
/// The settings error, as text.
pub fn builder<C: bedrock_host::FromConfig>(
    spec: &ClientSpec,
) -> Result<bedrock_host::ClientBuilder<C>, String> {
    let mut config = bedrock_core::exchange::ExchangeConfig::default();
    config.retry = spec.retry;
    config.keep_streamed_text = spec.keep_streamed_text;
    let builder = bedrock_host::ClientBuilder::new()
        .settings(spec.settings()?)
        .region(Some(spec.region.clone()))
        .credentials(std::sync::Arc::new(bedrock_host::StaticCredentials(
            spec.auth.clone(),
        )))
        .timeouts(bedrock_host::Timeouts::new(
            spec.timeouts.connect,
            spec.timeouts.first_byte,
            spec.timeouts.idle,
        ))
        .exchange_config(config);
    Ok(match &spec.ca_pem {
        Some(pem) => builder.ca_bundle(pem.as_bytes().to_vec()),
        None => builder,
    })
}

/// Consumes a stream's items (an adapter's stream, started at `started`) to its end.
pub fn consume_stream(
    started: Instant,
    mut items: impl Iterator<Item = Result<bedrock_host::StreamItem, Error>>,
) -> StreamRun {
    use bedrock_host::StreamItem;
    let mut events = Vec::new();
    let mut end = StreamEnd::Nothing;
    for item in items.by_ref() {
        match item {
            Ok(StreamItem::Event(event)) => events.push(TimedEvent {
                at: started.elapsed(),
                event,
            }),
            Ok(StreamItem::Response(response)) => {
                end = StreamEnd::Response(response);
                break;
            }
            Err(error) => {
                end = StreamEnd::Error(error);
                break;
            }
        }
    }
    let elapsed = started.elapsed();
    // A finished stream yields nothing more.
    let trailing_items = items.take(16).count();
    StreamRun {
        events,
        end,
        trailing_items,
        elapsed,
    }
}

/// The standard retry mode's attempts with backoff bases of milliseconds instead of seconds.
pub fn fast_retry() -> RetryConfig {
    RetryConfig {
        throttling_base: Duration::from_millis(20),
        transient_base: Duration::from_millis(5),
        ..RetryConfig::default()
    }
}

/// One stream event and when it reached the caller.
#[derive(Clone, Debug, PartialEq)]
pub struct TimedEvent {
    /// Time since the call started.
    pub at: Duration,
    /// The event.
    pub event: StreamEvent,
}

/// How a stream ended.
#[derive(Clone, Debug, PartialEq)]
pub enum StreamEnd {
    /// With the accumulated response.
    Response(Box<Response>),
    /// With an error (also one raised before the first event).
    Error(Error),
    /// The stream ended with neither a response nor an error.
    Nothing,
}

/// A ConverseStream consumed to its end.
#[derive(Clone, Debug, PartialEq)]
pub struct StreamRun {
    /// Every event, in order, with its arrival time.
    pub events: Vec<TimedEvent>,
    /// How it ended.
    pub end: StreamEnd,
    /// Items the stream still yielded after its response or error (0 for a correct stream).
    pub trailing_items: usize,
    /// From the call to the end.
    pub elapsed: Duration,
}

/// What the scenarios get: the transport, the shared emulator, and a tag unique to this run and
/// transport (for `[id:...]` markers).
#[derive(Debug)]
pub struct Context<'a> {
    transport: &'a dyn Transport,
    emulator: &'a EmulatorHandle,
    tag: String,
    /// A `tls: …` row: [`spec`](Self::spec) is the emulator's `https://` endpoint.
    tls: bool,
    /// What the running scenario noted about its outcome (a fault-matrix cell's label).
    note: std::cell::RefCell<Option<String>>,
    /// Secrets its clients' outputs leaked (each fails the scenario).
    leaks: secrets::Leaks,
}

impl std::fmt::Debug for dyn Transport + '_ {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl<'a> Context<'a> {
    /// The transport under test.
    pub fn transport(&self) -> &'a dyn Transport {
        self.transport
    }

    /// The shared emulator.
    pub fn emulator(&self) -> &'a EmulatorHandle {
        self.emulator
    }

    /// A `[id:...]` marker unique to this run, transport and `name`.
    pub fn id_marker(&self, name: &str) -> String {
        format!("[id:{}-{name}]", self.tag)
    }

    /// The default spec against the shared emulator.
    /// (`https://`, trusting the emulator's CA, in a `tls: …` row).
    pub fn spec(&self) -> ClientSpec {
        match (
            self.tls,
            self.emulator.https_endpoint_url(),
            self.emulator.ca_pem(),
        ) {
            (true, Some(url), Some(ca)) => ClientSpec::new(url).with_ca_pem(ca),
            _ => ClientSpec::new(self.emulator.endpoint_url()),
        }
    }

    /// Whether this is a `tls: …` row.
    pub fn is_tls(&self) -> bool {
        self.tls
    }

    /// The same context for a `tls: …` row: HTTPS specs, and `[id:...]` tags of its own (the
    /// emulator's retry counters are shared by both listeners).
    fn over_tls(&self) -> Self {
        Self {
            transport: self.transport,
            emulator: self.emulator,
            tag: format!("{}-tls", self.tag),
            tls: true,
            note: std::cell::RefCell::default(),
            leaks: secrets::Leaks::default(),
        }
    }

    /// Notes the outcome of the running scenario (shown by [`E2eReport::matrix`]).
    pub fn note(&self, text: &str) {
        *self.note.borrow_mut() = Some(text.to_string());
    }

    /// A client with the default spec.
    ///
    /// # Errors
    ///
    /// The transport's reason.
    pub fn client(&self) -> Result<Box<dyn TransportClient>, String> {
        self.client_with(&self.spec())
    }

    /// A client with `spec`.
    ///
    /// # Errors
    ///
    /// The transport's reason.
    /// Everything the client returns is scanned for the secrets of `spec.auth` and the
    /// emulator's ([`crate::emulator::secrets::SecretScan`]); a leak fails the scenario.
    pub fn client_with(&self, spec: &ClientSpec) -> Result<Box<dyn TransportClient>, String> {
        let inner = self
            .transport
            .client(spec)
            .map_err(|e| format!("cannot build the {} client: {e}", self.transport.name()))?;
        let mut scan = crate::emulator::secrets::SecretScan::emulator_defaults();
        scan.add_auth(&spec.auth);
        Ok(Box::new(secrets::Scanned {
            inner,
            scan,
            leaks: std::rc::Rc::clone(&self.leaks),
        }))
    }

    /// Runs `f` and returns its result with the requests the shared emulator logged meanwhile
    /// (scenarios run one at a time; the emulator logs a request before answering it).
    pub fn logged<T>(&self, f: impl FnOnce() -> T) -> (T, Vec<RequestRecord>) {
        logged(self.emulator, f)
    }
}

/// Runs `f` and returns its result with the requests `emulator` logged meanwhile.
pub fn logged<T>(emulator: &EmulatorHandle, f: impl FnOnce() -> T) -> (T, Vec<RequestRecord>) {
    let before = emulator.requests().len();
    let value = f();
    let records = emulator.requests();
    let new = records.get(before..).map(<[_]>::to_vec).unwrap_or_default();
    (value, new)
}

/// The emulator configuration of the shared emulator: defaults, with a stall limit short enough
/// that a client that never gives up on `[stall]` costs seconds, not minutes, and the HTTPS
/// listener the `tls: …` rows call.
pub fn emulator_config() -> EmulatorConfig {
    EmulatorConfig::default()
        .with_stall_limit(Duration::from_secs(15))
        .with_tls()
}

/// Scenario × transport outcomes.
#[derive(Debug)]
pub struct E2eReport {
    /// The emulator's endpoint.
    pub endpoint: String,
    /// Column names.
    pub transports: Vec<&'static str>,
    /// One row per scenario: its name and one outcome per transport.
    pub rows: Vec<(&'static str, Vec<Outcome>)>,
    /// How long the whole suite took.
    pub elapsed: Duration,
}

impl E2eReport {
    /// Every outcome, row by row.
    pub fn outcomes(&self) -> impl Iterator<Item = &Outcome> {
        self.rows.iter().flat_map(|(_, cells)| cells)
    }

    /// Failures: (scenario, transport, reason).
    pub fn failures(&self) -> Vec<(&'static str, &'static str, &str)> {
        let mut out = Vec::new();
        for (scenario, cells) in &self.rows {
            for (transport, outcome) in self.transports.iter().zip(cells) {
                if let Outcome::Fail(reason) = outcome {
                    out.push((*scenario, *transport, reason.as_str()));
                }
            }
        }
        out
    }

    /// The table: one row per scenario, one column per transport, cells `pass` or
    /// `FAIL: <reason>` (the reason's first line, cut at 160 characters; [`Self::failures`]
    /// has it whole).
    pub fn table(&self) -> String {
        let cell = |outcome: &Outcome| match outcome {
            Outcome::Pass { .. } => "pass".to_string(),
            Outcome::Skip(reason) => format!("skip: {reason}"),
            Outcome::Fail(reason) => {
                let first = reason.lines().next().unwrap_or_default();
                let mut text = format!("FAIL: {first}");
                if text.chars().count() > 160 {
                    text = text.chars().take(159).collect::<String>() + "…";
                } else if reason.lines().nth(1).is_some() {
                    text.push_str(" …");
                }
                text
            }
        };
        let header: Vec<String> = std::iter::once("scenario".to_string())
            .chain(self.transports.iter().map(ToString::to_string))
            .collect();
        let body: Vec<Vec<String>> = self
            .rows
            .iter()
            .filter(|(name, _)| !name.starts_with(faults::PREFIX))
            .map(|(name, cells)| {
                std::iter::once((*name).to_string())
                    .chain(cells.iter().map(cell))
                    .collect()
            })
            .collect();
        render(&header, &body)
    }

    /// The fault matrix: for each transport, one row per fault, one column per protocol, each
    /// cell the outcome (`ok`, `ok x3` after retries, the error kind, `-` where the fault does
    /// not apply, or `FAIL: <reason>`).
    pub fn matrix(&self) -> String {
        let mut out = String::new();
        for (column, transport) in self.transports.iter().enumerate() {
            let header: Vec<String> = std::iter::once(format!("fault [{transport}]"))
                .chain(PROTOCOLS.iter().map(|p| p.name().to_string()))
                .collect();
            let mut body: Vec<Vec<String>> = Vec::new();
            for (name, cells) in &self.rows {
                let Some((fault, protocol)) = name
                    .strip_prefix(faults::PREFIX)
                    .and_then(|rest| rest.split_once(faults::SEPARATOR))
                else {
                    continue;
                };
                let Some(at) = PROTOCOLS.iter().position(|p| p.name() == protocol) else {
                    continue;
                };
                if body.last().is_none_or(|row| row[0] != fault) {
                    let mut row = vec![fault.to_string()];
                    row.resize(PROTOCOLS.len() + 1, String::new());
                    body.push(row);
                }
                let text = match &cells[column] {
                    Outcome::Pass { notes, .. } => notes.join(", "),
                    Outcome::Skip(reason) => format!("skip: {reason}"),
                    Outcome::Fail(reason) => {
                        let first: String = reason
                            .lines()
                            .next()
                            .unwrap_or_default()
                            .chars()
                            .take(60)
                            .collect();
                        format!("FAIL: {first}")
                    }
                };
                if let Some(row) = body.last_mut() {
                    row[at + 1] = text;
                }
            }
            if !body.is_empty() {
                out.push_str(&render(&header, &body));
                out.push('\n');
            }
        }
        out
    }
}

/// Columns padded to their widest cell.
fn render(header: &[String], body: &[Vec<String>]) -> String {
    {
        let columns = header.len();
        let widths: Vec<usize> = (0..columns)
            .map(|c| {
                std::iter::once(header)
                    .chain(body.iter().map(Vec::as_slice))
                    .map(|row| row[c].chars().count())
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        let mut out = String::new();
        for row in std::iter::once(header).chain(body.iter().map(Vec::as_slice)) {
            let mut line = String::new();
            for (c, text) in row.iter().enumerate() {
                if c + 1 == columns {
                    line.push_str(text);
                } else {
                    let pad = widths[c] - text.chars().count();
                    let _ = write!(line, "{text}{}  ", " ".repeat(pad));
                }
            }
            out.push_str(line.trim_end());
            out.push('\n');
        }
        out
    }
}

/// Starts an emulator and runs every scenario through every transport of `transports`.
///
/// # Errors
///
/// The emulator could not start.
pub fn run(transports: &[&dyn Transport]) -> Result<E2eReport, String> {
    let started = Instant::now();
    let emulator = Emulator::start(emulator_config())
        .map_err(|e| format!("cannot start the emulator: {e}"))?;
    let endpoint = emulator.endpoint_url();
    let scenarios = scenarios();
    let unique = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let mut columns: Vec<Vec<Outcome>> = Vec::new();
    for transport in transports {
        let context = Context {
            transport: *transport,
            emulator: &emulator,
            tag: format!("e2e-{}-{}-{unique}", transport.name(), std::process::id()),
            tls: false,
            note: std::cell::RefCell::default(),
            leaks: secrets::Leaks::default(),
        };
        let column = scenarios
            .iter()
            .map(|scenario| run_one(scenario, &context))
            .collect();
        columns.push(column);
    }
    let rows = scenarios
        .iter()
        .enumerate()
        .map(|(i, scenario)| {
            (
                scenario.name,
                columns.iter().map(|column| column[i].clone()).collect(),
            )
        })
        .collect();
    emulator.shutdown();
    Ok(E2eReport {
        endpoint,
        transports: transports.iter().map(|t| t.name()).collect(),
        rows,
        elapsed: started.elapsed(),
    })
}

/// One scenario, with a panic in it turned into a failure; a `tls: …` row over HTTPS, or skipped
/// for a transport without TLS.
fn run_one(scenario: &Scenario, context: &Context<'_>) -> Outcome {
    if scenario.tls {
        if !context.transport.supports_tls() {
            return Outcome::Skip("no TLS".into());
        }
        return run_caught(scenario, &context.over_tls());
    }
    run_caught(scenario, context)
}

fn run_caught(scenario: &Scenario, context: &Context<'_>) -> Outcome {
    context.note.take();
    context.leaks.borrow_mut().clear();
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| (scenario.run)(context)));
    let leaks = std::mem::take(&mut *context.leaks.borrow_mut());
    if !leaks.is_empty() {
        return Outcome::Fail(format!(
            "secrets in the client's output: {}",
            leaks.join("; ")
        ));
    }
    match result {
        Ok(Ok(())) => Outcome::Pass {
            checks: Vec::new(),
            notes: context.note.take().into_iter().collect(),
        },
        Ok(Err(reason)) => Outcome::Fail(reason),
        Err(panic) => {
            let message = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(ToString::to_string))
                .unwrap_or_else(|| "a panic".into());
            Outcome::Fail(format!("panicked: {message}"))
        }
    }
}
