//! Arbitrary bytes through the whole ConverseStream path: frames, typed events, the
//! accumulator. Nothing may panic, and a stream is never reported complete without its
//! `messageStop` and `metadata`.
#![no_main]

use bedrock_core::converse::{StreamAccumulator, StreamEvent, parse_event};
use bedrock_core::eventstream::Decoder;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut decoder = Decoder::new();
    let mut accumulator = StreamAccumulator::new();
    let mut input = data;
    let mut saw_stop = false;
    let mut saw_metadata = false;
    loop {
        match decoder.decode(&mut input) {
            Ok(Some(message)) => match parse_event(&message) {
                Ok(Some(event)) => {
                    saw_stop |= matches!(event, StreamEvent::MessageStop { .. });
                    saw_metadata |= matches!(event, StreamEvent::Metadata(_));
                    if accumulator.handle_event(&event).is_err() {
                        return;
                    }
                }
                Ok(None) => {}
                Err(_) => return,
            },
            Ok(None) => break,
            Err(_) => return,
        }
    }
    if decoder.finish().is_err() {
        return;
    }
    let _ = accumulator.partial();
    if accumulator.finish().is_ok() {
        assert!(
            saw_stop && saw_metadata,
            "a complete response needs messageStop and metadata"
        );
    }
});
