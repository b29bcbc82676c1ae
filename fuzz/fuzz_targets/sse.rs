//! Arbitrary bytes into the server-sent-events decoder, whole and split at a fuzzer-chosen point,
//! with fuzzer-chosen limits: it must never panic, give the same events, end and error however
//! the input is chunked, and never buffer past its limits.
#![no_main]

use bedrock_core::sse::{DecodeError, Decoder, End, Event, Limits};
use libfuzzer_sys::fuzz_target;

fn decode(chunks: &[&[u8]], limits: Limits) -> (Vec<Event>, Result<End, DecodeError>) {
    let mut decoder = Decoder::with_limits(limits);
    let mut events = Vec::new();
    for chunk in chunks {
        let mut input = *chunk;
        loop {
            match decoder.decode(&mut input) {
                Ok(Some(event)) => {
                    assert!(event.data.len() <= limits.max_data_len);
                    events.push(event);
                }
                Ok(None) => break,
                Err(e) => return (events, Err(e)),
            }
            // One partial line and one event's data (plus its trailing `\n`), nothing more.
            assert!(decoder.buffered() <= limits.max_line_len + limits.max_data_len + 1);
        }
        assert!(input.is_empty());
    }
    (events, decoder.finish())
}

fuzz_target!(|data: &[u8]| {
    let Some((&[split, line, event_data], rest)) = data.split_first_chunk::<3>() else {
        return;
    };
    // Small limits half of the time, so the limit errors are reached; the defaults otherwise.
    let limits = if line & 0x80 == 0 {
        Limits {
            max_line_len: usize::from(line),
            max_data_len: usize::from(event_data),
        }
    } else {
        Limits::default()
    };
    let whole = decode(&[rest], limits);
    let at = usize::from(split) * rest.len() / 255;
    let (a, b) = rest.split_at(at);
    assert_eq!(decode(&[a, b], limits), whole);
    let byte_by_byte: Vec<&[u8]> = rest.chunks(1).collect();
    assert_eq!(decode(&byte_by_byte, limits), whole);
});
