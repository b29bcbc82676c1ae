//! Scenario markers: bracketed tags in the last user message (or the model id) that choose what
//! the emulator answers, e.g. `[scenario:tool_use]`, `[throttle:2][id:call-7]`, `[drip:50]`.
//!
//! A marker is `[name]` or `[name:argument]` with a known name; bracketed text with any other
//! name is ordinary text. A known name with a bad argument is an error (a 400
//! `ValidationException` naming the marker), so a typo never silently runs the wrong scenario.
//! Markers are removed from the text the emulator echoes. `emulator/EMULATOR.md` documents
//! every marker.

use std::time::Duration;

use super::errors::{self, ErrorSpec, ServiceError};

/// What the model "says".
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Content {
    /// Echo the last user text.
    Echo,
    /// This many text deltas.
    Long(usize),
    /// Text, then one tool call whose input streams in JSON fragments.
    ToolUse,
    /// Text, then two tool calls.
    ParallelTools,
    /// Text, then a tool call without arguments (`{}`).
    ToolNoArgs,
    /// Reasoning text with a signature, then the echo.
    Reasoning,
    /// Redacted (encrypted) reasoning, then the echo.
    RedactedReasoning,
    /// Text, a `citationsContent` block, text.
    Citations,
    /// The echo; usage reports a 5-minute cache write.
    CacheWrite,
    /// The echo; usage reports a cache read.
    CacheRead,
    /// The echo; usage reports a cache read and writes with both TTLs.
    CacheMixed,
    /// A guardrail intervened: canned text, `guardrail_intervened`, a guardrail trace.
    Guardrail,
    /// The echo cut in half, `max_tokens`.
    MaxTokens,
}

/// The `[scenario:NAME]` names.
const CONTENT_NAMES: &[(&str, Content)] = &[
    ("text", Content::Echo),
    ("long", Content::Long(DEFAULT_LONG_DELTAS)),
    ("tool_use", Content::ToolUse),
    ("parallel_tools", Content::ParallelTools),
    ("tool_no_args", Content::ToolNoArgs),
    ("reasoning", Content::Reasoning),
    ("redacted_reasoning", Content::RedactedReasoning),
    ("citations", Content::Citations),
    ("cache_write", Content::CacheWrite),
    ("cache_read", Content::CacheRead),
    ("cache_mixed", Content::CacheMixed),
    ("guardrail", Content::Guardrail),
    ("max_tokens", Content::MaxTokens),
];

/// Text deltas of `[long]` without a count.
const DEFAULT_LONG_DELTAS: usize = 100;
/// Most text deltas `[long:N]` accepts.
const MAX_LONG_DELTAS: usize = 100_000;
/// Longest delay `[drip:T]` and `[slow_head:T]` accept.
const MAX_DELAY_MS: u64 = 600_000;

/// An exception sent inside a ConverseStream after some deltas: the `:exception-type` union
/// member and the error it stands for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct MidStream {
    /// The union member name, e.g. `throttlingException`.
    pub(crate) member: &'static str,
    /// The error type, e.g. `ThrottlingException`.
    pub(crate) error: &'static ErrorSpec,
}

/// The five exception members of `ConverseStreamOutput`.
const STREAM_EXCEPTIONS: &[(&str, &str)] = &[
    ("internalServerException", "InternalServerException"),
    ("modelStreamErrorException", "ModelStreamErrorException"),
    ("validationException", "ValidationException"),
    ("throttlingException", "ThrottlingException"),
    ("serviceUnavailableException", "ServiceUnavailableException"),
];

/// A fault in how the answer is delivered.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Fault {
    /// An exception frame after the second content delta, then a clean end.
    MidStream(MidStream),
    /// A clean end of the body right after the last delta: no `contentBlockStop`, `messageStop`
    /// or `metadata`.
    Cut,
    /// The first content delta's frame carries a wrong message CRC.
    CorruptCrc,
    /// The connection closes in the middle of a frame, without the final chunk.
    CloseMidFrame,
    /// The head and the first frames, then nothing until the client gives up.
    Stall,
    /// Half of the response head, then the connection closes (`[cut_head]`).
    CutHead,
    /// A response head over 64 KiB: the usual head plus padding header lines (`[oversize_head]`).
    OversizeHead,
    /// The stream up to the first delta, then part of a chunk-size line, then close
    /// (`[cut_chunk:size]`).
    CutChunkSize,
    /// The stream up to the first delta, then a chunk announcing the next frame whole but
    /// carrying half of it, then close (`[cut_chunk]`, `[cut_chunk:data]`).
    CutChunkData,
    /// The stream up to the first delta, then a frame too large for any client to buffer: an
    /// event-stream prelude announcing 32 MiB, an SSE line over 16 MiB (`[oversize_frame]`).
    OversizeFrame,
    /// The stream up to the first delta, then a chunk-size line that never ends (a chunk
    /// extension of up to 1 MiB, then close) (`[endless_chunk]`).
    EndlessChunk,
}

