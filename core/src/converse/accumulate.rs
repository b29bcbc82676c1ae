//! The stream accumulator: folds ConverseStream events into the [`ConverseResponse`] the
//! non-streaming Converse call would have returned.
//!
//! - Text deltas are concatenated per `contentBlockIndex`.
//! - A tool call's input arrives as JSON text fragments; they are concatenated per index and
//!   parsed once, at `contentBlockStop`. Empty input is `{}` (a tool without arguments). Input
//!   that is not valid JSON is an error naming the tool — unless it is the last block and the
//!   message then stops for `max_tokens`, in which case the call was cut off and becomes
//!   [`ContentBlock::TruncatedToolUse`], never a call with made-up `{}` arguments.
//! - Reasoning text, its signature and redacted reasoning are kept byte-exact: they must be sent
//!   back unchanged in the next turn.
//! - A block that receives citation deltas becomes `citationsContent`.
//! - A stream that ends without both `messageStop` and `metadata` is
//!   [`AccumulateError::TruncatedStream`], which still hands back everything received.

use alloc::boxed::Box;
use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use serde_json::{Map, Value};

use super::response::{
    CitationsBlock, ContentBlock, ConverseOutput, ConverseResponse, OutputMessage, ReasoningBlock,
    StopReason, ToolUseBlock, TruncatedToolUse,
};
use super::stream::{BlockDelta, BlockStart, StreamEvent, StreamMetadata};

/// One block being assembled.
#[derive(Clone, Debug, Default)]
struct Block {
    text: String,
    tool: Option<ToolStart>,
    tool_input: String,
    tool_result: Option<(String, Option<String>, Option<String>)>,
    tool_result_content: Vec<Value>,
    image_format: Option<String>,
    image_parts: Vec<Value>,
    reasoning_text: Option<String>,
    signature: Option<String>,
    redacted: Option<Vec<u8>>,
    citations: Vec<Value>,
    stopped: bool,
    /// Whether a text delta arrived (possibly empty): only then is this a text block.
    saw_text: bool,
    /// The parsed tool input, or the parse error, once stopped.
    parsed_input: Option<Result<Value, String>>,
}

impl Block {
    /// A text delta: the block is a text block, and keeps the text when `keep`.
    fn push_text(&mut self, text: &str, keep: bool) {
        self.saw_text = true;
        if keep {
            self.text.push_str(text);
        }
    }
}

#[derive(Clone, Debug)]
struct ToolStart {
    id: String,
    name: String,
    kind: Option<String>,
}

/// Why the events do not make a complete response.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum AccumulateError {
    /// A tool call's input is not valid JSON, and the message did not stop for `max_tokens`.
    InvalidToolInput {
        /// The tool's name.
        tool_name: String,
        /// The call's id.
        tool_use_id: String,
        /// The JSON parser's complaint.
        reason: String,
    },
    /// An event arrived out of order (a delta for a stopped block, a second `messageStop`).
    OutOfOrder {
        /// What happened.
        what: String,
    },
    /// The stream ended before `messageStop` and `metadata`: the response is incomplete and must
    /// not be reported as a success. `partial` holds everything received.
    TruncatedStream {
        /// What was missing.
        missing: &'static str,
        /// The response as far as it got.
        partial: Box<ConverseResponse>,
    },
}

impl fmt::Display for AccumulateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::InvalidToolInput {
                tool_name,
                tool_use_id,
                reason,
            } => write!(
                f,
                "tool call {tool_name:?} ({tool_use_id}) has input that is not valid JSON: {reason}"
            ),
            Self::OutOfOrder { what } => write!(f, "stream events out of order: {what}"),
            Self::TruncatedStream { missing, .. } => {
                write!(
                    f,
                    "stream ended before {missing}: the response is incomplete"
                )
            }
        }
    }
}

impl core::error::Error for AccumulateError {}

