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
//! `serve` starts the emulator (see `conformance/EMULATOR.md`) and runs until killed; it exits 1
//! when it cannot listen or write the port or CA file, 2 on a usage error. With `--tls` it also
//! serves HTTPS and writes the throwaway CA certificate to a file it names.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use bedrock_conformance::e2e;
use bedrock_conformance::emulator::{Emulator, EmulatorConfig};
use bedrock_conformance::report::{Outcome, Tally};
use bedrock_conformance::run_tree;

const USAGE: &str = "usage: bedrock-conformance [--no-e2e] [DIR ...]\n\
       bedrock-conformance serve [OPTIONS]\n\n\
Runs the vectors under conformance/vectors/, then each DIR (for example\n\
../shared/vectors/aws-signing-test-suite), then the end-to-end suite: every\n\
emulator scenario through each client transport (blocking, async, by-hand),\n\
against an emulator started in process, printed as a scenario x transport\n\
table. Exits non-zero if any case fails.\n\
  --no-e2e              skip the end-to-end suite (vectors only)\n\n\
serve: runs the Bedrock emulator on 127.0.0.1 until killed.\n\
  --port N              port to listen on (default 0: any free port)\n\
  --port-file PATH      write the port there once listening\n\
  --access-key K        SigV4 access key id (default AKIDEXAMPLE)\n\
  --secret-key S        SigV4 secret (default wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY)\n\
  --session-token T     require this session token on SigV4 requests\n\
  --api-key K           Bedrock API key (default bedrock-api-key-emulator)\n\
  --seed N              seed of chunk boundaries, padding and request ids\n\
  --stall-limit-ms N    longest a [stall] response holds its connection (default 120000)\n\
  --accept-any-date     skip the 5-minute x-amz-date check (the signature is still checked)\n\
  --tls                 also serve HTTPS (a throwaway CA made at start) on another port\n\
  --tls-port N          the HTTPS port (default 0: any free port; implies --tls)\n\
  --tls-port-file PATH  write the HTTPS port there once listening (implies --tls)\n\
  --ca-file PATH        write the CA certificate (PEM) clients must trust there (implies\n\
                        --tls; default: bedrock-emulator-ca-PORT.pem in the temp directory)";

