//! Decoder tests: a byte-literal test for each rule of the standard, every split point of a
//! Responses stream, limits, and property tests of chunking invariance against a whole-input
//! reference implementation.

use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec;
use alloc::vec::Vec;

use proptest::prelude::*;

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

// ---- one test per rule ----

#[test]
fn line_ends_lf_crlf_and_cr() {
    let expected = vec![message("a\nb"), message("c")];
    assert_eq!(events(b"data: a\ndata: b\n\ndata: c\n\n"), expected);
    assert_eq!(
        events(b"data: a\r\ndata: b\r\n\r\ndata: c\r\n\r\n"),
        expected
    );
    assert_eq!(events(b"data: a\rdata: b\r\rdata: c\r\r"), expected);
    assert_eq!(events(b"data: a\rdata: b\r\n\ndata: c\n\r"), expected);
    // `\n\r` is two line ends, not one.
    assert_eq!(events(b"data: a\n\r"), vec![message("a")]);
}

#[test]
fn cr_then_lf_across_inputs_is_one_line_end() {
    let expected = (vec![message("a\nb")], Ok(End::Clean));
    let split: [&[u8]; 2] = [b"data: a\r", b"\ndata: b\r\n\r\n"];
    assert_eq!(decode_chunks(split), expected);
    // Empty inputs between the two bytes change nothing.
    let split: [&[u8]; 4] = [b"data: a\r", b"", b"", b"\ndata: b\r\n\r\n"];
    assert_eq!(decode_chunks(split), expected);
    // A `\r` at the end of input followed by another `\r` is two line ends: a blank line.
    let split: [&[u8]; 2] = [b"data: a\r", b"\rdata: b\n\n"];
    assert_eq!(
        decode_chunks(split),
        (vec![message("a"), message("b")], Ok(End::Clean))
    );
}

#[test]
fn comments_are_ignored() {
    assert_eq!(
        events(b": keep-alive\ndata: a\n:\n: another\ndata: b\n\n:done\n"),
        vec![message("a\nb")]
    );
    assert_eq!(events(b": only comments\n\n\n:x\n"), vec![]);
    // A comment does not dispatch, and a stream ending after one is clean.
    assert_eq!(
        decode_chunks([&b"data: a\n\n: bye\n"[..]]),
        (vec![message("a")], Ok(End::Clean))
    );
}

#[test]
fn one_leading_space_is_stripped() {
    assert_eq!(
        events(b"data:x\n\ndata: x\n\ndata:  x\n\ndata:\tx\n\n"),
        vec![message("x"), message("x"), message(" x"), message("\tx")]
    );
    assert_eq!(
        events(b"event:  spaced\ndata: a\n\n"),
        vec![event(" spaced", "a", "")]
    );
    // Only the first colon separates: the value may hold colons.
    assert_eq!(
        events(b"data: {\"a\": \"b:c\"}\n\n"),
        vec![message("{\"a\": \"b:c\"}")]
    );
    // The field name is matched exactly: no space before the colon.
    assert_eq!(events(b"data : a\n\n"), vec![]);
}

#[test]
fn a_leading_bom_is_stripped_once() {
    assert_eq!(
        events(b"\xEF\xBB\xBFdata: a\n\n\xEF\xBB\xBFdata: b\n\n"),
        vec![message("a")],
        "a second BOM makes an unknown field name"
    );
    assert_eq!(events(b"\xEF\xBB\xBF\xEF\xBB\xBFdata: a\n\n"), vec![]);
    let bytes = b"\xEF\xBB\xBFdata: a\n\n";
    for split in 0..=bytes.len() {
        let (a, b) = bytes.split_at(split);
        assert_eq!(
            decode_chunks([a, b]),
            (vec![message("a")], Ok(End::Clean)),
            "split at {split}"
        );
    }
    // Only at the start of the stream: a BOM after a blank first line is part of a field name.
    assert_eq!(events(b"\n\xEF\xBB\xBFdata: a\n\n"), vec![]);
    // Not UTF-8 BOM-like bytes are not stripped.
    assert_eq!(
        events(b"\xEF\xBBdata: a\n\n"),
        vec![],
        "a partial BOM is part of the field name"
    );
}

