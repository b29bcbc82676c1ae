//! `bedrock-core`: the sans-IO, `no_std` core of an Amazon Bedrock Runtime client.
//!
//! All protocol logic lives here and nothing else does. The core never reads a clock, the
//! environment, a file, a socket or a random source: time, randomness, environment values,
//! file contents and network bytes are inputs, so the same code runs under a blocking socket, an
//! async runtime, an RTOS or a WASM host, and every behaviour is testable with virtual time.
//!
//! | module | what it does |
//! |---|---|
//! | [`time`] | [`time::UnixTime`] (wall clock, signing) and [`time::Instant`] (monotonic, deadlines); `x-amz-date`, ISO-8601 and HTTP-date formatting and parsing |
//! | [`model`] | the provider-neutral request and response (the JSON users send and get back), and the encoding rules both wire formats share (output cap, sampling pins, tool schemas) |
//! | [`secret`] | [`secret::Secret`], the wrapper that keeps secrets out of `Debug` and `Display` |
//! | [`catalog`] | the curated model rows: wire ids, limits, features, prices, billing policy |
//! | [`settings`] | `settings.toml` parsing (from text), credential references, user models merged over the catalog, routing a model id to endpoint, region and signing name |
//! | [`auth`], [`credentials`] | bearer vs SigV4 from a route's ordered credential list; the AWS default credential chain as sans-IO machines (environment, profiles, `credential_process`, assume role, web identity, SSO, container, IMDSv2); region resolution; a refreshing cache |
//! | [`billing`] | normalized token usage (uncached input, cache reads, cache writes by TTL, output) and its cost under a billing policy |
//! | [`converse`] | the Converse wire format: request encoding (conversation repairs, cache points), the response, CountTokens, ConverseStream events, and the stream accumulator |
//! | [`responses`] | the OpenAI Responses API on bedrock-mantle (`bedrock-openai`): request encoding (`store: false` forced), the response and SSE events mapped to the neutral ones, OpenAI error bodies as typed errors |
//! | [`retry`] | the standard retry mode: backoff, `x-amz-retry-after`, the shared retry-token bucket, seeded jitter |
//! | [`error`] | typed errors with fix-it hints and the standard retry classification |
//! | [`exchange`] | one API call as a state machine: signed request bytes out, response bytes in, events, retries, deadlines |
//! | [`http1`] | HTTP/1.1 request bytes, an incremental response reader (head, content-length, chunked, close-delimited), the chunked decoder on its own, proxy `CONNECT` |
//! | [`percent`] | percent-encoding and decoding, and hex: the one implementation of each |
//! | [`eventstream`] | the AWS event-stream frame codec: incremental decoder, byte-exact encoder |
//! | [`sse`] | server-sent events (`text/event-stream`, the Responses API's streams): an incremental decoder per the WHATWG standard, with line and data limits |
//! | [`sigv4`] | SigV4: canonical request, string to sign, signature, headers, presigning, derived-key cache, short-term Bedrock API keys |
//!
//! Two private modules serve the others: `url` (the one endpoint-URL parser and its loopback
//! rule, for settings and credential endpoints) and `shared` (reference-counted state that also
//! builds where there is no atomic compare-and-swap).
//!
//! # Targets
//!
//! The core needs only `core` and `alloc`. CI builds it for `thumbv7em-none-eabihf`,
//! `wasm32-unknown-unknown` and `thumbv6m-none-eabi`. The last has no atomic compare-and-swap,
//! so `alloc::sync::Arc` does not exist there: shared state (the [`retry::RetryQuota`]) is an
//! `Rc<Cell<u32>>` and not `Send`, and [`settings::Settings::parse`] is not compiled (the `toml`
//! crate needs `Arc`); settings are built in code from `Settings::default()`.

#![no_std]
#![forbid(unsafe_code)]
#![warn(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::cast_possible_truncation
)]

extern crate alloc;
#[cfg(test)]
extern crate std;

pub mod auth;
pub mod billing;
pub mod catalog;
pub mod converse;
pub mod credentials;
pub mod error;
pub mod eventstream;
pub mod exchange;
pub mod http1;
pub mod model;
pub mod percent;
pub mod responses;
pub mod retry;
pub mod secret;
pub mod settings;
mod shared;
pub mod sigv4;
pub mod sse;
pub mod time;
mod url;
