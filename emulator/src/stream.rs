//! ConverseStream bodies: events encoded as event-stream frames with the core's encoder, the
//! stream faults applied to the frame list, and chunked transfer coding with pseudo-random chunk
//! sizes (so frames straddle chunk boundaries, as they do behind real load balancers).

use bedrock_core::eventstream::{Header, HeaderValue, Message};
use serde_json::{Map, Value};

use super::errors::ServiceError;
use super::rng::Rng;
use super::scenario::{Fault, MidStream};
use super::script::Event;

/// The characters of the `"p"` padding member real Bedrock adds to every event payload (its
/// length varies so that payload sizes do not reveal the content).
const PADDING: &str = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

/// Largest chunk the body is cut into.
const MAX_CHUNK: usize = 97;

/// How a stream body ends.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum StreamEnd {
    /// The final `0` chunk: a complete body (even when the frames stop early).
    Complete,
    /// These bytes (the first half of a frame) as a chunk, then the connection closes without
    /// the final chunk.
    CloseMidFrame(Vec<u8>),
    /// No end: the connection stays silent until the client leaves or the stall limit passes.
    Stall,
    /// Part of a chunk-size line, then close.
    CloseInChunkSize,
    /// A chunk announcing all of these bytes carrying only their first half, then close.
    CloseInChunkData(Vec<u8>),
    /// These bytes (a frame beyond every client limit) as one chunk, then close.
    Oversize(Vec<u8>),
    /// A chunk-size line with a chunk extension that never ends (1 MiB of it), then close.
    EndlessChunk,
}

/// The frames of one ConverseStream response and how it ends.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct StreamPlan {
    pub(crate) frames: Vec<Vec<u8>>,
    pub(crate) end: StreamEnd,
    /// `[chunks:frame]`: every frame (event) in a chunk of its own, as a server writing each
    /// event as it is produced sends them, instead of chunks of 1 to 97 bytes.
    pub(crate) chunk_per_frame: bool,
}

/// Encodes `events` as frames and applies `fault`:
///
/// | fault | frames sent | end |
/// |---|---|---|
/// | none | all | final chunk |
/// | mid-stream exception | up to the 2nd content delta, then the exception frame | final chunk |
/// | cut | up to the last content delta | final chunk |
/// | corrupt CRC | all; the 1st content delta's message CRC is wrong | final chunk |
/// | close mid-frame | up to the 1st content delta | half of the next frame, then close |
/// | stall | up to the 1st content delta | none |
/// | cut in a chunk-size line / in chunk data | up to the 1st content delta | part of a size line / half of the next frame's chunk, then close |
/// | oversize frame | up to the 1st content delta | a frame's start announcing 32 MiB, then close |
/// | endless chunk | up to the 1st content delta | a chunk-size line of 1 MiB, then close |
/// | cut head, oversize head | all (the head is what the server damages) | final chunk |
pub(crate) fn plan(events: &[Event], fault: Option<Fault>, rng: &mut Rng) -> StreamPlan {
    let frames: Vec<Vec<u8>> = events
        .iter()
        .map(|e| event_frame(e.event_type, &e.payload, rng))
        .collect();
    let deltas: Vec<usize> = events
        .iter()
        .enumerate()
        .filter(|(_, e)| e.is_delta())
        .map(|(i, _)| i)
        .collect();
    // Without deltas, cuts fall after messageStart.
    apply_fault(
        frames,
        &deltas,
        1,
        fault,
        FaultFrames {
            exception: &|exception, _| exception_frame(exception),
            corrupt: &|frame| {
                if let Some(last) = frame.last_mut() {
                    *last ^= 0xA5;
                }
            },
            oversize: &oversize_frame,
        },
    )
}

/// The length an `[oversize_frame]` event-stream prelude announces: over the 24 MiB payload
/// limit of the core's decoder (and of the AWS SDKs').
pub(crate) const OVERSIZE_FRAME_LEN: u32 = 32 * 1024 * 1024;

