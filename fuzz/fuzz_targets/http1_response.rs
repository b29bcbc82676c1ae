//! Arbitrary bytes, in arbitrary chunks, into the HTTP/1.1 response reader: no panic, the same
//! events whatever the chunking, body bytes never more than the input, and an error at EOF
//! unless the response completed.
#![no_main]

use bedrock_core::http1::{ResponseEvent, ResponseReader};
use libfuzzer_sys::fuzz_target;

#[derive(Debug, PartialEq)]
enum Seen {
    Head(u16),
    Data(Vec<u8>),
    End,
    Error(&'static str),
}

fn read(data: &[u8], chunk: usize) -> Vec<Seen> {
    let mut reader = ResponseReader::default();
    let mut seen = Vec::new();
    let mut body = Vec::new();
    let flush = |body: &mut Vec<u8>, seen: &mut Vec<Seen>| {
        if !body.is_empty() {
            seen.push(Seen::Data(std::mem::take(body)));
        }
    };
    for piece in data.chunks(chunk.max(1)) {
        let mut input = piece;
        loop {
            match reader.read(&mut input) {
                Ok(Some(ResponseEvent::Head(head))) => seen.push(Seen::Head(head.status)),
                Ok(Some(ResponseEvent::Data(d))) => body.extend_from_slice(d),
                Ok(Some(ResponseEvent::End)) => {
                    flush(&mut body, &mut seen);
                    seen.push(Seen::End);
                }
                Ok(None) => break,
                Err(e) => {
                    flush(&mut body, &mut seen);
                    seen.push(Seen::Error(e.kind()));
                    return seen;
                }
            }
        }
    }
    match reader.finish() {
        Ok(Some(ResponseEvent::End)) => {
            flush(&mut body, &mut seen);
            seen.push(Seen::End);
        }
        Ok(_) => flush(&mut body, &mut seen),
        Err(e) => {
            flush(&mut body, &mut seen);
            seen.push(Seen::Error(e.kind()));
        }
    }
    seen
}

fuzz_target!(|data: &[u8]| {
    let Some((&chunk, rest)) = data.split_first() else {
        return;
    };
    let whole = read(rest, rest.len());
    let chunked = read(rest, usize::from(chunk));
    assert_eq!(whole, chunked);
    let body: usize = whole
        .iter()
        .map(|s| if let Seen::Data(d) = s { d.len() } else { 0 })
        .sum();
    assert!(body <= rest.len());
    let ended = whole.last() == Some(&Seen::End);
    let failed = matches!(whole.last(), Some(Seen::Error(_)));
    assert!(
        ended || failed || whole.is_empty(),
        "finish() ends every response one way or the other: {whole:?}"
    );
});
