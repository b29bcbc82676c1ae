//! What the emulated model answers: a [`Script`] of content blocks, a stop reason, usage and an
//! optional trace, from which both the Converse response and the ConverseStream events are
//! derived, so the two operations always agree (the stream accumulates to the response).
//!
//! Token counts are deterministic estimates: `ceil(characters / 4)`, at least 1, where the
//! input's characters are those of every JSON string in `messages`, `system` and `toolConfig`
//! (CountTokens: in `input`), and the output's those of every generated text, reasoning text and
//! tool input.

use bedrock_core::converse::{
    CacheDetail, CitationsBlock, ContentBlock, ConverseOutput, ConverseResponse, Metrics,
    OutputMessage, ReasoningBlock, StopReason, TokenUsage, ToolUseBlock,
};
use serde_json::{Map, Value, json};

use super::scenario::Content;

/// The answer when there is nothing to echo.
const GREETING: &str = "Hello from the Bedrock emulator.";

/// One content block, already cut into the pieces the stream sends.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Block {
    /// Text deltas.
    Text(Vec<String>),
    /// A tool call: its input as JSON fragments (concatenated, they parse to `input`).
    ToolUse {
        id: String,
        name: String,
        input: Value,
        fragments: Vec<String>,
    },
    /// Reasoning text deltas, then the signature.
    Reasoning {
        deltas: Vec<String>,
        signature: String,
    },
    /// Redacted reasoning, in pieces (each piece is base64-encoded on its own).
    Redacted(Vec<Vec<u8>>),
    /// Text deltas with citations, streamed as `citation` deltas after the text.
    Citations {
        deltas: Vec<String>,
        citations: Vec<Value>,
    },
}

/// One ConverseStream event: its `:event-type` and JSON payload.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Event {
    pub(crate) event_type: &'static str,
    pub(crate) payload: Map<String, Value>,
}

impl Event {
    fn new(event_type: &'static str, payload: Value) -> Self {
        let payload = match payload {
            Value::Object(map) => map,
            _ => Map::new(),
        };
        Self {
            event_type,
            payload,
        }
    }

    /// Whether this is a `contentBlockDelta`, where the stream faults cut.
    pub(crate) fn is_delta(&self) -> bool {
        self.event_type == "contentBlockDelta"
    }
}

/// The whole answer of one request.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Script {
    pub(crate) blocks: Vec<Block>,
    pub(crate) stop_reason: StopReason,
    pub(crate) usage: TokenUsage,
    pub(crate) trace: Option<Value>,
    pub(crate) latency_ms: u64,
}

/// `ceil(chars / 4)`, at least 1.
pub(crate) fn estimate_tokens(chars: usize) -> u64 {
    (chars as u64).div_ceil(4).max(1)
}

/// Characters of every JSON string under `value` (object keys excluded).
pub(crate) fn string_chars(value: &Value) -> usize {
    match value {
        Value::String(s) => s.chars().count(),
        Value::Array(items) => items.iter().map(string_chars).sum(),
        Value::Object(map) => map.values().map(string_chars).sum(),
        _ => 0,
    }
}

/// Splits text into word-sized deltas, each keeping its trailing space.
fn words(text: &str) -> Vec<String> {
    text.split_inclusive(' ').map(str::to_string).collect()
}

/// Cuts JSON text into fragments of awkward, varying sizes (a fragment may end inside a string
/// or a number), as models stream tool input.
fn fragments(json: &str) -> Vec<String> {
    const SIZES: [usize; 6] = [1, 6, 3, 9, 2, 12];
    let chars: Vec<char> = json.chars().collect();
    let mut out = Vec::new();
    let mut at = 0;
    for size in SIZES.iter().cycle() {
        if at >= chars.len() {
            break;
        }
        let end = (at + size).min(chars.len());
        out.push(chars[at..end].iter().collect());
        at = end;
    }
    out
}

