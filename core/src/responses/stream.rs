//! Responses SSE events → neutral [`StreamEvent`]s, and the accumulator that rebuilds the
//! [`Response`] the non-streaming call would have returned.

use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::vec::Vec;

use serde_json::{Map, Value, json};

use super::response::item_to_parts;
use super::{ServiceError, response_from_value, usage_from};
use crate::catalog::ModelInfo;
use crate::error::{Error, ErrorKind};
use crate::model::{Response, StreamEvent};

/// An item as it streams in, before its `response.output_item.done`.
#[derive(Clone, Debug)]
struct Pending {
    item: Value,
    text: String,
    summary: String,
    arguments: String,
}

/// Feeds on parsed SSE events (the `event:` type and the `data:` JSON); block indexes are the
/// events' `output_index`. The final output is built from `response.output_item.done` items (the
/// authoritative ones: reasoning carries its final `encrypted_content` there), status and usage
/// from the terminal event.
#[derive(Clone, Debug)]
pub struct StreamAccumulator {
    model: ModelInfo,
    request_id: Option<String>,
    warnings: Vec<String>,
    pending: BTreeMap<u64, Pending>,
    done: BTreeMap<u64, Value>,
    result: Option<Result<Response, Error>>,
    /// Text deltas are not kept ([`keep_text`](Self::keep_text)).
    discard_text: bool,
}

impl StreamAccumulator {
    /// An accumulator for a call to `model`; `request_id` and the encoder's `warnings` go into
    /// the final response.
    pub fn new(model: &ModelInfo, request_id: Option<String>, warnings: Vec<String>) -> Self {
        Self {
            model: model.clone(),
            request_id,
            warnings,
            pending: BTreeMap::new(),
            done: BTreeMap::new(),
            result: None,
            discard_text: false,
        }
    }

    /// This accumulator, keeping text (`keep`, as [`new`](Self::new) does) or not. Not kept,
    /// the text parts of the response (and of an error's partial one) are empty and everything
    /// else is the same: for a caller that takes the text from the events as they come. The
    /// server repeats an item's text in its `response.output_item.done` event (and the output
    /// in the terminal event when no item event came); that text is dropped as the event is
    /// read, so what the accumulator keeps no longer grows with the answer. Reasoning
    /// summaries, encrypted reasoning and function arguments are always kept.
    #[must_use]
    pub fn keep_text(mut self, keep: bool) -> Self {
        self.discard_text = !keep;
        self
    }

    /// Whether a terminal event (`response.completed`, `.incomplete`, `.failed`, `error`) arrived.
    pub fn is_finished(&self) -> bool {
        self.result.is_some()
    }

    /// Handles one event: `event_type` is the SSE `event:` line (the data's own `type` wins when
    /// present), `data` the `data:` JSON. Returns the neutral events it produces, in order.
    /// `data: [DONE]` and unknown events produce none; events after the terminal one are ignored.
    ///
    /// # Errors
    ///
    /// The typed service error for `response.failed` and `error` events (with what arrived
    /// before as [`Error::partial_response`]); a [`ErrorKind::Protocol`] error for data that is
    /// not JSON.
    pub fn handle_event(
        &mut self,
        event_type: &str,
        data: &[u8],
    ) -> Result<Vec<StreamEvent>, Error> {
        if self.result.is_some() || data.trim_ascii() == b"[DONE]" {
            return Ok(Vec::new());
        }
        let data: Value = serde_json::from_slice(data).map_err(|e| {
            Error::new(
                ErrorKind::Protocol,
                alloc::format!("a Responses stream event is not JSON: {e}"),
            )
        })?;
        self.handle_value(event_type, &data)
    }

