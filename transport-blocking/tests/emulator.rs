//! The blocking client against the in-process Bedrock emulator, over real loopback sockets:
//! every call goes through `ClientBuilder::from_host` (settings, the host's environment, the
//! credential list and the SigV4 chain), ureq, and the emulator's SigV4 / API-key checks.
//!
//! No test touches the process environment: each builds its own `Env::Map`.

mod common;

use std::time::{Duration, Instant};

use bedrock_blocking::{Client, ClientBuilder, StreamItem};
use bedrock_core::billing::{Picodollars, cost};
use bedrock_core::error::{Error, ErrorKind};
use bedrock_core::model::{Part, Request, Response, StopReason, StreamEvent, Tool};
use bedrock_emulator::{
    AuthKind, DEFAULT_ACCESS_KEY_ID, DEFAULT_SECRET_ACCESS_KEY, Emulator, EmulatorConfig,
    EmulatorHandle, Operation, RequestRecord,
};
use bedrock_host::{Env, Host};
use common::{
    MODEL, Relay, TempDir, WIRE_ID, assert_no_secret, base_env, client, settings, settings_text,
};
use serde_json::json;

fn start(config: EmulatorConfig) -> EmulatorHandle {
    Emulator::start(config).expect("the emulator starts")
}

fn request(text: &str) -> Request {
    Request::new(MODEL).user(text).max_tokens(256)
}

/// The emulator's default SigV4 pair in the environment (no session token).
fn sigv4_env(home: &TempDir) -> Env {
    base_env(home)
        .with("AWS_ACCESS_KEY_ID", DEFAULT_ACCESS_KEY_ID)
        .with("AWS_SECRET_ACCESS_KEY", DEFAULT_SECRET_ACCESS_KEY)
}