/// Folds ConverseStream events into a [`ConverseResponse`].
#[derive(Clone, Debug, Default)]
pub struct StreamAccumulator {
    role: Option<String>,
    /// Boxed: a B-tree leaf holds room for 11 values, so unboxed blocks (~400 B each) would
    /// cost every open stream ~4.5 KiB from its first block on; boxed, a leaf is ~140 B.
    blocks: BTreeMap<u32, Box<Block>>,
    stop: Option<(StopReason, Option<Value>)>,
    metadata: Option<StreamMetadata>,
    /// Text deltas are not kept ([`keep_text`](Self::keep_text)).
    discard_text: bool,
}

impl StreamAccumulator {
    /// An empty accumulator.
    pub fn new() -> Self {
        Self::default()
    }

    /// This accumulator, keeping text deltas (`keep`, as [`new`](Self::new) does) or not. Not
    /// kept, the text blocks of the response (and of a truncated stream's partial one) are
    /// empty and everything else is the same: for a caller that takes the text from the events
    /// as they come, so that what the accumulator holds no longer grows with the answer.
    /// Reasoning text, signatures and tool input are always kept: they go back unchanged in
    /// the next turn.
    #[must_use]
    pub fn keep_text(mut self, keep: bool) -> Self {
        self.discard_text = !keep;
        self
    }

    /// Adds one event.
    ///
    /// # Errors
    ///
    /// [`AccumulateError::OutOfOrder`] for an event that cannot follow the ones before it.
    pub fn handle_event(&mut self, event: &StreamEvent) -> Result<(), AccumulateError> {
        let out_of_order = |what: &str| AccumulateError::OutOfOrder { what: what.into() };
        match event {
            StreamEvent::MessageStart { role } => self.role = Some(role.clone()),
            StreamEvent::ContentBlockStart { index, start } => {
                let block = self.blocks.entry(*index).or_default();
                if block.stopped {
                    return Err(out_of_order("contentBlockStart for a stopped block"));
                }
                match start {
                    BlockStart::ToolUse {
                        tool_use_id,
                        name,
                        kind,
                    } => {
                        block.tool = Some(ToolStart {
                            id: tool_use_id.clone(),
                            name: name.clone(),
                            kind: kind.clone(),
                        });
                    }
                    BlockStart::ToolResult {
                        tool_use_id,
                        kind,
                        status,
                    } => {
                        block.tool_result =
                            Some((tool_use_id.clone(), kind.clone(), status.clone()))
                    }
                    BlockStart::Image { format } => block.image_format = Some(format.clone()),
                    BlockStart::Unknown(_) => {}
                }
            }
            StreamEvent::ContentBlockDelta { index, delta } => {
                let keep_text = !self.discard_text;
                let block = self.delta_block(*index)?;
                match delta {
                    BlockDelta::Text(text) => block.push_text(text, keep_text),
                    BlockDelta::ToolUseInput(fragment) => block.tool_input.push_str(fragment),
                    BlockDelta::ToolResult(items) => {
                        block.tool_result_content.extend(items.iter().cloned())
                    }
                    BlockDelta::ReasoningText(text) => {
                        block
                            .reasoning_text
                            .get_or_insert_with(String::new)
                            .push_str(text);
                    }
                    BlockDelta::ReasoningSignature(sig) => {
                        block
                            .signature
                            .get_or_insert_with(String::new)
                            .push_str(sig);
                    }
                    BlockDelta::ReasoningRedacted(bytes) => {
                        block
                            .redacted
                            .get_or_insert_with(Vec::new)
                            .extend_from_slice(bytes);
                    }
                    BlockDelta::Citation(citation) => block.citations.push(citation.clone()),
                    BlockDelta::Image(part) => block.image_parts.push(part.clone()),
                    BlockDelta::Unknown(_) => {}
                }
            }
            StreamEvent::ContentBlockStop { index } => {
                let block = self.blocks.entry(*index).or_default();
                if block.stopped {
                    return Err(out_of_order("second contentBlockStop for a block"));
                }
                block.stopped = true;
                if block.tool.is_some() {
                    block.parsed_input = Some(parse_tool_input(&block.tool_input));
                }
            }
            StreamEvent::MessageStop {
                stop_reason,
                additional_model_response_fields,
            } => {
                if self.stop.is_some() {
                    return Err(out_of_order("second messageStop"));
                }
                self.stop = Some((
                    stop_reason.clone(),
                    additional_model_response_fields.clone(),
                ));
            }
            StreamEvent::Metadata(metadata) => self.metadata = Some(metadata.clone()),
        }
        Ok(())
    }