    /// [`handle_event`](Self::handle_event) for already-parsed data.
    ///
    /// # Errors
    ///
    /// As [`handle_event`](Self::handle_event).
    pub fn handle_value(
        &mut self,
        event_type: &str,
        data: &Value,
    ) -> Result<Vec<StreamEvent>, Error> {
        if self.result.is_some() {
            return Ok(Vec::new());
        }
        let kind = data
            .get("type")
            .and_then(Value::as_str)
            .unwrap_or(event_type);
        let index = data.get("output_index").and_then(Value::as_u64);
        let block = index.map(|i| u32::try_from(i).unwrap_or(u32::MAX));
        let delta = || {
            data.get("delta")
                .and_then(Value::as_str)
                .unwrap_or("")
                .into()
        };
        let mut events = Vec::new();
        match (kind, index, block) {
            ("response.output_item.added", Some(i), Some(b)) => {
                let item = data.get("item").cloned().unwrap_or(Value::Null);
                if item.get("type").and_then(Value::as_str) == Some("function_call") {
                    events.push(StreamEvent::ToolCallStart {
                        index: b,
                        id: str_of(&item, "call_id"),
                        name: str_of(&item, "name"),
                    });
                }
                self.pending.insert(
                    i,
                    Pending {
                        arguments: str_of(&item, "arguments"),
                        item,
                        text: String::new(),
                        summary: String::new(),
                    },
                );
            }
            ("response.output_text.delta" | "response.refusal.delta", Some(i), Some(b)) => {
                let text: String = delta();
                if !self.discard_text
                    && let Some(p) = self.pending.get_mut(&i)
                {
                    p.text.push_str(&text);
                }
                events.push(StreamEvent::TextDelta { index: b, text });
            }
            ("response.reasoning_summary_text.delta", Some(i), Some(b)) => {
                let text: String = delta();
                if let Some(p) = self.pending.get_mut(&i) {
                    p.summary.push_str(&text);
                }
                events.push(StreamEvent::ReasoningDelta { index: b, text });
            }
            ("response.function_call_arguments.delta", Some(i), Some(b)) => {
                let arguments: String = delta();
                if let Some(p) = self.pending.get_mut(&i) {
                    p.arguments.push_str(&arguments);
                }
                events.push(StreamEvent::ToolCallDelta {
                    index: b,
                    arguments,
                });
            }
            ("response.function_call_arguments.done", Some(i), _) => {
                if let (Some(p), Some(all)) = (
                    self.pending.get_mut(&i),
                    data.get("arguments").and_then(Value::as_str),
                ) {
                    p.arguments = all.into();
                }
            }
            ("response.output_item.done", Some(i), Some(b)) => {
                let mut item = data.get("item").cloned().unwrap_or(Value::Null);
                if self.discard_text {
                    drop_text(&mut item);
                }
                if item.get("type").and_then(Value::as_str) == Some("reasoning")
                    && let Some(encrypted) = item.get("encrypted_content").and_then(Value::as_str)
                {
                    events.push(StreamEvent::ReasoningSignature {
                        index: b,
                        signature: encrypted.into(),
                    });
                }
                self.pending.remove(&i);
                self.done.insert(i, item);
                events.push(StreamEvent::BlockStop { index: b });
            }
            ("response.completed" | "response.incomplete", _, _) => {
                let mut response = data.get("response").cloned().unwrap_or(json!({}));
                if self.discard_text
                    && let Some(Value::Array(output)) = response.get_mut("output")
                {
                    output.iter_mut().for_each(drop_text);
                }
                // "Build the final output list from output_item.done events; use the terminal
                // event for status/usage."
                // Items still open when the response ended (cut by the output cap) count as
                // they stand.
                if (!self.done.is_empty() || !self.pending.is_empty())
                    && let Some(object) = response.as_object_mut()
                {
                    object.insert("output".into(), Value::Array(self.items_so_far()));
                }
                if response.get("status").is_none()
                    && let Some(object) = response.as_object_mut()
                {
                    let status = if kind == "response.completed" {
                        "completed"
                    } else {
                        "incomplete"
                    };
                    object.insert("status".into(), json!(status));
                }
                let final_response = response_from_value(
                    &response,
                    &self.model,
                    self.request_id.clone(),
                    self.warnings.clone(),
                )?;
                events.push(StreamEvent::MessageStop {
                    stop_reason: final_response.stop_reason,
                    raw_stop_reason: final_response.raw_stop_reason.clone(),
                });
                events.push(StreamEvent::Usage {
                    usage: response.get("usage").map(usage_from).unwrap_or_default(),
                });
                self.result = Some(Ok(final_response));
            }
            ("response.failed", _, _) => {
                let error = data
                    .pointer("/response/error")
                    .cloned()
                    .unwrap_or(Value::Null);
                return Err(self.fail(ServiceError::from_json(None, &error)));
            }
            ("error", _, _) => {
                return Err(self.fail(ServiceError::from_json(None, data)));
            }
            _ => {}
        }
        Ok(events)
    }

