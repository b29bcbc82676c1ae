//! The emulator's replay suite: raw requests captured from botocore (bytes exactly as it sends
//! them, signed at a fixed time), replayed against an in-process emulator whose clock is set to
//! that time, as they are and with one byte changed. Layout of `conformance/vectors/emulator/`:
//!
//! | file | content |
//! |---|---|
//! | `*.http` | one raw HTTP/1.1 request (head and body) |
//! | `expected.json` | `{"emulator_requests": {"<case>": {...}}}` |
//!
//! A case:
//!
//! ```json
//! {"request": "converse-arn.http",
//!  "emulator": {"clock": "20150830T123600Z", "session_token": "SESSIONTOKEN"},
//!  "mutate": {"part": "body", "find": "Hello", "replace": "Hellp"},
//!  "expect": {"status": 403, "error_type": "InvalidSignatureException",
//!             "message_contains": ["The Canonical String for this request should have been"],
//!             "content_type": "application/json", "stream_events": 8}}
//! ```
//!
//! `emulator` and `mutate` are optional (`part` is `path` or `body`; the replacement must have
//! the same length, so `Content-Length` stays right); every `expect` member but `status` is
//! optional. `stream_events` counts the ConverseStream events the body decodes to with the
//! core's decoder and event parser. Written by `conformance/gen_emulator_vectors.py`.

use std::fs;
use std::path::Path;

use bedrock_core::converse::parse_event;
use bedrock_core::eventstream::Decoder;
use bedrock_core::time::UnixTime;
use serde_json::Value;

use bedrock_emulator::raw::{RawResponse, roundtrip};
use bedrock_emulator::{Clock, Emulator, EmulatorConfig};

use crate::report::{CaseReport, Outcome};

const EXPECTED_FILE: &str = "expected.json";
const KEY: &str = "emulator_requests";

/// Whether `dir` is an emulator replay suite (its `expected.json` has `"emulator_requests"`).
pub fn is_suite(dir: &Path) -> bool {
    read_expected(dir).is_ok_and(|json| json.get(KEY).is_some())
}

fn read_expected(dir: &Path) -> Result<Value, String> {
    let path = dir.join(EXPECTED_FILE);
    let text = fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
}

/// Runs every case of the suite in `dir`; `folder` prefixes the case names.
pub fn run_suite(dir: &Path, folder: &str) -> Vec<CaseReport> {
    let cases = match read_expected(dir) {
        Ok(json) => match json.get(KEY).and_then(Value::as_object) {
            Some(cases) => cases.clone(),
            None => {
                return vec![CaseReport {
                    name: format!("{folder}/{EXPECTED_FILE}"),
                    outcome: Outcome::Fail(format!("\"{KEY}\" is not an object")),
                }];
            }
        },
        Err(message) => {
            return vec![CaseReport {
                name: format!("{folder}/{EXPECTED_FILE}"),
                outcome: Outcome::Fail(message),
            }];
        }
    };
    let mut reports = Vec::new();
    let mut used_files = Vec::new();
    for (name, case) in &cases {
        if name.starts_with('_') {
            continue;
        }
        if let Some(file) = case.get("request").and_then(Value::as_str) {
            used_files.push(file.to_string());
        }
        let outcome = match run_case(dir, case) {
            Ok(checks) => Outcome::Pass {
                checks,
                notes: vec![],
            },
            Err(message) => Outcome::Fail(message),
        };
        reports.push(CaseReport {
            name: format!("{folder}/{name}"),
            outcome,
        });
    }
    // A request file no case uses would be a vector silently ignored.
    if let Ok(entries) = fs::read_dir(dir) {
        let mut unused: Vec<String> = entries
            .filter_map(Result::ok)
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|f| f.ends_with(".http") && !used_files.contains(f))
            .collect();
        unused.sort();
        if !unused.is_empty() {
            reports.push(CaseReport {
                name: folder.to_string(),
                outcome: Outcome::Fail(format!(
                    "request files no case uses: {}",
                    unused.join(", ")
                )),
            });
        }
    }
    reports
}

/// The emulator configuration a case asks for.
///
/// # Errors
///
/// A message for a malformed `emulator` member.
pub fn case_config(case: &Value) -> Result<EmulatorConfig, String> {
    let mut config = EmulatorConfig::default();
    let Some(settings) = case.get("emulator") else {
        return Ok(config);
    };
    if let Some(clock) = settings.get("clock").and_then(Value::as_str) {
        let time = UnixTime::parse_amz_date(clock).map_err(|e| format!("emulator.clock: {e}"))?;
        config = config.with_clock(Clock::Fixed(time));
    }
    if let Some(token) = settings.get("session_token").and_then(Value::as_str) {
        config = config.with_session_token(token);
    }
    Ok(config)
}