impl Fault {
    /// Whether the fault is in the response head (it applies to every answer, streamed or not).
    pub(crate) fn in_head(self) -> bool {
        matches!(self, Self::CutHead | Self::OversizeHead)
    }
}

/// "Fail the first N attempts" (`[throttle:N]`, `[fail:N:TYPE]`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct FailFirst {
    /// How many attempts fail.
    pub(crate) times: u32,
    /// With which error.
    pub(crate) error: &'static ErrorSpec,
    /// The marker as written (without brackets): part of the counter key.
    pub(crate) marker: String,
}

/// Everything the markers of one request chose.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Scenario {
    pub(crate) content: Content,
    /// Answer with this error instead.
    pub(crate) error: Option<ServiceError>,
    pub(crate) fail_first: Option<FailFirst>,
    /// `[id:TAG]`: groups the attempts of one logical call for `fail_first`.
    pub(crate) id: Option<String>,
    pub(crate) fault: Option<Fault>,
    /// `[drip:T]`: one frame every T.
    pub(crate) drip: Option<Duration>,
    /// `[slow_head:T]`: wait T before the response head.
    pub(crate) slow_head: Option<Duration>,
    /// `[html]`: a 200 `text/html` page instead of the answer, as a proxy or captive portal
    /// sends.
    pub(crate) html: bool,
    /// `[chunks:frame]`: a stream's every event in a chunk of its own (`[chunks:random]`, the
    /// default: chunks of 1 to 97 bytes that frames straddle).
    pub(crate) chunk_per_frame: bool,
}

impl Default for Scenario {
    fn default() -> Self {
        Self {
            content: Content::Echo,
            error: None,
            fail_first: None,
            id: None,
            fault: None,
            drip: None,
            slow_head: None,
            html: false,
            chunk_per_frame: false,
        }
    }
}

impl Scenario {
    /// Applies every marker in `text` (later markers override earlier ones) and returns the text
    /// with the markers removed.
    ///
    /// # Errors
    ///
    /// A `ValidationException` naming the first marker with a bad argument.
    pub(crate) fn apply_markers(&mut self, text: &str) -> Result<String, ServiceError> {
        let mut rest = text;
        let mut out = String::with_capacity(text.len());
        while let Some(open) = rest.find('[') {
            out.push_str(&rest[..open]);
            let after = &rest[open + 1..];
            let close = after.find(']').filter(|&c| !after[..c].contains('['));
            let Some(close) = close else {
                out.push('[');
                rest = after;
                continue;
            };
            let inner = &after[..close];
            if self.apply_marker(inner)? {
                rest = &after[close + 1..];
            } else {
                out.push('[');
                rest = after;
            }
        }
        out.push_str(rest);
        Ok(out)
    }