fn tool(id: &str, name: &str, input: Value) -> Block {
    let text = input.to_string();
    // A call without arguments streams no input delta at all (see the ConverseStream fixture
    // `tool_use_zero_arguments`): the accumulated input is empty, which means `{}`.
    let fragments = if input.as_object().is_some_and(Map::is_empty) {
        Vec::new()
    } else {
        fragments(&text)
    };
    Block::ToolUse {
        id: id.into(),
        name: name.into(),
        input,
        fragments,
    }
}

impl Script {
    /// The answer for `content`, echoing `echo` where it echoes, for a request of
    /// `input_tokens`.
    pub(crate) fn new(content: Content, echo: &str, input_tokens: u64) -> Self {
        let echo = if echo.trim().is_empty() {
            GREETING
        } else {
            echo.trim()
        };
        let mut stop_reason = StopReason::EndTurn;
        let mut trace = None;
        let blocks = match content {
            Content::Echo | Content::CacheWrite | Content::CacheRead | Content::CacheMixed => {
                vec![Block::Text(words(echo))]
            }
            Content::Long(n) => vec![Block::Text(
                (1..=n)
                    .map(|i| format!("Part {i} of a long answer. "))
                    .collect(),
            )],
            Content::ToolUse => {
                stop_reason = StopReason::ToolUse;
                vec![
                    Block::Text(words("Let me check the weather.")),
                    tool(
                        "tooluse_emulator_weather_1",
                        "get_weather",
                        json!({"city": "Paris", "unit": "celsius"}),
                    ),
                ]
            }
            Content::ParallelTools => {
                stop_reason = StopReason::ToolUse;
                vec![
                    Block::Text(words("Let me check both.")),
                    tool(
                        "tooluse_emulator_weather_1",
                        "get_weather",
                        json!({"city": "Paris", "unit": "celsius"}),
                    ),
                    tool(
                        "tooluse_emulator_time_2",
                        "get_time",
                        json!({"timezone": "Europe/Paris"}),
                    ),
                ]
            }
            Content::ToolNoArgs => {
                stop_reason = StopReason::ToolUse;
                vec![
                    Block::Text(words("Let me check the time.")),
                    tool("tooluse_emulator_clock_1", "get_current_time", json!({})),
                ]
            }
            Content::Reasoning => vec![
                Block::Reasoning {
                    deltas: words("The user wants their message repeated, so I will echo it."),
                    signature: "RW11bGF0b3JSZWFzb25pbmdTaWduYXR1cmUtdjE=".into(),
                },
                Block::Text(words(echo)),
            ],
            Content::RedactedReasoning => vec![
                Block::Redacted(vec![
                    b"\x00\x01emulator-redacted-".to_vec(),
                    b"reasoning\xfe\xff".to_vec(),
                ]),
                Block::Text(words(echo)),
            ],
            Content::Citations => vec![
                Block::Text(words("According to the manual, ")),
                Block::Citations {
                    deltas: words("the emulator echoes the last user text"),
                    citations: vec![json!({
                        "title": "Bedrock emulator manual",
                        "source": "EMULATOR.md",
                        "sourceContent": [{"text": "By default the emulator echoes the last user text."}],
                        "location": {"documentChar": {"documentIndex": 0, "start": 0, "end": 50}}
                    })],
                },
                Block::Text(words(".")),
            ],
            Content::Guardrail => {
                stop_reason = StopReason::GuardrailIntervened;
                let text = "Sorry, the model cannot answer this question.";
                trace = Some(guardrail_trace(text));
                vec![Block::Text(words(text))]
            }
            Content::MaxTokens => {
                stop_reason = StopReason::MaxTokens;
                let all = words(echo);
                let keep = all.len().div_ceil(2);
                vec![Block::Text(all.into_iter().take(keep).collect())]
            }
        };
        let output_chars: usize = blocks.iter().map(Block::chars).sum();
        let mut usage = TokenUsage {
            input_tokens,
            output_tokens: estimate_tokens(output_chars),
            ..TokenUsage::default()
        };
        match content {
            Content::CacheWrite => {
                usage.cache_read_input_tokens = Some(0);
                usage.cache_write_input_tokens = Some(1024);
                usage.cache_details = Some(vec![detail("5m", 1024)]);
            }
            Content::CacheRead => {
                usage.cache_read_input_tokens = Some(1024);
                usage.cache_write_input_tokens = Some(0);
            }
            Content::CacheMixed => {
                usage.cache_read_input_tokens = Some(2048);
                usage.cache_write_input_tokens = Some(1536);
                // The service sorts details by TTL, 1h before 5m.
                usage.cache_details = Some(vec![detail("1h", 1024), detail("5m", 512)]);
            }
            _ => {}
        }
        usage.total_tokens = usage.input_tokens
            + usage.output_tokens
            + usage.cache_read_input_tokens.unwrap_or(0)
            + usage.cache_write_input_tokens.unwrap_or(0);
        let deltas: usize = blocks.iter().map(Block::delta_count).sum();
        Self {
            blocks,
            stop_reason,
            usage,
            trace,
            latency_ms: 100 + deltas as u64,
        }
    }

