//! The fault matrix: every delivery fault the emulator injects × every protocol (ConverseStream
//! over event-stream, Converse, Responses streamed over SSE, Responses as JSON), run through every
//! transport like any other scenario. Each cell ends in the documented typed error or a correct
//! retry, within a deadline; never a false success; the deltas that arrived before a failure are
//! kept, on the events and on the error's partial response.
//!
//! Rows are scenarios named `matrix: <fault> | <protocol>`; [`super::E2eReport::matrix`]
//! renders them as one faults × protocols table per transport, each cell the outcome (`ok`,
//! `ok x3` for a success after retries, the error kind, `-` where the fault has no meaning for
//! the protocol: a `Content-Length` body has no chunks or frames).

use std::time::{Duration, Instant};

use bedrock_core::auth::Auth;
use bedrock_core::error::{Error, ErrorKind};
use bedrock_core::model::{Request, Response};

use super::scenarios::{
    FAULT_PROMPT, Scenario, echo_of, ensure, mantle_request, request, same, statuses,
    stream_response, text_deltas, words,
};
use super::{ClientSpec, Context, StreamEnd, Timeouts, TransportClient, emulator_config, logged};
use crate::emulator::{Clock, DEFAULT_API_KEY, Emulator, Operation, RequestRecord};

/// The protocols of the matrix, in column order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Protocol {
    /// ConverseStream: event-stream frames in a chunked body.
    ConverseStream,
    /// Converse: a `Content-Length` JSON body.
    Converse,
    /// Responses with `stream: true`: server-sent events in a chunked body.
    ResponsesStream,
    /// Responses without streaming: a `Content-Length` JSON body.
    Responses,
}

/// Every protocol, in column order.
pub const PROTOCOLS: [Protocol; 4] = [
    Protocol::ConverseStream,
    Protocol::Converse,
    Protocol::ResponsesStream,
    Protocol::Responses,
];

impl Protocol {
    /// The column name.
    pub fn name(self) -> &'static str {
        match self {
            Self::ConverseStream => "converse-stream",
            Self::Converse => "converse",
            Self::ResponsesStream => "responses-stream",
            Self::Responses => "responses",
        }
    }

    fn streams(self) -> bool {
        matches!(self, Self::ConverseStream | Self::ResponsesStream)
    }

    fn mantle(self) -> bool {
        matches!(self, Self::ResponsesStream | Self::Responses)
    }

    /// The operation the emulator logs (`None` for the Responses route).
    fn operation(self) -> Option<Operation> {
        match self {
            Self::ConverseStream => Some(Operation::ConverseStream),
            Self::Converse => Some(Operation::Converse),
            Self::ResponsesStream | Self::Responses => None,
        }
    }
}

