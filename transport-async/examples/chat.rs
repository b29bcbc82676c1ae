//! Chat with a model through the async client, with the `bedrock chat` output contract:
//! the answer on stdout as it streams; reasoning, tool calls and the usage summary on stderr;
//! a failed call prints its kind, message, request id and hint on stderr and exits 1 (bad
//! arguments exit 2).
//!
//! ```text
//! cargo run -p bedrock-async --example chat -- [--settings P] [--base-url U] [--region R] \
//!     --model ID [--no-stream] [--json] PROMPT
//! ```
//!
//! Credentials as everywhere: `AWS_BEARER_TOKEN_BEDROCK` / `BEDROCK_API_KEY`, the vault, then
//! the AWS chain (`AWS_ACCESS_KEY_ID`, profiles, SSO, containers, IMDS). Against the emulator:
//! `cargo run -p bedrock-conformance -- serve` and `--base-url http://127.0.0.1:PORT --region
//! us-east-1`.

use std::io::Write as _;
use std::process::ExitCode;

use bedrock_async::{
    Client, ClientBuilder, ClientSetup, Env, Error, Overrides, Request, Response, StreamEvent,
    StreamItem,
};
use smol::stream::StreamExt as _;

/// The command line.
#[derive(Debug, Default)]
struct Args {
    settings: Option<String>,
    base_url: Option<String>,
    region: Option<String>,
    model: String,
    stream: bool,
    json: bool,
    prompt: String,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        stream: true,
        ..Args::default()
    };
    let mut words = std::env::args().skip(1);
    let mut prompt = Vec::new();
    while let Some(word) = words.next() {
        let mut value = |name: &str| words.next().ok_or(format!("{name} needs a value"));
        match word.as_str() {
            "--settings" => args.settings = Some(value("--settings")?),
            "--base-url" => args.base_url = Some(value("--base-url")?),
            "--region" => args.region = Some(value("--region")?),
            "--model" => args.model = value("--model")?,
            "--no-stream" => args.stream = false,
            "--json" => args.json = true,
            flag if flag.starts_with("--") => return Err(format!("unknown option {flag}")),
            _ => prompt.push(word),
        }
    }
    if args.model.is_empty() || prompt.is_empty() {
        return Err("usage: chat [--settings P] [--base-url U] [--region R] --model ID [--no-stream] [--json] PROMPT".into());
    }
    args.prompt = prompt.join(" ");
    Ok(args)
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(args) => args,
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::from(2);
        }
    };
    match smol::block_on(chat(&args)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            if let Some(id) = error.request_id() {
                eprintln!("  request id: {id}");
            }
            if let Some(hint) = error.hint() {
                eprintln!("  hint: {hint}");
            }
            ExitCode::FAILURE
        }
    }
}

async fn chat(args: &Args) -> Result<(), Error> {
    let mut overrides =
        Overrides::new().endpoint(&args.model, args.base_url.clone(), args.region.clone());
    if let Some(path) = &args.settings {
        overrides = overrides.settings(path.clone());
    }
    let client: Client =
        ClientBuilder::from_setup(ClientSetup::load(Env::process(), &overrides)?).build()?;
    let request = Request::new(args.model.as_str()).user(args.prompt.as_str());
    let response = if args.stream {
        stream(&client, &request, !args.json).await
    } else {
        client.converse(&request).await
    };
    let response = response?;
    if args.json {
        let json = serde_json::to_string_pretty(&response).unwrap_or_default();
        println!("{json}");
    } else {
        if !args.stream {
            println!("{}", response.text());
        }
        let usage = &response.usage;
        eprintln!(
            "[{} in, {} out, {}]",
            usage.input_tokens,
            usage.output_tokens,
            response
                .cost
                .as_ref()
                .map_or("cost unknown".to_string(), |c| format!("${:.6}", c.usd()))
        );
    }
    Ok(())
}

/// Streams the answer (printing it when `show`), returning the accumulated response.
async fn stream(client: &Client, request: &Request, show: bool) -> Result<Response, Error> {
    let mut stream = client.converse_stream(request);
    let mut stdout = std::io::stdout();
    let mut printed = false;
    while let Some(item) = stream.next().await {
        let item = item.inspect_err(|_| {
            // What arrived stays on stdout; end its line before the error.
            if printed {
                println!();
            }
        })?;
        match item {
            StreamItem::Event(event) if show => match event {
                StreamEvent::TextDelta { text, .. } => {
                    printed |= !text.is_empty();
                    let _ = stdout.write_all(text.as_bytes());
                    let _ = stdout.flush();
                }
                StreamEvent::ReasoningDelta { text, .. } => eprint!("{text}"),
                StreamEvent::ToolCallStart { name, id, .. } => {
                    eprintln!("\n[tool call {name} ({id})]")
                }
                StreamEvent::ToolCallDelta { arguments, .. } => eprint!("{arguments}"),
                _ => {}
            },
            StreamItem::Event(_) => {}
            StreamItem::Response(response) => {
                if show {
                    println!();
                }
                return Ok(response);
            }
        }
    }
    Err(Error::new(
        bedrock_async::ErrorKind::Protocol,
        "the stream ended without a response",
    ))
}
