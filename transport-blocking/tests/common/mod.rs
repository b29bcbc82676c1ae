//! Test support: the shared loopback helpers (temp directories, canned servers, the
//! timestamping relay) and settings and clients pointing at a loopback endpoint.
//!
//! Every socket here is on 127.0.0.1.

#![allow(
    dead_code,
    unused_imports,
    reason = "each test binary uses a different part of the support code"
)]

#[path = "../../../host/tests/support/loopback.rs"]
mod loopback;

pub(crate) use loopback::{ConnectProxy, Received, Relay, Server, TempDir, iso_in};

use bedrock_blocking::{Client, ClientBuilder};
use bedrock_core::settings::Settings;
use bedrock_host::{Env, Host};

/// The model the tests call: a catalog row with prices (Anthropic billing), on `bedrock`.
pub(crate) const MODEL: &str = "us.anthropic.claude-haiku-4-5";

/// An environment with a temp `HOME` (no `~/.aws` files) and IMDS off, so nothing but the
/// variables a test adds can resolve, and nothing leaves 127.0.0.1.
pub(crate) fn base_env(home: &TempDir) -> Env {
    Env::from_pairs([
        ("HOME", home.str().as_str()),
        ("AWS_EC2_METADATA_DISABLED", "true"),
    ])
}

/// `settings.toml` text routing the `bedrock` provider to `url` (signing region `us-east-1`),
/// with this credential list (a TOML array), or the defaults when `None`.
pub(crate) fn settings_text(url: &str, credentials: Option<&str>) -> String {
    let mut text = format!(
        "[llm.providers.bedrock]\nenabled = true\nbase_url = \"{url}\"\nregion = \"us-east-1\"\n"
    );
    if let Some(credentials) = credentials {
        text.push_str(&format!(
            "[llm.providers.bedrock.auth]\ncredentials = {credentials}\n"
        ));
    }
    text
}

/// Parsed [`settings_text`].
pub(crate) fn settings(url: &str, credentials: Option<&str>) -> Settings {
    Settings::parse(&settings_text(url, credentials)).unwrap()
}

/// A blocking client on `env`, as `ClientBuilder::from_host` builds it.
pub(crate) fn client(env: Env, settings: Settings) -> Client {
    ClientBuilder::from_host(Host::with_env(env), settings)
        .unwrap()
        .build()
        .unwrap()
}

/// A raw response with `Content-Length`.
pub(crate) fn response(status: u16, content_type: &str, body: &str) -> String {
    format!(
        "HTTP/1.1 {status} X\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
}

/// Panics when `text` shows one of `secrets`.
#[track_caller]
pub(crate) fn assert_no_secret(text: &str, secrets: &[&str]) {
    for secret in secrets {
        assert!(!text.contains(secret), "a secret leaked into: {text}");
    }
}
