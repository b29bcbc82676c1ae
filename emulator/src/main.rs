//! `bedrock-emulator [OPTIONS]`: the Bedrock emulator on 127.0.0.1 until killed (the same
//! command as `bedrock-conformance serve`; see `emulator/EMULATOR.md`).

use std::process::ExitCode;

fn main() -> ExitCode {
    let usage = format!(
        "usage: bedrock-emulator [OPTIONS]\n\n\
         Runs the Bedrock emulator on 127.0.0.1 until killed.\n{}",
        bedrock_emulator::serve::OPTIONS
    );
    bedrock_emulator::serve::run("bedrock-emulator", &usage, std::env::args_os().skip(1))
}
