//! Property tests: chunking invariance against a whole-input reference of the standard's
//! algorithm.

use proptest::prelude::*;

use super::*;

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
