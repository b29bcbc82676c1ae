//! The AWS SDK for Rust side of the end-to-end benchmark (`bench/e2e.py`): one ConverseStream
//! call, every text delta written to a buffered stdout, then a newline.
//!
//! The write policy of all four programs in the benchmark: stdout is flushed whenever the next
//! event is not already there, right before the program would wait for the network, and at the
//! end. Text appears as soon as it arrives, and deltas that arrive in one read cost one write,
//! not one each (a flush per delta put a write-syscall floor under every program). Here the
//! receive future is polled once: ready, its event is written; pending, stdout is flushed and
//! the same future awaited (nothing is cancelled).
//!
//! Usage: `peer-sdk MODEL_ID PROMPT`. Credentials, region and the endpoint come from the
//! environment as for any SDK program (`AWS_ACCESS_KEY_ID`, `AWS_REGION`,
//! `AWS_ENDPOINT_URL_BEDROCK_RUNTIME`). tokio's current-thread runtime: the lightest the SDK
//! allows, and one thread like the other programs.

use std::io::Write;
use std::pin::pin;
use std::process::ExitCode;
use std::task::Poll;

use aws_sdk_bedrockruntime::Client;
use aws_sdk_bedrockruntime::types::{
    ContentBlock, ContentBlockDelta, ConversationRole, ConverseStreamOutput, Message,
};

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let (Some(model), Some(prompt)) = (args.next(), args.next()) else {
        eprintln!("usage: peer-sdk MODEL_ID PROMPT");
        return ExitCode::from(2);
    };
    match run(&model, &prompt).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:?}");
            ExitCode::FAILURE
        }
    }
}

async fn run(model: &str, prompt: &str) -> Result<(), Box<dyn std::error::Error>> {
    let config = aws_config::load_from_env().await;
    let client = Client::new(&config);
    let message = Message::builder()
        .role(ConversationRole::User)
        .content(ContentBlock::Text(prompt.to_owned()))
        .build()?;
    let mut stream = client
        .converse_stream()
        .model_id(model)
        .messages(message)
        .send()
        .await?
        .stream;
    let mut stdout = std::io::BufWriter::new(std::io::stdout().lock());
    loop {
        let mut next = pin!(stream.recv());
        let event = match std::future::poll_fn(|cx| Poll::Ready(next.as_mut().poll(cx))).await {
            Poll::Ready(event) => event,
            Poll::Pending => {
                stdout.flush()?;
                next.await
            }
        };
        let Some(event) = event? else { break };
        if let ConverseStreamOutput::ContentBlockDelta(delta) = event
            && let Some(ContentBlockDelta::Text(text)) = delta.delta
        {
            stdout.write_all(text.as_bytes())?;
        }
    }
    writeln!(stdout)?;
    stdout.flush()?;
    Ok(())
}