/// The start of an event-stream frame announcing [`OVERSIZE_FRAME_LEN`] bytes: a prelude with a
/// correct CRC, then 64 KiB of its "headers" (the rest never comes: the connection closes).
fn oversize_frame() -> Vec<u8> {
    let mut out = Vec::with_capacity(12 + 64 * 1024);
    out.extend_from_slice(&OVERSIZE_FRAME_LEN.to_be_bytes());
    out.extend_from_slice(&16u32.to_be_bytes());
    let crc = crc32fast::hash(&out);
    out.extend_from_slice(&crc.to_be_bytes());
    out.resize(12 + 64 * 1024, b'x');
    out
}

/// How a protocol writes the frames some faults replace or damage.
pub(crate) struct FaultFrames<'a> {
    /// The frame a mid-stream exception sends as frame number `at`.
    pub(crate) exception: &'a dyn Fn(MidStream, usize) -> Vec<u8>,
    /// Damages the first delta's frame (`[crc]`).
    pub(crate) corrupt: &'a dyn Fn(&mut Vec<u8>),
    /// The start of a frame larger than a client accepts (`[oversize_frame]`).
    pub(crate) oversize: &'a dyn Fn() -> Vec<u8>,
}

/// Applies `fault` to the `frames` of a stream, one per event (the table of [`plan`]): the one
/// implementation of the stream faults, for event-stream frames and for server-sent events
/// alike. `deltas` are the indexes of the content-delta frames; without any, cuts fall after
/// the first `after_start` frames. `with` writes the frames the faults make.
pub(crate) fn apply_fault(
    mut frames: Vec<Vec<u8>>,
    deltas: &[usize],
    after_start: usize,
    fault: Option<Fault>,
    with: FaultFrames<'_>,
) -> StreamPlan {
    // Where to cut: just after the n-th delta (the last one when there are fewer).
    let after_delta = |n: usize| -> usize {
        deltas
            .get(n)
            .or(deltas.last())
            .map_or(after_start, |&i| i + 1)
            .min(frames.len())
    };
    let first_delta_end = after_delta(0);
    let end = match fault {
        None | Some(Fault::CutHead | Fault::OversizeHead) => StreamEnd::Complete,
        Some(Fault::CutChunkSize) => {
            frames.truncate(first_delta_end);
            StreamEnd::CloseInChunkSize
        }
        Some(Fault::EndlessChunk) => {
            frames.truncate(first_delta_end);
            StreamEnd::EndlessChunk
        }
        Some(Fault::OversizeFrame) => {
            frames.truncate(first_delta_end);
            StreamEnd::Oversize((with.oversize)())
        }
        Some(Fault::CutChunkData) => {
            let keep = after_delta(0);
            let next = frames.get(keep).cloned().unwrap_or_default();
            frames.truncate(keep);
            StreamEnd::CloseInChunkData(next)
        }
        Some(Fault::MidStream(error)) => {
            let keep = after_delta(1);
            frames.truncate(keep);
            frames.push((with.exception)(error, keep));
            StreamEnd::Complete
        }
        Some(Fault::Cut) => {
            frames.truncate(after_delta(usize::MAX));
            StreamEnd::Complete
        }
        Some(Fault::CorruptCrc) => {
            let index = after_delta(0).checked_sub(1);
            if let Some(frame) = index.and_then(|i| frames.get_mut(i)) {
                (with.corrupt)(frame);
            }
            StreamEnd::Complete
        }
        Some(Fault::CloseMidFrame) => {
            let keep = after_delta(0);
            let next = frames.get(keep).cloned().unwrap_or_default();
            frames.truncate(keep);
            StreamEnd::CloseMidFrame(next[..next.len() / 2].to_vec())
        }
        Some(Fault::Stall) => {
            frames.truncate(after_delta(0));
            StreamEnd::Stall
        }
    };
    StreamPlan {
        frames,
        end,
        chunk_per_frame: false,
    }
}

/// An event frame: headers `:event-type`, `:content-type`, `:message-type` (the order Bedrock
/// uses), payload the event JSON plus a `"p"` padding member.
fn event_frame(event_type: &str, payload: &Map<String, Value>, rng: &mut Rng) -> Vec<u8> {
    let mut payload = payload.clone();
    let pad = rng.range(1, PADDING.len());
    payload.insert("p".into(), Value::String(PADDING[..pad].into()));
    frame(
        vec![
            string_header(":event-type", event_type),
            string_header(":content-type", "application/json"),
            string_header(":message-type", "event"),
        ],
        &Value::Object(payload),
    )
}

