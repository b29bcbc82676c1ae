//! Chat with a model through the async client, with the `bedrock chat` output contract:
//! the answer on stdout as it streams; reasoning, tool calls and the usage summary on stderr;
//! a failed call prints its kind, message, request id and hint on stderr and exits 1 (bad
//! arguments exit 2).
//!
//! ```text
//! cargo run -p async-chat -- [--settings P] [--base-url U] [--region R] \
//!     --model ID [--no-stream] [--json] PROMPT
//! ```
//!
//! Writing the answer: each text delta goes into a buffered stdout, which is flushed whenever
//! the stream's next item is not ready without waiting for the network (right before the
//! program would wait) and at the end. Text appears as soon as it arrives, and the deltas of
//! one read cost one write, not one each. The signal is the stream's own: polled, it returns
//! `Pending`.
//!
//! Credentials as everywhere: `AWS_BEARER_TOKEN_BEDROCK` / `BEDROCK_API_KEY`, the vault, then
//! the AWS chain (`AWS_ACCESS_KEY_ID`, profiles, SSO, containers, IMDS). Against the emulator:
//! `cargo run -p bedrock-conformance -- serve` and `--base-url http://127.0.0.1:PORT --region
//! us-east-1`.

use std::io::{BufWriter, Write as _};
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
    // Printed as it streams, the text need not come back in the final response (which then
    // serves for usage and cost only): the stream holds one frame, not the whole answer.
    let client: Client = ClientBuilder::from_setup(ClientSetup::load(Env::process(), &overrides)?)
        .keep_streamed_text(args.json)
        .build()?;
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
    let mut stdout = BufWriter::new(std::io::stdout().lock());
    let mut printed = false;
    loop {
        // When the next item is not there yet, what is written goes out before the wait.
        let item = std::future::poll_fn(|cx| {
            let poll = stream.poll_next(cx);
            if poll.is_pending() {
                let _ = stdout.flush();
            }
            poll
        })
        .await;
        let item = match item {
            Some(Ok(item)) => item,
            Some(Err(error)) => {
                // What arrived stays on stdout; end its line before the error.
                if printed {
                    let _ = writeln!(stdout);
                }
                let _ = stdout.flush();
                return Err(error);
            }
            None => break,
        };
        match item {
            StreamItem::Event(event) if show => match event {
                StreamEvent::TextDelta { text, .. } => {
                    printed |= !text.is_empty();
                    let _ = stdout.write_all(text.as_bytes());
                }
                // Written text first, so a terminal shows both in the order they came.
                StreamEvent::ReasoningDelta { text, .. } => {
                    let _ = stdout.flush();
                    eprint!("{text}");
                }
                StreamEvent::ToolCallStart { name, id, .. } => {
                    let _ = stdout.flush();
                    eprintln!("\n[tool call {name} ({id})]")
                }
                StreamEvent::ToolCallDelta { arguments, .. } => {
                    let _ = stdout.flush();
                    eprint!("{arguments}")
                }
                _ => {}
            },
            StreamItem::Event(_) => {}
            StreamItem::Response(response) => {
                if show {
                    let _ = writeln!(stdout);
                }
                let _ = stdout.flush();
                return Ok(*response);
            }
        }
    }
    let _ = stdout.flush();
    Err(Error::new(
        bedrock_async::ErrorKind::Protocol,
        "the stream ended without a response",
    ))
}