/// A client signing with the emulator's default pair from the environment.
fn sigv4_client(emulator: &EmulatorHandle, home: &TempDir) -> Client {
    client(
        sigv4_env(home),
        settings(&emulator.endpoint_url(), Some(r#"["aws_sigv4"]"#)),
    )
}

/// Drains a stream: the events, then the final response or the error that ended it.
fn collect(client: &Client, request: &Request) -> (Vec<StreamEvent>, Result<Response, Error>) {
    let mut events = Vec::new();
    for item in client.converse_stream(request).expect("the call starts") {
        match item {
            Ok(StreamItem::Event(event)) => events.push(event),
            Ok(StreamItem::Response(response)) => return (events, Ok(response)),
            Err(error) => return (events, Err(error)),
        }
    }
    panic!("the stream ended without a response or an error");
}

fn text_of(events: &[StreamEvent]) -> String {
    events
        .iter()
        .filter_map(|e| match e {
            StreamEvent::TextDelta { text, .. } => Some(text.as_str()),
            _ => None,
        })
        .collect()
}

fn sigv4_us_east_1() -> Option<AuthKind> {
    Some(AuthKind::SigV4 {
        region: "us-east-1".into(),
    })
}

fn only_record(emulator: &EmulatorHandle) -> RequestRecord {
    let records = emulator.requests();
    assert_eq!(records.len(), 1, "{records:?}");
    records.into_iter().next().unwrap()
}

#[test]
fn streamed_text() {
    let home = TempDir::new("stream");
    let emulator = start(EmulatorConfig::default());
    let client = sigv4_client(&emulator, &home);
    let (events, response) = collect(&client, &request("Hello from a blocking stream"));
    let response = response.unwrap();

    let deltas = events
        .iter()
        .filter(|e| matches!(e, StreamEvent::TextDelta { .. }))
        .count();
    assert_eq!(deltas, 5, "one delta per word: {events:?}");
    assert_eq!(text_of(&events), "Hello from a blocking stream");
    assert_eq!(response.text(), "Hello from a blocking stream");
    assert_eq!(response.stop_reason, StopReason::EndTurn);
    assert!(events.iter().any(|e| matches!(
        e,
        StreamEvent::MessageStop {
            stop_reason: StopReason::EndTurn,
            ..
        }
    )));
    assert!(
        events
            .iter()
            .any(|e| matches!(e, StreamEvent::Usage { usage } if *usage == response.usage))
    );
    assert!(response.usage.input_tokens > 0 && response.usage.output_tokens > 0);
    assert!(response.cost.is_some());

    let record = only_record(&emulator);
    assert_eq!(record.operation, Some(Operation::ConverseStream));
    assert_eq!(record.model_id.as_deref(), Some(WIRE_ID));
    assert_eq!(record.auth, sigv4_us_east_1());
    assert_eq!(record.status, 200);
    assert_eq!(
        response.request_id.as_deref(),
        Some(record.request_id.as_str())
    );
}

#[test]
fn non_streamed_text_matches_the_stream() {
    let home = TempDir::new("converse");
    let emulator = start(EmulatorConfig::default());
    let client = sigv4_client(&emulator, &home);
    let response = client.converse(&request("Plain old Converse")).unwrap();
    assert_eq!(response.text(), "Plain old Converse");
    assert_eq!(response.stop_reason, StopReason::EndTurn);
    assert_eq!(response.raw_stop_reason, "end_turn");
    assert_eq!(response.model, MODEL);

    let (_, streamed) = collect(&client, &request("Plain old Converse"));
    let streamed = streamed.unwrap();
    assert_eq!(streamed.content, response.content);
    assert_eq!(streamed.usage, response.usage);
    assert_eq!(streamed.cost, response.cost);

    let records = emulator.requests();
    assert_eq!(
        records.iter().map(|r| r.operation).collect::<Vec<_>>(),
        [Some(Operation::Converse), Some(Operation::ConverseStream)]
    );
    assert!(records.iter().all(|r| r.status == 200));
}

#[test]
fn count_tokens_agrees_with_converse() {
    let home = TempDir::new("count");
    let emulator = start(EmulatorConfig::default());
    let client = sigv4_client(&emulator, &home);
    let prompt = request("How many tokens is this sentence, roughly?");
    let counted = client.count_tokens(&prompt).unwrap();
    let used = client.converse(&prompt).unwrap().usage.input_tokens;
    assert!(counted > 0);
    assert_eq!(counted, used);
    assert_eq!(
        emulator.requests()[0].operation,
        Some(Operation::CountTokens)
    );
}

#[test]
fn tool_use_with_streamed_input() {
    let home = TempDir::new("tools");
    let emulator = start(EmulatorConfig::default());
    let client = sigv4_client(&emulator, &home);
    let mut req = request("What is the weather in Paris? [scenario:tool_use]");
    req.tools = vec![Tool::new(
        "get_weather",
        "Current weather",
        json!({"properties": {"city": {"type": "string"}}}),
    )];
    let (events, response) = collect(&client, &req);
    let response = response.unwrap();

    let starts: Vec<(&str, &str)> = events
        .iter()
        .filter_map(|e| match e {
            StreamEvent::ToolCallStart { id, name, .. } => Some((id.as_str(), name.as_str())),
            _ => None,
        })
        .collect();
    assert_eq!(starts, [("tooluse_emulator_weather_1", "get_weather")]);
    let fragments: Vec<&str> = events
        .iter()
        .filter_map(|e| match e {
            StreamEvent::ToolCallDelta { arguments, .. } => Some(arguments.as_str()),
            _ => None,
        })
        .collect();
    assert!(
        fragments.len() > 1,
        "the input arrives in pieces: {fragments:?}"
    );
    let joined: String = fragments.concat();
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&joined).unwrap(),
        json!({"city": "Paris", "unit": "celsius"})
    );

    assert_eq!(response.stop_reason, StopReason::ToolUse);
    assert_eq!(response.text(), "Let me check the weather.");
    let call = response
        .content
        .iter()
        .find_map(|p| match p {
            Part::ToolCall {
                id,
                name,
                arguments,
            } => Some((id.clone(), name.clone(), arguments.clone())),
            _ => None,
        })
        .expect("a tool call");
    assert_eq!(
        call,
        (
            "tooluse_emulator_weather_1".into(),
            "get_weather".into(),
            Some(json!({"city": "Paris", "unit": "celsius"}))
        )
    );

    // Non-streamed, the same call.
    let converse = client.converse(&req).unwrap();
    assert_eq!(converse.content, response.content);
}

