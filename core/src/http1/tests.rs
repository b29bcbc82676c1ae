use alloc::string::String;
use alloc::vec::Vec;

use super::*;

/// What a reader produced for some input: the head, the body, how it ended.
#[derive(Debug, PartialEq, Eq)]
struct Read {
    status: Option<u16>,
    body: Vec<u8>,
    ended: bool,
    keep_alive: bool,
    error: Option<HttpError>,
}

fn read_chunks(bytes: &[u8], cuts: &[usize], eof: bool) -> Read {
    let mut reader = ResponseReader::default();
    let mut out = Read {
        status: None,
        body: Vec::new(),
        ended: false,
        keep_alive: false,
        error: None,
    };
    let mut start = 0;
    let ends: Vec<usize> = cuts.iter().copied().chain([bytes.len()]).collect();
    for end in ends {
        let mut input = &bytes[start..end];
        start = end;
        loop {
            match reader.read(&mut input) {
                Ok(Some(ResponseEvent::Head(head))) => out.status = Some(head.status),
                Ok(Some(ResponseEvent::Data(data))) => {
                    assert!(!data.is_empty(), "empty data events are noise");
                    out.body.extend_from_slice(data);
                }
                Ok(Some(ResponseEvent::End)) => out.ended = true,
                Ok(None) => break,
                Err(e) => {
                    out.error = Some(e);
                    return out;
                }
            }
        }
    }
    if eof {
        match reader.finish() {
            Ok(Some(ResponseEvent::End)) => out.ended = true,
            Ok(_) => {}
            Err(e) => out.error = Some(e),
        }
    }
    out.keep_alive = reader.keep_alive();
    out
}

/// Every chunking (whole, every single split, byte by byte) must read the same.
fn read_everywhere(bytes: &[u8], eof: bool) -> Read {
    let whole = read_chunks(bytes, &[], eof);
    for split in 0..=bytes.len() {
        assert_eq!(read_chunks(bytes, &[split], eof), whole, "split at {split}");
    }
    let every: Vec<usize> = (1..bytes.len()).collect();
    assert_eq!(read_chunks(bytes, &every, eof), whole, "byte by byte");
    whole
}

