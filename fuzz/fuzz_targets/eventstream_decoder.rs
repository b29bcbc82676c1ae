//! Arbitrary bytes, in arbitrary chunks, into the event-stream decoder: it must never panic,
//! never buffer more than the frame it is reading, and give the same messages however the
//! input is chunked.
#![no_main]

use bedrock_core::eventstream::{Decoder, Message};
use libfuzzer_sys::fuzz_target;

fn decode(data: &[u8], chunk: usize) -> (Vec<Message>, Option<String>) {
    let mut decoder = Decoder::new();
    let mut messages = Vec::new();
    for piece in data.chunks(chunk.max(1)) {
        let mut input = piece;
        loop {
            match decoder.decode(&mut input) {
                Ok(Some(message)) => messages.push(message.to_owned()),
                Ok(None) => break,
                Err(e) => return (messages, Some(e.to_string())),
            }
        }
    }
    let end = decoder.finish().err().map(|e| e.to_string());
    // Whatever is buffered is part of one frame, which the limits bound.
    let limits = decoder.limits();
    assert!(decoder.peak_buffered() <= 16 + limits.max_headers_len + limits.max_payload_len);
    (messages, end)
}

fuzz_target!(|data: &[u8]| {
    let Some((&chunk, rest)) = data.split_first() else {
        return;
    };
    let whole = decode(rest, rest.len());
    let chunked = decode(rest, usize::from(chunk));
    assert_eq!(whole.0, chunked.0);
    assert_eq!(whole.1.is_some(), chunked.1.is_some());
    // Every message that decodes re-encodes to a frame that decodes to itself.
    for message in &whole.0 {
        let mut frame = Vec::new();
        message
            .encode(&mut frame)
            .expect("a decoded message encodes");
        let again = decode(&frame, frame.len());
        assert_eq!(again.0, vec![message.clone()]);
    }
});