#[test]
fn reasoning() {
    let home = TempDir::new("reasoning");
    let emulator = start(EmulatorConfig::default());
    let client = sigv4_client(&emulator, &home);
    let (events, response) = collect(&client, &request("Think first [scenario:reasoning]"));
    let response = response.unwrap();

    let reasoning: String = events
        .iter()
        .filter_map(|e| match e {
            StreamEvent::ReasoningDelta { text, .. } => Some(text.as_str()),
            _ => None,
        })
        .collect();
    assert!(!reasoning.is_empty(), "{events:?}");
    let signature: String = events
        .iter()
        .filter_map(|e| match e {
            StreamEvent::ReasoningSignature { signature, .. } => Some(signature.as_str()),
            _ => None,
        })
        .collect();
    assert!(!signature.is_empty(), "{events:?}");
    // Reasoning comes before the answer.
    let first_reasoning = events
        .iter()
        .position(|e| matches!(e, StreamEvent::ReasoningDelta { .. }))
        .unwrap();
    let first_text = events
        .iter()
        .position(|e| matches!(e, StreamEvent::TextDelta { .. }))
        .unwrap();
    assert!(first_reasoning < first_text);

    match &response.content[0] {
        Part::Reasoning {
            text,
            signature: Some(sig),
        } => {
            assert_eq!(text, &reasoning);
            assert_eq!(sig, &signature);
        }
        other => panic!("expected reasoning first, got {other:?}"),
    }
    assert_eq!(response.text(), "Think first");
    assert_eq!(
        client
            .converse(&request("Think first [scenario:reasoning]"))
            .unwrap()
            .content,
        response.content
    );
}

#[test]
fn cache_usage_and_cost() {
    let home = TempDir::new("cache");
    let emulator = start(EmulatorConfig::default());
    let client = sigv4_client(&emulator, &home);
    let model = client.route(MODEL).unwrap().model;
    let input_price = model.prices.input.0;

    // 5-minute writes: 1.25 x the input price.
    let (_, streamed) = collect(&client, &request("Cache this [scenario:cache_write]"));
    let write = streamed.unwrap();
    assert_eq!(write.usage.cache_write_tokens, 1024);
    assert_eq!(write.usage.cache_write_5m_tokens, 1024);
    assert_eq!(write.usage.cache_read_tokens, 0);
    let write_cost = write.cost.unwrap();
    assert_eq!(
        write_cost.cache_write,
        Picodollars(1024 * input_price * 5 / 4)
    );
    assert_eq!(write_cost, cost(&write.usage, &model.prices, model.billing));
    assert_eq!(
        write.usage.total_tokens,
        write.usage.input_tokens + write.usage.output_tokens + 1024
    );

    // Reads at the cache-read price.
    let read = client
        .converse(&request("Cache this [scenario:cache_read]"))
        .unwrap();
    assert_eq!(read.usage.cache_read_tokens, 1024);
    assert_eq!(read.usage.cache_write_tokens, 0);
    let read_cost = read.cost.unwrap();
    assert_eq!(
        read_cost.cache_read,
        Picodollars(1024 * model.prices.cache_read.0)
    );
    assert!(read_cost.total < write_cost.total);

    // Mixed TTLs: 1-hour writes at 2x.
    let (_, mixed) = collect(&client, &request("Cache this [scenario:cache_mixed]"));
    let mixed = mixed.unwrap();
    assert_eq!(mixed.usage.cache_read_tokens, 2048);
    assert_eq!(mixed.usage.cache_write_tokens, 1536);
    assert_eq!(mixed.usage.cache_write_1h_tokens, 1024);
    assert_eq!(mixed.usage.cache_write_5m_tokens, 512);
    assert_eq!(
        mixed.cost.unwrap().cache_write,
        Picodollars(1024 * input_price * 2 + 512 * input_price * 5 / 4)
    );
    assert_eq!(
        mixed.cost.unwrap(),
        cost(&mixed.usage, &model.prices, model.billing)
    );
}

