//! Converse and ConverseStream: the neutral request encoded as a Converse body (with the
//! catalog's rules), the response shape, stream events, the accumulator that turns a stream back
//! into the response the non-streaming call would have returned, and the conversion to the
//! neutral response.
//!
//! | file | holds |
//! |---|---|
//! | `request.rs` | [`encode_request`]: the neutral request → the Converse body, its rules in order; CountTokens' body and model id |
//! | `blocks.rs` | one neutral part → its Converse content block |
//! | `cache_points.rs` | prompt-cache points: explicit ones checked, automatic ones placed, TTL order |
//! | `response.rs` | the Converse response body ([`ConverseResponse`], [`TokenUsage`], ...) |
//! | `count_tokens.rs` | the CountTokens response ([`CountTokensResponse`]) |
//! | `usage.rs` | [`TokenUsage::to_usage`]: Converse's token counts in the neutral form billing prices |
//! | `stream.rs` | ConverseStream events parsed from event-stream messages ([`parse_event`]) |
//! | `accumulate.rs` | [`StreamAccumulator`]: a stream back into the response the non-streaming call returns |
//! | `neutral.rs` | the Converse response and events → the neutral [`Response`](crate::model::Response) and [`StreamEvent`](crate::model::StreamEvent)s |
//!
//! The rules Converse shares with the Responses API (output cap, sampling parameters, tool names
//! and schemas, option merging, [`RequestError`]) are in [`crate::model`]'s `encoding.rs`.
//!
//! ```
//! use bedrock_core::converse::{parse_event, StreamAccumulator};
//! use bedrock_core::eventstream::{Decoder, Header, HeaderValue, Message};
//!
//! // Frames as Bedrock sends them (here built with the encoder).
//! let event = |kind: &str, json: &str| {
//!     let headers = vec![
//!         Header::new(":event-type", HeaderValue::String(kind.into())),
//!         Header::new(":content-type", HeaderValue::String("application/json".into())),
//!         Header::new(":message-type", HeaderValue::String("event".into())),
//!     ];
//!     let mut frame = Vec::new();
//!     Message::new(headers, json.as_bytes().to_vec()).encode(&mut frame).unwrap();
//!     frame
//! };
//! let mut body = Vec::new();
//! body.extend(event("messageStart", r#"{"role":"assistant"}"#));
//! body.extend(event("contentBlockDelta", r#"{"contentBlockIndex":0,"delta":{"text":"Hel"}}"#));
//! body.extend(event("contentBlockDelta", r#"{"contentBlockIndex":0,"delta":{"text":"lo"}}"#));
//! body.extend(event("contentBlockStop", r#"{"contentBlockIndex":0}"#));
//! body.extend(event("messageStop", r#"{"stopReason":"end_turn"}"#));
//! body.extend(event("metadata", r#"{"usage":{"inputTokens":5,"outputTokens":2,"totalTokens":7},"metrics":{"latencyMs":90}}"#));
//!
//! let mut decoder = Decoder::new();
//! let mut accumulator = StreamAccumulator::new();
//! let mut input = body.as_slice();
//! while let Some(message) = decoder.decode(&mut input)? {
//!     if let Some(event) = parse_event(&message)? {
//!         accumulator.handle_event(&event)?;
//!     }
//! }
//! decoder.finish()?;
//! let response = accumulator.finish()?;
//! assert_eq!(serde_json::to_value(response.content())?, serde_json::json!([{"text": "Hello"}]));
//! assert_eq!(response.usage.total_tokens, 7);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod accumulate;
mod blocks;
mod cache_points;
mod count_tokens;
mod neutral;
mod request;
mod response;
mod stream;
mod usage;

pub use crate::model::{EncodedRequest, RequestError};
pub use accumulate::{AccumulateError, StreamAccumulator};
pub use cache_points::MAX_CACHE_POINTS;
pub use count_tokens::CountTokensResponse;
pub(crate) use neutral::text_delta_event;
pub use neutral::{into_neutral_event, normalize_stop, to_neutral};
pub use request::{count_tokens_model_id, encode_count_tokens, encode_request};
pub use response::{
    CacheDetail, CitationsBlock, ContentBlock, ConverseOutput, ConverseResponse, Metrics,
    OutputMessage, ReasoningBlock, StopReason, TokenUsage, ToolUseBlock, TruncatedToolUse,
};
pub(crate) use stream::text_delta_message;
pub use stream::{
    BlockDelta, BlockStart, EventError, ExceptionKind, StreamEvent, StreamException,
    StreamMetadata, parse_event,
};

#[cfg(test)]
mod tests;
