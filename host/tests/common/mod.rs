//! Test support: the shared loopback helpers, plus canned answers of the credential services.

#![allow(
    dead_code,
    unused_imports,
    reason = "each test binary uses a different part of the support code"
)]

#[path = "../support/loopback.rs"]
mod loopback;

pub(crate) use loopback::{Received, Server, TempDir, iso_in};

/// A raw response with `Content-Length`.
pub(crate) fn response(status: u16, body: &str) -> String {
    format!(
        "HTTP/1.1 {status} X\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
}

/// A chunked response, to exercise the core's de-framing over a real socket.
pub(crate) fn chunked(status: u16, body: &str) -> String {
    let (a, b) = body.split_at(body.len() / 2);
    format!(
        "HTTP/1.1 {status} X\r\nTransfer-Encoding: chunked\r\n\r\n{:x}\r\n{a}\r\n{:x}\r\n{b}\r\n0\r\n\r\n",
        a.len(),
        b.len()
    )
}

pub(crate) fn credentials_json(access_key_id: &str) -> String {
    format!(
        r#"{{"Code":"Success","AccessKeyId":"{access_key_id}","SecretAccessKey":"S3CR3T-{access_key_id}","Token":"S3CR3T-token","Expiration":"{}"}}"#,
        iso_in(6 * 3600)
    )
}

/// Panics when `text` shows a secret (every test secret contains `S3CR3T`).
#[track_caller]
pub(crate) fn assert_redacted(text: &str) {
    assert!(!text.contains("S3CR3T"), "a secret leaked into: {text}");
}