#[test]
fn a_field_without_a_colon_has_an_empty_value() {
    // `data` alone appends an empty line: the event is dispatched with empty data.
    assert_eq!(events(b"data\n\n"), vec![message("")]);
    assert_eq!(events(b"data\ndata\n\n"), vec![message("\n")]);
    assert_eq!(events(b"data:\n\n"), vec![message("")]);
    assert_eq!(
        events(b"data: a\ndata:\ndata: b\n\n"),
        vec![message("a\n\nb")]
    );
    // `event` alone resets the type to the default.
    assert_eq!(events(b"event: x\nevent\ndata: a\n\n"), vec![message("a")]);
}

#[test]
fn unknown_fields_are_ignored() {
    assert_eq!(
        events(b"foo: bar\nData: x\nDATA\nretry-after: 1\ndata: a\nbar\n\n"),
        vec![message("a")]
    );
    let mut decoder = Decoder::new();
    let mut input: &[u8] = b"foo: bar\n";
    assert_eq!(decoder.decode(&mut input), Ok(None));
    assert_eq!(decoder.retry(), None);
    assert_eq!(decoder.last_event_id(), "");
}

#[test]
fn an_event_with_empty_data_is_not_dispatched() {
    assert_eq!(events(b"event: ping\n\n"), vec![]);
    // ... and its type does not leak into the next event.
    assert_eq!(events(b"event: ping\n\ndata: a\n\n"), vec![message("a")]);
    // Blank lines alone dispatch nothing.
    assert_eq!(events(b"\n\n\r\n\r"), vec![]);
}

#[test]
fn event_type_defaults_to_message_and_the_last_one_wins() {
    assert_eq!(
        events(b"event: a\nevent: b\ndata: x\n\ndata: y\n\nevent:\ndata: z\n\n"),
        vec![event("b", "x", ""), message("y"), message("z")]
    );
}

#[test]
fn id_persists_and_is_ignored_with_nul() {
    let mut decoder = Decoder::new();
    let mut input: &[u8] =
        b"id: 1\ndata: a\n\ndata: b\n\nid: 2\x003\ndata: c\n\nid\ndata: d\n\nid: 7\n\n";
    let mut got = Vec::new();
    while let Some(e) = decoder.decode(&mut input).unwrap() {
        got.push(e);
    }
    assert_eq!(
        got,
        vec![
            event("message", "a", "1"),
            event("message", "b", "1"),
            event("message", "c", "1"),
            event("message", "d", ""),
        ]
    );
    // An event without data still sets the last event id string.
    assert_eq!(decoder.last_event_id(), "7");
    // The id buffer only becomes the last event id at dispatch.
    let mut input: &[u8] = b"id: 8\n";
    assert_eq!(decoder.decode(&mut input), Ok(None));
    assert_eq!(decoder.last_event_id(), "7");
    // A truncated event is discarded, but the last event id survives for a reconnection.
    assert_eq!(
        decoder.finish(),
        Ok(End::Truncated {
            partial_line: 0,
            partial_event: true
        })
    );
    assert_eq!(decoder.last_event_id(), "7");
    let mut input: &[u8] = b"data: e\n\n";
    assert_eq!(
        decoder.decode(&mut input),
        Ok(Some(event("message", "e", "8"))),
        "the id buffer, like the standard's, survives the end of the stream"
    );
}

#[test]
fn retry_takes_digits_only() {
    let retry = |bytes: &[u8]| {
        let mut decoder = Decoder::new();
        let mut input = bytes;
        while decoder.decode(&mut input).unwrap().is_some() {}
        decoder.retry()
    };
    assert_eq!(retry(b"retry: 3000\n"), Some(3000));
    assert_eq!(retry(b"retry:0\n"), Some(0));
    assert_eq!(retry(b"retry: 3000\nretry: 3s\n"), Some(3000));
    assert_eq!(retry(b"retry: 3s\n"), None);
    assert_eq!(retry(b"retry: -1\n"), None);
    assert_eq!(retry(b"retry: +1\n"), None);
    assert_eq!(retry(b"retry: 1.5\n"), None);
    assert_eq!(retry(b"retry:\n"), None);
    assert_eq!(retry(b"retry\n"), None);
    assert_eq!(retry(b"retry:  5\n"), None, "only one space is stripped");
    assert_eq!(retry(b"retry: 99999999999999999999999\n"), Some(u64::MAX));
    // `retry` takes effect at once, not at dispatch, and dispatches nothing itself.
    assert_eq!(events(b"retry: 10\n\n"), vec![]);
}

