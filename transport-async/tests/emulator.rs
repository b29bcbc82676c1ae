//! The async client against the in-process emulator over loopback: streaming under each
//! executor, many tasks on one thread, the keep-alive pool, a dropped stream closing its socket,
//! a CONNECT proxy, and credentials fetched over HTTP
//! on the client's own sockets. Protocol behaviour is the end-to-end suite's (conformance);
//! these tests prove the adapter's I/O.

#[path = "../../host/tests/support/loopback.rs"]
mod loopback;

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use bedrock_async::{
    Client, ClientBuilder, Error, Request, Response, Settings, StaticCredentials, StreamEvent,
    StreamItem,
};
use bedrock_core::auth::Auth;
use bedrock_core::secret::Secret;
use bedrock_emulator::{
    AuthKind, DEFAULT_ACCESS_KEY_ID, DEFAULT_API_KEY, DEFAULT_SECRET_ACCESS_KEY, Emulator,
    EmulatorConfig, EmulatorHandle,
};
use bedrock_host::{Env, Host, ProxyConfig};
use loopback::{ConnectProxy, Server, TempDir, iso_in};
use smol::stream::StreamExt as _;

const MODEL: &str = "us.anthropic.claude-haiku-4-5";

fn request(text: &str) -> Request {
    Request::new(MODEL).user(text).max_tokens(256)
}

fn settings(url: &str, credentials: Option<&str>) -> Settings {
    let mut text = format!(
        "[llm.providers.bedrock]\nenabled = true\nbase_url = \"{url}\"\nregion = \"us-east-1\"\n"
    );
    if let Some(credentials) = credentials {
        text.push_str(&format!(
            "[llm.providers.bedrock.auth]\ncredentials = {credentials}\n"
        ));
    }
    Settings::parse(&text).unwrap()
}

/// An environment with a temp `HOME` and IMDS off: only what a test adds resolves.
fn base_env(home: &TempDir) -> Env {
    Env::from_pairs([
        ("HOME", home.str().as_str()),
        ("AWS_EC2_METADATA_DISABLED", "true"),
    ])
}

