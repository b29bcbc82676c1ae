//! Server-sent events and the Responses stream on top of them, each case decoded whole, one byte
//! at a time and split at every byte: all must give the same output, which is then compared.
//!
//! - `sse`: `{"stream": "<text>"}` → `{"events": [{"event", "data", "id"}], "end": "clean" |
//!   "truncated", "last_event_id", "retry"}`, or the decoder's error `{"kind", "message"}`.
//! - `responses-stream`: `{"model": "<catalog id>", "stream": "<SSE text>"}` → `{"events":
//!   [<neutral stream events>], "text", "stop_reason", "usage": {"input", "output", "cache_read",
//!   "reasoning"}}`, or the error (as the errors suite describes it) with `"events"` and the
//!   `"partial"` text, compared as a subset.

use bedrock_core::responses::StreamAccumulator;
use bedrock_core::sse::{Decoder, End};
use serde_json::{Value, json};

use super::converse::{describe, model_info};

/// `sse`.
pub fn sse(input: &Value) -> Result<Value, Value> {
    every_chunking(stream_of(input)?, decode_sse)
}

/// `responses-stream`.
pub fn responses_stream(input: &Value) -> Result<Value, Value> {
    let model = model_info(input)?;
    every_chunking(stream_of(input)?, |chunks| {
        let mut decoder = Decoder::new();
        let mut accumulator = StreamAccumulator::new(&model, None, Vec::new());
        let mut events = Vec::new();
        for mut chunk in chunks {
            loop {
                match decoder.decode(&mut chunk) {
                    Ok(Some(event)) => {
                        match accumulator.handle_event(&event.event, event.data.as_bytes()) {
                            Ok(neutral) => events.extend(neutral),
                            Err(error) => return Err(failed(&events, &error)),
                        }
                    }
                    Ok(None) => break,
                    Err(e) => return Err(json!({"kind": e.kind(), "message": e.to_string()})),
                }
            }
        }
        let _ = decoder.finish();
        match accumulator.finish() {
            Ok(response) => Ok(json!({
                "events": events,
                "text": response.text(),
                "stop_reason": response.stop_reason,
                "usage": {
                    "input": response.usage.input_tokens,
                    "output": response.usage.output_tokens,
                    "cache_read": response.usage.cache_read_tokens,
                    "reasoning": response.usage.reasoning_tokens,
                },
            })),
            Err(error) => Err(failed(&events, &error)),
        }
    })
}

fn failed(
    events: &[bedrock_core::model::StreamEvent],
    error: &bedrock_core::error::Error,
) -> Value {
    let mut described = describe(error);
    if let Some(object) = described.as_object_mut() {
        object.insert("events".into(), json!(events));
        object.insert(
            "partial".into(),
            json!(
                error
                    .partial_response()
                    .map(bedrock_core::model::Response::text)
            ),
        );
    }
    described
}

fn stream_of(input: &Value) -> Result<Vec<u8>, Value> {
    input
        .get("stream")
        .and_then(Value::as_str)
        .map(|s| s.as_bytes().to_vec())
        .ok_or_else(|| json!({"kind": "bad_vector", "message": "stream (a string) is missing"}))
}

/// Runs `decode` on the whole input, one byte at a time and split at every byte; all must agree.
fn every_chunking(
    bytes: Vec<u8>,
    decode: impl Fn(Vec<&[u8]>) -> Result<Value, Value>,
) -> Result<Value, Value> {
    let whole = decode(vec![&bytes[..]]);
    let mut chunkings: Vec<(String, Vec<&[u8]>)> =
        vec![("one byte at a time".into(), bytes.chunks(1).collect())];
    for split in 1..bytes.len() {
        chunkings.push((
            format!("split at byte {split}"),
            vec![&bytes[..split], &bytes[split..]],
        ));
    }
    for (how, chunks) in chunkings {
        let other = decode(chunks);
        if other != whole {
            return Err(json!({
                "kind": "chunking_changed_the_result",
                "message": format!("{how}: {other:?} instead of {whole:?}"),
            }));
        }
    }
    whole
}

fn decode_sse(chunks: Vec<&[u8]>) -> Result<Value, Value> {
    let mut decoder = Decoder::new();
    let mut events = Vec::new();
    for mut chunk in chunks {
        loop {
            match decoder.decode(&mut chunk) {
                Ok(Some(event)) => {
                    events.push(json!({"event": event.event, "data": event.data, "id": event.id}));
                }
                Ok(None) => break,
                Err(e) => return Err(json!({"kind": e.kind(), "message": e.to_string()})),
            }
        }
    }
    let last_event_id = decoder.last_event_id().to_string();
    let retry = decoder.retry();
    let end = match decoder.finish() {
        Ok(End::Clean) => "clean",
        Ok(_) => "truncated",
        Err(e) => return Err(json!({"kind": e.kind(), "message": e.to_string()})),
    };
    Ok(json!({"events": events, "end": end, "last_event_id": last_event_id, "retry": retry}))
}
