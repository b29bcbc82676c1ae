//! The line and data limits, and scanning each byte once.

use super::*;

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