/// What a cell must end in.
#[derive(Clone, Copy, Debug)]
enum Want {
    /// Success, with the echo of the prompt.
    Ok,
    /// An error of one of these kinds, with the deltas before it kept.
    Error(&'static [ErrorKind], Partial),
}

/// The text deltas a failed stream must have delivered (and kept on the error).
#[derive(Clone, Copy, Debug)]
enum Partial {
    /// None.
    Nothing,
    /// The first word.
    First,
    /// The first two words (a mid-stream exception).
    Two,
    /// Every word of the answer (a stream cut after its last delta).
    All,
}

/// One cell's expectation: the outcome and the statuses of the attempts in the emulator's log.
#[derive(Clone, Copy, Debug)]
struct Expect {
    want: Want,
    attempts: &'static [u16],
}

const fn ok(attempts: &'static [u16]) -> Option<Expect> {
    Some(Expect {
        want: Want::Ok,
        attempts,
    })
}

const fn error(
    kinds: &'static [ErrorKind],
    partial: Partial,
    attempts: &'static [u16],
) -> Option<Expect> {
    Some(Expect {
        want: Want::Error(kinds, partial),
        attempts,
    })
}

/// A connection that ends early: the transport reports the truncated body or the I/O error.
const CUT: &[ErrorKind] = &[ErrorKind::TruncatedStream, ErrorKind::Io];
const PROTOCOL: &[ErrorKind] = &[ErrorKind::Protocol];
const TRUNCATED: &[ErrorKind] = &[ErrorKind::TruncatedStream];
const TIMEOUT: &[ErrorKind] = &[ErrorKind::Timeout];
const THROTTLING: &[ErrorKind] = &[ErrorKind::Throttling];
const UNAVAILABLE: &[ErrorKind] = &[ErrorKind::ServiceUnavailable];

/// The idle timeout of the `[stall]` row.
const STALL_IDLE: Duration = Duration::from_millis(500);
/// Its first-byte timeout.
const STALL_FIRST_BYTE: Duration = Duration::from_millis(1500);
/// The first-byte timeout of the slow-head-past-the-timeout row (the head comes after 1 s).
const SHORT_FIRST_BYTE: Duration = Duration::from_millis(300);
/// The longest any cell may take (a loaded 2-core machine included); a cell over it is a hang.
const CELL_DEADLINE: Duration = Duration::from_secs(8);
/// How far the skewed clock rows set the emulator's clock from the client's.
const SKEW_SECS: i64 = 20 * 60;

/// One row: a fault, how to inject it, and what each protocol must end in.
struct Fault {
    /// The row name.
    name: &'static str,
    /// The markers (`{id}` becomes a tag unique to the cell).
    markers: &'static str,
    /// Timeouts other than the suite's defaults.
    timeouts: Option<Timeouts>,
    /// A clock offset of a dedicated emulator, in seconds.
    skew: Option<i64>,
    /// The expectation per protocol and transport; `None` where the fault does not apply.
    expect: fn(Protocol, &str) -> Option<Expect>,
    /// The longest the call may take, retries included; past it, the cell is a hang.
    deadline: Duration,
}

/// `stream` for the streaming protocols, `json` for the others.
fn split(protocol: Protocol, stream: Option<Expect>, json: Option<Expect>) -> Option<Expect> {
    if protocol.streams() { stream } else { json }
}

/// A stream-only fault ending in `kinds` after `partial`, not retried (events reached the
/// caller, or the answer is broken in a way a retry does not fix).
fn stream_only(
    protocol: Protocol,
    kinds: &'static [ErrorKind],
    partial: Partial,
) -> Option<Expect> {
    if protocol.streams() {
        error(kinds, partial, &[200])
    } else {
        None
    }
}

const FAULTS: &[Fault] = &[
    Fault {
        name: "cut mid-head [cut_head]",
        markers: "[cut_head]",
        timeouts: None,
        skew: None,
        deadline: CELL_DEADLINE,
        // Nothing reached the caller: a cut before any event or in a JSON answer is a
        // transient I/O failure, retried (the exchange's documented policy).
        expect: |_, _| error(CUT, Partial::Nothing, &[200, 200, 200]),
    },
    Fault {
        name: "cut in a chunk-size line [cut_chunk:size]",
        markers: "[cut_chunk:size]",
        timeouts: None,
        skew: None,
        deadline: CELL_DEADLINE,
        expect: |p, _| stream_only(p, CUT, Partial::First),
    },
    Fault {
        name: "cut in chunk data [cut_chunk:data]",
        markers: "[cut_chunk:data]",
        timeouts: None,
        skew: None,
        deadline: CELL_DEADLINE,
        expect: |p, _| stream_only(p, CUT, Partial::First),
    },
    Fault {
        name: "cut mid-frame / mid-event / mid-body [close]",
        markers: "[close]",
        timeouts: None,
        skew: None,
        deadline: CELL_DEADLINE,
        // A stream with an event out is never retried; a cut JSON body is, as I/O.
        expect: |p, _| {
            split(
                p,
                error(CUT, Partial::First, &[200]),
                error(CUT, Partial::Nothing, &[200, 200, 200]),
            )
        },
    },
    Fault {
        name: "bad CRC / broken event [crc]",
        markers: "[crc]",
        timeouts: None,
        skew: None,
        deadline: CELL_DEADLINE,
        expect: |p, _| stream_only(p, PROTOCOL, Partial::Nothing),
    },
    Fault {
        name: "truncated stream [cut]",
        markers: "[cut]",
        timeouts: None,
        skew: None,
        deadline: CELL_DEADLINE,
        expect: |p, _| stream_only(p, TRUNCATED, Partial::All),
    },
    Fault {
        name: "mid-stream exception [midstream]",
        markers: "[midstream]{id}",
        timeouts: None,
        skew: None,
        deadline: CELL_DEADLINE,
        // Without a stream the exception is the call's 429, retried like any throttling.
        expect: |p, _| {
            split(
                p,
                error(THROTTLING, Partial::Two, &[200]),
                error(THROTTLING, Partial::Nothing, &[429, 429, 429]),
            )
        },
    },
    Fault {
        name: "stall -> idle timeout [stall]",
        markers: "[stall]",
        timeouts: Some(Timeouts {
            connect: Duration::from_secs(5),
            first_byte: STALL_FIRST_BYTE,
            idle: STALL_IDLE,
        }),
        skew: None,
        // Three attempts of a Converse, each up to the first-byte timeout through `blocking`
        // (ureq's per-read timeout, also the head's, bounds a JSON body there), plus a margin.
        deadline: Duration::from_secs(10),
        // A JSON body stalled after its head is retried (only a Converse whose head never
        // came is not: its answer may be billed already).
        expect: |p, _| {
            split(
                p,
                error(TIMEOUT, Partial::First, &[200]),
                error(TIMEOUT, Partial::Nothing, &[200, 200, 200]),
            )
        },
    },
    Fault {
        name: "drip [drip:20]",
        markers: "[drip:20]",
        timeouts: None,
        skew: None,
        deadline: CELL_DEADLINE,
        expect: |p, _| split(p, ok(&[200]), None),
    },
    Fault {
        name: "slow head [slow_head:300]",
        markers: "[slow_head:300]",
        timeouts: None,
        skew: None,
        deadline: CELL_DEADLINE,
        expect: |_, _| ok(&[200]),
    },
    Fault {
        name: "slow head past the first-byte timeout [slow_head:1000]",
        markers: "[slow_head:1000]",
        timeouts: Some(Timeouts {
            connect: Duration::from_secs(5),
            first_byte: SHORT_FIRST_BYTE,
            idle: Duration::from_secs(10),
        }),
        skew: None,
        // Three attempts of 300 ms, plus a margin.
        deadline: Duration::from_secs(5),
        // As a cut head: a stream is retried, a Converse is not.
        expect: |p, _| {
            split(
                p,
                error(TIMEOUT, Partial::Nothing, &[200, 200, 200]),
                error(TIMEOUT, Partial::Nothing, &[200]),
            )
        },
    },
    Fault {
        name: "5xx burst [fail:2:ServiceUnavailable]",
        markers: "[fail:2:ServiceUnavailable]{id}",
        timeouts: None,
        skew: None,
        deadline: CELL_DEADLINE,
        expect: |_, _| ok(&[503, 503, 200]),
    },
    Fault {
        name: "5xx burst [fail:2:InternalServer]",
        markers: "[fail:2:InternalServer]{id}",
        timeouts: None,
        skew: None,
        deadline: CELL_DEADLINE,
        expect: |_, _| ok(&[500, 500, 200]),
    },
    Fault {
        name: "5xx past the retries [fail:3:ServiceUnavailable]",
        markers: "[fail:3:ServiceUnavailable]{id}",
        timeouts: None,
        skew: None,
        deadline: CELL_DEADLINE,
        expect: |_, _| error(UNAVAILABLE, Partial::Nothing, &[503, 503, 503]),
    },
    Fault {
        name: "throttled twice [throttle:2]",
        markers: "[throttle:2]{id}",
        timeouts: None,
        skew: None,
        deadline: CELL_DEADLINE,
        expect: |_, _| ok(&[429, 429, 200]),
    },
    Fault {
        name: "throttled past the retries [throttle:3]",
        markers: "[throttle:3]{id}",
        timeouts: None,
        skew: None,
        deadline: CELL_DEADLINE,
        expect: |_, _| error(THROTTLING, Partial::Nothing, &[429, 429, 429]),
    },
    Fault {
        name: "skewed clock: server 20 min ahead",
        markers: "",
        timeouts: None,
        deadline: CELL_DEADLINE,
        skew: Some(SKEW_SECS),
        // SigV4 learns the offset from `Date` and retries once; a bearer key has no date.
        expect: |p, _| {
            if p.mantle() {
                ok(&[200])
            } else {
                ok(&[403, 200])
            }
        },
    },
    Fault {
        name: "skewed clock: server 20 min behind",
        markers: "",
        timeouts: None,
        deadline: CELL_DEADLINE,
        skew: Some(-SKEW_SECS),
        expect: |p, _| {
            if p.mantle() {
                ok(&[200])
            } else {
                ok(&[403, 200])
            }
        },
    },
    Fault {
        name: "oversize frame / event [oversize_frame]",
        markers: "[oversize_frame]",
        timeouts: None,
        skew: None,
        deadline: CELL_DEADLINE,
        expect: |p, _| stream_only(p, PROTOCOL, Partial::First),
    },
    Fault {
        name: "oversize head [oversize_head]",
        markers: "[oversize_head]",
        timeouts: None,
        skew: None,
        deadline: CELL_DEADLINE,
        expect: |_, _| error(PROTOCOL, Partial::Nothing, &[200]),
    },
    Fault {
        name: "endless chunk-size line [endless_chunk]",
        markers: "[endless_chunk]",
        timeouts: None,
        skew: None,
        deadline: CELL_DEADLINE,
        // ureq (under `blocking`) reports a chunk line longer than its buffer as a stalled
        // body, as it does a connection closed inside a chunk-size line: a truncated stream.
        expect: |p, transport| {
            let kinds = if transport == "blocking" {
                TRUNCATED
            } else {
                PROTOCOL
            };
            stream_only(p, kinds, Partial::First)
        },
    },
    Fault {
        name: "HTML 200 [html]",
        markers: "[html]",
        timeouts: None,
        skew: None,
        deadline: CELL_DEADLINE,
        expect: |_, _| error(PROTOCOL, Partial::Nothing, &[200]),
    },
];

/// The row-name prefix of the matrix's scenarios.
pub(super) const PREFIX: &str = "matrix: ";
/// Between the fault and the protocol in a row name.
pub(super) const SEPARATOR: &str = " | ";

/// The matrix's scenarios: one per fault × protocol.
pub(super) fn scenarios() -> Vec<Scenario> {
    let mut all = Vec::new();
    for (row, fault) in FAULTS.iter().enumerate() {
        for protocol in PROTOCOLS {
            // Scenario names are `&'static str`; the matrix names are made once per run.
            let name: &'static str =
                format!("{PREFIX}{}{SEPARATOR}{}", fault.name, protocol.name()).leak();
            all.push(Scenario::new(name, move |context: &Context<'_>| {
                cell(context, row, fault, protocol)
            }));
        }
    }
    all
}