#[test]
fn content_length_body() {
    let r = read_everywhere(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 11\r\n\r\n{\"ok\":true}", false);
    assert_eq!(r.status, Some(200));
    assert_eq!(r.body, b"{\"ok\":true}");
    assert!(r.ended);
    assert!(r.keep_alive);
}

#[test]
fn chunked_body_with_extensions_and_trailers() {
    let bytes = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;name=value\r\nhello\r\n7\r\n, world\r\n0\r\nx-amzn-trailer: yes\r\nother: 1\r\n\r\n";
    let r = read_everywhere(bytes, false);
    assert_eq!(r.body, b"hello, world");
    assert!(r.ended);
    assert!(r.keep_alive);
}

#[test]
fn chunked_sizes_in_both_cases_and_bare_lf() {
    let r = read_everywhere(b"HTTP/1.1 200 OK\nTransfer-Encoding: gzip, chunked\n\nA\nabcdefghij\nb\r\nklmnopqrstu\r\n0\n\n", false);
    assert_eq!(r.body, b"abcdefghijklmnopqrstu");
    assert!(r.ended);
}

#[test]
fn close_delimited_body_ends_at_eof_and_disables_reuse() {
    let r = read_everywhere(
        b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nsome bytes",
        true,
    );
    assert_eq!(r.body, b"some bytes");
    assert!(r.ended);
    assert!(!r.keep_alive);
}

#[test]
fn interim_responses_are_skipped() {
    let r = read_everywhere(
        b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n",
        false,
    );
    assert_eq!(r.status, Some(204));
    assert!(r.ended);
    assert!(r.body.is_empty());
}

#[test]
fn connection_close_and_http10() {
    let r = read_chunks(
        b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n",
        &[],
        false,
    );
    assert!(r.ended && !r.keep_alive);
    let r = read_chunks(b"HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n", &[], false);
    assert!(r.ended && !r.keep_alive);
    let r = read_chunks(
        b"HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 0\r\n\r\n",
        &[],
        false,
    );
    assert!(r.ended && r.keep_alive);
}

#[test]
fn bytes_after_the_head_stay_in_the_input() {
    let bytes = b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabcEXTRA";
    let mut reader = ResponseReader::default();
    let mut input = &bytes[..];
    assert!(matches!(
        reader.read(&mut input),
        Ok(Some(ResponseEvent::Head(_)))
    ));
    assert_eq!(input, b"abcEXTRA");
    assert_eq!(
        reader.read(&mut input),
        Ok(Some(ResponseEvent::Data(b"abc")))
    );
    assert_eq!(reader.read(&mut input), Ok(Some(ResponseEvent::End)));
    assert_eq!(input, b"EXTRA", "bytes of a next response are not consumed");
    assert_eq!(reader.read(&mut input), Ok(None));
}

#[test]
fn premature_eof_is_an_error_where_it_happened() {
    let head_cut = read_everywhere(b"HTTP/1.1 200 OK\r\nContent-Le", true);
    assert_eq!(
        head_cut.error,
        Some(HttpError::UnexpectedEof(EofPosition::Head))
    );
    let body_cut = read_everywhere(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc", true);
    assert_eq!(
        body_cut.error,
        Some(HttpError::UnexpectedEof(EofPosition::Body {
            received: 3,
            expected: 10
        }))
    );
    assert_eq!(
        body_cut.body, b"abc",
        "data received before the cut was delivered"
    );
    let chunk_cut = read_everywhere(
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel",
        true,
    );
    assert_eq!(
        chunk_cut.error,
        Some(HttpError::UnexpectedEof(EofPosition::Chunk))
    );
    let no_last_chunk = read_everywhere(
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n",
        true,
    );
    assert_eq!(
        no_last_chunk.error,
        Some(HttpError::UnexpectedEof(EofPosition::Chunk))
    );
    let empty = read_chunks(b"", &[], true);
    assert_eq!(
        empty.error,
        Some(HttpError::UnexpectedEof(EofPosition::Head))
    );
}

#[test]
fn malformed_input_is_typed() {
    let kind = |bytes: &[u8]| read_chunks(bytes, &[], true).error.map(|e| e.kind());
    assert_eq!(kind(b"HTTP/1.1 2x0 OK\r\n\r\n"), Some("malformed_head"));
    assert_eq!(kind(b"HTTP/9.9 200 OK\r\n\r\n"), Some("malformed_head"));
    assert_eq!(
        kind(b"HTTP/1.1 200 OK\r\nBad Header: x\r\n\r\n"),
        Some("malformed_head")
    );
    assert_eq!(
        kind(b"HTTP/1.1 200 OK\r\nContent-Length: ten\r\n\r\n"),
        Some("invalid_content_length")
    );
    assert_eq!(
        kind(b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab"),
        Some("invalid_content_length")
    );
    assert_eq!(
        kind(b"HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999\r\n\r\n"),
        Some("invalid_content_length")
    );
    assert_eq!(
        kind(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"),
        Some("invalid_chunk_size")
    );
    assert_eq!(
        kind(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n\r\n"),
        Some("invalid_chunk_size")
    );
    assert_eq!(
        kind(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n11111111111111111\r\n"),
        Some("invalid_chunk_size"),
        "17 hex digits overflow"
    );
    assert_eq!(
        kind(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabXY"),
        Some("missing_chunk_crlf")
    );
    let mut long_line = Vec::from(&b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1;"[..]);
    long_line.extend(core::iter::repeat_n(b'x', 5000));
    assert_eq!(kind(&long_line), Some("line_too_long"));
    let mut long_trailer =
        Vec::from(&b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nx: "[..]);
    long_trailer.extend(core::iter::repeat_n(b'y', 5000));
    assert_eq!(kind(&long_trailer), Some("line_too_long"));
}

#[test]
fn head_size_and_header_count_are_bounded() {
    let mut big = String::from("HTTP/1.1 200 OK\r\n");
    while big.len() < 70 * 1024 {
        big.push_str("x-filler: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n");
    }
    let r = read_chunks(big.as_bytes(), &[], false);
    assert_eq!(r.error, Some(HttpError::HeadTooLarge { limit: 64 * 1024 }));
    // Fed in pieces, the reader never holds more than the limit (plus the terminator window).
    let mut reader = ResponseReader::default();
    for piece in big.as_bytes().chunks(1000) {
        let mut input = piece;
        if reader.read(&mut input).is_err() {
            break;
        }
        assert!(reader.head.len() <= 64 * 1024 + 4);
    }
    let mut many = String::from("HTTP/1.1 200 OK\r\n");
    for i in 0..101 {
        many.push_str(&alloc::format!("h{i}: v\r\n"));
    }
    many.push_str("\r\n");
    assert_eq!(
        read_chunks(many.as_bytes(), &[], false).error,
        Some(HttpError::TooManyHeaders { limit: 100 })
    );
}

#[test]
fn errors_are_final() {
    let mut reader = ResponseReader::default();
    let mut input = &b"NOT HTTP\r\n\r\n"[..];
    let first = reader.read(&mut input).unwrap_err();
    let mut more = &b"HTTP/1.1 200 OK\r\n\r\n"[..];
    assert_eq!(reader.read(&mut more).unwrap_err(), first);
    assert_eq!(reader.finish().unwrap_err(), first);
}

#[test]
fn writes_requests_and_refuses_injection() {
    let mut out = Vec::new();
    let mut path = String::from("/model/");
    crate::percent::encode(
        &mut path,
        "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abc:def",
    );
    path.push_str("/converse");
    assert_eq!(
        path,
        "/model/arn%3Aaws%3Abedrock%3Aus-east-1%3A123456789012%3Aapplication-inference-profile%2Fabc%3Adef/converse"
    );
    write_request(
        &mut out,
        "POST",
        &path,
        &[("Host", "h"), ("Content-Length", "2")],
        b"{}",
    )
    .unwrap();
    assert!(out.starts_with(b"POST /model/arn%3Aaws"));
    assert!(out.ends_with(b" HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\n\r\n{}"));
    let before = out.clone();
    assert_eq!(
        write_request(
            &mut out,
            "POST",
            "/",
            &[("X-Evil", "a\r\nInjected: yes")],
            b""
        ),
        Err(RequestError::InvalidHeaderValue {
            name: "X-Evil".into()
        })
    );
    assert_eq!(
        write_request(&mut out, "POST", "/a b", &[], b""),
        Err(RequestError::InvalidRequestLine)
    );
    assert_eq!(
        write_request(&mut out, "POST", "/", &[("Bad Name", "v")], b""),
        Err(RequestError::InvalidHeaderName {
            name: "Bad Name".into()
        })
    );
    assert_eq!(out, before);
    let mut unicode = String::new();
    crate::percent::encode(&mut unicode, "m\u{e9}");
    assert_eq!(unicode, "m%C3%A9");
}

#[test]
fn head_accessors() {
    let mut reader = ResponseReader::default();
    let mut input = &b"HTTP/1.1 429 Too Many Requests\r\nx-amzn-RequestId: abc\r\nX-Amzn-ErrorType: ThrottlingException:http://x\r\nContent-Length: 0\r\n\r\n"[..];
    let Ok(Some(ResponseEvent::Head(head))) = reader.read(&mut input) else {
        panic!()
    };
    assert_eq!(head.status, 429);
    assert_eq!(head.reason, "Too Many Requests");
    assert_eq!(head.header("X-AMZN-REQUESTID"), Some("abc"));
    assert_eq!(
        head.header("x-amzn-errortype"),
        Some("ThrottlingException:http://x")
    );
    assert_eq!(head.header("absent"), None);
    assert!(
        !alloc::format!("{head:?}").contains("abc"),
        "Debug prints header names only"
    );
}

/// A response carrying `body` in one of the three framings, chunked into pieces of `sizes`.
fn framed(body: &[u8], framing: u8, sizes: &[usize]) -> (Vec<u8>, bool) {
    let mut out = Vec::new();
    match framing % 3 {
        0 => {
            out.extend_from_slice(
                alloc::format!("HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n", body.len())
                    .as_bytes(),
            );
            out.extend_from_slice(body);
            (out, false)
        }
        1 => {
            out.extend_from_slice(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
            let mut rest = body;
            for &size in sizes.iter().cycle().take(body.len()) {
                if rest.is_empty() {
                    break;
                }
                let (chunk, tail) = rest.split_at(size.clamp(1, rest.len()));
                out.extend_from_slice(alloc::format!("{:x}\r\n", chunk.len()).as_bytes());
                out.extend_from_slice(chunk);
                out.extend_from_slice(b"\r\n");
                rest = tail;
            }
            out.extend_from_slice(b"0\r\n\r\n");
            (out, false)
        }
        _ => {
            out.extend_from_slice(b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n");
            out.extend_from_slice(body);
            (out, true)
        }
    }
}

proptest::proptest! {
    /// Any body in any framing, cut anywhere, reads back whole and the same as read in one piece.
    #[test]
    fn any_framing_cut_anywhere_reads_the_body(
        body in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..300),
        framing in 0u8..3,
        sizes in proptest::collection::vec(1usize..40, 1..8),
        mut cuts in proptest::collection::vec(0usize..400, 0..6),
    ) {
        let (bytes, eof) = framed(&body, framing, &sizes);
        cuts.iter_mut().for_each(|cut| *cut = (*cut).min(bytes.len()));
        cuts.sort_unstable();
        let read = read_chunks(&bytes, &cuts, eof);
        proptest::prop_assert_eq!(&read, &read_chunks(&bytes, &[], eof));
        proptest::prop_assert_eq!(read.status, Some(200));
        proptest::prop_assert_eq!(&read.body, &body);
        proptest::prop_assert!(read.ended && read.error.is_none());
    }

    /// Arbitrary bytes never panic, and every chunking of them reads the same.
    #[test]
    fn arbitrary_bytes_read_the_same_at_any_cut(
        bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..200),
        mut cuts in proptest::collection::vec(0usize..200, 0..6),
        eof in proptest::prelude::any::<bool>(),
    ) {
        cuts.iter_mut().for_each(|cut| *cut = (*cut).min(bytes.len()));
        cuts.sort_unstable();
        proptest::prop_assert_eq!(read_chunks(&bytes, &cuts, eof), read_chunks(&bytes, &[], eof));
    }
}
