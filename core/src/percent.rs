//! Percent-encoding (RFC 3986 §2.1) and hex digits: the one implementation of each.
//!
//! Every encoder keeps the unreserved characters `A-Z a-z 0-9 - . _ ~` and writes upper-case
//! hex for the rest, which is what SigV4 canonicalization ("URI-encode each byte except the
//! unreserved characters"), botocore's `{modelId}` label encoding (`:` → `%3A`, `/` → `%2F`)
//! and its `percent_encode_sequence` for form bodies all produce. SigV4 also keeps `/` in a
//! canonical path; digests are written in lower-case hex.

use alloc::string::String;
use alloc::vec::Vec;

/// A lookup table of the bytes left as-is: RFC 3986 unreserved characters plus `also`.
const fn safe_table(also: &[u8]) -> [bool; 256] {
    let mut table = [false; 256];
    let mut i = 0;
    while i < 256 {
        #[expect(clippy::cast_possible_truncation, reason = "i < 256")]
        let b = i as u8;
        table[i] = b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~');
        i += 1;
    }
    let mut j = 0;
    while j < also.len() {
        table[also[j] as usize] = true;
        j += 1;
    }
    table
}

/// Unreserved characters: the set kept as-is in query keys and values.
static UNRESERVED: [bool; 256] = safe_table(b"");
/// Unreserved characters and `/`: the set kept as-is in a canonical URI path.
static PATH_SAFE: [bool; 256] = safe_table(b"/");

const UPPER_HEX: &[u8; 16] = b"0123456789ABCDEF";
const LOWER_HEX: &[u8; 16] = b"0123456789abcdef";

/// Appends `input` to `out`, percent-encoding every byte outside `safe`.
fn encode_with(out: &mut Vec<u8>, input: &[u8], safe: &[bool; 256]) {
    let mut rest = input;
    while !rest.is_empty() {
        // Copy the longest run of safe bytes in one go.
        let run = rest
            .iter()
            .position(|&b| !safe[usize::from(b)])
            .unwrap_or(rest.len());
        out.extend_from_slice(&rest[..run]);
        if let Some(&b) = rest.get(run) {
            push_escape(out, b);
            rest = &rest[run + 1..];
        } else {
            rest = &[];
        }
    }
}

/// Appends `%XX` for `b`, upper-case hex as SigV4 requires.
fn push_escape(out: &mut Vec<u8>, b: u8) {
    out.extend_from_slice(&[
        b'%',
        UPPER_HEX[usize::from(b >> 4)],
        UPPER_HEX[usize::from(b & 15)],
    ]);
}

/// Appends `input` with every byte outside the unreserved set percent-encoded (query keys and
/// values, the encoded path of the double-encoding mode).
pub(crate) fn encode_component(out: &mut Vec<u8>, input: &[u8]) {
    encode_with(out, input, &UNRESERVED);
}

/// Appends `text` with every byte outside the unreserved set percent-encoded: a model id as a
/// path segment (`:` becomes `%3A`, `/` becomes `%2F`), a query or form value.
pub fn encode(out: &mut String, text: &str) {
    for &b in text.as_bytes() {
        if UNRESERVED[usize::from(b)] {
            out.push(char::from(b));
        } else {
            out.extend([
                '%',
                char::from(UPPER_HEX[usize::from(b >> 4)]),
                char::from(UPPER_HEX[usize::from(b & 15)]),
            ]);
        }
    }
}

/// Appends a path segment run, percent-encoding every byte outside unreserved and `/`.
/// `%` itself is encoded, which is what makes the encoding of an already-encoded path double.
pub(crate) fn encode_path_double(out: &mut Vec<u8>, input: &[u8]) {
    encode_with(out, input, &PATH_SAFE);
}

/// Appends a path run encoded once: bytes outside unreserved and `/` are encoded, except that a
/// valid `%XX` escape already present is kept (with its hex digits upper-cased).
pub(crate) fn encode_path_single(out: &mut Vec<u8>, input: &[u8]) {
    let mut i = 0;
    while i < input.len() {
        let b = input[i];
        if b == b'%'
            && let Some(byte) = escape_at(input, i)
        {
            push_escape(out, byte);
            i += 3;
            continue;
        }
        if PATH_SAFE[usize::from(b)] {
            out.push(b);
        } else {
            push_escape(out, b);
        }
        i += 1;
    }
}

/// The byte a valid `%XX` escape at `input[i]` stands for.
fn escape_at(input: &[u8], i: usize) -> Option<u8> {
    let hi = hex_value(*input.get(i + 1)?)?;
    let lo = hex_value(*input.get(i + 2)?)?;
    Some(hi << 4 | lo)
}