/// An exception frame: `:exception-type` is the union member name (`throttlingException`).
fn exception_frame(exception: MidStream) -> Vec<u8> {
    let mut error = ServiceError::of(exception.error);
    if exception.member == "modelStreamErrorException" {
        error = error
            .with_member("originalStatusCode", Value::from(500))
            .with_member(
                "originalMessage",
                Value::from("The model server failed while generating the response."),
            );
    }
    let body: Value = serde_json::from_slice(&error.body()).unwrap_or_default();
    frame(
        vec![
            string_header(":exception-type", exception.member),
            string_header(":content-type", "application/json"),
            string_header(":message-type", "exception"),
        ],
        &body,
    )
}

fn string_header(name: &str, value: &str) -> Header {
    Header::new(name, HeaderValue::String(value.into()))
}

fn frame(headers: Vec<Header>, payload: &Value) -> Vec<u8> {
    let mut out = Vec::new();
    let payload = serde_json::to_vec(payload).unwrap_or_default();
    // Header names and values here are short constants, so encoding cannot fail; an empty frame
    // (a client decode error) would be the visible result if it ever did.
    let _ = Message::new(headers, payload).encode(&mut out);
    out
}

/// Appends `frame` in chunked transfer coding: one chunk when `whole`, otherwise chunks of
/// 1..=97 bytes.
pub(crate) fn push_frame(out: &mut Vec<u8>, frame: &[u8], whole: bool, rng: &mut Rng) {
    if whole {
        out.extend_from_slice(format!("{:x}\r\n", frame.len()).as_bytes());
        out.extend_from_slice(frame);
        out.extend_from_slice(b"\r\n");
    } else {
        push_chunks(out, frame, rng);
    }
}

/// Appends `data` in chunked transfer coding, cut into chunks of 1..=97 bytes.
pub(crate) fn push_chunks(out: &mut Vec<u8>, data: &[u8], rng: &mut Rng) {
    let mut rest = data;
    while !rest.is_empty() {
        let size = rng.range(1, MAX_CHUNK).min(rest.len());
        let (chunk, tail) = rest.split_at(size);
        out.extend_from_slice(format!("{size:x}\r\n").as_bytes());
        out.extend_from_slice(chunk);
        out.extend_from_slice(b"\r\n");
        rest = tail;
    }
}

/// The last chunk of a chunked body.
pub(crate) const LAST_CHUNK: &[u8] = b"0\r\n\r\n";

#[cfg(test)]
mod tests {
    use super::*;
    use crate::errors;
    use crate::scenario::Content;
    use crate::script::Script;
    use bedrock_core::eventstream::{DecodeError, Decoder};

    fn decode_all(frames: &[Vec<u8>]) -> (Vec<Message>, Option<DecodeError>) {
        let bytes = frames.concat();
        let mut decoder = Decoder::new();
        let mut input = bytes.as_slice();
        let mut out = Vec::new();
        loop {
            match decoder.decode(&mut input) {
                Ok(Some(m)) => out.push(m.to_owned()),
                Ok(None) => return (out, None),
                Err(e) => return (out, Some(e)),
            }
        }
    }

    fn events() -> Vec<Event> {
        Script::new(Content::Echo, "one two three four", 3).events()
    }

    #[test]
    fn every_frame_decodes_and_is_padded() {
        let plan = plan(&events(), None, &mut Rng::new(1));
        let (messages, error) = decode_all(&plan.frames);
        assert!(error.is_none());
        assert_eq!(messages.len(), 1 + 4 + 1 + 2);
        for m in &messages {
            let payload: Value = serde_json::from_slice(&m.payload).unwrap();
            assert!(payload["p"].as_str().is_some_and(|p| !p.is_empty()));
        }
        assert_eq!(plan.end, StreamEnd::Complete);
    }

