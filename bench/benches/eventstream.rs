//! Event-stream decoding of ConverseStream responses: bedrock-core's [`Decoder`] against
//! `aws-smithy-eventstream`'s `MessageFrameDecoder`, side by side in one run, on the same bytes
//! cut at the same chunk boundaries.
//!
//! Run with `cargo bench -p bedrock-bench --bench eventstream`.
//!
//! The input is built once, deterministically, with bedrock-core's encoder: 64 MiB (rounded up to
//! the end of a response) of concatenated ConverseStream responses as Bedrock sends them. Each
//! response is `messageStart`, a text block of 20–300 `contentBlockDelta` frames carrying 10–200
//! characters of text each (contentBlockStop closes it), in about a third of the responses one or
//! two tool calls (`contentBlockStart` with `toolUse`, input fragments of 1–40 characters,
//! `contentBlockStop`), `messageStop` and `metadata`. Every frame carries the headers
//! `:event-type`, `:content-type` and `:message-type` (strings, in that order) and every payload
//! the `"p":"abcd…"` padding member of 1–62 characters that Bedrock adds.
//!
//! | group | benchmark | what one iteration does |
//! |---|---|---|
//! | `eventstream_decode/16KiB_chunks`, `…/tiny_chunks` | `bedrock_core` | push every chunk into a [`Decoder`], pull every message, read its `:event-type` and payload length |
//! | same | `smithy/bytes_mut` | append every chunk to a `BytesMut` and call `MessageFrameDecoder::decode_frame` until it is incomplete, as a user of the crate does; the same reads |
//! | same | `smithy/segmented_buf` | the same with a `SegmentedBuf<Bytes>` fed `Bytes` chunks, as the SDK's own receiver (`aws-smithy-http`) buffers |
//! | `eventstream_events/16KiB_chunks` | `bedrock_core` | decode as above, then `parse_event` and `StreamAccumulator::handle_event` per message, and `finish` per response |
//! | `eventstream_floor` | `crc32` / `memcpy` | one CRC-32 / one copy of the whole input in one call |
//! | same | `crc32_per_frame` | the prelude and message CRC of every frame, one `crc32fast::hash` each: the CRC work every conforming decoder does |
//! | `eventstream_prelude_crc` | `bedrock_core` / `crc32fast` | the prelude CRC of every frame's first 8 bytes, with bedrock-core's slice-by-8 [`prelude_crc`] / with `crc32fast::hash`: why the decoder keeps its own CRC for those 8 bytes |
//!
//! Chunks are 16 KiB (the last shorter) or 1–97 bytes drawn from a fixed-seed generator; the
//! boundaries are computed once, outside the timing, and shared by all decoders. A check before
//! the timing asserts that every decoder sees the same number of messages, payload bytes and
//! `:event-type` bytes, and prints our decoder's peak buffered bytes for the tiny chunks next to
//! the largest frame.
//!
//! CRC: bedrock-core is `no_std` and leaves crc32fast's run-time SIMD detection off; this
//! package enables crc32fast's `std` feature (as the adapters do), so both decoders use the same
//! PCLMULQDQ CRC.

use std::hint::black_box;
use std::time::Duration;

use bedrock_bench::{Rng, TINY_CHUNK_MAX, chunk_ranges};
use bedrock_core::converse::{ContentBlock, StreamAccumulator, StreamEvent, parse_event};
use bedrock_core::eventstream::{Decoder, Header, HeaderValue, Message, prelude_crc};
use criterion::{Criterion, SamplingMode, Throughput, criterion_group, criterion_main};

use aws_smithy_eventstream::frame::{DecodedFrame, MessageFrameDecoder};
use aws_smithy_types::event_stream::Message as SmithyMessage;
use bytes::{Bytes, BytesMut};
use bytes_utils::SegmentedBuf;

/// Size the generated input reaches (it ends on the first response boundary past it).
const TARGET_LEN: usize = 64 * 1024 * 1024;
const SEED: u64 = 0x5eed_b3d7_0c4f_2026;