#[test]
fn invalid_utf8_is_decoded_lossily() {
    assert_eq!(
        events(b"data: \xFF-\xC3\n\n"),
        vec![message("\u{FFFD}-\u{FFFD}")]
    );
    // A truncated sequence is one replacement character (a maximal subpart).
    assert_eq!(
        events(b"event: \xE2\x82\ndata: \xE2\x82\xAC\n\n"),
        vec![event("\u{FFFD}", "\u{20AC}", "")]
    );
    let bytes = b"data: \xE2\x82\xAC\xF0\x9F\n\n";
    for split in 0..=bytes.len() {
        let (a, b) = bytes.split_at(split);
        assert_eq!(
            decode_chunks([a, b]),
            (vec![message("\u{20AC}\u{FFFD}")], Ok(End::Clean)),
            "split at {split}"
        );
    }
}

#[test]
fn finish_reports_a_discarded_event() {
    let end = |bytes: &[u8]| decode_chunks([bytes]);
    assert_eq!(end(b""), (vec![], Ok(End::Clean)));
    assert_eq!(end(b"data: a\n\n"), (vec![message("a")], Ok(End::Clean)));
    assert_eq!(
        end(b"data: a\r"),
        (
            vec![],
            Ok(End::Truncated {
                partial_line: 0,
                partial_event: true
            })
        )
    );
    assert_eq!(end(b"data: a\r\n\r"), (vec![message("a")], Ok(End::Clean)));
    assert_eq!(
        end(b"data: a\n\ndata: b"),
        (
            vec![message("a")],
            Ok(End::Truncated {
                partial_line: 7,
                partial_event: false
            })
        )
    );
    assert_eq!(
        end(b"data: a\n\nevent: x\ndata: b\n"),
        (
            vec![message("a")],
            Ok(End::Truncated {
                partial_line: 0,
                partial_event: true
            })
        )
    );
    assert_eq!(
        end(b"data: a\n\nevent: x\n: c"),
        (
            vec![message("a")],
            Ok(End::Truncated {
                partial_line: 3,
                partial_event: true
            })
        )
    );
    // A partial byte-order mark is a partial line.
    assert_eq!(
        end(b"\xEF\xBB"),
        (
            vec![],
            Ok(End::Truncated {
                partial_line: 2,
                partial_event: false
            })
        )
    );
}

#[test]
fn finish_readies_the_decoder_for_a_new_stream() {
    let mut decoder = Decoder::new();
    let mut input: &[u8] = b"\xEF\xBB\xBFretry: 5\nid: 1\ndata: a\n\nevent: x\ndata: cut";
    assert_eq!(
        decoder.decode(&mut input),
        Ok(Some(event("message", "a", "1")))
    );
    assert_eq!(decoder.decode(&mut input), Ok(None));
    assert!(decoder.finish().unwrap() != End::Clean);
    assert_eq!(decoder.buffered(), 0);
    assert!(!decoder.is_mid_event());
    // The reconnection: a new BOM is stripped, the cut event's type is gone, id and retry kept.
    let mut input: &[u8] = b"\xEF\xBB\xBFdata: b\n\n";
    assert_eq!(
        decoder.decode(&mut input),
        Ok(Some(event("message", "b", "1")))
    );
    assert_eq!(decoder.retry(), Some(5));
    assert_eq!(decoder.finish(), Ok(End::Clean));
    // A `\r` pending at the end of the first stream does not eat the second stream's `\n`.
    let mut input: &[u8] = b"data: c\r";
    assert_eq!(decoder.decode(&mut input), Ok(None));
    assert!(decoder.finish().unwrap() != End::Clean);
    let mut input: &[u8] = b"\ndata: d\n\n";
    assert_eq!(
        decoder.decode(&mut input),
        Ok(Some(event("message", "d", "1")))
    );
}

