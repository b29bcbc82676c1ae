//! Every transport gives the caller the same thing for the same stream: for each streaming
//! scenario of the end-to-end suite (each emulator marker a ConverseStream can meet), the event
//! sequence and how the stream ended are identical through `bedrock-blocking`, `bedrock-async`
//! and the core driven by hand (`core/examples/by_hand.rs`), for Converse and for the
//! bedrock-openai route (mantle's Responses API). The suite checks each transport
//! against the expected values; this checks them against each other, event by event.

use bedrock_conformance::e2e::{ClientSpec, StreamEnd, StreamRun, TRANSPORTS, Timeouts};
use bedrock_conformance::emulator::{DEFAULT_API_KEY, Emulator};
use bedrock_core::auth::Auth;
use bedrock_core::error::Error;
use bedrock_core::model::{Request, StreamEvent};

const MODEL: &str = "us.anthropic.claude-haiku-4-5";
const MANTLE_MODEL: &str = "openai.gpt-5.5";
const FAULT: &str = "one two three four five six";

/// The streaming prompts of the end-to-end scenarios (`conformance/src/e2e/scenarios.rs`).
fn prompts(tag: &str) -> Vec<String> {
    let mut prompts: Vec<String> = [
        "Hello from every transport",
        "Tell me a long story [long:200]",
        "What is the weather in Paris? [scenario:tool_use]",
        "Weather and time in Paris? [scenario:parallel_tools]",
        "What time is it? [scenario:tool_no_args]",
        "Think, then repeat this. [scenario:reasoning]",
        "Think privately, then repeat this. [scenario:redacted_reasoning]",
        "What does the manual say? [scenario:citations]",
        "Cache [scenario:cache_write]",
        "Cache [scenario:cache_read]",
        "Cache [scenario:cache_mixed]",
        "Something unsafe. [scenario:guardrail]",
        "Stop early, please, at half [scenario:max_tokens]",
        "Fail, please. [error:ValidationException:bad input]",
        "Fail, please. [error:AccessDeniedException]",
        "alpha beta gamma delta [drip:20]",
        "Take your time. [slow_head:100]",
    ]
    .iter()
    .map(ToString::to_string)
    .collect();
    for fault in [
        "[midstream]",
        "[midstream:modelStreamErrorException]",
        "[midstream:validationException]",
        "[cut]",
        "[close]",
        "[crc]",
    ] {
        prompts.push(format!("{FAULT} {fault}"));
    }
    // Retried calls: a fresh counter per transport, so each sees two throttles, then success.
    prompts.push(format!("Retry me. [throttle:2][id:{tag}]"));
    prompts
}

/// What a caller can compare across transports: the events, and the end without the parts
/// that differ per request (request ids).
#[derive(Debug, PartialEq)]
struct Seen {
    events: Vec<StreamEvent>,
    end: String,
}

fn seen(run: StreamRun) -> Seen {
    let end = match run.end {
        StreamEnd::Response(mut response) => {
            // What names the call, not its content: the request id, a Responses call's `resp_…`.
            response.request_id = None;
            for value in response.provider_metadata.values_mut() {
                if let Some(object) = value.as_object_mut() {
                    object.remove("id");
                }
            }
            format!("response {response:?}")
        }
        StreamEnd::Error(error) => error_summary(&error),
        StreamEnd::Nothing => "nothing".into(),
    };
    assert_eq!(run.trailing_items, 0, "items after the end");
    Seen {
        events: run.events.into_iter().map(|timed| timed.event).collect(),
        end,
    }
}

/// The error as the caller sees it. The message is compared when the service wrote it; a
/// transport's own words differ by design (ureq reads the blocking client's HTTP framing, the
/// core reads the others'), its kind does not.
fn error_summary(error: &Error) -> String {
    let message = match error.status() {
        Some(_) => error.message(),
        None => "(the transport's words)",
    };
    format!(
        "error {} {message:?} {:?} {:?} {:?} {:?}",
        error.kind(),
        error.status(),
        error.error_type(),
        error.hint(),
        error.partial_response().map(|r| r.text()),
    )
}

#[test]
fn every_transport_yields_the_same_events_for_every_streaming_scenario() {
    let emulator = Emulator::start(bedrock_conformance::e2e::emulator_config()).unwrap();
    let spec = ClientSpec::new(emulator.endpoint_url()).with_timeouts(Timeouts::default());
    // The bedrock-openai route (mantle's Responses API) takes the API key.
    let mantle_spec = spec.clone().with_auth(Auth::bearer(DEFAULT_API_KEY));
    assert!(TRANSPORTS.len() >= 3, "blocking, async and by-hand");
    let unique = std::process::id();
    let mut compared = 0;
    let cases: Vec<(&str, &ClientSpec, String)> = prompts("shape")
        .into_iter()
        .map(|prompt| (MODEL, &spec, prompt))
        .chain(
            prompts("shape")
                .into_iter()
                .map(|prompt| (MANTLE_MODEL, &mantle_spec, prompt)),
        )
        .collect();
    for (index, (model, spec, prompt)) in cases.iter().enumerate() {
        let mut reference: Option<(&str, Seen)> = None;
        for (column, transport) in TRANSPORTS.iter().enumerate() {
            // Tags of one length: the emulator counts the prompt's characters as tokens.
            let tag = format!("same-{unique}-{column}-{index}");
            let prompt = prompt.replace("[id:shape]", &format!("[id:{tag}]"));
            let request = Request::new(*model).user(prompt.as_str()).max_tokens(512);
            let client = transport.client(spec).unwrap();
            let got = seen(client.converse_stream(&request));
            match &reference {
                None => reference = Some((transport.name(), got)),
                Some((first, expected)) => {
                    assert_eq!(
                        &got,
                        expected,
                        "{prompt:?}: {} differs from {first}",
                        transport.name()
                    );
                    compared += 1;
                }
            }
        }
        let (_, first) = reference.unwrap();
        assert!(
            !first.events.is_empty() || first.end.starts_with("error"),
            "{model} {prompt:?} streamed nothing"
        );
    }
    assert_eq!(compared, cases.len() * (TRANSPORTS.len() - 1));
}
