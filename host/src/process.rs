//! Running a `credential_process`.

use std::process::{Command, Stdio};

use bedrock_core::credentials::CommandOutput;

/// Runs a `credential_process` command line through the platform shell — `sh -c LINE` on Unix,
/// `cmd.exe /C LINE` on Windows — with stdin closed, the process environment, and stdout and
/// stderr captured, so pipes, quoting and variables in `config` work.
///
/// The AWS SDKs disagree here: botocore splits the line (`shlex.split`) and runs the program
/// without a shell, while the Rust, Go and Java SDKs use the shell. We follow the SDKs that use
/// the shell (issue 12 asks for it); the output parsing stays botocore's. A program the shell
/// cannot find is the shell's failure (Unix: status 127, "not found" on stderr).
///
/// # Errors
///
/// Why the shell could not be started; the message never holds the command line (it may hold
/// tokens).
pub fn run_command(line: &str) -> Result<CommandOutput, String> {
    if line.trim().is_empty() {
        return Err("command line is empty".into());
    }
    let (shell, mut command) = shell(line);
    let output = command
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("{shell}: {e}"))?;
    Ok(CommandOutput {
        status: output.status.code(),
        stdout: output.stdout,
        stderr: output.stderr,
    })
}

#[cfg(windows)]
fn shell(line: &str) -> (&'static str, Command) {
    use std::os::windows::process::CommandExt;
    let mut command = Command::new("cmd.exe");
    // Verbatim: std's argument quoting (`\"`) is not what cmd.exe parses.
    command.arg("/C").raw_arg(line);
    ("cmd.exe", command)
}

#[cfg(not(windows))]
fn shell(line: &str) -> (&'static str, Command) {
    let mut command = Command::new("sh");
    command.arg("-c").arg(line);
    ("sh", command)
}
