//! One byte-literal test per rule of the standard.

use super::*;

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
