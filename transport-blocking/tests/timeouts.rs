//! A first-byte timeout from `settings.toml` (the host's `ClientBuilder::from_host`, which both
//! adapters share: tested once, here), against a silent loopback server: it reaches the client,
//! names its number and is not retried.
//!
//! How each transport maps timeouts to errors (first byte, idle, a connect timeout during an
//! unanswered TLS handshake) runs through every transport in the end-to-end suite's `timing: …`
//! rows (`conformance/src/e2e/scenarios.rs`).

use std::io::Read as _;
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use bedrock_blocking::{ClientBuilder, ErrorKind, Request, Settings};
use bedrock_host::{Env, Host};

const MODEL: &str = "us.anthropic.claude-haiku-4-5";

/// Accepts connections, reads what arrives and never answers; counts connections.
struct Silent {
    port: u16,
    connections: Arc<AtomicUsize>,
}

impl Silent {
    fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let connections = Arc::new(AtomicUsize::new(0));
        let count = connections.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream): Result<TcpStream, _> = stream else {
                    return;
                };
                count.fetch_add(1, Ordering::SeqCst);
                std::thread::spawn(move || {
                    let mut buf = [0u8; 4096];
                    while matches!(stream.read(&mut buf), Ok(n) if n > 0) {}
                });
            }
        });
        Self { port, connections }
    }
}

fn builder(url: &str, extra: &str) -> ClientBuilder {
    let settings = Settings::parse(&format!(
        "[llm.providers.bedrock]\nenabled = true\nbase_url = \"{url}\"\nregion = \"us-east-1\"\n{extra}"
    ))
    .unwrap();
    let env = Env::from_pairs([
        ("HOME", "/nonexistent-bedrock-test-home"),
        ("AWS_EC2_METADATA_DISABLED", "true"),
        ("AWS_BEARER_TOKEN_BEDROCK", "test-key"),
    ]);
    ClientBuilder::from_host(Host::with_env(env), settings).unwrap()
}

/// `timeouts = { first_byte = 1 }` reaches the client; the Converse fails after 1 s with that
/// number in the message, on the one connection it opened: not retried.
#[test]
fn a_converse_first_byte_timeout_from_settings_is_not_retried() {
    let server = Silent::start();
    let url = format!("http://127.0.0.1:{}", server.port);
    let client = builder(&url, "timeouts = { first_byte = 1, idle = 30 }\n")
        .build()
        .unwrap();
    let started = Instant::now();
    let error = client
        .converse(&Request::new(MODEL).user("hi"))
        .unwrap_err();
    let elapsed = started.elapsed();
    assert_eq!(error.kind(), ErrorKind::Timeout, "{error}");
    assert!(
        error.message().contains("no response within 1 s"),
        "{error}"
    );
    assert!(elapsed < Duration::from_secs(5), "{elapsed:?}");
    assert_eq!(server.connections.load(Ordering::SeqCst), 1);
}
