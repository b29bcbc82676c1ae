//! The end-to-end scenarios. Each one drives one or more calls through a transport against the
//! emulator and checks the outcome exactly: text, events, tool arguments, usage and cost, typed
//! errors (kind, status, AWS type, message, hint), attempts in the emulator's request log, and
//! timing where timing is the point.
//!
//! The expected values come from `emulator/EMULATOR.md` (what each marker makes the emulator
//! answer) and the core's documented behaviour (`ErrorKind`, `Error::hint`, the standard retry
//! mode, catalog prices), never from running the code under test.

use std::fmt::Debug;
use std::time::Duration;

use bedrock_core::auth::Auth;
use bedrock_core::billing::{Cost, Picodollars, Usage};
use bedrock_core::catalog::{self, BillingPolicy};
use bedrock_core::error::{Error, ErrorKind, Origin};
use bedrock_core::model::{Part, Request, Response, StopReason, StreamEvent, Tool};
use bedrock_core::sigv4::Credentials;
use serde_json::{Value, json};

use super::{
    ClientSpec, Context, StreamEnd, StreamRun, Timeouts, TransportClient, emulator_config, logged,
};
use crate::emulator::{
    API_KEY_REJECTED, AuthKind, Clock, DEFAULT_ACCESS_KEY_ID, DEFAULT_API_KEY,
    DEFAULT_SECRET_ACCESS_KEY, Emulator, Operation, RequestRecord,
};

/// What a scenario returns: `Err` with a precise reason.
pub type Check = Result<(), String>;