/// The value of one hex digit, either case.
#[inline]
pub(crate) fn hex_value(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Appends the percent-decoding of `input`. A `%` not followed by two hex digits is kept
/// literally; `+` is a literal plus (the query is RFC 3986, not form encoding).
pub(crate) fn decode_into(out: &mut Vec<u8>, input: &[u8]) {
    let mut i = 0;
    while i < input.len() {
        if input[i] == b'%'
            && let Some(byte) = escape_at(input, i)
        {
            out.push(byte);
            i += 3;
            continue;
        }
        out.push(input[i]);
        i += 1;
    }
}

/// Percent-decodes `text` into text, invalid UTF-8 replaced; a `%` not followed by two hex
/// digits stays as it is.
pub fn decode(text: &str) -> String {
    let mut out = Vec::with_capacity(text.len());
    decode_into(&mut out, text.as_bytes());
    String::from_utf8_lossy(&out).into_owned()
}

/// The two lower-case hex digits of every byte: one lookup per byte instead of two, which
/// matters to SigV4, which hex-encodes three digests per signature.
static LOWER_HEX_PAIRS: [[u8; 2]; 256] = {
    let mut table = [[0u8; 2]; 256];
    let mut i = 0;
    while i < 256 {
        table[i] = [LOWER_HEX[i >> 4], LOWER_HEX[i & 15]];
        i += 1;
    }
    table
};

/// Lower-case hex of `bytes` into `out`, which must be exactly twice as long.
pub(crate) fn hex_lower(bytes: &[u8], out: &mut [u8]) {
    for (pair, &b) in out.chunks_exact_mut(2).zip(bytes) {
        pair.copy_from_slice(&LOWER_HEX_PAIRS[usize::from(b)]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(f: fn(&mut Vec<u8>, &[u8]), input: &str) -> alloc::string::String {
        let mut out = Vec::new();
        f(&mut out, input.as_bytes());
        alloc::string::String::from_utf8(out).unwrap()
    }

    #[test]
    fn component_encoding_keeps_only_unreserved() {
        assert_eq!(run(encode_component, "a-._~Z9"), "a-._~Z9");
        assert_eq!(
            run(encode_component, "a b/c:d=e&f+%"),
            "a%20b%2Fc%3Ad%3De%26f%2B%25"
        );
        assert_eq!(run(encode_component, "\u{1234}"), "%E1%88%B4");
    }

    #[test]
    fn double_path_encoding_reencodes_escapes() {
        assert_eq!(
            run(encode_path_double, "/model/arn%3Aaws%2Fx/converse"),
            "/model/arn%253Aaws%252Fx/converse"
        );
        assert_eq!(
            run(encode_path_double, "/test/@connections"),
            "/test/%40connections"
        );
    }

    #[test]
    fn single_path_encoding_keeps_valid_escapes() {
        assert_eq!(
            run(encode_path_single, "/example space/"),
            "/example%20space/"
        );
        assert_eq!(
            run(encode_path_single, "/example%20space/"),
            "/example%20space/"
        );
        assert_eq!(run(encode_path_single, "/a%3ab"), "/a%3Ab");
        assert_eq!(run(encode_path_single, "/100%"), "/100%25");
        assert_eq!(run(encode_path_single, "/%zz"), "/%25zz");
        assert_eq!(run(encode_path_single, "/\u{1234}"), "/%E1%88%B4");
    }

    #[test]
    fn decoding_is_lenient_about_stray_percent() {
        assert_eq!(run(decode_into, "%E1%88%B4=a+b"), "\u{1234}=a+b");
        assert_eq!(run(decode_into, "100%"), "100%");
        assert_eq!(run(decode_into, "%4"), "%4");
        assert_eq!(run(decode_into, "%g0"), "%g0");
    }

    #[test]
    fn text_encoding_matches_component_encoding() {
        for input in ["a-._~Z9", "a b/c:d=e&f+%", "\u{1234}", ""] {
            let mut text = String::new();
            encode(&mut text, input);
            assert_eq!(text, run(encode_component, input));
            assert_eq!(decode(&text), input);
        }
    }

    #[test]
    fn decoding_text() {
        assert_eq!(
            decode("arn%3Aaws%3Abedrock%3Aus-west-2%3A1%3Ainference-profile%2Fx%3A0"),
            "arn:aws:bedrock:us-west-2:1:inference-profile/x:0"
        );
        assert_eq!(decode("%E1%88%B4"), "\u{1234}");
        assert_eq!(decode("%e1%88%b4"), "\u{1234}");
        for kept in ["100%", "a%zz%4", "%4", "%+1", "%"] {
            assert_eq!(decode(kept), kept);
        }
        assert_eq!(decode("%FF"), "\u{fffd}");
    }

    #[test]
    fn hex_is_lower_case() {
        let mut out = [0u8; 4];
        hex_lower(&[0xAB, 0x01], &mut out);
        assert_eq!(&out, b"ab01");
    }
}