// ---- limits ----

fn limits(line: usize, data: usize) -> Limits {
    Limits {
        max_line_len: line,
        max_data_len: data,
    }
}

#[test]
fn default_limits() {
    assert_eq!(Decoder::new().limits(), limits(16 << 20, 16 << 20));
    assert_eq!(Decoder::default().limits(), Limits::default());
}

#[test]
fn a_line_at_the_limit_is_accepted_and_one_byte_more_is_not() {
    // "data: 0123456789" is 16 bytes.
    let ok = b"data: 0123456789\r\n\r\n";
    let long = b"data: 0123456789A\r\n\r\n";
    let lim = limits(16, 1024);
    for split in 0..=ok.len() {
        let (a, b) = ok.split_at(split);
        assert_eq!(
            decode_chunks_with([a, b], lim),
            (vec![message("0123456789")], Ok(End::Clean))
        );
    }
    for split in 0..=long.len() {
        let (a, b) = long.split_at(split);
        assert_eq!(
            decode_chunks_with([a, b], lim),
            (vec![], Err(DecodeError::LineTooLong { limit: 16 })),
            "split at {split}"
        );
    }
    // Unterminated: the bytes past the limit are refused before they are buffered.
    let mut decoder = Decoder::with_limits(lim);
    let mut input: &[u8] = b"data: 0123456789";
    assert_eq!(decoder.decode(&mut input), Ok(None));
    assert_eq!(decoder.buffered(), 16);
    let mut input: &[u8] = b"A";
    assert_eq!(
        decoder.decode(&mut input),
        Err(DecodeError::LineTooLong { limit: 16 })
    );
    assert_eq!(decoder.buffered(), 0);
    // Comments count too: a peer cannot make the decoder buffer an endless comment.
    assert_eq!(
        decode_chunks_with([&b": 345678901234567\n"[..]], lim).1,
        Err(DecodeError::LineTooLong { limit: 16 })
    );
}

#[test]
fn events_before_a_long_line_are_delivered() {
    let bytes = b"data: a\n\ndata: bbbbbbbbbbbbbbbbbbbbbb\n\n";
    let lim = limits(10, 1024);
    let whole = decode_chunks_with([&bytes[..]], lim);
    assert_eq!(
        whole,
        (
            vec![message("a")],
            Err(DecodeError::LineTooLong { limit: 10 })
        )
    );
    let byte_by_byte: Vec<&[u8]> = bytes.chunks(1).collect();
    assert_eq!(decode_chunks_with(byte_by_byte, lim), whole);
}

#[test]
fn data_limit_counts_the_joined_data() {
    let lim = limits(1024, 5);
    // "ab\ncd" is 5 bytes: accepted.
    assert_eq!(
        decode_chunks_with([&b"data: ab\ndata: cd\n\n"[..]], lim),
        (vec![message("ab\ncd")], Ok(End::Clean))
    );
    assert_eq!(
        decode_chunks_with([&b"data: ab\ndata: cde\n\n"[..]], lim),
        (vec![], Err(DecodeError::DataTooLong { limit: 5 }))
    );
    // The limit is per event.
    assert_eq!(
        decode_chunks_with([&b"data: abcde\n\ndata: abcde\n\n"[..]], lim).0,
        vec![message("abcde"), message("abcde")]
    );
    // After lossy decoding: one invalid byte is three bytes of U+FFFD.
    assert_eq!(
        decode_chunks_with([&b"data: abc\xFF\n\n"[..]], lim).1,
        Err(DecodeError::DataTooLong { limit: 5 })
    );
}

