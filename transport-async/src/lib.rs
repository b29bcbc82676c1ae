//! `bedrock-async`: drives [`bedrock_core`]'s exchange over smol TCP with an async rustls stream.
//!
//! **Not built yet.** This crate has no public API until the exchange state machine exists in
//! the core; the adapter will be a small loop with no protocol knowledge (see `DESIGN.md`).

#![forbid(unsafe_code)]
