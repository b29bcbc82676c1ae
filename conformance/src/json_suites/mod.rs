//! JSON vector suites: a folder named after a registered suite holds one `*.json` file per case.
//!
//! ```json
//! {
//!   "description": "what the case shows",
//!   "input": { ... },
//!   "expected": { ... }            // the output, compared whole
//! }
//! ```
//!
//! or, for a case that must fail, `"expected_error": { ... }`, compared as a subset: every member
//! given must equal the actual error's (so a vector can pin `kind` and leave out a long message).
//!
//! Each suite is a function from the case's `input` to `Ok(output)` or `Err(error)`, both JSON,
//! registered in [`suite_fn`]; the folder name selects it.

pub mod billing;
pub mod converse;
pub mod exchange;
pub mod region;
pub mod responses;
pub mod settings;
pub mod sse;

use std::fs;
use std::path::Path;

use serde_json::Value;

use crate::report::{CaseReport, Outcome, check_stage};

/// A suite: input JSON to output JSON, or to error JSON.
pub type SuiteFn = fn(&Value) -> Result<Value, Value>;

/// The registered suites: folder name and function, one line each.
const SUITES: &[(&str, SuiteFn)] = &[
    ("region", region::run),
    ("settings", settings::run),
    ("billing", billing::run),
    ("converse-request", converse::request),
    ("converse-response", converse::response),
    ("errors", converse::errors),
    ("exchange-request", exchange::request),
    ("responses-request", responses::request),
    ("responses-response", responses::response),
    ("sse", sse::sse),
    ("responses-stream", sse::responses_stream),
];

/// The suite registered under a folder name.
pub fn suite_fn(folder: &str) -> Option<SuiteFn> {
    SUITES
        .iter()
        .find(|(name, _)| *name == folder)
        .map(|(_, run)| *run)
}

/// Whether `dir` is a registered JSON suite folder.
pub fn is_suite(dir: &Path) -> bool {
    dir.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| suite_fn(n).is_some())
}

/// Runs every case of the suite in `dir`.
pub fn run_suite(dir: &Path, name: &str) -> Vec<CaseReport> {
    let Some(run) = dir.file_name().and_then(|n| n.to_str()).and_then(suite_fn) else {
        return vec![];
    };
    let mut files: Vec<_> = match fs::read_dir(dir) {
        Ok(entries) => entries.filter_map(Result::ok).map(|e| e.path()).collect(),
        Err(e) => {
            return vec![CaseReport {
                name: name.into(),
                outcome: Outcome::Fail(format!("cannot read {}: {e}", dir.display())),
            }];
        }
    };
    files.sort();
    let mut reports = Vec::new();
    for path in files {
        let file = path
            .file_name()
            .map(|f| f.to_string_lossy().into_owned())
            .unwrap_or_default();
        if file.ends_with(".md") || file.ends_with(".py") || file.starts_with('.') {
            continue;
        }
        let outcome = if file.ends_with(".json") && path.is_file() {
            run_case(&path, run)
        } else {
            Outcome::Fail("not a .json case file".into())
        };
        reports.push(CaseReport {
            name: format!("{name}/{}", file.trim_end_matches(".json")),
            outcome,
        });
    }
    reports
}

fn run_case(path: &Path, run: SuiteFn) -> Outcome {
    let case: Value = match fs::read(path)
        .map_err(|e| e.to_string())
        .and_then(|b| serde_json::from_slice(&b).map_err(|e| e.to_string()))
    {
        Ok(v) => v,
        Err(e) => return Outcome::Fail(format!("unreadable case: {e}")),
    };
    let Some(input) = case.get("input") else {
        return Outcome::Fail("case has no \"input\"".into());
    };
    let actual = run(input);
    match (case.get("expected"), case.get("expected_error"), actual) {
        (Some(expected), None, Ok(output)) => {
            match check_stage("output", &pretty(expected), &pretty(&output)) {
                Ok(()) => pass("output"),
                Err(diff) => Outcome::Fail(diff),
            }
        }
        (None, Some(expected), Err(error)) => {
            let actual = subset_of(expected, &error);
            match check_stage("error", &pretty(expected), &pretty(&actual)) {
                Ok(()) => pass("error"),
                Err(diff) => Outcome::Fail(format!("{diff}    (full error: {})", compact(&error))),
            }
        }
        (Some(_), None, Err(error)) => {
            Outcome::Fail(format!("expected success, got error {}", compact(&error)))
        }
        (None, Some(_), Ok(output)) => {
            Outcome::Fail(format!("expected an error, got {}", compact(&output)))
        }
        _ => Outcome::Fail("case needs exactly one of \"expected\" and \"expected_error\"".into()),
    }
}

fn pass(check: &'static str) -> Outcome {
    Outcome::Pass {
        checks: vec![check],
        notes: vec![],
    }
}

/// The members of `actual` that `expected` names (recursively for objects), so a subset
/// expectation diffs cleanly; members `expected` names but `actual` lacks show as `null`.
fn subset_of(expected: &Value, actual: &Value) -> Value {
    match (expected, actual) {
        (Value::Object(e), Value::Object(a)) => Value::Object(
            e.iter()
                .map(|(k, ev)| {
                    (
                        k.clone(),
                        a.get(k).map_or(Value::Null, |av| subset_of(ev, av)),
                    )
                })
                .collect(),
        ),
        _ => actual.clone(),
    }
}

fn pretty(v: &Value) -> String {
    serde_json::to_string_pretty(v).unwrap_or_default()
}

fn compact(v: &Value) -> String {
    let s = v.to_string();
    if s.len() > 400 {
        format!("{}…", &s[..s.floor_char_boundary(400)])
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn subset_keeps_only_named_members() {
        let expected = json!({"kind": "throttling", "nested": {"a": 1}});
        let actual = json!({"kind": "throttling", "message": "long", "nested": {"a": 1, "b": 2}});
        assert_eq!(subset_of(&expected, &actual), expected);
        assert_eq!(subset_of(&json!({"x": 1}), &json!({})), json!({"x": null}));
    }
}