    /// Applies one marker body (`name` or `name:argument`); `Ok(false)` when the name is not a
    /// marker name.
    fn apply_marker(&mut self, inner: &str) -> Result<bool, ServiceError> {
        let (name, arg) = match inner.split_once(':') {
            Some((name, arg)) => (name.trim(), Some(arg.trim())),
            None => (inner.trim(), None),
        };
        let bad =
            |why: String| ServiceError::validation(format!("emulator marker [{inner}]: {why}"));
        match name {
            "scenario" => {
                let wanted = arg.unwrap_or_default();
                let content = CONTENT_NAMES
                    .iter()
                    .find(|(n, _)| *n == wanted)
                    .map(|(_, c)| *c)
                    .ok_or_else(|| {
                        let known: Vec<&str> = CONTENT_NAMES.iter().map(|(n, _)| *n).collect();
                        bad(format!(
                            "unknown scenario '{wanted}' (known: {})",
                            known.join(", ")
                        ))
                    })?;
                self.content = content;
            }
            "long" => {
                let count = match arg {
                    None => DEFAULT_LONG_DELTAS,
                    Some(n) => parse_in(n, 1, MAX_LONG_DELTAS as u64).map_err(bad)? as usize,
                };
                self.content = Content::Long(count);
            }
            "error" => {
                let arg = arg.ok_or_else(|| bad("needs an error type".into()))?;
                let (type_name, message) = match arg.split_once(':') {
                    Some((t, m)) => (t.trim(), Some(m.trim())),
                    None => (arg, None),
                };
                let spec = find_error(type_name).map_err(bad)?;
                self.error = Some(match message {
                    Some(m) if !m.is_empty() => ServiceError::with_message(spec, m),
                    _ => ServiceError::of(spec),
                });
            }
            "throttle" => {
                let times = match arg {
                    None => 1,
                    Some(n) => parse_in(n, 1, 1000).map_err(bad)? as u32,
                };
                self.fail_first = Some(FailFirst {
                    times,
                    error: errors::known("ThrottlingException"),
                    marker: inner.into(),
                });
            }
            "fail" => {
                let (count, type_name) = arg
                    .and_then(|a| a.split_once(':'))
                    .ok_or_else(|| bad("expected [fail:N:ErrorType]".into()))?;
                self.fail_first = Some(FailFirst {
                    times: parse_in(count.trim(), 1, 1000).map_err(bad)? as u32,
                    error: find_error(type_name.trim()).map_err(bad)?,
                    marker: inner.into(),
                });
            }
            "id" => {
                let id = arg.filter(|a| !a.is_empty());
                self.id = Some(id.ok_or_else(|| bad("needs a tag".into()))?.into());
            }
            "midstream" => {
                let wanted = arg.unwrap_or("throttling");
                let spec = find_error(wanted).map_err(bad)?;
                let member = STREAM_EXCEPTIONS
                    .iter()
                    .find(|(_, error)| *error == spec.name)
                    .map(|(member, _)| *member)
                    .ok_or_else(|| {
                        let known: Vec<&str> = STREAM_EXCEPTIONS.iter().map(|(m, _)| *m).collect();
                        bad(format!(
                            "'{wanted}' is not a ConverseStream exception (known: {})",
                            known.join(", ")
                        ))
                    })?;
                self.fault = Some(Fault::MidStream(MidStream {
                    member,
                    error: spec,
                }));
            }
            "cut_chunk" => {
                self.fault = Some(match arg {
                    None | Some("data") => Fault::CutChunkData,
                    Some("size") => Fault::CutChunkSize,
                    Some(_) => {
                        return Err(bad("expected [cut_chunk:size] or [cut_chunk:data]".into()));
                    }
                });
            }
            "cut" | "crc" | "close" | "stall" | "cut_head" | "oversize_head" | "oversize_frame"
            | "endless_chunk" => {
                if arg.is_some() {
                    return Err(bad("takes no argument".into()));
                }
                self.fault = Some(match name {
                    "cut" => Fault::Cut,
                    "crc" => Fault::CorruptCrc,
                    "close" => Fault::CloseMidFrame,
                    "cut_head" => Fault::CutHead,
                    "oversize_head" => Fault::OversizeHead,
                    "oversize_frame" => Fault::OversizeFrame,
                    "endless_chunk" => Fault::EndlessChunk,
                    _ => Fault::Stall,
                });
            }
            "html" => {
                if arg.is_some() {
                    return Err(bad("takes no argument".into()));
                }
                self.html = true;
            }
            "drip" | "slow_head" => {
                let ms = arg.ok_or_else(|| bad("needs milliseconds, e.g. [drip:50]".into()))?;
                let delay = Duration::from_millis(parse_in(ms, 0, MAX_DELAY_MS).map_err(bad)?);
                if name == "drip" {
                    self.drip = Some(delay);
                } else {
                    self.slow_head = Some(delay);
                }
            }
            "chunks" => {
                self.chunk_per_frame = match arg {
                    Some("frame") => true,
                    Some("random") => false,
                    _ => return Err(bad("needs frame or random, e.g. [chunks:frame]".into())),
                };
            }
            _ => return Ok(false),
        }
        Ok(true)
    }
}