/// How one call ended, whatever the protocol.
struct Observed {
    result: Result<Response, Error>,
    deltas: Vec<String>,
    elapsed: Duration,
}

fn call(
    client: &dyn TransportClient,
    protocol: Protocol,
    request: &Request,
) -> Result<Observed, String> {
    let started = Instant::now();
    if !protocol.streams() {
        let result = client.converse(request);
        return Ok(Observed {
            result,
            deltas: Vec::new(),
            elapsed: started.elapsed(),
        });
    }
    let run = client.converse_stream(request);
    same("items after the end of the stream", &0, &run.trailing_items)?;
    let deltas = text_deltas(&run);
    let result = match &run.end {
        StreamEnd::Response(_) => Ok(stream_response(&run)?.clone()),
        StreamEnd::Error(error) => Err(error.clone()),
        StreamEnd::Nothing => {
            return Err("the stream ended with neither a response nor an error".into());
        }
    };
    Ok(Observed {
        result,
        deltas,
        elapsed: run.elapsed,
    })
}

fn cell(
    context: &Context<'_>,
    row: usize,
    fault: &'static Fault,
    protocol: Protocol,
) -> Result<(), String> {
    let Some(expect) = (fault.expect)(protocol, context.transport().name()) else {
        context.note("-");
        return Ok(());
    };
    // A tag unique to the cell, so that retry counters never mix.
    let tag = context.id_marker(&format!("matrix-{row}-{}", protocol.name()));
    let markers = fault.markers.replace("{id}", &tag);
    let prompt = format!("{FAULT_PROMPT} {markers}");
    let request = if protocol.mantle() {
        mantle_request(&prompt)
    } else {
        request(&prompt)
    };
    let own_emulator = match fault.skew {
        Some(secs) => Some(
            Emulator::start(emulator_config().with_clock(Clock::Offset(secs)))
                .map_err(|e| format!("cannot start a skewed emulator: {e}"))?,
        ),
        None => None,
    };
    let emulator = own_emulator.as_ref().unwrap_or(context.emulator());
    let mut spec = match &own_emulator {
        Some(own) => ClientSpec::new(own.endpoint_url()),
        None => context.spec(),
    };
    if let Some(timeouts) = fault.timeouts {
        spec = spec.with_timeouts(timeouts);
    }
    if protocol.mantle() {
        spec = spec.with_auth(Auth::bearer(DEFAULT_API_KEY));
    }
    let client = context.client_with(&spec)?;
    let (observed, records) = logged(emulator, || call(&*client, protocol, &request));
    let observed = observed?;
    if let Some(own) = own_emulator {
        own.shutdown();
    }
    let label = check(&observed, &records, protocol, expect, &prompt)?;
    let deadline = fault.deadline;
    ensure(observed.elapsed < deadline, || {
        format!(
            "{label} after {:?}: past the cell's deadline of {deadline:?}",
            observed.elapsed
        )
    })?;
    context.note(&label);
    Ok(())
}