#[test]
fn sigv4_without_a_session_token() {
    let home = TempDir::new("sigv4");
    let emulator = start(EmulatorConfig::default());
    let client = sigv4_client(&emulator, &home);
    assert_eq!(
        client.converse(&request("signed")).unwrap().text(),
        "signed"
    );
    assert_eq!(only_record(&emulator).auth, sigv4_us_east_1());
}

#[test]
fn sigv4_with_a_session_token() {
    let home = TempDir::new("sigv4-token");
    let (key, secret, token) = (
        "ASIATESTSESSION",
        "S3CR3T-session-secret",
        "S3CR3T-session-token",
    );
    let emulator = start(
        EmulatorConfig::default()
            .with_credentials(key, secret)
            .with_session_token(token),
    );
    let env = base_env(&home)
        .with("AWS_ACCESS_KEY_ID", key)
        .with("AWS_SECRET_ACCESS_KEY", secret)
        .with("AWS_SESSION_TOKEN", token);
    let url = emulator.endpoint_url();
    let client = client(env.clone(), settings(&url, None));
    let (events, response) = collect(&client, &request("with a session token"));
    assert_eq!(text_of(&events), "with a session token");
    assert!(response.is_ok());
    assert_eq!(only_record(&emulator).auth, sigv4_us_east_1());

    // The same keys without the token: the emulator requires it, so the credentials are rejected.
    let without = common::client(
        base_env(&home)
            .with("AWS_ACCESS_KEY_ID", key)
            .with("AWS_SECRET_ACCESS_KEY", secret),
        settings(&url, None),
    );
    let error = without.converse(&request("no token")).unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Authentication, "{error}");
    assert_eq!(error.status(), Some(403));
    assert_eq!(error.error_type(), Some("UnrecognizedClientException"));
    assert_no_secret(&format!("{error} {error:?}"), &[secret, token]);
}

#[test]
fn bearer_key_from_the_environment() {
    let home = TempDir::new("bearer-env");
    let key = "S3CR3T-bearer-from-env";
    let emulator = start(EmulatorConfig::default().with_api_key(key));
    // Bearer keys come before SigV4 in the default list, even with AWS keys present.
    let env = sigv4_env(&home).with("AWS_BEARER_TOKEN_BEDROCK", format!("  {key}\n"));
    let client = client(env, settings(&emulator.endpoint_url(), None));
    let (events, response) = collect(&client, &request("bearer from env"));
    assert_eq!(text_of(&events), "bearer from env");
    assert!(response.is_ok());
    assert_eq!(only_record(&emulator).auth, Some(AuthKind::Bearer));
    assert_no_secret(&format!("{client:?}"), &[key]);

    // BEDROCK_API_KEY, the other default name.
    let emulator = start(EmulatorConfig::default().with_api_key(key));
    let client = common::client(
        base_env(&home).with("BEDROCK_API_KEY", key),
        settings(&emulator.endpoint_url(), None),
    );
    assert!(client.converse(&request("second name")).is_ok());
    assert_eq!(only_record(&emulator).auth, Some(AuthKind::Bearer));
}

