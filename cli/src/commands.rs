//! The commands. Output rules: answers on stdout, everything else (reasoning, tool calls, usage
//! and cost, errors) on stderr, so `bedrock chat ... > answer.txt` captures only the answer.
//!
//! Every write is checked ([`Output`]). A closed pipe (`bedrock chat ... | head -c1`) ends the
//! command at once: the stream is dropped unread (no more output is generated for a reader that
//! is gone) and the process exits 0 without a message, as `git log | head` does; any other write
//! failure is an `io` error, exit 1.

use std::fmt;
use std::io::{Read, Write};
use std::process::ExitCode;
use std::time::Instant;

use bedrock_blocking::StreamItem;
use bedrock_core::catalog::{ModelInfo, Provider};
use bedrock_core::error::{Error, ErrorKind, Origin};
use bedrock_core::model::{Content, Part, Request, Response, StreamEvent};
use clap::ArgMatches;
use serde_json::json;

use crate::setup::Global;

/// Prints an error: its kind and message, the request id, and the fix-it hint. Nothing is
/// printed for a closed output pipe ([`is_closed_output`]). A failure to write the report
/// itself has nowhere left to go: the exit status still says the command failed.
pub(crate) fn report_error(error: &Error) {
    if is_closed_output(error) {
        return;
    }
    let mut text = format!("error: {error}\n");
    if let Some(id) = error.request_id() {
        text.push_str(&format!("  request id: {id}\n"));
    }
    if let Some(hint) = hint(error) {
        text.push_str(&format!("  hint: {hint}\n"));
    }
    let mut stderr = std::io::stderr().lock();
    if stderr.write_all(text.as_bytes()).is_err() {
        // Reported through the exit status only (see above).
    }
}

/// The reader of stdout or stderr went away (`EPIPE`): the source of the error [`Output`]
/// returns then, so that `main` can end quietly.
#[derive(Debug)]
struct ClosedOutput;

impl fmt::Display for ClosedOutput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the output pipe was closed")
    }
}

impl std::error::Error for ClosedOutput {}

/// Whether `error` means that the reader of our output went away: not a failure of the call,
/// and nothing to report.
pub(crate) fn is_closed_output(error: &Error) -> bool {
    error.find_source::<ClosedOutput>().is_some()
}

/// stdout and stderr, every write checked. stdout is buffered: [`out`](Self::out) flushes at
/// once, [`text`](Self::text) waits for [`flush`](Self::flush) (a stream's text deltas are
/// flushed whenever the stream must wait for the network, see `chat`). Whatever stdout holds is
/// flushed before anything goes to stderr, so the two interleave in the order written. A closed
/// pipe becomes an error with a [`ClosedOutput`] source; any other write error an `io` error
/// naming the stream.
pub(crate) struct Output {
    stdout: std::io::BufWriter<std::io::Stdout>,
    stderr: std::io::Stderr,
}

impl Output {
    pub(crate) fn new() -> Self {
        Self {
            stdout: std::io::BufWriter::new(std::io::stdout()),
            stderr: std::io::stderr(),
        }
    }

    /// Writes to stdout and flushes.
    fn out(&mut self, args: fmt::Arguments<'_>) -> Result<(), Error> {
        checked("stdout", self.stdout.write_fmt(args))?;
        self.flush()
    }

    /// Writes `text` to stdout's buffer, shown at the next [`flush`](Self::flush) (or when the
    /// buffer fills).
    fn text(&mut self, text: &str) -> Result<(), Error> {
        checked("stdout", self.stdout.write_all(text.as_bytes()))
    }

    /// Writes out what stdout holds.
    fn flush(&mut self) -> Result<(), Error> {
        checked("stdout", self.stdout.flush())
    }

    /// Writes to stderr, after what stdout holds.
    fn err(&mut self, args: fmt::Arguments<'_>) -> Result<(), Error> {
        self.flush()?;
        let mut stderr = self.stderr.lock();
        checked(
            "stderr",
            stderr.write_fmt(args).and_then(|()| stderr.flush()),
        )
    }
}

fn checked(stream: &str, result: std::io::Result<()>) -> Result<(), Error> {
    result.map_err(|e| {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            Error::with_source(
                ErrorKind::Io,
                Origin::Transport,
                format!("writing to {stream}: the pipe was closed"),
                ClosedOutput,
            )
        } else {
            Error::new(ErrorKind::Io, format!("writing to {stream}: {e}"))
        }
    })
}

