//! The `serve` command: the emulator as a process, for clients outside the test binaries (the
//! examples, boto3, the OpenAI SDK, benchmarks). The `bedrock-emulator` binary runs it, and so does
//! `bedrock-conformance serve`.
//!
//! It listens on 127.0.0.1 until killed, prints the URL, and writes the port to `--port-file`
//! (atomically: a reader polling for the file never sees it half written). With `--tls` it also
//! serves HTTPS and writes the throwaway CA certificate to a file it names.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use crate::{Emulator, EmulatorConfig};

/// The options, one per line, as `--help` prints them.
pub const OPTIONS: &str = "  --port N              port to listen on (default 0: any free port)\n\
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

/// Runs the command: parses the options in `args` (after the command name), starts the emulator,
/// writes the port (and CA) files, and serves until the process is killed.
///
/// `command` prefixes error messages (`bedrock-emulator`, `bedrock-conformance serve`); `usage` is
/// the help text printed by `--help` and after a usage error (it should end with [`OPTIONS`]).
/// Exits 1 when the emulator cannot listen or a file cannot be written, 2 on a usage error.
pub fn run(command: &str, usage: &str, args: impl IntoIterator<Item = OsString>) -> ExitCode {
    let usage_error = |message: &str| {
        eprintln!("{command}: {message}\n\n{usage}");
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
            return usage_error("options must be UTF-8");
        };
        if matches!(flag, "-h" | "--help") {
            println!("{usage}");
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
            return usage_error(&format!("{flag} needs a value"));
        };
        let number = |value: &str| value.parse::<u64>().ok();
        config = match flag {
            "--port" => match value.parse::<u16>() {
                Ok(port) => config.with_port(port),
                Err(_) => return usage_error(&format!("--port {value:?} is not a port number")),
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
                Err(_) => {
                    return usage_error(&format!("--tls-port {value:?} is not a port number"));
                }
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
                None => return usage_error(&format!("--seed {value:?} is not a number")),
            },
            "--stall-limit-ms" => match number(&value) {
                Some(ms) => config.with_stall_limit(Duration::from_millis(ms)),
                None => return usage_error(&format!("--stall-limit-ms {value:?} is not a number")),
            },
            other => return usage_error(&format!("unknown option {other}")),
        };
    }
    if access_key.is_some() || secret_key.is_some() {
        config = config.with_credentials(
            access_key.unwrap_or_else(|| crate::DEFAULT_ACCESS_KEY_ID.into()),
            secret_key.unwrap_or_else(|| crate::DEFAULT_SECRET_ACCESS_KEY.into()),
        );
    }
    if let Some(port) = tls_port {
        config = config.with_tls_port(port);
    }
    let emulator = match Emulator::start(config) {
        Ok(emulator) => emulator,
        Err(e) => {
            eprintln!("{command}: cannot listen: {e}");
            return ExitCode::FAILURE;
        }
    };
    if let Some(path) = &port_file
        && let Err(e) = write_port_file(path, emulator.addr().port())
    {
        eprintln!("{command}: {}: {e}", path.display());
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
            eprintln!("{command}: {}: {e}", ca_path.display());
            return ExitCode::FAILURE;
        }
        if let Some(path) = &tls_port_file
            && let Err(e) = write_port_file(path, addr.port())
        {
            eprintln!("{command}: {}: {e}", path.display());
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