    /// The Converse response.
    pub(crate) fn response(&self) -> ConverseResponse {
        ConverseResponse {
            output: ConverseOutput {
                message: Some(OutputMessage {
                    role: "assistant".into(),
                    content: self.blocks.iter().map(Block::content_block).collect(),
                }),
            },
            stop_reason: self.stop_reason.clone(),
            usage: self.usage.clone(),
            metrics: Metrics {
                latency_ms: self.latency_ms,
            },
            additional_model_response_fields: None,
            trace: self.trace.clone(),
            performance_config: None,
            service_tier: None,
        }
    }

    /// The ConverseStream events, in order: `messageStart`, each block's start (tool calls),
    /// deltas and stop, `messageStop`, `metadata`.
    pub(crate) fn events(&self) -> Vec<Event> {
        let mut events = vec![Event::new("messageStart", json!({"role": "assistant"}))];
        for (index, block) in self.blocks.iter().enumerate() {
            let delta = |delta: Value| {
                Event::new(
                    "contentBlockDelta",
                    json!({"contentBlockIndex": index, "delta": delta}),
                )
            };
            match block {
                Block::Text(pieces) => {
                    events.extend(pieces.iter().map(|p| delta(json!({"text": p}))));
                }
                Block::ToolUse {
                    id,
                    name,
                    fragments,
                    ..
                } => {
                    events.push(Event::new(
                        "contentBlockStart",
                        json!({"contentBlockIndex": index,
                               "start": {"toolUse": {"toolUseId": id, "name": name}}}),
                    ));
                    events.extend(
                        fragments
                            .iter()
                            .map(|f| delta(json!({"toolUse": {"input": f}}))),
                    );
                }
                Block::Reasoning { deltas, signature } => {
                    events.extend(
                        deltas
                            .iter()
                            .map(|d| delta(json!({"reasoningContent": {"text": d}}))),
                    );
                    events.push(delta(json!({"reasoningContent": {"signature": signature}})));
                }
                Block::Redacted(pieces) => {
                    events.extend(pieces.iter().map(|p| {
                        delta(json!({"reasoningContent": {"redactedContent": base64::Engine::encode(&base64::prelude::BASE64_STANDARD, p)}}))
                    }));
                }
                Block::Citations { deltas, citations } => {
                    events.extend(deltas.iter().map(|d| delta(json!({"text": d}))));
                    events.extend(citations.iter().map(|c| delta(json!({"citation": c}))));
                }
            }
            events.push(Event::new(
                "contentBlockStop",
                json!({"contentBlockIndex": index}),
            ));
        }
        events.push(Event::new(
            "messageStop",
            json!({"stopReason": self.stop_reason.as_str()}),
        ));
        let mut metadata = json!({
            "usage": self.usage,
            "metrics": {"latencyMs": self.latency_ms},
        });
        if let (Some(trace), Some(map)) = (&self.trace, metadata.as_object_mut()) {
            map.insert("trace".into(), trace.clone());
        }
        events.push(Event::new("metadata", metadata));
        events
    }
}

