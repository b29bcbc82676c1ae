//! The AWS SDK for Rust side of the end-to-end benchmark (`bench/e2e.py`): one ConverseStream
//! call, every text delta written to stdout and flushed as it arrives, exactly as the `bedrock`
//! CLI and the examples write theirs, then a newline.
//!
//! Usage: `peer-sdk MODEL_ID PROMPT`. Credentials, region and the endpoint come from the
//! environment as for any SDK program (`AWS_ACCESS_KEY_ID`, `AWS_REGION`,
//! `AWS_ENDPOINT_URL_BEDROCK_RUNTIME`). tokio's current-thread runtime: the lightest the SDK
//! allows, and one thread like the other programs.

use std::io::Write;
use std::process::ExitCode;

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
    let mut stdout = std::io::stdout();
    while let Some(event) = stream.recv().await? {
        if let ConverseStreamOutput::ContentBlockDelta(delta) = event
            && let Some(ContentBlockDelta::Text(text)) = delta.delta
        {
            stdout.write_all(text.as_bytes())?;
            stdout.flush()?;
        }
    }
    writeln!(stdout)?;
    Ok(())
}