/// A scenario's body.
pub type Run = Box<dyn Fn(&Context<'_>) -> Check + Send + Sync>;

/// One named end-to-end scenario.
pub struct Scenario {
    /// The row name in the table.
    pub name: &'static str,
    /// The scenario.
    pub run: Run,
    /// A `tls: …` row: run over the emulator's HTTPS listener, by transports that support TLS.
    pub tls: bool,
}

impl Debug for Scenario {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Scenario")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

impl Scenario {
    /// A plain-HTTP scenario.
    pub fn new(
        name: &'static str,
        run: impl Fn(&Context<'_>) -> Check + Send + Sync + 'static,
    ) -> Self {
        Self {
            name,
            run: Box::new(run),
            tls: false,
        }
    }
}

fn scenario(
    name: &'static str,
    run: impl Fn(&Context<'_>) -> Check + Send + Sync + 'static,
) -> Scenario {
    Scenario::new(name, run)
}

/// Every scenario, in table order.
pub fn scenarios() -> Vec<Scenario> {
    let mut all = vec![
        scenario("stream: text echo", stream_text),
        scenario("converse: text (same as stream)", converse_text),
        scenario("count-tokens", count_tokens),
        scenario("stream: long output [long:200]", long_output),
        scenario(
            "stream: long output, text not kept in the response",
            long_output_text_not_kept,
        ),
        scenario("stream: tool use, input in fragments", tool_use),
        scenario("stream: parallel tools", parallel_tools),
        scenario("stream: zero-argument tool", tool_no_args),
        scenario("stream: reasoning with signature", reasoning),
        scenario("stream: redacted reasoning", redacted_reasoning),
        scenario("stream: citations", citations),
        scenario("usage: cache write + cost", cache_write),
        scenario("usage: cache read + cost", cache_read),
        scenario("usage: cache 1h/5m writes + cost", cache_mixed),
        scenario("guardrail_intervened", guardrail),
        scenario(
            "conversation: replayed blank text, same-role turns, tool history without tools",
            conversation_repaired,
        ),
    ];
    all.extend(ERROR_CASES.iter().map(|case| {
        scenario(case.row, move |context: &Context<'_>| {
            error_case(context, case)
        })
    }));
    all.extend([
        scenario("retry: [throttle:2] then success", throttle_twice),
        scenario("fault: mid-stream exception", midstream),
        scenario("fault: stream cut, no messageStop", stream_cut),
        scenario("fault: corrupted CRC", corrupted_crc),
        scenario("fault: closed mid-frame", closed_mid_frame),
        scenario("fault: 200 text/html (a proxy's page) [html]", html_page),
        scenario("timing: drip [drip:50]", drip),
        scenario("timing: stall -> idle timeout", stall),
        scenario("timing: slow head [slow_head:300]", slow_head),
        scenario("timing: head past first-byte timeout", head_timeout),
        scenario("auth: SigV4", sigv4),
        scenario("auth: SigV4 + session token", sigv4_session_token),
        scenario("auth: bearer API key", bearer),
        scenario("auth: wrong bearer API key", wrong_bearer),
        scenario("auth: wrong SigV4 secret", wrong_secret),
        scenario(
            "auth: clock skew both ways, learned once per client",
            clock_skew,
        ),
    ]);
    all.extend(responses_scenarios());
    all.extend(super::faults::scenarios());
    all.extend(tls_scenarios());
    all
}

// ---------------------------------------------------------------------------------------------
// Over TLS

/// A scenario of the table run again over the emulator's HTTPS listener (the client trusting
/// its CA), which must also show that every request it made came through that listener.
fn over_tls(
    name: &'static str,
    run: impl Fn(&Context<'_>) -> Check + Send + Sync + 'static,
) -> Scenario {
    Scenario {
        name,
        run: Box::new(move |context: &Context<'_>| {
            let (result, records) = context.logged(|| run(context));
            result?;
            let plain = records.iter().filter(|r| !r.tls).count();
            ensure(!records.is_empty() && plain == 0, || {
                format!(
                    "{} of the {} requests logged came over plain HTTP",
                    plain,
                    records.len()
                )
            })
        }),
        tls: true,
    }
}

/// The error case of the table named `row`.
fn error_row(row: &str) -> &'static ErrorCase {
    ERROR_CASES
        .iter()
        .find(|case| case.row == row)
        .unwrap_or_else(|| panic!("no error case {row:?}"))
}

/// The streaming, retry and auth scenarios over TLS, and a server certificate the client does
/// not trust.
fn tls_scenarios() -> Vec<Scenario> {
    let throttling = error_row("error: ThrottlingException");
    let unavailable = error_row("error: ServiceUnavailableException");
    vec![
        over_tls("tls: stream: text echo", stream_text),
        over_tls("tls: converse: text (same as stream)", converse_text),
        over_tls("tls: count-tokens", count_tokens),
        over_tls("tls: stream: long output [long:200]", long_output),
        over_tls("tls: stream: tool use", tool_use),
        over_tls("tls: stream: reasoning with signature", reasoning),
        over_tls("tls: error: ThrottlingException", move |c: &Context<'_>| {
            error_case(c, throttling)
        }),
        over_tls(
            "tls: error: ServiceUnavailableException",
            move |c: &Context<'_>| error_case(c, unavailable),
        ),
        over_tls("tls: retry: [throttle:2] then success", throttle_twice),
        over_tls("tls: fault: mid-stream exception", midstream),
        over_tls("tls: fault: stream cut, no messageStop", stream_cut),
        over_tls("tls: fault: corrupted CRC", corrupted_crc),
        over_tls("tls: fault: closed mid-frame", closed_mid_frame),
        over_tls("tls: timing: drip [drip:50]", drip),
        over_tls("tls: timing: stall -> idle timeout", stall),
        over_tls("tls: timing: head past first-byte timeout", head_timeout),
        over_tls("tls: auth: SigV4", sigv4),
        over_tls("tls: auth: bearer API key", bearer),
        over_tls("tls: auth: wrong bearer API key", wrong_bearer),
        over_tls("tls: auth: wrong SigV4 secret", wrong_secret),
        Scenario {
            name: "tls: untrusted certificate",
            run: Box::new(untrusted_certificate),
            tls: true,
        },
        Scenario {
            name: "tls: timing: unanswered handshake -> connect timeout",
            run: Box::new(connect_timeout),
            tls: true,
        },
    ]
}

/// An `https://` endpoint whose TLS handshake nobody answers: a listener that never accepts (the
/// kernel completes the TCP handshake, nothing reads the ClientHello). The connect timeout
/// (300 ms) covers the handshake and says so, not "no response within ..."; nothing reaches the
/// emulator.
fn connect_timeout(context: &Context<'_>) -> Check {
    let silent = std::net::TcpListener::bind("127.0.0.1:0").map_err(|e| format!("bind: {e}"))?;
    let port = silent
        .local_addr()
        .map_err(|e| format!("local address: {e}"))?
        .port();
    let mut spec = context.spec().with_timeouts(Timeouts {
        connect: Duration::from_millis(300),
        ..Timeouts::default()
    });
    spec.endpoint = format!("https://127.0.0.1:{port}");
    let client = context.client_with(&spec)?;
    let (result, records) = context.logged(|| client.converse(&request(ECHO_PROMPT)));
    drop(silent);
    let error = result
        .err()
        .ok_or("the call succeeded against a listener that never answers")?;
    same(
        "message",
        &format!("connecting to 127.0.0.1:{port} timed out after 300 ms"),
        &error.message().to_string(),
    )?;
    same("requests the emulator answered", &0, &records.len())
}

/// The emulator's HTTPS endpoint without its CA configured (the OS store and the web roots do
/// not hold it): the handshake fails as a typed certificate error (`Io` from the transport,
/// detail `tls_certificate`, the `AWS_CA_BUNDLE` hint), on one connection: not retried, and
/// no request reaches the emulator.
fn untrusted_certificate(context: &Context<'_>) -> Check {
    let mut spec = context.spec();
    ensure(spec.endpoint.starts_with("https://"), || {
        format!("not an HTTPS endpoint: {}", spec.endpoint)
    })?;
    spec.ca_pem = None;
    let client = context.client_with(&spec)?;
    let accepted = context.emulator().accepted_connections();
    let (result, records) = context.logged(|| client.converse(&request(ECHO_PROMPT)));
    let connections = context.emulator().accepted_connections() - accepted;
    let error = result
        .err()
        .ok_or("the call succeeded although the client does not trust the certificate")?;
    let problems: Vec<String> = [
        kind(&error, ErrorKind::Io),
        same("origin", &Origin::Transport, &error.origin()),
        same("detail", &Some("tls_certificate"), &error.detail()),
        ensure(!error.is_retryable(), || {
            format!("a certificate error is retryable: {error}")
        }),
        ensure(
            error
                .to_string()
                .to_ascii_lowercase()
                .contains("certificate"),
            || format!("the error does not mention the certificate: {error}"),
        ),
        ensure(
            error
                .hint()
                .is_some_and(|hint| hint.contains("AWS_CA_BUNDLE")),
            || format!("no AWS_CA_BUNDLE hint: {:?}", error.hint()),
        ),
        same("connections (attempts)", &1, &connections),
        same("requests the emulator answered", &0, &records.len()),
    ]
    .into_iter()
    .filter_map(Result::err)
    .collect();
    ensure(problems.is_empty(), || problems.join("; "))
}

// ---------------------------------------------------------------------------------------------
// Requests and expectations

/// The model every scenario calls: a catalog row with prices (Anthropic billing).
pub const MODEL: &str = "us.anthropic.claude-haiku-4-5";

/// A one-message request.
pub(super) fn request(text: &str) -> Request {
    Request::new(MODEL).user(text).max_tokens(512)
}

/// The same with the tools the tool scenarios' answers call.
fn tool_request(text: &str) -> Request {
    let tool = |name: &str, properties: Value| {
        Tool::new(
            name,
            format!("{name} (end-to-end suite)"),
            json!({"type": "object", "properties": properties}),
        )
    };
    request(text)
        .tool(tool(
            "get_weather",
            json!({"city": {"type": "string"}, "unit": {"type": "string"}}),
        ))
        .tool(tool("get_time", json!({"timezone": {"type": "string"}})))
        .tool(tool("get_current_time", json!({})))
}

/// The text the emulator echoes for `prompt`: markers removed, trimmed.
pub(super) fn echo_of(prompt: &str) -> String {
    let mut out = String::new();
    let mut rest = prompt;
    while let Some(open) = rest.find('[') {
        out.push_str(&rest[..open]);
        let close = rest[open..].find(']').map_or(rest.len(), |c| open + c + 1);
        rest = &rest[close..];
    }
    out.push_str(rest);
    out.trim().to_string()
}

/// The deltas the emulator streams text in: one word each, with its trailing space.
pub(super) fn words(text: &str) -> Vec<String> {
    text.split_inclusive(' ').map(str::to_string).collect()
}

/// `ceil(chars / 4)`, at least 1: the emulator's token estimate.
fn tokens(chars: usize) -> u64 {
    (chars as u64).div_ceil(4).max(1)
}

/// The emulator's input estimate for a one-message request: the characters of every JSON string
/// in `messages` — the role (`user`) and the text.
fn input_tokens_of(prompt: &str) -> u64 {
    tokens("user".len() + prompt.chars().count())
}

/// What `usage` costs at the catalog prices of [`MODEL`] (Anthropic policy: 5-minute cache
/// writes at 1.25x input, 1-hour at 2x, reads at the cache-read price), computed here.
fn expected_cost(usage: &Usage) -> Result<Cost, String> {
    let model = catalog::find(MODEL).ok_or_else(|| format!("{MODEL} is not in the catalog"))?;
    if model.billing != BillingPolicy::Anthropic {
        return Err(format!(
            "{MODEL}: expected Anthropic billing, the catalog says {:?}",
            model.billing
        ));
    }
    let p = model.prices;
    let input = usage.input_tokens * p.input.0;
    let cache_read = usage.cache_read_tokens * p.cache_read.0;
    let cache_write = usage.cache_write_5m_tokens * p.input.0 * 5 / 4
        + usage.cache_write_1h_tokens * p.input.0 * 2;
    let output = usage.output_tokens * p.output.0;
    let mut cost = Cost::default();
    cost.input = Picodollars(input);
    cost.cache_read = Picodollars(cache_read);
    cost.cache_write = Picodollars(cache_write);
    cost.output = Picodollars(output);
    cost.total = Picodollars(input + cache_read + cache_write + output);
    Ok(cost)
}

// ---------------------------------------------------------------------------------------------
// Checking helpers

pub(super) fn ensure(condition: bool, reason: impl FnOnce() -> String) -> Check {
    if condition { Ok(()) } else { Err(reason()) }
}

pub(super) fn same<T: PartialEq + Debug>(what: &str, expected: &T, actual: &T) -> Check {
    ensure(expected == actual, || {
        format!("{what}: expected {expected:?}, got {actual:?}")
    })
}

fn text(text: &str) -> Part {
    Part::Text {
        text: text.into(),
        citations: Vec::new(),
    }
}

fn describe_end(end: &StreamEnd) -> String {
    match end {
        StreamEnd::Response(r) => format!("a response ({:?}, text {:?})", r.stop_reason, r.text()),
        StreamEnd::Error(e) => format!("error {e}"),
        StreamEnd::Nothing => "neither a response nor an error".into(),
    }
}

/// The stream's response, after checking that the events add up to it: the text deltas spell
/// its text, one `MessageStop` with its stop reason, one `Usage` (the last event) with its usage,
/// and nothing after the end.
pub(super) fn stream_response(run: &StreamRun) -> Result<&Response, String> {
    stream_response_text_kept(run, true)
}

/// [`stream_response`], the deltas' text checked against the response's when `text_kept`,
/// against an empty one otherwise.
fn stream_response_text_kept(run: &StreamRun, text_kept: bool) -> Result<&Response, String> {
    let StreamEnd::Response(response) = &run.end else {
        return Err(format!(
            "the stream ended with {} after {} events",
            describe_end(&run.end),
            run.events.len()
        ));
    };
    same("items after the response", &0, &run.trailing_items)?;
    let streamed: String = run
        .events
        .iter()
        .filter_map(|e| match &e.event {
            StreamEvent::TextDelta { text, .. } => Some(text.as_str()),
            _ => None,
        })
        .collect();
    if text_kept {
        same(
            "text of the deltas vs the response text",
            &response.text(),
            &streamed,
        )?;
    } else {
        same("response text (not kept)", &String::new(), &response.text())?;
    }
    let stops: Vec<_> = run
        .events
        .iter()
        .filter_map(|e| match &e.event {
            StreamEvent::MessageStop {
                stop_reason,
                raw_stop_reason,
            } => Some((*stop_reason, raw_stop_reason.clone())),
            _ => None,
        })
        .collect();
    same(
        "MessageStop events",
        &vec![(response.stop_reason, response.raw_stop_reason.clone())],
        &stops,
    )?;
    match run.events.last().map(|e| &e.event) {
        Some(StreamEvent::Usage { usage }) => {
            same("usage event vs response usage", &response.usage, usage)?
        }
        other => return Err(format!("the last event should be Usage, got {other:?}")),
    }
    Ok(response.as_ref())
}

/// Streams `request`, checks the stream's consistency, then calls Converse with the same request
/// and checks that it answers exactly what the stream accumulated to.
fn stream_and_converse(
    client: &dyn TransportClient,
    request: &Request,
) -> Result<(StreamRun, Response), String> {
    let run = client.converse_stream(request);
    let streamed = stream_response(&run)?.clone();
    let converse = client
        .converse(request)
        .map_err(|e| format!("Converse failed: {e}"))?;
    same(
        "Converse content vs stream",
        &streamed.content,
        &converse.content,
    )?;
    same(
        "Converse stop reason vs stream",
        &streamed.stop_reason,
        &converse.stop_reason,
    )?;
    same(
        "Converse raw stop reason vs stream",
        &streamed.raw_stop_reason,
        &converse.raw_stop_reason,
    )?;
    same("Converse usage vs stream", &streamed.usage, &converse.usage)?;
    same("Converse cost vs stream", &streamed.cost, &converse.cost)?;
    // Less the response's own id (a Responses call's `resp_…`), which names each call.
    let without_id = |metadata: &serde_json::Map<String, Value>| {
        let mut metadata = metadata.clone();
        for value in metadata.values_mut() {
            if let Some(object) = value.as_object_mut() {
                object.remove("id");
            }
        }
        metadata
    };
    same(
        "Converse provider_metadata vs stream",
        &without_id(&streamed.provider_metadata),
        &without_id(&converse.provider_metadata),
    )?;
    Ok((run, streamed))
}

fn stop(response: &Response, reason: StopReason, raw: &str) -> Check {
    same("stop_reason", &reason, &response.stop_reason)?;
    same(
        "raw_stop_reason",
        &raw.to_string(),
        &response.raw_stop_reason,
    )
}

/// The error a stream ended with.
fn stream_error(run: &StreamRun) -> Result<&Error, String> {
    same("items after the error", &0, &run.trailing_items)?;
    match &run.end {
        StreamEnd::Error(e) => Ok(e),
        other => Err(format!(
            "expected the stream to fail, it ended with {} after {} events",
            describe_end(other),
            run.events.len()
        )),
    }
}

fn kind(error: &Error, expected: ErrorKind) -> Check {
    ensure(error.kind() == expected, || {
        format!(
            "expected ErrorKind::{expected:?}, got {:?}: {error}",
            error.kind()
        )
    })
}

/// Kind, status and AWS error type.
fn typed(error: &Error, expected: ErrorKind, status: u16, error_type: &str) -> Check {
    kind(error, expected)?;
    same(
        &format!("status of {error}"),
        &Some(status),
        &error.status(),
    )?;
    same(
        &format!("error type of {error}"),
        &Some(error_type),
        &error.error_type(),
    )
}

fn hint_contains(error: &Error, needle: &str) -> Check {
    ensure(error.hint().is_some_and(|h| h.contains(needle)), || {
        format!(
            "hint of {} should mention {needle:?}, got {:?}",
            error.kind(),
            error.hint()
        )
    })
}

/// The text deltas of a run, in order.
pub(super) fn text_deltas(run: &StreamRun) -> Vec<String> {
    run.events
        .iter()
        .filter_map(|e| match &e.event {
            StreamEvent::TextDelta { text, .. } => Some(text.clone()),
            _ => None,
        })
        .collect()
}

/// `records` are `n` attempts of `operation`, answered with `statuses` in order.
fn attempts(records: &[RequestRecord], operation: Operation, statuses: &[u16]) -> Check {
    let seen: Vec<(Option<Operation>, u16)> =
        records.iter().map(|r| (r.operation, r.status)).collect();
    let wanted: Vec<(Option<Operation>, u16)> =
        statuses.iter().map(|s| (Some(operation), *s)).collect();
    same(
        "attempts in the emulator's request log (operation, status)",
        &wanted,
        &seen,
    )?;
    for (i, record) in records.iter().enumerate() {
        if let Some(header) = &record.sdk_attempt {
            let expected = format!("attempt={}; max=3", i + 1);
            same("amz-sdk-request of the attempt", &expected, header)?;
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// What the model says

const ECHO_PROMPT: &str = "Hello from the end-to-end suite: one word per delta, please.";

fn stream_text(context: &Context<'_>) -> Check {
    let client = context.client()?;
    let (run, records) = context.logged(|| client.converse_stream(&request(ECHO_PROMPT)));
    let response = stream_response(&run)?;
    let echo = echo_of(ECHO_PROMPT);
    same("response text", &echo, &response.text())?;
    same(
        "text deltas (one word each)",
        &words(&echo),
        &text_deltas(&run),
    )?;
    same("content", &vec![text(&echo)], &response.content)?;
    stop(response, StopReason::EndTurn, "end_turn")?;
    let usage = response.usage;
    let mut expected = Usage::default();
    expected.input_tokens = input_tokens_of(ECHO_PROMPT);
    expected.output_tokens = tokens(echo.chars().count());
    expected.total_tokens = input_tokens_of(ECHO_PROMPT) + tokens(echo.chars().count());
    same("usage", &expected, &usage)?;
    same("cost", &Some(expected_cost(&usage)?), &response.cost)?;
    let logged_ids: Vec<&str> = records.iter().map(|r| r.request_id.as_str()).collect();
    same(
        "request id (the response's vs the emulator's log)",
        &logged_ids,
        &response.request_id.iter().map(String::as_str).collect(),
    )?;
    let wire_id = catalog::find(MODEL)
        .ok_or_else(|| format!("{MODEL} is not in the catalog"))?
        .api_id;
    let logged_models: Vec<Option<&str>> = records.iter().map(|r| r.model_id.as_deref()).collect();
    same(
        "model id the emulator saw (the catalog's wire id)",
        &vec![Some(wire_id.as_str())],
        &logged_models,
    )?;
    attempts(&records, Operation::ConverseStream, &[200])
}

fn converse_text(context: &Context<'_>) -> Check {
    let client = context.client()?;
    let (result, records) = context.logged(|| client.converse(&request(ECHO_PROMPT)));
    let response = result.map_err(|e| format!("Converse failed: {e}"))?;
    let echo = echo_of(ECHO_PROMPT);
    same("response text", &echo, &response.text())?;
    same("response model", &MODEL, &response.model.as_str())?;
    stop(&response, StopReason::EndTurn, "end_turn")?;
    same(
        "usage.output_tokens",
        &tokens(echo.chars().count()),
        &response.usage.output_tokens,
    )?;
    attempts(&records, Operation::Converse, &[200])?;
    let run = client.converse_stream(&request(ECHO_PROMPT));
    let streamed = stream_response(&run)?;
    same(
        "Converse content vs stream",
        &streamed.content,
        &response.content,
    )?;
    same("Converse usage vs stream", &streamed.usage, &response.usage)?;
    same("Converse cost vs stream", &streamed.cost, &response.cost)
}

fn count_tokens(context: &Context<'_>) -> Check {
    let client = context.client()?;
    let (result, records) = context.logged(|| client.count_tokens(&request(ECHO_PROMPT)));
    let count = result.map_err(|e| format!("CountTokens failed: {e}"))?;
    same("input tokens", &input_tokens_of(ECHO_PROMPT), &count)?;
    attempts(&records, Operation::CountTokens, &[200])?;
    let response = client
        .converse(&request(ECHO_PROMPT))
        .map_err(|e| format!("Converse failed: {e}"))?;
    same(
        "CountTokens vs Converse usage.input_tokens",
        &response.usage.input_tokens,
        &count,
    )
}

fn long_output(context: &Context<'_>) -> Check {
    let client = context.client()?;
    let run = client.converse_stream(&request("Tell me a long story [long:200]"));
    let response = stream_response(&run)?;
    let expected: Vec<String> = (1..=200)
        .map(|i| format!("Part {i} of a long answer. "))
        .collect();
    let deltas = text_deltas(&run);
    same("number of text deltas", &200, &deltas.len())?;
    same("text deltas", &expected, &deltas)?;
    same("accumulated text", &expected.concat(), &response.text())?;
    stop(response, StopReason::EndTurn, "end_turn")
}

/// A client that does not keep streamed text, on both protocols: every delta arrives, the final
/// response is the usual one with empty text.
fn long_output_text_not_kept(context: &Context<'_>) -> Check {
    let client = context.client_with(&context.spec().without_streamed_text())?;
    let run = client.converse_stream(&request("Tell me a long story [long:200]"));
    let response = stream_response_text_kept(&run, false)?;
    let expected: Vec<String> = (1..=200)
        .map(|i| format!("Part {i} of a long answer. "))
        .collect();
    same("text deltas", &expected, &text_deltas(&run))?;
    same("content", &vec![text("")], &response.content)?;
    ensure(response.usage.output_tokens > 0, || {
        format!("usage: {:?}", response.usage)
    })?;
    stop(response, StopReason::EndTurn, "end_turn")?;

    let mantle = context.client_with(
        &context
            .spec()
            .with_auth(Auth::bearer(DEFAULT_API_KEY))
            .without_streamed_text(),
    )?;
    let run = mantle.converse_stream(&mantle_request("Tell me a long story [long:50]"));
    let response = stream_response_text_kept(&run, false)?;
    same(
        "responses: number of text deltas",
        &50,
        &text_deltas(&run).len(),
    )?;
    same("responses: text", &String::new(), &response.text())?;
    ensure(response.usage.output_tokens > 0, || {
        format!("responses usage: {:?}", response.usage)
    })
}

/// The fragments streamed for block `index` and the start event's (id, name).
fn tool_stream(run: &StreamRun, index: u32) -> (Option<(String, String)>, Vec<String>) {
    let mut start = None;
    let mut fragments = Vec::new();
    for event in &run.events {
        match &event.event {
            StreamEvent::ToolCallStart { index: i, id, name } if *i == index => {
                start = Some((id.clone(), name.clone()));
            }
            StreamEvent::ToolCallDelta {
                index: i,
                arguments,
            } if *i == index => {
                fragments.push(arguments.clone());
            }
            _ => {}
        }
    }
    (start, fragments)
}

fn tool_call(id: &str, name: &str, arguments: Value) -> Part {
    Part::ToolCall {
        id: id.into(),
        name: name.into(),
        arguments: Some(arguments),
    }
}

/// Block `index` streamed as a tool call `id`/`name` whose fragments (more than one) join to
/// the JSON text of `arguments`.
fn streamed_tool(run: &StreamRun, index: u32, id: &str, name: &str, arguments: &Value) -> Check {
    let (start, fragments) = tool_stream(run, index);
    same(
        &format!("ToolCallStart of block {index}"),
        &Some((id.to_string(), name.to_string())),
        &start,
    )?;
    ensure(fragments.len() > 1, || {
        format!("block {index}: expected the input in several fragments, got {fragments:?}")
    })?;
    let joined = fragments.concat();
    let parsed: Value = serde_json::from_str(&joined)
        .map_err(|e| format!("block {index}: fragments {fragments:?} do not join to JSON: {e}"))?;
    same(
        &format!("block {index}: joined fragments"),
        arguments,
        &parsed,
    )
}

fn tool_use(context: &Context<'_>) -> Check {
    let client = context.client()?;
    let (run, response) = stream_and_converse(
        &*client,
        &tool_request("What is the weather in Paris? [scenario:tool_use]"),
    )?;
    let arguments = json!({"city": "Paris", "unit": "celsius"});
    streamed_tool(
        &run,
        1,
        "tooluse_emulator_weather_1",
        "get_weather",
        &arguments,
    )?;
    same(
        "content",
        &vec![
            text("Let me check the weather."),
            tool_call("tooluse_emulator_weather_1", "get_weather", arguments),
        ],
        &response.content,
    )?;
    stop(&response, StopReason::ToolUse, "tool_use")
}

fn parallel_tools(context: &Context<'_>) -> Check {
    let client = context.client()?;
    let (run, response) = stream_and_converse(
        &*client,
        &tool_request("Weather and time in Paris? [scenario:parallel_tools]"),
    )?;
    let weather = json!({"city": "Paris", "unit": "celsius"});
    let time = json!({"timezone": "Europe/Paris"});
    streamed_tool(
        &run,
        1,
        "tooluse_emulator_weather_1",
        "get_weather",
        &weather,
    )?;
    streamed_tool(&run, 2, "tooluse_emulator_time_2", "get_time", &time)?;
    same(
        "content",
        &vec![
            text("Let me check both."),
            tool_call("tooluse_emulator_weather_1", "get_weather", weather),
            tool_call("tooluse_emulator_time_2", "get_time", time),
        ],
        &response.content,
    )?;
    stop(&response, StopReason::ToolUse, "tool_use")
}

fn tool_no_args(context: &Context<'_>) -> Check {
    let client = context.client()?;
    let (run, response) = stream_and_converse(
        &*client,
        &tool_request("What time is it? [scenario:tool_no_args]"),
    )?;
    let (start, fragments) = tool_stream(&run, 1);
    same(
        "ToolCallStart of block 1",
        &Some((
            "tooluse_emulator_clock_1".to_string(),
            "get_current_time".to_string(),
        )),
        &start,
    )?;
    same(
        "input fragments of a call without arguments",
        &Vec::<String>::new(),
        &fragments,
    )?;
    same(
        "content",
        &vec![
            text("Let me check the time."),
            tool_call("tooluse_emulator_clock_1", "get_current_time", json!({})),
        ],
        &response.content,
    )?;
    stop(&response, StopReason::ToolUse, "tool_use")
}

const REASONING_TEXT: &str = "The user wants their message repeated, so I will echo it.";
const REASONING_SIGNATURE: &str = "RW11bGF0b3JSZWFzb25pbmdTaWduYXR1cmUtdjE=";

fn reasoning(context: &Context<'_>) -> Check {
    let client = context.client()?;
    let prompt = "Think, then repeat this. [scenario:reasoning]";
    let (run, response) = stream_and_converse(&*client, &request(prompt))?;
    let reasoning: String = run
        .events
        .iter()
        .filter_map(|e| match &e.event {
            StreamEvent::ReasoningDelta { index: 0, text } => Some(text.as_str()),
            _ => None,
        })
        .collect();
    same(
        "reasoning deltas joined",
        &REASONING_TEXT.to_string(),
        &reasoning,
    )?;
    let signatures: Vec<&str> = run
        .events
        .iter()
        .filter_map(|e| match &e.event {
            StreamEvent::ReasoningSignature { signature, .. } => Some(signature.as_str()),
            _ => None,
        })
        .collect();
    same(
        "ReasoningSignature events",
        &vec![REASONING_SIGNATURE],
        &signatures,
    )?;
    same(
        "content (signature byte-exact)",
        &vec![
            Part::Reasoning {
                text: REASONING_TEXT.into(),
                signature: Some(REASONING_SIGNATURE.into()),
            },
            text(&echo_of(prompt)),
        ],
        &response.content,
    )?;
    stop(&response, StopReason::EndTurn, "end_turn")
}

fn redacted_reasoning(context: &Context<'_>) -> Check {
    let client = context.client()?;
    let prompt = "Think privately, then repeat this. [scenario:redacted_reasoning]";
    let (run, response) = stream_and_converse(&*client, &request(prompt))?;
    let pieces: Vec<&str> = run
        .events
        .iter()
        .filter_map(|e| match &e.event {
            StreamEvent::RedactedReasoning { index: 0, data } => Some(data.as_str()),
            _ => None,
        })
        .collect();
    // base64 of b"\x00\x01emulator-redacted-" and b"reasoning\xfe\xff".
    same(
        "RedactedReasoning events",
        &vec!["AAFlbXVsYXRvci1yZWRhY3RlZC0=", "cmVhc29uaW5n/v8="],
        &pieces,
    )?;
    same(
        "content (the blob joined byte-exact)",
        &vec![
            Part::RedactedReasoning {
                data: "AAFlbXVsYXRvci1yZWRhY3RlZC1yZWFzb25pbmf+/w==".into(),
            },
            text(&echo_of(prompt)),
        ],
        &response.content,
    )?;
    stop(&response, StopReason::EndTurn, "end_turn")
}

fn citations(context: &Context<'_>) -> Check {
    let client = context.client()?;
    let (run, response) = stream_and_converse(
        &*client,
        &request("What does the manual say? [scenario:citations]"),
    )?;
    let citation = json!({
        "title": "Bedrock emulator manual",
        "source": "EMULATOR.md",
        "sourceContent": [{"text": "By default the emulator echoes the last user text."}],
        "location": {"documentChar": {"documentIndex": 0, "start": 0, "end": 50}}
    });
    let events: Vec<(u32, &Value)> = run
        .events
        .iter()
        .filter_map(|e| match &e.event {
            StreamEvent::Citation { index, citation } => Some((*index, citation)),
            _ => None,
        })
        .collect();
    same("Citation events", &vec![(1, &citation)], &events)?;
    same(
        "content",
        &vec![
            text("According to the manual, "),
            Part::Text {
                text: "the emulator echoes the last user text".into(),
                citations: vec![citation],
            },
            text("."),
        ],
        &response.content,
    )?;
    stop(&response, StopReason::EndTurn, "end_turn")
}

/// A cache scenario: usage with the given reads and 5m / 1h writes, and its cost.
fn cache_usage(
    context: &Context<'_>,
    marker: &str,
    read: u64,
    write_5m: u64,
    write_1h: u64,
) -> Check {
    let client = context.client()?;
    let prompt = format!("Use the cached prefix. {marker}");
    let (_, response) = stream_and_converse(&*client, &request(&prompt))?;
    let echo = echo_of(&prompt);
    same("response text", &echo, &response.text())?;
    let input = input_tokens_of(&prompt);
    let output = tokens(echo.chars().count());
    let mut expected = Usage::default();
    expected.input_tokens = input;
    expected.cache_read_tokens = read;
    expected.cache_write_tokens = write_5m + write_1h;
    expected.cache_write_5m_tokens = write_5m;
    expected.cache_write_1h_tokens = write_1h;
    expected.output_tokens = output;
    expected.total_tokens = input + output + read + write_5m + write_1h;
    same("usage", &expected, &response.usage)?;
    let cost = expected_cost(&expected)?;
    ensure(read == 0 || cost.cache_read.0 > 0, || {
        "catalog has no cache-read price".into()
    })?;
    same("cost (catalog prices)", &Some(cost), &response.cost)
}

fn cache_write(context: &Context<'_>) -> Check {
    cache_usage(context, "[scenario:cache_write]", 0, 1024, 0)
}

fn cache_read(context: &Context<'_>) -> Check {
    cache_usage(context, "[scenario:cache_read]", 1024, 0, 0)
}

fn cache_mixed(context: &Context<'_>) -> Check {
    cache_usage(context, "[scenario:cache_mixed]", 2048, 512, 1024)
}

fn guardrail(context: &Context<'_>) -> Check {
    let client = context.client()?;
    let (run, response) =
        stream_and_converse(&*client, &request("Something unsafe. [scenario:guardrail]"))?;
    same(
        "content",
        &vec![text("Sorry, the model cannot answer this question.")],
        &response.content,
    )?;
    stop(&response, StopReason::ContentFilter, "guardrail_intervened")?;
    let trace = response
        .provider_metadata
        .get("bedrock")
        .and_then(|b| b.get("trace"))
        .and_then(|t| t.get("guardrail"));
    same(
        "provider_metadata.bedrock.trace.guardrail.actionReason",
        &Some(&json!("Guardrail blocked.")),
        &trace.and_then(|g| g.get("actionReason")),
    )?;
    let stops = run
        .events
        .iter()
        .any(|e| matches!(&e.event, StreamEvent::MessageStop { raw_stop_reason, .. } if raw_stop_reason == "guardrail_intervened"));
    ensure(stops, || {
        "no MessageStop event with raw reason guardrail_intervened".into()
    })
}

// ---------------------------------------------------------------------------------------------
// Errors

/// One Bedrock error type answered by `[error:TYPE:message]`.
struct ErrorCase {
    row: &'static str,
    error_type: &'static str,
    status: u16,
    kind: ErrorKind,
    /// What the hint must mention (the hints the error module's table defines).
    hint: &'static [&'static str],
    /// Retried by the standard retry mode (3 attempts).
    retried: bool,
}

const ACCESS_HINT: &str = "per-Region use-case approval";
const CREDENTIALS_HINT: &str = "the credentials were rejected";

const fn case(
    row: &'static str,
    error_type: &'static str,
    status: u16,
    kind: ErrorKind,
    hint: &'static [&'static str],
    retried: bool,
) -> ErrorCase {
    ErrorCase {
        row,
        error_type,
        status,
        kind,
        hint,
        retried,
    }
}

const ERROR_CASES: &[ErrorCase] = &[
    case(
        "error: AccessDeniedException",
        "AccessDeniedException",
        403,
        ErrorKind::AccessDenied,
        &[ACCESS_HINT, "bedrock:InvokeModel"],
        false,
    ),
    case(
        "error: ValidationException",
        "ValidationException",
        400,
        ErrorKind::Validation,
        &[],
        false,
    ),
    case(
        "error: ThrottlingException",
        "ThrottlingException",
        429,
        ErrorKind::Throttling,
        &["cross-region inference profile"],
        true,
    ),
    case(
        "error: ModelNotReadyException",
        "ModelNotReadyException",
        429,
        ErrorKind::ModelNotReady,
        &[],
        true,
    ),
    case(
        "error: ModelTimeoutException",
        "ModelTimeoutException",
        408,
        ErrorKind::ModelTimeout,
        &[],
        false,
    ),
    case(
        "error: ServiceUnavailableException",
        "ServiceUnavailableException",
        503,
        ErrorKind::ServiceUnavailable,
        &[],
        true,
    ),
    case(
        "error: InternalServerException",
        "InternalServerException",
        500,
        ErrorKind::InternalServer,
        &[],
        true,
    ),
    case(
        "error: ResourceNotFoundException",
        "ResourceNotFoundException",
        404,
        ErrorKind::ResourceNotFound,
        &["not available in this Region"],
        false,
    ),
    case(
        "error: ModelErrorException",
        "ModelErrorException",
        424,
        ErrorKind::ModelError,
        &[],
        false,
    ),
    case(
        "error: ServiceQuotaExceededException",
        "ServiceQuotaExceededException",
        400,
        ErrorKind::ServiceQuotaExceeded,
        &[],
        false,
    ),
    case(
        "error: ModelStreamErrorException",
        "ModelStreamErrorException",
        424,
        ErrorKind::ModelStreamError,
        &[],
        false,
    ),
    case(
        "error: UnrecognizedClientException",
        "UnrecognizedClientException",
        403,
        ErrorKind::Authentication,
        &[CREDENTIALS_HINT],
        false,
    ),
    case(
        "error: InvalidSignatureException",
        "InvalidSignatureException",
        403,
        ErrorKind::Authentication,
        &[CREDENTIALS_HINT],
        false,
    ),
    case(
        "error: IncompleteSignatureException",
        "IncompleteSignatureException",
        403,
        ErrorKind::Authentication,
        &[CREDENTIALS_HINT],
        false,
    ),
    case(
        "error: MissingAuthenticationToken",
        "MissingAuthenticationTokenException",
        403,
        ErrorKind::Authentication,
        &[CREDENTIALS_HINT],
        false,
    ),
    case(
        "error: ExpiredTokenException",
        "ExpiredTokenException",
        403,
        ErrorKind::Authentication,
        &[CREDENTIALS_HINT],
        false,
    ),
];

/// The error through Converse, ConverseStream (before the stream) and CountTokens: kind, status,
/// type, the message as sent, the hint, and the attempts the retry mode makes.
fn error_case(context: &Context<'_>, case: &ErrorCase) -> Check {
    let client = context.client()?;
    let message = format!("injected by the end-to-end suite ({})", case.error_type);
    let prompt = format!("Fail, please. [error:{}:{message}]", case.error_type);
    let request = request(&prompt);
    let statuses = vec![case.status; if case.retried { 3 } else { 1 }];
    let check =
        |operation: &str, error: &Error, records: &[RequestRecord], op: Operation| -> Check {
            let in_op = |reason: String| format!("{operation}: {reason}");
            typed(error, case.kind, case.status, case.error_type).map_err(in_op)?;
            same("message", &message.as_str(), &error.message()).map_err(in_op)?;
            ensure(error.request_id().is_some(), || "no request id".into()).map_err(in_op)?;
            same("model id", &Some(MODEL), &error.model_id()).map_err(in_op)?;
            same("region", &Some(super::REGION), &error.region()).map_err(in_op)?;
            for needle in case.hint {
                hint_contains(error, needle).map_err(in_op)?;
            }
            attempts(records, op, &statuses).map_err(in_op)
        };

    let (result, records) = context.logged(|| client.converse(&request));
    let error = result.err().ok_or("Converse: the call succeeded")?;
    check("Converse", &error, &records, Operation::Converse)?;

    let (run, records) = context.logged(|| client.converse_stream(&request));
    let error = stream_error(&run).map_err(|e| format!("ConverseStream: {e}"))?;
    same(
        "ConverseStream: events before the error",
        &0,
        &run.events.len(),
    )?;
    check("ConverseStream", error, &records, Operation::ConverseStream)?;

    let (result, records) = context.logged(|| client.count_tokens(&request));
    let error = result.err().ok_or("CountTokens: the call succeeded")?;
    check("CountTokens", &error, &records, Operation::CountTokens)
}

// ---------------------------------------------------------------------------------------------
// Retries and delivery faults

fn throttle_twice(context: &Context<'_>) -> Check {
    let client = context.client()?;
    let prompt = format!("Retry me. [throttle:2]{}", context.id_marker("throttle"));
    let (run, records) = context.logged(|| client.converse_stream(&request(&prompt)));
    let response = stream_response(&run)?;
    same("response text", &echo_of(&prompt), &response.text())?;
    attempts(&records, Operation::ConverseStream, &[429, 429, 200])?;
    let types: Vec<Option<&str>> = records.iter().map(|r| r.error_type.as_deref()).collect();
    same(
        "error types answered",
        &vec![
            Some("ThrottlingException"),
            Some("ThrottlingException"),
            None,
        ],
        &types,
    )
}

pub(super) const FAULT_PROMPT: &str = "one two three four five six";

fn midstream(context: &Context<'_>) -> Check {
    let client = context.client()?;
    let prompt = format!("{FAULT_PROMPT} [midstream]");
    let (run, records) = context.logged(|| client.converse_stream(&request(&prompt)));
    let error = stream_error(&run)?;
    typed(error, ErrorKind::Throttling, 429, "ThrottlingException")?;
    ensure(!error.message().is_empty(), || {
        "the exception has no message".into()
    })?;
    same(
        "events before the exception (messageStart, then two deltas)",
        &vec!["one ".to_string(), "two ".to_string()],
        &text_deltas(&run),
    )?;
    same("events received", &2, &run.events.len())?;
    // The stream had produced events: it must not be retried.
    attempts(&records, Operation::ConverseStream, &[200])?;

    // A non-throttling exception mid-stream: its own kind, the partial events kept.
    let prompt = format!("{FAULT_PROMPT} [midstream:ModelStreamErrorException]");
    let (run, records) = context.logged(|| client.converse_stream(&request(&prompt)));
    let error = stream_error(&run)?;
    kind(error, ErrorKind::ModelStreamError)?;
    same(
        "events before the ModelStreamErrorException",
        &vec!["one ".to_string(), "two ".to_string()],
        &text_deltas(&run),
    )?;
    attempts(&records, Operation::ConverseStream, &[200])
}

fn stream_cut(context: &Context<'_>) -> Check {
    let client = context.client()?;
    let prompt = format!("{FAULT_PROMPT} [cut]");
    let (run, records) = context.logged(|| client.converse_stream(&request(&prompt)));
    let error = stream_error(&run)?;
    kind(error, ErrorKind::TruncatedStream)?;
    same(
        "text deltas before the cut",
        &words(FAULT_PROMPT),
        &text_deltas(&run),
    )?;
    ensure(error.hint().is_some(), || {
        format!("no hint on the truncated stream: {error}")
    })?;
    // What streamed is on the error too, for callers that did not keep the events.
    same(
        "the error's partial response",
        &Some(words(FAULT_PROMPT).concat()),
        &error.partial_response().map(Response::text),
    )?;
    let finished = run.events.iter().any(|e| {
        matches!(
            e.event,
            StreamEvent::MessageStop { .. } | StreamEvent::Usage { .. }
        )
    });
    ensure(!finished, || {
        "MessageStop/Usage events although the stream was cut".into()
    })?;
    attempts(&records, Operation::ConverseStream, &[200])
}

fn corrupted_crc(context: &Context<'_>) -> Check {
    let client = context.client()?;
    let prompt = format!("{FAULT_PROMPT} [crc]");
    let (run, records) = context.logged(|| client.converse_stream(&request(&prompt)));
    let error = stream_error(&run)?;
    kind(error, ErrorKind::Protocol)?;
    // The first content delta is the corrupt frame: nothing after it may be decoded.
    same("text deltas", &Vec::<String>::new(), &text_deltas(&run))?;
    attempts(&records, Operation::ConverseStream, &[200])
}

fn closed_mid_frame(context: &Context<'_>) -> Check {
    let client = context.client()?;
    let prompt = format!("{FAULT_PROMPT} [close]");
    let (run, records) = context.logged(|| client.converse_stream(&request(&prompt)));
    let error = stream_error(&run)?;
    ensure(
        matches!(error.kind(), ErrorKind::TruncatedStream | ErrorKind::Io),
        || {
            format!(
                "expected ErrorKind::TruncatedStream or Io, got {:?}: {error}",
                error.kind()
            )
        },
    )?;
    same(
        "text deltas before the close",
        &vec!["one ".to_string()],
        &text_deltas(&run),
    )?;
    same(
        "the error's partial response",
        &Some("one ".to_string()),
        &error.partial_response().map(Response::text),
    )?;
    // An event reached the caller: a retry would repeat it.
    attempts(&records, Operation::ConverseStream, &[200])
}

/// A history Bedrock would refuse as the caller wrote it (a replayed answer's blank `"\n"` text,
/// a blank-only assistant turn, two user turns in a row, tool calls and results but no tools):
/// the encoder repairs it and the emulator, which enforces Bedrock's conversation rules,
/// accepts it through Converse, ConverseStream and CountTokens, first time.
fn conversation_repaired(context: &Context<'_>) -> Check {
    let client = context.client()?;
    let request: Request = serde_json::from_value(json!({
        "model": MODEL,
        "max_tokens": 512,
        "messages": [
            {"role": "user", "content": "What is the weather in Paris?"},
            {"role": "assistant", "content": [
                {"type": "text", "text": "\n"},
                {"type": "tool_call", "id": "tooluse_e2e1", "name": "get_weather", "arguments": {"city": "Paris"}}
            ]},
            {"role": "user", "content": [{"type": "tool_result", "tool_call_id": "tooluse_e2e1", "content": "18 C"}]},
            {"role": "assistant", "content": "Sunny and mild."},
            {"role": "assistant", "content": [{"type": "text", "text": "\n\n"}]},
            {"role": "user", "content": "Thanks."},
            {"role": "user", "content": "Say it again"}
        ]
    }))
    .map_err(|e| format!("request: {e}"))?;
    let (result, records) = context.logged(|| client.converse(&request));
    let response = result.map_err(|e| format!("Converse failed: {e}"))?;
    ensure(response.text().contains("Say it again"), || {
        format!("Converse echo: {:?}", response.text())
    })?;
    attempts(&records, Operation::Converse, &[200])?;
    let (run, records) = context.logged(|| client.converse_stream(&request));
    match &run.end {
        StreamEnd::Response(response) => ensure(response.text().contains("Say it again"), || {
            format!("ConverseStream echo: {:?}", response.text())
        })?,
        other => return Err(format!("ConverseStream ended with {}", describe_end(other))),
    }
    attempts(&records, Operation::ConverseStream, &[200])?;
    let (result, records) = context.logged(|| client.count_tokens(&request));
    result.map_err(|e| format!("CountTokens failed: {e}"))?;
    attempts(&records, Operation::CountTokens, &[200])
}

/// A 200 `text/html` page where Bedrock's answer should be: a `Protocol` error naming the type
/// (not a CRC or JSON complaint), through Converse, ConverseStream and CountTokens, never
/// retried.
fn html_page(context: &Context<'_>) -> Check {
    let client = context.client()?;
    let prompt = format!("{FAULT_PROMPT} [html]");
    let names_the_type = |operation: &str, error: &Error| -> Check {
        kind(error, ErrorKind::Protocol).map_err(|e| format!("{operation}: {e}"))?;
        let text = error.to_string();
        ensure(text.contains("text/html"), || {
            format!("{operation}: the error does not name text/html: {text}")
        })
    };
    let (run, records) = context.logged(|| client.converse_stream(&request(&prompt)));
    let error = stream_error(&run).map_err(|e| format!("ConverseStream: {e}"))?;
    names_the_type("ConverseStream", error)?;
    same("ConverseStream events", &0, &run.events.len())?;
    attempts(&records, Operation::ConverseStream, &[200])?;
    let (result, records) = context.logged(|| client.converse(&request(&prompt)));
    let error = result.err().ok_or("Converse: the call succeeded")?;
    names_the_type("Converse", &error)?;
    attempts(&records, Operation::Converse, &[200])?;
    let (result, records) = context.logged(|| client.count_tokens(&request(&prompt)));
    let error = result.err().ok_or("CountTokens: the call succeeded")?;
    names_the_type("CountTokens", &error)?;
    attempts(&records, Operation::CountTokens, &[200])
}

// ---------------------------------------------------------------------------------------------
// Timing

const DRIP_MS: u64 = 50;

fn drip(context: &Context<'_>) -> Check {
    let client = context.client()?;
    let prompt = format!("alpha beta gamma delta [drip:{DRIP_MS}]");
    let run = client.converse_stream(&request(&prompt));
    stream_response(&run)?;
    // 4 deltas, BlockStop, MessageStop, Usage: each its own frame, one every DRIP_MS.
    let n = run.events.len();
    same("events", &7, &n)?;
    let first = run.events[0].at;
    let last = run.events[n - 1].at;
    let spread = last.saturating_sub(first);
    let floor = Duration::from_millis(DRIP_MS * (n as u64 - 1) * 8 / 10);
    ensure(spread >= floor, || {
        format!(
            "events were not delivered as they arrived: {n} events within {spread:?} of the first \
             (at {first:?}), expected at least {floor:?} (frames every {DRIP_MS} ms)"
        )
    })
}

fn stall(context: &Context<'_>) -> Check {
    let idle = Duration::from_secs(1);
    let spec = context.spec().with_timeouts(Timeouts {
        idle,
        ..Timeouts::default()
    });
    let client = context.client_with(&spec)?;
    let prompt = format!("{FAULT_PROMPT} [stall]");
    let (run, records) = context.logged(|| client.converse_stream(&request(&prompt)));
    let error = stream_error(&run)?;
    // Every deviation, so one run says everything that is wrong.
    let problems: Vec<String> = [
        kind(error, ErrorKind::Timeout),
        same(
            "text deltas before the stall",
            &vec!["one ".to_string()],
            &text_deltas(&run),
        ),
        ensure(
            run.elapsed >= idle * 9 / 10 && run.elapsed < idle + Duration::from_secs(2),
            || {
                format!(
                    "gave up after {:?}; the idle timeout is {idle:?}",
                    run.elapsed
                )
            },
        ),
        attempts(&records, Operation::ConverseStream, &[200]),
    ]
    .into_iter()
    .filter_map(Result::err)
    .collect();
    ensure(problems.is_empty(), || {
        format!("{} (after {:?})", problems.join("; "), run.elapsed)
    })
}

fn slow_head(context: &Context<'_>) -> Check {
    let spec = context.spec().with_timeouts(Timeouts {
        first_byte: Duration::from_secs(3),
        ..Timeouts::default()
    });
    let client = context.client_with(&spec)?;
    let prompt = "Take your time. [slow_head:300]";
    let (run, records) = context.logged(|| client.converse_stream(&request(prompt)));
    let response = stream_response(&run)?;
    same("response text", &echo_of(prompt), &response.text())?;
    ensure(run.elapsed >= Duration::from_millis(290), || {
        format!(
            "the call took {:?}, less than the 300 ms head delay",
            run.elapsed
        )
    })?;
    attempts(&records, Operation::ConverseStream, &[200])
}

/// A head later than the first-byte timeout: `Timeout`. A Converse is not retried (Bedrock
/// answers it only once generated, so its answer may be billed already): 1 attempt. A
/// ConverseStream is (3 attempts, each cut short).
fn head_timeout(context: &Context<'_>) -> Check {
    let first_byte = Duration::from_millis(300);
    let spec = context.spec().with_timeouts(Timeouts {
        first_byte,
        ..Timeouts::default()
    });
    let client = context.client_with(&spec)?;
    let prompt = "Too slow. [slow_head:1000]";
    let (result, records) = context.logged(|| client.converse(&request(prompt)));
    let error = result
        .err()
        .ok_or("the call succeeded past its first-byte timeout")?;
    let (run, stream_records) = context.logged(|| client.converse_stream(&request(prompt)));
    let stream_error = stream_error(&run)?;
    let problems: Vec<String> = [
        kind(&error, ErrorKind::Timeout),
        // The emulator logs each attempt before its delayed head.
        attempts(&records, Operation::Converse, &[200]),
        kind(stream_error, ErrorKind::Timeout),
        attempts(&stream_records, Operation::ConverseStream, &[200, 200, 200]),
    ]
    .into_iter()
    .filter_map(Result::err)
    .collect();
    ensure(problems.is_empty(), || problems.join("; "))
}

// ---------------------------------------------------------------------------------------------
// Authentication

fn sigv4_credentials(secret: &str) -> Result<Credentials, String> {
    Credentials::new(DEFAULT_ACCESS_KEY_ID, secret).map_err(|e| format!("credentials: {e}"))
}

fn authenticated_as(records: &[RequestRecord], expected: &AuthKind) -> Check {
    let seen: Vec<_> = records.iter().map(|r| r.auth.clone()).collect();
    same(
        "authentication the emulator saw",
        &vec![Some(expected.clone())],
        &seen,
    )
}

fn sigv4(context: &Context<'_>) -> Check {
    let spec = context
        .spec()
        .with_auth(Auth::SigV4(sigv4_credentials(DEFAULT_SECRET_ACCESS_KEY)?));
    let client = context.client_with(&spec)?;
    let (result, records) = context.logged(|| client.converse(&request(ECHO_PROMPT)));
    let response = result.map_err(|e| format!("Converse failed: {e}"))?;
    same("response text", &echo_of(ECHO_PROMPT), &response.text())?;
    authenticated_as(
        &records,
        &AuthKind::SigV4 {
            region: super::REGION.into(),
        },
    )
}

fn sigv4_session_token(context: &Context<'_>) -> Check {
    const TOKEN: &str = "e2e-session-token/with+symbols=";
    let emulator = Emulator::start(emulator_config().with_session_token(TOKEN))
        .map_err(|e| format!("cannot start an emulator with a session token: {e}"))?;
    let spec = ClientSpec::new(emulator.endpoint_url());
    let with_token = spec.clone().with_auth(Auth::SigV4(
        sigv4_credentials(DEFAULT_SECRET_ACCESS_KEY)?.with_session_token(TOKEN),
    ));
    let client = context.client_with(&with_token)?;
    let (result, records) = logged(&emulator, || client.converse(&request(ECHO_PROMPT)));
    let response = result.map_err(|e| format!("with the session token: Converse failed: {e}"))?;
    same("response text", &echo_of(ECHO_PROMPT), &response.text())?;
    authenticated_as(
        &records,
        &AuthKind::SigV4 {
            region: super::REGION.into(),
        },
    )?;
    // The same credentials without the token are refused by this emulator.
    let without = context.client_with(&spec)?;
    let (result, records) = logged(&emulator, || without.converse(&request(ECHO_PROMPT)));
    let error = result
        .err()
        .ok_or("without the session token: the call succeeded")?;
    typed(
        &error,
        ErrorKind::Authentication,
        403,
        "UnrecognizedClientException",
    )
    .map_err(|e| format!("without the session token: {e}"))?;
    attempts(&records, Operation::Converse, &[403])?;
    emulator.shutdown();
    Ok(())
}

/// An emulator whose clock is 20 minutes ahead of the client's ("Signature expired"), then one
/// 20 minutes behind ("Signature not yet current"): the first call takes one 403, corrects its
/// signing clock from the `Date` header and succeeds; the client's next call signs on the
/// corrected clock at once.
fn clock_skew(context: &Context<'_>) -> Check {
    for (label, ahead, message) in [
        ("server ahead", true, "Signature expired"),
        ("server behind", false, "Signature not yet current"),
    ] {
        let now = bedrock_host::wall_clock();
        let twenty_minutes = Duration::from_secs(1200);
        let server = if ahead {
            now.checked_add(twenty_minutes)
        } else {
            now.checked_sub(twenty_minutes)
        }
        .ok_or("clock out of range")?;
        let emulator = Emulator::start(emulator_config().with_clock(Clock::Fixed(server)))
            .map_err(|e| format!("{label}: cannot start an emulator: {e}"))?;
        let client = context.client_with(&ClientSpec::new(emulator.endpoint_url()))?;
        let (result, records) = logged(&emulator, || client.converse(&request(ECHO_PROMPT)));
        result.map_err(|e| format!("{label}: the first call failed: {e}"))?;
        attempts(&records, Operation::Converse, &[403, 200])
            .map_err(|e| format!("{label}: {e}"))?;
        ensure(
            records[0].error_type.as_deref() == Some("InvalidSignatureException"),
            || {
                format!(
                    "{label}: the first answer was {:?}, expected InvalidSignatureException ({message})",
                    records[0].error_type
                )
            },
        )?;
        let (run, records) = logged(&emulator, || client.converse_stream(&request(ECHO_PROMPT)));
        stream_response(&run).map_err(|e| format!("{label}: the second call: {e}"))?;
        attempts(&records, Operation::ConverseStream, &[200])
            .map_err(|e| format!("{label}: the second call, already corrected: {e}"))?;
        emulator.shutdown();
    }
    Ok(())
}

fn bearer(context: &Context<'_>) -> Check {
    let spec = context.spec().with_auth(Auth::bearer(DEFAULT_API_KEY));
    let client = context.client_with(&spec)?;
    let (run, records) = context.logged(|| client.converse_stream(&request(ECHO_PROMPT)));
    let response = stream_response(&run)?;
    same("response text", &echo_of(ECHO_PROMPT), &response.text())?;
    authenticated_as(&records, &AuthKind::Bearer)
}

fn wrong_bearer(context: &Context<'_>) -> Check {
    let spec = context
        .spec()
        .with_auth(Auth::bearer("bedrock-api-key-this-is-not-the-key"));
    let client = context.client_with(&spec)?;
    let (result, records) = context.logged(|| client.converse(&request(ECHO_PROMPT)));
    let error = result
        .err()
        .ok_or("the call succeeded with a wrong API key")?;
    typed(
        &error,
        ErrorKind::Authentication,
        403,
        "AccessDeniedException",
    )?;
    same("message", &API_KEY_REJECTED, &error.message())?;
    hint_contains(&error, "rejected the API key")?;
    attempts(&records, Operation::Converse, &[403])?;
    let seen: Vec<Option<AuthKind>> = records.iter().map(|r| r.auth.clone()).collect();
    same("authentication the emulator saw", &vec![None], &seen)
}

fn wrong_secret(context: &Context<'_>) -> Check {
    let spec = context
        .spec()
        .with_auth(Auth::SigV4(sigv4_credentials("not-the-secret-access-key")?));
    let client = context.client_with(&spec)?;
    let (result, records) = context.logged(|| client.converse(&request(ECHO_PROMPT)));
    let error = result
        .err()
        .ok_or("the call succeeded with a wrong secret")?;
    typed(
        &error,
        ErrorKind::Authentication,
        403,
        "InvalidSignatureException",
    )?;
    ensure(
        error
            .message()
            .starts_with("The request signature we calculated does not match"),
        || format!("message: {:?}", error.message()),
    )?;
    hint_contains(&error, CREDENTIALS_HINT)?;
    attempts(&records, Operation::Converse, &[403])
}

// ---------------------------------------------------------------------------------------------
// The bedrock-openai route: the mantle endpoint's Responses API (bearer key only)

/// The bedrock-openai model every Responses scenario calls.
const MANTLE_MODEL: &str = "openai.gpt-5.5";

fn responses_scenarios() -> Vec<Scenario> {
    vec![
        scenario("responses: stream text echo", responses_stream_text),
        scenario("responses: tool call", responses_tool_call),
        scenario("responses: reasoning", responses_reasoning),
        scenario("responses: [throttle:2] then success", responses_throttle),
        scenario("responses: 400 invalid_request_error", responses_validation),
        scenario("responses: mid-stream response.failed", responses_midstream),
        scenario("responses: stream cut", responses_cut),
        scenario(
            "responses: SigV4 refused before sending",
            responses_sigv4_refused,
        ),
    ]
}

/// A client with the emulator's API key (the only credential mantle takes).
fn mantle_client(context: &Context<'_>) -> Result<Box<dyn TransportClient>, String> {
    context.client_with(&context.spec().with_auth(Auth::bearer(DEFAULT_API_KEY)))
}

pub(super) fn mantle_request(text: &str) -> Request {
    Request::new(MANTLE_MODEL).user(text).max_tokens(512)
}

/// The statuses of the mantle requests the emulator logged, in order.
fn mantle_statuses(records: &[RequestRecord]) -> Check {
    ensure(records.iter().all(|r| r.operation.is_none()), || {
        format!("a Runtime operation in a Responses call: {records:?}")
    })
}

pub(super) fn statuses(records: &[RequestRecord]) -> Vec<u16> {
    records.iter().map(|r| r.status).collect()
}

fn responses_stream_text(context: &Context<'_>) -> Check {
    let client = mantle_client(context)?;
    let request = mantle_request(ECHO_PROMPT);
    let (result, records) = context.logged(|| stream_and_converse(&*client, &request));
    let (_, streamed) = result?;
    let echo = echo_of(ECHO_PROMPT);
    same("response text", &echo, &streamed.text())?;
    stop(&streamed, StopReason::EndTurn, "end_turn")
        .or_else(|_| same("stop reason", &StopReason::EndTurn, &streamed.stop_reason))?;
    mantle_statuses(&records)?;
    same(
        "attempts (stream, then Converse)",
        &vec![200, 200],
        &statuses(&records),
    )?;
    same(
        "authentication the emulator saw",
        &vec![Some(AuthKind::Bearer); 2],
        &records.iter().map(|r| r.auth.clone()).collect::<Vec<_>>(),
    )
}

fn responses_tool_call(context: &Context<'_>) -> Check {
    let client = mantle_client(context)?;
    let mut request = tool_request("What is the weather in Paris? [scenario:tool_use]");
    request.model = MANTLE_MODEL.into();
    let (run, response) = stream_and_converse(&*client, &request)?;
    let call = response.content.iter().find_map(|part| match part {
        Part::ToolCall {
            name, arguments, ..
        } => Some((name.clone(), arguments.clone())),
        _ => None,
    });
    same(
        "the tool call",
        &Some((
            "get_weather".to_string(),
            Some(json!({"city": "Paris", "unit": "celsius"})),
        )),
        &call,
    )?;
    same("stop reason", &StopReason::ToolUse, &response.stop_reason)?;
    let started = run.events.iter().any(
        |e| matches!(&e.event, StreamEvent::ToolCallStart { name, .. } if name == "get_weather"),
    );
    ensure(started, || "no ToolCallStart for get_weather".into())
}

fn responses_reasoning(context: &Context<'_>) -> Check {
    let client = mantle_client(context)?;
    let prompt = "Think, then repeat this. [scenario:reasoning]";
    let (run, response) = stream_and_converse(&*client, &mantle_request(prompt))?;
    same("response text", &echo_of(prompt), &response.text())?;
    let reasoned = run
        .events
        .iter()
        .any(|e| matches!(&e.event, StreamEvent::ReasoningDelta { text, .. } if !text.is_empty()));
    ensure(reasoned, || "no reasoning deltas in the stream".into())
}

fn responses_throttle(context: &Context<'_>) -> Check {
    let client = mantle_client(context)?;
    let prompt = format!(
        "Retry me. [throttle:2]{}",
        context.id_marker("mantle-throttle")
    );
    let (run, records) = context.logged(|| client.converse_stream(&mantle_request(&prompt)));
    let response = stream_response(&run)?;
    same("response text", &echo_of(&prompt), &response.text())?;
    mantle_statuses(&records)?;
    same("attempts", &vec![429, 429, 200], &statuses(&records))
}

fn responses_validation(context: &Context<'_>) -> Check {
    let client = mantle_client(context)?;
    let prompt = "Fail, please. [error:ValidationException:bad input for mantle]";
    let (result, records) = context.logged(|| client.converse(&mantle_request(prompt)));
    let error = result
        .err()
        .ok_or("the call succeeded, a 400 was expected")?;
    kind(&error, ErrorKind::Validation)?;
    same("status", &Some(400), &error.status())?;
    same("message", &"bad input for mantle", &error.message())?;
    same(
        "attempts (a 400 is not retried)",
        &vec![400],
        &statuses(&records),
    )
}

fn responses_midstream(context: &Context<'_>) -> Check {
    let client = mantle_client(context)?;
    let prompt = format!("{FAULT_PROMPT} [midstream]");
    let (run, records) = context.logged(|| client.converse_stream(&mantle_request(&prompt)));
    let error = stream_error(&run)?;
    kind(error, ErrorKind::Throttling)?;
    let deltas = text_deltas(&run);
    ensure(!deltas.is_empty(), || {
        "no text before response.failed".into()
    })?;
    let partial = error.partial_response().map(Response::text);
    same(
        "partial output on the error",
        &Some(deltas.concat()),
        &partial,
    )?;
    // Events were delivered: never retried.
    same("attempts", &vec![200], &statuses(&records))
}

fn responses_cut(context: &Context<'_>) -> Check {
    let client = mantle_client(context)?;
    let prompt = format!("{FAULT_PROMPT} [cut]");
    let (run, records) = context.logged(|| client.converse_stream(&mantle_request(&prompt)));
    let error = stream_error(&run)?;
    kind(error, ErrorKind::TruncatedStream)?;
    same(
        "text deltas before the cut",
        &words(FAULT_PROMPT),
        &text_deltas(&run),
    )?;
    same("attempts", &vec![200], &statuses(&records))
}

fn responses_sigv4_refused(context: &Context<'_>) -> Check {
    // The default spec signs with SigV4: this provider takes a Bedrock API key only.
    let client = context.client()?;
    let (result, records) = context.logged(|| client.converse(&mantle_request("refused")));
    let error = result
        .err()
        .ok_or("a SigV4 call to bedrock-openai succeeded")?;
    kind(&error, ErrorKind::Configuration)?;
    hint_contains(&error, "AWS_BEARER_TOKEN_BEDROCK")?;
    same("requests sent", &0, &records.len())
}
