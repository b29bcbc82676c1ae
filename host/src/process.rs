//! Running a `credential_process`.

use std::process::{Command, Stdio};

use bedrock_core::credentials::{CommandOutput, ShellSyntax, split_command};

/// Runs a `credential_process` command line as botocore does: split with the platform's rules
/// ([`ShellSyntax::native`]: `shlex.split` on Unix, the C runtime's rules on Windows) and run
/// directly — no shell — with stdin closed, the process environment, and stdout and stderr
/// captured.
///
/// # Errors
///
/// Why the command could not be started (an unclosed quote, a missing program); the message
/// names the program, never the arguments (they may hold tokens).
pub fn run_command(line: &str) -> Result<CommandOutput, String> {
    let words = split_command(line, ShellSyntax::native()).map_err(|e| e.to_string())?;
    let (program, args) = words
        .split_first()
        .ok_or_else(|| String::from("command line is empty"))?;
    let output = Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("{program}: {e}"))?;
    Ok(CommandOutput {
        status: output.status.code(),
        stdout: output.stdout,
        stderr: output.stderr,
    })
}