#[test]
fn errors_are_final_typed_and_lowercase() {
    let mut decoder = Decoder::with_limits(limits(4, 4));
    let mut input: &[u8] = b"data: long\n\n";
    let e = decoder.decode(&mut input).unwrap_err();
    assert!(decoder.is_failed());
    assert_eq!(e.kind(), "line_too_long");
    assert_eq!(
        e.to_string(),
        "server-sent events line exceeds the local limit of 4 bytes"
    );
    let mut input: &[u8] = b"\n\ndata\n\n";
    assert_eq!(decoder.decode(&mut input), Err(e.clone()));
    assert_eq!(decoder.finish(), Err(e));
    let e = DecodeError::DataTooLong { limit: 9 };
    assert_eq!(e.kind(), "data_too_long");
    assert_eq!(
        e.to_string(),
        "server-sent event data exceeds the local limit of 9 bytes"
    );
    let _: &dyn core::error::Error = &e;
}

#[test]
fn debug_prints_lengths_not_payloads() {
    let mut decoder = Decoder::new();
    let mut input: &[u8] = b"data: secret-ish\n";
    assert_eq!(decoder.decode(&mut input), Ok(None));
    let debug = format!("{decoder:?}");
    assert!(!debug.contains("secret-ish"), "{debug}");
    assert!(debug.contains("buffered_data: 11"), "{debug}");
}

#[test]
fn long_lines_in_many_pieces_are_scanned_once() {
    // A 1 MiB data line in 1-byte pieces: linear work (a re-scan from byte 0 per piece would be
    // quadratic and make this test crawl), and the line buffer's capacity released afterwards.
    let mut bytes = b"data: ".to_vec();
    bytes.resize(1 << 20, b'x');
    bytes.extend_from_slice(b"\n\n");
    let mut decoder = Decoder::new();
    let mut got = Vec::new();
    for piece in bytes.chunks(1) {
        let mut input = piece;
        while let Some(e) = decoder.decode(&mut input).unwrap() {
            got.push(e);
        }
    }
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].data.len(), (1 << 20) - 6);
    assert!(decoder.line.capacity() <= RETAINED_CAPACITY);
}

// ---- properties ----

/// A whole-input reference of the standard's algorithm, written the way the standard orders it:
/// decode the whole stream as UTF-8 (lossily, stripping one BOM), split it into lines, interpret.
fn reference(bytes: &[u8]) -> Outcome {
    let text = String::from_utf8_lossy(bytes);
    let text = text.strip_prefix('\u{FEFF}').unwrap_or(&text);
    let mut lines = Vec::new();
    let mut rest = text;
    while let Some(end) = rest.find(['\r', '\n']) {
        lines.push(&rest[..end]);
        let skip = if rest[end..].starts_with("\r\n") {
            2
        } else {
            1
        };
        rest = &rest[end + skip..];
    }
    let partial_line = rest.len();
    let (mut data, mut kind, mut id) = (String::new(), String::new(), String::new());
    let mut in_event = false;
    let mut out = Vec::new();
    for line in lines {
        if line.is_empty() {
            in_event = false;
            // The last event id string is set at every dispatch, data or not.
            let last_id = id.clone();
            if !data.is_empty() {
                data.pop();
                let event = if kind.is_empty() {
                    "message".into()
                } else {
                    kind.clone()
                };
                out.push(Event {
                    event,
                    data: data.clone(),
                    id: last_id.clone(),
                });
            }
            data.clear();
            kind.clear();
            continue;
        }
        if line.starts_with(':') {
            continue;
        }
        in_event = true;
        let (name, value) = match line.split_once(':') {
            Some((name, value)) => (name, value.strip_prefix(' ').unwrap_or(value)),
            None => (line, ""),
        };
        match name {
            "event" => kind = value.into(),
            "data" => {
                data.push_str(value);
                data.push('\n');
            }
            "id" if !value.contains('\0') => id = value.into(),
            _ => {}
        }
    }
    let end = if partial_line == 0 && !in_event {
        End::Clean
    } else {
        // The reference counts the partial line in decoded characters' bytes; compare shapes.
        End::Truncated {
            partial_line: usize::from(partial_line > 0),
            partial_event: in_event,
        }
    };
    (out, Ok(end))
}