const WORDS: &[&str] = &[
    "the",
    "model",
    "stream",
    "returns",
    "tokens",
    "as",
    "they",
    "are",
    "generated,",
    "and",
    "each",
    "frame",
    "carries",
    "a",
    "small",
    "delta.",
    "Paris",
    "weather",
    "forecast",
    "shows",
    "rain",
    "tomorrow;",
    "temperatures",
    "of",
    "12°C",
    "café",
    "naïve",
    "résumé",
    "—",
    "\"quoted\"",
    "`code`",
    "fn main() {}",
    "\n\n",
    "\n- ",
    "**bold**",
    "1.",
    "2.",
    "however,",
    "in",
    "summary:",
    "→",
    "🙂",
];

const TOOLS: &[&str] = &[
    "get_weather",
    "search_documents",
    "run_sql_query",
    "create_ticket",
];

/// The alphabet Bedrock's `"p"` padding member is a prefix of.
const PADDING: &str = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

fn json_escape(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c if u32::from(c) < 0x20 => out.push_str(&format!("\\u{:04x}", u32::from(c))),
            c => out.push(c),
        }
    }
}

/// Text of `len` characters or a little fewer (never cut inside a character).
fn text(rng: &mut Rng, len: usize) -> String {
    let mut text = String::new();
    while text.chars().count() < len {
        if !text.is_empty() && !text.ends_with('\n') {
            text.push(' ');
        }
        text.push_str(rng.pick(WORDS));
    }
    text.chars().take(len).collect()
}

/// The input and what decoding it must give.
struct Corpus {
    bytes: Vec<u8>,
    largest_frame: usize,
    expected: Tally,
    expected_events: EventTally,
}

struct Builder {
    rng: Rng,
    bytes: Vec<u8>,
    largest_frame: usize,
    tally: Tally,
    events: EventTally,
}

