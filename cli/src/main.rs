//! `bedrock`: the command-line client, on the blocking adapter.
//!
//! ```text
//! bedrock [--settings PATH] [--base-url URL] [--region REGION] [--timeout SECS] <command>
//!   model list [--provider bedrock|bedrock-openai] [--json]
//!   model test --model ID [--json]
//!   chat --model ID [--system TEXT] [--max-tokens N] [--temperature T] [--top-p P]
//!        [--no-stream] [--json] [PROMPT | -]
//!   chat --request FILE|- [--model ID] [options as above]
//!   count-tokens --model ID [PROMPT | -]
//!   secret set NAME [VALUE | -] | secret list | secret rm NAME
//! ```
//!
//! Exit status: 0 on success, 1 when the call or the configuration fails (the error's kind,
//! message, request id and fix-it hint go to stderr), 2 for a usage error. A closed output pipe
//! (`bedrock chat ... | head`) stops the call and exits 0 without a message.

mod commands;
mod setup;

use std::process::ExitCode;

use clap::{Arg, ArgAction, ArgMatches, Command, value_parser};

fn cli() -> Command {
    let model = || {
        Arg::new("model")
            .long("model")
            .value_name("ID")
            .required(true)
            .help("the model id")
    };
    let prompt = || {
        Arg::new("prompt")
            .value_name("PROMPT")
            .help("the prompt; '-' (or nothing) reads it from stdin")
    };
    let json = || {
        Arg::new("json")
            .long("json")
            .action(ArgAction::SetTrue)
            .help("print JSON on stdout")
    };
    Command::new("bedrock")
        .version(env!("CARGO_PKG_VERSION"))
        .about("Amazon Bedrock from the command line: models, chat, token counts, API keys")
        .subcommand_required(true)
        .arg_required_else_help(true)
        .arg(
            Arg::new("settings")
                .long("settings")
                .value_name("PATH")
                .global(true)
                .help("settings.toml (default: $BEDROCK_SETTINGS, else the platform config dir)"),
        )
        .arg(
            Arg::new("base-url")
                .long("base-url")
                .value_name("URL")
                .global(true)
                .help("send the chosen model's requests to this endpoint"),
        )
        .arg(
            Arg::new("region")
                .long("region")
                .value_name("REGION")
                .global(true)
                .help("the SigV4 signing region, for hosts it cannot be derived from"),
        )
        .arg(
            Arg::new("timeout")
                .long("timeout")
                .value_name("SECS")
                .global(true)
                .value_parser(value_parser!(u64).range(1..=86_400))
                .help(
                    "the longest wait for the model, in seconds: for the first byte of the answer \
                     and between streamed bytes (default: settings.toml's timeouts, else 3600 \
                     for a whole answer with --no-stream, 300 for a stream); a call that timed \
                     out waiting for a whole answer is not retried",
                ),
        )
        .subcommand(
            Command::new("model")
                .about("the model catalog")
                .subcommand_required(true)
                .subcommand(
                    Command::new("list")
                        .about("list the catalog and the models from settings")
                        .arg(
                            Arg::new("provider")
                                .long("provider")
                                .value_parser(["bedrock", "bedrock-openai"])
                                .help("only this provider's models"),
                        )
                        .arg(json()),
                )
                .subcommand(
                    Command::new("test")
                        .about("send a tiny prompt and report latency, tokens and cost")
                        .arg(model())
                        .arg(json()),
                ),
        )
        .subcommand(
            Command::new("chat")
                .about("send a prompt; the answer streams to stdout")
                .arg(
                    model()
                        .required(false)
                        .required_unless_present("request")
                        .help("the model id (with --request: replaces the request's model)"),
                )
                .arg(
                    Arg::new("request")
                        .long("request")
                        .value_name("FILE")
                        .conflicts_with("prompt")
                        .help(
                            "send a whole request: its JSON (model, messages, system, tools, \
                             provider_options, ...) from FILE, or stdin for '-'",
                        ),
                )
                .arg(
                    Arg::new("system")
                        .long("system")
                        .value_name("TEXT")
                        .help("the system prompt"),
                )
                .arg(
                    Arg::new("max-tokens")
                        .long("max-tokens")
                        .value_name("N")
                        .value_parser(value_parser!(u32).range(1..)),
                )
                .arg(
                    Arg::new("temperature")
                        .long("temperature")
                        .value_name("T")
                        .value_parser(value_parser!(f64)),
                )
                .arg(
                    Arg::new("top-p")
                        .long("top-p")
                        .value_name("P")
                        .value_parser(value_parser!(f64)),
                )
                .arg(
                    Arg::new("no-stream")
                        .long("no-stream")
                        .action(ArgAction::SetTrue)
                        .help("use Converse instead of ConverseStream"),
                )
                .arg(json())
                .arg(prompt()),
        )
        .subcommand(
            Command::new("count-tokens")
                .about("count the input tokens of a prompt")
                .arg(model())
                .arg(prompt()),
        )
        .subcommand(
            Command::new("secret")
                .about("the local secret vault (API keys for vault:NAME references)")
                .subcommand_required(true)
                .subcommand(
                    Command::new("set")
                        .about("store a secret ('-' or no VALUE reads it from stdin)")
                        .arg(Arg::new("name").value_name("NAME").required(true))
                        .arg(Arg::new("value").value_name("VALUE")),
                )
                .subcommand(Command::new("list").about("list secret names (never values)"))
                .subcommand(
                    Command::new("rm")
                        .about("remove a secret")
                        .arg(Arg::new("name").value_name("NAME").required(true)),
                ),
        )
}