    fn fail(&mut self, source: ServiceError) -> Error {
        let error = source
            .into_error(self.request_id.as_deref())
            .with_partial_response(self.partial());
        self.result = Some(Err(error.clone()));
        error
    }

    /// The output items so far, by output index: the finished ones, and the unfinished ones
    /// with their text so far (a function call in progress as `in_progress`).
    fn items_so_far(&self) -> Vec<Value> {
        let mut items: BTreeMap<u64, Value> = self.done.clone();
        for (i, p) in &self.pending {
            if items.contains_key(i) {
                continue;
            }
            let mut item = p.item.clone();
            match item.get("type").and_then(Value::as_str) {
                Some("message") => {
                    item["content"] = json!([{"type": "output_text", "text": p.text}]);
                }
                Some("reasoning") => {
                    item["summary"] = if p.summary.is_empty() {
                        json!([])
                    } else {
                        json!([{"type": "summary_text", "text": p.summary}])
                    };
                }
                Some("function_call") => {
                    item["arguments"] = Value::String(p.arguments.clone());
                    item["status"] = json!("in_progress");
                }
                _ => {}
            }
            items.insert(*i, item);
        }
        items.into_values().collect()
    }

    /// What arrived so far as a response: the finished items, then the unfinished ones with
    /// their text so far (a function call in progress as a cut-off call).
    pub fn partial(&self) -> Response {
        let mut content = Vec::new();
        for item in self.items_so_far() {
            item_to_parts(&item, &mut content);
        }
        Response {
            model: self.model.id.clone(),
            content,
            stop_reason: crate::model::StopReason::Other,
            raw_stop_reason: String::new(),
            usage: crate::billing::Usage::default(),
            cost: None,
            request_id: self.request_id.clone(),
            warnings: self.warnings.clone(),
            provider_metadata: Map::new(),
        }
    }

    /// The final response, equal to what the non-streaming call returns for the same output.
    ///
    /// # Errors
    ///
    /// The stream's error when it failed; a [`ErrorKind::TruncatedStream`] error, keeping what
    /// arrived as [`Error::partial_response`], when it ended before a terminal event.
    pub fn finish(self) -> Result<Response, Error> {
        match self.result {
            Some(result) => result,
            None => Err(Error::new(
                ErrorKind::TruncatedStream,
                "the stream closed before response.completed",
            )
            .with_request_id(self.request_id.as_deref())
            .with_partial_response(self.partial())),
        }
    }
}

/// Empties the text of a `message` item's `output_text` and `refusal` parts.
fn drop_text(item: &mut Value) {
    if item.get("type").and_then(Value::as_str) != Some("message") {
        return;
    }
    let Some(Value::Array(parts)) = item.get_mut("content") else {
        return;
    };
    for part in parts {
        for key in ["text", "refusal"] {
            if let Some(Value::String(text)) = part.get_mut(key) {
                text.clear();
            }
        }
    }
}

fn str_of(item: &Value, key: &str) -> String {
    item.get(key).and_then(Value::as_str).unwrap_or("").into()
}