#[cfg(unix)]
#[test]
fn bearer_key_from_the_vault() {
    use std::os::unix::fs::PermissionsExt;

    let dir = TempDir::new("bearer-vault");
    let key = "S3CR3T-bearer-from-vault";
    let emulator = start(EmulatorConfig::default().with_api_key(key));
    let mut text = settings_text(
        &emulator.endpoint_url(),
        Some(r#"["vault:AWS_BEARER_TOKEN_BEDROCK"]"#),
    );
    text.push_str("[llm.vault]\npath = \"secrets/vault.toml\"\n");
    let settings_path = dir.write("config/settings.toml", &text);
    let vault = dir.write(
        "config/secrets/vault.toml",
        &format!("AWS_BEARER_TOKEN_BEDROCK = \"{key}\"\n"),
    );
    std::fs::set_permissions(&vault, std::fs::Permissions::from_mode(0o600)).unwrap();

    // What `Client::from_env` does, on an injected environment: the settings file names the
    // vault, relative to the settings file's directory.
    let env = base_env(&dir).with("BEDROCK_SETTINGS", settings_path.as_str());
    let (host, settings) = Host::load(env.clone()).unwrap();
    let client = ClientBuilder::from_host(host, settings)
        .unwrap()
        .build()
        .unwrap();
    let response = client.converse(&request("bearer from the vault")).unwrap();
    assert_eq!(response.text(), "bearer from the vault");
    assert_eq!(only_record(&emulator).auth, Some(AuthKind::Bearer));

    // A vault other users can read is refused, and the refusal never shows the key.
    std::fs::set_permissions(&vault, std::fs::Permissions::from_mode(0o644)).unwrap();
    let (host, settings) = Host::load(env).unwrap();
    let client = ClientBuilder::from_host(host, settings)
        .unwrap()
        .build()
        .unwrap();
    let error = client.converse(&request("refused")).unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Configuration, "{error}");
    assert!(error.to_string().contains("chmod 600"), "{error}");
    assert_no_secret(&format!("{error} {error:?}"), &[key]);
    assert_eq!(emulator.requests().len(), 1, "nothing was sent");
}

/// What the emulator logged about one attempt: operation, status, error type, `amz-sdk-request`.
type Attempt<'a> = (Option<Operation>, u16, Option<&'a str>, Option<&'a str>);