/// The request bytes of a case, mutated as it says.
///
/// # Errors
///
/// A message when the file cannot be read or the mutation does not apply.
pub fn case_request(dir: &Path, case: &Value) -> Result<Vec<u8>, String> {
    let file = case
        .get("request")
        .and_then(Value::as_str)
        .ok_or("case has no \"request\" file")?;
    let mut bytes = fs::read(dir.join(file)).map_err(|e| format!("{file}: {e}"))?;
    if let Some(mutate) = case.get("mutate") {
        let field = |name: &str| {
            mutate
                .get(name)
                .and_then(Value::as_str)
                .ok_or(format!("mutate.{name} is missing"))
        };
        let (part, find, replace) = (field("part")?, field("find")?, field("replace")?);
        if find.len() != replace.len() {
            return Err("mutate.find and mutate.replace must have the same length".into());
        }
        let head_end = bytes
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .ok_or("request has no blank line")?
            + 4;
        let line_end = bytes
            .iter()
            .position(|&b| b == b'\n')
            .ok_or("no request line")?;
        let range = match part {
            "path" => 0..line_end,
            "body" => head_end..bytes.len(),
            other => return Err(format!("mutate.part {other:?} is not path or body")),
        };
        let at = bytes[range.clone()]
            .windows(find.len())
            .position(|w| w == find.as_bytes())
            .ok_or(format!("mutate.find {find:?} is not in the {part}"))?;
        let start = range.start + at;
        bytes[start..start + find.len()].copy_from_slice(replace.as_bytes());
    }
    Ok(bytes)
}

/// Checks a response against a case's `expect`; returns the checks made.
///
/// # Errors
///
/// A message naming the first difference.
pub fn check_response(response: &RawResponse, expect: &Value) -> Result<Vec<&'static str>, String> {
    let mut checks = vec!["status"];
    let status = expect
        .get("status")
        .and_then(Value::as_u64)
        .ok_or("expect.status is missing")?;
    if u64::from(response.head.status) != status {
        return Err(format!(
            "status {} (expected {status}); type {:?}, message {:?}",
            response.head.status,
            response.error_type(),
            response.message()
        ));
    }
    if let Some(expected) = expect.get("error_type").and_then(Value::as_str) {
        checks.push("error_type");
        if response.error_type() != Some(expected) {
            return Err(format!(
                "x-amzn-ErrorType {:?} (expected {expected:?})",
                response.error_type()
            ));
        }
    }
    if let Some(parts) = expect.get("message_contains").and_then(Value::as_array) {
        checks.push("message");
        let message = response.message().unwrap_or_default();
        for part in parts.iter().filter_map(Value::as_str) {
            if !message.contains(part) {
                return Err(format!("message does not contain {part:?}:\n{message}"));
            }
        }
    }
    if let Some(expected) = expect.get("content_type").and_then(Value::as_str) {
        checks.push("content_type");
        let got = response.head.header("content-type");
        if got != Some(expected) {
            return Err(format!("content-type {got:?} (expected {expected:?})"));
        }
    }
    if let Some(expected) = expect.get("stream_events").and_then(Value::as_u64) {
        checks.push("stream_events");
        let mut decoder = Decoder::new();
        let mut input = response.body.as_slice();
        let mut events = 0u64;
        while let Some(message) = decoder.decode(&mut input).map_err(|e| e.to_string())? {
            if parse_event(&message).map_err(|e| e.to_string())?.is_some() {
                events += 1;
            }
        }
        decoder.finish().map_err(|e| e.to_string())?;
        if events != expected {
            return Err(format!("{events} stream events (expected {expected})"));
        }
    }
    response
        .end
        .as_ref()
        .map_err(|e| format!("body incomplete: {e}"))?;
    Ok(checks)
}

fn run_case(dir: &Path, case: &Value) -> Result<Vec<&'static str>, String> {
    let config = case_config(case)?;
    let request = case_request(dir, case)?;
    let expect = case.get("expect").ok_or("case has no \"expect\"")?;
    let emulator = Emulator::start(config).map_err(|e| format!("emulator: {e}"))?;
    let response = roundtrip(emulator.addr(), &request).map_err(|e| format!("request: {e}"));
    emulator.shutdown();
    check_response(&response?, expect)
}
