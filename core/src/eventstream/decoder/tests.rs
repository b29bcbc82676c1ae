//! Decoder tests: byte literals from botocore-verified frames, every split point, every error,
//! memory accounting, and a property-based round trip.

use alloc::string::String;
use alloc::vec;
use alloc::vec::Vec;

use proptest::prelude::*;

use super::super::{EncodeError, Header, HeaderValue, HeaderValueRef, Message};
use super::*;

fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

/// `messageStart {"role":"assistant"}`, verified with botocore (bedrock-wire.md §2).
const MESSAGE_START: &str = "000000760000005296d5fade0b3a6576656e742d7479706507000c6d65737361676553746172740d3a636f6e74656e742d747970650700106170706c69636174696f6e2f6a736f6e0d3a6d6573736167652d747970650700056576656e747b22726f6c65223a22617373697374616e74227d6fa8c599";
/// `contentBlockDelta {"contentBlockIndex":0,"delta":{"text":"Hi"}}`.
const DELTA: &str = "0000009400000057b4ab9aee0b3a6576656e742d74797065070011636f6e74656e74426c6f636b44656c74610d3a636f6e74656e742d747970650700106170706c69636174696f6e2f6a736f6e0d3a6d6573736167652d747970650700056576656e747b22636f6e74656e74426c6f636b496e646578223a302c2264656c7461223a7b2274657874223a224869227d7d1f944657";
/// `throttlingException {"message":"Too many requests"}`.
const THROTTLE: &str = "00000090000000618e91a9b70f3a657863657074696f6e2d747970650700137468726f74746c696e67457863657074696f6e0d3a636f6e74656e742d747970650700106170706c69636174696f6e2f6a736f6e0d3a6d6573736167652d74797065070009657863657074696f6e7b226d657373616765223a22546f6f206d616e79207265717565737473227de67f8005";

fn stream() -> Vec<u8> {
    let mut bytes = hex(MESSAGE_START);
    bytes.extend(hex(DELTA));
    bytes.extend(hex(THROTTLE));
    bytes
}

/// Feeds `chunks` in order and collects every message, then finishes.
fn decode_chunks<'c>(
    chunks: impl IntoIterator<Item = &'c [u8]>,
) -> Result<Vec<Message>, DecodeError> {
    let mut decoder = Decoder::new();
    let mut out = Vec::new();
    for chunk in chunks {
        let mut input = chunk;
        while let Some(message) = decoder.decode(&mut input)? {
            out.push(message.to_owned());
        }
        assert!(input.is_empty(), "decode returned None with input left");
    }
    decoder.finish()?;
    Ok(out)
}

fn all_types_message() -> Message {
    Message::new(
        vec![
            Header::new("true", HeaderValue::Bool(true)),
            Header::new("false", HeaderValue::Bool(false)),
            Header::new("byte", HeaderValue::Byte(-50)),
            Header::new("short", HeaderValue::Short(20_000)),
            Header::new("int", HeaderValue::Int(-500_000)),
            Header::new("long", HeaderValue::Long(50_000_000_000)),
            Header::new("bytes", HeaderValue::Bytes(b"some bytes".to_vec())),
            Header::new("str", HeaderValue::String("s\u{f6}me str".into())),
            Header::new("time", HeaderValue::Timestamp(5_000_000_000)),
            Header::new(
                "uuid",
                HeaderValue::Uuid(
                    *b"\xb7\x9b\xc9\x14\xde\x21\x4e\x13\xb8\xb2\xbc\x47\xe8\x5b\x7f\x0b",
                ),
            ),
        ],
        b"some payload".to_vec(),
    )
}