impl Builder {
    /// Appends one frame with Bedrock's three headers; `body` is the payload's JSON members
    /// before the padding member.
    fn frame(&mut self, event_type: &str, body: &str) {
        let pad = &PADDING[..self.rng.range(1, PADDING.len())];
        let payload = format!(r#"{{{body},"p":"{pad}"}}"#);
        let headers = vec![
            Header::new(":event-type", HeaderValue::String(event_type.into())),
            Header::new(
                ":content-type",
                HeaderValue::String("application/json".into()),
            ),
            Header::new(":message-type", HeaderValue::String("event".into())),
        ];
        let start = self.bytes.len();
        self.tally.messages += 1;
        self.tally.payload_bytes += payload.len() as u64;
        self.tally.event_type_bytes += event_type.len() as u64;
        Message::new(headers, payload.into_bytes())
            .encode(&mut self.bytes)
            .expect("frame encodes");
        self.largest_frame = self.largest_frame.max(self.bytes.len() - start);
        self.events.events += 1;
    }

    fn response(&mut self) {
        self.frame("messageStart", r#""role":"assistant""#);
        let mut index = 0;
        for _ in 0..self.rng.range(20, 300) {
            let len = self.rng.range(10, 200);
            let delta = text(&mut self.rng, len);
            self.events.text_bytes += delta.len() as u64;
            let mut body = format!(r#""contentBlockIndex":{index},"delta":{{"text":""#);
            json_escape(&mut body, &delta);
            body.push_str(r#""}"#);
            self.frame("contentBlockDelta", &body);
        }
        self.frame(
            "contentBlockStop",
            &format!(r#""contentBlockIndex":{index}"#),
        );
        let tools = if self.rng.chance(35) {
            self.rng.range(1, 2)
        } else {
            0
        };
        for _ in 0..tools {
            index += 1;
            self.tool_call(index);
        }
        let stop_reason = if tools > 0 { "tool_use" } else { "end_turn" };
        self.frame("messageStop", &format!(r#""stopReason":"{stop_reason}""#));
        let input = self.rng.range(20, 4000);
        let output = self.rng.range(50, 2000);
        let latency = self.rng.range(200, 9000);
        self.frame(
            "metadata",
            &format!(
                r#""usage":{{"inputTokens":{input},"outputTokens":{output},"totalTokens":{}}},"metrics":{{"latencyMs":{latency}}}"#,
                input + output
            ),
        );
        self.events.responses += 1;
    }

    fn tool_call(&mut self, index: usize) {
        const ID_CHARS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        let id: String = (0..22)
            .map(|_| char::from(ID_CHARS[self.rng.range(0, ID_CHARS.len() - 1)]))
            .collect();
        let name = self.rng.pick(TOOLS);
        self.frame(
            "contentBlockStart",
            &format!(
                r#""contentBlockIndex":{index},"start":{{"toolUse":{{"toolUseId":"tooluse_{id}","name":"{name}"}}}}"#
            ),
        );
        // The arguments, as JSON text streamed in fragments: the first one empty, as Bedrock
        // sends it.
        let query_len = self.rng.range(10, 120);
        let mut arguments = String::from(r#"{"query": ""#);
        json_escape(&mut arguments, &text(&mut self.rng, query_len));
        arguments.push_str(&format!(
            r#"", "limit": {}, "units": "celsius", "include_history": true}}"#,
            self.rng.range(1, 100)
        ));
        let chars: Vec<char> = arguments.chars().collect();
        let mut fragments = vec![String::new()];
        let mut at = 0;
        while at < chars.len() {
            let end = (at + self.rng.range(1, 40)).min(chars.len());
            fragments.push(chars[at..end].iter().collect());
            at = end;
        }
        for fragment in fragments {
            let mut body =
                format!(r#""contentBlockIndex":{index},"delta":{{"toolUse":{{"input":""#);
            json_escape(&mut body, &fragment);
            body.push_str(r#""}}"#);
            self.frame("contentBlockDelta", &body);
        }
        self.frame(
            "contentBlockStop",
            &format!(r#""contentBlockIndex":{index}"#),
        );
        self.events.tool_calls += 1;
    }
}

fn corpus() -> Corpus {
    let mut builder = Builder {
        rng: Rng(SEED),
        bytes: Vec::with_capacity(TARGET_LEN + 1024 * 1024),
        largest_frame: 0,
        tally: Tally::default(),
        events: EventTally::default(),
    };
    while builder.bytes.len() < TARGET_LEN {
        builder.response();
    }
    Corpus {
        bytes: builder.bytes,
        largest_frame: builder.largest_frame,
        expected: builder.tally,
        expected_events: builder.events,
    }
}

/// 16 KiB chunks, the last one shorter.
fn large_chunks(bytes: &[u8]) -> Vec<&[u8]> {
    chunk_ranges(bytes.len(), false, 0)
        .into_iter()
        .map(|range| &bytes[range])
        .collect()
}

/// Chunks of 1–97 bytes, from a fixed seed.
fn tiny_chunks(bytes: &[u8]) -> Vec<&[u8]> {
    chunk_ranges(bytes.len(), true, SEED ^ 0xc4_u64)
        .into_iter()
        .map(|range| &bytes[range])
        .collect()
}

/// Where each frame lies in `bytes`, from the total lengths in the preludes.
fn frame_ranges(bytes: &[u8]) -> Vec<std::ops::Range<usize>> {
    let mut frames = Vec::new();
    let mut at = 0;
    while at < bytes.len() {
        let total = u32::from_be_bytes(bytes[at..at + 4].try_into().expect("4 bytes")) as usize;
        frames.push(at..at + total);
        at += total;
    }
    frames
}

/// What every decoder reads from every message, so none of the work can be optimized away.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Tally {
    messages: u64,
    payload_bytes: u64,
    /// Bytes of the `:event-type` header values: proves each decoder found that header.
    event_type_bytes: u64,
}

impl Tally {
    fn add(&mut self, event_type: Option<&str>, payload: &[u8]) {
        self.messages += 1;
        self.payload_bytes += payload.len() as u64;
        self.event_type_bytes += event_type.map_or(0, str::len) as u64;
    }

    fn add_smithy(&mut self, message: &SmithyMessage) {
        let event_type = message
            .headers()
            .iter()
            .find(|h| h.name().as_str() == ":event-type")
            .and_then(|h| h.value().as_string().ok())
            .map(|s| s.as_str());
        self.add(event_type, message.payload());
    }
}

/// Ours: push each chunk, pull messages until the chunk is used up.
fn decode_ours(chunks: &[&[u8]]) -> (Tally, usize) {
    let mut decoder = Decoder::new();
    let mut tally = Tally::default();
    for chunk in chunks {
        let mut input = *chunk;
        while let Some(message) = decoder.decode(&mut input).expect("valid stream") {
            tally.add(message.header_str(":event-type"), message.payload());
        }
    }
    decoder.finish().expect("stream ends on a frame boundary");
    (tally, decoder.peak_buffered())
}

/// The peer as a user of the crate feeds it: append each chunk to a `BytesMut`, decode frames
/// until one is incomplete.
fn decode_smithy_bytes_mut(chunks: &[&[u8]]) -> Tally {
    let mut decoder = MessageFrameDecoder::new();
    let mut buffer = BytesMut::new();
    let mut tally = Tally::default();
    for chunk in chunks {
        buffer.extend_from_slice(chunk);
        while let DecodedFrame::Complete(message) =
            decoder.decode_frame(&mut buffer).expect("valid stream")
        {
            tally.add_smithy(&message);
        }
    }
    assert!(buffer.is_empty(), "stream ends on a frame boundary");
    tally
}

/// The peer as the SDK's receiver (`aws_smithy_http::event_stream::Receiver`) feeds it: body
/// chunks (`Bytes`) pushed onto a `SegmentedBuf`.
fn decode_smithy_segmented(chunks: &[Bytes]) -> Tally {
    let mut decoder = MessageFrameDecoder::new();
    let mut buffer = SegmentedBuf::new();
    let mut tally = Tally::default();
    for chunk in chunks {
        buffer.push(chunk.clone());
        while let DecodedFrame::Complete(message) =
            decoder.decode_frame(&mut buffer).expect("valid stream")
        {
            tally.add_smithy(&message);
        }
    }
    assert_eq!(
        bytes::Buf::remaining(&buffer),
        0,
        "stream ends on a frame boundary"
    );
    tally
}

/// What frames → typed events → accumulated responses gives.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct EventTally {
    events: u64,
    responses: u64,
    /// Bytes of the accumulated text blocks.
    text_bytes: u64,
    tool_calls: u64,
}

/// Ours, all the way to responses: decode, `parse_event`, `handle_event`; `finish` after each
/// response's `metadata`.
fn events_ours(chunks: &[&[u8]]) -> EventTally {
    let mut decoder = Decoder::new();
    let mut accumulator = StreamAccumulator::new();
    let mut tally = EventTally::default();
    for chunk in chunks {
        let mut input = *chunk;
        while let Some(message) = decoder.decode(&mut input).expect("valid stream") {
            let event = parse_event(&message)
                .expect("a ConverseStream event")
                .expect("a known event");
            tally.events += 1;
            accumulator.handle_event(&event).expect("events in order");
            if matches!(event, StreamEvent::Metadata(_)) {
                let response = std::mem::take(&mut accumulator)
                    .finish()
                    .expect("a complete response");
                tally.responses += 1;
                for block in response.content() {
                    match block {
                        ContentBlock::Text(text) => tally.text_bytes += text.len() as u64,
                        ContentBlock::ToolUse(_) => tally.tool_calls += 1,
                        _ => {}
                    }
                }
            }
        }
    }
    decoder.finish().expect("stream ends on a frame boundary");
    tally
}

fn eventstream(c: &mut Criterion) {
    let corpus = corpus();
    let bytes = corpus.bytes.as_slice();
    let len = bytes.len() as u64;
    let shared = Bytes::copy_from_slice(bytes);

    let large = large_chunks(bytes);
    let tiny = tiny_chunks(bytes);
    println!(
        "input: {len} bytes, {} frames ({} responses), largest frame {} bytes; {} chunks of 16 KiB, {} chunks of 1-{TINY_CHUNK_MAX} bytes",
        corpus.expected.messages,
        corpus.expected_events.responses,
        corpus.largest_frame,
        large.len(),
        tiny.len(),
    );

    // Same work on the same bytes, checked once outside the timing.
    // The same chunks as `Bytes` views of one shared buffer (no copy), for the SDK receiver.
    let to_bytes = |chunks: &[&[u8]]| -> Vec<Bytes> {
        let mut at = 0;
        chunks
            .iter()
            .map(|chunk| {
                at += chunk.len();
                shared.slice(at - chunk.len()..at)
            })
            .collect()
    };
    let chunkings = [
        ("16KiB_chunks", large.clone(), to_bytes(&large)),
        ("tiny_chunks", tiny.clone(), to_bytes(&tiny)),
    ];
    for (label, chunks, owned) in &chunkings {
        let (tally, peak) = decode_ours(chunks);
        assert_eq!(tally, corpus.expected, "bedrock_core, {label}");
        assert_eq!(
            decode_smithy_bytes_mut(chunks),
            corpus.expected,
            "smithy/bytes_mut, {label}"
        );
        assert_eq!(
            decode_smithy_segmented(owned),
            corpus.expected,
            "smithy/segmented_buf, {label}"
        );
        println!(
            "bedrock_core, {label}: peak buffered {peak} bytes (largest frame {} bytes)",
            corpus.largest_frame
        );
        assert!(peak <= corpus.largest_frame, "buffers at most one frame");
    }
    assert_eq!(events_ours(&large), corpus.expected_events);

    for (label, chunks, owned) in &chunkings {
        let mut group = c.benchmark_group(format!("eventstream_decode/{label}"));
        group.throughput(Throughput::Bytes(len));
        group.sampling_mode(SamplingMode::Flat);
        group.bench_function("bedrock_core", |b| {
            b.iter(|| decode_ours(black_box(chunks)));
        });
        group.bench_function("smithy/bytes_mut", |b| {
            b.iter(|| decode_smithy_bytes_mut(black_box(chunks)));
        });
        group.bench_function("smithy/segmented_buf", |b| {
            b.iter(|| decode_smithy_segmented(black_box(owned)));
        });
        group.finish();
    }

    let mut group = c.benchmark_group("eventstream_events/16KiB_chunks");
    group.throughput(Throughput::Bytes(len));
    group.sampling_mode(SamplingMode::Flat);
    group.bench_function("bedrock_core", |b| {
        b.iter(|| events_ours(black_box(&large)));
    });
    group.finish();

    let mut group = c.benchmark_group("eventstream_floor");
    group.throughput(Throughput::Bytes(len));
    group.sampling_mode(SamplingMode::Flat);
    group.bench_function("crc32", |b| {
        b.iter(|| crc32fast::hash(black_box(bytes)));
    });
    // The CRCs every conforming decoder computes: each frame's prelude and whole message.
    let frames = frame_ranges(bytes);
    group.bench_function("crc32_per_frame", |b| {
        b.iter(|| {
            let mut acc = 0u32;
            for frame in &frames {
                let frame = &bytes[frame.clone()];
                acc ^= crc32fast::hash(&frame[..8]);
                acc ^= crc32fast::hash(&frame[..frame.len() - 4]);
            }
            black_box(acc)
        });
    });
    let mut copy = vec![0u8; bytes.len()];
    group.bench_function("memcpy", |b| {
        b.iter(|| {
            copy.copy_from_slice(black_box(bytes));
            black_box(&copy);
        });
    });
    group.finish();

    // The 8 prelude bytes of every frame, gathered once so only the CRC is timed.
    let preludes: Vec<[u8; 8]> = frames
        .iter()
        .map(|frame| {
            let mut prelude = [0u8; 8];
            prelude.copy_from_slice(&bytes[frame.start..frame.start + 8]);
            prelude
        })
        .collect();
    assert!(
        preludes
            .iter()
            .all(|p| prelude_crc(p) == crc32fast::hash(p)),
        "both CRCs agree"
    );
    let mut group = c.benchmark_group("eventstream_prelude_crc");
    group.throughput(Throughput::Elements(preludes.len() as u64));
    group.bench_function("bedrock_core", |b| {
        b.iter(|| {
            black_box(&preludes)
                .iter()
                .fold(0u32, |acc, p| acc ^ prelude_crc(p))
        });
    });
    group.bench_function("crc32fast", |b| {
        b.iter(|| {
            black_box(&preludes)
                .iter()
                .fold(0u32, |acc, p| acc ^ crc32fast::hash(p))
        });
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_secs(2))
        .measurement_time(Duration::from_secs(12));
    targets = eventstream
}
criterion_main!(benches);