#[test]
fn throttled_then_success_is_retried() {
    let home = TempDir::new("throttle");
    let emulator = start(EmulatorConfig::default());
    let client = sigv4_client(&emulator, &home);

    let response = client
        .converse(&request("[throttle:1][id:converse] try again"))
        .unwrap();
    assert_eq!(response.text(), "try again");
    let (events, streamed) = collect(&client, &request("[throttle:1][id:stream] and again"));
    assert_eq!(text_of(&events), "and again");
    assert!(streamed.is_ok());

    let records = emulator.requests();
    let summary: Vec<Attempt<'_>> = records
        .iter()
        .map(|r| {
            (
                r.operation,
                r.status,
                r.error_type.as_deref(),
                r.sdk_attempt.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            (
                Some(Operation::Converse),
                429,
                Some("ThrottlingException"),
                Some("attempt=1; max=3")
            ),
            (
                Some(Operation::Converse),
                200,
                None,
                Some("attempt=2; max=3")
            ),
            (
                Some(Operation::ConverseStream),
                429,
                Some("ThrottlingException"),
                Some("attempt=1; max=3")
            ),
            (
                Some(Operation::ConverseStream),
                200,
                None,
                Some("attempt=2; max=3")
            ),
        ]
    );
}

#[test]
fn a_midstream_exception_keeps_the_partial_events_and_is_not_retried() {
    let home = TempDir::new("midstream");
    let emulator = start(EmulatorConfig::default());
    let client = sigv4_client(&emulator, &home);

    // Throttling is retryable before a stream starts, never after output was delivered.
    let (events, result) = collect(&client, &request("[midstream] one two three four five"));
    let error = result.unwrap_err();
    assert_eq!(
        text_of(&events),
        "one two ",
        "the partial output arrived first"
    );
    assert_eq!(error.kind(), ErrorKind::Throttling, "{error}");

    let (events, result) = collect(
        &client,
        &request("[midstream:ModelStreamErrorException] six seven eight nine"),
    );
    let error = result.unwrap_err();
    assert_eq!(text_of(&events), "six seven ");
    assert_eq!(error.kind(), ErrorKind::ModelStreamError, "{error}");

    let records = emulator.requests();
    assert_eq!(records.len(), 2, "one attempt each: {records:?}");
    assert!(
        records
            .iter()
            .all(|r| r.status == 200 && r.sdk_attempt.as_deref() == Some("attempt=1; max=3"))
    );
}

#[test]
fn a_truncated_stream_is_an_error_never_a_success() {
    let home = TempDir::new("truncated");
    let emulator = start(EmulatorConfig::default());
    let client = sigv4_client(&emulator, &home);

    // A clean end of the body right after the last delta: no messageStop, no metadata.
    let (events, result) = collect(&client, &request("[cut] cut short here"));
    assert_eq!(text_of(&events), "cut short here");
    let error = result.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::TruncatedStream, "{error}");
    assert!(error.hint().is_some());
    // What streamed is on the error too, for callers that did not keep the events.
    let partial = error.partial_response().expect("a partial response");
    assert_eq!(partial.text(), "cut short here");

    // The connection closes mid-frame.
    let (events, result) = collect(&client, &request("[close] closed mid frame"));
    assert_eq!(text_of(&events), "closed ");
    let error = result.unwrap_err();
    assert_eq!(
        error.partial_response().map(|r| r.text()).as_deref(),
        Some("closed ")
    );
    assert!(
        matches!(
            error.kind(),
            ErrorKind::TruncatedStream | ErrorKind::Io | ErrorKind::Protocol
        ),
        "{error}"
    );
}

#[test]
fn access_denied_carries_the_kind_and_the_hint() {
    let home = TempDir::new("denied");
    let emulator = start(EmulatorConfig::default());
    let client = sigv4_client(&emulator, &home);
    let check = |error: &Error| {
        assert_eq!(error.kind(), ErrorKind::AccessDenied, "{error}");
        assert_eq!(error.status(), Some(403));
        assert_eq!(error.error_type(), Some("AccessDeniedException"));
        assert!(error.request_id().is_some());
        assert_eq!(error.model_id(), Some(MODEL));
        assert_eq!(error.region(), Some("us-east-1"));
        let hint = error.hint().unwrap();
        assert!(hint.contains("per-Region use-case approval"), "{hint}");
        assert!(hint.contains("bedrock:InvokeModel"), "{hint}");
    };

    check(
        &client
            .converse(&request("[error:AccessDeniedException] hi"))
            .unwrap_err(),
    );
    let (events, result) = collect(&client, &request("[error:AccessDeniedException] hi"));
    assert!(events.is_empty());
    check(&result.unwrap_err());
    // Not retried.
    assert_eq!(emulator.requests().len(), 2);
}

