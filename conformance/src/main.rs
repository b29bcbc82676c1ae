//! The conformance runner: `bedrock-conformance [DIR ...]`.
//!
//! Runs the project's own vectors (`conformance/vectors/`), then every directory given, prints
//! each case with its outcome (failures with a diff of the first stage that differs) and ends
//! with `N passed, M failed` (`, K skipped` when a case was skipped, each with its reason). Exits
//! 1 on any failure, 2 on a usage error.

use std::path::PathBuf;
use std::process::ExitCode;

use bedrock_conformance::report::{Outcome, Tally};
use bedrock_conformance::run_tree;

const USAGE: &str = "usage: bedrock-conformance [DIR ...]\n\n\
Runs the vectors under conformance/vectors/, then each DIR (for example\n\
../shared/vectors/aws-signing-test-suite). Exits non-zero if any case fails.";

fn main() -> ExitCode {
    let mut roots = vec![PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("vectors")];
    for arg in std::env::args_os().skip(1) {
        match arg.to_str() {
            Some("-h" | "--help") => {
                println!("{USAGE}");
                return ExitCode::SUCCESS;
            }
            Some(flag) if flag.starts_with('-') => {
                eprintln!("bedrock-conformance: unknown option {flag}\n\n{USAGE}");
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
    println!("{}", tally.summary());
    if tally.failed > 0 || unreadable {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}
