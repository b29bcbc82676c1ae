//! The OpenAI Responses API on bedrock-mantle (provider `bedrock-openai`): the neutral request
//! encoded as a Responses body, the non-streaming response and the stream events mapped to the
//! same neutral [`Response`](crate::model::Response) and
//! [`StreamEvent`](crate::model::StreamEvent)s Converse gives, and OpenAI error bodies as typed
//! [`Error`](crate::error::Error)s. Wire reference: `mantle-responses.md`.
//!
//! Rules the encoder applies ([`encode_request`]):
//!
//! 1. `model` is the catalog row's `api_id`; the system prompt becomes `instructions`; user turns
//!    become `message` items (`input_text`, `input_image`, `input_file`), tool results
//!    `function_call_output` items, assistant turns `message` items (`output_text`),
//!    `function_call` items and `reasoning` items replayed with their `encrypted_content` (a
//!    reasoning part without one cannot be replayed under `store: false` and is dropped, with a
//!    warning).
//! 2. `max_output_tokens` defaults to the model's maximum output and is clamped to it, as for
//!    Converse; `temperature` / `top_p` are dropped with a warning unless the row allows sampling
//!    parameters; stop sequences do not exist in the Responses API and are dropped with a warning.
//! 3. `provider_options.openai` then `provider_options["bedrock-openai"]` members are merged into
//!    the top level (an object member one level deep, the caller's values winning);
//!    `reasoning_effort: "high"` is shorthand for `reasoning: {"effort": "high"}`.
//! 4. Then, whatever the caller passed: `store: false` (anything else is overridden, with a
//!    warning: a stored response is retained by AWS for 30 days), `include` holds
//!    `reasoning.encrypted_content` (needed to replay reasoning without stored state), and
//!    `stream` is the caller's argument.
//!
//! | file | holds |
//! |---|---|
//! | `request.rs` | [`encode_request`]: the rules above |
//! | `response.rs` | [`to_neutral`] / [`response_from_value`]: a Responses body → the neutral response; [`usage_from`] |
//! | `stream.rs` | [`StreamAccumulator`]: SSE events → neutral stream events and the final response |
//! | `error.rs` | [`ServiceError`]: OpenAI error bodies and stream errors → typed errors |
//!
//! The output cap and sampling rules (2) are the Converse encoder's too: one implementation, in
//! `model/encoding.rs`.
//!
//! ```
//! use bedrock_core::catalog;
//! use bedrock_core::model::Request;
//! use bedrock_core::responses::{encode_request, to_neutral};
//!
//! let model = catalog::find("openai.gpt-5.5").unwrap();
//! let request = Request::new("openai.gpt-5.5").system("Be terse.").user("Hi");
//! let encoded = encode_request(&request, &model, false)?;
//! assert_eq!(encoded.body["store"], false);
//! assert_eq!(encoded.body["instructions"], "Be terse.");
//!
//! let body = br#"{"id":"resp_1","object":"response","status":"completed","model":"openai.gpt-5.5",
//!   "output":[{"type":"message","id":"msg_1","role":"assistant","status":"completed",
//!              "content":[{"type":"output_text","text":"Hello.","annotations":[]}]}],
//!   "usage":{"input_tokens":10,"input_tokens_details":{"cached_tokens":0},
//!            "output_tokens":3,"output_tokens_details":{"reasoning_tokens":0},"total_tokens":13}}"#;
//! let response = to_neutral(body, &model, None, encoded.warnings)?;
//! assert_eq!(response.text(), "Hello.");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod error;
mod request;
mod response;
mod stream;

pub use crate::model::{EncodedRequest, RequestError};
pub use error::{ServiceError, error_from_response};
pub use request::{PROVIDER_OPTION_KEYS, encode_request};
pub use response::{response_from_value, to_neutral, usage_from};
pub use stream::StreamAccumulator;

/// The key of this provider's extras in [`Response::provider_metadata`](crate::model::Response::provider_metadata).
pub const METADATA_KEY: &str = "bedrock-openai";

#[cfg(test)]
mod tests;