fn main() -> ExitCode {
    let matches = match cli().try_get_matches() {
        Ok(matches) => matches,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() {
                ExitCode::from(2)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    match run(&matches) {
        Ok(code) => code,
        // The reader went away: the call is stopped, nothing to report.
        Err(error) if commands::is_closed_output(&error) => ExitCode::SUCCESS,
        Err(error) => {
            commands::report_error(&error);
            ExitCode::FAILURE
        }
    }
}

fn run(matches: &ArgMatches) -> Result<ExitCode, bedrock_core::error::Error> {
    let global = setup::Global::from_matches(matches);
    match matches.subcommand() {
        Some(("model", sub)) => match sub.subcommand() {
            Some(("list", args)) => commands::model_list(&global, args),
            Some(("test", args)) => commands::model_test(&global, args),
            _ => unreachable_usage(),
        },
        Some(("chat", args)) => commands::chat(&global, args),
        Some(("count-tokens", args)) => commands::count_tokens(&global, args),
        Some(("secret", sub)) => match sub.subcommand() {
            Some(("set", args)) => commands::secret_set(&global, args),
            Some(("list", _)) => commands::secret_list(&global),
            Some(("rm", args)) => commands::secret_rm(&global, args),
            _ => unreachable_usage(),
        },
        _ => unreachable_usage(),
    }
}

/// clap requires a subcommand, so this is only reached if the definitions above and the
/// dispatch disagree; say so instead of panicking.
fn unreachable_usage() -> Result<ExitCode, bedrock_core::error::Error> {
    eprintln!("bedrock: unknown command; see `bedrock --help`");
    Ok(ExitCode::from(2))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_command_definition_is_consistent() {
        cli().debug_assert();
    }

    #[test]
    fn usage_errors_are_reported_by_clap() {
        let err = cli().try_get_matches_from(["bedrock", "chat"]).unwrap_err();
        assert!(err.use_stderr());
        assert_eq!(err.exit_code(), 2);
        let ok = cli()
            .try_get_matches_from([
                "bedrock",
                "--region",
                "us-west-2",
                "chat",
                "--model",
                "m",
                "hi",
            ])
            .unwrap();
        let (_, chat) = ok.subcommand().unwrap();
        assert_eq!(
            chat.get_one::<String>("prompt").map(String::as_str),
            Some("hi")
        );
        assert_eq!(
            ok.get_one::<String>("region").map(String::as_str),
            Some("us-west-2")
        );
    }
}
