//! `bedrock`: the command-line client.
//!
//! Only `--help` and `--version` exist so far: the commands (`model list`, `model test`, `chat`,
//! `count-tokens`, `secret`) need the exchange state machine and the blocking adapter, which have
//! not landed. Any other invocation says so and exits 2 rather than pretending to work.

use std::process::ExitCode;

const USAGE: &str = "usage: bedrock [--help | --version]\n\n\
No commands are available in this build yet: model list, model test, chat, count-tokens and\n\
secret arrive with the blocking transport.";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        ["--version" | "-V"] => {
            println!("bedrock {}", env!("CARGO_PKG_VERSION"));
            ExitCode::SUCCESS
        }
        ["--help" | "-h"] => {
            println!("{USAGE}");
            ExitCode::SUCCESS
        }
        [] => {
            eprintln!("{USAGE}");
            ExitCode::from(2)
        }
        [first, ..] => {
            eprintln!("bedrock: '{first}' is not available in this build\n\n{USAGE}");
            ExitCode::from(2)
        }
    }
}
