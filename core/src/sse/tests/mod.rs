//! Decoder tests: a byte-literal test for each rule of the standard, every split point of a
//! Responses stream, limits, and property tests of chunking invariance against a whole-input
//! reference implementation.

mod limits;
mod properties;
mod rules;

use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec;
use alloc::vec::Vec;

use super::*;

/// What a decoder produced from a whole stream: the events, then the end or the error.
type Outcome = (Vec<Event>, Result<End, DecodeError>);

/// Feeds `chunks` in order with `limits`, collects every event, then finishes.
fn decode_chunks_with<'c>(chunks: impl IntoIterator<Item = &'c [u8]>, limits: Limits) -> Outcome {
    let mut decoder = Decoder::with_limits(limits);
    let mut events = Vec::new();
    for chunk in chunks {
        let mut input = chunk;
        loop {
            match decoder.decode(&mut input) {
                Ok(Some(event)) => events.push(event),
                Ok(None) => break,
                Err(e) => return (events, Err(e)),
            }
        }
        assert!(input.is_empty(), "decode returned None with input left");
    }
    let end = decoder.finish();
    (events, end)
}

fn decode_chunks<'c>(chunks: impl IntoIterator<Item = &'c [u8]>) -> Outcome {
    decode_chunks_with(chunks, Limits::default())
}

/// The events of a whole stream that must end cleanly.
fn events(bytes: &[u8]) -> Vec<Event> {
    let (events, end) = decode_chunks([bytes]);
    assert_eq!(end, Ok(End::Clean));
    events
}

fn event(event: &str, data: &str, id: &str) -> Event {
    Event {
        event: event.into(),
        data: data.into(),
        id: id.into(),
    }
}

fn message(data: &str) -> Event {
    event("message", data, "")
}

/// A realistic Responses stream (mantle-responses.md §4): created, the message item, `deltas`
/// text deltas, done events and completed, each `event: <type>\ndata: <json>\n\n`.
fn responses_stream(deltas: usize) -> (Vec<u8>, Vec<Event>) {
    let mut payloads: Vec<(String, String)> = Vec::new();
    let mut push = |kind: &str, rest: &str| {
        let seq = payloads.len();
        let json = format!(r#"{{"type":"{kind}","sequence_number":{seq}{rest}}}"#);
        payloads.push((kind.to_string(), json));
    };
    let response = r#","response":{"id":"resp_gnt2qiavimim2lvfrtosh472mmsodtphk4glbiiefj7joxb4k4ra","object":"response","status":"in_progress","model":"openai.gpt-5.5","output":[]}"#;
    push("response.created", response);
    push("response.in_progress", response);
    push(
        "response.output_item.added",
        r#","output_index":0,"item":{"type":"message","id":"msg_1","status":"in_progress","role":"assistant","content":[]}"#,
    );
    push(
        "response.content_part.added",
        r#","item_id":"msg_1","output_index":0,"content_index":0,"part":{"type":"output_text","text":"","annotations":[]}"#,
    );
    let mut text = String::new();
    for i in 0..deltas {
        let delta = format!("word{i} \u{e9}\u{2014}\\n");
        text.push_str(&delta);
        push(
            "response.output_text.delta",
            &format!(
                r#","item_id":"msg_1","output_index":0,"content_index":0,"delta":"{delta}","logprobs":[]"#
            ),
        );
    }
    push(
        "response.output_text.done",
        &format!(
            r#","item_id":"msg_1","output_index":0,"content_index":0,"text":"{text}","logprobs":[]"#
        ),
    );
    push(
        "response.completed",
        r#","response":{"id":"resp_1","status":"completed","usage":{"input_tokens":177,"input_tokens_details":{"cached_tokens":0},"output_tokens":129,"output_tokens_details":{"reasoning_tokens":18},"total_tokens":306}}"#,
    );
    let mut bytes = Vec::new();
    let mut expected = Vec::new();
    for (kind, json) in payloads {
        bytes.extend_from_slice(format!("event: {kind}\ndata: {json}\n\n").as_bytes());
        expected.push(event(&kind, &json, ""));
    }
    (bytes, expected)
}

/// `bytes` with every `\n` replaced by `eol`.
fn with_line_end(bytes: &[u8], eol: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    for &b in bytes {
        if b == b'\n' {
            out.extend_from_slice(eol);
        } else {
            out.push(b);
        }
    }
    out
}

// ---- the realistic stream, whole and at every split ----

#[test]
fn decodes_a_responses_stream() {
    let (bytes, expected) = responses_stream(5);
    let got = events(&bytes);
    assert_eq!(got.len(), 11);
    assert_eq!(got, expected);
    assert_eq!(got[4].event, "response.output_text.delta");
    assert!(got[4].data.contains(r#""delta":"word0 é—\n""#));
}

#[test]
fn every_split_point_gives_the_same_events() {
    let (bytes, expected) = responses_stream(3);
    for eol in [&b"\n"[..], b"\r\n", b"\r"] {
        let bytes = with_line_end(&bytes, eol);
        let whole = decode_chunks([bytes.as_slice()]);
        assert_eq!(whole, (expected.clone(), Ok(End::Clean)));
        for split in 0..=bytes.len() {
            let (a, b) = bytes.split_at(split);
            assert_eq!(
                decode_chunks([a, b]),
                whole,
                "split at {split}, eol {eol:?}"
            );
        }
        // Three pieces around the first event's line ends and inside the delta's multi-byte text.
        for (i, j) in [(1, 2), (22, 23), (23, 24), (100, 300), (500, 501)] {
            let (a, rest) = bytes.split_at(i);
            let (b, c) = rest.split_at(j - i);
            assert_eq!(decode_chunks([a, b, c]), whole, "splits at {i}, {j}");
        }
        let byte_by_byte: Vec<&[u8]> = bytes.chunks(1).collect();
        assert_eq!(decode_chunks(byte_by_byte), whole, "eol {eol:?}");
    }
}

#[test]
fn events_come_out_one_per_call_with_the_rest_of_the_input_left() {
    let mut decoder = Decoder::new();
    let mut input: &[u8] = b"data: a\n\ndata: b\n\ndata: c";
    assert_eq!(decoder.decode(&mut input), Ok(Some(message("a"))));
    assert_eq!(input, b"data: b\n\ndata: c");
    assert_eq!(decoder.decode(&mut input), Ok(Some(message("b"))));
    assert_eq!(decoder.decode(&mut input), Ok(None));
    assert!(input.is_empty());
    assert!(decoder.is_mid_event());
    assert_eq!(decoder.buffered(), 7);
    let mut input: &[u8] = b"\n\n";
    assert_eq!(decoder.decode(&mut input), Ok(Some(message("c"))));
    assert!(!decoder.is_mid_event());
    assert_eq!(decoder.finish(), Ok(End::Clean));
}

/// Limits of `line` bytes per line and `data` bytes per event's data.
fn limits(line: usize, data: usize) -> Limits {
    Limits {
        max_line_len: line,
        max_data_len: data,
    }
}
