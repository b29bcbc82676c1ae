//! The conformance runner: `bedrock-conformance [DIR ...]`, and the Bedrock emulator:
//! `bedrock-conformance serve [OPTIONS]`.
//!
//! Runs the project's own vectors (`conformance/vectors/`), then every directory given, prints
//! each case with its outcome (failures with a diff of the first stage that differs), then runs
//! the end-to-end suite (every emulator scenario through each client transport, against an
//! emulator started in process; `--no-e2e` skips it) and prints its scenario × transport table.
//! Ends with `N passed, M failed` over vectors and end-to-end cases together (`, K skipped` when
//! a case was skipped, each with its reason). Exits 1 on any failure, 2 on a usage error.
//!
//! `serve` starts the emulator (the `bedrock-emulator` crate, see `emulator/EMULATOR.md`) as its
//! own `bedrock-emulator` binary does, with the same options: [`bedrock_emulator::serve::run`].
//!
//! `scan-secrets FILE...` searches files (a program's captured stdout and stderr) for the
//! emulator's default secrets and those of `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN` and
//! `AWS_BEARER_TOKEN_BEDROCK`, in plain and base64
//! ([`bedrock_emulator::secrets::SecretScan`]); exits 1 naming the file and form of a leak
//! (`.ci/examples.sh` runs it over the examples' output).

use std::path::PathBuf;
use std::process::ExitCode;

use bedrock_conformance::e2e;
use bedrock_conformance::report::{Outcome, Tally};
use bedrock_conformance::run_tree;

const USAGE_HEAD: &str = "usage: bedrock-conformance [--no-e2e] [DIR ...]\n\
       bedrock-conformance serve [OPTIONS]\n\
       bedrock-conformance scan-secrets FILE...\n\n\
Runs the vectors under conformance/vectors/, then each DIR (for example\n\
../shared/vectors/aws-signing-test-suite), then the end-to-end suite: every\n\
emulator scenario through each client transport (blocking, async, by-hand),\n\
against an emulator started in process, printed as a scenario x transport\n\
table. Exits non-zero if any case fails.\n\
  --no-e2e              skip the end-to-end suite (vectors only)\n\n\
scan-secrets: exits 1 if a FILE holds a secret (the emulator's defaults and those of\n\
AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, AWS_BEARER_TOKEN_BEDROCK), plain or base64.\n\n\
serve: runs the Bedrock emulator on 127.0.0.1 until killed.\n";

fn main() -> ExitCode {
    let mut args = std::env::args_os().skip(1).peekable();
    let usage = format!("{USAGE_HEAD}{}", bedrock_emulator::serve::OPTIONS);
    if args.peek().is_some_and(|a| a == "serve") {
        args.next();
        return bedrock_emulator::serve::run("bedrock-conformance serve", &usage, args);
    }
    if args.peek().is_some_and(|a| a == "scan-secrets") {
        args.next();
        return scan_secrets(args);
    }
    let mut roots = vec![PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("vectors")];
    let mut run_e2e = true;
    for arg in args {
        match arg.to_str() {
            Some("-h" | "--help") => {
                println!("{usage}");
                return ExitCode::SUCCESS;
            }
            Some("--no-e2e") => run_e2e = false,
            Some(flag) if flag.starts_with('-') => {
                eprintln!("bedrock-conformance: unknown option {flag}\n\n{usage}");
                return ExitCode::from(2);
            }
            _ => roots.push(PathBuf::from(arg)),
        }
    }

    let mut tally = Tally::default();
    let mut unreadable = false;
    for root in &roots {
        println!("== {}", root.display());
        let reports = match run_tree(root) {
            Ok(reports) => reports,
            Err(message) => {
                println!("  ERROR {message}");
                unreadable = true;
                continue;
            }
        };
        for report in &reports {
            tally.add(&report.outcome);
            match &report.outcome {
                Outcome::Pass { checks, notes } => {
                    println!("  ok    {} [{}]", report.name, checks.join(", "));
                    for note in notes {
                        println!("        note: {note}");
                    }
                }
                Outcome::Fail(message) => {
                    println!("  FAIL  {}", report.name);
                    for line in message.lines() {
                        println!("        {line}");
                    }
                }
                Outcome::Skip(reason) => println!("  skip  {}: {reason}", report.name),
            }
        }
    }
    if run_e2e && !end_to_end(&mut tally) {
        unreadable = true;
    }
    println!("{}", tally.summary());
    if tally.failed > 0 || unreadable {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

/// Runs the end-to-end suite through every transport, prints its table (and each failure in
/// full) and adds its cases to `tally`; `false` when the suite could not run at all.
fn end_to_end(tally: &mut Tally) -> bool {
    let transports: Vec<&str> = e2e::TRANSPORTS.iter().map(|t| t.name()).collect();
    println!(
        "== end-to-end: {} scenarios x {} (emulator in process)",
        e2e::scenarios().len(),
        transports.join(", ")
    );
    let report = match e2e::run(e2e::TRANSPORTS) {
        Ok(report) => report,
        Err(message) => {
            println!("  ERROR {message}");
            return false;
        }
    };
    for line in report.table().lines() {
        println!("  {line}");
    }
    println!("== fault matrix: faults x protocols, per transport");
    for line in report.matrix().lines() {
        println!("  {line}");
    }
    for (scenario, transport, reason) in report.failures() {
        println!("  FAIL  {scenario} [{transport}]");
        for line in reason.lines() {
            println!("        {line}");
        }
    }
    println!(
        "  ({} cases against {} in {:.1} s)",
        report.outcomes().count(),
        report.endpoint,
        report.elapsed.as_secs_f64()
    );
    for outcome in report.outcomes() {
        tally.add(outcome);
    }
    true
}

/// `scan-secrets FILE...`: 0 when no file holds a secret, 1 on a leak or an unreadable file.
fn scan_secrets(files: impl Iterator<Item = std::ffi::OsString>) -> ExitCode {
    let mut scan = bedrock_emulator::secrets::SecretScan::emulator_defaults();
    for name in [
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_BEARER_TOKEN_BEDROCK",
    ] {
        if let Ok(value) = std::env::var(name) {
            scan.add(&value);
        }
    }
    let mut clean = true;
    for file in files {
        let path = PathBuf::from(file);
        match std::fs::read(&path) {
            Ok(bytes) => {
                let text = String::from_utf8_lossy(&bytes);
                if let Err(leak) = scan.check(&path.display().to_string(), &text) {
                    eprintln!("bedrock-conformance scan-secrets: {leak}");
                    clean = false;
                }
            }
            Err(e) => {
                eprintln!("bedrock-conformance scan-secrets: {}: {e}", path.display());
                clean = false;
            }
        }
    }
    if clean {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
