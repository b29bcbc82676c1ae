//! The blocking client against the in-process Bedrock emulator, over real loopback sockets:
//! credentials resolved from an injected environment and the vault through
//! `ClientBuilder::from_host` (never leaking into errors), events handed out as their frames
//! arrive through ureq (not after the body), and HTTPS through a `CONNECT` proxy unless
//! `NO_PROXY` names the host. What the protocol answers (text, tools, usage and cost, retries,
//! errors and faults) is asserted once, through every transport, by the end-to-end suite
//! (`conformance/src/e2e/scenarios.rs`).
//!
//! No test touches the process environment: each builds its own `Env::Map`.

mod common;

use std::time::{Duration, Instant};

use bedrock_blocking::{Client, ClientBuilder, StreamItem};
use bedrock_core::error::{Error, ErrorKind};
use bedrock_core::model::{Request, Response, StreamEvent};
use bedrock_emulator::{
    AuthKind, DEFAULT_ACCESS_KEY_ID, DEFAULT_SECRET_ACCESS_KEY, Emulator, EmulatorConfig,
    EmulatorHandle, RequestRecord,
};
use bedrock_host::{Env, Host};
use common::{MODEL, Relay, TempDir, assert_no_secret, base_env, client, settings, settings_text};

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

/// Drains a stream: the events, then the final response or the error that ended it.
fn collect(client: &Client, request: &Request) -> (Vec<StreamEvent>, Result<Response, Error>) {
    let mut events = Vec::new();
    for item in client.converse_stream(request).expect("the call starts") {
        match item {
            Ok(StreamItem::Event(event)) => events.push(event),
            Ok(StreamItem::Response(response)) => return (events, Ok(*response)),
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

/// `next_buffered` hands out what was already read and stops at a read boundary: nothing
/// before the request is sent; after the first delta of `[drip]` (one frame at a time) nothing
/// until the next frame is read, returned at once although the server is silent; and taken
/// together with `next`, exactly the items `next` alone yields, with many of them handed out
/// without I/O when frames arrive together.
#[test]
fn next_buffered_yields_received_items_and_stops_at_a_read_boundary() {
    const DRIP: Duration = Duration::from_millis(400);
    let home = TempDir::new("next-buffered");
    let emulator = start(EmulatorConfig::default());
    let client = client(
        sigv4_env(&home),
        settings(&emulator.endpoint_url(), Some(r#"["aws_sigv4"]"#)),
    );

    // Nothing is received before the request is sent.
    let mut stream = client
        .converse_stream(&request("[drip:400] one two three"))
        .unwrap();
    assert!(stream.next_buffered().is_none());
    assert!(emulator.requests().is_empty(), "next_buffered sent nothing");
    // The first delta needs the network; the next frame is 400 ms away, so what follows is a
    // read boundary: `None` at once, not after a wait.
    let first = stream.next().unwrap().unwrap();
    assert!(
        matches!(&first, StreamItem::Event(StreamEvent::TextDelta { text, .. }) if text == "one "),
        "{first:?}"
    );
    let asked = Instant::now();
    assert!(stream.next_buffered().is_none());
    assert!(asked.elapsed() < DRIP / 4, "{:?}", asked.elapsed());
    // `next` reads the next frame; the stream still ends with the whole answer.
    let rest: Vec<StreamItem> = stream.map(Result::unwrap).collect();
    match rest.last() {
        Some(StreamItem::Response(response)) => assert_eq!(response.text(), "one two three"),
        other => panic!("{other:?}"),
    }

    // Without a drip the frames arrive together: both ways give the same items (the response's
    // request id aside, each call has its own), most of them without I/O.
    let same = |item: Result<StreamItem, Error>| match item.unwrap() {
        StreamItem::Response(mut response) => {
            response.request_id = None;
            StreamItem::Response(response)
        }
        event => event,
    };
    let long = request("[long:500] go");
    let alone: Vec<StreamItem> = client.converse_stream(&long).unwrap().map(same).collect();
    let mut stream = client.converse_stream(&long).unwrap();
    let (mut together, mut buffered) = (Vec::new(), 0);
    loop {
        let item = match stream.next_buffered() {
            Some(item) => {
                buffered += 1;
                item
            }
            None => match stream.next() {
                Some(item) => item,
                None => break,
            },
        };
        together.push(same(item));
    }
    assert!(stream.next_buffered().is_none(), "the stream is over");
    assert!(
        together == alone,
        "{} items, {} alone",
        together.len(),
        alone.len()
    );
    assert!(alone.len() > 500, "{}", alone.len());
    assert!(
        buffered > alone.len() / 2,
        "{buffered} of {} items without I/O",
        alone.len()
    );
}