/// A client resolving SigV4 credentials from an injected environment, as `from_env` does.
fn sigv4_client(emulator: &EmulatorHandle, home: &TempDir) -> Client {
    let env = base_env(home)
        .with("AWS_ACCESS_KEY_ID", DEFAULT_ACCESS_KEY_ID)
        .with("AWS_SECRET_ACCESS_KEY", DEFAULT_SECRET_ACCESS_KEY);
    ClientBuilder::from_host(
        Host::with_env(env),
        settings(&emulator.endpoint_url(), Some(r#"["aws_sigv4"]"#)),
    )
    .unwrap()
    .build()
    .unwrap()
}

fn start(config: EmulatorConfig) -> EmulatorHandle {
    Emulator::start(config).unwrap()
}

async fn collect(
    client: &Client,
    request: &Request,
) -> (Vec<StreamEvent>, Result<Response, Error>) {
    let mut events = Vec::new();
    let mut stream = client.converse_stream(request);
    while let Some(item) = stream.next().await {
        match item {
            Ok(StreamItem::Event(event)) => events.push(event),
            Ok(StreamItem::Response(response)) => {
                assert!(stream.next().await.is_none(), "nothing after the response");
                return (events, Ok(*response));
            }
            Err(error) => {
                assert!(stream.next().await.is_none(), "nothing after the error");
                return (events, Err(error));
            }
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

#[test]
fn streams_under_smol_and_futures_lite_with_sigv4_from_the_environment() {
    let home = TempDir::new("async-stream");
    let emulator = start(EmulatorConfig::default());
    let client = sigv4_client(&emulator, &home);

    let (events, response) = smol::block_on(collect(&client, &request("Hello from smol")));
    assert_eq!(text_of(&events), "Hello from smol");
    assert_eq!(response.unwrap().text(), "Hello from smol");

    // futures-lite's executor (no reactor thread of its own: async-io drives the sockets).
    let (events, response) = smol::future::block_on(collect(&client, &request("And futures lite")));
    assert_eq!(text_of(&events), "And futures lite");
    assert!(response.is_ok());

    let converse = smol::block_on(client.converse(&request("Not streamed"))).unwrap();
    assert_eq!(converse.text(), "Not streamed");
    let tokens = smol::block_on(client.count_tokens(&request("Count me"))).unwrap();
    assert!(tokens > 0);
    let signed = emulator.requests().iter().all(|r| {
        r.status == 200
            && r.auth
                == Some(AuthKind::SigV4 {
                    region: "us-east-1".into(),
                })
    });
    assert!(signed, "{:?}", emulator.requests());
}

#[test]
fn many_streams_on_one_thread_share_one_executor() {
    let home = TempDir::new("async-many");
    let emulator = start(EmulatorConfig::default());
    let client = sigv4_client(&emulator, &home);
    // A multi-threaded-capable executor (tasks must be Send), run by this one thread.
    let executor = smol::Executor::new();
    let started = Instant::now();
    let tasks: Vec<_> = (0..40)
        .map(|i| {
            let client = client.clone();
            executor.spawn(async move {
                let (events, response) =
                    collect(&client, &request(&format!("[drip:20] task {i} says hi"))).await;
                (i, text_of(&events), response.map(|r| r.text()))
            })
        })
        .collect();
    let results = smol::block_on(executor.run(async {
        let mut out = Vec::new();
        for task in tasks {
            out.push(task.await);
        }
        out
    }));
    for (i, text, response) in results {
        assert_eq!(text, format!("task {i} says hi"));
        assert_eq!(response.unwrap(), text);
    }
    // 40 dripping streams (4 deltas x 20 ms) interleaved on one thread, not run one by one.
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
}

#[test]
fn keep_alive_connections_are_reused_and_a_dropped_stream_closes_its_socket() {
    let home = TempDir::new("async-pool");
    let emulator = start(EmulatorConfig::default());
    let client = sigv4_client(&emulator, &home);
    smol::block_on(async {
        for i in 0..3 {
            let text = format!("call {i}");
            assert_eq!(client.converse(&request(&text)).await.unwrap().text(), text);
        }
        let (_, response) = collect(&client, &request("streamed on the same connection")).await;
        assert!(response.is_ok());
    });
    assert_eq!(emulator.requests().len(), 4);
    assert_eq!(
        emulator.open_connections(),
        1,
        "one pooled connection served every call"
    );

    // A slow stream, on the pooled connection, dropped after its first event: that connection
    // closes (it is mid-response, so it cannot be reused).
    smol::block_on(async {
        let mut stream = client.converse_stream(&request("[drip:200] one two three four five"));
        let first = stream.next().await.unwrap().unwrap();
        assert!(matches!(first, StreamItem::Event(_)));
        assert_eq!(emulator.open_connections(), 1);
        drop(stream);
    });
    assert!(
        emulator.wait_open_connections_at_most(0, Duration::from_secs(5)),
        "the dropped stream's socket stayed open: {}",
        emulator.open_connections()
    );
    assert_eq!(emulator.requests().len(), 5);

    // The next call opens a new connection; dropping the client closes its pool.
    assert!(smol::block_on(client.converse(&request("again"))).is_ok());
    assert_eq!(emulator.open_connections(), 1);
    drop(client);
    assert!(
        emulator.wait_open_connections_at_most(0, Duration::from_secs(5)),
        "dropping the client closes its pool"
    );
}

#[test]
fn calls_go_through_an_http_connect_proxy_unless_no_proxy_says_otherwise() {
    let emulator = start(EmulatorConfig::default().with_tls());
    let proxy = ConnectProxy::start();
    let https = emulator.https_endpoint_url().unwrap();
    let client = |env: Env| {
        Client::builder()
            .settings(settings(&https, None))
            .credentials(Arc::new(StaticCredentials(Auth::Bearer(Secret::new(
                DEFAULT_API_KEY.to_string(),
            )))))
            .ca_bundle(emulator.ca_pem().unwrap())
            .proxy(ProxyConfig::from_env(&env).unwrap())
            .build()
            .unwrap()
    };
    let proxied = client(Env::from_pairs([("HTTPS_PROXY", proxy.url.as_str())]));
    let (events, response) = smol::block_on(collect(&proxied, &request("through the tunnel")));
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
    assert!(smol::block_on(bypassed.converse(&request("direct"))).is_ok());
    assert_eq!(
        proxy.tunnels.load(Ordering::SeqCst),
        1,
        "NO_PROXY bypasses the proxy"
    );
}

#[test]
fn container_credentials_are_fetched_on_the_clients_own_sockets() {
    const ACCESS_KEY: &str = "ASIALOOPBACKASYNC";
    const SECRET_KEY: &str = "S3CR3T-async-secret";
    const TOKEN: &str = "S3CR3T-async-token";
    let home = TempDir::new("async-container");
    let body = format!(
        r#"{{"AccessKeyId":"{ACCESS_KEY}","SecretAccessKey":"{SECRET_KEY}","Token":"{TOKEN}","Expiration":"{}"}}"#,
        iso_in(6 * 3600)
    );
    let server = Server::start(vec![format!(
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )]);
    let emulator = start(
        EmulatorConfig::default()
            .with_credentials(ACCESS_KEY, SECRET_KEY)
            .with_session_token(TOKEN),
    );
    let env = base_env(&home).with(
        "AWS_CONTAINER_CREDENTIALS_FULL_URI",
        format!("{}/creds", server.url()),
    );
    let client = ClientBuilder::from_host(
        Host::with_env(env),
        settings(&emulator.endpoint_url(), None),
    )
    .unwrap()
    .build()
    .unwrap();
    // Eight concurrent first calls on one thread: one resolution, every call signed with it.
    let executor = smol::LocalExecutor::new();
    let tasks: Vec<_> = (0..8)
        .map(|i| {
            let client = client.clone();
            executor.spawn(async move { client.converse(&request(&format!("call {i}"))).await })
        })
        .collect();
    smol::block_on(executor.run(async {
        for task in tasks {
            assert!(task.await.is_ok());
        }
    }));
    let received = server.finish();
    assert_eq!(received.len(), 1, "one resolution for the burst");
    assert_eq!(emulator.requests().len(), 8);
}

#[test]
fn a_container_503_is_retried_after_a_timer_not_a_blocked_thread() {
    const ACCESS_KEY: &str = "ASIALOOPBACKRETRY";
    const SECRET_KEY: &str = "S3CR3T-retry-secret";
    const TOKEN: &str = "S3CR3T-retry-token";
    let home = TempDir::new("async-container-retry");
    let body = format!(
        r#"{{"AccessKeyId":"{ACCESS_KEY}","SecretAccessKey":"{SECRET_KEY}","Token":"{TOKEN}","Expiration":"{}"}}"#,
        iso_in(6 * 3600)
    );
    let server = Server::start(vec![
        "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n".to_string(),
        format!(
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        ),
    ]);
    let emulator = start(
        EmulatorConfig::default()
            .with_credentials(ACCESS_KEY, SECRET_KEY)
            .with_session_token(TOKEN),
    );
    let env = base_env(&home).with(
        "AWS_CONTAINER_CREDENTIALS_FULL_URI",
        format!("{}/creds", server.url()),
    );
    let client = ClientBuilder::from_host(
        Host::with_env(env),
        settings(&emulator.endpoint_url(), None),
    )
    .unwrap()
    .build()
    .unwrap();
    // While the resolution waits out the container provider's 1 s backoff, another task on the
    // same thread keeps running: the wait is a timer, not a sleeping thread.
    let executor = smol::LocalExecutor::new();
    let ticks = std::rc::Rc::new(std::cell::Cell::new(0u32));
    let counter = std::rc::Rc::clone(&ticks);
    let _ticker = executor.spawn(async move {
        loop {
            smol::Timer::after(std::time::Duration::from_millis(50)).await;
            counter.set(counter.get() + 1);
        }
    });
    let started = std::time::Instant::now();
    let call = executor.spawn({
        let client = client.clone();
        async move { client.converse(&request("after one retry")).await }
    });
    let response = smol::block_on(executor.run(call)).unwrap();
    assert_eq!(response.text(), "after one retry");
    assert!(started.elapsed() >= std::time::Duration::from_secs(1));
    assert!(
        ticks.get() >= 10,
        "the executor was blocked: {} ticks",
        ticks.get()
    );
    assert_eq!(server.finish().len(), 2);
}
