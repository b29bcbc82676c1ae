//! Server-sent-events decoding of Responses streams: bedrock-core's [`Decoder`] against
//! `eventsource-stream`'s parser, side by side in one run, on the same bytes cut at the same chunk
//! boundaries.
//!
//! Run with `cargo bench -p bedrock-bench --bench sse`.
//!
//! The input is built once, deterministically: 16 MiB (rounded up to the end of a response) of
//! concatenated Responses API streams as the mantle route sends them. Each response is
//! `response.created`, `response.in_progress`, `response.output_item.added`,
//! `response.content_part.added`, 20–300 `response.output_text.delta` events of 1–40 characters,
//! `response.output_text.done`, `response.content_part.done`, `response.output_item.done` (the
//! last three carrying the whole text) and `response.completed` (the whole response and its
//! usage), every event an `event:` line, one `data:` line of JSON with a `sequence_number`, and a
//! blank line.
//!
//! | group | benchmark | what one iteration does |
//! |---|---|---|
//! | `sse_decode/16KiB_chunks`, `…/tiny_chunks` | `bedrock_core` | push every chunk into a [`Decoder`], pull every event, read its type and data length |
//! | same | `eventsource_stream` | the chunks as a stream of `Bytes` (views of one shared buffer), through `Eventsource::eventsource`, polled to the end with `futures_lite::future::block_on`; the same reads |
//!
//! Chunks are 16 KiB (the last shorter) or 1–97 bytes drawn from a fixed-seed generator,
//! computed once outside the timing. A check before the timing asserts that both parsers see the
//! same number of events, data bytes and event-type bytes.

use std::convert::Infallible;
use std::hint::black_box;
use std::time::Duration;

use bedrock_bench::{Rng, TINY_CHUNK_MAX, chunk_ranges};
use bedrock_core::sse::{Decoder, End};
use bytes::Bytes;
use criterion::{Criterion, SamplingMode, Throughput, criterion_group, criterion_main};
use eventsource_stream::Eventsource;
use futures_lite::StreamExt;

/// Size the generated input reaches (it ends on the first response boundary past it).
const TARGET_LEN: usize = 16 * 1024 * 1024;
const SEED: u64 = 0x5eed_55e0_0c4f_2026;

const WORDS: &[&str] = &[
    "the",
    "model",
    "streams",
    "tokens",
    "as",
    "they",
    "are",
    "generated,",
    "and",
    "each",
    "event",
    "carries",
    "a",
    "small",
    "delta.",
    "Paris",
    "rain",
    "12°C",
    "café",
    "—",
    "\\\"quoted\\\"",
    "`code`",
    "\\n\\n",
    "\\n- ",
    "**bold**",
    "however,",
    "summary:",
    "→",
    "🙂",
];

/// What every parser reads from every event, so none of the work can be optimized away.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Tally {
    events: u64,
    data_bytes: u64,
    event_type_bytes: u64,
}

impl Tally {
    fn add(&mut self, event_type: &str, data: &str) {
        self.events += 1;
        self.data_bytes += data.len() as u64;
        self.event_type_bytes += event_type.len() as u64;
    }
}

struct Builder {
    rng: Rng,
    text: String,
    sequence: u64,
    responses: u64,
    tally: Tally,
}

impl Builder {
    /// Appends one event; `body` is the JSON object's members after `type` and
    /// `sequence_number`.
    fn event(&mut self, event_type: &str, body: &str) {
        let data = format!(
            r#"{{"type":"{event_type}","sequence_number":{},{body}}}"#,
            self.sequence
        );
        self.sequence += 1;
        self.tally.add(event_type, &data);
        self.text.push_str("event: ");
        self.text.push_str(event_type);
        self.text.push_str("\ndata: ");
        self.text.push_str(&data);
        self.text.push_str("\n\n");
    }