    /// Adds a text delta: what [`handle_event`](Self::handle_event) does with
    /// `ContentBlockDelta { index, delta: BlockDelta::Text(text) }`, for a caller that has only
    /// the parts.
    ///
    /// # Errors
    ///
    /// As `handle_event` for that event.
    #[inline]
    pub(crate) fn handle_text_delta(
        &mut self,
        index: u32,
        text: &str,
    ) -> Result<(), AccumulateError> {
        let keep = !self.discard_text;
        self.delta_block(index)?.push_text(text, keep);
        Ok(())
    }

    /// The block a delta for `index` goes to.
    #[inline]
    fn delta_block(&mut self, index: u32) -> Result<&mut Block, AccumulateError> {
        let block = self.blocks.entry(index).or_default();
        if block.stopped {
            return Err(AccumulateError::OutOfOrder {
                what: "contentBlockDelta for a stopped block".into(),
            });
        }
        Ok(block)
    }

    /// Whether `messageStop` has been seen.
    pub fn has_stopped(&self) -> bool {
        self.stop.is_some()
    }

    /// The response as received so far, whether or not the stream is complete.
    pub fn partial(&self) -> ConverseResponse {
        // Anything unfinished here is shown as cut off rather than dropped.
        let content = self
            .blocks
            .values()
            .filter_map(|block| {
                build_block(&mut block.as_ref().clone(), true)
                    .ok()
                    .flatten()
            })
            .collect();
        self.response(content)
    }

    /// The complete response, once the stream has ended.
    ///
    /// # Errors
    ///
    /// [`AccumulateError::TruncatedStream`] (with the partial response) when `messageStop` or
    /// `metadata` never came; [`AccumulateError::InvalidToolInput`] for a tool call whose input
    /// is not JSON in a message that did not stop for `max_tokens`.
    pub fn finish(&self) -> Result<ConverseResponse, AccumulateError> {
        self.clone().take_response()
    }

    /// As [`finish`](Self::finish), with the texts moved into the response instead of copied
    /// (a long answer is not held twice): on success the accumulator is spent, on an error it is
    /// left whole (its [`partial`](Self::partial) response intact).
    ///
    /// # Errors
    ///
    /// As [`finish`](Self::finish).
    pub fn take_response(&mut self) -> Result<ConverseResponse, AccumulateError> {
        let missing = match (&self.stop, &self.metadata) {
            (None, _) => Some("messageStop"),
            (Some(_), None) => Some("metadata"),
            _ => None,
        };
        if let Some(missing) = missing {
            return Err(AccumulateError::TruncatedStream {
                missing,
                partial: Box::new(self.partial()),
            });
        }
        // Only the last block can have been cut by the output cap; a malformed call before it
        // is an error even when the message stopped for max_tokens.
        let capped = matches!(self.stop, Some((StopReason::MaxTokens, _)));
        let last = self.blocks.keys().next_back().copied();
        let cut_by_cap = |index: u32| capped && Some(index) == last;
        // Tool calls first: the only blocks that can fail, built before any text moves.
        let mut tools = BTreeMap::new();
        for (index, block) in self.blocks.iter_mut().filter(|(_, b)| b.tool.is_some()) {
            tools.insert(*index, build_block(block, cut_by_cap(*index))?);
        }
        let mut content = Vec::with_capacity(self.blocks.len());
        for (index, block) in &mut self.blocks {
            let built = match tools.remove(index) {
                Some(built) => built,
                None => build_block(block, cut_by_cap(*index))?,
            };
            content.extend(built);
        }
        Ok(self.response(content))
    }