/// The error's one hint, with the command that carries it out appended where there is one: the
/// core's hints name settings and environment variables only, the commands are this front
/// end's (and the AWS CLI's) business.
pub(crate) fn hint(error: &Error) -> Option<String> {
    let hint = error.hint()?;
    Some(match command_for(error) {
        Some(command) => format!("{hint} ({command})"),
        None => hint.to_string(),
    })
}

fn command_for(error: &Error) -> Option<String> {
    use bedrock_core::credentials::{CredentialsError, Problem, SourceKind};
    if let Some(credentials) = error.find_source::<CredentialsError>() {
        match credentials.problem() {
            Problem::SsoTokenExpired { login, .. } | Problem::SsoTokenMissing { login, .. } => {
                return Some(format!("`aws sso login{login}`"));
            }
            Problem::InvalidResponse { .. }
                if credentials.source_kind() == Some(SourceKind::Sso) =>
            {
                return Some("`aws sso login`".into());
            }
            _ => {}
        }
    }
    if error.kind() == ErrorKind::NoCredentials
        && error.detail().is_none_or(|detail| detail == "not_found")
    {
        return Some("`bedrock secret set BEDROCK_API_KEY` stores a key in the vault".into());
    }
    if error.origin() == Origin::Service
        && error
            .message()
            .to_ascii_lowercase()
            .contains("model identifier is invalid")
    {
        let region = error
            .region()
            .map(|r| format!(" --region {r}"))
            .unwrap_or_default();
        return Some(format!("`aws bedrock list-inference-profiles{region}`"));
    }
    None
}

fn usage(message: &str) -> Error {
    Error::new(ErrorKind::InvalidRequest, message)
}

/// The prompt argument, or stdin when it is `-` or absent.
fn prompt(args: &ArgMatches) -> Result<String, Error> {
    match args.get_one::<String>("prompt").map(String::as_str) {
        Some("-") | None => {
            let mut text = String::new();
            std::io::stdin().read_to_string(&mut text).map_err(|e| {
                Error::new(ErrorKind::Io, format!("reading the prompt from stdin: {e}"))
            })?;
            if text.trim().is_empty() {
                return Err(usage(
                    "the prompt is empty: give it as an argument or on stdin",
                ));
            }
            Ok(text)
        }
        Some(text) => Ok(text.to_string()),
    }
}

fn request(model: &str, text: String, args: &ArgMatches) -> Request {
    let mut request = request_options(args);
    request.model = model.to_string();
    request.user(text)
}

/// A request with no model and no messages, holding the generation options given.
fn request_options(args: &ArgMatches) -> Request {
    let mut request = Request::default();
    // `count-tokens` defines no `--system`: `get_one` would panic on the unknown id (in
    // debug builds), `try_get_one` answers an error, read as "not given".
    request.system = args
        .try_get_one::<String>("system")
        .ok()
        .flatten()
        .cloned()
        .map(Content::Text);
    request.max_tokens = args
        .try_get_one::<u32>("max-tokens")
        .ok()
        .flatten()
        .copied();
    request.temperature = args
        .try_get_one::<f64>("temperature")
        .ok()
        .flatten()
        .copied();
    request.top_p = args.try_get_one::<f64>("top-p").ok().flatten().copied();
    request
}