/// "The first event reaches the caller before the server has sent the rest": the emulator
/// sends one frame every 300 ms, through a relay that notes when each frame's bytes went out.
#[test]
fn the_first_event_arrives_before_the_server_sent_the_rest() {
    const DRIP: Duration = Duration::from_millis(300);
    let home = TempDir::new("drip");
    let emulator = start(EmulatorConfig::default());
    let relay = Relay::start(emulator.addr());
    let client = client(
        sigv4_env(&home),
        settings(&relay.url(), Some(r#"["aws_sigv4"]"#)),
    );

    let started = Instant::now();
    let mut first_event: Option<(Instant, StreamEvent)> = None;
    let mut arrivals = Vec::new();
    let mut response = None;
    for item in client
        .converse_stream(&request("[drip:300] one two three four"))
        .unwrap()
    {
        let at = Instant::now();
        match item.unwrap() {
            StreamItem::Event(event) => {
                if let StreamEvent::TextDelta { text, .. } = &event {
                    arrivals.push((at, text.clone()));
                }
                first_event.get_or_insert((at, event));
            }
            StreamItem::Response(r) => response = Some((at, r)),
        }
    }
    let (first_at, first) = first_event.unwrap();
    let (done_at, response) = response.unwrap();
    assert_eq!(response.text(), "one two three four");

    // Frames: messageStart (with the head), four deltas, contentBlockStop, messageStop,
    // metadata: eight bursts, 300 ms apart.
    let bursts = relay.bursts(DRIP / 2);
    assert_eq!(bursts.len(), 8, "{bursts:?}");

    // The first event (the first delta: `messageStart` yields no event) reached the caller
    // while most of the body had not been sent yet.
    let (sent_by_then, sent_in_all) = relay.bytes_by(first_at);
    assert!(
        sent_by_then < sent_in_all / 2,
        "{sent_by_then} of {sent_in_all} bytes were sent when {first:?} arrived"
    );
    assert!(
        first_at < bursts[2],
        "the first event arrived before the second delta was sent"
    );
    // Each delta arrived within a fraction of the drip interval of its frame, and long before
    // the stream ended.
    assert_eq!(arrivals.len(), 4);
    for (i, (at, text)) in arrivals.iter().enumerate() {
        let sent = bursts[i + 1];
        let lag = at.saturating_duration_since(sent);
        assert!(
            *at >= sent && lag < DRIP / 2,
            "delta {i} ({text:?}) arrived {lag:?} after its frame"
        );
    }
    assert!(done_at.duration_since(first_at) >= DRIP * 5);
    assert!(first_at.duration_since(started) < DRIP * 2);
}

/// The client's proxies reach ureq: HTTPS through the proxy's `CONNECT` tunnel (TLS end to end,
/// the emulator's CA trusted through `ca_bundle`), and straight to the target when `NO_PROXY`
/// names it.
#[test]
fn https_through_a_connect_proxy_unless_no_proxy_names_the_host() {
    use bedrock_blocking::{ProxyConfig, StaticCredentials};
    use bedrock_emulator::DEFAULT_API_KEY;
    use common::ConnectProxy;
    use std::sync::Arc;
    use std::sync::atomic::Ordering;

    let emulator = start(EmulatorConfig::default().with_tls());
    let proxy = ConnectProxy::start();
    let https = emulator.https_endpoint_url().unwrap();
    let client = |env: Env| -> Client {
        ClientBuilder::new()
            .settings(settings(&https, None))
            .credentials(Arc::new(StaticCredentials(bedrock_blocking::Auth::Bearer(
                bedrock_core::secret::Secret::new(DEFAULT_API_KEY.to_string()),
            ))))
            .ca_bundle(emulator.ca_pem().unwrap())
            .proxy(ProxyConfig::from_env(&env).unwrap())
            .build()
            .unwrap()
    };
    let proxied = client(Env::from_pairs([("HTTPS_PROXY", proxy.url.as_str())]));
    let (events, response) = collect(&proxied, &request("through the tunnel"));
    assert_eq!(text_of(&events), "through the tunnel");
    assert!(response.is_ok());
    let port = emulator.tls_addr().unwrap().port();
    assert_eq!(
        proxy.targets.lock().unwrap().as_slice(),
        [format!("CONNECT 127.0.0.1:{port} HTTP/1.1")]
    );

    let bypassed = client(Env::from_pairs([
        ("HTTPS_PROXY", proxy.url.as_str()),
        ("NO_PROXY", "localhost,127.0.0.1"),
    ]));
    assert!(bypassed.converse(&request("direct")).is_ok());
    assert_eq!(
        proxy.tunnels.load(Ordering::SeqCst),
        1,
        "NO_PROXY bypasses the proxy"
    );
    assert!(emulator.requests().iter().all(|r| r.tls && r.status == 200));
}