    fn response(&mut self) {
        self.sequence = 0;
        self.responses += 1;
        let id = format!("resp_{:016x}", self.rng.next_u64());
        let item = format!("msg_{:016x}", self.rng.next_u64());
        let model = "openai.gpt-5.5";
        let shell = |status: &str, output: &str, usage: &str| {
            format!(
                r#""response":{{"id":"{id}","object":"response","created_at":1767225600,"status":"{status}","model":"{model}","output":[{output}],"usage":{usage}}}"#
            )
        };
        self.event("response.created", &shell("in_progress", "", "null"));
        self.event("response.in_progress", &shell("in_progress", "", "null"));
        let in_progress_item = format!(
            r#""id":"{item}","type":"message","status":"in_progress","role":"assistant","content":[]"#
        );
        self.event(
            "response.output_item.added",
            &format!(r#""output_index":0,"item":{{{in_progress_item}}}"#),
        );
        self.event(
            "response.content_part.added",
            &format!(
                r#""item_id":"{item}","output_index":0,"content_index":0,"part":{{"type":"output_text","text":"","annotations":[]}}"#
            ),
        );
        let mut full = String::new();
        for _ in 0..self.rng.range(20, 300) {
            let mut delta = String::new();
            for _ in 0..self.rng.range(1, 4) {
                delta.push(' ');
                delta.push_str(self.rng.pick(WORDS));
            }
            full.push_str(&delta);
            self.event(
                "response.output_text.delta",
                &format!(
                    r#""item_id":"{item}","output_index":0,"content_index":0,"delta":"{delta}","logprobs":[]"#
                ),
            );
        }
        self.event(
            "response.output_text.done",
            &format!(
                r#""item_id":"{item}","output_index":0,"content_index":0,"text":"{full}","logprobs":[]"#
            ),
        );
        let part = format!(r#"{{"type":"output_text","text":"{full}","annotations":[]}}"#);
        self.event(
            "response.content_part.done",
            &format!(r#""item_id":"{item}","output_index":0,"content_index":0,"part":{part}"#),
        );
        let done_item = format!(
            r#"{{"id":"{item}","type":"message","status":"completed","role":"assistant","content":[{part}]}}"#
        );
        self.event(
            "response.output_item.done",
            &format!(r#""output_index":0,"item":{done_item}"#),
        );
        let input = self.rng.range(20, 4000);
        let output = self.rng.range(50, 2000);
        let usage = format!(
            r#"{{"input_tokens":{input},"input_tokens_details":{{"cached_tokens":0}},"output_tokens":{output},"output_tokens_details":{{"reasoning_tokens":0}},"total_tokens":{}}}"#,
            input + output
        );
        self.event(
            "response.completed",
            &shell("completed", &done_item, &usage),
        );
    }
}

/// The input and what decoding it must give.
fn corpus() -> (Vec<u8>, Tally, u64) {
    let mut builder = Builder {
        rng: Rng(SEED),
        text: String::with_capacity(TARGET_LEN + 1024 * 1024),
        sequence: 0,
        responses: 0,
        tally: Tally::default(),
    };
    while builder.text.len() < TARGET_LEN {
        builder.response();
    }
    (builder.text.into_bytes(), builder.tally, builder.responses)
}

/// 16 KiB chunks or chunks of 1–97 bytes from a fixed seed, as `Bytes` views of one buffer.
fn chunks(shared: &Bytes, tiny: bool) -> Vec<Bytes> {
    chunk_ranges(shared.len(), tiny, SEED ^ 0xc4_u64)
        .into_iter()
        .map(|range| shared.slice(range))
        .collect()
}

/// Ours: push each chunk, pull events until the chunk is used up.
fn decode_ours(chunks: &[Bytes]) -> Tally {
    let mut decoder = Decoder::new();
    let mut tally = Tally::default();
    for chunk in chunks {
        let mut input: &[u8] = chunk;
        while let Some(event) = decoder.decode(&mut input).expect("valid stream") {
            tally.add(&event.event, &event.data);
        }
    }
    assert_eq!(decoder.finish().expect("valid stream"), End::Clean);
    tally
}

/// The peer as its users drive it: a stream of body chunks, adapted with `.eventsource()`.
fn decode_peer(chunks: &[Bytes]) -> Tally {
    let body = futures_lite::stream::iter(chunks.iter().cloned().map(Ok::<Bytes, Infallible>));
    let mut events = body.eventsource();
    futures_lite::future::block_on(async {
        let mut tally = Tally::default();
        while let Some(event) = events.next().await {
            let event = event.expect("valid stream");
            tally.add(&event.event, &event.data);
        }
        tally
    })
}

fn sse(c: &mut Criterion) {
    let (bytes, expected, responses) = corpus();
    let len = bytes.len() as u64;
    let shared = Bytes::from(bytes);
    let chunkings = [
        ("16KiB_chunks", chunks(&shared, false)),
        ("tiny_chunks", chunks(&shared, true)),
    ];
    println!(
        "input: {len} bytes, {} events ({responses} responses); {} chunks of 16 KiB, {} chunks of 1-{TINY_CHUNK_MAX} bytes",
        expected.events,
        chunkings[0].1.len(),
        chunkings[1].1.len(),
    );
    for (label, chunks) in &chunkings {
        assert_eq!(decode_ours(chunks), expected, "bedrock_core, {label}");
        assert_eq!(decode_peer(chunks), expected, "eventsource_stream, {label}");
    }
    for (label, chunks) in &chunkings {
        let mut group = c.benchmark_group(format!("sse_decode/{label}"));
        group.throughput(Throughput::Bytes(len));
        group.sampling_mode(SamplingMode::Flat);
        group.bench_function("bedrock_core", |b| {
            b.iter(|| decode_ours(black_box(chunks)));
        });
        group.bench_function("eventsource_stream", |b| {
            b.iter(|| decode_peer(black_box(chunks)));
        });
        group.finish();
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_secs(2))
        .measurement_time(Duration::from_secs(10));
    targets = sse
}
criterion_main!(benches);