pub(crate) fn model_list(global: &Global, args: &ArgMatches) -> Result<ExitCode, Error> {
    let settings = global.settings()?;
    let provider = args
        .get_one::<String>("provider")
        .and_then(|p| Provider::from_id(p));
    let models: Vec<ModelInfo> = settings
        .models()
        .into_iter()
        .filter(|m| provider.is_none_or(|p| m.provider == p))
        .collect();
    let mut out = Output::new();
    if args.get_flag("json") {
        let text = serde_json::to_string_pretty(&models).unwrap_or_default();
        out.out(format_args!("{text}\n"))?;
        return Ok(ExitCode::SUCCESS);
    }
    let rows: Vec<[String; 7]> = models
        .iter()
        .map(|m| {
            let mut features = Vec::new();
            for (on, name) in [
                (m.features.tools, "tools"),
                (m.features.vision, "vision"),
                (m.features.reasoning, "reasoning"),
                (m.features.prompt_cache, "cache"),
            ] {
                if on {
                    features.push(name);
                }
            }
            let mut id = m.id.clone();
            if m.is_default {
                id.push_str(" *");
            } else if m.is_small_default {
                id.push_str(" (small)");
            }
            [
                id,
                m.provider.id().to_string(),
                m.api_id.clone(),
                thousands(m.context_window),
                thousands(m.max_output),
                features.join(","),
                format!(
                    "${:.2} / ${:.2}",
                    m.prices.input.usd_per_million(),
                    m.prices.output.usd_per_million()
                ),
            ]
        })
        .collect();
    let header = [
        "MODEL",
        "PROVIDER",
        "WIRE ID",
        "CONTEXT",
        "MAX OUT",
        "FEATURES",
        "PRICE IN/OUT PER 1M",
    ];
    let mut widths = header.map(str::len);
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: &[&str]| {
        let mut text = String::new();
        for (i, (cell, width)) in cells.iter().zip(widths).enumerate() {
            if i + 1 == cells.len() {
                text.push_str(cell);
            } else {
                text.push_str(&format!("{cell:<width$}  "));
            }
        }
        text.trim_end().to_string()
    };
    let mut table = line(&header);
    for row in &rows {
        let cells: Vec<&str> = row.iter().map(String::as_str).collect();
        table.push('\n');
        table.push_str(&line(&cells));
    }
    out.out(format_args!("{table}\n\n* provider default\n"))?;
    Ok(ExitCode::SUCCESS)
}

fn thousands(n: u32) -> String {
    if n >= 1_000_000 && n.is_multiple_of(1_000_000) {
        format!("{}M", n / 1_000_000)
    } else if n >= 1000 && n.is_multiple_of(1000) {
        format!("{}k", n / 1000)
    } else {
        n.to_string()
    }
}