    fn response(&self, content: Vec<ContentBlock>) -> ConverseResponse {
        let (stop_reason, additional) = self
            .stop
            .clone()
            .unwrap_or((StopReason::Other(String::new()), None));
        let metadata = self.metadata.clone().unwrap_or_default();
        ConverseResponse {
            output: ConverseOutput {
                message: Some(OutputMessage {
                    role: self.role.clone().unwrap_or_else(|| "assistant".into()),
                    content,
                }),
            },
            stop_reason,
            usage: metadata.usage,
            metrics: metadata.metrics,
            additional_model_response_fields: additional,
            trace: metadata.trace,
            performance_config: metadata.performance_config,
            service_tier: metadata.service_tier,
        }
    }
}

/// Tool input: `""` is `{}`, otherwise the JSON must parse.
fn parse_tool_input(input: &str) -> Result<Value, String> {
    if input.trim().is_empty() {
        return Ok(Value::Object(Map::new()));
    }
    serde_json::from_str(input).map_err(|e| alloc::format!("{e}"))
}

/// Builds the content block for an assembled block, moving its text out; `Ok(None)` for a block
/// with nothing in it. With `cut_by_cap`, a tool call whose input does not parse was cut off,
/// not malformed.
fn build_block(
    block: &mut Block,
    cut_by_cap: bool,
) -> Result<Option<ContentBlock>, AccumulateError> {
    if let Some(tool) = &block.tool {
        let parsed = match &block.parsed_input {
            Some(parsed) => parsed.clone(),
            // Never stopped: the cap or the connection cut it.
            None => Err("the block never stopped".into()),
        };
        return match parsed {
            Ok(input) => Ok(Some(ContentBlock::ToolUse(ToolUseBlock {
                tool_use_id: tool.id.clone(),
                name: tool.name.clone(),
                input,
                kind: tool.kind.clone(),
            }))),
            Err(_) if cut_by_cap || block.parsed_input.is_none() => {
                Ok(Some(ContentBlock::TruncatedToolUse(TruncatedToolUse {
                    tool_use_id: tool.id.clone(),
                    name: tool.name.clone(),
                    partial_input: block.tool_input.clone(),
                })))
            }
            Err(reason) => Err(AccumulateError::InvalidToolInput {
                tool_name: tool.name.clone(),
                tool_use_id: tool.id.clone(),
                reason,
            }),
        };
    }
    if let Some((tool_use_id, kind, status)) = &block.tool_result {
        let mut result = Map::new();
        result.insert("toolUseId".into(), Value::String(tool_use_id.clone()));
        result.insert(
            "content".into(),
            Value::Array(block.tool_result_content.clone()),
        );
        if let Some(kind) = kind {
            result.insert("type".into(), Value::String(kind.clone()));
        }
        if let Some(status) = status {
            result.insert("status".into(), Value::String(status.clone()));
        }
        return Ok(Some(ContentBlock::ToolResult(Value::Object(result))));
    }
    if let Some(bytes) = &block.redacted {
        return Ok(Some(ContentBlock::Reasoning(ReasoningBlock::Redacted(
            bytes.clone(),
        ))));
    }
    if block.reasoning_text.is_some() || block.signature.is_some() {
        return Ok(Some(ContentBlock::Reasoning(ReasoningBlock::Text {
            text: block.reasoning_text.clone().unwrap_or_default(),
            signature: block.signature.clone(),
        })));
    }
    if !block.citations.is_empty() {
        let mut text = Map::new();
        text.insert(
            "text".into(),
            Value::String(core::mem::take(&mut block.text)),
        );
        return Ok(Some(ContentBlock::Citations(CitationsBlock {
            content: alloc::vec![Value::Object(text)],
            citations: block.citations.clone(),
        })));
    }
    if let Some(format) = &block.image_format {
        let mut image = Map::new();
        image.insert("format".into(), Value::String(format.clone()));
        // Each image delta carries a complete `source` (and possibly `error`); the last wins.
        if let Some(Value::Object(last)) = block.image_parts.last() {
            for (k, v) in last {
                image.insert(k.clone(), v.clone());
            }
        }
        return Ok(Some(ContentBlock::Image(Value::Object(image))));
    }
    if !block.saw_text {
        // Only unknown starts or deltas (or nothing) arrived: there is nothing to report, and
        // inventing an empty text block would misstate the response.
        return Ok(None);
    }
    Ok(Some(ContentBlock::Text(core::mem::take(&mut block.text))))
}
