//! The folder layout both binary suites share: raw vector files beside an `expected.json` whose
//! top-level member (`"vectors"` for event-stream frames, `"streams"` for ConverseStream bodies)
//! maps each file name to what it must give. A listed file that is missing, and a file nobody
//! listed, are failures: a vector can never be silently skipped.

use std::collections::BTreeSet;
use std::fs;
use std::path::Path;

use serde_json::{Map, Value};

use crate::report::{CaseReport, Outcome};

/// The expectations file of a listed suite folder.
pub const EXPECTED_FILE: &str = "expected.json";

/// Whether `dir` holds an `expected.json` whose top-level object has `key`.
pub(crate) fn is_suite(dir: &Path, key: &str) -> bool {
    read_expected(dir).is_ok_and(|json| json.get(key).is_some())
}

/// Runs every listed case of `dir` with `run_case(path, entry)`; `folder` prefixes case names,
/// `what` names the suite in messages (e.g. "event-stream"). Reports come in name order.
pub(crate) fn run(
    dir: &Path,
    folder: &str,
    key: &str,
    what: &str,
    run_case: impl Fn(&Path, &Value) -> Outcome,
) -> Vec<CaseReport> {
    let report = |file: &str, outcome: Outcome| CaseReport {
        name: format!("{folder}/{file}"),
        outcome,
    };
    let entries = match read_expected(dir).and_then(|json| listed(&json, key)) {
        Ok(entries) => entries,
        Err(message) => return vec![report(EXPECTED_FILE, Outcome::Fail(message))],
    };
    let present = match listing(dir) {
        Ok(present) => present,
        Err(message) => return vec![report(EXPECTED_FILE, Outcome::Fail(message))],
    };

    let mut reports = Vec::new();
    for (file, entry) in &entries {
        let outcome = if !is_plain_file_name(file) {
            Outcome::Fail(format!(
                "{file:?} in {EXPECTED_FILE} is not a plain file name"
            ))
        } else if !present.files.contains(file.as_str()) {
            Outcome::Fail(format!("listed in {EXPECTED_FILE} but the file is missing"))
        } else {
            run_case(&dir.join(file), entry)
        };
        reports.push(report(file, outcome));
    }
    for file in &present.files {
        if !entries.contains_key(file) && !is_ignored(file) {
            reports.push(report(
                file,
                Outcome::Fail(format!(
                    "unlisted {what} file: {EXPECTED_FILE} does not describe it"
                )),
            ));
        }
    }
    for sub in &present.subfolders {
        reports.push(report(
            sub,
            Outcome::Fail(format!("unexpected folder inside an {what} suite folder")),
        ));
    }
    reports.sort_by(|a, b| a.name.cmp(&b.name));
    reports
}

fn read_expected(dir: &Path) -> Result<Value, String> {
    let path = dir.join(EXPECTED_FILE);
    let text = fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    serde_json::from_str(&text).map_err(|e| format!("{EXPECTED_FILE}: {e}"))
}

/// The `key` object, after checking the top level has nothing unknown.
fn listed(json: &Value, key: &str) -> Result<Map<String, Value>, String> {
    let top = json
        .as_object()
        .ok_or_else(|| format!("{EXPECTED_FILE} is not a JSON object"))?;
    check_keys(top, &[key], EXPECTED_FILE)?;
    top.get(key)
        .and_then(Value::as_object)
        .cloned()
        .ok_or_else(|| format!("{EXPECTED_FILE}: {key:?} is not an object"))
}

/// Files and folders directly inside a suite folder.
struct Listing {
    files: BTreeSet<String>,
    subfolders: BTreeSet<String>,
}

fn listing(dir: &Path) -> Result<Listing, String> {
    let mut listing = Listing {
        files: BTreeSet::new(),
        subfolders: BTreeSet::new(),
    };
    let entries = fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    for entry in entries {
        let entry = entry.map_err(|e| format!("{}: {e}", dir.display()))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if entry.path().is_dir() {
            if !name.starts_with('.') {
                listing.subfolders.insert(name);
            }
        } else {
            listing.files.insert(name);
        }
    }
    Ok(listing)
}

/// Files that live beside the vectors without being vectors: the expectations themselves,
/// documentation, generator scripts and dot files (as everywhere in the runner).
fn is_ignored(file: &str) -> bool {
    file == EXPECTED_FILE || file == "README.md" || file.ends_with(".py") || file.starts_with('.')
}

fn is_plain_file_name(file: &str) -> bool {
    !file.is_empty() && file != "." && file != ".." && !file.contains(['/', '\\'])
}

/// Fails on a key that is neither in `known` nor a `_comment`.
pub(crate) fn check_keys(
    object: &Map<String, Value>,
    known: &[&str],
    what: &str,
) -> Result<(), String> {
    match object
        .keys()
        .find(|k| !k.starts_with('_') && !known.contains(&k.as_str()))
    {
        Some(key) => Err(format!(
            "{what}: unknown key {key:?} (known: {})",
            known.join(", ")
        )),
        None => Ok(()),
    }
}
