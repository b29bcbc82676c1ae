//! `bedrock-blocking`: drives [`bedrock_core`]'s exchange over blocking ureq 3 sockets.
//!
//! **Not built yet.** This crate has no public API until the exchange state machine exists in
//! the core; the adapter will be a small loop with no protocol knowledge (see `DESIGN.md`).
//! Until then, use [`bedrock_core::sigv4`] directly to sign requests made with any HTTP client.

#![forbid(unsafe_code)]