fn main() -> ExitCode {
    let mut args = std::env::args_os().skip(1).peekable();
    if args.peek().is_some_and(|a| a == "serve") {
        args.next();
        return serve(args.collect());
    }
    let mut roots = vec![PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("vectors")];
    let mut run_e2e = true;
    for arg in args {
        match arg.to_str() {
            Some("-h" | "--help") => {
                println!("{USAGE}");
                return ExitCode::SUCCESS;
            }
            Some("--no-e2e") => run_e2e = false,
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

/// `serve`: parses the options, starts the emulator, writes the port file, serves forever.
fn serve(args: Vec<std::ffi::OsString>) -> ExitCode {
    let usage = |message: &str| {
        eprintln!("bedrock-conformance serve: {message}\n\n{USAGE}");
        ExitCode::from(2)
    };
    let mut config = EmulatorConfig::default();
    let mut port_file: Option<PathBuf> = None;
    let mut tls_port_file: Option<PathBuf> = None;
    let mut ca_file: Option<PathBuf> = None;
    let mut tls_port: Option<u16> = None;
    let (mut access_key, mut secret_key) = (None, None);
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        let Some(flag) = arg.to_str() else {
            return usage("options must be UTF-8");
        };
        if matches!(flag, "-h" | "--help") {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        if flag == "--accept-any-date" {
            config = config.accept_any_date();
            continue;
        }
        if flag == "--tls" {
            tls_port.get_or_insert(0);
            continue;
        }
        let Some(value) = args.next().and_then(|v| v.into_string().ok()) else {
            return usage(&format!("{flag} needs a value"));
        };
        let number = |value: &str| value.parse::<u64>().ok();
        config = match flag {
            "--port" => match value.parse::<u16>() {
                Ok(port) => config.with_port(port),
                Err(_) => return usage(&format!("--port {value:?} is not a port number")),
            },
            "--port-file" => {
                port_file = Some(PathBuf::from(value));
                config
            }
            "--tls-port" => match value.parse::<u16>() {
                Ok(port) => {
                    tls_port = Some(port);
                    config
                }
                Err(_) => return usage(&format!("--tls-port {value:?} is not a port number")),
            },
            "--tls-port-file" => {
                tls_port_file = Some(PathBuf::from(value));
                tls_port.get_or_insert(0);
                config
            }
            "--ca-file" => {
                ca_file = Some(PathBuf::from(value));
                tls_port.get_or_insert(0);
                config
            }
            "--access-key" => {
                access_key = Some(value);
                config
            }
            "--secret-key" => {
                secret_key = Some(value);
                config
            }
            "--session-token" => config.with_session_token(value),
            "--api-key" => config.with_api_key(value),
            "--seed" => match number(&value) {
                Some(seed) => config.with_seed(seed),
                None => return usage(&format!("--seed {value:?} is not a number")),
            },
            "--stall-limit-ms" => match number(&value) {
                Some(ms) => config.with_stall_limit(Duration::from_millis(ms)),
                None => return usage(&format!("--stall-limit-ms {value:?} is not a number")),
            },
            other => return usage(&format!("unknown option {other}")),
        };
    }
    if access_key.is_some() || secret_key.is_some() {
        config = config.with_credentials(
            access_key
                .unwrap_or_else(|| bedrock_conformance::emulator::DEFAULT_ACCESS_KEY_ID.into()),
            secret_key
                .unwrap_or_else(|| bedrock_conformance::emulator::DEFAULT_SECRET_ACCESS_KEY.into()),
        );
    }
    if let Some(port) = tls_port {
        config = config.with_tls_port(port);
    }
    let emulator = match Emulator::start(config) {
        Ok(emulator) => emulator,
        Err(e) => {
            eprintln!("bedrock-conformance serve: cannot listen: {e}");
            return ExitCode::FAILURE;
        }
    };
    if let Some(path) = &port_file
        && let Err(e) = write_port_file(path, emulator.addr().port())
    {
        eprintln!("bedrock-conformance serve: {}: {e}", path.display());
        return ExitCode::FAILURE;
    }
    println!("Bedrock emulator listening on {}", emulator.endpoint_url());
    if let (Some(url), Some(addr), Some(pem)) = (
        emulator.https_endpoint_url(),
        emulator.tls_addr(),
        emulator.ca_pem(),
    ) {
        let ca_path = ca_file.unwrap_or_else(|| {
            std::env::temp_dir().join(format!("bedrock-emulator-ca-{}.pem", addr.port()))
        });
        if let Err(e) = write_atomically(&ca_path, pem) {
            eprintln!("bedrock-conformance serve: {}: {e}", ca_path.display());
            return ExitCode::FAILURE;
        }
        if let Some(path) = &tls_port_file
            && let Err(e) = write_port_file(path, addr.port())
        {
            eprintln!("bedrock-conformance serve: {}: {e}", path.display());
            return ExitCode::FAILURE;
        }
        println!("Bedrock emulator listening on {url}");
        println!("CA certificate (trust it for HTTPS): {}", ca_path.display());
    }
    emulator.wait();
    ExitCode::SUCCESS
}

/// Writes the port atomically (a temporary file renamed into place), so a reader polling for
/// the file never sees it half written.
fn write_port_file(path: &Path, port: u16) -> std::io::Result<()> {
    write_atomically(path, &format!("{port}\n"))
}

/// Writes `text` to `PATH.tmp`, then renames it to `path`.
fn write_atomically(path: &Path, text: &str) -> std::io::Result<()> {
    let mut temporary = path.as_os_str().to_owned();
    temporary.push(".tmp");
    std::fs::write(&temporary, text)?;
    std::fs::rename(&temporary, path)
}