pub(crate) fn model_test(global: &Global, args: &ArgMatches) -> Result<ExitCode, Error> {
    let model = args.get_one::<String>("model").cloned().unwrap_or_default();
    let client = global.client(&model, true)?;
    let request = Request::new(model.clone())
        .user("Reply with the single word: ok")
        .max_tokens(16);
    let started = Instant::now();
    let result = client.converse(&request);
    let latency = started.elapsed();
    let json = args.get_flag("json");
    let mut out = Output::new();
    match result {
        Ok(response) => {
            if json {
                let report = json!({
                    "ok": true,
                    "model": model,
                    "latency_ms": latency.as_millis(),
                    "usage": response.usage,
                    "cost": response.cost,
                    "request_id": response.request_id,
                });
                out.out(format_args!(
                    "{}\n",
                    serde_json::to_string_pretty(&report).unwrap_or_default()
                ))?;
            } else {
                out.out(format_args!(
                    "ok  {model}  {} ms  {} in / {} out tokens  {}\n",
                    latency.as_millis(),
                    response.usage.input_tokens,
                    response.usage.output_tokens,
                    cost_text(&response)
                ))?;
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(error) => {
            if json {
                let report = json!({
                    "ok": false,
                    "model": model,
                    "kind": error.kind().as_str(),
                    "message": error.message(),
                    "status": error.status(),
                    "request_id": error.request_id(),
                    "hint": hint(&error),
                });
                out.out(format_args!(
                    "{}\n",
                    serde_json::to_string_pretty(&report).unwrap_or_default()
                ))?;
            } else {
                report_error(&error);
            }
            Ok(ExitCode::FAILURE)
        }
    }
}

fn cost_text(response: &Response) -> String {
    match &response.cost {
        Some(cost) => format!("${:.6}", cost.usd()),
        None => "cost unknown".into(),
    }
}

fn summary(response: &Response) -> String {
    let u = &response.usage;
    let mut text = format!("[{} in", u.input_tokens);
    if u.cache_read_tokens > 0 {
        text.push_str(&format!(" + {} cache read", u.cache_read_tokens));
    }
    if u.cache_write_tokens > 0 {
        text.push_str(&format!(" + {} cache write", u.cache_write_tokens));
    }
    text.push_str(&format!(
        ", {} out, {}, stop: {}]",
        u.output_tokens,
        cost_text(response),
        response.raw_stop_reason
    ));
    text
}

pub(crate) fn chat(global: &Global, args: &ArgMatches) -> Result<ExitCode, Error> {
    let request = match args.get_one::<String>("request") {
        Some(source) => whole_request(source, args)?,
        None => {
            let model = args.get_one::<String>("model").cloned().unwrap_or_default();
            request(&model, prompt(args)?, args)
        }
    };
    let json = args.get_flag("json");
    // Printed as it streams, the text is not needed again (the summary is usage, cost and
    // stop reason): the stream then holds one frame, not the whole answer. `--json` prints
    // the final response, text and all.
    let client = global.client(&request.model, json)?;
    let mut out = Output::new();
    let response = if args.get_flag("no-stream") {
        let response = client.converse(&request)?;
        if !json {
            out.out(format_args!("{}", response.text()))?;
            for part in &response.content {
                match part {
                    Part::Reasoning { text, .. } => {
                        out.err(format_args!("[reasoning] {text}\n"))?
                    }
                    Part::ToolCall {
                        id,
                        name,
                        arguments,
                    } => out.err(format_args!(
                        "[tool call {name} ({id})] {}\n",
                        arguments
                            .as_ref()
                            .map(ToString::to_string)
                            .unwrap_or_default()
                    ))?,
                    _ => {}
                }
            }
        }
        response
    } else {
        let mut final_response = None;
        let mut printed = false;
        // Reasoning and tool input stream to stderr without newlines; the block's end (or an
        // error) ends the line, so the summary or the error starts on a line of its own.
        let mut stderr_mid_line = false;
        // A failed write returns at once: the stream is dropped unread, which closes the
        // connection (a reader that went away needs no more of the answer).
        let mut stream = client.converse_stream(&request)?;
        loop {
            // Items already received are written to stdout's buffer; it is flushed only
            // before waiting for more, so deltas that arrived together cost one write.
            let item = match stream.next_buffered() {
                Some(item) => item,
                None => {
                    out.flush()?;
                    match stream.next() {
                        Some(item) => item,
                        None => break,
                    }
                }
            };
            match item {
                Ok(StreamItem::Event(event)) if !json => {
                    printed |= matches!(event, StreamEvent::TextDelta { .. });
                    show_event(&event, &mut out, &mut stderr_mid_line)?;
                }
                Ok(StreamItem::Event(_)) => {}
                Ok(StreamItem::Response(response)) => final_response = Some(*response),
                Err(error) => {
                    // What arrived stays printed (and is flushed before the error is
                    // reported); the call still failed.
                    if printed {
                        out.out(format_args!("\n"))?;
                    }
                    if stderr_mid_line {
                        out.err(format_args!("\n"))?;
                    }
                    out.flush()?;
                    return Err(error);
                }
            }
        }
        final_response
            .ok_or_else(|| Error::new(ErrorKind::Protocol, "the stream ended without a response"))?
    };
    for warning in &response.warnings {
        out.err(format_args!("warning: {warning}\n"))?;
    }
    if json {
        out.out(format_args!(
            "{}\n",
            serde_json::to_string_pretty(&response).unwrap_or_default()
        ))?;
    } else {
        out.out(format_args!("\n"))?;
        out.err(format_args!("{}\n", summary(&response)))?;
    }
    Ok(ExitCode::SUCCESS)
}

/// `chat --request FILE|-`: a whole neutral request (the JSON of [`Request::from_json`]), with
/// `--model` replacing its model and the generation options replacing theirs when given.
fn whole_request(source: &str, args: &ArgMatches) -> Result<Request, Error> {
    let (name, bytes) = if source == "-" {
        let mut bytes = Vec::new();
        std::io::stdin().read_to_end(&mut bytes).map_err(|e| {
            Error::new(
                ErrorKind::Io,
                format!("reading the request from stdin: {e}"),
            )
        })?;
        ("stdin".to_string(), bytes)
    } else {
        let bytes = std::fs::read(source)
            .map_err(|e| Error::new(ErrorKind::Io, format!("reading the request {source}: {e}")))?;
        (source.to_string(), bytes)
    };
    let invalid = |e: serde_json::Error| usage(&format!("the request in {name} is not valid: {e}"));
    let mut json: serde_json::Value = serde_json::from_slice(&bytes).map_err(invalid)?;
    if let Some(model) = args.get_one::<String>("model") {
        let object = json
            .as_object_mut()
            .ok_or_else(|| usage(&format!("the request in {name} is not a JSON object")))?;
        object.insert("model".into(), model.clone().into());
    }
    let mut request: Request = serde_json::from_value(json).map_err(invalid)?;
    let given = request_options(args);
    if given.system.is_some() {
        request.system = given.system;
    }
    request.max_tokens = given.max_tokens.or(request.max_tokens);
    request.temperature = given.temperature.or(request.temperature);
    request.top_p = given.top_p.or(request.top_p);
    Ok(request)
}

/// Text deltas to stdout's buffer; reasoning and tool calls to stderr, each block's stderr
/// output ended by a newline at its `BlockStop` (`mid_line` tracks an open line).
fn show_event(event: &StreamEvent, out: &mut Output, mid_line: &mut bool) -> Result<(), Error> {
    match event {
        StreamEvent::TextDelta { text, .. } => out.text(text)?,
        StreamEvent::ReasoningDelta { text, .. } => {
            out.err(format_args!("{text}"))?;
            *mid_line |= !text.is_empty();
        }
        StreamEvent::ToolCallStart { name, id, .. } => {
            out.err(format_args!("\n[tool call {name} ({id})]\n"))?;
            *mid_line = false;
        }
        StreamEvent::ToolCallDelta { arguments, .. } => {
            out.err(format_args!("{arguments}"))?;
            *mid_line |= !arguments.is_empty();
        }
        StreamEvent::BlockStop { .. } if *mid_line => {
            out.err(format_args!("\n"))?;
            *mid_line = false;
        }
        _ => {}
    }
    Ok(())
}

pub(crate) fn count_tokens(global: &Global, args: &ArgMatches) -> Result<ExitCode, Error> {
    let model = args.get_one::<String>("model").cloned().unwrap_or_default();
    let client = global.client(&model, true)?;
    let request = request(&model, prompt(args)?, args);
    let count = client.count_tokens(&request)?;
    Output::new().out(format_args!("{count}\n"))?;
    Ok(ExitCode::SUCCESS)
}

pub(crate) fn secret_set(global: &Global, args: &ArgMatches) -> Result<ExitCode, Error> {
    let name = args.get_one::<String>("name").cloned().unwrap_or_default();
    let value = match args.get_one::<String>("value").map(String::as_str) {
        Some("-") | None => {
            let mut text = String::new();
            std::io::stdin().read_to_string(&mut text).map_err(|e| {
                Error::new(ErrorKind::Io, format!("reading the secret from stdin: {e}"))
            })?;
            text.trim().to_string()
        }
        Some(value) => value.to_string(),
    };
    if value.is_empty() {
        return Err(usage("the secret is empty"));
    }
    let path = global.vault_set(&name, &value)?;
    Output::new().err(format_args!("stored {name} in {}\n", path.display()))?;
    Ok(ExitCode::SUCCESS)
}

pub(crate) fn secret_list(global: &Global) -> Result<ExitCode, Error> {
    let mut out = Output::new();
    for name in global.vault_names()? {
        out.out(format_args!("{name}\n"))?;
    }
    Ok(ExitCode::SUCCESS)
}

pub(crate) fn secret_rm(global: &Global, args: &ArgMatches) -> Result<ExitCode, Error> {
    let name = args.get_one::<String>("name").cloned().unwrap_or_default();
    if global.vault_remove(&name)? {
        Output::new().err(format_args!("removed {name}\n"))?;
        Ok(ExitCode::SUCCESS)
    } else {
        Err(Error::new(
            ErrorKind::Configuration,
            format!("no secret named {name} in the vault"),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hints_gain_the_command_that_carries_them_out() {
        let invalid_id = Error::from_response(
            400,
            Some("ValidationException"),
            None,
            br#"{"message":"The provided model identifier is invalid."}"#,
        )
        .with_context(Some("my-claude"), Some("eu-west-1"));
        let text = hint(&invalid_id).unwrap();
        assert!(text.starts_with(invalid_id.hint().unwrap()), "{text}");
        assert!(
            text.ends_with(" (`aws bedrock list-inference-profiles --region eu-west-1`)"),
            "{text}"
        );
        let none = Error::no_credentials("");
        assert!(
            hint(&none)
                .unwrap()
                .ends_with("(`bedrock secret set BEDROCK_API_KEY` stores a key in the vault)")
        );
        // Hints without a command stay as the core wrote them.
        let throttled = Error::from_response(429, Some("ThrottlingException"), None, b"{}");
        assert_eq!(hint(&throttled).as_deref(), throttled.hint());
    }
}