impl Block {
    fn chars(&self) -> usize {
        let count = |pieces: &[String]| pieces.iter().map(|p| p.chars().count()).sum::<usize>();
        match self {
            Self::Text(pieces) | Self::Citations { deltas: pieces, .. } => count(pieces),
            Self::ToolUse { fragments, .. } => count(fragments),
            Self::Reasoning { deltas, .. } => count(deltas),
            Self::Redacted(pieces) => pieces.iter().map(Vec::len).sum(),
        }
    }

    fn delta_count(&self) -> usize {
        match self {
            Self::Text(pieces) => pieces.len(),
            Self::Citations { deltas, citations } => deltas.len() + citations.len(),
            Self::ToolUse { fragments, .. } => fragments.len(),
            Self::Reasoning { deltas, .. } => deltas.len() + 1,
            Self::Redacted(pieces) => pieces.len(),
        }
    }

    fn content_block(&self) -> ContentBlock {
        match self {
            Self::Text(pieces) => ContentBlock::Text(pieces.concat()),
            Self::ToolUse {
                id, name, input, ..
            } => ContentBlock::ToolUse(ToolUseBlock {
                tool_use_id: id.clone(),
                name: name.clone(),
                input: input.clone(),
                kind: None,
            }),
            Self::Reasoning { deltas, signature } => {
                ContentBlock::Reasoning(ReasoningBlock::Text {
                    text: deltas.concat(),
                    signature: Some(signature.clone()),
                })
            }
            Self::Redacted(pieces) => {
                ContentBlock::Reasoning(ReasoningBlock::Redacted(pieces.concat()))
            }
            Self::Citations { deltas, citations } => ContentBlock::Citations(CitationsBlock {
                content: vec![json!({"text": deltas.concat()})],
                citations: citations.clone(),
            }),
        }
    }
}

fn detail(ttl: &str, input_tokens: u64) -> CacheDetail {
    CacheDetail {
        ttl: ttl.into(),
        input_tokens,
    }
}

/// A guardrail trace in the shape botocore's `GuardrailTraceAssessment` parses (the same shape
/// as the `guardrail_intervened_with_trace` ConverseStream fixture).
fn guardrail_trace(model_output: &str) -> Value {
    json!({"guardrail": {
        "modelOutput": [model_output],
        "inputAssessment": {"emulatorguardrail": {
            "contentPolicy": {"filters": [{
                "type": "MISCONDUCT", "confidence": "HIGH", "filterStrength": "HIGH",
                "action": "BLOCKED", "detected": true
            }]},
            "invocationMetrics": {
                "guardrailProcessingLatency": 120,
                "usage": {"topicPolicyUnits": 1, "contentPolicyUnits": 1, "wordPolicyUnits": 1,
                          "sensitiveInformationPolicyUnits": 1,
                          "sensitiveInformationPolicyFreeUnits": 0,
                          "contextualGroundingPolicyUnits": 0},
                "guardrailCoverage": {"textCharacters": {"guarded": 40, "total": 40}}
            }
        }},
        "actionReason": "Guardrail blocked."
    }})
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fragments_rejoin_to_the_input() {
        let text = json!({"city": "Paris", "unit": "celsius"}).to_string();
        let parts = fragments(&text);
        assert!(parts.len() > 3);
        assert_eq!(parts.concat(), text);
        assert_eq!(words("a b  c"), ["a ", "b ", " ", "c"]);
        assert_eq!(words("a b  c").concat(), "a b  c");
    }

    #[test]
    fn usage_is_deterministic() {
        let script = Script::new(Content::CacheMixed, "abcdefgh", 7);
        assert_eq!(script.usage.input_tokens, 7);
        assert_eq!(script.usage.output_tokens, 2);
        assert_eq!(script.usage.total_tokens, 7 + 2 + 2048 + 1536);
        assert_eq!(
            Script::new(Content::Echo, "", 1).response().content()[0],
            ContentBlock::Text(GREETING.into())
        );
        assert_eq!(estimate_tokens(0), 1);
        assert_eq!(estimate_tokens(9), 3);
        assert_eq!(string_chars(&json!({"a": ["xy", {"b": "z"}], "n": 5})), 3);
    }
}