    #[test]
    fn faults_cut_where_documented() {
        let all = events();
        let mid = Fault::MidStream(MidStream {
            member: "throttlingException",
            error: errors::known("ThrottlingException"),
        });
        let p = plan(&all, Some(mid), &mut Rng::new(1));
        let (messages, _) = decode_all(&p.frames);
        assert_eq!(messages.len(), 1 + 2 + 1);
        let last = messages.last().unwrap();
        assert!(
            matches!(last.header(":exception-type"), Some(HeaderValue::String(s)) if s == "throttlingException")
        );

        let p = plan(&all, Some(Fault::Cut), &mut Rng::new(1));
        assert_eq!(p.frames.len(), 1 + 4);

        let p = plan(&all, Some(Fault::CorruptCrc), &mut Rng::new(1));
        let (messages, error) = decode_all(&p.frames);
        assert_eq!(messages.len(), 1);
        assert!(matches!(error, Some(DecodeError::MessageCrc { .. })));

        let p = plan(&all, Some(Fault::CloseMidFrame), &mut Rng::new(1));
        assert_eq!(p.frames.len(), 2);
        assert!(matches!(&p.end, StreamEnd::CloseMidFrame(half) if !half.is_empty()));

        let p = plan(&all, Some(Fault::Stall), &mut Rng::new(1));
        assert_eq!((p.frames.len(), p.end), (2, StreamEnd::Stall));

        let p = plan(&all, Some(Fault::CutChunkSize), &mut Rng::new(1));
        assert_eq!((p.frames.len(), p.end), (2, StreamEnd::CloseInChunkSize));
        let p = plan(&all, Some(Fault::EndlessChunk), &mut Rng::new(1));
        assert_eq!((p.frames.len(), p.end), (2, StreamEnd::EndlessChunk));
        let p = plan(&all, Some(Fault::CutChunkData), &mut Rng::new(1));
        let whole = plan(&all, None, &mut Rng::new(1));
        assert_eq!(p.frames.len(), 2);
        assert_eq!(p.end, StreamEnd::CloseInChunkData(whole.frames[2].clone()));
        for fault in [Fault::CutHead, Fault::OversizeHead] {
            assert_eq!(plan(&all, Some(fault), &mut Rng::new(1)), whole);
        }

        // The oversize frame's prelude is valid and announces more than the decoder accepts.
        let p = plan(&all, Some(Fault::OversizeFrame), &mut Rng::new(1));
        assert_eq!(p.frames.len(), 2);
        let StreamEnd::Oversize(start) = &p.end else {
            panic!("{:?}", p.end);
        };
        let mut decoder = Decoder::new();
        let mut input = start.as_slice();
        assert!(matches!(
            decoder.decode(&mut input),
            Err(DecodeError::LimitExceeded { .. })
        ));
    }

    #[test]
    fn a_whole_frame_is_one_chunk() {
        let frame = vec![7u8; 300];
        let mut whole = Vec::new();
        push_frame(&mut whole, &frame, true, &mut Rng::new(9));
        let mut expected = b"12c\r\n".to_vec();
        expected.extend_from_slice(&frame);
        expected.extend_from_slice(b"\r\n");
        assert_eq!(whole, expected);
        // The default cuts the same frame into several chunks of at most 97 bytes.
        let mut cut = Vec::new();
        push_frame(&mut cut, &frame, false, &mut Rng::new(9));
        assert!(cut.len() > whole.len() + 6, "{} chunked bytes", cut.len());
    }

    #[test]
    fn chunks_reassemble() {
        let data: Vec<u8> = (0..=255).collect();
        let mut out = Vec::new();
        push_chunks(&mut out, &data, &mut Rng::new(9));
        out.extend_from_slice(LAST_CHUNK);
        let mut reader = bedrock_core::http1::ResponseReader::default();
        let mut head: &[u8] = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
        assert!(matches!(
            reader.read(&mut head),
            Ok(Some(bedrock_core::http1::ResponseEvent::Head(_)))
        ));
        let mut input = out.as_slice();
        let mut body = Vec::new();
        while let Ok(Some(event)) = reader.read(&mut input) {
            match event {
                bedrock_core::http1::ResponseEvent::Data(d) => body.extend_from_slice(d),
                bedrock_core::http1::ResponseEvent::End => break,
                bedrock_core::http1::ResponseEvent::Head(_) => unreachable!(),
            }
        }
        assert_eq!(body, data);
    }
}