/// Checks the outcome against `expect`; the cell's label.
fn check(
    observed: &Observed,
    records: &[RequestRecord],
    protocol: Protocol,
    expect: Expect,
    prompt: &str,
) -> Result<String, String> {
    let operations_ok = records.iter().all(|r| r.operation == protocol.operation());
    ensure(operations_ok, || {
        format!("other operations in the log: {records:?}")
    })?;
    let ended = match &observed.result {
        Ok(_) => "success".to_string(),
        Err(error) => format!("{:?}: {error}", error.kind()),
    };
    same(
        "attempts (statuses in the emulator's log)",
        &expect.attempts.to_vec(),
        &statuses(records),
    )
    .map_err(|e| format!("{e}; the call ended in {ended}"))?;
    let retried = if records.len() > 1 {
        format!(" x{}", records.len())
    } else {
        String::new()
    };
    match (expect.want, &observed.result) {
        (Want::Ok, Ok(response)) => {
            let echo = echo_of(prompt);
            same("response text", &echo, &response.text())?;
            if protocol.streams() {
                same("text deltas", &words(&echo), &observed.deltas)?;
            }
            Ok(format!("ok{retried}"))
        }
        (Want::Ok, Err(error)) => Err(format!("expected success, got {:?}: {error}", error.kind())),
        (Want::Error(..), Ok(response)) => Err(format!(
            "a false success: {:?} with text {:?}",
            response.stop_reason,
            response.text()
        )),
        (Want::Error(kinds, partial), Err(error)) => {
            ensure(kinds.contains(&error.kind()), || {
                format!(
                    "expected ErrorKind {kinds:?}, got {:?}: {error}",
                    error.kind()
                )
            })?;
            let all = words(FAULT_PROMPT);
            let expected: Vec<String> = match partial {
                Partial::Nothing => Vec::new(),
                Partial::First => all[..1].to_vec(),
                Partial::Two => all[..2].to_vec(),
                Partial::All => all,
            };
            same(
                "text deltas before the failure",
                &expected,
                &observed.deltas,
            )?;
            let kept = error
                .partial_response()
                .map(Response::text)
                .unwrap_or_default();
            same(
                "the error's partial response text",
                &expected.concat(),
                &kept,
            )?;
            Ok(format!("{}{retried}", error.kind().as_str()))
        }
    }
}
