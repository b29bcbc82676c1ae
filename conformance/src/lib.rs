//! `bedrock-conformance`: language-neutral vectors for every layer of `bedrock-core`, and the
//! runner that checks the core against them and against external suites.
//!
//! Run `cargo run -p bedrock-conformance -- [DIR ...]`: the project's own vectors under
//! `conformance/vectors/` first, then every directory given. Each folder is recognised by its
//! layout:
//!
//! | layout | suite |
//! |---|---|
//! | a folder with `request.txt` (+ `context.json`, `header-*`, `query-*`, `api-key.txt`) | [`sigv4_suite`]: the AWS signing test-suite layout |
//! | a folder with an `expected.json` that has a `"vectors"` key, beside the raw files it describes | [`eventstream_suite`]: one case per listed file, decoded whole, byte by byte and at every split |
//! | a folder with an `expected.json` that has a `"streams"` key, beside the ConverseStream bodies it describes | [`converse_stream_suite`]: one case per listed body, decoded, parsed and accumulated whole, byte by byte and at every split |
//! | a folder named after a registered JSON suite (`converse-request`, `errors`, ...) of `*.json` cases | [`json_suites`]: input → expected output or error |
//! | a folder with an `expected.json` that has an `"emulator_requests"` key, beside raw `*.http` requests | [`emulator_suite`]: captured requests replayed against the [`emulator`] |
//!
//! A folder holding files that no suite recognises is a failure, so a vector can never be
//! silently ignored.
//!
//! [`emulator`] is the Bedrock emulator, the `bedrock-emulator` crate re-exported (so
//! `bedrock_conformance::emulator` paths keep resolving; `bedrock-conformance serve` runs it): a
//! loopback server speaking Bedrock Runtime, with SigV4 and API-key checks and injectable faults.
//!
//! [`child`] runs the emulator in a child process, for measurements of the client alone (the
//! load test, the concurrency benchmark).
//!
//! The [`e2e`] module is the end-to-end suite the runner runs after the vectors (unless
//! `--no-e2e`): every emulator scenario through each client transport ([`e2e::TRANSPORTS`]),
//! against an emulator it starts in process, reported as a scenario × transport table.

pub mod child;
pub mod converse_stream_suite;
pub mod e2e;
pub mod emulator_suite;
pub mod eventstream_suite;
pub mod http_text;
pub mod json_suites;
pub mod listed_suite;
pub mod report;
pub mod sigv4_suite;

pub use bedrock_emulator as emulator;

use std::fs;
use std::path::{Path, PathBuf};

use report::{CaseReport, Outcome};

/// Runs every case found under `root`, in path order.
///
/// # Errors
///
/// A message when `root` cannot be read or holds no case at all.
pub fn run_tree(root: &Path) -> Result<Vec<CaseReport>, String> {
    let mut reports = Vec::new();
    walk(root, root, &mut reports)?;
    if reports.is_empty() {
        return Err(format!("{}: no conformance cases found", root.display()));
    }
    Ok(reports)
}

fn walk(root: &Path, dir: &Path, reports: &mut Vec<CaseReport>) -> Result<(), String> {
    let name = || {
        let rel = dir.strip_prefix(root).unwrap_or(dir);
        let rel = rel.display().to_string();
        if rel.is_empty() {
            dir.display().to_string()
        } else {
            rel
        }
    };
    if sigv4_suite::is_case(dir) {
        reports.push(CaseReport {
            name: name(),
            outcome: sigv4_suite::run_case(dir),
        });
        return Ok(());
    }
    if json_suites::is_suite(dir) {
        reports.extend(json_suites::run_suite(dir, &name()));
        return Ok(());
    }
    if eventstream_suite::is_suite(dir) {
        reports.extend(eventstream_suite::run_suite(dir, &name()));
        return Ok(());
    }
    if converse_stream_suite::is_suite(dir) {
        reports.extend(converse_stream_suite::run_suite(dir, &name()));
        return Ok(());
    }
    if emulator_suite::is_suite(dir) {
        reports.extend(emulator_suite::run_suite(dir, &name()));
        return Ok(());
    }
    let mut subdirs: Vec<PathBuf> = Vec::new();
    let mut stray_files: Vec<String> = Vec::new();
    let entries = fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    for entry in entries {
        let entry = entry.map_err(|e| format!("{}: {e}", dir.display()))?;
        let path = entry.path();
        if path.is_dir() {
            subdirs.push(path);
        } else {
            let file = entry.file_name().to_string_lossy().into_owned();
            // Documentation and generator scripts live beside the vectors.
            if !file.ends_with(".md") && !file.ends_with(".py") && !file.starts_with('.') {
                stray_files.push(file);
            }
        }
    }
    if !stray_files.is_empty() {
        stray_files.sort();
        reports.push(CaseReport {
            name: name(),
            outcome: Outcome::Fail(format!(
                "no suite recognises this folder's files: {}",
                stray_files.join(", ")
            )),
        });
    }
    subdirs.sort();
    for sub in subdirs {
        walk(root, &sub, reports)?;
    }
    Ok(())
}