fn find_error(name: &str) -> Result<&'static ErrorSpec, String> {
    errors::find(name).ok_or_else(|| {
        let known: Vec<&str> = errors::ERRORS.iter().map(|e| e.name).collect();
        format!("unknown error type '{name}' (known: {})", known.join(", "))
    })
}

fn parse_in(text: &str, low: u64, high: u64) -> Result<u64, String> {
    match text.parse::<u64>() {
        Ok(n) if (low..=high).contains(&n) => Ok(n),
        _ => Err(format!("'{text}' is not a number in {low}..={high}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> (Scenario, String) {
        let mut scenario = Scenario::default();
        let rest = scenario.apply_markers(text).unwrap();
        (scenario, rest)
    }

    #[test]
    fn chunking_marker() {
        assert!(!parse("hi").0.chunk_per_frame);
        assert!(parse("[chunks:frame] hi").0.chunk_per_frame);
        assert!(!parse("[chunks:frame][chunks:random] hi").0.chunk_per_frame);
        let mut scenario = Scenario::default();
        assert!(scenario.apply_markers("[chunks:big]").is_err());
    }

    #[test]
    fn markers_are_applied_and_removed() {
        let (s, rest) = parse("[scenario:tool_use] What is the weather? [drip:5][id:x1]");
        assert_eq!(s.content, Content::ToolUse);
        assert_eq!(s.drip, Some(Duration::from_millis(5)));
        assert_eq!(s.id.as_deref(), Some("x1"));
        assert_eq!(rest.trim(), "What is the weather?");
    }

    #[test]
    fn other_brackets_are_text() {
        let (s, rest) = parse("see [1] and [note: x] or [unclosed");
        assert_eq!(s, Scenario::default());
        assert_eq!(rest, "see [1] and [note: x] or [unclosed");
        let (_, rest) = parse("[[cut]]");
        assert_eq!(rest, "[]");
    }

    #[test]
    fn errors_and_retries() {
        let (s, _) = parse("[error:ModelTimeout]");
        let error = s.error.unwrap();
        assert_eq!(
            (error.error_type.as_str(), error.status),
            ("ModelTimeoutException", 408)
        );
        let (s, _) = parse("[error:ValidationException:The provided model identifier is invalid.]");
        assert_eq!(
            s.error.unwrap().message,
            "The provided model identifier is invalid."
        );
        let (s, _) = parse("[throttle:3]");
        let fail = s.fail_first.unwrap();
        assert_eq!((fail.times, fail.error.name), (3, "ThrottlingException"));
        let (s, _) = parse("[fail:2:service_unavailable]");
        assert_eq!(s.fail_first.unwrap().error.status, 503);
        let (s, _) = parse("[midstream:modelStreamErrorException]");
        assert!(
            matches!(s.fault, Some(Fault::MidStream(m)) if m.member == "modelStreamErrorException")
        );
        let (s, _) = parse("[html] hi");
        assert!(s.html);
        let (s, _) = parse("[midstream]");
        assert!(matches!(s.fault, Some(Fault::MidStream(m)) if m.member == "throttlingException"));
        for (marker, fault) in [
            ("[cut_head]", Fault::CutHead),
            ("[oversize_head]", Fault::OversizeHead),
            ("[cut_chunk]", Fault::CutChunkData),
            ("[cut_chunk:data]", Fault::CutChunkData),
            ("[cut_chunk:size]", Fault::CutChunkSize),
            ("[oversize_frame]", Fault::OversizeFrame),
            ("[endless_chunk]", Fault::EndlessChunk),
        ] {
            assert_eq!(parse(marker).0.fault, Some(fault), "{marker}");
        }
    }

    #[test]
    fn bad_arguments_name_the_marker() {
        for text in [
            "[scenario:nope]",
            "[long:0]",
            "[error:Nope]",
            "[drip:fast]",
            "[cut:1]",
            "[cut_head:1]",
            "[cut_chunk:middle]",
            "[html:1]",
            "[midstream:AccessDenied]",
            "[fail:2]",
            "[id]",
        ] {
            let error = Scenario::default().apply_markers(text).unwrap_err();
            assert_eq!(error.error_type, "ValidationException", "{text}");
            assert!(
                error.message.contains(&text[1..text.len() - 1]),
                "{text}: {}",
                error.message
            );
        }
    }
}