/// Normalizes a partial line length to "some" / "none" for comparison with [`reference`].
fn shape(outcome: Outcome) -> Outcome {
    let (events, end) = outcome;
    let end = end.map(|end| match end {
        End::Truncated {
            partial_line,
            partial_event,
        } => End::Truncated {
            partial_line: usize::from(partial_line > 0),
            partial_event,
        },
        End::Clean => End::Clean,
    });
    (events, end)
}

/// Bytes drawn mostly from what SSE syntax is made of, so the generated streams hit every rule.
fn arb_sse_bytes() -> impl Strategy<Value = Vec<u8>> {
    let token = prop_oneof![
        Just(&b"data"[..]),
        Just(&b"event"[..]),
        Just(&b"id"[..]),
        Just(&b"retry"[..]),
        Just(&b":"[..]),
        Just(&b": "[..]),
        Just(&b" "[..]),
        Just(&b"\n"[..]),
        Just(&b"\r"[..]),
        Just(&b"\r\n"[..]),
        Just(&b"\n\n"[..]),
        Just(&b"\xEF\xBB\xBF"[..]),
        Just(&b"\xE2\x82"[..]),
        Just(&b"\xAC"[..]),
        Just(&b"\0"[..]),
        Just(&b"42"[..]),
        Just(&b"x"[..]),
    ];
    proptest::collection::vec(token, 0..60).prop_map(|tokens| tokens.concat())
}

/// Cuts `bytes` at the given points.
fn chunks_at<'b>(bytes: &'b [u8], cuts: &[prop::sample::Index]) -> Vec<&'b [u8]> {
    let mut points: Vec<usize> = cuts.iter().map(|c| c.index(bytes.len() + 1)).collect();
    points.sort_unstable();
    let mut chunks = Vec::new();
    let mut last = 0;
    for p in points {
        chunks.push(&bytes[last..p]);
        last = p;
    }
    chunks.push(&bytes[last..]);
    chunks
}

proptest! {
    #[test]
    fn responses_stream_survives_any_chunking(
        deltas in 0usize..8,
        eol in prop_oneof![Just(&b"\n"[..]), Just(&b"\r\n"[..]), Just(&b"\r"[..])],
        cuts in proptest::collection::vec(any::<prop::sample::Index>(), 0..16),
    ) {
        let (bytes, expected) = responses_stream(deltas);
        let bytes = with_line_end(&bytes, eol);
        prop_assert_eq!(decode_chunks(chunks_at(&bytes, &cuts)), (expected, Ok(End::Clean)));
    }

    #[test]
    fn chunking_never_changes_the_outcome(
        bytes in arb_sse_bytes(),
        cuts in proptest::collection::vec(any::<prop::sample::Index>(), 0..12),
    ) {
        let whole = decode_chunks([bytes.as_slice()]);
        prop_assert_eq!(shape(whole.clone()), reference(&bytes));
        prop_assert_eq!(decode_chunks(chunks_at(&bytes, &cuts)), whole.clone());
        let byte_by_byte: Vec<&[u8]> = bytes.chunks(1).collect();
        prop_assert_eq!(decode_chunks(byte_by_byte), whole);
    }

    #[test]
    fn limit_errors_do_not_depend_on_chunking(
        bytes in arb_sse_bytes(),
        line in 0usize..24,
        data in 0usize..24,
        cuts in proptest::collection::vec(any::<prop::sample::Index>(), 0..12),
    ) {
        let lim = limits(line, data);
        let whole = decode_chunks_with([bytes.as_slice()], lim);
        prop_assert_eq!(decode_chunks_with(chunks_at(&bytes, &cuts), lim), whole);
    }

    #[test]
    fn arbitrary_bytes_never_panic(
        bytes in proptest::collection::vec(any::<u8>(), 0..400),
        cuts in proptest::collection::vec(any::<prop::sample::Index>(), 0..6),
    ) {
        let whole = decode_chunks([bytes.as_slice()]);
        prop_assert_eq!(shape(whole.clone()), reference(&bytes));
        prop_assert_eq!(decode_chunks(chunks_at(&bytes, &cuts)), whole);
    }
}