#[test]
fn decodes_botocore_verified_frames() {
    let messages = decode_chunks([stream().as_slice()]).unwrap();
    assert_eq!(messages.len(), 3);
    assert_eq!(
        messages[0].header(":event-type"),
        Some(&HeaderValue::String("messageStart".into()))
    );
    assert_eq!(
        messages[0].header(":message-type"),
        Some(&HeaderValue::String("event".into()))
    );
    assert_eq!(messages[0].payload, br#"{"role":"assistant"}"#);
    assert_eq!(
        messages[1].payload,
        br#"{"contentBlockIndex":0,"delta":{"text":"Hi"}}"#
    );
    assert_eq!(
        messages[2].header(":exception-type"),
        Some(&HeaderValue::String("throttlingException".into()))
    );
    // Header order on the wire is kept, so re-encoding reproduces the frames byte for byte.
    let mut again = Vec::new();
    for m in &messages {
        m.encode(&mut again).unwrap();
    }
    assert_eq!(again, stream());
}

#[test]
fn every_split_point_gives_the_same_messages() {
    let bytes = stream();
    let whole = decode_chunks([bytes.as_slice()]).unwrap();
    for split in 0..=bytes.len() {
        let (a, b) = bytes.split_at(split);
        assert_eq!(decode_chunks([a, b]).unwrap(), whole, "split at {split}");
    }
    for (i, j) in [
        (1, 2),
        (11, 12),
        (12, 13),
        (100, 119),
        (118, 119),
        (119, 300),
    ] {
        let (a, rest) = bytes.split_at(i);
        let (b, c) = rest.split_at(j - i);
        assert_eq!(
            decode_chunks([a, b, c]).unwrap(),
            whole,
            "splits at {i}, {j}"
        );
    }
    let byte_by_byte: Vec<&[u8]> = bytes.chunks(1).collect();
    assert_eq!(decode_chunks(byte_by_byte).unwrap(), whole);
}

#[test]
fn all_ten_header_types_round_trip() {
    let message = all_types_message();
    let mut frame = Vec::new();
    message.encode(&mut frame).unwrap();
    let decoded = decode_chunks([frame.as_slice()]).unwrap();
    assert_eq!(decoded, vec![message]);
    let mut again = Vec::new();
    decoded[0].encode(&mut again).unwrap();
    assert_eq!(again, frame);
}

#[test]
fn header_lookups_give_every_type_and_follow_each_frame() {
    // The decoder keeps the parsed header block of the last frame: alternating blocks, and a
    // block met again, must each give their own values.
    let other = Message::new(
        vec![Header::new("int", HeaderValue::String("not an int".into()))],
        b"other".to_vec(),
    );
    let mut bytes = Vec::new();
    for message in [all_types_message(), other.clone(), all_types_message()] {
        message.encode(&mut bytes).unwrap();
    }
    let mut decoder = Decoder::new();
    let mut input = bytes.as_slice();
    for expected in [all_types_message(), other, all_types_message()] {
        let message = decoder.decode(&mut input).unwrap().unwrap();
        for header in &expected.headers {
            assert_eq!(
                message.header(&header.name).map(HeaderValueRef::to_owned),
                Some(header.value.clone()),
                "{}",
                header.name
            );
        }
        assert_eq!(message.header("absent"), None);
        assert_eq!(message.payload(), expected.payload);
    }
}

#[test]
fn message_and_event_type_lookups_match_the_lookups_by_name() {
    // Found once per distinct header block: each frame of a sequence that changes blocks,
    // repeats one, moves the headers about, gives them other types or leaves them out, must
    // give what the lookup by name gives.
    let string = |s: &str| HeaderValue::String(s.into());
    let blocks = [
        vec![
            Header::new(":event-type", string("contentBlockDelta")),
            Header::new(":content-type", string("application/json")),
            Header::new(":message-type", string("event")),
        ],
        vec![
            Header::new(":message-type", string("exception")),
            Header::new(":exception-type", string("throttlingException")),
        ],
        vec![
            Header::new(":message-type", HeaderValue::Int(1)),
            Header::new(":event-type", HeaderValue::Bytes(b"messageStop".to_vec())),
        ],
        vec![Header::new(":event-type", string("metadata"))],
        vec![],
        vec![
            Header::new(":event-type", string("")),
            Header::new(":message-type", string("")),
        ],
    ];
    for order in [
        [0, 1, 0, 2, 2, 3, 4, 0, 5, 0],
        [5, 4, 3, 2, 1, 0, 0, 1, 4, 4],
    ] {
        let mut decoder = Decoder::new();
        for (i, &block) in order.iter().enumerate() {
            let mut frame = Vec::new();
            Message::new(blocks[block].clone(), b"{}".to_vec())
                .encode(&mut frame)
                .unwrap();
            let mut input = frame.as_slice();
            let message = decoder.decode(&mut input).unwrap().unwrap();
            assert_eq!(
                message.message_type(),
                message.header_str(":message-type"),
                "{i}"
            );
            assert_eq!(
                message.event_type(),
                message.header_str(":event-type"),
                "{i}"
            );
        }
    }
}

#[test]
fn empty_message_is_sixteen_bytes() {
    let mut frame = Vec::new();
    Message::default().encode(&mut frame).unwrap();
    assert_eq!(frame.len(), 16);
    assert_eq!(
        decode_chunks([frame.as_slice()]).unwrap(),
        vec![Message::default()]
    );
}

#[test]
fn whole_frames_are_decoded_without_buffering() {
    let bytes = stream();
    let mut decoder = Decoder::new();
    let mut input = bytes.as_slice();
    let mut count = 0;
    while decoder.decode(&mut input).unwrap().is_some() {
        count += 1;
    }
    assert_eq!(count, 3);
    assert_eq!(decoder.peak_buffered(), 0);
}

#[test]
fn buffering_never_exceeds_the_largest_frame() {
    // Frames of very different sizes, fed in odd-sized chunks.
    let mut bytes = Vec::new();
    let mut largest = 0;
    for size in [0usize, 10, 70_000, 5, 300_000, 1] {
        let start = bytes.len();
        Message::new(
            vec![Header::new(":event-type", HeaderValue::String("x".into()))],
            vec![b'a'; size],
        )
        .encode(&mut bytes)
        .unwrap();
        largest = largest.max(bytes.len() - start);
    }
    let mut decoder = Decoder::new();
    let mut seen = 0;
    for chunk in bytes.chunks(16_381) {
        let mut input = chunk;
        while decoder.decode(&mut input).unwrap().is_some() {
            seen += 1;
            assert!(decoder.buffered() <= largest);
        }
    }
    decoder.finish().unwrap();
    assert_eq!(seen, 6);
    assert!(
        decoder.peak_buffered() <= largest,
        "{} > {largest}",
        decoder.peak_buffered()
    );
    assert!(decoder.peak_buffered() > 0);
}

fn corrupt_frame(edit: impl FnOnce(&mut Vec<u8>)) -> Vec<u8> {
    let mut frame = hex(MESSAGE_START);
    edit(&mut frame);
    frame
}

/// Re-computes both CRCs so only the structural edit is wrong.
fn fix_crcs(frame: &mut [u8]) {
    let prelude = crc32fast::hash(&frame[0..8]);
    frame[8..12].copy_from_slice(&prelude.to_be_bytes());
    let end = frame.len() - 4;
    let message = crc32fast::hash(&frame[..end]);
    frame[end..].copy_from_slice(&message.to_be_bytes());
}

fn first_error(bytes: &[u8]) -> DecodeError {
    decode_chunks([bytes]).unwrap_err()
}

#[test]
fn crc_errors_carry_both_values() {
    let bad_prelude = corrupt_frame(|f| f[9] ^= 1);
    assert!(matches!(
        first_error(&bad_prelude),
        DecodeError::PreludeCrc { .. }
    ));
    let bad_payload = corrupt_frame(|f| {
        let n = f.len();
        f[n - 6] ^= 1;
    });
    match first_error(&bad_payload) {
        DecodeError::MessageCrc { expected, actual } => {
            assert_eq!(expected, 0x6fa8_c599);
            assert_ne!(actual, expected);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn prelude_crc_is_checked_before_the_body_arrives() {
    let frame = corrupt_frame(|f| f[9] ^= 1);
    let mut decoder = Decoder::new();
    let mut input = &frame[..12];
    assert!(matches!(
        decoder.decode(&mut input),
        Err(DecodeError::PreludeCrc { .. })
    ));
    assert_eq!(decoder.buffered(), 0);
}

#[test]
fn structurally_invalid_frames_with_correct_crcs_are_rejected() {
    // total_length below 16.
    let mut tiny = vec![0, 0, 0, 12, 0, 0, 0, 0, 0, 0, 0, 0];
    let crc = crc32fast::hash(&tiny[..8]);
    tiny[8..12].copy_from_slice(&crc.to_be_bytes());
    assert_eq!(
        first_error(&tiny),
        DecodeError::TotalLengthTooSmall { total_length: 12 }
    );

    // headers_length larger than the frame allows.
    let too_long_headers = corrupt_frame(|f| {
        f[4..8].copy_from_slice(&0x0000_0070u32.to_be_bytes());
        fix_crcs(f);
    });
    assert!(matches!(
        first_error(&too_long_headers),
        DecodeError::HeadersLengthTooLarge { .. }
    ));

    // headers_length cuts the last header short.
    let cut = corrupt_frame(|f| {
        f[4..8].copy_from_slice(&0x0000_0050u32.to_be_bytes());
        fix_crcs(f);
    });
    assert!(matches!(
        first_error(&cut),
        DecodeError::HeaderOverrun { .. }
    ));

    // First header name length 0.
    let empty_name = corrupt_frame(|f| {
        f[12] = 0;
        fix_crcs(f);
    });
    assert_eq!(
        first_error(&empty_name),
        DecodeError::EmptyHeaderName { offset: 0 }
    );

    // Type byte 0x60 (smithy-rs `invalid_header_value_type`).
    let bad_type = corrupt_frame(|f| {
        f[12 + 1 + 11] = 0x60;
        fix_crcs(f);
    });
    assert_eq!(
        first_error(&bad_type),
        DecodeError::UnknownHeaderType {
            name: ":event-type".into(),
            type_id: 0x60
        }
    );

    // A string value that is not UTF-8.
    let bad_utf8 = corrupt_frame(|f| {
        f[12 + 1 + 11 + 1 + 2] = 0xff;
        fix_crcs(f);
    });
    assert_eq!(
        first_error(&bad_utf8),
        DecodeError::HeaderValueNotUtf8 {
            name: ":event-type".into()
        }
    );

    // A header name that is not UTF-8.
    let bad_name = corrupt_frame(|f| {
        f[13] = 0xc3;
        fix_crcs(f);
    });
    assert_eq!(
        first_error(&bad_name),
        DecodeError::HeaderNameNotUtf8 { offset: 0 }
    );

    // Duplicate header names.
    let dup = Message::new(
        vec![
            Header::new("a", HeaderValue::Bool(true)),
            Header::new("b", HeaderValue::Bool(true)),
            Header::new("a", HeaderValue::Byte(1)),
        ],
        vec![],
    );
    let mut frame = Vec::new();
    dup.encode(&mut frame).unwrap();
    assert_eq!(
        first_error(&frame),
        DecodeError::DuplicateHeader { name: "a".into() }
    );
    // Also with many headers (the sorted path).
    let many = Message::new(
        (0..40)
            .map(|i| Header::new(alloc::format!("h{}", i % 39), HeaderValue::Bool(true)))
            .collect(),
        vec![],
    );
    let mut frame = Vec::new();
    many.encode(&mut frame).unwrap();
    assert_eq!(
        first_error(&frame),
        DecodeError::DuplicateHeader { name: "h0".into() }
    );
}

#[test]
fn limits_are_enforced_before_buffering() {
    let mut frame = Vec::new();
    Message::new(
        vec![Header::new("h", HeaderValue::String("x".repeat(100)))],
        vec![0; 1000],
    )
    .encode(&mut frame)
    .unwrap();
    let mut decoder = Decoder::with_limits(Limits {
        max_payload_len: 999,
        max_headers_len: 1024,
    });
    let mut input = &frame[..12];
    assert_eq!(
        decoder.decode(&mut input).unwrap_err(),
        DecodeError::LimitExceeded {
            kind: LimitKind::Payload,
            length: 1000,
            limit: 999
        }
    );
    assert_eq!(decoder.peak_buffered(), 0);
    let mut decoder = Decoder::with_limits(Limits {
        max_payload_len: 1000,
        max_headers_len: 10,
    });
    let mut input = frame.as_slice();
    assert_eq!(
        decoder.decode(&mut input).unwrap_err().kind(),
        "limit_exceeded"
    );
    // Exactly at the limits is fine.
    let mut decoder = Decoder::with_limits(Limits {
        max_payload_len: 1000,
        max_headers_len: 105,
    });
    let mut input = frame.as_slice();
    assert!(decoder.decode(&mut input).unwrap().is_some());
}

#[test]
fn a_frame_cut_short_is_truncated_not_success() {
    let bytes = stream();
    for cut in [1, 11, 12, 13, 117, 119, 120, bytes.len() - 1] {
        match decode_chunks([&bytes[..cut]]) {
            Err(DecodeError::Truncated { received, expected }) => {
                assert!(received < expected, "cut {cut}");
            }
            other => panic!("cut at {cut}: {other:?}"),
        }
    }
    // Cutting exactly on a frame boundary is a clean end.
    assert_eq!(decode_chunks([&bytes[..118]]).unwrap().len(), 1);
    assert!(decode_chunks([&[][..]]).unwrap().is_empty());
}

#[test]
fn after_an_error_the_decoder_stays_failed() {
    let mut bytes = corrupt_frame(|f| f[9] ^= 1);
    bytes.extend(hex(DELTA));
    let mut decoder = Decoder::new();
    let mut input = bytes.as_slice();
    let first = decoder.decode(&mut input).unwrap_err();
    let mut fresh = hex(DELTA);
    let mut input = fresh.as_mut_slice() as &[u8];
    assert_eq!(decoder.decode(&mut input).unwrap_err(), first);
    assert_eq!(decoder.finish().unwrap_err(), first);
    assert!(decoder.is_failed());
    // Truncation is final too.
    let mut decoder = Decoder::new();
    let delta = hex(DELTA);
    let mut input = &delta[..20];
    assert!(decoder.decode(&mut input).unwrap().is_none());
    assert!(decoder.is_mid_frame());
    let truncated = decoder.finish().unwrap_err();
    let mut input = &delta[20..];
    assert_eq!(decoder.decode(&mut input).unwrap_err(), truncated);
}

#[test]
fn encoder_refuses_what_the_format_cannot_say() {
    let mut out = vec![1, 2, 3];
    let long_name = Message::new(
        vec![Header::new("n".repeat(256), HeaderValue::Bool(true))],
        vec![],
    );
    assert_eq!(
        long_name.encode(&mut out),
        Err(EncodeError::HeaderNameLength { len: 256 })
    );
    let empty_name = Message::new(vec![Header::new("", HeaderValue::Bool(true))], vec![]);
    assert_eq!(
        empty_name.encode(&mut out),
        Err(EncodeError::HeaderNameLength { len: 0 })
    );
    // The spec's limit is 32,767 bytes, not the u16 field's 65,535.
    let at_limit = Message::new(
        vec![Header::new("v", HeaderValue::String("x".repeat(32_767)))],
        vec![],
    );
    let mut ok = Vec::new();
    assert_eq!(at_limit.encode(&mut ok), Ok(()));
    for value in [
        HeaderValue::String("x".repeat(32_768)),
        HeaderValue::Bytes(vec![0; 32_768]),
        HeaderValue::Bytes(vec![0; 65_536]),
    ] {
        let len = match &value {
            HeaderValue::String(s) => s.len(),
            HeaderValue::Bytes(b) => b.len(),
            _ => unreachable!(),
        };
        let long_value = Message::new(vec![Header::new("v", value)], vec![]);
        assert_eq!(
            long_value.encode(&mut out),
            Err(EncodeError::HeaderValueTooLong {
                name: "v".into(),
                len
            })
        );
    }
    assert_eq!(out, [1, 2, 3], "a failed encode leaves the buffer alone");
}

#[test]
fn debug_prints_lengths_not_payloads() {
    let message = Message::new(vec![], b"secret payload".to_vec());
    let text = alloc::format!("{message:?}");
    assert!(text.contains("payload_len: 14"));
    assert!(!text.contains("secret"));
}

fn arb_value() -> impl Strategy<Value = HeaderValue> {
    prop_oneof![
        any::<bool>().prop_map(HeaderValue::Bool),
        any::<i8>().prop_map(HeaderValue::Byte),
        any::<i16>().prop_map(HeaderValue::Short),
        any::<i32>().prop_map(HeaderValue::Int),
        any::<i64>().prop_map(HeaderValue::Long),
        proptest::collection::vec(any::<u8>(), 0..64).prop_map(HeaderValue::Bytes),
        ".{0,24}".prop_map(HeaderValue::String),
        any::<i64>().prop_map(HeaderValue::Timestamp),
        any::<[u8; 16]>().prop_map(HeaderValue::Uuid),
    ]
}

fn arb_message() -> impl Strategy<Value = Message> {
    (
        proptest::collection::btree_map("[a-z:-]{1,20}", arb_value(), 0..6),
        proptest::collection::vec(any::<u8>(), 0..300),
    )
        .prop_map(|(headers, payload)| {
            Message::new(
                headers
                    .into_iter()
                    .map(|(n, v)| Header::new(n, v))
                    .collect(),
                payload,
            )
        })
}

proptest! {
    #[test]
    fn encode_split_decode_round_trip(
        messages in proptest::collection::vec(arb_message(), 1..6),
        cuts in proptest::collection::vec(any::<prop::sample::Index>(), 0..12),
    ) {
        let mut bytes = Vec::new();
        for m in &messages {
            m.encode(&mut bytes).unwrap();
        }
        let mut points: Vec<usize> = cuts.iter().map(|c| c.index(bytes.len() + 1)).collect();
        points.sort_unstable();
        let mut chunks = Vec::new();
        let mut last = 0;
        for p in points {
            chunks.push(&bytes[last..p]);
            last = p;
        }
        chunks.push(&bytes[last..]);
        prop_assert_eq!(decode_chunks(chunks).unwrap(), messages);
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..400), split in any::<prop::sample::Index>()) {
        let at = split.index(bytes.len() + 1);
        let _ = decode_chunks([&bytes[..at], &bytes[at..]]);
    }
}

#[test]
fn decoded_strings_are_borrowed_views() {
    let bytes = hex(DELTA);
    let mut decoder = Decoder::new();
    let mut input = bytes.as_slice();
    let message = decoder.decode(&mut input).unwrap().unwrap();
    let event_type: &str = message.header_str(":event-type").unwrap();
    assert_eq!(event_type, "contentBlockDelta");
    assert_eq!(message.header_str("absent"), None);
    let names: Vec<&str> = message.headers().map(|(n, _)| n).collect();
    assert_eq!(names, [":event-type", ":content-type", ":message-type"]);
    let _: String = alloc::format!("{message:?}");
}
